//! Variants: a sweep expanded into the cases to run, each with a stable id.
//!
//! The canonical order is the `[[vary]]` product (first `[[vary]]` slowest, last fastest,
//! values in file order), then the `[[variants]]` in file order. Rows of every result
//! table follow it, and shards are dealt from it.
//!
//! A variant's **id** is derived from its parameters, never from its position: FNV-1a 64
//! (finalised with MurmurHash3's `fmix64`) of the canonical `path=value` lines sorted by
//! path, as `v` and the top 12 hex digits. Adding a
//! value to a `[[vary]]` therefore adds variants without renaming the others, so results
//! already computed (and committed) keep their meaning, and two sweeps that share a case
//! agree on its id. The `v` prefix keeps spreadsheets from reading an id such as
//! `123e45678901` as a number.

use super::canon::cell;
use super::sweep::Sweep;
use crate::hash::fnv1a64;
use crate::scenario::source::{self, Diagnostic, Diagnostics, Loc};
use crate::scenario::{Document, Node, Scenario};
use std::collections::BTreeMap;
use std::path::Path;

/// The most variants a sweep may expand to: beyond this a typo (a long `values` list
/// crossed with another) is far more likely than intent, and the plan alone would take
/// hundreds of megabytes.
pub const MAX_VARIANTS: usize = 100_000;

/// Where a variant comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A point of the `[[vary]]` product: one value index per dimension.
    Product(Vec<usize>),
    /// The `[[variants]]` entry with this index.
    Picked(usize),
}

/// One case of a sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// Canonical position (0-based).
    pub index: usize,
    /// Stable id, `v` + 12 hex digits.
    pub id: String,
    /// Readable label: the `[[variants]]` name, or `key=value, ...` over the varied
    /// parameters (keys shortened to the shortest unambiguous path suffix, values replaced
    /// by their `labels` where given).
    pub label: String,
    /// Where its parameters come from.
    pub origin: Origin,
}

/// One parameter of a variant, borrowed from the sweep.
#[derive(Clone, Copy, Debug)]
pub struct Param<'p> {
    /// The set path.
    pub path: &'p str,
    /// Where the path is written.
    pub path_loc: Loc,
    /// The value as written.
    pub value: &'p Node,
    /// Its canonical text.
    pub canonical: &'p str,
    /// Its text in cells and labels.
    pub shown: &'p str,
}

/// A sweep and its variants.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The sweep file, with its base scenario.
    pub sweep: Sweep,
    /// The sweep's fingerprint (see [`Sweep::fingerprint`]).
    pub fingerprint: String,
    /// What every variant depends on besides its parameters (see [`Sweep::basis`]).
    pub basis: String,
    /// The parameter columns: the `[[vary]]` paths, then paths only `[[variants]]` set.
    pub columns: Vec<String>,
    /// Every variant, in canonical order.
    pub variants: Vec<Variant>,
}

/// The id of a variant with these `(path, canonical value)` parameters.
#[must_use]
pub fn variant_id(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<_> = params.to_vec();
    sorted.sort_unstable();
    let mut text = String::new();
    for (path, value) in sorted {
        text.push_str(path);
        text.push('=');
        text.push_str(value);
        text.push('\n');
    }
    format!("v{:012x}", fmix64(fnv1a64(text.as_bytes())) >> 16)
}

