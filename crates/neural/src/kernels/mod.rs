//! The encoder's inference pass on plain f32 buffers: each transformer layer as five
//! matrix products (the `gemm` crate, whose AVX-512 kernels run where the CPU has them)
//! with their bias, scale and residual folded into the product, attention read straight
//! from the fused query/key/value buffer (no transposed copies), and one-pass softmax,
//! GELU and layer norm compiled for AVX2+FMA where the CPU has it.
//!
//! It computes what [`crate::bert::Bert`]'s differentiable path computes (tested there to
//! 1e-4) and has no backward pass: inference only.
//!
//! That f32 pass is the reference. [`path`] chooses at run time between it and the bf16
//! passes (module `reduced`: bf16 operands, f32 accumulation, on AMX tiles in module `amx`
//! or AVX-512 BF16 dot products in module `bf16`), from the CPU's features (and, for
//! AVX-512 BF16, one measurement: [`calibrate`]) or `--kernels` / `UNSPIN_KERNELS`.

mod aligned;
mod amx;
mod bf16;
pub mod calibrate;
mod int8;
pub mod path;
pub(crate) mod reduced;

pub use path::{active, set_kernels, KernelChoice, KernelPath};

use candle_core::{CpuStorage, Storage, Tensor};
use gemm::Parallelism;

use crate::Error;

/// A strided read-only matrix: element `(i, j)` is `data[i * rs + j * cs]`.
#[derive(Clone, Copy)]
struct View<'a> {
    data: &'a [f32],
    rs: usize,
    cs: usize,
}

/// The index one past the last element a `rows × cols` matrix with these strides reads.
fn extent(rows: usize, cols: usize, rs: usize, cs: usize) -> usize {
    if rows == 0 || cols == 0 {
        0
    } else {
        (rows - 1) * rs + (cols - 1) * cs + 1
    }
}

/// `dst = (read_dst ? dst : 0) + beta · a · b` for `a` `m × k`, `b` `k × n` and `dst`
/// `m × n` with row stride `dst_rs` and unit column stride.
#[allow(clippy::too_many_arguments)]
fn matmul(
    dst: &mut [f32],
    dst_rs: usize,
    (m, n, k): (usize, usize, usize),
    a: View<'_>,
    b: View<'_>,
    read_dst: bool,
    beta: f32,
    par: Parallelism,
) {
    assert!(dst.len() >= extent(m, n, dst_rs, 1), "matmul: destination too short");
    assert!(a.data.len() >= extent(m, k, a.rs, a.cs), "matmul: left operand too short");
    assert!(b.data.len() >= extent(k, n, b.rs, b.cs), "matmul: right operand too short");
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: the asserts above keep every element the product reads or writes inside
    // the three slices, and `dst` is borrowed mutably, so it aliases neither operand.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs as isize,
            read_dst,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            1.0,
            beta,
            false,
            false,
            false,
            par,
        )
    }
}

/// Runs `f` with AVX2+FMA code generation when the CPU has both (the loops it calls are
/// `#[inline(always)]`, so they are compiled again inside), else with the baseline.
macro_rules! dispatch {
    ($f:expr) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2,fma")]
            unsafe fn wide<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: both features were just detected on this CPU.
                unsafe { wide($f) }
            } else {
                ($f)()
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            ($f)()
        }
    }};
}

/// `e^x` for f32 (Cephes' polynomial after range reduction by ln 2; relative error
/// below 4e-7 on [-87, 88], `x` clamped to that range): branch-free, so loops over it
/// vectorise.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let n = (x * std::f32::consts::LOG2_E + 0.5).floor();
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

/// `erf(x)` for f32, rational approximation on [-4, 4] (±1 beyond; the one Eigen and XLA
/// use for f32, max error a few ulp).
#[inline(always)]
pub fn erf_f32(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_3e-10 + 2.770_681_4e-8;
    p = x2 * p + -2.101_024e-6;
    p = x2 * p + -5.692_506_4e-5;
    p = x2 * p + -7.349_906_3e-4;
    p = x2 * p + -2.954_6e-3;
    p = x2 * p + -1.609_603_3e-2;
    p *= x;
    let mut q = x2 * -1.456_607_2e-5 + -2.133_740_6e-4;
    q = x2 * q + -1.682_827e-3;
    q = x2 * q + -7.373_329e-3;
    q = x2 * q + -1.426_474e-2;
    p / q
}

