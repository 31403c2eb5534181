//! The data as pattern variables (the compiled patterns are the style's,
//! [`crate::style::patterns::Patterns`]).
//!
//! Every printed word of a table comes from a minijinja pattern in the style
//! (`"{{ 项目.名称 }}项目绩效目标表"`, `"指标{{ n }}：{{ 指标.三级 }}"`). A pattern is rendered
//! once, with the data as variables: a value is never read as a pattern, so `部门: 测试{n}局`
//! prints `测试{n}局`. Undefined names print empty (a padding row has no indicator); the style
//! check reports misspelt names beforehand. Execution is bounded by minijinja's fuel.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};
use rust_decimal::Decimal;

use crate::check::{Dept, Eval, Funds, Ind, Proj, Wide};
use crate::compute::{fmt_percent, fmt_score};
use crate::fields::{self, Level, VarPath};
use crate::model::Texts;
use crate::style::{LoadedStyle, MoneyUnit};
use crate::target::{self, Direction};

/// Variables as a map, merged into a context.
pub type Vars = BTreeMap<&'static str, Value>;

/// A context from variable maps, later maps overriding earlier ones.
pub fn context(layers: &[&Vars]) -> Value {
    let mut all: BTreeMap<&str, Value> = BTreeMap::new();
    for l in layers {
        for (k, v) in l.iter() {
            all.insert(k, v.clone());
        }
    }
    Value::from_pairs(all)
}

/// A context of `top`'s variables over `base` (a context made once, e.g. a project's): a grid
/// row sees its own 一级, 二级, 指标 and `n` over the project's variables without copying them.
pub fn over(base: &Value, top: &Vars) -> Value {
    Value::from_object(Layered {
        base: base.clone(),
        top: top.iter().map(|(k, v)| (*k, v.clone())).collect(),
    })
}

#[derive(Debug)]
struct Layered {
    base: Value,
    top: Vec<(&'static str, Value)>,
}

impl Object for Layered {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        match self.top.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => Some(v.clone()),
            None => self.base.get_attr(name).ok().filter(|v| !v.is_undefined()),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = self
            .base
            .try_iter()
            .map(|i| i.collect())
            .unwrap_or_default();
        for (k, _) in &self.top {
            if !keys.iter().any(|x| x.as_str() == Some(k)) {
                keys.push(Value::from(*k));
            }
        }
        Enumerator::Values(keys)
    }
}

/// `map` with `key` holding `value` (added after its keys when it has none), the rest read
/// through from `map`.
pub fn with_key(map: &Value, key: &str, value: Value) -> Value {
    Value::from_object(WithKey {
        map: map.clone(),
        key: key.to_string(),
        value,
    })
}

#[derive(Debug)]
struct WithKey {
    map: Value,
    key: String,
    value: Value,
}

impl Object for WithKey {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        if name == self.key {
            return Some(self.value.clone());
        }
        self.map.get_attr(name).ok().filter(|v| !v.is_undefined())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = self.map.try_iter().map(|i| i.collect()).unwrap_or_default();
        if !keys.iter().any(|k| k.as_str() == Some(&self.key)) {
            keys.push(Value::from(self.key.as_str()));
        }
        Enumerator::Values(keys)
    }
}

/// The variables of one record (`指标`, `项目`, `自评`): keys and values side by side, read
/// by key and enumerated in key order (as a map made with `Value::from_pairs` is), without a
/// map built and copied for every record. Made by [`ordered`], it enumerates its keys in
/// print order instead (`项目.分值` by 一级, `项目.资金` by the style's sources), which
/// `Value::from_pairs` would sort.
#[derive(Debug, Default)]
struct Record {
    pairs: Vec<(Cow<'static, str>, Value)>,
    /// Enumerated in the order the keys were set, not sorted.
    print_order: bool,
}

impl Record {
    fn with_capacity(n: usize) -> Record {
        Record {
            pairs: Vec::with_capacity(n),
            print_order: false,
        }
    }

