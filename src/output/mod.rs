//! Writing results: tidy CSV and manifests, always atomically.

pub mod atomic;
