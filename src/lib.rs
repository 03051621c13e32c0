//! # corridor-sim
//!
//! A Monte Carlo discrete-event simulator of multimodal freight corridors and hubs, for
//! planners who must decide which industrial zones to link into a corridor network, which
//! services to add and which policies pay off.
//!
//! ## Lifecycle
//!
//! 1. **Load and validate** ([`scenario`]): TOML scenario files (with `extends` and `[[set]]`
//!    patches) become a validated [`scenario::Scenario`] with dense typed ids. Every problem
//!    is reported with its file, line, column, field and entity.
//! 2. **Build** ([`network`]): the immutable network that every later stage borrows.
//! 3. **Route**, **simulate**, **aggregate** and **write** build on the network.
//!
//! ## Glossary
//!
//! - **TEU** — twenty-foot equivalent unit, the unit of container volume and of demand.
//! - **Hub** — a place where freight is handled (port, rail terminal, zone, border, market).
//! - **Link** — infrastructure between two hubs in one mode; **service** — a timetabled line
//!   of vehicles over consecutive links; **corridor** — a named family of links and services.
//! - **Generalized cost** — money plus value of time × expected time, per TEU.
//! - **Replication** — one independent run of the discrete-event model over the horizon.
//!
//! Units are in names: `_h` hours, `_days` days, `_km` kilometres, `_usd_per_teu` US dollars
//! per TEU. The library never prints, reads the environment or exits; the `corridor` binary
//! does that.

pub mod batch;
pub mod compare;
pub mod dist;
#[doc(hidden)]
pub mod fuzzing;
pub mod ids;
pub mod network;
pub mod num;
pub mod output;
pub mod rng;
pub mod routing;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod time;
