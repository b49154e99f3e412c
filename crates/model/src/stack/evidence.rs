//! Article-level evidence about a span, as dense features: what a window-bound model
//! cannot see (how often the span and its words recur across the article, whether it
//! was said before, whether other marked spans read the same) and what the span's
//! place says (title, quotation, its sentence's marks, cue words around it).

use std::collections::HashMap;
use std::ops::Range;

use unspin_text::segment::TokenKind;

use crate::fast::features::{ArticleContext, LEXICONS};

/// Names of the evidence features, in the order [`evidence`] writes them.
pub fn names() -> Vec<String> {
    let mut n: Vec<String> = [
        "phrase_occurrences_ln",
        "phrase_said_before",
        "phrase_repeated",
        "same_text_spans_ln",
        "word_recurrence_max_ln",
        "word_recurrence_mean_ln",
        "words_recurring_share",
        "tokens_ln",
        "one_word",
        "sentence_share",
        "in_quotation",
        "in_title",
        "sentence_question",
        "sentence_exclamation",
        "span_question",
        "span_exclamation",
        "capitals_share",
        "position",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (lex, _) in LEXICONS {
        n.push(format!("lexicon_{lex}"));
    }
    n.push("sentence_authority".into());
    n.push("sentence_crowd".into());
    n
}

/// The spans marked in one article, counted by their lowercased text (and by text and
/// range), so each span's same-text neighbours are counted in constant time.
pub struct Marked {
    by_text: HashMap<String, usize>,
    by_range: HashMap<(usize, usize), usize>,
}

impl Marked {
    /// Counts `ranges` (byte ranges of `text`).
    pub fn new(text: &str, ranges: &[Range<usize>]) -> Marked {
        let (mut by_text, mut by_range) = (HashMap::new(), HashMap::new());
        for r in ranges {
            *by_text.entry(text[r.clone()].to_lowercase()).or_default() += 1;
            *by_range.entry((r.start, r.end)).or_default() += 1;
        }
        Marked { by_text, by_range }
    }

    /// Other marked spans at another place with the same text as `range`.
    fn same_text_elsewhere(&self, text: &str, range: &Range<usize>) -> usize {
        let lower = text[range.clone()].to_lowercase();
        let same_text = self.by_text.get(&lower).copied().unwrap_or(0);
        let here = self.by_range.get(&(range.start, range.end)).copied().unwrap_or(0);
        same_text.saturating_sub(here)
    }
}

/// The evidence about span `k` of `ranges` (byte ranges of `ctx.text`; the other ranges
/// are the spans marked beside it in the same article, counted in `marked`).
pub fn evidence(
    ctx: &ArticleContext<'_>,
    ranges: &[Range<usize>],
    marked: &Marked,
    k: usize,
) -> Vec<f32> {
    let range = ranges[k].clone();
    let text = ctx.text;
    let span = &text[range.clone()];
    let first = ctx.tokens.partition_point(|t| t.start < range.start);
    let inside: Vec<usize> = (first..ctx.tokens.len())
        .take_while(|&i| ctx.tokens[i].start < range.end)
        .filter(|&i| ctx.tokens[i].end <= range.end)
        .collect();
    let mut f = Vec::with_capacity(32);
    let occurrences = ctx.occurrences(span).max(1);
    f.push((occurrences as f32).ln());
    f.push(flag(ctx.first_occurrence(span).is_some_and(|p| p < range.start)));
    f.push(flag(occurrences > 1));
    f.push((1.0 + marked.same_text_elsewhere(text, &range) as f32).ln());
    recurrence(ctx, &inside, &mut f);
    f.push((inside.len().max(1) as f32).ln());
    f.push(flag(inside.len() <= 1));
    place(ctx, &inside, span, &mut f);
    f.push(range.start as f32 / text.len().max(1) as f32);
    lexicons(ctx, &inside, &mut f);
    f
}

fn flag(b: bool) -> f32 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// How often the span's content words recur in the article: the most, the mean (log
/// counts) and the share that occur more than once.
fn recurrence(ctx: &ArticleContext<'_>, inside: &[usize], f: &mut Vec<f32>) {
    let counts: Vec<f32> = inside
        .iter()
        .filter(|&&i| unspin_text::segment::is_content_word(&ctx.lower[i]))
        .map(|&i| ctx.word_frequency(i).max(1) as f32)
        .collect();
    let n = counts.len().max(1) as f32;
    f.push(counts.iter().copied().fold(1.0f32, f32::max).ln());
    f.push(counts.iter().map(|c| c.ln()).sum::<f32>() / n);
    f.push(counts.iter().filter(|&&c| c > 1.0).count() as f32 / n);
}

/// Where the span sits and how it reads: its share of the sentence, quotation, title,
/// the sentence's and its own marks, capitals.
fn place(ctx: &ArticleContext<'_>, inside: &[usize], span: &str, f: &mut Vec<f32>) {
    match inside.first() {
        Some(&i0) => {
            let k = ctx.sentence_of(i0);
            let s = &ctx.sentences[k];
            f.push(inside.len() as f32 / (s.end - s.start).max(1) as f32);
            f.push(
                inside.iter().filter(|&&i| ctx.in_quote(i)).count() as f32 / inside.len() as f32,
            );
            f.push(flag(k == 0));
            let (exclaims, asks) = ctx.sentence_marks(k);
            f.push(flag(asks));
            f.push(flag(exclaims));
        }
        None => f.extend([0.0; 5]),
    }
    f.push(flag(span.contains('?')));
    f.push(flag(span.contains('!')));
    let letters = span.chars().filter(|c| c.is_alphabetic()).count().max(1);
    f.push(span.chars().filter(|c| c.is_uppercase()).count() as f32 / letters as f32);
}

/// Cue lexicon hits in the span (one feature per lexicon), and authority or crowd words
/// elsewhere in its sentence.
fn lexicons(ctx: &ArticleContext<'_>, inside: &[usize], f: &mut Vec<f32>) {
    let lex_of = |i: usize| crate::fast::features::lexicon_of(&ctx.lower[i]);
    let found: Vec<&str> = inside.iter().filter_map(|&i| lex_of(i)).collect();
    for (lex, _) in LEXICONS {
        f.push(flag(found.contains(lex)));
    }
    let (mut authority, mut crowd) = (false, false);
    if let (Some(&a), Some(&b)) = (inside.first(), inside.last()) {
        let s = ctx.sentences[ctx.sentence_of(a)].clone();
        for i in s.filter(|i| (*i < a || *i > b) && ctx.tokens[*i].kind == TokenKind::Word) {
            match lex_of(i) {
                Some("authority") => authority = true,
                Some("bandwagon_hitler") => crowd = true,
                _ => {}
            }
        }
    }
    f.push(flag(authority));
    f.push(flag(crowd));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_sees_repetition_across_the_article() {
        let text = "Make it great.\nWe will make it great. Experts say make it great!";
        let ctx = ArticleContext::new(text);
        let spans: Vec<Range<usize>> =
            text.match_indices("ake it great").map(|(i, m)| i - 1..i + m.len()).collect();
        assert_eq!(spans.len(), 3);
        let names = names();
        let at = |name: &str| names.iter().position(|n| n == name).unwrap();
        let marked = Marked::new(text, &spans);
        let first = evidence(&ctx, &spans, &marked, 0);
        let last = evidence(&ctx, &spans, &marked, 2);
        assert_eq!(first.len(), names.len());
        assert!((first[at("phrase_occurrences_ln")] - 3f32.ln()).abs() < 1e-6);
        assert_eq!(first[at("phrase_said_before")], 0.0);
        assert_eq!(last[at("phrase_said_before")], 1.0);
        assert!((first[at("same_text_spans_ln")] - 3f32.ln()).abs() < 1e-6);
        assert_eq!(first[at("in_title")], 1.0);
        assert_eq!(last[at("sentence_exclamation")], 1.0);
        assert_eq!(last[at("sentence_authority")], 1.0, "{last:?}");
    }
}
