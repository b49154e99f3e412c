//! Inference encoders built layer by layer, their untuned layers shared.
//!
//! A model tuned over an installed encoder replaces only some tensors (the top layers); the
//! others are the base weights every model over that encoder reads alike. For a bf16
//! kernel path, [`load_packed`] reads the safetensors file one layer at a time, packs the
//! layer and drops its f32 copy, so loading never holds the whole encoder in f32; and a
//! layer no override touches is packed once per process and shared by every encoder that
//! uses it (the accurate tier's technique and claim models share MPNet's lower ten
//! layers). The registry holds weak references: a layer lives as long as an encoder does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use candle_core::{DType, Device, Tensor};

use crate::bert::{Bert, BertConfig};
use crate::kernels::reduced::PackedLayer;
use crate::Error;

/// The tensors outside the layers (embeddings, their norm, MPNet's position bias).
pub(crate) type Top = HashMap<String, Tensor>;

/// What is shared, by encoder folder: packed base layers by index, and the base tensors
/// outside the layers.
#[derive(Default)]
struct Registry {
    layers: HashMap<(PathBuf, usize), Weak<PackedLayer>>,
    top: HashMap<PathBuf, Weak<Top>>,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

fn lock() -> Result<std::sync::MutexGuard<'static, Registry>, Error> {
    registry().lock().map_err(|_| {
        Error::Format("the shared encoder layers' registry was poisoned by a panic".into())
    })
}

/// The inference encoder in `dir` (`config.json`, `model.safetensors`) with the encoder
/// tensors of `overrides` in place (names without a `bert.` prefix; `head.*` ignored),
/// its layers packed for the bf16 kernels. Layers without an override are taken from, or
/// added to, the process's registry.
pub(crate) fn load_packed(dir: &Path, overrides: &HashMap<String, Tensor>) -> Result<Bert, Error> {
    let config = BertConfig::read(&dir.join("config.json"))?;
    let file = dir.join("model.safetensors");
    // SAFETY: the file is memory-mapped while tensors are copied out; it must not change
    // meanwhile. unspin's installer writes it once, whole, and never rewrites it in place.
    let st = unsafe { candle_core::safetensors::MmapedSafetensors::new(&file)? };
    let names: Vec<String> = st.tensors().into_iter().map(|(n, _)| n).collect();
    let short = |n: &str| n.trim_start_matches("bert.").to_string();
    // A tensor by its full name in the file: the override, else a copy of the file's
    // (whose pages are then handed back).
    let read = |full: &str| -> Result<(String, Tensor), Error> {
        let name = short(full);
        if let Some(t) = overrides.get(&name) {
            return Ok((name, t.clone()));
        }
        let t = st.load(full, &Device::Cpu)?.to_dtype(DType::F32)?;
        // SAFETY: the bytes lie in the read-only mapping made above, which nothing writes.
        unsafe { unspin_model::artifact::release_mapped(st.get(full)?.data()) };
        Ok((name, t))
    };
    let layer_prefix = "encoder.layer.";
    let key_dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let top_tuned =
        overrides.keys().any(|k| !k.starts_with(layer_prefix) && !k.starts_with("head."));
    let known = match top_tuned {
        true => None,
        false => lock()?.top.get(&key_dir).and_then(Weak::upgrade),
    };
    let top = match known {
        Some(t) => t,
        None => {
            let t: Top = names
                .iter()
                .filter(|n| !short(n).starts_with(layer_prefix))
                .map(|n| read(n))
                .collect::<Result<_, _>>()?;
            let t = Arc::new(t);
            if !top_tuned {
                lock()?.top.insert(key_dir.clone(), Arc::downgrade(&t));
            }
            t
        }
    };
    let mut packed = Vec::with_capacity(config.layers);
    for i in 0..config.layers {
        let prefix = format!("{layer_prefix}{i}.");
        let tuned = overrides.keys().any(|k| k.starts_with(&prefix));
        let key = (key_dir.clone(), i);
        if !tuned {
            let known = lock()?.layers.get(&key).and_then(Weak::upgrade);
            if let Some(layer) = known {
                packed.push(layer);
                continue;
            }
        }
        let tensors: HashMap<String, Tensor> = names
            .iter()
            .filter(|n| short(n).starts_with(&prefix))
            .map(|n| read(n))
            .collect::<Result<_, _>>()?;
        let layer = Arc::new(Bert::pack_layer(&config, &tensors, i)?);
        if !tuned {
            lock()?.layers.insert(key, Arc::downgrade(&layer));
        }
        packed.push(layer);
    }
    Bert::with_packed(config, top, packed)
}

