//! Embeds the committed neural models (`models/{claims,techniques}-{neural,accurate}.bin`)
//! when they exist; otherwise embeds nothing.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    for name in [
        "claims-neural.bin",
        "techniques-neural.bin",
        "claims-accurate.bin",
        "techniques-accurate.bin",
    ] {
        let src = root.join("models").join(name);
        let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join(name);
        println!("cargo:rerun-if-changed={}", src.display());
        std::fs::write(&out, std::fs::read(&src).unwrap_or_default()).unwrap();
    }
}
