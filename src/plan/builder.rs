//! A department's blocks into a section's [`Sheet`]: the `rows` and `tasks` blocks, typed
//! fields, and the formulas that tie cells together (a money total sums the printed source
//! cells; 总分 sums the printed scores). `money`, `fund` and `grid` blocks build on it.

use minijinja::Value;
use rust_decimal::Decimal;

use super::cells::{self, money, money_formula, money_sum_decimals, score, text_cell};
use super::context;
use super::error::PlanError;
use super::sheet::Sheet;
use super::{Bind, BindKind, Cell, CellRef, CellValue, Formula, Role, Row, RowKind};
use crate::check::{Dept, Ind, Proj};
use crate::fields::VarPath;
use crate::model::TOTAL_KEY;
use crate::style::{CellSpec, LoadedStyle, RowKindSpec, SText};

/// What a field is evaluated against.
#[derive(Clone, Copy, Default)]
pub struct Subject<'p, 'a> {
    pub project: Option<&'p Proj<'a>>,
    pub indicator: Option<&'p Ind<'a>>,
    /// The points of the current 一级 (`一级.分值`).
    pub level1_points: Option<Decimal>,
    /// The department's task a `tasks` block's row prints (`任务`), by index.
    pub task: Option<usize>,
}

/// Plans a department's blocks into a section's [`Sheet`]: the department's fields, typed
/// cells and the formulas that tie them together.
pub struct Builder<'s, 'd, 'a> {
    pub sheet: &'s mut Sheet,
    pub dept: &'d Dept<'a>,
}

impl<'s, 'd, 'a> Builder<'s, 'd, 'a> {
    pub fn new(sheet: &'s mut Sheet, dept: &'d Dept<'a>) -> Self {
        Builder { sheet, dept }
    }

    /// The index of a project of this department in its data file.
    pub fn project_index(&self, p: &Proj) -> Option<usize> {
        self.dept.projects.iter().position(|x| std::ptr::eq(x, p))
    }

