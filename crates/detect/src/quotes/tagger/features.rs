//! The tagger's view of a text: sequences (paragraphs, long ones cut at sentence ends) of
//! tokens, each with hashed feature ids.

use std::ops::Range;

use unspin_text::segment::{sentences, tokens, TokenKind};

use super::super::attribution::is_reporting;

/// Most tokens in one sequence; a longer paragraph is cut at a sentence end.
const MAX_TOKENS: usize = 300;

/// Most features one token has.
const MAX_FEATURES: usize = 28;

/// A token of a sequence with its features.
#[derive(Clone, Debug)]
pub struct Item {
    /// Byte range in the text.
    pub range: Range<usize>,
    /// Hashed feature ids, not yet reduced to the table size (the first `len`).
    features: [u64; MAX_FEATURES],
    len: u8,
    /// Index of the token among all tokens of the text (its row in [`super::TokenVectors`]).
    token: u32,
}

impl Item {
    /// The token's hashed feature ids.
    pub fn features(&self) -> &[u64] {
        &self.features[..usize::from(self.len)]
    }

    /// Index of the token among all tokens of its text.
    pub fn token(&self) -> usize {
        self.token as usize
    }
}

/// 64-bit FNV-1a of a string: stable across platforms and runs, so a model file means the
/// same everywhere.
fn hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A feature id: template number and its parts' hashes mixed (multiply, rotate, xor;
/// the high bits, which pick the bucket, depend on every input bit).
fn feature(template: u64, parts: &[u64]) -> u64 {
    let mut h = template.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x2545_f491_4f6c_dd1d;
    for &p in parts {
        h = (h ^ p).wrapping_mul(0x94d0_49bb_1331_11eb).rotate_left(29);
    }
    h ^= h >> 31;
    h.wrapping_mul(0xbf58_476d_1ce4_e5b9)
}

/// A token's shape class: capitalised, upper, lower, number, a quotation mark, other.
fn shape(word: &str, kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Number => "d",
        TokenKind::Punct if is_mark(word) => "q",
        TokenKind::Punct => word_punct(word),
        TokenKind::Word => {
            let mut chars = word.chars();
            let first = chars.next().is_some_and(char::is_uppercase);
            let rest_upper = word.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
            match (first, rest_upper) {
                (true, true) if word.chars().count() > 1 => "X",
                (true, _) => "Xx",
                _ => "x",
            }
        }
    }
}

fn word_punct(word: &str) -> &'static str {
    match word {
        "," => ",",
        ":" => ":",
        "." | "!" | "?" => ".",
        "(" | ")" | "[" | "]" => "(",
        "—" | "–" | "-" => "-",
        _ => "p",
    }
}

/// Whether a token is a quotation mark.
fn is_mark(word: &str) -> bool {
    matches!(word, "\"" | "“" | "”" | "«" | "»" | "''" | "``")
}

/// Distance buckets for "the nearest reporting word is this far away".
fn bucket(d: Option<usize>) -> u64 {
    match d {
        None => 0,
        Some(0..=1) => 1,
        Some(2) => 2,
        Some(3..=5) => 3,
        Some(6..=10) => 4,
        Some(11..=20) => 5,
        Some(_) => 6,
    }
}

/// Per-token facts a feature reads from the whole sequence, each computed in one pass.
struct Context {
    /// Hashes of the lowercased words.
    words: Vec<u64>,
    /// Hashes of the shapes.
    shape_ids: Vec<u64>,
    /// Hashes of the last three characters of the lowercased words.
    suffixes: Vec<u64>,
    quoted: Vec<bool>,
    first_in_sentence: Vec<bool>,
    reporting: Vec<bool>,
    /// Tokens to the nearest reporting word in the same sentence, left and right.
    reporting_near: Vec<(Option<usize>, Option<usize>)>,
    /// Tokens to the nearest quotation mark in the sequence, left and right.
    mark_near: Vec<(Option<usize>, Option<usize>)>,
    /// Whether the token's sentence has a reporting word.
    sentence_reports: Vec<bool>,
}

