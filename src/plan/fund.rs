//! A `fund` block: the department's income or spending composition (`部门整体.收入` / `支出`)
//! or its money by funding level (`拨付结余`), a row per written row (grouped, a subtotal row
//! above each group) and a total row, a column per figure or formula. Amounts are number cells;
//! a subtotal or total is a SUM over the printed cells it adds, 增减额 `a − b`, 增长率
//! `(a − b) / b` and 占比 `row / total` formulas where the sheet holds their operands, and a
//! column the style declares (`formula: ① + ②`) the formula over the same line's cells. An
//! empty figure prints empty and is left out of the sums; a formula with an empty operand
//! prints the stated figure, or empty.

use minijinja::Value;
use rust_decimal::Decimal;

use super::builder::Builder;
use super::cells::{self, money, money_sum_decimals, text_cell};
use super::context::{self, format_number, money_value};
use super::error::PlanError;
use super::{Bind, BindKind, Cell, CellExpr, CellRef, Formula, Role, Row, RowKind};
use crate::model::FundRow;
use crate::style::formula::Expr;
use crate::style::{Breakdown, FundColumn, FundSpec, LoadedStyle};

/// One printed line of the block.
enum Line<'r> {
    /// A written row, with its index in the data.
    Part(usize, &'r FundRow),
    /// A group's subtotal: its name and the indices (into the lines) of its rows.
    Sub(String, Vec<usize>),
    Total,
}

