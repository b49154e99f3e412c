use std::io::{self, Write};

use unspin_detect::report::Report;
use unspin_detect::Sink;

/// JSON: one pretty object for a single report, an array for several.
pub struct Json<W: Write> {
    out: W,
    first: Option<String>,
    count: usize,
}

impl<W: Write> Json<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        Json { out, first: None, count: 0 }
    }
}

impl<W: Write> Sink for Json<W> {
    fn report(&mut self, report: &Report) -> io::Result<()> {
        let s = serde_json::to_string_pretty(report)?;
        self.count += 1;
        match self.count {
            1 => self.first = Some(s),
            2 => {
                let first = self.first.take().unwrap_or_default();
                write!(self.out, "[\n{first},\n{s}")?;
            }
            _ => write!(self.out, ",\n{s}")?,
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        match self.count {
            0 => writeln!(self.out, "[]")?,
            1 => writeln!(self.out, "{}", self.first.take().unwrap_or_default())?,
            _ => writeln!(self.out, "\n]")?,
        }
        self.out.flush()
    }
}

/// JSON Lines: one compact report per line.
pub struct JsonLines<W: Write> {
    out: W,
}

impl<W: Write> JsonLines<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        JsonLines { out }
    }
}

impl<W: Write> Sink for JsonLines<W> {
    fn report(&mut self, report: &Report) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, report)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
