//! bf16 matrix products with f32 accumulation: the operand layouts and the blocked
//! product, on AMX tiles or AVX-512 BF16 dot products.
//!
//! The left operand ([`BfRows`]) is row-major bf16, its columns padded with zeros to a
//! multiple of 32 and its rows to a multiple of 32. The right operand ([`PackedB`]) is
//! stored as AMX and `vdpbf16ps` both read it: panels of 16 columns, each a run of
//! pair-rows holding, for each column, the two bf16 of consecutive depths `2p, 2p + 1`
//! (64 bytes a pair-row), zero-padded to a multiple of 32 columns and depths. The product
//! walks 32 × 32 output blocks; each block lands in a small f32 buffer, and the epilogue
//! adds the bias, the residual (the destination's old value) and GELU as it writes it.

use rayon::prelude::*;

use super::aligned::Aligned;
use super::path::KernelPath;

/// Rounds up to a multiple of 32.
pub(crate) fn pad32(n: usize) -> usize {
    n.div_ceil(32) * 32
}

/// f32 → bf16, rounding to nearest even (NaN stays NaN).
pub(crate) fn to_bf16(x: f32) -> u16 {
    let b = x.to_bits();
    if x.is_nan() {
        return ((b >> 16) | 0x40) as u16;
    }
    ((b + 0x7fff + ((b >> 16) & 1)) >> 16) as u16
}

/// bf16 → f32 (exact).
#[cfg(test)]
pub(crate) fn from_bf16(x: u16) -> f32 {
    f32::from_bits((x as u32) << 16)
}

/// `dst[i] = bf16(src[i])`, 16 at a time where the CPU has AVX-512 BF16.
pub(crate) fn convert(src: &[f32], dst: &mut [u16]) {
    assert_eq!(src.len(), dst.len(), "convert: lengths differ");
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512bf16")
        && std::arch::is_x86_feature_detected!("avx512f")
    {
        // SAFETY: both features were just detected.
        unsafe { convert_avx512(src, dst) };
        return;
    }
    dst.iter_mut().zip(src).for_each(|(d, &s)| *d = to_bf16(s));
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn convert_avx512(src: &[f32], dst: &mut [u16]) {
    use std::arch::x86_64::*;
    let whole = src.len() / 16 * 16;
    for i in (0..whole).step_by(16) {
        // SAFETY: `i + 16 ≤ len` for both slices (equal lengths, checked by the caller).
        unsafe {
            let v = _mm512_loadu_ps(src.as_ptr().add(i));
            let h: __m256i = std::mem::transmute(_mm512_cvtneps_pbh(v));
            _mm256_storeu_si256(dst.as_mut_ptr().add(i) as *mut __m256i, h);
        }
    }
    for i in whole..src.len() {
        dst[i] = to_bf16(src[i]);
    }
}

/// A left operand: `rows` rows of bf16, `stride` (a multiple of 32) apart, rows padded
/// with zeros to a multiple of 32.
#[derive(Default)]
pub(crate) struct BfRows {
    data: Aligned,
    stride: usize,
    rows: usize,
}

impl BfRows {
    /// Converts `rows × cols` of `src` (row stride `src_rs`) into this buffer, padding
    /// columns and rows with zeros; reuses the buffer's memory.
    pub(crate) fn load(&mut self, src: &[f32], rows: usize, cols: usize, src_rs: usize) {
        assert!(rows == 0 || src.len() >= (rows - 1) * src_rs + cols, "BfRows: source too short");
        let stride = self.prepare(rows, cols);
        for (r, row) in self.data.chunks_exact_mut(stride).take(rows).enumerate() {
            convert(&src[r * src_rs..r * src_rs + cols], &mut row[..cols]);
        }
    }

    /// Shapes the buffer for `rows × cols` with zeros in its padding (the rest is left as
    /// it was, for a product to write); the row stride.
    pub(crate) fn prepare(&mut self, rows: usize, cols: usize) -> usize {
        let stride = pad32(cols);
        let len = pad32(rows) * stride;
        if self.data.len() != len {
            self.data.reset(len);
        }
        (self.stride, self.rows) = (stride, rows);
        if cols < stride {
            for row in self.data.chunks_exact_mut(stride).take(rows) {
                row[cols..].fill(0);
            }
        }
        self.data[rows * stride..].fill(0);
        stride
    }

    /// The rows, for a product to write into (see [`BfRows::prepare`]).
    pub(crate) fn rows_mut(&mut self) -> &mut [u16] {
        &mut self.data
    }

    /// Softmax of each `keep.len()`-wide row of `scores` (`rows` of them) over the
    /// columns `keep` marks (1.0; the others come out 0), rounded into this buffer as
    /// [`BfRows::load`] would round the f32 result; `scores` is overwritten.
    pub(crate) fn load_softmax(&mut self, scores: &mut [f32], keep: &[f32], rows: usize) {
        let cols = keep.len();
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            let kept = kept_masks(keep);
            let scores = &mut scores[..rows * cols];
            if std::arch::is_x86_feature_detected!("avx512bf16")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                let stride = self.prepare(rows, cols);
                for (row, out) in
                    scores.chunks_exact_mut(cols).zip(self.data.chunks_exact_mut(stride))
                {
                    // SAFETY: the features were just detected; `kept` covers the row's
                    // columns and `out` holds at least `cols` elements (stride ≥ cols).
                    unsafe { softmax_bf16_avx512(row, &kept, &mut out[..cols]) };
                }
                return;
            }
            for row in scores.chunks_exact_mut(cols) {
                // SAFETY: AVX-512 F was just detected; `kept` covers the row's columns.
                unsafe { softmax_avx512(row, &kept) };
            }
            self.load(scores, rows, cols, cols);
            return;
        }
        super::masked_softmax(&mut scores[..rows * cols], keep);
        self.load(scores, rows, cols, cols);
    }

    /// The operand as the product reads it.
    pub(crate) fn view(&self) -> ARef<'_> {
        ARef { data: &self.data, stride: self.stride, rows: self.rows }
    }
}

