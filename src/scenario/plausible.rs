//! Plausibility: figures that are valid numbers but probably in the wrong unit.
//!
//! A time in minutes where hours are meant, metres for kilometres, hours for days or yuan
//! for dollars all pass the validator's checks and silently change the results (a zone
//! ranking moved from 4th to 8th on such a slip). So the validator works out the figures a
//! planner can judge at a glance — a link's implied speed and its cost per TEU-km, a
//! service's mean dwell, a hub's mean customs and transfer times — and warns, at the field,
//! naming the implied figure, when one is outside the bounds below. `corridor validate
//! --strict` makes the warnings errors. The bounds are wide: they flag a unit slip (a
//! factor of 60 or 1000), not an unusual corridor.

use super::model::Mode;

/// Implied speed of a link, km/h: distance over mean travel time (waits and border
/// dwells on the link included).
#[must_use]
pub fn speed_bounds_kmh(mode: Mode) -> (f64, f64) {
    match mode {
        Mode::Road => (3.0, 110.0),
        Mode::Rail => (10.0, 120.0),
        Mode::River => (3.0, 40.0),
        Mode::Sea => (10.0, 60.0),
        Mode::Air => (200.0, 1000.0),
    }
}

/// Cost per TEU and km of a link, USD (judged on links of at least
/// [`MIN_KM_FOR_RATE`]: a short drayage costs a fixed amount more than a per-km rate).
#[must_use]
pub fn rate_bounds_usd_per_teu_km(mode: Mode) -> (f64, f64) {
    match mode {
        Mode::Road => (0.1, 10.0),
        Mode::Rail => (0.05, 3.0),
        Mode::River => (0.01, 2.0),
        Mode::Sea => (0.002, 0.5),
        Mode::Air => (0.5, 30.0),
    }
}

/// Links shorter than this are not judged on their cost per km.
pub const MIN_KM_FOR_RATE: f64 = 50.0;

/// A service's mean dwell at a stop, hours (border dwells of a rail service included).
pub const DWELL_H: (f64, f64) = (0.0, 72.0);

/// A hub's mean customs or transfer time, hours.
pub const HUB_TIME_H: (f64, f64) = (0.0, 72.0);

/// A warning if `x` is outside `(lo, hi)`: `what` names the implied figure, `unit` its
/// unit, `how` how it was worked out and which units to check.
#[must_use]
pub fn outside(x: f64, (lo, hi): (f64, f64), what: &str, unit: &str, how: &str) -> Option<String> {
    (x.is_finite() && !(lo..=hi).contains(&x)).then(|| {
        format!(
            "implied {what} {} {unit} is outside the plausible {lo}–{hi} {unit} ({how})",
            round(x)
        )
    })
}

/// Three significant figures, enough to recognise a factor of 60 or 1000.
#[must_use]
pub fn round(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let digits = 2 - x.abs().log10().floor() as i32;
    if digits > 0 {
        format!("{x:.*}", digits as usize)
    } else {
        let p = 10f64.powi(-digits);
        format!("{}", (x / p).round() * p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_inside_its_bounds_passes_and_one_outside_is_named() {
        let b = speed_bounds_kmh(Mode::Road);
        assert!(outside(40.0, b, "speed", "km/h", "").is_none());
        let w = outside(40.0 / 60.0, b, "speed", "km/h", "time_h in hours?").unwrap();
        assert!(w.contains("implied speed 0.667 km/h"), "{w}");
        assert!(w.contains("3–110 km/h"), "{w}");
        assert_eq!(round(38_600.0), "38600");
        assert_eq!(round(0.0123456), "0.0123");
    }
}
