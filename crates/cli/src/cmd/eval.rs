//! `unspin eval si|tc|techniques`.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use unspin_detect::report::{QuoteKind, Verdict};
use unspin_detect::techniques;
use unspin_eval::tc::TcScore;
use unspin_eval::{labels, si, tc};
use unspin_model::ptc;

use crate::flags::{EvalClaims, EvalFiles, EvalNumbers, EvalQuotes, EvalTechniques};

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// The per-technique table.
pub fn tc_table(s: &TcScore) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<36} {:>9} {:>9} {:>9} {:>7} {:>9}",
        "technique", "precision", "recall", "f1", "gold", "predicted"
    );
    for t in &s.per_technique {
        let _ = writeln!(
            out,
            "{:<36} {:>9.4} {:>9.4} {:>9.4} {:>7} {:>9}",
            t.technique, t.precision, t.recall, t.f1, t.support, t.predicted
        );
    }
    out
}

/// `unspin eval si`.
pub fn si(args: &EvalFiles) -> Result<String> {
    let gold = labels::parse_si(&read(&args.gold)?, &args.gold.display().to_string())?;
    let pred = labels::parse_si(&read(&args.pred)?, &args.pred.display().to_string())?;
    let s = si::score(&gold, &pred);
    if args.json {
        return Ok(serde_json::to_string_pretty(&s)? + "\n");
    }
    Ok(format!(
        "F1={:.6}\nPrecision={:.6}\nRecall={:.6}\nspans: {} predicted, {} gold (after merging overlaps)\n",
        s.f1, s.precision, s.recall, s.n_pred, s.n_gold
    ))
}

/// `unspin eval tc`.
pub fn tc(args: &EvalFiles) -> Result<String> {
    let gold = labels::parse_tc(&read(&args.gold)?, &args.gold.display().to_string())?;
    let pred = labels::parse_tc(&read(&args.pred)?, &args.pred.display().to_string())?;
    let s = tc::score(&gold, &pred)?;
    if args.json {
        return Ok(serde_json::to_string_pretty(&s)? + "\n");
    }
    Ok(format!(
        "F1={:.6}\nPrecision={:.6}\nRecall={:.6}\nmacro-F1={:.6}\n\n{}",
        s.f1,
        s.precision,
        s.recall,
        s.macro_f1,
        tc_table(&s)
    ))
}

/// Prints, on standard error, each matched attribution whose speaker is missing or wrong.
pub fn speaker_misses(
    articles: &[unspin_eval::polnear::Article],
    pred: &[Vec<unspin_eval::polnear::Predicted>],
) {
    use unspin_eval::polnear::{match_contents, resolved_sources, same_speaker, slice};
    for (a, pred) in articles.iter().zip(pred) {
        let text: Vec<char> = a.text.chars().collect();
        let gold: Vec<_> = a.attributions.iter().collect();
        let preds: Vec<_> = pred.iter().collect();
        let sources = resolved_sources(&text, &a.attributions);
        for (g, p) in match_contents(&gold, &preds) {
            let (Some(want), got) = (&sources[g], &preds[p].speaker) else { continue };
            if got.as_deref().is_some_and(|x| same_speaker(x, want)) {
                continue;
            }
            let r = &preds[p].content;
            let from = r.start.saturating_sub(80);
            let to = (r.end + 80).min(text.len());
            let context: String = text[from..to].iter().collect::<String>().replace('\n', " ");
            let raw = slice(&text, &a.attributions[g].source);
            eprintln!("{}: speaker {got:?}, expected {want:?} [{raw}]: …{context}…", a.name);
        }
    }
}

