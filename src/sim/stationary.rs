//! The steady state of an M/M/c queue, to start a bottleneck's background queue in it.
//!
//! A queue near full utilisation takes a very long time to reach its steady state from
//! empty: at ρ ≈ 0.97 on two servers the relaxation time is months, longer than any
//! sensible warm-up, so a replication that starts empty measures a queue still building.
//! Starting instead from a draw of the stationary distribution makes every moment of the
//! replication a moment of the steady state, with no warm-up at all.
//!
//! For an M/M/c queue with offered load a = λ/μ Erlangs (< c) and ρ = a/c, the number in
//! system N has P(N = n) ∝ aⁿ/n! for n < c, and P(N ≥ c) = C(c, a), the Erlang C; given
//! N ≥ c, the number waiting N − c is geometric: P(N − c = k) = (1 − ρ)ρᵏ. With
//! exponential service the units in service have exponential remaining times of the same
//! mean (memorylessness), so fresh draws for them make the start exact.

use rand::Rng;

use crate::routing::erlang_c;

/// Draws the number of units in system (in service and waiting) of a stationary M/M/c
/// queue with `servers` servers and offered load `offered` Erlangs (λ × mean service
/// time, below `servers`): two uniform draws from `rng`.
///
/// # Panics
///
/// If `offered` is not in `[0, servers)` (validation requires a utilisation of at most
/// [`crate::scenario::limits::STATIONARY_UTILISATION_MAX`]).
///
/// # Complexity
///
/// O(c).
pub fn draw_in_system<R: Rng + ?Sized>(servers: u32, offered: f64, rng: &mut R) -> u64 {
    let servers = servers.max(1);
    let c = f64::from(servers);
    assert!(
        (0.0..c).contains(&offered),
        "no steady state: offered load {offered} with {servers} servers"
    );
    let all_busy = if offered > 0.0 {
        erlang_c(servers, offered)
    } else {
        0.0
    };
    let u: f64 = rng.random();
    let v: f64 = rng.random();
    if u < all_busy {
        // Waiting: geometric on {0, 1, ...} with P(k) = (1 − ρ)ρᵏ, by inversion
        // (1 − v is in (0, 1], so the logarithm is finite).
        let rho = offered / c;
        let waiting = ((1.0 - v).ln() / rho.ln()).floor();
        return u64::from(servers) + waiting as u64;
    }
    // Fewer than c: n with weight aⁿ/n!, n = 0 .. c − 1.
    let mut term = 1.0;
    let mut total = 0.0;
    for n in 0..servers {
        total += term;
        term *= offered / f64::from(n + 1);
    }
    let target = v * total;
    let mut term = 1.0;
    let mut cumulative = 0.0;
    for n in 0..servers {
        cumulative += term;
        if target < cumulative {
            return u64::from(n);
        }
        term *= offered / f64::from(n + 1);
    }
    u64::from(servers - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Mean and variance of `n` draws.
    fn moments(servers: u32, offered: f64, n: u32) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(20_261_204);
        let (mut sum, mut sum2) = (0.0, 0.0);
        for _ in 0..n {
            let x = draw_in_system(servers, offered, &mut rng) as f64;
            sum += x;
            sum2 += x * x;
        }
        let mean = sum / f64::from(n);
        (mean, sum2 / f64::from(n) - mean * mean)
    }

    #[test]
    fn mm1_draws_are_geometric_with_mean_rho_over_one_minus_rho() {
        // M/M/1 at ρ = 0.8: P(N = n) = 0.2 × 0.8ⁿ, mean 4, variance ρ/(1 − ρ)² = 20.
        let n = 200_000;
        let (mean, var) = moments(1, 0.8, n);
        let se = (20.0 / f64::from(n)).sqrt();
        assert!((mean - 4.0).abs() < 3.0 * se, "mean {mean}, se {se}");
        assert!((var - 20.0).abs() < 0.05 * 20.0, "variance {var}");
    }

    #[test]
    fn mm2_draws_have_the_erlang_c_mean() {
        // M/M/2 at a = 1.6: L = a + C ρ/(1 − ρ) = 1.6 + 0.7111 × 4 = 4.4444.
        let want = 1.6 + 2.0 * 0.64 / 1.8 * 0.8 / 0.2;
        let n = 200_000;
        let (mean, var) = moments(2, 1.6, n);
        let se = (var / f64::from(n)).sqrt();
        assert!(
            (mean - want).abs() < 3.0 * se,
            "mean {mean}, want {want}, se {se}"
        );
    }

    #[test]
    fn below_c_the_draw_follows_the_poisson_weights() {
        // a = 0.5 on 3 servers: P(0) : P(1) : P(2) = 1 : 0.5 : 0.125 when fewer than 3.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut count = [0u32; 4];
        for _ in 0..100_000 {
            let n = draw_in_system(3, 0.5, &mut rng).min(3);
            count[n as usize] += 1;
        }
        let ratio = f64::from(count[1]) / f64::from(count[0]);
        assert!((ratio - 0.5).abs() < 0.02, "P(1)/P(0) = {ratio}");
        let ratio = f64::from(count[2]) / f64::from(count[0]);
        assert!((ratio - 0.125).abs() < 0.01, "P(2)/P(0) = {ratio}");
    }

    #[test]
    fn no_load_no_units() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(draw_in_system(2, 0.0, &mut rng), 0);
    }
}
