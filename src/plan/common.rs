//! What every table kind shares: the dispatch from a style's document list to the builders,
//! placeholders in labels, number cells, header blocks and indicator grouping.

use rust_decimal::Decimal;

use super::{Align, Cell, CellRef, CellValue, Document, Formula, Role, Row, RowKind, Section};
use crate::check::{Dept, Ind, Proj};
use crate::model::Source;
use crate::style::{DocumentSpec, HeaderCell};

/// Every document a checked department's style produces, in the style's order.
pub fn plan_department(dept: &Dept) -> Vec<Document> {
    dept.style
        .style
        .documents
        .iter()
        .filter_map(|spec| {
            let sections = match spec.kind.as_str() {
                "target" => super::target::sections(dept, spec),
                "self_eval" => super::self_eval::sections(dept, spec),
                "summary" => vec![super::summary::section(dept, spec)],
                "list" => super::list::section(dept, spec).into_iter().collect(),
                _ => Vec::new(),
            };
            if sections.is_empty() {
                return None;
            }
            let title = fill(&spec.title, dept, 0);
            Some(Document {
                kind: spec.kind.clone(),
                style: dept.style.key.clone(),
                file_stem: spec.file.clone(),
                title: if title.contains(dept.src.name.value.trim()) {
                    title.clone()
                } else {
                    format!("{} {}", dept.src.name.value.trim(), title)
                },
                author: dept.src.name.value.trim().to_string(),
                subject: format!("{}年度 {}", dept.src.year.value, spec.file),
                keywords: vec![
                    "预算绩效".to_string(),
                    spec.file.clone(),
                    dept.src.year.value.to_string(),
                ],
                department: dept.src.name.value.trim().to_string(),
                year: dept.src.year.value as u16,
                landscape: spec.landscape,
                preamble: spec.labels.get("preamble").map(|p| fill(p, dept, 0)),
                sections,
            })
        })
        .collect()
}

/// Replaces `{year}`, `{department}` and `{n}` in a style's label.
pub fn fill(template: &str, dept: &Dept, n: usize) -> String {
    template
        .replace("{year}", &dept.src.year.value.to_string())
        .replace("{department}", dept.src.name.value.trim())
        .replace("{n}", &n.to_string())
}

/// A style label with placeholders filled, if the style sets it.
pub fn label(spec: &DocumentSpec, key: &str, dept: &Dept, n: usize) -> Option<String> {
    spec.labels.get(key).map(|l| fill(l, dept, n))
}

/// The scale a sum is printed with: the largest scale among its non-zero addends, so
/// `15 + 0.00` prints `15` and `12.55 + 10.368` prints three decimals.
pub fn sum_scale(values: &[Decimal]) -> u32 {
    values
        .iter()
        .filter(|v| !v.is_zero())
        .map(|v| v.normalize().scale().max(v.scale()))
        .max()
        .unwrap_or(0)
}

/// A money cell showing exactly the decimals the value was written with.
pub fn money(col: usize, value: Decimal) -> Cell {
    number_cell(col, value, value.scale(), Role::Money)
}

pub fn number_cell(col: usize, value: Decimal, decimals: u32, role: Role) -> Cell {
    Cell {
        value: CellValue::Number { value, decimals },
        align: Align::Center,
        ..Cell::text(col, format!("{:.*}", decimals as usize, value), role)
    }
}

/// A score or weight: trailing zeros dropped.
pub fn score(col: usize, value: Decimal) -> Cell {
    let v = value.normalize();
    number_cell(col, v, v.scale(), Role::Score)
}

/// A formula cell; `text` is what the PDF prints.
pub fn formula(
    col: usize,
    expr: Formula,
    result: Decimal,
    percent: bool,
    decimals: u32,
    role: Role,
) -> Cell {
    let text = if percent {
        crate::compute::fmt_percent(result, decimals)
    } else {
        format!(
            "{:.*}",
            decimals as usize,
            crate::compute::round(result, decimals)
        )
    };
    Cell {
        value: CellValue::Formula {
            expr,
            result,
            percent,
            decimals,
        },
        align: Align::Center,
        ..Cell::text(col, text, role)
    }
}

