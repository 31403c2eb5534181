//! Planning a document from its spec — the one entry point, [`plan`], for every document: a
//! department's ([`super::department`]: a section per project, or one for the department),
//! a region's summaries (`src/region/`) and the change table (`src/diff/`: a section per
//! department over its changes). The caller says what each section runs over ([`Over`], in a
//! [`Part`]) and what it adds to the spec ([`Issuer`]); here a section is its page furniture,
//! its blocks top to bottom into one [`Sheet`], its notes and signature, and the document its
//! sections with its file name and metadata.

use minijinja::Value;

use super::builder::{Builder, Subject};
use super::context::{self, Vars};
use super::records::{self, Records};
use super::sheet::Sheet;
use super::{Document, PlanError, Section, beside, fund, grid, money};
use crate::check::{Dept, Proj};
use crate::style::{BlockKind, DocumentSpec, SText, SignatureSpec};

/// A pattern of the document's layout rendered with a context, its errors at their place.
pub type Render<'r> = dyn Fn(&SText, &Value) -> Result<String, PlanError> + 'r;

/// What a section runs over.
#[derive(Clone, Copy)]
pub enum Over<'s, 'a> {
    /// A department's data: one project's (a document per project), or, without `project`,
    /// the department's (its department-wide part; its grids list `projects`, each with its
    /// `序号`). The blocks `rows`, `money`, `tasks`, `fund` and `grid`.
    Department {
        dept: &'s Dept<'a>,
        project: Option<&'s Proj<'a>>,
        projects: &'s [(usize, &'s Proj<'a>)],
    },
    /// A list of records (a region's departments, a department's changes), their money
    /// printed with `decimals`. The blocks `records`, `list` and `chart`.
    Records {
        records: &'s dyn Records,
        decimals: u32,
    },
}

/// One section to plan: what it runs over, the variables of its patterns, and its name (the
/// PDF outline entry, the xlsx sheet) where it is not its title.
pub struct Part<'s, 'a> {
    pub over: Over<'s, 'a>,
    pub vars: Vars,
    pub name: Option<String>,
}

/// What the caller adds to a document's spec: whose document it is, how its patterns render,
/// and where it names its file, signature and keywords otherwise than the spec.
pub struct Issuer<'r> {
    /// The style that lays the document out (`templates/<style>/`).
    pub style: &'r str,
    /// The PDF author and the department (or region) the document is filed under.
    pub author: String,
    pub department: String,
    pub year: u16,
    /// The variables of the document's own patterns (file, title, subject, keywords, preamble).
    pub vars: Vars,
    pub render: &'r Render<'r>,
    /// The base name of the output files where the caller names it (the change table's, from
    /// the command line); otherwise the spec's `file`.
    pub file_stem: Option<String>,
    /// The signature line under every section where the caller writes it (a region's, from
    /// 地区.yaml); otherwise the spec's.
    pub signature: Option<Signature>,
    /// A title that does not name the department gets it in front (a department's documents).
    pub title_names_department: bool,
    /// The PDF keywords where the spec writes none.
    pub keywords: Keywords,
}

/// The PDF keywords of a document whose spec writes none.
pub enum Keywords {
    None,
    /// The file's base name, then this text (the year).
    FileAnd(String),
    /// The title, then this text (the year).
    TitleAnd(String),
}

/// Plans the document of `spec` (the `index`th of its layout's documents): a section per part.
pub fn plan(
    spec: &DocumentSpec,
    index: usize,
    issuer: &Issuer,
    parts: &[Part],
) -> Result<Document, PlanError> {
    let sections = parts
        .iter()
        .map(|part| section(spec, index, issuer, part))
        .collect::<Result<Vec<_>, _>>()?;
    let ctx = context::context(&[&issuer.vars]);
    let render = |p: &SText| (issuer.render)(p, &ctx);
    let title = render(&spec.title)?;
    let file = match &issuer.file_stem {
        Some(f) => f.clone(),
        None => render(&spec.file)?,
    };
    let subject = match &spec.subject {
        Some(s) => render(s)?,
        None => title.clone(),
    };
    let keywords = match &issuer.keywords {
        _ if !spec.keywords.is_empty() => spec
            .keywords
            .iter()
            .map(render)
            .collect::<Result<Vec<_>, _>>()?,
        Keywords::None => Vec::new(),
        Keywords::FileAnd(year) => vec![file.clone(), year.clone()],
        Keywords::TitleAnd(year) => vec![title.clone(), year.clone()],
    };
    let department = &issuer.department;
    let title = if issuer.title_names_department && !title.contains(department.as_str()) {
        format!("{department} {title}")
    } else {
        title
    };
    Ok(Document {
        kind: spec.kind.clone(),
        style: issuer.style.to_string(),
        template: format!("{}/{}", issuer.style, spec.template.value),
        file_stem: file,
        title,
        author: issuer.author.clone(),
        subject,
        keywords,
        department: department.clone(),
        year: issuer.year,
        landscape: spec.landscape,
        fit_page: spec.fit_page,
        preamble: optional(spec.preamble.as_ref(), render)?,
        sections,
    })
}

