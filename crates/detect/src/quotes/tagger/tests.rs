use unspin_eval::polnear::{Article, Attribution};

use super::*;

fn spans_of(t: &Tagger, text: &str) -> Vec<(Role, String)> {
    t.tag(text).into_iter().map(|s| (s.role, text[s.range].to_string())).collect()
}

/// The range of `part` in `text` (first occurrence; the texts here are ASCII, so byte and
/// character offsets agree).
fn at(text: &str, part: &str) -> Range<usize> {
    let start = text.find(part).unwrap();
    start..start + part.len()
}

/// A small corpus written for this test: one attribution per paragraph, varied names,
/// verbs and contents.
fn corpus() -> Vec<Article> {
    let names = ["Jane Diaz", "Omar Haddad", "the mayor", "Council officials", "Lee Park"];
    let verbs = ["said", "told reporters", "argued", "warned", "insisted"];
    let says = ["the plan would fail", "taxes must rise", "the bridge is safe", "prices will fall"];
    let mut out = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let mut text = String::new();
        let mut attributions = Vec::new();
        for (j, verb) in verbs.iter().enumerate() {
            let content = says[(j + k) % says.len()];
            let para = format!("On Monday {name} {verb} that {content}. The weather was mild.\n");
            let base = text.len();
            text.push_str(&para);
            let shift = |r: Range<usize>| std::iter::once(r.start + base..r.end + base).collect();
            attributions.push(Attribution {
                content: shift(at(&para, content)),
                cue: shift(at(&para, verb)),
                source: shift(at(&para, name)),
            });
        }
        out.push(Article { name: format!("a{k}"), text, attributions });
    }
    out
}

#[test]
fn learns_source_cue_and_content_from_annotations() {
    let examples = train::examples(&corpus());
    let mut epochs = 0;
    let t = train::train(&examples, 12, 5, 1, |_, _| epochs += 1);
    assert_eq!(epochs, 5);
    let text = "On Monday Lee Park warned that taxes must rise. The weather was mild.";
    let spans = spans_of(&t, text);
    assert!(spans.contains(&(Role::Source, "Lee Park".into())), "{spans:?}");
    assert!(spans.contains(&(Role::Cue, "warned".into())), "{spans:?}");
    assert!(spans.contains(&(Role::Content, "taxes must rise".into())), "{spans:?}");
    assert!(!spans.iter().any(|(_, s)| s.contains("weather")), "{spans:?}");
}

#[test]
fn model_files_round_trip_and_bad_ones_are_refused() {
    let examples = train::examples(&corpus());
    let t = train::train(&examples, 10, 2, 7, |_, _| {});
    let bytes = t.to_bytes();
    let back = Tagger::from_bytes(&bytes).unwrap();
    let text = "On Monday Jane Diaz said that the plan would fail.";
    assert_eq!(spans_of(&back, text), spans_of(&t, text));
    assert!(Tagger::from_bytes(&bytes[..bytes.len() - 1]).is_err(), "truncated");
    assert!(Tagger::from_bytes(b"not a model").is_err(), "no header");
    let mut wrong = bytes.clone();
    wrong[16] = 40;
    assert!(Tagger::from_bytes(&wrong).is_err(), "table size out of range");
}

#[test]
fn the_shipped_tagger_reads_and_finds_an_attribution() {
    let t = shipped().expect("models/attribution.bin is embedded and reads");
    let text =
        "\u{201c}We will not close the library,\u{201d} the mayor, Ruth Okafor, said on Tuesday.";
    let spans = spans_of(t, text);
    assert!(spans.iter().any(|(r, s)| *r == Role::Cue && s == "said"), "{spans:?}");
    assert!(spans.iter().any(|(r, s)| *r == Role::Content && s.contains("library")), "{spans:?}");
    assert!(spans.iter().any(|(r, s)| *r == Role::Source && s.contains("Okafor")), "{spans:?}");
}

#[test]
fn empty_and_odd_texts_tag_without_panicking() {
    let t = shipped().unwrap();
    for text in ["", "\n\n", "\u{feff}", "\"", "said said said", "😀 \r\n Москва “"] {
        for s in t.tag(text) {
            assert!(s.range.start < s.range.end && text.is_char_boundary(s.range.start));
            assert!(text.is_char_boundary(s.range.end));
        }
    }
}