pub fn plan(b: &mut Builder, spec: &FundSpec, ctx: &Value) -> Result<(), PlanError> {
    let style = b.style();
    let key = spec.source.key();
    let rows = match (spec.source, b.dept.wide.as_ref()) {
        (Breakdown::Income, Some(w)) => w.src.income.as_slice(),
        (Breakdown::Spending, Some(w)) => w.src.spending.as_slice(),
        (Breakdown::Allocation, Some(w)) => w.src.allocation.as_slice(),
        (_, None) => &[][..],
    };
    let parts: Vec<(usize, &FundRow)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.stated_sum().is_none())
        .collect();
    // The lines: grouped where the style prints subtotals, in the order groups first appear.
    let mut lines: Vec<Line> = Vec::new();
    let group_of = |r: &FundRow| {
        r.group
            .as_ref()
            .map(|g| g.value.trim().to_string())
            .filter(|g| !g.is_empty())
    };
    if spec.group.is_some() {
        let mut done: Vec<String> = Vec::new();
        for &(i, r) in &parts {
            match group_of(r) {
                Some(g) if done.contains(&g) => {}
                Some(g) => {
                    let at = lines.len();
                    lines.push(Line::Sub(g.clone(), Vec::new()));
                    for &(j, m) in parts
                        .iter()
                        .filter(|(_, m)| group_of(m).as_ref() == Some(&g))
                    {
                        let n = lines.len();
                        if let Some(Line::Sub(_, members)) = lines.get_mut(at) {
                            members.push(n);
                        }
                        lines.push(Line::Part(j, m));
                    }
                    done.push(g);
                }
                None => lines.push(Line::Part(i, r)),
            }
        }
    } else {
        lines.extend(parts.iter().map(|&(i, r)| Line::Part(i, r)));
    }
    if spec.total.is_some() {
        lines.push(Line::Total);
    }
    let part_lines: Vec<usize> = (0..lines.len())
        .filter(|&i| matches!(lines[i], Line::Part(..)))
        .collect();

    let header = usize::from(spec.header);
    let base = b.sheet.rows.len();
    let row_of = |line: usize| base + header + line;
    let name_col = if spec.label.is_some() {
        spec.label_span
    } else {
        0
    };
    // Each column's first grid column.
    let mut at = name_col + spec.name_span;
    let mut col_at = Vec::new();
    for c in &spec.columns {
        col_at.push(at);
        at = at.saturating_add(c.value.span);
    }
    // The figure of each `sum` column at each line (a part's own; a subtotal's or the total's
    // sum of the parts that give it), and the cells a formula may name.
    let figure_col = |k: &str| {
        spec.columns
            .iter()
            .position(|c| c.value.formula.is_none() && c.value.figure() == Some(k))
    };
    let adds = |line: usize| -> Vec<usize> {
        match &lines[line] {
            Line::Part(..) => vec![line],
            Line::Sub(_, members) => members.clone(),
            Line::Total => part_lines.clone(),
        }
    };
    let value = |line: usize, k: &str| -> Option<Decimal> {
        if let Line::Part(_, r) = &lines[line] {
            return r.value(k);
        }
        let mut sum: Option<Decimal> = None;
        for l in adds(line) {
            if let Line::Part(_, r) = &lines[l]
                && let Some(n) = r.figure(k)
            {
                sum = Some(sum.unwrap_or_default().checked_add(n.value.0)?);
            }
        }
        sum
    };
    let cell_of = |line: usize, k: &str| -> Option<CellRef> {
        let c = figure_col(k)?;
        value(line, k)?;
        Some((row_of(line), col_at[c]))
    };
    let total_line = lines.iter().position(|l| matches!(l, Line::Total));
    let rate_decimals = style.style.execution.rate_decimals;

    let cell_at = |l: usize, c: usize| (row_of(l), col_at[c]);
    let declared = Declared {
        spec,
        lines: &lines,
        value: &value,
        cell: &cell_at,
    };
    let mut out: Vec<Row> = Vec::new();
    if spec.header {
        let mut cells = Vec::new();
        let corner = match &spec.corner {
            Some(c) => b.render(c, ctx)?,
            None => String::new(),
        };
        cells.push(text_cell(name_col, corner, true, None).span(1, spec.name_span));
        for (c, x) in spec.columns.iter().zip(&col_at) {
            let label = b.render(&c.value.label, ctx)?;
            cells.push(text_cell(*x, label, true, None).span(1, c.value.span));
        }
        out.push(Row::new(RowKind::Body, cells));
    }
    for (l, line) in lines.iter().enumerate() {
        let mut row = Vec::new();
        let name = match line {
            Line::Part(i, r) => {
                let mut c = text_cell(name_col, r.name.value.clone(), false, None);
                c.bind = Some(row_bind(key, *i, "名称", BindKind::Text));
                c
            }
            Line::Sub(g, _) => {
                let mut v = context::Vars::new();
                v.insert("分组", Value::from(g.as_str()));
                let ctx = context::over(ctx, &v);
                match &spec.group {
                    Some(p) => text_cell(name_col, b.render(p, &ctx)?, true, None),
                    None => Cell::empty(name_col),
                }
            }
            Line::Total => match &spec.total {
                Some(p) => text_cell(name_col, b.render(p, ctx)?, true, None),
                None => Cell::empty(name_col),
            },
        };
        row.push(name.span(1, spec.name_span));
        for (ci, (c, &x)) in spec.columns.iter().zip(&col_at).enumerate() {
            let c = &c.value;
            let cell = if let Some(expr) = c.expr() {
                match declared.formula_cell(style, x, l, &expr, rate_decimals) {
                    Some(cell) => cell,
                    None => declared.stated_cell(style, x, l, ci, key, rate_decimals),
                }
            } else if c.field.is_some() && declared.is_rate(c) {
                declared.stated_cell(style, x, l, ci, key, rate_decimals)
            } else if let Some(k) = c.figure() {
                match (line, value(l, k)) {
                    (_, None) => Cell::empty(x),
                    (Line::Part(i, _), Some(v)) => {
                        let mut cell = money(style, x, v);
                        cell.bind = Some(row_bind(key, *i, k, BindKind::Number));
                        cell
                    }
                    (_, Some(v)) => {
                        let members: Vec<usize> = adds(l);
                        let refs: Vec<CellRef> =
                            members.iter().filter_map(|&m| cell_of(m, k)).collect();
                        let values: Vec<Decimal> =
                            members.iter().filter_map(|&m| value(m, k)).collect();
                        let decimals = money_sum_decimals(style, &values);
                        cells::money_formula(style, x, refs, v, decimals)
                    }
                }
            } else if let Some([a, bk]) = c.difference.as_deref() {
                let (a, bk) = (a.value.trim(), bk.value.trim());
                match (value(l, a), value(l, bk)) {
                    (Some(va), Some(vb)) => match va.checked_sub(vb) {
                        Some(d) => {
                            let decimals = money_sum_decimals(style, &[va, vb]);
                            match (cell_of(l, a), cell_of(l, bk)) {
                                (Some(ca), Some(cb)) => money_formula_of(
                                    style,
                                    x,
                                    Formula::Difference { a: ca, b: cb },
                                    d,
                                    decimals,
                                ),
                                _ => money(style, x, d),
                            }
                        }
                        None => Cell::empty(x),
                    },
                    _ => Cell::empty(x),
                }
            } else if let Some([a, bk]) = c.ratio.as_deref() {
                let (a, bk) = (a.value.trim(), bk.value.trim());
                let growth = match (value(l, a), value(l, bk)) {
                    (Some(va), Some(vb)) if !vb.is_zero() => {
                        va.checked_sub(vb).and_then(|d| d.checked_div(vb))
                    }
                    _ => None,
                };
                match (growth, cell_of(l, a), cell_of(l, bk)) {
                    (Some(g), Some(ca), Some(cb)) => cells::formula(
                        x,
                        Formula::Growth { a: ca, b: cb },
                        g,
                        true,
                        rate_decimals,
                        Role::Percent,
                    ),
                    (Some(g), _, _) => cells::percent(x, g, rate_decimals),
                    (None, _, _) => Cell::empty(x),
                }
            } else if let Some(k) = &c.share {
                let k = k.value.trim();
                let total = value_total(&lines, &part_lines, k);
                let share = match (value(l, k), total) {
                    (Some(v), Some(t)) if !t.is_zero() => v.checked_div(t),
                    _ => None,
                };
                let den = total_line.and_then(|t| cell_of(t, k));
                match (share, cell_of(l, k), den) {
                    (Some(q), Some(num), Some(den)) => cells::formula(
                        x,
                        Formula::Ratio { num, den },
                        q,
                        true,
                        rate_decimals,
                        Role::Percent,
                    ),
                    (Some(q), _, _) => cells::percent(x, q, rate_decimals),
                    (None, _, _) => Cell::empty(x),
                }
            } else {
                Cell::empty(x)
            };
            let cell = match (&c.blank, cell.text.is_empty()) {
                (Some(blank), true) => text_cell(
                    x,
                    blank.clone(),
                    false,
                    Some(crate::style::AlignSpec::Center),
                ),
                _ => cell,
            };
            row.push(cell.span(1, c.span));
        }
        let kind = match line {
            Line::Part(..) => RowKind::Body,
            _ => RowKind::Total,
        };
        out.push(Row::new(kind, row));
    }
    let n = out.len();
    if let Some(l) = &spec.label
        && let Some(first) = out.first_mut()
    {
        let label = text_cell(0, b.render(l, ctx)?, true, None).span(n, spec.label_span);
        first.cells.insert(0, label);
    }
    b.sheet.rows.extend(out);
    Ok(())
}

