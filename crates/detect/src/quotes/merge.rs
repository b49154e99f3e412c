//! The report's quotations: the learned tagger's attributions, completed by the rules'
//! quotations it did not find, with speakers resolved.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

use super::antecedent::{source_word, Antecedents};
use super::attribution::split_role;
use super::scan::{Found, FoundQuote};
use super::tagger::{self, assemble::Tagged, link::Linker, Tagger};
use crate::report::QuoteKind;

/// An attribution in the report's terms (byte ranges).
#[derive(Clone, Debug, PartialEq)]
pub struct Attributed {
    /// The quotation and speaker as the report shows them.
    pub quote: FoundQuote,
    /// The source as written.
    pub source: Option<Range<usize>>,
    /// The reporting words.
    pub cue: Option<Range<usize>>,
}

/// Personal and possessive pronouns: a source that is one of them names the last named
/// speaker before it.
pub(crate) const PRONOUNS: &[&str] = &[
    "he", "she", "they", "i", "we", "it", "him", "her", "them", "you", "his", "their", "its",
    "our", "my",
];

/// Relative pronouns: a source that is one of them names the phrase before it ("aides,
/// who said …").
const RELATIVES: &[&str] = &["who", "which", "that", "whom"];

/// The phrase right before byte `at`: back to a punctuation mark or at most six words
/// (twelve word-boundary pieces, spaces counted).
fn antecedent(text: &str, at: usize) -> Option<Range<usize>> {
    let before = text[..at].trim_end().trim_end_matches(',').trim_end();
    let mut start = before.len();
    for (n, (i, w)) in before.split_word_bound_indices().rev().enumerate() {
        if n > 12 || w.contains([',', '.', ';', ':', '!', '?', '"', '“', '”', '(', ')', '\n']) {
            break;
        }
        start = i;
    }
    let r = start..before.len();
    let r = unspin_text::segment::trim(text, r);
    (!r.is_empty()).then_some(r)
}

/// `direct` when every part sits between quotation marks, `mixed` when some words of it
/// do, `indirect` otherwise.
fn kind(text: &str, content: &[Range<usize>]) -> QuoteKind {
    let is_open = |c: char| matches!(c, '“' | '"' | '«' | '‘');
    let is_close = |c: char| matches!(c, '”' | '"' | '»' | '’');
    let quoted = |r: &Range<usize>| {
        let before = text[..r.start].trim_end().chars().next_back().is_some_and(is_open)
            || text[r.clone()].starts_with(is_open);
        let after = text[r.end..].trim_start().chars().next().is_some_and(is_close)
            || text[r.clone()].trim_end_matches(['.', ',']).ends_with(is_close);
        before && after
    };
    if content.iter().all(quoted) {
        QuoteKind::Direct
    } else if content.iter().any(|r| text[r.clone()].contains(['“', '"', '«'])) {
        QuoteKind::Mixed
    } else {
        QuoteKind::Indirect
    }
}

/// The speaker a source names, with its role; pronouns resolve to `last` (the last named
/// speaker before it).
pub(crate) fn speaker(
    text: &str,
    source: &Range<usize>,
    last: &Option<String>,
) -> (Option<String>, Option<String>) {
    let source = &super::time::without_time(text, &trim_clause_words(text, source));
    let words: Vec<&str> = text[source.clone()]
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && !matches!(c, '.' | '\'' | '’')))
        .collect();
    if let [w] = words.as_slice() {
        let w = without_contraction(&w.to_lowercase());
        if PRONOUNS.contains(&w.as_str()) {
            return (last.clone(), None);
        }
        if RELATIVES.contains(&w.as_str()) {
            return match antecedent(text, source.start) {
                Some(r) if !r.is_empty() => speaker(text, &r, last),
                _ => (None, None),
            };
        }
    }
    if let Some((name, role)) = appositive(text, source) {
        return match speaker(text, &name, last) {
            (Some(n), r) => (Some(n), role.or(r)),
            (None, _) => (None, None),
        };
    }
    match split_role(&words) {
        Some(s) if !s.pronoun => (Some(s.name), s.role),
        _ => (Some(words.join(" ")).filter(|s| !s.is_empty()), None),
    }
}

/// Words that join clauses: no name starts with one ("that investigators", "but
/// officials") or ends with a relative pronoun ("some commentators who").
const CLAUSE_WORDS: &[&str] = &[
    "that", "but", "and", "which", "while", "as", "because", "if", "when", "so", "or", "though",
    "although", "who",
];

