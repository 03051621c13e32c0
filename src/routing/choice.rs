//! Splitting an OD's freight among its routes: the choice models of `[choice] model`.
//!
//! All three start from the relative-cost utility of choice_facts §5c,
//! `V_r = −θ · GC_r / GC*` (GC* the smallest GC of the OD's routes), and differ in how
//! they treat routes that share legs:
//!
//! - **`mnl`** — the multinomial logit `P_r ∝ exp(V_r)`. Every route counts as a separate
//!   alternative, so two routes that differ only in a short truck leg take two shares of
//!   the freight their common corridor would take as one (the independence of
//!   irrelevant alternatives).
//! - **`path_size`** — the path-size logit (Ben-Akiva and Bierlaire 1999):
//!   `P_r ∝ PS_r · exp(V_r)` with `PS_r = Σ_a (t_a / T_r) / N_a`, the sum over the
//!   route's physical elements `a` (a road link in one direction, one hop of a service,
//!   customs or a transfer at a hub), `t_a` the element's expected time on the route,
//!   `T_r` the route's expected time and `N_a` the number of the OD's routes using `a`.
//!   A route sharing nothing has `PS = 1`; n copies of one route have `PS = 1/n` each
//!   and together weigh what one did. Overlap is measured in time, not distance,
//!   because time is what the generalized cost weighs: a shared customs post or transfer
//!   (no distance) or a shared week at sea counts for what it costs the shipper.
//! - **`nested`** — the nested logit with one nest per main corridor (the corridor with
//!   the most km on the route; untagged routes form one nest) and nest parameter
//!   λ ∈ (0, 1]: `P_r = P(n) · P(r | n)`, `P(r | n) ∝ exp(V_r / λ)` within the nest,
//!   `P(n) ∝ (Σ_{s∈n} exp(V_s / λ))^λ`. λ = 1 is the MNL; λ → 0 makes the routes of a
//!   corridor perfect substitutes. choice_facts §5c suggests λ ≈ 0.5 (judgement).
//!
//! θ = ∞ (or a single route) is all-or-nothing in every model: the first route with the
//! smallest GC takes everything.
//!
//! **Corridor constants.** A corridor's `choice_constant_usd_per_teu` is added to the GC
//! of every route whose main corridor it is, here and nowhere else: `GC_r + c_r` replaces
//! `GC_r` in the utilities above (GC* included). It stands for what the logit's money,
//! time and reliability leave out (habits, contracts, capacity that is not for sale), and
//! is what `corridor calibrate` fits to observed shares. Which routes are examined and
//! offered is decided on the routes' own GC, so a constant moves freight among the same
//! routes; all constants 0 leaves every share as it was.

use super::Route;
use crate::ids::CorridorId;
use crate::scenario::ChoiceModel;

/// Shares of the relative-cost multinomial logit (choice_facts §5c):
/// `P_r = exp(−θ · GC_r / GC*) / Σ_s exp(−θ · GC_s / GC*)`, GC* the smallest GC.
///
/// The relative form keeps θ meaningful from short truck hauls to Europe. With θ = ∞
/// (or a single route) it is all-or-nothing: the first route with the smallest GC gets
/// everything, so ties go to the earlier route. If GC* is 0 the ratio is undefined; the
/// routes with GC 0 then share equally (the limit of the logit as the others become
/// infinitely dearer).
///
/// # Panics
///
/// Never; NaN costs give NaN shares.
///
/// # Complexity
///
/// O(n).
#[must_use]
pub fn logit_shares(gcs: &[f64], theta: f64) -> Vec<f64> {
    let weights = vec![1.0; gcs.len()];
    weighted_logit(gcs, &weights, theta)
}

/// `P_r ∝ weight_r · exp(−θ · GC_r / GC*)`, with the edge cases of [`logit_shares`].
fn weighted_logit(gcs: &[f64], weights: &[f64], theta: f64) -> Vec<f64> {
    let Some(best) = gcs.iter().copied().reduce(f64::min) else {
        return Vec::new();
    };
    let mut shares = vec![0.0; gcs.len()];
    if theta.is_infinite() || gcs.len() == 1 {
        if let Some(i) = gcs.iter().position(|&g| g == best) {
            shares[i] = 1.0;
        }
        return shares;
    }
    if best <= 0.0 {
        let ties = gcs.iter().filter(|&&g| g == best).count() as f64;
        for (s, &g) in shares.iter_mut().zip(gcs) {
            *s = if g == best { 1.0 / ties } else { 0.0 };
        }
        return shares;
    }
    // exp(−θ(GC/GC* − 1)): the best route has weight 1, so nothing overflows.
    let w: Vec<f64> = gcs
        .iter()
        .zip(weights)
        .map(|(&g, &pw)| pw * (-theta * (g / best - 1.0)).exp())
        .collect();
    let total: f64 = w.iter().sum();
    for (s, x) in shares.iter_mut().zip(&w) {
        *s = x / total;
    }
    shares
}

