//! HTML page → main article text.
//!
//! Uses `dom_smoothie` (a port of Mozilla's readability.js) to find the article body; a
//! page it cannot grab falls back to the text of `<body>`. The result is plain text,
//! one paragraph a line with a blank line between paragraphs, title first. Offsets in
//! a report index this extracted text, which the report carries.
//!
//! ```
//! let page = "<html><head><title>T</title><script>x()</script></head>\
//!             <body><p>First &amp; <b>bold</b>.</p><p>Second.</p></body></html>";
//! let text = unspin_text::html::extract(page)?;
//! assert!(text.contains("First & bold."));
//! assert!(!text.contains("x()"));
//! # Ok::<(), unspin_text::Error>(())
//! ```

use dom_smoothie::{Config, Readability, TextMode};

use crate::Error;

pub mod nesting;

/// Element count above which readability is skipped in favour of the plain body text
/// (readability's cost grows quickly on huge pages of markup soup).
const MAX_ELEMENTS: usize = 50_000;

/// Extracts the main article text (title, blank line, paragraphs) from an HTML page.
///
/// Elements nested deeper than [`nesting::MAX_DEPTH`] are unwrapped first, as browsers
/// do, so the cost stays linear in the page's size.
pub fn extract(html: &str) -> Result<String, Error> {
    let flat = nesting::flatten(html);
    let html: &str = &flat;
    let cfg = Config {
        text_mode: TextMode::Formatted,
        max_elements_to_parse: MAX_ELEMENTS,
        ..Config::default()
    };
    let (title, body) = match Readability::new(html, None, Some(cfg)).and_then(|mut r| r.parse()) {
        Ok(article) => (article.title.trim().to_string(), article.text_content.to_string()),
        Err(_) => fallback(html),
    };
    let body = tidy(&body);
    let body = if body.is_empty() { tidy(&fallback(html).1) } else { body };
    let mut out = String::new();
    if !title.is_empty() && !body.starts_with(&title) {
        out.push_str(&title);
        out.push_str("\n\n");
    }
    out.push_str(&body);
    if out.trim().is_empty() {
        return Err(Error::NoHtmlText);
    }
    Ok(out)
}

/// The `<title>` and the formatted text of `<body>`, without scripts and styles.
fn fallback(html: &str) -> (String, String) {
    let doc = dom_query::Document::from(html);
    doc.select("script, style, noscript, template").remove();
    let title = doc.select("title").text().trim().to_string();
    let body = doc.select("body").formatted_text().to_string();
    (title, body)
}

/// Trims each line, and keeps at most one blank line between paragraphs.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soup_and_empty_pages() {
        assert!(matches!(extract("<html><body></body></html>"), Err(Error::NoHtmlText)));
        let soup = "<div><p>Unclosed <b>tags <i>everywhere<p>Still text</div></span>";
        let t = extract(soup).unwrap();
        assert!(t.contains("everywhere") && t.contains("Still text"), "{t:?}");
        let t = extract("<p>&lt;script&gt;alert(1)&lt;/script&gt; is text</p>").unwrap();
        assert!(t.contains("<script>alert(1)</script> is text"), "{t:?}");
    }
}
