//! The money block: a row per fund source of the style (and a total row), a column per
//! measure (budget, 年初预算, 全年预算（A）, 全年执行（B）, 执行率, points, score, or a text).
//! Totals are SUM formulas over the source rows; the rate and the execution score are
//! formulas over the total row, so an edit in Excel updates them. The money is a project's or
//! the department-wide part's (`source: 部门整体`), printed alike.

use minijinja::Value;
use rust_decimal::Decimal;

use super::builder::Builder;
use super::cells::{self, money, money_sum_decimals, score, text_cell};
use super::error::PlanError;
use super::{Cell, Formula, Role, Row, RowKind};
use crate::check::{Dept, Eval, EvalRow, Funds, Proj, Wide};
use crate::style::{AlignSpec, IndicatorSource, MeasureRows, MoneySpec, SourceRows, TotalPosition};

/// One printed row of the block: a source (by key) or the total.
enum Line {
    Source(String),
    Total,
}

/// Whose money a block prints: a project's (its 资金 and 自评), a project's 中期资金, or the
/// department-wide part's (`部门整体`), each bound to the data in the twin.
pub struct Owner<'p, 'a> {
    funds: &'p Funds,
    eval: Option<&'p Eval<'a>>,
    project: Option<&'p Proj<'a>>,
    /// Where its amounts are in the data.
    root: Root<'p, 'a>,
}

/// The data paths of an owner's amounts.
enum Root<'p, 'a> {
    /// `项目[p].资金.<来源>`, `项目[p].自评.资金.<来源>.<数>`.
    Project(&'p Proj<'a>),
    /// `项目[p].中期资金.<来源>`.
    Mid(&'p Proj<'a>),
    /// `部门整体.资金.<来源>`, `部门整体.自评.资金.<来源>.<数>`.
    Wide(&'p Wide<'a>),
}

impl<'p, 'a> Owner<'p, 'a> {
    /// Whose money a block of `source` prints in a section of `dept` (and of `project`, in a
    /// per-project document); `None` where there is none to print.
    pub fn of(
        source: IndicatorSource,
        dept: &'p Dept<'a>,
        project: Option<&'p Proj<'a>>,
    ) -> Option<Self> {
        match source {
            IndicatorSource::Project => project.map(Owner::project),
            IndicatorSource::DepartmentWide => dept.wide.as_ref().map(Owner::wide),
            IndicatorSource::MidTerm => project.and_then(Owner::mid),
        }
    }

    pub fn project(p: &'p Proj<'a>) -> Self {
        Owner {
            funds: &p.funds,
            eval: p.eval.as_ref(),
            project: Some(p),
            root: Root::Project(p),
        }
    }

    /// A project's 中期资金 (no self-evaluation figures), where written.
    pub fn mid(p: &'p Proj<'a>) -> Option<Self> {
        Some(Owner {
            funds: p.mid_funds.as_ref()?,
            eval: None,
            project: None,
            root: Root::Mid(p),
        })
    }

    pub fn wide(w: &'p Wide<'a>) -> Self {
        Owner {
            funds: &w.funds,
            eval: w.eval.as_ref(),
            project: None,
            root: Root::Wide(w),
        }
    }
}

