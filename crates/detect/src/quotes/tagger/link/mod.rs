//! Which tagged source said a tagged content: a learned linker. Each attribution's
//! candidates are the source spans near it (up to three on each side, within two
//! paragraph breaks) and "no source"; a log-linear model scores each candidate from what
//! lies between it and the content (sentence and paragraph breaks, cues, other contents
//! and sources, a colon), what the source is (pronoun, capitalised, length) and whether
//! the nearest-cue rule would pick it. Trained on PolNeAR `train` with the tagger's
//! out-of-fold spans (`unspin train attribution --link`), so it learns from the spans the
//! tagger really produces.

use std::ops::Range;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::assemble::{between, Tagged};
use crate::quotes::merge::{without_contraction, PRONOUNS};

pub mod train;

/// The candidate features, in weight order.
pub const FEATURES: [&str; 33] = [
    "none",
    "none & quoted content",
    "none & cue",
    "rule pick",
    "before",
    "after",
    "same sentence",
    "one sentence apart",
    "two sentences apart",
    "three or more sentences apart",
    "one paragraph break",
    "two paragraph breaks",
    "log gap",
    "touches the content's cue",
    "touches a cue",
    "before & touches the content's cue",
    "after & touches the content's cue",
    "contents between",
    "sources between",
    "pronoun",
    "relative pronoun",
    "capitalised",
    "log words",
    "before & colon before the content",
    "before & paragraph break & colon",
    "quoted content & after & another sentence",
    "the content's cue between",
    "nearest on its side",
    "quoted content & same sentence",
    "source inside the content",
    "the cue's subject, untagged",
    "subject & capitalised",
    "subject & log words",
];

/// Number of features.
pub const N: usize = FEATURES.len();

/// A candidate source of one attribution and its features.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The source span (none: the attribution has no source).
    pub source: Option<Range<usize>>,
    /// Its features.
    pub x: [f32; N],
}

/// The linker's weights (one per feature).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Linker {
    /// Feature names, in order (checked on load).
    pub features: Vec<String>,
    /// One weight per feature.
    pub weights: Vec<f32>,
    /// The pronoun antecedent ranker trained with it (none: the nearest-name rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub antecedents: Option<crate::quotes::antecedent::Ranker>,
}

/// Why a linker file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("attribution linker file: {0}")]
pub struct LinkerError(String);

impl Linker {
    /// A linker with the given weights.
    pub fn new(weights: [f32; N]) -> Linker {
        Linker {
            features: FEATURES.iter().map(|s| s.to_string()).collect(),
            weights: weights.to_vec(),
            antecedents: None,
        }
    }

    /// Reads a linker written as JSON by `unspin train attribution --link`.
    pub fn from_json(s: &str) -> Result<Linker, LinkerError> {
        let l: Linker = serde_json::from_str(s).map_err(|e| LinkerError(e.to_string()))?;
        let ranker_ok = l.antecedents.as_ref().is_none_or(|r| r.is_valid());
        if l.features != FEATURES || l.weights.len() != N || !ranker_ok {
            return Err(LinkerError("its features are not this build's".into()));
        }
        Ok(l)
    }

    /// A candidate's score.
    pub fn score(&self, x: &[f32; N]) -> f32 {
        x.iter().zip(&self.weights).map(|(a, b)| a * b).sum()
    }

    /// The best-scoring candidate's source.
    pub fn choose(&self, candidates: &[Candidate]) -> Option<Range<usize>> {
        crate::quotes::choice::best(candidates, |c| self.score(&c.x)).and_then(|c| c.source.clone())
    }
}

static SHIPPED: LazyLock<Option<Linker>> = LazyLock::new(|| {
    Linker::from_json(include_str!("../../../../../../models/attribution-link.json")).ok()
});

/// The linker shipped with unspin, if its embedded file reads.
pub fn shipped() -> Option<&'static Linker> {
    SHIPPED.as_ref()
}

static SHIPPED_NEURAL: LazyLock<Option<Linker>> = LazyLock::new(|| {
    Linker::from_json(include_str!("../../../../../../models/attribution-link-neural.json")).ok()
});

/// The linker shipped with the neural tagger ([`super::shipped_neural`]), if its embedded
/// file reads.
pub fn shipped_neural() -> Option<&'static Linker> {
    SHIPPED_NEURAL.as_ref()
}

/// A source further than this many bytes from the content is not a candidate.
const MAX_GAP: usize = 2_000;

/// Candidates on each side of the content.
const PER_SIDE: usize = 3;

/// Where a text's sentences end (`.`, `!`, `?`, possibly before a closing quotation mark,
/// then a space; or a line break) and its paragraphs break (runs of line breaks): byte
/// offsets, found in one pass, so the breaks between any two spans are counted by two
/// binary searches.
#[derive(Clone, Debug, Default)]
pub struct Breaks {
    sentences: Vec<usize>,
    paragraphs: Vec<usize>,
}

