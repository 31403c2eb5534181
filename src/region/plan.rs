//! A region's summaries as table plans: one row per department, a 合计 row computed from the
//! same figures, lists and a chart; the PDF and xlsx renderers draw them like any table.

use minijinja::Value;
use rust_decimal::Decimal;

use super::Region;
use super::figures::{DeptFigures, EvalFigures, GRADES, WideFigures};
use super::style::{Kind, LoadedRegionStyle, Only, RegionDoc, field_kind};
use crate::plan::cells::{Heading, heading_rows};
use crate::plan::context::{Vars, context, format_number};
use crate::plan::{
    Align, Cell, CellValue, Chart, Document, Formula, PlanError, Role, Row, RowKind, Section,
};
use crate::style::{AlignSpec, SText};

/// Plans every document of `style` for the departments of `year`.
pub fn plan(
    region: &Region,
    style: &LoadedRegionStyle,
    year: u32,
    depts: &[&DeptFigures],
) -> Result<Vec<Document>, PlanError> {
    let evaluated = depts.iter().any(|d| !d.refused && d.eval.is_some());
    let wide_evaluated = depts
        .iter()
        .any(|d| !d.refused && d.wide.as_ref().is_some_and(|w| w.eval.is_some()));
    let mut docs = Vec::new();
    for spec in &style.style.documents {
        let wanted = match spec.only {
            Only::All => true,
            Only::Evaluated => evaluated,
            Only::DepartmentWideEvaluated => wide_evaluated,
        };
        if !wanted {
            continue;
        }
        docs.push(document(region, style, spec, year, depts)?);
    }
    Ok(docs)
}

