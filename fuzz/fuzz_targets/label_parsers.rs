//! Any text through the SemEval label parsers and the CheckThat! TSV reader: an error or
//! rows, never a panic; what the label parsers accept writes back and parses the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unspin_eval::labels::{parse_si, parse_tc, write_si, write_tc};
use unspin_model::checkthat;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(si) = parse_si(text, "fuzz") {
        assert_eq!(parse_si(&write_si(&si), "again").unwrap(), si);
    }
    if let Ok(tc) = parse_tc(text, "fuzz") {
        assert_eq!(parse_tc(&write_tc(&tc), "again").unwrap(), tc);
    }
    let (rows, warnings) = checkthat::parse(text);
    for w in &warnings {
        assert!(w.line >= 1);
    }
    for r in &rows {
        assert!(!r.id.contains('\t'));
    }
});
