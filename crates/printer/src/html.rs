use std::io::{self, Write};

use unspin_detect::report::Report;
use unspin_detect::techniques::Technique;
use unspin_detect::Sink;

/// Escapes text for HTML element content and attribute values.
///
/// ```
/// assert_eq!(unspin_printer::escape("<a href='x'>&\"</a>"),
///            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
/// ```
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const COLORS: [&str; 14] = [
    "#b3d4ff", "#ffb3b3", "#d9c2ff", "#ffe0a3", "#b3f0e0", "#fff3a3", "#c9f7ff", "#c6f5c6",
    "#ffc9e5", "#e0d0ff", "#d4f0b3", "#ffe6cc", "#e6c9c9", "#e0e0e0",
];

const STYLE: &str = "body{font:16px/1.6 Georgia,serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}\
h1{font:600 1.3rem system-ui,sans-serif}h2{font:600 1.05rem system-ui,sans-serif;margin-top:2.5rem}\
.meta,.legend,table{font:14px/1.4 system-ui,sans-serif}.legend span{display:inline-block;margin:0 .6rem .3rem 0;padding:0 .4rem;border-radius:3px}\
article{white-space:pre-wrap;border-left:3px solid #ddd;padding-left:1rem}\
mark{border-radius:2px;padding:0 1px;color:inherit}mark.multi{outline:1px dashed #555}\
h3{font:600 1rem system-ui,sans-serif;margin-top:1.5rem}ul.quotes{font:15px/1.5 system-ui,sans-serif}q{font-style:italic;border-bottom:2px dotted #8250df}ol.claims{font:15px/1.5 system-ui,sans-serif}\
table{border-collapse:collapse;width:100%;margin-top:1rem}td,th{border-bottom:1px solid #eee;padding:.3rem;text-align:left;vertical-align:top}";

/// A whole self-contained page around `body` (trusted HTML), with a strict CSP.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>\n",
        escape(title)
    )
}

/// One self-contained HTML page (no external assets) for all reports; untrusted text is
/// escaped everywhere.
pub struct Html<W: Write> {
    out: W,
    body: String,
    count: usize,
}

impl<W: Write> Html<W> {
    /// Writes to `out` on [`Sink::finish`].
    pub fn new(out: W) -> Self {
        Html { out, body: String::new(), count: 0 }
    }
}

/// One report as an HTML `<section>` (text with highlighted spans, legend, tables).
pub fn render_section(r: &Report) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "<section><h2>{}</h2><p class=meta>{}{} technique span(s)</p>",
        escape(&r.id),
        r.source.as_deref().map(|x| format!("{} · ", escape(x))).unwrap_or_default(),
        r.techniques.len()
    ));
    s.push_str(&legend(r));
    s.push_str("</p><article>");
    s.push_str(&highlighted(r));
    s.push_str("</article>");
    s.push_str(&sections(r));
    s.push_str("</section>");
    s
}

/// The legend: each technique found, with its colour and count.
fn legend(r: &Report) -> String {
    let mut s = String::new();
    // Legend with counts.
    let mut counts = [0usize; 14];
    for t in &r.techniques {
        counts[t.technique.index()] += 1;
    }
    s.push_str("<p class=legend>");
    for (i, t) in Technique::ALL.iter().enumerate() {
        if counts[i] > 0 {
            s.push_str(&format!(
                "<span style=\"background:{}\">{} ({})</span>",
                COLORS[i],
                escape(t.label()),
                counts[i]
            ));
        }
    }
    s
}

/// The text with its spans marked: it is cut at every span boundary, and each piece
/// lists the spans covering it.
fn highlighted(r: &Report) -> String {
    let mut s = String::new();
    // Cut the text at every span boundary; each piece lists the spans covering it.
    let chars: Vec<(usize, char)> = r.text.char_indices().collect();
    let n = chars.len();
    let byte = |c: usize| if c >= n { r.text.len() } else { chars[c].0 };
    let mut cuts: Vec<usize> = vec![0, n];
    for t in &r.techniques {
        cuts.push(t.start.min(n));
        cuts.push(t.end.min(n));
    }
    cuts.sort_unstable();
    cuts.dedup();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let piece = escape(&r.text[byte(a)..byte(b)]);
        let covering: Vec<&unspin_detect::report::TechniqueSpan> =
            r.techniques.iter().filter(|t| t.start <= a && t.end >= b && t.start < t.end).collect();
        match covering.last() {
            None => s.push_str(&piece),
            Some(top) => {
                let title: Vec<String> = covering
                    .iter()
                    .map(|t| format!("{} ({:.2}) — {}", t.technique, t.confidence, t.explanation))
                    .collect();
                s.push_str(&format!(
                    "<mark{} style=\"background:{}\" title=\"{}\">{piece}</mark>",
                    if covering.len() > 1 { " class=multi" } else { "" },
                    COLORS[top.technique.index()],
                    escape(&title.join("\n"))
                ));
            }
        }
    }
    s
}

