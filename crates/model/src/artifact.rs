//! Model files: names, the on-disk format, and the embedded default.
//!
//! A fast model file is `UNSPINFM`, a little-endian `u32` format version, then the model
//! in bincode with its weights stored sparsely (index, value) — only the weights
//! training touched. The file carries its provenance ([`crate::fast::ModelMeta`]): the
//! unspin version, the label set, the settings and a SHA-256 of the training data.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::claims::{ClaimMeta, ClaimModel};
use crate::fast::classifier::Classifier;
use crate::fast::tagger::Tagger;
use crate::fast::{Calibration, FastModel, ModelMeta};
use crate::{Error, Technique};

/// Hands the pages of an embedded model file back to the system once it has been parsed:
/// the bytes stay readable (a later read brings them in again from the executable), but
/// they stop counting towards the process's resident memory — 43 MB for the neural
/// technique model. Linux only; elsewhere it does nothing.
pub fn release_embedded(bytes: &'static [u8]) {
    // SAFETY: `include_bytes!` data lies in the executable's read-only file mapping.
    unsafe { release_mapped(bytes) }
}

/// Hands the whole pages inside `bytes` back to the system (`MADV_DONTNEED`): they stop
/// counting towards resident memory, and a later read faults the same bytes in again
/// from the file. Linux only; elsewhere it does nothing.
///
/// # Safety
/// `bytes` lies in a read-only mapping of a file that nothing writes while it is mapped
/// (an executable's data, a memory-mapped model file), so dropping its pages loses
/// nothing.
pub unsafe fn release_mapped(bytes: &[u8]) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sysconf has no preconditions.
        let page = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
            p if p > 0 => p as usize,
            _ => return,
        };
        let from = (bytes.as_ptr() as usize).next_multiple_of(page);
        let to = (bytes.as_ptr() as usize + bytes.len()) / page * page;
        if to > from {
            // SAFETY: [from, to) holds whole pages inside `bytes`, which the caller
            // guarantees are read-only file-mapped data: MADV_DONTNEED drops those pages,
            // and the next read faults the same bytes in from the file.
            unsafe { libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_DONTNEED) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = bytes;
}

/// Parses a model file that `include_bytes!` embedded with `parse`, then hands its pages
/// back ([`release_embedded`]); `None` when the build embedded nothing (the committed file
/// was missing when it was built).
pub fn parse_embedded<T, E>(
    bytes: &'static [u8],
    parse: impl FnOnce(&[u8]) -> Result<T, E>,
) -> Option<Result<T, E>> {
    if bytes.is_empty() {
        return None;
    }
    let parsed = parse(bytes);
    release_embedded(bytes);
    Some(parsed)
}

/// File name of the committed fast model, under `models/` in the repository.
pub const FAST_MODEL_FILE: &str = "techniques-fast.bin";
/// Leading bytes of a fast model file.
pub const FAST_MAGIC: &[u8; 8] = b"UNSPINFM";
/// Current fast model format version.
pub const FAST_FORMAT: u32 = 1;

/// File name of the committed claim model, under `models/`.
pub const CLAIM_MODEL_FILE: &str = "claims-fast.bin";
/// Leading bytes of a claim model file.
pub const CLAIM_MAGIC: &[u8; 8] = b"UNSPINCM";
/// Current claim model format version.
pub const CLAIM_FORMAT: u32 = 1;

static EMBEDDED_FAST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/techniques-fast.bin"));
static EMBEDDED_CLAIMS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/claims-fast.bin"));

/// Lowercase hex of a digest.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// Checks a model file's magic bytes and format version, and returns its payload.
pub fn payload<'a>(
    bytes: &'a [u8],
    magic: &[u8; 8],
    format: u32,
    what: &str,
) -> Result<&'a [u8], Error> {
    if bytes.len() < 12 || &bytes[..8] != magic {
        return Err(Error::Format(format!("not an unspin {what} model (bad magic bytes)")));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != format {
        return Err(Error::Format(format!(
            "{what} model format version {version}, this unspin reads version {format}"
        )));
    }
    Ok(&bytes[12..])
}