    /// Sets `key` (a later value replaces an earlier one, as in a map).
    fn set(&mut self, key: impl Into<Cow<'static, str>>, value: Value) {
        let key = key.into();
        match self.pairs.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.pairs.push((key, value)),
        }
    }

    fn value(self) -> Value {
        Value::from_object(self)
    }
}

impl Object for Record {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<&str> = self.pairs.iter().map(|(k, _)| k.as_ref()).collect();
        if !self.print_order {
            keys.sort_unstable();
        }
        Enumerator::Values(keys.into_iter().map(Value::from).collect())
    }
}

/// A map whose keys a pattern loops over in print order (see [`Record`]).
fn ordered(pairs: Vec<(String, Value)>) -> Value {
    Record {
        pairs: pairs.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect(),
        print_order: true,
    }
    .value()
}

fn text(s: &str) -> Value {
    Value::from(s.trim())
}

fn opt_text(t: Option<&crate::model::Text>) -> Value {
    t.map_or_else(|| Value::from(""), |t| text(&t.value))
}

/// Money as printed by the style: in 万元 as written, or in 元, with fixed decimals and
/// thousands separators where the style asks.
pub fn money_text(style: &LoadedStyle, value: Decimal) -> String {
    let (v, decimals) = money_value(style, value);
    format_number(v, decimals, style.style.funds.thousands)
}

/// The printed value and decimals of an amount (万元 in the data).
pub fn money_value(style: &LoadedStyle, value: Decimal) -> (Decimal, u32) {
    let f = &style.style.funds;
    let v = match f.unit {
        MoneyUnit::TenThousand => value,
        // 10,000 × a value within the parser's range can overflow: keep the 万元 value then
        // (the check reports such amounts as out of range).
        MoneyUnit::Yuan => value.checked_mul(Decimal::from(10_000)).unwrap_or(value),
    };
    // 元 are printed with fen (two decimals) unless the style says otherwise; 万元 as written.
    let decimals = match (f.decimals, f.unit) {
        (Some(d), _) => d,
        (None, MoneyUnit::Yuan) => 2,
        (None, MoneyUnit::TenThousand) => v.scale(),
    };
    (v, decimals)
}

/// `value` with exactly `decimals` decimals, optionally with thousands separators.
pub fn format_number(value: Decimal, decimals: u32, thousands: bool) -> String {
    let s = format!(
        "{:.*}",
        decimals as usize,
        crate::compute::round(value, decimals)
    );
    if !thousands {
        return s;
    }
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s.as_str()),
    };
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(a, b)| (a, Some(b)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// The department-wide variables: 部门, 年度, 签字, 备注, 项目数.
pub fn department(dept: &Dept) -> Vars {
    let mut v = Vars::new();
    v.insert("部门", text(&dept.src.name.value));
    v.insert("年度", Value::from(dept.src.year.value));
    let sig: BTreeMap<String, Value> = dept
        .src
        .signatures
        .iter()
        .map(|(k, t)| (k.value.trim().to_string(), text(&t.value)))
        .collect();
    v.insert("签字", Value::from_pairs(sig));
    let notes: Vec<Value> = dept.src.notes.iter().map(|t| text(&t.value)).collect();
    v.insert("备注", Value::from(notes));
    v.insert("项目数", Value::from(dept.projects.len()));
    v.insert(
        "部门整体",
        dept.wide
            .as_ref()
            .map_or(Value::from(()), |w| wide(dept, w)),
    );
    v
}

/// Money by the style's sources, then `合计`, each as the style prints money.
fn funds(style: &LoadedStyle, f: &Funds) -> Value {
    let mut pairs: Vec<(String, Value)> = f
        .sources
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(money_text(style, *v))))
        .collect();
    pairs.push(("合计".into(), Value::from(money_text(style, f.total))));
    ordered(pairs)
}

/// Goal texts, trimmed.
fn goal_texts(g: Option<&serde_saphyr::Spanned<crate::model::Goals>>) -> Vec<String> {
    g.map(|g| {
        g.value
            .texts()
            .iter()
            .map(|s| s.trim().to_string())
            .collect()
    })
    .unwrap_or_default()
}

