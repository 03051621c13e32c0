//! Typed dense ids of the simulation's own entities.
//!
//! Facilities (hub transfer and customs, link bottlenecks), shipments and vehicles live in
//! per-replication `Vec`s; these newtypes keep their indices apart from each other and from
//! the scenario's ids ([`crate::ids`]).

use crate::ids::dense_id;

dense_id!(
    /// A queueing facility: an index into [`crate::sim::Model::facilities`].
    FacilityId
);
dense_id!(
    /// A shipment slot in one replication (slots are reused once a shipment is delivered).
    ShipmentId
);
dense_id!(
    /// A vehicle slot in one replication (a departure; slots are reused after its trip).
    VehicleId
);
dense_id!(
    /// A route of the compiled route table: an index into [`crate::sim::RouteTable`].
    RouteIx
);
