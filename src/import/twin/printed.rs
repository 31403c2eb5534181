//! The department as a twin's data sheet carries it: what its printed tables show, by the data
//! paths of the workbook's bound cells ([`printed_only`]).

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::paths::result_in;
use super::{sp, text};
use crate::model::{Dec, Department, Indicator, SelfEval, Text};

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
/// result when one of its values is printed. A project's 中期目标, 中期资金 and 中期指标 alike.
/// The department-wide part (`部门整体`) when one of its values is printed: every task with
/// its name (indices stay those of the file), and of the rest what is printed, its indicators
/// and self-evaluation as a project's.
pub fn printed_only(d: &Department, bound: &BTreeSet<String>) -> Department {
    let any = |prefix: &str| {
        bound
            .range(prefix.to_string()..)
            .next()
            .is_some_and(|p| p.starts_with(prefix))
    };
    let has = |path: &str| bound.contains(path);
    let mut out = d.clone();
    if !any("部门整体.") {
        out.wide = None;
    }
    if let Some(w) = out.wide.as_mut() {
        let at = |rest: &str| format!("部门整体.{rest}");
        if !has(&at("部门职能")) {
            w.functions = None;
        }
        if !has(&at("年度总体目标")) {
            w.goals = None;
        }
        w.funds
            .value
            .entries
            .retain(|(k, _)| has(&at(&format!("资金.{}", k.value.trim()))));
        if !has(&at("基本支出")) {
            w.basic = None;
        }
        if !has(&at("项目支出")) {
            w.project_spending = None;
        }
        for (i, task) in w.tasks.iter_mut().enumerate() {
            let f = |k: &str| at(&format!("任务[{i}].{k}"));
            if !has(&f("部门职能")) {
                task.function = None;
            }
            if !has(&f("主要内容")) {
                task.content = None;
            }
            if !has(&f("支出项目")) {
                task.projects.clear();
            }
            if let Some(funds) = task.funds.as_mut() {
                funds
                    .value
                    .entries
                    .retain(|(k, _)| has(&f(&format!("资金.{}", k.value.trim()))));
            }
            if task
                .funds
                .as_ref()
                .is_some_and(|f| f.value.entries.is_empty())
            {
                task.funds = None;
            }
        }
        printed_record(&mut w.indicators, &mut w.eval, "部门整体.", bound);
    }
    for (p, proj) in out.projects.iter_mut().enumerate() {
        let at = |rest: &str| format!("项目[{p}].{rest}");
        if !has(&at("总体目标")) {
            proj.goals = None;
        }
        if !has(&at("中期目标")) {
            proj.mid_goals = None;
        }
        proj.texts.retain(|(k, _)| has(&at(k.value.trim())));
        proj.funds
            .value
            .entries
            .retain(|(k, _)| has(&at(&format!("资金.{}", k.value.trim()))));
        if let Some(funds) = proj.mid_funds.as_mut() {
            funds
                .value
                .entries
                .retain(|(k, _)| has(&at(&format!("中期资金.{}", k.value.trim()))));
        }
        if proj
            .mid_funds
            .as_ref()
            .is_some_and(|f| f.value.entries.is_empty())
        {
            proj.mid_funds = None;
        }
        if any(&at("中期指标[")) {
            for (i, ind) in proj.mid_indicators.iter_mut().enumerate() {
                printed_indicator(ind, &at(&format!("中期指标[{i}].")), bound);
            }
        } else {
            proj.mid_indicators.clear();
        }
        printed_record(&mut proj.indicators, &mut proj.eval, &at(""), bound);
    }
    out
}

/// [`printed_only`] for a record's indicators and self-evaluation, its paths below `root`
/// (`项目[0].`, `部门整体.`).
fn printed_record(
    indicators: &mut Vec<Indicator>,
    eval: &mut Option<SelfEval>,
    root: &str,
    bound: &BTreeSet<String>,
) {
    let any = |prefix: &str| {
        bound
            .range(prefix.to_string()..)
            .next()
            .is_some_and(|p| p.starts_with(prefix))
    };
    let at = |rest: &str| format!("{root}{rest}");
    let has = |rest: &str| bound.contains(&at(rest));
    // The self-evaluation, and the results of the indicators, before the indicators lose
    // what is not printed (results are matched to indicators by name).
    let original_indicators = indicators.clone();
    let original_eval = eval.clone();
    let printed_eval = any(&at("自评."))
        || (0..original_indicators.len()).any(|i| any(&at(&format!("指标[{i}].结果."))));
    if !printed_eval {
        *eval = None;
    }
    if let Some(e) = eval.as_mut() {
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
        for i in 0..original_indicators.len() {
            let r = format!("指标[{i}].结果.");
            if !any(&at(&r)) {
                continue;
            }
            let Some(j) = result_in(&original_indicators, original_eval.as_ref(), i) else {
                continue;
            };
            let Some(mut res) = original_eval
                .as_ref()
                .and_then(|e| e.indicators.get(j))
                .cloned()
            else {
                continue;
            };
            let keep_r = |v: &mut Option<Text>, k: &str| {
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
        indicators.clear();
        return;
    }
    for (i, ind) in indicators.iter_mut().enumerate() {
        printed_indicator(ind, &at(&format!("指标[{i}].")), bound);
    }
}

/// An indicator as printed: its levels and 三级, and of its other fields those at a bound path
/// below `root` (`项目[0].指标[3].`); 指标值, which the format requires, empty when not printed.
fn printed_indicator(ind: &mut Indicator, root: &str, bound: &BTreeSet<String>) {
    let has = |k: &str| bound.contains(&format!("{root}{k}"));
    let keep_i = |v: &mut Option<Text>, k: &str| {
        if !has(k) {
            *v = None;
        }
    };
    if !has("指标值") {
        ind.target = text("");
    }
    keep_i(&mut ind.basis, "依据");
    keep_i(&mut ind.last_year, "上年完成值");
    keep_i(&mut ind.scoring, "赋分规则");
    if !has("权重") {
        ind.weight = None;
    }
    if !has("佐证资料") {
        ind.evidence.clear();
    }
    ind.texts.retain(|(k, _)| has(k.value.trim()));
}