/// How many packed base layers the registry holds alive now (for tests).
#[cfg(test)]
pub(crate) fn live_layers() -> usize {
    registry()
        .lock()
        .map(|r| r.layers.values().filter(|w| w.strong_count() > 0).count())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::KernelPath;

    /// A random encoder folder: `config.json` and `model.safetensors`.
    fn random_encoder(dir: &Path) -> HashMap<String, Tensor> {
        let (c, t) = crate::bert::tests::random_tensors(16, 2, 3, 24, 7);
        let config = format!(
            "{{\"hidden_size\": {}, \"num_attention_heads\": {}, \"num_hidden_layers\": {}}}",
            c.hidden, c.heads, c.layers
        );
        std::fs::write(dir.join("config.json"), config).unwrap();
        candle_core::safetensors::save(&t, dir.join("model.safetensors")).unwrap();
        t
    }

    #[test]
    fn untuned_layers_are_packed_once_and_run_as_the_unshared_encoder() {
        let tmp = tempfile::tempdir().unwrap();
        let base = random_encoder(tmp.path());
        // A "tuned" top layer: the base's layer 2 with every weight doubled.
        let tuned: HashMap<String, Tensor> = base
            .iter()
            .filter(|(k, _)| k.starts_with("encoder.layer.2."))
            .map(|(k, v)| (k.clone(), (v * 2.0).unwrap()))
            .collect();
        let a = load_packed(tmp.path(), &HashMap::new()).unwrap();
        let b = load_packed(tmp.path(), &tuned).unwrap();
        let (pa, pb) = (a.packed().unwrap(), b.packed().unwrap());
        assert!(Arc::ptr_eq(&pa[0], &pb[0]) && Arc::ptr_eq(&pa[1], &pb[1]));
        assert!(!Arc::ptr_eq(&pa[2], &pb[2]), "a tuned layer is the model's own");
        assert!(live_layers() >= 3);
        // Each runs as the same encoder built whole from its tensors would, bit for bit.
        let Some(&path) = KernelPath::ALL[1..].iter().find(|p| p.supported()) else {
            eprintln!("skipped the forward comparison: this CPU runs no bf16 kernel path");
            return;
        };
        let ids = Tensor::new(&[[1u32, 5, 9, 2], [3, 4, 0, 0]], &Device::Cpu).unwrap();
        let mask = Tensor::new(&[[1u32, 1, 1, 1], [1, 1, 0, 0]], &Device::Cpu).unwrap();
        for (shared, overrides) in [(&a, HashMap::new()), (&b, tuned)] {
            let mut t = base.clone();
            t.extend(overrides);
            let whole = Bert::from_tensors(shared.config, &t, 0).unwrap().0;
            let want = whole.forward_on(&ids, &mask, path).unwrap().flatten_all().unwrap();
            let got = shared.forward_on(&ids, &mask, path).unwrap().flatten_all().unwrap();
            assert_eq!(want.to_vec1::<f32>().unwrap(), got.to_vec1::<f32>().unwrap());
            assert_eq!(shared.num_layers(), 3);
        }
        // It holds no f32 layers: the fp32 path refuses it instead of reading weights it
        // does not have.
        let err = a.forward_on(&ids, &mask, KernelPath::Fp32).unwrap_err();
        assert!(err.to_string().contains("bf16 weights"), "{err}");
    }
}
