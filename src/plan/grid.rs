//! The grid: a column per field. Its rows are the deepest level any column reads — one row per
//! indicator (with 一级, 二级 and project cells merged over their rows), or one row per project
//! when no column reads an indicator (a project list). In a department document it runs over
//! every project, optionally in groups with subtotals, and ends with a total row.

use minijinja::Value;
use rust_decimal::Decimal;

use super::builder::{Builder, Subject, indicator_vars};
use super::cells::{self, money_sum_decimals, text_cell};
use super::context::{self, Vars};
use super::error::PlanError;
use super::{Cell, CellRef, Row, RowKind};
use crate::check::{Dept, Ind, Proj};
use crate::style::{AlignSpec, GridColumn, GridSpec, IndicatorSource, Order, TotalSpec};

/// The level a column's value belongs to; cells above the row level merge over their rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Project,
    Level1,
    Level2,
    Indicator,
}

/// The level of the variables a column reads.
pub fn column_level(style: &crate::style::LoadedStyle, col: &GridColumn) -> Level {
    let of = |root: &str| match root {
        "指标" | "n" | "序号" => Level::Indicator,
        "二级" => Level::Level2,
        "一级" => Level::Level1,
        _ => Level::Project,
    };
    if let Some(f) = &col.field {
        style
            .patterns
            .field(&f.value)
            .map_or(Level::Project, |p| of(p.root()))
    } else if let Some(t) = &col.text {
        let vars = style.patterns.variables(&t.value);
        vars.iter()
            .map(|v| of(v.root()))
            .max()
            .unwrap_or(Level::Project)
    } else {
        Level::Project
    }
}

/// One printed row of a project's part of the grid.
struct Line<'p, 'a> {
    l1: Option<usize>,
    l2: Option<usize>,
    indicator: Option<&'p Ind<'a>>,
    /// The indicator number within its 二级 (1-based), also on padding rows.
    n: usize,
    ellipsis: bool,
}

/// The indicators of one 二级 (none when the style has no 二级).
type Level2Group<'p, 'a> = (Option<String>, Vec<&'p Ind<'a>>);

/// 一级 → 二级 → indicators, in print order.
struct Groups<'p, 'a> {
    level1: Vec<(String, Decimal)>,
    level2: Vec<Option<String>>,
    /// The points of each 二级: its indicators' weights (`二级.分值`).
    level2_points: Vec<Decimal>,
    /// The style's weight range of each 一级 and 二级 (`0-20`), or empty (`一级.区间`).
    level1_range: Vec<String>,
    level2_range: Vec<String>,
    lines: Vec<Line<'p, 'a>>,
}

/// The weight range the style gives a level (`weights.ranges`), as printed: `0-20`.
fn range_text(dept: &Dept, level: &str) -> String {
    let fmt = crate::compute::fmt_score;
    dept.style
        .weight_range(level)
        .map(|(lo, hi)| format!("{}-{}", fmt(lo), fmt(hi)))
        .unwrap_or_default()
}

