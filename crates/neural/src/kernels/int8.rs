//! int8 matrix products with i32 accumulation, on AMX tiles (`tdpbssd`) or through
//! AVX-512 VNNI (`vpdpbusd`): dynamic quantisation, a scale per activation row and per
//! weight column.
//!
//! The left operand ([`QRows`]) is row-major bytes, each row on its own grid, its columns
//! padded with zeros to a multiple of 64 and its rows to a multiple of 32: for AMX i8
//! scaled by the row's largest magnitude (`x ≈ q · scale`, `q` in −127..=127); for VNNI,
//! whose `vpdpbusd` multiplies unsigned bytes by signed ones, u8 with a zero point on a
//! grid per [`GROUP`] of depths (`x ≈ (q − zero) · scale` over that group's range, `q` in
//! 0..=255), each group's i32 sum taking `zero · Σₖ w` of each column back off and scaled
//! to f32 before the next group's. The right operand ([`PackedI8`])
//! holds a dense layer's weight per output column the same way, in the layout both
//! instructions read: panels of 16 columns, each a run of quad-rows holding, for each
//! column, the four i8 of consecutive depths `4p … 4p + 3` (64 bytes a quad-row: one AMX
//! tile row, one 512-bit register). A 32 × 32 block of the product is four i32 tiles, or
//! four 8-row runs of 16 VNNI accumulators; the bf16 products' epilogue (bias, residual,
//! GELU, rounding) applies the column scales (and on AMX the row scales) as it writes
//! each row.

use super::aligned::Aligned;
use super::bf16::{epilogue_with, for_row_runs, pad32, Dst, Epilogue, PackedB, GROUP_BYTES};
use super::KernelPath;

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

/// How a run of values maps to bytes: `x ≈ (q − zero) · scale`, `q` in `lo..=hi`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Grid {
    scale: f32,
    zero: i32,
    lo: f32,
    hi: f32,
}

impl Grid {
    /// Symmetric signed bytes (−127..=127, zero at 0: the weights, and AMX's `tdpbssd`
    /// activations), or unsigned bytes over the run's own range (0..=255, the zero point
    /// where 0 falls) for VNNI's `vpdpbusd`: a run GELU made nearly all positive, or one
    /// with a single large outlier, keeps about twice the steps a symmetric scale gives.
    /// An all-zero run gets scale 1.
    fn of((min, max): (f32, f32), unsigned: bool) -> Grid {
        let step = |span: f32, steps: f32| {
            if span > 0.0 && span.is_finite() {
                span / steps
            } else {
                1.0
            }
        };
        if !unsigned {
            return Grid { scale: step(max.max(-min), 127.0), zero: 0, lo: -127.0, hi: 127.0 };
        }
        let (min, max) = (min.min(0.0), max.max(0.0));
        let scale = step(max - min, 255.0);
        let zero = (-min / scale).round_ties_even().clamp(0.0, 255.0) as i32;
        Grid { scale, zero, lo: 0.0, hi: 255.0 }
    }