/// Whether `s` has the form [`variant_id`] gives every id: `v` and 12 lowercase hex
/// digits. Ids read back from a directory become directory names, so any other text (a
/// `/`, a `..`) is refused before it reaches a path.
#[must_use]
pub fn is_variant_id(s: &str) -> bool {
    s.len() == 13
        && s.starts_with('v')
        && s[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// MurmurHash3's 64-bit finaliser. FNV-1a mixes its last bytes poorly into the high bits,
/// so variants that differ in one digit would get ids that differ in one hex digit too;
/// after this step every bit depends on every input bit, the ids of neighbouring variants
/// look unrelated, and truncating to 48 bits keeps collisions at the random rate.
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// For each path, its shortest suffix of segments that no other path ends with.
fn short_keys(paths: &[&str]) -> Vec<String> {
    let suffix = |p: &str, k: usize| {
        let segs: Vec<&str> = p.split('.').collect();
        segs[segs.len().saturating_sub(k)..].join(".")
    };
    paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let n = p.split('.').count();
            (1..=n)
                .map(|k| (k, suffix(p, k)))
                .find(|(k, s)| {
                    paths
                        .iter()
                        .enumerate()
                        .all(|(j, q)| j == i || suffix(q, *k) != *s)
                })
                .map_or_else(|| (*p).to_string(), |(_, s)| s)
        })
        .collect()
}

impl Plan {
    /// Reads a sweep file and expands it.
    ///
    /// # Errors
    ///
    /// As [`Sweep::load`], plus: too many variants, two variants with the same
    /// parameters (so the same id).
    pub fn load(path: &Path) -> Result<Plan, Diagnostics> {
        Plan::expand(Sweep::load(path)?)
    }

    /// Expands a sweep into its variants.
    ///
    /// # Errors
    ///
    /// Too many variants; two variants with the same id.
    pub fn expand(sweep: Sweep) -> Result<Plan, Diagnostics> {
        let mut problems = Vec::new();
        let dims = &sweep.dimensions;
        let product = dims
            .iter()
            .try_fold(1usize, |n, d| n.checked_mul(d.values.len()))
            .filter(|&n| n.saturating_add(sweep.picked.len()) <= MAX_VARIANTS);
        let Some(product) = product.map(|n| if dims.is_empty() { 0 } else { n }) else {
            let loc = dims.last().map_or(sweep.base_root(), |d| d.path_loc);
            let sizes: Vec<String> = dims.iter().map(|d| d.values.len().to_string()).collect();
            problems.push(Diagnostic::at(
                loc,
                format!(
                    "the sweep expands to {} variants, more than the {MAX_VARIANTS} a sweep may have; \
                     split it into several sweep files",
                    sizes.join(" × ")
                ),
            ));
            return Err(sweep.diagnostics(problems));
        };

        let dim_paths: Vec<&str> = dims.iter().map(|d| d.path.as_str()).collect();
        let keys = short_keys(&dim_paths);
        let mut columns: Vec<String> = dim_paths.iter().map(|p| (*p).to_string()).collect();
        for p in &sweep.picked {
            for s in &p.sets {
                if !columns.contains(&s.path) {
                    columns.push(s.path.clone());
                }
            }
        }

        let mut variants = Vec::with_capacity(product + sweep.picked.len());
        let mut choice = vec![0usize; dims.len()];
        for index in 0..product {
            let params: Vec<(&str, &str)> = dims
                .iter()
                .zip(&choice)
                .map(|(d, &c)| (d.path.as_str(), d.values[c].canonical.as_str()))
                .collect();
            let label = dims
                .iter()
                .zip(&choice)
                .zip(&keys)
                .map(|((d, &c), k)| {
                    let v = &d.values[c];
                    format!("{k}={}", v.label.as_deref().unwrap_or(&v.shown))
                })
                .collect::<Vec<_>>()
                .join(", ");
            variants.push(Variant {
                index,
                id: variant_id(&params),
                label,
                origin: Origin::Product(choice.clone()),
            });
            // Odometer: the last dimension turns fastest.
            for (c, d) in choice.iter_mut().zip(dims).rev() {
                *c += 1;
                if *c < d.values.len() {
                    break;
                }
                *c = 0;
            }
        }
        for (i, p) in sweep.picked.iter().enumerate() {
            let params: Vec<(&str, &str)> = p
                .sets
                .iter()
                .map(|s| (s.path.as_str(), s.canonical.as_str()))
                .collect();
            variants.push(Variant {
                index: variants.len(),
                id: variant_id(&params),
                label: p.name.clone(),
                origin: Origin::Picked(i),
            });
        }

        let plan = Plan {
            fingerprint: sweep.fingerprint(),
            basis: sweep.basis(),
            sweep,
            columns,
            variants,
        };
        let mut first: BTreeMap<&str, &Variant> = BTreeMap::new();
        for v in &plan.variants {
            if let Some(other) = first.insert(&v.id, v) {
                let what = if plan.param_set(v) == plan.param_set(other) {
                    "has the same parameters as"
                } else {
                    "hashes to the same id as (rename a path or value slightly)"
                };
                problems.push(Diagnostic::at(
                    plan.blame(v),
                    format!(
                        "variant `{}` {what} variant `{}` ({}); each variant must differ",
                        v.label, other.label, v.id
                    ),
                ));
            }
        }
        if problems.is_empty() {
            Ok(plan)
        } else {
            Err(plan.sweep.diagnostics(problems))
        }
    }