fn groups<'p, 'a>(dept: &Dept, indicators: &'p [Ind<'a>], spec: &GridSpec) -> Groups<'p, 'a> {
    let style = &dept.style.style;
    let all_level2 =
        spec.empty_level2.unwrap_or(style.print_empty_level2) && style.order == Order::Taxonomy;
    let mut tree: Vec<(String, Vec<Level2Group<'p, 'a>>)> = Vec::new();
    if all_level2 {
        for l1 in &dept.style.taxonomy.levels {
            let mut g = Vec::new();
            // A form without a 二级 column: one group per 一级, whatever the taxonomy's 二级.
            let level2s: &[String] = if style.level2 { &l1.level2 } else { &[] };
            for l2 in level2s {
                let inds = indicators
                    .iter()
                    .filter(|i| i.level1 == l1.name && i.level2.as_deref() == Some(l2.as_str()))
                    .collect();
                g.push((Some(l2.clone()), inds));
            }
            if level2s.is_empty() {
                let inds = indicators.iter().filter(|i| i.level1 == l1.name).collect();
                g.push((None, inds));
            }
            tree.push((l1.name.clone(), g));
        }
    } else {
        for ind in indicators {
            if tree.last().is_none_or(|(l1, _)| *l1 != ind.level1) {
                tree.push((ind.level1.clone(), Vec::new()));
            }
            let g = &mut tree.last_mut().expect("pushed above").1;
            if g.last().is_none_or(|(l2, _)| *l2 != ind.level2) {
                g.push((ind.level2.clone(), Vec::new()));
            }
            g.last_mut().expect("pushed above").1.push(ind);
        }
    }
    let mut out = Groups {
        level1: Vec::new(),
        level2: Vec::new(),
        level2_points: Vec::new(),
        level1_range: Vec::new(),
        level2_range: Vec::new(),
        lines: Vec::new(),
    };
    let ellipsis = usize::from(spec.ellipsis.is_some());
    for (l1, g) in tree {
        let points = crate::check::points_of_level1(
            &dept.style,
            &l1,
            g.iter().flat_map(|(_, inds)| inds.iter().copied()),
        );
        let i1 = out.level1.len();
        out.level1.push((dept.style.label(&l1), points));
        out.level1_range.push(range_text(dept, &l1));
        for (l2, inds) in g {
            let i2 = out.level2.len();
            out.level2_range.push(
                l2.as_deref()
                    .map(|l| range_text(dept, l))
                    .unwrap_or_default(),
            );
            out.level2_points.push(
                inds.iter()
                    .filter_map(|i| i.weight)
                    .try_fold(Decimal::ZERO, |a, w| a.checked_add(w))
                    .unwrap_or(Decimal::ZERO),
            );
            out.level2.push(l2.map(|l| dept.style.label(&l)));
            let n = inds.len().max(spec.min_rows_per_level2).max(1) + ellipsis;
            for k in 0..n {
                let is_ellipsis = ellipsis == 1 && k == n - 1;
                out.lines.push(Line {
                    l1: Some(i1),
                    l2: Some(i2),
                    indicator: if is_ellipsis {
                        None
                    } else {
                        inds.get(k).copied()
                    },
                    n: k + 1,
                    ellipsis: is_ellipsis,
                });
            }
        }
    }
    out
}

pub struct GridCx<'v> {
    /// Department variables (and, in a project's section, `项目` and `自评`).
    pub base: &'v Vars,
    /// Whether the section is one project's (else the grid runs over the projects).
    pub per_project: bool,
}

