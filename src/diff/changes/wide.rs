//! What changed in the department-wide part (部门整体): its money, goals, tasks (paired by
//! 任务名称), income and spending rows (paired by 名称), indicators and self-evaluation,
//! compared with the projects' comparisons of the parent module.

use super::*;

/// What a department's 部门整体 holds, in a few words (for one added or removed).
fn wide_summary(w: &DeptWide) -> String {
    let total = money_total(&w.funds.value).map_or_else(|| "—".to_string(), |t| t.to_string());
    format!(
        "资金合计 {total} 万元，任务 {} 项，指标 {} 条{}",
        w.tasks.len(),
        w.indicators.len(),
        if w.eval.is_some() { "，有自评" } else { "" }
    )
}

/// The department-wide part (`部门整体`): its own fields, money (by source, 基本支出,
/// 项目支出), tasks (paired by 任务名称), overall goal, indicators and self-evaluation, each
/// change under the project `部门整体`.
pub(in crate::diff) fn compare_wide(d: &mut Diff, o: Option<&DeptWide>, n: Option<&DeptWide>) {
    d.project = Some(WIDE.to_string());
    let (o, n) = match (o, n) {
        (None, None) => return,
        (None, Some(w)) | (Some(w), None) => {
            let added = o.is_none();
            let mut c = Change::new(Kind::DepartmentChanged);
            c.field = Some(WIDE.to_string());
            c.total = money_total(&w.funds.value).map(|t| t.to_string());
            c.count = Some(w.indicators.len());
            if added {
                c.after = Some(wide_summary(w));
                c.new_line = d.new_line(&w.key);
            } else {
                c.before = Some(wide_summary(w));
                c.old_line = d.old_line(&w.key);
            }
            d.push(c);
            return;
        }
        (Some(o), Some(n)) => (o, n),
    };
    let lines = d.lines(o.functions.as_ref(), n.functions.as_ref());
    d.field(
        Kind::DepartmentChanged,
        None,
        "部门职能",
        text(o.functions.as_ref()),
        text(n.functions.as_ref()),
        lines,
    );
    compare_money(d, Kind::MoneyChanged, None, &o.funds.value, &n.funds.value);
    for (item, ov, nv) in [
        ("基本支出", o.basic.as_ref(), n.basic.as_ref()),
        (
            "项目支出",
            o.project_spending.as_ref(),
            n.project_spending.as_ref(),
        ),
    ] {
        let lines = d.lines(ov, nv);
        d.number(
            Kind::MoneyChanged,
            Some(item),
            None,
            num(ov),
            num(nv),
            lines,
        );
    }
    compare_fund_rows(d, "收入", &o.income, &n.income);
    compare_fund_rows(d, "支出", &o.spending, &n.spending);
    compare_fund_rows(d, "拨付结余", &o.allocation, &n.allocation);
    compare_tasks(d, &o.tasks, &n.tasks);
    compare_goals(d, o.goals.as_ref(), n.goals.as_ref());
    compare_indicators(d, &o.indicators, &n.indicators);
    if d.scope == Scope::All {
        compare_evals(d, o.eval.as_ref(), n.eval.as_ref());
    }
}

/// The project name under which the department-wide part's changes are reported.
pub(super) const WIDE: &str = "部门整体";