/// For each position, the distance to the nearest earlier and later position where
/// `hit` holds, within the run of positions of the same `group`.
fn nearest(
    n: usize,
    hit: impl Fn(usize) -> bool,
    group: impl Fn(usize) -> usize,
) -> Vec<(Option<usize>, Option<usize>)> {
    let mut out = vec![(None, None); n];
    let mut last: Option<usize> = None;
    for (i, o) in out.iter_mut().enumerate() {
        if i > 0 && group(i) != group(i - 1) {
            last = None;
        }
        o.0 = last.map(|j| i - j);
        if hit(i) {
            last = Some(i);
        }
    }
    let mut next: Option<usize> = None;
    for i in (0..n).rev() {
        if i + 1 < n && group(i) != group(i + 1) {
            next = None;
        }
        out[i].1 = next.map(|j| j - i);
        if hit(i) {
            next = Some(i);
        }
    }
    out
}

fn quoted_flags(text: &str, toks: &[unspin_text::segment::Token]) -> Vec<bool> {
    let mut inside = false;
    toks.iter()
        .map(|t| {
            match t.text(text) {
                "“" | "«" => inside = true,
                "”" | "»" => inside = false,
                "\"" | "''" | "``" => inside = !inside,
                _ => {}
            }
            inside
        })
        .collect()
}

impl Context {
    fn new(text: &str, toks: &[unspin_text::segment::Token], sent_of: &[usize]) -> Context {
        let n = toks.len();
        let lower: Vec<std::borrow::Cow<str>> = toks
            .iter()
            .map(|t| {
                let w = t.text(text);
                if w.chars().any(char::is_uppercase) {
                    w.to_lowercase().into()
                } else {
                    w.into()
                }
            })
            .collect();
        let shapes: Vec<&'static str> = toks.iter().map(|t| shape(t.text(text), t.kind)).collect();
        let first_in_sentence = (0..n).map(|i| i == 0 || sent_of[i] != sent_of[i - 1]).collect();
        let reporting: Vec<bool> =
            lower.iter().map(|w| is_reporting(w) || w == "according").collect();
        let reporting_near = nearest(n, |j| reporting[j], |j| sent_of[j]);
        let mark_near = nearest(n, |j| shapes[j] == "q", |_| 0);
        let mut sentence_reports = vec![false; n];
        let mut from = 0;
        for i in 1..=n {
            if i == n || sent_of[i] != sent_of[from] {
                let any = reporting[from..i].iter().any(|&r| r);
                sentence_reports[from..i].iter_mut().for_each(|s| *s = any);
                from = i;
            }
        }
        let suffix = |w: &str| hash(&w[w.char_indices().rev().nth(2).map_or(0, |(b, _)| b)..]);
        Context {
            quoted: quoted_flags(text, toks),
            words: lower.iter().map(|w| hash(w)).collect(),
            suffixes: lower.iter().map(|w| suffix(w)).collect(),
            shape_ids: shapes.iter().map(|s| hash(s)).collect(),
            first_in_sentence,
            reporting,
            reporting_near,
            mark_near,
            sentence_reports,
        }
    }

    /// The hash of word `i` (a fixed value outside the sequence).
    fn word(&self, i: isize) -> u64 {
        usize::try_from(i).ok().and_then(|i| self.words.get(i)).copied().unwrap_or(OUTSIDE)
    }

    /// The hash of the shape of token `i` (a fixed value outside the sequence).
    fn shape_at(&self, i: isize) -> u64 {
        usize::try_from(i).ok().and_then(|i| self.shape_ids.get(i)).copied().unwrap_or(OUTSIDE)
    }

