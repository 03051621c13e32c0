//! The zone ranking of `compare-zones`: each candidate's score with its 95 % interval and
//! its probability of being the best, from `zone_ranking.csv`.

use super::chart::{self, Interval};
use super::html::{self, Section};
use super::map::short;
use super::{Context, ReportError, fmt_num, fmt_opt};

/// The ranking chart and table.
pub fn ranking(cx: &Context<'_>) -> Result<Section, ReportError> {
    let title = "Zone ranking";
    let Some(t) = cx.read("zone_ranking.csv")? else {
        return Ok(Section::omitted(
            "ranking",
            title,
            "zone_ranking.csv is absent: no ranking.",
        ));
    };
    let zone = t.col(&["zone"])?;
    let rank = t.col(&["rank"])?;
    let score = t.col(&["score_usd_per_teu", "score"])?;
    let lo = t.col(&["score_ci95_low"])?;
    let hi = t.col(&["score_ci95_high"])?;
    let prob = t.col(&["prob_best"])?;
    // Score components as they enter the score (weighted `*_term_usd_per_teu` columns,
    // which add up to it) when the file has them, else every other per-TEU money column.
    let money = |h: &&String| h.ends_with("_usd_per_teu") && h.as_str() != "score_usd_per_teu";
    let terms = t.headers().iter().any(|h| h.ends_with("_term_usd_per_teu"));
    let components: Vec<(String, _)> = t
        .headers()
        .iter()
        .filter(money)
        .filter(|h| !terms || h.ends_with("_term_usd_per_teu"))
        .filter_map(|h| Some((h.clone(), t.find(&[h.as_str()])?)))
        .collect();
    let mut items = Vec::new();
    let mut rows = Vec::new();
    for r in 0..t.len() {
        let (Some(s), Some(l), Some(h)) = (t.num(r, score)?, t.num(r, lo)?, t.num(r, hi)?) else {
            continue;
        };
        let p = t.num(r, prob)?.unwrap_or(0.0);
        let name = t.label(r, zone);
        let rank_text = t.text(r, rank).to_string();
        let colour = if rank_text == "1" {
            chart::ACCENT
        } else {
            chart::PALETTE[0]
        };
        items.push(Interval {
            note: format!("P(best) {}", fmt_num(p, 2)),
            ..Interval::new(
                format!("{rank_text}. {}", short(&name, 48)),
                s,
                l,
                h,
                colour,
            )
        });
        let mut row = vec![
            rank_text,
            name,
            fmt_num(s, 0),
            format!("{} – {}", fmt_num(l, 0), fmt_num(h, 0)),
            fmt_num(p, 2),
        ];
        for (_, c) in &components {
            row.push(fmt_opt(t.num(r, *c)?, 0));
        }
        rows.push(row);
    }
    if items.is_empty() {
        return Ok(Section::omitted(
            "ranking",
            title,
            "zone_ranking.csv has no scored zone.",
        ));
    }
    let svg = chart::intervals(
        "Candidate zones ranked by score (lower is better)",
        "score (USD per TEU)",
        &items,
        false,
    )?;
    let mut body = html::figure(
        "ranking-chart",
        &svg,
        "Score: generalized cost of the zone's flows with its reliability, redundancy and \
         existing-traffic terms, in USD per TEU. Dot: mean score across replications; \
         whiskers: its 95 % confidence interval; P(best): share of replications in which the zone scored lowest. Zones whose \
         intervals overlap are not clearly different.",
    );
    let mut headers = vec!["rank", "zone", "score (USD/TEU)", "95 % CI", "P(best)"];
    let component_names: Vec<String> = components
        .iter()
        .map(|(h, _)| {
            let name = h.trim_end_matches("_usd_per_teu").trim_end_matches("_term");
            name.replace('_', " ") + " (USD/TEU)"
        })
        .collect();
    headers.extend(component_names.iter().map(String::as_str));
    let numeric: Vec<usize> = (2..headers.len()).collect();
    if terms {
        body.push_str(&html::para(
            "The score's terms as they enter it (each component times its weight); they add \
             up to the score.",
        ));
    }
    body.push_str(&html::table("ranking-table", &headers, &rows, &numeric));
    Ok(Section::new("ranking", title, body))
}