/// One section: its page furniture, every block into one sheet, then its notes and signature.
fn section(
    spec: &DocumentSpec,
    index: usize,
    issuer: &Issuer,
    part: &Part,
) -> Result<Section, PlanError> {
    let vars = &part.vars;
    let ctx = context::context(&[vars]);
    let render = |p: &SText| (issuer.render)(p, &ctx);
    let page = furniture(spec, render)?;
    let mut sheet = Sheet::new(spec.columns.value.len(), index);
    // The table of the records a chart draws, and the charts.
    let mut table = None;
    let mut charts = Vec::new();
    for (k, block) in spec.blocks.iter().enumerate() {
        sheet.block = k;
        match (block.kind(), part.over) {
            (Some(BlockKind::Rows(rows, kind)), Over::Department { dept, project, .. }) => {
                Builder::new(&mut sheet, dept).rows_block(rows, kind, &ctx, subject(project))?;
            }
            (Some(BlockKind::Money(m)), Over::Department { dept, project, .. }) => {
                if let Some(owner) = money::Owner::of(m.source, dept, project) {
                    money::plan(&mut Builder::new(&mut sheet, dept), m, &ctx, &owner)?;
                }
            }
            (Some(BlockKind::Tasks(t)), Over::Department { dept, project, .. }) => {
                Builder::new(&mut sheet, dept).tasks_block(t, vars, subject(project))?;
            }
            (Some(BlockKind::Fund(f)), Over::Department { dept, .. }) => {
                fund::plan(&mut Builder::new(&mut sheet, dept), f, &ctx)?;
            }
            (
                Some(BlockKind::Grid(g)),
                Over::Department {
                    dept,
                    project,
                    projects,
                },
            ) => {
                let b = &mut Builder::new(&mut sheet, dept);
                let cx = grid::GridCx {
                    base: vars,
                    per_project: project.is_some(),
                };
                match &g.beside {
                    Some(right) => beside::plan(b, g, right, &cx, projects)?,
                    None => grid::plan(b, g, &cx, projects)?,
                }
            }
            (Some(BlockKind::Records(t)), Over::Records { records, decimals }) => {
                let body = records::table(&mut sheet, t, records, decimals, vars, issuer.render)?;
                table = Some((t, body));
            }
            (Some(BlockKind::List(l)), Over::Records { records, .. }) => {
                records::list(&mut sheet, l, records, vars, issuer.render)?;
            }
            (Some(BlockKind::Chart(c)), Over::Records { .. }) => charts.push(c),
            // A block of the other kind of document, or none: the style check refuses them.
            _ => {}
        }
    }
    match part.over {
        // The totals whose formulas name cells of later blocks.
        Over::Department { dept, project, .. } => {
            Builder::new(&mut sheet, dept).close_scope(project);
        }
        // The chart draws the table's column, wherever the block is written.
        Over::Records { records, .. } => {
            if let (Some(c), Some((t, body))) = (charts.first(), table) {
                sheet.chart =
                    records::chart(c, t, &sheet.rows, body, records, vars, issuer.render)?;
            }
        }
    }
    let (own, mut signature) = notes_and_signature(&spec.notes, &spec.signature, render)?;
    if let Some(s) = &issuer.signature {
        signature = s.clone();
    }
    let mut notes = sheet.lines;
    notes.extend(own);
    notes.append(&mut sheet.notes);
    Ok(Section {
        name: part.name.clone().unwrap_or_else(|| page.title.clone()),
        heading: page.heading,
        title: page.title,
        subtitle: page.subtitle,
        unit_line: page.unit_line,
        unit_note: page.unit_note,
        columns: spec.columns.value.clone(),
        rows: sheet.rows,
        notes,
        signature,
        chart: sheet.chart,
    })
}

/// What a department's block prints of: the section's project, if any.
fn subject<'p, 'a>(project: Option<&'p Proj<'a>>) -> Subject<'p, 'a> {
    Subject {
        project,
        ..Subject::default()
    }
}

/// The page furniture of a section, rendered: the title, and the lines around it that render
/// non-empty.
struct Furniture {
    heading: Option<String>,
    title: String,
    subtitle: Option<String>,
    unit_line: Option<String>,
    unit_note: Option<String>,
}

fn furniture(
    spec: &DocumentSpec,
    render: impl Fn(&SText) -> Result<String, PlanError>,
) -> Result<Furniture, PlanError> {
    Ok(Furniture {
        heading: optional(spec.heading.as_ref(), &render)?,
        title: render(&spec.title)?,
        subtitle: optional(spec.subtitle.as_ref(), &render)?,
        unit_line: optional(spec.unit_line.as_ref(), &render)?,
        unit_note: optional(spec.unit_note.as_ref(), &render)?,
    })
}

/// A pattern rendered; `None` where it is not written or renders empty.
fn optional(
    pattern: Option<&SText>,
    render: impl Fn(&SText) -> Result<String, PlanError>,
) -> Result<Option<String>, PlanError> {
    match pattern {
        Some(p) => render(p).map(|s| (!s.is_empty()).then_some(s)),
        None => Ok(None),
    }
}

/// A signature line: each item's label and value.
pub type Signature = Vec<(String, String)>;

/// A section's notes (one that renders blank is left out) and its signature line.
fn notes_and_signature(
    notes: &[SText],
    signature: &[SignatureSpec],
    render: impl Fn(&SText) -> Result<String, PlanError>,
) -> Result<(Vec<String>, Signature), PlanError> {
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
