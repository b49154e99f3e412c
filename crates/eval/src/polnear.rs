//! PolNeAR (Newell, Margolin and Ruths, LREC 2018), attribution relations in political
//! news: reading its brat annotations, and scoring predicted quotations against them.
//!
//! An attribution ties a *content* span (what was said; possibly in parts) to a *cue*
//! (the reporting verb, "according to") and a *source* (who said it; absent when
//! implicit). Offsets count Unicode scalar values. The scoring:
//! - **content**: a predicted quotation matches a gold content when they overlap by at
//!   least half of the shorter one (gold parts counted together), one-to-one, largest
//!   overlaps first; precision, recall and F1 over all attributions, and over the direct
//!   ones (gold content quoting words in quotation marks, direct or mixed; predicted kind
//!   `direct`);
//! - **speaker**: on matched attributions whose gold has a source, whether the predicted
//!   speaker names it — they share a capitalised name word, or are equal ignoring case; a
//!   pronoun source ("he", "she", "they", "his") counts as the nearest named source before
//!   it in the article, and a relative pronoun ("Obama, who …") as the phrase right
//!   before it (back to a punctuation mark, at most eight words);
//! - **according to**: of the gold attributions whose cue is "according to …", how many
//!   have a predicted cited source overlapping their source or cue.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Serialize;

use crate::Error;

/// One gold attribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribution {
    /// The content's parts, in text order.
    pub content: Vec<Range<usize>>,
    /// The source's parts, if the source is explicit.
    pub source: Vec<Range<usize>>,
    /// The cue's parts.
    pub cue: Vec<Range<usize>>,
}

/// An article with its attributions.
#[derive(Clone, Debug)]
pub struct Article {
    /// The file stem.
    pub name: String,
    /// The text.
    pub text: String,
    /// The gold attributions.
    pub attributions: Vec<Attribution>,
}

fn malformed(file: &str, line: usize, message: impl Into<String>) -> Error {
    Error::Malformed { file: file.to_string(), line, message: message.into() }
}

/// The spans of a brat offsets field: `0 17` or `18 59;61 87`.
fn ranges(field: &str) -> Option<Vec<Range<usize>>> {
    field
        .split(';')
        .map(|part| {
            let (a, b) = part.trim().split_once(' ')?;
            let (a, b) = (a.parse().ok()?, b.parse().ok()?);
            (a <= b).then_some(a..b)
        })
        .collect()
}