/// `e^x` on 16 lanes: [`super::exp_f32`]'s polynomial.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn exp_avx512(x: std::arch::x86_64::__m512) -> std::arch::x86_64::__m512 {
    use std::arch::x86_64::*;
    let set = _mm512_set1_ps;
    let x = _mm512_min_ps(_mm512_max_ps(x, set(-87.0)), set(88.0));
    let n =
        _mm512_roundscale_ps::<0x09>(_mm512_fmadd_ps(x, set(std::f32::consts::LOG2_E), set(0.5)));
    let r = _mm512_fmadd_ps(n, set(2.121_944_4e-4), _mm512_fnmadd_ps(n, set(0.693_359_4), x));
    let mut p = set(1.987_569_1e-4);
    for c in [1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 0.5] {
        p = _mm512_fmadd_ps(p, r, set(c));
    }
    let y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), set(1.0));
    let e =
        _mm512_slli_epi32::<23>(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)));
    _mm512_mul_ps(y, _mm512_castsi512_ps(e))
}

/// Mask of lanes `i..n` (at most 16).
#[cfg(target_arch = "x86_64")]
fn lanes(n: usize, i: usize) -> u16 {
    (((1u32 << (n - i).min(16)) - 1) & 0xffff) as u16
}

/// One mask per 16 columns of the columns `keep` marks (bit `i` of mask `c`: column
/// `16c + i` has `keep > 0`).
#[cfg(target_arch = "x86_64")]
fn kept_masks(keep: &[f32]) -> Vec<u16> {
    let bit = |(i, &v): (usize, &f32)| u16::from(v > 0.0) << i;
    keep.chunks(16).map(|k| k.iter().enumerate().map(bit).fold(0, |m, b| m | b)).collect()
}

/// The first two passes of a softmax over the columns `kept` marks: `row` becomes its
/// exponentials (0 where not kept), and the scale that normalises them is returned.
///
/// # Safety
/// The CPU has AVX-512 F; `kept.len() * 16 >= row.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn exponentials(row: &mut [f32], kept: &[u16]) -> std::arch::x86_64::__m512 {
    use std::arch::x86_64::*;
    let n = row.len();
    let mut max = _mm512_set1_ps(f32::MIN);
    // SAFETY (all loads and stores below): masked to the `n - i` lanes left in the slice.
    for i in (0..n).step_by(16) {
        let k = kept[i / 16] & lanes(n, i);
        let x = unsafe { _mm512_maskz_loadu_ps(k, row.as_ptr().add(i)) };
        max = _mm512_mask_max_ps(max, k, max, x);
    }
    let max = _mm512_set1_ps(_mm512_reduce_max_ps(max));
    let mut sum = _mm512_setzero_ps();
    for i in (0..n).step_by(16) {
        let x = unsafe { _mm512_maskz_loadu_ps(lanes(n, i), row.as_ptr().add(i)) };
        let e = _mm512_maskz_mov_ps(kept[i / 16], exp_avx512(_mm512_sub_ps(x, max)));
        sum = _mm512_add_ps(sum, e);
        unsafe { _mm512_mask_storeu_ps(row.as_mut_ptr().add(i), lanes(n, i), e) };
    }
    let total = _mm512_reduce_add_ps(sum);
    _mm512_set1_ps(if total > 0.0 { 1.0 / total } else { 0.0 })
}

/// Softmax of `row` over the columns `kept` marks ([`kept_masks`]), in place, 16 lanes at
/// a time.
///
/// # Safety
/// The CPU has AVX-512 F; `kept.len() * 16 >= row.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn softmax_avx512(row: &mut [f32], kept: &[u16]) {
    use std::arch::x86_64::*;
    let n = row.len();
    // SAFETY: as the caller's.
    let inv = unsafe { exponentials(row, kept) };
    for i in (0..n).step_by(16) {
        // SAFETY: masked to the `n - i` lanes left in the slice.
        unsafe {
            let x = _mm512_maskz_loadu_ps(lanes(n, i), row.as_ptr().add(i));
            _mm512_mask_storeu_ps(row.as_mut_ptr().add(i), lanes(n, i), _mm512_mul_ps(x, inv));
        }
    }
}