    /// The grid of `values` (their range, 0 included).
    fn of_values(values: &[f32], unsigned: bool) -> Grid {
        let range = values.iter().fold((0f32, 0f32), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        Grid::of(range, unsigned)
    }

    /// The byte of `x` (its bits: i8 when signed, u8 when not).
    fn byte(&self, x: f32) -> i8 {
        let q = (x * (1.0 / self.scale)).round_ties_even() + self.zero as f32;
        let q = q.clamp(self.lo, self.hi);
        q as i32 as u8 as i8
    }
}

/// Depth each grid of a VNNI row covers: a row's few outlier channels (MiniLM's hidden
/// states keep a handful of features 10–30× the typical one) coarsen only their own
/// group's steps. Each group's i32 sums stay exact in f32 (64 · 255 · 127 < 2²⁴). 64
/// against 128 or one grid per row: README, "int8 through AVX-512 VNNI".
pub(crate) const GROUP: usize = 64;

/// A left operand: `rows` rows of bytes, `stride` (a multiple of 64) apart, rows padded
/// with zeros to a multiple of 32. Each row is split along its depth into `groups` runs of
/// [`GROUP`] bytes (the last shorter), run `g` of row `r` on its own grid:
/// `(q − zero) · scale` with `scale[r · groups + g]`, `zero[…]`. AMX reads one symmetric
/// i8 grid per row (`groups` 1, zero 0); VNNI (`unsigned`) u8 grids.
#[derive(Default)]
pub(crate) struct QRows {
    data: Aligned,
    stride: usize,
    rows: usize,
    groups: usize,
    scale: Vec<f32>,
    zero: Vec<i32>,
    unsigned: bool,
}

impl QRows {
    /// Quantises `rows × cols` of `src` (row stride `src_rs`) into this buffer, in the
    /// form `path`'s products read; reuses the buffer's memory.
    pub(crate) fn load(
        &mut self,
        path: KernelPath,
        src: &[f32],
        (rows, cols): (usize, usize),
        src_rs: usize,
    ) {
        assert!(rows == 0 || src.len() >= (rows - 1) * src_rs + cols, "QRows: source too short");
        let stride = pad64(cols);
        // Every byte is written below: the memory is reused without clearing it first.
        self.data.resize(pad32(rows) * stride / 2);
        (self.stride, self.rows) = (stride, rows);
        self.unsigned = path == KernelPath::Int8Avx512;
        let width = if self.unsigned { GROUP } else { stride.max(1) };
        self.groups = stride.div_ceil(width);
        self.scale.resize(pad32(rows) * self.groups, 0.0);
        self.zero.resize(pad32(rows) * self.groups, 0);
        let data = bytes_mut(&mut self.data);
        let params =
            self.scale.chunks_exact_mut(self.groups).zip(self.zero.chunks_exact_mut(self.groups));
        for (r, (row, (scale, zero))) in data.chunks_exact_mut(stride).zip(params).enumerate() {
            // Padding meets zero weights: any value adds nothing.
            row.fill(0);
            if r >= rows {
                scale.fill(0.0);
                zero.fill(0);
                continue;
            }
            let src = &src[r * src_rs..r * src_rs + cols];
            for (g, (scale, zero)) in scale.iter_mut().zip(zero.iter_mut()).enumerate() {
                // Never empty: `stride` is the least multiple of 64 covering `cols`.
                let run = g * width..((g + 1) * width).min(cols);
                let grid = quantize_row(&src[run.clone()], &mut row[run], self.unsigned);
                (*scale, *zero) = (grid.scale, grid.zero);
            }
        }
    }
}

/// Quantises `src` into `dst` on the grid its range gives (see [`Grid::of`]); the grid.
fn quantize_row(src: &[f32], dst: &mut [i8], unsigned: bool) -> Grid {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vl")
    {
        // SAFETY: the features were just detected; the lengths are equal.
        return unsafe { quantize_row_avx512(src, dst, unsigned) };
    }
    let grid = Grid::of_values(src, unsigned);
    dst.iter_mut().zip(src).for_each(|(d, &x)| *d = grid.byte(x));
    grid
}

/// [`quantize_row`] 16 lanes at a time (the conversion rounds to nearest even, as
/// [`Grid::byte`] does).
///
/// # Safety
/// The CPU has AVX-512 F, BW and VL; `src.len() == dst.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
unsafe fn quantize_row_avx512(src: &[f32], dst: &mut [i8], unsigned: bool) -> Grid {
    use std::arch::x86_64::*;
    let n = src.len();
    let lanes = |i: usize| -> __mmask16 { (((1u32 << (n - i).min(16)) - 1) & 0xffff) as __mmask16 };
    let (mut min, mut max) = (_mm512_setzero_ps(), _mm512_setzero_ps());
    for i in (0..n).step_by(16) {
        // SAFETY: masked to the lanes left in `src` (the others read 0, inside the range).
        let x = unsafe { _mm512_maskz_loadu_ps(lanes(i), src.as_ptr().add(i)) };
        (min, max) = (_mm512_min_ps(min, x), _mm512_max_ps(max, x));
    }
    let grid = Grid::of((_mm512_reduce_min_ps(min), _mm512_reduce_max_ps(max)), unsigned);
    let inv = _mm512_set1_ps(1.0 / grid.scale);
    let zero = _mm512_set1_ps(grid.zero as f32);
    let (lo, hi) = (_mm512_set1_ps(grid.lo), _mm512_set1_ps(grid.hi));
    for i in (0..n).step_by(16) {
        // SAFETY: masked to the lanes left in `src` and `dst` (equal lengths).
        unsafe {
            let x = _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes(i), src.as_ptr().add(i)), inv);
            let x = _mm512_add_ps(_mm512_roundscale_ps::<0x08>(x), zero);
            // In lo..=hi, so keeping the low byte keeps the value (i8 or u8).
            let q = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(x, lo), hi));
            _mm_mask_storeu_epi8(dst.as_mut_ptr().add(i), lanes(i), _mm512_cvtepi32_epi8(q));
        }
    }
    grid
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
    /// `Σₖ q[k, j]` over each [`GROUP`] of depths, per column: `sum[g · c + j]`, `c` the
    /// columns padded as `scale` (exact integers): what a group's zero point adds, per unit.
    sum: Vec<f32>,
}

