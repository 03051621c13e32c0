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
//!    is reported with its file, line, column, field and entity. [`scenario::load`] does it
//!    in one call; [`scenario::Document`] exposes the stages (load → patch → validate) for
//!    batch sweeps.
//! 2. **Route** ([`routing`]): the scenario's immutable routing graph (one node per
//!    situation a shipment can be in at a hub) and, per demand flow, the routes offered
//!    and their shares.
//! 3. **Simulate** ([`sim`], [`run`]): replications in parallel, each borrowing the
//!    scenario, the compiled model and the route table immutably and keeping its own
//!    state; **aggregate** ([`sim::aggregate`]) merges them in replication order.
//! 4. **Compare** ([`compare`]): paired differences and zone rankings on common random
//!    numbers; **sweep** ([`batch`]) runs many variants; **write** ([`output`]) puts
//!    every table on disk atomically.
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
pub mod calibrate;
pub mod compare;
pub mod dist;
pub mod feedback;
#[doc(hidden)]
pub mod fuzzing;
pub mod hash;
pub mod ids;
pub mod num;
pub mod output;
pub mod report;
pub mod rng;
pub mod routing;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod tariff;
pub mod time;