/// Plans a grid over `projects` (`(序号, project)`).
pub fn plan(
    b: &mut Builder,
    spec: &GridSpec,
    cx: &GridCx,
    projects: &[(usize, &Proj)],
) -> Result<(), PlanError> {
    let dept = b.dept;
    let style = &dept.style;
    let mut starts = Vec::new();
    let mut col = 0;
    for c in &spec.columns {
        starts.push(col);
        col += c.span.max(1);
    }
    let levels: Vec<Level> = spec
        .columns
        .iter()
        .map(|c| column_level(style, c))
        .collect();
    let leaf = levels.iter().copied().max().unwrap_or(Level::Project);
    let base_ctx = context::context(&[cx.base]);
    if spec.header {
        header(b, spec, &starts, &base_ctx)?;
    }
    let body_start = b.sheet.rows.len();
    b.sheet.grid_line = 0;
    let top = reserve(b, spec.total.as_ref());
    // Blank rows count from below a total printed above them.
    let pad_from = body_start + usize::from(top.is_some());
    if spec.source == IndicatorSource::DepartmentWide {
        // The department-wide part's indicators: one run of rows, no projects.
        if let Some(w) = &dept.wide {
            indicator_rows(
                b,
                spec,
                &starts,
                &levels,
                leaf,
                cx.base,
                &w.indicators,
                None,
            )?;
        }
        pad_rows(b, spec, &starts, pad_from);
        if let Some(t) = &spec.total {
            let none = vec![Vec::new(); spec.columns.len()];
            let body = pad_from..b.sheet.rows.len();
            let row = total_row(
                b,
                spec,
                &starts,
                t,
                cx.base,
                (&none, &vec![Vec::new(); spec.columns.len()]),
                body,
            )?;
            place(b, top, row);
        }
        return Ok(());
    }
    // Cells of each summed (money) column, for the total row; and per group.
    let mut sums: Vec<Vec<CellRef>> = vec![Vec::new(); spec.columns.len()];
    let mut amounts: Vec<Vec<Decimal>> = vec![Vec::new(); spec.columns.len()];
    // Groups of projects, in order of first appearance.
    let mut order: Vec<(String, Vec<(usize, &Proj)>)> = Vec::new();
    for &(n, p) in projects {
        let key = match &spec.group {
            Some(g) if !cx.per_project => {
                let vars = context::project(dept, p, n);
                let ctx = context::context(&[cx.base, &vars]);
                style
                    .patterns
                    .field(&g.by.value)
                    .map(|by| context::value_text(&ctx, &by))
                    .unwrap_or_default()
            }
            _ => String::new(),
        };
        match order.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push((n, p)),
            None => order.push((key, vec![(n, p)])),
        }
    }
    // Projects are numbered in print order (`项目.序号`): grouping may reorder them.
    let mut printed = 0;
    for (key, members) in &order {
        let mut group_sums: Vec<Vec<CellRef>> = vec![Vec::new(); spec.columns.len()];
        let mut group_amounts: Vec<Vec<Decimal>> = vec![Vec::new(); spec.columns.len()];
        if let Some(g) = spec.group.as_ref().filter(|_| !key.is_empty()) {
            let mut vars = cx.base.clone();
            vars.insert("分组", Value::from(key.as_str()));
            let text = match &g.text {
                Some(t) => b.render(t, &context::context(&[&vars]))?,
                None => key.clone(),
            };
            let at = g.column.saturating_sub(1);
            let cells = spec
                .columns
                .iter()
                .zip(&starts)
                .enumerate()
                .map(|(i, (c, &s))| {
                    if i == at {
                        text_cell(s, text.clone(), false, None).span(1, c.span)
                    } else {
                        Cell::empty(s).span(1, c.span)
                    }
                })
                .collect();
            b.sheet.rows.push(Row::new(RowKind::Body, cells));
        }
        let subtotal = spec
            .group
            .as_ref()
            .and_then(|g| g.subtotal.as_ref())
            .filter(|_| !key.is_empty());
        let sub_top = reserve(b, subtotal);
        let group_start = b.sheet.rows.len();
        for &(n, p) in members {
            printed += 1;
            let mut vars = cx.base.clone();
            if !cx.per_project {
                let n = if spec.group.is_some() { printed } else { n };
                vars.extend(context::project(dept, p, n));
            }
            indicator_rows(
                b,
                spec,
                &starts,
                &levels,
                leaf,
                &vars,
                block_of(spec, p),
                Some(p),
            )?;
            if !cx.per_project {
                // Each project's totals are its own; a project's section closes at its end.
                b.close_scope(Some(p));
            }
            // Register the project's summed cells (they sit on its first row).
            let first = b.sheet.rows.len() - project_row_count(dept, p, spec, leaf);
            for (i, c) in spec.columns.iter().enumerate() {
                if let Some(v) = summed(style, c, p) {
                    let at = (first, starts[i]);
                    if b.sheet.rows[first].cells.iter().any(|x| x.col == starts[i]) {
                        group_sums[i].push(at);
                        group_amounts[i].push(v);
                    }
                }
            }
        }
        if let Some(sub) = subtotal {
            let mut vars = cx.base.clone();
            vars.insert("分组", Value::from(key.as_str()));
            let body = group_start..b.sheet.rows.len();
            let row = total_row(
                b,
                spec,
                &starts,
                sub,
                &vars,
                (&group_sums, &group_amounts),
                body,
            )?;
            place(b, sub_top, row);
        }
        for i in 0..spec.columns.len() {
            sums[i].append(&mut group_sums[i]);
            amounts[i].append(&mut group_amounts[i]);
        }
    }
    pad_rows(b, spec, &starts, pad_from);
    if let Some(t) = &spec.total {
        let body = pad_from..b.sheet.rows.len();
        let row = total_row(b, spec, &starts, t, cx.base, (&sums, &amounts), body)?;
        place(b, top, row);
    }
    Ok(())
}

/// Blank rows up to the grid's `min_rows` body rows.
fn pad_rows(b: &mut Builder, spec: &GridSpec, starts: &[usize], body_start: usize) {
    while b.sheet.rows.len() - body_start < spec.min_rows {
        let cells = spec
            .columns
            .iter()
            .zip(starts)
            .map(|(c, &s)| Cell::empty(s).span(1, c.span))
            .collect();
        b.sheet.rows.push(Row::new(RowKind::Body, cells));
    }
}

