//! The report's quotations: the learned tagger's attributions, completed by the rules'
//! quotations it did not find, with speakers resolved.

use std::collections::HashSet;
use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

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
fn speaker(
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
const NOT_NAMES: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "some", "many", "most", "several", "one",
    "two", "both", "all", "other", "another", "such",
];

/// Whether a speaker names someone: one of its words is capitalised and is not a
/// determiner ("Jane Diaz", "the Pentagon"; not "The aide", "officials").
fn is_named(speaker: &str) -> bool {
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
    let mut tagged = tagger::assemble::attributions(text, &spans, linker);
    // The linker chose among the spans as tagged; who spoke is read from whole phrases.
    for t in &mut tagged {
        t.source = t.source.take().map(|s| super::phrase::noun_phrase(text, s));
    }
    let rule_index = Spans::new(rules.quotes.iter().map(|q| q.range.clone()));
    // The sentences with named subjects, found only if a pronoun precedes every named
    // speaker (most articles name one first).
    let subjects = std::cell::OnceCell::new();
    // Built on the first pronoun source (most attributions name their source).
    let antecedents = std::cell::OnceCell::new();
    let mut out: Vec<Attributed> = Vec::new();
    for t in &tagged {
        let at = t.source.as_ref().map_or(t.extent().start, |s| s.start);
        let word =
            t.source.as_ref().map(|s| without_contraction(&text[s.clone()].trim().to_lowercase()));
        let word = word.as_deref().unwrap_or("");
        let plural = PLURAL.contains(&word);
        let last = PRONOUNS
            .contains(&word)
            .then(|| {
                antecedents
                    .get_or_init(|| Antecedents::new(text, &spans, &tagged))
                    .before(at, plural)
            })
            .flatten();
        // A group is never a sentence subject found as a last resort.
        let referent = if plural { last } else { pronoun_referent(text, &last, &subjects, at) };
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

/// Plural pronouns: they refer to a group.
const PLURAL: &[&str] = &["they", "them", "their", "we", "our"];

/// What pronoun sources refer to: the sources the tagger marked (linked to an attribution
/// or not) that name someone, by where they start. A pronoun refers to the nearest one
/// before it in the text — the rule PolNeAR's pronoun sources are scored by — and a
/// plural pronoun to the nearest group ("Republicans", "Smith and Jones"). A name must
/// hold a word the text capitalises inside a sentence, so "Instead" or "Unity" opening a
/// sentence and tagged as a source is no antecedent.
struct Antecedents {
    names: Vec<(usize, String)>,
    groups: Vec<(usize, String)>,
}

impl Antecedents {
    fn new(text: &str, spans: &[tagger::Span], tagged: &[Tagged]) -> Antecedents {
        let inside = inside_capitals(text);
        let linked = tagged.iter().filter_map(|t| t.source.clone());
        // Linked sources come completed to their noun phrase; marked ones are completed here.
        let marked = spans
            .iter()
            .filter(|s| s.role == tagger::Role::Source)
            .map(|s| super::phrase::noun_phrase(text, s.range.clone()));
        let mut names: Vec<(usize, String)> = linked
            .chain(marked)
            .filter_map(|r| {
                let name = speaker(text, &r, &None).0?;
                (is_named(&name) && proper(&inside, &name)).then_some((r.start, name))
            })
            .collect();
        names.sort_by_key(|(start, _)| *start);
        names.dedup_by_key(|(start, _)| *start);
        let groups = names.iter().filter(|(_, n)| is_group(&inside, n)).cloned().collect();
        Antecedents { names, groups }
    }

    /// The antecedent of a pronoun source at byte `at`.
    fn before(&self, at: usize, plural: bool) -> Option<String> {
        let pool = if plural { &self.groups } else { &self.names };
        let k = pool.partition_point(|(start, _)| *start < at);
        k.checked_sub(1).map(|k| pool[k].1.clone())
    }
}

/// Whether a name is of a group: two names joined ("Smith and Jones") or a plural last
/// word — lower-case ("officials"), or capitalised with its singular also capitalised
/// inside a sentence of the text (`inside`: "Democrats" beside "Democrat"; not
/// "Sanders").
fn is_group(inside: &HashSet<&str>, name: &str) -> bool {
    let last = name.split_whitespace().next_back().unwrap_or("");
    let possessive = last.ends_with("'s") || last.ends_with("’s");
    let Some(stem) = last.strip_suffix('s').filter(|s| !possessive && !s.ends_with('s')) else {
        return name.contains(" and ");
    };
    name.contains(" and ") || !is_cap_word(last) || inside.contains(stem)
}

/// The capitalised words found inside a sentence (not first in it) somewhere in `text`.
fn inside_capitals(text: &str) -> HashSet<&str> {
    let mut inside = HashSet::new();
    for r in unspin_text::segment::sentences(text) {
        inside.extend(text[r].unicode_words().skip(1).filter(|w| is_cap_word(w)));
    }
    inside
}

/// Whether a name holds a word the text capitalises inside a sentence ("Congress",
/// "Sanders"; not "Instead", "If", which open sentences only).
fn proper(inside: &HashSet<&str>, name: &str) -> bool {
    name.unicode_words().any(|w| {
        is_cap_word(w) && !NOT_NAMES.contains(&w.to_lowercase().as_str()) && inside.contains(w)
    })
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

/// Whom a pronoun source at byte `at` names: the last named speaker, else the last named
/// sentence subject before it (`subjects`, found on first need).
fn pronoun_referent(
    text: &str,
    last: &Option<String>,
    subjects: &std::cell::OnceCell<Vec<(usize, String)>>,
    at: usize,
) -> Option<String> {
    last.clone().or_else(|| last_subject(subjects.get_or_init(|| subject_names(text)), at))
}

/// The last named sentence subject before byte `at` (what a pronoun refers to when no
/// named speaker came before it).
fn last_subject(subjects: &[(usize, String)], at: usize) -> Option<String> {
    let k = subjects.partition_point(|(i, _)| *i < at);
    k.checked_sub(1).map(|k| subjects[k].1.clone())
}

/// Sentences whose subject is a name: the capitalised words a sentence starts with (after
/// any opening quotation mark), followed by a lower-case word, where the phrase has two
/// or more words or its word is also capitalised inside a sentence elsewhere in the text
/// (so a name, not just a sentence's first word). Byte offset and name, in text order.
fn subject_names(text: &str) -> Vec<(usize, String)> {
    let inside = inside_capitals(text);
    let mut out = Vec::new();
    for r in unspin_text::segment::sentences(text) {
        let words: Vec<(usize, &str)> = text[r.clone()].unicode_word_indices().take(5).collect();
        let n = words.iter().take_while(|(_, w)| is_cap_word(w)).count();
        let followed = words.get(n).is_some_and(|(_, w)| w.starts_with(char::is_lowercase));
        let name: Vec<&str> = words[..n].iter().map(|(_, w)| *w).collect();
        let first_ok =
            name.first().is_some_and(|w| !NOT_NAMES.contains(&w.to_lowercase().as_str()));
        let proper = name.len() >= 2 || name.first().is_some_and(|w| inside.contains(w));
        if n > 0
            && followed
            && first_ok
            && proper
            && !PRONOUNS.contains(&name[0].to_lowercase().as_str())
        {
            out.push((r.start + words[0].0, name.join(" ")));
        }
    }
    out
}

/// A word written with a capital first letter (a title such as "Mr" counts).
fn is_cap_word(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
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
    fn pronouns_refer_to_the_nearest_proper_source_before_them_and_plurals_to_groups() {
        let t = "Ann Roe spoke first. Instead the Democrats met. Later Ann Roe and the \
                 Democrats left. Instead was a word, as a Democrat said.";
        let span = |s: &str| {
            let start = t.find(s).unwrap();
            tagger::Span { range: start..start + s.len(), role: tagger::Role::Source }
        };
        let spans = [span("Ann Roe"), span("Instead"), span("the Democrats")];
        let a = Antecedents::new(t, &spans, &[]);
        let at = t.find("Later").unwrap();
        assert_eq!(a.before(at, false).as_deref(), Some("Democrats"), "nearest before");
        assert_eq!(a.before(at, true).as_deref(), Some("Democrats"), "a group");
        let at = t.find("Instead the").unwrap() + 1;
        assert_eq!(
            a.before(at, false).as_deref(),
            Some("Ann Roe"),
            "\"Instead\" opens sentences only"
        );
        assert_eq!(a.before(at, true), None, "no group before");
        let inside = inside_capitals(t);
        assert!(is_group(&inside, "Smith and Jones") && is_group(&inside, "officials"));
        assert!(is_group(&inside, "Democrats") && !is_group(&inside, "Mr. Ross"));
        assert!(!is_group(&inside, "Sanders") && !is_group(&inside, "Sanders’s"));
    }

    #[test]
    fn named_sentence_subjects_are_pronoun_antecedents_of_last_resort() {
        let t = "Meanwhile the vote was close. Rakeyia Scott can be heard shouting. \
                 Officials waited. \"Stop,\" she says. Scott left later, as Scott does.";
        let names: Vec<String> = subject_names(t).into_iter().map(|(_, n)| n).collect();
        assert_eq!(names, ["Rakeyia Scott", "Scott"], "{names:?}");
        let at = t.find("she says").unwrap();
        let subjects = subject_names(t);
        assert_eq!(last_subject(&subjects, at).as_deref(), Some("Rakeyia Scott"));
        assert_eq!(last_subject(&subjects, 0), None, "nothing before the first sentence");
        let cell = std::cell::OnceCell::new();
        let last = Some("Ann Roe".to_string());
        let named = pronoun_referent(t, &last, &cell, at);
        assert_eq!(named.as_deref(), Some("Ann Roe"), "speakers first");
        assert!(cell.get().is_none(), "subjects are not looked for while a speaker is named");
        let named = pronoun_referent(t, &None, &cell, at);
        assert_eq!(named.as_deref(), Some("Rakeyia Scott"));
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
