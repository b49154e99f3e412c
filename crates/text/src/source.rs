//! Paths → documents: files, directories, standard input and JSON Lines.
//!
//! [`Sources`] is a lazy iterator: it reads one file (or one JSONL line) at a time, so a
//! corpus of any size streams through with constant memory. Each item is a
//! [`Document`] or an [`InputError`] naming the input and what is wrong; an error never
//! stops the iteration.
//!
//! - `-` reads standard input (HTML when it looks like HTML, else plain text).
//! - A directory yields every `*.txt`, `*.html` and `*.htm` below it, sorted by path; links
//!   are followed only when they point inside the directory.
//! - `*.html`/`*.htm` files go through [`crate::html::extract`].
//! - `*.jsonl` files yield one document per line: `{"id": …, "text": …}` (or `"html"`).
//! - Any other file is read as plain text.
//!
//! ```
//! use unspin_text::source::{ReadOptions, Sources};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("article42.txt"), "Plain text.")?;
//! std::fs::write(dir.path().join("b.jsonl"), "{\"id\": \"x\", \"text\": \"From JSONL.\"}\n")?;
//! let paths = [dir.path().join("article42.txt"), dir.path().join("b.jsonl")];
//! let docs: Vec<_> = Sources::new(&paths, ReadOptions::default()).collect::<Result<_, _>>()?;
//! assert_eq!(docs[0].id, "42");
//! assert_eq!(docs[1].id, "x");
//! assert_eq!(docs[1].text, "From JSONL.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::document::id_from_file_name;
use crate::{decode, html, DecodeOptions, Document, Error};

/// How inputs are read.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Size limit and lossy decoding.
    pub decode: DecodeOptions,
    /// Files never read as input, by identity (a run's own output files): a path that
    /// names one of them, under any name or link, yields [`Error::OwnOutput`].
    pub exclude: Vec<FileId>,
}

/// A file's identity: device and inode on Unix (so another name or a link to the same
/// file compares equal), the canonical path elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileId(FileIdInner);

#[derive(Clone, Debug, PartialEq, Eq)]
enum FileIdInner {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(PathBuf),
}

impl FileId {
    /// The identity of the file `path` names (links followed).
    pub fn of(path: &Path) -> std::io::Result<FileId> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let m = std::fs::metadata(path)?;
            Ok(FileId(FileIdInner::Inode(m.dev(), m.ino())))
        }
        #[cfg(not(unix))]
        {
            Ok(FileId(FileIdInner::Path(path.canonicalize()?)))
        }
    }
}

/// A failure to read one input; the others still go on.
#[derive(Debug)]
pub struct InputError {
    /// The input: a path, `path:line` for a JSONL line, or `<stdin>`.
    pub input: String,
    /// What went wrong.
    pub error: Error,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.input, self.error)
    }
}

impl std::error::Error for InputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// The kind of content a file holds, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// Plain text.
    Text,
    /// An HTML page.
    Html,
    /// JSON Lines, one document per line.
    Jsonl,
}

impl InputKind {
    /// The kind for a path, by its extension (plain text when unknown).
    pub fn of(path: &Path) -> InputKind {
        match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()) {
            Some(e) if e == "html" || e == "htm" => InputKind::Html,
            Some(e) if e == "jsonl" => InputKind::Jsonl,
            _ => InputKind::Text,
        }
    }
}

enum Item {
    Stdin,
    File(PathBuf),
    Failed(InputError),
}

struct JsonlReader {
    path: String,
    stem: String,
    lines: std::io::Lines<BufReader<File>>,
    line: usize,
}

/// A lazy iterator over the documents in a list of paths.
pub struct Sources {
    items: VecDeque<Item>,
    jsonl: Option<JsonlReader>,
    opts: ReadOptions,
}

impl Sources {
    /// Prepares to read `paths` (`-` is standard input). Directories are listed now;
    /// files are read as the iterator advances.
    pub fn new<P: AsRef<Path>>(paths: &[P], opts: ReadOptions) -> Sources {
        let mut items = VecDeque::new();
        for p in paths {
            let p = p.as_ref();
            let pattern = p.to_string_lossy();
            if p.as_os_str() == "-" {
                items.push_back(Item::Stdin);
            } else if !p.exists() && pattern.contains(['*', '?', '[']) {
                expand_glob(&pattern, &mut items);
            } else if p.is_dir() {
                list_dir(p, &mut items);
            } else {
                items.push_back(Item::File(p.to_path_buf()));
            }
        }
        Sources { items, jsonl: None, opts }
    }

