//! Statistics that summarise replications.
//!
//! A Monte Carlo result is a number per replication (mean transit time, on-time share, p95
//! of transit time…). Replications are independent, so the spread *across* them gives an
//! honest 95 % confidence interval of the mean via Student's t ([`Summary`]). Comparisons of
//! two scenarios run on common random numbers ([`crate::rng`]) are summarised per
//! replication pair ([`Summary::of_paired_differences`]), which cancels shared noise.
//!
//! Within a replication, quantiles are computed exactly ([`quantiles`]): the simulator keeps
//! one replication's values at a time and summarises them before the next, so memory is
//! bounded by one replication's shipments, not replications × shipments, and no
//! approximate sketch is needed. [`Welford`] gives streaming, mergeable mean and variance
//! where keeping values is not wanted (e.g. merging per-thread partial results exactly).

use serde::Serialize;

/// Streaming mean and variance (Welford's algorithm), mergeable exactly (Chan et al.).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Welford {
    count: u64,
    mean: f64,
    /// Sum of squared deviations from the mean.
    m2: f64,
}

impl Welford {
    /// An empty accumulator.
    #[must_use]
    pub const fn new() -> Welford {
        Welford {
            count: 0,
            mean: 0.0,
            m2: 0.0,
        }
    }

    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.count += 1;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Number of values pushed.
    #[must_use]
    pub const fn count(&self) -> u64 {
        self.count
    }

    /// Mean of the values (0 when empty).
    #[must_use]
    pub const fn mean(&self) -> f64 {
        self.mean
    }

    /// Sample variance (divisor n − 1); 0 with fewer than two values.
    #[must_use]
    pub fn variance(&self) -> f64 {
        if self.count < 2 {
            0.0
        } else {
            self.m2 / (self.count - 1) as f64
        }
    }

    /// Sample standard deviation; 0 with fewer than two values.
    #[must_use]
    pub fn std_dev(&self) -> f64 {
        self.variance().sqrt()
    }

    /// Folds `other` in, as if its values had been pushed here (Chan, Golub & LeVeque's
    /// pairwise update).
    pub fn merge(&mut self, other: &Welford) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let delta = other.mean - self.mean;
        self.mean += delta * nb / n;
        self.m2 += other.m2 + delta * delta * na * nb / n;
        self.count += other.count;
    }
}

impl Extend<f64> for Welford {
    fn extend<I: IntoIterator<Item = f64>>(&mut self, iter: I) {
        for x in iter {
            self.push(x);
        }
    }
}

impl FromIterator<f64> for Welford {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Welford {
        let mut w = Welford::new();
        w.extend(iter);
        w
    }
}

/// Two-sided 95 % critical values t(0.975, df) for df = 1..=30.
const T975_TABLE: [f64; 30] = [
    12.706_204_736_174_705,
    4.302_652_729_749_464,
    3.182_446_305_284_263,
    2.776_445_105_197_799,
    2.570_581_835_636_316,
    2.446_911_851_144_97,
    2.364_624_251_592_785,
    2.306_004_135_204_167,
    2.262_157_162_798_206,
    2.228_138_851_986_275,
    2.200_985_160_091_64,
    2.178_812_829_667_229,
    2.160_368_656_462_793,
    2.144_786_687_917_804,
    2.131_449_545_559_776,
    2.119_905_299_221_255,
    2.109_815_577_833_317,
    2.100_922_040_241_039,
    2.093_024_054_408_31,
    2.085_963_447_265_865,
    2.079_613_844_727_68,
    2.073_873_067_904_026,
    2.068_657_610_419_049,
    2.063_898_561_628_026,
    2.059_538_552_753_298,
    2.055_529_438_642_873,
    2.051_830_516_480_286,
    2.048_407_141_795_245,
    2.045_229_642_132_704,
    2.042_272_456_301_238,
];

/// The 0.975 quantile of the standard normal distribution.
pub const Z_0_975: f64 = 1.959_963_984_540_054;

