//! The formulas a style declares over a `fund` block's columns (`{field: 合计, formula: ① + ②}`,
//! `{field: 拨付率, formula: ⑤ / ④}`), checked against the figures a data file states: every row
//! that writes a column's figure is compared with the formula over the same row's figures
//! (JX806, at the stated figure). The table prints the computed value; this tells the clerk
//! where the written one differs.

use rust_decimal::Decimal;

use super::Cx;
use crate::compute::{fmt_decimal, fmt_percent, round};
use crate::model::{DeptWide, FundRow};
use crate::rules;
use crate::style::formula::Expr;
use crate::style::{Breakdown, FundSpec, LoadedStyle};

pub(super) fn check(cx: &mut Cx, w: &DeptWide, style: &LoadedStyle) {
    // The same formula in two documents (a target and a self-evaluation table) is one finding.
    let mut seen: Vec<(Breakdown, String, String)> = Vec::new();
    let specs = style
        .style
        .documents
        .iter()
        .flat_map(|d| &d.blocks)
        .filter_map(|b| b.fund.as_ref());
    for f in specs {
        let spec = &f.value;
        let rows = match spec.source {
            Breakdown::Income => &w.income,
            Breakdown::Spending => &w.spending,
            Breakdown::Allocation => &w.allocation,
        };
        for col in &spec.columns {
            let c = &col.value;
            let (Some(e), Some(k), Some(text)) = (c.expr(), c.figure(), &c.formula) else {
                continue;
            };
            let id = (spec.source, k.to_string(), text.value.trim().to_string());
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            for r in rows.iter() {
                row(cx, spec, r, k, &e, text.value.trim(), spec.source.key());
            }
        }
    }
}

/// One row's stated figure `k` against the formula `e` over its own figures.
fn row(cx: &mut Cx, spec: &FundSpec, r: &FundRow, k: &str, e: &Expr, text: &str, what: &str) {
    let Some(v) = value_of(spec, r, e) else {
        return;
    };
    // The operands as the clerk reads them: `①（年初预算）100`.
    let mut shown: Vec<String> = Vec::new();
    for n in e.names() {
        let Some(c) = spec.column_called(n) else {
            continue;
        };
        let col = &spec.columns[c].value;
        let Some(x) = spec.column_value(c, 1, &stated(spec, r)) else {
            continue;
        };
        let name = match col.figure() {
            Some(f) if f != n => format!("{n}（{f}）"),
            _ => n.to_string(),
        };
        let x = if is_percent(col) {
            fmt_percent(x, 2)
        } else {
            fmt_decimal(x)
        };
        let item = format!("{name} {x}");
        if !shown.contains(&item) {
            shown.push(item);
        }
    }
    let whose = format!("{what}“{}”的{k}", r.name.value.trim());
    if let Some(stated) = r.rate(k) {
        let Some(s) = crate::model::parse_percent(&stated.value) else {
            cx.emit(
                &rules::BAD_PERCENT,
                stated,
                format!("“{}”不是百分数", stated.value),
            );
            return;
        };
        // Compared at the precision written (`95.5%` has one decimal).
        let written = stated.value.trim().trim_end_matches(['%', '％']);
        let dp = written.split_once('.').map_or(0, |(_, f)| f.len() as u32);
        let percent = |f: Decimal| f.checked_mul(Decimal::ONE_HUNDRED).map(|p| round(p, dp));
        if percent(v) != percent(s) {
            cx.emit(
                &rules::FUND_FORMULA,
                stated,
                format!(
                    "{whose}写的是 {}，按公式 {text}（{}）算得 {}",
                    stated.value.trim(),
                    shown.join("，"),
                    fmt_percent(v, dp.max(2))
                ),
            );
        }
    } else if let Some(stated) = r.figure(k) {
        let expected = if e.is_ratio() {
            round(v, stated.value.0.scale())
        } else {
            v
        };
        if expected != stated.value.0 {
            cx.emit(
                &rules::FUND_FORMULA,
                stated,
                format!(
                    "{whose}写的是 {}，按公式 {text}（{}）算得 {}",
                    fmt_decimal(stated.value.0),
                    shown.join("，"),
                    fmt_decimal(v.normalize())
                ),
            );
        }
    }
}

/// Whether a column holds a percentage: a formula that divides.
fn is_percent(c: &crate::style::FundColumn) -> bool {
    c.expr().is_some_and(|e| e.is_ratio())
}

/// The formula over the row's figures: each name's column as the table prints it — computed
/// by its own formula where it has one and the operands are written, else as stated (so one
/// wrong figure is reported once, not again in every figure computed from it).
fn value_of(spec: &FundSpec, r: &FundRow, e: &Expr) -> Option<Decimal> {
    spec.formula_value(e, 0, &stated(spec, r))
}

/// A column's figure as the row states it: what the table prints where a formula gives none.
fn stated<'a>(spec: &'a FundSpec, r: &'a FundRow) -> impl Fn(usize, usize) -> Option<Decimal> + 'a {
    move |c, _| r.value(spec.columns.get(c)?.value.figure()?)
}

/// The figures of `source`'s rows that a style computes by a declared formula: a stated
/// subtotal or total of these is judged against the formula (JX806), not as a sum of the
/// rows' stated figures (which need not all be written).
pub(super) fn computed_figures(style: &LoadedStyle, source: Breakdown) -> Vec<&str> {
    style
        .style
        .documents
        .iter()
        .flat_map(|d| &d.blocks)
        .filter_map(|b| b.fund.as_ref())
        .filter(|f| f.value.source == source)
        .flat_map(|f| &f.value.columns)
        .filter(|c| c.value.formula.is_some())
        .filter_map(|c| c.value.figure())
        .collect()
}