/// The predicted attributions (character offsets; scare quotes left out) and cited
/// sources of a PolNeAR article, with `tagger` (none: the rules alone).
pub fn polnear_predict(
    a: &unspin_eval::polnear::Article,
    tagger: Option<&unspin_detect::quotes::tagger::Tagger>,
    linker: Option<&unspin_detect::quotes::tagger::link::Linker>,
    vectors: Option<&unspin_detect::quotes::tagger::TokenVectors>,
) -> (Vec<unspin_eval::polnear::Predicted>, Vec<std::ops::Range<usize>>) {
    use unspin_detect::quotes;
    let doc = unspin_text::Document::new(a.name.clone(), a.text.clone());
    let found = quotes::find(&doc.text);
    let chars = |r: std::ops::Range<usize>| {
        let (s, e) = doc.char_span(r);
        s..e
    };
    let attributed = quotes::attributions_with(&doc.text, &found, tagger, linker, vectors);
    let pred = attributed
        .iter()
        .filter(|a| a.quote.kind != QuoteKind::Scare)
        .map(|a| unspin_eval::polnear::Predicted {
            content: chars(a.quote.range.clone()),
            speaker: a.quote.speaker.clone(),
            direct: matches!(a.quote.kind, QuoteKind::Direct | QuoteKind::Mixed),
            cue: a.cue.clone().map(chars),
        })
        .collect();
    let mut cited: Vec<_> = found.sources.into_iter().map(|s| chars(s.range)).collect();
    let according = |a: &quotes::Attributed| {
        a.cue.as_ref().is_some_and(|c| doc.text[c.clone()].to_lowercase().starts_with("according"))
    };
    cited.extend(
        attributed.iter().filter(|a| according(a)).filter_map(|a| a.source.clone().map(chars)),
    );
    (pred, cited)
}

/// Each article's predicted attributions and cited sources.
type Predictions = (Vec<Vec<unspin_eval::polnear::Predicted>>, Vec<Vec<std::ops::Range<usize>>>);

/// [`polnear_predict`] for each article with the neural tagger (articles in parallel).
fn polnear_predict_neural(
    articles: &[unspin_eval::polnear::Article],
    neural: &unspin_detect::quotes::NeuralAttribution,
    rule_sources: bool,
) -> Result<Predictions> {
    use rayon::prelude::*;
    let recipe = neural.tagger.recipe().context("the neural tagger reads no vectors")?;
    let linker = (!rule_sources).then_some(&neural.linker);
    let each: Vec<_> = articles
        .par_iter()
        .map(|a| -> Result<_> {
            let v = neural.vectors.vectors(&a.text, recipe)?;
            Ok(polnear_predict(a, Some(&neural.tagger), linker, Some(&v)))
        })
        .collect::<Result<_>>()?;
    Ok(each.into_iter().unzip())
}

/// `unspin eval quotes --polnear DIR`: the quotation finder on PolNeAR's attributions.
fn polnear(dir: &Path, args: &crate::flags::EvalQuotes) -> Result<String> {
    let (split, json, verbose) = (args.split.as_str(), args.json, args.verbose);
    use unspin_eval::polnear;
    let articles = polnear::load(dir, split)
        .with_context(|| format!("reading PolNeAR {split} from {}", dir.display()))?;
    let (pred, cited): (Vec<_>, Vec<_>) = match unspin_engine::load::quotes(&args.quotes_model)? {
        None => {
            let tagger = unspin_detect::quotes::tagger::shipped();
            let linker =
                unspin_detect::quotes::tagger::link::shipped().filter(|_| !args.rule_sources);
            articles.iter().map(|a| polnear_predict(a, tagger, linker, None)).unzip()
        }
        Some(neural) => polnear_predict_neural(&articles, &neural, args.rule_sources)?,
    };
    if verbose {
        speaker_misses(&articles, &pred);
    }
    let s = polnear::score(&articles, &pred, &cited);
    if verbose {
        for m in &s.according_missed {
            eprintln!("\"according to\" source not found: {m}");
        }
    }
    if json {
        return Ok(serde_json::to_string_pretty(&s)? + "\n");
    }
    Ok(polnear_text(split, &s))
}