    /// How many documents are left, when known (unknown once a JSONL file is pending).
    pub fn len_hint(&self) -> Option<usize> {
        if self.jsonl.is_some() {
            return None;
        }
        let mut n = 0;
        for item in &self.items {
            match item {
                Item::File(p) if InputKind::of(p) == InputKind::Jsonl => return None,
                _ => n += 1,
            }
        }
        Some(n)
    }

    fn next_jsonl(&mut self) -> Option<Result<Document, InputError>> {
        let reader = self.jsonl.as_mut()?;
        loop {
            let line = match reader.lines.next() {
                None => {
                    self.jsonl = None;
                    return None;
                }
                Some(line) => line,
            };
            reader.line += 1;
            let input = format!("{}:{}", reader.path, reader.line);
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    let err = if e.kind() == std::io::ErrorKind::InvalidData {
                        Error::Jsonl { line: reader.line, message: "not valid UTF-8".into() }
                    } else {
                        Error::Io { path: PathBuf::from(&reader.path), cause: e }
                    };
                    self.jsonl = None;
                    return Some(Err(InputError { input, error: err }));
                }
            };
            // A byte-order mark before the first line is not part of the JSON.
            let line = match line.strip_prefix('\u{feff}') {
                Some(rest) if reader.line == 1 => rest.to_string(),
                _ => line,
            };
            if line.trim().is_empty() {
                continue;
            }
            let result = parse_jsonl_line(&line, reader.line, &reader.stem, &self.opts)
                .map(|d| d.with_source(input.clone()))
                .map_err(|error| InputError { input, error });
            return Some(result);
        }
    }
}

impl Iterator for Sources {
    type Item = Result<Document, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.next_jsonl() {
                return Some(r);
            }
            let item = self.items.pop_front()?;
            if let Item::File(path) = &item {
                if is_excluded(path, &self.opts.exclude) {
                    let input = path.display().to_string();
                    return Some(Err(InputError { input, error: Error::OwnOutput }));
                }
            }
            match item {
                Item::Failed(e) => return Some(Err(e)),
                Item::Stdin => return Some(read_stdin(&self.opts)),
                Item::File(path) if InputKind::of(&path) == InputKind::Jsonl => {
                    match File::open(&path) {
                        Ok(f) => {
                            let stem = path
                                .file_stem()
                                .map(|s| s.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            self.jsonl = Some(JsonlReader {
                                path: path.display().to_string(),
                                stem,
                                lines: BufReader::new(f).lines(),
                                line: 0,
                            });
                        }
                        Err(source) => {
                            let input = path.display().to_string();
                            return Some(Err(InputError {
                                input,
                                error: Error::Io { path, cause: source },
                            }));
                        }
                    }
                }
                Item::File(path) => return Some(read_file(&path, &self.opts)),
            }
        }
    }
}

fn is_excluded(path: &Path, exclude: &[FileId]) -> bool {
    !exclude.is_empty() && FileId::of(path).is_ok_and(|id| exclude.contains(&id))
}

/// Expands a glob pattern (for shells that pass it through), sorted; no match is an error.
fn expand_glob(pattern: &str, items: &mut VecDeque<Item>) {
    let fail = |message: String| {
        Item::Failed(InputError {
            input: pattern.to_string(),
            error: Error::Io {
                path: PathBuf::from(pattern),
                cause: std::io::Error::other(message),
            },
        })
    };
    let paths = match glob::glob(pattern) {
        Ok(p) => p,
        Err(e) => return items.push_back(fail(format!("bad pattern: {e}"))),
    };
    let mut found: Vec<PathBuf> = paths.filter_map(Result::ok).filter(|p| p.is_file()).collect();
    found.sort();
    if found.is_empty() {
        items.push_back(fail("no file matches this pattern".into()));
    }
    items.extend(found.into_iter().map(Item::File));
}

fn list_dir(root: &Path, items: &mut VecDeque<Item>) {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let walker = walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(root).to_path_buf();
                let input = path.display().to_string();
                let source = e.into_io_error().unwrap_or_else(|| std::io::Error::other("walk"));
                items.push_back(Item::Failed(InputError {
                    input,
                    error: Error::Io { path, cause: source },
                }));
                continue;
            }
        };
        let path = entry.path();
        let ext_ok = matches!(InputKind::of(path), InputKind::Html)
            || path.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt"));
        if !ext_ok {
            continue;
        }
        if entry.path_is_symlink() {
            // Follow a link only when its target is a file inside the directory; a link
            // that leads nowhere (dangling, or a loop) is an input that cannot be read.
            match path.canonicalize() {
                Ok(t) if t.starts_with(&canonical_root) && t.is_file() => {}
                Ok(_) => continue,
                Err(cause) => {
                    let input = path.display().to_string();
                    let error = Error::Io { path: path.to_path_buf(), cause };
                    items.push_back(Item::Failed(InputError { input, error }));
                    continue;
                }
            }
        } else if !entry.file_type().is_file() {
            continue;
        }
        items.push_back(Item::File(path.to_path_buf()));
    }
}

