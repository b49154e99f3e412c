//! `unspin classify`.

use anyhow::Result;

use crate::flags::ClassifyArgs;

/// Runs `classify`.
pub fn run(_args: &ClassifyArgs) -> Result<bool> {
    anyhow::bail!("not yet")
}
