//! `unspin analyze`.

use anyhow::Result;

use crate::flags::AnalyzeArgs;

/// Runs `analyze`; `Ok(false)` when some inputs failed.
pub fn run(_args: &AnalyzeArgs) -> Result<bool> {
    anyhow::bail!("not yet")
}
