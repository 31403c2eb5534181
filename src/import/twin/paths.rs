//! A department's values by data path (`项目[2].指标[0].指标值`), as the twin's `cell` records name
//! them: read (`value_at`) and written back (`apply`); the department as its printed tables
//! carry it is [`super::printed`].
//!
//! The paths follow the data file: `部门`; `项目[p].…` (名称, 总体目标, 资金.<来源>, the texts
//! kept by key, 中期目标, 中期资金.<来源>, 中期指标[i].<字段>, 指标[i].<字段>,
//! 指标[i].结果.<字段>, 自评.…); and the department-wide part `部门整体.…` (部门职能,
//! 年度总体目标, 资金.<来源>, 基本支出, 项目支出, 任务[t].<任务名称|部门职能|主要内容|支出项目>,
//! 任务[t].资金.<来源>, and 指标[i]…/自评.… as a project's).

use rust_decimal::Decimal;

use super::NewValue;
use super::{sp, text};
use crate::fields::Level;
use crate::model::{
    Dec, Department, EvalAmounts, Goals, Indicator, IndicatorEval, Num, SelfEval, Sources, Text,
    Texts,
};
use crate::plan::BindKind;

/// The index of the self-evaluation result of indicator `i` of project `p`, as the check
/// resolves it (by 三级, or `二级/三级`).
pub(super) fn result_of(d: &Department, p: usize, i: usize) -> Option<usize> {
    result_index(d.projects.get(p)?, i)
}

fn text_of(v: &NewValue) -> String {
    match v {
        NewValue::Text(t) => t.clone(),
        NewValue::Number(n) => n.map(|n| n.to_string()).unwrap_or_default(),
    }
}

fn opt(v: &NewValue) -> Option<Text> {
    let t = text_of(v);
    (!t.trim().is_empty()).then(|| text(t))
}

fn num(v: &NewValue) -> Option<Decimal> {
    match v {
        NewValue::Number(n) => *n,
        NewValue::Text(_) => None,
    }
}

/// A goal cell's text as goals: one per line.
fn goals_of(v: &NewValue) -> Option<serde_saphyr::Spanned<Goals>> {
    let t = text_of(v);
    let lines: Vec<String> = t
        .split('\n')
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    match lines.len() {
        0 => None,
        1 => Some(sp(Goals::One(lines[0].clone()))),
        _ => Some(sp(Goals::Many(lines))),
    }
}

/// Sets one source of money by source (`None` removes it); a stated 合计 that was the sum of
/// the sources follows them (Excel's SUM did).
fn set_money(entries: &mut Vec<(Text, Num)>, k: &str, n: Option<Decimal>) {
    let sum = |e: &Vec<(Text, Num)>| {
        e.iter()
            .filter(|(key, _)| key.value.trim() != crate::model::TOTAL_KEY)
            .try_fold(Decimal::ZERO, |a, (_, v)| a.checked_add(v.value.0))
    };
    let total_follows = k != crate::model::TOTAL_KEY
        && entries
            .iter()
            .find(|(key, _)| key.value.trim() == crate::model::TOTAL_KEY)
            .is_some_and(|(_, t)| Some(t.value.0) == sum(entries));
    let at = entries.iter().position(|(key, _)| key.value.trim() == k);
    match (n, at) {
        (Some(n), Some(i)) => entries[i].1 = sp(Dec(n)),
        (Some(n), None) => entries.push((text(k), sp(Dec(n)))),
        (None, Some(i)) => {
            entries.remove(i);
        }
        (None, None) => {}
    }
    if total_follows && let Some(new) = sum(entries) {
        for (key, v) in entries.iter_mut() {
            if key.value.trim() == crate::model::TOTAL_KEY {
                *v = sp(Dec(new));
            }
        }
    }
}

