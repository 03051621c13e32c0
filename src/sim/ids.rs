//! Typed dense ids of the simulation's own entities.
//!
//! Facilities (hub transfer and customs, link bottlenecks), shipments and vehicles live in
//! per-replication `Vec`s; these newtypes keep their indices apart from each other and from
//! the scenario's ids ([`crate::ids`]).

macro_rules! sim_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the owning `Vec`.
            #[inline]
            #[must_use]
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of the entity at `index`.
            ///
            /// # Panics
            /// If `index` does not fit in `u32` (a replication that large cannot be held
            /// in memory anyway).
            #[inline]
            #[must_use]
            pub fn new(index: usize) -> Self {
                Self(u32::try_from(index).expect("simulation index exceeds u32"))
            }
        }
    };
}

sim_id!(
    /// A queueing facility: an index into [`crate::sim::Model::facilities`].
    FacilityId
);
sim_id!(
    /// A shipment slot in one replication (slots are reused once a shipment is delivered).
    ShipmentId
);
sim_id!(
    /// A vehicle slot in one replication (a departure; slots are reused after its trip).
    VehicleId
);
sim_id!(
    /// A route of the compiled route table: an index into [`crate::sim::RouteTable`].
    RouteIx
);
