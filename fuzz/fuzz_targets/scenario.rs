//! Fuzzes the scenario loader through validation, routing, compilation and a short
//! simulation (`corridor_sim::fuzzing::scenario`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    corridor_sim::fuzzing::scenario(corridor_sim_fuzz::dir(), data);
});