/// Applies a value at a data path; `Err` says why not.
pub(super) fn apply(
    d: &mut Department,
    path: &str,
    v: &NewValue,
    kind: BindKind,
) -> Result<(), String> {
    let _ = kind;
    if path == "部门" {
        d.name = text(text_of(v));
        return Ok(());
    }
    if let Some(rest) = path.strip_prefix("部门整体.") {
        return apply_wide(d, rest, v);
    }
    let rest = path.strip_prefix("项目[").ok_or("路径无法识别")?;
    let (p, rest) = rest.split_once("].").ok_or("路径无法识别")?;
    let p: usize = p.parse().map_err(|_| "路径无法识别")?;
    let original = d.projects.get(p).ok_or("项目已不存在")?.clone();
    let proj = d.projects.get_mut(p).ok_or("项目已不存在")?;
    let parts: Vec<&str> = rest.split('.').collect();
    match parts.as_slice() {
        ["名称"] => proj.name = text(text_of(v)),
        ["总体目标"] => proj.goals = goals_of(v),
        ["中期目标"] => proj.mid_goals = goals_of(v),
        ["资金", k] => set_money(&mut proj.funds.value.entries, k, num(v)),
        ["中期资金", k] => {
            let funds = proj.mid_funds.get_or_insert_with(|| sp(Sources::default()));
            set_money(&mut funds.value.entries, k, num(v));
        }
        [ind, k] if ind.starts_with("中期指标[") => {
            let i = index_in(ind, "中期指标[")?;
            let indicator = proj.mid_indicators.get_mut(i).ok_or("指标已不存在")?;
            set_indicator(indicator, None, k, v)?;
        }
        _ => {
            let done = apply_record(
                &mut proj.indicators,
                &mut proj.eval,
                (&original.indicators, original.eval.as_ref()),
                &parts,
                v,
                "项目",
            )?;
            if !done {
                match parts.as_slice() {
                    // The catalogue's texts kept by key (实施单位, …) and the style's fields.
                    [k] => kept(proj, Level::Project, k, v)?,
                    _ => return Err("路径无法识别".into()),
                }
            }
        }
    }
    Ok(())
}

/// Applies a value at a path of the department-wide part (`rest` after `部门整体.`).
fn apply_wide(d: &mut Department, rest: &str, v: &NewValue) -> Result<(), String> {
    let w = d.wide.as_mut().ok_or("部门文件已没有部门整体")?;
    let original = w.clone();
    let parts: Vec<&str> = rest.split('.').collect();
    match parts.as_slice() {
        ["部门职能"] => w.functions = opt(v),
        ["年度总体目标"] => w.goals = goals_of(v),
        ["资金", k] => set_money(&mut w.funds.value.entries, k, num(v)),
        ["基本支出"] => w.basic = num(v).map(|n| sp(Dec(n))),
        ["项目支出"] => w.project_spending = num(v).map(|n| sp(Dec(n))),
        [r, rest @ ..] if fund_rows_of(r).is_some() => {
            let prefix = fund_rows_of(r).unwrap_or_default();
            let list = match prefix {
                "收入[" => &mut w.income,
                "支出[" => &mut w.spending,
                _ => &mut w.allocation,
            };
            let row = list
                .get_mut(index_in(r, prefix)?)
                .ok_or("收入、支出的这一行已不存在")?;
            match rest {
                ["名称"] => row.name = text(text_of(v)),
                [k] => {
                    if !row.set_figure(k, num(v).map(|n| sp(Dec(n)))) {
                        return Err("路径无法识别".into());
                    }
                }
                _ => return Err("路径无法识别".into()),
            }
        }
        [t, rest @ ..] if t.starts_with("任务[") => {
            let t = index_in(t, "任务[")?;
            let task = w.tasks.get_mut(t).ok_or("任务已不存在")?;
            match rest {
                ["任务名称"] => task.name = text(text_of(v)),
                ["部门职能"] => task.function = opt(v),
                ["主要内容"] => task.content = opt(v),
                ["支出项目"] => task.projects = split_list(&text_of(v)),
                ["资金", k] => {
                    let funds = task.funds.get_or_insert_with(|| sp(Sources::default()));
                    set_money(&mut funds.value.entries, k, num(v));
                }
                _ => return Err("路径无法识别".into()),
            }
        }
        _ => {
            let done = apply_record(
                &mut w.indicators,
                &mut w.eval,
                (&original.indicators, original.eval.as_ref()),
                &parts,
                v,
                "部门整体",
            )?;
            if !done {
                return Err("路径无法识别".into());
            }
        }
    }
    Ok(())
}