/// The attributions of one brat `.ann` file (`file` names it in errors).
pub fn parse_ann(ann: &str, file: &str) -> Result<Vec<Attribution>, Error> {
    let mut spans: BTreeMap<&str, Vec<Range<usize>>> = BTreeMap::new();
    let mut events = Vec::new();
    for (k, line) in ann.lines().enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        // A span's text may run over lines: only `T12` / `E3` lines start a record.
        let id = fields[0];
        if fields.len() < 2 || id.len() < 2 || !id[1..].bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        match id.chars().next() {
            Some('T') => {
                let (kind_span, id) = (fields.get(1).copied().unwrap_or(""), fields[0]);
                let (_, offsets) = kind_span
                    .split_once(' ')
                    .ok_or_else(|| malformed(file, k + 1, "a span line without offsets"))?;
                let r = ranges(offsets).ok_or_else(|| malformed(file, k + 1, "bad offsets"))?;
                spans.insert(id, r);
            }
            Some('E') => events.push((k + 1, fields.get(1).copied().unwrap_or(""))),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (line, roles) in events {
        let mut a = Attribution { content: vec![], source: vec![], cue: vec![] };
        for role in roles.split_whitespace() {
            let (name, id) =
                role.split_once(':').ok_or_else(|| malformed(file, line, "a role without ':'"))?;
            let span = spans
                .get(id)
                .ok_or_else(|| malformed(file, line, format!("{id} is not a span")))?;
            match name.trim_end_matches(|c: char| c.is_ascii_digit()) {
                "Content" => a.content.extend(span.iter().cloned()),
                "Source" => a.source.extend(span.iter().cloned()),
                "Cue" => a.cue.extend(span.iter().cloned()),
                _ => {}
            }
        }
        a.content.sort_by_key(|r| r.start);
        if !a.content.is_empty() {
            out.push(a);
        }
    }
    Ok(out)
}

/// The articles of `split` (`train`, `dev`) under `dir`. Where an article was annotated
/// more than once, the annotation file whose annotator id sorts first is used.
pub fn load(dir: &Path, split: &str) -> Result<Vec<Article>, std::io::Error> {
    let texts = dir.join(split).join("text");
    let anns = dir.join(split).join("attributions");
    let mut by_article: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(&anns)?.collect::<Result<_, _>>()?;
    files.sort_by_key(|e| e.file_name());
    for e in files {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some((stem, _annotator)) = name.strip_suffix(".ann").and_then(|s| s.rsplit_once('_'))
        else {
            continue;
        };
        by_article.entry(stem.to_string()).or_insert(e.path());
    }
    let mut out = Vec::new();
    for (name, ann) in by_article {
        let text = std::fs::read_to_string(texts.join(format!("{name}.txt")))?;
        let ann_text = std::fs::read_to_string(&ann)?;
        let attributions = parse_ann(&ann_text, &ann.display().to_string())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        out.push(Article { name, text, attributions });
    }
    Ok(out)
}

/// A word learned as a cue: how often annotators marked it as a whole cue, and how often
/// it occurs in the texts.
#[derive(Clone, Debug, PartialEq)]
pub struct CueWord {
    /// The word, lowercased.
    pub word: String,
    /// Times it is a whole cue.
    pub as_cue: usize,
    /// Times it occurs.
    pub occurrences: usize,
}

/// The lowercased letter runs of `s`.
fn words_of(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// The reporting words of `articles`: one-word cues marked at least `min_count` times
/// and, of their occurrences in the texts, at least `min_share` as a cue. Sorted by word.
pub fn cue_lexicon(articles: &[Article], min_count: usize, min_share: f64) -> Vec<CueWord> {
    let mut as_cue: BTreeMap<String, usize> = BTreeMap::new();
    let mut occurrences: BTreeMap<String, usize> = BTreeMap::new();
    for a in articles {
        let text: Vec<char> = a.text.chars().collect();
        for attribution in &a.attributions {
            let cue: Vec<String> = words_of(&slice(&text, &attribution.cue)).collect();
            if let [word] = cue.as_slice() {
                *as_cue.entry(word.clone()).or_default() += 1;
            }
        }
        for w in words_of(&a.text) {
            *occurrences.entry(w).or_default() += 1;
        }
    }
    as_cue
        .into_iter()
        .filter_map(|(word, n)| {
            let occ = occurrences.get(&word).copied().unwrap_or(0).max(n);
            (n >= min_count && n as f64 >= min_share * occ as f64).then_some(CueWord {
                word,
                as_cue: n,
                occurrences: occ,
            })
        })
        .collect()
}

/// A predicted quotation (character offsets).
#[derive(Clone, Debug)]
pub struct Predicted {
    /// What was said.
    pub content: Range<usize>,
    /// Who said it, if found.
    pub speaker: Option<String>,
    /// Whether it is a direct quotation.
    pub direct: bool,
    /// The reporting words, if found.
    pub cue: Option<Range<usize>>,
}

pub use crate::Prf;

/// The scores of predicted attributions on a set of articles.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Scores {
    /// Articles.
    pub articles: usize,
    /// Content, all attributions.
    pub all: Prf,
    /// Content, direct quotations.
    pub direct: Prf,
    /// Cues: distinct predicted cue spans against the gold cues, matched as contents are.
    pub cue: Prf,
    /// Matched attributions with a gold source whose speaker is right.
    pub speakers_right: usize,
    /// Matched attributions with a gold source.
    pub speakers_scored: usize,
    /// Of those, how many had no predicted speaker.
    pub speakers_missing: usize,
    /// "according to" attributions whose source was found.
    pub according_found: usize,
    /// "according to" attributions.
    pub according_gold: usize,
    /// The ones whose source was not found: article and the text from the cue on.
    #[serde(skip)]
    pub according_missed: Vec<String>,
}

impl Scores {
    /// Speaker accuracy on matched attributions with a gold source.
    pub fn speaker_accuracy(&self) -> f64 {
        self.speakers_right as f64 / self.speakers_scored.max(1) as f64
    }
}

/// Characters of `r` inside `parts`.
fn overlap(r: &Range<usize>, parts: &[Range<usize>]) -> usize {
    parts.iter().map(|p| p.end.min(r.end).saturating_sub(p.start.max(r.start))).sum()
}

/// One-to-one matches (gold index, predicted index), largest overlaps first, each at
/// least half of the shorter span.
pub fn match_contents(gold: &[&Attribution], pred: &[&Predicted]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (g, a) in gold.iter().enumerate() {
        let g_len: usize = a.content.iter().map(|r| r.len()).sum();
        for (p, q) in pred.iter().enumerate() {
            let o = overlap(&q.content, &a.content);
            if o > 0 && 2 * o >= g_len.min(q.content.len()) {
                pairs.push((o, g, p));
            }
        }
    }
    crate::one_to_one(pairs, gold.len(), pred.len())
}

const OPENING: &[char] = &['“', '"', '‘', '«'];

/// Whether a gold content quotes words directly: a quotation mark opens inside it (a
/// direct or a mixed quotation, "said that the plan was “a disaster”"), or right before it.
pub fn is_direct(text: &[char], a: &Attribution) -> bool {
    let Some(first) = a.content.first() else { return false };
    let inside = a.content.iter().any(|r| {
        text[r.start.min(text.len())..r.end.min(text.len())].iter().any(|c| OPENING.contains(c))
    });
    let before = text[..first.start.min(text.len())]
        .iter()
        .rev()
        .find(|c| !c.is_whitespace())
        .is_some_and(|c| OPENING.contains(c));
    inside || before
}

const PRONOUNS: &[&str] = &[
    "he", "she", "they", "i", "we", "it", "him", "her", "them", "you", "his", "their", "its",
    "our", "my", "your",
];
/// Relative pronouns: a source that is one of them ("Obama, who has complained …") refers
/// to the phrase right before it.
const RELATIVES: &[&str] = &["who", "which", "that", "whom", "whose"];
const NOT_NAMES: &[&str] =
    &["the", "a", "an", "mr", "mrs", "ms", "dr", "sen", "rep", "gov", "president", "former"];

/// The capitalised name words of `s`, lowercased, without titles and possessives.
fn name_words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .map(|w| w.trim_end_matches("'s").trim_end_matches("’s").to_lowercase())
        .filter(|w| !w.is_empty() && !NOT_NAMES.contains(&w.as_str()))
        .collect()
}