/// The column headings; columns sharing a `group` get a heading above them.
fn header(
    b: &mut Builder,
    spec: &GridSpec,
    starts: &[usize],
    ctx: &Value,
) -> Result<(), PlanError> {
    let grouped = spec.columns.iter().any(|c| c.group.is_some());
    let (mut top, mut second) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < spec.columns.len() {
        let c = &spec.columns[i];
        match &c.group {
            Some(g) => {
                let run: Vec<usize> = (i..spec.columns.len())
                    .take_while(|&j| spec.columns[j].group.as_ref() == Some(g))
                    .collect();
                let width: usize = run.iter().map(|&j| spec.columns[j].span.max(1)).sum();
                top.push(text_cell(starts[i], g.clone(), true, None).span(1, width));
                for &j in &run {
                    let cj = &spec.columns[j];
                    second.push(
                        text_cell(starts[j], b.render(&cj.label, ctx)?, true, None)
                            .span(1, cj.span),
                    );
                }
                i += run.len();
            }
            None => {
                let rs = if grouped { 2 } else { 1 };
                top.push(
                    text_cell(starts[i], b.render(&c.label, ctx)?, true, None).span(rs, c.span),
                );
                i += 1;
            }
        }
    }
    b.sheet.rows.push(Row::new(RowKind::Header, top));
    if grouped {
        b.sheet.rows.push(Row::new(RowKind::Header, second));
    }
    Ok(())
}

/// Rows a project takes in the grid.
fn project_row_count(dept: &Dept, p: &Proj, spec: &GridSpec, leaf: Level) -> usize {
    if leaf == Level::Project {
        1
    } else {
        groups(dept, block_of(spec, p), spec).lines.len().max(1)
    }
}

/// The project's indicators a grid prints: its 年度 ones, or its 中期 ones (`source: 中期`).
fn block_of<'p, 'a>(spec: &GridSpec, p: &'p Proj<'a>) -> &'p [Ind<'a>] {
    if spec.source == IndicatorSource::MidTerm {
        &p.mid_indicators
    } else {
        &p.indicators
    }
}

/// The amount a money column sums for a project, if the column is a money field.
fn summed(style: &crate::style::LoadedStyle, c: &GridColumn, p: &Proj) -> Option<Decimal> {
    let path = style.patterns.field(&c.field.as_ref()?.value)?;
    match &*path.parts() {
        ["项目", "资金", key] => p.funds.amount(key),
        ["自评", "资金", key, m] => p.eval.as_ref()?.row_or_total(key)?.amount(m),
        _ => None,
    }
}

