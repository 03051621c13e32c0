//! Helpers shared by the integration tests that check the simulation against theory.

use corridor_sim::sim::ReplicationResult;
use corridor_sim::stats::Summary;

/// Pooled mean wait in queue at `facility` over all replications (each replication's mean
/// weighted by its arrivals), and the across-replication standard error of the mean.
pub fn pooled_wait(results: &[ReplicationResult], facility: usize) -> (f64, f64) {
    let (mut sum, mut n) = (0.0, 0.0);
    let mut per_rep = Vec::new();
    for r in results {
        let f = &r.facilities[facility];
        let w = f.wait_h_mean.expect("waits observed");
        sum += w * f.arrivals as f64;
        n += f.arrivals as f64;
        per_rep.push(w);
    }
    let s = Summary::of_replications(&per_rep);
    (sum / n, s.sd / (per_rep.len() as f64).sqrt())
}

/// Asserts `got` is within relative `tol` of `want`, and prints the comparison.
pub fn assert_rel(what: &str, got: f64, want: f64, tol: f64) {
    let rel = (got - want).abs() / want;
    assert!(
        rel <= tol,
        "{what}: got {got:.4}, want {want:.4} ± {:.1}% (off by {:.2}%)",
        tol * 100.0,
        rel * 100.0
    );
    eprintln!(
        "{what}: got {got:.4}, theory {want:.4} ({:+.2}%)",
        (got - want) / want * 100.0
    );
}
