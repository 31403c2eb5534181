//! A region's summaries: the region's departments as the records of the summary style's
//! documents, planned by [`crate::plan::plan`] like every document. Here only what the records
//! are: each department's figures, the region's 合计 figures (exact sums, the
//! region's own rates and averages) and the projects below 60.

use minijinja::Value;
use rust_decimal::Decimal;

use super::Region;
use super::figures::{DeptFigures, EvalFigures, GRADES, WideFigures};
use super::style::{LOW_SCORES, LoadedRegionStyle, STYLE_FILE, field_kind};
use crate::plan::context::{Vars, format_number};
use crate::plan::records::{Figure, Records};
use crate::plan::{self, Document, Issuer, Keywords, Over, Part, PlanError};
use crate::style::records::FigureKind;
use crate::style::{DocumentSpec, Only, SText};

/// Plans every document of `style` for the departments of `year`.
pub fn plan(
    region: &Region,
    style: &LoadedRegionStyle,
    year: u32,
    depts: &[&DeptFigures],
) -> Result<Vec<Document>, PlanError> {
    let has = |f: fn(&DeptFigures) -> bool| depts.iter().any(|d| !d.refused && f(d));
    let records = Depts {
        depts,
        total: total(depts),
    };
    let mut docs = Vec::new();
    for (index, spec) in style.style.documents.iter().enumerate() {
        let wanted = match spec.only() {
            Only::All => true,
            Only::Evaluated => has(|d| d.eval.is_some()),
            Only::DepartmentWide => has(|d| d.wide.is_some()),
            Only::DepartmentWideEvaluated => {
                has(|d| d.wide.as_ref().is_some_and(|w| w.eval.is_some()))
            }
        };
        if !wanted {
            continue;
        }
        docs.push(document(region, style, spec, index, year, &records)?);
    }
    Ok(docs)
}

/// The summary of `spec`: one section over the departments, its signature line the region's.
fn document(
    region: &Region,
    style: &LoadedRegionStyle,
    spec: &DocumentSpec,
    index: usize,
    year: u32,
    records: &Depts,
) -> Result<Document, PlanError> {
    let mut top = Vars::new();
    top.insert("地区", Value::from(region.name()));
    top.insert("编制单位", Value::from(region.office()));
    top.insert("年度", Value::from(year));
    let render = |t: &SText, ctx: &Value| -> Result<String, PlanError> {
        style
            .patterns
            .render(&t.value, ctx)
            .map_err(|e| PlanError::pattern_in(style.dir.join(STYLE_FILE), t, &e))
    };
    let part = Part {
        over: Over::Records {
            records,
            decimals: style.style.decimals,
        },
        vars: top.clone(),
        name: None,
    };
    let issuer = Issuer {
        style: &style.key,
        author: region.office().to_string(),
        department: region.name().to_string(),
        year: u16::try_from(year).unwrap_or(u16::MAX),
        vars: top,
        render: &render,
        file_stem: None,
        signature: Some(region.signatures()),
        title_names_department: false,
        keywords: Keywords::None,
    };
    plan::plan(spec, index, &issuer, &[part])
}

/// The departments of a year as the records of a summary, with the region's 合计 figures.
struct Depts<'a> {
    depts: &'a [&'a DeptFigures],
    total: RegionTotal,
}

impl Records for Depts<'_> {
    fn count(&self) -> usize {
        self.depts.len()
    }

    fn kind(&self, field: &str) -> Option<FigureKind> {
        field_kind(field)
    }

    fn figure(&self, record: Option<usize>, field: &str) -> Figure {
        match record {
            Some(r) => figure(field, Some(self.depts[r]), None),
            None => figure(field, None, Some(&self.total)),
        }
    }

    fn vars(&self, record: usize, _n: usize) -> Result<Vars, PlanError> {
        Ok(dept_vars(self.depts[record]))
    }

    fn label(&self, record: usize) -> String {
        self.depts[record].name.clone()
    }

    fn list(&self, of: &str) -> Vec<Vars> {
        if of != LOW_SCORES {
            return Vec::new();
        }
        self.depts
            .iter()
            .filter(|d| !d.refused)
            .flat_map(|d| {
                d.eval.iter().flat_map(|e| e.low.iter()).map(|(p, s)| {
                    let mut v = Vars::new();
                    v.insert("部门", Value::from(d.name.as_str()));
                    v.insert("项目", Value::from(p.as_str()));
                    v.insert("得分", Value::from(format_number(*s, 2, false)));
                    v
                })
            })
            .collect()
    }
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

