//! 部门绩效自评项目清单 (F5, Anhui): every self-evaluated project with its 全年执行数, padded
//! rows, and a 合计 computed from exact decimals, its rounding stated once in a note.

use rust_decimal::Decimal;

use super::common::{self, fill, money};
use super::{Cell, Formula, Role, Row, RowKind, Section};
use crate::check::Dept;
use crate::compute::{fmt_decimal, round};
use crate::style::DocumentSpec;

pub fn section(dept: &Dept, spec: &DocumentSpec) -> Option<Section> {
    let evaluated: Vec<_> = dept.projects.iter().filter(|p| p.eval.is_some()).collect();
    if evaluated.is_empty() {
        return None;
    }
    let mut rows = vec![common::grid_header(spec)];
    let width = spec.columns.len();
    let starts = common::grid_starts(spec);
    let col_of = |f: &str| {
        spec.grid
            .iter()
            .position(|g| g.field == f)
            .map(|i| starts[i])
    };
    let amount_col = col_of("eval.executed").unwrap_or(2);
    let mut amount_cells = Vec::new();
    let mut amounts = Vec::new();
    for (i, p) in evaluated.iter().enumerate() {
        let b = p.eval.as_ref().map_or(Decimal::ZERO, |e| e.total.executed);
        amounts.push(b);
        amount_cells.push((rows.len(), amount_col));
        let cells = spec
            .grid
            .iter()
            .zip(&starts)
            .map(|(g, &c)| match g.field.as_str() {
                "index" => common::number_cell(c, Decimal::from(i + 1), 0, Role::Text),
                "name" => Cell::text(c, p.src.name.value.trim(), Role::Text),
                "eval.executed" => money(c, b),
                _ => Cell::empty(c),
            })
            .collect();
        rows.push(Row::new(RowKind::Body, cells));
    }
    while rows.len() - 1 < spec.min_rows {
        rows.push(Row::new(
            RowKind::Body,
            (0..width).map(Cell::empty).collect(),
        ));
    }
    let total: Decimal = amounts.iter().sum();
    let decimals = spec
        .total_decimals
        .unwrap_or_else(|| common::sum_scale(&amounts));
    let mut notes = Vec::new();
    if round(total, decimals) != total {
        notes.push(format!(
            "注：合计由各项目金额精确相加得 {} 万元，按四舍五入保留 {decimals} 位小数列示。",
            fmt_decimal(total)
        ));
    }
    let name_col = col_of("name").unwrap_or(1);
    let cells = (0..width)
        .map(|c| {
            if c == name_col {
                Cell::label(c, "合计")
            } else if c == amount_col {
                common::formula(
                    c,
                    Formula::Sum {
                        cells: amount_cells.clone(),
                    },
                    total,
                    false,
                    decimals,
                    Role::Money,
                )
            } else {
                Cell::empty(c)
            }
        })
        .collect();
    rows.push(Row::new(RowKind::Total, cells));
    Some(Section {
        notes,
        ..common::section(spec, dept, 0, fill(&spec.title, dept, 0), rows)
    })
}