/// The PolNeAR scores as text.
pub fn polnear_text(split: &str, s: &unspin_eval::polnear::Scores) -> String {
    use unspin_eval::polnear;
    let line = |name: &str, p: &polnear::Prf| {
        format!(
            "{name}: F1={:.4} Precision={:.4} Recall={:.4} ({} matched, {} predicted, {} gold)\n",
            p.f1, p.precision, p.recall, p.matched, p.predicted, p.gold
        )
    };
    format!(
        "PolNeAR {split} ({} articles)\n{}{}speakers: accuracy={:.4} ({} of {} matched attributions with a source; {} without a predicted speaker)\n\
         according to: {} of {} sources found\n{}",
        s.articles,
        line("attributions (all)", &s.all),
        line("direct quotations", &s.direct),
        s.speaker_accuracy(),
        s.speakers_right,
        s.speakers_scored,
        s.speakers_missing,
        s.according_found,
        s.according_gold,
        line("cues", &s.cue),
    )
}

/// `unspin eval techniques`.
pub fn techniques(args: &EvalTechniques) -> Result<String> {
    let split: ptc::Split = args.split.parse()?;
    let corpus = ptc::load(&args.data, split)
        .with_context(|| format!("reading PTC from {}", args.data.display()))?;
    let det = unspin_engine::load::techniques(&args.model.model)?;
    let e = techniques::evaluate(det.as_ref(), &corpus)?;
    if args.json {
        return Ok(serde_json::to_string_pretty(&e)? + "\n");
    }
    Ok(format!(
        "model {} on PTC {} ({} articles)\n\
         SI          F1={:.4} Precision={:.4} Recall={:.4} ({} predicted, {} gold spans)\n\
         TC (gold)   micro-F1={:.4} macro-F1={:.4}\n\
         end-to-end  F1={:.4} Precision={:.4} Recall={:.4}\n\n{}",
        det.name(),
        args.split,
        e.articles,
        e.si.f1,
        e.si.precision,
        e.si.recall,
        e.si.n_pred,
        e.si.n_gold,
        e.tc.f1,
        e.tc.macro_f1,
        e.end_to_end.f1,
        e.end_to_end.precision,
        e.end_to_end.recall,
        tc_table(&e.tc)
    ))
}

/// `unspin eval claims`: F1 of the `Yes` class, precision and recall.
pub fn claims(args: &EvalClaims) -> Result<String> {
    let gold = super::claims::read_tsv(&args.gold)?;
    let mut gold_labels = Vec::new();
    let mut predicted = Vec::new();
    match &args.pred {
        Some(pred_path) => {
            let text = read(pred_path)?;
            let mut pred = std::collections::HashMap::new();
            for (i, line) in text.lines().enumerate() {
                let f: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
                match f.as_slice() {
                    [id, _score, label] if *label == "Yes" || *label == "No" => {
                        pred.insert(id.to_string(), *label == "Yes");
                    }
                    _ if line.trim().is_empty() || i == 0 && line.starts_with("Sentence_id") => {}
                    _ => anyhow::bail!(
                        "{}:{}: expected Sentence_id<TAB>score<TAB>Yes|No",
                        pred_path.display(),
                        i + 1
                    ),
                }
            }
            for r in &gold {
                let Some(g) = r.label else { continue };
                let p = pred.get(&r.id).with_context(|| {
                    format!("{}: no prediction for sentence {}", pred_path.display(), r.id)
                })?;
                gold_labels.push(g);
                predicted.push(*p);
            }
        }
        None => {
            let scorer = unspin_engine::load::claims(&args.claims_model)?;
            let labelled: Vec<_> = gold.iter().filter(|r| r.label.is_some()).collect();
            let texts: Vec<&str> = labelled.iter().map(|r| r.text.as_str()).collect();
            for (r, s) in labelled.iter().zip(scorer.score_batch(&texts)?) {
                gold_labels.push(r.label.unwrap_or(false));
                predicted.push(s >= scorer.threshold());
            }
        }
    }
    let (f1, precision, recall) = unspin_model::claims::f1_yes(&gold_labels, &predicted);
    if args.json {
        let v = serde_json::json!({"f1": f1, "precision": precision, "recall": recall,
            "sentences": gold_labels.len(), "gold_yes": gold_labels.iter().filter(|g| **g).count(),
            "predicted_yes": predicted.iter().filter(|p| **p).count()});
        return Ok(serde_json::to_string_pretty(&v)? + "\n");
    }
    Ok(format!(
        "F1={f1:.6}\nPrecision={precision:.6}\nRecall={recall:.6}\nsentences: {}, gold Yes: {}, predicted Yes: {}\n",
        gold_labels.len(),
        gold_labels.iter().filter(|g| **g).count(),
        predicted.iter().filter(|p| **p).count()
    ))
}

