//! The preview's HTML: an index of years and departments, and a page per department with its
//! diagnostics and its documents page by page. Every value is escaped; the only script polls
//! `/events` and reloads the page after a rebuild.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Severity};
use crate::workspace::{DeptOutcome, DeptStatus, DocOutcome, Outcome};

/// The preview pages of documents, by PDF path.
pub type Pages = HashMap<PathBuf, std::sync::Arc<Vec<crate::render::Page>>>;

/// What a page is drawn from.
pub struct View<'a> {
    pub generation: u64,
    pub building: bool,
    pub outcome: Option<&'a Outcome>,
    pub last_good: &'a HashMap<PathBuf, Vec<DocOutcome>>,
}

impl View<'_> {
    fn department(&self, file: &str) -> Option<&DeptOutcome> {
        self.outcome?
            .departments
            .iter()
            .find(|d| page_id(d) == file)
    }

    /// The documents to show for the department of data file `file`, and whether they are out
    /// of date (the last good build's, kept while the file has errors).
    pub fn documents(&self, file: &str) -> Option<(&[DocOutcome], bool)> {
        let d = self.department(file)?;
        match d.status {
            DeptStatus::Built => Some((&d.documents, false)),
            _ => self.last_good.get(&d.file).map(|docs| (&docs[..], true)),
        }
    }
}

