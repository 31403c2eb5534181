//! What changed between two versions of a department, field by field: its projects, their money,
//! indicators (targets compared as their meaning, `compare_target`) and self-evaluations.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde_saphyr::Spanned;

use super::pairing::{IndKey, Paired, pair};
use super::{Change, Kind, Scope, Strictness, View};
use crate::fields::{self, Level, Record, Shape};
use crate::model::{
    DeptWide, FundRow, Indicator, Num, Project, SelfEval, Sources, Task, Text, Texts,
};
use crate::target::{self, Direction, Value};

mod wide;
use wide::compare_wide;

/// A signed difference: `+2.24`, `-5`.
pub(super) fn signed(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// A text value trimmed; empty is none.
pub(super) fn text(t: Option<&Text>) -> Option<String> {
    t.map(|t| t.value.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub(super) fn num(n: Option<&Num>) -> Option<Decimal> {
    n.map(|n| n.value.0)
}

/// A project's money total: the sum of its sources, or its stated total where it has none.
pub(super) fn project_total(p: &Project) -> Option<Decimal> {
    money_total(&p.funds.value)
}

/// The total of money by source: the sum of its sources, or its stated total where it has none.
pub(super) fn money_total(m: &Sources<Num>) -> Option<Decimal> {
    let filled = m.filled();
    if filled.is_empty() {
        return m.total().map(|t| t.value.0);
    }
    filled
        .iter()
        .try_fold(Decimal::ZERO, |a, (_, v)| a.checked_add(v.value.0))
}

/// Collects the changes of one department pair.
pub(super) struct Diff<'a> {
    old: &'a View<'a>,
    new: &'a View<'a>,
    scope: Scope,
    project: Option<String>,
    changes: Vec<Change>,
}

impl Diff<'_> {
    fn push(&mut self, mut c: Change) {
        c.project = self.project.clone();
        self.changes.push(c);
    }

    /// A field that may have changed: pushed when `before` and `after` differ.
    fn field(
        &mut self,
        kind: Kind,
        item: Option<&str>,
        field: &str,
        before: Option<String>,
        after: Option<String>,
        lines: (Option<usize>, Option<usize>),
    ) {
        if before == after {
            return;
        }
        let mut c = Change::new(kind);
        c.item = item.map(str::to_string);
        c.field = Some(field.to_string());
        c.before = before;
        c.after = after;
        c.old_line = lines.0;
        c.new_line = lines.1;
        self.push(c);
    }

    /// A number field: pushed with its difference when the values differ (`10` and `10.00`
    /// are the same).
    fn number(
        &mut self,
        kind: Kind,
        item: Option<&str>,
        field: Option<&str>,
        before: Option<Decimal>,
        after: Option<Decimal>,
        lines: (Option<usize>, Option<usize>),
    ) {
        if before == after {
            return;
        }
        let mut c = Change::new(kind);
        c.item = item.map(str::to_string);
        c.field = field.map(str::to_string);
        c.before = before.map(|d| d.to_string());
        c.after = after.map(|d| d.to_string());
        c.delta = after
            .unwrap_or_default()
            .checked_sub(before.unwrap_or_default())
            .map(signed);
        c.old_line = lines.0;
        c.new_line = lines.1;
        self.push(c);
    }

    /// A field of the catalogue by its shape: a text, a number, or a list of texts (compared
    /// as a set, located at `at` when the list is empty on a side). Records and money are
    /// compared by their own parts elsewhere.
    fn value(
        &mut self,
        kind: Kind,
        item: Option<&str>,
        f: &fields::Field,
        old: fields::Value,
        new: fields::Value,
        at: LinePair,
    ) {
        match f.shape {
            Shape::Text | Shape::Rate => {
                let (o, n) = (as_text(old), as_text(new));
                let lines = self.lines(o, n);
                self.field(kind, item, f.key, text(o), text(n), lines);
            }
            Shape::Number => {
                let (o, n) = (as_num(old), as_num(new));
                let lines = self.lines(o, n);
                self.number(kind, item, Some(f.key), num(o), num(n), lines);
            }
            // Which texts, not their order.
            Shape::TextList => {
                let set = |v: &[Text]| -> Option<String> {
                    let mut t: Vec<&str> = v
                        .iter()
                        .map(|t| t.value.trim())
                        .filter(|t| !t.is_empty())
                        .collect();
                    t.sort_unstable();
                    t.dedup();
                    (!t.is_empty()).then(|| t.join("、"))
                };
                let (o, n) = (as_list(old), as_list(new));
                let lines = self.lines(o.first(), n.first());
                let lines = (lines.0.or(at.0), lines.1.or(at.1));
                self.field(kind, item, f.key, set(o), set(n), lines);
            }
            _ => {}
        }
    }

    fn old_line<T>(&self, s: &Spanned<T>) -> Option<usize> {
        self.old.line(s)
    }

    fn new_line<T>(&self, s: &Spanned<T>) -> Option<usize> {
        self.new.line(s)
    }

    fn lines<T, U>(&self, o: Option<&Spanned<T>>, n: Option<&Spanned<U>>) -> LinePair {
        (
            o.and_then(|s| self.old_line(s)),
            n.and_then(|s| self.new_line(s)),
        )
    }
}

pub(super) type LinePair = (Option<usize>, Option<usize>);

fn as_text(v: fields::Value<'_>) -> Option<&Text> {
    match v {
        fields::Value::Text(t) => Some(t),
        _ => None,
    }
}

fn as_num(v: fields::Value<'_>) -> Option<&Num> {
    match v {
        fields::Value::Number(n) => Some(n),
        _ => None,
    }
}

fn as_list(v: fields::Value<'_>) -> &[Text] {
    match v {
        fields::Value::Texts(l) => l,
        _ => &[],
    }
}

pub(super) fn compare_departments(old: &View, new: &View, scope: Scope) -> Vec<Change> {
    let mut d = Diff {
        old,
        new,
        scope,
        project: None,
        changes: Vec::new(),
    };
    let (o, n) = (old.dept, new.dept);
    let lines = d.lines(Some(&o.name), Some(&n.name));
    d.field(
        Kind::DepartmentChanged,
        None,
        "部门",
        text(Some(&o.name)),
        text(Some(&n.name)),
        lines,
    );
    let lines = d.lines(Some(&o.style), Some(&n.style));
    d.field(
        Kind::DepartmentChanged,
        None,
        "样式",
        text(Some(&o.style)),
        text(Some(&n.style)),
        lines,
    );
    let keys = entry_keys(
        o.signatures.iter().map(|(k, _)| k),
        n.signatures.iter().map(|(k, _)| k),
    );
    for key in keys {
        let (ov, nv) = (o.signatures.get(&key), n.signatures.get(&key));
        let lines = d.lines(ov, nv);
        d.field(
            Kind::DepartmentChanged,
            None,
            &format!("签字/{key}"),
            text(ov),
            text(nv),
            lines,
        );
    }
    let notes = |v: &[Text]| -> Option<String> {
        let t: Vec<&str> = v
            .iter()
            .map(|t| t.value.trim())
            .filter(|t| !t.is_empty())
            .collect();
        (!t.is_empty()).then(|| t.join("\n"))
    };
    let lines = d.lines(o.notes.first(), n.notes.first());
    d.field(
        Kind::DepartmentChanged,
        None,
        "备注",
        notes(&o.notes),
        notes(&n.notes),
        lines,
    );

    let names = |ps: &[Project]| -> Vec<String> {
        ps.iter().map(|p| p.name.value.trim().to_string()).collect()
    };
    let pairs = pair(&names(&o.projects), &names(&n.projects));
    for p in &pairs.order {
        match *p {
            Paired::Both(i, j) => compare_projects(&mut d, &o.projects[i], &n.projects[j]),
            Paired::New(j) => {
                let p = &n.projects[j];
                let mut c = project_summary(Kind::ProjectAdded, p);
                c.new_line = d.new_line(&p.name);
                d.project = Some(p.name.value.trim().to_string());
                d.push(c);
            }
            Paired::Old(i) => {
                let p = &o.projects[i];
                let mut c = project_summary(Kind::ProjectRemoved, p);
                c.old_line = d.old_line(&p.name);
                d.project = Some(p.name.value.trim().to_string());
                d.push(c);
            }
        }
    }
    compare_wide(&mut d, o.wide.as_ref(), n.wide.as_ref());
    d.changes
}

pub(super) fn project_summary(kind: Kind, p: &Project) -> Change {
    let mut c = Change::new(kind);
    c.total = project_total(p).map(|t| t.to_string());
    c.count = Some(p.indicators.len());
    c
}

/// The keys of two located maps, trimmed: the new side's in order, then the old side's others.
pub(super) fn entry_keys<'k>(
    old: impl Iterator<Item = &'k Text>,
    new: impl Iterator<Item = &'k Text>,
) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for k in new.chain(old) {
        let k = k.value.trim().to_string();
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// Extra fields (key, value) of two sides, by key.
/// The text fields kept by key of two versions of a record at `level`: the catalogue's, in its
/// order, then the style's fields either version has.
pub(super) fn texts<'e, T: Texts>(
    level: Level,
    old: &'e T,
    new: &'e T,
) -> Vec<(String, Option<&'e Text>, Option<&'e Text>)> {
    let mut out: Vec<_> = fields::stored_texts(level)
        .map(|f| (f.key.to_string(), old.text(f.key), new.text(f.key)))
        .collect();
    let (oe, ne) = (fields::extras(old, level), fields::extras(new, level));
    let keys = entry_keys(oe.iter().map(|(k, _)| k), ne.iter().map(|(k, _)| k));
    out.extend(keys.into_iter().map(|k| {
        let (o, n) = (old.text(&k), new.text(&k));
        (k, o, n)
    }));
    out
}

