//! Writing results: tidy CSV and manifests, always atomically.
//!
//! [`tables`] turns a run's merged figures into the result tables, [`timeseries`] its
//! day-by-day series into `timeseries.csv`, [`geojson`] into a map
//! layer, [`manifest`] records what produced them, [`atomic`] makes every write all-or-nothing, and [`dir`] does the
//! same for a whole output directory and keeps a second writer out of it.

pub mod atomic;
pub mod dir;
pub mod geojson;
pub mod manifest;
pub mod tables;
pub mod timeseries;