    fn param_set(&self, v: &Variant) -> Vec<(String, String)> {
        let mut set: Vec<_> = self
            .params(v)
            .iter()
            .map(|p| (p.path.to_string(), p.canonical.to_string()))
            .collect();
        set.sort();
        set
    }

    /// A variant's parameters, in the order they are applied.
    #[must_use]
    pub fn params(&self, v: &Variant) -> Vec<Param<'_>> {
        match &v.origin {
            Origin::Product(choice) => self
                .sweep
                .dimensions
                .iter()
                .zip(choice)
                .map(|(d, &c)| Param {
                    path: &d.path,
                    path_loc: d.path_loc,
                    value: &d.values[c].value,
                    canonical: &d.values[c].canonical,
                    shown: &d.values[c].shown,
                })
                .collect(),
            Origin::Picked(i) => self.sweep.picked[*i]
                .sets
                .iter()
                .map(|s| Param {
                    path: &s.path,
                    path_loc: s.path_loc,
                    value: &s.value,
                    canonical: &s.canonical,
                    shown: &s.shown,
                })
                .collect(),
        }
    }

    /// Where a problem with a whole variant is reported: a hand-picked variant's name, or
    /// the value of the last `[[vary]]` it takes.
    #[must_use]
    pub fn blame(&self, v: &Variant) -> Loc {
        match &v.origin {
            Origin::Product(choice) => self
                .sweep
                .dimensions
                .last()
                .zip(choice.last())
                .map_or(self.sweep.base_root(), |(d, &c)| d.values[c].value.loc),
            Origin::Picked(i) => self.sweep.picked[*i].name_loc,
        }
    }

    /// The variant's value of each column ([`super::canon::cell`] text), read from its
    /// patched scenario tree: its own parameter, or what the base gives there (also when
    /// another parameter changed part of it), or empty when nothing does.
    #[must_use]
    pub fn cells(&self, v: &Variant) -> Vec<String> {
        let doc = self.patched(v);
        self.columns
            .iter()
            .map(|c| doc.get(c).map(cell).unwrap_or_default())
            .collect()
    }

    /// The base (with the sweep's overrides) with the variant's parameters applied, not
    /// validated. A parameter that addresses nothing is skipped: [`super::check()`]
    /// reports it.
    #[must_use]
    pub fn patched(&self, v: &Variant) -> Document {
        let mut doc = self.sweep.base.clone();
        for p in self.params(v) {
            let _ = doc.patch(p.path, p.value.clone());
        }
        doc
    }

    /// The base scenario (with the sweep's overrides) patched with `params` in order, and
    /// validated.
    ///
    /// # Errors
    ///
    /// A path that addresses nothing (at the path), and every validation problem (a
    /// patched value's problem is located at the value in the sweep file).
    pub fn build(&self, params: &[Param<'_>]) -> Result<Scenario, Vec<Diagnostic>> {
        let mut doc = self.sweep.base.clone();
        let mut problems = Vec::new();
        for p in params {
            if let Err(m) = doc.patch(p.path, p.value.clone()) {
                problems.push(Diagnostic::at(p.path_loc, m));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        doc.validate().map_err(|items| {
            items
                .into_iter()
                .map(|d| relocate_unknown_field(d, params))
                .collect()
        })
    }

    /// The policy scenario of a `diff` sweep (`None` for other commands) patched with
    /// `params` in order, validated, and given `a`'s seed and replications: the two are
    /// paired on common random numbers, as `corridor diff` pairs them.
    ///
    /// # Errors
    ///
    /// A path that addresses nothing in the policy, and every validation problem, located
    /// in the sweep file where they can be (else at its `policy`).
    pub fn build_policy(
        &self,
        params: &[Param<'_>],
        a: &Scenario,
    ) -> Option<Result<Scenario, Vec<Diagnostic>>> {
        let policy = self.sweep.command.policy()?;
        let doc = match policy.patched(params.iter().map(|p| (p.path, p.path_loc, p.value))) {
            Ok(doc) => doc,
            Err(items) => return Some(Err(items)),
        };
        Some(
            doc.validate()
                .map(|mut b| {
                    b.meta.seed = a.meta.seed;
                    b.meta.replications = a.meta.replications;
                    b
                })
                .map_err(|items| {
                    items
                        .into_iter()
                        .map(|d| {
                            relocate_unknown_field(policy.relocate(d, self.sweep.file), params)
                        })
                        .collect()
                }),
        )
    }

    /// The validated scenario of a variant.
    ///
    /// # Errors
    ///
    /// As [`Plan::build`].
    pub fn scenario(&self, v: &Variant) -> Result<Scenario, Vec<Diagnostic>> {
        self.build(&self.params(v))
    }
}

/// A path whose last segment names a field the scenario does not have is accepted by
/// [`Document::patch`] (the last segment may be an optional field not given yet) and rejected by
/// validation as an unknown field, located where the new key was written: at the value,
/// since a patch has no key of its own. The path is what is wrong, so point there.
fn relocate_unknown_field(d: Diagnostic, params: &[Param<'_>]) -> Diagnostic {
    let source::Origin::At(loc) = d.origin else {
        return d;
    };
    match params.iter().find(|p| p.value.loc == loc) {
        Some(p) if d.message.contains("unknown field") => Diagnostic::at(p.path_loc, d.message),
        _ => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_ignore_parameter_order_and_differ_by_value() {
        let a = variant_id(&[("a.b.c", "1"), ("x.y.z", "2")]);
        assert_eq!(a, variant_id(&[("x.y.z", "2"), ("a.b.c", "1")]));
        assert_ne!(a, variant_id(&[("a.b.c", "1"), ("x.y.z", "3")]));
        assert_eq!(a.len(), 13);
        assert!(a.starts_with('v'));
        // The base case (no parameters) has an id too.
        assert_eq!(variant_id(&[]).len(), 13);
        // Pinned: ids name committed results on disk, so the hash must never change.
        assert_eq!(variant_id(&[("a.b", "1")]), "v4cbd59c175e5");
        assert!(is_variant_id("v4cbd59c175e5"));
        for bad in [
            "../../x",
            "v4cbd59c175e",
            "v4cbd59c175e5/",
            "V4CBD59C175E5",
            "x4cbd59c175e5",
        ] {
            assert!(!is_variant_id(bad), "{bad}");
        }
    }

    #[test]
    fn short_keys_are_unambiguous_suffixes() {
        let keys = short_keys(&[
            "services.a.departures_per_week",
            "hubs.t.customs.time_h",
            "hubs.g.transfer.time_h",
        ]);
        assert_eq!(
            keys,
            ["departures_per_week", "customs.time_h", "transfer.time_h"]
        );
        assert_eq!(short_keys(&["x.y", "x.y"]), ["x.y", "x.y"]);
    }
}
