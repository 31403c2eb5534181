//! Documents over a list of records — a region's summaries (a record per department) and the
//! change table (a record per change): the `records`, `list` and `chart` blocks of the style
//! vocabulary. A `records` block is a table of one row per record: heading rows from its
//! columns (a group spans its adjacent columns), a row per record (a column prints the record's
//! figure for its `field`, or its `text` pattern rendered with the record's variables), then a
//! total row (counts and money the SUM of the rows above, the other figures as the records
//! compute them) or, without records, the one `empty` row. A `list` block prints a line per item
//! of a list the records offer; a `chart` block draws one numeric column as bars.
//!
//! What the records are is the caller's ([`Records`]): `src/region/` computes the departments'
//! figures, `src/diff/` the changes. The blocks append to the section's [`Sheet`] as every
//! block does; [`super::document::plan`] is the one planner of the documents over them.

use std::ops::Range;

use minijinja::Value;
use rust_decimal::Decimal;

use super::cells::{self, Heading, heading_rows, number_cell};
use super::context::{Vars, context};
use super::document::Render;
use super::sheet::Sheet;
use super::{Align, Cell, CellValue, Chart, Formula, PlanError, Role, Row, RowKind};
use crate::style::records::{FigureKind, NUMBER_FIELD};
use crate::style::{AlignSpec, ChartSpec, ListSpec, RecordsSpec};

/// A record's (or the total row's) figure of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Empty,
    Text(String),
    Count(usize),
    Money(Decimal),
    Percent(Decimal),
    Score(Decimal),
    Grade(String),
}

impl Figure {
    /// The figure's cell: numbers centred and typed, money with `money_decimals`, a score
    /// rounded to two decimals, a rate as a percentage with two.
    pub fn cell(self, col: usize, money_decimals: u32) -> Cell {
        match self {
            Figure::Empty => Cell::empty(col),
            Figure::Text(t) => Cell::text(col, t, Role::Text),
            Figure::Count(n) => number_cell(col, Decimal::from(n), 0, Role::Money),
            Figure::Money(v) => number_cell(col, v, money_decimals, Role::Money),
            Figure::Percent(r) => cells::percent(col, r, 2),
            Figure::Score(v) => number_cell(col, v.round_dp(2), 2, Role::Score),
            Figure::Grade(g) => Cell::text(col, g, Role::Text).align(Align::Center),
        }
    }
}

/// The records a document runs over, and what a layout may print of them.
pub trait Records {
    /// How many records there are.
    fn count(&self) -> usize;
    /// The kind of a field a column prints; `None` when the records have no such field (the
    /// style check refuses it beforehand). `序号`, the row's number, is every layout's.
    fn kind(&self, field: &str) -> Option<FigureKind>;
    /// The figure of `field` for the record `record`, or for the total row (`None`).
    fn figure(&self, record: Option<usize>, field: &str) -> Figure;
    /// The variables a row's text patterns read (over the page's), for the record numbered
    /// `n` (from 1).
    fn vars(&self, record: usize, n: usize) -> Result<Vars, PlanError>;
    /// The label of a record's bar in a chart.
    fn label(&self, record: usize) -> String;
    /// The items of the list `of`, each with its variables (`n` is added).
    fn list(&self, of: &str) -> Vec<Vars>;
}

/// The kind of a column's field: `序号`, or the records'.
fn kind_of(records: &dyn Records, field: &str) -> Option<FigureKind> {
    if field == NUMBER_FIELD {
        Some(FigureKind::Count)
    } else {
        records.kind(field)
    }
}

fn aligned(cell: Cell, align: Option<AlignSpec>) -> Cell {
    match align {
        Some(a) => cell.align(cells::to_align(a)),
        None => cell,
    }
}