/// `部门整体`: the department-wide part (see [`crate::style::vars::DEPT_WIDE`]); amounts as
/// the style prints money, and as number cells where a `field:` prints them.
fn wide(dept: &Dept, w: &Wide) -> Value {
    let style = &dept.style;
    let src = w.src;
    let mut m: BTreeMap<String, Value> = BTreeMap::new();
    m.insert("部门职能".into(), opt_text(src.functions.as_ref()));
    m.insert("资金".into(), funds(style, &w.funds));
    for (k, n) in [
        ("基本支出", &src.basic),
        ("项目支出", &src.project_spending),
    ] {
        let v = n
            .as_ref()
            .map(|n| money_text(style, n.value.0))
            .unwrap_or_default();
        m.insert(k.into(), Value::from(v));
    }
    let tasks: Vec<Value> = (0..w.tasks.len()).map(|i| task(dept, w, i)).collect();
    m.insert("任务数".into(), Value::from(tasks.len()));
    m.insert("任务".into(), Value::from_object(Numbered(tasks)));
    // The tasks' sums (the 金额合计 row), by the department's sources, while every task has
    // amounts.
    let mut sums: Vec<(String, Value)> = Vec::new();
    for key in style.source_keys().chain([crate::model::TOTAL_KEY]) {
        if let Some(v) = w.tasks_amount(key) {
            sums.push((key.to_string(), Value::from(money_text(style, v))));
        }
    }
    m.insert("任务资金".into(), ordered(sums));
    let goals = goal_texts(src.goals.as_ref());
    m.insert("年度总体目标".into(), Value::from(goals.join("\n")));
    m.insert("目标".into(), Value::from(goals));
    m.insert("指标数".into(), Value::from(w.indicators.len()));
    m.insert(
        "自评".into(),
        w.eval.as_ref().map_or(Value::from(()), |e| eval(style, e)),
    );
    Value::from_pairs(m)
}

/// One task of the department-wide part (`任务` in a `tasks` block's row), by its index.
pub fn task(dept: &Dept, w: &Wide, i: usize) -> Value {
    let Some(t) = w.tasks.get(i) else {
        return Value::from(());
    };
    let mut x: BTreeMap<&str, Value> = BTreeMap::new();
    x.insert("序号", Value::from(i + 1));
    x.insert("任务名称", text(&t.src.name.value));
    x.insert("部门职能", opt_text(t.src.function.as_ref()));
    x.insert("主要内容", opt_text(t.src.content.as_ref()));
    let projects: Vec<&str> = t.src.projects.iter().map(|p| p.value.trim()).collect();
    x.insert("支出项目", Value::from(projects.join("、")));
    x.insert(
        "资金",
        t.funds
            .as_ref()
            .map_or_else(|| ordered(Vec::new()), |f| funds(&dept.style, f)),
    );
    Value::from_pairs(x)
}

/// A list that a path may also index from 1 by its printed number (`部门整体.任务.1.资金.合计`
/// is the first task's total): a `field:` path has no brackets.
#[derive(Debug)]
struct Numbered(Vec<Value>);

impl Object for Numbered {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str() {
            Some(s) => {
                let n: usize = s.parse().ok()?;
                self.0.get(n.checked_sub(1)?).cloned()
            }
            None => self.0.get(usize::try_from(key.clone()).ok()?).cloned(),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.len())
    }
}

/// The goal texts of a project, trimmed.
pub fn goals(p: &Proj) -> Vec<String> {
    goal_texts(p.src.goals.as_ref())
}

