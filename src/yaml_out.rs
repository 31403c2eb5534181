//! Writing data files: YAML scalars quoted only where YAML needs it, so that a file made by
//! `jixiao new` or `jixiao import` reads like one written by hand (`指标值: =236人`,
//! `指标值: ">=90%"`), and every value reads back as exactly the text written.

use std::fmt::Write as _;

use crate::fields::{self, Field, Level, Need, Record, Shape, Store, Value};
use crate::model::{Department, Goals, Indicator, Num, Sources, Text};

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

/// One field of a flow mapping (`k: v`), nothing for a value not written or an empty list.
fn flow_field(f: &Field, v: Value) -> Option<String> {
    match v {
        Value::Text(t) => Some(pair(f.key, &flow_text(t))),
        Value::Number(n) => Some(pair(f.key, &n.value.0.to_string())),
        Value::Year(y) => Some(pair(f.key, &y.value.to_string())),
        Value::Texts(list) if !list.is_empty() => Some(pair(f.key, &flow_list(list))),
        _ => None,
    }
}

/// `[a, b]`.
fn flow_list(list: &[Text]) -> String {
    let items: Vec<String> = list.iter().map(flow_text).collect();
    format!("[{}]", items.join(", "))
}

/// A record as a flow mapping: its fields in the catalogue's order, then `extras`.
fn flow<R: Record>(r: &R, extras: &[&(Text, Text)]) -> String {
    let mut parts: Vec<String> = r.fields().filter_map(|(f, v)| flow_field(f, v)).collect();
    parts.extend(extras.iter().map(|(k, v)| pair(&k.value, &flow_text(v))));
    format!("{{{}}}", parts.join(", "))
}

/// One indicator as a flow mapping, keys in the documented order, extras last.
pub fn indicator(i: &Indicator) -> String {
    flow(i, &fields::extras(i, Level::Indicator))
}

/// Where a level's extra fields (the style's, kept by key) are written among the catalogue's:
/// after its last text kept by key, or, at a level without any, before its first list of
/// records, else last.
fn extras_at(level: Level) -> usize {
    let fields: Vec<&Field> = fields::of(level).collect();
    match fields.iter().rposition(|f| f.store == Store::Texts) {
        Some(i) => i + 1,
        None => fields
            .iter()
            .position(|f| matches!(f.shape, Shape::Records(_)))
            .unwrap_or(fields.len()),
    }
}

/// A record as a block mapping at the indentation `pad`, its fields in the catalogue's order
/// with `extras` among them ([`extras_at`]). `first` replaces `pad` on the first line (`- `
/// of a list item).
fn block<R: Record>(
    out: &mut String,
    r: &R,
    extras: &[&(Text, Text)],
    first: &str,
    pad: &str,
    top: bool,
) {
    let start = out.len();
    let at = extras_at(r.level());
    for (i, f) in fields::of(r.level()).enumerate() {
        if i == at {
            write_extras(out, extras, pad);
        }
        if let Some(v) = r.get(f.key) {
            block_field(out, f, v, pad, top);
        }
    }
    if at >= fields::of(r.level()).count() {
        write_extras(out, extras, pad);
    }
    if first != pad && out.get(start..start + pad.len()) == Some(pad) {
        out.replace_range(start..start + pad.len(), first);
    }
}

fn write_extras(out: &mut String, extras: &[&(Text, Text)], pad: &str) {
    for (k, v) in extras {
        let _ = writeln!(out, "{pad}{}: {}", key(&k.value), scalar(&v.value, false));
    }
}

