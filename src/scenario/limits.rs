//! The largest numbers a scenario may hold, so that whatever validates can be simulated.
//!
//! Every figure of a scenario ends up in arithmetic: costs are summed along routes and
//! multiplied by values of time, durations become seconds and are summed along routes,
//! rates become inter-arrival gaps. A number that is finite but absurd (`1e308` USD, a
//! headway of `1e302` hours) overflows to infinity there, and a run that validated fails or
//! writes `inf` into its tables. The validator therefore bounds every number by the limit
//! of its kind below. Each limit is far beyond any real figure (a typo of a few orders of
//! magnitude still passes; a plausibility check is another matter), and small enough that
//! the sums and products the model forms stay finite with room to spare: the largest
//! generalized cost of a route is below about 1e20 USD/TEU.
//!
//! Distribution parameters are bounded by [`crate::dist::MAX_DURATION`].

/// An upper bound on one kind of scenario number, with the reason given in messages.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    /// The largest value accepted.
    pub max: f64,
    /// Why it is the bound (shown after the figure in the message).
    pub why: &'static str,
}

/// Money per TEU: link and connector rates, fares, hub facility charges, rebates.
pub const USD_PER_TEU: Limit = Limit {
    max: 1.0e7,
    why: "a hundred times the dearest air freight",
};

/// The value of a TEU of cargo.
pub const VALUE_USD_PER_TEU: Limit = Limit {
    max: 1.0e9,
    why: "more than any container's cargo is worth",
};

/// A value of time per TEU and day.
pub const VOT_USD_PER_TEU_DAY: Limit = Limit {
    max: 1.0e9,
    why: "the whole value of the dearest cargo per day",
};

/// A link's or connector's length.
pub const DISTANCE_KM: Limit = Limit {
    max: 50_000.0,
    why: "longer than any route on Earth",
};

/// A road speed stated in `[region]`.
pub const SPEED_KMH: Limit = Limit {
    max: 1000.0,
    why: "faster than any truck or train",
};

/// A time in hours that is not a distribution: timetable offsets and headways, targets,
/// scheduled run times.
pub const HOURS: Limit = Limit {
    max: 876_000.0,
    why: "100 years, the longest horizon",
};

/// A time in days that is not a distribution: due dates.
pub const DAYS: Limit = Limit {
    max: 36_500.0,
    why: "100 years, the longest horizon",
};

/// Demand of one flow.
pub const TEU_PER_DAY: Limit = Limit {
    max: 1.0e6,
    why: "more than the world's container ports handle",
};

/// Background traffic at a bottleneck.
pub const BACKGROUND_PER_DAY: Limit = Limit {
    max: 1.0e5,
    why: "more than one vehicle a second",
};

/// Highest utilisation (background and timetabled arrivals × mean `time_h` / servers) of a bottleneck
/// whose queue starts in its steady state: the mean of the drawn queue, ρ/(1 − ρ) units at
/// most, stays near a thousand, and the start cannot allocate without bound.
pub const STATIONARY_UTILISATION_MAX: f64 = 0.999;

/// The most departures per week a service may have: one a minute.
pub const DEPARTURES_PER_WEEK: Limit = Limit {
    max: 10_080.0,
    why: "one a minute",
};

/// The fewest departures per week a service may have: one every 96 years, so its headway
/// stays within [`HOURS`].
pub const MIN_DEPARTURES_PER_WEEK: f64 = 0.0002;

/// `[choice] vot_rate_per_day`, a share of the cargo's value per day.
pub const VOT_RATE_PER_DAY: Limit = Limit {
    max: 1.0,
    why: "the cargo's whole value every day",
};

/// `[choice] reliability_ratio`, the weight of a day of spread against a day of mean time.
pub const RELIABILITY_RATIO: Limit = Limit {
    max: 100.0,
    why: "published ratios are between 0.5 and 2",
};

/// `[choice] k_routes`: routes kept per origin–destination.
pub const K_ROUTES: u32 = 64;

/// `[choice] feedback.iterations`: each is a simulation of every replication, so a
/// hundred is already a hundred runs (msa moves a share by at most 1 % at the 100th).
pub const FEEDBACK_ITERATIONS: u32 = 100;

/// `[choice] feedback.period_days`: choice periods in the observation window. Each
/// replication keeps transit moments per route and period, so this bounds that memory;
/// 366 is a year of daily shares.
pub const FEEDBACK_PERIODS: f64 = 366.0;

/// `[compare] weights`.
pub const SCORE_WEIGHT: Limit = Limit {
    max: 1000.0,
    why: "a thousand times the generalized cost",
};

/// A slowdown's `time_factor`.
pub const TIME_FACTOR: Limit = Limit {
    max: 1000.0,
    why: "a slowdown beyond that is a closure",
};

/// Stops of one service: stop positions are 16-bit in the routing graph and the vehicles.
pub const MAX_STOPS: usize = u16::MAX as usize;

/// How deep `extends` chains may go: each level is a file that overrides its parent, so
/// more than a few are a mistake, and the loader follows them recursively.
pub const MAX_EXTENDS_DEPTH: usize = 32;

/// The largest file the scenario and sweep loaders read: a scenario of 100 000 hubs is a
/// few tens of megabytes.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The most cells the `[tables]` of one scenario (with what it extends) may hold together.
/// Each cell becomes a located node of roughly 200 bytes, so this keeps a table-built
/// scenario within a few hundred megabytes however large the CSV files are; it is about
/// 100 000 hubs of 10 columns each.
pub const MAX_TABLE_CELLS: usize = 1_000_000;
