//! The page around the charts: escaping, sections, tables and one inline style sheet.
//!
//! Everything is inline (style sheet, SVG charts) and nothing refers to another file or
//! address, so the page opens the same offline, from an e-mail attachment or a USB stick.

use std::fmt::Write as _;

/// One part of the report: a heading and its HTML body. An omitted section keeps its
/// heading and says why it is missing, so a reader sees what the directory lacks.
#[derive(Debug)]
pub struct Section {
    /// The `id` of the section element (`sec-<id>`), for links and for tests.
    pub id: &'static str,
    /// The heading.
    pub title: String,
    /// HTML body.
    pub body: String,
}

impl Section {
    /// A section with content.
    #[must_use]
    pub fn new(id: &'static str, title: impl Into<String>, body: String) -> Section {
        Section {
            id,
            title: title.into(),
            body,
        }
    }

    /// A section left out, with the reason.
    #[must_use]
    pub fn omitted(id: &'static str, title: impl Into<String>, reason: &str) -> Section {
        Section::new(id, title, note(reason))
    }
}

/// `text` with the five HTML special characters escaped.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A remark in the text (escaped).
#[must_use]
pub fn note(text: &str) -> String {
    format!("<p class=\"note\">{}</p>\n", escape(text))
}

/// A paragraph (escaped).
#[must_use]
pub fn para(text: &str) -> String {
    format!("<p>{}</p>\n", escape(text))
}

/// A chart: an inline SVG in a figure with `id`, and its caption (escaped).
#[must_use]
pub fn figure(id: &str, svg: &str, caption: &str) -> String {
    format!(
        "<figure id=\"{}\" class=\"chart\">\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n",
        escape(id),
        escape(caption)
    )
}

/// A table of text cells (escaped); columns listed in `numeric` are right-aligned.
#[must_use]
pub fn table(id: &str, headers: &[&str], rows: &[Vec<String>], numeric: &[usize]) -> String {
    let mut out = format!("<table id=\"{}\">\n<thead><tr>", escape(id));
    for (i, h) in headers.iter().enumerate() {
        let class = if numeric.contains(&i) {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if numeric.contains(&i) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// The style sheet: print-friendly, readable when pasted into slides.
const STYLE: &str = "
body { font-family: 'Noto Sans', 'Noto Sans CJK SC', 'DejaVu Sans', Arial, sans-serif;
  color: #222; margin: 0 auto; max-width: 1180px; padding: 24px; line-height: 1.4; }
h1 { font-size: 26px; margin: 0 0 4px 0; }
h2 { font-size: 20px; border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 36px; }
.subtitle { color: #555; margin: 0 0 16px 0; }
.note { color: #8a5a00; background: #fff8e6; border-left: 4px solid #e0a800; padding: 6px 10px; }
figure.chart { margin: 12px 0; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #555; font-size: 13px; margin-top: 4px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td { min-width: 4em; }
code, .hash { font-family: 'DejaVu Sans Mono', monospace; font-size: 12px; word-break: break-all; }
nav ul { columns: 3; font-size: 14px; padding-left: 18px; }
";

/// The whole page.
#[must_use]
pub fn page(title: &str, subtitle: &str, sections: &[Section]) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1 id=\"title\">{}</h1>", escape(title));
    let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", escape(subtitle));
    out.push_str("<nav><ul>\n");
    for s in sections {
        let _ = writeln!(
            out,
            "<li><a href=\"#sec-{}\">{}</a></li>",
            s.id,
            escape(&s.title)
        );
    }
    out.push_str("</ul></nav>\n");
    for s in sections {
        let _ = write!(
            out,
            "<section id=\"sec-{}\">\n<h2>{}</h2>\n{}</section>\n",
            s.id,
            escape(&s.title),
            s.body
        );
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(
            escape("a<b & \"c\">'"),
            "a&lt;b &amp; &quot;c&quot;&gt;&#39;"
        );
    }

    #[test]
    fn a_page_lists_its_sections_and_escapes_titles() {
        let p = page(
            "T<1>",
            "sub",
            &[Section::omitted("map", "Map & flows", "no file")],
        );
        assert!(p.contains("<title>T&lt;1&gt;</title>"));
        assert!(p.contains("<a href=\"#sec-map\">Map &amp; flows</a>"));
        assert!(p.contains("<section id=\"sec-map\">") && p.contains("class=\"note\">no file"));
    }
}