/// The declared columns of a block (`field`, `formula`): their values at each line and their
/// cells.
struct Declared<'a, 'r> {
    spec: &'a FundSpec,
    lines: &'a [Line<'r>],
    /// Figure `k` at a line: the row's own, or the sum of the amounts a subtotal or total adds.
    value: &'a dyn Fn(usize, &str) -> Option<Decimal>,
    /// The grid cell of a column at a line.
    cell: &'a dyn Fn(usize, usize) -> CellRef,
}

impl Declared<'_, '_> {
    /// The lines a line adds up: a part itself, a subtotal its group, the total every part.
    fn adds(&self, l: usize) -> Vec<usize> {
        match &self.lines[l] {
            Line::Part(..) => vec![l],
            Line::Sub(_, members) => members.clone(),
            Line::Total => (0..self.lines.len())
                .filter(|&i| matches!(self.lines[i], Line::Part(..)))
                .collect(),
        }
    }

    /// Whether a column prints a percentage: a formula that divides, or a figure the
    /// catalogue calls a rate.
    fn is_rate(&self, c: &FundColumn) -> bool {
        match c.expr() {
            Some(e) => e.is_ratio(),
            None => c.figure().is_some_and(|k| {
                crate::fields::find(self.spec.source.level(), k)
                    .is_some_and(|f| f.shape == crate::fields::Shape::Rate)
            }),
        }
    }

    /// The formula's value at line `l` (`None` where an operand is missing).
    fn computed(&self, l: usize, e: &Expr, depth: usize) -> Option<Decimal> {
        self.spec
            .formula_value(e, depth, &|c, d| self.fallback(l, c, d))
    }

    /// Column `c`'s value at line `l` ([`FundSpec::column_value`]: its formula's, else
    /// [`Declared::fallback`]).
    fn column_value(&self, l: usize, c: usize, depth: usize) -> Option<Decimal> {
        self.spec
            .column_value(c, depth, &|c, d| self.fallback(l, c, d))
    }

    /// Column `c`'s value at line `l` where its formula gives none: the stated figure (a
    /// subtotal or total: the sum of its lines' values, for an amount).
    fn fallback(&self, l: usize, c: usize, depth: usize) -> Option<Decimal> {
        let col = &self.spec.columns.get(c)?.value;
        if col.expr().is_none() {
            return (self.value)(l, col.figure()?);
        }
        match &self.lines[l] {
            Line::Part(_, r) => r.value(col.figure()?),
            _ if self.is_rate(col) => None,
            _ => {
                let mut sum: Option<Decimal> = None;
                for m in self.adds(l) {
                    if let Some(v) = self.column_value(m, c, depth + 1) {
                        sum = Some(sum.unwrap_or_default().checked_add(v)?);
                    }
                }
                sum
            }
        }
    }