/// The rows of one run of indicators: a project's (`p`), or the department-wide part's.
#[allow(clippy::too_many_arguments)]
fn indicator_rows(
    b: &mut Builder,
    spec: &GridSpec,
    starts: &[usize],
    levels: &[Level],
    leaf: Level,
    vars: &Vars,
    indicators: &[Ind],
    p: Option<&Proj>,
) -> Result<(), PlanError> {
    let dept = b.dept;
    let g = groups(dept, indicators, spec);
    let lines: Vec<Line> = if leaf == Level::Project || g.lines.is_empty() {
        vec![Line {
            l1: None,
            l2: None,
            indicator: None,
            n: 1,
            ellipsis: false,
        }]
    } else {
        g.lines
    };
    let total = lines.len();
    // Rows each 一级 / 二级 spans.
    let span_of = |pick: &dyn Fn(&Line) -> Option<usize>, at: usize| {
        let key = pick(&lines[at]);
        lines[at..].iter().take_while(|l| pick(l) == key).count()
    };
    let first_indicator_col = levels.iter().position(|l| *l == Level::Indicator);
    // The project's variables, made into a context once for all its rows.
    let base = context::context(&[vars]);
    // Each column's cell as a `rows` cell, made once for all its rows.
    let cell_specs: Vec<crate::style::CellSpec> = spec
        .columns
        .iter()
        .map(|c| crate::style::CellSpec {
            label: if c.label_cells {
                c.text
                    .clone()
                    .or_else(|| c.field.clone().map(|f| field_pattern(&f)))
            } else {
                None
            },
            text: if c.label_cells { None } else { c.text.clone() },
            field: if c.label_cells { None } else { c.field.clone() },
            span: 1,
            rows: 1,
            align: c.align.or(Some(AlignSpec::Center)),
            vertical: c.vertical,
            blank: c.blank.clone(),
        })
        .collect();
    for (k, line) in lines.iter().enumerate() {
        let mut row_vars = Vars::new();
        if let Some(i1) = line.l1 {
            let (name, pts) = &g.level1[i1];
            row_vars.insert(
                "一级",
                Value::from_pairs([
                    ("名称", Value::from(name.as_str())),
                    ("分值", Value::from(crate::compute::fmt_score(*pts))),
                    ("区间", Value::from(g.level1_range[i1].as_str())),
                ]),
            );
        }
        if let Some(i2) = line.l2 {
            let name = g.level2[i2].clone().unwrap_or_default();
            row_vars.insert(
                "二级",
                Value::from_pairs([
                    ("名称", Value::from(name)),
                    (
                        "分值",
                        Value::from(crate::compute::fmt_score(g.level2_points[i2])),
                    ),
                    ("区间", Value::from(g.level2_range[i2].as_str())),
                ]),
            );
        }
        // Only indicator rows are numbered (not padding or empty-二级 rows).
        if line.indicator.is_some() {
            b.sheet.grid_line += 1;
            row_vars.insert("序号", Value::from(b.sheet.grid_line));
        }
        row_vars.extend(indicator_vars(dept, line.indicator, line.n));
        let ctx = context::over(&base, &row_vars);
        let subject = Subject {
            project: p,
            indicator: line.indicator,
            level1_points: line.l1.map(|i| g.level1[i].1),
            task: None,
        };
        let mut cells = Vec::new();
        for (i, c) in spec.columns.iter().enumerate() {
            let level = levels[i];
            let s = starts[i];
            let mut rowspan = 1;
            if level < leaf && c.merge {
                let first = match level {
                    Level::Project => k == 0,
                    Level::Level1 => k == 0 || lines[k - 1].l1 != line.l1,
                    Level::Level2 => k == 0 || lines[k - 1].l2 != line.l2,
                    Level::Indicator => true,
                };
                if !first {
                    continue;
                }
                rowspan = match level {
                    Level::Project => total,
                    Level::Level1 => span_of(&|l: &Line| l.l1, k),
                    Level::Level2 => span_of(&|l: &Line| l.l2, k),
                    Level::Indicator => 1,
                };
            }
            let cell = if level == Level::Indicator && line.indicator.is_none() {
                if line.ellipsis {
                    match (&spec.ellipsis, Some(i) == first_indicator_col) {
                        (Some(e), true) => {
                            text_cell(s, e.value.clone(), false, Some(AlignSpec::Center))
                        }
                        _ => Cell::empty(s),
                    }
                } else {
                    match &c.text {
                        // A padding row keeps its numbering (`指标2：`).
                        Some(t) => text_cell(s, b.render(t, &ctx)?, c.label_cells, c.align),
                        None => Cell::empty(s),
                    }
                }
            } else {
                let mut cell = b.cell(&cell_specs[i], s, &ctx, subject)?;
                if c.text.is_some() && !c.label_cells && cell.text.is_empty() {
                    cell = Cell::empty(s);
                }
                cell
            };
            cells.push(cell.span(rowspan, c.span));
        }
        let mut row = Row::new(RowKind::Body, cells);
        // The twin binds a project's rows back to its 年度 indicators; the medium-term ones
        // and the department-wide part's are not bound.
        row.grid = p
            .filter(|_| spec.source == IndicatorSource::Project)
            .map(|p| super::GridRow {
                document: b.sheet.document,
                block: b.sheet.block,
                project: b.project_index(p),
                indicator: line.indicator.and_then(|ind| {
                    p.src
                        .indicators
                        .iter()
                        .position(|x| std::ptr::eq(x, ind.src))
                }),
            });
        b.sheet.rows.push(row);
    }
    Ok(())
}

/// A field as a pattern printing its text (for label cells).
fn field_pattern(f: &crate::style::SText) -> crate::style::SText {
    serde_saphyr::Spanned::new(format!("{{{{ {} }}}}", f.value), f.referenced, f.defined)
}