/// The figure of `field` for a department row (`dept`) or the total row (`region`).
fn figure(field: &str, dept: Option<&DeptFigures>, region: Option<&RegionTotal>) -> Figure {
    let count = Figure::Count;
    let money = |v: Option<Decimal>| v.map_or(Figure::Empty, Figure::Money);
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
        "部门.名称" => Figure::Text(dept.map_or_else(String::new, |d| d.name.clone())),
        "部门.项目数" => count(pick(|d| d.projects, |r| r.projects)),
        "部门.指标数" => count(pick(|d| d.indicators, |r| r.indicators)),
        "部门.错误数" => count(pick(|d| d.errors, |r| r.errors)),
        "部门.警告数" => count(pick(|d| d.warnings, |r| r.warnings)),
        "部门.资金.合计" if refused => Figure::Empty,
        "部门.资金.合计" => money(
            dept.map(|d| d.money_total)
                .or(region.map(|r| r.money_total)),
        ),
        f if f.starts_with("部门.资金.") => {
            if refused {
                return Figure::Empty;
            }
            let key = &f["部门.资金.".len()..];
            let list = dept.map(|d| &d.money).or(region.map(|r| &r.money));
            money(list.and_then(|m| m.iter().find(|(k, _)| k == key).map(|(_, v)| *v)))
        }
        "自评.项目数" => eval.map_or(Figure::Empty, |e| count(e.projects)),
        "自评.全年预算" => money(eval.map(|e| e.budget)),
        "自评.全年执行" => money(eval.map(|e| e.executed)),
        "自评.执行率" => eval
            .and_then(EvalFigures::rate)
            .map_or(Figure::Empty, Figure::Percent),
        "自评.平均分" => score(eval.and_then(EvalFigures::average)),
        "自评.加权平均分" => score(eval.and_then(EvalFigures::weighted_average)),
        w if w.starts_with("部门整体.") => wide_figure(w, dept, region),
        g if g.starts_with("自评.") => {
            let grade = &g["自评.".len()..];
            match (GRADES.iter().position(|x| *x == grade), eval) {
                (Some(i), Some(e)) => count(e.grades[i]),
                _ => Figure::Empty,
            }
        }
        _ => Figure::Empty,
    }
}

/// The figure of a `部门整体.` field: a department's own, or the region's (sums of money, the
/// rate of the sums, the average of the departments' 总分; no grade).
fn wide_figure(field: &str, dept: Option<&DeptFigures>, region: Option<&RegionTotal>) -> Figure {
    let money = |v: Option<Decimal>| v.map_or(Figure::Empty, Figure::Money);
    let rate = |budget: Decimal, executed: Decimal| {
        (!budget.is_zero())
            .then(|| executed.checked_div(budget))
            .flatten()
            .map_or(Figure::Empty, Figure::Percent)
    };
    match (dept, region) {
        (Some(d), _) => {
            let w = if d.refused { None } else { d.wide.as_ref() };
            let e = w.and_then(|w| w.eval.as_ref());
            match field {
                "部门整体.资金.合计" => money(w.map(|w| w.money_total)),
                "部门整体.全年预算" => money(e.map(|e| e.budget)),
                "部门整体.全年执行" => money(e.map(|e| e.executed)),
                "部门整体.执行率" => e.map_or(Figure::Empty, |e| rate(e.budget, e.executed)),
                "部门整体.总分" => score(e.and_then(|e| e.score)),
                "部门整体.等级" => e
                    .and_then(|e| e.grade.clone())
                    .map_or(Figure::Empty, Figure::Grade),
                _ => Figure::Empty,
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
                    (w.scored > 0)
                        .then(|| w.score_sum.checked_div(Decimal::from(w.scored)))
                        .flatten(),
                ),
                _ => Figure::Empty,
            }
        }
        (None, None) => Figure::Empty,
    }
}

fn score(v: Option<Decimal>) -> Figure {
    v.map_or(Figure::Empty, Figure::Score)
}
