//! Bounding how deeply an HTML page nests, in one linear pass, before it is parsed.
//!
//! The tree builder and readability both walk the stack of open elements, so their cost
//! grows with the square of the nesting depth: a 1 MB page of 10,000 nested `<div>`s took
//! 15 s. Browsers cap the depth of the tree they build (Chromium at 512) and attach
//! deeper elements as siblings; [`flatten`] does the same on the markup: start tags past
//! [`MAX_DEPTH`] open elements, and the end tags that match them, are left out. The text
//! between them stays, in order, so the article still reads the same. Pages within the
//! limit — every real article — are passed through untouched.
//!
//! The scan follows the HTML tree builder where it matters for depth: void elements,
//! raw-text elements (`<script>`, `<style>`, …), comments, end tags that close the
//! elements opened after their own, and the start tags that close an open element of the
//! same kind (`<p>`, `<li>`, `<td>`, …). It is an approximation on purpose: it never
//! needs more than one pass and a stack of at most [`MAX_DEPTH`] names.

use std::borrow::Cow;
use std::collections::HashMap;

/// Most open elements kept; deeper start tags are dropped (Chromium's limit).
pub const MAX_DEPTH: usize = 512;

const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];
const RAW_TEXT: &[&str] =
    &["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"];
/// Start tags that close an open element of the same name first (in reach: see
/// [`Stack::find`]).
const SELF_CLOSING_KIND: &[&str] =
    &["p", "tr", "td", "th", "thead", "tbody", "tfoot", "rt", "rp", "button"];
/// List items: they close an open item of their kind, walking past phrasing elements and
/// `address`/`div`/`p` only.
const LIST_ITEM: &[&str] = &["li", "dt", "dd"];
/// Start tags that close an element of their kind only when it is the current node.
const CLOSES_CURRENT: &[&str] = &["option", "optgroup"];
/// Table parts: the tree builder ignores them outside a table.
const TABLE_PART: &[&str] =
    &["caption", "col", "colgroup", "tbody", "td", "tfoot", "th", "thead", "tr"];
/// Formatting elements: the tree builder closes them with its adoption agency, which
/// moves blocks opened inside them rather than popping them, so a close is only taken
/// when no block stands above them.
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];
/// HTML start tags that end foreign (`<svg>`, `<math>`) content.
const BREAKOUT: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strong",
    "strike",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
];
/// Elements that bound the reopening of formatting elements.
const MARKER: &[&str] = &["applet", "caption", "marquee", "object", "td", "th", "template"];
/// Elements that are not phrasing content (the tree builder's "special" category, less
/// the ones that cannot hold others).
const BLOCK: &[&str] = &[
    "address",
    "applet",
    "article",
    "aside",
    "blockquote",
    "body",
    "button",
    "caption",
    "center",
    "colgroup",
    "dd",
    "details",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "html",
    "li",
    "listing",
    "main",
    "marquee",
    "menu",
    "nav",
    "object",
    "ol",
    "p",
    "pre",
    "search",
    "section",
    "select",
    "summary",
    "table",
    "tbody",
    "td",
    "template",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];
/// Block start tags that close an open `<p>`.
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "div",
    "dl",
    "fieldset",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "main",
    "nav",
    "ol",
    "pre",
    "section",
    "table",
    "ul",
    "li",
    "dd",
    "dt",
];

/// Elements that bound a scope: an implied or explicit close never reaches past them
/// (the tree builder's "has an element in scope" stops there).
const SCOPE: &[&str] = &[
    "applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "svg",
    "math", "button", "ul", "ol", "dl", "select",
];
/// How far down the stack a close looks for its element. Past that the close is ignored,
/// which can only overstate the depth, never understate it.
const WALK: usize = 32;

/// A tag found by the scan.
enum Tag<'a> {
    Start {
        name: Cow<'a, str>,
        self_closing: bool,
    },
    End {
        name: Cow<'a, str>,
    },
    /// A comment, doctype or processing instruction.
    Other,
}

/// The stack of open elements.
#[derive(Default)]
struct Stack {
    names: Vec<String>,
    /// Open `<svg>`/`<math>` elements, where `/>` closes any element.
    foreign: usize,
    /// Open `<table>` elements, outside which table parts are ignored.
    tables: usize,
    /// Start tags left out per name, not yet matched by an end tag.
    dropped: HashMap<String, usize>,
}

impl Stack {
    /// Where the innermost open `name` is, looking at most [`WALK`] elements down and
    /// never past an element for which `stops` holds.
    fn find_within(&self, name: &str, stops: impl Fn(&str) -> bool) -> Option<usize> {
        for (k, open) in self.names.iter().enumerate().rev().take(WALK) {
            if open == name {
                return Some(k);
            }
            if stops(open) {
                return None;
            }
        }
        None
    }

    /// Where the innermost open `name` is, never past a scope boundary (nor, for a
    /// formatting element, past a block).
    fn find(&self, name: &str) -> Option<usize> {
        let formatting = FORMATTING.contains(&name);
        self.find_within(name, |open| {
            SCOPE.contains(&open) || (formatting && BLOCK.contains(&open))
        })
    }

