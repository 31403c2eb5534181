//! From a style's document list to plans: each document is one section per project (or one for
//! the department), each section the page furniture plus the blocks stacked top to bottom.

use minijinja::Value;

use super::builder::{Builder, Subject, render};
use super::context::{self, Vars};
use super::{Document, PlanError, Section, grid, money};
use crate::check::{Dept, Proj};
use crate::style::IndicatorSource;
use crate::style::{DocumentSpec, Each, LoadedStyle, Only, SText, SignatureSpec};

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

/// The document of `spec`, paired with the spec, in the style's order.
pub fn plan_document(
    dept: &Dept,
    spec: &DocumentSpec,
    index: usize,
) -> Result<Option<Document>, PlanError> {
    let style = &dept.style;
    let projects: Vec<(usize, &Proj)> = dept
        .projects
        .iter()
        .filter(|p| spec.only != Only::Evaluated || p.eval.is_some())
        .enumerate()
        .map(|(i, p)| (i + 1, p))
        .collect();
    let wide_missing = match spec.only {
        Only::DepartmentWide => dept.wide.is_none(),
        Only::DepartmentWideEvaluated => dept.wide.as_ref().is_none_or(|w| w.eval.is_none()),
        Only::All | Only::Evaluated => false,
    };
    if projects.is_empty() || wide_missing {
        return Ok(None);
    }
    let mut base = context::department(dept);
    base.insert("n", Value::from(0));
    let base_ctx = context::context(&[&base]);
    let sections = match spec.each() {
        Each::Project => projects
            .iter()
            .map(|&(n, p)| {
                let mut vars = base.clone();
                vars.insert("n", Value::from(n));
                vars.extend(context::project(dept, p, n));
                section(dept, spec, index, &vars, &[(n, p)], Some(p), None)
            })
            .collect::<Result<Vec<_>, _>>()?,
        Each::Department => {
            let mut vars = base.clone();
            vars.insert("n", Value::from(1));
            let name = render(style, &spec.title, &context::context(&[&vars]))?;
            vec![section(
                dept,
                spec,
                index,
                &vars,
                &projects,
                None,
                Some(name),
            )?]
        }
    };
    let department = dept.src.name.value.trim().to_string();
    let title = render(style, &spec.title, &base_ctx)?;
    let file = render(style, &spec.file, &base_ctx)?;
    let subject = match &spec.subject {
        Some(s) => render(style, s, &base_ctx)?,
        None => title.clone(),
    };
    let keywords = if spec.keywords.is_empty() {
        vec![file.clone(), dept.src.year.value.to_string()]
    } else {
        spec.keywords
            .iter()
            .map(|k| render(style, k, &base_ctx))
            .collect::<Result<Vec<_>, _>>()?
    };
    Ok(Some(Document {
        kind: spec.kind.clone(),
        style: style.key.clone(),
        template: format!("{}/{}", style.key, spec.template.value),
        file_stem: file,
        title: if title.contains(&department) {
            title
        } else {
            format!("{department} {title}")
        },
        author: department.clone(),
        subject,
        keywords,
        department,
        year: u16::try_from(dept.src.year.value).unwrap_or(0),
        landscape: spec.landscape,
        fit_page: spec.fit_page,
        preamble: optional(style, spec.preamble.as_ref(), &base_ctx)?,
        sections,
    }))
}

/// A pattern rendered, `None` when absent or empty.
fn optional(
    style: &LoadedStyle,
    pattern: Option<&SText>,
    ctx: &Value,
) -> Result<Option<String>, PlanError> {
    match pattern {
        Some(p) => {
            let s = render(style, p, ctx)?;
            Ok((!s.is_empty()).then_some(s))
        }
        None => Ok(None),
    }
}

