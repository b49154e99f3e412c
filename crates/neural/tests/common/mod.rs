//! What the tests on real weights share.

use std::path::PathBuf;

use unspin_neural::install::{installed, EncoderSpec};

/// The directory of an installed encoder; `None`, saying so, when it is not installed —
/// except under CI (`CI=true`), which installs every encoder, where a missing one fails.
pub fn encoder_dir(spec: &EncoderSpec) -> Option<PathBuf> {
    match installed(spec) {
        Ok(dir) => Some(dir),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI installs {}, and it is missing: {e}", spec.name)
        }
        Err(_) => {
            eprintln!(
                "skipping: {} is not installed (run `unspin model install {}`)",
                spec.name, spec.tier
            );
            None
        }
    }
}
