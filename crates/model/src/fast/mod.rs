//! The fast technique model: SI by an averaged structured perceptron over BIO tags,
//! TC by multinomial logistic regression, both over hashed sparse features.
//!
//! [`FastModel::detect`] finds spans and names their techniques;
//! [`FastModel::classify`] names the techniques of given spans (the SemEval TC task).
//! Each prediction carries a confidence and the cue — the feature that weighed most for
//! the chosen technique — in words a reader understands.

pub mod classifier;
pub mod features;
pub mod select;
pub mod tagger;
pub mod train;

use std::ops::Range;

use serde::{Deserialize, Serialize};
use unspin_text::segment::trim_span;

use crate::Technique;
use classifier::Classifier;
use features::{hash_name, lexicon_of, ArticleContext};
use tagger::{Sequence, Tagger, B, I, O};

/// How the model was made: enough to reproduce and to trust it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ModelMeta {
    /// unspin version that trained it.
    pub unspin_version: String,
    /// Technique names, in class order.
    pub techniques: Vec<String>,
    /// SHA-256 of the training data read.
    pub data_sha256: String,
    /// The split trained on.
    pub split: String,
    /// Training settings, as `key=value` pairs.
    pub settings: Vec<(String, String)>,
    /// Figures measured during training on the held-out part of the training split.
    pub tuning: Vec<(String, String)>,
}

/// Maps a tagger margin (in units of `scale`) to a span confidence by Platt scaling.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    /// Typical absolute token margin of this tagger; margins are divided by it.
    pub scale: f32,
    /// Platt slope.
    pub a: f32,
    /// Platt intercept.
    pub b: f32,
}

impl Calibration {
    /// The confidence for a raw margin.
    pub fn confidence(&self, margin: f32) -> f32 {
        1.0 / (1.0 + (-(self.a * margin / self.scale + self.b)).exp())
    }
}

/// The fast model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FastModel {
    /// Provenance.
    pub meta: ModelMeta,
    /// The span tagger.
    pub tagger: Tagger,
    /// Span confidence calibration.
    pub calibration: Calibration,
    /// The technique classifier.
    pub classifier: Classifier,
}

/// What pushed the classifier to its choice, for the reader.
#[derive(Clone, Debug, PartialEq)]
pub struct Cue {
    /// The feature's internal name.
    pub feature: String,
    /// The feature in words ("the word “evil”").
    pub description: String,
}

/// The techniques of one span.
#[derive(Clone, Debug)]
pub struct Classification {
    /// Every technique with its probability, most likely first.
    pub techniques: Vec<(Technique, f32)>,
    /// The cue behind the first technique.
    pub cue: Option<Cue>,
}

/// A detected span.
#[derive(Clone, Debug)]
pub struct SpanPrediction {
    /// Byte range of the text.
    pub range: Range<usize>,
    /// How likely the span is propaganda at all (calibrated on held-out training data).
    pub span_confidence: f32,
    /// Every technique with its probability, most likely first.
    pub techniques: Vec<(Technique, f32)>,
    /// The cue behind the first technique.
    pub cue: Option<Cue>,
}

impl FastModel {
    /// Finds the propaganda spans of `text` and their techniques.
    pub fn detect(&self, text: &str) -> Vec<SpanPrediction> {
        self.detect_in(&ArticleContext::new(text))
    }

    /// Finds the propaganda spans of an analysed article and their techniques.
    pub fn detect_in(&self, ctx: &ArticleContext<'_>) -> Vec<SpanPrediction> {
        self.spans(ctx)
            .into_iter()
            .map(|(range, span_confidence)| {
                let c = self.classify_in(ctx, range.clone());
                SpanPrediction { range, span_confidence, techniques: c.techniques, cue: c.cue }
            })
            .collect()
    }

    /// Names the techniques of the given byte ranges of `text`.
    pub fn classify(&self, text: &str, ranges: &[Range<usize>]) -> Vec<Classification> {
        let ctx = ArticleContext::new(text);
        ranges.iter().map(|r| self.classify_in(&ctx, r.clone())).collect()
    }

    /// The tagger's O/B/I scores for the tokens of one sentence (`seq` is scratch space).
    fn emissions(
        &self,
        ctx: &ArticleContext<'_>,
        sentence: Range<usize>,
        seq: &mut Sequence,
    ) -> Vec<[f32; 3]> {
        let mask = (1u64 << self.tagger.bits) - 1;
        seq.feats.clear();
        seq.ends.clear();
        for i in sentence {
            ctx.token_features(i, mask, &mut seq.feats);
            seq.ends.push(seq.feats.len() as u32);
        }
        self.tagger.emissions(seq)
    }

    /// The spans the tagger finds, with their calibrated confidence.
    pub fn spans(&self, ctx: &ArticleContext<'_>) -> Vec<(Range<usize>, f32)> {
        let mut out = Vec::new();
        let mut seq = Sequence::default();
        for s in &ctx.sentences {
            let em = self.emissions(ctx, s.clone(), &mut seq);
            let tags = self.tagger.decode(&em);
            for (a, b) in runs(&tags) {
                let (ta, tb) = (&ctx.tokens[s.start + a], &ctx.tokens[s.start + b - 1]);
                let range = trim_span(ctx.text, ta.start..tb.end);
                if range.is_empty() {
                    continue;
                }
                let margin: f32 = em[a..b]
                    .iter()
                    .map(|e| e[B as usize].max(e[I as usize]) - e[O as usize])
                    .sum::<f32>()
                    / (b - a) as f32;
                out.push((range, self.calibration.confidence(margin)));
            }
        }
        out
    }