/// `source` without clause words at its start and a relative pronoun at its end (the
/// whole of it if nothing else would be left).
fn trim_clause_words(text: &str, source: &Range<usize>) -> Range<usize> {
    let s = &text[source.clone()];
    let mut start = 0;
    let mut end = s.len();
    while let Some((w, rest)) = s[start..end].split_once(char::is_whitespace) {
        if !CLAUSE_WORDS.contains(&w.to_lowercase().as_str()) || rest.trim().is_empty() {
            break;
        }
        start = end - rest.trim_start().len();
    }
    if let Some((rest, w)) = s[start..end].trim_end().rsplit_once(char::is_whitespace) {
        if matches!(w.to_lowercase().as_str(), "who" | "which" | "that") && !rest.trim().is_empty()
        {
            end = start + rest.trim_end().len();
        }
    }
    source.start + start..source.start + end
}

/// A pronoun without a contraction after it: "he’s" → "he", "they're" → "they" (a source
/// "He’s" in "He’s claiming that …" is the pronoun).
pub(crate) fn without_contraction(w: &str) -> String {
    let w = w.replace('’', "'");
    for suffix in ["'s", "'d", "'ll", "'re", "'ve", "'m"] {
        if let Some(stem) = w.strip_suffix(suffix) {
            if PRONOUNS.contains(&stem) {
                return stem.to_string();
            }
        }
    }
    w
}

/// Words that start a phrase with a capital letter without naming anyone.
pub(crate) const NOT_NAMES: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "some", "many", "most", "several", "one",
    "two", "both", "all", "other", "another", "such",
];

/// Whether a speaker names someone: one of its words is capitalised and is not a
/// determiner ("Jane Diaz", "the Pentagon"; not "The aide", "officials").
pub(crate) fn is_named(speaker: &str) -> bool {
    speaker.split_whitespace().any(|w| {
        w.chars().next().is_some_and(char::is_uppercase)
            && !NOT_NAMES.contains(&w.to_lowercase().as_str())
    })
}

/// A source of the form "NAME, DESCRIPTION" ("Dr. Elena Park, a biologist at Eastfield
/// University", "Hicks, his campaign spokeswoman,"): the name's range and the description.
fn appositive(text: &str, source: &Range<usize>) -> Option<(Range<usize>, Option<String>)> {
    let s = &text[source.clone()];
    let comma = s.find(',')?;
    let name = unspin_text::segment::trim(text, source.start..source.start + comma);
    let rest = s[comma + 1..].trim().trim_end_matches(',').trim();
    let named = is_named(&text[name.clone()]) && text[name.clone()].split_whitespace().count() <= 5;
    (named && !name.is_empty()).then(|| (name, (!rest.is_empty()).then(|| rest.to_string())))
}

/// Whether two ranges overlap.
fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// The attributions of `text`: the tagger's, then the rules' quotations that overlap
/// none of them; a tagged attribution without a speaker takes that of a rule quotation
/// over the same words.
pub fn attributions(text: &str, rules: &Found) -> Vec<Attributed> {
    attributions_with(text, rules, tagger::shipped(), tagger::link::shipped(), None)
}

/// [`attributions`] with a given tagger (none: the rules' quotations alone), source
/// linker (none: the nearest-cue rule) and the text's token vectors (for a tagger that
/// reads them).
pub fn attributions_with(
    text: &str,
    rules: &Found,
    model: Option<&Tagger>,
    linker: Option<&Linker>,
    vectors: Option<&tagger::TokenVectors>,
) -> Vec<Attributed> {
    let Some(model) = model else {
        return rules.quotes.iter().map(|q| from_rules(q.clone())).collect();
    };
    let spans = model.tag_with(text, vectors);
    let tagged = tagged(text, &spans, linker);
    let rule_index = Spans::new(rules.quotes.iter().map(|q| q.range.clone()));
    let antecedents = Antecedents::new(text, &spans, &tagged);
    let ranker = linker.and_then(|l| l.antecedents.as_ref());
    let mut out: Vec<Attributed> = Vec::new();
    for t in &tagged {
        let at = t.source.as_ref().map_or(t.extent().start, |s| s.start);
        let word = t.source.as_ref().map(|s| source_word(text, s)).unwrap_or_default();
        let referent = antecedents.resolve(at, &word, ranker);
        out.push(from_tagger(text, t, rules, &rule_index, &referent));
    }
    for a in &mut out {
        according_to_after(text, rules, a);
    }
    let tagged_index = Spans::new(out.iter().map(|a| a.quote.range.clone()));
    for q in &rules.quotes {
        if tagged_index.first(&q.range, |_| true).is_none() {
            out.push(from_rules(q.clone()));
        }
    }
    out.sort_by_key(|a| (a.quote.range.start, a.quote.range.end));
    out
}