/// The style's fields (kept by key, unknown to the catalogue) of two versions of a record.
pub(super) fn extra_texts<'e, T: Texts>(
    level: Level,
    old: &'e T,
    new: &'e T,
) -> Vec<(String, Option<&'e Text>, Option<&'e Text>)> {
    let (oe, ne) = (fields::extras(old, level), fields::extras(new, level));
    let keys = entry_keys(oe.iter().map(|(k, _)| k), ne.iter().map(|(k, _)| k));
    keys.into_iter()
        .map(|k| {
            let (o, n) = (old.text(&k), new.text(&k));
            (k, o, n)
        })
        .collect()
}

/// Where a project's money total is: its stated total, or its first source.
pub(super) fn money_at(m: &crate::model::Sources<Num>) -> Option<&Num> {
    m.total().or_else(|| m.filled().first().map(|(_, v)| *v))
}

pub(super) fn compare_projects(d: &mut Diff, o: &Project, n: &Project) {
    d.project = Some(n.name.value.trim().to_string());
    for (key, ov, nv) in texts(Level::Project, o, n) {
        let lines = d.lines(ov, nv);
        d.field(Kind::ProjectChanged, None, &key, text(ov), text(nv), lines);
    }

    compare_money(d, Kind::MoneyChanged, None, &o.funds.value, &n.funds.value);
    compare_goals(d, o.goals.as_ref(), n.goals.as_ref());
    compare_indicators(d, &o.indicators, &n.indicators);
    if d.scope == Scope::All {
        compare_evals(d, o.eval.as_ref(), n.eval.as_ref());
    }
}

