//! From the merged tree to a validated [`Scenario`].
//!
//! Each section and each entity is read on its own, so one bad hub does not hide the
//! problems of the next; then ids are resolved, numbers checked and the network checked
//! for sense (services run over links of their mode, every demand can reach its market).
//! Every problem found is reported, each naming the entity and the field.

use super::connect::{self, RoadTerms};
use super::de::{DeError, Located, from_node};
use super::limits::{self, Limit};
use super::merge::{ENTITY_SECTIONS, TABLE_SECTIONS};
use super::model::*;
use super::node::{Node, NodeKind, Table};
use super::plausible;
use super::raw::*;
use super::reach::Reach;
use super::source::{Diagnostic, Loc, SourceMap};
use crate::dist::Dist;
use crate::ids::{CandidateId, ClassId, CorridorId, HubId, LinkId, ServiceId};
use crate::num::Num;
use std::collections::BTreeMap;

/// Validates a merged scenario tree whose root file starts at `root`, also returning the
/// plausibility warnings of a valid scenario ([`super::plausible`]): figures probably
/// given in the wrong unit.
///
/// # Errors
///
/// Every problem found, in no particular order (the caller sorts by position).
pub fn validate_with_warnings(
    tree: &Table,
    root: Loc,
    sources: &SourceMap,
) -> Result<(Scenario, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut v = Validator {
        diags: Vec::new(),
        warnings: Vec::new(),
        sources,
        stationary_starts: Vec::new(),
    };
    let scenario = v.scenario(tree, root);
    if v.diags.is_empty() {
        scenario.map(|s| (s, v.warnings)).ok_or_else(Vec::new)
    } else {
        Err(v.diags)
    }
}

/// The most hubs a zone may be connected to automatically.
const MAX_CONNECT_HUBS: u32 = 16;

/// What a candidate needs from the sections before it, besides hub ids, demand classes
/// and reachability: the corridors its connectors name, and for `connect = "auto"` the
/// hubs, which of them connectors may go to, and `[region]`.
struct CandidateContext<'a> {
    corridor_ids: &'a IdMap<CorridorId>,
    hubs: &'a [Hub],
    connectable: Vec<bool>,
    /// `None` when `[region]` is broken (and reported).
    region: Option<&'a Region>,
}

struct Validator<'s> {
    diags: Vec<Diagnostic>,
    /// Plausibility warnings: reported, but the scenario is valid.
    warnings: Vec<Diagnostic>,
    sources: &'s SourceMap,
    /// Links whose bottleneck starts stationary, where `start` is written, and the link's
    /// label: their load is checked once the services through them are known.
    stationary_starts: Vec<(LinkId, Loc, String)>,
}

/// Ids of one section, with where each was defined.
struct IdMap<T> {
    what: &'static str,
    ids: BTreeMap<String, (T, Loc)>,
    /// Ids of entities that were written but could not be read or resolved: they were
    /// reported once already, so references to them are not reported again.
    broken: std::collections::BTreeSet<String>,
}

/// The demand classes flows may name, with their ids.
struct Classes {
    ids: IdMap<ClassId>,
    list: Vec<DemandClass>,
}

/// A flow's cargo figures, resolved against its class.
struct Cargo {
    teu_per_day: f64,
    value_usd_per_teu: f64,
    due_days: f64,
    vot_usd_per_teu_day: Option<f64>,
    class: Option<ClassId>,
}

impl<T: Copy> IdMap<T> {
    fn new(what: &'static str) -> Self {
        Self {
            what,
            ids: BTreeMap::new(),
            broken: std::collections::BTreeSet::new(),
        }
    }

    fn with_broken(what: &'static str, broken: Vec<String>) -> Self {
        let mut map = Self::new(what);
        map.broken.extend(broken);
        map
    }

    fn get(&self, name: &str) -> Option<T> {
        self.ids.get(name).map(|(id, _)| *id)
    }
}

const ZERO_LOC: Loc = Loc {
    file: super::source::FileId(0),
    start: 0,
    end: 0,
};