/// The 0.975 quantile of Student's t with `df` degrees of freedom, i.e. the critical value
/// of a two-sided 95 % interval. Exact table values for df ≤ 30; beyond, the Cornish–Fisher
/// expansion of t in powers of 1/df (Hill 1970), accurate to better than 1e-5 there.
/// Returns `f64::INFINITY` for df = 0 (no interval can be formed).
#[must_use]
pub fn t_quantile_975(df: u64) -> f64 {
    match df {
        0 => f64::INFINITY,
        1..=30 => T975_TABLE[(df - 1) as usize],
        _ => {
            let z = Z_0_975;
            let (z2, n) = (z * z, df as f64);
            let z3 = z2 * z;
            let z5 = z3 * z2;
            let z7 = z5 * z2;
            let z9 = z7 * z2;
            let g1 = (z3 + z) / 4.0;
            let g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
            let g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
            let g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92_160.0;
            z + g1 / n + g2 / (n * n) + g3 / (n * n * n) + g4 / (n * n * n * n)
        }
    }
}

/// A running mean, summed in push order (so it equals `sum / n` over the same sequence).
///
/// For figures of which only the mean is reported. Cheaper per value than [`Welford`] (no
/// division), which matters where the event loop feeds it once per shipment or visit.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mean {
    sum: f64,
    n: u64,
}

impl Mean {
    /// Adds one value.
    #[inline]
    pub fn push(&mut self, v: f64) {
        self.sum += v;
        self.n += 1;
    }

    /// Adds the value if there is one.
    pub fn push_some(&mut self, v: Option<f64>) {
        if let Some(v) = v {
            self.push(v);
        }
    }

    /// The mean, 0 when nothing was pushed (a count per replication of no replication).
    #[must_use]
    pub fn value(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sum / self.n as f64
        }
    }

    /// The mean, `None` when nothing was pushed.
    #[must_use]
    pub fn some(&self) -> Option<f64> {
        (self.n > 0).then(|| self.value())
    }

    /// Values pushed.
    #[must_use]
    pub const fn count(&self) -> u64 {
        self.n
    }
}

/// Mean of per-replication values with its 95 % confidence interval.
///
/// With `n == 1` the interval is `(mean, mean)` and `sd` is 0: one replication gives no
/// estimate of spread, so read such an interval as "unknown", not as "exact". With `n == 0`
/// every number is 0 (never NaN) and [`Summary::is_empty`] is true.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Number of replications.
    pub n: usize,
    /// Mean across replications.
    pub mean: f64,
    /// Sample standard deviation across replications (n − 1).
    pub sd: f64,
    /// Lower end of the 95 % confidence interval of the mean.
    pub ci95_low: f64,
    /// Upper end of the 95 % confidence interval of the mean.
    pub ci95_high: f64,
}

impl Summary {
    /// The empty summary: `n = 0` and all numbers 0.
    pub const EMPTY: Summary = Summary {
        n: 0,
        mean: 0.0,
        sd: 0.0,
        ci95_low: 0.0,
        ci95_high: 0.0,
    };

    /// Summarises one value per replication: mean ± t(0.975, n − 1) · sd / √n. Non-finite
    /// inputs propagate into the result.
    #[must_use]
    pub fn of_replications(values: &[f64]) -> Summary {
        let w: Welford = values.iter().copied().collect();
        Summary::of_welford(&w)
    }

    /// Summarises the per-replication values accumulated in `w` (pushed in replication
    /// order): the same as [`Summary::of_replications`] of those values, bit for bit.
    #[must_use]
    pub fn of_welford(w: &Welford) -> Summary {
        match w.count() as usize {
            0 => Summary::EMPTY,
            1 => Summary {
                n: 1,
                mean: w.mean(),
                sd: 0.0,
                ci95_low: w.mean(),
                ci95_high: w.mean(),
            },
            n => {
                let sd = w.std_dev();
                let half = t_quantile_975(n as u64 - 1) * sd / (n as f64).sqrt();
                Summary {
                    n,
                    mean: w.mean(),
                    sd,
                    ci95_low: w.mean() - half,
                    ci95_high: w.mean() + half,
                }
            }
        }
    }

