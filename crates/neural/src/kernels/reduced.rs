//! The encoder's inference pass in bf16: weights packed once per encoder
//! ([`PackedLayer`]), activations rounded to bf16 before each product, f32 accumulation,
//! and softmax, layer norm and GELU in f32 — the same computation as the f32 pass in
//! [`super::run_layers`], at bf16 precision for the products' operands.

use std::sync::OnceLock;

use super::aligned::Aligned;
use super::bf16::{gemm, pad32, ARef, BfRows, Dst, Epilogue, PackedB};
use super::int8::{gemm_i8, PackedI8, QRows};
use super::path::KernelPath;
use super::{add_rows, layer_norm, LayerWeights, Shape};
use crate::Error;

/// One layer's weights, packed for the bf16 products.
#[derive(Clone, Debug)]
pub(crate) struct PackedLayer {
    /// Query (pre-scaled by 1/√head width), key and value side by side: `3h` outputs.
    qkv: PackedB,
    qkv_bias: Vec<f32>,
    out: PackedB,
    out_bias: Vec<f32>,
    up: PackedB,
    up_bias: Vec<f32>,
    down: PackedB,
    down_bias: Vec<f32>,
    norms: [Vec<f32>; 4],
    /// The dense weights in int8, made from the bf16 ones on first use of that path.
    int8: OnceLock<Int8Weights>,
}

/// The dense weights the int8 paths run in int8 (see [`int8_layer`]).
#[derive(Clone, Debug)]
struct Int8Weights {
    qkv: PackedI8,
    out: PackedI8,
    up: PackedI8,
}

impl PackedLayer {
    /// The int8 weights (quantised now on first use).
    fn int8(&self) -> &Int8Weights {
        self.int8.get_or_init(|| Int8Weights {
            qkv: PackedI8::from_bf16(&self.qkv),
            out: PackedI8::from_bf16(&self.out),
            up: PackedI8::from_bf16(&self.up),
        })
    }

    /// Packs a layer of hidden width `hidden` with `heads` attention heads.
    pub(crate) fn new(l: &LayerWeights<'_>, hidden: usize, heads: usize) -> Result<Self, Error> {
        let [qw, qb, kw, kb, vw, vb, ow, ob, uw, ub, dw, db, g1, b1, g2, b2] = l.copy()?;
        let (h, ff) = (hidden, ub.len());
        let sizes = [h * h, h, h * h, h, h * h, h, h * h, h, ff * h, ff, h * ff, h, h, h, h, h];
        let all = [&qw, &qb, &kw, &kb, &vw, &vb, &ow, &ob, &uw, &ub, &dw, &db, &g1, &b1, &g2, &b2];
        if all.iter().zip(sizes).any(|(w, n)| w.len() != n) || heads == 0 || h % heads != 0 {
            return Err(Error::Format("encoder layer weights do not match its width".into()));
        }
        let scale = 1.0 / ((h / heads) as f32).sqrt();
        let qkv: Vec<f32> = qw.iter().map(|w| w * scale).chain(kw).chain(vw).collect();
        let qkv_bias: Vec<f32> = qb.iter().map(|b| b * scale).chain(kb).chain(vb).collect();
        Ok(PackedLayer {
            qkv: PackedB::weights(&qkv, 3 * h, h, 1.0),
            qkv_bias,
            out: PackedB::weights(&ow, h, h, 1.0),
            out_bias: ob,
            up: PackedB::weights(&uw, ff, h, 1.0),
            up_bias: ub,
            down: PackedB::weights(&dw, h, ff, 1.0),
            down_bias: db,
            norms: [g1, b1, g2, b2],
            int8: OnceLock::new(),
        })
    }
}

/// The buffers one pass reuses from layer to layer.
#[derive(Default)]
struct Scratch {
    x: BfRows,
    /// The query/key/value rows in bf16, with zeros past the end for the last rows'
    /// padded reads.
    qkv: Aligned,
    scores: Vec<f32>,
    probs: BfRows,
    keys: PackedB,
    values: PackedB,
    ctx: BfRows,
    up: BfRows,
    /// The int8 path's operands: quantised hidden states or attention output, and the
    /// attention output in f32 (quantised before its product).
    q: QRows,
    ctx_f32: Vec<f32>,
}

/// Runs `layers` over hidden states `x` in place on bf16 `path`, as
/// [`super::run_layers`] does in f32 (same arguments).
pub(crate) fn run_layers(
    path: KernelPath,
    x: &mut [f32],
    keep: &[f32],
    s: Shape,
    layers: &[&PackedLayer],
    position: Option<&[f32]>,
    threaded: bool,
) -> Result<(), Error> {
    let (b, t, h) = (s.batch, s.len, s.hidden);
    let rows = b * t;
    assert_eq!(x.len(), rows * h, "hidden states do not match the shape");
    assert_eq!(keep.len(), rows, "mask does not match the shape");
    assert!(position.is_none_or(|p| p.len() == s.heads * t * t), "position bias shape");
    let mut sc = Scratch {
        qkv: Aligned::zeros((pad32(rows) + 32) * 3 * h + pad32(h / s.heads)),
        scores: vec![0f32; t * t],
        ..Scratch::default()
    };
    for l in layers {
        if l.qkv.cols() != 3 * h {
            return Err(Error::Format("encoder layer weights do not match its width".into()));
        }
        if path.is_int8() {
            int8_layer(path, &mut sc, x, (keep, position), s, l, threaded);
            continue;
        }
        let ff = l.up.cols();
        let [g1, b1, g2, b2] = &l.norms;
        sc.x.load(x, rows, h, h);
        let epi = Epilogue { bias: Some(&l.qkv_bias), ..Epilogue::default() };
        gemm(path, Dst::Bf16(&mut sc.qkv), 3 * h, sc.x.view(), &l.qkv, epi, threaded);
        let ctx_rs = sc.ctx.prepare(rows, h);
        for bi in 0..b {
            let keep = &keep[bi * t..(bi + 1) * t];
            attention(path, &mut sc, s, (bi, keep, position), Ctx::Bf16(ctx_rs));
        }
        // The bias joins the residual first, so the tiles start from both.
        add_rows(x, &l.out_bias);
        let epi = Epilogue { bias: None, accumulate: true, gelu: false };
        gemm(path, Dst::F32(x), h, sc.ctx.view(), &l.out, epi, threaded);
        layer_norm(x, g1, b1, s.eps);
        sc.x.load(x, rows, h, h);
        let up_rs = sc.up.prepare(rows, ff);
        let epi = Epilogue { bias: Some(&l.up_bias), accumulate: false, gelu: true };
        gemm(path, Dst::Bf16(sc.up.rows_mut()), up_rs, sc.x.view(), &l.up, epi, threaded);
        add_rows(x, &l.down_bias);
        let epi = Epilogue { bias: None, accumulate: true, gelu: false };
        gemm(path, Dst::F32(x), h, sc.up.view(), &l.down, epi, threaded);
        layer_norm(x, g2, b2, s.eps);
    }
    Ok(())
}