pub fn plan(b: &mut Builder, spec: &MoneySpec, ctx: &Value, p: &Owner) -> Result<(), PlanError> {
    let style = b.style();
    let eval = p.eval;
    let sources: Vec<(String, String)> = style
        .style
        .funds
        .sources
        .iter()
        .filter(|s| {
            spec.sources == SourceRows::All
                || p.funds.get(&s.key.value).is_some()
                || eval.is_some_and(|e| e.row(&s.key.value).is_some())
        })
        .map(|s| {
            let label = spec
                .labels
                .get(&s.key.value)
                .or(s.label.as_ref())
                .cloned()
                .unwrap_or_else(|| s.key.value.clone());
            (s.key.value.clone(), label)
        })
        .collect();
    let mut lines: Vec<Line> = sources
        .iter()
        .map(|(k, _)| Line::Source(k.clone()))
        .collect();
    match spec.total.as_ref().map(|t| t.position) {
        Some(TotalPosition::First) => lines.insert(0, Line::Total),
        Some(TotalPosition::Last) => lines.push(Line::Total),
        None => {}
    }
    let block_rows = lines.len() + usize::from(spec.header);
    let first_row = b.sheet.rows.len();
    let label_cols = if spec.label.is_some() {
        spec.label_span
    } else {
        0
    };
    let row_label_col = label_cols;
    let mut starts = Vec::new();
    let mut col = label_cols + spec.row_label_span;
    for m in &spec.measures {
        starts.push(col);
        col += m.span.max(1);
    }
    let block_label = match &spec.label {
        Some(l) => {
            Some(text_cell(0, b.render(l, ctx)?, true, None).span(block_rows, spec.label_span))
        }
        None => None,
    };
    let mut leading = block_label;
    if spec.header {
        let mut cells: Vec<Cell> = leading.take().into_iter().collect();
        let corner = match &spec.corner {
            Some(c) => text_cell(row_label_col, b.render(c, ctx)?, true, None),
            None => Cell::empty(row_label_col),
        };
        cells.push(corner.span(1, spec.row_label_span));
        for (m, &c) in spec.measures.iter().zip(&starts) {
            cells.push(text_cell(c, b.render(&m.label, ctx)?, true, None).span(1, m.span));
        }
        b.sheet.rows.push(Row::new(RowKind::Body, cells));
    }
    // Rows of the sources and of the total, for the formulas.
    let row_of = |i: usize| first_row + usize::from(spec.header) + i;
    let source_rows: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| matches!(l, Line::Source(_)))
        .map(|(i, _)| row_of(i))
        .collect();
    let total_row = lines
        .iter()
        .position(|l| matches!(l, Line::Total))
        .map(row_of);
    let col_of = |field: &str| {
        spec.measures
            .iter()
            .zip(&starts)
            .find(|(m, _)| m.field.as_ref().is_some_and(|f| f.value == field))
            .map(|(_, &c)| c)
    };
    let (budget_col, executed_col) = (col_of("全年预算"), col_of("全年执行"));
    let ex = &style.style.execution;
    for line in &lines {
        let mut cells: Vec<Cell> = leading.take().into_iter().collect();
        let (label, key) = match line {
            Line::Source(k) => (
                sources
                    .iter()
                    .find(|(s, _)| s == k)
                    .map(|(_, l)| l.clone())
                    .unwrap_or_default(),
                Some(k.as_str()),
            ),
            Line::Total => (
                match &spec.total {
                    Some(t) => b.render(&t.label, ctx)?,
                    None => String::new(),
                },
                None,
            ),
        };
        cells.push(text_cell(row_label_col, label, true, None).span(1, spec.row_label_span));
        for (m, &c) in spec.measures.iter().zip(&starts) {
            let applies = match (m.rows, key) {
                (MeasureRows::All, _) => true,
                (MeasureRows::Total, k) => k.is_none(),
                (MeasureRows::Sources, k) => k.is_some(),
            };
            let blank = |c: usize| match &m.blank {
                Some(t) => text_cell(c, t.clone(), false, Some(AlignSpec::Center)),
                None => Cell::empty(c),
            };
            if !applies {
                cells.push(blank(c).span(1, m.span));
                continue;
            }
            if let Some(t) = &m.text {
                let s = b.render(t, ctx)?;
                let cell = if s.is_empty() {
                    blank(c)
                } else {
                    text_cell(c, s, false, None)
                };
                cells.push(cell.span(1, m.span));
                continue;
            }
            let field = m.field.as_ref().map(|f| f.value.as_str()).unwrap_or("");
            let row_now = b.sheet.rows.len();
            let eval_row: Option<&EvalRow> = match key {
                Some(k) => eval.and_then(|e| e.row(k)),
                None => eval.map(|e| &e.total),
            };
            // A SUM over the source rows in this column, when the total row has sources.
            let sum = |v: Decimal, parts: Vec<Decimal>| {
                cells::money_formula(
                    style,
                    c,
                    source_rows.iter().map(|&r| (r, c)).collect(),
                    v,
                    money_sum_decimals(style, &parts),
                )
            };
            let amount = |v: Option<Decimal>| v.map_or_else(|| blank(c), |v| money(style, c, v));
            let cell = match (field, key) {
                ("预算", Some(k)) => amount(p.funds.get(k)),
                ("预算", None) if !p.funds.sources.is_empty() => sum(
                    p.funds.total,
                    p.funds.sources.iter().map(|(_, v)| *v).collect(),
                ),
                ("预算", None) => money(style, c, p.funds.total),
                ("年初预算" | "全年预算" | "全年执行", Some(_)) => {
                    amount(eval_row.and_then(|r| r.amount(field)))
                }
                ("年初预算" | "全年预算" | "全年执行", None) => {
                    let e = eval.filter(|e| !e.rows.is_empty());
                    match (e, eval_row.and_then(|r| r.amount(field))) {
                        (Some(e), Some(v)) => {
                            sum(v, e.rows.iter().filter_map(|r| r.amount(field)).collect())
                        }
                        (_, v) => amount(v),
                    }
                }
                ("执行率", _) => match (eval_row, eval_row.and_then(EvalRow::rate)) {
                    (Some(_), Some(q)) => match (budget_col, executed_col) {
                        (Some(bc), Some(ec)) => cells::formula(
                            c,
                            Formula::Ratio {
                                num: (row_now, ec),
                                den: (row_now, bc),
                            },
                            q,
                            true,
                            ex.rate_decimals,
                            Role::Percent,
                        ),
                        _ => cells::percent(c, q, ex.rate_decimals),
                    },
                    _ => blank(c),
                },
                ("执行分值", None) if eval.is_some() => score(c, ex.points.0),
                ("执行得分", None) => match eval {
                    Some(e) => {
                        b.sheet
                            .refs
                            .scores_of(p.project.is_none())
                            .push((row_now, c));
                        match (total_row, budget_col, executed_col) {
                            // A live formula where the printed score is the national rule's;
                            // a number otherwise (an override, or a full-marks threshold).
                            (Some(tr), Some(bc), Some(ec))
                                if !e.exec_overridden && ex.is_proportional() =>
                            {
                                cells::formula(
                                    c,
                                    Formula::CappedScore {
                                        points: ex.points.0,
                                        num: (tr, ec),
                                        den: (tr, bc),
                                        decimals: ex.decimals,
                                    },
                                    e.exec_score,
                                    false,
                                    e.exec_score.normalize().scale(),
                                    Role::Score,
                                )
                            }
                            _ => score(c, e.exec_score),
                        }
                    }
                    None => blank(c),
                },
                _ => blank(c),
            };
            let mut cell = cell;
            // Amounts the data gives (not the sums over the sources) are bound to it.
            if !matches!(
                cell.value,
                crate::plan::CellValue::Formula { .. }
                    | crate::plan::CellValue::Text
                    | crate::plan::CellValue::Empty
            ) && let Some((root, money)) = match &p.root {
                Root::Project(x) => b.project_index(x).map(|i| (format!("项目[{i}]"), "资金")),
                Root::Mid(x) => b
                    .project_index(x)
                    .map(|i| (format!("项目[{i}]"), "中期资金")),
                Root::Wide(_) => Some(("部门整体".to_string(), "资金")),
            } {
                let k = key.unwrap_or(crate::model::TOTAL_KEY);
                // A budget total the data does not state prints the sum: not data.
                let stated_total = || match &p.root {
                    Root::Project(_) => true,
                    Root::Mid(x) => x
                        .src
                        .mid_funds
                        .as_ref()
                        .is_some_and(|f| f.value.total().is_some()),
                    Root::Wide(w) => w.src.funds.value.total().is_some(),
                };
                let path = match field {
                    // (A project's total row is bound as it always was.)
                    "预算" => {
                        (key.is_some() || matches!(p.root, Root::Project(_)) || stated_total())
                            .then(|| format!("{root}.{money}.{k}"))
                    }
                    "年初预算" | "全年预算" | "全年执行" => {
                        Some(format!("{root}.自评.资金.{k}.{field}"))
                    }
                    _ => None,
                };
                cell.bind =
                    path.map(|path| crate::plan::Bind::whole(path, crate::plan::BindKind::Number));
            }
            cells.push(cell.span(1, m.span));
        }
        b.sheet.rows.push(Row::new(RowKind::Body, cells));
    }
    Ok(())
}