impl PackedI8 {
    /// The weight packed for the bf16 products, quantised per column (from its bf16
    /// values: the products' weights are those on every reduced path).
    pub(crate) fn from_bf16(b: &PackedB) -> PackedI8 {
        let (cols, depth) = (b.cols(), b.depth());
        let (kpad, panels) = (pad64(depth), pad32(cols) / 16);
        let mut data = Aligned::zeros(panels * kpad * 16 / 2);
        let mut scale = vec![0f32; pad32(cols)];
        let mut sum = vec![0f32; kpad.div_ceil(GROUP) * pad32(cols)];
        let out = bytes_mut(&mut data);
        let mut column = vec![0f32; depth];
        for (j, s) in scale.iter_mut().enumerate().take(cols) {
            for (kk, v) in column.iter_mut().enumerate() {
                *v = f32::from_bits((b.get(j, kk) as u32) << 16);
            }
            let grid = Grid::of_values(&column, false);
            *s = grid.scale;
            let base = (j / 16) * kpad * 16 + 4 * (j % 16);
            for (kk, &v) in column.iter().enumerate() {
                let q = grid.byte(v);
                out[base + (kk / 4) * 64 + kk % 4] = q;
                sum[(kk / GROUP) * pad32(cols) + j] += f32::from(q);
            }
        }
        PackedI8 { data, cols, kpad, panels, scale, sum }
    }

    /// The first byte of panel `p`.
    fn panel(&self, p: usize) -> *const i8 {
        bytes(&self.data)[p * self.kpad * 16..].as_ptr()
    }
}