/// GELU (erf form) in place.
fn gelu(v: &mut [f32]) {
    #[inline(always)]
    fn run(v: &mut [f32]) {
        for x in v {
            *x = 0.5 * *x * (1.0 + erf_f32(*x * std::f32::consts::FRAC_1_SQRT_2));
        }
    }
    dispatch!(|| run(v))
}

/// The sum of `v`, in 16 independent lanes (so that it vectorises).
#[inline(always)]
fn lanes_sum(v: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let chunks = v.chunks_exact(16);
    let rest: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x;
        }
    }
    acc.iter().sum::<f32>() + rest
}

/// The sum of the squares of `v`, in 16 independent lanes.
#[inline(always)]
fn lanes_sum_squares(v: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let chunks = v.chunks_exact(16);
    let rest: f32 = chunks.remainder().iter().map(|x| x * x).sum();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x * x;
        }
    }
    acc.iter().sum::<f32>() + rest
}

/// The largest of `v` (−∞ when empty), in 16 independent lanes.
#[inline(always)]
fn lanes_max(v: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 16];
    let chunks = v.chunks_exact(16);
    let rest = chunks.remainder().iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a = a.max(x);
        }
    }
    acc.iter().fold(rest, |m, &x| m.max(x))
}

/// Layer norm of each `g.len()`-wide row of `v`, in place.
fn layer_norm(v: &mut [f32], g: &[f32], b: &[f32], eps: f32) {
    #[inline(always)]
    fn run(v: &mut [f32], g: &[f32], b: &[f32], eps: f32) {
        let h = g.len();
        for row in v.chunks_exact_mut(h) {
            let mean = lanes_sum(row) / h as f32;
            row.iter_mut().for_each(|x| *x -= mean);
            let var = lanes_sum_squares(row) / h as f32;
            let inv = 1.0 / (var + eps).sqrt();
            for ((x, g), b) in row.iter_mut().zip(g).zip(b) {
                *x = *x * inv * g + b;
            }
        }
    }
    dispatch!(|| run(v, g, b, eps))
}

/// Softmax of each `keep.len()`-wide row of `v` over the columns `keep` marks (1.0; the
/// others 0.0, which come out 0), in place.
fn masked_softmax(v: &mut [f32], keep: &[f32]) {
    #[inline(always)]
    fn run(v: &mut [f32], keep: &[f32]) {
        for row in v.chunks_exact_mut(keep.len()) {
            // Masked columns take f32's lowest value, so they never raise the maximum.
            row.iter_mut().zip(keep).for_each(|(x, k)| *x = if *k > 0.0 { *x } else { f32::MIN });
            let max = lanes_max(row);
            row.iter_mut().zip(keep).for_each(|(x, k)| *x = exp_f32(*x - max) * k);
            let sum = lanes_sum(row);
            let inv = if sum > 0.0 { 1.0 / sum } else { 0.0 };
            row.iter_mut().for_each(|x| *x *= inv);
        }
    }
    dispatch!(|| run(v, keep))
}

/// Writes `bias · scale` into the `bias.len()` columns from `col` of each `stride`-wide
/// row of `dst`.
fn set_rows(dst: &mut [f32], stride: usize, col: usize, bias: &[f32], scale: f32) {
    for row in dst.chunks_exact_mut(stride) {
        row[col..col + bias.len()].iter_mut().zip(bias).for_each(|(x, b)| *x = b * scale);
    }
}

/// Adds `bias` to each `bias.len()`-wide row of `dst`.
fn add_rows(dst: &mut [f32], bias: &[f32]) {
    for row in dst.chunks_exact_mut(bias.len()) {
        row.iter_mut().zip(bias).for_each(|(x, b)| *x += b);
    }
}

/// The f32 data of a contiguous CPU tensor, while its storage guard lives.
fn slice<'a>(storage: &'a Storage, t: &Tensor) -> Result<&'a [f32], Error> {
    let (Storage::Cpu(CpuStorage::F32(v)), Some((a, b))) =
        (storage, t.layout().contiguous_offsets())
    else {
        return Err(Error::Format("encoder weights must be contiguous f32 on the CPU".into()));
    };
    Ok(&v[a..b])
}

