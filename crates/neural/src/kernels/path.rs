//! Which arithmetic the encoder's inference pass runs in, chosen at run time from the
//! CPU's features: f32 everywhere (the reference), or bf16 weights and activations with
//! f32 accumulation through AVX-512 BF16 (`vdpbf16ps`) or AMX tiles (`tdpbf16ps`); or,
//! when asked for, int8 for most dense products through AVX-512 VNNI (`vpdpbusd`) or AMX
//! (`tdpbssd`).
//! Softmax, layer norm and GELU stay in f32 on every path.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use crate::Error;

/// One implementation of the encoder's matrix products.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KernelPath {
    /// f32 weights and activations (the `gemm` crate): every CPU, the reference.
    Fp32,
    /// bf16 weights and activations, f32 accumulation, AVX-512 BF16 dot products.
    Bf16Avx512,
    /// bf16 weights and activations, f32 accumulation, AMX tiles.
    Bf16Amx,
    /// int8 weights and activations (a scale per weight column and per activation row),
    /// i32 accumulation, AMX tiles, for the dense layers; attention's products as on
    /// `Bf16Amx`.
    Int8Amx,
    /// The same int8 products through AVX-512 VNNI (`vpdpbusd`), for CPUs without AMX;
    /// attention's products as on `Bf16Avx512`.
    Int8Avx512,
}

impl KernelPath {
    /// Every path, the reference first.
    pub const ALL: [KernelPath; 5] = [
        KernelPath::Fp32,
        KernelPath::Bf16Avx512,
        KernelPath::Bf16Amx,
        KernelPath::Int8Avx512,
        KernelPath::Int8Amx,
    ];

    /// Its name, as `--kernels` and `UNSPIN_KERNELS` take it.
    pub fn name(self) -> &'static str {
        match self {
            KernelPath::Fp32 => "fp32",
            KernelPath::Bf16Avx512 => "bf16-avx512",
            KernelPath::Bf16Amx => "bf16-amx",
            KernelPath::Int8Amx => "int8-amx",
            KernelPath::Int8Avx512 => "int8-avx512",
        }
    }

    /// Whether its dense products run in int8.
    pub fn is_int8(self) -> bool {
        matches!(self, KernelPath::Int8Amx | KernelPath::Int8Avx512)
    }

    /// The bf16 path that runs the products it does not run itself (an int8 path's
    /// attention and feed-forward-down products); itself for the others.
    pub(crate) fn bf16_part(self) -> KernelPath {
        match self {
            KernelPath::Int8Amx => KernelPath::Bf16Amx,
            KernelPath::Int8Avx512 => KernelPath::Bf16Avx512,
            other => other,
        }
    }

    /// The CPU features it needs that this CPU lacks (empty: it runs here).
    pub fn missing(self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self == KernelPath::Fp32 {
            return out;
        }
        let cpu = cpu();
        for (have, name) in [(cpu.avx512, "avx512f+avx512bw"), (cpu.avx512_bf16, "avx512_bf16")] {
            if !have {
                out.push(name);
            }
        }
        if matches!(self, KernelPath::Bf16Amx | KernelPath::Int8Amx) {
            if !cpu.amx_bf16 {
                out.push("amx_bf16+amx_tile");
            } else if !cpu.amx_permitted {
                out.push("AMX tile data (the kernel refused ARCH_REQ_XCOMP_PERM)");
            }
        }
        if self == KernelPath::Int8Amx && !(cpu.amx_int8 && cpu.avx512_vl) {
            out.push("amx_int8+avx512vl");
        }
        if self == KernelPath::Int8Avx512 && !(cpu.avx512_vnni && cpu.avx512_vl) {
            out.push("avx512_vnni+avx512vl");
        }
        out
    }

    /// Whether it runs on this CPU.
    pub fn supported(self) -> bool {
        self.missing().is_empty()
    }

    /// The path `auto` takes: bf16 on AMX; else bf16 through AVX-512 BF16 where it ran
    /// faster than f32 on this CPU ([`calibrate`](super::calibrate): the flag alone does
    /// not say so); else f32. The int8 paths are faster still but only taken when asked
    /// for: they move the models' figures by more than the 0.003 the other paths keep to
    /// (README, "int8").
    pub fn best() -> KernelPath {
        if KernelPath::Bf16Amx.supported() {
            return KernelPath::Bf16Amx;
        }
        match super::calibrate::avx512_bf16_speedup() {
            Some(s) if super::calibrate::pays(s) => KernelPath::Bf16Avx512,
            _ => KernelPath::Fp32,
        }
    }

    fn code(self) -> u8 {
        match self {
            KernelPath::Fp32 => 1,
            KernelPath::Bf16Avx512 => 2,
            KernelPath::Bf16Amx => 3,
            KernelPath::Int8Amx => 4,
            KernelPath::Int8Avx512 => 5,
        }
    }

    fn from_code(c: u8) -> Option<KernelPath> {
        KernelPath::ALL.into_iter().find(|p| p.code() == c)
    }
}

