//! The department-wide part (`部门整体`, RULES.md "Department-wide tables"): its money adds up
//! (sources to the total, 基本支出 + 项目支出 to the total), its tasks' amounts add up to the
//! department's money (or to its 项目支出, where the style says so), every project a task names
//! is a project of the same file, and its indicators and self-evaluation are checked exactly as
//! a project's (taxonomy, weights, vocabularies, execution rate, scores, total, grade).

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde_saphyr::Spanned;

use super::{Cx, Eval, Funds, Ind, Owner, check_eval, check_funds, check_indicators, checked_sum};
use crate::compute::fmt_decimal;
use crate::fields;
use crate::model::{
    Department, DeptWide, FundRow, Num, SUBTOTAL, Sources as Money, THIS_YEAR, TOTAL_KEY,
};
use crate::rules;
use crate::style::{Breakdown, LoadedStyle, TasksTotal};

/// The department-wide part, checked, with the figures the planner prints.
pub struct Wide<'a> {
    pub src: &'a DeptWide,
    /// The department's money by source, and its total.
    pub funds: Funds,
    /// The tasks, in the order written.
    pub tasks: Vec<Task<'a>>,
    /// The department's indicators in print order, as a project's.
    pub indicators: Vec<Ind<'a>>,
    pub eval: Option<Eval<'a>>,
}

/// One task, checked.
pub struct Task<'a> {
    pub src: &'a crate::model::Task,
    /// Its amounts, where written.
    pub funds: Option<Funds>,
}

impl Wide<'_> {
    /// The sum of the tasks' amounts of a source key (or of their totals, for `合计`); `None`
    /// while a task has no amounts, or the sum is out of range.
    pub fn tasks_amount(&self, key: &str) -> Option<Decimal> {
        let mut sum = Decimal::ZERO;
        for t in &self.tasks {
            let f = t.funds.as_ref()?;
            sum = sum.checked_add(f.amount(key).unwrap_or(Decimal::ZERO))?;
        }
        Some(sum)
    }
}

/// Checks `部门整体` of `dept`.
pub(super) fn check<'a>(
    cx: &mut Cx,
    dept: &'a Department,
    w: &'a DeptWide,
    style: &LoadedStyle,
) -> Wide<'a> {
    let funds = check_funds(cx, &w.funds, style, Some("部门"));
    check_spending(cx, w, &funds);
    let tasks = check_tasks(cx, dept, w, style);
    if let Some(g) = &w.goals
        && g.value.texts().iter().all(|t| t.trim().is_empty())
    {
        cx.emit(&rules::EMPTY_TEXT, g, "年度总体目标为空");
    }
    let owner = Owner {
        at: &w.key,
        who: "部门整体",
        each: "部门整体",
    };
    // A part without indicators (a form that prints none, or not yet filled) has no indicator
    // set to judge; its self-evaluation still refers to none.
    let mut indicators = if w.indicators.is_empty() {
        Vec::new()
    } else {
        check_indicators(cx, owner, &w.indicators, style, false)
    };
    let eval = w
        .eval
        .as_ref()
        .map(|e| check_eval(cx, owner, &mut indicators, e, style));
    let mut wide = Wide {
        src: w,
        funds,
        tasks,
        indicators,
        eval,
    };
    check_tasks_sum(cx, w, &mut wide, style);
    check_breakdowns(cx, w, &wide.funds, style);
    super::declared::check(cx, w, style);
    wide
}

/// The sum of `key` over the `rows` that give it — what the printed table adds up (an empty
/// cell is left out, never read as a made-up 0); `None` when no row gives it (a column not
/// filled in yet is not judged), or the sum is out of range.
pub fn fund_rows_sum<'r>(
    rows: impl IntoIterator<Item = &'r FundRow>,
    key: &str,
) -> Option<Decimal> {
    let mut sum: Option<Decimal> = None;
    for n in rows.into_iter().filter_map(|r| r.figure(key)) {
        sum = Some(sum.unwrap_or_default().checked_add(n.value.0)?);
    }
    sum
}

