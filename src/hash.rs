//! The crate's two hash functions, each with one job.
//!
//! - [`fnv1a64`] names things: random streams by entity id ([`crate::rng`]), sweep and
//!   variant ids ([`crate::batch`]). It is specified, unseeded and identical on every
//!   platform and Rust version, so a name never changes, and short enough to read.
//! - [`sha256_hex`] checks content: the scenario files in a `manifest.json` and the tables
//!   a sweep commits. It is what `sha256sum` prints, so a planner can check a file against
//!   its record without corridor-sim.

use sha2::{Digest, Sha256};

/// FNV-1a, 64-bit, of `bytes`.
#[must_use]
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// SHA-256 of `bytes` as 64 lowercase hex digits (what `sha256sum` prints).
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        // FNV-1a 64 reference values: if these change, every stream and id changes.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        // `printf abc | sha256sum`.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