    /// The data path of a variable (`项目.资金.财政拨款` → `项目[0].资金.财政拨款`) and how
    /// it reads back, where the variable prints data the department wrote (not a figure the
    /// tool computes, nor a label).
    pub fn data_path(&self, var: &VarPath, subject: Subject) -> Option<(String, BindKind)> {
        let parts = var.parts();
        let style = self.style();
        let p = || {
            let p = subject.project?;
            self.project_index(p)
        };
        // The path of the subject's indicator: a project's (年度 or 中期) or the
        // department-wide part's (a grid of it has no project).
        let ind = || -> Option<String> {
            let ind = subject.indicator?;
            let at = |list: &[crate::model::Indicator]| {
                list.iter().position(|x| std::ptr::eq(x, ind.src))
            };
            match subject.project {
                Some(p) => {
                    let pi = self.project_index(p)?;
                    match at(&p.src.indicators) {
                        Some(i) => Some(format!("项目[{pi}].指标[{i}]")),
                        None => Some(format!(
                            "项目[{pi}].中期指标[{}]",
                            at(&p.src.mid_indicators)?
                        )),
                    }
                }
                None => Some(format!(
                    "部门整体.指标[{}]",
                    at(&self.dept.wide.as_ref()?.src.indicators)?
                )),
            }
        };
        // A 中期 indicator has no result.
        let result = || ind().filter(|i| !i.contains("中期指标["));
        // The task a `任务.` variable prints (the row's), or `部门整体.任务.<序号>`.
        let task = |n: Option<&str>| -> Option<usize> {
            let i = match n {
                Some(n) => n.parse::<usize>().ok()?.checked_sub(1)?,
                None => subject.task?,
            };
            (i < self.dept.wide.as_ref()?.tasks.len()).then_some(i)
        };
        let task_path = |i: usize, rest: &[&str]| -> Option<(String, BindKind)> {
            let stated = |f: Option<&serde_saphyr::Spanned<crate::model::Sources<_>>>, k: &str| {
                k != TOTAL_KEY || f.is_some_and(|f| f.value.total().is_some())
            };
            let kind = match rest {
                ["任务名称" | "部门职能" | "主要内容"] => BindKind::Text,
                ["支出项目"] => BindKind::List,
                // A 合计 the data does not state prints the sum: not data.
                ["资金", k]
                    if stated(self.dept.wide.as_ref()?.src.tasks.get(i)?.funds.as_ref(), k) =>
                {
                    BindKind::Number
                }
                _ => return None,
            };
            Some((format!("部门整体.任务[{i}].{}", rest.join(".")), kind))
        };
        let is_extra =
            |list: &[crate::style::ExtraField], k: &str| list.iter().any(|f| f.key.value == k);
        // The catalogue's texts kept by key (实施单位, 描述, …): data the cell reads back as is.
        let kept = var.is_kept_text();
        let text = BindKind::Text;
        Some(match &*parts {
            ["部门"] => ("部门".to_string(), text),
            ["部门整体", "任务", n, rest @ ..] => return task_path(task(Some(n))?, rest),
            ["任务", rest @ ..] => return task_path(task(None)?, rest),
            ["部门整体", rest @ ..] => {
                self.dept.wide.as_ref()?;
                let kind = match rest {
                    ["部门职能"] | ["自评", "实际完成情况"] => text,
                    ["年度总体目标"] => BindKind::Goals,
                    // A 合计 the data does not state prints the sum: not data.
                    ["资金", k] if *k == TOTAL_KEY => {
                        self.dept.wide.as_ref()?.src.funds.value.total()?;
                        BindKind::Number
                    }
                    ["资金", _] | ["基本支出"] | ["项目支出"] => BindKind::Number,
                    ["自评", "资金", _, "年初预算" | "全年预算" | "全年执行"] => {
                        BindKind::Number
                    }
                    ["自评", k] if is_extra(&style.style.fields.eval, k) => text,
                    _ => return None,
                };
                (format!("部门整体.{}", rest.join(".")), kind)
            }
            ["项目", "中期目标"] => (format!("项目[{}].中期目标", p()?), BindKind::Goals),
            ["项目", "中期资金", k] => {
                if *k == TOTAL_KEY {
                    subject.project?.src.mid_funds.as_ref()?.value.total()?;
                }
                (format!("项目[{}].中期资金.{k}", p()?), BindKind::Number)
            }
            ["项目", "总体目标"] => (format!("项目[{}].总体目标", p()?), BindKind::Goals),
            ["项目", k] if *k == "名称" || kept => (format!("项目[{}].{k}", p()?), text),
            ["项目", "资金", k] => (format!("项目[{}].资金.{k}", p()?), BindKind::Number),
            ["项目", k] if is_extra(&style.style.fields.project, k) => {
                (format!("项目[{}].{k}", p()?), text)
            }
            ["自评", "实际完成情况"] => (format!("项目[{}].自评.实际完成情况", p()?), text),
            [
                "自评",
                "资金",
                k,
                m @ ("年初预算" | "全年预算" | "全年执行"),
            ] => (
                format!("项目[{}].自评.资金.{k}.{m}", p()?),
                BindKind::Number,
            ),
            ["自评", k] if is_extra(&style.style.fields.eval, k) => {
                (format!("项目[{}].自评.{k}", p()?), text)
            }
            [
                "指标",
                k @ ("三级" | "指标值" | "依据" | "上年完成值" | "赋分规则"),
            ] => (format!("{}.{k}", ind()?), text),
            ["指标", k] if kept => (format!("{}.{k}", ind()?), text),
            ["指标", "权重"] => (format!("{}.权重", ind()?), BindKind::Number),
            ["指标", "佐证资料"] => (format!("{}.佐证资料", ind()?), BindKind::List),
            ["指标", "完成值"] => (format!("{}.结果.实际完成值", result()?), text),
            // The printed score is the computed one unless the stated one is used: the cell is
            // data only where it shows what the data says.
            ["指标", "得分"] => {
                let r = subject.indicator?.result.as_ref();
                let stated = r.and_then(|r| r.src.score.as_ref()).map(|n| n.value.0);
                let printed = r.and_then(|r| r.score);
                if stated.is_some() && stated != printed {
                    return None;
                }
                (format!("{}.结果.得分", result()?), BindKind::Number)
            }
            ["指标", k @ ("偏差原因" | "等级")] => {
                (format!("{}.结果.{k}", result()?), text)
            }
            ["指标", k] if is_extra(&style.style.fields.indicator, k) => {
                (format!("{}.{k}", ind()?), text)
            }
            _ => return None,
        })
    }