    /// Where the innermost open list item `name` is, walking down past phrasing
    /// elements and `address`, `div` and `p` only.
    fn find_item(&self, name: &str) -> Option<usize> {
        self.find_within(name, |open| {
            BLOCK.contains(&open) && !matches!(open, "address" | "div" | "p")
        })
    }

    /// Closes the element at `k` and everything opened after it. Formatting elements
    /// closed on the way stay open: the tree builder reopens them ("reconstructs the
    /// active formatting elements") at the next content, unless a table cell, caption or
    /// object (a marker) closed with them.
    fn pop_to(&mut self, k: usize) {
        let closed: Vec<String> = self.names.drain(k..).collect();
        let marker = closed.iter().any(|n| MARKER.contains(&n.as_str()));
        for (i, name) in closed.into_iter().enumerate() {
            let reopened = i > 0 && !marker && FORMATTING.contains(&name.as_str());
            match name.as_str() {
                _ if reopened => self.names.push(name),
                "svg" | "math" => self.foreign -= 1,
                "table" => self.tables -= 1,
                _ => {}
            }
        }
    }

    /// Closes the innermost open `name` and everything opened after it, if in reach.
    fn close(&mut self, name: &str) {
        if let Some(k) = self.find(name) {
            self.pop_to(k);
        }
    }

    /// Applies a start tag; `false` when it is past the depth limit and left out.
    fn start(&mut self, name: &str, self_closing: bool) -> bool {
        if self.foreign > 0 && BREAKOUT.contains(&name) {
            // An HTML tag inside <svg>/<math> closes the foreign content first.
            if let Some(k) = self.names.iter().position(|n| n == "svg" || n == "math") {
                self.pop_to(k);
            }
        }
        if self.foreign > 0 {
            // Inside foreign content every tag is an element and nothing closes by
            // implication.
            return self.open(name, self_closing);
        }
        if TABLE_PART.contains(&name) && self.tables == 0 {
            return true; // ignored by the tree builder: no element
        }
        if SELF_CLOSING_KIND.contains(&name) {
            self.close(name);
        }
        if LIST_ITEM.contains(&name) {
            if let Some(k) = self.find_item(name) {
                self.pop_to(k);
            }
        }
        if CLOSES_CURRENT.contains(&name) && self.names.last().is_some_and(|n| n == name) {
            self.names.pop();
        }
        if CLOSES_P.contains(&name) {
            self.close("p");
        }
        self.open(name, self_closing)
    }

    /// Pushes an element (void and self-closed foreign ones are none); `false` when it is
    /// past the depth limit and left out.
    fn open(&mut self, name: &str, self_closing: bool) -> bool {
        // Inside <svg>/<math> a void HTML name is an ordinary element; there `/>` closes.
        let void = if self.foreign > 0 { self_closing } else { VOID.contains(&name) };
        if void {
            return true;
        }
        if self.names.len() >= MAX_DEPTH {
            *self.dropped.entry(name.to_string()).or_default() += 1;
            return false;
        }
        match name {
            "svg" | "math" => self.foreign += 1,
            "table" => self.tables += 1,
            _ => {}
        }
        self.names.push(name.to_string());
        true
    }

    /// Applies an end tag; `false` when it matches a start tag that was left out.
    fn end(&mut self, name: &str) -> bool {
        if let Some(n) = self.dropped.get_mut(name).filter(|n| **n > 0) {
            *n -= 1;
            return false;
        }
        self.close(name);
        true
    }
}

/// The page with every element nested deeper than [`MAX_DEPTH`] unwrapped (its tags left
/// out, its content kept); borrowed unchanged when nothing is that deep.
pub fn flatten(html: &str) -> Cow<'_, str> {
    let mut stack = Stack::default();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `html` already accounted for in `out`
    let mut at = 0;
    while let Some(rel) = html[at..].find('<') {
        let lt = at + rel;
        let (tag, end) = scan_tag(html, lt);
        at = end.max(lt + 1);
        let (keep, raw_text) = match &tag {
            Some(Tag::Start { name, .. }) if name == "plaintext" => break,
            Some(Tag::Start { name, self_closing }) => {
                (stack.start(name, *self_closing), RAW_TEXT.contains(&name.as_ref()))
            }
            Some(Tag::End { name }) => (stack.end(name), false),
            Some(Tag::Other) | None => (true, false),
        };
        if !keep {
            let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
            buf.push_str(&html[copied..lt]);
            copied = at;
        }
        if let (true, Some(Tag::Start { name, .. })) = (raw_text, &tag) {
            at = skip_raw_text(html, at, name);
        }
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut buf) => {
            buf.push_str(&html[copied..]);
            Cow::Owned(buf)
        }
    }
}

