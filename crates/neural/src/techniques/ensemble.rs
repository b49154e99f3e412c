//! Span identification by the neural and the fast model together: each word token gets
//! the neural probability of lying in a span (the highest among its word pieces) and the
//! fast tagger's calibrated probability; their weighted mean above a threshold marks the
//! token, and runs of marked tokens within a sentence are the spans — those with at least
//! one token at or above a second, higher threshold (hysteresis: a confident seed, grown
//! over its less certain neighbours). The weight and the thresholds are fitted on held-out
//! training articles with a fast model that never saw them.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use unspin_model::fast::features::ArticleContext;

use super::windows::Window;

/// How the two models' token probabilities are combined.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiEnsemble {
    /// Weight of the neural probability (the fast one gets `1 − mix`).
    pub mix: f32,
    /// A token is in a span when the weighted mean reaches this.
    pub threshold: f32,
    /// A run of such tokens is a span when one of them reaches this (≥ `threshold`;
    /// equal to it, every run is a span).
    pub seed: f32,
}

/// What the ensemble needs of an article, computed once.
pub struct ArticleScores<'a> {
    /// Tokens, sentences and text.
    pub ctx: ArticleContext<'a>,
    /// The fast tagger's probability per token.
    pub fast: Vec<f32>,
    /// Sentence index per token (`usize::MAX` outside sentences).
    pub sentence_of: Vec<usize>,
}

impl<'a> ArticleScores<'a> {
    /// Tokenises `text` and scores its tokens with the fast model.
    pub fn new(text: &'a str, fast: &unspin_model::fast::FastModel) -> ArticleScores<'a> {
        let ctx = ArticleContext::new(text);
        let fast_p = fast.token_probabilities(&ctx);
        let mut sentence_of = vec![usize::MAX; ctx.tokens.len()];
        for (k, s) in ctx.sentences.iter().enumerate() {
            for i in s.clone() {
                sentence_of[i] = k;
            }
        }
        ArticleScores { ctx, fast: fast_p, sentence_of }
    }
}

/// Spans (byte ranges, with the mean combined probability) among the tokens that start
/// inside `w`, given the neural probability `p_in[pos]` of each of its word pieces.
pub fn window_spans(
    a: &ArticleScores<'_>,
    w: &Window,
    p_in: &[f32],
    e: SiEnsemble,
) -> Vec<(Range<usize>, f32)> {
    let span = w.span();
    let mut out = Vec::new();
    if span.is_empty() {
        return out;
    }
    let tokens = &a.ctx.tokens;
    let first = tokens.partition_point(|t| t.start < span.start);
    // (first token, last token, score sum, highest score)
    type Run = Option<(usize, usize, f32, f32)>;
    let mut run: Run = None;
    let flush = |run: &mut Run, out: &mut Vec<(Range<usize>, f32)>| {
        if let Some((s, l, sum, top)) = run.take() {
            if top >= e.seed {
                out.push((tokens[s].start..tokens[l].end, sum / (l - s + 1) as f32));
            }
        }
    };
    let mut i = first;
    while i < tokens.len() && tokens[i].start < span.end {
        let t = &tokens[i];
        let neural = w.positions(&(t.start..t.end)).map(|p| p_in[p]).fold(0.0f32, f32::max);
        let c = e.mix * neural + (1.0 - e.mix) * a.fast[i];
        let same_sentence =
            run.as_ref().is_some_and(|&(_, l, _, _)| a.sentence_of[l] == a.sentence_of[i]);
        if c >= e.threshold && a.sentence_of[i] != usize::MAX {
            match (&mut run, same_sentence) {
                (Some(r), true) => {
                    r.1 = i;
                    r.2 += c;
                    r.3 = r.3.max(c);
                }
                _ => {
                    flush(&mut run, &mut out);
                    run = Some((i, i, c, c));
                }
            }
        } else {
            flush(&mut run, &mut out);
        }
        i += 1;
    }
    flush(&mut run, &mut out);
    out
}

/// Span identification by a first-order BIO transition model over both models' token
/// scores: each token's in-span probability is the weighted mean of the two models' (as
/// in [`SiEnsemble`]), split into B and I by the network's odds of B against I at that
/// token's most confident piece; Viterbi with transition log-probabilities counted on
/// training tags finds each sentence's best tag sequence.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiViterbi {
    /// Weight of the neural probability (the fast one gets `1 − mix`).
    pub mix: f32,
    /// Added to every token's O log-score (lower → more spans).
    pub o_bias: f32,
    /// A decoded span is kept when one of its tokens' combined probability reaches this
    /// (span-level re-scoring; 0 keeps every span).
    pub seed: f32,
    /// Transition log-probabilities `[previous (O, B, I, start)][tag (O, B, I)]`.
    pub trans: [[f32; 3]; 4],
}