/// A total (or subtotal) row: the label in its column, every money column summed (`summed`:
/// the cells and amounts of each column), and every points or score column (`指标.权重`,
/// `指标.得分`) summed over the indicator rows in `body`.
fn total_row(
    b: &mut Builder,
    spec: &GridSpec,
    starts: &[usize],
    t: &TotalSpec,
    vars: &Vars,
    (sums, amounts): (&[Vec<CellRef>], &[Vec<Decimal>]),
    body: std::ops::Range<usize>,
) -> Result<Row, PlanError> {
    let style = b.style();
    let label = b.render(&t.label, &context::context(&[vars]))?;
    let at = t.column.saturating_sub(1);
    let mut cells = Vec::new();
    for (i, c) in spec.columns.iter().enumerate() {
        let s = starts[i];
        let is_money = c
            .field
            .as_ref()
            .and_then(|f| style.patterns.field(&f.value))
            .is_some_and(|f| matches!(&*f.parts(), ["项目" | "自评", "资金", _, ..]));
        let cell = if i == at {
            text_cell(s, label.clone(), true, None)
        } else if is_money && !sums[i].is_empty() {
            let total = amounts[i]
                .iter()
                .try_fold(Decimal::ZERO, |a, v| a.checked_add(*v))
                .unwrap_or(Decimal::MAX);
            let decimals = t
                .decimals
                .unwrap_or_else(|| money_sum_decimals(style, &amounts[i]));
            // Compared in the printed unit: 1.2345 万元 is 12,345 元, exact at 2 decimals.
            let (exact, _) = context::money_value(style, total);
            if crate::compute::round(exact, decimals) != exact
                && let Some(note) = &t.rounding_note
            {
                let column = b.render(&c.label, &context::context(&[vars]))?;
                let mut nv = vars.clone();
                nv.insert(
                    "精确合计",
                    Value::from(crate::compute::fmt_decimal(exact.normalize())),
                );
                nv.insert("小数位数", Value::from(decimals));
                nv.insert("列名", Value::from(column));
                let text = b.render(note, &context::context(&[&nv]))?;
                if !text.is_empty() {
                    b.sheet.notes.push(text);
                }
            }
            cells::money_formula(style, s, sums[i].clone(), total, decimals)
        } else if c
            .field
            .as_ref()
            .is_some_and(|f| matches!(f.value.trim(), "指标.权重" | "指标.得分"))
        {
            score_sum(b, s, body.clone())
        } else {
            Cell::empty(s)
        };
        cells.push(cell.span(1, c.span));
    }
    Ok(Row::new(RowKind::Total, cells))
}

/// The sum of the number cells at column `s` of the body rows in `rows` (a points or score
/// column): a SUM formula, blank where the rows print none.
fn score_sum(b: &Builder, s: usize, rows: std::ops::Range<usize>) -> Cell {
    let mut refs = Vec::new();
    let mut total = Decimal::ZERO;
    let mut decimals = 0;
    for r in rows {
        let Some(row) = b.sheet.rows.get(r).filter(|x| x.kind == RowKind::Body) else {
            continue;
        };
        let Some(cell) = row.cells.iter().find(|x| x.col == s) else {
            continue;
        };
        let value = match &cell.value {
            super::CellValue::Number { value, .. } => *value,
            super::CellValue::Formula { result, .. } => *result,
            _ => continue,
        };
        let Some(t) = total.checked_add(value) else {
            return Cell::empty(s);
        };
        total = t;
        decimals = decimals.max(value.normalize().scale());
        refs.push((r, s));
    }
    if refs.is_empty() {
        return Cell::empty(s);
    }
    cells::formula(
        s,
        super::Formula::Sum { cells: refs },
        total,
        false,
        decimals,
        super::Role::Score,
    )
}

/// A row kept for a total printed above what it sums (`position: first`), filled by [`place`].
fn reserve(b: &mut Builder, t: Option<&TotalSpec>) -> Option<usize> {
    t.filter(|t| t.first()).map(|_| {
        b.sheet.rows.push(Row::new(RowKind::Total, Vec::new()));
        b.sheet.rows.len() - 1
    })
}

/// Puts a total row where it was reserved, or below the rows it sums.
fn place(b: &mut Builder, at: Option<usize>, row: Row) {
    match at.and_then(|i| b.sheet.rows.get_mut(i)) {
        Some(slot) => *slot = row,
        None => b.sheet.rows.push(row),
    }
}