/// Softmax of `row` over the columns `kept` marks ([`kept_masks`]), each probability
/// rounded to bf16 into `out` in the same pass that scales it — the values and rounding of
/// [`softmax_avx512`] followed by [`convert`], one pass fewer; `row` keeps the unscaled
/// exponentials.
///
/// # Safety
/// The CPU has AVX-512 F, BW, VL and BF16; `kept.len() * 16 >= row.len()` and
/// `out.len() == row.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512bf16")]
unsafe fn softmax_bf16_avx512(row: &mut [f32], kept: &[u16], out: &mut [u16]) {
    use std::arch::x86_64::*;
    let n = row.len();
    // SAFETY: as the caller's.
    let inv = unsafe { exponentials(row, kept) };
    for i in (0..n).step_by(16) {
        // SAFETY: masked to the `n - i` lanes left in both slices.
        unsafe {
            let x = _mm512_maskz_loadu_ps(lanes(n, i), row.as_ptr().add(i));
            let h: __m256i = std::mem::transmute(_mm512_cvtneps_pbh(_mm512_mul_ps(x, inv)));
            _mm256_mask_storeu_epi16(out.as_mut_ptr().add(i) as *mut i16, lanes(n, i), h);
        }
    }
}

/// A left operand as the product reads it: `rows` rows `stride` elements apart, each
/// read as far as the right operand's padded depth; rows up to the next multiple of 32
/// are read too (their products are not written).
#[derive(Clone, Copy)]
pub(crate) struct ARef<'a> {
    /// The elements, from the first row's first column.
    pub data: &'a [u16],
    /// Elements between rows.
    pub stride: usize,
    /// Rows whose products are written.
    pub rows: usize,
}

/// A right operand `B` (`depth × cols`), packed in 16-column panels of depth pairs.
#[derive(Clone, Debug, Default)]
pub(crate) struct PackedB {
    data: Aligned,
    cols: usize,
    depth: usize,
    /// Depth padded to a multiple of 32.
    kpad: usize,
    /// Panels of 16 columns (an even number).
    panels: usize,
}

impl PackedB {
    /// Packs `B[kk][j] = get(j, kk)` for `cols` columns and `depth` depths, reusing the
    /// buffer's memory.
    fn fill(&mut self, cols: usize, depth: usize, get: impl Fn(usize, usize) -> u16) {
        let (kpad, panels) = (pad32(depth), pad32(cols) / 16);
        self.data.reset(panels * kpad * 16);
        (self.cols, self.depth, self.kpad, self.panels) = (cols, depth, kpad, panels);
        for j in 0..cols {
            let base = (j / 16) * kpad * 16 + 2 * (j % 16);
            for kk in 0..depth {
                self.data[base + (kk / 2) * 32 + (kk % 2)] = get(j, kk);
            }
        }
    }

    /// The product's right operand `Wᵀ` of a dense layer's weight `w` (`out × in`,
    /// row-major), each weight multiplied by `scale` before rounding.
    pub(crate) fn weights(w: &[f32], out: usize, inp: usize, scale: f32) -> PackedB {
        assert_eq!(w.len(), out * inp, "PackedB::weights: shape");
        let mut p = PackedB::default();
        p.fill(out, inp, |j, kk| to_bf16(w[j * inp + kk] * scale));
        p
    }

    /// Shapes the buffer for `cols × depth` (its memory reused; contents left as they
    /// were, for a loader to overwrite every element).
    fn shape(&mut self, cols: usize, depth: usize) {
        let (kpad, panels) = (pad32(depth), pad32(cols) / 16);
        self.data.resize(panels * kpad * 16);
        (self.cols, self.depth, self.kpad, self.panels) = (cols, depth, kpad, panels);
    }

    /// Packs `B[kk][j] = src[j · rs + kk]` from bf16 data: each column of `B` is a row of
    /// `src` (attention's keys, read in place from the query/key/value rows).
    pub(crate) fn load_rows(&mut self, src: &[u16], (cols, depth): (usize, usize), rs: usize) {
        self.shape(cols, depth);
        let kpad = self.kpad;
        let mut first = 0;
        #[cfg(target_arch = "x86_64")]
        if depth % 2 == 0 && std::arch::is_x86_feature_detected!("avx512f") {
            let whole = cols / 16;
            assert!(whole == 0 || src.len() >= (whole * 16 - 1) * rs + depth, "load_rows: short");
            assert!(cols * rs < i32::MAX as usize, "load_rows: too large to index");
            // SAFETY: AVX-512 F was just detected; the panels gathered lie inside `src`.
            unsafe { self.gather_rows(src, whole, rs) };
            first = whole * 16;
        }
        for j in first..self.panels * 16 {
            let base = (j / 16) * kpad * 16 + 2 * (j % 16);
            let row = if j < cols { &src[j * rs..j * rs + depth] } else { &[][..] };
            for kk in 0..kpad {
                self.data[base + (kk / 2) * 32 + (kk % 2)] = row.get(kk).copied().unwrap_or(0);
            }
        }
    }