#[derive(serde::Deserialize)]
struct NumberPassage {
    text: String,
    quantities: Vec<GoldQuantity>,
    #[serde(default)]
    checks: Vec<String>,
}

#[derive(serde::Deserialize)]
struct GoldQuantity {
    text: String,
    value: f64,
    /// A range's high end ("between 300 and 600": value 300, high 600).
    #[serde(default)]
    high: Option<f64>,
}

/// `unspin eval numbers`: quantity P/R/F1 (a prediction matches a gold quantity when it
/// covers at least half of it and has the same value, and the same high end where the
/// gold is a range) and verdict accuracy (verdicts in text order against the expected
/// ones).
pub fn numbers(args: &EvalNumbers) -> Result<String> {
    if let Some(file) = &args.quantities {
        return super::quantities::run(file, &args.data, args.json, args.verbose);
    }
    if let Some(file) = &args.comparisons {
        return super::comparisons::run(file, &args.data, args.verbose);
    }
    if let Some(dir) = &args.recognizers {
        return recognizers(dir, args.json, args.verbose);
    }
    let passages: Vec<NumberPassage> = serde_json::from_str(&read(&args.gold)?)
        .with_context(|| format!("parsing {}", args.gold.display()))?;
    let (mut n_pred, mut n_gold, mut matched) = (0usize, 0usize, 0usize);
    let (mut gold_checks, mut right, mut extra, mut false_inconsistent) =
        (0usize, 0usize, 0usize, 0usize);
    for (k, p) in passages.iter().enumerate() {
        let qs = unspin_detect::numbers::extract(&p.text);
        n_pred += qs.len();
        n_gold += p.quantities.len();
        let mut used = vec![false; qs.len()];
        let mut from = 0;
        for g in &p.quantities {
            let Some(off) = p.text[from..].find(&g.text).map(|o| o + from) else {
                anyhow::bail!(
                    "{}: passage {k}: {:?} is not in the text",
                    args.gold.display(),
                    g.text
                );
            };
            from = off + g.text.len();
            let (gs, ge) = (off, off + g.text.len());
            let hit = qs.iter().enumerate().find(|(i, q)| {
                let inter = ge.min(q.range.end).saturating_sub(gs.max(q.range.start));
                let same = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1.0);
                !used[*i]
                    && 2 * inter >= ge - gs
                    && same(q.value, g.value)
                    && match (q.high, g.high) {
                        (None, None) => true,
                        (Some(a), Some(b)) => same(a, b),
                        _ => false,
                    }
            });
            match hit {
                Some((i, _)) => {
                    used[i] = true;
                    matched += 1;
                }
                None if args.verbose => {
                    eprintln!("missed in passage {k}: {:?} = {}", g.text, g.value)
                }
                None => {}
            }
        }
        if args.verbose {
            for (q, u) in qs.iter().zip(&used) {
                if !*u {
                    eprintln!("extra in passage {k}: {:?} = {}", &p.text[q.range.clone()], q.value);
                }
            }
        }
        let checks = unspin_detect::numbers::check(&p.text, &qs);
        if args.verbose && checks.len() < p.checks.len() {
            eprintln!("passage {k}: {} check(s) expected, {} found", p.checks.len(), checks.len());
        }
        gold_checks += p.checks.len();
        extra += checks.len().saturating_sub(p.checks.len());
        for (i, c) in checks.iter().enumerate() {
            let want = p.checks.get(i).map(String::as_str);
            if want == Some(c.verdict.name()) {
                right += 1;
            } else if args.verbose {
                eprintln!(
                    "passage {k}: verdict {} where {:?} was expected: {}",
                    c.verdict, want, c.explanation
                );
            }
            if c.verdict == Verdict::Inconsistent && want != Some("inconsistent") {
                false_inconsistent += 1;
            }
        }
    }
    let (precision, recall, f1) = unspin_eval::prf(matched as f64, n_pred, matched as f64, n_gold);
    let accuracy = if gold_checks == 0 { 0.0 } else { right as f64 / gold_checks as f64 };
    if args.json {
        let v = serde_json::json!({"passages": passages.len(), "quantities": {"f1": f1, "precision": precision,
            "recall": recall, "predicted": n_pred, "gold": n_gold, "matched": matched},
            "verdicts": {"accuracy": accuracy, "expected": gold_checks, "right": right,
            "extra_checks": extra, "false_inconsistent": false_inconsistent}});
        return Ok(serde_json::to_string_pretty(&v)? + "\n");
    }
    Ok(format!(
        "F1={f1:.4}\nPrecision={precision:.4}\nRecall={recall:.4}\n\
         quantities: {matched} matched, {n_pred} predicted, {n_gold} gold ({} passages)\n\
         verdicts: accuracy={accuracy:.4} ({right} of {gold_checks} right), {extra} extra checks, \
         {false_inconsistent} false \"inconsistent\"\n",
        passages.len()
    ))
}