    /// The binding of a cell a pattern printed, when the pattern prints exactly one data
    /// variable as it is, between fixed texts (`指标1：{{ 指标.三级 }}`).
    fn pattern_bind(
        &self,
        pattern: &SText,
        ctx: &Value,
        subject: Subject,
        printed: &str,
    ) -> Option<Bind> {
        let style = self.style();
        let data: Vec<(&VarPath, (String, BindKind))> = style
            .patterns
            .variables(&pattern.value)
            .iter()
            .filter_map(|v| self.data_path(v, subject).map(|d| (v, d)))
            .collect();
        let [(var, (path, kind))] = data.as_slice() else {
            return None;
        };
        if *kind == BindKind::Number {
            return None;
        }
        const MARK: &str = "\u{E000}jx\u{E001}";
        let marked = context::with_value(ctx, &var.parts(), Value::from(MARK))?;
        let rendered = render(style, pattern, &marked).ok()?;
        let (prefix, suffix) = rendered.split_once(MARK)?;
        if suffix.contains(MARK) {
            return None;
        }
        let value = context::value_text(ctx, var);
        (format!("{prefix}{value}{suffix}") == printed).then(|| Bind {
            path: path.clone(),
            kind: *kind,
            prefix: prefix.to_string(),
            suffix: suffix.to_string(),
        })
    }