    /// [`PackedB::load_rows`]'s first `whole` panels (16 whole rows each, an even depth):
    /// one gather of 16 depth pairs per pair-row.
    ///
    /// # Safety
    /// The CPU has AVX-512 F; rows `0..16 · whole` of `depth` elements, `rs` apart, lie
    /// inside `src`, and their indexes fit `i32`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn gather_rows(&mut self, src: &[u16], whole: usize, rs: usize) {
        use std::arch::x86_64::*;
        let (kpad, pairs) = (self.kpad, self.depth / 2);
        let step = _mm512_set1_epi32(2);
        for p in 0..whole {
            let rows: [i32; 16] = std::array::from_fn(|c| ((p * 16 + c) * rs) as i32);
            // SAFETY: `rows` is 16 i32.
            let mut at = unsafe { _mm512_loadu_si512(rows.as_ptr() as *const __m512i) };
            for kp in 0..kpad / 2 {
                let out = self.data[(p * kpad + 2 * kp) * 16..][..32].as_mut_ptr();
                // SAFETY: the indexes stay inside the rows the caller guarantees (pairs
                // below `depth / 2`); the store writes the 32 elements of `out`.
                unsafe {
                    let v = if kp < pairs {
                        _mm512_i32gather_epi32::<2>(at, src.as_ptr() as *const i32)
                    } else {
                        _mm512_setzero_si512()
                    };
                    _mm512_storeu_si512(out as *mut __m512i, v);
                }
                at = _mm512_add_epi32(at, step);
            }
        }
    }

    /// Packs `B[kk][j] = src[kk · rs + j]` from bf16 data: each row of `B` is a row of
    /// `src` (attention's values, read in place from the query/key/value rows).
    pub(crate) fn load_cols(&mut self, src: &[u16], (cols, depth): (usize, usize), rs: usize) {
        self.shape(cols, depth);
        let kpad = self.kpad;
        let zeros = [0u16; 16];
        for p in 0..self.panels {
            let j0 = p * 16;
            let width = cols.saturating_sub(j0).min(16);
            let row = |kk: usize| -> &[u16] {
                if kk < depth && width > 0 {
                    &src[kk * rs + j0..kk * rs + j0 + width]
                } else {
                    &[]
                }
            };
            for kp in 0..kpad / 2 {
                let (r0, r1) = (row(2 * kp), row(2 * kp + 1));
                let out = &mut self.data[(p * kpad + 2 * kp) * 16..][..32];
                if r0.len() == 16 && r1.len() == 16 {
                    for c in 0..16 {
                        out[2 * c] = r0[c];
                        out[2 * c + 1] = r1[c];
                    }
                } else {
                    let (r0, r1) = (r0.iter().chain(&zeros), r1.iter().chain(&zeros));
                    for (c, (x, y)) in r0.zip(r1).take(16).enumerate() {
                        out[2 * c] = *x;
                        out[2 * c + 1] = *y;
                    }
                }
            }
        }
    }

    /// Columns.
    pub(crate) fn cols(&self) -> usize {
        self.cols
    }

    /// Depth (rows of `B`).
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// `B[kk][j]` as packed (bf16 bits).
    pub(crate) fn get(&self, j: usize, kk: usize) -> u16 {
        self.data[(j / 16) * self.kpad * 16 + 2 * (j % 16) + (kk / 2) * 32 + kk % 2]
    }

    /// The first element of panel `p`.
    fn panel(&self, p: usize) -> *const u16 {
        self.data[p * self.kpad * 16..].as_ptr()
    }
}

/// Where a product's results go: f32, or bf16 (rounded to nearest even).
pub(crate) enum Dst<'a> {
    /// f32 results.
    F32(&'a mut [f32]),
    /// bf16 results (the epilogue may not accumulate into them).
    Bf16(&'a mut [u16]),
}

impl<'a> Dst<'a> {
    pub(super) fn len(&self) -> usize {
        match self {
            Dst::F32(d) => d.len(),
            Dst::Bf16(d) => d.len(),
        }
    }

    /// Its elements from `at` on, borrowed.
    pub(super) fn tail(&mut self, at: usize) -> Dst<'_> {
        match self {
            Dst::F32(d) => Dst::F32(&mut d[at..]),
            Dst::Bf16(d) => Dst::Bf16(&mut d[at..]),
        }
    }

    /// The first `count` pieces of `size` elements (the last may be shorter).
    pub(super) fn chunks(self, size: usize, count: usize) -> Vec<Dst<'a>> {
        match self {
            Dst::F32(d) => d.chunks_mut(size).take(count).map(Dst::F32).collect(),
            Dst::Bf16(d) => d.chunks_mut(size).take(count).map(Dst::Bf16).collect(),
        }
    }
}

/// What the product does with each result before writing it.
#[derive(Clone, Copy, Default)]
pub(crate) struct Epilogue<'a> {
    /// Added per column.
    pub bias: Option<&'a [f32]>,
    /// Add the destination's old value (a residual connection).
    pub accumulate: bool,
    /// Apply GELU last.
    pub gelu: bool,
}