/// The income or spending composition or the money by funding level (`what`): rows paired by 名称 (a stated 小计/合计 by its
/// 汇总 too), each figure a money change of the item `收入·<名称>`; a row added or removed is
/// the change of its figures from or to nothing.
fn compare_fund_rows(d: &mut Diff, what: &str, o: &[FundRow], n: &[FundRow]) {
    let names = |rs: &[FundRow]| -> Vec<String> {
        rs.iter()
            .map(|r| match r.stated_sum() {
                Some(s) => format!("{}（{s}）", r.name.value.trim()),
                None => r.name.value.trim().to_string(),
            })
            .collect()
    };
    let (on, nn) = (names(o), names(n));
    let pairs = pair(&on, &nn);
    for p in &pairs.order {
        let (a, b, name) = match *p {
            Paired::Both(i, j) => (Some(&o[i]), Some(&n[j]), &nn[j]),
            Paired::New(j) => (None, Some(&n[j]), &nn[j]),
            Paired::Old(i) => (Some(&o[i]), None, &on[i]),
        };
        let item = format!("{what}·{name}");
        let level = a.or(b).map_or(crate::fields::Level::FundRow, |r| r.level);
        let amounts = crate::fields::figures(level)
            .filter(|f| f.shape == crate::fields::Shape::Number)
            .map(|f| f.key);
        for key in amounts {
            let (ov, nv) = (a.and_then(|r| r.figure(key)), b.and_then(|r| r.figure(key)));
            let lines = d.lines(ov, nv);
            let lines = (
                lines.0.or_else(|| a.and_then(|r| d.old_line(&r.name))),
                lines.1.or_else(|| b.and_then(|r| d.new_line(&r.name))),
            );
            d.number(
                Kind::MoneyChanged,
                Some(&item),
                Some(key),
                num(ov),
                num(nv),
                lines,
            );
        }
    }
}

/// 年度主要任务, paired by 任务名称 whatever their order.
fn compare_tasks(d: &mut Diff, o: &[Task], n: &[Task]) {
    let names = |ts: &[Task]| -> Vec<String> {
        ts.iter().map(|t| t.name.value.trim().to_string()).collect()
    };
    let task_total = |t: &Task| t.funds.as_ref().and_then(|f| money_total(&f.value));
    let projects = |t: &Task| -> Option<String> {
        let v: Vec<&str> = t
            .projects
            .iter()
            .map(|p| p.value.trim())
            .filter(|p| !p.is_empty())
            .collect();
        (!v.is_empty()).then(|| v.join("、"))
    };
    let pairs = pair(&names(o), &names(n));
    for p in &pairs.order {
        match *p {
            Paired::Both(i, j) => {
                let (a, b) = (&o[i], &n[j]);
                let item = b.name.value.trim().to_string();
                for (key, ov, nv) in [
                    ("部门职能", a.function.as_ref(), b.function.as_ref()),
                    ("主要内容", a.content.as_ref(), b.content.as_ref()),
                ] {
                    let lines = d.lines(ov, nv);
                    d.field(
                        Kind::TaskChanged,
                        Some(&item),
                        key,
                        text(ov),
                        text(nv),
                        lines,
                    );
                }
                let lines = d.lines(a.projects.first(), b.projects.first());
                d.field(
                    Kind::TaskChanged,
                    Some(&item),
                    "支出项目",
                    projects(a),
                    projects(b),
                    (
                        lines.0.or_else(|| d.old_line(&a.name)),
                        lines.1.or_else(|| d.new_line(&b.name)),
                    ),
                );
                let empty = Sources::default();
                compare_money(
                    d,
                    Kind::TaskChanged,
                    Some(&item),
                    a.funds.as_ref().map_or(&empty, |f| &f.value),
                    b.funds.as_ref().map_or(&empty, |f| &f.value),
                );
            }
            Paired::New(j) => {
                let t = &n[j];
                let mut c = Change::new(Kind::TaskAdded);
                c.item = Some(t.name.value.trim().to_string());
                c.total = task_total(t).map(|v| v.to_string());
                c.after = text(t.content.as_ref());
                c.new_line = d.new_line(&t.name);
                d.push(c);
            }
            Paired::Old(i) => {
                let t = &o[i];
                let mut c = Change::new(Kind::TaskRemoved);
                c.item = Some(t.name.value.trim().to_string());
                c.total = task_total(t).map(|v| v.to_string());
                c.before = text(t.content.as_ref());
                c.old_line = d.old_line(&t.name);
                d.push(c);
            }
        }
    }
}
