//! Formulas of the workbook: the sums a total cell is written as, so a clerk who edits a figure in
//! Excel or WPS sees the totals follow (references gathered in runs, nested under Excel's limit of
//! arguments).

use anyhow::Result;
use rust_xlsxwriter::utility::row_col_to_cell;

use super::{Grid, MAX_FUNCTION_ARGS};
use crate::plan::{CellExpr, CellRef, Formula};

/// Sheet-coordinate translation of grid references.
pub(super) struct Refs<'a> {
    pub(super) grid: &'a Grid<'a>,
    /// Sheet row of grid row 0.
    pub(super) first_row: u32,
}

impl Refs<'_> {
    /// Sheet `(row, col)` of the anchor of a grid reference.
    pub(super) fn sheet(&self, at: CellRef) -> Result<(u32, u16)> {
        let (r, c) = self.grid.anchor(at)?;
        Ok((self.first_row + r as u32, c as u16))
    }

    /// `D8`.
    pub(super) fn a1(&self, at: CellRef) -> Result<String> {
        let (r, c) = self.sheet(at)?;
        Ok(row_col_to_cell(r, c))
    }

    /// Formula text (without `=`) of a planned formula.
    pub(super) fn formula(&self, expr: &Formula) -> Result<String> {
        match expr {
            Formula::Sum { cells } => {
                let cells = cells
                    .iter()
                    .map(|&at| self.sheet(at))
                    .collect::<Result<Vec<_>>>()?;
                Ok(sum_formula(&cells))
            }
            Formula::Ratio { num, den } => Ok(format!("{}/{}", self.a1(*num)?, self.a1(*den)?)),
            Formula::Difference { a, b } => Ok(format!("{}-{}", self.a1(*a)?, self.a1(*b)?)),
            Formula::Growth { a, b } => {
                let (a, b) = (self.a1(*a)?, self.a1(*b)?);
                Ok(format!("({a}-{b})/{b}"))
            }
            Formula::Expr { expr } => self.expr(expr),
            Formula::CappedScore {
                points,
                num,
                den,
                decimals,
            } => Ok(format!(
                "ROUND({}*MIN({}/{},1),{decimals})",
                points.normalize(),
                self.a1(*num)?,
                self.a1(*den)?
            )),
        }
    }
}

impl Refs<'_> {
    /// A declared formula: operands that are not single cells in parentheses.
    fn expr(&self, e: &CellExpr) -> Result<String> {
        let part = |e: &CellExpr| -> Result<String> {
            Ok(match e {
                CellExpr::Cell { at } => self.a1(*at)?,
                e => format!("({})", self.expr(e)?),
            })
        };
        Ok(match e {
            CellExpr::Cell { at } => self.a1(*at)?,
            CellExpr::Add { a, b } => format!("{}+{}", self.expr(a)?, part(b)?),
            CellExpr::Sub { a, b } => format!("{}-{}", self.expr(a)?, part(b)?),
            CellExpr::Div { a, b } => format!("{}/{}", part(a)?, part(b)?),
        })
    }
}

/// `SUM(…)` of sheet cells: runs of adjacent cells in one column (or, when that gives fewer
/// arguments, one row) become ranges; more than 255 arguments are nested.
pub(super) fn sum_formula(cells: &[(u32, u16)]) -> String {
    if cells.is_empty() {
        return "0".to_string();
    }
    let mut unique: Vec<(u32, u16)> = Vec::with_capacity(cells.len());
    for &c in cells {
        if !unique.contains(&c) {
            unique.push(c);
        }
    }
    // Runs down columns.
    let mut by_col = unique.clone();
    by_col.sort_by_key(|&(r, c)| (c, r));
    let vertical = runs(&by_col, |a, b| a.1 == b.1 && a.0 + 1 == b.0);
    // Runs along rows.
    let mut by_row = unique;
    by_row.sort();
    let horizontal = runs(&by_row, |a, b| a.0 == b.0 && a.1 + 1 == b.1);
    let parts = if horizontal.len() < vertical.len() {
        horizontal
    } else {
        vertical
    };
    let args: Vec<String> = parts
        .iter()
        .map(|&(first, last)| {
            if first == last {
                row_col_to_cell(first.0, first.1)
            } else {
                format!(
                    "{}:{}",
                    row_col_to_cell(first.0, first.1),
                    row_col_to_cell(last.0, last.1)
                )
            }
        })
        .collect();
    nested_sum(&args)
}

/// Maximal runs of consecutive items, as `(first, last)`.
pub(super) fn runs(
    sorted: &[(u32, u16)],
    next: impl Fn(&(u32, u16), &(u32, u16)) -> bool,
) -> Vec<((u32, u16), (u32, u16))> {
    let mut out: Vec<((u32, u16), (u32, u16))> = Vec::new();
    for &cell in sorted {
        match out.last_mut() {
            Some((_, last)) if next(last, &cell) => *last = cell,
            _ => out.push((cell, cell)),
        }
    }
    out
}

/// `SUM(a,b,…)`, nesting when there are more arguments than Excel allows.
pub(super) fn nested_sum(args: &[String]) -> String {
    if args.len() <= MAX_FUNCTION_ARGS {
        return format!("SUM({})", args.join(","));
    }
    let inner: Vec<String> = args.chunks(MAX_FUNCTION_ARGS).map(nested_sum).collect();
    nested_sum(&inner)
}
