//! The model file: what training changed (top layers and heads, in f16) for one network
//! or each network of a seed ensemble, the fitted decoding and mixing settings, and the
//! older formats read as one network.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};
use unspin_model::artifact;

use super::ensemble::SiEnsemble;
use super::windows;
use crate::Error;

/// File name of the committed neural technique model, under `models/`.
pub const NEURAL_TECHNIQUE_FILE: &str = "techniques-neural.bin";
/// File name of the committed accurate-tier (MPNet) technique model, under `models/`.
pub const ACCURATE_TECHNIQUE_FILE: &str = "techniques-accurate.bin";
const MAGIC: &[u8; 8] = artifact::NEURAL_TECHNIQUES_MAGIC;
const FORMAT: u32 = 4;

/// A tensor stored in half precision.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredTensor {
    /// Hugging Face name (`encoder.layer.5.output.dense.weight`, `head.si.weight`, …).
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Values as IEEE half-precision bits.
    pub f16: Vec<u16>,
}

impl StoredTensor {
    /// Stores `t` (any float dtype) in f16.
    pub fn from_tensor(name: &str, t: &Tensor) -> Result<StoredTensor, Error> {
        let v: Vec<half::f16> = t.to_dtype(DType::F16)?.flatten_all()?.to_vec1()?;
        Ok(StoredTensor {
            name: name.to_string(),
            shape: t.dims().to_vec(),
            f16: v.into_iter().map(|x| x.to_bits()).collect(),
        })
    }

    /// The tensor in f32.
    pub fn to_tensor(&self) -> Result<Tensor, Error> {
        let v: Vec<f32> = self.f16.iter().map(|&b| half::f16::from_bits(b).to_f32()).collect();
        Ok(Tensor::from_vec(v, self.shape.as_slice(), &Device::Cpu)?)
    }
}

/// The trained parts of the neural technique model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NeuralTechniqueModel {
    /// Encoder name.
    pub encoder: String,
    /// SHA-256 of the base encoder weights.
    pub encoder_sha256: String,
    /// How many top layers were fine-tuned (the rest are the base weights).
    pub trained_layers: usize,
    /// Fine-tuned layers and the heads.
    pub tensors: Vec<StoredTensor>,
    /// Added to the `O` log-probability of each piece before decoding (fitted on held-out
    /// training articles).
    pub o_bias: f32,
    /// Weight of the neural technique probabilities in the mix with the fast model's
    /// (fitted on held-out training articles).
    pub tc_mix: f32,
    /// Epochs done (for resuming).
    pub epochs_done: usize,
    /// Span identification with the fast model (`None`: the token head alone, BIO
    /// decoding with `o_bias`).
    pub si: Option<SiEnsemble>,
    /// Training settings.
    pub settings: Settings,
    /// Figures measured while training, `key=value`.
    pub tuning: Vec<(String, String)>,
    /// Further networks of an ensemble: the tuned layers and heads of models trained like
    /// this one with other seeds, on the same held-out split. Their probabilities are
    /// averaged with this network's; `o_bias`, `tc_mix` and `si` were fitted on the average.
    pub members: Vec<Vec<StoredTensor>>,
}

/// Formats 2 and 3 of [`NeuralTechniqueModel`]: one network, no `members`. Format 2's SI
/// ensemble was `(mix, threshold)`, format 3's a [`SiEnsemble`].
#[derive(Deserialize)]
struct OneNetwork<Si> {
    encoder: String,
    encoder_sha256: String,
    trained_layers: usize,
    tensors: Vec<StoredTensor>,
    o_bias: f32,
    tc_mix: f32,
    epochs_done: usize,
    si: Option<Si>,
    settings: Settings,
    tuning: Vec<(String, String)>,
}

