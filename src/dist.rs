//! Validated time distributions.
//!
//! Every stochastic duration in a scenario (handling, customs, link travel, dwell, repair…)
//! is a [`Dist`]. It keeps the parameters exactly as the user wrote them, so they can be
//! echoed back in errors and manifests and scaled by slowdowns or sweep patches
//! ([`Dist::scaled`]). The unit is the unit of the field the `Dist` sits in (hours by
//! convention, as in `dwell_h`); this module never converts units.
//!
//! The constructors ([`Dist::fixed`], [`Dist::lognormal`], …) validate, and a [`DistError`]
//! says exactly which parameter is wrong and why. Because the enum's fields are public a
//! `Dist` can also be built directly; [`Dist::validate`] checks such a value, and
//! [`Dist::sampler`] always validates before compiling.
//!
//! Sampling goes through a [`Sampler`], compiled once per distribution: it holds the
//! `rand_distr` objects with their derived constants (e.g. the log-normal's `mu` and `sigma`),
//! is cheap to clone, never allocates while sampling and never returns a negative or NaN
//! value, so a duration drawn from it can go straight into [`crate::time::hours_to_secs`].
//!
//! The log-normal is parametrised by its median and 90th percentile because that is how
//! planners describe skewed delays ("usually 6 h, one time in ten more than 15 h"):
//! `mu = ln(median)`, `sigma = ln(p90 / median) / z0.9` with `z0.9` = [`Z_0_9`].

use std::sync::Arc;

use rand::Rng;
use rand::distr::Distribution;
use rand_distr::{Exp, LogNormal, Triangular, Uniform};
use thiserror::Error;

use crate::num::Num;

/// The largest parameter, mean or standard deviation a distribution may have, in the unit
/// of its field: 1e6 hours is 114 years, 1e6 days 2,700. Every duration the model forms
/// (sums along routes, times a value of time, seconds on the clock) stays finite below it;
/// see [`crate::scenario::limits`].
pub const MAX_DURATION: f64 = 1.0e6;

/// The 0.9 quantile of the standard normal distribution.
pub const Z_0_9: f64 = 1.281_551_565_544_600_4;

/// A distribution of a non-negative time, in the unit of the field it belongs to.
///
/// Build it with the validating constructors; see the module docs.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Fixed(f64),
    /// Uniform on `[min, max]`.
    Uniform {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
    },
    /// Triangular with support `[min, max]` and peak at `mode`.
    Triangular {
        /// Smallest value.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Largest value.
        max: f64,
    },
    /// Log-normal given by its median and 90th percentile.
    LogNormal {
        /// The 50th percentile (> 0).
        median: f64,
        /// The 90th percentile (> `median`).
        p90: f64,
    },
    /// Exponential with the given mean (memoryless; e.g. times between failures).
    Exponential {
        /// The mean (> 0).
        mean: f64,
    },
    /// One of the given observed values, each equally likely.
    Empirical(Box<[f64]>),
}

