//! Shards: a deterministic slice of a sweep's variants.
//!
//! Shard `K/N` holds the variants whose canonical index `i` has `i mod N == K`. Dealing
//! variants round-robin rather than in contiguous blocks spreads the expensive corner of a
//! sweep (say, every variant with the longest closure) over all shards, and it needs no
//! knowledge of the other shards: every array task computes its own slice from the sweep
//! file alone.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One slice `index/count` of a sweep, `0 ≤ index < count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// Which slice, from 0.
    pub index: u32,
    /// How many slices.
    pub count: u32,
}

/// Why a shard specification was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not of the form `K/N`.
    #[error("`{0}` is not a shard: expected K/N, e.g. 0/4 (the first of four)")]
    Syntax(String),
    /// `N` is 0.
    #[error("a sweep cannot be split into 0 shards")]
    ZeroCount,
    /// `K ≥ N`.
    #[error("shard {index}/{count} does not exist: K counts from 0, so it must be below {count}")]
    OutOfRange {
        /// K.
        index: u32,
        /// N.
        count: u32,
    },
}

impl Shard {
    /// The whole sweep, `0/1`.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Shard `index/count`.
    ///
    /// # Errors
    /// [`ShardError::ZeroCount`] or [`ShardError::OutOfRange`].
    pub fn new(index: u32, count: u32) -> Result<Shard, ShardError> {
        if count == 0 {
            return Err(ShardError::ZeroCount);
        }
        if index >= count {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// Whether the variant at canonical position `i` belongs to this shard.
    #[must_use]
    pub fn contains(self, i: usize) -> bool {
        // `count` ≥ 1, and a u32 always fits a usize on the platforms we build for.
        i % self.count as usize == self.index as usize
    }

    /// Whether this is the whole sweep.
    #[must_use]
    pub fn is_whole(self) -> bool {
        self.count == 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(syntax)?;
        let k: u32 = k.trim().parse().map_err(|_| syntax())?;
        let n: u32 = n.trim().parse().map_err(|_| syntax())?;
        Shard::new(k, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_bounds() {
        assert_eq!("2/3".parse(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(
            "3/3".parse::<Shard>(),
            Err(ShardError::OutOfRange { index: 3, count: 3 })
        );
        assert_eq!("0/0".parse::<Shard>(), Err(ShardError::ZeroCount));
        assert!(matches!("1-3".parse::<Shard>(), Err(ShardError::Syntax(_))));
        assert!(matches!(
            "-1/3".parse::<Shard>(),
            Err(ShardError::Syntax(_))
        ));
    }

    #[test]
    fn shards_partition_the_variants() {
        let n = 3;
        for i in 0..20 {
            let owners = (0..n)
                .filter(|&k| Shard::new(k, n).unwrap().contains(i))
                .count();
            assert_eq!(owners, 1, "variant {i}");
        }
        assert!((0..5).all(|i| Shard::WHOLE.contains(i)));
    }
}