/// The income and spending composition (`收入`, `支出`): every stated 小计 equals its group's
/// rows and every stated 合计 all the rows (JX804, at the stated figure); the rows' 本年 add up
/// to the department's money total (JX805), and income to spending where the style asks. Rows
/// are added as the printed table adds them: a figure left empty is left out.
fn check_breakdowns(cx: &mut Cx, w: &DeptWide, funds: &Funds, style: &LoadedStyle) {
    let mut totals = Vec::new();
    for (what, rows, source) in [
        ("收入", &w.income, Breakdown::Income),
        ("支出", &w.spending, Breakdown::Spending),
        ("拨付结余", &w.allocation, Breakdown::Allocation),
    ] {
        if rows.is_empty() {
            continue;
        }
        let computed = super::declared::computed_figures(style, source);
        let amounts = |r: &FundRow| {
            crate::fields::figures(r.level)
                .filter(|f| f.shape == crate::fields::Shape::Number)
                .map(|f| f.key)
                .collect::<Vec<_>>()
        };
        let parts: Vec<&FundRow> = rows.iter().filter(|r| r.stated_sum().is_none()).collect();
        for r in rows {
            let Some(kind) = r.stated_sum() else {
                cx.non_empty(&r.name, &format!("{what}的名称"));
                // Adjustments and balances may be negative; composition amounts may not.
                if r.level != crate::fields::Level::FundRow {
                    continue;
                }
                for n in amounts(r).iter().filter_map(|k| r.figure(k)) {
                    if n.value.0 < Decimal::ZERO {
                        cx.emit(&rules::MONEY_NEGATIVE, n, "金额为负数");
                    }
                }
                continue;
            };
            let (of, whose): (Vec<&FundRow>, String) = if kind == TOTAL_KEY {
                (parts.clone(), format!("{what}各行"))
            } else if kind == SUBTOTAL && fields::find(r.level, "分组").is_some() {
                let Some(g) = r.group.as_ref().map(|g| g.value.trim()) else {
                    if let Some(t) = &r.sum {
                        cx.emit_help(
                            &rules::FUND_SUM,
                            t,
                            format!("{what}的这一行是小计，却没有写它是哪个分组的小计"),
                            "写上 分组: …（与所加各行的分组相同）",
                        );
                    }
                    continue;
                };
                let of: Vec<&FundRow> = parts
                    .iter()
                    .copied()
                    .filter(|p| p.group.as_ref().is_some_and(|x| x.value.trim() == g))
                    .collect();
                (of, format!("{what}“{g}”各行"))
            } else {
                if let Some(t) = &r.sum {
                    cx.emit_help(
                        &rules::FUND_SUM,
                        t,
                        match fields::find(r.level, "分组") {
                            Some(_) => format!("汇总只能是“{SUBTOTAL}”或“{TOTAL_KEY}”"),
                            None => format!("{what}的汇总只能是“{TOTAL_KEY}”（它的行不分组）"),
                        },
                        "小计写“小计”，合计写“合计”；普通的行不写 汇总",
                    );
                }
                continue;
            };
            for key in amounts(r).into_iter().filter(|k| !computed.contains(k)) {
                let Some(stated) = r.figure(key) else {
                    continue;
                };
                let Some(sum) = fund_rows_sum(of.iter().copied(), key) else {
                    continue;
                };
                if sum != stated.value.0 {
                    cx.emit(
                        &rules::FUND_SUM,
                        stated,
                        format!(
                            "填报的{kind}（{key}）是 {}，{whose}的{key}相加为 {}",
                            fmt_decimal(stated.value.0),
                            fmt_decimal(sum)
                        ),
                    );
                }
            }
        }
        if what == "拨付结余" {
            continue;
        }
        let Some(sum) = fund_rows_sum(parts.iter().copied(), THIS_YEAR) else {
            continue;
        };
        let at = rows
            .iter()
            .filter(|r| r.stated_sum() == Some(TOTAL_KEY))
            .find_map(|r| r.figure(THIS_YEAR));
        let stated_money = w.funds.value.total().is_some() || !funds.sources.is_empty();
        if stated_money && sum != funds.total {
            let message = format!(
                "{what}各行的本年金额相加为 {}，部门资金合计是 {}",
                fmt_decimal(sum),
                fmt_decimal(funds.total)
            );
            match at {
                Some(n) => cx.emit(&rules::FUND_TOTAL, n, message),
                None => match w.funds.value.total() {
                    Some(t) => cx.emit(&rules::FUND_TOTAL, t, message),
                    None => cx.emit(&rules::FUND_TOTAL, &w.funds, message),
                },
            }
        }
        totals.push((what, sum, at));
    }
    if let ([(_, income, _), (_, spending, at)], true) = (
        totals.as_slice(),
        style.style.department.income_equals_spending,
    ) && income != spending
    {
        let message = format!(
            "收入合计 {}，支出合计 {}；样式“{}”要求两者相等",
            fmt_decimal(*income),
            fmt_decimal(*spending),
            style.key
        );
        match at {
            Some(n) => cx.emit(&rules::FUND_TOTAL, *n, message),
            None => cx.emit(&rules::FUND_TOTAL, &w.key, message),
        }
    }
}