impl<Si> OneNetwork<Si> {
    /// The model in the current format, its SI ensemble read by `si`.
    fn into_model(self, si: impl FnOnce(Si) -> SiEnsemble) -> NeuralTechniqueModel {
        NeuralTechniqueModel {
            encoder: self.encoder,
            encoder_sha256: self.encoder_sha256,
            trained_layers: self.trained_layers,
            tensors: self.tensors,
            o_bias: self.o_bias,
            tc_mix: self.tc_mix,
            epochs_done: self.epochs_done,
            si: self.si.map(si),
            settings: self.settings,
            tuning: self.tuning,
            members: Vec::new(),
        }
    }
}

impl NeuralTechniqueModel {
    /// The networks of an ensemble as models of their own (one network: itself), to be
    /// combined again.
    /// Each network keeps its own seed where the ensemble recorded its members' seeds, so
    /// that combining them again records them right.
    pub fn networks(mut self) -> Vec<NeuralTechniqueModel> {
        let members = std::mem::take(&mut self.members);
        let first = std::mem::take(&mut self.tensors);
        let recorded = self.settings.recorded.iter().find(|(k, _)| k == "member_seeds");
        let seeds: Vec<Option<u64>> = recorded
            .map(|(_, v)| v.split(',').map(|s| s.trim().parse().ok()).collect())
            .unwrap_or_default();
        let network = |k: usize, tensors: Vec<StoredTensor>| {
            let mut m = NeuralTechniqueModel { tensors, ..self.clone() };
            // The held-out split stays the ensemble's (older files take it from the seed).
            m.settings.split_seed = self.settings.held_out_seed();
            m.settings.seed = seeds.get(k).copied().flatten().or(self.settings.seed);
            m
        };
        std::iter::once(first).chain(members).enumerate().map(|(k, t)| network(k, t)).collect()
    }

    /// Longest window in word pieces it was trained with (its `window` setting;
    /// [`windows::WINDOW`] for models that predate the setting).
    pub fn window(&self) -> usize {
        self.settings.window.unwrap_or(windows::WINDOW)
    }

    /// Serialises the model.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        Ok(artifact::framed(MAGIC, FORMAT, self)?)
    }

    /// Reads a model from bytes (format 4; format 3, one network; or format 2, whose SI
    /// ensemble had no seed threshold: it reads as one equal to its threshold, which
    /// decodes the same).
    pub fn from_bytes(b: &[u8]) -> Result<NeuralTechniqueModel, Error> {
        const KIND: &str = "neural technique";
        match b.get(8..12) {
            Some(v) if v == 2u32.to_le_bytes() => {
                let m: OneNetwork<(f32, f32)> = artifact::unframed(b, MAGIC, 2, KIND)?;
                // No seed threshold: one equal to the threshold decodes the same.
                Ok(m.into_model(|(mix, threshold)| SiEnsemble { mix, threshold, seed: threshold }))
            }
            Some(v) if v == 3u32.to_le_bytes() => {
                let m: OneNetwork<SiEnsemble> = artifact::unframed(b, MAGIC, 3, KIND)?;
                Ok(m.into_model(|si| si))
            }
            _ => Ok(artifact::unframed(b, MAGIC, FORMAT, KIND)?),
        }
    }

    /// Sets `key` in `list` to `value`, replacing an earlier value.
    pub fn set(list: &mut Vec<(String, String)>, key: &str, value: String) {
        list.retain(|(k, _)| k != key);
        list.push((key.to_string(), value));
    }

    /// The model embedded in this binary (the committed `models/techniques-neural.bin`).
    pub fn embedded() -> Result<NeuralTechniqueModel, Error> {
        static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/techniques-neural.bin"));
        Self::from_embedded(EMBEDDED, NEURAL_TECHNIQUE_FILE)
    }

    /// The accurate tier's model embedded in this binary (the committed
    /// `models/techniques-accurate.bin`, layers tuned over all-mpnet-base-v2).
    pub fn embedded_accurate() -> Result<NeuralTechniqueModel, Error> {
        static EMBEDDED: &[u8] =
            include_bytes!(concat!(env!("OUT_DIR"), "/techniques-accurate.bin"));
        Self::from_embedded(EMBEDDED, ACCURATE_TECHNIQUE_FILE)
    }

    fn from_embedded(bytes: &'static [u8], file: &str) -> Result<NeuralTechniqueModel, Error> {
        artifact::parse_embedded(bytes, Self::from_bytes).unwrap_or_else(|| {
            Err(Error::Format(format!(
                "this build embeds no such technique model (models/{file} was missing)"
            )))
        })
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<NeuralTechniqueModel, Error> {
        Self::from_bytes(&artifact::read_file(path)?)
    }

    /// Writes the model to `path`.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        Ok(artifact::write_file(path, &self.to_bytes()?)?)
    }
}