impl Validator<'_> {
    fn err(&mut self, loc: Loc, msg: impl Into<String>) {
        self.diags.push(Diagnostic::at(loc, msg));
    }

    /// A plausibility warning about `what` at `loc`, if `msg` is one.
    fn warn(&mut self, loc: Loc, what: &str, msg: Option<String>) {
        if let Some(m) = msg {
            self.warnings
                .push(Diagnostic::at(loc, format!("warning: {what}: {m}")));
        }
    }

    /// Warns about a link's implied speed and cost per TEU-km.
    fn plausible_link(
        &mut self,
        what: &str,
        mode: Mode,
        km: &Located<f64>,
        time: (&Located<RawDuration>, &Dist),
        cost: &Located<f64>,
    ) {
        if !(km.is_finite() && km.value > 0.0) {
            return;
        }
        let mean_h = time.1.mean();
        if mean_h > 0.0 {
            let how = format!(
                "distance_km {} over mean time_h {}: are they kilometres and hours?",
                plausible::round(km.value),
                plausible::round(mean_h)
            );
            let b = plausible::speed_bounds_kmh(mode);
            let msg = plausible::outside(km.value / mean_h, b, "speed", "km/h", &how);
            self.warn(time.0.loc, what, msg);
        }
        if km.value >= plausible::MIN_KM_FOR_RATE && cost.is_finite() {
            let how = format!(
                "cost_usd_per_teu {} over distance_km {}: are they US dollars and kilometres?",
                plausible::round(cost.value),
                plausible::round(km.value)
            );
            let b = plausible::rate_bounds_usd_per_teu_km(mode);
            let rate = cost.value / km.value;
            let msg = plausible::outside(rate, b, "cost", "USD per TEU-km", &how);
            self.warn(cost.loc, what, msg);
        }
    }

    /// Warns about a mean time (dwell, customs, transfer) outside `bounds` hours.
    fn plausible_hours(
        &mut self,
        what: &str,
        field: &str,
        time: (&Located<RawDuration>, &Dist),
        bounds: (f64, f64),
    ) {
        let how = format!("the mean of `{field}`: is it in hours?");
        let msg = plausible::outside(time.1.mean(), bounds, field, "h", &how);
        self.warn(time.0.loc, what, msg);
    }

    fn de_err(&mut self, what: &str, e: DeError, fallback: Loc) {
        let loc = e.loc.unwrap_or(fallback);
        self.err(loc, format!("{what}: {e}"));
    }

    /// Reads `T` from a node, reporting a failure against `what`.
    fn read<'a, T: serde::Deserialize<'a>>(&mut self, what: &str, node: &'a Node) -> Option<T> {
        match from_node(node) {
            Ok(t) => Some(t),
            Err(e) => {
                self.de_err(what, e, node.loc);
                None
            }
        }
    }

    // ---- number checks -------------------------------------------------------------

    fn finite(&mut self, what: &str, field: &str, x: &Located<f64>) -> bool {
        if x.is_finite() {
            true
        } else {
            self.err(
                x.loc,
                format!(
                    "{what}: field `{field}` must be a finite number, got {}",
                    Num(x.value)
                ),
            );
            false
        }
    }

    /// A number in `(0, limit.max]`.
    fn positive(&mut self, what: &str, field: &str, x: &Located<f64>, limit: Limit) -> f64 {
        self.in_range(what, field, x, limit, false)
    }

    /// A number in `[0, limit.max]`.
    fn non_negative(&mut self, what: &str, field: &str, x: &Located<f64>, limit: Limit) -> f64 {
        self.in_range(what, field, x, limit, true)
    }

    /// A finite number from 0 (`zero_ok`) or just above it up to `limit.max`.
    fn in_range(
        &mut self,
        what: &str,
        field: &str,
        x: &Located<f64>,
        limit: Limit,
        zero_ok: bool,
    ) -> f64 {
        if self.finite(what, field, x) {
            let (below, must) = if zero_ok {
                (x.value < 0.0, "must not be negative")
            } else {
                (x.value <= 0.0, "must be greater than 0")
            };
            if below {
                let got = Num(x.value);
                self.err(x.loc, format!("{what}: field `{field}` {must}, got {got}"));
            } else {
                self.at_most(what, field, x, limit);
            }
        }
        x.value
    }

    /// Reports a finite number above `limit` (see [`limits`] for why every number has one).
    fn at_most(&mut self, what: &str, field: &str, x: &Located<f64>, limit: Limit) {
        if x.value > limit.max {
            self.err(
                x.loc,
                format!(
                    "{what}: field `{field}` must be at most {} ({}), got {}",
                    Num(limit.max),
                    limit.why,
                    Num(x.value)
                ),
            );
        }
    }

    fn at_least_one(&mut self, what: &str, field: &str, x: &Located<u32>) -> u32 {
        if x.value == 0 {
            self.err(
                x.loc,
                format!("{what}: field `{field}` must be at least 1, got 0"),
            );
        }
        x.value
    }

    fn coordinate(&mut self, what: &str, field: &str, x: &Located<f64>, limit: f64) -> f64 {
        if self.finite(what, field, x) && x.value.abs() > limit {
            self.err(
                x.loc,
                format!(
                    "{what}: field `{field}` must be between -{limit} and {limit} degrees, got {}",
                    Num(x.value)
                ),
            );
        }
        x.value
    }

    fn id_of(&mut self, what: &str, id: &Located<String>) {
        let ok = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            self.err(
                id.loc,
                format!(
                    "{what}: id `{}` must be non-empty and use only letters, digits, '-' and '_'",
                    id.value
                ),
            );
        }
    }

    /// A display name: written into every output row, so one line of printable text (no
    /// newline, tab, NUL or other control character).
    fn name(&mut self, what: &str, name: &Located<String>) -> String {
        self.text(what, "name", name)
    }

    /// An optional Chinese display name (`name_zh`), under the same rule as `name`.
    fn name_zh(&mut self, what: &str, name: Option<&Located<String>>) -> Option<String> {
        name.map(|n| self.text(what, "name_zh", n))
    }

    /// One line of printable text for field `field`.
    fn text(&mut self, what: &str, field: &str, name: &Located<String>) -> String {
        if let Some(c) = name.chars().find(|c| c.is_control()) {
            self.err(
                name.loc,
                format!(
                    "{what}: field `{field}` must be one line of printable text, but contains {}",
                    c.escape_default()
                ),
            );
        }
        name.value.clone()
    }

    fn define<T: Copy>(&mut self, map: &mut IdMap<T>, id: &Located<String>, value: T) {
        if let Some((_, first)) = map.ids.get(&id.value) {
            let first = *first;
            self.err(
                id.loc,
                format!(
                    "duplicate {} id `{}` (first defined at {}; ids must be unique)",
                    map.what,
                    id.value,
                    self.sources.position(first)
                ),
            );
        } else {
            map.ids.insert(id.value.clone(), (value, id.loc));
        }
    }

    fn resolve<T: Copy>(
        &mut self,
        what: &str,
        field: &str,
        map: &IdMap<T>,
        name: &Located<String>,
    ) -> Option<T> {
        let found = map.get(&name.value);
        if found.is_none() && !map.broken.contains(&name.value) {
            self.err(
                name.loc,
                format!(
                    "{what}: field `{field}` names unknown {} `{}`",
                    map.what, name.value
                ),
            );
        }
        found
    }

    /// A bottleneck that starts stationary must have a steady state: its load, the
    /// background and the timetabled vehicles through it, must leave the servers idle some
    /// of the time ([`Bottleneck::stationary_utilisation`]).
    fn stationary_loads(&mut self, links: &[Link], services: &[Service]) {
        let max = limits::STATIONARY_UTILISATION_MAX;
        for (link, loc, what) in std::mem::take(&mut self.stationary_starts) {
            let Some(b) = links.get(link.index()).and_then(|l| l.bottleneck.as_ref()) else {
                continue;
            };
            let utilisation = b.stationary_utilisation(services, link);
            if utilisation.is_nan() || utilisation > max {
                self.err(
                    loc,
                    format!(
                        "{what}: field `bottleneck.start` = \"stationary\" needs a utilisation \
                         ((background_per_day / 24 + timetabled vehicles per hour) x mean \
                         time_h / servers) of at most {max}, got {utilisation:.4}: the queue \
                         has no steady state"
                    ),
                );
            }
        }
    }

    /// A link's `bottleneck`. A stationary start needs background traffic to draw (its
    /// load is checked by [`Validator::stationary_loads`]).
    fn bottleneck(&mut self, what: &str, b: &RawBottleneck) -> Bottleneck {
        let servers = self.at_least_one(what, "bottleneck.servers", &b.servers);
        let time_h = self.duration(what, "bottleneck.time_h", &b.time_h);
        let background_per_day = b.background_per_day.as_ref().map_or(0.0, |x| {
            self.non_negative(
                what,
                "bottleneck.background_per_day",
                x,
                limits::BACKGROUND_PER_DAY,
            )
        });
        let start = b.start.as_ref().map_or(QueueStart::Empty, |s| s.value);
        let stationary = (b.start.as_ref()).filter(|s| s.value == QueueStart::Stationary);
        if let Some(s) = stationary.filter(|_| background_per_day <= 0.0) {
            self.err(
                s.loc,
                format!(
                    "{what}: field `bottleneck.start` = \"stationary\" needs background \
                     traffic (`bottleneck.background_per_day` > 0) to start from"
                ),
            );
        }
        Bottleneck {
            name: self.name(what, &b.name),
            servers,
            time_h,
            background_per_day,
            priority: b
                .priority
                .as_ref()
                .map_or_else(Default::default, |p| p.value),
            start,
        }
    }

    fn duration(&mut self, what: &str, field: &str, d: &Located<RawDuration>) -> Dist {
        // Shape and parameters were checked while reading; nothing further to check.
        let _ = (what, field);
        d.value.0.clone()
    }

    fn facility(
        &mut self,
        what: &str,
        field: &str,
        servers: &Located<u32>,
        time_h: &Located<RawDuration>,
        cost: &Located<f64>,
    ) -> Facility {
        let time_field = format!("{field}.time_h");
        let time = self.duration(what, &time_field, time_h);
        self.plausible_hours(what, &time_field, (time_h, &time), plausible::HUB_TIME_H);
        Facility {
            servers: self.at_least_one(what, &format!("{field}.servers"), servers),
            time_h: time,
            cost_usd_per_teu: self.non_negative(
                what,
                &format!("{field}.cost_usd_per_teu"),
                cost,
                limits::USD_PER_TEU,
            ),
        }
    }

    /// A hub's (or candidate's) `transfer` and `customs` tables: each facility with its
    /// policy (same-day target; declaration policy).
    fn hub_facilities(
        &mut self,
        what: &str,
        transfer: &Option<RawTransfer>,
        customs: &Option<RawCustoms>,
    ) -> (
        Option<Facility>,
        Option<f64>,
        Option<Facility>,
        CustomsPolicy,
    ) {
        let (transfer, target) = match transfer {
            Some(t) => (
                Some(self.facility(what, "transfer", &t.servers, &t.time_h, &t.cost_usd_per_teu)),
                t.target_h
                    .as_ref()
                    .map(|x| self.positive(what, "transfer.target_h", x, limits::HOURS)),
            ),
            None => (None, None),
        };
        let (customs, policy) = match customs {
            Some(c) => (
                Some(self.facility(what, "customs", &c.servers, &c.time_h, &c.cost_usd_per_teu)),
                CustomsPolicy {
                    advance_declaration: c.advance_declaration.unwrap_or(false),
                    two_step_release_h: c
                        .two_step_release_h
                        .as_ref()
                        .map(|d| self.duration(what, "customs.two_step_release_h", d)),
                    import_time_h: c
                        .import_time_h
                        .as_ref()
                        .map(|d| self.duration(what, "customs.import_time_h", d)),
                    import_cost_usd_per_teu: c.import_cost_usd_per_teu.as_ref().map(|x| {
                        self.non_negative(
                            what,
                            "customs.import_cost_usd_per_teu",
                            x,
                            limits::USD_PER_TEU,
                        )
                    }),
                },
            ),
            None => (None, CustomsPolicy::default()),
        };
        (transfer, target, customs, policy)
    }

    fn modes(&mut self, what: &str, modes: &Option<Located<Vec<Mode>>>) -> ModeSet {
        match modes {
            None => ModeSet::ALL,
            Some(m) if m.is_empty() => {
                self.err(
                    m.loc,
                    format!("{what}: field `modes` must name at least one mode"),
                );
                ModeSet::ALL
            }
            Some(m) => ModeSet::of(&m.value),
        }
    }

    // ---- sections ------------------------------------------------------------------

    fn entities<'a>(&mut self, tree: &'a Table, section: &str) -> Vec<&'a Node> {
        match tree.get(section) {
            None => Vec::new(),
            Some(e) => match &e.value.kind {
                NodeKind::Array(items) => items.iter().collect(),
                other => {
                    self.err(
                        e.value.loc,
                        format!(
                            "`{section}` must be an array of tables ([[{section}]]), not {}",
                            other.type_phrase()
                        ),
                    );
                    Vec::new()
                }
            },
        }
    }

    /// A label for entity `i` of `section` before it is read: `hub "port-a"` or `hubs[3]`.
    fn label(section: &str, singular: &str, i: usize, node: &Node) -> String {
        match &node.kind {
            NodeKind::Table(t) => match super::merge::entity_key(section, t) {
                Some(id) => format!("{singular} \"{id}\""),
                None => format!("{section}[{i}]"),
            },
            _ => format!("{section}[{i}]"),
        }
    }

    fn read_all<'a, T: serde::Deserialize<'a>>(
        &mut self,
        tree: &'a Table,
        section: &str,
        singular: &str,
    ) -> (Vec<(String, T)>, Vec<String>) {
        let nodes = self.entities(tree, section);
        let mut out = Vec::new();
        let mut broken = Vec::new();
        for (i, node) in nodes.into_iter().enumerate() {
            let what = Self::label(section, singular, i, node);
            if !matches!(node.kind, NodeKind::Table(_)) {
                self.err(
                    node.loc,
                    format!("{what}: each entry of `{section}` must be a table"),
                );
                continue;
            }
            match self.read::<T>(&what, node) {
                Some(t) => out.push((what, t)),
                None => {
                    if let NodeKind::Table(t) = &node.kind {
                        broken.extend(super::merge::entity_key(section, t));
                    }
                }
            }
        }
        (out, broken)
    }

    /// Reads the whole tree, section by section, in dependency order: each section's ids
    /// are resolved against the sections before it.
    fn scenario(&mut self, tree: &Table, root: Loc) -> Option<Scenario> {
        self.known_sections(tree);
        let meta = match tree.get("scenario") {
            None => {
                self.err(root, "missing [scenario] section (name, horizon_days, warmup_days, replications, seed)");
                None
            }
            Some(e) => self
                .read::<RawMeta>("[scenario]", &e.value)
                .map(|m| self.meta(m)),
        };
        let choice = match tree.get("choice") {
            None => Some(Choice::default()),
            Some(e) => self.read::<RawChoice>("[choice]", &e.value).map(|c| {
                let window_days = meta
                    .as_ref()
                    .and_then(|m| m.as_ref())
                    .map(|m| m.window.horizon_days() - m.window.warmup_days());
                self.choice(c, window_days)
            }),
        };
        let choice_ok = choice.clone().unwrap_or_default();

        let classes = self.classes(tree);
        let (corridors, corridor_ids) = self.corridors(tree);
        let (hubs, hub_ids) = self.hubs(tree);
        let (links, link_ids) = self.links(tree, &hub_ids, &corridor_ids);
        // A shipment is never split across departures, so every vehicle must hold one.
        let shipment_teu = meta
            .as_ref()
            .and_then(|m| m.as_ref())
            .map_or(1, |m| m.shipment_teu);
        let (services, service_ids) = self.services(
            tree,
            &hub_ids,
            &corridor_ids,
            &links,
            &link_ids,
            shipment_teu,
        );
        self.stationary_loads(&links, &services);
        // Reachability is judged on one graph of the network, built once.
        let mut reach = Reach::new(hubs.len(), &links, &services);
        let demand = self.demand(tree, &hub_ids, &classes, &mut reach, &choice_ok);
        let region = match tree.get("region") {
            None => Some(self.region(&RawRegion::default(), &links)),
            Some(e) => self
                .read::<RawRegion>("[region]", &e.value)
                .map(|r| self.region(&r, &links)),
        };
        let auto = CandidateContext {
            corridor_ids: &corridor_ids,
            hubs: &hubs,
            connectable: connect::connectable_hubs(&hubs, &links, &services),
            region: region.as_ref(),
        };
        let candidates = self.candidates(tree, &hub_ids, &classes, &mut reach, &auto);
        let compare = self.compare(tree, &hub_ids, &classes);

        let disruptions = self.disruptions(tree, &hub_ids, &link_ids, &service_ids, &hubs, &links);

        Some(Scenario {
            meta: meta??,
            choice: choice?,
            corridors,
            hubs,
            links,
            services,
            classes: classes.list,
            demand,
            candidates,
            compare: compare?,
            region: region?,
            disruptions,
        })
    }

    /// Every top-level key is a known section.
    fn known_sections(&mut self, tree: &Table) {
        for e in &tree.entries {
            let k = e.key.as_str();
            if !TABLE_SECTIONS.contains(&k) && !ENTITY_SECTIONS.contains(&k) {
                self.err(
                    e.key_loc,
                    format!(
                        "unknown section `{k}` (expected extends, set, remove, tables, {}, {})",
                        TABLE_SECTIONS.join(", "),
                        ENTITY_SECTIONS.join(", ")
                    ),
                );
            }
        }
    }

    /// `[[classes]]`: each class's value, VOT and due time, checked as a flow's are.
    fn classes(&mut self, tree: &Table) -> Classes {
        let (raw, broken): (Vec<(String, RawClass)>, _) = self.read_all(tree, "classes", "class");
        let mut ids = IdMap::<ClassId>::with_broken("class", broken);
        let mut list = Vec::new();
        for (what, c) in &raw {
            self.id_of(what, &c.id);
            self.define(&mut ids, &c.id, ClassId::new(list.len()));
            list.push(DemandClass {
                id: c.id.value.clone(),
                name: c
                    .name
                    .as_ref()
                    .map_or_else(|| c.id.value.clone(), |n| self.name(what, n)),
                value_usd_per_teu: self.non_negative(
                    what,
                    "value_usd_per_teu",
                    &c.value_usd_per_teu,
                    limits::VALUE_USD_PER_TEU,
                ),
                vot_usd_per_teu_day: c.vot_usd_per_teu_day.as_ref().map(|x| {
                    self.non_negative(what, "vot_usd_per_teu_day", x, limits::VOT_USD_PER_TEU_DAY)
                }),
                due_days: c
                    .due_days
                    .as_ref()
                    .map(|x| self.positive(what, "due_days", x, limits::DAYS)),
            });
        }
        Classes { ids, list }
    }

    /// `[[corridors]]`.
    fn corridors(&mut self, tree: &Table) -> (Vec<Corridor>, IdMap<CorridorId>) {
        let (raw_corridors, broken): (Vec<(String, RawCorridor)>, _) =
            self.read_all(tree, "corridors", "corridor");
        let mut corridor_ids = IdMap::<CorridorId>::with_broken("corridor", broken);
        let mut corridors = Vec::new();
        for (what, c) in &raw_corridors {
            self.id_of(what, &c.id);
            self.define(&mut corridor_ids, &c.id, CorridorId::new(corridors.len()));
            let rate_discount = c.rate_discount.as_ref().map_or(0.0, |x| {
                if self.finite(what, "rate_discount", x) && !(0.0..1.0).contains(&x.value) {
                    self.err(
                        x.loc,
                        format!(
                            "{what}: field `rate_discount` is a share of the rate, from 0 up to (not including) 1, got {}",
                            x.value
                        ),
                    );
                }
                x.value
            });
            let choice_constant_usd_per_teu =
                c.choice_constant_usd_per_teu.as_ref().map_or(0.0, |x| {
                    let field = "choice_constant_usd_per_teu";
                    let limit = limits::USD_PER_TEU;
                    if self.finite(what, field, x) && x.value.abs() > limit.max {
                        self.err(
                            x.loc,
                            format!(
                                "{what}: field `{field}` must be between -{max} and {max} ({}), got {}",
                                limit.why,
                                Num(x.value),
                                max = Num(limit.max),
                            ),
                        );
                    }
                    x.value
                });
            corridors.push(Corridor {
                id: c.id.value.clone(),
                name: self.name(what, &c.name),
                name_zh: self.name_zh(what, c.name_zh.as_ref()),
                rate_discount,
                choice_constant_usd_per_teu,
            });
        }

        (corridors, corridor_ids)
    }

    /// `[[hubs]]`. Candidates share the id space, so they are registered for duplicates.
    fn hubs(&mut self, tree: &Table) -> (Vec<Hub>, IdMap<HubId>) {
        let (raw_hubs, broken): (Vec<(String, RawHub)>, _) = self.read_all(tree, "hubs", "hub");
        let mut hub_ids = IdMap::<HubId>::with_broken("hub", broken);
        let mut hubs = Vec::new();
        for (what, h) in &raw_hubs {
            self.id_of(what, &h.id);
            self.define(&mut hub_ids, &h.id, HubId::new(hubs.len()));
            let (transfer, transfer_target_h, customs, customs_policy) =
                self.hub_facilities(what, &h.transfer, &h.customs);
            let departure_rebate_usd_per_teu =
                h.departure_rebate_usd_per_teu.as_ref().map_or(0.0, |x| {
                    self.non_negative(what, "departure_rebate_usd_per_teu", x, limits::USD_PER_TEU)
                });
            hubs.push(Hub {
                id: h.id.value.clone(),
                name: self.name(what, &h.name),
                name_zh: self.name_zh(what, h.name_zh.as_ref()),
                kind: h.kind.value,
                lat: self.coordinate(what, "lat", &h.lat, 90.0),
                lon: self.coordinate(what, "lon", &h.lon, 180.0),
                transfer,
                customs,
                customs_policy,
                transfer_target_h,
                departure_rebate_usd_per_teu,
                from_candidate: None,
            });
        }

        (hubs, hub_ids)
    }

    /// `[[links]]`, between known hubs.
    fn links(
        &mut self,
        tree: &Table,
        hub_ids: &IdMap<HubId>,
        corridor_ids: &IdMap<CorridorId>,
    ) -> (Vec<Link>, IdMap<LinkId>) {
        let (raw_links, broken): (Vec<(String, RawLink)>, _) = self.read_all(tree, "links", "link");
        let mut link_ids = IdMap::<LinkId>::with_broken("link", broken);
        let mut links = Vec::new();
        for (what, l) in &raw_links {
            self.id_of(what, &l.id);
            let from = self.resolve(what, "from", hub_ids, &l.from);
            let to = self.resolve(what, "to", hub_ids, &l.to);
            if l.from.value == l.to.value {
                self.err(
                    l.to.loc,
                    format!("{what}: a link must join two different hubs"),
                );
            }
            let corridor = l
                .corridor
                .as_ref()
                .and_then(|c| self.resolve(what, "corridor", corridor_ids, c));
            let bottleneck = l.bottleneck.as_ref().map(|b| self.bottleneck(what, b));
            let distance_km =
                self.positive(what, "distance_km", &l.distance_km, limits::DISTANCE_KM);
            let cost = self.non_negative(
                what,
                "cost_usd_per_teu",
                &l.cost_usd_per_teu,
                limits::USD_PER_TEU,
            );
            let time_h = self.duration(what, "time_h", &l.time_h);
            let mode = l.mode.value;
            self.plausible_link(
                what,
                mode,
                &l.distance_km,
                (&l.time_h, &time_h),
                &l.cost_usd_per_teu,
            );
            if from.is_none() || to.is_none() {
                link_ids.broken.insert(l.id.value.clone());
            }
            if let (Some(from), Some(to)) = (from, to) {
                self.define(&mut link_ids, &l.id, LinkId::new(links.len()));
                let start = (l.bottleneck.as_ref()).and_then(|b| b.start.as_ref());
                if let Some(start) = start.filter(|s| s.value == QueueStart::Stationary) {
                    let link = LinkId::new(links.len());
                    self.stationary_starts.push((link, start.loc, what.clone()));
                }
                links.push(Link {
                    id: l.id.value.clone(),
                    from,
                    to,
                    mode: l.mode.value,
                    distance_km,
                    time_h,
                    cost_usd_per_teu: cost,
                    corridor,
                    two_way: l.two_way.unwrap_or(true),
                    bottleneck,
                });
            }
        }

        (links, link_ids)
    }

    /// `[[services]]`, over known links; every vehicle holds at least one shipment of
    /// `shipment_teu`.
    fn services(
        &mut self,
        tree: &Table,
        hub_ids: &IdMap<HubId>,
        corridor_ids: &IdMap<CorridorId>,
        links: &[Link],
        link_ids: &IdMap<LinkId>,
        shipment_teu: u32,
    ) -> (Vec<Service>, IdMap<ServiceId>) {
        let (raw_services, broken): (Vec<(String, RawService)>, _) =
            self.read_all(tree, "services", "service");
        let mut service_ids = IdMap::<ServiceId>::with_broken("service", broken);
        let mut services = Vec::new();
        let between = LinksBetween::new(links);
        for (what, s) in &raw_services {
            self.id_of(what, &s.id);
            let links_complete = link_ids.broken.is_empty();
            match self.service(what, s, hub_ids, corridor_ids, &between, links_complete) {
                Some(svc) => {
                    self.define(&mut service_ids, &s.id, ServiceId::new(services.len()));
                    services.push(svc);
                }
                None => {
                    service_ids.broken.insert(s.id.value.clone());
                }
            }
        }

        // A shipment is never split across departures, so every vehicle must hold one.
        for (what, s) in &raw_services {
            if s.capacity_teu.value >= 1 && s.capacity_teu.value < shipment_teu {
                self.err(
                    s.capacity_teu.loc,
                    format!(
                        "{what}: field `capacity_teu` ({}) is smaller than one shipment ([scenario] shipment_teu = {shipment_teu})",
                        s.capacity_teu.value
                    ),
                );
            }
        }

        (services, service_ids)
    }

    /// `[[demand]]`: each flow between known hubs, its destination reachable.
    fn demand(
        &mut self,
        tree: &Table,
        hub_ids: &IdMap<HubId>,
        classes: &Classes,
        reach: &mut Reach,
        choice: &Choice,
    ) -> Vec<Demand> {
        let (raw_demand, broken): (Vec<(String, RawDemand)>, _) =
            self.read_all(tree, "demand", "demand");
        let mut demand_ids = IdMap::<usize>::with_broken("demand", broken);
        let mut demand = Vec::new();
        for (what, d) in &raw_demand {
            let from = self.resolve(what, "from", hub_ids, &d.from);
            let to = self.resolve(what, "to", hub_ids, &d.to);
            let id = d.id.clone().unwrap_or_else(|| Located {
                loc: d.from.loc,
                value: format!("{}-{}", d.from.value, d.to.value),
            });
            self.id_of(what, &id);
            self.define(&mut demand_ids, &id, demand.len());
            let modes = self.modes(what, &d.modes);
            let cargo = self.cargo(what, &d.cargo(), d.from.loc, classes);
            if from.is_some() && from == to {
                self.err(
                    d.to.loc,
                    format!("{what}: origin and destination are the same hub"),
                );
            }
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            // Reachability is derived from everything above: only judged on a clean network.
            if self.diags.is_empty() && !reach.reaches(&[from], to, modes) {
                self.err(
                    d.to.loc,
                    format!(
                        "{what}: destination `{}` cannot be reached from `{}` by road links or services{}",
                        d.to.value,
                        d.from.value,
                        if d.modes.is_some() { " of the allowed modes" } else { "" }
                    ),
                );
            }
            demand.push(Demand {
                id: id.value.clone(),
                from,
                to,
                teu_per_day: cargo.teu_per_day,
                value_usd_per_teu: cargo.value_usd_per_teu,
                due_days: cargo.due_days,
                modes,
                vot_usd_per_teu_day: cargo
                    .vot_usd_per_teu_day
                    .unwrap_or(cargo.value_usd_per_teu * choice.vot_rate_per_day),
                customs: d
                    .customs
                    .as_ref()
                    .map_or(CustomsRegime::Export, |c| c.value),
                from_candidate: None,
                class: cargo.class,
            });
        }

        demand
    }

    /// `[[candidates]]`.
    fn candidates(
        &mut self,
        tree: &Table,
        hub_ids: &IdMap<HubId>,
        classes: &Classes,
        reach: &mut Reach,
        auto: &CandidateContext,
    ) -> Vec<Candidate> {
        let (raw_candidates, broken): (Vec<(String, RawCandidate)>, _) =
            self.read_all(tree, "candidates", "candidate");
        let mut candidate_ids = IdMap::<CandidateId>::with_broken("candidate", broken);
        let mut candidates = Vec::new();
        for (what, c) in &raw_candidates {
            self.id_of(what, &c.id);
            if hub_ids.get(&c.id.value).is_some() {
                self.err(
                    c.id.loc,
                    format!(
                        "{what}: id `{}` is already a hub (candidates and hubs share one id space)",
                        c.id.value
                    ),
                );
            }
            self.define(
                &mut candidate_ids,
                &c.id,
                CandidateId::new(candidates.len()),
            );
            if let Some(cand) = self.candidate(what, c, hub_ids, classes, reach, auto) {
                candidates.push(cand);
            }
        }

        candidates
    }

    /// `[[disruptions]]`, of known hubs, links and services.
    fn disruptions(
        &mut self,
        tree: &Table,
        hub_ids: &IdMap<HubId>,
        link_ids: &IdMap<LinkId>,
        service_ids: &IdMap<ServiceId>,
        hubs: &[Hub],
        links: &[Link],
    ) -> Vec<Disruption> {
        let (raw_disruptions, broken): (Vec<(String, RawDisruption)>, _) =
            self.read_all(tree, "disruptions", "disruption");
        let mut disruption_ids = IdMap::<usize>::with_broken("disruption", broken);
        let mut disruptions = Vec::new();
        for (what, d) in &raw_disruptions {
            self.id_of(what, &d.id);
            self.define(&mut disruption_ids, &d.id, disruptions.len());
            if let Some(dis) = self.disruption(what, d, hub_ids, link_ids, service_ids) {
                self.capacity_target(what, d, &dis, hubs, links);
                disruptions.push(dis);
            }
        }

        disruptions
    }

    /// `[compare]`: the probe markets, score weights and ranking procedure.
    fn compare(
        &mut self,
        tree: &Table,
        hub_ids: &IdMap<HubId>,
        classes: &Classes,
    ) -> Option<Compare> {
        match tree.get("compare") {
            None => Some(Compare::default()),
            Some(e) => self.read::<RawCompare>("[compare]", &e.value).map(|c| {
                let weights = self.weights(&c.weights);
                let procedure = self.procedure(&c, e.key_loc);
                Compare {
                    markets: c
                        .markets
                        .iter()
                        .enumerate()
                        .filter_map(|(i, f)| {
                            self.flow(&format!("[compare] markets[{i}]"), f, hub_ids, classes)
                        })
                        .collect(),
                    weights,
                    procedure,
                }
            }),
        }
    }

    /// `[compare] procedure`, `indifference_usd_per_teu` and `alpha`: the last two belong
    /// to the Kim–Nelson procedure, which needs δ (there is no neutral default for what
    /// difference in USD per TEU is worth telling apart).
    fn procedure(&mut self, c: &RawCompare, section: Loc) -> Procedure {
        let what = "[compare]";
        let kn = c
            .procedure
            .as_ref()
            .is_some_and(|p| p.value == ProcedureKind::Kn);
        if !kn {
            for (field, x) in [
                ("indifference_usd_per_teu", &c.indifference_usd_per_teu),
                ("alpha", &c.alpha),
            ] {
                if let Some(x) = x {
                    self.err(
                        x.loc,
                        format!("{what}: field `{field}` applies only with procedure = \"kn\""),
                    );
                }
            }
            return Procedure::Fixed;
        }
        let Some(delta) = &c.indifference_usd_per_teu else {
            self.err(
                c.procedure.as_ref().map_or(section, |p| p.loc),
                format!(
                    "{what}: procedure = \"kn\" needs `indifference_usd_per_teu`, the score \
                     difference in USD per TEU worth telling apart"
                ),
            );
            return Procedure::Fixed;
        };
        let delta_ok = self.finite(what, "indifference_usd_per_teu", delta);
        let alpha_ok = c
            .alpha
            .as_ref()
            .is_none_or(|a| self.finite(what, "alpha", a));
        if !(delta_ok && alpha_ok) {
            return Procedure::Fixed;
        }
        let alpha = c
            .alpha
            .as_ref()
            .map_or(KnSettings::DEFAULT_ALPHA, |a| a.value);
        match KnSettings::new(delta.value, alpha) {
            Ok(s) => Procedure::KimNelson(s),
            Err(e) => {
                let (field, loc) = match e {
                    KnSettingsError::Indifference(_) => ("indifference_usd_per_teu", delta.loc),
                    KnSettingsError::Alpha(_) => {
                        ("alpha", c.alpha.as_ref().map_or(delta.loc, |a| a.loc))
                    }
                };
                self.err(loc, format!("{what}: field `{field}`: {e}"));
                Procedure::Fixed
            }
        }
    }

    /// `[region]`, with the road terms resolved from the file's road links (before rate
    /// discounts) and the section's own figures.
    fn region(&mut self, r: &RawRegion, links: &[Link]) -> Region {
        let what = "[region]";
        let d = Region::default();
        let circuity = r.circuity.as_ref().map_or(d.circuity, |x| {
            if self.finite(what, "circuity", x) && !(1.0..=10.0).contains(&x.value) {
                self.err(
                    x.loc,
                    format!(
                        "{what}: field `circuity` is road distance over straight-line distance, from 1 to 10, got {}",
                        Num(x.value)
                    ),
                );
            }
            x.value
        });
        let connect_hubs = r.connect_hubs.as_ref().map_or(d.connect_hubs, |x| {
            if x.value > MAX_CONNECT_HUBS {
                self.err(
                    x.loc,
                    format!(
                        "{what}: field `connect_hubs` must be at most {MAX_CONNECT_HUBS}, got {}",
                        x.value
                    ),
                );
            }
            self.at_least_one(what, "connect_hubs", x)
        });
        let connector_min_km = r.connector_min_km.as_ref().map_or(d.connector_min_km, |x| {
            self.positive(what, "connector_min_km", x, limits::DISTANCE_KM)
        });
        let o = connect::RoadOverrides {
            speed_kmh: r
                .road_speed_kmh
                .as_ref()
                .map(|x| self.positive(what, "road_speed_kmh", x, limits::SPEED_KMH)),
            fixed_usd_per_teu: r
                .road_fixed_usd_per_teu
                .as_ref()
                .map(|x| self.non_negative(what, "road_fixed_usd_per_teu", x, limits::USD_PER_TEU)),
            rate_usd_per_teu_km: r.road_rate_usd_per_teu_km.as_ref().map(|x| {
                self.non_negative(what, "road_rate_usd_per_teu_km", x, limits::USD_PER_TEU)
            }),
        };
        Region {
            circuity,
            connect_hubs,
            connector_min_km,
            road: RoadTerms::derive(links, o),
        }
    }

    /// A candidate's `connect = "auto"` connectors, or the reason there are none.
    fn auto_connectors(
        &mut self,
        what: &str,
        c: &RawCandidate,
        at: Loc,
        auto: &CandidateContext,
        out: &mut Vec<Connector>,
    ) {
        // A broken [region] is reported there; its connectors would only repeat it.
        let Some(region) = auto.region else { return };
        if !(c.lat.is_finite() && c.lon.is_finite()) {
            return;
        }
        match connect::auto_connectors(
            auto.hubs,
            &auto.connectable,
            region,
            &c.id.value,
            c.lat.value,
            c.lon.value,
        ) {
            Ok(list) => out.extend(list),
            Err(e) => self.err(at, format!("{what}: connect = \"auto\": {e}")),
        }
    }

    fn weights(&mut self, w: &Option<RawWeights>) -> ScoreWeights {
        let d = ScoreWeights::default();
        let Some(w) = w else { return d };
        let what = "[compare] weights";
        let mut get = |field: &str, x: &Option<Located<f64>>, default: f64| {
            x.as_ref().map_or(default, |x| {
                self.non_negative(what, field, x, limits::SCORE_WEIGHT)
            })
        };
        ScoreWeights {
            generalized_cost: get("generalized_cost", &w.generalized_cost, d.generalized_cost),
            reliability: get("reliability", &w.reliability, d.reliability),
            redundancy: get("redundancy", &w.redundancy, d.redundancy),
            existing_traffic: get("existing_traffic", &w.existing_traffic, d.existing_traffic),
        }
    }

    fn meta(&mut self, m: RawMeta) -> Option<Meta> {
        let what = "[scenario]";
        let errors_before = self.diags.len();
        let horizon = self.positive(what, "horizon_days", &m.horizon_days, limits::DAYS);
        let warmup = self.non_negative(what, "warmup_days", &m.warmup_days, limits::DAYS);
        // Each end was checked on its own above; only their relation is left to report.
        let window = SimWindow::new(warmup, horizon).map_err(|e| {
            if self.diags.len() == errors_before {
                self.err(m.horizon_days.loc, format!("{what}: {e}"));
            }
        });
        if m.name.trim().is_empty() {
            self.err(m.name.loc, format!("{what}: `name` must not be empty"));
        }
        let name = self.name(what, &m.name);
        Some(Meta {
            name,
            description: m.description,
            window: window.ok()?,
            replications: self.at_least_one(what, "replications", &m.replications),
            seed: m.seed.value,
            shipment_teu: m
                .shipment_teu
                .as_ref()
                .map_or(1, |x| self.at_least_one(what, "shipment_teu", x)),
        })
    }

    fn choice(&mut self, c: RawChoice, window_days: Option<f64>) -> Choice {
        let what = "[choice]";
        let d = Choice::default();
        let logit_scale = match &c.logit_scale {
            None => d.logit_scale,
            Some(x) => {
                if x.is_nan() || x.value <= 0.0 {
                    self.err(x.loc, format!("{what}: field `logit_scale` must be greater than 0 (or inf for all-or-nothing), got {}", x.value));
                }
                x.value
            }
        };
        Choice {
            k_routes: c
                .k_routes
                .as_ref()
                .map_or(d.k_routes, |x| {
                    if x.value > limits::K_ROUTES {
                        self.err(
                            x.loc,
                            format!(
                                "{what}: field `k_routes` must be at most {} (routes kept per origin and destination), got {}",
                                limits::K_ROUTES,
                                x.value
                            ),
                        );
                    }
                    self.at_least_one(what, "k_routes", x)
                }),
            logit_scale,
            reliability_ratio: c
                .reliability_ratio
                .as_ref()
                .map_or(d.reliability_ratio, |x| {
                    self.non_negative(what, "reliability_ratio", x, limits::RELIABILITY_RATIO)
                }),
            vot_rate_per_day: c.vot_rate_per_day.as_ref().map_or(d.vot_rate_per_day, |x| {
                self.non_negative(what, "vot_rate_per_day", x, limits::VOT_RATE_PER_DAY)
            }),
            model: self.choice_model(&c, d.model),
            gc_cutoff_ratio: match &c.gc_cutoff_ratio {
                None => d.gc_cutoff_ratio,
                Some(x) => {
                    if x.is_nan() || x.value < 1.0 {
                        self.err(x.loc, format!("{what}: field `gc_cutoff_ratio` must be at least 1 (a route may cost that multiple of the best; inf for no cut-off), got {}", x.value));
                    }
                    x.value
                }
            },
            feedback: c
                .feedback
                .as_ref()
                .map(|f| self.feedback(f, window_days)),
        }
    }

    /// `[choice] feedback`.
    fn feedback(&mut self, f: &Located<RawFeedback>, window_days: Option<f64>) -> Feedback {
        let what = "[choice] feedback";
        let iterations = self.at_least_one(what, "iterations", &f.iterations);
        if iterations > limits::FEEDBACK_ITERATIONS {
            self.err(
                f.iterations.loc,
                format!(
                    "{what}: field `iterations` must be at most {} (each one simulates every replication), got {iterations}",
                    limits::FEEDBACK_ITERATIONS
                ),
            );
        }
        let step = match &f.step {
            None => FeedbackStep::Msa,
            Some(x) => match x.value.as_str() {
                "msa" => FeedbackStep::Msa,
                other => {
                    self.err(
                        x.loc,
                        format!("{what}: field `step` must be \"msa\" (the method of successive averages), got \"{other}\""),
                    );
                    FeedbackStep::Msa
                }
            },
        };
        let tolerance = f.tolerance.as_ref().map_or(DEFAULT_FEEDBACK_TOLERANCE, |x| {
            if !(x.value > 0.0 && x.value <= 1.0) {
                self.err(
                    x.loc,
                    format!(
                        "{what}: field `tolerance` must be in (0, 1] (the largest share change that counts as settled), got {}",
                        Num(x.value)
                    ),
                );
            }
            x.value
        });
        let period_days = f.period_days.as_ref().map(|x| {
            let days = self.positive(what, "period_days", x, limits::DAYS);
            if let Some(window) = window_days
                && days > 0.0
                && window / days > limits::FEEDBACK_PERIODS
            {
                self.err(
                    x.loc,
                    format!(
                        "{what}: field `period_days` cuts the {} observation days into more than {} periods (each keeps its own shares); got {}",
                        Num(window),
                        limits::FEEDBACK_PERIODS,
                        Num(days)
                    ),
                );
            }
            days
        });
        Feedback {
            iterations,
            step,
            tolerance,
            period_days,
        }
    }

    /// `[choice] model` and its `nest_lambda`.
    fn choice_model(&mut self, c: &RawChoice, default: ChoiceModel) -> ChoiceModel {
        let what = "[choice]";
        let lambda = c.nest_lambda.as_ref().inspect(|x| {
            if !(x.value > 0.0 && x.value <= 1.0) {
                self.err(
                    x.loc,
                    format!(
                        "{what}: field `nest_lambda` must be in (0, 1] (1 is the plain logit), got {}",
                        x.value
                    ),
                );
            }
        });
        let Some(m) = &c.model else {
            if let Some(x) = lambda {
                self.err(
                    x.loc,
                    format!("{what}: field `nest_lambda` needs `model = \"nested\"`"),
                );
            }
            return default;
        };
        match m.value.as_str() {
            "nested" => ChoiceModel::Nested {
                lambda: lambda.map_or(DEFAULT_NEST_LAMBDA, |x| x.value),
            },
            other => {
                if let Some(x) = lambda {
                    self.err(x.loc, format!("{what}: field `nest_lambda` needs `model = \"nested\"`, not \"{other}\""));
                }
                match other {
                    "mnl" => ChoiceModel::Mnl,
                    "path_size" => ChoiceModel::PathSize,
                    _ => {
                        self.err(m.loc, format!("{what}: field `model` must be \"mnl\", \"path_size\" or \"nested\", got \"{other}\""));
                        default
                    }
                }
            }
        }
    }

    fn service(
        &mut self,
        what: &str,
        s: &RawService,
        hub_ids: &IdMap<HubId>,
        corridor_ids: &IdMap<CorridorId>,
        between: &LinksBetween,
        links_complete: bool,
    ) -> Option<Service> {
        let corridor = s
            .corridor
            .as_ref()
            .and_then(|c| self.resolve(what, "corridor", corridor_ids, c));
        let headway_h = match (&s.departures_per_week, &s.headway_h) {
            (Some(d), None) => {
                let n = self.positive(what, "departures_per_week", d, limits::DEPARTURES_PER_WEEK);
                if n.is_finite() && n > 0.0 && n < limits::MIN_DEPARTURES_PER_WEEK {
                    self.err(
                        d.loc,
                        format!(
                            "{what}: field `departures_per_week` must be at least {} (one departure in 96 years), got {}",
                            limits::MIN_DEPARTURES_PER_WEEK,
                            Num(n)
                        ),
                    );
                }
                168.0 / n
            }
            (None, Some(h)) => self.positive(what, "headway_h", h, limits::HOURS),
            (Some(d), Some(_)) => {
                self.err(
                    d.loc,
                    format!("{what}: give either `departures_per_week` or `headway_h`, not both"),
                );
                return None;
            }
            (None, None) => {
                self.err(
                    s.id.loc,
                    format!("{what}: needs `departures_per_week` or `headway_h`"),
                );
                return None;
            }
        };
        const MIN_HEADWAY_H: f64 = 1.0 / 60.0;
        if headway_h.is_finite() && headway_h > 0.0 && headway_h < MIN_HEADWAY_H {
            let loc = s
                .departures_per_week
                .as_ref()
                .or(s.headway_h.as_ref())
                .map_or(s.id.loc, |x| x.loc);
            self.err(
                loc,
                format!(
                    "{what}: departures more often than once a minute (headway {} h) are not a timetable",
                    Num(headway_h)
                ),
            );
        }
        let first_departure_h = s.first_departure_h.as_ref().map_or(0.0, |x| {
            self.non_negative(what, "first_departure_h", x, limits::HOURS)
        });
        let capacity_teu = self.at_least_one(what, "capacity_teu", &s.capacity_teu);
        let fare = s
            .fare_usd_per_teu
            .as_ref()
            .map(|x| self.non_negative(what, "fare_usd_per_teu", x, limits::USD_PER_TEU));
        let dwell_h = s.dwell_h.as_ref().map_or(Dist::Fixed(0.0), |d| {
            let dist = self.duration(what, "dwell_h", d);
            self.plausible_hours(what, "dwell_h", (d, &dist), plausible::DWELL_H);
            dist
        });
        let scheduled_run_h = s
            .scheduled_run_h
            .as_ref()
            .map(|x| self.positive(what, "scheduled_run_h", x, limits::HOURS));
        if s.stops.len() > limits::MAX_STOPS {
            self.err(
                s.stops.loc,
                format!(
                    "{what}: field `stops` may have at most {} stops, got {}",
                    limits::MAX_STOPS,
                    s.stops.len()
                ),
            );
            return None;
        }
        if s.stops.len() < 2 {
            self.err(
                s.stops.loc,
                format!(
                    "{what}: field `stops` needs at least 2 stops, got {}",
                    s.stops.len()
                ),
            );
            return None;
        }
        let stops: Vec<Option<HubId>> = s
            .stops
            .iter()
            .map(|st| self.resolve(what, "stops", hub_ids, st))
            .collect();
        let stops: Vec<HubId> = stops.into_iter().collect::<Option<_>>()?;
        let mut legs = Vec::with_capacity(stops.len() - 1);
        for (i, pair) in stops.windows(2).enumerate() {
            let (a, b) = (pair[0], pair[1]);
            match between.get(a, b, s.mode.value) {
                Some(l) => legs.push(l),
                None if !links_complete => {}
                None => {
                    self.err(
                        s.stops[i + 1].loc,
                        format!(
                            "{what}: stops `{}` → `{}` are not joined by a {} link (a service runs only over links of its mode)",
                            s.stops[i].value, s.stops[i + 1].value, s.mode.value
                        ),
                    );
                }
            }
        }
        if legs.len() != stops.len() - 1 {
            return None;
        }
        let mut seen = std::collections::BTreeSet::new();
        for (st, hub) in s.stops.iter().zip(&stops) {
            if !seen.insert(*hub) {
                self.err(
                    st.loc,
                    format!(
                        "{what}: stop `{}` appears twice (a service's stops must be distinct)",
                        st.value
                    ),
                );
                return None;
            }
        }
        Some(Service {
            id: s.id.value.clone(),
            name: s
                .name
                .as_ref()
                .map_or_else(|| s.id.value.clone(), |n| self.name(what, n)),
            corridor,
            mode: s.mode.value,
            stops,
            legs,
            headway_h,
            first_departure_h,
            capacity_teu,
            fare_usd_per_teu: fare,
            dwell_h,
            scheduled_run_h,
        })
    }

    /// A flow's cargo figures: its own where it gives them, else its class's. The value
    /// of time follows the cargo class (a flow that overrides only the value keeps its
    /// class's VOT); with neither, the default rate applies later. A flow without a class
    /// must give `value_usd_per_teu` and `due_days` itself; problems with missing figures
    /// are reported at `anchor` (the flow's first field).
    fn cargo(&mut self, what: &str, raw: &RawCargo<'_>, anchor: Loc, classes: &Classes) -> Cargo {
        let teu_per_day = self.positive(what, "teu_per_day", raw.teu_per_day, limits::TEU_PER_DAY);
        let class = raw
            .class
            .as_ref()
            .and_then(|c| self.resolve(what, "class", &classes.ids, c));
        let of_class = class.map(|c| &classes.list[c.index()]);
        let class_broken = raw.class.is_some() && class.is_none();
        let missing = |v: &mut Self, field: &str| {
            // A class that could not be resolved was reported already.
            if class_broken {
                return;
            }
            let hint = match &raw.class {
                Some(c) => format!("its class `{}` gives none", c.value),
                None => "give it, or a `class` that has it".to_string(),
            };
            v.err(anchor, format!("{what}: missing field `{field}` ({hint})"));
        };
        let value_usd_per_teu = match (raw.value_usd_per_teu.as_ref(), of_class) {
            (Some(x), _) => {
                self.non_negative(what, "value_usd_per_teu", x, limits::VALUE_USD_PER_TEU)
            }
            (None, Some(c)) => c.value_usd_per_teu,
            (None, None) => {
                missing(self, "value_usd_per_teu");
                0.0
            }
        };
        let due_days = match (raw.due_days.as_ref(), of_class.and_then(|c| c.due_days)) {
            (Some(x), _) => self.positive(what, "due_days", x, limits::DAYS),
            (None, Some(d)) => d,
            (None, None) => {
                missing(self, "due_days");
                1.0
            }
        };
        let vot_usd_per_teu_day = match raw.vot_usd_per_teu_day.as_ref() {
            Some(x) => {
                Some(self.non_negative(what, "vot_usd_per_teu_day", x, limits::VOT_USD_PER_TEU_DAY))
            }
            None => of_class.and_then(|c| c.vot_usd_per_teu_day),
        };
        Cargo {
            teu_per_day,
            value_usd_per_teu,
            due_days,
            vot_usd_per_teu_day,
            class,
        }
    }

    fn flow(
        &mut self,
        what: &str,
        f: &Located<RawFlow>,
        hub_ids: &IdMap<HubId>,
        classes: &Classes,
    ) -> Option<Flow> {
        let to = self.resolve(what, "to", hub_ids, &f.to);
        let modes = self.modes(what, &f.modes);
        let cargo = self.cargo(what, &f.cargo(), f.loc, classes);
        Some(Flow {
            to: to?,
            teu_per_day: cargo.teu_per_day,
            value_usd_per_teu: cargo.value_usd_per_teu,
            due_days: cargo.due_days,
            modes,
            vot_usd_per_teu_day: cargo.vot_usd_per_teu_day,
            class: cargo.class,
        })
    }

    fn candidate(
        &mut self,
        what: &str,
        c: &RawCandidate,
        hub_ids: &IdMap<HubId>,
        classes: &Classes,
        reach: &mut Reach,
        auto: &CandidateContext,
    ) -> Option<Candidate> {
        let mut connectors = Vec::new();
        let written: &[Located<RawConnector>] = match (&c.connectors, &c.connect) {
            (Some(list), None) => {
                if list.is_empty() {
                    self.err(
                        list.loc,
                        format!("{what}: field `connectors` needs at least one connector"),
                    );
                }
                list
            }
            (None, Some(connect)) => {
                self.auto_connectors(what, c, connect.loc, auto, &mut connectors);
                &[]
            }
            (Some(list), Some(connect)) => {
                self.err(
                    connect.loc,
                    format!("{what}: give either `connectors` or `connect = \"auto\"`, not both"),
                );
                list
            }
            (None, None) => {
                self.err(
                    c.id.loc,
                    format!("{what}: needs `connectors` (at least one) or `connect = \"auto\"`"),
                );
                &[]
            }
        };
        for (i, k) in written.iter().enumerate() {
            let cw = format!("{what} connectors[{i}]");
            let to = self.resolve(&cw, "to", hub_ids, &k.to);
            let corridor = k
                .corridor
                .as_ref()
                .and_then(|x| self.resolve(&cw, "corridor", auto.corridor_ids, x));
            let distance_km =
                self.positive(&cw, "distance_km", &k.distance_km, limits::DISTANCE_KM);
            let cost = self.non_negative(
                &cw,
                "cost_usd_per_teu",
                &k.cost_usd_per_teu,
                limits::USD_PER_TEU,
            );
            let time_h = self.duration(&cw, "time_h", &k.time_h);
            if let Some(to) = to {
                connectors.push(Connector {
                    id: k.id.as_ref().map_or_else(
                        || format!("{}-{}-{}", c.id.value, k.to.value, k.mode.value),
                        |x| x.value.clone(),
                    ),
                    to,
                    mode: k.mode.value,
                    distance_km,
                    time_h,
                    cost_usd_per_teu: cost,
                    corridor,
                });
            }
        }
        let mut demand = Vec::new();
        for (i, f) in c.demand.iter().enumerate() {
            let fw = format!("{what} demand[{i}]");
            if let Some(flow) = self.flow(&fw, f, hub_ids, classes) {
                let starts: Vec<HubId> = connectors
                    .iter()
                    .filter(|k| k.mode == Mode::Road && flow.modes.contains(Mode::Road))
                    .map(|k| k.to)
                    .collect();
                if self.diags.is_empty()
                    && !connectors.is_empty()
                    && !reach.reaches(&starts, flow.to, flow.modes)
                {
                    self.err(
                        f.to.loc,
                        format!("{fw}: destination `{}` cannot be reached through the candidate's road connectors", f.to.value),
                    );
                }
                demand.push(flow);
            }
        }
        let (transfer, transfer_target_h, customs, customs_policy) =
            self.hub_facilities(what, &c.transfer, &c.customs);
        Some(Candidate {
            id: c.id.value.clone(),
            name: self.name(what, &c.name),
            name_zh: self.name_zh(what, c.name_zh.as_ref()),
            kind: c.kind.as_ref().map_or(HubKind::Zone, |k| k.value),
            lat: self.coordinate(what, "lat", &c.lat, 90.0),
            lon: self.coordinate(what, "lon", &c.lon, 180.0),
            transfer,
            customs,
            customs_policy,
            transfer_target_h,
            connectors,
            demand,
        })
    }

    fn disruption(
        &mut self,
        what: &str,
        d: &RawDisruption,
        hub_ids: &IdMap<HubId>,
        link_ids: &IdMap<LinkId>,
        service_ids: &IdMap<ServiceId>,
    ) -> Option<Disruption> {
        let target = match (&d.link, &d.hub, &d.service) {
            (Some(l), None, None) => self.resolve(what, "link", link_ids, l).map(Target::Link),
            (None, Some(h), None) => self.resolve(what, "hub", hub_ids, h).map(Target::Hub),
            (None, None, Some(s)) => self
                .resolve(what, "service", service_ids, s)
                .map(Target::Service),
            _ => {
                self.err(
                    d.id.loc,
                    format!("{what}: name exactly one of `link`, `hub` or `service`"),
                );
                None
            }
        };
        let probability = d.probability.as_ref().map_or(1.0, |p| {
            if !(p.is_finite() && (0.0..=1.0).contains(&p.value)) {
                self.err(
                    p.loc,
                    format!(
                        "{what}: field `probability` must be between 0 and 1, got {}",
                        p.value
                    ),
                );
            }
            p.value
        });
        let servers = match (d.effect.value, &d.servers) {
            (EffectKind::Capacity, Some(n)) => self.at_least_one(what, "servers", n),
            (EffectKind::Capacity, None) => {
                self.err(
                    d.effect.loc,
                    format!(
                        "{what}: a capacity reduction needs `servers` (the servers left, >= 1)"
                    ),
                );
                0
            }
            (_, Some(n)) => {
                self.err(
                    n.loc,
                    format!("{what}: `servers` applies only to effect = \"capacity\""),
                );
                0
            }
            (_, None) => 0,
        };
        let time_factor = match (d.effect.value, &d.time_factor) {
            (EffectKind::Closure | EffectKind::Capacity, None) => 1.0,
            (EffectKind::Closure | EffectKind::Capacity, Some(f)) => {
                self.err(
                    f.loc,
                    format!("{what}: `time_factor` applies only to effect = \"slowdown\""),
                );
                1.0
            }
            (EffectKind::Slowdown, None) => {
                self.err(
                    d.effect.loc,
                    format!("{what}: a slowdown needs `time_factor` (> 1)"),
                );
                1.0
            }
            (EffectKind::Slowdown, Some(f)) => {
                if !(f.is_finite() && f.value > 1.0) {
                    self.err(
                        f.loc,
                        format!(
                            "{what}: field `time_factor` must be greater than 1, got {}",
                            Num(f.value)
                        ),
                    );
                } else {
                    self.at_most(what, "time_factor", f, limits::TIME_FACTOR);
                }
                f.value
            }
        };
        Some(Disruption {
            id: d.id.value.clone(),
            target: target?,
            probability,
            start_days: self.duration(what, "start_days", &d.start_days),
            duration_days: self.duration(what, "duration_days", &d.duration_days),
            effect: d.effect.value,
            time_factor,
            servers,
        })
    }

    /// A capacity reduction needs servers to reduce: a link with a bottleneck or a hub
    /// with a facility.
    fn capacity_target(
        &mut self,
        what: &str,
        raw: &RawDisruption,
        d: &Disruption,
        hubs: &[Hub],
        links: &[Link],
    ) {
        if d.effect != EffectKind::Capacity {
            return;
        }
        let (ok, loc, field) = match d.target {
            Target::Link(l) => (
                links[l.index()].bottleneck.is_some(),
                raw.link.as_ref().map(|x| x.loc),
                "link has no `bottleneck`",
            ),
            Target::Hub(h) => (
                hubs[h.index()].transfer.is_some() || hubs[h.index()].customs.is_some(),
                raw.hub.as_ref().map(|x| x.loc),
                "hub has neither `transfer` nor `customs`",
            ),
            Target::Service(_) => (
                false,
                raw.service.as_ref().map(|x| x.loc),
                "a service has no servers (close it or slow it down instead)",
            ),
        };
        if !ok {
            self.err(
                loc.unwrap_or(raw.id.loc),
                format!("{what}: effect = \"capacity\" needs servers to reduce, but the {field}"),
            );
        }
    }
}

/// The first link of each mode that may be used from one hub to another, so that a
/// service's stops find their links in `O(log links)` each rather than by a scan.
struct LinksBetween(BTreeMap<(HubId, HubId, Mode), LinkId>);

impl LinksBetween {
    fn new(links: &[Link]) -> LinksBetween {
        let mut map = BTreeMap::new();
        for (i, l) in links.iter().enumerate() {
            map.entry((l.from, l.to, l.mode)).or_insert(LinkId::new(i));
            if l.two_way {
                map.entry((l.to, l.from, l.mode)).or_insert(LinkId::new(i));
            }
        }
        LinksBetween(map)
    }

    /// The first link (in file order) of `mode` that leads from `a` to `b`.
    fn get(&self, a: HubId, b: HubId, mode: Mode) -> Option<LinkId> {
        self.0.get(&(a, b, mode)).copied()
    }
}

/// The location of a root file's start, for problems with no better place.
pub fn root_loc() -> Loc {
    ZERO_LOC
}
