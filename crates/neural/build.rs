//! Embeds the committed neural claim head (`models/claims-neural.bin`) when it exists.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    let name = "claims-neural.bin";
    let src = root.join("models").join(name);
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join(name);
    println!("cargo:rerun-if-changed={}", src.display());
    std::fs::write(&out, std::fs::read(&src).unwrap_or_default()).unwrap();
}