/// What is wrong with a distribution's parameters.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum DistError {
    /// A parameter is NaN or infinite.
    #[error("{param} must be a finite number, got {}", Num(*.value))]
    NotFinite {
        /// The parameter's name.
        param: &'static str,
        /// The value given.
        value: f64,
    },
    /// A parameter is below zero (times cannot be negative).
    #[error("{param} must not be negative, got {}", Num(*.value))]
    Negative {
        /// The parameter's name.
        param: &'static str,
        /// The value given.
        value: f64,
    },
    /// A parameter must be strictly positive but is zero (or negative).
    #[error("{param} must be greater than 0, got {}", Num(*.value))]
    NotPositive {
        /// The parameter's name.
        param: &'static str,
        /// The value given.
        value: f64,
    },
    /// `min` is greater than `max`.
    #[error("min ({}) must not be greater than max ({})", Num(*.min), Num(*.max))]
    MinAboveMax {
        /// The `min` given.
        min: f64,
        /// The `max` given.
        max: f64,
    },
    /// A triangular `mode` outside `[min, max]`.
    #[error(
        "mode ({}) must lie within [min, max] = [{}, {}]",
        Num(*.mode),
        Num(*.min),
        Num(*.max)
    )]
    ModeOutOfRange {
        /// The `min` given.
        min: f64,
        /// The `mode` given.
        mode: f64,
        /// The `max` given.
        max: f64,
    },
    /// A log-normal `p90` not above its `median`.
    #[error("p90 ({}) must be greater than median ({})", Num(*.p90), Num(*.median))]
    P90NotAboveMedian {
        /// The `median` given.
        median: f64,
        /// The `p90` given.
        p90: f64,
    },
    /// A log-normal so wide that `p90 / median` overflows.
    #[error("p90 / median ({} / {}) is too large to represent", Num(*.p90), Num(*.median))]
    LogNormalTooWide {
        /// The `median` given.
        median: f64,
        /// The `p90` given.
        p90: f64,
    },
    /// An empirical distribution with no values.
    #[error("empirical distribution needs at least one value, got none")]
    EmptyEmpirical,
    /// An empirical value that is NaN or infinite.
    #[error("empirical value #{index} must be a finite number, got {}", Num(*.value))]
    EmpiricalNotFinite {
        /// Zero-based position of the value.
        index: usize,
        /// The value given.
        value: f64,
    },
    /// A negative empirical value.
    #[error("empirical value #{index} must not be negative, got {}", Num(*.value))]
    EmpiricalNegative {
        /// Zero-based position of the value.
        index: usize,
        /// The value given.
        value: f64,
    },
    /// A parameter above [`MAX_DURATION`].
    #[error(
        "{param} must be at most {} (in the field's unit; 1e6 hours is 114 years), got {}",
        Num(MAX_DURATION),
        Num(*.value)
    )]
    TooLarge {
        /// The parameter's name.
        param: &'static str,
        /// The value given.
        value: f64,
    },
    /// An empirical value above [`MAX_DURATION`].
    #[error(
        "empirical value #{index} must be at most {} (in the field's unit; 1e6 hours is 114 years), got {}",
        Num(MAX_DURATION),
        Num(*.value)
    )]
    EmpiricalTooLarge {
        /// Zero-based position of the value.
        index: usize,
        /// The value given.
        value: f64,
    },
    /// A log-normal so skewed that its mean or standard deviation is above
    /// [`MAX_DURATION`] (or overflows).
    #[error(
        "a log-normal with median {} and p90 {} has a mean of {} and a standard deviation of {}, more than {}: p90 is too far above the median",
        Num(*.median),
        Num(*.p90),
        Num(Dist::LogNormal { median: *.median, p90: *.p90 }.mean()),
        Num(Dist::LogNormal { median: *.median, p90: *.p90 }.std_dev()),
        Num(MAX_DURATION)
    )]
    LogNormalTooSkewed {
        /// The `median` given.
        median: f64,
        /// The `p90` given.
        p90: f64,
    },
    /// A scale factor that is negative, NaN or infinite.
    #[error("scale factor must be a finite number >= 0, got {}", Num(*.factor))]
    InvalidScale {
        /// The factor given.
        factor: f64,
    },
}

/// Checks that `value` is finite, not negative and at most [`MAX_DURATION`].
fn check_non_negative(param: &'static str, value: f64) -> Result<(), DistError> {
    if !value.is_finite() {
        Err(DistError::NotFinite { param, value })
    } else if value < 0.0 {
        Err(DistError::Negative { param, value })
    } else if value > MAX_DURATION {
        Err(DistError::TooLarge { param, value })
    } else {
        Ok(())
    }
}

/// Checks that `value` is finite, strictly positive and at most [`MAX_DURATION`].
fn check_positive(param: &'static str, value: f64) -> Result<(), DistError> {
    if !value.is_finite() {
        Err(DistError::NotFinite { param, value })
    } else if value <= 0.0 {
        Err(DistError::NotPositive { param, value })
    } else if value > MAX_DURATION {
        Err(DistError::TooLarge { param, value })
    } else {
        Ok(())
    }
}

impl Dist {
    /// A constant `value`.
    ///
    /// # Errors
    /// [`DistError::NotFinite`] or [`DistError::Negative`] for a bad `value`.
    pub fn fixed(value: f64) -> Result<Dist, DistError> {
        Dist::Fixed(value).validated()
    }

    /// Uniform on `[min, max]`; `min == max` is allowed and behaves like [`Dist::fixed`].
    ///
    /// # Errors
    /// Non-finite or negative bounds, or `min > max`.
    pub fn uniform(min: f64, max: f64) -> Result<Dist, DistError> {
        Dist::Uniform { min, max }.validated()
    }