/// The tables and lists under the text: spans, quotations, sources, number checks,
/// numbers and claims.
fn sections(r: &Report) -> String {
    let mut s = String::new();
    if !r.techniques.is_empty() {
        s.push_str("<table><tr><th>#</th><th>technique</th><th>confidence</th><th>text</th><th>why</th></tr>");
        for (k, t) in r.techniques.iter().enumerate() {
            s.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{:.2}</td><td>{}</td><td>{}</td></tr>",
                k + 1,
                escape(t.technique.name()),
                t.confidence,
                escape(&t.text),
                escape(&t.explanation)
            ));
        }
        s.push_str("</table>");
    }
    if !r.quotes.is_empty() {
        s.push_str("<h3>Quotations</h3><ul class=quotes>");
        for q in &r.quotes {
            let who = q.speaker.as_deref().map_or("unattributed".to_string(), escape);
            s.push_str(&format!(
                "<li><b>{who}</b> → <q>{}</q> <span class=meta>({})</span></li>",
                escape(&q.text),
                escape(q.kind.name())
            ));
        }
        s.push_str("</ul>");
    }
    if !r.sources.is_empty() {
        let names: Vec<String> = r.sources.iter().map(|x| escape(&x.name)).collect();
        s.push_str(&format!("<h3>Sources cited</h3><p class=meta>{}</p>", names.join(" · ")));
    }
    if !r.checks.is_empty() {
        s.push_str("<h3>Number checks</h3><ul class=claims>");
        for c in &r.checks {
            s.push_str(&format!(
                "<li><b>{}</b> {} <span class=meta>— “{}”</span></li>",
                escape(c.verdict.name()),
                escape(&c.explanation),
                escape(&c.text)
            ));
        }
        s.push_str("</ul>");
    }
    if !r.numbers.is_empty() {
        s.push_str("<h3>Numbers</h3><p class=meta>");
        let items: Vec<String> = r
            .numbers
            .iter()
            .map(|n| {
                // Its unit, else what it counts ("400 (jobs)").
                let unit = n.unit.as_deref().or(n.of.as_deref());
                let unit = unit.map(|u| format!(" ({})", escape(u))).unwrap_or_default();
                format!("{}{unit}", escape(&n.text))
            })
            .collect();
        s.push_str(&items.join(" · "));
        s.push_str("</p>");
    }
    if !r.claims.is_empty() {
        s.push_str("<h3>Check-worthy claims</h3><ol class=claims>");
        for c in r.claims.iter().take(10) {
            s.push_str(&format!(
                "<li><b>{:.2}</b> {} <span class=meta>[{}–{}]</span></li>",
                c.score,
                escape(&c.text),
                c.start,
                c.end
            ));
        }
        s.push_str("</ol>");
    }
    s
}

impl<W: Write> Sink for Html<W> {
    fn report(&mut self, r: &Report) -> io::Result<()> {
        self.body.push_str(&render_section(r));
        self.count += 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        let body = format!(
            "<h1>unspin report · {} document(s)</h1>\
             <p class=meta>Spans mark rhetorical techniques (SemEval-2020 Task 11); hover a span for the technique, \
             the model's confidence and the cue. unspin describes rhetoric, not truth.</p>{}",
            self.count, self.body
        );
        self.out.write_all(page("unspin report", &body).as_bytes())?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unspin_detect::report::TechniqueSpan;

    #[test]
    fn untrusted_text_stays_inert() {
        let text = "<script>alert(1)</script> <img src=x onerror=alert(2)> \"quoted\" </article>";
        let r = Report {
            id: "<b>id</b>".into(),
            source: Some("\"><script>".into()),
            text: text.into(),
            meta: Default::default(),
            techniques: vec![TechniqueSpan {
                start: 0,
                end: 8,
                text: "<script>".into(),
                technique: Technique::Doubt,
                confidence: 0.4,
                explanation: "\" onmouseover=\"x".into(),
            }],
            claims: vec![],
            quotes: vec![],
            sources: vec![],
            numbers: vec![],
            checks: vec![],
            models: Default::default(),
        };
        let mut out = Vec::new();
        let mut h = Html::new(&mut out);
        h.report(&r).unwrap();
        h.finish().unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(!page.contains("<script>") && !page.contains("<img") && !page.contains("<b>id"));
        assert!(!page.contains("\" onmouseover"));
        assert_eq!(page.matches("</article>").count(), 1);
        assert!(page.contains("&lt;script&gt;</mark>alert(1)&lt;/script&gt;"));
    }
}