#[derive(serde::Deserialize)]
struct QuotePassage {
    text: String,
    #[serde(default)]
    quotes: Vec<GoldQuote>,
    #[serde(default)]
    sources: Vec<GoldSource>,
}

#[derive(serde::Deserialize)]
struct GoldQuote {
    text: String,
    speaker: Option<String>,
}

#[derive(serde::Deserialize)]
struct GoldSource {
    text: String,
    name: String,
}

/// Locates each gold text in `text` (in order) as a byte range.
fn locate<'a>(
    text: &str,
    items: impl Iterator<Item = &'a str>,
    file: &Path,
    k: usize,
) -> Result<Vec<std::ops::Range<usize>>> {
    let mut from = 0;
    let mut out = Vec::new();
    for t in items {
        let Some(off) = text[from..].find(t).map(|o| o + from).or_else(|| text.find(t)) else {
            anyhow::bail!("{}: passage {k}: {t:?} is not in the text", file.display());
        };
        from = off + t.len();
        out.push(off..off + t.len());
    }
    Ok(out)
}

/// Greedy one-to-one matching: overlap of at least half of the longer span.
fn matches(gold: &[std::ops::Range<usize>], pred: &[std::ops::Range<usize>]) -> Vec<Option<usize>> {
    let mut used = vec![false; pred.len()];
    gold.iter()
        .map(|g| {
            let hit = pred.iter().enumerate().find(|(i, p)| {
                let inter = g.end.min(p.end).saturating_sub(g.start.max(p.start));
                !used[*i] && 2 * inter >= g.len().max(p.len())
            });
            hit.map(|(i, _)| {
                used[i] = true;
                i
            })
        })
        .collect()
}