/// The tag starting at `lt` (a `<`) and the byte just past it; `None` when the `<` opens
/// no tag (it is text).
fn scan_tag(html: &str, lt: usize) -> (Option<Tag<'_>>, usize) {
    let rest = &html[lt + 1..];
    if let Some(body) = rest.strip_prefix("!--") {
        let end = body.find("-->").map_or(html.len(), |i| lt + 4 + i + 3);
        return (Some(Tag::Other), end);
    }
    if rest.starts_with('!') || rest.starts_with('?') {
        let end = rest.find('>').map_or(html.len(), |i| lt + 1 + i + 1);
        return (Some(Tag::Other), end);
    }
    let (closing, name_at) = match rest.strip_prefix('/') {
        Some(_) => (true, lt + 2),
        None => (false, lt + 1),
    };
    let name_len = html[name_at..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b':')
        .count();
    if name_len == 0 || !html.as_bytes()[name_at].is_ascii_alphabetic() {
        return (None, lt + 1);
    }
    let raw = &html[name_at..name_at + name_len];
    let name = if raw.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(raw.to_ascii_lowercase())
    } else {
        Cow::Borrowed(raw)
    };
    let (end, self_closing) = tag_end(html, name_at + name_len);
    let tag = if closing { Tag::End { name } } else { Tag::Start { name, self_closing } };
    (Some(tag), end)
}

/// The byte past the `>` that ends a tag's attributes (quotes respected), and whether it
/// was written `/>`.
fn tag_end(html: &str, from: usize) -> (usize, bool) {
    let bytes = html.as_bytes();
    let mut quote = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return (i + 1, i > from && bytes[i - 1] == b'/'),
            None => {}
        }
        i += 1;
    }
    (bytes.len(), false)
}

/// The byte where the raw text of `<name>` ends: at its end tag, or the end of the page.
fn skip_raw_text(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut at = from;
    while let Some(rel) = html[at..].find("</") {
        let start = at + rel + 2;
        let candidate = &bytes[start..(start + name.len()).min(bytes.len())];
        if candidate.eq_ignore_ascii_case(name.as_bytes()) {
            return at + rel;
        }
        at = start;
    }
    html.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(tag: &str, depth: usize, inner: &str) -> String {
        format!("{}{inner}{}", format!("<{tag}>").repeat(depth), format!("</{tag}>").repeat(depth))
    }

    #[test]
    fn shallow_pages_pass_through_unchanged() {
        let cases = [
            "<html><body><p>One<p>Two</p></body></html>",
            "<ul><li>a<li>b<li>c</ul><br/><img src='x>y'>",
            "<script>if (a < b) { x = '<div>' }</script><p>Text</p>",
            "<!-- <div><div> --><p>1 < 2 and 3 > 2</p>",
            &nested("div", MAX_DEPTH, "deep but allowed"),
        ];
        for page in cases {
            assert!(matches!(flatten(page), Cow::Borrowed(_)), "{page}");
        }
    }

    #[test]
    fn deep_nesting_is_cut_at_the_limit_and_keeps_the_text() {
        let page = nested("div", 10_000, "x y z.");
        let flat = flatten(&page);
        assert_eq!(flat.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(flat.matches("</div>").count(), MAX_DEPTH);
        assert!(flat.contains("<div>x y z.</div>"));
        // Mixed tags, upper case, attributes: the same bound.
        let page = "<DIV class='a'><span>".repeat(2_000) + "words" + &"</span></DIV>".repeat(2_000);
        let flat = flatten(&page);
        assert_eq!(flat.matches("<span>").count() + flat.matches("<DIV").count(), MAX_DEPTH);
        assert!(flat.contains("words"));
    }

    #[test]
    fn closes_that_the_tree_builder_ignores_do_not_hide_depth() {
        // `</div>` inside a table cell does not close a div outside the table, and a
        // `<li>` inside a nested list does not close the outer item: both nest.
        for unit in [
            "<div><table><tr><td></div>",
            "<ul><li>",
            "<p><table><tr><td><p>",
            "<div><span><a href=1><p>",
            "<b><div></b>",
            "<div><td>",
            "<option><em>",
            "<i><font><form>",
            "<li><section>",
            "<strong><i></form></strong>",
            "<p><b>",
            "</a><tbody>w w <svg>",
            "<frame><frame><svg></a>",
        ] {
            let page = unit.repeat(1_000) + "text";
            let flat = flatten(&page);
            assert!(matches!(flat, Cow::Owned(_)), "{unit}");
            assert!(flat.contains("text"));
        }
    }

    #[test]
    fn implied_end_tags_do_not_count_as_depth() {
        // A thousand unclosed paragraphs and list items are siblings, not a nest.
        let page = format!(
            "<body>{}<ul>{}</ul></body>",
            "<p>para".repeat(1_000),
            "<li>item".repeat(1_000)
        );
        assert!(matches!(flatten(&page), Cow::Borrowed(_)));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::flatten;

    proptest! {
        /// Any text: no panic, and only whole tags are ever left out (the result is the
        /// page itself, or a shorter page that keeps every character outside tags).
        #[test]
        fn flatten_only_drops_tags(page in "(<[a-z/!]{0,3}[a-z]{0,3}[ '\"=/]{0,2}>?|[a-z <>é😀]){0,400}") {
            let flat = flatten(&page);
            prop_assert!(flat.len() <= page.len());
            let text = |s: &str| s.chars().filter(|c| !"<>".contains(*c)).count();
            prop_assert!(text(&flat) <= text(&page));
        }
    }
}