/// Money by source, each source a change of `kind` (its item the source; or, for the money of
/// an `item`, that item with the field `资金/<source>`); then the total where the sources do
/// not already say it.
pub(super) fn compare_money(
    d: &mut Diff,
    kind: Kind,
    item: Option<&str>,
    om: &Sources<Num>,
    nm: &Sources<Num>,
) {
    // (item, field) of a source key.
    let named = |key: &str| match item {
        Some(i) => (i.to_string(), Some(format!("资金/{key}"))),
        None => (key.to_string(), None),
    };
    let keys = entry_keys(
        om.filled().into_iter().map(|(k, _)| k),
        nm.filled().into_iter().map(|(k, _)| k),
    );
    let before = d.changes.len();
    for key in &keys {
        let (ov, nv) = (om.get(key), nm.get(key));
        let lines = d.lines(ov, nv);
        let (i, f) = named(key);
        d.number(kind, Some(&i), f.as_deref(), num(ov), num(nv), lines);
    }
    let per_source = d.changes.len() - before;
    let (ot, nt) = (money_total(om), money_total(nm));
    let sources = om.filled().len().max(nm.filled().len());
    if ot != nt && (sources != 1 || per_source == 0) {
        let lines = d.lines(money_at(om), money_at(nm));
        let (i, f) = named(crate::model::TOTAL_KEY);
        d.number(kind, Some(&i), f.as_deref(), ot, nt, lines);
    }
}

