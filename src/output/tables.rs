//! The result tables of a run, as tidy CSV.
//!
//! One row per entity, rows in entity index order (demand, route, corridor, facility,
//! service — the scenario's own order), a fixed column order with units in the names, a
//! leading `scenario` column, and every float printed with [`DECIMALS`] decimals. Together
//! with the engine's replication-order merge this makes the files byte-identical for a
//! given scenario, plan, seed and replication count, whatever the thread count.
//!
//! A figure that no replication observed (e.g. the transit time of a flow none of whose
//! shipments was delivered) is an empty cell, never a misleading 0.
//!
//! | file | one row per | notes |
//! |---|---|---|
//! | `od_summary.csv` | demand flow | counts are means per replication (one observation window) |
//! | `route_shares.csv` | route of a flow | planned (logit) vs simulated share |
//! | `corridor_summary.csv` | corridor | shipments whose route's main corridor it is |
//! | `hub_summary.csv` | facility | `transfer`, `customs`, and bottlenecks: `hub` is then the link id and `facility` the bottleneck's name (`kind` tells them apart); `wait_h_mean` over every unit, `freight_wait_h_mean` over the non-background units alone; `recovery_days` after a disruption ([`crate::sim::daily::DailyAgg::recovery_days`]) |
//! | `service_summary.csv` | service | |
//! | `convergence.csv` | feedback iteration | only with `[choice] feedback` ([`crate::feedback`]); written beside these by the commands ([`convergence`]) |
//!
//! Statistics are explained in [`crate::sim::aggregate`]: transit quantiles are means of
//! exact per-replication quantiles; `_ci95_` columns are Student-t intervals across
//! replications.

use std::io;
use std::path::Path;

use crate::feedback::Convergence;
use crate::routing::{Route, route_corridors, route_label};
use crate::sim::Aggregate;
use crate::sim::aggregate::TransitAgg;
use crate::sim::model::{FacilityKind, Model};
use crate::sim::routes::RouteTable;
use crate::stats::Summary;

use super::atomic::write_atomic;

/// Decimals of every float in the tables.
pub const DECIMALS: usize = 4;

/// A table: its header and rows of formatted cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// File name, e.g. `od_summary.csv`.
    pub file: &'static str,
    /// Column names.
    pub header: &'static [&'static str],
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

/// How a CSV file starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CsvFlavour {
    /// Plain UTF-8, for scripts and other tools.
    #[default]
    Plain,
    /// UTF-8 with a byte-order mark (EF BB BF) first: without it Excel reads a CSV in
    /// the system's legacy code page and garbles Chinese names.
    Excel,
}

/// The UTF-8 byte-order mark.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

impl Table {
    /// Writes the table atomically to `dir/self.file`, header first (also when empty).
    ///
    /// # Errors
    /// Any I/O or CSV error; the previous file, if any, is then left unchanged.
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        self.write_as(dir, CsvFlavour::Plain)
    }

    /// [`Table::write`], in `flavour`.
    ///
    /// # Errors
    /// Any I/O or CSV error; the previous file, if any, is then left unchanged.
    pub fn write_as(&self, dir: &Path, flavour: CsvFlavour) -> io::Result<()> {
        write_atomic(&dir.join(self.file), |w| {
            if flavour == CsvFlavour::Excel {
                io::Write::write_all(w, UTF8_BOM)?;
            }
            let mut csv = csv::Writer::from_writer(w);
            csv.write_record(self.header)?;
            for row in &self.rows {
                debug_assert_eq!(row.len(), self.header.len(), "{}: ragged row", self.file);
                csv.write_record(row)?;
            }
            csv.flush()
        })
    }
}

