//! Simulation time.
//!
//! Time is kept as whole seconds since the start of a replication (t = 0) in a `u64`, not as
//! floating-point hours, so that the event queue orders plain integers: there are no NaNs,
//! no rounding-dependent ties and no platform differences in ordering. One second is far
//! finer than any freight process we model, and `u64` seconds cover about 585 billion years,
//! so arithmetic saturates rather than wraps and never needs to in practice.
//!
//! Durations are plain `u64` seconds; [`hours_to_secs`] converts sampled durations in hours
//! (what [`crate::dist`] samplers return) with the same rounding rules as
//! [`SimTime::from_hours_f64`].

use std::fmt;
use std::ops::{Add, AddAssign};

/// Seconds in one hour.
pub const SECS_PER_HOUR: u64 = 3600;
/// Seconds in one day.
pub const SECS_PER_DAY: u64 = 24 * SECS_PER_HOUR;

/// Converts a duration in hours to whole seconds: rounded to the nearest second, negative
/// and NaN give 0, and values too large for `u64` saturate at `u64::MAX`.
#[must_use]
pub fn hours_to_secs(hours: f64) -> u64 {
    f64_secs_to_u64(hours * SECS_PER_HOUR as f64)
}

/// Converts a duration in days to whole seconds, with the rounding rules of [`hours_to_secs`].
#[must_use]
pub fn days_to_secs(days: f64) -> u64 {
    f64_secs_to_u64(days * SECS_PER_DAY as f64)
}

/// Rounds to the nearest second; negative and NaN → 0, too large (or +∞) → `u64::MAX`.
fn f64_secs_to_u64(secs: f64) -> u64 {
    // Hot: every sampled duration passes here. `f64::round` is a libm call on baseline
    // x86-64, so round half away from zero by hand. Below 2^62 the truncation and the
    // fraction `secs - whole` are both exact, so this equals `secs.round()` bit for bit,
    // and the conversion goes through `i64`, one instruction (`f64 → u64` is not).
    const I64_SAFE: f64 = (1u64 << 62) as f64;
    if secs.is_nan() || secs < 0.5 {
        0
    } else if secs < I64_SAFE {
        let whole = secs as i64;
        (whole + i64::from(secs - whole as f64 >= 0.5)) as u64
    } else if secs >= u64::MAX as f64 {
        u64::MAX
    } else {
        // Integral at this magnitude: the cast is exact.
        secs as u64
    }
}

/// A point in simulation time: whole seconds since t = 0 of the replication.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

impl SimTime {
    /// The start of a replication.
    pub const ZERO: SimTime = SimTime(0);
    /// The latest representable time; additions saturate here.
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// The time `secs` seconds after t = 0.
    #[must_use]
    pub const fn from_secs(secs: u64) -> SimTime {
        SimTime(secs)
    }

    /// The time `hours` after t = 0, rounded to the nearest second. Negative and NaN give
    /// [`SimTime::ZERO`]; values beyond the range saturate at [`SimTime::MAX`].
    #[must_use]
    pub fn from_hours_f64(hours: f64) -> SimTime {
        SimTime(hours_to_secs(hours))
    }

    /// The time `days` after t = 0, with the rounding rules of [`SimTime::from_hours_f64`].
    #[must_use]
    pub fn from_days_f64(days: f64) -> SimTime {
        SimTime(days_to_secs(days))
    }

    /// Whole seconds since t = 0.
    #[must_use]
    pub const fn secs(self) -> u64 {
        self.0
    }

    /// Hours since t = 0.
    #[must_use]
    pub fn as_hours_f64(self) -> f64 {
        self.0 as f64 / SECS_PER_HOUR as f64
    }

    /// Days since t = 0.
    #[must_use]
    pub fn as_days_f64(self) -> f64 {
        self.0 as f64 / SECS_PER_DAY as f64
    }

    /// The time `secs` later, saturating at [`SimTime::MAX`] (same as `self + secs`).
    #[must_use]
    pub const fn saturating_add_secs(self, secs: u64) -> SimTime {
        SimTime(self.0.saturating_add(secs))
    }

    /// The time `secs` earlier, saturating at [`SimTime::ZERO`].
    #[must_use]
    pub const fn saturating_sub_secs(self, secs: u64) -> SimTime {
        SimTime(self.0.saturating_sub(secs))
    }

    /// Seconds elapsed from `earlier` to `self`, or `None` if `earlier` is later than `self`.
    #[must_use]
    pub const fn checked_sub(self, earlier: SimTime) -> Option<u64> {
        self.0.checked_sub(earlier.0)
    }

