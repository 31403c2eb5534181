//! Writing data files: YAML scalars quoted only where YAML needs it, so that a file made by
//! `jixiao new` or `jixiao import` reads like one written by hand (`指标值: =236人`,
//! `指标值: ">=90%"`), and every value reads back as exactly the text written.

use std::fmt::Write as _;

use crate::fields::{self, Level};
use crate::model::{
    Department, DeptWide, Goals, Indicator, IndicatorEval, Num, Project, SelfEval, Sources, Task,
    Text, Texts,
};

/// `s` as a YAML scalar: plain where that reads back as the same string, else double-quoted.
/// `flow` is for values inside `{…}` or `[…]`, where `,` `[` `]` `{` `}` end a plain scalar.
pub fn scalar(s: &str, flow: bool) -> String {
    if plain_ok(s, flow) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// Whether `s` can be written plain and read back as the same string (conservatively: a text
/// YAML might read as a number, a boolean or null is quoted).
fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.starts_with([' ', '\t']) || s.ends_with([' ', '\t']) {
        return false;
    }
    if s.chars().any(|c| {
        c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' || c == '\u{85}'
    }) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`<.".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "null" | "~" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    ) {
        return false;
    }
    // Anything ASCII that starts like a number (`1`, `+1`, `0x1f`, `1e3`, `1:20`, `1_000`).
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.starts_with(|c: char| c.is_ascii_digit()) && s.is_ascii() {
        return false;
    }
    true
}

/// `s` in double quotes with YAML escapes.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control()
                || c == '\u{feff}'
                || c == '\u{2028}'
                || c == '\u{2029}'
                || c == '\u{85}' =>
            {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn key(k: &str) -> String {
    scalar(k, false)
}

/// `k: v` for a flow mapping.
fn pair(k: &str, v: &str) -> String {
    format!("{}: {}", scalar(k, true), v)
}

fn flow_text(t: &Text) -> String {
    scalar(&t.value, true)
}

/// One indicator as a flow mapping, keys in the documented order, extras last.
pub fn indicator(i: &Indicator) -> String {
    let mut parts = vec![pair("一级", &flow_text(&i.level1))];
    if let Some(t) = &i.level2 {
        parts.push(pair("二级", &flow_text(t)));
    }
    parts.push(pair("三级", &flow_text(&i.name)));
    parts.push(pair("指标值", &flow_text(&i.target)));
    if let Some(t) = &i.basis {
        parts.push(pair("依据", &flow_text(t)));
    }
    if let Some(t) = &i.last_year {
        parts.push(pair("上年完成值", &flow_text(t)));
    }
    if let Some(w) = &i.weight {
        parts.push(pair("权重", &w.value.0.to_string()));
    }
    if let Some(t) = &i.scoring {
        parts.push(pair("赋分规则", &flow_text(t)));
    }
    if !i.evidence.is_empty() {
        let items: Vec<String> = i.evidence.iter().map(flow_text).collect();
        parts.push(pair("佐证资料", &format!("[{}]", items.join(", "))));
    }
    for (k, v) in ordered_texts(i, Level::Indicator) {
        parts.push(pair(&k.value, &flow_text(v)));
    }
    format!("{{{}}}", parts.join(", "))
}

fn result(r: &IndicatorEval) -> String {
    let mut parts = vec![pair("指标", &flow_text(&r.indicator))];
    if let Some(t) = &r.actual {
        parts.push(pair("实际完成值", &flow_text(t)));
    }
    if let Some(s) = &r.score {
        parts.push(pair("得分", &s.value.0.to_string()));
    }
    if let Some(t) = &r.grade {
        parts.push(pair("等级", &flow_text(t)));
    }
    if let Some(t) = &r.reason {
        parts.push(pair("偏差原因", &flow_text(t)));
    }
    if let Some(t) = &r.score_override {
        parts.push(pair("得分调整理由", &flow_text(t)));
    }
    format!("{{{}}}", parts.join(", "))
}

/// `自评`, as a key at the indentation `pad` (a project's, or the department-wide part's).
fn eval(out: &mut String, e: &SelfEval, pad: &str) {
    let _ = writeln!(out, "{pad}自评:");
    let _ = writeln!(out, "{pad}  资金:");
    for (k, a) in e.funds.value.iter() {
        let mut parts = Vec::new();
        if let Some(n) = &a.initial {
            parts.push(pair("年初预算", &n.value.0.to_string()));
        }
        parts.push(pair("全年预算", &a.budget.value.0.to_string()));
        parts.push(pair("全年执行", &a.executed.value.0.to_string()));
        let _ = writeln!(out, "{pad}    {}: {{{}}}", key(&k.value), parts.join(", "));
    }
    if let Some(t) = &e.stated_rate {
        let _ = writeln!(out, "{pad}  执行率: {}", scalar(&t.value, false));
    }
    if let Some(n) = &e.stated_exec_score {
        let _ = writeln!(out, "{pad}  执行得分: {}", n.value.0);
    }
    if let Some(t) = &e.exec_override {
        let _ = writeln!(out, "{pad}  执行得分调整理由: {}", scalar(&t.value, false));
    }
    let _ = writeln!(
        out,
        "{pad}  实际完成情况: {}",
        scalar(&e.outcome.value, false)
    );
    if let Some(n) = &e.stated_total {
        let _ = writeln!(out, "{pad}  总分: {}", n.value.0);
    }
    if let Some(t) = &e.stated_grade {
        let _ = writeln!(out, "{pad}  等级: {}", scalar(&t.value, false));
    }
    for (k, v) in ordered_texts(e, Level::Eval) {
        let _ = writeln!(out, "{pad}  {}: {}", key(&k.value), scalar(&v.value, false));
    }
    if e.indicators.is_empty() {
        let _ = writeln!(out, "{pad}  指标: []");
    } else {
        let _ = writeln!(out, "{pad}  指标:");
        for r in &e.indicators {
            let _ = writeln!(out, "{pad}    - {}", result(r));
        }
    }
}

/// The texts a record keeps by key: the catalogue's in its order, then the style's fields as
/// written.
fn ordered_texts<T: Texts>(r: &T, level: Level) -> Vec<&(Text, Text)> {
    let mut out: Vec<&(Text, Text)> = fields::stored_texts(level)
        .filter_map(|f| r.texts().iter().find(|(k, _)| k.value.trim() == f.key))
        .collect();
    out.extend(r.extras(level));
    out
}

fn project(out: &mut String, p: &Project) {
    let _ = writeln!(out, "  - 名称: {}", scalar(&p.name.value, false));
    for (k, v) in ordered_texts(p, Level::Project) {
        let _ = writeln!(out, "    {}: {}", key(&k.value), scalar(&v.value, false));
    }
    money(out, "资金", &p.funds.value, "    ");
    goals(out, "总体目标", p.goals.as_ref().map(|g| &g.value), "    ");
    indicators(out, "指标", &p.indicators, "    ");
    goals(
        out,
        "中期目标",
        p.mid_goals.as_ref().map(|g| &g.value),
        "    ",
    );
    if let Some(m) = &p.mid_funds {
        money(out, "中期资金", &m.value, "    ");
    }
    if !p.mid_indicators.is_empty() {
        indicators(out, "中期指标", &p.mid_indicators, "    ");
    }
    if let Some(e) = &p.eval {
        eval(out, e, "    ");
    }
}

/// Money by source under `name`, at the indentation `pad`.
fn money(out: &mut String, name: &str, m: &Sources<Num>, pad: &str) {
    if m.entries.is_empty() {
        let _ = writeln!(out, "{pad}{name}: {{}}");
    } else {
        let _ = writeln!(out, "{pad}{name}:");
        for (k, v) in m.iter() {
            let _ = writeln!(out, "{pad}  {}: {}", key(&k.value), v.value.0);
        }
    }
}

/// An overall goal under `name`: one text, or a list.
fn goals(out: &mut String, name: &str, g: Option<&Goals>, pad: &str) {
    match g {
        Some(Goals::One(s)) => {
            let _ = writeln!(out, "{pad}{name}: {}", scalar(s, false));
        }
        Some(Goals::Many(v)) if !v.is_empty() => {
            let _ = writeln!(out, "{pad}{name}:");
            for s in v {
                let _ = writeln!(out, "{pad}  - {}", scalar(s, false));
            }
        }
        Some(Goals::Many(_)) => {
            let _ = writeln!(out, "{pad}{name}: []");
        }
        None => {}
    }
}

/// `指标`, one indicator a line.
/// A list of indicators under `name` (`指标`, `中期指标`).
fn indicators(out: &mut String, name: &str, list: &[Indicator], pad: &str) {
    if list.is_empty() {
        let _ = writeln!(out, "{pad}{name}: []");
    } else {
        let _ = writeln!(out, "{pad}{name}:");
        for i in list {
            let _ = writeln!(out, "{pad}  - {}", indicator(i));
        }
    }
}

fn task(out: &mut String, t: &Task) {
    let _ = writeln!(out, "    - 任务名称: {}", scalar(&t.name.value, false));
    for (k, v) in [("部门职能", &t.function), ("主要内容", &t.content)] {
        if let Some(v) = v {
            let _ = writeln!(out, "      {k}: {}", scalar(&v.value, false));
        }
    }
    if !t.projects.is_empty() {
        let items: Vec<String> = t.projects.iter().map(flow_text).collect();
        let _ = writeln!(out, "      支出项目: [{}]", items.join(", "));
    }
    if let Some(m) = &t.funds {
        money(out, "资金", &m.value, "      ");
    }
}

/// `部门整体`, keys in the catalogue's order.
fn wide(out: &mut String, w: &DeptWide) {
    let _ = writeln!(out, "部门整体:");
    if let Some(t) = &w.functions {
        let _ = writeln!(out, "  部门职能: {}", scalar(&t.value, false));
    }
    money(out, "资金", &w.funds.value, "  ");
    for (k, n) in [("基本支出", &w.basic), ("项目支出", &w.project_spending)] {
        if let Some(n) = n {
            let _ = writeln!(out, "  {k}: {}", n.value.0);
        }
    }
    if !w.tasks.is_empty() {
        let _ = writeln!(out, "  年度主要任务:");
        for t in &w.tasks {
            task(out, t);
        }
    }
    goals(
        out,
        "年度总体目标",
        w.goals.as_ref().map(|g| &g.value),
        "  ",
    );
    if !w.indicators.is_empty() {
        indicators(out, "指标", &w.indicators, "  ");
    }
    if let Some(e) = &w.eval {
        eval(out, e, "  ");
    }
}

/// A department as a data file in the documented format and key order (`docs/data-format.md`):
/// `comments` first (each a `# ` line), indicators and results one per line.
pub fn department(d: &Department, comments: &[String]) -> String {
    let mut out = String::new();
    for c in comments {
        for l in c.lines() {
            let _ = writeln!(out, "# {l}");
        }
    }
    let _ = writeln!(out, "部门: {}", scalar(&d.name.value, false));
    let _ = writeln!(out, "年度: {}", d.year.value);
    let _ = writeln!(out, "样式: {}", scalar(&d.style.value, false));
    if !d.signatures.entries.is_empty() {
        let parts: Vec<String> = d
            .signatures
            .iter()
            .map(|(k, v)| pair(&k.value, &flow_text(v)))
            .collect();
        let _ = writeln!(out, "签字: {{{}}}", parts.join(", "));
    }
    if !d.notes.is_empty() {
        let _ = writeln!(out, "备注:");
        for n in &d.notes {
            let _ = writeln!(out, "  - {}", scalar(&n.value, false));
        }
    }
    if d.projects.is_empty() {
        let _ = writeln!(out, "项目: []");
    } else {
        let _ = writeln!(out, "项目:");
        for p in &d.projects {
            project(&mut out, p);
        }
    }
    if let Some(w) = &d.wide {
        wide(&mut out, w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn back(s: &str, flow: bool) -> String {
        let text = if flow {
            format!("a: {{k: {}}}\n", scalar(s, true))
        } else {
            format!("a: {}\n", scalar(s, false))
        };
        #[derive(serde::Deserialize)]
        struct Flow {
            k: String,
        }
        #[derive(serde::Deserialize)]
        struct A<T> {
            a: T,
        }
        if flow {
            serde_saphyr::from_str::<A<Flow>>(&text).unwrap().a.k
        } else {
            serde_saphyr::from_str::<A<String>>(&text).unwrap().a
        }
    }

    #[test]
    fn scalars_read_back_as_written() {
        for s in [
            "=236人",
            ">=90%",
            "<=0.16万元/人",
            "≥12次",
            "1",
            "1.0",
            "0x1f",
            "1e3",
            "true",
            "No",
            "~",
            "null",
            "a: b",
            "a #b",
            "a,b",
            "[x]",
            "{x}",
            "- x",
            "有效提高",
            "2021年2月底前",
            "1-5条",
            "目标1：进一步密切联系群众",
            "多行\n文字",
            "带\"引号\"和\\反斜杠",
            " 前后空格 ",
            "\u{3000}全角空格\u{3000}",
            "tab\there",
            "#开头",
            "%",
            "",
            "'单引号'",
            "巴财行[2022]33号",
            ".inf",
            "@",
        ] {
            assert_eq!(back(s, false), s, "block {s:?}");
            assert_eq!(back(s, true), s, "flow {s:?}");
        }
        assert_eq!(scalar("=236人", true), "=236人");
        assert_eq!(scalar(">=90%", true), "\">=90%\"");
        assert_eq!(scalar("有效提高", true), "有效提高");
    }
}