/// The overall goal, as a whole.
fn compare_goals(
    d: &mut Diff,
    o: Option<&Spanned<crate::model::Goals>>,
    n: Option<&Spanned<crate::model::Goals>>,
) {
    let goals = |g: Option<&Spanned<crate::model::Goals>>| -> Option<String> {
        let t: Vec<&str> = g?
            .value
            .texts()
            .into_iter()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        (!t.is_empty()).then(|| t.join("\n"))
    };
    if goals(o) != goals(n) {
        let mut c = Change::new(Kind::GoalsChanged);
        c.before = goals(o);
        c.after = goals(n);
        c.old_line = o.and_then(|g| d.old_line(g));
        c.new_line = n.and_then(|g| d.new_line(g));
        d.push(c);
    }
}

pub(super) fn compare_indicators(d: &mut Diff, o: &[Indicator], n: &[Indicator]) {
    let ok: Vec<IndKey> = o.iter().map(|i| d.old.key(i)).collect();
    let nk: Vec<IndKey> = n.iter().map(|i| d.new.key(i)).collect();
    let pairs = pair(&ok, &nk);
    // Of those left over, one 三级 name on each side: the same indicator, moved.
    let left_old: Vec<usize> = pairs
        .order
        .iter()
        .filter_map(|p| match *p {
            Paired::Old(i) => Some(i),
            _ => None,
        })
        .collect();
    let left_new: Vec<usize> = pairs
        .order
        .iter()
        .filter_map(|p| match *p {
            Paired::New(j) => Some(j),
            _ => None,
        })
        .collect();
    let unique = |keys: &[IndKey], left: &[usize], name: &str| -> Option<usize> {
        let mut it = left.iter().filter(|&&i| keys[i].name == name);
        match (it.next(), it.next()) {
            (Some(&i), None) => Some(i),
            _ => None,
        }
    };
    let mut moved: HashMap<usize, usize> = HashMap::new(); // new → old
    for &j in &left_new {
        if let (Some(i), Some(_)) = (
            unique(&ok, &left_old, &nk[j].name),
            unique(&nk, &left_new, &nk[j].name),
        ) {
            moved.insert(j, i);
        }
    }
    let moved_old: Vec<usize> = moved.values().copied().collect();
    let mut removed = Vec::new();
    for p in &pairs.order {
        match *p {
            Paired::Both(i, j) => {
                compare_indicator(d, &o[i], &n[j], &nk[j]);
            }
            Paired::New(j) => {
                let ind = &n[j];
                if let Some(&i) = moved.get(&j) {
                    let mut c = Change::new(Kind::IndicatorMoved);
                    c.item = Some(nk[j].name.clone());
                    c.before = Some(ok[i].path());
                    c.after = Some(nk[j].path());
                    c.old_line = d.old_line(&o[i].name);
                    c.new_line = d.new_line(&ind.name);
                    d.push(c);
                    compare_indicator(d, &o[i], ind, &nk[j]);
                } else {
                    let mut c = Change::new(Kind::IndicatorAdded);
                    c.item = Some(nk[j].path());
                    c.after = text(Some(&ind.target));
                    c.weight = num(ind.weight.as_ref()).map(|w| w.to_string());
                    c.new_line = d.new_line(&ind.name);
                    d.push(c);
                }
            }
            Paired::Old(i) if !moved_old.contains(&i) => removed.push(i),
            Paired::Old(_) => {}
        }
    }
    for i in removed {
        let ind = &o[i];
        let mut c = Change::new(Kind::IndicatorRemoved);
        c.item = Some(ok[i].path());
        c.before = text(Some(&ind.target));
        c.weight = num(ind.weight.as_ref()).map(|w| w.to_string());
        c.old_line = d.old_line(&ind.name);
        d.push(c);
    }
}

