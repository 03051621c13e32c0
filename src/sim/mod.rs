//! Discrete-event simulation engine.

pub mod event_queue;