/// A centred text cell.
pub fn centred(col: usize, text: impl Into<String>) -> Cell {
    Cell::text(col, text, Role::Text).align(Align::Center)
}

/// The overall goal, one 目标N per line.
pub fn goals_text(p: &Proj) -> String {
    p.src
        .goals
        .as_ref()
        .map(|g| {
            g.value
                .texts()
                .iter()
                .map(|s| s.trim())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// A section with the style's page furniture (heading, title, subtitle, unit lines) filled
/// for table number `n`, and no notes or signature.
pub fn section(
    spec: &DocumentSpec,
    dept: &Dept,
    n: usize,
    name: String,
    rows: Vec<Row>,
) -> Section {
    Section {
        name,
        heading: label(spec, "heading", dept, n),
        title: fill(&spec.title, dept, n),
        subtitle: label(spec, "subtitle", dept, n),
        unit_line: label(spec, "unit_line", dept, n),
        unit_note: label(spec, "unit_note", dept, n),
        columns: spec.columns.clone(),
        rows,
        notes: Vec::new(),
        signature: Vec::new(),
    }
}

/// The text of a project-level field of a header block.
fn field_text(dept: &Dept, p: &Proj, field: &str) -> Option<String> {
    let t = |o: &Option<crate::model::Text>| o.as_ref().map(|t| t.value.trim().to_string());
    let src = p.src;
    Some(match field {
        "department" => dept.src.name.value.trim().to_string(),
        "name" => src.name.value.trim().to_string(),
        "unit" => t(&src.unit).unwrap_or_default(),
        "supervisor" => t(&src.supervisor).unwrap_or_default(),
        "manager" => t(&src.manager).unwrap_or_default(),
        "attribute" => t(&src.attribute).unwrap_or_default(),
        "term" => t(&src.term).unwrap_or_default(),
        "office" => t(&src.office).unwrap_or_default(),
        "goals" => goals_text(p),
        "outcome" => src
            .eval
            .as_ref()
            .map(|e| e.outcome.value.trim().to_string())
            .unwrap_or_default(),
        _ => return None,
    })
}

/// Builds header-block rows from a style's settings, starting at section row `first_row`.
/// `funds.total` becomes a SUM formula of the printed source cells when the project has
/// sources.
pub fn header_rows(
    dept: &Dept,
    p: &Proj,
    rows_spec: &[Vec<HeaderCell>],
    first_row: usize,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut source_cells: Vec<CellRef> = Vec::new();
    let mut total_at: Option<(usize, usize)> = None;
    for (r, spec_row) in rows_spec.iter().enumerate() {
        let mut col = 0;
        let mut cells = Vec::new();
        for hc in spec_row {
            let cell = if let Some(l) = &hc.label {
                Cell::label(col, fill(l, dept, 0))
            } else {
                let field = hc.field.as_deref().unwrap_or("");
                if let Some(src_key) = field.strip_prefix("funds.") {
                    if src_key == "total" {
                        total_at = Some((r, cells.len()));
                        money(col, p.funds.total)
                    } else {
                        // Every printed source column is part of the total, filled or not,
                        // so a figure typed into an empty cell in Excel updates it.
                        source_cells.push((first_row + r, col));
                        match Source::from_key(src_key).and_then(|s| p.funds.get(s)) {
                            Some(v) => money(col, v),
                            None => Cell::empty(col),
                        }
                    }
                } else {
                    Cell::text(
                        col,
                        field_text(dept, p, field).unwrap_or_default(),
                        Role::Text,
                    )
                }
            };
            cells.push(cell.span(hc.rows, hc.span));
            col += hc.span.max(1);
        }
        rows.push(Row::new(RowKind::Body, cells));
    }
    if let (Some((r, i)), false) = (total_at, p.funds.sources.is_empty()) {
        let values: Vec<Decimal> = p.funds.sources.iter().map(|(_, v)| *v).collect();
        let cell = &mut rows[r].cells[i];
        cell.value = CellValue::Formula {
            expr: Formula::Sum {
                cells: source_cells,
            },
            result: p.funds.total,
            percent: false,
            decimals: sum_scale(&values),
        };
        cell.text = format!("{:.*}", sum_scale(&values) as usize, p.funds.total);
    }
    rows
}

/// The indicators of one 二级 (none when the style has no 二级).
pub type Level2Group<'p, 'a> = (Option<String>, Vec<&'p Ind<'a>>);
/// One 一级 with its 二级 groups.
pub type Level1Group<'p, 'a> = (String, Vec<Level2Group<'p, 'a>>);

/// Indicators grouped for printing: 一级 → 二级 → indicators. With `all_level2`, every 二级
/// of the taxonomy appears (empty where the project has none), under every 一级.
pub fn group<'p, 'a>(dept: &Dept, p: &'p Proj<'a>, all_level2: bool) -> Vec<Level1Group<'p, 'a>> {
    let mut out: Vec<Level1Group<'p, 'a>> = Vec::new();
    if all_level2 {
        for l1 in &dept.style.taxonomy.levels {
            let mut groups = Vec::new();
            for l2 in &l1.level2 {
                let inds: Vec<&Ind> = p
                    .indicators
                    .iter()
                    .filter(|i| i.level1 == l1.name && i.level2.as_deref() == Some(l2.as_str()))
                    .collect();
                groups.push((Some(l2.clone()), inds));
            }
            if l1.level2.is_empty() {
                let inds: Vec<&Ind> = p
                    .indicators
                    .iter()
                    .filter(|i| i.level1 == l1.name)
                    .collect();
                groups.push((None, inds));
            }
            out.push((l1.name.clone(), groups));
        }
        return out;
    }
    for ind in &p.indicators {
        if out.last().is_none_or(|(l1, _)| *l1 != ind.level1) {
            out.push((ind.level1.clone(), Vec::new()));
        }
        let groups = &mut out.last_mut().expect("pushed above").1;
        if groups.last().is_none_or(|(l2, _)| *l2 != ind.level2) {
            groups.push((ind.level2.clone(), Vec::new()));
        }
        groups.last_mut().expect("pushed above").1.push(ind);
    }
    out
}

/// The start column of each grid column of a style (grid columns may span several grid cells).
pub fn grid_starts(spec: &DocumentSpec) -> Vec<usize> {
    let mut col = 0;
    spec.grid
        .iter()
        .map(|g| {
            let c = col;
            col += g.span.max(1);
            c
        })
        .collect()
}

/// The column-heading row of the grid (repeats on every page).
pub fn grid_header(spec: &DocumentSpec) -> Row {
    let starts = grid_starts(spec);
    Row::new(
        RowKind::Header,
        spec.grid
            .iter()
            .zip(starts)
            .map(|(g, c)| Cell::label(c, g.label.clone()).span(1, g.span))
            .collect(),
    )
}

/// The cell of one indicator field.
pub fn indicator_cell(dept: &Dept, ind: &Ind, field: &str, col: usize) -> Cell {
    let t = |o: &Option<crate::model::Text>| {
        o.as_ref()
            .map(|t| t.value.trim().to_string())
            .unwrap_or_default()
    };
    let src = ind.src;
    match field {
        "name" => Cell::text(col, src.name.value.trim(), Role::Text),
        "target" => centred(
            col,
            crate::target::display(src.target.value.trim(), dept.style.style.math_symbols),
        ),
        "basis" => centred(col, t(&src.basis)),
        "last_year" => centred(col, t(&src.last_year)),
        "scoring" => centred(col, t(&src.scoring)),
        "description" => Cell::text(col, t(&src.description), Role::Text),
        "evidence" => centred(
            col,
            src.evidence
                .iter()
                .map(|e| e.value.trim())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        "weight" => match ind.weight {
            Some(w) => score(col, w),
            None => Cell::empty(col),
        },
        "actual" => match &ind.result {
            Some(r) => centred(col, r.src.actual.value.trim()),
            None => Cell::empty(col),
        },
        "score" => match &ind.result {
            Some(r) => score(col, r.score),
            None => Cell::empty(col),
        },
        "reason" => match ind.result.as_ref().and_then(|r| r.src.reason.as_ref()) {
            Some(r) => Cell::text(col, r.value.trim(), Role::Text),
            None => Cell::empty(col),
        },
        _ => Cell::empty(col),
    }
}