pub(super) fn compare_indicator(d: &mut Diff, o: &Indicator, n: &Indicator, key: &IndKey) {
    let item = key.path();
    for (f, ov) in o.fields() {
        let nv = n.get(f.key).unwrap_or(fields::Value::Absent);
        match f.key {
            // Which indicator it is (its key), not a change of it.
            "一级" | "二级" | "三级" => {}
            // Two years differ here by nature.
            "上年完成值" if d.scope != Scope::All => {}
            "指标值" => {
                if let Some(mut c) = compare_target(&o.target.value, &n.target.value) {
                    c.item = Some(item.clone());
                    c.old_line = d.old_line(&o.target);
                    c.new_line = d.new_line(&n.target);
                    d.push(c);
                }
            }
            "权重" => {
                let (ow, nw) = (o.weight.as_ref(), n.weight.as_ref());
                let lines = d.lines(ow, nw);
                d.number(
                    Kind::WeightChanged,
                    Some(&item),
                    None,
                    num(ow),
                    num(nw),
                    lines,
                );
            }
            _ => {
                let at = (d.old_line(&o.name), d.new_line(&n.name));
                d.value(Kind::IndicatorChanged, Some(&item), f, ov, nv, at);
            }
        }
    }
    for (key, ov, nv) in extra_texts(Level::Indicator, o, n) {
        let lines = d.lines(ov, nv);
        d.field(
            Kind::IndicatorChanged,
            Some(&item),
            &key,
            text(ov),
            text(nv),
            lines,
        );
    }
}

/// A target as compared when it is not a quantity: without spaces, with `≥`/`≤` for
/// `>=`/`<=` and `%` for `％`.
pub(super) fn normal(t: &str) -> String {
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    target::display(&t, true).replace('％', "%")
}

/// How a target changed, if it did: raised or lowered (one comparison and unit, another
/// number), changed otherwise; nothing for another spelling of the same target.
pub fn compare_target(old: &str, new: &str) -> Option<Change> {
    let (o, n) = (old.trim(), new.trim());
    if o == n {
        return None;
    }
    let mut c = Change::new(Kind::TargetChanged);
    c.before = Some(o.to_string());
    c.after = Some(n.to_string());
    match (target::parse(o), target::parse(n)) {
        (
            Value::Quantity {
                op: oo,
                number: on,
                unit: ou,
            },
            Value::Quantity {
                op: no,
                number: nn,
                unit: nu,
            },
        ) if oo == no && ou == nu => {
            if on == nn {
                return None;
            }
            let raised = nn > on;
            c.kind = if raised {
                Kind::TargetRaised
            } else {
                Kind::TargetLowered
            };
            c.delta = nn.checked_sub(on).map(|d| format!("{}{nu}", signed(d)));
            c.direction = match oo.map(target::Op::direction) {
                Some(Direction::Positive) if raised => Some(Strictness::Stricter),
                Some(Direction::Positive) => Some(Strictness::Looser),
                Some(Direction::Negative) if raised => Some(Strictness::Looser),
                Some(Direction::Negative) => Some(Strictness::Stricter),
                _ => None,
            };
            Some(c)
        }
        (Value::Quantity { .. }, _) | (_, Value::Quantity { .. }) => Some(c),
        _ if normal(o) == normal(n) => None,
        _ => Some(c),
    }
}