impl fmt::Display for KernelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a user asks for: one path, the best bf16 or int8 path, or the best path (`auto`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum KernelChoice {
    /// The fastest path this CPU runs.
    #[default]
    Auto,
    /// The fastest bf16 path this CPU runs.
    Bf16,
    /// The fastest int8 path this CPU runs.
    Int8,
    /// Exactly this path.
    Exact(KernelPath),
}

impl FromStr for KernelChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<KernelChoice, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(KernelChoice::Auto),
            "bf16" => Ok(KernelChoice::Bf16),
            "int8" => Ok(KernelChoice::Int8),
            other => KernelPath::ALL
                .into_iter()
                .find(|p| p.name() == other)
                .map(KernelChoice::Exact)
                .ok_or_else(|| {
                    Error::Kernels(format!(
                        "unknown kernel path {s:?} (auto, fp32, bf16, bf16-avx512, bf16-amx, \
                         int8, int8-avx512, int8-amx)"
                    ))
                }),
        }
    }
}

impl KernelChoice {
    /// The path this choice means on this CPU; an error naming the missing features when
    /// the CPU cannot run it.
    pub fn resolve(self) -> Result<KernelPath, Error> {
        let fastest = |kind: &str, [best, other]: [KernelPath; 2]| {
            [best, other].into_iter().find(|p| p.supported()).ok_or_else(|| {
                Error::Kernels(format!(
                    "{kind} kernels need {} on this CPU",
                    other.missing().join(", ")
                ))
            })
        };
        let path = match self {
            KernelChoice::Auto => return Ok(KernelPath::best()),
            KernelChoice::Bf16 => fastest("bf16", [KernelPath::Bf16Amx, KernelPath::Bf16Avx512])?,
            KernelChoice::Int8 => fastest("int8", [KernelPath::Int8Amx, KernelPath::Int8Avx512])?,
            KernelChoice::Exact(p) => p,
        };
        let missing = path.missing();
        if missing.is_empty() {
            Ok(path)
        } else {
            Err(Error::Kernels(format!("{path} kernels need {} on this CPU", missing.join(", "))))
        }
    }
}

/// The path chosen for this process (0: not chosen yet; [`AUTO_LATER`]: `auto`, resolved
/// at first use).
static ACTIVE: AtomicU8 = AtomicU8::new(0);

/// `auto` was chosen and is resolved when an encoder first asks ([`active`]): resolving it
/// may time the kernels ([`calibrate`](super::calibrate)), which a run without an encoder
/// should not pay for.
const AUTO_LATER: u8 = u8::MAX;

/// Chooses the path every encoder of this process runs its inference pass on. A path the
/// CPU cannot run is refused here; `auto` is resolved at first use.
pub fn set_kernels(choice: KernelChoice) -> Result<(), Error> {
    let code = match choice {
        KernelChoice::Auto => AUTO_LATER,
        other => other.resolve()?.code(),
    };
    ACTIVE.store(code, Ordering::Relaxed);
    Ok(())
}

/// The path inference runs on: the one [`set_kernels`] chose, else `UNSPIN_KERNELS`
/// (default `auto`), read once.
pub fn active() -> Result<KernelPath, Error> {
    let code = ACTIVE.load(Ordering::Relaxed);
    if let Some(p) = KernelPath::from_code(code) {
        return Ok(p);
    }
    let choice = match code {
        AUTO_LATER => KernelChoice::Auto,
        _ => from_env()?,
    };
    let path = choice.resolve()?;
    ACTIVE.store(path.code(), Ordering::Relaxed);
    Ok(path)
}