impl Breaks {
    /// The breaks of `text`.
    pub fn new(text: &str) -> Breaks {
        let mut out = Breaks::default();
        let (mut prev_end, mut prev_newline) = (false, false);
        for (i, c) in text.char_indices() {
            if c == '\n' {
                if !prev_newline {
                    out.paragraphs.push(i);
                    out.sentences.push(i);
                }
                (prev_newline, prev_end) = (true, false);
                continue;
            }
            prev_newline = false;
            if c.is_whitespace() && prev_end {
                out.sentences.push(i);
            }
            prev_end =
                matches!(c, '.' | '!' | '?') || (prev_end && matches!(c, '”' | '"' | '’' | ')'));
        }
        out
    }

    /// Sentence ends and paragraph breaks inside byte range `gap`.
    pub(crate) fn count(&self, gap: &Range<usize>) -> (usize, usize) {
        if gap.start >= gap.end {
            return (0, 0);
        }
        let within = |v: &[usize]| {
            v.partition_point(|&p| p < gap.end) - v.partition_point(|&p| p < gap.start)
        };
        (within(&self.sentences), within(&self.paragraphs))
    }
}

/// Whether only spaces and commas lie between `a` and `b`.
fn touches(text: &str, a: &Range<usize>, b: &Range<usize>) -> bool {
    let gap = between(text, a, b);
    gap.len() <= 4 && gap.chars().all(|c| c.is_whitespace() || c == ',')
}

/// Whether a range of `sorted` (in text order, not overlapping) touches `r`.
fn touches_any(text: &str, sorted: &[Range<usize>], r: &Range<usize>) -> bool {
    let k = sorted.partition_point(|c| c.start < r.start);
    [k.checked_sub(1), Some(k)]
        .into_iter()
        .flatten()
        .filter_map(|i| sorted.get(i))
        .any(|c| touches(text, c, r))
}

/// How many ranges of `sorted` lie inside `gap`.
fn inside(sorted: &[Range<usize>], gap: &Range<usize>) -> usize {
    let from = sorted.partition_point(|r| r.start < gap.start);
    sorted[from..].iter().take_while(|r| r.end <= gap.end).count()
}

/// Relative pronouns as a feature: the resolver's list and "whose".
const RELATIVES: &[&str] = &["who", "which", "that", "whom", "whose"];

/// The spans an attribution's candidates are drawn from, all in text order.
pub struct Spans<'a> {
    /// The text's sentence ends and paragraph breaks.
    pub breaks: &'a Breaks,
    /// Source spans.
    pub sources: &'a [Range<usize>],
    /// Cue spans.
    pub cues: &'a [Range<usize>],
    /// Content spans.
    pub contents: &'a [Range<usize>],
}

/// Whether the content parts of `t` sit between quotation marks.
fn quoted(text: &str, t: &Tagged) -> bool {
    let e = t.extent();
    let open = text[..e.start].trim_end().ends_with(['“', '"', '«'])
        || text[e.clone()].starts_with(['“', '"', '«']);
    let close = text[e.end..].trim_start().starts_with(['”', '"', '»'])
        || text[e].trim_end_matches(['.', ',']).ends_with(['”', '"', '»']);
    open && close
}

/// The candidates of attribution `t`: the nearby sources and "no source"; `rule` is the
/// source the nearest-cue rule picks.
pub fn candidates(
    text: &str,
    spans: &Spans<'_>,
    t: &Tagged,
    rule: Option<&Range<usize>>,
) -> Vec<Candidate> {
    let e = t.extent();
    let is_quoted = quoted(text, t);
    let mut none = [0.0; N];
    none[0] = 1.0;
    none[1] = f32::from(u8::from(is_quoted));
    none[2] = f32::from(u8::from(t.cue.is_some()));
    let mut out = vec![Candidate { source: None, x: none }];
    let k = spans.sources.partition_point(|s| s.start < e.start);
    let before = spans.sources[..k].iter().rev().take(PER_SIDE).enumerate();
    let after = spans.sources[k..].iter().take(PER_SIDE).enumerate();
    for (rank, s) in before.chain(after) {
        let gap = s.end.min(e.end)..s.start.max(e.start);
        if gap.len() > MAX_GAP || spans.breaks.count(&gap).1 > 2 {
            continue;
        }
        let x = features(text, spans, t, s, rank, is_quoted, rule);
        out.push(Candidate { source: Some(s.clone()), x });
    }
    let anchor = t.cue.clone().unwrap_or(e.start..e.start);
    if let Some(s) = subject(text, spans, &anchor) {
        let overlaps = |r: &Range<usize>| r.start < s.end && s.start < r.end;
        if !out.iter().any(|c| c.source.as_ref().is_some_and(overlaps)) {
            let mut x = features(text, spans, t, &s, PER_SIDE, is_quoted, rule);
            x[30] = 1.0;
            x[31] = x[21];
            x[32] = x[22];
            out.push(Candidate { source: Some(s), x });
        }
    }
    out
}

