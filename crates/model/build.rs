//! Embeds the committed models (`models/techniques-fast.bin`, `models/claims-fast.bin` at
//! the workspace root) when they exist; otherwise embeds nothing, and `embedded()` says so.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    for name in ["techniques-fast.bin", "claims-fast.bin", "techniques-stack.json"] {
        let src = root.join("models").join(name);
        let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join(name);
        println!("cargo:rerun-if-changed={}", src.display());
        match std::fs::read(&src) {
            Ok(bytes) => std::fs::write(&out, bytes).unwrap(),
            Err(_) => std::fs::write(&out, b"").unwrap(),
        }
    }
}