/// The tagger's attributions over its `spans`, sources chosen by `linker` (none: the
/// nearest-cue rule) and completed to their noun phrases: the linker chose among the
/// spans as tagged; who spoke is read from whole phrases.
pub(crate) fn tagged(text: &str, spans: &[tagger::Span], linker: Option<&Linker>) -> Vec<Tagged> {
    let mut tagged = tagger::assemble::attributions(text, spans, linker);
    for t in &mut tagged {
        t.source = t.source.take().map(|s| super::phrase::noun_phrase(text, s));
    }
    tagged
}

/// "…, according to X." ends the sentence of an attribution: X is the source of
/// everything the sentence reports ("Most voters said they were tired, according to a
/// Gallup poll": the poll, not the voters), so it becomes the attribution's source,
/// speaker and cue.
fn according_to_after(text: &str, rules: &Found, a: &mut Attributed) {
    let end = a.quote.range.end;
    // Sources are in text order.
    let k = rules.sources.partition_point(|s| s.range.start < end);
    let Some(s) = rules.sources.get(k) else { return };
    let gap = &text[end..s.range.start];
    let cited = &text[s.range.clone()];
    let same_sentence = !gap.contains(['.', '!', '?', '\n', ';']) && gap.len() < 200;
    if !same_sentence || !cited.to_lowercase().starts_with("according to") {
        return;
    }
    let cue = s.range.start..s.range.start + "according to".len();
    let source = unspin_text::segment::trim(text, cue.end..s.range.end);
    (a.quote.speaker, a.quote.role) = speaker(text, &source, &None);
    a.source = Some(source);
    a.cue = Some(cue);
}

/// Ranges indexed for "which of them overlap this one" in logarithmic time plus the
/// overlapping ones (sorted by start, with the running maximum of their ends).
struct Spans {
    /// (range, position in the input), sorted by start.
    sorted: Vec<(Range<usize>, usize)>,
    /// `max_end[i]`: the largest end among `sorted[..=i]`.
    max_end: Vec<usize>,
}

impl Spans {
    fn new(ranges: impl Iterator<Item = Range<usize>>) -> Spans {
        let mut sorted: Vec<(Range<usize>, usize)> = ranges.zip(0..).collect();
        sorted.sort_by_key(|(r, i)| (r.start, *i));
        let max_end = sorted
            .iter()
            .scan(0, |m, (r, _)| {
                *m = r.end.max(*m);
                Some(*m)
            })
            .collect();
        Spans { sorted, max_end }
    }

    /// The first (in input order) range overlapping `r` whose input position passes `keep`.
    fn first(&self, r: &Range<usize>, keep: impl Fn(usize) -> bool) -> Option<usize> {
        let p = self.sorted.partition_point(|(s, _)| s.start < r.end);
        (0..p)
            .rev()
            .take_while(|&j| self.max_end[j] > r.start)
            .filter(|&j| overlaps(&self.sorted[j].0, r) && keep(self.sorted[j].1))
            .map(|j| self.sorted[j].1)
            .min()
    }
}

fn from_rules(quote: FoundQuote) -> Attributed {
    Attributed { quote, source: None, cue: None }
}