pub(super) fn compare_evals(d: &mut Diff, o: Option<&SelfEval>, n: Option<&SelfEval>) {
    let (oe, ne) = match (o, n) {
        (None, None) => return,
        (None, Some(e)) => {
            let mut c = Change::new(Kind::EvalAdded);
            c.count = Some(e.indicators.len());
            c.after = text(Some(&e.outcome));
            c.new_line = d.new_line(&e.outcome);
            d.push(c);
            return;
        }
        (Some(e), None) => {
            let mut c = Change::new(Kind::EvalRemoved);
            c.count = Some(e.indicators.len());
            c.before = text(Some(&e.outcome));
            c.old_line = d.old_line(&e.outcome);
            d.push(c);
            return;
        }
        (Some(a), Some(b)) => (a, b),
    };
    // The catalogue's fields in its order: money by source, the stated figures and texts,
    // each indicator's result; then the style's fields.
    for (f, ov) in oe.fields() {
        let nv = ne.get(f.key).unwrap_or(fields::Value::Absent);
        match f.shape {
            Shape::EvalMoney => compare_eval_money(d, oe, ne),
            Shape::Records(_) => compare_results(d, oe, ne),
            _ => d.value(Kind::EvalChanged, None, f, ov, nv, (None, None)),
        }
    }
    for (key, ov, nv) in extra_texts(Level::Eval, oe, ne) {
        let lines = d.lines(ov, nv);
        d.field(Kind::EvalChanged, None, &key, text(ov), text(nv), lines);
    }
}

/// Each indicator's result, by the indicator it refers to.
fn compare_results(d: &mut Diff, oe: &SelfEval, ne: &SelfEval) {
    let refs = |e: &SelfEval| -> Vec<String> {
        e.indicators
            .iter()
            .map(|r| r.indicator.value.trim().to_string())
            .collect()
    };
    let pairs = pair(&refs(oe), &refs(ne));
    for p in &pairs.order {
        match *p {
            Paired::Both(i, j) => {
                let (a, b) = (&oe.indicators[i], &ne.indicators[j]);
                let item = b.indicator.value.trim().to_string();
                for (f, av) in a.fields() {
                    // The indicator referred to: what pairs the results.
                    if f.key == "指标" {
                        continue;
                    }
                    let bv = b.get(f.key).unwrap_or(fields::Value::Absent);
                    d.value(Kind::EvalChanged, Some(&item), f, av, bv, (None, None));
                }
            }
            Paired::New(j) => {
                let b = &ne.indicators[j];
                let item = b.indicator.value.trim().to_string();
                let lines = (None, d.new_line(&b.indicator));
                d.field(
                    Kind::EvalChanged,
                    Some(&item),
                    "实际完成值",
                    None,
                    text(b.actual.as_ref()).or(Some(String::new())),
                    lines,
                );
            }
            Paired::Old(i) => {
                let a = &oe.indicators[i];
                let item = a.indicator.value.trim().to_string();
                let lines = (d.old_line(&a.indicator), None);
                d.field(
                    Kind::EvalChanged,
                    Some(&item),
                    "实际完成值",
                    text(a.actual.as_ref()).or(Some(String::new())),
                    None,
                    lines,
                );
            }
        }
    }
}

pub(super) fn compare_eval_money(d: &mut Diff, oe: &SelfEval, ne: &SelfEval) {
    let (om, nm) = (&oe.funds.value, &ne.funds.value);
    let keys = entry_keys(om.iter().map(|(k, _)| k), nm.iter().map(|(k, _)| k));
    for key in keys {
        let (oa, na) = (om.get(&key), nm.get(&key));
        // The measures of the catalogue (年初预算, 全年预算, 全年执行), in its order.
        let measures = fields::of(Level::Amounts).map(|f| {
            let (o, n) = (oa.and_then(|a| a.get(f.key)), na.and_then(|a| a.get(f.key)));
            (f.key, o.and_then(as_num), n.and_then(as_num))
        });
        for (measure, ov, nv) in measures {
            let lines = d.lines(ov, nv);
            d.number(
                Kind::EvalChanged,
                None,
                Some(&format!("资金/{key}/{measure}")),
                num(ov),
                num(nv),
                lines,
            );
        }
    }
}
