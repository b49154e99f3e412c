//! `unspin classify`: the SemEval TC task on a template of spans.

use std::collections::HashMap;
use std::io::Write;

use anyhow::{bail, Context, Result};
use unspin_eval::labels;
use unspin_text::source::Sources;
use unspin_text::Document;

use crate::flags::ClassifyArgs;

/// Runs `classify`.
pub fn run(args: &ClassifyArgs) -> Result<bool> {
    let name = args.spans.display().to_string();
    let template =
        std::fs::read_to_string(&args.spans).with_context(|| format!("reading {name}"))?;
    let spans = labels::parse_tc(&template, &name)?;
    let detector = unspin_engine::load::techniques(&args.model.model)?;
    let mut docs: HashMap<String, Document> = HashMap::new();
    let mut ok = true;
    for d in Sources::new(&args.paths, super::read_options(&args.input)) {
        match d {
            Ok(d) => {
                docs.insert(d.id.clone(), d);
            }
            Err(e) => {
                ok = false;
                eprintln!("unspin: {e}");
            }
        }
    }
    // Group the template by article, keeping line order; classify each distinct span once.
    let mut order: Vec<&str> = Vec::new();
    let mut by_doc: HashMap<&str, Vec<(usize, std::ops::Range<usize>)>> = HashMap::new();
    for (k, s) in spans.iter().enumerate() {
        let Some(doc) = docs.get(&s.id) else {
            bail!("{name}: span {} names article {:?}, which no input provides", k + 1, s.id);
        };
        let range = doc
            .byte_range(s.start, s.end)
            .with_context(|| format!("{name}: span {} (article {})", k + 1, s.id))?;
        if !by_doc.contains_key(s.id.as_str()) {
            order.push(&s.id);
        }
        by_doc.entry(&s.id).or_default().push((k, range));
    }
    let mut techniques: Vec<String> = vec![String::new(); spans.len()];
    for id in order {
        let doc = &docs[id];
        let lines = &by_doc[id];
        let mut distinct: Vec<std::ops::Range<usize>> = Vec::new();
        for (_, r) in lines {
            if !distinct.contains(r) {
                distinct.push(r.clone());
            }
        }
        let ranked = detector.classify(&doc.text, &distinct).with_context(|| doc.id.clone())?;
        let mut used: HashMap<usize, usize> = HashMap::new();
        for (k, r) in lines {
            let d = distinct.iter().position(|x| x == r).expect("listed above");
            let nth = used.entry(d).or_default();
            // A span listed n times gets the model's n best distinct techniques.
            let pick = &ranked[d][(*nth).min(ranked[d].len() - 1)];
            *nth += 1;
            techniques[*k] = pick.technique.name().to_string();
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (s, t) in spans.iter().zip(&techniques) {
        writeln!(out, "{}\t{}\t{}\t{}", s.id, t, s.start, s.end)?;
    }
    out.flush()?;
    Ok(ok)
}