    /// Summarises `b[i] − a[i]` over replications `i` (after minus before, when `a` is the
    /// baseline). With common random numbers this interval is much narrower than the
    /// difference of two independent intervals.
    ///
    /// # Panics
    /// If `a` and `b` have different lengths (they must come from the same replications).
    #[must_use]
    pub fn of_paired_differences(a: &[f64], b: &[f64]) -> Summary {
        assert_eq!(
            a.len(),
            b.len(),
            "paired differences need the same number of replications on both sides"
        );
        let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
        Summary::of_replications(&diffs)
    }

    /// True when no replication contributed (all numbers are then 0).
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Half the width of the confidence interval.
    #[must_use]
    pub fn ci95_half_width(&self) -> f64 {
        0.5 * (self.ci95_high - self.ci95_low)
    }
}

/// The `q` quantile of ascending `sorted` values by linear interpolation between order
/// statistics (Hyndman & Fan type 7, the default of R and numpy). Returns NaN for an empty
/// slice; callers that may have no data check first.
///
/// # Panics
/// If `q` is outside `[0, 1]` or NaN (validate requested quantiles when loading).
#[must_use]
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    assert!((0.0..=1.0).contains(&q), "quantile {q} outside [0, 1]");
    debug_assert!(
        sorted.windows(2).all(|w| w[0] <= w[1]),
        "quantile_sorted needs ascending input"
    );
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * q;
    // 0 <= h <= n - 1, so the cast is in range.
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    interpolate(sorted[lo], sorted[hi], h - lo as f64)
}

/// Exact quantiles `qs` (each in `[0, 1]`, any order) of `values`, by the rule of
/// [`quantile_sorted`]. Returns one result per `q`, all NaN if `values` is empty.
///
/// `values` is reordered in place (not fully sorted): each quantile needs only the two
/// order statistics around it, which selection (`select_nth_unstable`, O(n)) finds without
/// the O(n log n) sort. The quantiles are taken in ascending order, each selecting only
/// among the values above the previous one (selection leaves them there), so the p50,
/// p90 and p95 of a replication cost about 1.6 passes rather than 3. The results are
/// bit-identical to sorting first. See the module docs for why exact quantiles are
/// affordable.
///
/// # Panics
/// If some `q` is outside `[0, 1]` or NaN.
#[must_use]
pub fn quantiles(values: &mut [f64], qs: &[f64]) -> Vec<f64> {
    quantiles_after_zeros(0, values, qs)
}

/// The mean and exact quantiles `qs` of a sample of `zeros` values equal to 0 and the
/// values in `positive` (all > 0), without the zeros stored: the waits at a facility, most
/// of them nil where servers are plentiful. Bit-identical to a left-to-right sum and to
/// [`quantiles`] over the whole sample, zeros anywhere; `None` for an empty sample.
/// `positive` is reordered in place.
///
/// # Panics
/// If some `q` is outside `[0, 1]` or NaN.
#[must_use]
pub fn mean_and_quantiles_above_zeros(
    zeros: u64,
    positive: &mut [f64],
    qs: &[f64],
) -> Option<(f64, Vec<f64>)> {
    debug_assert!(positive.iter().all(|&v| v > 0.0), "values must be > 0");
    let z = usize::try_from(zeros).expect("a sample that fits in memory");
    let n = z + positive.len();
    if n == 0 {
        return None;
    }
    // Adding +0.0 leaves any sum of non-negative values unchanged: the zeros need no adding.
    let mean = positive.iter().fold(0.0, |s, &v| s + v) / n as f64;
    Some((mean, quantiles_after_zeros(z, positive, qs)))
}