/// The recipe the test's vectors claim.
fn recipe() -> VectorRecipe {
    VectorRecipe { layers: vec![2, 4], norm: 2.0 }
}

/// Vectors that carry one fact the words do not: a 1 in the first slot for the tokens of
/// the word `mark` wherever it occurs, zeros elsewhere.
fn marking(text: &str, mark: &str) -> TokenVectors {
    let toks = unspin_text::segment::tokens(text);
    let mut data = vec![0.0; toks.len() * 2];
    for (i, t) in toks.iter().enumerate() {
        data[2 * i + usize::from(t.text(text) != mark)] = 1.0;
    }
    TokenVectors { recipe: recipe(), dim: 2, data }
}

#[test]
fn a_dense_tagger_learns_from_token_vectors_and_round_trips() {
    let articles = corpus();
    // The vectors mark the cue word of each article: the sparse features alone see it too,
    // so the test checks that training and decoding read the vectors and keep working.
    let vectors: Vec<_> =
        articles.iter().map(|a| Some(std::sync::Arc::new(marking(&a.text, "said")))).collect();
    let t = train::train(&train::examples_with(&articles, &vectors), 12, 5, 1, |_, _| {});
    assert_eq!(t.dim(), 2);
    assert_eq!(t.recipe(), Some(&recipe()), "the recipe of the vectors it learned from");
    let untrained = train::train(&train::examples(&articles), 12, 1, 1, |_, _| {});
    assert_eq!(untrained.recipe(), None, "no vectors, no recipe");
    let text = "On Monday Jane Diaz said that the plan would fail.";
    let v = marking(text, "said");
    let with = t.tag_with(text, Some(&v));
    assert!(with.iter().any(|s| s.role == Role::Source && &text[s.range.clone()] == "Jane Diaz"));
    let bytes = t.to_bytes();
    let back = Tagger::from_bytes(&bytes).unwrap();
    assert_eq!(back.recipe(), Some(&recipe()));
    assert_eq!(back.tag_with(text, Some(&v)), with);
    assert!(Tagger::from_bytes(&bytes[..bytes.len() - 1]).is_err(), "truncated");
    // Vectors of another length, or made another way, are not read (the sparse part
    // alone tags).
    let other = TokenVectors { recipe: recipe(), dim: 3, data: vec![1.0; 3 * 20] };
    assert_eq!(back.tag_with(text, Some(&other)), back.tag_with(text, None));
    let layers = VectorRecipe { layers: vec![4], ..recipe() };
    let another = TokenVectors { recipe: layers, ..v.clone() };
    assert_eq!(back.tag_with(text, Some(&another)), back.tag_with(text, None));
}

#[test]
fn taggers_trained_in_different_orders_average_into_their_mean() {
    let examples = train::examples(&corpus());
    let (a, b) = (
        train::train(&examples, 12, 3, 1, |_, _| {}),
        train::train(&examples, 12, 3, 5, |_, _| {}),
    );
    assert_ne!(a.emission, b.emission, "the two orders give different taggers");
    let m = train::average(&[a.clone(), b.clone()]);
    for k in 0..a.emission.len() {
        assert!((m.emission[k] - (a.emission[k] + b.emission[k]) / 2.0).abs() < 1e-6);
    }
    for k in 0..a.transition.len() {
        assert!((m.transition[k] - (a.transition[k] + b.transition[k]) / 2.0).abs() < 1e-6);
    }
    assert_eq!(train::average(std::slice::from_ref(&a)).to_bytes(), a.to_bytes());
    let text = "On Monday Lee Park warned that taxes must rise. The weather was mild.";
    let spans = spans_of(&m, text);
    assert!(spans.contains(&(Role::Source, "Lee Park".into())), "{spans:?}");
    assert!(spans.contains(&(Role::Content, "taxes must rise".into())), "{spans:?}");
}

#[test]
#[should_panic(expected = "taggers of different shapes")]
fn taggers_of_different_sizes_do_not_average() {
    train::average(&[Tagger::zeros(10), Tagger::zeros(11)]);
}
