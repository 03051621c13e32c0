//! Writing results: tidy CSV and manifests, always atomically.
//!
//! [`tables`] turns a run's merged figures into the result tables, [`manifest`] records
//! what produced them, and [`atomic`] makes every write all-or-nothing.

pub mod atomic;
pub mod manifest;
pub mod tables;
