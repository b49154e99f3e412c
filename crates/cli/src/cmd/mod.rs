//! One module per subcommand.

pub mod analyze;
pub mod bench;
pub mod claims;
pub mod classify;
pub mod comparisons;
pub mod corpus;
pub mod eval;
pub mod kernels;
pub mod link;
pub mod quantities;
pub mod report;
pub mod serve;
pub mod stack;
pub mod train;

use std::path::Path;

use anyhow::{Context, Result};
use unspin_text::source::ReadOptions;
use unspin_text::DecodeOptions;

use crate::flags::InputArgs;

/// Writes `bytes` to `path` through a hidden temporary file beside it and a rename, so an
/// interrupted run never leaves a torn file (and no other file of the user's is touched).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.unspin-partial"));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("moving the result into {}", path.display()))
}

/// The input options the flags give.
pub fn read_options(args: &InputArgs) -> ReadOptions {
    ReadOptions {
        decode: DecodeOptions { max_bytes: args.max_bytes, lossy: args.lossy },
        ..ReadOptions::default()
    }
}