/// One transformer layer's weights: each dense layer `(out, in)` with its bias, each
/// layer norm's scale and shift (see [`LayerWeights::new`]).
pub(crate) struct LayerWeights<'a> {
    t: [&'a Tensor; 16],
}

impl<'a> LayerWeights<'a> {
    /// Wraps a layer's 16 tensors: q, k, v, attention output, up, down (weight, bias
    /// each), then the attention and output layer norms (scale, shift each).
    pub(crate) fn new(t: [&'a Tensor; 16]) -> LayerWeights<'a> {
        LayerWeights { t }
    }

    /// The 16 tensors' values, copied (for packing them once).
    pub(crate) fn copy(&self) -> Result<[Vec<f32>; 16], Error> {
        let mut out: [Vec<f32>; 16] = Default::default();
        for (o, t) in out.iter_mut().zip(self.t) {
            *o = t.flatten_all()?.to_vec1::<f32>()?;
        }
        Ok(out)
    }
}

/// The shapes of one pass.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    /// Rows of the batch.
    pub batch: usize,
    /// Word pieces per row.
    pub len: usize,
    /// Hidden width.
    pub hidden: usize,
    /// Attention heads.
    pub heads: usize,
    /// Layer norm epsilon.
    pub eps: f32,
}

/// Runs `layers` over hidden states `x` (`batch · len · hidden`, row-major), in place;
/// `keep` (`batch · len`) is 1.0 at the real word pieces and 0.0 at the padding;
/// `position` (`heads · len · len`), when given, is added to every row's attention scores
/// (MPNet's relative-position bias). `threaded` lets each product use the rayon pool (for
/// a batch too small to split between threads).
pub(crate) fn run_layers(
    x: &mut [f32],
    keep: &[f32],
    s: Shape,
    layers: &[LayerWeights<'_>],
    position: Option<&[f32]>,
    threaded: bool,
) -> Result<(), Error> {
    let (b, t, h) = (s.batch, s.len, s.hidden);
    let hd = h / s.heads;
    let rows = b * t;
    assert_eq!(x.len(), rows * h, "hidden states do not match the shape");
    assert_eq!(keep.len(), rows, "mask does not match the shape");
    assert!(position.is_none_or(|p| p.len() == s.heads * t * t), "position bias shape");
    let par =
        if threaded { Parallelism::Rayon(rayon::current_num_threads()) } else { Parallelism::None };
    let scale = 1.0 / (hd as f32).sqrt();
    let mut qkv = vec![0f32; rows * 3 * h];
    let mut ctx = vec![0f32; rows * h];
    let mut scores = vec![0f32; t * t];
    let mut up = Vec::new();
    for l in layers {
        let guards: Vec<_> = l.t.iter().map(|t| t.storage_and_layout().0).collect();
        let w: Vec<&[f32]> =
            guards.iter().zip(&l.t).map(|(g, t)| slice(g, t)).collect::<Result<_, _>>()?;
        let [qw, qb, kw, kb, vw, vb, ow, ob, uw, ub, dw, db, g1, b1, g2, b2] = w[..] else {
            unreachable!("a layer has 16 tensors")
        };
        let ff = ub.len();
        let sizes = [h * h, h, h * h, h, h * h, h, h * h, h, ff * h, ff, h * ff, h, h, h, h, h];
        if w.iter().zip(sizes).any(|(w, n)| w.len() != n) {
            return Err(Error::Format("encoder layer weights do not match its width".into()));
        }
        up.resize(rows * ff, 0.0);
        // Query (pre-scaled), key and value side by side in one `rows × 3h` buffer.
        for (j, (w, bias, factor)) in
            [(qw, qb, scale), (kw, kb, 1.0), (vw, vb, 1.0)].into_iter().enumerate()
        {
            set_rows(&mut qkv, 3 * h, j * h, bias, factor);
            let xv = View { data: x, rs: h, cs: 1 };
            let wt = View { data: w, rs: 1, cs: h };
            matmul(&mut qkv[j * h..], 3 * h, (rows, h, h), xv, wt, true, factor, par);
        }
        for bi in 0..b {
            let keep = &keep[bi * t..(bi + 1) * t];
            let base = bi * t * 3 * h;
            for head in 0..s.heads {
                let q = View { data: &qkv[base + head * hd..], rs: 3 * h, cs: 1 };
                let kt = View { data: &qkv[base + h + head * hd..], rs: 1, cs: 3 * h };
                matmul(&mut scores, t, (t, t, hd), q, kt, false, 1.0, par);
                if let Some(p) = position {
                    add_rows(&mut scores, &p[head * t * t..(head + 1) * t * t]);
                }
                masked_softmax(&mut scores, keep);
                let p = View { data: &scores, rs: t, cs: 1 };
                let v = View { data: &qkv[base + 2 * h + head * hd..], rs: 3 * h, cs: 1 };
                let out = &mut ctx[bi * t * h + head * hd..];
                matmul(out, h, (t, hd, t), p, v, false, 1.0, par);
            }
        }
        // Attention output + bias + residual, then layer norm.
        add_rows(x, ob);
        let cv = View { data: &ctx, rs: h, cs: 1 };
        matmul(x, h, (rows, h, h), cv, View { data: ow, rs: 1, cs: h }, true, 1.0, par);
        layer_norm(x, g1, b1, s.eps);
        // Feed-forward: up + bias, GELU, down + bias + residual, layer norm.
        set_rows(&mut up, ff, 0, ub, 1.0);
        let xv = View { data: x, rs: h, cs: 1 };
        matmul(&mut up, ff, (rows, ff, h), xv, View { data: uw, rs: 1, cs: h }, true, 1.0, par);
        gelu(&mut up);
        add_rows(x, db);
        let uv = View { data: &up, rs: ff, cs: 1 };
        matmul(x, h, (rows, h, ff), uv, View { data: dw, rs: 1, cs: ff }, true, 1.0, par);
        layer_norm(x, g2, b2, s.eps);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_close() {
        for i in -8700..=8800 {
            let x = i as f32 / 100.0;
            let (got, want) = (exp_f32(x), x.exp());
            assert!(((got - want) / want).abs() < 4e-7, "exp({x}) = {got}, want {want}");
        }
        assert_eq!(exp_f32(-1e9), exp_f32(-87.0));
        assert!(exp_f32(-87.0) < 2e-38);
    }

    #[test]
    fn softmax_ignores_masked_columns() {
        let mut v = vec![1.0, 2.0, 100.0, 3.0, 0.5, -1e9];
        masked_softmax(&mut v, &[1.0, 1.0, 0.0]);
        let e = [1f32.exp(), 2f32.exp()];
        assert!((v[0] - e[0] / (e[0] + e[1])).abs() < 1e-6);
        assert!((v[1] - e[1] / (e[0] + e[1])).abs() < 1e-6);
        assert_eq!(v[2], 0.0);
        assert!((v[3] + v[4] - 1.0).abs() < 1e-6 && v[5] == 0.0);
    }

    #[test]
    fn strided_products_match_naive() {
        // a: 3×4 read with row stride 5; b: 4×2 read transposed from a 2×4 array.
        let a: Vec<f32> = (0..15).map(|i| i as f32 * 0.5 - 3.0).collect();
        let bt: Vec<f32> = (0..8).map(|i| 1.0 - i as f32 * 0.25).collect();
        let mut dst = vec![1.0f32; 3 * 3];
        let av = View { data: &a, rs: 5, cs: 1 };
        let bv = View { data: &bt, rs: 1, cs: 4 };
        matmul(&mut dst, 3, (3, 2, 4), av, bv, true, 2.0, Parallelism::None);
        for i in 0..3 {
            for j in 0..2 {
                let want: f32 =
                    1.0 + 2.0 * (0..4).map(|k| a[i * 5 + k] * bt[j * 4 + k]).sum::<f32>();
                assert!((dst[i * 3 + j] - want).abs() < 1e-5);
            }
            assert_eq!(dst[i * 3 + 2], 1.0, "the column outside the product is untouched");
        }
    }
}