/// `项目` (with its 1-based `序号` among the document's projects) and `自评`.
pub fn project(dept: &Dept, p: &Proj, index: usize) -> Vars {
    let style = &dept.style;
    let src = p.src;
    let mut m = Record::with_capacity(16);
    m.set("序号", Value::from(index));
    m.set("名称", text(&src.name.value));
    for f in fields::stored_texts(Level::Project) {
        m.set(f.key, opt_text(src.text(f.key)));
    }
    let goals = goals(p);
    m.set("总体目标", Value::from(goals.join("\n")));
    m.set("目标", Value::from(goals));
    m.set("资金", funds(style, &p.funds));
    m.set("指标数", Value::from(p.indicators.len()));
    // The medium-term block: its goal (as one text and as the list of 目标N), money and count.
    let mid = goal_texts(src.mid_goals.as_ref());
    m.set("中期目标", Value::from(mid.join("\n")));
    m.set("中期目标列表", Value::from(mid));
    m.set(
        "中期资金",
        p.mid_funds
            .as_ref()
            .map_or_else(|| ordered(Vec::new()), |f| funds(style, f)),
    );
    m.set("中期指标数", Value::from(p.mid_indicators.len()));
    m.set("分值", ordered(level1_points(dept, p)));
    for (k, v) in &p.extras {
        m.set(k.clone(), text(v));
    }
    let mut v = Vars::new();
    v.insert("项目", m.value());
    v.insert(
        "自评",
        p.eval.as_ref().map_or(Value::from(()), |e| eval(style, e)),
    );
    v
}

/// The points of each 一级 the project has, by its printed name: fixed by the style, or the
/// sum of its weights (`权重分值90分，其中产出{{ 项目.分值["产出指标"] }}…`).
fn level1_points(dept: &Dept, p: &Proj) -> Vec<(String, Value)> {
    p.level1s()
        .into_iter()
        .map(|l1| {
            let points = crate::check::points_of_level1(&dept.style, l1, &p.indicators);
            (dept.style.label(l1), Value::from(fmt_score(points)))
        })
        .collect()
}

fn eval(style: &LoadedStyle, e: &Eval) -> Value {
    let ex = &style.style.execution;
    let mut m = Record::with_capacity(16);
    m.set("实际完成情况", text(&e.src.outcome.value));
    m.set("执行率", Value::from(fmt_percent(e.rate, ex.rate_decimals)));
    m.set("执行得分", Value::from(fmt_score(e.exec_score)));
    m.set("执行分值", Value::from(fmt_score(ex.points.0)));
    m.set(
        "总分",
        Value::from(e.total_score.map(fmt_score).unwrap_or_default()),
    );
    m.set("总分值", Value::from(fmt_score(e.points_total)));
    m.set("等级", Value::from(e.grade.unwrap_or("")));
    let row = |r: &crate::check::EvalRow| {
        let mut x: BTreeMap<&str, Value> = BTreeMap::new();
        x.insert(
            "年初预算",
            Value::from(r.initial.map(|d| money_text(style, d)).unwrap_or_default()),
        );
        x.insert("全年预算", Value::from(money_text(style, r.budget)));
        x.insert("全年执行", Value::from(money_text(style, r.executed)));
        x.insert(
            "执行率",
            Value::from(
                r.rate()
                    .map(|q| fmt_percent(q, ex.rate_decimals))
                    .unwrap_or_default(),
            ),
        );
        Value::from_pairs(x)
    };
    let mut money: Vec<(String, Value)> = e
        .rows
        .iter()
        .filter_map(|r| r.source.clone().map(|s| (s, row(r))))
        .collect();
    money.push(("合计".into(), row(&e.total)));
    m.set("资金", ordered(money));
    for (k, v) in &e.extras {
        m.set(k.clone(), text(v));
    }
    m.value()
}

/// The printed word of a target's direction, as the style spells it.
pub fn direction_word(style: &LoadedStyle, ind: &Ind) -> String {
    let dir = match &ind.target {
        target::Value::Quantity { op: Some(op), .. } => Some(op.direction()),
        _ => None,
    };
    let d = &style.style.directions;
    let word = match dir {
        Some(Direction::Positive) => &d.positive,
        Some(Direction::Negative) => &d.negative,
        Some(Direction::Equal) => &d.equal,
        None => &d.none,
    };
    word.clone().unwrap_or_default()
}

