//! 项目支出绩效自评表 (F4, Anhui): header block, the money block with 年初预算数 · 全年预算数（A）
//! · 全年执行数（B） · 分值 · 执行率 · 得分, the overall goal and outcome, then the indicator grid
//! with vertical 一级 labels carrying their points, numbered 三级, padded rows, and 总分.

use rust_decimal::Decimal;

use super::common::{self, grid_header, grid_starts, indicator_cell, money, score};
use super::{Cell, Formula, Role, Row, RowKind, Section};
use crate::check::{Dept, Proj};
use crate::model::Source;
use crate::style::DocumentSpec;

/// The printed label of a money row.
fn source_label(s: Source) -> &'static str {
    match s {
        Source::Fiscal | Source::General => "其中：本年财政拨款",
        Source::GovFund => "政府性基金",
        Source::Special => "专户资金",
        Source::CarryOver => "上年结转资金",
        Source::Other => "其他资金",
    }
}

pub fn sections(dept: &Dept, spec: &DocumentSpec) -> Vec<Section> {
    dept.projects
        .iter()
        .filter(|p| p.eval.is_some())
        .enumerate()
        .map(|(i, p)| section(dept, spec, p, i + 1))
        .collect()
}

fn section(dept: &Dept, spec: &DocumentSpec, p: &Proj, n: usize) -> Section {
    let e = p.eval.as_ref().expect("filtered");
    let width = spec.columns.len();
    let mut rows: Vec<Row> = Vec::new();
    let text = |c: usize, s: &str| Cell::text(c, s.trim(), Role::Text);
    rows.push(Row::new(
        RowKind::Body,
        vec![
            Cell::label(0, "项目名称"),
            text(1, &p.src.name.value).span(1, width - 1),
        ],
    ));
    let opt =
        |o: &Option<crate::model::Text>| o.as_ref().map(|t| t.value.clone()).unwrap_or_default();
    rows.push(Row::new(
        RowKind::Body,
        vec![
            Cell::label(0, "主管部门"),
            text(1, &opt(&p.src.supervisor)).span(1, 3),
            Cell::label(4, "实施单位"),
            text(5, &opt(&p.src.unit)).span(1, width - 5),
        ],
    ));
    // Money block.
    let sources: Vec<Source> = dept
        .style
        .style
        .money_sources
        .iter()
        .filter_map(|k| Source::from_key(k))
        .collect();
    let money_rows = 2 + sources.len();
    let head = rows.len();
    rows.push(Row::new(
        RowKind::Body,
        vec![
            Cell::label(0, "项目资金\n（万元）").span(money_rows, 1),
            Cell::empty(1).span(1, 2),
            Cell::label(3, "年初预算数"),
            Cell::label(4, "全年预算数（A）"),
            Cell::label(5, "全年执行数（B）"),
            Cell::label(6, "分值"),
            Cell::label(7, "执行率（B/A)"),
            Cell::label(8, "得分"),
        ],
    ));
    let total_row = rows.len();
    let first_source_row = total_row + 1;
    let amount = |c: usize, v: Option<Decimal>| v.map_or_else(|| Cell::empty(c), |v| money(c, v));
    // Totals: SUM formulas over the source rows that carry amounts.
    // Every source row is part of the totals, filled or not, so a figure typed into an
    // empty cell in Excel updates them.
    let filled_rows: Vec<usize> = if e.rows.is_empty() {
        Vec::new()
    } else {
        (0..sources.len()).map(|k| first_source_row + k).collect()
    };
    let sum_cell = |c: usize, v: Option<Decimal>, parts: Vec<Decimal>| match v {
        Some(v) if !filled_rows.is_empty() => common::formula(
            c,
            Formula::Sum {
                cells: filled_rows.iter().map(|&r| (r, c)).collect(),
            },
            v,
            false,
            common::sum_scale(&parts),
            Role::Money,
        ),
        _ => amount(c, v),
    };
    let parts = |f: fn(&crate::check::EvalRow) -> Option<Decimal>| {
        e.rows.iter().filter_map(f).collect::<Vec<_>>()
    };
    let ex = &dept.style.style.execution;
    let rate_cell = common::formula(
        7,
        Formula::Ratio {
            num: (total_row, 5),
            den: (total_row, 4),
        },
        e.rate,
        true,
        2,
        Role::Percent,
    );
    // A live formula where the printed score is the national rule's; a number otherwise
    // (an override, or a regional full-marks threshold a formula would not express).
    let exec_cell = if !e.exec_overridden && ex.full_marks_from.is_none() {
        common::formula(
            8,
            Formula::CappedScore {
                points: ex.points.0,
                num: (total_row, 5),
                den: (total_row, 4),
                decimals: ex.decimals,
            },
            e.exec_score,
            false,
            e.exec_score.normalize().scale(),
            Role::Score,
        )
    } else {
        score(8, e.exec_score)
    };
    rows.push(Row::new(
        RowKind::Body,
        vec![
            Cell::text(1, "年度资金总额：", Role::Label).span(1, 2),
            sum_cell(3, e.total.initial, parts(|r| r.initial)),
            sum_cell(4, Some(e.total.budget), parts(|r| Some(r.budget))),
            sum_cell(5, Some(e.total.executed), parts(|r| Some(r.executed))),
            score(6, ex.points.0),
            rate_cell,
            exec_cell,
        ],
    ));
    for s in &sources {
        let r = e.rows.iter().find(|r| r.source == Some(*s));
        rows.push(Row::new(
            RowKind::Body,
            vec![
                Cell::text(1, source_label(*s), Role::Label).span(1, 2),
                amount(3, r.and_then(|r| r.initial)),
                amount(4, r.map(|r| r.budget)),
                amount(5, r.map(|r| r.executed)),
                Cell::empty(6),
                Cell::empty(7),
                Cell::empty(8),
            ],
        ));
    }
    debug_assert_eq!(rows.len(), head + money_rows);
    // Overall goal and outcome.
    let goals = common::goals_text(p);
    rows.push(Row::new(
        RowKind::Body,
        vec![
            Cell::label(0, "年度总体目标完成情况").span(2, 1),
            Cell::label(1, "预期目标").span(1, 4),
            Cell::label(5, "实际完成情况").span(1, width - 5),
        ],
    ));
    rows.push(Row::new(
        RowKind::Body,
        vec![
            text(1, &goals).span(1, 4),
            text(5, &e.src.outcome.value).span(1, width - 5),
        ],
    ));
    rows.push(Row::new(
        RowKind::Body,
        vec![Cell::label(0, "年度绩效指标完成情况").span(1, width)],
    ));
    rows.push(grid_header(spec));
    // Indicator grid.
    let starts = grid_starts(spec);
    let per_l1 = dept.style.style.weights.as_ref().map(|w| &w.per_level1);
    let mut score_cells = vec![(total_row, 8)];
    let mut weight_total = ex.points.0;
    for (l1, groups) in common::group(dept, p, dept.style.style.print_empty_level2) {
        let rows_of = |n: usize| n.max(spec.min_rows_per_level2) + usize::from(spec.ellipsis_row);
        let l1_rows: usize = groups.iter().map(|(_, inds)| rows_of(inds.len())).sum();
        let points = per_l1
            .and_then(|m| m.get(&l1).map(|d| d.0))
            .unwrap_or_else(|| {
                groups
                    .iter()
                    .flat_map(|(_, inds)| inds.iter().filter_map(|i| i.weight))
                    .sum()
            });
        let mut first_in_l1 = true;
        for (l2, inds) in &groups {
            let n = rows_of(inds.len());
            for k in 0..n {
                let ellipsis = spec.ellipsis_row && k == n - 1;
                let mut cells = Vec::new();
                for (g, &c) in spec.grid.iter().zip(&starts) {
                    let cell = match g.field.as_str() {
                        "level1" if first_in_l1 && k == 0 => Cell::label(
                            c,
                            format!("{}({}分)", dept.style.label(&l1), points.normalize()),
                        )
                        .span(l1_rows, g.span)
                        .vertical(),
                        "level2" if k == 0 => Cell::label(
                            c,
                            l2.as_deref()
                                .map(|l| dept.style.label(l))
                                .unwrap_or_default(),
                        )
                        .span(n, g.span),
                        "level1" | "level2" => continue,
                        "name" if ellipsis => common::centred(c, "……").span(1, g.span),
                        "name" => {
                            let name = inds.get(k).map(|i| i.src.name.value.trim()).unwrap_or("");
                            Cell::text(c, format!("指标{}：{name}", k + 1), Role::Text)
                                .span(1, g.span)
                        }
                        field => match inds.get(k).filter(|_| !ellipsis) {
                            Some(ind) => {
                                if field == "score" && ind.result.is_some() {
                                    score_cells.push((rows.len(), c));
                                }
                                indicator_cell(dept, ind, field, c).span(1, g.span)
                            }
                            None => Cell::empty(c).span(1, g.span),
                        },
                    };
                    cells.push(cell);
                }
                first_in_l1 = false;
                rows.push(Row::new(RowKind::Body, cells));
            }
        }
        weight_total += points;
    }
    let score_col = starts[spec
        .grid
        .iter()
        .position(|g| g.field == "score")
        .unwrap_or(0)];
    let weight_col = starts[spec
        .grid
        .iter()
        .position(|g| g.field == "weight")
        .unwrap_or(0)];
    let mut total = common::formula(
        score_col,
        Formula::Sum { cells: score_cells },
        e.total_score,
        false,
        e.total_score.normalize().scale(),
        Role::Score,
    );
    total.text = e.total_score.normalize().to_string();
    let mut total_cells = vec![
        Cell::label(0, "总分").span(1, weight_col),
        score(weight_col, weight_total),
        total,
    ];
    if score_col + 1 < width {
        total_cells.push(Cell::empty(score_col + 1).span(1, width - score_col - 1));
    }
    rows.push(Row::new(RowKind::Total, total_cells));
    common::section(spec, dept, n, p.src.name.value.trim().to_string(), rows)
}