/// Path-size terms `PS_r` (see the [module docs](self)) of routes given as lists of
/// (physical element, expected time h); an element listed twice on one route counts
/// once. A route of zero time gets 1.
///
/// # Complexity
///
/// O(E log E) for E elements over all routes.
#[must_use]
pub fn path_sizes<K: Ord + Copy>(routes: &[Vec<(K, f64)>]) -> Vec<f64> {
    let mut all: Vec<(K, usize)> = routes
        .iter()
        .enumerate()
        .flat_map(|(r, els)| els.iter().map(move |&(k, _)| (k, r)))
        .collect();
    all.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    all.dedup();
    let users = |k: &K| {
        let lo = all.partition_point(|x| x.0 < *k);
        let hi = all.partition_point(|x| x.0 <= *k);
        (hi - lo) as f64
    };
    routes
        .iter()
        .map(|els| {
            let total: f64 = els.iter().map(|e| e.1).sum();
            if total <= 0.0 {
                return 1.0;
            }
            els.iter().map(|(k, t)| t / total / users(k)).sum()
        })
        .collect()
}

/// The shares of `routes` under `model` with logit scale `theta`, from their
/// generalized costs plus `constants_usd_per_teu` (one per route: its main corridor's
/// choice constant), path-size terms and main corridors (the nests).
///
/// # Panics
///
/// If `constants_usd_per_teu` is shorter than `routes`.
///
/// # Complexity
///
/// O(n²) for n routes (n is k, a handful).
#[must_use]
pub fn shares(
    model: ChoiceModel,
    theta: f64,
    routes: &[Route],
    constants_usd_per_teu: &[f64],
) -> Vec<f64> {
    let gcs: Vec<f64> = routes
        .iter()
        .zip(constants_usd_per_teu)
        .map(|(r, c)| r.generalized_cost_usd_per_teu + c)
        .collect();
    assert_eq!(gcs.len(), routes.len(), "one constant per route");
    shares_at(model, theta, routes, &gcs)
}

/// [`shares`] with the routes' generalized costs replaced by `gcs` (one per route, USD
/// per TEU), their path-size terms and nests kept: the shares shippers choose when the
/// costs they face are not the expected ones (those experienced in the simulation,
/// [`crate::feedback`]).
///
/// # Complexity
///
/// O(n²) for n routes.
#[must_use]
pub fn shares_at(model: ChoiceModel, theta: f64, routes: &[Route], gcs: &[f64]) -> Vec<f64> {
    debug_assert_eq!(routes.len(), gcs.len(), "one cost per route");
    let gcs = gcs.to_vec();
    match model {
        ChoiceModel::Mnl => logit_shares(&gcs, theta),
        ChoiceModel::PathSize => {
            let ps: Vec<f64> = routes.iter().map(|r| r.path_size).collect();
            weighted_logit(&gcs, &ps, theta)
        }
        ChoiceModel::Nested { lambda } => nested_shares(&gcs, routes, theta, lambda),
    }
}

