//! A department's values by data path (`项目[2].指标[0].指标值`), as the twin's `cell` records name
//! them: read (`value_at`), written back (`apply`), and the department as its printed tables
//! carry it (`printed_only`).

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::NewValue;
use super::{sp, text};
use crate::model::{Dec, Department, Goals, IndicatorEval, Texts};
use crate::plan::BindKind;

/// The index of the self-evaluation result of indicator `i` of project `p`, as the check
/// resolves it (by 三级, or `二级/三级`).
pub(super) fn result_of(d: &Department, p: usize, i: usize) -> Option<usize> {
    result_index(d.projects.get(p)?, i)
}

/// Applies a value at a data path; `Err` says why not.
pub(super) fn apply(
    d: &mut Department,
    path: &str,
    v: &NewValue,
    kind: BindKind,
) -> Result<(), String> {
    let text_of = |v: &NewValue| match v {
        NewValue::Text(t) => t.clone(),
        NewValue::Number(n) => n.map(|n| n.to_string()).unwrap_or_default(),
    };
    let opt = |v: &NewValue| {
        let t = text_of(v);
        (!t.trim().is_empty()).then(|| text(t))
    };
    let num = |v: &NewValue| match v {
        NewValue::Number(n) => *n,
        NewValue::Text(_) => None,
    };
    if path == "部门" {
        d.name = text(text_of(v));
        return Ok(());
    }
    let rest = path.strip_prefix("项目[").ok_or("路径无法识别")?;
    let (p, rest) = rest.split_once("].").ok_or("路径无法识别")?;
    let p: usize = p.parse().map_err(|_| "路径无法识别")?;
    let original = d.clone();
    let proj = d.projects.get_mut(p).ok_or("项目已不存在")?;
    let parts: Vec<&str> = rest.split('.').collect();
    match parts.as_slice() {
        ["名称"] => proj.name = text(text_of(v)),
        ["总体目标"] => {
            let t = text_of(v);
            let lines: Vec<String> = t
                .split('\n')
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect();
            proj.goals = match lines.len() {
                0 => None,
                1 => Some(sp(Goals::One(lines[0].clone()))),
                _ => Some(sp(Goals::Many(lines))),
            };
        }
        ["资金", k] => {
            let entries = &mut proj.funds.value.entries;
            // A stated 合计 that was the sum of the sources follows them (Excel's SUM did).
            let sum = |e: &Vec<(crate::model::Text, crate::model::Num)>| {
                e.iter()
                    .filter(|(key, _)| key.value.trim() != crate::model::TOTAL_KEY)
                    .try_fold(Decimal::ZERO, |a, (_, v)| a.checked_add(v.value.0))
            };
            let total_follows = *k != crate::model::TOTAL_KEY
                && entries
                    .iter()
                    .find(|(key, _)| key.value.trim() == crate::model::TOTAL_KEY)
                    .is_some_and(|(_, t)| Some(t.value.0) == sum(entries));
            let at = entries.iter().position(|(key, _)| key.value.trim() == *k);
            match (num(v), at) {
                (Some(n), Some(i)) => entries[i].1 = sp(Dec(n)),
                (Some(n), None) => entries.push((text(*k), sp(Dec(n)))),
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
        ["自评", "实际完成情况"] => {
            let e = proj.eval.as_mut().ok_or("项目没有自评")?;
            e.outcome = text(text_of(v));
        }
        ["自评", "资金", k, m] => {
            let e = proj.eval.as_mut().ok_or("项目没有自评")?;
            let entries = &mut e.funds.value.entries;
            let i = match entries.iter().position(|(key, _)| key.value.trim() == *k) {
                Some(i) => i,
                None => {
                    entries.push((
                        text(*k),
                        crate::model::EvalAmounts {
                            initial: None,
                            budget: sp(Dec(Decimal::ZERO)),
                            executed: sp(Dec(Decimal::ZERO)),
                        },
                    ));
                    entries.len() - 1
                }
            };
            let measure = |a: &crate::model::EvalAmounts| match *m {
                "年初预算" => a.initial.as_ref().map(|n| n.value.0),
                "全年预算" => Some(a.budget.value.0),
                _ => Some(a.executed.value.0),
            };
            let sum = |e: &Vec<(crate::model::Text, crate::model::EvalAmounts)>| {
                e.iter()
                    .filter(|(key, _)| key.value.trim() != crate::model::TOTAL_KEY)
                    .try_fold(Decimal::ZERO, |acc, (_, a)| {
                        acc.checked_add(measure(a).unwrap_or_default())
                    })
            };
            let total_follows = *k != crate::model::TOTAL_KEY
                && entries
                    .iter()
                    .find(|(key, _)| key.value.trim() == crate::model::TOTAL_KEY)
                    .is_some_and(|(_, t)| measure(t) == sum(entries));
            let set =
                |a: &mut crate::model::EvalAmounts, n: Option<Decimal>| -> Result<(), String> {
                    match *m {
                        "年初预算" => a.initial = n.map(|n| sp(Dec(n))),
                        "全年预算" => a.budget = sp(Dec(n.unwrap_or_default())),
                        "全年执行" => a.executed = sp(Dec(n.unwrap_or_default())),
                        _ => return Err("路径无法识别".into()),
                    }
                    Ok(())
                };
            set(&mut entries[i].1, num(v))?;
            if total_follows && let Some(new) = sum(entries) {
                for (key, a) in entries.iter_mut() {
                    if key.value.trim() == crate::model::TOTAL_KEY {
                        set(a, Some(new))?;
                    }
                }
            }
        }
        ["自评", k] => {
            let e = proj.eval.as_mut().ok_or("项目没有自评")?;
            e.set_text(k, opt(v));
        }
        [ind, "结果", k] => {
            let i = index_of(ind)?;
            let j = match result_of(&original, p, i) {
                Some(j) => j,
                None => {
                    let ind = proj.indicators.get(i).ok_or("指标已不存在")?;
                    let name = ind.name.value.clone();
                    let e = proj.eval.as_mut().ok_or("项目没有自评，结果无处可放")?;
                    e.indicators.push(empty_result(&name));
                    e.indicators.len() - 1
                }
            };
            let e = proj.eval.as_mut().ok_or("项目没有自评")?;
            let r = &mut e.indicators[j];
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
            let result = result_of(&original, p, i);
            let indicator = proj.indicators.get_mut(i).ok_or("指标已不存在")?;
            match *k {
                "三级" => {
                    let new = text_of(v);
                    // The self-evaluation refers to the indicator by name.
                    if let (Some(j), Some(e)) = (result, proj.eval.as_mut()) {
                        let r = &mut e.indicators[j].indicator;
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
                k => indicator.set_text(k, opt(v)),
            }
        }
        // The catalogue's texts kept by key (实施单位, …) and the style's fields.
        [k] => proj.set_text(k, opt(v)),
        _ => return Err("路径无法识别".into()),
    }
    let _ = kind;
    Ok(())
}

pub(super) fn index_of(s: &str) -> Result<usize, String> {
    s.strip_prefix("指标[")
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

/// The value at a data path of `d`, as text (numbers normalized), `None` where there is none.
pub fn value_at(d: &Department, path: &str) -> Option<String> {
    let t = |x: &Option<crate::model::Text>| x.as_ref().map(|x| x.value.clone());
    if path == "部门" {
        return Some(d.name.value.clone());
    }
    let rest = path.strip_prefix("项目[")?;
    let (p, rest) = rest.split_once("].")?;
    let proj = d.projects.get(p.parse::<usize>().ok()?)?;
    let parts: Vec<&str> = rest.split('.').collect();
    let n = |x: Option<&crate::model::Num>| x.map(|x| x.value.0.normalize().to_string());
    match parts.as_slice() {
        ["名称"] => Some(proj.name.value.clone()),
        ["总体目标"] => proj.goals.as_ref().map(|g| g.value.texts().join("\n")),
        ["资金", k] => n(proj.funds.value.get(k)),
        ["自评", "实际完成情况"] => proj.eval.as_ref().map(|e| e.outcome.value.clone()),
        ["自评", "资金", k, m] => {
            let a = proj.eval.as_ref()?.funds.value.get(k)?;
            match *m {
                "年初预算" => n(a.initial.as_ref()),
                "全年预算" => n(Some(&a.budget)),
                _ => n(Some(&a.executed)),
            }
        }
        [ind, "结果", k] => {
            let i = index_of(ind).ok()?;
            let j = result_of(d, d.projects.iter().position(|x| std::ptr::eq(x, proj))?, i)?;
            let r = &proj.eval.as_ref()?.indicators[j];
            match *k {
                "实际完成值" => t(&r.actual),
                "得分" => n(r.score.as_ref()),
                "偏差原因" => t(&r.reason),
                _ => t(&r.grade),
            }
        }
        [ind, k] if ind.starts_with("指标[") => {
            let i = proj.indicators.get(index_of(ind).ok()?)?;
            match *k {
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
        // The catalogue's texts kept by key (实施单位, …) and the style's fields.
        [k] => proj.text(k).map(|v| v.value.clone()),
        _ => None,
    }
}

/// What a twin's data sheet carries of a department: what its tables print, plus what
/// `jixiao import` needs to map them back (issue 20: a target-table workbook must not carry
/// the self-evaluation's remarks). `bound` holds the data paths of the workbook's bound cells
/// (`项目[0].资金.财政拨款`, `项目[2].指标[3].三级`…).
///
/// Kept: the department's name, year, style, signatures and notes (printed under the tables);
/// every project with its name, so indices stay those of the data file; a project's other
/// fields, fund sources and self-evaluation fields only where a cell prints them; a project's
/// indicators when any of them is printed — each with its 一级, 二级 and 三级 (rows and
/// self-evaluation results are matched by them), its other fields where printed (指标值, which
/// the format requires, is left empty when not printed); a self-evaluation only when one of
/// its values is printed, with its required 实际完成情况 empty when not printed, a fund
/// source's 全年预算 and 全年执行 when any of its amounts is printed, and an indicator's
/// result when one of its values is printed.
pub fn printed_only(d: &Department, bound: &BTreeSet<String>) -> Department {
    let any = |prefix: &str| {
        bound
            .range(prefix.to_string()..)
            .next()
            .is_some_and(|p| p.starts_with(prefix))
    };
    let mut out = d.clone();
    // The department-wide part is not printed by any table the twin binds yet.
    if !any("部门整体") {
        out.wide = None;
    }
    for (p, proj) in out.projects.iter_mut().enumerate() {
        let at = |rest: &str| format!("项目[{p}].{rest}");
        let has = |rest: &str| bound.contains(&at(rest));
        if !has("总体目标") {
            proj.goals = None;
        }
        proj.texts.retain(|(k, _)| has(k.value.trim()));
        proj.funds
            .value
            .entries
            .retain(|(k, _)| has(&format!("资金.{}", k.value.trim())));
        // The self-evaluation, and the results of the indicators, before the indicators
        // lose what is not printed (results are matched to indicators by name).
        let original = proj.clone();
        let printed_eval = any(&at("自评.")) || {
            (0..original.indicators.len()).any(|i| any(&at(&format!("指标[{i}].结果."))))
        };
        if !printed_eval {
            proj.eval = None;
        }
        if let Some(e) = proj.eval.as_mut() {
            e.stated_rate = None;
            e.stated_exec_score = None;
            e.exec_override = None;
            e.stated_total = None;
            e.stated_grade = None;
            if !has("自评.实际完成情况") {
                e.outcome = text("");
            }
            e.texts
                .retain(|(k, _)| has(&format!("自评.{}", k.value.trim())));
            e.funds.value.entries.retain_mut(|(k, a)| {
                let k = format!("自评.资金.{}.", k.value.trim());
                if !has(&format!("{k}年初预算")) {
                    a.initial = None;
                }
                if !has(&format!("{k}全年预算")) {
                    a.budget = sp(Dec(Decimal::ZERO));
                }
                if !has(&format!("{k}全年执行")) {
                    a.executed = sp(Dec(Decimal::ZERO));
                }
                any(&at(&k))
            });
            let mut results = Vec::new();
            for i in 0..original.indicators.len() {
                let r = format!("指标[{i}].结果.");
                if !any(&at(&r)) {
                    continue;
                }
                let Some(j) = result_index(&original, i) else {
                    continue;
                };
                let Some(mut res) = original
                    .eval
                    .as_ref()
                    .and_then(|e| e.indicators.get(j))
                    .cloned()
                else {
                    continue;
                };
                let keep_r = |v: &mut Option<crate::model::Text>, k: &str| {
                    if !has(&format!("{r}{k}")) {
                        *v = None;
                    }
                };
                keep_r(&mut res.actual, "实际完成值");
                keep_r(&mut res.grade, "等级");
                keep_r(&mut res.reason, "偏差原因");
                if !has(&format!("{r}得分")) {
                    res.score = None;
                }
                res.score_override = None;
                results.push(res);
            }
            e.indicators = results;
        }
        if !any(&at("指标[")) {
            proj.indicators.clear();
            continue;
        }
        for (i, ind) in proj.indicators.iter_mut().enumerate() {
            let f = |k: &str| format!("指标[{i}].{k}");
            let keep_i = |v: &mut Option<crate::model::Text>, k: &str| {
                if !has(&f(k)) {
                    *v = None;
                }
            };
            if !has(&f("指标值")) {
                ind.target = text("");
            }
            keep_i(&mut ind.basis, "依据");
            keep_i(&mut ind.last_year, "上年完成值");
            keep_i(&mut ind.scoring, "赋分规则");
            if !has(&f("权重")) {
                ind.weight = None;
            }
            if !has(&f("佐证资料")) {
                ind.evidence.clear();
            }
            ind.texts.retain(|(k, _)| has(&f(k.value.trim())));
        }
    }
    out
}

/// [`result_of`] within one project.
pub(super) fn result_index(proj: &crate::model::Project, i: usize) -> Option<usize> {
    let ind = proj.indicators.get(i)?;
    let name = ind.name.value.trim();
    let eval = proj.eval.as_ref()?;
    let with_level = ind
        .level2
        .as_ref()
        .map(|l| format!("{}/{name}", l.value.trim()));
    eval.indicators.iter().position(|r| {
        let r = r.indicator.value.trim();
        r == name || Some(r) == with_level.as_deref()
    })
}
