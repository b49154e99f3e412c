//! int8 matrix products with i32 accumulation on AMX tiles (`tdpbssd`): dynamic
//! quantisation, a scale per activation row and per weight column.
//!
//! The left operand ([`QRows`]) is row-major i8, each row scaled by its own largest
//! magnitude (`x ≈ q · scale`, `q` in −127..=127), its columns padded with zeros to a
//! multiple of 64 and its rows to a multiple of 32. The right operand ([`PackedI8`]) holds a
//! dense layer's weight per output column the same way, in AMX's layout: panels of 16
//! columns, each a run of quad-rows holding, for each column, the four i8 of consecutive
//! depths `4p … 4p + 3` (64 bytes a quad-row). A 32 × 32 block of the product is four i32
//! tiles; the bf16 products' epilogue (bias, residual, GELU, rounding) scales it back to f32
//! by the row and column scales as it writes each row.

use super::aligned::Aligned;
use super::bf16::{epilogue_with, for_row_runs, pad32, Dst, Epilogue, PackedB, GROUP_BYTES};

/// Rounds up to a multiple of 64.
pub(crate) fn pad64(n: usize) -> usize {
    n.div_ceil(64) * 64
}

/// The bytes of an aligned buffer of `u16`, as i8.
fn bytes(a: &Aligned) -> &[i8] {
    // SAFETY: `len` initialised `u16` are `2 · len` initialised bytes; i8 has no invalid
    // values and alignment 1.
    unsafe { std::slice::from_raw_parts(a.as_ptr().cast(), a.len() * 2) }
}

/// The bytes of an aligned buffer of `u16`, as i8, writable.
fn bytes_mut(a: &mut Aligned) -> &mut [i8] {
    // SAFETY: as in `bytes`, borrowed mutably.
    unsafe { std::slice::from_raw_parts_mut(a.as_mut_ptr().cast(), a.len() * 2) }
}

/// The scale of values whose largest magnitude is `max` (1 for an all-zero row).
fn scale_of(max: f32) -> f32 {
    if max > 0.0 && max.is_finite() {
        max / 127.0
    } else {
        1.0
    }
}

/// `q = round(x / scale)` into −127..=127.
fn quantize(x: f32, inv: f32) -> i8 {
    (x * inv).round_ties_even().clamp(-127.0, 127.0) as i8
}

/// A left operand: `rows` rows of i8, `stride` bytes (a multiple of 64) apart, rows padded
/// with zeros to a multiple of 32; `scale[r]` turns row `r` back into f32.
#[derive(Default)]
pub(crate) struct QRows {
    data: Aligned,
    stride: usize,
    rows: usize,
    scale: Vec<f32>,
}

impl QRows {
    /// Quantises `rows × cols` of `src` (row stride `src_rs`) into this buffer, each row by
    /// its own scale; reuses the buffer's memory.
    pub(crate) fn load(&mut self, src: &[f32], rows: usize, cols: usize, src_rs: usize) {
        assert!(rows == 0 || src.len() >= (rows - 1) * src_rs + cols, "QRows: source too short");
        let stride = pad64(cols);
        // Every byte is written below: the memory is reused without clearing it first.
        self.data.resize(pad32(rows) * stride / 2);
        (self.stride, self.rows) = (stride, rows);
        self.scale.resize(pad32(rows), 0.0);
        let data = bytes_mut(&mut self.data);
        for (r, (row, scale)) in data.chunks_exact_mut(stride).zip(&mut self.scale).enumerate() {
            if r < rows {
                *scale = quantize_row(&src[r * src_rs..r * src_rs + cols], &mut row[..cols]);
                row[cols..].fill(0);
            } else {
                *scale = 0.0;
                row.fill(0);
            }
        }
    }
}

/// Quantises `src` into `dst` by its largest magnitude; the scale.
fn quantize_row(src: &[f32], dst: &mut [i8]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vl")
    {
        // SAFETY: the features were just detected; the lengths are equal.
        return unsafe { quantize_row_avx512(src, dst) };
    }
    let s = scale_of(src.iter().fold(0f32, |m, x| m.max(x.abs())));
    dst.iter_mut().zip(src).for_each(|(d, &x)| *d = quantize(x, 1.0 / s));
    s
}