    /// The formula as a workbook formula over the cells of line `l`.
    fn cells_of(&self, l: usize, e: &Expr) -> Option<CellExpr> {
        let pair = |a: &Expr, b: &Expr| {
            Some((
                Box::new(self.cells_of(l, a)?),
                Box::new(self.cells_of(l, b)?),
            ))
        };
        Some(match e {
            Expr::Name(n) => CellExpr::Cell {
                at: (self.cell)(l, self.spec.column_called(n)?),
            },
            Expr::Add(a, b) => {
                let (a, b) = pair(a, b)?;
                CellExpr::Add { a, b }
            }
            Expr::Sub(a, b) => {
                let (a, b) = pair(a, b)?;
                CellExpr::Sub { a, b }
            }
            Expr::Div(a, b) => {
                let (a, b) = pair(a, b)?;
                CellExpr::Div { a, b }
            }
        })
    }

    /// A formula column's cell at line `l` where its operands are all there: a formula over
    /// their cells, its result stored.
    fn formula_cell(
        &self,
        style: &LoadedStyle,
        x: usize,
        l: usize,
        e: &Expr,
        rate_decimals: u32,
    ) -> Option<Cell> {
        let v = self.computed(l, e, 0)?;
        let expr = Formula::Expr {
            expr: self.cells_of(l, e)?,
        };
        if e.is_ratio() {
            return Some(cells::formula(
                x,
                expr,
                v,
                true,
                rate_decimals,
                Role::Percent,
            ));
        }
        let operands: Vec<Decimal> = e
            .names()
            .into_iter()
            .filter_map(|n| self.spec.column_called(n))
            .filter_map(|c| self.column_value(l, c, 1))
            .collect();
        let decimals = money_sum_decimals(style, &operands);
        Some(money_formula_of(style, x, expr, v, decimals))
    }

    /// A declared column's cell from the stated figures: a row's own (an amount bound for
    /// `import`, or a percentage); a subtotal's or the total's amount the sum of its lines'
    /// cells; empty where nothing is stated.
    fn stated_cell(
        &self,
        style: &LoadedStyle,
        x: usize,
        l: usize,
        c: usize,
        key: &str,
        rate_decimals: u32,
    ) -> Cell {
        let Some(col) = self.spec.columns.get(c).map(|c| &c.value) else {
            return Cell::empty(x);
        };
        let Some(k) = col.figure() else {
            return Cell::empty(x);
        };
        let rate = self.is_rate(col);
        match &self.lines[l] {
            Line::Part(i, r) => match (r.value(k), rate) {
                (None, _) => Cell::empty(x),
                (Some(v), true) => cells::percent(x, v, rate_decimals),
                (Some(v), false) => {
                    let mut cell = money(style, x, v);
                    if r.figure(k).is_some() {
                        cell.bind = Some(row_bind(key, *i, k, BindKind::Number));
                    }
                    cell
                }
            },
            _ if rate => Cell::empty(x),
            _ => {
                let members: Vec<(usize, Decimal)> = self
                    .adds(l)
                    .into_iter()
                    .filter_map(|m| Some((m, self.column_value(m, c, 1)?)))
                    .collect();
                let values: Vec<Decimal> = members.iter().map(|(_, v)| *v).collect();
                let Some(sum) = values
                    .iter()
                    .try_fold(Decimal::ZERO, |s, v| s.checked_add(*v))
                    .filter(|_| !values.is_empty())
                else {
                    return Cell::empty(x);
                };
                let refs: Vec<CellRef> = members.iter().map(|&(m, _)| (self.cell)(m, c)).collect();
                cells::money_formula(style, x, refs, sum, money_sum_decimals(style, &values))
            }
        }
    }
}

/// The total of figure `k` over every written row that gives it.
fn value_total(lines: &[Line], parts: &[usize], k: &str) -> Option<Decimal> {
    let mut sum: Option<Decimal> = None;
    for &l in parts {
        if let Some(Line::Part(_, r)) = lines.get(l)
            && let Some(n) = r.figure(k)
        {
            sum = Some(sum.unwrap_or_default().checked_add(n.value.0)?);
        }
    }
    sum
}

/// A formula over amounts, printed the way the style prints money.
fn money_formula_of(
    style: &LoadedStyle,
    col: usize,
    expr: Formula,
    result: Decimal,
    decimals: u32,
) -> Cell {
    let (v, _) = money_value(style, result);
    let thousands = style.style.funds.thousands;
    let mut c = cells::formula(col, expr, v, false, decimals, Role::Money);
    c.text = format_number(v, decimals, thousands);
    if let super::CellValue::Formula { thousands: t, .. } = &mut c.value {
        *t = thousands;
    }
    c
}

/// The binding of a row's figure or name to the data (`部门整体.<key>[i].<field>`), by which the
/// twin sheet reads an edited cell back.
fn row_bind(key: &str, i: usize, field: &str, kind: BindKind) -> Bind {
    Bind::whole(format!("部门整体.{key}[{i}].{field}"), kind)
}