/// `dst` (row stride `dst_rs`) = epilogue(`a · b`) for `a.rows` rows and `b.cols()`
/// columns on int8 `path` (the caller checked it runs here; `a` was loaded for it).
/// `threaded` spreads 32-row blocks over the rayon pool.
pub(crate) fn gemm_i8(
    path: KernelPath,
    (dst, dst_rs): (Dst<'_>, usize),
    a: &QRows,
    b: &PackedI8,
    epi: Epilogue<'_>,
    threaded: bool,
) {
    let (m, n) = (a.rows, b.cols);
    if m == 0 || n == 0 {
        return;
    }
    assert!(path.is_int8() && path.supported(), "gemm_i8: {path} does not run here");
    assert_eq!(a.unsigned, path == KernelPath::Int8Avx512, "gemm_i8: rows loaded for another path");
    assert!(a.stride >= b.kpad, "gemm_i8: left operand narrower than the weight's depth");
    assert!(
        !a.unsigned || a.groups == b.kpad.div_ceil(GROUP),
        "gemm_i8: the rows' groups do not match the weight's depth"
    );
    for_row_runs((dst, dst_rs), (m, n), epi, threaded, |blocks, rows| {
        // SAFETY: the asserts here and in `for_row_runs` keep every read inside `a` and `b`
        // (its rows padded to 32, its stride covering the weight's padded depth), the path
        // runs here, and each run writes only its own rows of `dst`.
        unsafe { row_run(path, (rows, dst_rs), (a, blocks, m), b, epi) }
    });
}

/// Row blocks `blocks` (of `m` rows in all), whose rows `rows` holds from the first
/// block's, through every column block, the columns in groups that stay in L2.
///
/// # Safety
/// As [`gemm_i8`] checks.
unsafe fn row_run(
    path: KernelPath,
    (mut rows, dst_rs): (Dst<'_>, usize),
    (a, blocks, m): (&QRows, std::ops::Range<usize>, usize),
    b: &PackedI8,
    epi: Epilogue<'_>,
) {
    let group = (GROUP_BYTES / (b.kpad * 32)).max(1);
    let pairs = b.panels / 2;
    #[cfg(target_arch = "x86_64")]
    if path == KernelPath::Int8Amx {
        // SAFETY: AMX is present and permitted (the caller checked the path).
        unsafe { super::amx::configure() };
    }
    for g in (0..pairs).step_by(group) {
        let cols = g..(g + group).min(pairs);
        for mb in blocks.clone() {
            let valid = (m - mb * 32).min(32);
            let at = (mb - blocks.start) * 32 * dst_rs;
            let left = (a, mb, valid);
            // SAFETY: the caller's guarantees, for one row block.
            unsafe { row_block(path, (&mut rows.tail(at), dst_rs), left, (b, cols.clone()), epi) }
        }
    }
    #[cfg(target_arch = "x86_64")]
    if path == KernelPath::Int8Amx {
        // SAFETY: as above.
        unsafe { super::amx::release() };
    }
}

/// i32 results of one 32 × 32 block, aligned for the tile stores.
#[repr(C, align(64))]
struct IBlock([i32; 1024]);

/// One 32-row block of the product: every 32-column block of `blocks` through the tiles
/// or the VNNI kernel, scaled back to f32 as the epilogue writes it into `rows`.
///
/// # Safety
/// As [`gemm_i8`] checks, with the tiles configured on this thread on AMX.
#[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx512f,avx512bf16"))]
unsafe fn row_block(
    path: KernelPath,
    (rows, dst_rs): (&mut Dst<'_>, usize),
    (a, mb, valid): (&QRows, usize, usize),
    (b, blocks): (&PackedI8, std::ops::Range<usize>),
    epi: Epilogue<'_>,
) {
    let a0 = bytes(&a.data)[mb * 32 * a.stride..].as_ptr();
    for nb in blocks {
        let (p0, p1) = (b.panel(2 * nb), b.panel(2 * nb + 1));
        let (c0, width) = (nb * 32, (b.cols - nb * 32).min(32));
        let col_scale: &[f32; 32] = b.scale[c0..c0 + 32].try_into().expect("32 scales");
        #[cfg(target_arch = "x86_64")]
        if path == KernelPath::Int8Amx {
            let mut acc = IBlock([0; 1024]);
            // SAFETY: the caller guarantees the operands and the path; `acc` is 32 × 32.
            unsafe {
                super::amx::block_i8(
                    (a0, a.stride),
                    (p0, p1),
                    b.kpad / 64,
                    (acc.0.as_mut_ptr(), 128),
                )
            };
            let raw = |i: usize, v: &mut [f32; 32]| {
                let q: &[i32; 32] = acc.0[i * 32..i * 32 + 32].try_into().expect("a row of 32");
                let sa = a.scale[mb * 32 + i];
                for ((v, &q), &sb) in v.iter_mut().zip(q).zip(col_scale) {
                    *v = q as f32 * (sa * sb);
                }
            };
            // SAFETY: the int8 paths run only where AVX-512 F and BF16 are; the block's
            // columns lie inside `rows` (as `gemm_i8` checks).
            unsafe { epilogue_with(rows, dst_rs, valid, (c0, width), epi, raw) };
            continue;
        }
        let mut acc = FBlock([0.0; 1024]);
        #[cfg(target_arch = "x86_64")]
        for sub in 0..4 {
            let r0 = mb * 32 + sub * 8;
            let grids = (&a.scale[r0 * a.groups..], &a.zero[r0 * a.groups..], a.groups);
            let sums = (&b.sum[c0..], pad32(b.cols));
            // SAFETY: the caller guarantees the operands and the path; `acc` is 32 × 32.
            unsafe {
                let at = a0.add(sub * 8 * a.stride);
                let out = acc.0.as_mut_ptr().add(sub * 8 * 32);
                dot_block_i8((at, a.stride), (p0, p1), b.kpad / 4, (grids, sums), out);
            }
        }
        let raw = |i: usize, v: &mut [f32; 32]| {
            let f: &[f32; 32] = acc.0[i * 32..i * 32 + 32].try_into().expect("a row of 32");
            v.iter_mut().zip(f).zip(col_scale).for_each(|((v, &f), &sb)| *v = f * sb);
        };
        // SAFETY: as above.
        unsafe { epilogue_with(rows, dst_rs, valid, (c0, width), epi, raw) };
    }
}

/// f32 results of one 32 × 32 block.
#[repr(C, align(64))]
struct FBlock([f32; 1024]);

/// Row grids (scales, zero points, groups per row) and column sums (from the block's
/// first column, the row length of the sums).
type Grids<'a> = ((&'a [f32], &'a [i32], usize), (&'a [f32], usize));

/// `c` (8 × 32 f32, rows 32 apart) = 8 rows of `a` (u8; rows `a.1` bytes apart) · two
/// packed panels over `quads` depth quads, with `vpdpbusd`: each [`GROUP`] of depths summed
/// in i32, its zero point's share taken off and its scale applied in f32 (the column
/// scales are left to the caller).
///
/// # Safety
/// The CPU has AVX-512 F and VNNI; 8 rows of `4 · quads` bytes of `a`, `64 · quads` bytes
/// of each panel are readable, `grids` hold 8 rows' groups and each group's 32 column sums,
/// and 256 floats of `c` are writable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vnni")]
unsafe fn dot_block_i8(
    (a, a_stride): (*const i8, usize),
    (b0, b1): (*const i8, *const i8),
    quads: usize,
    ((scale, zero, groups), (sum, sum_rs)): Grids<'_>,
    c: *mut f32,
) {
    use std::arch::x86_64::*;
    assert!(scale.len() >= 8 * groups && zero.len() >= 8 * groups, "grids of 8 rows");
    assert!(sum.len() >= (groups - 1) * sum_rs + 32, "column sums of every group");
    let mut out = [[_mm512_setzero_ps(); 2]; 8];
    for g in 0..groups {
        let mut acc = [[_mm512_setzero_si512(); 2]; 8];
        for kq in g * GROUP / 4..((g + 1) * GROUP / 4).min(quads) {
            // SAFETY: within the bounds the caller guarantees; byte quads are read as i32.
            unsafe {
                let w0 = _mm512_loadu_si512(b0.add(kq * 64).cast());
                let w1 = _mm512_loadu_si512(b1.add(kq * 64).cast());
                for (r, acc) in acc.iter_mut().enumerate() {
                    let quad = (a.add(r * a_stride + 4 * kq) as *const i32).read_unaligned();
                    let x = _mm512_set1_epi32(quad);
                    acc[0] = _mm512_dpbusd_epi32(acc[0], x, w0);
                    acc[1] = _mm512_dpbusd_epi32(acc[1], x, w1);
                }
            }
        }
        // SAFETY: asserted above: 32 sums of group `g`.
        let s = unsafe {
            let at = sum.as_ptr().add(g * sum_rs);
            [_mm512_loadu_ps(at), _mm512_loadu_ps(at.add(16))]
        };
        for (r, (acc, out)) in acc.iter().zip(&mut out).enumerate() {
            let (sa, za) = (scale[r * groups + g], zero[r * groups + g] as f32);
            let (sa, za) = (_mm512_set1_ps(sa), _mm512_set1_ps(za));
            for h in 0..2 {
                // Exact: both terms are integers under 2²⁴.
                let d = _mm512_fnmadd_ps(za, s[h], _mm512_cvtepi32_ps(acc[h]));
                out[h] = _mm512_fmadd_ps(d, sa, out[h]);
            }
        }
    }
    for (r, out) in out.iter().enumerate() {
        // SAFETY: `c` holds 8 × 32 floats.
        unsafe {
            _mm512_storeu_ps(c.add(r * 32), out[0]);
            _mm512_storeu_ps(c.add(r * 32 + 16), out[1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_within_half_a_step_of_their_grid() {
        let src: Vec<f32> = (0..3 * 70).map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0).collect();
        // A row GELU could have made: nearly all positive.
        let skewed: Vec<f32> = (0..70).map(|i| (i as f32 * 0.3).sin().max(-0.17) * 3.0).collect();
        let mut q = QRows::default();
        for path in [KernelPath::Int8Amx, KernelPath::Int8Avx512] {
            for (rows, src) in [(3, &src), (1, &skewed)] {
                q.load(path, src, (rows, 70), 70);
                assert_eq!(
                    (q.stride, q.rows, q.unsigned),
                    (128, rows, path != KernelPath::Int8Amx)
                );
                let data = bytes(&q.data);
                for r in 0..rows {
                    let row = &src[r * 70..r * 70 + 70];
                    for (c, &x) in row.iter().enumerate() {
                        // AMX: one grid per row; VNNI: one per 64 depths.
                        let (g, run) = if q.unsigned {
                            (c / 64, c / 64 * 64..70.min(c / 64 * 64 + 64))
                        } else {
                            (0, 0..70)
                        };
                        let (s, z) = (q.scale[r * q.groups + g], q.zero[r * q.groups + g]);
                        let (lo, hi) =
                            row[run].iter().fold((0f32, 0f32), |(a, b), &x| (a.min(x), b.max(x)));
                        let want = if q.unsigned { (hi - lo) / 255.0 } else { hi.max(-lo) / 127.0 };
                        assert!((s - want).abs() < 1e-6, "{path}: scale {s}, want {want}");
                        let b = data[r * 128 + c];
                        let q = if q.unsigned { i32::from(b as u8) } else { i32::from(b) };
                        let back = (q - z) as f32 * s;
                        assert!((back - x).abs() <= s * 0.5 + 1e-5, "{path}: {x} -> {back}");
                    }
                    assert!(data[r * 128 + 70..(r + 1) * 128].iter().all(|&b| b == 0), "padding");
                }
            }
        }
        // The unsigned grid spends its 255 steps on the skewed row's range, not on ±3.
        q.load(KernelPath::Int8Avx512, &skewed, (1, 70), 70);
        assert!(q.scale[0] < 0.7 * 3.0 / 127.0, "{}", q.scale[0]);
        assert_eq!(q.groups, 2);
        // An all-zero row quantises to zeros with scale 1.
        q.load(KernelPath::Int8Amx, &[0.0; 5], (1, 5), 5);
        assert_eq!((q.scale[0], q.zero[0]), (1.0, 0));
    }

    /// On VNNI each 64 depths of a row has its own grid: an outlier coarsens its group only.
    #[test]
    fn an_outlier_coarsens_only_its_own_group() {
        let mut src: Vec<f32> = (0..200).map(|i| ((i * 29 % 61) as f32 - 30.0) / 20.0).collect();
        src[70] = 30.0;
        let mut q = QRows::default();
        q.load(KernelPath::Int8Avx512, &src, (1, 200), 200);
        assert_eq!((q.stride, q.groups), (256, 4));
        let data = bytes(&q.data);
        for g in 0..4 {
            let run = g * GROUP..((g + 1) * GROUP).min(200);
            let (s, z) = (q.scale[g], q.zero[g]);
            let outlier = run.contains(&70);
            assert_eq!(s > 0.1, outlier, "group {g}: scale {s}");
            for c in run {
                let back = (i32::from(data[c] as u8) - z) as f32 * s;
                assert!((back - src[c]).abs() <= s * 0.5 + 1e-5, "{c}: {} -> {back}", src[c]);
            }
        }
        assert!(q.scale[3] > 0.0, "the last, shorter group has its own grid");
    }

    /// The vector and the scalar quantiser make the same bytes and grids.
    #[test]
    fn vector_and_scalar_rows_agree() {
        let src: Vec<f32> = (0..77).map(|i| ((i * 53 % 89) as f32 - 30.0) / 9.0).collect();
        for unsigned in [false, true] {
            let mut a = vec![0i8; 77];
            let grid = quantize_row(&src, &mut a, unsigned);
            let range = src.iter().fold((0f32, 0f32), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            let want = Grid::of(range, unsigned);
            assert_eq!(grid, want);
            let b: Vec<i8> = src.iter().map(|&x| want.byte(x)).collect();
            assert_eq!(a, b, "unsigned {unsigned}");
        }
    }

    #[test]
    fn int8_products_match_f32_within_the_quantisation_error() {
        for path in [KernelPath::Int8Amx, KernelPath::Int8Avx512] {
            if path.supported() {
                products_match(path);
            } else {
                eprintln!("skipped {path}: this CPU lacks {}", path.missing().join(", "));
            }
        }
    }

    fn products_match(path: KernelPath) {
        // Depth 150: three VNNI groups, the last partly padding.
        let (m, k, n) = (45, 150, 70);
        let mut rng = fastrand::Rng::with_seed(5);
        let a: Vec<f32> = (0..m * k).map(|_| rng.f32() - 0.5).collect();
        let w: Vec<f32> = (0..n * k).map(|_| rng.f32() - 0.5).collect();
        let bias: Vec<f32> = (0..n).map(|j| j as f32 / 10.0).collect();
        let packed = PackedI8::from_bf16(&PackedB::weights(&w, n, k, 1.0));
        let mut qa = QRows::default();
        qa.load(path, &a, (m, k), k);
        let mut got = vec![0f32; m * n];
        let epi = Epilogue { bias: Some(&bias), ..Epilogue::default() };
        for threaded in [false, true] {
            gemm_i8(path, (Dst::F32(&mut got), n), &qa, &packed, epi, threaded);
            for i in 0..m {
                for j in 0..n {
                    let want: f32 =
                        bias[j] + (0..k).map(|kk| a[i * k + kk] * w[j * k + kk]).sum::<f32>();
                    // Sums of 150 products of values under 0.5, each operand within half a
                    // step (1/254 of its row's or column's largest magnitude, or 1/510 of
                    // its group's range).
                    assert!((got[i * n + j] - want).abs() < 0.05, "{path} {i},{j}: {want}");
                }
            }
        }
    }
}