    /// Triangular on `[min, max]` with peak at `mode`.
    ///
    /// # Errors
    /// Non-finite or negative parameters, `min > max`, or `mode` outside `[min, max]`.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Dist, DistError> {
        Dist::Triangular { min, mode, max }.validated()
    }

    /// Log-normal with the given median and 90th percentile.
    ///
    /// # Errors
    /// Non-finite parameters, `median <= 0`, `p90 <= median`, or `p90 / median` overflowing.
    pub fn lognormal(median: f64, p90: f64) -> Result<Dist, DistError> {
        Dist::LogNormal { median, p90 }.validated()
    }

    /// Exponential with the given mean.
    ///
    /// # Errors
    /// A non-finite `mean` or `mean <= 0`.
    pub fn exponential(mean: f64) -> Result<Dist, DistError> {
        Dist::Exponential { mean }.validated()
    }

    /// Uniform choice among observed `values`.
    ///
    /// # Errors
    /// No values, or a value that is non-finite or negative (reported with its position).
    pub fn empirical(values: impl Into<Box<[f64]>>) -> Result<Dist, DistError> {
        Dist::Empirical(values.into()).validated()
    }

    fn validated(self) -> Result<Dist, DistError> {
        self.validate()?;
        Ok(self)
    }

    /// Checks the parameters; the constructors call this, so only a `Dist` built directly
    /// from its variants can fail here.
    ///
    /// # Errors
    /// The first problem found, as described on each constructor.
    pub fn validate(&self) -> Result<(), DistError> {
        match self {
            Dist::Fixed(value) => check_non_negative("value", *value),
            &Dist::Uniform { min, max } => {
                check_non_negative("min", min)?;
                check_non_negative("max", max)?;
                if min > max {
                    return Err(DistError::MinAboveMax { min, max });
                }
                Ok(())
            }
            &Dist::Triangular { min, mode, max } => {
                check_non_negative("min", min)?;
                check_non_negative("mode", mode)?;
                check_non_negative("max", max)?;
                if min > max {
                    return Err(DistError::MinAboveMax { min, max });
                }
                if !(min..=max).contains(&mode) {
                    return Err(DistError::ModeOutOfRange { min, mode, max });
                }
                Ok(())
            }
            &Dist::LogNormal { median, p90 } => {
                check_positive("median", median)?;
                if !p90.is_finite() {
                    return Err(DistError::NotFinite {
                        param: "p90",
                        value: p90,
                    });
                }
                if p90 <= median {
                    return Err(DistError::P90NotAboveMedian { median, p90 });
                }
                if !(p90 / median).is_finite() {
                    return Err(DistError::LogNormalTooWide { median, p90 });
                }
                check_non_negative("p90", p90)?;
                // Written so that NaN (an overflow) fails too.
                if !(self.mean() <= MAX_DURATION && self.std_dev() <= MAX_DURATION) {
                    return Err(DistError::LogNormalTooSkewed { median, p90 });
                }
                Ok(())
            }
            &Dist::Exponential { mean } => check_positive("mean", mean),
            Dist::Empirical(values) => {
                if values.is_empty() {
                    return Err(DistError::EmptyEmpirical);
                }
                for (index, &value) in values.iter().enumerate() {
                    if !value.is_finite() {
                        return Err(DistError::EmpiricalNotFinite { index, value });
                    }
                    if value < 0.0 {
                        return Err(DistError::EmpiricalNegative { index, value });
                    }
                    if value > MAX_DURATION {
                        return Err(DistError::EmpiricalTooLarge { index, value });
                    }
                }
                Ok(())
            }
        }
    }

    /// `sigma` of the underlying normal for a log-normal with this median and p90.
    fn lognormal_sigma(median: f64, p90: f64) -> f64 {
        (p90 / median).ln() / Z_0_9
    }

    /// The mean. Like the other moments it assumes a valid distribution.
    #[must_use]
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => 0.5 * (min + max),
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            &Dist::LogNormal { median, p90 } => {
                let sigma = Self::lognormal_sigma(median, p90);
                median * (0.5 * sigma * sigma).exp()
            }
            Dist::Exponential { mean } => *mean,
            Dist::Empirical(values) => values.iter().sum::<f64>() / values.len() as f64,
        }
    }

    /// The variance (for [`Dist::Empirical`], the population variance of the values, since
    /// each is drawn with equal probability).
    #[must_use]
    pub fn variance(&self) -> f64 {
        match self {
            Dist::Fixed(_) => 0.0,
            Dist::Uniform { min, max } => (max - min).powi(2) / 12.0,
            &Dist::Triangular { min, mode, max } => {
                (min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0
            }
            &Dist::LogNormal { median, p90 } => {
                let s2 = Self::lognormal_sigma(median, p90).powi(2);
                s2.exp_m1() * median * median * s2.exp()
            }
            Dist::Exponential { mean } => mean * mean,
            Dist::Empirical(values) => {
                let mean = self.mean();
                values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64
            }
        }
    }

    /// The standard deviation.
    #[must_use]
    pub fn std_dev(&self) -> f64 {
        self.variance().sqrt()
    }

    /// The smallest value the distribution can take (0 for log-normal and exponential).
    #[must_use]
    pub fn min_value(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, .. } | Dist::Triangular { min, .. } => *min,
            Dist::LogNormal { .. } | Dist::Exponential { .. } => 0.0,
            Dist::Empirical(values) => values.iter().copied().fold(f64::INFINITY, f64::min),
        }
    }

    /// The distribution of `factor × X`: every time parameter multiplied by `factor` (used
    /// for slowdowns and sweep patches). A factor of 0 gives `Fixed(0.0)`.
    ///
    /// # Errors
    /// [`DistError::InvalidScale`] for a negative or non-finite factor, or the validation
    /// error of the scaled parameters (e.g. if they overflow to infinity).
    pub fn try_scaled(&self, factor: f64) -> Result<Dist, DistError> {
        if !factor.is_finite() || factor < 0.0 {
            return Err(DistError::InvalidScale { factor });
        }
        if factor == 0.0 {
            return Ok(Dist::Fixed(0.0));
        }
        let scaled = match self {
            Dist::Fixed(v) => Dist::Fixed(v * factor),
            Dist::Uniform { min, max } => Dist::Uniform {
                min: min * factor,
                max: max * factor,
            },
            Dist::Triangular { min, mode, max } => Dist::Triangular {
                min: min * factor,
                mode: mode * factor,
                max: max * factor,
            },
            Dist::LogNormal { median, p90 } => Dist::LogNormal {
                median: median * factor,
                p90: p90 * factor,
            },
            Dist::Exponential { mean } => Dist::Exponential {
                mean: mean * factor,
            },
            Dist::Empirical(values) => Dist::Empirical(values.iter().map(|v| v * factor).collect()),
        };
        scaled.validated()
    }

    /// Like [`Dist::try_scaled`], for factors already known to be valid.
    ///
    /// # Panics
    /// If [`Dist::try_scaled`] would return an error (negative or non-finite factor, an
    /// invalid `self`, or scaled parameters overflowing). Use `try_scaled` for user input.
    #[must_use]
    pub fn scaled(&self, factor: f64) -> Dist {
        match self.try_scaled(factor) {
            Ok(d) => d,
            Err(e) => panic!("Dist::scaled({factor}) on {self:?}: {e}"),
        }
    }

    /// Compiles the distribution for sampling. Build it once and reuse it.
    ///
    /// # Errors
    /// The validation error if the parameters are invalid (only possible for a `Dist` built
    /// directly from its variants).
    pub fn sampler(&self) -> Result<Sampler, DistError> {
        self.validate()?;
        let kind = match self {
            Dist::Fixed(v) => SamplerKind::Fixed(*v),
            &Dist::Uniform { min, max } => match Uniform::new(min, max) {
                Ok(u) => SamplerKind::Uniform(u),
                // Validation leaves only `min == max` here.
                Err(_) => SamplerKind::Fixed(min),
            },
            &Dist::Triangular { min, mode, max } => {
                if min == max {
                    SamplerKind::Fixed(min)
                } else {
                    match Triangular::new(min, max, mode) {
                        Ok(t) => SamplerKind::Triangular(t),
                        Err(_) => unreachable_validated(self)?,
                    }
                }
            }
            &Dist::LogNormal { median, p90 } => {
                let (mu, sigma) = (median.ln(), Self::lognormal_sigma(median, p90));
                match LogNormal::new(mu, sigma) {
                    Ok(d) if mu.is_finite() && sigma.is_finite() => SamplerKind::LogNormal(d),
                    _ => unreachable_validated(self)?,
                }
            }
            &Dist::Exponential { mean } => match Exp::new(1.0 / mean) {
                Ok(e) => SamplerKind::Exponential(e),
                Err(_) => unreachable_validated(self)?,
            },
            Dist::Empirical(values) => SamplerKind::Empirical(Arc::from(&values[..])),
        };
        Ok(Sampler { kind })
    }
}

