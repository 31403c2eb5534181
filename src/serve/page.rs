//! The preview's HTML: an index of years and departments, and a page per department with its
//! diagnostics and its documents page by page, drawn by the templates of [`crate::html`]
//! (every value escaped); the only script polls `/events` and reloads the page after a rebuild.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use crate::diag::{Diagnostic, Severity};
use crate::html;
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

    /// The data file of the department whose page is named `file`.
    pub fn data_file(&self, file: &str) -> Option<PathBuf> {
        self.department(file).map(|d| d.file.clone())
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

/// `/`: every department by year, with its status and counts; problems outside data files.
pub fn index(view: &View) -> String {
    #[derive(Serialize, Clone, Debug)]
    struct Row {
        id: String,
        name: String,
        file: String,
        status: &'static str,
        errors: usize,
        warnings: usize,
        documents: usize,
    }
    #[derive(Serialize, Clone, Debug)]
    struct Year {
        year: u32,
        departments: Vec<Row>,
    }
    let Some(outcome) = view.outcome else {
        return html::render(
            "preview_index.html.j2",
            context! {
                title => TITLE,
                generation => view.generation,
                building => true,
                summary => (),
            },
        );
    };
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
    let mut years: Vec<u32> = outcome.departments.iter().map(|d| d.year).collect();
    years.sort_unstable();
    years.dedup();
    let years: Vec<Year> = years
        .iter()
        .rev()
        .map(|&year| Year {
            year,
            departments: outcome
                .departments
                .iter()
                .filter(|d| d.year == year)
                .map(|d| {
                    let diags = outcome.diagnostics_of(&d.file);
                    let errors = diags.iter().filter(|x| x.is_error()).count();
                    Row {
                        id: page_id(d),
                        name: d.name.clone(),
                        file: file_name(&d.file),
                        status: status(&d.status),
                        errors,
                        warnings: diags.len() - errors,
                        documents: d.documents.len(),
                    }
                })
                .collect(),
        })
        .collect();
    html::render(
        "preview_index.html.j2",
        context! {
            title => TITLE,
            generation => view.generation,
            building => view.building,
            summary => context! {
                departments => outcome.summary.departments,
                projects => outcome.summary.projects,
                errors => outcome.summary.errors,
                warnings => outcome.summary.warnings,
            },
            fatal => outcome.fatal.as_ref().map(ToString::to_string),
            others => Serde(diagnostics(outcome, &others)),
            years => Serde(years),
        },
    )
}

/// The title of the index page.
const TITLE: &str = "jixiao 预览";

/// A department's status, as the templates' `status` macro knows it.
fn status(s: &DeptStatus) -> &'static str {
    match s {
        DeptStatus::Built | DeptStatus::Checked => "ok",
        DeptStatus::Refused => "refused",
        DeptStatus::Failed(_) => "failed",
    }
}

/// `/d/<file>`: one department's diagnostics and documents, page by page.
pub fn department(view: &View, file: &str, pages: &Pages) -> Option<String> {
    #[derive(Serialize, Clone, Debug)]
    struct File {
        name: String,
        label: String,
    }
    #[derive(Serialize, Clone, Debug)]
    struct Doc {
        title: String,
        base: String,
        files: Vec<File>,
        /// Each page's text (the picture is `<base>/<n>.svg`).
        pages: Vec<String>,
    }
    let outcome = view.outcome?;
    let d = view.department(file)?;
    let diags = outcome.diagnostics_of(&d.file);
    let errors = diags.iter().filter(|x| x.is_error()).count();
    let shown = view.documents(file);
    let documents: Option<Vec<Doc>> = shown.map(|(docs, _)| {
        docs.iter()
            .enumerate()
            .map(|(i, doc)| Doc {
                title: doc.title.clone(),
                base: format!("/d/{}/{i}", html::url_segment(file)),
                files: doc
                    .files
                    .iter()
                    .map(|(extension, path)| File {
                        name: file_name(path),
                        label: html::format_label(extension),
                    })
                    .collect(),
                pages: pages
                    .get(doc.primary())
                    .map(|p| p.iter().map(|page| page.text.clone()).collect())
                    .unwrap_or_default(),
            })
            .collect()
    });
    Some(html::render(
        "preview_department.html.j2",
        context! {
            title => d.name.clone(),
            generation => view.generation,
            building => view.building,
            name => d.name.clone(),
            year => d.year,
            file => crate::diag::display_path(&d.file),
            status => status(&d.status),
            failed => match &d.status {
                DeptStatus::Failed(reason) => Some(reason.to_string()),
                _ => None,
            },
            errors,
            warnings => diags.len() - errors,
            diagnostics => Serde(diagnostics(outcome, &diags)),
            documents => Serde(documents),
            stale => shown.is_some_and(|(_, stale)| stale),
        },
    ))
}

/// A diagnostic as the templates' `diagnostics` macro shows it.
#[derive(Serialize, Clone, Debug)]
struct Shown {
    class: &'static str,
    word: &'static str,
    code: &'static str,
    place: String,
    message: String,
    help: Option<String>,
    /// The source line it points at, after its right-aligned line number.
    source: Option<String>,
}

/// Diagnostics with their places and source lines.
fn diagnostics(outcome: &Outcome, diags: &[&Diagnostic]) -> Vec<Shown> {
    diags
        .iter()
        .map(|d| {
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
            let source = d.pos.as_ref().map(|p| {
                let line = outcome
                    .sources
                    .text(p.file)
                    .lines()
                    .nth(p.line.saturating_sub(1))
                    .unwrap_or("");
                format!("{:>4} | {line}", p.line)
            });
            Shown {
                class,
                word,
                code: d.rule.code,
                place,
                message: d.message.clone(),
                help: d.help.clone(),
                source,
            }
        })
        .collect()
}
