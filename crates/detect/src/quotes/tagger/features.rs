//! The tagger's view of a text: sequences (paragraphs, long ones cut at sentence ends) of
//! tokens, each with hashed feature ids.

use std::ops::Range;

use unspin_text::segment::{sentences, tokens, TokenKind};

use super::super::attribution::is_reporting;

/// Most tokens in one sequence; a longer paragraph is cut at a sentence end.
const MAX_TOKENS: usize = 300;

/// A token of a sequence with its features.
#[derive(Clone, Debug)]
pub struct Item {
    /// Byte range in the text.
    pub range: Range<usize>,
    /// Hashed feature ids, not yet reduced to the table size.
    pub features: Vec<u64>,
}

/// 64-bit FNV-1a of a template number and a string: stable across platforms and runs,
/// so a model file means the same everywhere.
fn hash(template: u8, s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(template);
    h = h.wrapping_mul(0x0100_0000_01b3);
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
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
fn bucket(d: Option<usize>) -> &'static str {
    match d {
        None => "none",
        Some(0..=1) => "1",
        Some(2) => "2",
        Some(3..=5) => "5",
        Some(6..=10) => "10",
        Some(11..=20) => "20",
        Some(_) => "far",
    }
}

/// Per-token facts a feature reads from the whole sequence.
struct Context {
    lower: Vec<String>,
    shapes: Vec<&'static str>,
    quoted: Vec<bool>,
    sentence: Vec<usize>,
    first_in_sentence: Vec<bool>,
    reporting: Vec<bool>,
}

impl Context {
    fn new(text: &str, toks: &[unspin_text::segment::Token], sent_of: &[usize]) -> Context {
        let lower: Vec<String> = toks.iter().map(|t| t.text(text).to_lowercase()).collect();
        let shapes = toks.iter().map(|t| shape(t.text(text), t.kind)).collect();
        let mut quoted = Vec::with_capacity(toks.len());
        let mut inside = false;
        for t in toks {
            let w = t.text(text);
            match w {
                "“" | "«" => inside = true,
                "”" | "»" => inside = false,
                "\"" | "''" | "``" => inside = !inside,
                _ => {}
            }
            quoted.push(inside);
        }
        let first_in_sentence =
            (0..toks.len()).map(|i| i == 0 || sent_of[i] != sent_of[i - 1]).collect();
        let reporting = lower.iter().map(|w| is_reporting(w) || w == "according").collect();
        Context { lower, shapes, quoted, sentence: sent_of.to_vec(), first_in_sentence, reporting }
    }

    /// Tokens to the nearest reporting word in the same sentence, to the left and right.
    fn reporting_distance(&self, i: usize) -> (Option<usize>, Option<usize>) {
        let s = self.sentence[i];
        let left = (0..i)
            .rev()
            .take_while(|&j| self.sentence[j] == s)
            .find(|&j| self.reporting[j])
            .map(|j| i - j);
        let right = (i + 1..self.lower.len())
            .take_while(|&j| self.sentence[j] == s)
            .find(|&j| self.reporting[j])
            .map(|j| j - i);
        (left, right)
    }

    /// Tokens to the nearest quotation mark in the sequence, to the left and right.
    fn mark_distance(&self, i: usize) -> (Option<usize>, Option<usize>) {
        let left = (0..i).rev().find(|&j| self.shapes[j] == "q").map(|j| i - j);
        let right = (i + 1..self.shapes.len()).find(|&j| self.shapes[j] == "q").map(|j| j - i);
        (left, right)
    }

    fn sentence_has_reporting(&self, i: usize) -> bool {
        let s = self.sentence[i];
        (0..self.lower.len()).any(|j| self.sentence[j] == s && self.reporting[j])
    }

    fn word(&self, i: isize) -> &str {
        usize::try_from(i).ok().and_then(|i| self.lower.get(i)).map_or("<s>", String::as_str)
    }

    fn shape_at(&self, i: isize) -> &'static str {
        usize::try_from(i).ok().and_then(|i| self.shapes.get(i)).copied().unwrap_or("<s>")
    }

    fn features(&self, i: usize) -> Vec<u64> {
        let k = i as isize;
        let (w0, wp, wn) = (self.word(k), self.word(k - 1), self.word(k + 1));
        let (left, right) = self.reporting_distance(i);
        let q = if self.quoted[i] { "q" } else { "-" };
        let suffix: String = {
            let chars: Vec<char> = w0.chars().collect();
            chars[chars.len().saturating_sub(3)..].iter().collect()
        };
        let mut f = vec![
            hash(0, ""),
            hash(1, w0),
            hash(2, wp),
            hash(3, wn),
            hash(4, self.word(k - 2)),
            hash(5, self.word(k + 2)),
            hash(6, &format!("{wp}|{w0}")),
            hash(7, &format!("{w0}|{wn}")),
            hash(8, self.shape_at(k)),
            hash(9, &format!("{}|{}", self.shape_at(k - 1), self.shape_at(k))),
            hash(10, &format!("{}|{}", self.shape_at(k), self.shape_at(k + 1))),
            hash(11, &suffix),
            hash(12, q),
            hash(13, &format!("{q}|{}", self.shape_at(k))),
            hash(14, &format!("{}|{}", bucket(left), bucket(right))),
            hash(15, &format!("{q}|{}|{}", bucket(left), bucket(right))),
            hash(16, if self.first_in_sentence[i] { "first" } else { "-" }),
            hash(17, &format!("{q}|{wp}")),
            hash(18, &format!("{}|{w0}", bucket(left))),
            hash(19, &format!("{}|{w0}", bucket(right))),
        ];
        let (ml, mr) = self.mark_distance(i);
        f.push(hash(22, &format!("{}|{}", bucket(ml), bucket(mr))));
        f.push(hash(23, &format!("{q}|{}|{}|{}", bucket(ml), bucket(mr), self.shape_at(k))));
        f.push(hash(24, self.word(k - 3)));
        f.push(hash(25, self.word(k + 3)));
        f.push(hash(26, &format!("{}|{}", self.sentence_has_reporting(i), q)));
        f.push(hash(27, &format!("{}|{}|{}", bucket(left), bucket(right), self.shape_at(k))));
        if self.reporting[i] {
            f.push(hash(20, &format!("{wp}|rep|{wn}")));
            f.push(hash(21, &format!("{}|rep|{}", self.shape_at(k - 1), self.shape_at(k + 1))));
        }
        f
    }
}

/// The sequences of `text`: its paragraphs (lines), a paragraph over 300 tokens cut
/// at sentence ends.
pub fn sequences(text: &str) -> Vec<Vec<Item>> {
    let sents = sentences(text);
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let range = start..start + line.len();
        start = range.end;
        let toks: Vec<_> =
            tokens(line).into_iter().map(|mut t| shift(&mut t, range.start)).collect();
        if toks.is_empty() {
            continue;
        }
        let sent_of: Vec<usize> =
            toks.iter().map(|t| sents.partition_point(|s| s.end <= t.start)).collect();
        for piece in cut(&sent_of) {
            let (toks, sent_of) = (&toks[piece.clone()], &sent_of[piece]);
            let cx = Context::new(text, toks, sent_of);
            let items = toks
                .iter()
                .enumerate()
                .map(|(i, t)| Item { range: t.start..t.end, features: cx.features(i) });
            out.push(items.collect());
        }
    }
    out
}

fn shift(t: &mut unspin_text::segment::Token, by: usize) -> unspin_text::segment::Token {
    t.start += by;
    t.end += by;
    *t
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
