use std::io::{self, Write};

use unspin_detect::report::{Report, Technique, Verdict};
use unspin_detect::Sink;

/// How many claims the terminal view lists.
const TOP_CLAIMS: usize = 5;

/// Human-readable output: the text with technique spans highlighted (when colour is on)
/// and a numbered list of spans with confidence and explanation.
pub struct Pretty<W: Write> {
    out: W,
    color: bool,
}

impl<W: Write> Pretty<W> {
    /// Writes to `out`, with ANSI colour when `color`.
    pub fn new(out: W, color: bool) -> Self {
        Pretty { out, color }
    }
}

/// A 256-colour background per technique name, stable across runs.
fn color_of(technique: Technique) -> u8 {
    const PALETTE: [u8; 14] =
        [153, 217, 186, 223, 152, 229, 195, 158, 224, 189, 194, 230, 181, 255];
    PALETTE[technique.index()]
}

/// Byte offset of every char boundary, plus the end.
fn boundaries(text: &str) -> Vec<usize> {
    text.char_indices().map(|(b, _)| b).chain(std::iter::once(text.len())).collect()
}

/// Strips control characters that would drive the terminal (escape sequences in
/// untrusted text), keeping line breaks and tabs.
fn safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() && c != '\n' && c != '\t' { '\u{FFFD}' } else { c })
        .collect()
}

impl<W: Write> Pretty<W> {
    /// The text with each character coloured by the last-starting span that covers it.
    fn highlighted(&mut self, r: &Report) -> io::Result<()> {
        // Colour each character by the last-starting span that covers it.
        let b = boundaries(&r.text);
        let n = b.len() - 1;
        let mut owner: Vec<Option<usize>> = vec![None; n];
        for (k, t) in r.techniques.iter().enumerate() {
            for o in owner.iter_mut().take(t.end.min(n)).skip(t.start) {
                *o = Some(k);
            }
        }
        let mut i = 0;
        while i < n {
            let mut j = i;
            while j < n && owner[j] == owner[i] {
                j += 1;
            }
            let piece = safe(&r.text[b[i]..b[j]]);
            match owner[i] {
                Some(k) => write!(
                    self.out,
                    "\x1b[48;5;{}m\x1b[30m{piece}\x1b[0m",
                    color_of(r.techniques[k].technique)
                )?,
                None => write!(self.out, "{piece}")?,
            }
            i = j;
        }
        writeln!(self.out)?;
        writeln!(self.out)?;
        Ok(())
    }
}

impl<W: Write> Sink for Pretty<W> {
    fn report(&mut self, r: &Report) -> io::Result<()> {
        let (bold, dim, reset) =
            if self.color { ("\x1b[1m", "\x1b[2m", "\x1b[0m") } else { ("", "", "") };
        let source = r.source.as_deref().map(|s| format!("  ({})", safe(s))).unwrap_or_default();
        writeln!(
            self.out,
            "{bold}━━ {}{source} · {} technique span{}{reset}",
            safe(&r.id),
            r.techniques.len(),
            if r.techniques.len() == 1 { "" } else { "s" }
        )?;
        // Number checks first: a reader wants the broken arithmetic before anything else.
        for c in &r.checks {
            let flag = match c.verdict {
                Verdict::Inconsistent if self.color => "\x1b[1;31m✗ inconsistent\x1b[0m",
                Verdict::Inconsistent => "✗ inconsistent",
                v => v.name(),
            };
            writeln!(
                self.out,
                "   {flag} {dim}[{}-{}]{reset} {}",
                c.start,
                c.end,
                safe(&c.explanation)
            )?;
        }
        if !r.checks.is_empty() {
            writeln!(self.out)?;
        }
        if self.color {
            self.highlighted(r)?;
        }
        for (k, t) in r.techniques.iter().enumerate() {
            let swatch = if self.color {
                format!("\x1b[48;5;{}m  \x1b[0m ", color_of(t.technique))
            } else {
                String::new()
            };
            writeln!(
                self.out,
                "{swatch}{bold}{:>3}. {}{reset} {dim}[{}-{}] confidence {:.2}{reset}\n     “{}”\n     {}",
                k + 1,
                t.technique.label(),
                t.start,
                t.end,
                t.confidence,
                safe(&t.text).replace('\n', " "),
                t.explanation
            )?;
        }
        if r.techniques.is_empty() {
            writeln!(self.out, "     no technique spans found")?;
        }
        if !r.quotes.is_empty() {
            writeln!(self.out, "\n{bold}   Quotations{reset}")?;
            for q in &r.quotes {
                let who = match (&q.speaker, &q.role) {
                    (Some(s), Some(role)) => format!("{} ({})", safe(s), safe(role)),
                    (Some(s), None) => safe(s),
                    (None, _) => "unattributed".to_string(),
                };
                let text = safe(&q.text).replace('\n', " ");
                writeln!(self.out, "   {bold}{who}{reset} → “{text}” {dim}[{}]{reset}", q.kind)?;
            }
        }
        if !r.sources.is_empty() {
            let names: Vec<String> = r.sources.iter().map(|s| safe(&s.name)).collect();
            writeln!(self.out, "\n{bold}   Sources cited{reset}: {}", names.join(" · "))?;
        }
        if !r.claims.is_empty() {
            writeln!(
                self.out,
                "\n{bold}   Check-worthy claims{reset} {dim}(top {} of {}){reset}",
                r.claims.len().min(TOP_CLAIMS),
                r.claims.len()
            )?;
            for c in r.claims.iter().take(TOP_CLAIMS) {
                writeln!(
                    self.out,
                    "   {bold}{:.2}{reset} {dim}[{}-{}]{reset} {}",
                    c.score,
                    c.start,
                    c.end,
                    safe(&c.text).replace('\n', " ")
                )?;
            }
        }
        writeln!(self.out)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unspin_detect::report::TechniqueSpan;

    #[test]
    fn escapes_control_characters_and_lists_spans() {
        let r = Report {
            id: "x".into(),
            source: None,
            text: "A \x1b[31mvile\x07 plan".into(),
            meta: Default::default(),
            techniques: vec![TechniqueSpan {
                start: 7,
                end: 12,
                text: "vile\x07".into(),
                technique: Technique::LoadedLanguage,
                confidence: 0.5,
                explanation: "e".into(),
            }],
            claims: vec![],
            quotes: vec![],
            sources: vec![],
            numbers: vec![],
            checks: vec![],
            models: Default::default(),
        };
        for color in [false, true] {
            let mut out = Vec::new();
            let mut p = Pretty::new(&mut out, color);
            p.report(&r).unwrap();
            let s = String::from_utf8(out).unwrap();
            assert!(!s.contains('\x07') && !s.contains("\x1b[31m"), "{s:?}");
            assert!(s.contains("Loaded language"));
        }
    }
}
