//! Numbers in messages: as written at ordinary magnitudes, in scientific notation beyond.
//!
//! `f64`'s `Display` writes every digit, so `1e308` in a scenario came back in an error as
//! a 309-digit decimal. Messages print numbers through [`Num`] instead.

use std::fmt;

/// Displays an `f64` as `Display` does between 1e-4 and 1e15, and as `1e308`, `1.5e-300`
/// outside (NaN and infinities as `NaN`, `inf`, `-inf`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0.abs();
        if self.0.is_finite() && a != 0.0 && !(1.0e-4..1.0e15).contains(&a) {
            write!(f, "{:e}", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Num;

    #[test]
    fn large_and_tiny_numbers_are_short() {
        assert_eq!(Num(1e308).to_string(), "1e308");
        assert_eq!(Num(-1.68e302).to_string(), "-1.68e302");
        assert_eq!(Num(1e-300).to_string(), "1e-300");
        assert_eq!(Num(30000.0).to_string(), "30000");
        assert_eq!(Num(0.25).to_string(), "0.25");
        assert_eq!(Num(0.0).to_string(), "0");
        assert_eq!(Num(f64::NAN).to_string(), "NaN");
        assert_eq!(Num(f64::INFINITY).to_string(), "inf");
    }
}