/// 基本支出 and 项目支出: not negative, and together the department's total (JX801); one alone
/// not above it.
fn check_spending(cx: &mut Cx, w: &DeptWide, funds: &Funds) {
    for n in [&w.basic, &w.project_spending].into_iter().flatten() {
        if n.value.0 < Decimal::ZERO {
            cx.emit(&rules::MONEY_NEGATIVE, n, "金额为负数");
        }
    }
    let total = funds.total;
    let shown = fmt_decimal(total);
    match (&w.basic, &w.project_spending) {
        (Some(b), Some(p)) => {
            let sum = checked_sum(cx, [b.value.0, p.value.0], p);
            if sum != total {
                let message = format!(
                    "基本支出 {} 加项目支出 {} 为 {}，资金合计是 {shown}",
                    fmt_decimal(b.value.0),
                    fmt_decimal(p.value.0),
                    fmt_decimal(sum),
                );
                match w.funds.value.total() {
                    Some(t) => cx.emit(&rules::SPENDING_SUM, t, message),
                    None => cx.emit(&rules::SPENDING_SUM, p, message),
                }
            }
        }
        (one, other) => {
            let named = [("基本支出", one), ("项目支出", other)];
            for (what, n) in named {
                if let Some(n) = n
                    && n.value.0 > total
                {
                    cx.emit(
                        &rules::SPENDING_SUM,
                        n,
                        format!("{what} {} 超过资金合计 {shown}", fmt_decimal(n.value.0)),
                    );
                }
            }
        }
    }
}

/// Each task: a name, projects of this file (JX803, with the nearest name), amounts by the
/// style's sources.
fn check_tasks<'a>(
    cx: &mut Cx,
    dept: &Department,
    w: &'a DeptWide,
    style: &LoadedStyle,
) -> Vec<Task<'a>> {
    let names: Vec<&str> = dept.projects.iter().map(|p| p.name.value.trim()).collect();
    let known: HashSet<&str> = names.iter().copied().collect();
    // The nearest name is looked for a bounded number of times, so that a hostile file of
    // many tasks and projects is still checked in proportion to its size.
    let mut suggestions = if names.len() <= MAX_SUGGESTION_PROJECTS {
        MAX_SUGGESTIONS
    } else {
        0
    };
    let mut out = Vec::new();
    for t in &w.tasks {
        cx.non_empty(&t.name, "任务名称");
        for p in &t.projects {
            let written = p.value.trim();
            if !cx.non_empty(p, "支出项目名称") || known.contains(written) {
                continue;
            }
            let nearest = if suggestions > 0 {
                suggestions -= 1;
                fields::nearest(written, names.iter().copied())
            } else {
                None
            };
            let help = match nearest {
                Some(n) => format!("是不是“{n}”？写本文件“项目”中项目的名称，与其“名称”完全相同"),
                None if names.is_empty() => "本文件没有项目；先在“项目”下写出这个项目".to_string(),
                None => format!("本文件的项目：{}", shorten(&names)),
            };
            cx.emit_help(
                &rules::TASK_PROJECT_UNKNOWN,
                p,
                format!(
                    "任务“{}”的支出项目“{written}”不在本文件中",
                    t.name.value.trim()
                ),
                help,
            );
        }
        let funds = t.funds.as_ref().map(|m| check_funds(cx, m, style, None));
        out.push(Task { src: t, funds });
    }
    out
}