    pub fn style(&self) -> &'d LoadedStyle {
        &self.dept.style
    }

    /// Renders a pattern of the style, naming its place in `style.yaml` when it fails.
    pub fn render(&self, pattern: &SText, ctx: &Value) -> Result<String, PlanError> {
        render(self.style(), pattern, ctx)
    }

    /// A label/text/field cell of the style at `col`.
    pub fn cell(
        &mut self,
        spec: &CellSpec,
        col: usize,
        ctx: &Value,
        subject: Subject,
    ) -> Result<Cell, PlanError> {
        let mut cell = if let Some(l) = &spec.label {
            text_cell(col, self.render(l, ctx)?, true, spec.align)
        } else if let Some(t) = &spec.text {
            let printed = self.render(t, ctx)?;
            let bind = self.pattern_bind(t, ctx, subject, &printed);
            let mut c = text_cell(col, printed, false, spec.align);
            c.bind = bind;
            c
        } else if let Some(f) = &spec.field {
            let style = self.style();
            let mut cell = match style.patterns.field(&f.value) {
                Some(path) => self.field(&path, col, ctx, subject, spec.align),
                None => Cell::empty(col),
            };
            // Numbers are centred unless the style aligns them.
            if let Some(a) = spec.align
                && !matches!(cell.value, CellValue::Text | CellValue::Empty)
            {
                cell.align = cells::to_align(a);
            }
            cell
        } else {
            Cell::empty(col)
        };
        if let (Some(b), true) = (&spec.blank, cell.text.is_empty()) {
            let bind = cell.bind.take();
            cell = text_cell(
                col,
                b.clone(),
                false,
                spec.align.or(Some(crate::style::AlignSpec::Center)),
            );
            cell.bind = bind;
        }
        if spec.vertical {
            cell = cell.vertical();
        }
        Ok(cell.span(spec.rows, spec.span))
    }

    /// The cell of a data field: numbers as number cells (registered for the formulas that
    /// sum them), anything else as the text of the variable of the same name.
    pub fn field(
        &mut self,
        path: &VarPath,
        col: usize,
        ctx: &Value,
        subject: Subject,
        align: Option<crate::style::AlignSpec>,
    ) -> Cell {
        let mut cell = self.field_cell(path, col, ctx, subject, align);
        if !matches!(cell.value, CellValue::Formula { .. })
            && let Some((p, kind)) = self.data_path(path, subject)
        {
            cell.bind = Some(Bind::whole(p, kind));
        }
        cell
    }

    fn field_cell(
        &mut self,
        path: &VarPath,
        col: usize,
        ctx: &Value,
        subject: Subject,
        align: Option<crate::style::AlignSpec>,
    ) -> Cell {
        let row = self.sheet.rows.len();
        let style = self.style();
        let parts = path.parts();
        let p = subject.project;
        let eval = p.and_then(|p| p.eval.as_ref());
        if let ["部门整体", rest @ ..] = &*parts {
            return self.wide_cell(rest, col, ctx, path, align);
        }
        if let ["任务", rest @ ..] = &*parts {
            // The row's task, as `部门整体.任务.<序号>`.
            let Some(i) = subject.task else {
                return Cell::empty(col);
            };
            let n = (i + 1).to_string();
            let mut full = vec!["任务", n.as_str()];
            full.extend_from_slice(rest);
            return self.wide_cell(&full, col, ctx, path, align);
        }
        match &*parts {
            // A grid row's running number, a number cell.
            ["序号"] => {
                if let Some(n) = context::lookup(ctx, &["序号"]).and_then(|v| i64::try_from(v).ok())
                {
                    return cells::number_cell(col, Decimal::from(n), 0, Role::Text);
                }
            }
            ["项目", "序号"] => {
                if let Some(n) =
                    context::lookup(ctx, &["项目", "序号"]).and_then(|v| i64::try_from(v).ok())
                {
                    return cells::number_cell(col, Decimal::from(n), 0, Role::Text);
                }
            }
            ["项目", "资金", key] => {
                let Some(p) = p else { return Cell::empty(col) };
                if *key == TOTAL_KEY {
                    // Made a formula over the printed sources once the section is planned.
                    self.sheet.refs.budget_totals.push((row, col));
                    return money(style, col, p.funds.total);
                }
                self.sheet
                    .refs
                    .budget_sources
                    .push(((row, col), key.to_string()));
                return match p.funds.get(key) {
                    Some(v) => money(style, col, v),
                    None => Cell::empty(col),
                };
            }
            ["项目", "中期资金", key] => {
                // A number cell, as the style prints money; not bound in the twin.
                let v = p.and_then(|p| p.mid_funds.as_ref()?.amount(key));
                return v.map_or_else(|| Cell::empty(col), |v| money(style, col, v));
            }
            ["自评", "资金", key, measure] => {
                let Some(e) = eval else {
                    return Cell::empty(col);
                };
                let Some(r) = e.row_or_total(key) else {
                    return Cell::empty(col);
                };
                if *measure == "执行率" {
                    return match r.rate() {
                        Some(q) => cells::percent(col, q, style.style.execution.rate_decimals),
                        None => Cell::empty(col),
                    };
                }
                let v = r.amount(measure);
                return v.map_or_else(|| Cell::empty(col), |v| money(style, col, v));
            }
            ["自评", "执行率"] => {
                if let Some(e) = eval {
                    return cells::percent(col, e.rate, style.style.execution.rate_decimals);
                }
            }
            ["自评", "执行得分"] => {
                if let Some(e) = eval {
                    self.sheet.refs.scores.push((row, col));
                    return score(col, e.exec_score);
                }
            }
            ["自评", "执行分值"] if eval.is_some() => {
                return score(col, style.style.execution.points.0);
            }
            ["自评", "总分值"] => {
                if let Some(e) = eval {
                    return score(col, e.points_total);
                }
            }
            ["自评", "总分"] => {
                if let Some(t) = eval.and_then(|e| e.total_score) {
                    self.sheet.refs.score_totals.push((row, col));
                    return score(col, t);
                }
                return Cell::empty(col);
            }
            ["指标", "数值"] => {
                // The number of a quantitative target is a number cell.
                if let Some(crate::target::Value::Quantity { number, .. }) =
                    subject.indicator.map(|i| &i.target)
                {
                    return cells::number_cell(col, *number, number.scale(), Role::Text);
                }
            }
            ["指标", "权重"] => {
                return match subject.indicator.and_then(|i| i.weight) {
                    Some(w) => score(col, w),
                    None => Cell::empty(col),
                };
            }
            ["指标", "得分"] => {
                return match subject
                    .indicator
                    .and_then(|i| i.result.as_ref())
                    .and_then(|r| r.score)
                {
                    Some(s) => {
                        // A grid of the department-wide part has no project.
                        self.sheet.refs.scores_of(p.is_none()).push((row, col));
                        score(col, s)
                    }
                    None => Cell::empty(col),
                };
            }
            ["一级", "分值"] => {
                if let Some(pts) = subject.level1_points {
                    return score(col, pts);
                }
            }
            _ => {}
        }
        text_cell(col, context::value_text(ctx, path), false, align)
    }

    /// The cell of a field of `部门整体` (`rest` is its path after the root): every amount a
    /// number cell, printed as the style prints money.
    fn wide_cell(
        &mut self,
        rest: &[&str],
        col: usize,
        ctx: &Value,
        path: &VarPath,
        align: Option<crate::style::AlignSpec>,
    ) -> Cell {
        let style = self.style();
        let Some(w) = self.dept.wide.as_ref() else {
            return Cell::empty(col);
        };
        let amount =
            |v: Option<Decimal>| v.map_or_else(|| Cell::empty(col), |v| money(style, col, v));
        let eval = w.eval.as_ref();
        match rest {
            ["资金", key] => return amount(w.funds.amount(key)),
            ["基本支出"] => return amount(w.src.basic.as_ref().map(|n| n.value.0)),
            ["项目支出"] => return amount(w.src.project_spending.as_ref().map(|n| n.value.0)),
            ["任务资金", key] => return amount(w.tasks_amount(key)),
            ["任务", n, "资金", key] => {
                let task = n
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| w.tasks.get(i));
                return amount(task.and_then(|t| t.funds.as_ref()?.amount(key)));
            }
            ["自评", "资金", key, measure] => {
                let Some(r) = eval.and_then(|e| e.row_or_total(key)) else {
                    return Cell::empty(col);
                };
                if *measure == "执行率" {
                    return match r.rate() {
                        Some(q) => cells::percent(col, q, style.style.execution.rate_decimals),
                        None => Cell::empty(col),
                    };
                }
                return amount(r.amount(measure));
            }
            ["自评", "执行率"] => {
                if let Some(e) = eval {
                    return cells::percent(col, e.rate, style.style.execution.rate_decimals);
                }
            }
            ["自评", "执行得分"] => {
                if let Some(e) = eval {
                    return score(col, e.exec_score);
                }
            }
            ["自评", "执行分值"] if eval.is_some() => {
                return score(col, style.style.execution.points.0);
            }
            ["自评", "总分值"] => {
                if let Some(e) = eval {
                    return score(col, e.points_total);
                }
            }
            ["自评", "总分"] => {
                return match eval.and_then(|e| e.total_score) {
                    Some(t) => {
                        // Made a SUM over the part's printed scores once the section is planned.
                        self.sheet
                            .refs
                            .wide_score_totals
                            .push((self.sheet.rows.len(), col));
                        score(col, t)
                    }
                    None => Cell::empty(col),
                };
            }
            _ => {}
        }
        text_cell(col, context::value_text(ctx, path), false, align)
    }

    /// Plans a `rows` block: cells placed left to right into the columns not covered by a cell
    /// merged down from an earlier row of the block.
    pub fn rows_block(
        &mut self,
        rows: &[serde_saphyr::Spanned<Vec<CellSpec>>],
        kind: RowKindSpec,
        ctx: &Value,
        subject: Subject,
    ) -> Result<(), PlanError> {
        let rows: Vec<(&[CellSpec], RowKindSpec, Value, Subject)> = rows
            .iter()
            .map(|r| (r.value.as_slice(), kind, ctx.clone(), subject))
            .collect();
        self.rows_of(&rows)
    }

    /// Plans a `tasks` block: its heading rows, a row per task of the department-wide part
    /// (with `任务` and `n`), its total rows, beside its label.
    pub fn tasks_block(
        &mut self,
        spec: &crate::style::TasksSpec,
        vars: &context::Vars,
        subject: Subject,
    ) -> Result<(), PlanError> {
        let dept = self.dept;
        let count = dept.wide.as_ref().map_or(0, |w| w.tasks.len());
        let mut planned = spec.rows(count);
        // A padding row (`min_rows`, for a form filled by hand) prints nothing but its labels.
        let heading = spec.header.len();
        for (i, (row, _, task)) in planned.iter_mut().enumerate() {
            let pad = spec.min_rows.min(crate::style::MAX_TASK_PAD_ROWS);
            if task.is_none() && i >= heading && i < heading + count.max(pad).max(1) {
                for c in row.value.iter_mut() {
                    c.text = None;
                    c.field = None;
                }
            }
        }
        let base = context::context(&[vars]);
        let mut rows = Vec::new();
        for (row, kind, task) in &planned {
            let (ctx, subject) = match task {
                Some(i) => {
                    let mut v = context::Vars::new();
                    if let Some(w) = &dept.wide {
                        v.insert("任务", context::task(dept, w, *i));
                    }
                    v.insert("n", Value::from(i + 1));
                    let s = Subject {
                        task: Some(*i),
                        ..subject
                    };
                    (context::over(&base, &v), s)
                }
                None => (base.clone(), subject),
            };
            rows.push((row.value.as_slice(), *kind, ctx, subject));
        }
        self.rows_of(&rows)
    }

    /// Plans rows of cells, each with its kind, variables and subject: cells placed left to
    /// right into the columns not covered by a cell merged down from an earlier row.
    fn rows_of(
        &mut self,
        rows: &[(&[CellSpec], RowKindSpec, Value, Subject)],
    ) -> Result<(), PlanError> {
        let mut covered = vec![vec![false; self.sheet.width]; rows.len()];
        for (r, (row, kind, ctx, subject)) in rows.iter().enumerate() {
            let (ctx, subject) = (ctx, *subject);
            let kind = match kind {
                RowKindSpec::Body => RowKind::Body,
                RowKindSpec::Header => RowKind::Header,
                RowKindSpec::Total => RowKind::Total,
            };
            let mut col = 0;
            let mut out = Vec::new();
            for spec in row.iter() {
                while col < self.sheet.width && covered[r][col] {
                    col += 1;
                }
                if col >= self.sheet.width {
                    break;
                }
                let span = spec.span.clamp(1, self.sheet.width - col);
                let down = spec.rows.clamp(1, rows.len() - r);
                for line in covered.iter_mut().skip(r).take(down) {
                    for c in line.iter_mut().skip(col).take(span) {
                        *c = true;
                    }
                }
                let cell = self.cell(spec, col, ctx, subject)?;
                out.push(cell.span(down, span));
                col += span;
            }
            self.sheet.rows.push(Row::new(kind, out));
        }
        Ok(())
    }

    /// Turns the registered totals into formulas: a money total sums the printed source cells,
    /// 总分 sums the printed scores. Then starts a new scope.
    pub fn close_scope(&mut self, project: Option<&Proj>) {
        let refs = std::mem::take(&mut self.sheet.refs);
        let style = self.style();
        // A formula only where the printed source cells hold every filled source: a total
        // beside some of its sources must not become a SUM that gives another number.
        let covered = |p: &Proj| {
            p.funds
                .sources
                .iter()
                .all(|(k, _)| refs.budget_sources.iter().any(|(_, key)| key == k))
        };
        if let Some(p) = project
            && !p.funds.sources.is_empty()
            && covered(p)
        {
            let cells: Vec<CellRef> = refs.budget_sources.iter().map(|(c, _)| *c).collect();
            let values: Vec<Decimal> = p.funds.sources.iter().map(|(_, v)| *v).collect();
            let decimals = money_sum_decimals(style, &values);
            for &at in &refs.budget_totals {
                self.replace_cell(at, |col| {
                    money_formula(style, col, cells.clone(), p.funds.total, decimals)
                });
            }
        }
        let project_total = project
            .and_then(|p| p.eval.as_ref())
            .and_then(|e| e.total_score);
        let wide_total = self
            .dept
            .wide
            .as_ref()
            .and_then(|w| w.eval.as_ref())
            .and_then(|e| e.total_score);
        for (total, at, scores) in [
            (project_total, &refs.score_totals, &refs.scores),
            (wide_total, &refs.wide_score_totals, &refs.wide_scores),
        ] {
            let Some(t) = total else { continue };
            for &at in at {
                self.replace_cell(at, |col| {
                    let sum = Formula::Sum {
                        cells: scores.clone(),
                    };
                    let mut cell =
                        cells::formula(col, sum, t, false, t.normalize().scale(), Role::Score);
                    cell.text = t.normalize().to_string();
                    cell
                });
            }
        }
    }

    /// Replaces the cell starting at `(row, col)` with `make(col)`, keeping its spans.
    fn replace_cell(&mut self, (row, col): CellRef, make: impl FnOnce(usize) -> Cell) {
        if let Some(cell) = self.sheet.rows[row].cells.iter_mut().find(|c| c.col == col) {
            let (rs, cs) = (cell.rowspan, cell.colspan);
            *cell = make(col).span(rs, cs);
        }
    }
}

/// Renders a style pattern with `ctx`.
pub fn render(style: &LoadedStyle, pattern: &SText, ctx: &Value) -> Result<String, PlanError> {
    style
        .patterns
        .render(&pattern.value, ctx)
        .map(|s| s.trim_end_matches('\n').to_string())
        .map_err(|e| PlanError::pattern(style, pattern, &e))
}

/// Variables of a grid row for one indicator.
pub fn indicator_vars(dept: &Dept, ind: Option<&Ind>, n: usize) -> context::Vars {
    let mut v = context::Vars::new();
    if let Some(ind) = ind {
        v.insert("指标", context::indicator(dept, ind));
    }
    v.insert("n", Value::from(n));
    v
}