    /// The hashed features of token `i`: each template's parts (words, shapes, distance
    /// buckets, flags) mixed into one id.
    fn features(&self, i: usize) -> Item {
        let k = i as isize;
        let (w0, wp, wn) = (self.word(k), self.word(k - 1), self.word(k + 1));
        let (s0, sp, sn) = (self.shape_at(k), self.shape_at(k - 1), self.shape_at(k + 1));
        let (left, right) = self.reporting_near[i];
        let (bl, br) = (bucket(left), bucket(right));
        let q = u64::from(self.quoted[i]);
        let (ml, mr) = self.mark_near[i];
        let (bml, bmr) = (bucket(ml), bucket(mr));
        let reports = u64::from(self.sentence_reports[i]);
        let f = feature;
        let all = [
            f(0, &[]),
            f(1, &[w0]),
            f(2, &[wp]),
            f(3, &[wn]),
            f(4, &[self.word(k - 2)]),
            f(5, &[self.word(k + 2)]),
            f(6, &[wp, w0]),
            f(7, &[w0, wn]),
            f(8, &[s0]),
            f(9, &[sp, s0]),
            f(10, &[s0, sn]),
            f(11, &[self.suffixes[i]]),
            f(12, &[q]),
            f(13, &[q, s0]),
            f(14, &[bl, br]),
            f(15, &[q, bl, br]),
            f(16, &[u64::from(self.first_in_sentence[i])]),
            f(17, &[q, wp]),
            f(18, &[bl, w0]),
            f(19, &[br, w0]),
            f(22, &[bml, bmr]),
            f(23, &[q, bml, bmr, s0]),
            f(24, &[self.word(k - 3)]),
            f(25, &[self.word(k + 3)]),
            f(26, &[reports, q]),
            f(27, &[bl, br, s0]),
            f(20, &[wp, wn]),
            f(21, &[sp, sn]),
        ];
        let len = if self.reporting[i] { MAX_FEATURES } else { MAX_FEATURES - 2 };
        Item { range: 0..0, features: all, len: len as u8, token: 0 }
    }
}

/// The stand-in hash for a position before or after the sequence.
const OUTSIDE: u64 = 0x5bd1_e995_0000_0001;

/// The sequences of `text`: its paragraphs (lines), a paragraph over 300 tokens cut
/// at sentence ends.
pub fn sequences(text: &str) -> Vec<Vec<Item>> {
    let mut out = Vec::new();
    for_each_sequence(text, |items| out.push(items));
    out
}

/// Hands each of the sequences of `text` to `each` in turn (so a long text never holds
/// the features of all its tokens at once).
pub fn for_each_sequence(text: &str, mut each: impl FnMut(Vec<Item>)) {
    let sents = sentences(text);
    let all = tokens(text);
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let range = start..start + line.len();
        start = range.end;
        // Word boundaries always fall at line breaks, so the text's tokens split by line
        // are the lines' tokens.
        let from = all.partition_point(|t| t.start < range.start);
        let to = all.partition_point(|t| t.start < range.end);
        let toks = &all[from..to];
        if toks.is_empty() {
            continue;
        }
        let sent_of: Vec<usize> =
            toks.iter().map(|t| sents.partition_point(|s| s.end <= t.start)).collect();
        for piece in cut(&sent_of) {
            let first = from + piece.start;
            let (toks, sent_of) = (&toks[piece.clone()], &sent_of[piece]);
            let cx = Context::new(text, toks, sent_of);
            let items = toks.iter().enumerate().map(|(i, t)| Item {
                range: t.start..t.end,
                token: (first + i) as u32,
                ..cx.features(i)
            });
            each(items.collect());
        }
    }
}

/// Pieces of at most [`MAX_TOKENS`] tokens, cut where a sentence ends (or anywhere, for a
/// sentence longer than that).
fn cut(sent_of: &[usize]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while sent_of.len() - from > MAX_TOKENS {
        let limit = from + MAX_TOKENS;
        let at = (from + 1..=limit).rev().find(|&j| sent_of[j] != sent_of[j - 1]).unwrap_or(limit);
        out.push(from..at);
        from = at;
    }
    out.push(from..sent_of.len());
    out
}