/// For `rand_distr` constructor errors that validation has ruled out: report them as a
/// validation error rather than panicking, should the two ever disagree.
fn unreachable_validated(dist: &Dist) -> Result<SamplerKind, DistError> {
    debug_assert!(false, "validated {dist:?} rejected by rand_distr");
    Err(DistError::NotFinite {
        param: "parameters",
        value: f64::NAN,
    })
}

/// A compiled [`Dist`], ready to sample. Cheap to clone (an empirical sampler shares its
/// values).
#[derive(Clone, Debug)]
pub struct Sampler {
    kind: SamplerKind,
}

#[derive(Clone, Debug)]
enum SamplerKind {
    Fixed(f64),
    Uniform(Uniform<f64>),
    Triangular(Triangular<f64>),
    /// `exp(mu + sigma·Z)`, Z standard normal. The crate enables `rand_distr`'s
    /// `std_math`, so this `exp` is the platform's in release and test builds alike.
    LogNormal(LogNormal<f64>),
    Exponential(Exp<f64>),
    Empirical(Arc<[f64]>),
}

impl Sampler {
    /// One draw, in the unit of the distribution's parameters (hours by convention). Never
    /// negative and never NaN (such values are clamped to 0); never allocates.
    pub fn sample_h<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = match &self.kind {
            SamplerKind::Fixed(v) => *v,
            SamplerKind::Uniform(d) => d.sample(rng),
            SamplerKind::Triangular(d) => d.sample(rng),
            SamplerKind::LogNormal(d) => d.sample(rng),
            SamplerKind::Exponential(d) => d.sample(rng),
            SamplerKind::Empirical(values) => values[rng.random_range(0..values.len())],
        };
        // `NaN >= 0.0` is false, so this also maps NaN to 0.
        if x >= 0.0 { x } else { 0.0 }
    }
}