/// The parts of a target: comparison sign, number and unit. A target that is not a quantity
/// keeps its text in the number's place, so a split-column form still prints it.
pub fn target_parts(style: &LoadedStyle, ind: &Ind) -> (String, String, String) {
    let written = ind.src.target.value.trim();
    let math = style.style.math_symbols;
    // The sign as the style prints it: `≥`/`≤` (`math_symbols`), or as the data wrote it.
    let sign = |op: target::Op, text: &str| {
        if math {
            return op.symbol().to_string();
        }
        match target::split_op(text) {
            Some((_, rest)) => text[..text.len() - rest.len()].trim().to_string(),
            None => op.symbol().to_string(),
        }
    };
    match &ind.target {
        target::Value::Quantity { op, number, unit } => (
            op.map(|o| sign(o, written)).unwrap_or_default(),
            number.to_string(),
            unit.clone(),
        ),
        _ => {
            let shown = target::display(written, math);
            match target::split_op(&shown) {
                Some((op, rest)) => (sign(op, &shown), rest.to_string(), String::new()),
                None => (String::new(), shown, String::new()),
            }
        }
    }
}

/// `指标` for one indicator (with its result, when self-evaluated).
pub fn indicator(dept: &Dept, ind: &Ind) -> Value {
    let style = &dept.style;
    let src = ind.src;
    let mut m = Record::with_capacity(24);
    m.set("一级", Value::from(style.label(&ind.level1)));
    m.set(
        "二级",
        Value::from(
            ind.level2
                .as_deref()
                .map(|l| style.label(l))
                .unwrap_or_default(),
        ),
    );
    m.set("三级", text(&src.name.value));
    m.set(
        "指标值",
        Value::from(target::display(
            src.target.value.trim(),
            style.style.math_symbols,
        )),
    );
    let (sign, number, unit) = target_parts(style, ind);
    m.set("符号", Value::from(sign));
    m.set("数值", Value::from(number));
    m.set("单位", Value::from(unit));
    m.set("方向", Value::from(direction_word(style, ind)));
    m.set("依据", opt_text(src.basis.as_ref()));
    m.set("上年完成值", opt_text(src.last_year.as_ref()));
    m.set(
        "权重",
        Value::from(ind.weight.map(fmt_score).unwrap_or_default()),
    );
    m.set("赋分规则", opt_text(src.scoring.as_ref()));
    let evidence: Vec<&str> = src.evidence.iter().map(|e| e.value.trim()).collect();
    m.set("佐证资料", Value::from(evidence.join(", ")));
    for f in fields::stored_texts(Level::Indicator) {
        m.set(f.key, opt_text(src.text(f.key)));
    }
    let r = ind.result.as_ref();
    m.set(
        "完成值",
        Value::from(
            r.and_then(|r| r.src.actual.as_ref())
                .map(|t| t.value.trim().to_string())
                .unwrap_or_default(),
        ),
    );
    m.set(
        "得分",
        Value::from(r.and_then(|r| r.score).map(fmt_score).unwrap_or_default()),
    );
    m.set(
        "偏差原因",
        r.map_or(Value::from(""), |r| opt_text(r.src.reason.as_ref())),
    );
    m.set(
        "等级",
        r.map_or(Value::from(""), |r| opt_text(r.src.grade.as_ref())),
    );
    for (k, v) in &ind.extras {
        m.set(k.clone(), text(v));
    }
    m.value()
}

/// `ctx` with the value at `path` replaced by `v`: each map along the path seen through a
/// [`with_key`], nothing copied.
pub fn with_value(ctx: &Value, path: &[&str], v: Value) -> Option<Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(v);
    };
    // Only a map (or nothing yet) has keys to replace.
    if !matches!(
        ctx.kind(),
        minijinja::value::ValueKind::Map | minijinja::value::ValueKind::Undefined
    ) {
        return None;
    }
    let inner = ctx.get_attr(first).unwrap_or(Value::UNDEFINED);
    Some(with_key(ctx, first, with_value(&inner, rest, v)?))
}