/// Nested logit over main corridors; see the [module docs](self).
fn nested_shares(gcs: &[f64], routes: &[Route], theta: f64, lambda: f64) -> Vec<f64> {
    let plain = logit_shares(gcs, theta);
    let best = gcs.iter().copied().reduce(f64::min).unwrap_or(0.0);
    if theta.is_infinite() || gcs.len() <= 1 || best <= 0.0 {
        return plain; // all-or-nothing and degenerate cases are model-free
    }
    let nest = |r: &Route| -> Option<CorridorId> { r.main_corridor };
    // exp(V_r / λ) with V_r = −θ(GC_r/GC* − 1) ≤ 0: at most 1, nothing overflows.
    let within: Vec<f64> = gcs
        .iter()
        .map(|&g| (-theta * (g / best - 1.0) / lambda).exp())
        .collect();
    let nest_sum = |n: Option<CorridorId>| -> f64 {
        routes
            .iter()
            .zip(&within)
            .filter(|(r, _)| nest(r) == n)
            .map(|(_, w)| w)
            .sum()
    };
    let mut nests: Vec<Option<CorridorId>> = routes.iter().map(nest).collect();
    nests.sort();
    nests.dedup();
    let weight_of: Vec<(Option<CorridorId>, f64, f64)> = nests
        .iter()
        .map(|&n| {
            let s = nest_sum(n);
            (n, s, s.powf(lambda))
        })
        .collect();
    let total: f64 = weight_of.iter().map(|x| x.2).sum();
    routes
        .iter()
        .zip(&within)
        .map(|(r, w)| {
            let &(_, sum, weight) = weight_of
                .iter()
                .find(|x| x.0 == nest(r))
                .expect("every route's nest is listed");
            weight / total * w / sum
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(gc: f64, corridor: Option<u32>, path_size: f64) -> Route {
        Route {
            legs: Vec::new(),
            hubs: Vec::new(),
            time_h: 0.0,
            sd_time_h: 0.0,
            cost_usd_per_teu: gc,
            generalized_cost_usd_per_teu: gc,
            distance_km: 0.0,
            main_corridor: corridor.map(CorridorId),
            path_size,
            share: 0.0,
        }
    }

    #[test]
    fn path_size_of_copies_and_of_disjoint_routes() {
        // Two routes sharing a 9 h element, each with its own 1 h element; a third alone.
        let ps = path_sizes(&[
            vec![(1, 9.0), (2, 1.0)],
            vec![(1, 9.0), (3, 1.0)],
            vec![(4, 5.0)],
        ]);
        assert!((ps[0] - (0.9 / 2.0 + 0.1)).abs() < 1e-12);
        assert!((ps[1] - 0.55).abs() < 1e-12);
        assert_eq!(ps[2], 1.0);
        // Three exact copies: a third each.
        let ps = path_sizes(&[vec![(7, 2.0)], vec![(7, 2.0)], vec![(7, 2.0)]]);
        assert!(ps.iter().all(|p| (p - 1.0 / 3.0).abs() < 1e-12));
    }

    #[test]
    fn nested_with_lambda_one_is_mnl() {
        let rs = [
            route(100.0, Some(0), 1.0),
            route(110.0, Some(0), 1.0),
            route(120.0, Some(1), 1.0),
        ];
        let gcs = [100.0, 110.0, 120.0];
        let mnl = logit_shares(&gcs, 4.0);
        let nested = shares(ChoiceModel::Nested { lambda: 1.0 }, 4.0, &rs, &[0.0; 3]);
        for (a, b) in mnl.iter().zip(&nested) {
            assert!((a - b).abs() < 1e-12, "{mnl:?} {nested:?}");
        }
    }

    #[test]
    fn nested_closed_form() {
        // Nest A: two routes at GC* (V = 0); nest B: one route at GC* too. λ = 0.5:
        // W_A = (1 + 1)^0.5 = √2, W_B = 1: P(A) = √2 / (1 + √2), split evenly inside.
        let rs = [
            route(100.0, Some(0), 1.0),
            route(100.0, Some(0), 1.0),
            route(100.0, Some(1), 1.0),
        ];
        let s = shares(ChoiceModel::Nested { lambda: 0.5 }, 4.0, &rs, &[0.0; 3]);
        let pa = 2f64.sqrt() / (1.0 + 2f64.sqrt());
        assert!((s[0] - pa / 2.0).abs() < 1e-12);
        assert!((s[1] - pa / 2.0).abs() < 1e-12);
        assert!((s[2] - (1.0 - pa)).abs() < 1e-12);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn path_size_weights_the_logit() {
        let rs = [route(100.0, None, 0.5), route(100.0, None, 1.0)];
        let s = shares(ChoiceModel::PathSize, 4.0, &rs, &[0.0; 2]);
        assert!((s[0] - 1.0 / 3.0).abs() < 1e-12 && (s[1] - 2.0 / 3.0).abs() < 1e-12);
        // All-or-nothing ignores the correction.
        let s = shares(ChoiceModel::PathSize, f64::INFINITY, &rs, &[0.0; 2]);
        assert_eq!(s, vec![1.0, 0.0]);
    }

    #[test]
    fn a_corridor_constant_is_a_dearer_route_in_every_model() {
        // A constant of +10 on the first route's corridor gives the shares of a route
        // 10 USD/TEU dearer; a constant equal on all routes of a corridor moves no
        // freight inside it.
        let rs = [
            route(100.0, Some(0), 1.0),
            route(105.0, Some(1), 0.8),
            route(120.0, Some(1), 0.8),
        ];
        let dearer = [
            route(110.0, Some(0), 1.0),
            route(105.0, Some(1), 0.8),
            route(120.0, Some(1), 0.8),
        ];
        for model in [
            ChoiceModel::Mnl,
            ChoiceModel::PathSize,
            ChoiceModel::Nested { lambda: 0.5 },
        ] {
            let with = shares(model, 4.0, &rs, &[10.0, 0.0, 0.0]);
            let plain = shares(model, 4.0, &dearer, &[0.0; 3]);
            for (a, b) in with.iter().zip(&plain) {
                assert!((a - b).abs() < 1e-12, "{model:?}: {with:?} {plain:?}");
            }
            let zero = shares(model, 4.0, &rs, &[0.0; 3]);
            assert!(
                with[0] < zero[0],
                "{model:?}: a positive constant takes share"
            );
        }
    }
}