/// How many unknown project names get a “是不是…？”, and up to how many projects.
const MAX_SUGGESTIONS: usize = 50;
const MAX_SUGGESTION_PROJECTS: usize = 2000;

/// At most five names, then how many more.
fn shorten(names: &[&str]) -> String {
    let shown: Vec<&str> = names.iter().take(5).copied().collect();
    if names.len() > shown.len() {
        format!("{} 等 {} 个", shown.join("、"), names.len())
    } else {
        shown.join("、")
    }
}

/// The tasks' amounts add up to the department's money — in total and source by source — or,
/// where the style says so, to its 项目支出 (JX802, at the department's figure). Not judged
/// while a task has no amounts (a form still being filled).
fn check_tasks_sum(cx: &mut Cx, w: &DeptWide, wide: &mut Wide, style: &LoadedStyle) {
    if wide.tasks.is_empty() || wide.tasks.iter().any(|t| t.funds.is_none()) {
        return;
    }
    let Some(sum) = wide.tasks_amount(TOTAL_KEY) else {
        cx.emit(
            &rules::MONEY_RANGE,
            &w.key,
            "各任务金额相加超出了可计算的范围",
        );
        return;
    };
    match style.style.department.tasks_add_up_to {
        TasksTotal::ProjectSpending => match &w.project_spending {
            Some(p) => {
                if sum != p.value.0 {
                    cx.emit(
                        &rules::TASKS_SUM,
                        p,
                        format!(
                            "各任务金额相加为 {}，项目支出是 {}",
                            fmt_decimal(sum),
                            fmt_decimal(p.value.0)
                        ),
                    );
                }
            }
            None => cx.emit_help(
                &rules::MISSING_FIELD,
                &w.key,
                format!(
                    "样式“{}”要求各任务金额相加等于项目支出，部门整体却没有写项目支出",
                    style.key
                ),
                "在部门整体下写 项目支出: …（万元）",
            ),
        },
        TasksTotal::Funds => {
            if sum != wide.funds.total {
                let message = format!(
                    "各任务金额相加为 {}，部门资金合计是 {}",
                    fmt_decimal(sum),
                    fmt_decimal(wide.funds.total)
                );
                emit_at_total(cx, &w.funds, message);
                return;
            }
            // The totals agree: source by source, where the department gives its sources.
            for (key, amount) in &wide.funds.sources {
                let Some(tasks) = wide.tasks_amount(key) else {
                    continue;
                };
                if tasks != *amount {
                    let at = w
                        .funds
                        .value
                        .filled()
                        .into_iter()
                        .find(|(k, _)| k.value.trim() == key)
                        .map(|(_, v)| v);
                    let message = format!(
                        "各任务的{key}相加为 {}，部门资金的{key}是 {}",
                        fmt_decimal(tasks),
                        fmt_decimal(*amount)
                    );
                    match at {
                        Some(v) => cx.emit(&rules::TASKS_SUM, v, message),
                        None => cx.emit(&rules::TASKS_SUM, &w.funds, message),
                    }
                }
            }
        }
    }
}

/// A JX802 finding about the department's total, at its stated 合计 or at its money.
fn emit_at_total(cx: &mut Cx, m: &Spanned<Money<Num>>, message: String) {
    match m.value.total() {
        Some(t) => cx.emit(&rules::TASKS_SUM, t, message),
        None => cx.emit(&rules::TASKS_SUM, m, message),
    }
}