/// The text of a span's parts (character ranges, clamped to the text), joined by spaces.
pub fn slice(text: &[char], parts: &[Range<usize>]) -> String {
    let parts: Vec<String> = parts
        .iter()
        .map(|r| text[r.start.min(text.len())..r.end.min(text.len())].iter().collect())
        .collect();
    parts.join(" ")
}

/// The phrase a relative pronoun at character `at` refers to: the words before it, back
/// to the previous punctuation mark or line break (at most eight words).
fn antecedent(text: &[char], at: usize) -> Option<String> {
    let before: String = text[..at.min(text.len())].iter().collect();
    let before = before.trim_end().trim_end_matches(',').trim_end();
    let start = before
        .rfind(|c: char| {
            matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '"' | '“' | '”' | '(' | ')' | '\n')
        })
        .map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8));
    let words: Vec<&str> = before[start..].split_whitespace().collect();
    let phrase = words[words.len().saturating_sub(8)..].join(" ");
    (!phrase.is_empty()).then_some(phrase)
}

/// The gold speaker of each attribution: its source, or for a pronoun the nearest named
/// source before it.
pub fn resolved_sources(text: &[char], gold: &[Attribution]) -> Vec<Option<String>> {
    let mut order: Vec<usize> = (0..gold.len()).collect();
    order.sort_by_key(|&i| gold[i].source.first().map_or(usize::MAX, |r| r.start));
    let mut out = vec![None; gold.len()];
    let mut last_named: Option<String> = None;
    for i in order {
        if gold[i].source.is_empty() {
            continue;
        }
        let mut s = slice(text, &gold[i].source);
        if RELATIVES.contains(&s.trim().to_lowercase().as_str()) {
            s = antecedent(text, gold[i].source[0].start).unwrap_or(s);
        }
        if PRONOUNS.contains(&s.trim().to_lowercase().as_str()) {
            out[i] = last_named.clone().or(Some(s));
        } else {
            if !name_words(&s).is_empty() {
                last_named = Some(s.clone());
            }
            out[i] = Some(s);
        }
    }
    out
}