fn read_file(path: &Path, opts: &ReadOptions) -> Result<Document, InputError> {
    let input = path.display().to_string();
    let fail = |error| InputError { input: input.clone(), error };
    let io = |cause| Error::Io { path: path.to_path_buf(), cause };
    let file = File::open(path).map_err(|e| fail(io(e)))?;
    let meta = file.metadata().map_err(|e| fail(io(e)))?;
    if meta.is_dir() {
        return Err(fail(io(std::io::Error::other("is a directory"))));
    }
    if meta.len() > opts.decode.max_bytes {
        return Err(fail(Error::TooLarge { size: meta.len(), limit: opts.decode.max_bytes }));
    }
    let bytes = read_limited(file, opts.decode.max_bytes).map_err(|e| fail(io(e)))?;
    let text = decode(&bytes, &opts.decode).map_err(fail)?;
    let text = match InputKind::of(path) {
        InputKind::Html => html::extract(&text).map_err(fail)?,
        _ => text,
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(Document::new(id_from_file_name(&name), text).with_source(input))
}

fn read_stdin(opts: &ReadOptions) -> Result<Document, InputError> {
    let input = "<stdin>".to_string();
    let fail = |error| InputError { input: input.clone(), error };
    let bytes = read_limited(std::io::stdin().lock(), opts.decode.max_bytes)
        .map_err(|cause| fail(Error::Io { path: PathBuf::from("<stdin>"), cause }))?;
    let text = decode(&bytes, &opts.decode).map_err(fail)?;
    let text = if looks_like_html(&text) { html::extract(&text).map_err(fail)? } else { text };
    Ok(Document::new("stdin", text).with_source(input))
}

/// Reads at most `limit + 1` bytes, so that an oversized input is caught by `decode`
/// without being read whole.
fn read_limited(reader: impl Read, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Whether a text looks like an HTML page rather than prose that mentions a tag.
pub fn looks_like_html(text: &str) -> bool {
    let head = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let lower: String = head.chars().take(512).collect::<String>().to_ascii_lowercase();
    lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || (lower.starts_with('<') && (lower.contains("<body") || lower.contains("<p")))
}

fn parse_jsonl_line(
    line: &str,
    number: usize,
    stem: &str,
    opts: &ReadOptions,
) -> Result<Document, Error> {
    let bad = |message: String| Error::Jsonl { line: number, message };
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    let obj = value.as_object().ok_or_else(|| bad("expected a JSON object".into()))?;
    let id = match obj.get("id") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        None | Some(serde_json::Value::Null) => format!("{stem}:{number}"),
        Some(_) => return Err(bad("\"id\" must be a string or a number".into())),
    };
    let (raw, is_html) = match (obj.get("text"), obj.get("html")) {
        (Some(serde_json::Value::String(t)), _) => (t.as_str(), false),
        (_, Some(serde_json::Value::String(h))) => (h.as_str(), true),
        _ => return Err(bad("expected a string field \"text\" (or \"html\")".into())),
    };
    let text = decode(raw.as_bytes(), &opts.decode)?;
    let text = if is_html { html::extract(&text)? } else { text };
    let mut doc = Document::new(id, text);
    doc.meta = obj
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "id" | "text" | "html"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(paths: &[PathBuf]) -> Vec<Result<Document, InputError>> {
        Sources::new(paths, ReadOptions::default()).collect()
    }

    #[test]
    fn directory_sorted_and_errors_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("b.txt"), "Second.").unwrap();
        std::fs::write(d.join("a.html"), "<p>First page text.</p>").unwrap();
        std::fs::write(d.join("c.txt"), b"bin\0ary").unwrap();
        std::fs::write(d.join("ignored.md"), "not read").unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/z.txt"), "Nested.").unwrap();
        let got = read_all(&[d.to_path_buf()]);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].as_ref().unwrap().id, "a");
        assert!(got[0].as_ref().unwrap().text.contains("First page text."));
        assert_eq!(got[1].as_ref().unwrap().text, "Second.");
        let err = got[2].as_ref().unwrap_err();
        assert!(err.to_string().contains("c.txt") && err.to_string().contains("binary"));
        assert_eq!(got[3].as_ref().unwrap().id, "z");
    }

    #[test]
    fn jsonl_errors_carry_line_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("in.jsonl");
        std::fs::write(
            &p,
            "{\"id\": 7, \"text\": \"ok\"}\n\nnot json\n{\"id\": \"e\", \"text\": \"\"}\n{\"text\": \"anon\"}\n",
        )
        .unwrap();
        let got = read_all(&[p]);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].as_ref().unwrap().id, "7");
        let e = got[1].as_ref().unwrap_err();
        assert!(matches!(e.error, Error::Jsonl { line: 3, .. }), "{e}");
        assert!(matches!(got[2].as_ref().unwrap_err().error, Error::Empty));
        assert_eq!(got[3].as_ref().unwrap().id, "in:5");
    }

    #[test]
    fn jsonl_metadata_and_globs() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.jsonl");
        std::fs::write(&p, "{\"id\": \"a\", \"text\": \"T.\", \"outlet\": \"Gazette\"}\n").unwrap();
        let got = read_all(&[p]);
        assert_eq!(got[0].as_ref().unwrap().meta["outlet"], "Gazette");
        std::fs::write(dir.path().join("x1.txt"), "One.").unwrap();
        std::fs::write(dir.path().join("x2.txt"), "Two.").unwrap();
        let pattern = dir.path().join("x*.txt");
        let s = Sources::new(std::slice::from_ref(&pattern), ReadOptions::default());
        assert_eq!(s.len_hint(), Some(2));
        let texts: Vec<String> = s.map(|d| d.unwrap().text).collect();
        assert_eq!(texts, ["One.", "Two."]);
        let none = read_all(&[dir.path().join("zz*.txt")]);
        assert!(none[0].as_ref().unwrap_err().to_string().contains("no file matches"));
    }

    #[test]
    fn missing_and_oversized_files() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.txt");
        std::fs::write(&big, "x".repeat(100)).unwrap();
        let opts = ReadOptions {
            decode: DecodeOptions { max_bytes: 10, lossy: false },
            ..ReadOptions::default()
        };
        let got: Vec<_> = Sources::new(&[big, dir.path().join("missing.txt")], opts).collect();
        assert!(matches!(got[0].as_ref().unwrap_err().error, Error::TooLarge { .. }));
        assert!(matches!(got[1].as_ref().unwrap_err().error, Error::Io { .. }));
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_directory_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "Outside.").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("in.txt"), "Inside.").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("l.txt"))
            .unwrap();
        std::os::unix::fs::symlink(dir.path().join("in.txt"), dir.path().join("m.txt")).unwrap();
        let got = read_all(&[dir.path().to_path_buf()]);
        let texts: Vec<_> = got.iter().map(|d| d.as_ref().unwrap().text.as_str()).collect();
        assert_eq!(texts, ["Inside.", "Inside."]);
    }

    #[cfg(unix)]
    #[test]
    fn dangling_and_looping_links_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.txt"), "Real.").unwrap();
        std::os::unix::fs::symlink(d.join("missing.txt"), d.join("b.txt")).unwrap();
        std::os::unix::fs::symlink(d.join("c.txt"), d.join("c.txt")).unwrap();
        let got = read_all(&[d.to_path_buf()]);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].as_ref().unwrap().text, "Real.");
        for (i, name) in [(1, "b.txt"), (2, "c.txt")] {
            let e = got[i].as_ref().unwrap_err();
            assert!(e.input.ends_with(name) && matches!(e.error, Error::Io { .. }), "{e}");
        }
    }

    #[test]
    fn jsonl_may_start_with_a_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bom.jsonl");
        std::fs::write(
            &p,
            "\u{feff}{\"id\": \"a\", \"text\": \"First.\"}\n{\"text\": \"\u{feff}Kept.\"}\n",
        )
        .unwrap();
        let got = read_all(&[p]);
        assert_eq!(got[0].as_ref().unwrap().text, "First.");
        // A mark inside a document's text is the document's own, and stays.
        assert_eq!(got[1].as_ref().unwrap().text, "\u{feff}Kept.");
    }

    #[test]
    fn excluded_files_are_not_read_under_any_name() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("results.jsonl");
        std::fs::write(&out, "{\"id\": \"x\", \"text\": \"Output.\"}\n").unwrap();
        std::fs::write(dir.path().join("in.jsonl"), "{\"id\": \"i\", \"text\": \"Input.\"}\n")
            .unwrap();
        let opts =
            ReadOptions { exclude: vec![FileId::of(&out).unwrap()], ..ReadOptions::default() };
        let pattern = dir.path().join("*.jsonl");
        let other_name = dir.path().join(".").join("results.jsonl");
        let got: Vec<_> = Sources::new(&[pattern, other_name], opts).collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].as_ref().unwrap().text, "Input.");
        assert!(matches!(got[1].as_ref().unwrap_err().error, Error::OwnOutput));
        assert!(matches!(got[2].as_ref().unwrap_err().error, Error::OwnOutput));
    }
}