/// Applies a value at a path of a record's indicators or self-evaluation (`指标[i].<字段>`,
/// `指标[i].结果.<字段>`, `自评.…`), a project's or the department-wide part's (`who`);
/// `Ok(false)` for a path that is none of these. `original` is the record before the edits
/// (results are found by the indicator's name as it was).
fn apply_record(
    indicators: &mut [Indicator],
    eval: &mut Option<SelfEval>,
    original: (&[Indicator], Option<&SelfEval>),
    parts: &[&str],
    v: &NewValue,
    who: &str,
) -> Result<bool, String> {
    let no_eval = || format!("{who}没有自评");
    match parts {
        ["自评", "实际完成情况"] => {
            let e = eval.as_mut().ok_or_else(no_eval)?;
            e.outcome = text(text_of(v));
        }
        ["自评", "资金", k, m] => {
            let e = eval.as_mut().ok_or_else(no_eval)?;
            set_eval_money(&mut e.funds.value.entries, k, m, num(v))?;
        }
        ["自评", k] => {
            let e = eval.as_mut().ok_or_else(no_eval)?;
            kept(e, Level::Eval, k, v)?;
        }
        [ind, "结果", k] => {
            let i = index_of(ind)?;
            let j = match result_in(original.0, original.1, i) {
                Some(j) => j,
                None => {
                    let ind = indicators.get(i).ok_or("指标已不存在")?;
                    let name = ind.name.value.clone();
                    let e = eval
                        .as_mut()
                        .ok_or_else(|| format!("{who}没有自评，结果无处可放"))?;
                    e.indicators.push(empty_result(&name));
                    e.indicators.len() - 1
                }
            };
            let e = eval.as_mut().ok_or_else(no_eval)?;
            let r = e.indicators.get_mut(j).ok_or("指标已不存在")?;
            match *k {
                "实际完成值" => r.actual = opt(v),
                "得分" => r.score = num(v).map(|n| sp(Dec(n))),
                "偏差原因" => r.reason = opt(v),
                "等级" => r.grade = opt(v),
                _ => return Err("路径无法识别".into()),
            }
        }
        [ind, k] if ind.starts_with("指标[") => {
            let i = index_of(ind)?;
            let result = result_in(original.0, original.1, i);
            let indicator = indicators.get_mut(i).ok_or("指标已不存在")?;
            // The self-evaluation refers to the indicator by name.
            let r = result
                .and_then(|j| eval.as_mut()?.indicators.get_mut(j))
                .map(|r| &mut r.indicator);
            set_indicator(indicator, r, k, v)?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Sets a field of an indicator; a new 三级 is carried into its result's reference `r`.
fn set_indicator(
    indicator: &mut Indicator,
    r: Option<&mut Text>,
    k: &str,
    v: &NewValue,
) -> Result<(), String> {
    match k {
        "三级" => {
            let new = text_of(v);
            if let Some(r) = r {
                r.value = match r.value.split_once('/') {
                    Some((l2, _)) => format!("{l2}/{new}"),
                    None => new.clone(),
                };
            }
            indicator.name = text(new);
        }
        "指标值" => indicator.target = text(text_of(v)),
        "依据" => indicator.basis = opt(v),
        "上年完成值" => indicator.last_year = opt(v),
        "赋分规则" => indicator.scoring = opt(v),
        "权重" => indicator.weight = num(v).map(|n| sp(Dec(n))),
        "佐证资料" => indicator.evidence = split_list(&text_of(v)),
        // The catalogue's texts kept by key (描述) and the style's fields.
        k => kept(indicator, Level::Indicator, k, v)?,
    }
    Ok(())
}

/// Sets the text kept under `k` in record `r` of `level`: a text the catalogue keeps by key,
/// or a style's field (a key the catalogue does not know). A key the catalogue keeps
/// elsewhere (`资金`, `指标`, `自评`, …: a tampered data sheet's path) is no such text: set as
/// one, it would be reported imported and then never written.
fn kept<T: Texts>(r: &mut T, level: Level, k: &str, v: &NewValue) -> Result<(), String> {
    if crate::fields::find(level, k).is_some_and(|f| f.store != crate::fields::Store::Texts) {
        return Err("路径无法识别".into());
    }
    r.set_text(k, opt(v));
    Ok(())
}

/// Sets one measure (`年初预算`, `全年预算`, `全年执行`) of a self-evaluation's source; a
/// stated 合计 that was the sum of the sources follows them.
fn set_eval_money(
    entries: &mut Vec<(Text, EvalAmounts)>,
    k: &str,
    m: &str,
    n: Option<Decimal>,
) -> Result<(), String> {
    let i = match entries.iter().position(|(key, _)| key.value.trim() == k) {
        Some(i) => i,
        None => {
            entries.push((
                text(k),
                EvalAmounts {
                    initial: None,
                    budget: sp(Dec(Decimal::ZERO)),
                    executed: sp(Dec(Decimal::ZERO)),
                },
            ));
            entries.len() - 1
        }
    };
    let measure = |a: &EvalAmounts| match m {
        "年初预算" => a.initial.as_ref().map(|n| n.value.0),
        "全年预算" => Some(a.budget.value.0),
        _ => Some(a.executed.value.0),
    };
    let sum = |e: &Vec<(Text, EvalAmounts)>| {
        e.iter()
            .filter(|(key, _)| key.value.trim() != crate::model::TOTAL_KEY)
            .try_fold(Decimal::ZERO, |acc, (_, a)| {
                acc.checked_add(measure(a).unwrap_or_default())
            })
    };
    let total_follows = k != crate::model::TOTAL_KEY
        && entries
            .iter()
            .find(|(key, _)| key.value.trim() == crate::model::TOTAL_KEY)
            .is_some_and(|(_, t)| measure(t) == sum(entries));
    let set = |a: &mut EvalAmounts, n: Option<Decimal>| -> Result<(), String> {
        match m {
            "年初预算" => a.initial = n.map(|n| sp(Dec(n))),
            "全年预算" => a.budget = sp(Dec(n.unwrap_or_default())),
            "全年执行" => a.executed = sp(Dec(n.unwrap_or_default())),
            _ => return Err("路径无法识别".into()),
        }
        Ok(())
    };
    set(&mut entries[i].1, n)?;
    if total_follows && let Some(new) = sum(entries) {
        for (key, a) in entries.iter_mut() {
            if key.value.trim() == crate::model::TOTAL_KEY {
                set(a, Some(new))?;
            }
        }
    }
    Ok(())
}

/// Whether a data path holds an amount of money (万元): a source of 资金 or 中期资金 (a
/// project's, a task's, the department's), a measure of a self-evaluation's 资金, 基本支出,
/// 项目支出, or an amount of a 收入/支出/拨付结余 row.
pub fn is_money(path: &str) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    matches!(
        parts.as_slice(),
        [.., "资金" | "中期资金", _]
            | [.., "自评", "资金", _, "年初预算" | "全年预算" | "全年执行"]
            | ["部门整体", "基本支出" | "项目支出"]
    ) || match parts.as_slice() {
        ["部门整体", row, k] => fund_rows_of(row).is_some_and(|p| {
            let level = if p == "拨付结余[" {
                crate::fields::Level::Allocation
            } else {
                crate::fields::Level::FundRow
            };
            crate::fields::find(level, k).is_some_and(|f| f.shape == crate::fields::Shape::Number)
        }),
        _ => false,
    }
}

/// The list prefix (`收入[`, `支出[`, `拨付结余[`) of a path segment naming a fund row.
fn fund_rows_of(segment: &str) -> Option<&'static str> {
    ["收入[", "支出[", "拨付结余["]
        .into_iter()
        .find(|p| segment.starts_with(p))
}

pub(super) fn index_of(s: &str) -> Result<usize, String> {
    index_in(s, "指标[")
}

/// The index of a path segment `<prefix>n]` (`任务[2]`).
fn index_in(s: &str, prefix: &str) -> Result<usize, String> {
    s.strip_prefix(prefix)
        .and_then(|s| s.strip_suffix(']'))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "路径无法识别".to_string())
}