/// `unspin eval quotes`.
pub fn quotes(args: &EvalQuotes) -> Result<String> {
    if let Some(dir) = &args.polnear {
        return polnear(dir, args);
    }
    let passages: Vec<QuotePassage> = serde_json::from_str(&read(&args.gold)?)
        .with_context(|| format!("parsing {}", args.gold.display()))?;
    let (mut qg, mut qp, mut qm) = (0usize, 0usize, 0usize);
    let (mut attributed, mut right, mut guessed) = (0usize, 0usize, 0usize);
    let (mut sg, mut spd, mut sm, mut names_right) = (0usize, 0usize, 0usize, 0usize);
    for (k, p) in passages.iter().enumerate() {
        let found = unspin_detect::quotes::find(&p.text);
        let gold_q = locate(&p.text, p.quotes.iter().map(|q| q.text.as_str()), &args.gold, k)?;
        let pred_q: Vec<_> = found.quotes.iter().map(|q| q.range.clone()).collect();
        qg += gold_q.len();
        qp += pred_q.len();
        for (g, m) in p.quotes.iter().zip(matches(&gold_q, &pred_q)) {
            let Some(i) = m else {
                if args.verbose {
                    eprintln!("passage {k}: missed quote {:?}", g.text);
                }
                continue;
            };
            qm += 1;
            let pred = found.quotes[i].speaker.as_deref();
            match &g.speaker {
                Some(gs) => {
                    attributed += 1;
                    if pred.is_some_and(|p| p.eq_ignore_ascii_case(gs)) {
                        right += 1;
                    } else if args.verbose {
                        eprintln!(
                            "passage {k}: speaker {pred:?} for {:?}, expected {gs:?}",
                            g.text
                        );
                    }
                }
                None if pred.is_some() => {
                    guessed += 1;
                    if args.verbose {
                        eprintln!(
                            "passage {k}: guessed speaker {pred:?} for unattributed {:?}",
                            g.text
                        );
                    }
                }
                None => {}
            }
        }
        if args.verbose && pred_q.len() > gold_q.len() {
            eprintln!("passage {k}: {} quote(s) found, {} expected", pred_q.len(), gold_q.len());
        }
        let gold_s = locate(&p.text, p.sources.iter().map(|s| s.text.as_str()), &args.gold, k)?;
        let pred_s: Vec<_> = found.sources.iter().map(|s| s.range.clone()).collect();
        sg += gold_s.len();
        spd += pred_s.len();
        for (g, m) in p.sources.iter().zip(matches(&gold_s, &pred_s)) {
            match m {
                Some(i) => {
                    sm += 1;
                    if found.sources[i].name.eq_ignore_ascii_case(&g.name) {
                        names_right += 1;
                    }
                }
                None if args.verbose => eprintln!("passage {k}: missed source {:?}", g.text),
                None => {}
            }
        }
        if args.verbose && pred_s.len() > gold_s.len() {
            eprintln!("passage {k}: {} source(s) found, {} expected", pred_s.len(), gold_s.len());
        }
    }
    let (qp_, qr_, qf) = unspin_eval::prf(qm as f64, qp, qm as f64, qg);
    let (sp_, sr_, sf) = unspin_eval::prf(sm as f64, spd, sm as f64, sg);
    let acc = if attributed == 0 { 0.0 } else { right as f64 / attributed as f64 };
    if args.json {
        let v = serde_json::json!({"passages": passages.len(),
            "quotes": {"f1": qf, "precision": qp_, "recall": qr_, "gold": qg, "predicted": qp, "matched": qm},
            "speakers": {"accuracy": acc, "attributed": attributed, "right": right, "guessed_for_unattributed": guessed},
            "sources": {"f1": sf, "precision": sp_, "recall": sr_, "gold": sg, "predicted": spd, "matched": sm, "names_right": names_right}});
        return Ok(serde_json::to_string_pretty(&v)? + "\n");
    }
    Ok(format!(
        "F1={qf:.4}\nPrecision={qp_:.4}\nRecall={qr_:.4}\n\
         quotes: {qm} matched, {qp} predicted, {qg} gold ({} passages)\n\
         speakers: accuracy={acc:.4} ({right} of {attributed} attributed quotes), {guessed} guessed for unattributed quotes\n\
         sources: F1={sf:.4} Precision={sp_:.4} Recall={sr_:.4} ({sm} matched, {spd} predicted, {sg} gold; {names_right} names right)\n",
        passages.len()
    ))
}