/// Points of the quantile quadrature in [`Dist::capped_moments`]: the capped value is
/// bounded, so the midpoint rule over this many probabilities is accurate to ~1e-4
/// relative even for skewed distributions.
const CAPPED_POINTS: usize = 8192;

impl Dist {
    /// The `p`-quantile (0 < p < 1) of a continuous distribution; for an empirical one,
    /// the value at rank ⌊p·n⌋ of the sorted values.
    #[must_use]
    pub fn quantile(&self, p: f64) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => min + p * (max - min),
            &Dist::Triangular { min, mode, max } => {
                let width = max - min;
                if width <= 0.0 {
                    return min;
                }
                if p < (mode - min) / width {
                    min + (p * width * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - p) * width * (max - mode)).sqrt()
                }
            }
            &Dist::LogNormal { median, p90 } => {
                median * (Self::lognormal_sigma(median, p90) * normal_quantile(p)).exp()
            }
            Dist::Exponential { mean } => -mean * (-p).ln_1p(),
            Dist::Empirical(values) => {
                let mut sorted = values.to_vec();
                sorted.sort_by(f64::total_cmp);
                let i = ((p * sorted.len() as f64) as usize).min(sorted.len() - 1);
                sorted[i]
            }
        }
    }

    /// Mean and variance of `min(X, cap)`: a time that a commitment (e.g. a same-day
    /// transfer target) never lets exceed `cap`. Exact for fixed and empirical
    /// distributions; by midpoint quadrature over the quantile function otherwise.
    #[must_use]
    pub fn capped_moments(&self, cap: f64) -> (f64, f64) {
        let moments = |xs: &mut dyn Iterator<Item = f64>, n: f64| {
            let (s1, s2) = xs.fold((0.0, 0.0), |(s1, s2), x| {
                let c = x.min(cap);
                (s1 + c, s2 + c * c)
            });
            let mean = s1 / n;
            (mean, (s2 / n - mean * mean).max(0.0))
        };
        match self {
            Dist::Fixed(v) => (v.min(cap), 0.0),
            Dist::Empirical(values) => moments(&mut values.iter().copied(), values.len() as f64),
            _ => {
                let n = CAPPED_POINTS as f64;
                let mut xs = (0..CAPPED_POINTS).map(|i| self.quantile((i as f64 + 0.5) / n));
                moments(&mut xs, n)
            }
        }
    }
}