/// A model file: magic bytes, little-endian format version, then `value` in bincode.
pub fn framed(magic: &[u8; 8], format: u32, value: &impl Serialize) -> Result<Vec<u8>, Error> {
    let mut out = magic.to_vec();
    out.extend_from_slice(&format.to_le_bytes());
    bincode::serialize_into(&mut out, value).map_err(|e| Error::Format(e.to_string()))?;
    Ok(out)
}

/// The value of a model file written by [`framed`], after checking its magic bytes and
/// format version.
pub fn unframed<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    magic: &[u8; 8],
    format: u32,
    what: &str,
) -> Result<T, Error> {
    bincode::deserialize(payload(bytes, magic, format, what)?)
        .map_err(|e| Error::Format(e.to_string()))
}

/// Leading bytes of a neural technique model file (`unspin-neural`).
pub const NEURAL_TECHNIQUES_MAGIC: &[u8; 8] = b"UNSPINNT";
/// Leading bytes of a neural claim model file (`unspin-neural`).
pub const NEURAL_CLAIMS_MAGIC: &[u8; 8] = b"UNSPINNC";

/// Largest model file unspin reads (the largest it writes is under 100 MB).
pub const MAX_MODEL_BYTES: u64 = 1 << 30;

/// What a model file holds, read from its first eight bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactKind {
    /// The fast technique model (`UNSPINFM`).
    FastTechniques,
    /// The fast claim model (`UNSPINCM`).
    FastClaims,
    /// A fine-tuned neural technique model (`UNSPINNT`).
    NeuralTechniques,
    /// A neural claim model (`UNSPINNC`).
    NeuralClaims,
}

impl ArtifactKind {
    /// Every kind, with its magic bytes.
    pub const ALL: [(ArtifactKind, &'static [u8; 8]); 4] = [
        (ArtifactKind::FastTechniques, FAST_MAGIC),
        (ArtifactKind::FastClaims, CLAIM_MAGIC),
        (ArtifactKind::NeuralTechniques, NEURAL_TECHNIQUES_MAGIC),
        (ArtifactKind::NeuralClaims, NEURAL_CLAIMS_MAGIC),
    ];

    /// The kind whose magic bytes `bytes` starts with.
    pub fn of(bytes: &[u8]) -> Option<ArtifactKind> {
        ArtifactKind::ALL.iter().find(|(_, m)| bytes.starts_with(&m[..])).map(|(k, _)| *k)
    }

    /// The kind of the model file at `path`, from its first eight bytes only.
    pub fn of_file(path: &Path) -> Result<ArtifactKind, Error> {
        use std::io::Read;
        let io = |cause| Error::Io { path: path.to_path_buf(), cause };
        let (mut file, _) = open_model(path)?;
        let mut head = Vec::with_capacity(8);
        (&mut file).take(8).read_to_end(&mut head).map_err(io)?;
        ArtifactKind::of(&head).ok_or_else(|| not_a_model(path))
    }
}

fn not_a_model(path: &Path) -> Error {
    Error::Format(format!(
        "{} is not an unspin model file (it does not start with an unspin model header)",
        path.display()
    ))
}

/// Opens a model file after checking that it is a regular file of a sane size, so that
/// a device, a FIFO or a huge file is refused before anything is read; with its length.
fn open_model(path: &Path) -> Result<(std::fs::File, u64), Error> {
    let io = |cause| Error::Io { path: path.to_path_buf(), cause };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(Error::Format(format!("{} is not a regular file", path.display())));
    }
    if meta.len() > MAX_MODEL_BYTES {
        return Err(Error::Format(format!(
            "{} is {} bytes, over the {} byte limit for a model file",
            path.display(),
            meta.len(),
            MAX_MODEL_BYTES
        )));
    }
    Ok((file, meta.len()))
}

/// Reads a model file: a regular file of at most [`MAX_MODEL_BYTES`] that starts with an
/// unspin model header (checked before the rest is read).
pub fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let io = |cause| Error::Io { path: path.to_path_buf(), cause };
    let (file, len) = open_model(path)?;
    let mut bytes = Vec::with_capacity(len as usize);
    let mut limited = file.take(MAX_MODEL_BYTES + 1);
    (&mut limited).take(8).read_to_end(&mut bytes).map_err(io)?;
    if ArtifactKind::of(&bytes).is_none() {
        return Err(not_a_model(path));
    }
    limited.read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_MODEL_BYTES {
        return Err(Error::Format(format!("{} grew past the model size limit", path.display())));
    }
    Ok(bytes)
}