/// Whether a predicted speaker names the gold source.
pub fn same_speaker(pred: &str, gold: &str) -> bool {
    let (p, g) = (name_words(pred), name_words(gold));
    pred.trim().eq_ignore_ascii_case(gold.trim()) || p.iter().any(|w| g.contains(w))
}

/// Matched cues, predicted (distinct) and gold, of one article.
fn cue_counts(gold: &[&Attribution], preds: &[&Predicted]) -> (usize, usize, usize) {
    let gold_cues: Vec<Attribution> = gold
        .iter()
        .filter(|g| !g.cue.is_empty())
        .map(|g| Attribution { content: g.cue.clone(), source: vec![], cue: vec![] })
        .collect();
    let mut cues: Vec<Range<usize>> = preds.iter().filter_map(|p| p.cue.clone()).collect();
    cues.sort_by_key(|r| (r.start, r.end));
    cues.dedup();
    let as_pred: Vec<Predicted> = cues
        .into_iter()
        .map(|content| Predicted { content, speaker: None, direct: false, cue: None })
        .collect();
    let (g, p): (Vec<&Attribution>, Vec<&Predicted>) =
        (gold_cues.iter().collect(), as_pred.iter().collect());
    (match_contents(&g, &p).len(), p.len(), g.len())
}

/// Scores the predicted quotations and cited sources of each article (`pred[k]` and
/// `cited[k]` belong to `articles[k]`).
pub fn score(articles: &[Article], pred: &[Vec<Predicted>], cited: &[Vec<Range<usize>>]) -> Scores {
    let mut s = Scores { articles: articles.len(), ..Scores::default() };
    let (mut all, mut direct, mut cue) = ((0, 0, 0), (0, 0, 0), (0, 0, 0));
    for ((a, pred), cited) in articles.iter().zip(pred).zip(cited) {
        let text: Vec<char> = a.text.chars().collect();
        let gold: Vec<&Attribution> = a.attributions.iter().collect();
        let preds: Vec<&Predicted> = pred.iter().collect();
        let matches = match_contents(&gold, &preds);
        let c = cue_counts(&gold, &preds);
        cue = (cue.0 + c.0, cue.1 + c.1, cue.2 + c.2);
        all = (all.0 + matches.len(), all.1 + preds.len(), all.2 + gold.len());
        let gold_d: Vec<&Attribution> =
            gold.iter().copied().filter(|g| is_direct(&text, g)).collect();
        let pred_d: Vec<&Predicted> = preds.iter().copied().filter(|p| p.direct).collect();
        let matched_d = match_contents(&gold_d, &pred_d).len();
        direct = (direct.0 + matched_d, direct.1 + pred_d.len(), direct.2 + gold_d.len());
        let sources = resolved_sources(&text, &a.attributions);
        for (g, p) in matches {
            let Some(gold_speaker) = &sources[g] else { continue };
            s.speakers_scored += 1;
            match &preds[p].speaker {
                Some(sp) if same_speaker(sp, gold_speaker) => s.speakers_right += 1,
                Some(_) => {}
                None => s.speakers_missing += 1,
            }
        }
        for g in &a.attributions {
            if !slice(&text, &g.cue).to_lowercase().starts_with("according to") {
                continue;
            }
            s.according_gold += 1;
            let target: Vec<Range<usize>> = g.source.iter().chain(&g.cue).cloned().collect();
            if cited.iter().any(|c| overlap(c, &target) > 0) {
                s.according_found += 1;
            } else {
                let at = g.cue.first().map_or(0, |r| r.start);
                let context: String = text[at..(at + 120).min(text.len())].iter().collect();
                s.according_missed.push(format!("{}: {}", a.name, context.replace('\n', " ")));
            }
        }
    }
    s.all = Prf::new(all.0, all.1, all.2);
    s.direct = Prf::new(direct.0, direct.1, direct.2);
    s.cue = Prf::new(cue.0, cue.1, cue.2);
    s
}