/// A float with [`DECIMALS`] decimals (never `-0.0000`).
#[must_use]
pub fn num(x: f64) -> String {
    let s = format!("{x:.DECIMALS$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// A Chinese name, or an empty cell where the scenario gives none.
#[must_use]
pub fn zh(name: Option<&String>) -> String {
    name.cloned().unwrap_or_default()
}

/// A float, or an empty cell.
fn opt(x: Option<f64>) -> String {
    x.map_or_else(String::new, num)
}

/// Mean, CI95 low and high of a summary, or three empty cells.
fn ci(s: Option<Summary>) -> [String; 3] {
    match s {
        Some(s) => [num(s.mean), num(s.ci95_low), num(s.ci95_high)],
        None => Default::default(),
    }
}

fn transit_cols(t: Option<&TransitAgg>) -> ([String; 3], [String; 3]) {
    (
        ci(t.map(|t| t.mean)),
        [
            opt(t.map(|t| t.p50)),
            opt(t.map(|t| t.p90)),
            opt(t.map(|t| t.p95)),
        ],
    )
}

/// `convergence.csv`: one row per feedback iteration of each named scenario, in the
/// order given ([`crate::feedback`] defines the columns).
#[must_use]
pub fn convergence(runs: &[(&str, &Convergence)]) -> Table {
    let rows = runs
        .iter()
        .flat_map(|(name, c)| {
            c.iterations.iter().map(move |it| {
                vec![
                    (*name).to_string(),
                    it.iteration.to_string(),
                    num(it.max_share_change),
                    num(it.relative_gap),
                    num(it.mean_gc_usd_per_teu),
                ]
            })
        })
        .collect();
    Table {
        file: "convergence.csv",
        header: &[
            "scenario",
            "iteration",
            "max_share_change",
            "relative_gap",
            "mean_gc_usd_per_teu",
        ],
        rows,
    }
}

/// Everything the tables are made from.
#[derive(Clone, Copy, Debug)]
pub struct RunTables<'a> {
    /// The compiled model (and through it the scenario).
    pub model: &'a Model<'a>,
    /// The route plan the run used, by demand.
    pub plan: &'a [Vec<Route>],
    /// The same plan compiled.
    pub routes: &'a RouteTable,
    /// The merged results.
    pub agg: &'a Aggregate,
}

impl RunTables<'_> {
    /// Every table, in the order they are written: `timeseries.csv` last, when the run
    /// counted day by day.
    #[must_use]
    pub fn all(&self) -> Vec<Table> {
        let mut tables = vec![
            self.od_summary(),
            self.route_shares(),
            self.corridor_summary(),
            self.hub_summary(),
            self.service_summary(),
        ];
        if let Some(daily) = &self.agg.daily {
            tables.push(super::timeseries::run_table(self.model, daily));
        }
        tables
    }

    /// Writes every table into `dir` (which must exist), each atomically.
    ///
    /// # Errors
    /// The first I/O error.
    pub fn write(&self, dir: &Path) -> io::Result<Vec<&'static str>> {
        let tables = self.all();
        for t in &tables {
            t.write(dir)?;
        }
        Ok(tables.iter().map(|t| t.file).collect())
    }

    fn name(&self) -> String {
        self.model.scenario.meta.name.clone()
    }

    /// `od_summary.csv`.
    #[must_use]
    pub fn od_summary(&self) -> Table {
        let s = self.model.scenario;
        let rows = s
            .demand
            .iter()
            .zip(&self.agg.od)
            .map(|(d, a)| {
                let ([mean, lo, hi], [p50, p90, p95]) = transit_cols(a.transit.as_ref());
                let (from, to) = (s.hub(d.from), s.hub(d.to));
                vec![
                    self.name(),
                    from.id.clone(),
                    from.name.clone(),
                    zh(from.name_zh.as_ref()),
                    to.id.clone(),
                    to.name.clone(),
                    zh(to.name_zh.as_ref()),
                    num(a.shipments),
                    num(a.teu),
                    mean,
                    lo,
                    hi,
                    p50,
                    p90,
                    p95,
                    opt(a.cost_usd_per_teu_mean),
                    opt(a.on_time_share.map(|x| x.mean)),
                    a.main_corridor
                        .map_or_else(String::new, |c| s.corridors[c.index()].id.clone()),
                    num(a.in_transit),
                    num(a.in_transit_teu),
                    d.id.clone(),
                ]
            })
            .collect();
        Table {
            file: "od_summary.csv",
            header: &[
                "scenario",
                "origin",
                "origin_name",
                "origin_name_zh",
                "destination",
                "destination_name",
                "destination_name_zh",
                "shipments",
                "teu",
                "transit_days_mean",
                "transit_days_ci95_low",
                "transit_days_ci95_high",
                "transit_days_p50",
                "transit_days_p90",
                "transit_days_p95",
                "cost_usd_per_teu_mean",
                "on_time_share",
                "main_corridor",
                "undelivered_after_drain",
                "undelivered_teu_after_drain",
                "demand",
            ],
            rows,
        }
    }

    /// `route_shares.csv`.
    #[must_use]
    pub fn route_shares(&self) -> Table {
        let s = self.model.scenario;
        let mut rows = Vec::with_capacity(self.routes.len());
        for (d, routes) in self.plan.iter().enumerate() {
            let demand = &s.demand[d];
            let range = self.routes.range_of(crate::ids::DemandId::new(d));
            for (route, ix) in routes.iter().zip(range) {
                let a = &self.agg.routes[ix];
                rows.push(vec![
                    self.name(),
                    s.hub(demand.from).id.clone(),
                    s.hub(demand.to).id.clone(),
                    self.routes.routes()[ix].rank.to_string(),
                    route_label(s, route),
                    route_corridors(s, route),
                    num(route.share),
                    opt(a.simulated_share),
                    opt(a.transit_days_mean),
                    num(self.routes.routes()[ix].cost_usd_per_teu),
                    demand.id.clone(),
                ]);
            }
        }
        Table {
            file: "route_shares.csv",
            header: &[
                "scenario",
                "origin",
                "destination",
                "rank",
                "route",
                "corridors",
                "planned_share",
                "simulated_share",
                "transit_days_mean",
                "cost_usd_per_teu",
                "demand",
            ],
            rows,
        }
    }

    /// `corridor_summary.csv`.
    #[must_use]
    pub fn corridor_summary(&self) -> Table {
        let s = self.model.scenario;
        let rows = s
            .corridors
            .iter()
            .zip(&self.agg.corridors)
            .map(|(c, a)| {
                let ([mean, lo, hi], [p50, p90, p95]) = transit_cols(a.transit.as_ref());
                vec![
                    self.name(),
                    c.id.clone(),
                    c.name.clone(),
                    zh(c.name_zh.as_ref()),
                    num(a.shipments),
                    num(a.teu),
                    mean,
                    lo,
                    hi,
                    p50,
                    p90,
                    p95,
                    opt(a.cost_usd_per_teu_mean),
                    opt(a.on_time_share.map(|x| x.mean)),
                ]
            })
            .collect();
        Table {
            file: "corridor_summary.csv",
            header: &[
                "scenario",
                "corridor",
                "corridor_name",
                "corridor_name_zh",
                "shipments",
                "teu",
                "transit_days_mean",
                "transit_days_ci95_low",
                "transit_days_ci95_high",
                "transit_days_p50",
                "transit_days_p90",
                "transit_days_p95",
                "cost_usd_per_teu_mean",
                "on_time_share",
            ],
            rows,
        }
    }

    /// `hub_summary.csv`.
    #[must_use]
    pub fn hub_summary(&self) -> Table {
        let s = self.model.scenario;
        let rows = self
            .model
            .facilities
            .iter()
            .zip(&self.agg.facilities)
            .enumerate()
            .map(|(i, (f, a))| {
                let recovery =
                    (self.agg.daily.as_ref()).and_then(|d| d.recovery_days(self.model, i));
                let (owner, owner_name, owner_zh, facility, kind) = match f.kind {
                    FacilityKind::Transfer(h) => {
                        let hub = s.hub(h);
                        (
                            &hub.id,
                            &hub.name,
                            hub.name_zh.as_ref(),
                            "transfer",
                            "transfer",
                        )
                    }
                    FacilityKind::Customs(h) => {
                        let hub = s.hub(h);
                        (
                            &hub.id,
                            &hub.name,
                            hub.name_zh.as_ref(),
                            "customs",
                            "customs",
                        )
                    }
                    FacilityKind::Bottleneck(l) => {
                        let link = s.link(l);
                        let name = link.bottleneck.as_ref().map_or("bottleneck", |b| &b.name);
                        (&link.id, &link.id, None, name, "bottleneck")
                    }
                };
                let [wait, wait_lo, wait_hi] = ci(a.wait_h);
                vec![
                    self.name(),
                    owner.clone(),
                    if kind == "bottleneck" {
                        facility.to_string()
                    } else {
                        owner_name.clone()
                    },
                    zh(owner_zh),
                    facility.to_string(),
                    kind.to_string(),
                    f.servers.to_string(),
                    num(a.teu_handled),
                    num(a.utilisation.mean),
                    wait,
                    wait_lo,
                    wait_hi,
                    opt(a.wait_h_p95),
                    opt(a.freight_wait_h.map(|w| w.mean)),
                    a.max_queue.to_string(),
                    num(a.max_queue_mean),
                    num(a.mean_in_system),
                    opt(recovery),
                ]
            })
            .collect();
        Table {
            file: "hub_summary.csv",
            header: &[
                "scenario",
                "hub",
                "hub_name",
                "hub_name_zh",
                "facility",
                "kind",
                "servers",
                "teu_handled",
                "utilisation",
                "wait_h_mean",
                "wait_h_ci95_low",
                "wait_h_ci95_high",
                "wait_h_p95",
                "freight_wait_h_mean",
                "max_queue",
                "max_queue_mean",
                "in_system_mean",
                "recovery_days",
            ],
            rows,
        }
    }

    /// `service_summary.csv`.
    #[must_use]
    pub fn service_summary(&self) -> Table {
        let s = self.model.scenario;
        let rows = s
            .services
            .iter()
            .zip(&self.agg.services)
            .map(|(v, a)| {
                let [lf, lf_lo, lf_hi] = ci(a.load_factor);
                vec![
                    self.name(),
                    v.id.clone(),
                    v.name.clone(),
                    v.corridor
                        .map_or_else(String::new, |c| s.corridors[c.index()].id.clone()),
                    num(a.departures),
                    num(a.cancelled),
                    lf,
                    lf_lo,
                    lf_hi,
                    num(a.teu_carried),
                    num(a.rolled_teu),
                    opt(a.wait_h_mean),
                    v.capacity_teu.to_string(),
                    a.peak_load_teu.to_string(),
                ]
            })
            .collect();
        Table {
            file: "service_summary.csv",
            header: &[
                "scenario",
                "service",
                "service_name",
                "corridor",
                "departures",
                "cancelled_departures",
                "load_factor_mean",
                "load_factor_ci95_low",
                "load_factor_ci95_high",
                "teu_carried",
                "rolled_teu",
                "wait_h_mean",
                "capacity_teu",
                "peak_load_teu",
            ],
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_fixed_precision_and_no_negative_zero() {
        assert_eq!(num(1.0), "1.0000");
        assert_eq!(num(2.0 / 3.0), "0.6667");
        assert_eq!(num(-0.00001), "0.0000");
        assert_eq!(num(-1.5), "-1.5000");
        assert_eq!(opt(None), "");
    }

    #[test]
    fn empty_table_still_has_its_header() {
        let dir = tempfile::tempdir().unwrap();
        let t = Table {
            file: "t.csv",
            header: &["scenario", "x_h"],
            rows: Vec::new(),
        };
        t.write(dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("t.csv")).unwrap(),
            "scenario,x_h\n"
        );
    }
}