/// What names a department's page in URLs: its data file's name, or for a region's summaries
/// of a year `汇总-<年>` (no data file ends that way).
pub fn page_id(d: &DeptOutcome) -> String {
    if d.is_summary() {
        format!("汇总-{}", d.year)
    } else {
        file_name(&d.file)
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `&`, `<`, `>`, `"` and `'` as entities.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

/// Percent-encodes a path segment (everything but unreserved ASCII).
pub fn url_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

const STYLE: &str = "
body{font-family:'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif;margin:0;background:#f4f5f7;color:#1f2328}
header{background:#1f3a5f;color:#fff;padding:.6rem 1.2rem}header a{color:#fff}
main{padding:1rem 1.2rem;max-width:1100px}
table{border-collapse:collapse;background:#fff}th,td{border:1px solid #ccd;padding:.3rem .6rem;text-align:left}
.ok{color:#1a7f37}.bad{color:#cf222e}.warn{color:#9a6700}
.stale{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem .8rem;margin:.8rem 0}
.diags{background:#fff;border:1px solid #ccd;padding:.4rem .8rem;list-style:none}
.diags li{margin:.5rem 0}.diags pre{margin:.2rem 0 0;background:#f6f8fa;padding:.2rem .4rem;overflow-x:auto}
figure{margin:1rem 0;background:#fff;box-shadow:0 1px 4px rgba(0,0,0,.2);display:inline-block}
figure img{display:block;max-width:100%;height:auto}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:pre-wrap}
";

fn shell(title: &str, generation: u64, building: bool, body: &str) -> String {
    let status = if building {
        "<p role=\"status\">正在重新生成……</p>"
    } else {
        ""
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title}</title><style>{STYLE}</style></head><body>\
<header><a href=\"/\">jixiao 预览</a></header><main>{status}{body}</main>\
<script>(async()=>{{const g={generation};for(;;){{await new Promise(f=>setTimeout(f,400));\
try{{const r=await fetch('/events',{{cache:'no-store'}});const n=parseInt(await r.text(),10);\
if(r.ok&&n>g){{location.reload();return}}}}catch(e){{}}}}}})();</script></body></html>",
        title = esc(title)
    )
}

/// `/`: every department by year, with its status and counts; problems outside data files.
pub fn index(view: &View) -> String {
    let Some(outcome) = view.outcome else {
        return shell("jixiao 预览", view.generation, true, "<p>正在生成……</p>");
    };
    let mut body = String::from("<h1>各部门表格</h1>");
    let _ = write!(
        body,
        "<p>{} 个部门，{} 个项目：<span class=\"{}\">{} 个错误</span>，<span class=\"warn\">{} 个警告</span>。</p>",
        outcome.summary.departments,
        outcome.summary.projects,
        if outcome.summary.errors > 0 {
            "bad"
        } else {
            "ok"
        },
        outcome.summary.errors,
        outcome.summary.warnings
    );
    if let Some(fatal) = &outcome.fatal {
        let _ = write!(body, "<p class=\"bad\">{}</p>", esc(&fatal.to_string()));
    }
    let dept_files: Vec<&Path> = outcome
        .departments
        .iter()
        .map(|d| d.file.as_path())
        .collect();
    let others: Vec<&Diagnostic> = outcome
        .diagnostics
        .iter()
        .filter(|d| {
            let path = d
                .pos
                .as_ref()
                .map(|p| outcome.sources.path(p.file))
                .or(d.path.as_deref());
            !path.is_some_and(|p| dept_files.contains(&p))
        })
        .collect();
    if !others.is_empty() {
        body.push_str("<h2>样式、模板与其他文件的问题</h2>");
        body.push_str(&diagnostics(outcome, &others));
    }
    let mut years: Vec<u32> = outcome.departments.iter().map(|d| d.year).collect();
    years.sort_unstable();
    years.dedup();
    for year in years.iter().rev() {
        let _ = write!(
            body,
            "<h2>{year} 年度</h2><table><thead><tr><th scope=\"col\">部门</th><th scope=\"col\">数据文件</th>\
<th scope=\"col\">状态</th><th scope=\"col\">错误</th><th scope=\"col\">警告</th><th scope=\"col\">表格</th></tr></thead><tbody>"
        );
        for d in outcome.departments.iter().filter(|d| d.year == *year) {
            let diags = outcome.diagnostics_of(&d.file);
            let errors = diags.iter().filter(|x| x.is_error()).count();
            let warnings = diags.len() - errors;
            let name = page_id(d);
            let _ = write!(
                body,
                "<tr><td><a href=\"/d/{}\">{}</a></td><td>{}</td><td>{}</td><td>{errors}</td><td>{warnings}</td><td>{}</td></tr>",
                url_segment(&name),
                esc(&d.name),
                esc(&file_name(&d.file)),
                status(&d.status),
                d.documents.len()
            );
        }
        body.push_str("</tbody></table>");
    }
    shell("jixiao 预览", view.generation, view.building, &body)
}

fn status(s: &DeptStatus) -> &'static str {
    match s {
        DeptStatus::Built | DeptStatus::Checked => "<span class=\"ok\">已生成</span>",
        DeptStatus::Refused => "<span class=\"bad\">有错误，未生成</span>",
        DeptStatus::Failed(_) => "<span class=\"bad\">生成失败</span>",
    }
}

/// `/d/<file>`: one department's diagnostics and documents, page by page.
pub fn department(view: &View, file: &str, pages: &Pages) -> Option<String> {
    let outcome = view.outcome?;
    let d = view.department(file)?;
    let mut body = format!(
        "<h1>{}（{} 年度）</h1><p>数据文件 {} · {}</p>",
        esc(&d.name),
        d.year,
        esc(&crate::diag::display_path(&d.file)),
        status(&d.status)
    );
    if let DeptStatus::Failed(reason) = &d.status {
        let _ = write!(
            body,
            "<pre class=\"bad\">{}</pre>",
            esc(&reason.to_string())
        );
    }
    let diags = outcome.diagnostics_of(&d.file);
    if diags.is_empty() {
        body.push_str("<p class=\"ok\">没有发现问题。</p>");
    } else {
        let errors = diags.iter().filter(|x| x.is_error()).count();
        let _ = write!(
            body,
            "<h2>问题：{errors} 个错误，{} 个警告</h2>",
            diags.len() - errors
        );
        body.push_str(&diagnostics(outcome, &diags));
    }
    match view.documents(file) {
        None => body.push_str("<p>还没有生成过表格。</p>"),
        Some((docs, stale)) => {
            if stale {
                body.push_str(
                    "<p class=\"stale\" role=\"alert\">数据有错误，以下是上次成功生成的表格，<strong>已过期</strong>；改正后会自动更新。</p>",
                );
            }
            for (i, doc) in docs.iter().enumerate() {
                document(&mut body, file, i, doc, pages.get(&doc.pdf));
            }
        }
    }
    Some(shell(&d.name, view.generation, view.building, &body))
}

fn document(
    body: &mut String,
    file: &str,
    i: usize,
    doc: &DocOutcome,
    pages: Option<&std::sync::Arc<Vec<crate::render::Page>>>,
) {
    let base = format!("/d/{}/{i}", url_segment(file));
    let _ = write!(body, "<section><h2>{}</h2><p>", esc(&doc.title));
    let _ = write!(
        body,
        "<a href=\"{base}/{}\" download>下载 PDF</a>",
        url_segment(&file_name(&doc.pdf))
    );
    if let Some(x) = &doc.xlsx {
        let _ = write!(
            body,
            " · <a href=\"{base}/{}\" download>下载 xlsx</a>",
            url_segment(&file_name(x))
        );
    }
    body.push_str("</p>");
    if let Some(pages) = pages {
        let total = pages.len();
        for (n, page) in pages.iter().enumerate() {
            let _ = write!(
                body,
                "<figure><img src=\"{base}/{}.svg\" alt=\"{} 第 {} 页，共 {total} 页\" loading=\"lazy\">\
<figcaption class=\"sr\">{}</figcaption></figure>",
                n + 1,
                esc(&doc.title),
                n + 1,
                esc(&page.text)
            );
        }
    }
    body.push_str("</section>");
}

/// A list of diagnostics with their line numbers and source lines.
fn diagnostics(outcome: &Outcome, diags: &[&Diagnostic]) -> String {
    let mut out = String::from("<ul class=\"diags\">");
    for d in diags {
        let (class, word) = match d.severity {
            Severity::Error => ("bad", "错误"),
            Severity::Warning => ("warn", "警告"),
        };
        let place = match &d.pos {
            Some(p) => format!(
                "{} 第 {} 行第 {} 列",
                file_name(outcome.sources.path(p.file)),
                p.line,
                p.column
            ),
            None => d.path.as_deref().map(file_name).unwrap_or_default(),
        };
        let _ = write!(
            out,
            "<li><span class=\"{class}\">{word}[{}]</span> {}：{}",
            d.rule.code,
            esc(&place),
            esc(&d.message)
        );
        if let Some(help) = &d.help {
            let _ = write!(out, "<br>处理：{}", esc(help));
        }
        if let Some(p) = &d.pos {
            let line = outcome
                .sources
                .text(p.file)
                .lines()
                .nth(p.line.saturating_sub(1))
                .unwrap_or("");
            let _ = write!(out, "<pre>{:>4} | {}</pre>", p.line, esc(line));
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
    out
}