/// The text of a variable path (`项目.名称`) in `ctx`; empty when undefined.
pub fn value_text(ctx: &Value, path: &VarPath) -> String {
    match lookup(ctx, &path.parts()) {
        Some(v) => match v.as_str() {
            Some(s) => s.to_string(),
            None => v.to_string(),
        },
        None => String::new(),
    }
}

/// The value at a variable path's parts (`["项目", "资金", "合计"]`), if defined.
pub fn lookup(ctx: &Value, parts: &[&str]) -> Option<Value> {
    let mut v = ctx.clone();
    for part in parts {
        v = v.get_attr(part).ok()?;
        if v.is_undefined() || v.is_none() {
            return None;
        }
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &Value) -> Vec<String> {
        v.try_iter()
            .unwrap()
            .map(|k| k.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn a_layer_reads_through_to_its_base_and_overrides_it() {
        let mut base = Vars::new();
        base.insert("部门", Value::from("甲局"));
        base.insert("n", Value::from(1));
        let mut top = Vars::new();
        top.insert("n", Value::from(2));
        top.insert("指标", Value::from("乙"));
        let ctx = over(&context(&[&base]), &top);
        assert_eq!(ctx.get_attr("部门").unwrap().as_str(), Some("甲局"));
        assert_eq!(ctx.get_attr("n").unwrap(), Value::from(2));
        assert!(ctx.get_attr("没有").unwrap().is_undefined());
        assert_eq!(keys(&ctx), ["n", "部门", "指标"]);
        let env = minijinja::Environment::new();
        let out = env.render_str("{{ 部门 }}{{ n }}{{ 指标 }}", &ctx).unwrap();
        assert_eq!(out, "甲局2乙");
    }

    #[test]
    fn a_record_reads_like_the_map_it_replaces() {
        let mut r = Record::default();
        r.set("乙", Value::from(1));
        r.set("甲", Value::from(2));
        r.set("乙", Value::from(3));
        let v = r.value();
        let map = Value::from_pairs([("乙", Value::from(3)), ("甲", Value::from(2))]);
        assert_eq!(keys(&v), keys(&map));
        assert_eq!(v.get_attr("乙").unwrap(), Value::from(3));
        assert_eq!(v.len(), map.len());
    }

    #[test]
    fn one_key_replaced_keeps_the_rest() {
        let map = Value::from_pairs([("甲", Value::from(1)), ("乙", Value::from(2))]);
        let v = with_key(&map, "乙", Value::from("x"));
        assert_eq!(v.get_attr("甲").unwrap(), Value::from(1));
        assert_eq!(v.get_attr("乙").unwrap().as_str(), Some("x"));
        assert_eq!(keys(&v), keys(&map));
        let added = with_key(&map, "丙", Value::from(3));
        assert_eq!(keys(&added), ["乙", "甲", "丙"]);
    }

    #[test]
    fn a_value_is_marked_only_inside_maps() {
        let ctx = Value::from_pairs([
            (
                "指标",
                Value::from_pairs([("三级", Value::from("甲")), ("一级", Value::from("乙"))]),
            ),
            ("自评", Value::from(())),
        ]);
        let marked = with_value(&ctx, &["指标", "三级"], Value::from("M")).unwrap();
        let ind = marked.get_attr("指标").unwrap();
        assert_eq!(ind.get_attr("三级").unwrap().as_str(), Some("M"));
        assert_eq!(ind.get_attr("一级").unwrap().as_str(), Some("乙"));
        // No self-evaluation: nothing to mark (the cell is not bound), as before.
        assert!(with_value(&ctx, &["自评", "实际完成情况"], Value::from("M")).is_none());
        // A name not in the context yet is added.
        let added = with_value(&ctx, &["项目", "名称"], Value::from("M")).unwrap();
        assert_eq!(lookup(&added, &["项目", "名称"]), Some(Value::from("M")));
    }
}