impl SiViterbi {
    /// Transition log-probabilities from tag sequences (add-one smoothed).
    pub fn transitions<'t>(sequences: impl IntoIterator<Item = &'t [u8]>) -> [[f32; 3]; 4] {
        let mut counts = [[1f32; 3]; 4];
        for tags in sequences {
            let mut prev = 3;
            for &t in tags {
                counts[prev][t as usize] += 1.0;
                prev = t as usize;
            }
        }
        counts.map(|row| {
            let total: f32 = row.iter().sum();
            row.map(|c| (c / total).ln())
        })
    }
}

/// Per token that starts inside `w`: (token index, neural in-span probability, share of
/// B in the network's B + I), from piece log-probabilities `logp[pos] = [O, B, I]`.
pub fn token_scores(
    a: &ArticleScores<'_>,
    w: &Window,
    logp: &[Vec<f32>],
) -> Vec<(usize, f32, f32)> {
    let span = w.span();
    if span.is_empty() {
        return Vec::new();
    }
    let tokens = &a.ctx.tokens;
    let first = tokens.partition_point(|t| t.start < span.start);
    (first..tokens.len())
        .take_while(|&i| tokens[i].start < span.end)
        .map(|i| {
            let t = &tokens[i];
            let best = w
                .positions(&(t.start..t.end))
                .map(|p| &logp[p])
                .max_by(|x, y| (1.0 - x[0].exp()).total_cmp(&(1.0 - y[0].exp())));
            match best {
                Some(l) => {
                    let (b, i_) = (l[1].exp(), l[2].exp());
                    (i, 1.0 - l[0].exp(), b / (b + i_).max(1e-9))
                }
                None => (i, 0.0, 0.5),
            }
        })
        .collect()
}