/// [`quantiles`] of `zeros` values below all of `values` (0 for the waits) followed by
/// `values`, with only `values` stored: order statistic `k` is 0 for `k < zeros` and
/// `values`' statistic `k − zeros` above. With no zeros, plain [`quantiles`].
fn quantiles_after_zeros(zeros: usize, values: &mut [f64], qs: &[f64]) -> Vec<f64> {
    debug_assert!(
        values.iter().all(|v| !v.is_nan()),
        "quantiles of NaN values"
    );
    for &q in qs {
        assert!((0.0..=1.0).contains(&q), "quantile {q} outside [0, 1]");
    }
    let n = zeros + values.len();
    let mut out = vec![f64::NAN; qs.len()];
    if n == 0 {
        return out;
    }
    let mut order: Vec<usize> = (0..qs.len()).collect();
    order.sort_by(|&i, &j| qs[i].total_cmp(&qs[j]));
    // values[..start] holds their order statistics 0..start in place, each <= all after.
    let mut start = 0;
    for i in order {
        let h = (n - 1) as f64 * qs[i];
        // 0 <= h <= n - 1, so the cast is in range.
        let lo = h.floor() as usize;
        // The statistics around `h`, and where in `values` the ones above `lo` begin.
        let (a, above) = if lo < zeros {
            (0.0, 0)
        } else {
            let j = lo - zeros;
            if j >= start {
                values[start..].select_nth_unstable_by(j - start, f64::total_cmp);
                start = j + 1;
            }
            (values[j], j + 1)
        };
        let b = if lo + 1 >= n {
            a
        } else if lo + 1 < zeros {
            0.0
        } else {
            // Everything from `above` on is >= a: the next order statistic is their
            // minimum.
            values[above..]
                .iter()
                .copied()
                .min_by(f64::total_cmp)
                .unwrap_or(a)
        };
        out[i] = interpolate(a, b, h - lo as f64);
    }
    out
}