/// [`quantize_row`] 16 lanes at a time (the conversion rounds to nearest even and
/// saturates, as [`quantize`] does).
///
/// # Safety
/// The CPU has AVX-512 F, BW and VL; `src.len() == dst.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
unsafe fn quantize_row_avx512(src: &[f32], dst: &mut [i8]) -> f32 {
    use std::arch::x86_64::*;
    let n = src.len();
    let lanes = |i: usize| -> __mmask16 { (((1u32 << (n - i).min(16)) - 1) & 0xffff) as __mmask16 };
    let mut max = _mm512_setzero_ps();
    for i in (0..n).step_by(16) {
        // SAFETY: masked to the lanes left in `src`.
        let x = unsafe { _mm512_maskz_loadu_ps(lanes(i), src.as_ptr().add(i)) };
        max = _mm512_max_ps(max, _mm512_abs_ps(x));
    }
    let s = scale_of(_mm512_reduce_max_ps(max));
    let inv = _mm512_set1_ps(1.0 / s);
    let (lo, hi) = (_mm512_set1_ps(-127.0), _mm512_set1_ps(127.0));
    for i in (0..n).step_by(16) {
        // SAFETY: masked to the lanes left in `src` and `dst` (equal lengths).
        unsafe {
            let x = _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes(i), src.as_ptr().add(i)), inv);
            let q = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(x, lo), hi));
            _mm_mask_storeu_epi8(dst.as_mut_ptr().add(i), lanes(i), _mm512_cvtsepi32_epi8(q));
        }
    }
    s
}

/// A dense layer's weight `Wᵀ` (`depth × cols`) in i8, packed in 16-column panels of depth
/// quads, with a scale per column.
#[derive(Clone, Debug, Default)]
pub(crate) struct PackedI8 {
    data: Aligned,
    cols: usize,
    /// Depth padded to a multiple of 64.
    kpad: usize,
    /// Panels of 16 columns (an even number).
    panels: usize,
    /// Per column (padded to a multiple of 32 with zeros).
    scale: Vec<f32>,
}

impl PackedI8 {
    /// The weight packed for the bf16 products, quantised per column (from its bf16
    /// values: the products' weights are those on every reduced path).
    pub(crate) fn from_bf16(b: &PackedB) -> PackedI8 {
        let (cols, depth) = (b.cols(), b.depth());
        let (kpad, panels) = (pad64(depth), pad32(cols) / 16);
        let mut data = Aligned::zeros(panels * kpad * 16 / 2);
        let mut scale = vec![0f32; pad32(cols)];
        let out = bytes_mut(&mut data);
        let mut column = vec![0f32; depth];
        for (j, s) in scale.iter_mut().enumerate().take(cols) {
            for (kk, v) in column.iter_mut().enumerate() {
                *v = f32::from_bits((b.get(j, kk) as u32) << 16);
            }
            *s = scale_of(column.iter().fold(0f32, |m, x| m.max(x.abs())));
            let base = (j / 16) * kpad * 16 + 4 * (j % 16);
            for (kk, &v) in column.iter().enumerate() {
                out[base + (kk / 4) * 64 + kk % 4] = quantize(v, 1.0 / *s);
            }
        }
        PackedI8 { data, cols, kpad, panels, scale }
    }

    /// The first byte of panel `p`.
    fn panel(&self, p: usize) -> *const i8 {
        bytes(&self.data)[p * self.kpad * 16..].as_ptr()
    }
}

/// `dst` (row stride `dst_rs`) = epilogue(`a · b`) for `a.rows` rows and `b.cols()`
/// columns on AMX-INT8 (the caller checked the path runs here). `threaded` spreads 32-row
/// blocks over the rayon pool.
pub(crate) fn gemm_i8(
    dst: Dst<'_>,
    dst_rs: usize,
    a: &QRows,
    b: &PackedI8,
    epi: Epilogue<'_>,
    threaded: bool,
) {
    let (m, n) = (a.rows, b.cols);
    if m == 0 || n == 0 {
        return;
    }
    assert!(super::KernelPath::Int8Amx.supported(), "gemm_i8: AMX-INT8 does not run here");
    assert!(a.stride >= b.kpad, "gemm_i8: left operand narrower than the weight's depth");
    for_row_runs((dst, dst_rs), (m, n), epi, threaded, |blocks, rows| {
        // SAFETY: the asserts here and in `for_row_runs` keep every read inside `a` and `b`
        // (its rows padded to 32, its stride covering the weight's padded depth),
        // AMX-INT8 runs here, and each run writes only its own rows of `dst`.
        unsafe { row_run(rows, dst_rs, (a, blocks, m), b, epi) }
    });
}