#[cfg(test)]
// Spans are lists of ranges; a list holding one range is what these tests mean.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    const ANN: &str = "T1\tSource 0 9\tJane Diaz\nT2\tCue 10 14\tsaid\nT3\tContent 15 30;32 40\tx\n\
                       T4\tAttribution 10 14\tsaid\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n\
                       T5\tCue 50 62\taccording to\nThe rest of a span's text\nT6\tContent 41 49\ty\nE2\tCue:T5 Content:T6\n";

    #[test]
    fn reads_discontinuous_spans_and_implicit_sources() {
        let a = parse_ann(ANN, "x.ann").unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].content, vec![15..30, 32..40]);
        assert_eq!((a[0].source.len(), a[0].source[0].clone()), (1, 0..9));
        assert_eq!((a[0].cue.len(), a[0].cue[0].clone()), (1, 10..14));
        assert!(a[1].source.is_empty());
        assert!(parse_ann("T1\tSource 9 x\tbad\n", "y.ann")
            .unwrap_err()
            .to_string()
            .contains("y.ann:1"));
        assert!(parse_ann("E1\tContent:T9\n", "z.ann").is_err());
    }

    #[test]
    fn matching_is_one_to_one_and_needs_half_the_shorter_span() {
        let g = Attribution { content: vec![10..20], source: vec![], cue: vec![] };
        let p = |r: Range<usize>| Predicted { content: r, speaker: None, direct: true, cue: None };
        let (a, b) = (p(12..20), p(10..14));
        assert_eq!(match_contents(&[&g], &[&a, &b]), vec![(0, 0)], "the larger overlap wins");
        assert_eq!(match_contents(&[&g], &[&p(15..40)]), vec![(0, 0)], "5 of the shorter 10: half");
        assert!(match_contents(&[&g], &[&p(16..40)]).is_empty(), "4 of 10: under half");
    }

    #[test]
    fn speakers_match_on_a_name_word_and_pronouns_resolve() {
        assert!(same_speaker("Donald Trump", "Trump"));
        assert!(same_speaker("Clinton", "Hillary Clinton’s campaign manager"));
        assert!(!same_speaker("Monday", "Hillary Clinton"));
        let text: Vec<char> = "Jane Diaz said x. She said y.".chars().collect();
        let a = |s: Range<usize>| Attribution { content: vec![0..1], source: vec![s], cue: vec![] };
        let r = resolved_sources(&text, &[a(0..9), a(18..21)]);
        assert_eq!(r[1].as_deref(), Some("Jane Diaz"));
        let text: Vec<char> = "Critics include Senator Ann Roe, who said x.".chars().collect();
        let r = resolved_sources(&text, &[a(33..36)]);
        assert_eq!(r[0].as_deref(), Some("Critics include Senator Ann Roe"));
        assert!(same_speaker("Ann Roe", r[0].as_deref().unwrap_or_default()));
    }
}
