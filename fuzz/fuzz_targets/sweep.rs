//! Fuzzes the sweep loader through expansion and the check of its first variants
//! (`corridor_sim::fuzzing::sweep`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    corridor_sim::fuzzing::sweep(corridor_sim_fuzz::dir(), data);
});
