//! Pieces shared by the fine-tuning loops: learning-rate schedule and seeded dropout.

use candle_core::{Device, Tensor};

use crate::Error;

/// Linear warm-up over `warmup` steps, then linear decay to zero at `total`.
pub fn lr_scale(step: usize, warmup: usize, total: usize) -> f64 {
    if step < warmup {
        (step + 1) as f64 / warmup as f64
    } else {
        total.saturating_sub(step) as f64 / total.saturating_sub(warmup).max(1) as f64
    }
}

/// Inverted dropout with a seeded generator (candle's own draws from an unseeded one).
pub fn dropout(x: &Tensor, p: f32, rng: &mut fastrand::Rng) -> Result<Tensor, Error> {
    if p <= 0.0 {
        return Ok(x.clone());
    }
    let keep: Vec<f32> =
        (0..x.elem_count()).map(|_| if rng.f32() < p { 0.0 } else { 1.0 / (1.0 - p) }).collect();
    Ok((x * Tensor::from_vec(keep, x.dims(), &Device::Cpu)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_rises_then_falls_to_zero() {
        assert!((lr_scale(0, 10, 100) - 0.1).abs() < 1e-9);
        assert!((lr_scale(9, 10, 100) - 1.0).abs() < 1e-9);
        assert!((lr_scale(10, 10, 100) - 1.0).abs() < 1e-9);
        assert!(lr_scale(99, 10, 100) > 0.0 && lr_scale(100, 10, 100) == 0.0);
    }
}