/// Spans (byte ranges, with the mean combined probability) that the transition model
/// `v` finds among the tokens `scores` ([`token_scores`]) of one window.
pub fn viterbi_spans(
    a: &ArticleScores<'_>,
    scores: &[(usize, f32, f32)],
    v: &SiViterbi,
) -> Vec<(Range<usize>, f32)> {
    let tokens = &a.ctx.tokens;
    let mut out = Vec::new();
    let mut start = 0;
    while start < scores.len() {
        let sentence = a.sentence_of[scores[start].0];
        let mut end = start + 1;
        while end < scores.len() && a.sentence_of[scores[end].0] == sentence {
            end += 1;
        }
        if sentence != usize::MAX {
            let run = &scores[start..end];
            let c: Vec<f32> = run
                .iter()
                .map(|&(i, n, _)| (v.mix * n + (1.0 - v.mix) * a.fast[i]).clamp(1e-4, 1.0 - 1e-4))
                .collect();
            let em: Vec<[f32; 3]> = run
                .iter()
                .zip(&c)
                .map(|(&(_, _, b), &c)| {
                    let b = b.clamp(1e-4, 1.0 - 1e-4);
                    [(1.0 - c).ln() + v.o_bias, c.ln() + b.ln(), c.ln() + (1.0 - b).ln()]
                })
                .collect();
            let tags = unspin_model::fast::tagger::viterbi(&em, &v.trans);
            for (s, e) in unspin_model::fast::runs(&tags) {
                if c[s..e].iter().all(|&x| x < v.seed) {
                    continue;
                }
                let mean = c[s..e].iter().sum::<f32>() / (e - s) as f32;
                out.push((tokens[run[s].0].start..tokens[run[e - 1].0].end, mean));
            }
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use unspin_model::fast::FastModel;

    /// Spans from neural scores alone (`mix` 1), one word piece per token.
    fn spans<'t>(text: &'t str, scores: &[f32], threshold: f32, seed: f32) -> Vec<&'t str> {
        let fast = FastModel::embedded().unwrap();
        let a = ArticleScores::new(text, &fast);
        let mut w = Window { ids: vec![101], offsets: std::iter::once(0..0).collect() };
        let mut p = vec![0.0];
        for (t, &s) in a.ctx.tokens.iter().zip(scores.iter().chain(std::iter::repeat(&0.0))) {
            w.ids.push(1000);
            w.offsets.push(t.start..t.end);
            p.push(s);
        }
        w.ids.push(102);
        w.offsets.push(0..0);
        p.push(0.0);
        let e = SiEnsemble { mix: 1.0, threshold, seed };
        window_spans(&a, &w, &p, e).into_iter().map(|(r, _)| &text[r]).collect()
    }

    #[test]
    fn seed_threshold_keeps_only_runs_with_a_confident_token() {
        let text = "one two three four five six seven eight";
        let s = [0.2, 0.9, 0.2, 0.0, 0.2, 0.2, 0.0, 0.0];
        // Without a seed above the threshold every run is a span.
        assert_eq!(spans(text, &s, 0.15, 0.15), ["one two three", "five six"]);
        // With one, only the run holding a confident token is, grown over its neighbours.
        assert_eq!(spans(text, &s, 0.15, 0.35), ["one two three"]);
        // A seed no token reaches leaves nothing.
        assert!(spans(text, &s, 0.15, 0.95).is_empty());
    }

    #[test]
    fn transition_model_decodes_confident_runs_within_sentences() {
        let text = "one two three four. five six seven eight.";
        let fast = FastModel::embedded().unwrap();
        let a = ArticleScores::new(text, &fast);
        let n = a.ctx.tokens.len();
        // In-span probability 0.9 on "two three", "six seven"; 0.05 elsewhere; B first.
        let hot = |w: &str| ["two", "three", "six", "seven"].contains(&w);
        let scores: Vec<(usize, f32, f32)> = (0..n)
            .map(|i| {
                let w = a.ctx.tokens[i].text(text);
                let b = if w == "two" || w == "six" { 0.9 } else { 0.1 };
                (i, if hot(w) { 0.9 } else { 0.05 }, b)
            })
            .collect();
        let trans = SiViterbi::transitions([&[0u8, 1, 2, 0][..], &[0, 1, 2, 2, 0][..]]);
        // Add-one smoothing: from the start, O twice and B once of five.
        assert!((trans[3][0] - (3f32 / 5.0).ln()).abs() < 1e-6);
        let v = SiViterbi { mix: 1.0, o_bias: 0.0, seed: 0.0, trans };
        let spans: Vec<&str> =
            viterbi_spans(&a, &scores, &v).into_iter().map(|(r, _)| &text[r]).collect();
        assert_eq!(spans, ["two three", "six seven"]);
        // A seed no token reaches keeps nothing; a strong O bias marks nothing.
        assert!(viterbi_spans(&a, &scores, &SiViterbi { seed: 0.95, ..v }).is_empty());
        assert!(viterbi_spans(&a, &scores, &SiViterbi { o_bias: 10.0, ..v }).is_empty());
    }
}
