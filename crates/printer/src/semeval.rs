use std::io::{self, Write};

use unspin_detect::report::Report;
use unspin_detect::Sink;

/// SemEval SI lines: `id<TAB>start<TAB>end`.
pub struct SemevalSi<W: Write> {
    out: W,
}

impl<W: Write> SemevalSi<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        SemevalSi { out }
    }
}

impl<W: Write> Sink for SemevalSi<W> {
    fn report(&mut self, r: &Report) -> io::Result<()> {
        for t in &r.techniques {
            writeln!(self.out, "{}\t{}\t{}", r.id, t.start, t.end)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// SemEval TC lines: `id<TAB>technique<TAB>start<TAB>end`.
pub struct SemevalTc<W: Write> {
    out: W,
}

impl<W: Write> SemevalTc<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        SemevalTc { out }
    }
}

impl<W: Write> Sink for SemevalTc<W> {
    fn report(&mut self, r: &Report) -> io::Result<()> {
        for t in &r.techniques {
            writeln!(self.out, "{}\t{}\t{}\t{}", r.id, t.technique, t.start, t.end)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