/// One field of a block mapping at `pad`. An empty list is written (`[]`) only for a required
/// field; a list of texts inline, except at the top of the file (备注, one a line).
fn block_field(out: &mut String, f: &Field, v: Value, pad: &str, top: bool) {
    let k = key(f.key);
    let required = f.need == Need::Required;
    let inner = format!("{pad}  ");
    let empty = |out: &mut String| {
        if required {
            let _ = writeln!(out, "{pad}{k}: []");
        }
    };
    match v {
        Value::Absent => {}
        Value::Text(t) => {
            let _ = writeln!(out, "{pad}{k}: {}", scalar(&t.value, false));
        }
        Value::Year(y) => {
            let _ = writeln!(out, "{pad}{k}: {}", y.value);
        }
        Value::Number(n) => {
            let _ = writeln!(out, "{pad}{k}: {}", n.value.0);
        }
        Value::Texts([]) => empty(out),
        Value::Texts(list) if top => {
            let _ = writeln!(out, "{pad}{k}:");
            for t in list {
                let _ = writeln!(out, "{inner}- {}", scalar(&t.value, false));
            }
        }
        Value::Texts(list) => {
            let _ = writeln!(out, "{pad}{k}: {}", flow_list(list));
        }
        Value::Goals(g) => goals(out, f.key, &g.value, pad),
        Value::Money(m) => money(out, f.key, &m.value, pad),
        Value::EvalMoney(m) => {
            let _ = writeln!(out, "{pad}{k}:");
            for (source, a) in m.value.iter() {
                let _ = writeln!(out, "{inner}{}: {}", key(&source.value), flow(a, &[]));
            }
        }
        Value::Names(n) if n.entries.is_empty() => {}
        Value::Names(n) => {
            let parts: Vec<String> = n
                .iter()
                .map(|(k, v)| pair(&k.value, &flow_text(v)))
                .collect();
            let _ = writeln!(out, "{pad}{k}: {{{}}}", parts.join(", "));
        }
        Value::Indicators([])
        | Value::Results([])
        | Value::Tasks([])
        | Value::FundRows([])
        | Value::Projects([]) => empty(out),
        Value::FundRows(list) => {
            let _ = writeln!(out, "{pad}{k}:");
            for r in list {
                let _ = writeln!(out, "{inner}- {}", flow(r, &[]));
            }
        }
        Value::Indicators(list) => {
            let _ = writeln!(out, "{pad}{k}:");
            for i in list {
                let _ = writeln!(out, "{inner}- {}", indicator(i));
            }
        }
        Value::Results(list) => {
            let _ = writeln!(out, "{pad}{k}:");
            for r in list {
                let _ = writeln!(out, "{inner}- {}", flow(r, &[]));
            }
        }
        Value::Tasks(list) => {
            let _ = writeln!(out, "{pad}{k}:");
            let (item, pad) = (format!("{inner}- "), format!("{inner}  "));
            for t in list {
                block(out, t, &[], &item, &pad, false);
            }
        }
        Value::Projects(list) => {
            let _ = writeln!(out, "{pad}{k}:");
            let (item, pad) = (format!("{inner}- "), format!("{inner}  "));
            for p in list {
                block(
                    out,
                    p,
                    &fields::extras(p, Level::Project),
                    &item,
                    &pad,
                    false,
                );
            }
        }
        Value::Eval(e) => {
            let _ = writeln!(out, "{pad}{k}:");
            block(
                out,
                e,
                &fields::extras(e, Level::Eval),
                &inner,
                &inner,
                false,
            );
        }
        Value::Wide(w) => {
            let _ = writeln!(out, "{pad}{k}:");
            block(out, w, &[], &inner, &inner, false);
        }
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
fn goals(out: &mut String, name: &str, g: &Goals, pad: &str) {
    match g {
        Goals::One(s) => {
            let _ = writeln!(out, "{pad}{name}: {}", scalar(s, false));
        }
        Goals::Many(v) if !v.is_empty() => {
            let _ = writeln!(out, "{pad}{name}:");
            for s in v {
                let _ = writeln!(out, "{pad}  - {}", scalar(s, false));
            }
        }
        Goals::Many(_) => {
            let _ = writeln!(out, "{pad}{name}: []");
        }
    }
}

/// A department as a data file in the documented format and key order (`docs/data-format.md`,
/// the field catalogue's): `comments` first (each a `# ` line), indicators and results one per
/// line.
pub fn department(d: &Department, comments: &[String]) -> String {
    let mut out = String::new();
    for c in comments {
        for l in c.lines() {
            let _ = writeln!(out, "# {l}");
        }
    }
    block(&mut out, d, &[], "", "", true);
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
