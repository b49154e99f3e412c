//! Reading CheckThat! check-worthiness TSV files:
//! `Sentence_id<TAB>Text[<TAB>class_label]` with a header line.
//!
//! Malformed rows are skipped and reported with their line number; the rest are kept.
//!
//! ```
//! use unspin_model::checkthat::parse;
//!
//! let tsv = "Sentence_id\tText\tclass_label\n1\tTaxes rose 5%.\tYes\n2\tbroken row\n3\t\"Quoted \"\"text\"\".\"\tNo\r\n";
//! let (rows, warnings) = parse(tsv);
//! assert_eq!(rows.len(), 2);
//! assert_eq!(rows[0].label, Some(true));
//! assert_eq!(rows[1].text, "Quoted \"text\".");
//! assert_eq!(warnings[0].line, 3);
//! ```

/// One sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// `Sentence_id`.
    pub id: String,
    /// The sentence (CSV-style surrounding quotes removed).
    pub text: String,
    /// `Yes` → true, `No` → false; `None` when the file has no label column.
    pub label: Option<bool>,
}

/// A skipped row.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        t[1..t.len() - 1].replace("\"\"", "\"")
    } else {
        t.to_string()
    }
}

/// Parses a TSV (header first). Rows with a wrong field count, an empty text or a label
/// other than `Yes`/`No` become warnings.
pub fn parse(tsv: &str) -> (Vec<Row>, Vec<Warning>) {
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    let mut lines = tsv.lines().enumerate();
    let header = lines.next().map(|(_, h)| h.trim_end_matches('\r').trim_start_matches('\u{feff}'));
    let labelled = header.is_some_and(|h| h.split('\t').count() >= 3);
    let want = if labelled { 3 } else { 2 };
    for (i, line) in lines {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let warn = |m: String| Warning { line: i + 1, message: m };
        if f.len() != want {
            warnings.push(warn(format!("expected {want} TAB-separated fields, found {}", f.len())));
            continue;
        }
        let text = unquote(f[1]);
        if text.is_empty() {
            warnings.push(warn("empty text".into()));
            continue;
        }
        let label = if labelled {
            match f[2].trim() {
                "Yes" => Some(true),
                "No" => Some(false),
                other => {
                    warnings.push(warn(format!("label {other:?} is neither Yes nor No")));
                    continue;
                }
            }
        } else {
            None
        };
        rows.push(Row { id: f[0].trim().to_string(), text, label });
    }
    (rows, warnings)
}
