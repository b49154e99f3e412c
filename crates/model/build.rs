//! Embeds the committed fast model (`models/techniques-fast.bin` at the workspace root)
//! when it exists; otherwise embeds nothing, and `FastModel::embedded` says so.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    let src = root.join("models").join("techniques-fast.bin");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("techniques-fast.bin");
    println!("cargo:rerun-if-changed={}", src.display());
    match std::fs::read(&src) {
        Ok(bytes) => std::fs::write(&out, bytes).unwrap(),
        Err(_) => std::fs::write(&out, b"").unwrap(),
    }
}
