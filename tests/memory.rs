//! Memory of the comparing commands does not grow with the number of replications.
//!
//! A counting global allocator records the peak of live heap bytes. `diff` and `plugin`
//! (`simulate_paired`) and `compare-zones` (`compare_zones`) accumulate every figure as
//! replications finish, so ten times the replications must not raise the peak much;
//! holding every replication's result (`run::simulate`), measured the same way as a
//! control, does raise it — which shows the measurement can see the growth it rules out.
//! One test in this binary: tests running in parallel would share the counter.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use corridor_sim::compare::{KINDS, paired, zones};
use corridor_sim::run;
use corridor_sim::scenario::{self, Scenario};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; the counters are
// only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is the system allocator's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn load(rel: &str, replications: u32) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel);
    let mut s = scenario::load(&path).unwrap().scenario;
    s.meta.replications = replications;
    s
}

/// Peak heap bytes above what was live before `f` ran.
fn peak_of(f: impl FnOnce()) -> usize {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed) - before
}

#[test]
fn comparisons_use_flat_memory_in_the_replications() {
    // One worker: the batch size (and so the memory held) is then fixed.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| {
        let (few, many) = (40, 400);
        let paired_peak = |n: u32| {
            let s = load("two_corridors.toml", n);
            peak_of(|| {
                let p = paired::simulate_paired(
                    &s,
                    &s,
                    &KINDS,
                    corridor_sim::run::Collect::Summary,
                    &|| {},
                )
                .unwrap();
                assert_eq!(p.b_agg.replications, n as usize);
            })
        };
        let held_peak = |n: u32| {
            let s = load("two_corridors.toml", n);
            peak_of(|| {
                let a = run::simulate(&s, &|| {}).unwrap();
                let b = run::simulate(&s, &|| {}).unwrap();
                for kind in KINDS {
                    paired::compare(&a, &b, kind);
                }
            })
        };
        let zones_peak = |n: u32| {
            let s = load("zones/twins.toml", n);
            let ids: Vec<_> = (0..s.candidates.len())
                .map(corridor_sim::ids::CandidateId::new)
                .collect();
            peak_of(|| {
                zones::compare_zones(&s, &ids, &|| {}).unwrap();
            })
        };

        let (held_few, held_many) = (held_peak(few), held_peak(many));
        assert!(
            held_many > 2 * held_few,
            "the control should grow: {held_few} B for {few} replications, {held_many} B for {many}"
        );
        for (what, peak) in [
            ("diff/plugin", &paired_peak as &dyn Fn(u32) -> usize),
            ("compare-zones", &zones_peak),
        ] {
            let (at_few, at_many) = (peak(few), peak(many));
            assert!(
                at_many * 4 < at_few * 5,
                "{what}: {at_few} B at {few} replications, {at_many} B at {many}"
            );
        }
    });
}
