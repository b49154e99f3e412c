//! Resuming a JSON Lines results file: which documents it already holds, and where its
//! last complete line ends (a line cut short by a crash is to be redone).
//!
//! ```
//! let dir = tempfile::tempdir()?;
//! let p = dir.path().join("out.jsonl");
//! std::fs::write(&p, "{\"id\":\"a\",\"source\":\"a.txt\",\"techniques\":[]}\n{\"id\":\"b\",\"sou")?;
//! let scan = unspin_printer::resume::scan(&p)?;
//! assert_eq!(scan.lines, 1);
//! assert!(scan.done.contains(&("a".to_string(), Some("a.txt".to_string()))));
//! assert_eq!(scan.valid_len, 44);
//! assert!(scan.torn);
//! // A file whose complete lines are not reports is not a results file at all.
//! for foreign in ["{\"id\": \"x\", \"text\": \"An input.\"}\n", "{\"id\": \"x\", \"text\": \"No newline.\"}"] {
//!     std::fs::write(&p, foreign)?;
//!     let scan = unspin_printer::resume::scan(&p)?;
//!     assert_eq!((scan.foreign_line, scan.torn), (Some(1), false));
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// What an existing results file holds.
#[derive(Debug, Default)]
pub struct Scan {
    /// `(id, source)` of every complete line.
    pub done: HashSet<(String, Option<String>)>,
    /// Complete lines.
    pub lines: usize,
    /// Bytes up to the end of the last complete, valid line.
    pub valid_len: u64,
    /// Whether the last line is torn: the beginning of a report with no newline. Only the
    /// last line can be torn, since each report is written whole, in one write.
    pub torn: bool,
    /// The first line that is not a report nor a report's torn beginning (1-based): the
    /// file is not an unspin results file, and must not be appended to or cut.
    pub foreign_line: Option<usize>,
}

/// How every report line begins.
const REPORT_START: &[u8] = b"{\"id\":\"";

/// The fields that make a line a report (`techniques` is required so that an input
/// document `{"id", "text"}` is never taken for one).
#[derive(serde::Deserialize)]
struct Key {
    id: String,
    #[serde(default)]
    source: Option<String>,
    #[allow(dead_code)]
    techniques: serde::de::IgnoredAny,
}

/// Scans `path`: the reports it holds, a torn last line, or the first line that shows
/// it is not a results file.
pub fn scan(path: &Path) -> std::io::Result<Scan> {
    let mut s = Scan::default();
    let total = std::fs::metadata(path)?.len();
    let mut reader = BufReader::new(std::fs::File::open(path)?);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        if line.last() != Some(&b'\n') {
            // Cut short by a crash: only a report's own beginning can be (reports are
            // written compact, `id` first); anything else is someone else's text.
            if !line.starts_with(REPORT_START) {
                s.foreign_line = Some(s.lines + 1);
            }
            break;
        }
        match serde_json::from_slice::<Key>(&line) {
            Ok(k) => {
                s.done.insert((k.id, k.source));
                s.lines += 1;
                s.valid_len += n as u64;
            }
            Err(_) => {
                // A whole line that is not a report was not written by a crash.
                s.foreign_line = Some(s.lines + 1);
                break;
            }
        }
    }
    s.torn = s.foreign_line.is_none() && s.valid_len < total;
    Ok(s)
}