    /// Seconds elapsed from `earlier` to `self`, or 0 if `earlier` is later than `self`.
    #[must_use]
    pub const fn saturating_sub(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// `time + secs`: saturating at [`SimTime::MAX`].
impl Add<u64> for SimTime {
    type Output = SimTime;

    fn add(self, secs: u64) -> SimTime {
        self.saturating_add_secs(secs)
    }
}

/// `time += secs`: saturating at [`SimTime::MAX`].
impl AddAssign<u64> for SimTime {
    fn add_assign(&mut self, secs: u64) {
        *self = self.saturating_add_secs(secs);
    }
}

/// Formats as `d+hh:mm:ss` (days since t = 0, then time of day), e.g. `3+07:05:09`.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0 / SECS_PER_DAY;
        let rem = self.0 % SECS_PER_DAY;
        let (h, m, s) = (rem / SECS_PER_HOUR, (rem % SECS_PER_HOUR) / 60, rem % 60);
        write!(f, "{days}+{h:02}:{m:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_hours_rounds_to_nearest_second() {
        assert_eq!(SimTime::from_hours_f64(1.0).secs(), 3600);
        assert_eq!(SimTime::from_hours_f64(1.5).secs(), 5400);
        // 0.4 s rounds down, 0.6 s rounds up.
        assert_eq!(SimTime::from_hours_f64(0.4 / 3600.0).secs(), 0);
        assert_eq!(SimTime::from_hours_f64(0.6 / 3600.0).secs(), 1);
        assert_eq!(SimTime::from_days_f64(2.0).secs(), 2 * SECS_PER_DAY);
    }

    #[test]
    fn from_hours_clamps_negative_nan_and_huge() {
        assert_eq!(SimTime::from_hours_f64(-5.0), SimTime::ZERO);
        assert_eq!(SimTime::from_hours_f64(-0.0001), SimTime::ZERO);
        assert_eq!(SimTime::from_hours_f64(f64::NAN), SimTime::ZERO);
        assert_eq!(SimTime::from_hours_f64(f64::NEG_INFINITY), SimTime::ZERO);
        assert_eq!(SimTime::from_hours_f64(f64::INFINITY), SimTime::MAX);
        assert_eq!(SimTime::from_hours_f64(1e300), SimTime::MAX);
        assert_eq!(SimTime::from_days_f64(1e300), SimTime::MAX);
        assert_eq!(hours_to_secs(f64::NAN), 0);
        assert_eq!(days_to_secs(0.5), SECS_PER_DAY / 2);
    }

    /// The reference the hand-rolled rounding must match bit for bit.
    fn by_libm(secs: f64) -> u64 {
        let r = secs.round();
        if r.is_nan() || r <= 0.0 {
            0
        } else if r >= u64::MAX as f64 {
            u64::MAX
        } else {
            r as u64
        }
    }

    #[test]
    fn rounding_matches_f64_round_at_the_edges() {
        let just_below_half = 0.5f64.next_down();
        for secs in [
            0.0,
            -0.0,
            just_below_half,
            0.5,
            1.5,
            2.5,
            2.5f64.next_down(),
            4_503_599_627_370_495.5,
            9_007_199_254_740_993.0,
            9.3e18,
            1.8e19,
            u64::MAX as f64,
            f64::MAX,
            f64::MIN_POSITIVE,
        ] {
            assert_eq!(f64_secs_to_u64(secs), by_libm(secs), "{secs:e}");
        }
    }

    proptest::proptest! {
        #[test]
        fn rounding_matches_f64_round(bits in proptest::prelude::any::<u64>(), x in -1e7f64..1e12) {
            let any = f64::from_bits(bits);
            proptest::prop_assert_eq!(f64_secs_to_u64(any), by_libm(any));
            proptest::prop_assert_eq!(f64_secs_to_u64(x), by_libm(x));
        }
    }

    #[test]
    fn accessors_convert_units() {
        let t = SimTime::from_secs(36 * SECS_PER_HOUR);
        assert!((t.as_hours_f64() - 36.0).abs() < 1e-12);
        assert!((t.as_days_f64() - 1.5).abs() < 1e-12);
    }

    #[test]
    fn addition_saturates() {
        let t = SimTime::from_secs(10);
        assert_eq!((t + 5).secs(), 15);
        assert_eq!(SimTime::MAX + 1, SimTime::MAX);
        let mut u = SimTime::from_secs(u64::MAX - 1);
        u += 10;
        assert_eq!(u, SimTime::MAX);
        assert_eq!(t.saturating_sub_secs(20), SimTime::ZERO);
        assert_eq!(t.saturating_sub_secs(3).secs(), 7);
    }

    #[test]
    fn subtraction_of_times_gives_elapsed_seconds() {
        let a = SimTime::from_secs(100);
        let b = SimTime::from_secs(160);
        assert_eq!(b.checked_sub(a), Some(60));
        assert_eq!(a.checked_sub(b), None);
        assert_eq!(b.saturating_sub(a), 60);
        assert_eq!(a.saturating_sub(b), 0);
    }

    #[test]
    fn ordering_follows_seconds() {
        assert!(SimTime::from_secs(1) < SimTime::from_secs(2));
        assert_eq!(SimTime::default(), SimTime::ZERO);
    }

    #[test]
    fn display_is_days_plus_clock() {
        let t = SimTime::from_secs(3 * SECS_PER_DAY + 7 * SECS_PER_HOUR + 5 * 60 + 9);
        assert_eq!(t.to_string(), "3+07:05:09");
        assert_eq!(SimTime::ZERO.to_string(), "0+00:00:00");
    }
}