/// The training settings a model records. The file keeps them as `key=value` pairs (the
/// layout of every format so far); the ones read back are typed here, parsed once when
/// the model loads, and a malformed one fails the load.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<(String, String)>", into = "Vec<(String, String)>")]
pub struct Settings {
    /// Longest window in word pieces (absent in models older than the setting).
    pub window: Option<usize>,
    /// Seed of the run.
    pub seed: Option<u64>,
    /// Seed of the held-out split (absent in older models: the run's seed was used).
    pub split_seed: Option<u64>,
    /// Share of the training articles held out.
    pub tune_fraction: Option<f64>,
    /// Which chunk of that share was held out (absent in older models: the first).
    pub fold: Option<usize>,
    /// The PTC split trained on (`fit`, …).
    pub split: Option<String>,
    /// SHA-256 of the training data.
    pub data_sha256: Option<String>,
    /// The rest (layers, epochs, learning rates, member seeds, …), recorded for people and
    /// not read back, in the order written.
    pub recorded: Vec<(String, String)>,
}

impl Settings {
    /// Seed of the held-out split: `split_seed`, or for older models the run's seed.
    pub fn held_out_seed(&self) -> Option<u64> {
        self.split_seed.or(self.seed)
    }

    /// Records `key = value` (replacing an earlier value).
    pub fn record(&mut self, key: &str, value: String) {
        NeuralTechniqueModel::set(&mut self.recorded, key, value);
    }
}

impl TryFrom<Vec<(String, String)>> for Settings {
    type Error = String;

    fn try_from(pairs: Vec<(String, String)>) -> Result<Settings, String> {
        fn parse<T: std::str::FromStr>(k: &str, v: &str) -> Result<Option<T>, String>
        where
            T::Err: std::fmt::Display,
        {
            v.parse().map(Some).map_err(|e| format!("setting {k} = {v:?}: {e}"))
        }
        let mut s = Settings::default();
        // A later value of a key replaces an earlier one.
        for (k, v) in pairs {
            match k.as_str() {
                "window" => s.window = parse(&k, &v)?,
                "seed" => s.seed = parse(&k, &v)?,
                "split_seed" => s.split_seed = parse(&k, &v)?,
                "tune_fraction" => s.tune_fraction = parse(&k, &v)?,
                "fold" => s.fold = parse(&k, &v)?,
                "split" => s.split = Some(v),
                "data_sha256" => s.data_sha256 = Some(v),
                _ => s.record(&k, v),
            }
        }
        Ok(s)
    }
}