fn document(
    region: &Region,
    style: &LoadedRegionStyle,
    spec: &RegionDoc,
    year: u32,
    depts: &[&DeptFigures],
) -> Result<Document, PlanError> {
    let mut top = Vars::new();
    top.insert("地区", Value::from(region.name()));
    top.insert("编制单位", Value::from(region.office()));
    top.insert("年度", Value::from(year));
    let render = |t: &SText, extra: &[&Vars]| -> Result<String, PlanError> {
        let mut layers: Vec<&Vars> = vec![&top];
        layers.extend_from_slice(extra);
        style
            .patterns
            .render(&t.value, &context(&layers))
            .map_err(|e| PlanError::RegionPattern {
                style: style.key.clone(),
                pattern: t.value.clone(),
                reason: crate::style::jinja_errors::error_zh(&e),
            })
    };
    let opt = |t: &Option<SText>| -> Result<Option<String>, PlanError> {
        t.as_ref().map(|t| render(t, &[])).transpose()
    };
    let table = &spec.table;
    // Money is printed with the style's decimals (the total: the exact sum, rounded).
    let decimals = style.style.decimals;
    // The heading: a group spans its adjacent columns; ungrouped labels span both lines.
    let mut heading = Vec::new();
    for col in table {
        let group = match &col.group {
            Some(g) => Some((g.value.clone(), render(g, &[])?)),
            None => None,
        };
        heading.push(Heading {
            label: render(&col.label, &[])?,
            group,
        });
    }
    let mut rows = heading_rows(&heading);
    let body_start = rows.len();
    for (n, d) in depts.iter().enumerate() {
        let vars = dept_vars(d);
        let mut cells = Vec::new();
        for (c, col) in table.iter().enumerate() {
            let cell = match (&col.field, &col.text) {
                (Some(f), _) => {
                    figure_cell(c, f.value.trim(), Some(n + 1), Some(d), None, decimals)
                }
                (None, Some(t)) => Cell::text(c, render(t, &[&vars])?, Role::Text),
                (None, None) => Cell::empty(c),
            };
            cells.push(aligned(cell, col.align));
        }
        rows.push(Row {
            grid: None,
            kind: RowKind::Body,
            cells,
        });
    }
    let body_end = rows.len();
    if let Some(label) = &spec.total {
        let region_total = total(depts);
        let label_col = table.iter().position(|c| {
            c.field
                .as_ref()
                .is_some_and(|f| field_kind(f.value.trim()) == Some(Kind::Text))
        });
        let mut cells = Vec::new();
        for (c, col) in table.iter().enumerate() {
            let cell = if Some(c) == label_col {
                Cell::label(c, render(label, &[])?)
            } else {
                match &col.field {
                    Some(f) if f.value.trim() != "序号" => {
                        let mut cell = figure_cell(
                            c,
                            f.value.trim(),
                            None,
                            None,
                            Some(&region_total),
                            decimals,
                        );
                        // Sums stay sums in the xlsx.
                        if let (
                            CellValue::Number {
                                value, decimals, ..
                            },
                            Some(Kind::Count | Kind::Money),
                        ) = (&cell.value, field_kind(f.value.trim()))
                        {
                            cell.value = CellValue::Formula {
                                expr: Formula::Sum {
                                    cells: (body_start..body_end).map(|r| (r, c)).collect(),
                                },
                                result: *value,
                                percent: false,
                                decimals: *decimals,
                                thousands: false,
                            };
                        }
                        cell
                    }
                    _ => Cell::empty(c),
                }
            };
            cells.push(aligned(cell, col.align));
        }
        rows.push(Row {
            grid: None,
            kind: RowKind::Total,
            cells,
        });
    }
    let mut notes = Vec::new();
    for list in &spec.lists {
        let items: Vec<(&str, &str, Decimal)> = depts
            .iter()
            .filter(|d| !d.refused)
            .flat_map(|d| {
                d.eval
                    .iter()
                    .flat_map(|e| e.low.iter())
                    .map(|(p, s)| (d.name.as_str(), p.as_str(), *s))
            })
            .collect();
        if items.is_empty() {
            if let Some(e) = &list.empty {
                notes.push(render(e, &[])?);
            }
            continue;
        }
        notes.push(render(&list.title, &[])?);
        for (n, (dept, project, score)) in items.iter().enumerate() {
            let mut v = Vars::new();
            v.insert("部门", Value::from(*dept));
            v.insert("项目", Value::from(*project));
            v.insert("得分", Value::from(format_number(*score, 2, false)));
            v.insert("n", Value::from(n + 1));
            notes.push(render(&list.item, &[&v])?);
        }
    }
    for n in &spec.notes {
        notes.push(render(n, &[])?);
    }
    let chart = match &spec.chart {
        Some(c) => {
            let column = table
                .iter()
                .position(|col| col.field.as_ref().is_some_and(|f| f.value == c.field.value))
                .ok_or_else(|| PlanError::ChartField {
                    style: style.key.clone(),
                    field: c.field.value.clone(),
                })?;
            let values = depts
                .iter()
                .map(|d| figure(c.field.value.trim(), d))
                .collect();
            let texts = (body_start..body_end)
                .map(|r| {
                    rows[r]
                        .cells
                        .iter()
                        .find(|cell| cell.col == column)
                        .map_or_else(String::new, |cell| cell.text.clone())
                })
                .collect();
            Some(Chart {
                title: render(&c.title, &[])?,
                texts,
                labels: depts.iter().map(|d| d.name.clone()).collect(),
                values,
                lines: c.lines.clone(),
                max: c.max,
                column,
                rows: (body_start..body_end).collect(),
                label_column: table
                    .iter()
                    .position(|col| {
                        col.field
                            .as_ref()
                            .is_some_and(|f| field_kind(f.value.trim()) == Some(Kind::Text))
                    })
                    .unwrap_or(0),
            })
        }
        None => None,
    };
    let title = render(&spec.title, &[])?;
    let section = Section {
        name: title.clone(),
        heading: None,
        title: title.clone(),
        subtitle: opt(&spec.subtitle)?,
        unit_line: opt(&spec.unit_line)?,
        unit_note: opt(&spec.unit_note)?,
        columns: spec.columns.value.clone(),
        rows,
        notes,
        signature: region.signatures(),
        chart,
    };
    Ok(Document {
        kind: spec.kind.clone(),
        style: style.key.clone(),
        template: format!("{}/{}", style.key, spec.template.value),
        file_stem: render(&spec.file, &[])?,
        title: title.clone(),
        author: region.office().to_string(),
        subject: opt(&spec.subject)?.unwrap_or_else(|| title.clone()),
        keywords: spec
            .keywords
            .iter()
            .map(|k| render(k, &[]))
            .collect::<Result<_, _>>()?,
        department: region.name().to_string(),
        year: u16::try_from(year).unwrap_or(u16::MAX),
        landscape: spec.landscape,
        fit_page: false,
        preamble: None,
        sections: vec![section],
    })
}

/// `部门` for a row's text patterns.
fn dept_vars(d: &DeptFigures) -> Vars {
    let mut m = std::collections::BTreeMap::new();
    m.insert("名称".to_string(), Value::from(d.name.as_str()));
    m.insert("项目数".to_string(), Value::from(d.projects));
    m.insert("指标数".to_string(), Value::from(d.indicators));
    m.insert("错误数".to_string(), Value::from(d.errors));
    m.insert("警告数".to_string(), Value::from(d.warnings));
    m.insert("有错误".to_string(), Value::from(d.refused));
    m.insert("有自评".to_string(), Value::from(d.eval.is_some()));
    m.insert("有部门整体".to_string(), Value::from(d.wide.is_some()));
    m.insert(
        "有部门整体自评".to_string(),
        Value::from(d.wide.as_ref().is_some_and(|w| w.eval.is_some())),
    );
    let mut v = Vars::new();
    v.insert("部门", Value::from(minijinja::value::Serde(&m)));
    v
}

