//! 部门预算项目绩效目标汇总表 (F3, Zhejiang): one table for the department, grouped by
//! implementing unit; each project's name and money cells merged down over its indicators;
//! notes and the signature line for the department's leader.

use rust_decimal::Decimal;

use super::common::{self, fill, money};
use super::{Cell, Formula, Role, Row, RowKind, Section};
use crate::check::Dept;
use crate::model::Source;
use crate::style::DocumentSpec;

pub fn section(dept: &Dept, spec: &DocumentSpec) -> Section {
    let width = spec.columns.len();
    let mut rows = Vec::new();
    // Two header rows: money columns grouped under one heading.
    let money_cols: Vec<usize> = spec
        .grid
        .iter()
        .enumerate()
        .filter(|(_, g)| g.field.starts_with("funds."))
        .map(|(i, _)| i)
        .collect();
    let group_label = spec.labels.get("money_group");
    let (mut top, mut second) = (Vec::new(), Vec::new());
    for (i, g) in spec.grid.iter().enumerate() {
        let in_group = group_label.is_some() && money_cols.contains(&i);
        if in_group {
            if Some(&i) == money_cols.first() {
                top.push(
                    Cell::label(i, group_label.cloned().unwrap_or_default())
                        .span(1, money_cols.len()),
                );
            }
            second.push(Cell::label(i, g.label.clone()));
        } else {
            let rs = if group_label.is_some() && !money_cols.is_empty() {
                2
            } else {
                1
            };
            top.push(Cell::label(i, g.label.clone()).span(rs, 1));
        }
    }
    rows.push(Row::new(RowKind::Header, top));
    if !second.is_empty() && group_label.is_some() {
        rows.push(Row::new(RowKind::Header, second));
    }
    // Units in order of first appearance.
    let mut units: Vec<String> = Vec::new();
    for p in &dept.projects {
        let u = p
            .src
            .unit
            .as_ref()
            .map(|t| t.value.trim().to_string())
            .unwrap_or_default();
        if !units.contains(&u) {
            units.push(u);
        }
    }
    for unit in &units {
        if !unit.is_empty() {
            let mut cells = vec![Cell::text(0, unit.clone(), Role::Text)];
            cells.extend((1..width).map(Cell::empty));
            rows.push(Row::new(RowKind::Body, cells));
        }
        for p in dept
            .projects
            .iter()
            .filter(|p| p.src.unit.as_ref().map(|t| t.value.trim()).unwrap_or("") == unit.as_str())
        {
            let n = p.indicators.len().max(1);
            let first = rows.len();
            for k in 0..n {
                let mut cells = Vec::new();
                let mut source_refs = Vec::new();
                let mut total_idx = None;
                for (i, g) in spec.grid.iter().enumerate() {
                    let field = g.field.as_str();
                    if let Some(key) = field.strip_prefix("funds.") {
                        if k > 0 {
                            continue;
                        }
                        let cell = if key == "total" {
                            total_idx = Some(cells.len());
                            money(i, p.funds.total)
                        } else {
                            source_refs.push((first, i));
                            match Source::from_key(key).and_then(|s| p.funds.get(s)) {
                                Some(v) => money(i, v),
                                None => Cell::empty(i),
                            }
                        };
                        cells.push(cell.span(n, 1));
                        continue;
                    }
                    if i == 0 {
                        if k == 0 {
                            cells.push(
                                Cell::text(0, p.src.name.value.trim(), Role::Text).span(n, 1),
                            );
                        }
                        continue;
                    }
                    let cell = match p.indicators.get(k) {
                        Some(ind) if field == "level1" => {
                            common::centred(i, dept.style.label(&ind.level1))
                        }
                        Some(ind) => common::indicator_cell(dept, ind, field, i),
                        None => Cell::empty(i),
                    };
                    cells.push(cell);
                }
                if let (Some(ti), false) = (total_idx, p.funds.sources.is_empty()) {
                    let values: Vec<Decimal> = p.funds.sources.iter().map(|(_, v)| *v).collect();
                    let col = cells[ti].col;
                    cells[ti] = common::formula(
                        col,
                        Formula::Sum { cells: source_refs },
                        p.funds.total,
                        false,
                        common::sum_scale(&values),
                        Role::Money,
                    )
                    .span(n, 1);
                }
                rows.push(Row::new(RowKind::Body, cells));
            }
        }
    }
    let notes_label = spec
        .labels
        .get("notes_label")
        .cloned()
        .unwrap_or_else(|| "备注：".into());
    let notes: Vec<String> = if dept.src.notes.is_empty() {
        Vec::new()
    } else {
        let body: Vec<String> = dept
            .src
            .notes
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}、{}", i + 1, t.value.trim()))
            .collect();
        vec![format!("{notes_label}{}", body.join(""))]
    };
    let sig = dept.src.signatures.as_ref();
    let mut signature = Vec::new();
    for (key, value) in [
        ("leader", sig.and_then(|s| s.leader.as_ref())),
        ("clerk", sig.and_then(|s| s.clerk.as_ref())),
        ("phone", sig.and_then(|s| s.phone.as_ref())),
    ] {
        if let Some(l) = spec.labels.get(key) {
            signature.push((
                l.clone(),
                value
                    .map(|v| v.value.trim().to_string())
                    .unwrap_or_default(),
            ));
        }
    }
    Section {
        notes,
        signature,
        ..common::section(spec, dept, 0, fill(&spec.title, dept, 0), rows)
    }
}