/// Row blocks `blocks` (of `m` rows in all), whose rows `rows` holds from the first
/// block's, through every column block, the columns in groups that stay in L2.
///
/// # Safety
/// As [`gemm_i8`] checks.
unsafe fn row_run(
    mut rows: Dst<'_>,
    dst_rs: usize,
    (a, blocks, m): (&QRows, std::ops::Range<usize>, usize),
    b: &PackedI8,
    epi: Epilogue<'_>,
) {
    let group = (GROUP_BYTES / (b.kpad * 32)).max(1);
    let pairs = b.panels / 2;
    #[cfg(target_arch = "x86_64")]
    // SAFETY: AMX is present and permitted (the caller checked the path).
    unsafe {
        super::amx::configure()
    };
    for g in (0..pairs).step_by(group) {
        let cols = g..(g + group).min(pairs);
        for mb in blocks.clone() {
            let valid = (m - mb * 32).min(32);
            let at = (mb - blocks.start) * 32 * dst_rs;
            // SAFETY: the caller's guarantees, for one row block.
            unsafe { row_block(&mut rows.tail(at), dst_rs, (a, mb, valid), (b, cols.clone()), epi) }
        }
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: as above.
    unsafe {
        super::amx::release()
    };
}

/// i32 results of one 32 × 32 block, aligned for the tile stores.
#[repr(C, align(64))]
struct IBlock([i32; 1024]);

/// One 32-row block of the product: every 32-column block of `blocks` through the tiles,
/// scaled back to f32 as the epilogue writes it into `rows`.
///
/// # Safety
/// As [`gemm_i8`] checks, with the tiles configured on this thread.
#[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx512f,avx512bf16"))]
unsafe fn row_block(
    rows: &mut Dst<'_>,
    dst_rs: usize,
    (a, mb, valid): (&QRows, usize, usize),
    (b, blocks): (&PackedI8, std::ops::Range<usize>),
    epi: Epilogue<'_>,
) {
    let mut acc = IBlock([0; 1024]);
    let a0 = bytes(&a.data)[mb * 32 * a.stride..].as_ptr();
    let row_scale = &a.scale[mb * 32..mb * 32 + 32];
    for nb in blocks {
        let (p0, p1) = (b.panel(2 * nb), b.panel(2 * nb + 1));
        let (c0, width) = (nb * 32, (b.cols - nb * 32).min(32));
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the caller guarantees the operands; `acc` is 32 × 32 i32.
        unsafe {
            super::amx::block_i8((a0, a.stride), (p0, p1), b.kpad / 64, (acc.0.as_mut_ptr(), 128))
        };
        let col_scale: &[f32; 32] = b.scale[c0..c0 + 32].try_into().expect("32 scales");
        let raw = |i: usize, v: &mut [f32; 32]| {
            let (q, sa) = (&acc.0[i * 32..i * 32 + 32], row_scale[i]);
            for ((v, &q), sb) in v.iter_mut().zip(q).zip(col_scale) {
                *v = q as f32 * (sa * sb);
            }
        };
        // SAFETY: the int8 path runs only where AVX-512 F and BF16 are; the block's
        // columns lie inside `rows` (as `gemm_i8` checks).
        unsafe { epilogue_with(rows, dst_rs, valid, (c0, width), epi, raw) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_within_half_a_step_of_their_scale() {
        let src: Vec<f32> = (0..3 * 70).map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0).collect();
        let mut q = QRows::default();
        q.load(&src, 3, 70, 70);
        assert_eq!((q.stride, q.rows), (128, 3));
        let data = bytes(&q.data);
        for r in 0..3 {
            let s = q.scale[r];
            let row = &src[r * 70..r * 70 + 70];
            let max = row.iter().fold(0f32, |m, x| m.max(x.abs()));
            assert!((s - max / 127.0).abs() < 1e-6);
            for (c, &x) in row.iter().enumerate() {
                let back = data[r * 128 + c] as f32 * s;
                assert!((back - x).abs() <= s * 0.5 + 1e-6, "{x} -> {back}");
            }
            assert!(data[r * 128 + 70..(r + 1) * 128].iter().all(|&b| b == 0), "padding");
        }
        // An all-zero row quantises to zeros with scale 1.
        q.load(&[0.0; 5], 1, 5, 5);
        assert_eq!(q.scale[0], 1.0);
    }

    #[test]
    fn int8_products_match_f32_within_the_quantisation_error() {
        if !super::super::KernelPath::Int8Amx.supported() {
            eprintln!("skipped: this CPU does not run AMX-INT8");
            return;
        }
        let (m, k, n) = (45, 100, 70);
        let mut rng = fastrand::Rng::with_seed(5);
        let a: Vec<f32> = (0..m * k).map(|_| rng.f32() - 0.5).collect();
        let w: Vec<f32> = (0..n * k).map(|_| rng.f32() - 0.5).collect();
        let bias: Vec<f32> = (0..n).map(|j| j as f32 / 10.0).collect();
        let packed = PackedI8::from_bf16(&PackedB::weights(&w, n, k, 1.0));
        let mut qa = QRows::default();
        qa.load(&a, m, k, k);
        let mut got = vec![0f32; m * n];
        let epi = Epilogue { bias: Some(&bias), ..Epilogue::default() };
        for threaded in [false, true] {
            gemm_i8(Dst::F32(&mut got), n, &qa, &packed, epi, threaded);
            for i in 0..m {
                for j in 0..n {
                    let want: f32 =
                        bias[j] + (0..k).map(|kk| a[i * k + kk] * w[j * k + kk]).sum::<f32>();
                    // Sums of 100 products of values under 0.5, each operand within half a
                    // step (1/254 of its row's or column's largest magnitude).
                    assert!((got[i * n + j] - want).abs() < 0.05, "{i},{j}: {want}");
                }
            }
        }
    }
}
