//! Label lines: parsing with line numbers, and writing.

use std::fmt::Write as _;

use crate::Error;

/// One technique-agnostic span (an SI line).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiSpan {
    /// Article id.
    pub id: String,
    /// Start, in characters (inclusive).
    pub start: usize,
    /// End, in characters (exclusive).
    pub end: usize,
}

/// One labelled span (a TC line). In a template, `technique` is `?`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TcSpan {
    /// Article id.
    pub id: String,
    /// Technique name, as in the official list.
    pub technique: String,
    /// Start, in characters (inclusive).
    pub start: usize,
    /// End, in characters (exclusive).
    pub end: usize,
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty())
}

fn offsets(file: &str, line: usize, s: &str, e: &str) -> Result<(usize, usize), Error> {
    let bad = |message: String| Error::Malformed { file: file.to_string(), line, message };
    let start: usize =
        s.trim().parse().map_err(|_| bad(format!("start {s:?} is not a non-negative integer")))?;
    let end: usize =
        e.trim().parse().map_err(|_| bad(format!("end {e:?} is not a non-negative integer")))?;
    if end <= start {
        return Err(bad(format!("end {end} must be greater than start {start}")));
    }
    Ok((start, end))
}

/// Parses SI lines `id<TAB>start<TAB>end`. TC lines (four fields) are accepted too, their
/// technique ignored, so a TC gold file can serve as SI gold.
pub fn parse_si(text: &str, file: &str) -> Result<Vec<SiSpan>, Error> {
    let mut out = Vec::new();
    for (n, line) in lines(text) {
        let f: Vec<&str> = line.split('\t').collect();
        let (id, s, e) = match f.as_slice() {
            [id, s, e] => (id, s, e),
            [id, _, s, e] => (id, s, e),
            _ => {
                return Err(Error::Malformed {
                    file: file.into(),
                    line: n,
                    message: format!("expected 3 TAB-separated fields, found {}", f.len()),
                })
            }
        };
        let (start, end) = offsets(file, n, s, e)?;
        out.push(SiSpan { id: id.trim().to_string(), start, end });
    }
    Ok(out)
}

/// Parses TC lines `id<TAB>technique<TAB>start<TAB>end` (technique `?` in a template).
pub fn parse_tc(text: &str, file: &str) -> Result<Vec<TcSpan>, Error> {
    let mut out = Vec::new();
    for (n, line) in lines(text) {
        let f: Vec<&str> = line.split('\t').collect();
        let [id, technique, s, e] = f.as_slice() else {
            return Err(Error::Malformed {
                file: file.into(),
                line: n,
                message: format!("expected 4 TAB-separated fields, found {}", f.len()),
            });
        };
        let (start, end) = offsets(file, n, s, e)?;
        out.push(TcSpan {
            id: id.trim().to_string(),
            technique: technique.trim().to_string(),
            start,
            end,
        });
    }
    Ok(out)
}

/// Writes SI lines.
pub fn write_si(spans: &[SiSpan]) -> String {
    let mut s = String::new();
    for x in spans {
        let _ = writeln!(s, "{}\t{}\t{}", x.id, x.start, x.end);
    }
    s
}

/// Writes TC lines.
pub fn write_tc(spans: &[TcSpan]) -> String {
    let mut s = String::new();
    for x in spans {
        let _ = writeln!(s, "{}\t{}\t{}\t{}", x.id, x.technique, x.start, x.end);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_line_numbers() {
        let si = parse_si("1\t0\t4\r\n\n2\tX\t3\t9\n", "f").unwrap();
        assert_eq!(si[1], SiSpan { id: "2".into(), start: 3, end: 9 });
        let e = parse_si("1\t0\t4\n1\t5\n", "f.labels").unwrap_err().to_string();
        assert_eq!(e, "f.labels:2: expected 3 TAB-separated fields, found 2");
        let e = parse_tc("1\tA\t9\t4\n", "g").unwrap_err().to_string();
        assert!(e.starts_with("g:1: end 4 must be greater"), "{e}");
        let e = parse_tc("1\tA\t-1\t4\n", "g").unwrap_err().to_string();
        assert!(e.contains("start \"-1\""), "{e}");
        let tc = parse_tc("7\tDoubt\t1\t2\n", "g").unwrap();
        assert_eq!(write_tc(&tc), "7\tDoubt\t1\t2\n");
    }
}