/// The region's own figures for the 合计 row.
struct RegionTotal {
    projects: usize,
    indicators: usize,
    errors: usize,
    warnings: usize,
    money: Vec<(String, Decimal)>,
    money_total: Decimal,
    eval: Option<EvalFigures>,
    wide: WideTotal,
}

/// The region's figures of the departments' 部门整体 parts.
#[derive(Default)]
struct WideTotal {
    /// Departments with a 部门整体, and their money.
    parts: usize,
    money_total: Decimal,
    /// Departments whose 部门整体 has a self-evaluation, their money, and of those with a
    /// 总分 the number and sum.
    evaluated: usize,
    budget: Decimal,
    executed: Decimal,
    scored: usize,
    score_sum: Decimal,
}

impl WideTotal {
    fn add(&mut self, w: &WideFigures) {
        self.parts += 1;
        self.money_total = self.money_total.saturating_add(w.money_total);
        let Some(e) = &w.eval else { return };
        self.evaluated += 1;
        self.budget = self.budget.saturating_add(e.budget);
        self.executed = self.executed.saturating_add(e.executed);
        if let Some(s) = e.score {
            self.scored += 1;
            self.score_sum = self.score_sum.saturating_add(s);
        }
    }
}

fn total(depts: &[&DeptFigures]) -> RegionTotal {
    let mut t = RegionTotal {
        projects: 0,
        indicators: 0,
        errors: 0,
        warnings: 0,
        money: Vec::new(),
        money_total: Decimal::ZERO,
        eval: None,
        wide: WideTotal::default(),
    };
    for d in depts {
        t.projects += d.projects;
        t.indicators += d.indicators;
        t.errors += d.errors;
        t.warnings += d.warnings;
        if d.refused {
            continue;
        }
        t.money_total = t.money_total.saturating_add(d.money_total);
        for (k, v) in &d.money {
            match t.money.iter_mut().find(|(x, _)| x == k) {
                Some(slot) => slot.1 = slot.1.saturating_add(*v),
                None => t.money.push((k.clone(), *v)),
            }
        }
        if let Some(e) = &d.eval {
            let _ = t.eval.get_or_insert_with(EvalFigures::default).add(e);
        }
        if let Some(w) = &d.wide {
            t.wide.add(w);
        }
    }
    t
}

/// A figure of a department as a number (for the chart), `None` where it has none.
fn figure(field: &str, d: &DeptFigures) -> Option<Decimal> {
    match figure_cell(0, field, None, Some(d), None, 2).value {
        CellValue::Number { value, .. } | CellValue::Percent { value, .. } => Some(value),
        _ => None,
    }
}

/// The cell of `field` for a department row (`dept`, numbered `n`) or the total row.
fn figure_cell(
    col: usize,
    field: &str,
    n: Option<usize>,
    dept: Option<&DeptFigures>,
    region: Option<&RegionTotal>,
    decimals: u32,
) -> Cell {
    let count = |v: usize| number(col, Decimal::from(v), 0);
    let money = |v: Option<Decimal>| match v {
        Some(v) => number(col, v, decimals),
        None => Cell::empty(col),
    };
    let refused = dept.is_some_and(|d| d.refused);
    let eval: Option<&EvalFigures> = match (dept, region) {
        (Some(d), _) if !d.refused => d.eval.as_ref(),
        (None, Some(r)) => r.eval.as_ref(),
        _ => None,
    };
    let pick = |d: fn(&DeptFigures) -> usize, r: fn(&RegionTotal) -> usize| match (dept, region) {
        (Some(x), _) => d(x),
        (None, Some(x)) => r(x),
        _ => 0,
    };
    match field {
        "序号" => n.map_or_else(|| Cell::empty(col), count),
        "部门.名称" => Cell::text(col, dept.map_or("", |d| d.name.as_str()), Role::Text),
        "部门.项目数" => count(pick(|d| d.projects, |r| r.projects)),
        "部门.指标数" => count(pick(|d| d.indicators, |r| r.indicators)),
        "部门.错误数" => count(pick(|d| d.errors, |r| r.errors)),
        "部门.警告数" => count(pick(|d| d.warnings, |r| r.warnings)),
        "部门.资金.合计" if refused => Cell::empty(col),
        "部门.资金.合计" => money(
            dept.map(|d| d.money_total)
                .or(region.map(|r| r.money_total)),
        ),
        f if f.starts_with("部门.资金.") => {
            if refused {
                return Cell::empty(col);
            }
            let key = &f["部门.资金.".len()..];
            let list = dept.map(|d| &d.money).or(region.map(|r| &r.money));
            money(list.and_then(|m| m.iter().find(|(k, _)| k == key).map(|(_, v)| *v)))
        }
        "自评.项目数" => eval.map_or_else(|| Cell::empty(col), |e| count(e.projects)),
        "自评.全年预算" => money(eval.map(|e| e.budget)),
        "自评.全年执行" => money(eval.map(|e| e.executed)),
        "自评.执行率" => match eval.and_then(EvalFigures::rate) {
            Some(r) => percent(col, r),
            None => Cell::empty(col),
        },
        "自评.平均分" => score(col, eval.and_then(EvalFigures::average)),
        "自评.加权平均分" => score(col, eval.and_then(EvalFigures::weighted_average)),
        w if w.starts_with("部门整体.") => wide_cell(col, w, dept, region, decimals),
        g if g.starts_with("自评.") => {
            let grade = &g["自评.".len()..];
            match (GRADES.iter().position(|x| *x == grade), eval) {
                (Some(i), Some(e)) => count(e.grades[i]),
                _ => Cell::empty(col),
            }
        }
        _ => Cell::empty(col),
    }
}