/// The standard normal quantile Φ⁻¹(p), 0 < p < 1 (Acklam's rational approximation,
/// relative error below 1.2e-9).
#[must_use]
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::quantile_sorted;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const N: usize = 200_000;

    fn draws(d: &Dist, seed: u64) -> Vec<f64> {
        let s = d.sampler().expect("valid distribution");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..N).map(|_| s.sample_h(&mut rng)).collect()
    }

    fn sample_mean(xs: &[f64]) -> f64 {
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    fn sample_var(xs: &[f64]) -> f64 {
        let m = sample_mean(xs);
        xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64
    }

    /// Sample mean within 1 % of `mean()`, sample variance within 5 % of `variance()`, all
    /// draws finite, non-negative and at least `min_value()`.
    fn check_moments(d: &Dist, seed: u64) {
        let xs = draws(d, seed);
        assert!(
            xs.iter().all(|x| x.is_finite() && *x >= d.min_value()),
            "{d:?}: draw out of support"
        );
        let (m, want) = (sample_mean(&xs), d.mean());
        assert!(
            (m - want).abs() <= 0.01 * want,
            "{d:?}: sample mean {m} vs mean {want} (tolerance 1 %)"
        );
        let (v, want_v) = (sample_var(&xs), d.variance());
        assert!(
            (v - want_v).abs() <= 0.05 * want_v + 1e-12,
            "{d:?}: sample variance {v} vs variance {want_v} (tolerance 5 %)"
        );
    }

    #[test]
    fn fixed_samples_its_value() {
        let d = Dist::fixed(4.5).unwrap();
        let xs = draws(&d, 1);
        assert!(xs.iter().all(|&x| x == 4.5));
        assert_eq!(d.mean(), 4.5);
        assert_eq!(d.variance(), 0.0);
        assert_eq!(d.min_value(), 4.5);
    }

    #[test]
    fn uniform_mean_within_1_percent() {
        let d = Dist::uniform(2.0, 10.0).unwrap();
        check_moments(&d, 2);
        assert_eq!(d.mean(), 6.0);
        assert!((d.std_dev() - (64.0f64 / 12.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn degenerate_uniform_and_triangular_are_fixed() {
        for d in [
            Dist::uniform(3.0, 3.0).unwrap(),
            Dist::triangular(3.0, 3.0, 3.0).unwrap(),
        ] {
            assert!(draws(&d, 3).iter().all(|&x| x == 3.0), "{d:?}");
            assert_eq!(d.variance(), 0.0);
        }
    }

    #[test]
    fn triangular_mean_within_1_percent() {
        check_moments(&Dist::triangular(1.0, 2.0, 8.0).unwrap(), 4);
        // Mode at an edge.
        check_moments(&Dist::triangular(0.0, 0.0, 5.0).unwrap(), 5);
        check_moments(&Dist::triangular(1.0, 5.0, 5.0).unwrap(), 6);
    }

    #[test]
    fn lognormal_mean_median_and_p90() {
        let d = Dist::lognormal(6.0, 15.0).unwrap();
        check_moments(&d, 7);
        let mut xs = draws(&d, 8);
        xs.sort_by(f64::total_cmp);
        let median = quantile_sorted(&xs, 0.5);
        let p90 = quantile_sorted(&xs, 0.9);
        assert!(
            (median - 6.0).abs() <= 0.01 * 6.0,
            "sample median {median} vs 6 (tolerance 1 %)"
        );
        assert!(
            (p90 - 15.0).abs() <= 0.015 * 15.0,
            "sample p90 {p90} vs 15 (tolerance 1.5 %)"
        );
        assert_eq!(d.min_value(), 0.0);
    }

    #[test]
    fn lognormal_sigma_matches_definition() {
        // p90 = median · e^{z0.9}  ⇒  sigma = 1, mean = median · e^{1/2}.
        let d = Dist::lognormal(2.0, 2.0 * Z_0_9.exp()).unwrap();
        assert!((d.mean() - 2.0 * 0.5f64.exp()).abs() < 1e-12);
        let var = (1.0f64.exp() - 1.0) * 4.0 * 1.0f64.exp();
        assert!((d.variance() - var).abs() < 1e-9);
    }

    #[test]
    fn exponential_mean_within_1_percent() {
        let d = Dist::exponential(3.0).unwrap();
        check_moments(&d, 9);
        assert_eq!(d.variance(), 9.0);
        assert_eq!(d.min_value(), 0.0);
    }

    #[test]
    fn empirical_mean_within_1_percent_and_only_given_values() {
        let values = [1.0, 2.0, 3.0, 10.0];
        let d = Dist::empirical(values.to_vec()).unwrap();
        check_moments(&d, 10);
        assert_eq!(d.mean(), 4.0);
        assert_eq!(d.variance(), (9.0 + 4.0 + 1.0 + 36.0) / 4.0);
        assert_eq!(d.min_value(), 1.0);
        let xs = draws(&d, 11);
        assert!(xs.iter().all(|x| values.contains(x)));
        // Every value is drawn.
        for v in values {
            assert!(xs.contains(&v));
        }
    }

    #[test]
    fn sampler_is_deterministic_for_a_seed() {
        let d = Dist::lognormal(1.0, 3.0).unwrap();
        assert_eq!(draws(&d, 42)[..100], draws(&d, 42)[..100]);
        assert_ne!(draws(&d, 42)[..100], draws(&d, 43)[..100]);
    }

    #[test]
    fn scaled_multiplies_every_parameter() {
        assert_eq!(Dist::fixed(2.0).unwrap().scaled(1.5), Dist::Fixed(3.0));
        assert_eq!(
            Dist::triangular(1.0, 2.0, 4.0).unwrap().scaled(2.0),
            Dist::Triangular {
                min: 2.0,
                mode: 4.0,
                max: 8.0
            }
        );
        let ln = Dist::lognormal(6.0, 15.0).unwrap();
        let s = ln.scaled(2.0);
        assert_eq!(
            s,
            Dist::LogNormal {
                median: 12.0,
                p90: 30.0
            }
        );
        assert!((s.mean() - 2.0 * ln.mean()).abs() < 1e-9);
        assert_eq!(
            Dist::exponential(2.0).unwrap().scaled(0.5),
            Dist::Exponential { mean: 1.0 }
        );
        assert_eq!(
            Dist::uniform(1.0, 2.0).unwrap().scaled(3.0),
            Dist::Uniform { min: 3.0, max: 6.0 }
        );
        assert_eq!(
            Dist::empirical(vec![1.0, 2.0]).unwrap().scaled(2.0),
            Dist::Empirical(vec![2.0, 4.0].into())
        );
        assert_eq!(ln.scaled(0.0), Dist::Fixed(0.0));
    }

    #[test]
    fn try_scaled_rejects_bad_factors_and_overflow() {
        let d = Dist::exponential(2.0).unwrap();
        for factor in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                d.try_scaled(factor),
                Err(DistError::InvalidScale { .. })
            ));
        }
        let big = Dist::fixed(MAX_DURATION).unwrap();
        assert!(matches!(
            big.try_scaled(10.0),
            Err(DistError::TooLarge { .. })
        ));
        assert!(matches!(
            Dist::Fixed(1e308).try_scaled(10.0),
            Err(DistError::NotFinite { .. })
        ));
    }

    #[test]
    fn parameters_and_moments_beyond_max_duration_are_rejected() {
        assert!(matches!(
            Dist::fixed(1e308),
            Err(DistError::TooLarge { param: "value", .. })
        ));
        assert!(matches!(
            Dist::empirical(vec![1.0, 1e308]),
            Err(DistError::EmpiricalTooLarge { index: 1, .. })
        ));
        // p90 within bounds, but so far above the median that the mean overflows.
        let e = Dist::lognormal(1e-300, 1.0).unwrap_err();
        assert!(matches!(e, DistError::LogNormalTooSkewed { .. }), "{e}");
        assert!(e.to_string().contains("median 1e-300"), "{e}");
        assert!(Dist::lognormal(6.0, 15.0).is_ok());
        assert!(Dist::uniform(0.0, MAX_DURATION).is_ok());
    }

    #[test]
    #[should_panic(expected = "scale factor")]
    fn scaled_panics_on_negative_factor() {
        let _ = Dist::fixed(1.0).unwrap().scaled(-2.0);
    }

    #[test]
    fn errors_fixed() {
        assert_eq!(
            Dist::fixed(f64::NAN).unwrap_err().to_string(),
            "value must be a finite number, got NaN"
        );
        assert_eq!(
            Dist::fixed(-1.0),
            Err(DistError::Negative {
                param: "value",
                value: -1.0
            })
        );
        assert!(Dist::fixed(0.0).is_ok());
    }

    #[test]
    fn errors_uniform() {
        assert_eq!(
            Dist::uniform(5.0, 2.0),
            Err(DistError::MinAboveMax { min: 5.0, max: 2.0 })
        );
        assert_eq!(
            Dist::uniform(-1.0, 2.0),
            Err(DistError::Negative {
                param: "min",
                value: -1.0
            })
        );
        assert_eq!(
            Dist::uniform(1.0, f64::INFINITY),
            Err(DistError::NotFinite {
                param: "max",
                value: f64::INFINITY
            })
        );
        assert_eq!(
            Dist::uniform(5.0, 2.0).unwrap_err().to_string(),
            "min (5) must not be greater than max (2)"
        );
    }

    #[test]
    fn errors_triangular() {
        assert_eq!(
            Dist::triangular(1.0, 5.0, 4.0),
            Err(DistError::ModeOutOfRange {
                min: 1.0,
                mode: 5.0,
                max: 4.0
            })
        );
        assert_eq!(
            Dist::triangular(1.0, 0.5, 4.0),
            Err(DistError::ModeOutOfRange {
                min: 1.0,
                mode: 0.5,
                max: 4.0
            })
        );
        assert_eq!(
            Dist::triangular(6.0, 5.0, 4.0),
            Err(DistError::MinAboveMax { min: 6.0, max: 4.0 })
        );
        assert!(matches!(
            Dist::triangular(0.0, f64::NAN, 4.0),
            Err(DistError::NotFinite { param: "mode", .. })
        ));
        assert!(matches!(
            Dist::triangular(-2.0, -1.0, 4.0),
            Err(DistError::Negative { param: "min", .. })
        ));
    }

    #[test]
    fn errors_lognormal() {
        assert_eq!(
            Dist::lognormal(5.0, 5.0),
            Err(DistError::P90NotAboveMedian {
                median: 5.0,
                p90: 5.0
            })
        );
        assert_eq!(
            Dist::lognormal(5.0, 3.0).unwrap_err().to_string(),
            "p90 (3) must be greater than median (5)"
        );
        assert_eq!(
            Dist::lognormal(0.0, 3.0),
            Err(DistError::NotPositive {
                param: "median",
                value: 0.0
            })
        );
        assert!(matches!(
            Dist::lognormal(-1.0, 3.0),
            Err(DistError::NotPositive {
                param: "median",
                ..
            })
        ));
        assert!(matches!(
            Dist::lognormal(1.0, f64::NAN),
            Err(DistError::NotFinite { param: "p90", .. })
        ));
        assert!(matches!(
            Dist::lognormal(f64::INFINITY, 3.0),
            Err(DistError::NotFinite {
                param: "median",
                ..
            })
        ));
        assert!(matches!(
            Dist::lognormal(1e-300, 1e300),
            Err(DistError::LogNormalTooWide { .. })
        ));
    }

    #[test]
    fn errors_exponential() {
        assert_eq!(
            Dist::exponential(0.0),
            Err(DistError::NotPositive {
                param: "mean",
                value: 0.0
            })
        );
        assert!(matches!(
            Dist::exponential(f64::NAN),
            Err(DistError::NotFinite { param: "mean", .. })
        ));
        assert_eq!(
            Dist::exponential(-3.0).unwrap_err().to_string(),
            "mean must be greater than 0, got -3"
        );
    }

    #[test]
    fn errors_empirical() {
        assert_eq!(Dist::empirical(Vec::new()), Err(DistError::EmptyEmpirical));
        assert_eq!(
            Dist::empirical(vec![1.0, -2.0]),
            Err(DistError::EmpiricalNegative {
                index: 1,
                value: -2.0
            })
        );
        assert!(matches!(
            Dist::empirical(vec![1.0, 2.0, f64::NAN]),
            Err(DistError::EmpiricalNotFinite { index: 2, .. })
        ));
        assert_eq!(
            Dist::empirical(vec![1.0, -2.0]).unwrap_err().to_string(),
            "empirical value #1 must not be negative, got -2"
        );
    }

    #[test]
    fn sampler_rejects_directly_built_invalid_dist() {
        assert!(Dist::Fixed(-1.0).sampler().is_err());
        assert!(
            Dist::LogNormal {
                median: 2.0,
                p90: 1.0
            }
            .sampler()
            .is_err()
        );
        assert!(Dist::Empirical(Box::new([])).sampler().is_err());
        assert!(Dist::Fixed(-1.0).validate().is_err());
    }

    #[test]
    fn normal_quantile_matches_known_points() {
        assert!(normal_quantile(0.5).abs() < 1e-12);
        assert!((normal_quantile(0.9) - 1.281_551_565_5).abs() < 1e-8);
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((normal_quantile(0.001) + 3.090_232_306).abs() < 1e-7);
    }

    #[test]
    fn capped_moments_agree_with_sampling_and_closed_forms() {
        // Exponential, mean 10, capped at 5: E = 10 (1 - e^-0.5) exactly.
        let e = Dist::exponential(10.0).unwrap();
        let (m, _) = e.capped_moments(5.0);
        assert!((m - 10.0 * (1.0 - (-0.5f64).exp())).abs() < 1e-3, "{m}");
        // A cap above every value changes nothing.
        let t = Dist::triangular(2.0, 4.0, 9.0).unwrap();
        let (m, v) = t.capped_moments(100.0);
        assert!((m - t.mean()).abs() < 1e-4 && (v - t.variance()).abs() < 1e-3);
        // Log-normal capped at its median: against 200k draws.
        let l = Dist::lognormal(6.0, 14.0).unwrap();
        let xs: Vec<f64> = draws(&l, 11).into_iter().map(|x| x.min(6.0)).collect();
        let (m, v) = l.capped_moments(6.0);
        assert!(
            (m - sample_mean(&xs)).abs() / m < 0.005,
            "{m} vs {}",
            sample_mean(&xs)
        );
        assert!(
            (v - sample_var(&xs)).abs() / v < 0.02,
            "{v} vs {}",
            sample_var(&xs)
        );
        assert_eq!(Dist::Fixed(8.0).capped_moments(6.0), (6.0, 0.0));
        let emp = Dist::empirical(vec![1.0, 3.0, 10.0]).unwrap();
        let (m, _) = emp.capped_moments(4.0);
        assert!((m - 8.0 / 3.0).abs() < 1e-12);
    }
}