/// One layer on int8 `path`, as the bf16 loop of [`run_layers`] runs it: the query/key/
/// value, attention-output and feed-forward-up products in int8 from quantised rows; the
/// feed-forward-down product (whose input, GELU's output, is the most skewed: a per-row
/// symmetric scale spends half its range on values GELU never gives) and attention's
/// products on the path's bf16 part.
fn int8_layer(
    path: KernelPath,
    sc: &mut Scratch,
    x: &mut [f32],
    (keep, position): (&[f32], Option<&[f32]>),
    s: Shape,
    l: &PackedLayer,
    threaded: bool,
) {
    let (b, t, h) = (s.batch, s.len, s.hidden);
    let rows = b * t;
    let (w, ff) = (l.int8(), l.up.cols());
    let [g1, b1, g2, b2] = &l.norms;
    let bf16 = path.bf16_part();
    sc.q.load(path, x, (rows, h), h);
    let epi = Epilogue { bias: Some(&l.qkv_bias), ..Epilogue::default() };
    gemm_i8(path, (Dst::Bf16(&mut sc.qkv), 3 * h), &sc.q, &w.qkv, epi, threaded);
    sc.ctx_f32.resize(rows * h, 0.0);
    for bi in 0..b {
        let keep = &keep[bi * t..(bi + 1) * t];
        attention(bf16, sc, s, (bi, keep, position), Ctx::F32);
    }
    sc.q.load(path, &sc.ctx_f32, (rows, h), h);
    add_rows(x, &l.out_bias);
    let residual = Epilogue { bias: None, accumulate: true, gelu: false };
    gemm_i8(path, (Dst::F32(x), h), &sc.q, &w.out, residual, threaded);
    layer_norm(x, g1, b1, s.eps);
    sc.q.load(path, x, (rows, h), h);
    // GELU's output goes straight to bf16: the down product reads it there.
    let up_rs = sc.up.prepare(rows, ff);
    let epi = Epilogue { bias: Some(&l.up_bias), accumulate: false, gelu: true };
    gemm_i8(path, (Dst::Bf16(sc.up.rows_mut()), up_rs), &sc.q, &w.up, epi, threaded);
    add_rows(x, &l.down_bias);
    gemm(bf16, Dst::F32(x), h, sc.up.view(), &l.down, residual, threaded);
    layer_norm(x, g2, b2, s.eps);
}

/// Where attention writes each head's output: `sc.ctx` in bf16 (its row stride), or
/// `sc.ctx_f32` (rows of the hidden width).
#[derive(Clone, Copy)]
enum Ctx {
    Bf16(usize),
    F32,
}

/// Self-attention of batch row `bi`, every head, into `ctx`: scores from the bf16 queries
/// and keys, softmax in f32, the probabilities rounded to bf16 times the values. `row` is
/// the batch row, its mask and the position bias.
fn attention(
    path: KernelPath,
    sc: &mut Scratch,
    s: Shape,
    row: (usize, &[f32], Option<&[f32]>),
    ctx: Ctx,
) {
    let (bi, keep, position) = row;
    let (t, h) = (s.len, s.hidden);
    let hd = h / s.heads;
    let base = bi * t * 3 * h;
    for head in 0..s.heads {
        let q = &sc.qkv[base + head * hd..];
        sc.keys.load_rows(&sc.qkv[base + h + head * hd..], (t, hd), 3 * h);
        // Queries read past the head's columns (into the next ones, or the next row)
        // meet the keys' zero padding: they add 0.
        let qv = ARef { data: q, stride: 3 * h, rows: t };
        gemm(path, Dst::F32(&mut sc.scores), t, qv, &sc.keys, Epilogue::default(), false);
        if let Some(p) = position {
            super::add_rows(&mut sc.scores[..t * t], &p[head * t * t..(head + 1) * t * t]);
        }
        sc.probs.load_softmax(&mut sc.scores, keep, t);
        sc.values.load_cols(&sc.qkv[base + 2 * h + head * hd..], (hd, t), 3 * h);
        let (out, rs) = match ctx {
            Ctx::Bf16(rs) => (Dst::Bf16(&mut sc.ctx.rows_mut()[bi * t * rs + head * hd..]), rs),
            Ctx::F32 => (Dst::F32(&mut sc.ctx_f32[bi * t * h + head * hd..]), h),
        };
        gemm(path, out, rs, sc.probs.view(), &sc.values, Epilogue::default(), false);
    }
}