/// One section: furniture, then every block. `project` is the section's project (a
/// per-project document); otherwise grids run over `projects`.
fn section(
    dept: &Dept,
    spec: &DocumentSpec,
    document: usize,
    vars: &Vars,
    projects: &[(usize, &Proj)],
    project: Option<&Proj>,
    name: Option<String>,
) -> Result<Section, PlanError> {
    let style = &dept.style;
    let ctx = context::context(&[vars]);
    let mut b = Builder::new(dept, spec.columns.value.len());
    b.document = document;
    let subject = Subject {
        project,
        ..Subject::default()
    };
    for (k, block) in spec.blocks.iter().enumerate() {
        b.block = k;
        if let Some(rows) = &block.rows {
            b.rows_block(&rows.value, block.kind, &ctx, subject)?;
        } else if let Some(m) = &block.money {
            let owner = match m.value.source {
                IndicatorSource::Project => project.map(money::Owner::project),
                IndicatorSource::DepartmentWide => dept.wide.as_ref().map(money::Owner::wide),
                IndicatorSource::MidTerm => project.and_then(money::Owner::mid),
            };
            if let Some(owner) = owner {
                money::plan(&mut b, &m.value, &ctx, &owner)?;
            }
        } else if let Some(t) = &block.tasks {
            b.tasks_block(&t.value, vars, subject)?;
        } else if let Some(f) = &block.fund {
            super::fund::plan(&mut b, &f.value, &ctx)?;
        } else if let Some(g) = &block.grid {
            let cx = grid::GridCx {
                base: vars,
                per_project: project.is_some(),
            };
            match &g.value.beside {
                Some(right) => super::beside::plan(&mut b, &g.value, right, &cx, projects)?,
                None => grid::plan(&mut b, &g.value, &cx, projects)?,
            }
        }
    }
    b.close_scope(project);
    let (mut notes, signature) =
        notes_and_signature(&spec.notes, &spec.signature, |p| render(style, p, &ctx))?;
    notes.append(&mut b.notes);
    let name = match (name, project) {
        (Some(n), _) => n,
        (None, Some(p)) => p.src.name.value.trim().to_string(),
        (None, None) => String::new(),
    };
    let page = furniture(spec, |p| render(style, p, &ctx))?;
    Ok(Section {
        name,
        heading: page.heading,
        title: page.title,
        subtitle: page.subtitle,
        unit_line: page.unit_line,
        unit_note: page.unit_note,
        columns: spec.columns.value.clone(),
        rows: b.rows,
        notes,
        signature,
        chart: None,
    })
}

/// The page furniture of a section, rendered: the title, and the lines around it that render
/// non-empty.
pub struct Furniture {
    pub heading: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub unit_line: Option<String>,
    pub unit_note: Option<String>,
}

/// A document's page furniture rendered with `render`: the same for a style's documents and
/// the documents over records (summaries, the change table).
pub fn furniture<E>(
    spec: &DocumentSpec,
    render: impl Fn(&SText) -> Result<String, E>,
) -> Result<Furniture, E> {
    let optional = |p: &Option<SText>| -> Result<Option<String>, E> {
        match p {
            Some(p) => render(p).map(|s| (!s.is_empty()).then_some(s)),
            None => Ok(None),
        }
    };
    Ok(Furniture {
        heading: optional(&spec.heading)?,
        title: render(&spec.title)?,
        subtitle: optional(&spec.subtitle)?,
        unit_line: optional(&spec.unit_line)?,
        unit_note: optional(&spec.unit_note)?,
    })
}

/// A signature line: each item's label and value.
pub type Signature = Vec<(String, String)>;

/// A section's notes (one that renders blank is left out) and its signature line (label,
/// value), rendered with `render`: the same for a style's documents and the change table.
pub fn notes_and_signature<E>(
    notes: &[SText],
    signature: &[SignatureSpec],
    render: impl Fn(&SText) -> Result<String, E>,
) -> Result<(Vec<String>, Signature), E> {
    let mut printed = Vec::new();
    for n in notes {
        let s = render(n)?;
        if !s.trim().is_empty() {
            printed.push(s);
        }
    }
    let mut line = Vec::new();
    for s in signature {
        let value = match &s.text {
            Some(t) => render(t)?,
            None => String::new(),
        };
        line.push((render(&s.label)?, value));
    }
    Ok((printed, line))
}