/// The cell of a `部门整体.` field: a department's own figure, or the region's (sums of money,
/// the rate of the sums, the average of the departments' 总分; no grade); money with the
/// style's decimals.
fn wide_cell(
    col: usize,
    field: &str,
    dept: Option<&DeptFigures>,
    region: Option<&RegionTotal>,
    decimals: u32,
) -> Cell {
    let money = |v: Option<Decimal>| match v {
        Some(v) => number(col, v, decimals),
        None => Cell::empty(col),
    };
    let rate = |budget: Decimal, executed: Decimal| match (!budget.is_zero())
        .then(|| executed.checked_div(budget))
        .flatten()
    {
        Some(r) => percent(col, r),
        None => Cell::empty(col),
    };
    match (dept, region) {
        (Some(d), _) => {
            let w = if d.refused { None } else { d.wide.as_ref() };
            let e = w.and_then(|w| w.eval.as_ref());
            match field {
                "部门整体.资金.合计" => money(w.map(|w| w.money_total)),
                "部门整体.全年预算" => money(e.map(|e| e.budget)),
                "部门整体.全年执行" => money(e.map(|e| e.executed)),
                "部门整体.执行率" => {
                    e.map_or_else(|| Cell::empty(col), |e| rate(e.budget, e.executed))
                }
                "部门整体.总分" => score(col, e.and_then(|e| e.score)),
                "部门整体.等级" => match e.and_then(|e| e.grade.as_deref()) {
                    Some(g) => Cell::text(col, g, Role::Text).align(Align::Center),
                    None => Cell::empty(col),
                },
                _ => Cell::empty(col),
            }
        }
        (None, Some(r)) => {
            let w = &r.wide;
            let evaluated = w.evaluated > 0;
            match field {
                "部门整体.资金.合计" => money((w.parts > 0).then_some(w.money_total)),
                "部门整体.全年预算" => money(evaluated.then_some(w.budget)),
                "部门整体.全年执行" => money(evaluated.then_some(w.executed)),
                "部门整体.执行率" if evaluated => rate(w.budget, w.executed),
                "部门整体.总分" => score(
                    col,
                    (w.scored > 0)
                        .then(|| w.score_sum.checked_div(Decimal::from(w.scored)))
                        .flatten(),
                ),
                _ => Cell::empty(col),
            }
        }
        (None, None) => Cell::empty(col),
    }
}

fn number(col: usize, value: Decimal, decimals: u32) -> Cell {
    Cell {
        value: CellValue::Number {
            value,
            decimals,
            thousands: false,
        },
        ..Cell::text(col, format_number(value, decimals, false), Role::Money)
    }
    .align(Align::Center)
}

fn score(col: usize, v: Option<Decimal>) -> Cell {
    match v {
        Some(v) => {
            let v = v.round_dp(2);
            Cell {
                role: Role::Score,
                ..number(col, v, 2)
            }
        }
        None => Cell::empty(col),
    }
}

fn percent(col: usize, rate: Decimal) -> Cell {
    crate::plan::cells::percent(col, rate, 2)
}

fn aligned(cell: Cell, align: Option<AlignSpec>) -> Cell {
    match align {
        Some(AlignSpec::Left) => cell.align(Align::Left),
        Some(AlignSpec::Right) => cell.align(Align::Right),
        Some(AlignSpec::Center) => cell.align(Align::Center),
        None => cell,
    }
}