/// Whether a quantity with the unit named `unit` is of the type a Recognizers-Text spec
/// file annotates: its typed models (currency, dimension, temperature, age, percent)
/// return only quantities of their type, so only those are scored against them; the
/// number model returns every number.
fn in_scope(file: &str, unit: Option<&str>) -> bool {
    use unspin_detect::numbers::units::{category, Category};
    let cat = unit.and_then(category);
    let name = file.rsplit('/').next().unwrap_or(file);
    match name {
        "PercentModel.json" => cat == Some(Category::Percent),
        "CurrencyModel.json" => cat == Some(Category::Currency),
        "DimensionModel.json" => cat == Some(Category::Dimension),
        "TemperatureModel.json" => cat == Some(Category::Temperature),
        "AgeModel.json" => cat == Some(Category::Time),
        _ => true,
    }
}

/// The quantities unspin reports in one spec case (the report's units).
fn spec_predictions(input: &str) -> Vec<unspin_eval::recognizers::Predicted> {
    super::quantities::reported(input)
        .into_iter()
        .map(|n| unspin_eval::recognizers::Predicted {
            span: n.start..n.end,
            value: n.value,
            unit: n.unit_name,
        })
        .collect()
}

/// `unspin eval numbers --recognizers DIR`: the quantity extractor on the Recognizers-Text
/// English specs, each typed spec file scored on quantities of its type ([`in_scope`]),
/// and every quantity in every file scored as well.
fn recognizers(dir: &Path, json: bool, verbose: bool) -> Result<String> {
    use unspin_eval::recognizers::{self, Predicted};
    let specs = recognizers::load(dir)
        .with_context(|| format!("reading the Recognizers-Text specs in {}", dir.display()))?;
    let canonical = |u: &str| unspin_detect::numbers::units::canonical(u);
    let mut scores = Vec::new();
    let mut untyped = Vec::new();
    for spec in &specs {
        let all: Vec<Vec<Predicted>> =
            spec.cases.iter().map(|c| spec_predictions(&c.input)).collect();
        let typed: Vec<Vec<Predicted>> = all
            .iter()
            .map(|p| {
                p.iter().filter(|q| in_scope(&spec.file, q.unit.as_deref())).cloned().collect()
            })
            .collect();
        if verbose {
            for (case, pred) in spec.cases.iter().zip(&typed) {
                let shown: Vec<_> = pred.iter().map(|p| (&p.span, p.value, &p.unit)).collect();
                let gold: Vec<_> = case.gold.iter().map(|g| (&g.span, g.value, &g.unit)).collect();
                eprintln!("{}: {:?}\n  gold {gold:?}\n  found {shown:?}", spec.file, case.input);
            }
        }
        scores.push(recognizers::score(spec, &typed, &canonical));
        untyped.push(recognizers::score(spec, &all, &canonical));
    }
    let mut every = recognizers::total(&untyped);
    every.file = "all, every quantity scored in every file".to_string();
    scores.push(recognizers::total(&scores));
    scores.push(every);
    if json {
        return Ok(serde_json::to_string_pretty(&scores)? + "\n");
    }
    let mut out = String::from(
        "file\tcases\tnot supported (left out)\tspan F1\tvalue F1\tvalue+unit F1 (P / R)\n",
    );
    for s in &scores {
        out += &format!(
            "{}\t{}\t{}\t{:.3}\t{:.3}\t{:.3} ({:.3} / {:.3})\n",
            s.file,
            s.cases,
            s.not_supported,
            s.span.f1,
            s.value.f1,
            s.value_unit.f1,
            s.value_unit.precision,
            s.value_unit.recall
        );
    }
    Ok(out)
}
