//! A checked department's documents: what each of its style's documents runs over — a section
//! per project, or one for the department — planned by [`super::document::plan`].

use minijinja::Value;

use super::builder::render;
use super::context;
use super::document::{Issuer, Keywords, Over, Part, plan};
use super::{Document, PlanError};
use crate::check::{Dept, Proj};
use crate::style::{DocumentSpec, Each, Only, SText};

/// Every document a checked department's style produces, in the style's order. A document
/// that includes no project (a self-evaluation before year end) is left out.
/// The tables of the documents a document `attach`es follow its own, in the order named (each
/// keeps its index among the style's documents, which the twin's records name); a document
/// with `alone: false` is built only so.
pub fn plan_department(dept: &Dept) -> Result<Vec<Document>, PlanError> {
    let documents = &dept.style.style.documents;
    let mut out = Vec::new();
    for (index, spec) in documents.iter().enumerate() {
        if !spec.alone {
            continue;
        }
        let Some(mut doc) = plan_document(dept, spec, index)? else {
            continue;
        };
        for kind in &spec.attach {
            let found = documents
                .iter()
                .enumerate()
                .find(|(j, d)| *j != index && d.kind == kind.value.trim());
            if let Some((j, part)) = found
                && let Some(more) = plan_document(dept, part, j)?
            {
                doc.sections.extend(more.sections);
            }
        }
        out.push(doc);
    }
    Ok(out)
}

/// The document of `spec` (the `index`th of the style's), `None` where it includes no project
/// or the department has not the department-wide part it prints.
fn plan_document(
    dept: &Dept,
    spec: &DocumentSpec,
    index: usize,
) -> Result<Option<Document>, PlanError> {
    let style = &dept.style;
    let projects: Vec<(usize, &Proj)> = dept
        .projects
        .iter()
        .filter(|p| spec.only() != Only::Evaluated || p.eval.is_some())
        .enumerate()
        .map(|(i, p)| (i + 1, p))
        .collect();
    let wide_missing = match spec.only() {
        Only::DepartmentWide => dept.wide.is_none(),
        Only::DepartmentWideEvaluated => dept.wide.as_ref().is_none_or(|w| w.eval.is_none()),
        Only::All | Only::Evaluated => false,
    };
    if projects.is_empty() || wide_missing {
        return Ok(None);
    }
    let mut base = context::department(dept);
    base.insert("n", Value::from(0));
    let parts = match spec.each() {
        Each::Project => projects
            .iter()
            .map(|entry| {
                let &(n, p) = entry;
                let mut vars = base.clone();
                vars.insert("n", Value::from(n));
                vars.extend(context::project(dept, p, n));
                Part {
                    over: Over::Department {
                        dept,
                        project: Some(p),
                        projects: std::slice::from_ref(entry),
                    },
                    vars,
                    name: Some(p.src.name.value.trim().to_string()),
                }
            })
            .collect(),
        Each::Department => {
            let mut vars = base.clone();
            vars.insert("n", Value::from(1));
            vec![Part {
                over: Over::Department {
                    dept,
                    project: None,
                    projects: &projects,
                },
                vars,
                name: None,
            }]
        }
    };
    let department = dept.src.name.value.trim().to_string();
    let patterns = |p: &SText, ctx: &Value| render(style, p, ctx);
    let issuer = Issuer {
        style: &style.key,
        author: department.clone(),
        department,
        year: u16::try_from(dept.src.year.value).unwrap_or(0),
        vars: base,
        render: &patterns,
        file_stem: None,
        signature: None,
        title_names_department: true,
        keywords: Keywords::FileAnd(dept.src.year.value.to_string()),
    };
    plan(spec, index, &issuer, &parts).map(Some)
}
