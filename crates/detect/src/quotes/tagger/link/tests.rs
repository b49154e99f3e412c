use unicode_segmentation::UnicodeSegmentation;

use super::super::{assemble, Role, Span};
use super::*;

/// The byte range of `part` in `text` (first occurrence at or after `from`).
fn at(text: &str, part: &str, from: usize) -> Range<usize> {
    let start = from + text[from..].find(part).unwrap();
    start..start + part.len()
}

fn span(range: Range<usize>, role: Role) -> Span {
    Span { range, role }
}

#[test]
fn the_shipped_linker_reads_and_names_this_builds_features() {
    let l = shipped().expect("models/attribution-link.json reads");
    assert_eq!(l.weights.len(), N);
    let json = serde_json::to_string(l).unwrap();
    assert!(Linker::from_json(&json).is_ok());
    assert!(Linker::from_json("{\"features\":[\"x\"],\"weights\":[1.0]}").is_err());
}

#[test]
fn both_shipped_linkers_carry_an_antecedent_ranker_and_a_stale_one_is_refused() {
    for (file, l) in
        [("attribution-link", shipped()), ("attribution-link-neural", shipped_neural())]
    {
        let l = l.unwrap_or_else(|| panic!("models/{file}.json reads"));
        let ranker = l.antecedents.as_ref().expect("it holds a ranker");
        assert!(ranker.is_valid(), "{file}");
    }
    let mut stale = shipped().unwrap().clone();
    if let Some(r) = stale.antecedents.as_mut() {
        r.features.pop();
        r.weights.pop();
    }
    let json = serde_json::to_string(&stale).unwrap();
    assert!(Linker::from_json(&json).is_err(), "a ranker of other features");
}

#[test]
fn a_speaker_introducing_the_next_paragraph_is_linked_across_the_break() {
    let text = "Cruz continued:\n\n“You look at the questions asked tonight.”\n";
    let spans = [
        span(at(text, "Cruz", 0), Role::Source),
        span(at(text, "continued", 0), Role::Cue),
        span(at(text, "You look at the questions asked tonight.", 0), Role::Content),
    ];
    let rule = assemble::attributions(text, &spans, None);
    assert_eq!(rule[0].source, None, "the nearest-cue rule stays within a paragraph");
    let linked = assemble::attributions(text, &spans, shipped());
    assert_eq!(linked[0].source.clone().map(|r| &text[r]), Some("Cruz"));
}

#[test]
fn an_untagged_subject_of_the_cue_is_a_candidate() {
    let text = "Ms. Boxer, who was in Nevada on Saturday, called what she witnessed terrible.";
    let spans = [
        span(at(text, "called", 0), Role::Cue),
        span(at(text, "what she witnessed terrible", 0), Role::Content),
    ];
    let g = assemble::group(text, &spans);
    let c = candidates(text, &g.spans(), &g.attributions[0], None);
    let sources: Vec<&str> = c.iter().filter_map(|c| c.source.clone()).map(|r| &text[r]).collect();
    assert_eq!(sources, ["Ms. Boxer, who was in Nevada on Saturday"]);
}

#[test]
fn candidates_slice_the_text_whatever_its_characters() {
    let text = "Ana 😀 Lía dijo:\r\n\r\n«Ça va» — “Ünïcode 😀 text,” añadió ella. 天气 said “好”.";
    let words: Vec<Range<usize>> = text
        .split_word_bound_indices()
        .filter(|(_, w)| !w.trim().is_empty())
        .map(|(i, w)| i..i + w.len())
        .collect();
    for (k, w) in words.iter().enumerate() {
        let roles = [Role::Source, Role::Cue, Role::Content];
        let spans: Vec<Span> =
            words.iter().enumerate().map(|(j, r)| span(r.clone(), roles[(j + k) % 3])).collect();
        let g = assemble::group(text, &spans);
        for t in &g.attributions {
            for c in candidates(text, &g.spans(), t, None) {
                if let Some(r) = c.source {
                    assert!(text.get(r.clone()).is_some(), "{r:?} of {w:?}");
                }
            }
        }
    }
}

#[test]
fn a_source_between_the_parts_of_a_split_quotation_is_linked() {
    let text = "“We will build it,” she said, “and soon.”";
    let spans = [
        span(at(text, "We will build it,", 0), Role::Content),
        span(at(text, "she", 0), Role::Source),
        span(at(text, "said", 0), Role::Cue),
        span(at(text, "and soon.", 0), Role::Content),
    ];
    let linked = assemble::attributions(text, &spans, shipped());
    assert_eq!(linked.len(), 1, "{linked:?}");
    assert_eq!(linked[0].source.clone().map(|r| &text[r]), Some("she"));
}
