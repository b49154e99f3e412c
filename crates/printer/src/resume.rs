//! Resuming a JSON Lines results file: which documents it already holds, and where its
//! last complete line ends (a line cut short by a crash is to be redone).
//!
//! ```
//! let dir = tempfile::tempdir()?;
//! let p = dir.path().join("out.jsonl");
//! std::fs::write(&p, "{\"id\":\"a\",\"source\":\"a.txt\"}\n{\"id\":\"b\",\"sou")?;
//! let scan = unspin_printer::resume::scan(&p)?;
//! assert_eq!(scan.lines, 1);
//! assert!(scan.done.contains(&("a".to_string(), Some("a.txt".to_string()))));
//! assert_eq!(scan.valid_len, 28);
//! assert!(scan.torn);
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
    /// Whether anything follows `valid_len` (a torn or invalid last line).
    pub torn: bool,
}

#[derive(serde::Deserialize)]
struct Key {
    id: String,
    #[serde(default)]
    source: Option<String>,
}

/// Scans `path`. A line that does not end in a newline or does not parse, and anything
/// after it, counts as torn.
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
            break;
        }
        match serde_json::from_slice::<Key>(&line) {
            Ok(k) => {
                s.done.insert((k.id, k.source));
                s.lines += 1;
                s.valid_len += n as u64;
            }
            Err(_) => break,
        }
    }
    s.torn = s.valid_len < total;
    Ok(s)
}