/// Writes a model file.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|cause| Error::Io { path: path.to_path_buf(), cause })
}

#[derive(Serialize, Deserialize)]
struct Sparse {
    len: u64,
    idx: Vec<u32>,
    val: Vec<f32>,
}

impl Sparse {
    fn from_dense(v: &[f32]) -> Sparse {
        let (idx, val) =
            v.iter().enumerate().filter(|(_, &x)| x != 0.0).map(|(i, &x)| (i as u32, x)).unzip();
        Sparse { len: v.len() as u64, idx, val }
    }

    fn to_dense(&self, expected: usize) -> Result<Vec<f32>, Error> {
        if self.len as usize != expected || self.idx.len() != self.val.len() {
            return Err(Error::Format(format!(
                "weight table of {} entries, expected {expected}",
                self.len
            )));
        }
        let mut v = vec![0.0; expected];
        for (&i, &x) in self.idx.iter().zip(&self.val) {
            *v.get_mut(i as usize)
                .ok_or_else(|| Error::Format("weight index out of range".into()))? = x;
        }
        Ok(v)
    }
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    meta: ModelMeta,
    si_bits: u8,
    si_weights: Sparse,
    si_trans: [[f32; 3]; 4],
    si_o_bias: f32,
    calibration: Calibration,
    tc_bits: u8,
    tc_classes: u32,
    tc_weights: Sparse,
}

impl FastModel {
    /// Serialises the model to bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let disk = OnDisk {
            meta: self.meta.clone(),
            si_bits: self.tagger.bits,
            si_weights: Sparse::from_dense(&self.tagger.weights),
            si_trans: self.tagger.trans,
            si_o_bias: self.tagger.o_bias,
            calibration: self.calibration,
            tc_bits: self.classifier.bits,
            tc_classes: self.classifier.classes as u32,
            tc_weights: Sparse::from_dense(&self.classifier.weights),
        };
        framed(FAST_MAGIC, FAST_FORMAT, &disk)
    }

    /// Reads a model from bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<FastModel, Error> {
        if bytes.len() < 12 || &bytes[..8] != FAST_MAGIC {
            return Err(Error::Format("not an unspin fast model (bad magic bytes)".into()));
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if version != FAST_FORMAT {
            return Err(Error::Format(format!(
                "format version {version}, this unspin reads version {FAST_FORMAT}"
            )));
        }
        let d: OnDisk =
            bincode::deserialize(&bytes[12..]).map_err(|e| Error::Format(e.to_string()))?;
        if d.si_bits > 26 || d.tc_bits > 26 {
            return Err(Error::Format("feature table too large".into()));
        }
        let names: Vec<&str> = Technique::ALL.iter().map(|t| t.name()).collect();
        if d.meta.techniques != names || d.tc_classes as usize != names.len() {
            return Err(Error::Format(
                "the model's technique list differs from this unspin's".into(),
            ));
        }
        let tagger = Tagger {
            bits: d.si_bits,
            weights: d.si_weights.to_dense((1usize << d.si_bits) * 3)?,
            trans: d.si_trans,
            o_bias: d.si_o_bias,
        };
        let classes = d.tc_classes as usize;
        let classifier = Classifier {
            bits: d.tc_bits,
            classes,
            weights: d.tc_weights.to_dense((1usize << d.tc_bits) * classes)?,
        };
        Ok(FastModel { meta: d.meta, tagger, calibration: d.calibration, classifier })
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<FastModel, Error> {
        FastModel::from_bytes(&read_file(path)?)
    }

    /// Writes the model to `path`.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        write_file(path, &self.to_bytes()?)
    }

    /// The model embedded in this binary (the committed `models/techniques-fast.bin`).
    pub fn embedded() -> Result<FastModel, Error> {
        parse_embedded(EMBEDDED_FAST, FastModel::from_bytes).unwrap_or_else(|| {
            Err(Error::Format(format!(
                "this build embeds no model: models/{FAST_MODEL_FILE} was missing when it was \
                 built (train one with `unspin train techniques`)"
            )))
        })
    }

    /// Whether this binary embeds a model.
    pub fn has_embedded() -> bool {
        !EMBEDDED_FAST.is_empty()
    }
}