/// `dst` (row stride `dst_rs`) = epilogue(`a · b`) for `a.rows` rows and `b.cols()`
/// columns, on `path` (a bf16 path the CPU runs). `threaded` spreads 32-row blocks over
/// the rayon pool.
pub(crate) fn gemm(
    path: KernelPath,
    dst: Dst<'_>,
    dst_rs: usize,
    a: ARef<'_>,
    b: &PackedB,
    epi: Epilogue<'_>,
    threaded: bool,
) {
    let (m, n) = (a.rows, b.cols);
    if m == 0 || n == 0 {
        return;
    }
    assert!(path != KernelPath::Fp32 && path.supported(), "gemm: {path} does not run here");
    assert!(a.data.len() >= (pad32(m) - 1) * a.stride + b.kpad, "gemm: left operand too short");
    for_row_runs((dst, dst_rs), (m, n), epi, threaded, |blocks, rows| {
        // SAFETY: the asserts here and in `for_row_runs` keep every read inside `a` and
        // `b`, the path runs on this CPU, and each run writes only its own rows of `dst`.
        unsafe { row_run(path, (rows, dst_rs), (a, blocks, m), b, epi) }
    });
}

/// Checks that `dst` (row stride `dst_rs`) holds an `m × n` product and that `epi` fits
/// it, then calls `run(row blocks, their rows of dst)` for runs of whole 32-row blocks,
/// one run per thread of the rayon pool when `threaded`.
pub(super) fn for_row_runs(
    (dst, dst_rs): (Dst<'_>, usize),
    (m, n): (usize, usize),
    epi: Epilogue<'_>,
    threaded: bool,
    run: impl Fn(std::ops::Range<usize>, Dst<'_>) + Sync,
) {
    assert!(dst.len() >= (m - 1) * dst_rs + n, "product: destination too short");
    if let Some(bias) = epi.bias {
        assert!(bias.len() >= n, "product: bias too short");
    }
    assert!(
        !(epi.accumulate && matches!(dst, Dst::Bf16(_))),
        "product: bf16 results cannot accumulate"
    );
    let mblocks = m.div_ceil(32);
    // Each thread takes a run of whole 32-row blocks.
    let per = if threaded { mblocks.div_ceil(rayon::current_num_threads()) } else { mblocks };
    let run = |(i, rows): (usize, Dst<'_>)| run(i * per..((i + 1) * per).min(mblocks), rows);
    let runs = dst.chunks(32 * per * dst_rs, mblocks.div_ceil(per));
    if threaded && runs.len() > 1 {
        runs.into_par_iter().enumerate().for_each(run);
    } else {
        runs.into_iter().enumerate().for_each(run);
    }
}

/// Bytes of packed right operand a group of column blocks may take, so that the group
/// stays in the core's L2 cache while every row block of the run passes over it (the
/// whole operand of a large encoder's layer does not fit).
pub(super) const GROUP_BYTES: usize = 512 * 1024;

/// Row blocks `blocks` (of `m` rows in all), whose rows `rows` holds from the first
/// block's, through every column block: the columns in groups that fit in L2, each group
/// over every row block in turn.
///
/// # Safety
/// As [`gemm`] checks.
unsafe fn row_run(
    path: KernelPath,
    (mut rows, dst_rs): (Dst<'_>, usize),
    (a, blocks, m): (ARef<'_>, std::ops::Range<usize>, usize),
    b: &PackedB,
    epi: Epilogue<'_>,
) {
    let group = (GROUP_BYTES / (b.kpad * 64)).max(1);
    let pairs = b.panels / 2;
    #[cfg(target_arch = "x86_64")]
    if path == KernelPath::Bf16Amx {
        // SAFETY: the path is supported: AMX is present and permitted. Once per run, not
        // per block: loading the configuration costs as much as a small block's products.
        unsafe { super::amx::configure() };
    }
    for g in (0..pairs).step_by(group) {
        let cols = g..(g + group).min(pairs);
        for mb in blocks.clone() {
            let valid = (m - mb * 32).min(32);
            let at = (mb - blocks.start) * 32 * dst_rs;
            let mut block_rows = rows.tail(at);
            let left = (a, mb, valid);
            // SAFETY: the caller's guarantees, for one row block.
            unsafe { row_block(path, (&mut block_rows, dst_rs), left, (b, cols.clone()), epi) }
        }
    }
    #[cfg(target_arch = "x86_64")]
    if path == KernelPath::Bf16Amx {
        // SAFETY: as above.
        unsafe { super::amx::release() };
    }
}

/// One 32-row block of the product: every 32-column block through the kernel, then the
/// epilogue into `rows`.
///
/// # Safety
/// As [`gemm`] checks: `a` holds 32 readable rows from block `mb`, `path` runs here, and on
/// AMX the tiles are configured on this thread ([`super::amx::configure`]).
#[allow(clippy::too_many_arguments)]
#[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx512f,avx512bf16"))]
unsafe fn row_block(
    path: KernelPath,
    (rows, dst_rs): (&mut Dst<'_>, usize),
    (a, mb, valid): (ARef<'_>, usize, usize),
    (b, blocks): (&PackedB, std::ops::Range<usize>),
    epi: Epilogue<'_>,
) {
    let mut acc = Block([0f32; 1024]);
    let a0 = a.data[mb * 32 * a.stride..].as_ptr();
    for nb in blocks {
        let (p0, p1) = (b.panel(2 * nb), b.panel(2 * nb + 1));
        let (c0, width) = (nb * 32, (b.cols - nb * 32).min(32));
        #[cfg(target_arch = "x86_64")]
        if path == KernelPath::Bf16Amx && valid == 32 && width == 32 {
            // SAFETY: as below; a whole block lies inside `rows`.
            let out = (&mut *rows, dst_rs, c0);
            unsafe { amx_whole((a0, a.stride * 2), (p0, p1), b.kpad / 32, out, &mut acc, epi) };
            continue;
        }
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the caller guarantees the operands; `acc` is 32 × 32.
        unsafe {
            match path {
                KernelPath::Bf16Amx => {
                    let c = (acc.0.as_mut_ptr(), 128);
                    super::amx::block((a0, a.stride * 2), (p0, p1), b.kpad / 32, None, c)
                }
                _ => {
                    // Rows 0–11, 12–23 and 24–31: 24 accumulators of the 32 registers in
                    // the first two (fewer loads per product than 8 rows at a time).
                    let (pairs, at) = (b.kpad / 2, |r: usize| a0.add(r * a.stride));
                    let c = acc.0.as_mut_ptr();
                    let out = |r: usize| c.add(r * 32);
                    dot_block::<12>(at(0), a.stride, p0, p1, pairs, out(0));
                    dot_block::<12>(at(12), a.stride, p0, p1, pairs, out(12));
                    dot_block::<8>(at(24), a.stride, p0, p1, pairs, out(24));
                }
            }
        }
        // SAFETY: bf16 paths run only where AVX-512 F and BF16 are.
        unsafe { epilogue(&acc.0, rows, dst_rs, valid, (c0, width), epi) };
    }
}

/// One whole 32 × 32 block on AMX, its epilogue done by the tiles where it can be: the
/// accumulators start from the destination (a residual) or from the bias (a row read 32
/// times), and f32 results are stored straight into the destination; bf16 results pass
/// through a block buffer, with GELU where asked.
///
/// # Safety
/// As [`row_block`], and the block's 32 rows and columns from `c0` lie inside `rows`.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn amx_whole(
    a: (*const u16, usize),
    b: (*const u16, *const u16),
    steps: usize,
    (rows, dst_rs, c0): (&mut Dst<'_>, usize, usize),
    acc: &mut Block,
    epi: Epilogue<'_>,
) {
    let bias = epi.bias.map(|bias| (bias[c0..].as_ptr(), 0));
    match rows {
        Dst::F32(d) if !(epi.gelu || epi.accumulate && epi.bias.is_some()) => {
            let c = d[c0..].as_mut_ptr();
            let init = if epi.accumulate { Some((c as *const f32, dst_rs * 4)) } else { bias };
            // SAFETY: the caller guarantees the operands and the block.
            unsafe { super::amx::block(a, b, steps, init, (c, dst_rs * 4)) };
        }
        Dst::Bf16(d) => {
            // SAFETY: the caller guarantees the operands; `acc` is 32 × 32.
            unsafe { super::amx::block(a, b, steps, bias, (acc.0.as_mut_ptr(), 128)) };
            for (i, src) in acc.0.chunks_exact_mut(32).enumerate() {
                if epi.gelu {
                    src.iter_mut().for_each(|x| *x = gelu_one(*x));
                }
                // SAFETY: the features are enabled here.
                unsafe { convert_avx512(src, &mut d[i * dst_rs + c0..i * dst_rs + c0 + 32]) };
            }
        }
        Dst::F32(_) => {
            // SAFETY: as above.
            unsafe { super::amx::block(a, b, steps, None, (acc.0.as_mut_ptr(), 128)) };
            unsafe { epilogue(&acc.0, rows, dst_rs, 32, (c0, 32), epi) };
        }
    }
}

/// GELU (erf form) of one value.
#[inline(always)]
fn gelu_one(x: f32) -> f32 {
    0.5 * x * (1.0 + super::erf_f32(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// A 32 × 32 f32 block, aligned for the tile stores.
#[repr(C, align(64))]
struct Block([f32; 1024]);

/// Writes `acc`'s first `valid` rows and `cols.1` columns into `rows` at column `cols.0`.
///
/// # Safety
/// The CPU has AVX-512 F and BF16 (every bf16 path needs them).
#[inline]
#[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx512f,avx512bf16"))]
unsafe fn epilogue(
    acc: &[f32; 1024],
    rows: &mut Dst<'_>,
    dst_rs: usize,
    valid: usize,
    cols: (usize, usize),
    epi: Epilogue<'_>,
) {
    let raw = |i: usize, v: &mut [f32; 32]| v.copy_from_slice(&acc[i * 32..i * 32 + 32]);
    // SAFETY: the caller guarantees the features.
    unsafe { epilogue_with(rows, dst_rs, valid, cols, epi, raw) }
}

/// The epilogue of a block whose row `i` of raw results `raw(i, row)` writes (32 values,
/// those past `cols.1` ignored): bias, GELU, then the row stored, added or rounded into
/// `rows` at column `cols.0`, one pass per row.
///
/// # Safety
/// As [`epilogue`].
#[inline]
#[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx512f,avx512bf16"))]
pub(super) unsafe fn epilogue_with(
    rows: &mut Dst<'_>,
    dst_rs: usize,
    valid: usize,
    (c0, width): (usize, usize),
    epi: Epilogue<'_>,
    raw: impl Fn(usize, &mut [f32; 32]),
) {
    let mut bias = [0f32; 32];
    if let Some(b) = epi.bias {
        bias[..width].copy_from_slice(&b[c0..c0 + width]);
    }
    let mut row = [0f32; 32];
    for i in 0..valid {
        raw(i, &mut row);
        row.iter_mut().zip(&bias).for_each(|(v, b)| *v += b);
        if epi.gelu {
            row.iter_mut().for_each(|x| *x = gelu_one(*x));
        }
        let vals = &row[..width];
        let at = i * dst_rs + c0..i * dst_rs + c0 + width;
        match rows {
            Dst::F32(d) if epi.accumulate => d[at].iter_mut().zip(vals).for_each(|(o, v)| *o += v),
            Dst::F32(d) => d[at].copy_from_slice(vals),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the caller guarantees the features.
            Dst::Bf16(d) => unsafe { convert_avx512(vals, &mut d[at]) },
            #[cfg(not(target_arch = "x86_64"))]
            Dst::Bf16(d) => convert(vals, &mut d[at]),
        }
    }
}

/// `c` (8 × 32 f32, rows 32 apart) = 8 rows of `a` (`a_stride` apart) · two packed
/// panels, over `pairs` depth pairs, with `vdpbf16ps`.
///
/// # Safety
/// The CPU has AVX-512 F and BF16; 8 rows of `2 · pairs` elements of `a`, `32 · pairs`
/// of each panel are readable, and 256 floats of `c` writable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn dot_block<const R: usize>(
    a: *const u16,
    a_stride: usize,
    b0: *const u16,
    b1: *const u16,
    pairs: usize,
    c: *mut f32,
) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm512_setzero_ps(); 2]; R];
    for kp in 0..pairs {
        // SAFETY: within the bounds the caller guarantees; bf16 pairs are read as i32.
        unsafe {
            let w0: __m512bh = std::mem::transmute(_mm512_loadu_ps(b0.add(kp * 32) as *const f32));
            let w1: __m512bh = std::mem::transmute(_mm512_loadu_ps(b1.add(kp * 32) as *const f32));
            for (r, acc) in acc.iter_mut().enumerate() {
                let pair = (a.add(r * a_stride + 2 * kp) as *const i32).read_unaligned();
                let x: __m512bh = std::mem::transmute(_mm512_set1_epi32(pair));
                acc[0] = _mm512_dpbf16_ps(acc[0], x, w0);
                acc[1] = _mm512_dpbf16_ps(acc[1], x, w1);
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        // SAFETY: `c` holds 8 × 32 floats.
        unsafe {
            _mm512_storeu_ps(c.add(r * 32), acc[0]);
            _mm512_storeu_ps(c.add(r * 32 + 16), acc[1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rand(n: usize, seed: u64) -> Vec<f32> {
        let mut r = fastrand::Rng::with_seed(seed);
        (0..n).map(|_| r.f32() * 2.0 - 1.0).collect()
    }

    #[test]
    fn rounding_is_to_nearest_even() {
        assert_eq!(to_bf16(1.0), 0x3f80);
        assert_eq!(from_bf16(to_bf16(1.0 + 1.0 / 256.0)), 1.0, "a tie rounds to even");
        assert_eq!(from_bf16(to_bf16(1.0 + 3.0 / 256.0)), 1.0 + 4.0 / 256.0);
        assert!(from_bf16(to_bf16(f32::NAN)).is_nan());
        let src = rand(37, 1);
        let mut fast = vec![0u16; 37];
        convert(&src, &mut fast);
        assert_eq!(fast, src.iter().map(|&x| to_bf16(x)).collect::<Vec<_>>());
    }

    #[test]
    fn softmax_matches_the_f32_pass() {
        for cols in [1, 5, 16, 17, 40] {
            let mut scores = rand(3 * cols, 6);
            scores.iter_mut().for_each(|x| *x *= 30.0);
            let keep: Vec<f32> = (0..cols).map(|j| f32::from(j % 3 != 1 || cols == 1)).collect();
            let mut want = scores.clone();
            super::super::masked_softmax(&mut want, &keep);
            let mut rows = BfRows::default();
            rows.load_softmax(&mut scores, &keep, 3);
            let want16: Vec<u16> = want.iter().map(|&x| to_bf16(x)).collect();
            for r in 0..3 {
                let got = &rows.data[r * rows.stride..r * rows.stride + cols];
                let close = got.iter().zip(&want16[r * cols..]).all(|(a, b)| a.abs_diff(*b) <= 1);
                assert!(close, "{cols} columns, row {r}");
                assert!(rows.data[r * rows.stride + cols..(r + 1) * rows.stride]
                    .iter()
                    .all(|&x| x == 0));
            }
        }
    }

    /// Both AVX-512 softmax passes (f32, and rounded to bf16 as it scales) give the f32
    /// pass's probabilities, and the bf16 one rounds them as `convert` does; skipped,
    /// saying so, on a CPU without the features.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn avx512_softmaxes_match_the_f32_pass() {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            eprintln!("skipped: this CPU lacks AVX-512 F");
            return;
        }
        let bf16 = std::arch::is_x86_feature_detected!("avx512bf16")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl");
        for cols in [1, 5, 16, 17, 40] {
            let mut row: Vec<f32> = rand(cols, 9).iter().map(|x| x * 30.0).collect();
            let keep: Vec<f32> = (0..cols).map(|j| f32::from(j % 3 != 1 || cols == 1)).collect();
            let mut want = row.clone();
            super::super::masked_softmax(&mut want, &keep);
            let kept = kept_masks(&keep);
            let mut exps = row.clone();
            // SAFETY: AVX-512 F was detected; `kept` covers the columns.
            unsafe { softmax_avx512(&mut row, &kept) };
            for (got, want) in row.iter().zip(&want) {
                assert!((got - want).abs() < 1e-6, "{cols} columns: {got} vs {want}");
            }
            if !bf16 {
                eprintln!("skipped the bf16 softmax: this CPU lacks AVX-512 BF16/BW/VL");
                continue;
            }
            let mut out = vec![0u16; cols];
            // SAFETY: the features were detected; `kept` covers the columns.
            unsafe { softmax_bf16_avx512(&mut exps, &kept, &mut out) };
            let mut rounded = vec![0u16; cols];
            convert(&row, &mut rounded);
            assert_eq!(out, rounded, "{cols} columns");
        }
    }

    /// Packing a matrix's rows or its columns in place gives what packing the weights
    /// gives, padding included, whatever the buffer held before.
    #[test]
    fn loaders_pack_as_weights_do() {
        let mut keys = PackedB::default();
        let mut values = PackedB::default();
        for (cols, depth, rs) in [(5, 3, 7), (40, 33, 41), (16, 32, 96), (33, 17, 50)] {
            let src: Vec<f32> = rand(cols.max(depth) * rs, 5);
            let bf: Vec<u16> = src.iter().map(|&x| to_bf16(x)).collect();
            // Columns of B are rows of src.
            let w: Vec<f32> = (0..cols)
                .flat_map(|j| (0..depth).map(move |k| (j, k)))
                .map(|(j, k)| src[j * rs + k])
                .collect();
            keys.load_rows(&bf, (cols, depth), rs);
            assert_eq!(keys.data, PackedB::weights(&w, cols, depth, 1.0).data);
            // Rows of B are rows of src.
            let w: Vec<f32> = (0..cols)
                .flat_map(|j| (0..depth).map(move |k| (j, k)))
                .map(|(j, k)| src[k * rs + j])
                .collect();
            values.load_cols(&bf, (cols, depth), rs);
            assert_eq!(values.data, PackedB::weights(&w, cols, depth, 1.0).data);
        }
    }

    /// Every bf16 path this CPU runs computes the product of the bf16-rounded operands
    /// (f32 accumulation) for shapes that are not multiples of the blocks; the others
    /// are skipped, saying so.
    #[test]
    fn products_match_rounded_reference() {
        for path in [KernelPath::Bf16Avx512, KernelPath::Bf16Amx] {
            if !path.supported() {
                eprintln!("skipping {path}: this CPU lacks {}", path.missing().join(", "));
                continue;
            }
            for (m, n, k) in [(1, 1, 1), (33, 47, 70), (64, 32, 32), (5, 100, 384)] {
                let (a, w, bias) = (rand(m * k, 2), rand(n * k, 3), rand(n, 4));
                let mut rows = BfRows::default();
                rows.load(&a, m, k, k);
                let packed = PackedB::weights(&w, n, k, 1.0);
                for threaded in [false, true] {
                    let mut dst = vec![0.5f32; m * (n + 3)];
                    let epi = Epilogue { bias: Some(&bias), accumulate: true, gelu: false };
                    gemm(path, Dst::F32(&mut dst), n + 3, rows.view(), &packed, epi, threaded);
                    for i in 0..m {
                        for j in 0..n {
                            let want: f32 = 0.5
                                + bias[j]
                                + (0..k)
                                    .map(|kk| {
                                        from_bf16(to_bf16(a[i * k + kk]))
                                            * from_bf16(to_bf16(w[j * k + kk]))
                                    })
                                    .sum::<f32>();
                            let got = dst[i * (n + 3) + j];
                            assert!((got - want).abs() < 1e-3, "{path} {m}x{n}x{k} ({i},{j})");
                        }
                        assert_eq!(dst[i * (n + 3) + n], 0.5, "columns past the product kept");
                    }
                }
            }
        }
    }
}
