//! Two indicator grids side by side (`grid` with `beside`, e.g. 中期 beside 年度): each half is
//! planned as a grid of its own — its own source, columns, merges and padding — and the halves'
//! rows are then paired by position (heading with heading, the n-th body row with the n-th).
//! Where one half has fewer rows its columns are left empty (bordered) below its last row.
//! The right half's cells move into the paired rows, shifted right by the left half's width;
//! every reference to them (formulas, the scores and money totals the builder links later) moves
//! with them.

use super::builder::Builder;
use super::error::PlanError;
use super::grid::{self, GridCx};
use super::{Cell, CellRef, CellValue, Formula, Row};
use crate::check::Proj;
use crate::style::GridSpec;

pub fn plan(
    b: &mut Builder,
    left: &GridSpec,
    right: &GridSpec,
    cx: &GridCx,
    projects: &[(usize, &Proj)],
) -> Result<(), PlanError> {
    let base = b.sheet.rows.len();
    grid::plan(b, left, cx, projects)?;
    let mid = b.sheet.rows.len();
    let marks = Marks::of(b);
    grid::plan(b, right, cx, projects)?;
    let moved: Vec<Row> = b.sheet.rows.drain(mid..).collect();
    let offset: usize = left.columns.iter().map(|c| c.span.max(1)).sum();
    let n = (mid - base).max(moved.len());
    // Where each moved row lands and how many cells precede its own there.
    let mut landing: Vec<(usize, usize)> = Vec::with_capacity(moved.len());
    for i in 0..n {
        let at = base + i;
        if at >= b.sheet.rows.len() {
            let kind = moved.get(i).map_or(super::RowKind::Body, |r| r.kind);
            b.sheet.rows.push(Row::new(kind, empty_cells(left, 0)));
        }
        let before = b.sheet.rows[at].cells.len();
        match moved.get(i) {
            Some(r) => {
                landing.push((at, before));
                let mut cells = r.cells.clone();
                for c in &mut cells {
                    c.col += offset;
                    shift_formula(c, mid, base, offset);
                }
                b.sheet.rows[at].cells.extend(cells);
                if b.sheet.rows[at].grid.is_none() {
                    b.sheet.rows[at].grid = r.grid;
                }
            }
            None => {
                let cells = empty_cells(right, offset);
                b.sheet.rows[at].cells.extend(cells);
            }
        }
    }
    marks.shift(b, mid, base, offset, &landing);
    Ok(())
}

/// Empty cells over a half's columns, starting at grid column `offset`.
fn empty_cells(spec: &GridSpec, offset: usize) -> Vec<Cell> {
    let mut at = offset;
    spec.columns
        .iter()
        .map(|c| {
            let cell = Cell::empty(at).span(1, c.span.max(1));
            at += c.span.max(1);
            cell
        })
        .collect()
}

/// A reference into the moved rows, where it lands.
fn moved_ref((r, c): CellRef, mid: usize, base: usize, offset: usize) -> CellRef {
    if r >= mid {
        (base + (r - mid), c + offset)
    } else {
        (r, c)
    }
}

fn shift_formula(c: &mut Cell, mid: usize, base: usize, offset: usize) {
    let CellValue::Formula { expr, .. } = &mut c.value else {
        return;
    };
    let m = |x: &mut CellRef| *x = moved_ref(*x, mid, base, offset);
    match expr {
        Formula::Sum { cells } => cells.iter_mut().for_each(m),
        Formula::Ratio { num, den } | Formula::CappedScore { num, den, .. } => {
            m(num);
            m(den);
        }
        Formula::Difference { a, b } | Formula::Growth { a, b } => {
            m(a);
            m(b);
        }
        Formula::Expr { expr } => expr.cells_mut().into_iter().for_each(m),
    }
}

/// How many references the builder held before the right half was planned: the ones added
/// since point into the moved rows.
struct Marks {
    budget_sources: usize,
    budget_totals: usize,
    scores: usize,
    score_totals: usize,
    wide_scores: usize,
    wide_score_totals: usize,
}

impl Marks {
    fn of(b: &Builder) -> Marks {
        let r = &b.sheet.refs;
        Marks {
            budget_sources: r.budget_sources.len(),
            budget_totals: r.budget_totals.len(),
            scores: r.scores.len(),
            score_totals: r.score_totals.len(),
            wide_scores: r.wide_scores.len(),
            wide_score_totals: r.wide_score_totals.len(),
        }
    }

    /// Moves the references added since with their cells: a cell reference by row and column,
    /// a `(row, index in row)` by the cells that precede the moved ones in their new row.
    fn shift(
        &self,
        b: &mut Builder,
        mid: usize,
        base: usize,
        offset: usize,
        landing: &[(usize, usize)],
    ) {
        let r = &mut b.sheet.refs;
        let m = |x: &mut CellRef| *x = moved_ref(*x, mid, base, offset);
        r.budget_sources[self.budget_sources..]
            .iter_mut()
            .for_each(|(c, _)| m(c));
        r.scores[self.scores..].iter_mut().for_each(m);
        r.wide_scores[self.wide_scores..].iter_mut().for_each(m);
        let by_index = |x: &mut (usize, usize)| {
            if let Some(&(row, before)) = x.0.checked_sub(mid).and_then(|i| landing.get(i)) {
                *x = (row, before + x.1);
            }
        };
        r.budget_totals[self.budget_totals..]
            .iter_mut()
            .for_each(by_index);
        r.score_totals[self.score_totals..]
            .iter_mut()
            .for_each(by_index);
        r.wide_score_totals[self.wide_score_totals..]
            .iter_mut()
            .for_each(by_index);
    }
}