/// Whether `s` ends in a short capitalised word with a full stop ("Ms.", "Dr.", "U.S.",
/// an initial): an abbreviation, not a sentence end.
fn abbreviation(s: &str) -> bool {
    let word = s.rsplit(char::is_whitespace).next().unwrap_or("");
    word.ends_with('.') && word.chars().count() <= 4 && word.starts_with(char::is_uppercase)
}

/// Most words of a cue's subject.
const SUBJECT_WORDS: usize = 16;

/// The subject of the clause `cue` reports in (or, for an attribution without a cue, the
/// words before its content): the words from the sentence's start (or the last `;`, `:`,
/// quotation mark or line break) to the cue, if they hold no tagged content and at most
/// [`SUBJECT_WORDS`] words.
fn subject(text: &str, spans: &Spans<'_>, cue: &Range<usize>) -> Option<Range<usize>> {
    let mut base = cue.start.saturating_sub(600);
    while !text.is_char_boundary(base) {
        base += 1;
    }
    let before = &text[base..cue.start];
    let mut start = 0;
    let mut prev = ' ';
    for (i, c) in before.char_indices() {
        let boundary = matches!(c, ';' | ':' | '\n' | '“' | '”' | '"')
            || (c.is_whitespace()
                && matches!(prev, '.' | '!' | '?')
                && !abbreviation(&before[..i]));
        if boundary {
            start = i + c.len_utf8();
        }
        prev = c;
    }
    let r = unspin_text::segment::trim(text, base + start..cue.start);
    let r = r.start..r.end - text[r.clone()].len() + text[r.clone()].trim_end_matches(',').len();
    let words = text[r.clone()].split_whitespace().count();
    let holds_content = inside(spans.contents, &r) > 0
        || spans.contents.iter().any(|c| c.start < r.end && r.start < c.end);
    (words > 0 && words <= SUBJECT_WORDS && !holds_content).then_some(r)
}

/// The features of source `s` for attribution `t` (`rank`: 0 for the nearest source on
/// its side).
fn features(
    text: &str,
    spans: &Spans<'_>,
    t: &Tagged,
    s: &Range<usize>,
    rank: usize,
    is_quoted: bool,
    rule: Option<&Range<usize>>,
) -> [f32; N] {
    let e = t.extent();
    let b = |v: bool| f32::from(u8::from(v));
    let gap = s.end.min(e.end)..s.start.max(e.start);
    let (sentences, paragraphs) = spans.breaks.count(&gap);
    let is_before = s.end <= e.start;
    let is_after = s.start >= e.end;
    let own_cue = t.cue.as_ref().is_some_and(|c| touches(text, c, s));
    let word = text[s.clone()].trim().to_lowercase();
    let colon =
        text[..e.start].trim_end().trim_end_matches(['“', '"', '«']).trim_end().ends_with(':');
    let mut x = [0.0; N];
    x[3] = b(rule == Some(s));
    x[4] = b(is_before);
    x[5] = b(is_after);
    x[6] = b(sentences == 0);
    x[7] = b(sentences == 1);
    x[8] = b(sentences == 2);
    x[9] = b(sentences >= 3);
    x[10] = b(paragraphs == 1);
    x[11] = b(paragraphs >= 2);
    x[12] = ((gap.len() + 1) as f32).log2() / 10.0;
    x[13] = b(own_cue);
    x[14] = b(touches_any(text, spans.cues, s));
    x[15] = b(is_before && own_cue);
    x[16] = b(is_after && own_cue);
    x[17] = inside(spans.contents, &gap).min(3) as f32 / 3.0;
    x[18] = inside(spans.sources, &gap).min(3) as f32 / 3.0;
    x[19] = b(PRONOUNS.contains(&without_contraction(&word).as_str()));
    x[20] = b(RELATIVES.contains(&word.as_str()));
    x[21] = b(text[s.clone()].trim_start().starts_with(char::is_uppercase));
    x[22] = ((text[s.clone()].split_whitespace().count() + 1) as f32).log2() / 4.0;
    x[23] = b(is_before && colon);
    x[24] = b(is_before && paragraphs >= 1 && colon);
    x[25] = b(is_quoted && is_after && sentences >= 1);
    x[26] = b(t.cue.as_ref().is_some_and(|c| gap.start <= c.start && c.end <= gap.end));
    x[27] = b(rank == 0);
    x[28] = b(is_quoted && sentences == 0);
    x[29] = b(!is_before && !is_after);
    x
}

#[cfg(test)]
mod tests;