impl From<Settings> for Vec<(String, String)> {
    fn from(s: Settings) -> Vec<(String, String)> {
        let typed = [
            ("window", s.window.map(|v| v.to_string())),
            ("seed", s.seed.map(|v| v.to_string())),
            ("split_seed", s.split_seed.map(|v| v.to_string())),
            ("tune_fraction", s.tune_fraction.map(|v| v.to_string())),
            ("fold", s.fold.map(|v| v.to_string())),
            ("split", s.split),
            ("data_sha256", s.data_sha256),
        ];
        let typed = typed.into_iter().filter_map(|(k, v)| Some((k.to_string(), v?)));
        s.recorded.into_iter().chain(typed).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_2_and_3_read_as_one_network() {
        // The fields in the order the older formats wrote them; `si` is what differs.
        fn old<Si: Serialize>(format: u32, si: Si) -> Vec<u8> {
            let settings = vec![("window".to_string(), "64".to_string())];
            let fields = ("e", "s", 2usize, Vec::<StoredTensor>::new(), -1.0f32, 0.6f32, 4usize);
            let rest = (Some(si), settings, Vec::<(String, String)>::new());
            artifact::framed(MAGIC, format, &(fields, rest)).unwrap()
        }
        let m = NeuralTechniqueModel::from_bytes(&old(2, (0.5f32, 0.3f32))).unwrap();
        assert_eq!(m.si, Some(SiEnsemble { mix: 0.5, threshold: 0.3, seed: 0.3 }));
        assert_eq!((m.trained_layers, m.o_bias, m.tc_mix, m.window()), (2, -1.0, 0.6, 64));
        assert!(m.members.is_empty());
        let e = SiEnsemble { mix: 0.6, threshold: 0.15, seed: 0.35 };
        let m = NeuralTechniqueModel::from_bytes(&old(3, e)).unwrap();
        assert_eq!((m.si, m.epochs_done), (Some(e), 4));
    }

    #[test]
    fn members_survive_a_round_trip() {
        let t = |v: f32| StoredTensor {
            name: "head.si.bias".into(),
            shape: vec![1],
            f16: vec![half::f16::from_f32(v).to_bits()],
        };
        let m = NeuralTechniqueModel {
            encoder: "e".into(),
            encoder_sha256: "s".into(),
            trained_layers: 1,
            tensors: vec![t(1.0)],
            o_bias: -1.25,
            tc_mix: 0.5,
            epochs_done: 4,
            si: Some(SiEnsemble { mix: 0.6, threshold: 0.15, seed: 0.35 }),
            settings: Settings { seed: Some(13), ..Settings::default() },
            tuning: Vec::new(),
            members: vec![vec![t(2.0)], vec![t(3.0)]],
        };
        let back = NeuralTechniqueModel::from_bytes(&m.to_bytes().unwrap()).unwrap();
        assert_eq!(back.members.len(), 2);
        assert_eq!(back.members[1][0].f16, m.members[1][0].f16);
        assert_eq!(back.settings.seed, Some(13));
        assert_eq!(back.si, m.si);
        // Taken apart, each network has its tensors and, as recorded, its seed.
        let mut m = back;
        m.settings.record("member_seeds", "13,14,15".into());
        let nets = m.networks();
        let seeds: Vec<Option<u64>> = nets.iter().map(|n| n.settings.seed).collect();
        assert_eq!(seeds, [Some(13), Some(14), Some(15)]);
        let firsts: Vec<u16> = nets.iter().map(|n| n.tensors[0].f16[0]).collect();
        assert_eq!(firsts, [1.0f32, 2.0, 3.0].map(|v| half::f16::from_f32(v).to_bits()));
        assert!(nets.iter().all(|n| n.members.is_empty()));
    }

    #[test]
    fn settings_are_typed_once_and_written_back_as_pairs() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let s = Settings::try_from(pairs(&[
            ("layers", "3"),
            ("seed", "13"),
            ("window", "128"),
            ("tune_fraction", "0.15"),
            ("seed", "14"),
            ("data_sha256", "ab"),
        ]))
        .unwrap();
        assert_eq!(
            (s.window, s.seed, s.split_seed, s.held_out_seed()),
            (Some(128), Some(14), None, Some(14))
        );
        assert_eq!((s.tune_fraction, s.data_sha256.as_deref()), (Some(0.15), Some("ab")));
        assert_eq!(s.recorded, pairs(&[("layers", "3")]));
        assert_eq!(Settings::try_from(Vec::<(String, String)>::from(s.clone())).unwrap(), s);
        let e = Settings::try_from(pairs(&[("window", "wide")])).unwrap_err();
        assert!(e.contains("setting window = \"wide\""), "{e}");
    }
}