/// `UNSPIN_KERNELS`, or `auto` where it is unset or empty.
fn from_env() -> Result<KernelChoice, Error> {
    match std::env::var("UNSPIN_KERNELS") {
        Ok(v) if !v.trim().is_empty() => {
            v.parse().map_err(|e| Error::Kernels(format!("UNSPIN_KERNELS: {e}")))
        }
        _ => Ok(KernelChoice::Auto),
    }
}

/// The CPU features the paths look at, read once.
#[derive(Clone, Copy, Debug, Default)]
struct Cpu {
    avx512: bool,
    avx512_bf16: bool,
    avx512_vl: bool,
    avx512_vnni: bool,
    amx_bf16: bool,
    amx_int8: bool,
    amx_permitted: bool,
}

fn cpu() -> Cpu {
    static CPU: OnceLock<Cpu> = OnceLock::new();
    *CPU.get_or_init(detect)
}

#[cfg(target_arch = "x86_64")]
fn detect() -> Cpu {
    use std::arch::is_x86_feature_detected as has;
    let avx512 = has!("avx512f") && has!("avx512bw");
    let avx512_bf16 = has!("avx512bf16");
    let avx512_vl = has!("avx512vl");
    let avx512_vnni = has!("avx512vnni");
    // CPUID leaf 7, sub-leaf 0, EDX: bit 22 AMX-BF16, bit 24 AMX-TILE, bit 25 AMX-INT8.
    // CPUID is available on every x86-64 CPU; leaf 7 reads zeros where absent.
    let edx = std::arch::x86_64::__cpuid_count(7, 0).edx;
    let amx_bf16 = edx & (1 << 22) != 0 && edx & (1 << 24) != 0;
    let amx_int8 = edx & (1 << 25) != 0 && edx & (1 << 24) != 0;
    let amx_permitted = amx_bf16 && super::amx::request_permission();
    Cpu { avx512, avx512_bf16, avx512_vl, avx512_vnni, amx_bf16, amx_int8, amx_permitted }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> Cpu {
    Cpu::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_is_resolved_when_an_encoder_first_asks() {
        // A command without an encoder must not pay for `auto` (it may time the kernels).
        set_kernels(KernelChoice::Auto).unwrap();
        assert_eq!(active().unwrap(), KernelPath::best());
        assert_eq!(KernelPath::from_code(ACTIVE.load(Ordering::Relaxed)), Some(KernelPath::best()));
    }

    #[test]
    fn names_parse_back() {
        for p in KernelPath::ALL {
            assert_eq!(p.name().parse::<KernelChoice>().unwrap(), KernelChoice::Exact(p));
        }
        assert_eq!("AUTO".parse::<KernelChoice>().unwrap(), KernelChoice::Auto);
        assert_eq!("bf16".parse::<KernelChoice>().unwrap(), KernelChoice::Bf16);
        assert_eq!("int8".parse::<KernelChoice>().unwrap(), KernelChoice::Int8);
        let e = "int4".parse::<KernelChoice>().unwrap_err().to_string();
        assert!(e.contains("unknown kernel path") && e.contains("bf16-amx"), "{e}");
    }

    #[test]
    fn int8_and_bf16_take_the_fastest_path_of_their_kind_or_say_what_is_missing() {
        for (choice, kind) in [(KernelChoice::Int8, "int8"), (KernelChoice::Bf16, "bf16")] {
            match choice.resolve() {
                Ok(p) => assert!(p.supported() && p.name().starts_with(kind), "{p}"),
                Err(e) => {
                    assert!(e.to_string().starts_with(&format!("{kind} kernels need")), "{e}")
                }
            }
        }
        assert!(KernelPath::Int8Avx512.is_int8() && !KernelPath::Bf16Amx.is_int8());
        assert_eq!(KernelPath::Int8Avx512.bf16_part(), KernelPath::Bf16Avx512);
        assert_eq!(KernelPath::Int8Amx.bf16_part(), KernelPath::Bf16Amx);
    }

    #[test]
    fn fp32_runs_everywhere_and_unsupported_paths_say_what_is_missing() {
        assert_eq!(KernelChoice::Exact(KernelPath::Fp32).resolve().unwrap(), KernelPath::Fp32);
        assert!(KernelPath::best().supported());
        for p in KernelPath::ALL {
            match KernelChoice::Exact(p).resolve() {
                Ok(got) => assert_eq!(got, p),
                Err(e) => {
                    assert!(!p.supported());
                    assert!(e.to_string().contains("on this CPU"), "{e}");
                }
            }
        }
    }
}
