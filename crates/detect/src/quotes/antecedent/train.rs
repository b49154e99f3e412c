//! Training the antecedent ranker: one example per pronoun source of a tagged attribution
//! that matches a gold one with a speaker (its candidates, and which of them name that
//! speaker as PolNeAR's scoring resolves it), fitted like the source linker
//! (`quotes/choice.rs`).

use unspin_eval::polnear::{resolved_sources, same_speaker, Article};

use super::super::choice::Choices;
use super::super::merge::{tagged, PRONOUNS};
use super::super::tagger::{link::train::gold_match, link::Linker, train::byte_offsets, Span};
use super::{source_word, Antecedents, Ranker, N};

/// One pronoun source's candidates and which of them are right.
#[derive(Clone, Debug)]
pub struct Example {
    /// The candidates' features, nearest name first.
    pub candidates: Vec<[f32; N]>,
    /// Whether each candidate names the gold speaker.
    pub right: Vec<bool>,
    /// Whether the rule (without a ranker) names the gold speaker.
    pub rule_right: bool,
}

impl Choices<N> for Example {
    fn len(&self) -> usize {
        self.candidates.len()
    }
    fn x(&self, k: usize) -> &[f32; N] {
        &self.candidates[k]
    }
    fn right(&self, k: usize) -> bool {
        self.right[k]
    }
}

/// The examples of article `a` tagged with `spans` (by a tagger that did not learn from
/// it) and linked by `linker` (nor did it): every pronoun source of an attribution that
/// matches a gold one whose speaker is known, with at least one candidate.
pub fn examples(a: &Article, spans: &[Span], linker: Option<&Linker>) -> Vec<Example> {
    let text = &a.text;
    let bytes = byte_offsets(text);
    let chars: Vec<char> = text.chars().collect();
    let speakers = resolved_sources(&chars, &a.attributions);
    let tagged = tagged(text, spans, linker);
    let antecedents = Antecedents::new(text, spans, &tagged);
    let mut out = Vec::new();
    for t in &tagged {
        let Some(source) = &t.source else { continue };
        let word = source_word(text, source);
        if !PRONOUNS.contains(&word.as_str()) {
            continue;
        }
        let Some(gold) = gold_match(a, &bytes, &t.extent()).and_then(|g| speakers[g].as_ref())
        else {
            continue;
        };
        let candidates = antecedents.candidates(source.start, &word);
        if candidates.is_empty() {
            continue;
        }
        let rule = antecedents.rule(source.start, &word);
        out.push(Example {
            right: candidates.iter().map(|c| same_speaker(&c.name, gold)).collect(),
            candidates: candidates.into_iter().map(|c| c.x).collect(),
            rule_right: rule.is_some_and(|r| same_speaker(&r, gold)),
        });
    }
    out
}

/// Fits a ranker on the examples with a right candidate (`l2`: the penalty).
pub fn fit(examples: &[Example], l2: f32, iterations: usize) -> Ranker {
    let usable: Vec<&Example> = examples.iter().filter(|e| e.right.contains(&true)).collect();
    Ranker::new(super::choice::fit(&usable, l2, iterations))
}

/// Of `examples`: the share the ranker gets right, the share the rule gets right, and the
/// share with a right candidate at all.
pub fn accuracy(ranker: &Ranker, examples: &[Example]) -> (f64, f64, f64) {
    let n = examples.len().max(1) as f64;
    let (ranked, _) = super::choice::accuracy(&ranker.array(), examples);
    let rule = examples.iter().filter(|e| e.rule_right).count() as f64 / n;
    let any = examples.iter().filter(|e| e.right.contains(&true)).count() as f64 / n;
    (ranked, rule, any)
}
