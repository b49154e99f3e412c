//! Whether bf16 through AVX-512 BF16 pays on this CPU. Having `vdpbf16ps` does not make
//! it faster than f32: one instruction does 32 multiply-adds where an f32 FMA does 16, but
//! a CPU may issue it at half the FMA's rate (measured on an Intel Xeon with AMX turned
//! off for the comparison: bf16-avx512 products at ~0.7× the f32 speed, where a Zen 4
//! runs them ~2× faster). So `auto` measures once, on one product of an encoder layer's
//! shape, instead of trusting the feature flag.

use std::sync::OnceLock;
use std::time::Instant;

use gemm::Parallelism;

use super::bf16::{gemm, BfRows, Dst, Epilogue, PackedB};
use super::{matmul, KernelPath, View};

/// The least speed-up over f32 at which `auto` takes bf16-avx512: a margin over the
/// measurement's noise, far from both CPUs measured (0.7× and 2×).
pub const MIN_SPEEDUP: f32 = 1.1;

/// How many times faster bf16-avx512 ran one encoder-sized product than f32 on this CPU
/// (one thread, best of five each), measured once per process; `None` where the path
/// does not run here.
pub fn avx512_bf16_speedup() -> Option<f32> {
    static SPEEDUP: OnceLock<Option<f32>> = OnceLock::new();
    *SPEEDUP.get_or_init(|| KernelPath::Bf16Avx512.supported().then(measure))
}

/// Whether a measured speed-up makes `auto` take bf16-avx512.
pub fn pays(speedup: f32) -> bool {
    speedup >= MIN_SPEEDUP
}

/// f32 time over bf16-avx512 time for `128 × 384` rows times a `384 → 1536` layer (a
/// MiniLM feed-forward product).
fn measure() -> f32 {
    let (m, k, n) = (128, 384, 1536);
    let value = |i: usize| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5;
    let a: Vec<f32> = (0..m * k).map(value).collect();
    let w: Vec<f32> = (0..n * k).map(|i| value(i + 17)).collect();
    let mut dst = vec![0f32; m * n];
    let fp32 = best_of(5, || {
        let (av, wv) = (View { data: &a, rs: k, cs: 1 }, View { data: &w, rs: 1, cs: k });
        matmul(&mut dst, n, (m, n, k), av, wv, false, 1.0, Parallelism::None);
    });
    let packed = PackedB::weights(&w, n, k, 1.0);
    let mut rows = BfRows::default();
    let bf16 = best_of(5, || {
        rows.load(&a, m, k, k);
        let epi = Epilogue::default();
        gemm(KernelPath::Bf16Avx512, Dst::F32(&mut dst), n, rows.view(), &packed, epi, false);
    });
    (fp32 / bf16.max(1e-9)) as f32
}

/// The shortest of `reps` timings of `f`, in seconds.
fn best_of(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_speedup_is_measured_where_avx512_bf16_runs_and_decides_auto_there() {
        match avx512_bf16_speedup() {
            Some(s) => {
                assert!(s.is_finite() && s > 0.0, "{s}");
                eprintln!("bf16-avx512 ran {s:.2}× as fast as f32 here");
                if !KernelPath::Bf16Amx.supported() {
                    let want = if pays(s) { KernelPath::Bf16Avx512 } else { KernelPath::Fp32 };
                    assert_eq!(KernelPath::best(), want);
                }
            }
            None => {
                eprintln!("skipped: this CPU lacks {:?}", KernelPath::Bf16Avx512.missing());
                assert!(!KernelPath::Bf16Avx512.supported());
            }
        }
        assert!(pays(2.0) && !pays(0.7) && pays(MIN_SPEEDUP));
    }
}
