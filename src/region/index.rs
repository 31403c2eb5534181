//! The publication index of a year: `out/<年>/index.html`, a static page (no script) listing
//! the region's summaries and every department with its key figures and its tables as PDF and
//! xlsx. Links are relative, so the folder can be opened from disk or uploaded to a portal.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::serve::page::{esc, url_segment};
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
        .map(|c| url_segment(&c.as_os_str().to_string_lossy()))
        .collect();
    Some(parts.join("/"))
}

fn links(dir: &Path, d: &DeptOutcome) -> String {
    let mut out = String::new();
    for doc in &d.documents {
        let Some(pdf) = href(dir, &doc.pdf) else {
            continue;
        };
        let _ = write!(out, "<li>{}：<a href=\"{pdf}\">PDF</a>", esc(&doc.title));
        if let Some(x) = doc.xlsx.as_ref().and_then(|x| href(dir, x)) {
            let _ = write!(out, " · <a href=\"{x}\">xlsx</a>");
        }
        out.push_str("</li>");
    }
    if out.is_empty() {
        out
    } else {
        format!("<ul>{out}</ul>")
    }
}

fn page(dir: &Path, region: &str, year: u32, departments: &[DeptOutcome]) -> String {
    let title = format!("{region}{year}年度部门项目支出绩效表格");
    let mut body = format!("<h1>{}</h1>", esc(&title));
    let of_year: Vec<&DeptOutcome> = departments.iter().filter(|d| d.year == year).collect();
    let summaries: Vec<&&DeptOutcome> = of_year
        .iter()
        .filter(|d| d.is_summary() && d.status == DeptStatus::Built)
        .collect();
    if !summaries.is_empty() {
        body.push_str("<section aria-labelledby=\"summary\"><h2 id=\"summary\">汇总表</h2>");
        for s in summaries {
            body.push_str(&links(dir, s));
        }
        body.push_str("</section>");
    }
    body.push_str(
        "<section aria-labelledby=\"depts\"><h2 id=\"depts\">各部门表格</h2><table>\
<caption>各部门的项目数、资金与表格</caption><thead><tr><th scope=\"col\">部门</th>\
<th scope=\"col\">项目数</th><th scope=\"col\">资金合计（万元）</th><th scope=\"col\">指标数</th>\
<th scope=\"col\">表格</th></tr></thead><tbody>",
    );
    for d in of_year.iter().filter(|d| !d.is_summary()) {
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
            DeptStatus::Built => links(dir, d),
            DeptStatus::Refused => "数据有错误，未生成".to_string(),
            DeptStatus::Failed(_) => "生成失败".to_string(),
            DeptStatus::Checked => String::new(),
        };
        let _ = write!(
            body,
            "<tr><th scope=\"row\">{}</th><td>{projects}</td><td>{money}</td><td>{indicators}</td><td>{tables}</td></tr>",
            esc(&d.name)
        );
    }
    body.push_str("</tbody></table></section>");
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title>\
<style>body{{font-family:sans-serif;margin:1.5rem;color:#1f2328}}table{{border-collapse:collapse}}\
th,td{{border:1px solid #bbb;padding:.3rem .6rem;text-align:left;vertical-align:top}}\
ul{{margin:0;padding-left:1.2rem}}</style></head><body><main>{body}</main></body></html>\n",
        esc(&title)
    )
}