/// `a + frac·(b − a)`, kept within `[a, b]` so that rounding never breaks monotonicity in
/// the quantile.
fn interpolate(a: f64, b: f64, frac: f64) -> f64 {
    (a + frac * (b - a)).max(a).min(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * (1.0 + a.abs().max(b.abs()))
    }

    #[test]
    fn welford_matches_two_pass() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let w: Welford = xs.iter().copied().collect();
        assert_eq!(w.count(), 8);
        assert!((w.mean() - 5.0).abs() < 1e-12);
        // Sum of squared deviations = 32, n − 1 = 7.
        assert!((w.variance() - 32.0 / 7.0).abs() < 1e-12);
        assert!((w.std_dev() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn mean_is_sum_over_count() {
        let mut m = Mean::default();
        assert_eq!((m.count(), m.value(), m.some()), (0, 0.0, None));
        m.push(1.0);
        m.push_some(None);
        m.push_some(Some(4.0));
        assert_eq!((m.count(), m.value(), m.some()), (2, 2.5, Some(2.5)));
    }

    #[test]
    fn welford_small_counts() {
        let mut w = Welford::new();
        assert_eq!((w.count(), w.mean(), w.variance()), (0, 0.0, 0.0));
        w.push(3.0);
        assert_eq!((w.count(), w.mean(), w.variance()), (1, 3.0, 0.0));
    }

    #[test]
    fn welford_is_stable_with_large_offset() {
        let w: Welford = [1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0]
            .into_iter()
            .collect();
        assert!((w.variance() - 30.0).abs() < 1e-6);
    }

    #[test]
    fn welford_merge_with_empty() {
        let a: Welford = [1.0, 2.0, 3.0].into_iter().collect();
        let mut e = Welford::new();
        e.merge(&a);
        assert_eq!(e, a);
        let mut b = a;
        b.merge(&Welford::new());
        assert_eq!(b, a);
    }

    proptest! {
        #[test]
        fn welford_merge_equals_concatenation(
            xs in prop::collection::vec(-1e3f64..1e3, 0..200),
            ys in prop::collection::vec(-1e3f64..1e3, 0..200),
        ) {
            let mut merged: Welford = xs.iter().copied().collect();
            merged.merge(&ys.iter().copied().collect());
            let whole: Welford = xs.iter().chain(&ys).copied().collect();
            prop_assert_eq!(merged.count(), whole.count());
            // 1e-9 relative (plus 1e-9 absolute for values near 0).
            prop_assert!(close(merged.mean(), whole.mean(), 1e-9),
                "mean {} vs {}", merged.mean(), whole.mean());
            prop_assert!(close(merged.variance(), whole.variance(), 1e-9),
                "variance {} vs {}", merged.variance(), whole.variance());
        }
    }

    #[test]
    fn t_quantile_known_values() {
        for (df, want) in [
            (1, 12.706),
            (5, 2.571),
            (10, 2.228),
            (30, 2.042),
            (120, 1.980),
        ] {
            let t = t_quantile_975(df);
            assert!((t - want).abs() < 1e-3, "t({df}) = {t}, want {want}");
        }
        assert!((t_quantile_975(u64::MAX) - 1.960).abs() < 1e-3);
        assert!((t_quantile_975(1_000_000_000) - Z_0_975).abs() < 1e-8);
        assert_eq!(t_quantile_975(0), f64::INFINITY);
    }

    #[test]
    fn t_quantile_expansion_is_accurate_past_the_table() {
        // Reference values computed with arbitrary-precision arithmetic.
        for (df, want) in [
            (31, 2.039_513_446_396_408_5),
            (40, 2.021_075_390_306_273_4),
            (60, 2.000_297_822_014_260_5),
            (120, 1.979_930_405_082_441),
            (1000, 1.962_339_080_826_408_5),
        ] {
            let t = t_quantile_975(df);
            assert!((t - want).abs() < 1e-5, "t({df}) = {t}, want {want}");
        }
    }

    #[test]
    fn t_quantile_decreases_with_df() {
        for df in 1..500 {
            assert!(t_quantile_975(df + 1) < t_quantile_975(df), "df {df}");
        }
    }

    #[test]
    fn summary_of_replications() {
        let s = Summary::of_replications(&[10.0, 12.0, 14.0, 16.0, 18.0]);
        assert_eq!(s.n, 5);
        assert!((s.mean - 14.0).abs() < 1e-12);
        let sd = 10.0f64.sqrt(); // squared deviations 40, n − 1 = 4
        assert!((s.sd - sd).abs() < 1e-12);
        let half = 2.776_445_105_197_799 * sd / 5.0f64.sqrt();
        assert!((s.ci95_low - (14.0 - half)).abs() < 1e-12);
        assert!((s.ci95_high - (14.0 + half)).abs() < 1e-12);
        assert!((s.ci95_half_width() - half).abs() < 1e-12);
        assert!(!s.is_empty());
    }

    #[test]
    fn summary_single_replication_is_degenerate() {
        let s = Summary::of_replications(&[7.5]);
        assert_eq!(
            s,
            Summary {
                n: 1,
                mean: 7.5,
                sd: 0.0,
                ci95_low: 7.5,
                ci95_high: 7.5
            }
        );
    }

    #[test]
    fn summary_empty_is_nan_free_and_flagged() {
        let s = Summary::of_replications(&[]);
        assert!(s.is_empty());
        assert_eq!(s, Summary::EMPTY);
        assert!(
            [s.mean, s.sd, s.ci95_low, s.ci95_high]
                .iter()
                .all(|v| *v == 0.0)
        );
    }

    #[test]
    fn paired_differences_are_b_minus_a() {
        let a = [10.0, 20.0, 30.0];
        let b = [11.0, 22.0, 33.0];
        let s = Summary::of_paired_differences(&a, &b);
        assert_eq!(s, Summary::of_replications(&[1.0, 2.0, 3.0]));
        // Shared noise cancels: a constant shift has zero-width interval.
        let c = [12.0, 22.0, 32.0];
        let s = Summary::of_paired_differences(&a, &c);
        assert!((s.mean - 2.0).abs() < 1e-12 && s.sd.abs() < 1e-12);
    }

    #[test]
    #[should_panic(expected = "same number of replications")]
    fn paired_differences_length_mismatch_panics() {
        let _ = Summary::of_paired_differences(&[1.0], &[1.0, 2.0]);
    }

    #[test]
    fn quantile_type7_matches_numpy() {
        // numpy.quantile([1, 2, 3, 4], q) with the default (linear) method.
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&xs, 0.0), 1.0);
        assert_eq!(quantile_sorted(&xs, 1.0), 4.0);
        assert_eq!(quantile_sorted(&xs, 0.5), 2.5);
        assert!((quantile_sorted(&xs, 0.9) - 3.7).abs() < 1e-12);
        assert!((quantile_sorted(&xs, 0.25) - 1.75).abs() < 1e-12);
        assert_eq!(quantile_sorted(&[5.0], 0.3), 5.0);
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }

    #[test]
    #[should_panic(expected = "outside [0, 1]")]
    fn quantile_out_of_range_panics() {
        let _ = quantile_sorted(&[1.0], 1.5);
    }

    #[test]
    fn quantiles_sorts_and_interpolates() {
        let mut xs = [9.0, 1.0, 5.0, 3.0, 7.0];
        let qs = quantiles(&mut xs, &[0.0, 0.5, 0.95, 1.0]);
        assert_eq!(qs[0], 1.0);
        assert_eq!(qs[1], 5.0);
        assert!((qs[2] - 8.6).abs() < 1e-12);
        assert_eq!(qs[3], 9.0);
        // Any order, repeats: each answer goes back to its own position.
        let mut xs = [9.0, 1.0, 5.0, 3.0, 7.0];
        let qs = quantiles(&mut xs, &[1.0, 0.5, 0.0, 0.5, 0.95]);
        assert_eq!(qs[..4], [9.0, 5.0, 1.0, 5.0]);
        assert!((qs[4] - 8.6).abs() < 1e-12);
        let empty = quantiles(&mut [], &[0.5, 0.9]);
        assert_eq!(empty.len(), 2);
        assert!(empty.iter().all(|v| v.is_nan()));
    }

    proptest! {
        #[test]
        fn quantiles_are_monotone_and_within_range(
            mut xs in prop::collection::vec(-1e6f64..1e6, 1..100),
            mut qs in prop::collection::vec(0.0f64..=1.0, 1..10),
        ) {
            qs.sort_by(f64::total_cmp);
            let r = quantiles(&mut xs, &qs);
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(r.iter().all(|v| (lo..=hi).contains(v)));
            prop_assert!(r.windows(2).all(|w| w[0] <= w[1]));
        }

        #[test]
        fn zeros_left_out_change_nothing(
            xs in prop::collection::vec(prop_oneof![Just(0u32), 1u32..50], 0..200),
            qs in prop::collection::vec(0.0f64..=1.0, 1..4),
        ) {
            // Waits in whole minutes, half of them nil, so zeros and ties are common.
            let all: Vec<f64> = xs.iter().map(|&m| f64::from(m) / 60.0).collect();
            let zeros = all.iter().filter(|&&v| v == 0.0).count() as u64;
            let mut positive: Vec<f64> = all.iter().copied().filter(|&v| v > 0.0).collect();
            let got = mean_and_quantiles_above_zeros(zeros, &mut positive, &qs);
            if all.is_empty() {
                prop_assert!(got.is_none());
            } else {
                let (mean, q) = got.expect("a sample");
                let want_mean = all.iter().sum::<f64>() / all.len() as f64;
                let want_q = quantiles(&mut all.clone(), &qs);
                prop_assert_eq!(mean.to_bits(), want_mean.to_bits());
                prop_assert_eq!(
                    q.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    want_q.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                );
            }
        }

        #[test]
        fn selection_equals_sorting(
            xs in prop::collection::vec(-1e3f64..1e3, 0..200),
            qs in prop::collection::vec(0.0f64..=1.0, 1..8),
        ) {
            // Ties are likely with rounded values; the result must not depend on them.
            let mut rounded: Vec<f64> = xs.iter().map(|x| x.round()).collect();
            let mut sorted = rounded.clone();
            sorted.sort_by(f64::total_cmp);
            let by_sort: Vec<f64> = qs.iter().map(|&q| quantile_sorted(&sorted, q)).collect();
            let by_select = quantiles(&mut rounded, &qs);
            prop_assert_eq!(
                by_select.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                by_sort.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
        }
    }
}
