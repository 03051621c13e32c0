//! Goodness of fit: how far simulated figures are from observed ones.
//!
//! For n targets with observed values `o_i` and simulated values `s_i` (the mean over
//! replications), the indicators reported in `fit.csv` are, exactly:
//!
//! - **WAPE**, the weighted absolute percentage error: `Σ |s_i − o_i| / Σ |o_i|` (a
//!   share, 0 is a perfect fit; undefined, and left empty, when every `o_i` is 0);
//! - **RMSE**, the root mean squared error: `√(Σ (s_i − o_i)² / n)`, in the targets' unit;
//! - **bias**, the mean error: `Σ (s_i − o_i) / n` (positive: the model over-predicts);
//! - **Jensen–Shannon divergence** (shares only): each share target is the two-outcome
//!   distribution P = (o_i, 1 − o_i) against Q = (s_i, 1 − s_i); with M = (P + Q)/2,
//!   `JS_i = ½ KL(P‖M) + ½ KL(Q‖M)`, `KL(A‖B) = Σ_k a_k log₂(a_k / b_k)` (0 · log 0 = 0),
//!   and the reported figure is the mean of `JS_i` over the share targets: 0 for identical
//!   shares, 1 (bits) for opposite certainties.
//!
//! Shares and transit times are in different units, so each group of targets (shares;
//! transit medians) gets its own row.

/// The indicators of one group of targets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// Number of targets.
    pub n: usize,
    /// Weighted absolute percentage error, `None` when every observed value is 0.
    pub wape: Option<f64>,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean error (simulated − observed).
    pub bias: f64,
    /// Mean binary Jensen–Shannon divergence, bits (`None` unless the group is shares).
    pub js_divergence: Option<f64>,
}

/// The indicators of `(observed, simulated)` pairs; `shares` adds the Jensen–Shannon
/// divergence (the values must then be in [0, 1]).
///
/// # Panics
///
/// If `pairs` is empty.
#[must_use]
pub fn fit(pairs: &[(f64, f64)], shares: bool) -> Fit {
    assert!(!pairs.is_empty(), "a fit needs at least one target");
    let n = pairs.len() as f64;
    let abs_obs: f64 = pairs.iter().map(|p| p.0.abs()).sum();
    let abs_err: f64 = pairs.iter().map(|p| (p.1 - p.0).abs()).sum();
    let sq_err: f64 = pairs.iter().map(|p| (p.1 - p.0).powi(2)).sum();
    let err: f64 = pairs.iter().map(|p| p.1 - p.0).sum();
    Fit {
        n: pairs.len(),
        wape: (abs_obs > 0.0).then(|| abs_err / abs_obs),
        rmse: (sq_err / n).sqrt(),
        bias: err / n,
        js_divergence: shares.then(|| pairs.iter().map(|&(o, s)| binary_js(o, s)).sum::<f64>() / n),
    }
}

/// Jensen–Shannon divergence, bits, of (p, 1 − p) and (q, 1 − q).
#[must_use]
pub fn binary_js(p: f64, q: f64) -> f64 {
    let kl = |a: [f64; 2], b: [f64; 2]| -> f64 {
        a.iter()
            .zip(&b)
            .filter(|(x, _)| **x > 0.0)
            .map(|(x, y)| x * (x / y).log2())
            .sum()
    };
    let (pa, qa) = ([p, 1.0 - p], [q, 1.0 - q]);
    let m = [(p + q) / 2.0, 1.0 - (p + q) / 2.0];
    0.5 * kl(pa, m) + 0.5 * kl(qa, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicators_of_a_hand_computed_example() {
        // Observed 0.90, 0.25, 0.072; simulated 0.80, 0.30, 0.072.
        // Errors −0.10, +0.05, 0: Σ|e| = 0.15, Σ|o| = 1.222 → WAPE 0.122750...
        // Σe² = 0.0125 → RMSE √(0.0125/3) = 0.0645497...; bias −0.05/3 = −0.016667.
        let f = fit(&[(0.90, 0.80), (0.25, 0.30), (0.072, 0.072)], true);
        assert_eq!(f.n, 3);
        assert!((f.wape.unwrap() - 0.15 / 1.222).abs() < 1e-12);
        assert!((f.rmse - (0.0125f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((f.bias - (-0.05 / 3.0)).abs() < 1e-12);
        // JS of (0.9, 0.1) and (0.8, 0.2): M = (0.85, 0.15);
        // ½[0.9 log₂(0.9/0.85) + 0.1 log₂(0.1/0.15)] + ½[0.8 log₂(0.8/0.85) + 0.2 log₂(0.2/0.15)]
        let js1 = 0.5 * (0.9 * (0.9f64 / 0.85).log2() + 0.1 * (0.1f64 / 0.15).log2())
            + 0.5 * (0.8 * (0.8f64 / 0.85).log2() + 0.2 * (0.2f64 / 0.15).log2());
        // = ½(0.074216 − 0.058496) + ½(−0.069970 + 0.083007) = 0.014378.
        assert!((js1 - 0.014_378).abs() < 1e-5, "{js1}");
        let js2 = 0.5 * (0.25 * (0.25f64 / 0.275).log2() + 0.75 * (0.75f64 / 0.725).log2())
            + 0.5 * (0.30 * (0.30f64 / 0.275).log2() + 0.70 * (0.70f64 / 0.725).log2());
        let want = (js1 + js2 + 0.0) / 3.0;
        assert!((f.js_divergence.unwrap() - want).abs() < 1e-12);
        assert!(fit(&[(5.0, 6.0)], false).js_divergence.is_none());
    }

    #[test]
    fn js_bounds() {
        assert_eq!(binary_js(0.3, 0.3), 0.0);
        assert!((binary_js(0.0, 1.0) - 1.0).abs() < 1e-12);
        assert!(binary_js(0.2, 0.7) > 0.0 && binary_js(0.2, 0.7) < 1.0);
        assert!(fit(&[(0.0, 0.0)], true).wape.is_none());
    }
}
