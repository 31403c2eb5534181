//! The publication index of a year: `out/<年>/index.html`, a static page (no script) listing
//! the region's summaries and every department with its key figures and its tables as PDF and
//! xlsx (drawn by [`crate::html`]'s `region_index.html.j2`). Links are relative, so the folder
//! can be opened from disk or uploaded to a portal.

use std::path::{Path, PathBuf};

use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use crate::html;
use crate::workspace::{DeptOutcome, DeptStatus};
use crate::write::layout;

/// The index of every year of `departments`: (path, page).
pub fn pages(out: &Path, region: &str, departments: &[DeptOutcome]) -> Vec<(PathBuf, String)> {
    let mut years: Vec<u32> = departments.iter().map(|d| d.year).collect();
    years.sort_unstable();
    years.dedup();
    years
        .into_iter()
        .map(|year| {
            let page = page(&layout::year_dir(out, year), region, year, departments);
            (layout::index_page(out, year), page)
        })
        .collect()
}

/// A link to `file` from the year's directory `dir`, percent-encoded segment by segment.
fn href(dir: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(dir).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| html::url_segment(&c.as_os_str().to_string_lossy()))
        .collect();
    Some(parts.join("/"))
}

/// A document as the page lists it: its title and a link to each of its files.
#[derive(Serialize, Clone, Debug)]
struct Doc {
    title: String,
    files: Vec<Link>,
}

#[derive(Serialize, Clone, Debug)]
struct Link {
    href: String,
    label: String,
}

/// The documents of `d` with their links from `dir`; a document whose first file is not
/// below `dir` is left out, as is any other file that is not.
fn documents(dir: &Path, d: &DeptOutcome) -> Vec<Doc> {
    d.documents
        .iter()
        .filter(|doc| {
            doc.files
                .first()
                .is_some_and(|(_, p)| href(dir, p).is_some())
        })
        .map(|doc| Doc {
            title: doc.title.clone(),
            files: doc
                .files
                .iter()
                .filter_map(|(extension, path)| {
                    Some(Link {
                        href: href(dir, path)?,
                        label: html::format_label(extension),
                    })
                })
                .collect(),
        })
        .collect()
}

fn page(dir: &Path, region: &str, year: u32, departments: &[DeptOutcome]) -> String {
    #[derive(Serialize, Clone, Debug)]
    struct Row {
        name: String,
        projects: String,
        money: String,
        indicators: String,
        /// What its 表格 cell shows: `built` (links), `refused`, `failed`, or nothing.
        tables: &'static str,
        documents: Vec<Doc>,
    }
    let of_year: Vec<&DeptOutcome> = departments.iter().filter(|d| d.year == year).collect();
    let summaries: Vec<Vec<Doc>> = of_year
        .iter()
        .filter(|d| d.is_summary() && d.status == DeptStatus::Built)
        .map(|s| documents(dir, s))
        .collect();
    let rows: Vec<Row> = of_year
        .iter()
        .filter(|d| !d.is_summary())
        .map(|d| {
            let (projects, money, indicators) = match &d.figures {
                Some(f) if !f.refused => (
                    f.projects.to_string(),
                    crate::plan::context::format_number(
                        f.money_total,
                        f.money_total.normalize().scale().max(2),
                        false,
                    ),
                    f.indicators.to_string(),
                ),
                Some(f) => (
                    f.projects.to_string(),
                    "—".to_string(),
                    f.indicators.to_string(),
                ),
                None => ("—".to_string(), "—".to_string(), "—".to_string()),
            };
            let tables = match &d.status {
                DeptStatus::Built => "built",
                DeptStatus::Refused => "refused",
                DeptStatus::Failed(_) => "failed",
                DeptStatus::Checked => "",
            };
            Row {
                name: d.name.clone(),
                projects,
                money,
                indicators,
                tables,
                documents: documents(dir, d),
            }
        })
        .collect();
    html::render(
        "region_index.html.j2",
        context! {
            title => format!("{region}{year}年度部门项目支出绩效表格"),
            summaries => Serde(summaries),
            departments => Serde(rows),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{DocOutcome, Owner};

    #[test]
    fn names_from_data_are_escaped_and_links_are_encoded() {
        let out = Path::new("out");
        let name = "<script>alert('x')</script> & \"局\"";
        let dir = layout::year_dir(out, 2024).join("某 局");
        let dept = DeptOutcome {
            name: name.to_string(),
            year: 2024,
            file: PathBuf::from("data/2024-x.yaml"),
            out_dir: dir.clone(),
            status: DeptStatus::Built,
            documents: vec![DocOutcome {
                title: "<b>表</b>".to_string(),
                files: vec![
                    ("pdf".to_string(), dir.join("表 1.pdf")),
                    ("xlsx".to_string(), dir.join("表 1.xlsx")),
                ],
            }],
            figures: None,
            owner: Owner::Department,
        };
        let pages = pages(out, "某市", &[dept]);
        assert_eq!(pages.len(), 1);
        let (path, page) = &pages[0];
        assert_eq!(path, &layout::index_page(out, 2024));
        assert!(
            !page.contains("<script>") && !page.contains("<b>"),
            "{page}"
        );
        assert!(
            page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;局&quot;"),
            "{page}"
        );
        assert!(page.contains("&lt;b&gt;表&lt;/b&gt;："), "{page}");
        assert!(
            page.contains("<a href=\"%E6%9F%90%20%E5%B1%80/%E8%A1%A8%201.pdf\">PDF</a> · <a href=\"%E6%9F%90%20%E5%B1%80/%E8%A1%A8%201.xlsx\">xlsx</a>"),
            "{page}"
        );
        assert!(page.starts_with("<!DOCTYPE html>\n") && page.ends_with("</html>\n"));
    }
}