/// Appends the rows of a `records` block to `sheet`: heading, a row per record, the total row
/// or the `empty` row. Its patterns render with the section's variables `page` and, in a row,
/// the record's. Returns the range of the record rows.
pub fn table(
    sheet: &mut Sheet,
    spec: &RecordsSpec,
    records: &dyn Records,
    money_decimals: u32,
    page: &Vars,
    render: &Render,
) -> Result<Range<usize>, PlanError> {
    let columns = &spec.columns;
    let ctx = context(&[page]);
    let mut heading = Vec::new();
    for col in columns {
        let group = match &col.group {
            Some(g) => Some((g.value.clone(), render(g, &ctx)?)),
            None => None,
        };
        heading.push(Heading {
            label: render(&col.label, &ctx)?,
            group,
        });
    }
    let rows = &mut sheet.rows;
    rows.append(&mut heading_rows(&heading));
    let body_start = rows.len();
    for r in 0..records.count() {
        let n = r + 1;
        let vars = records.vars(r, n)?;
        let mut cells = Vec::new();
        for (c, col) in columns.iter().enumerate() {
            let cell = match (&col.field, &col.text) {
                (Some(f), _) if f.value.trim() == NUMBER_FIELD => Figure::Count(n).cell(c, 0),
                (Some(f), _) => records
                    .figure(Some(r), f.value.trim())
                    .cell(c, money_decimals),
                (None, Some(t)) => Cell::text(c, render(t, &context(&[page, &vars]))?, Role::Text),
                (None, None) => Cell::empty(c),
            };
            cells.push(aligned(cell, col.align));
        }
        rows.push(Row::new(RowKind::Body, cells));
    }
    let body = body_start..rows.len();
    if records.count() == 0
        && let Some(empty) = &spec.empty
    {
        let text = render(empty, &ctx)?;
        rows.push(Row::new(
            RowKind::Body,
            vec![
                Cell::text(0, text, Role::Text)
                    .span(1, columns.len())
                    .align(Align::Center),
            ],
        ));
    }
    if let Some(label) = &spec.total {
        let label_col = label_column(columns, records);
        let mut cells = Vec::new();
        for (c, col) in columns.iter().enumerate() {
            let cell = match &col.field {
                _ if Some(c) == label_col => Cell::label(c, render(label, &ctx)?),
                Some(f) if f.value.trim() != NUMBER_FIELD => {
                    let field = f.value.trim();
                    let cell = records.figure(None, field).cell(c, money_decimals);
                    // Sums stay sums in the xlsx.
                    match (&cell.value, kind_of(records, field).map(FigureKind::sums)) {
                        (
                            CellValue::Number {
                                value, decimals, ..
                            },
                            Some(true),
                        ) => cells::formula(
                            c,
                            Formula::Sum {
                                cells: body.clone().map(|r| (r, c)).collect(),
                            },
                            *value,
                            false,
                            *decimals,
                            cell.role,
                        ),
                        _ => cell,
                    }
                }
                _ => Cell::empty(c),
            };
            cells.push(aligned(cell, col.align));
        }
        rows.push(Row::new(RowKind::Total, cells));
    }
    Ok(body)
}

/// The first column that prints a text field (the total row's label, the chart's bar labels).
fn label_column(
    columns: &[crate::style::common::ColumnSpec],
    records: &dyn Records,
) -> Option<usize> {
    columns.iter().position(|c| {
        c.field
            .as_ref()
            .is_some_and(|f| kind_of(records, f.value.trim()) == Some(FigureKind::Text))
    })
}

/// Appends the lines of a `list` block under the table: its title and a line per item, or
/// its `empty` line.
pub fn list(
    sheet: &mut Sheet,
    spec: &ListSpec,
    records: &dyn Records,
    page: &Vars,
    render: &Render,
) -> Result<(), PlanError> {
    let ctx = context(&[page]);
    let items = records.list(spec.of.value.trim());
    if items.is_empty() {
        if let Some(e) = &spec.empty {
            sheet.lines.push(render(e, &ctx)?);
        }
        return Ok(());
    }
    sheet.lines.push(render(&spec.title, &ctx)?);
    for (n, mut v) in items.into_iter().enumerate() {
        v.insert("n", Value::from(n + 1));
        sheet.lines.push(render(&spec.item, &context(&[page, &v]))?);
    }
    Ok(())
}

/// The chart of a `chart` block over the table `rows` planned from `table` (its record rows
/// `body`): a bar per record, its figure and text those of the table's cell. `None` when the
/// table has no column of the chart's field (the style check refuses it beforehand).
pub fn chart(
    spec: &ChartSpec,
    table: &RecordsSpec,
    rows: &[Row],
    body: Range<usize>,
    records: &dyn Records,
    page: &Vars,
    render: &Render,
) -> Result<Option<Chart>, PlanError> {
    let field = spec.field.value.trim();
    let Some(column) = table
        .columns
        .iter()
        .position(|c| c.field.as_ref().is_some_and(|f| f.value.trim() == field))
    else {
        return Ok(None);
    };
    let cell = |r: usize| rows[r].cells.iter().find(|cell| cell.col == column);
    let values = body
        .clone()
        .map(|r| match cell(r).map(|c| &c.value) {
            Some(CellValue::Number { value, .. } | CellValue::Percent { value, .. }) => {
                Some(*value)
            }
            _ => None,
        })
        .collect();
    let texts = body
        .clone()
        .map(|r| cell(r).map_or_else(String::new, |c| c.text.clone()))
        .collect();
    Ok(Some(Chart {
        title: render(&spec.title, &context(&[page]))?,
        texts,
        labels: (0..records.count()).map(|r| records.label(r)).collect(),
        values,
        lines: spec.lines.clone(),
        max: spec.max,
        column,
        rows: body.collect(),
        label_column: label_column(&table.columns, records).unwrap_or(0),
    }))
}