    /// For every token of `ctx`, how likely the tagger thinks it lies in a span: its
    /// margin (best of B/I over O) through the span calibration. Tokens outside any
    /// sentence get 0.
    pub fn token_probabilities(&self, ctx: &ArticleContext<'_>) -> Vec<f32> {
        let mut out = vec![0.0; ctx.tokens.len()];
        let mut seq = Sequence::default();
        for s in &ctx.sentences {
            for (k, e) in self.emissions(ctx, s.clone(), &mut seq).iter().enumerate() {
                let margin = e[B as usize].max(e[I as usize]) - e[O as usize];
                out[s.start + k] = self.calibration.confidence(margin);
            }
        }
        out
    }

    /// Names the techniques of the byte range `range` of an analysed article.
    pub fn classify_in(&self, ctx: &ArticleContext<'_>, range: Range<usize>) -> Classification {
        let mask = (1u64 << self.classifier.bits) - 1;
        let names = ctx.span_features(range.clone());
        let ids: Vec<u32> = names.iter().map(|n| hash_name(n, mask)).collect();
        let probs = self.classifier.probabilities(&ids);
        let mut techniques: Vec<(Technique, f32)> =
            Technique::ALL.iter().copied().zip(probs.iter().copied()).collect();
        techniques.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let top = techniques[0].0.index();
        let cue = names
            .iter()
            .zip(&ids)
            .filter_map(|(n, &id)| {
                let w = self.classifier.weight(id, top);
                let d = describe(n, ctx, range.clone())?;
                (w > 0.0).then_some((w, n, d))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, n, d)| Cue { feature: n.clone(), description: d });
        Classification { techniques, cue }
    }
}

/// `(start, end)` token runs of B I* in `tags`.
pub fn runs(tags: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &t) in tags.iter().enumerate() {
        if t == B || (t == I && start.is_none()) {
            if let Some(s) = start {
                out.push((s, i));
            }
            start = Some(i);
        } else if t == O {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
        }
    }
    if let Some(s) = start {
        out.push((s, tags.len()));
    }
    out
}

fn lexicon_words(lex: &str) -> &'static str {
    match lex {
        "flag" => "a national or group-identity word",
        "fear" => "a word of threat or danger",
        "causal" => "a causal connective",
        "either_or" => "an either/or construction",
        "authority" => "an authority or attribution word",
        "doubt" => "a word that questions credibility",
        "exaggeration" => "an absolute or superlative word",
        "bandwagon_hitler" => "a crowd or hated-group reference",
        "cliche" => "a stock phrase word",
        "whatabout" => "a deflection word",
        _ => "a cue word",
    }
}

/// Whether a phrase feature's words are all words (no punctuation) and one of them is a
/// content word.
fn phrase_has_content(phrase: &str) -> bool {
    let words: Vec<&str> = phrase.split([' ', '_', '|']).filter(|w| !w.is_empty()).collect();
    words.iter().all(|w| w.chars().any(char::is_alphanumeric))
        && words.iter().any(|w| unspin_text::segment::is_content_word(w))
}

/// The reader's words for a classifier feature, or `None` for features that are not cues
/// a reader can weigh: bias, length, a function word or a punctuation mark (then the
/// next strongest feature, or no cue at all, explains the choice).
fn describe(name: &str, ctx: &ArticleContext<'_>, range: Range<usize>) -> Option<String> {
    let (key, value) = name.split_once('=').unwrap_or((name, ""));
    let span = &ctx.text[range.clone()];
    let content = |w: &str| unspin_text::segment::is_content_word(w);
    Some(match key {
        "u" | "first" | "last" if content(value) => format!("the word “{value}”"),
        "bi" if phrase_has_content(value) => format!("the phrase “{value}”"),
        "rep" if value != "1" => {
            format!("the phrase occurs {} times in the article", ctx.occurrences(span))
        }
        "repw" if value != "1" => "a word in it recurs across the article".to_string(),
        "cue" => {
            let first = ctx.tokens.partition_point(|t| t.start < range.start);
            let word = (first..ctx.tokens.len())
                .take_while(|&i| ctx.tokens[i].start < range.end)
                .filter(|&i| ctx.tokens[i].end <= range.end)
                .map(|i| &ctx.lower[i])
                .find(|w| lexicon_of(w) == Some(value))
                .filter(|w| content(w))?;
            format!("{} (“{word}”)", lexicon_words(value))
        }
        "ccue" => format!("{} just before it", lexicon_words(value)),
        "l1" if content(value) => format!("the word “{value}” just before it"),
        "r1" if content(value) => format!("the word “{value}” just after it"),
        "excl" => "it is phrased as an exclamation".to_string(),
        "quest" => "it is phrased as a question".to_string(),
        "sent_quest" => "a question in the sentence".to_string(),
        "sent_excl" => "an exclamation in the sentence".to_string(),
        "inquote" => "it sits inside a quotation".to_string(),
        "caps" => "words in capitals".to_string(),
        "title" => "it stands in the headline".to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_tags() {
        assert_eq!(runs(&[O, B, I, O, B, B, I]), vec![(1, 3), (4, 5), (5, 7)]);
        assert_eq!(runs(&[I, I, O]), vec![(0, 2)]);
        assert!(runs(&[]).is_empty());
    }
}