pub(super) fn split_list(s: &str) -> Vec<crate::model::Text> {
    s.split([',', '，', '、', ';', '；', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(text)
        .collect()
}

pub(super) fn empty_result(name: &str) -> IndicatorEval {
    IndicatorEval {
        indicator: text(name),
        actual: None,
        score: None,
        grade: None,
        reason: None,
        score_override: None,
    }
}

fn n(x: Option<&Num>) -> Option<String> {
    x.map(|x| x.value.0.normalize().to_string())
}

fn t(x: &Option<Text>) -> Option<String> {
    x.as_ref().map(|x| x.value.clone())
}

fn goals_text(g: &Option<serde_saphyr::Spanned<Goals>>) -> Option<String> {
    g.as_ref().map(|g| g.value.texts().join("\n"))
}

/// The value at a data path of `d`, as text (numbers normalized), `None` where there is none.
pub fn value_at(d: &Department, path: &str) -> Option<String> {
    if path == "部门" {
        return Some(d.name.value.clone());
    }
    if let Some(rest) = path.strip_prefix("部门整体.") {
        let w = d.wide.as_ref()?;
        let parts: Vec<&str> = rest.split('.').collect();
        return match parts.as_slice() {
            ["部门职能"] => t(&w.functions),
            ["年度总体目标"] => goals_text(&w.goals),
            ["资金", k] => n(w.funds.value.get(k)),
            ["基本支出"] => n(w.basic.as_ref()),
            ["项目支出"] => n(w.project_spending.as_ref()),
            [r, rest @ ..] if fund_rows_of(r).is_some() => {
                let prefix = fund_rows_of(r).unwrap_or_default();
                let list = match prefix {
                    "收入[" => &w.income,
                    "支出[" => &w.spending,
                    _ => &w.allocation,
                };
                let row = list.get(index_in(r, prefix).ok()?)?;
                match rest {
                    ["名称"] => Some(row.name.value.clone()),
                    [k] => n(row.figure(k)),
                    _ => None,
                }
            }
            [task, rest @ ..] if task.starts_with("任务[") => {
                let task = w.tasks.get(index_in(task, "任务[").ok()?)?;
                match rest {
                    ["任务名称"] => Some(task.name.value.clone()),
                    ["部门职能"] => t(&task.function),
                    ["主要内容"] => t(&task.content),
                    ["支出项目"] => Some(
                        task.projects
                            .iter()
                            .map(|p| p.value.trim())
                            .collect::<Vec<_>>()
                            .join("、"),
                    ),
                    ["资金", k] => n(task.funds.as_ref()?.value.get(k)),
                    _ => None,
                }
            }
            _ => value_in_record(&w.indicators, w.eval.as_ref(), &parts)?,
        };
    }
    let rest = path.strip_prefix("项目[")?;
    let (p, rest) = rest.split_once("].")?;
    let proj = d.projects.get(p.parse::<usize>().ok()?)?;
    let parts: Vec<&str> = rest.split('.').collect();
    match parts.as_slice() {
        ["名称"] => Some(proj.name.value.clone()),
        ["总体目标"] => goals_text(&proj.goals),
        ["中期目标"] => goals_text(&proj.mid_goals),
        ["资金", k] => n(proj.funds.value.get(k)),
        ["中期资金", k] => n(proj.mid_funds.as_ref()?.value.get(k)),
        [ind, k] if ind.starts_with("中期指标[") => indicator_value(
            proj.mid_indicators.get(index_in(ind, "中期指标[").ok()?)?,
            k,
        ),
        _ => match value_in_record(&proj.indicators, proj.eval.as_ref(), &parts) {
            Some(v) => v,
            // The catalogue's texts kept by key (实施单位, …) and the style's fields.
            None => match parts.as_slice() {
                [k] => proj.text(k).map(|v| v.value.clone()),
                _ => None,
            },
        },
    }
}

/// The value at a path of a record's indicators or self-evaluation (see [`apply_record`]);
/// `None` for a path that is none of these.
fn value_in_record(
    indicators: &[Indicator],
    eval: Option<&SelfEval>,
    parts: &[&str],
) -> Option<Option<String>> {
    Some(match parts {
        ["自评", "实际完成情况"] => eval.map(|e| e.outcome.value.clone()),
        ["自评", "资金", k, m] => (|| {
            let a = eval?.funds.value.get(k)?;
            match *m {
                "年初预算" => n(a.initial.as_ref()),
                "全年预算" => n(Some(&a.budget)),
                _ => n(Some(&a.executed)),
            }
        })(),
        // The style's fields of the self-evaluation.
        ["自评", k] => eval.and_then(|e| e.text(k)).map(|v| v.value.clone()),
        [ind, "结果", k] => (|| {
            let j = result_in(indicators, eval, index_of(ind).ok()?)?;
            let r = eval?.indicators.get(j)?;
            match *k {
                "实际完成值" => t(&r.actual),
                "得分" => n(r.score.as_ref()),
                "偏差原因" => t(&r.reason),
                _ => t(&r.grade),
            }
        })(),
        [ind, k] if ind.starts_with("指标[") => index_of(ind)
            .ok()
            .and_then(|i| indicators.get(i))
            .and_then(|i| indicator_value(i, k)),
        _ => return None,
    })
}

fn indicator_value(i: &Indicator, k: &str) -> Option<String> {
    match k {
        "三级" => Some(i.name.value.clone()),
        "指标值" => Some(i.target.value.clone()),
        "依据" => t(&i.basis),
        "上年完成值" => t(&i.last_year),
        "赋分规则" => t(&i.scoring),
        "权重" => n(i.weight.as_ref()),
        "佐证资料" => Some(
            i.evidence
                .iter()
                .map(|e| e.value.clone())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        // The catalogue's texts kept by key (描述) and the style's fields.
        k => i.text(k).map(|v| v.value.clone()),
    }
}

/// [`result_of`] within one project.
pub(super) fn result_index(proj: &crate::model::Project, i: usize) -> Option<usize> {
    result_in(&proj.indicators, proj.eval.as_ref(), i)
}

/// The index of the self-evaluation result of indicator `i` of a record (a project's or the
/// department-wide part's), by 三级 or `二级/三级`.
pub(super) fn result_in(
    indicators: &[Indicator],
    eval: Option<&SelfEval>,
    i: usize,
) -> Option<usize> {
    let ind = indicators.get(i)?;
    let name = ind.name.value.trim();
    let eval = eval?;
    let with_level = ind
        .level2
        .as_ref()
        .map(|l| format!("{}/{name}", l.value.trim()));
    eval.indicators.iter().position(|r| {
        let r = r.indicator.value.trim();
        r == name || Some(r) == with_level.as_deref()
    })
}