fn from_tagger(
    text: &str,
    t: &Tagged,
    rules: &Found,
    index: &Spans,
    last: &Option<String>,
) -> Attributed {
    let range = t.extent();
    let (mut name, mut role) = match &t.source {
        Some(s) => speaker(text, s, last),
        None => (None, None),
    };
    if name.is_none() {
        let named = |i: usize| rules.quotes[i].speaker.is_some();
        if let Some(q) = index.first(&range, named).map(|i| &rules.quotes[i]) {
            (name, role) = (q.speaker.clone(), q.role.clone());
        }
    }
    let quote = FoundQuote { range, speaker: name, role, kind: kind(text, &t.content) };
    Attributed { quote, source: t.source.clone(), cue: t.cue.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(text: &str, source: &str, last: Option<&str>) -> (Option<String>, Option<String>) {
        let start = text.find(source).unwrap();
        speaker(text, &(start..start + source.len()), &last.map(String::from))
    }

    #[test]
    fn sources_resolve_to_names() {
        let t = "Dr. Elena Park, a biologist at Eastfield University, said it was lost.";
        let (name, role) = who(t, "Dr. Elena Park, a biologist at Eastfield University", None);
        assert_eq!(name.as_deref(), Some("Elena Park"));
        assert_eq!(role.as_deref(), Some("a biologist at Eastfield University"));
        assert_eq!(who("Then she said so.", "she", Some("Ann Roe")).0.as_deref(), Some("Ann Roe"));
        // The caller passes a plural pronoun its group ([`Antecedents::before`]).
        assert_eq!(who("They said so.", "They", Some("Democrats")).0.as_deref(), Some("Democrats"));
        assert_eq!(who("They said so.", "They", None).0, None, "plural: unresolved");
        let t = "Polls show that investigators said so, and some commentators who agreed.";
        assert_eq!(who(t, "that investigators", None).0.as_deref(), Some("investigators"));
        assert_eq!(who(t, "some commentators who", None).0.as_deref(), Some("some commentators"));
        let t = "He’s claiming that it was lost.";
        assert_eq!(who(t, "He’s", Some("Ann Roe")).0.as_deref(), Some("Ann Roe"), "contraction");
        let t = "The deal pleased Senator Ann Roe, who said it was fair.";
        assert_eq!(who(t, "who", None).0.as_deref(), Some("Ann Roe"));
    }

    #[test]
    fn a_trailing_according_to_is_the_source_of_its_sentence() {
        let t = "Most voters said they were tired, according to a Gallup poll. Then it rained.";
        let rules = super::super::scan::find(t);
        let content = t.find("they").unwrap()..t.find(", according").unwrap();
        let quote = FoundQuote {
            range: content,
            speaker: Some("Most voters".into()),
            role: None,
            kind: QuoteKind::Indirect,
        };
        let mut a = Attributed { quote, source: None, cue: None };
        according_to_after(t, &rules, &mut a);
        assert_eq!(a.quote.speaker.as_deref(), Some("a Gallup poll"));
        assert_eq!(&t[a.cue.clone().unwrap()], "according to");
        assert_eq!(&t[a.source.clone().unwrap()], "a Gallup poll");
        // Another sentence's "according to" is not this attribution's.
        let t = "Voters said they were tired. It rained, according to the forecast.";
        let rules = super::super::scan::find(t);
        let range = t.find("they").unwrap()..t.find(". It").unwrap();
        let quote = FoundQuote { range, speaker: None, role: None, kind: QuoteKind::Indirect };
        let mut a = Attributed { quote, source: None, cue: None };
        according_to_after(t, &rules, &mut a);
        assert_eq!(a.quote.speaker, None);
    }

    #[test]
    fn overlap_index_finds_the_first_overlapping_range() {
        let idx = Spans::new([30..40, 0..100, 10..20, 50..60].into_iter());
        assert_eq!(idx.first(&(15..35), |_| true), Some(0));
        assert_eq!(idx.first(&(15..35), |i| i != 0), Some(1));
        assert_eq!(idx.first(&(60..70), |i| i != 1), None, "ends are exclusive");
        assert_eq!(idx.first(&(100..120), |_| true), None);
    }

    #[test]
    fn a_source_keeps_its_possessive_marks_as_written() {
        let t = "Sanders’ aides believe it. Mr. O'Neill’s staff agreed.";
        for source in ["Sanders’ aides", "Mr. O'Neill’s staff"] {
            let at = t.find(source).unwrap();
            let (name, _) = speaker(t, &(at..at + source.len()), &None);
            assert_eq!(name.as_deref().map(|n| t.contains(n)), Some(true), "{name:?}");
        }
    }

    #[test]
    fn only_named_speakers_are_pronoun_antecedents() {
        assert!(is_named("Jane Diaz") && is_named("the Pentagon"));
        assert!(!is_named("The aide") && !is_named("officials"));
    }

    #[test]
    fn kinds_follow_the_quotation_marks() {
        let t = "She said “we won” and that the rest was “a disgrace” to all.";
        let r = |s: &str| {
            let a = t.find(s).unwrap();
            a..a + s.len()
        };
        assert_eq!(kind(t, &[r("we won")]), QuoteKind::Direct);
        assert_eq!(kind(t, &[r("the rest was “a disgrace” to all")]), QuoteKind::Mixed);
        assert_eq!(kind(t, &[r("the rest was")]), QuoteKind::Indirect);
    }
}
