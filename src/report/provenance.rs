//! The manifest section: what produced the results (tool and version, command and
//! arguments, seed, replications, horizon, the scenario files with their SHA-256) and the
//! SHA-256 of every file in the directory, so a figure pasted into a slide can be traced
//! back to the files it came from and checked with `sha256sum`.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::html::{self, Section, escape};
use super::{REPORT_HTML, ReportError, fmt_num};
use crate::hash::sha256_hex;
use crate::output::dir::MANIFEST;

/// A `manifest.json`, as written by any command (their fields differ).
pub struct Manifest(serde_json::Map<String, Value>);

impl Manifest {
    /// Reads `dir/manifest.json`; `Ok(None)` when absent.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, ReportError> {
        let path = dir.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ReportError::Io { path, source }),
        };
        match serde_json::from_str(&text) {
            Ok(Value::Object(map)) => Ok(Some(Manifest(map))),
            Ok(_) => Err(ReportError::Json {
                file: path,
                message: "not a JSON object".into(),
            }),
            Err(e) => Err(ReportError::Json {
                file: path,
                message: e.to_string(),
            }),
        }
    }

    /// A text field.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    /// The command that wrote the directory.
    pub fn command(&self) -> Option<&str> {
        self.text("command")
    }

    /// One line under the title: seed, replications, horizon, version.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.0.get("seed").and_then(Value::as_u64) {
            parts.push(format!("seed {s}"));
        }
        if let Some(r) = self.0.get("replications").and_then(Value::as_u64) {
            parts.push(format!("{r} replications"));
        }
        if let Some(h) = self.0.get("horizon_days").and_then(Value::as_f64) {
            let warmup = self
                .0
                .get("warmup_days")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            parts.push(format!(
                "{}-day horizon after a {}-day warm-up",
                fmt_num(h, 0),
                fmt_num(warmup, 0)
            ));
        }
        if let Some(s) = self.text("sweep") {
            parts.push(format!("sweep {s}"));
        }
        if let Some(v) = self.text("version") {
            parts.push(format!("corridor-sim {v}"));
        }
        parts.join(" · ")
    }
}

/// Scalar fields shown in the manifest table, in this order.
const FIELDS: &[(&str, &str)] = &[
    ("tool", "tool"),
    ("version", "version"),
    ("command", "command"),
    ("scenario", "scenario"),
    ("scenario_path", "scenario file"),
    ("sweep", "sweep file"),
    ("seed", "seed"),
    ("replications", "replications"),
    ("horizon_days", "horizon (days)"),
    ("warmup_days", "warm-up (days)"),
    ("threads", "threads"),
    ("wall_time_s", "wall time (s)"),
];

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The manifest section: the manifest's fields, the files it read, and the files in the
/// directory with their SHA-256.
pub fn section(dir: &Path, manifest: Option<&Manifest>) -> Result<Section, ReportError> {
    let mut body = String::new();
    match manifest {
        None => body.push_str(&html::note(
            "manifest.json is absent: the command, seed and scenario files that produced \
             these results are unknown.",
        )),
        Some(m) => {
            let mut rows: Vec<Vec<String>> = FIELDS
                .iter()
                .filter_map(|(k, label)| Some(vec![(*label).to_string(), scalar(m.0.get(*k)?)]))
                .collect();
            if let Some(args) = m.0.get("arguments").and_then(Value::as_array) {
                let args: Vec<String> = args.iter().map(scalar).collect();
                rows.push(vec![
                    "arguments".into(),
                    format!("corridor {}", args.join(" ")),
                ]);
            }
            body.push_str(&html::table("manifest", &["field", "value"], &rows, &[]));
            let mut read = Vec::new();
            for key in ["scenario_files", "sweep_files"] {
                for f in m.0.get(key).and_then(Value::as_array).into_iter().flatten() {
                    let get = |k: &str| f.get(k).map(scalar).unwrap_or_default();
                    read.push(vec![get("path"), get("bytes"), get("sha256")]);
                }
            }
            if !read.is_empty() {
                body.push_str("<h3>Scenario files read</h3>\n");
                body.push_str(&hash_table("scenario-files", &read));
            }
        }
    }
    body.push_str("<h3>Files in this directory</h3>\n");
    let files = directory_files(dir)?;
    body.push_str(&hash_table("output-files", &files));
    Ok(Section::new("manifest", "Manifest and file hashes", body))
}

fn hash_table(id: &str, rows: &[Vec<String>]) -> String {
    let mut out = format!(
        "<table id=\"{id}\">\n<thead><tr><th>file</th><th class=\"num\">bytes</th><th>SHA-256</th></tr></thead>\n<tbody>\n"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"hash\">{}</td></tr>",
            escape(&r[0]),
            escape(&r[1]),
            escape(&r[2])
        );
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// The regular files of `dir` (not the report itself, not hidden files), by name, with
/// their size and SHA-256; sub-directories (a sweep's variants) by name with their count
/// of files.
fn directory_files(dir: &Path) -> Result<Vec<Vec<String>>, ReportError> {
    let io = |path: &Path, source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut names: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(n, _)| !n.starts_with('.') && n != REPORT_HTML)
        .collect();
    names.sort();
    let mut rows = Vec::new();
    for (name, path) in names {
        if path.is_dir() {
            let n = std::fs::read_dir(&path).map_err(|e| io(&path, e))?.count();
            rows.push(vec![
                format!("{name}/"),
                String::new(),
                format!("{n} entries"),
            ]);
        } else if path.is_file() {
            let bytes = std::fs::read(&path).map_err(|e| io(&path, e))?;
            rows.push(vec![name, bytes.len().to_string(), sha256_hex(&bytes)]);
        }
    }
    Ok(rows)
}