#[derive(Serialize, Deserialize)]
struct ClaimOnDisk {
    meta: ClaimMeta,
    bits: u8,
    weights: Sparse,
    threshold: f32,
}

impl ClaimModel {
    /// Serialises the model to bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let disk = ClaimOnDisk {
            meta: self.meta.clone(),
            bits: self.classifier.bits,
            weights: Sparse::from_dense(&self.classifier.weights),
            threshold: self.threshold,
        };
        framed(CLAIM_MAGIC, CLAIM_FORMAT, &disk)
    }

    /// Reads a model from bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<ClaimModel, Error> {
        let d: ClaimOnDisk = unframed(bytes, CLAIM_MAGIC, CLAIM_FORMAT, "claim")?;
        if d.bits > 26 {
            return Err(Error::Format("feature table too large".into()));
        }
        let classifier = Classifier {
            bits: d.bits,
            classes: 2,
            weights: d.weights.to_dense((1usize << d.bits) * 2)?,
        };
        Ok(ClaimModel { meta: d.meta, classifier, threshold: d.threshold })
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<ClaimModel, Error> {
        ClaimModel::from_bytes(&read_file(path)?)
    }

    /// Writes the model to `path`.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        write_file(path, &self.to_bytes()?)
    }

    /// The claim model embedded in this binary (the committed `models/claims-fast.bin`).
    pub fn embedded() -> Result<ClaimModel, Error> {
        parse_embedded(EMBEDDED_CLAIMS, ClaimModel::from_bytes).unwrap_or_else(|| {
            Err(Error::Format(format!(
                "this build embeds no claim model: models/{CLAIM_MODEL_FILE} was missing when it \
                 was built (train one with `unspin train claims`)"
            )))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage() {
        assert!(FastModel::from_bytes(b"").is_err());
        assert!(FastModel::from_bytes(b"UNSPINFM\x01\0\0\0garbage").is_err());
        assert!(FastModel::from_bytes(b"UNSPINFM\x09\0\0\0").is_err());
    }

    #[test]
    fn model_files_are_checked_before_they_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "not a model").unwrap();
        let err = read_file(&text).unwrap_err().to_string();
        assert!(err.contains("not an unspin model file"), "{err}");
        assert!(read_file(dir.path()).is_err(), "a directory is refused");
        #[cfg(unix)]
        {
            // A device would be read forever: refused without reading.
            let err = read_file(Path::new("/dev/zero")).unwrap_err().to_string();
            assert!(err.contains("not a regular file"), "{err}");
            let err = ArtifactKind::of_file(Path::new("/dev/zero")).unwrap_err().to_string();
            assert!(err.contains("not a regular file"), "{err}");
        }
        let model = dir.path().join("m.bin");
        std::fs::write(&model, b"UNSPINNC\x01\0\0\0rest").unwrap();
        assert_eq!(ArtifactKind::of_file(&model).unwrap(), ArtifactKind::NeuralClaims);
        assert_eq!(read_file(&model).unwrap().len(), 16);
    }

    #[test]
    fn embedded_bytes_read_the_same_after_their_pages_are_released() {
        // The repository ships models/techniques-fast.bin: a build without it is broken.
        assert!(!EMBEDDED_FAST.is_empty(), "the committed fast model is not embedded");
        let digest = |b: &[u8]| xxhash_rust::xxh3::xxh3_64(b);
        let before = digest(EMBEDDED_FAST);
        let first = FastModel::embedded().unwrap().to_bytes().unwrap();
        assert_eq!(digest(EMBEDDED_FAST), before, "released pages come back from the file");
        let again = FastModel::embedded().unwrap().to_bytes().unwrap();
        assert_eq!(first, again);
    }
}
