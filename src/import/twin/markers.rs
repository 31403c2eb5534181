//! How a printed cell is read back: the text its pattern printed before and after the value is
//! matched and taken off (`match_template`), a printed number read as the number it shows, and a
//! grid column's label taken off an inserted row's cells.

use std::collections::BTreeMap;

use minijinja::Value;
use rust_decimal::Decimal;

use super::Sheet;
use super::shown;
use crate::fields::VarPath;
use crate::style::LoadedStyle;

/// Whether a cell still holds what was written: the same number (as recorded, see
/// `render::xlsx::written_number`), or the same text.
pub(super) fn unchanged(sheet: &Sheet, r: u32, c: u32, recorded: &str) -> bool {
    let cell = sheet.get(r, c);
    if let (Some(n), Some(rec)) = (
        cell.and_then(|x| x.number),
        crate::model::parse_decimal(recorded),
    ) {
        return n.normalize() == rec.normalize();
    }
    shown(sheet, r, c) == recorded
}

/// The printed form of a number cell, as a decimal (`3,309,840.00` → 3309840.00).
pub(super) fn printed_number(s: &str) -> Option<Decimal> {
    let t: String = s.chars().filter(|c| *c != ',').collect();
    crate::model::parse_decimal(&t)
}

/// The value a pattern's target variable has in `text`, matching the pattern rendered with
/// markers: `target` where the value goes, `other` where any other variable prints.
pub(super) fn match_template(
    template: &str,
    target: &str,
    other: &str,
    text: &str,
) -> Option<String> {
    // Pieces: literal texts, and slots (true = target, false = other).
    let mut pieces: Vec<Result<String, bool>> = Vec::new();
    let mut rest = template;
    loop {
        let t = rest.find(target);
        let o = rest.find(other);
        let (at, is_target, len) = match (t, o) {
            (Some(a), Some(b)) if a < b => (a, true, target.len()),
            (Some(_), Some(b)) => (b, false, other.len()),
            (Some(a), None) => (a, true, target.len()),
            (None, Some(b)) => (b, false, other.len()),
            (None, None) => break,
        };
        if at > 0 {
            pieces.push(Ok(rest[..at].to_string()));
        }
        pieces.push(Err(is_target));
        rest = &rest[at + len..];
    }
    if !rest.is_empty() {
        pieces.push(Ok(rest.to_string()));
    }
    if pieces.iter().filter(|p| **p == Err(true)).count() != 1 {
        return None;
    }
    // Two slots side by side cannot be told apart.
    if pieces.windows(2).any(|w| w[0].is_err() && w[1].is_err()) {
        return None;
    }
    let mut pos = 0;
    let mut value = None;
    let mut i = 0;
    while i < pieces.len() {
        match &pieces[i] {
            Ok(lit) => {
                if !text[pos..].starts_with(lit.as_str()) {
                    return None;
                }
                pos += lit.len();
            }
            Err(is_target) => {
                // A slot runs to the next literal (its last occurrence for the last slot).
                let end = match pieces.get(i + 1) {
                    Some(Ok(lit)) => {
                        let last = pieces[i + 2..].iter().all(|p| p.is_ok());
                        let found = if last {
                            text[pos..].rfind(lit.as_str())
                        } else {
                            text[pos..].find(lit.as_str())
                        };
                        pos + found?
                    }
                    _ => text.len(),
                };
                if *is_target {
                    value = Some(text[pos..end].to_string());
                }
                pos = end;
            }
        }
        i += 1;
    }
    (pos == text.len()).then_some(value).flatten()
}

/// A context where every variable `vars` names is a marker: `target` for `target_var`,
/// `other` for the rest.
pub(super) fn marker_context(
    vars: &[VarPath],
    target_var: &VarPath,
    target: &str,
    other: &str,
) -> Value {
    fn insert(map: &mut BTreeMap<String, Node>, parts: &[&str], v: &str) {
        let Some((first, rest)) = parts.split_first() else {
            return;
        };
        if rest.is_empty() {
            map.insert(first.to_string(), Node::Leaf(v.to_string()));
        } else {
            let entry = map
                .entry(first.to_string())
                .or_insert_with(|| Node::Map(BTreeMap::new()));
            if let Node::Leaf(_) = entry {
                *entry = Node::Map(BTreeMap::new());
            }
            if let Node::Map(m) = entry {
                insert(m, rest, v);
            }
        }
    }
    enum Node {
        Leaf(String),
        Map(BTreeMap<String, Node>),
    }
    fn value(n: &Node) -> Value {
        match n {
            Node::Leaf(s) => Value::from(s.as_str()),
            Node::Map(m) => Value::from(
                m.iter()
                    .map(|(k, v)| (k.clone(), value(v)))
                    .collect::<BTreeMap<String, Value>>(),
            ),
        }
    }
    let mut root = BTreeMap::new();
    for v in vars {
        insert(
            &mut root,
            &v.parts(),
            if v == target_var { target } else { other },
        );
    }
    value(&Node::Map(root))
}

/// What a grid column reads for a new indicator: the indicator field (or `一级`, `二级`) and,
/// for a text pattern, how to take the value out of the printed text.
pub(super) fn column_target(
    style: &LoadedStyle,
    field: Option<&VarPath>,
    pattern: Option<&str>,
    shown: &str,
) -> Option<(String, String)> {
    let key = |var: &VarPath| -> Option<String> {
        Some(
            match &*var.parts() {
                ["一级", "名称"] | ["指标", "一级"] => "一级",
                ["二级", "名称"] | ["指标", "二级"] => "二级",
                ["指标", "三级"] => "三级",
                ["指标", "指标值"] => "指标值",
                ["指标", "依据"] => "依据",
                ["指标", "上年完成值"] => "上年完成值",
                ["指标", "权重"] => "权重",
                ["指标", "赋分规则"] => "赋分规则",
                ["指标", "佐证资料"] => "佐证资料",
                ["指标", "完成值"] => "结果.实际完成值",
                ["指标", "得分"] => "结果.得分",
                ["指标", "偏差原因"] => "结果.偏差原因",
                ["指标", "等级"] => "结果.等级",
                ["指标", k] => {
                    // The catalogue's texts kept by key (描述) and the style's fields.
                    let k = *k;
                    if var.is_kept_text()
                        || style
                            .style
                            .fields
                            .indicator
                            .iter()
                            .any(|f| f.key.value == k)
                    {
                        return Some(k.to_string());
                    }
                    return None;
                }
                _ => return None,
            }
            .to_string(),
        )
    };
    if let Some(f) = field {
        return key(f).map(|k| (k, shown.to_string()));
    }
    let pattern = pattern?;
    let vars = style.patterns.variables(pattern);
    let targets: Vec<(&VarPath, String)> =
        vars.iter().filter_map(|v| key(v).map(|k| (v, k))).collect();
    let [(var, k)] = targets.as_slice() else {
        return None;
    };
    const T: &str = "\u{E000}jx\u{E001}";
    const O: &str = "\u{E002}jx\u{E003}";
    let ctx = marker_context(vars, var, T, O);
    let template = style.patterns.render(pattern, &ctx).ok()?;
    match_template(template.trim_end_matches('\n'), T, O, shown).map(|v| (k.clone(), v))
}

/// The canonical level name of a printed one (`11-数量指标`, a style's label).
pub(super) fn unlabel(style: &LoadedStyle, printed: &str) -> String {
    let t = printed.trim();
    for (canonical, label) in &style.style.labels {
        if label == t {
            return canonical.clone();
        }
    }
    t.to_string()
}
