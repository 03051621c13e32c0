//! Typed dense ids.
//!
//! Every entity of a validated scenario is addressed by a small newtype over its index in
//! the scenario's `Vec`, so a hub index can never be used where a link index is meant and
//! per-replication state can live in plain `Vec`s indexed by these ids.

/// Declares a typed dense id: a `u32` newtype with `index()` and `new(usize)`. Shared with
/// the simulation's own ids (`sim::ids`).
macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the owning `Vec`.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of the entity at `index`.
            ///
            /// # Panics
            ///
            /// If `index` does not fit in `u32` (a scenario that large is rejected earlier).
            #[inline]
            pub fn new(index: usize) -> Self {
                Self(u32::try_from(index).expect("entity index exceeds u32"))
            }
        }
    };
}
pub(crate) use dense_id;

dense_id!(
    /// A hub: an index into `Scenario::hubs`.
    HubId
);
dense_id!(
    /// A link: an index into `Scenario::links`.
    LinkId
);
dense_id!(
    /// A service: an index into `Scenario::services`.
    ServiceId
);
dense_id!(
    /// A corridor: an index into `Scenario::corridors`.
    CorridorId
);
dense_id!(
    /// A demand flow: an index into `Scenario::demand`.
    DemandId
);
dense_id!(
    /// A candidate zone: an index into `Scenario::candidates`.
    CandidateId
);
dense_id!(
    /// A disruption: an index into `Scenario::disruptions`.
    DisruptionId
);
dense_id!(
    /// A demand class: an index into `Scenario::classes`.
    ClassId
);
