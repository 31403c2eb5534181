//! A project's money: each fund source as the style names it, the sums, and the fields a
//! style adds beside the catalogue's.

use super::*;

pub(super) fn money_sources_allowed(style: &LoadedStyle) -> String {
    let keys: Vec<&str> = style.source_keys().collect();
    if keys.is_empty() {
        "本样式只印合计".to_string()
    } else {
        format!("本样式的资金栏：{}、合计", keys.join("、"))
    }
}

/// The style's key of a source the data names, or a located error.
pub(super) fn source_key(cx: &mut Cx, key: &Text, style: &LoadedStyle) -> Option<String> {
    let k = key.value.trim();
    if style.source_keys().any(|s| s == k) {
        Some(k.to_string())
    } else {
        cx.emit_help(
            &rules::MONEY_SOURCE,
            key,
            format!("样式“{}”没有“{k}”栏", style.key),
            money_sources_allowed(style),
        );
        None
    }
}

/// Adds exactly; an overflow is reported once at `at` and the sum saturates.
pub(super) fn checked_sum<T>(
    cx: &mut Cx,
    values: impl IntoIterator<Item = Decimal>,
    at: &Spanned<T>,
) -> Decimal {
    let mut sum = Decimal::ZERO;
    for v in values {
        match sum.checked_add(v) {
            Some(s) => sum = s,
            None => {
                cx.emit(&rules::MONEY_RANGE, at, "金额相加超出了可计算的范围");
                return Decimal::MAX;
            }
        }
    }
    sum
}

/// A project budget from which on (万元, i.e. 10 亿元) an amount is more likely 元 than 万元.
pub const PLAUSIBLE_PROJECT_WAN: i64 = 100_000;

/// Money by source: the sources the style has, none negative, the stated total their sum.
/// `what` (`项目`, `部门`) names a budget whose amounts are also judged plausible in 万元 and
/// non-zero; a part of a budget (a task's amounts) is not.
pub(super) fn check_funds(
    cx: &mut Cx,
    funds: &Spanned<Money<Num>>,
    style: &LoadedStyle,
    what: Option<&str>,
) -> Funds {
    let m = &funds.value;
    let mut sources = Vec::new();
    for (key, v) in m.filled() {
        let Some(k) = source_key(cx, key, style) else {
            continue;
        };
        if v.value.0 < Decimal::ZERO {
            cx.emit(&rules::MONEY_NEGATIVE, v, format!("{k} 为负数"));
        }
        sources.push((k, v.value.0));
    }
    // The style's order, whatever order the data wrote them in.
    sources.sort_by_key(|(k, _)| style.source_keys().position(|s| s == k));
    let sum = checked_sum(cx, sources.iter().map(|(_, v)| *v), funds);
    let total = match (m.total(), sources.is_empty()) {
        (Some(t), true) => t.value.0,
        (Some(t), false) => {
            if t.value.0 != sum {
                cx.emit_help(
                    &rules::MONEY_SUM,
                    t,
                    format!(
                        "合计写的是 {}，各来源相加是 {}",
                        fmt_decimal(t.value.0),
                        fmt_decimal(sum)
                    ),
                    "核对各来源金额，或改正合计",
                );
            }
            sum
        }
        (None, false) => sum,
        (None, true) => {
            cx.emit(&rules::MONEY_MISSING, funds, "资金下没有任何金额");
            Decimal::ZERO
        }
    };
    if total < Decimal::ZERO
        && let Some(t) = m.total()
    {
        cx.emit(&rules::MONEY_NEGATIVE, t, "合计为负数");
    }
    let Some(what) = what else {
        return Funds { sources, total };
    };
    // Amounts entered in 元 where the data is 万元: ten thousand times too much.
    let at_total = |cx: &mut Cx, rule: &'static rules::Rule, msg: String| match m.total() {
        Some(t) => cx.emit(rule, t, msg),
        None => cx.emit(rule, funds, msg),
    };
    if total >= Decimal::from(PLAUSIBLE_PROJECT_WAN) {
        at_total(
            cx,
            &rules::MONEY_UNIT,
            format!(
                "{what}预算 {} 万元（{} 亿元），一个{what}通常远少于此，可能是把元写成了万元",
                fmt_decimal(total),
                fmt_decimal(total / Decimal::from(10_000))
            ),
        );
    } else if let Some((k, v)) = sources
        .iter()
        .chain([&("合计".to_string(), total)])
        .find(|(_, v)| *v > Decimal::from(10_000) && (*v % Decimal::from(10_000)).is_zero())
    {
        at_total(
            cx,
            &rules::MONEY_UNIT,
            format!(
                "{k} {} 万元正好是 10000 的倍数，可能是以元计的金额（{} 元 = {} 万元）",
                fmt_decimal(*v),
                fmt_decimal(*v),
                fmt_decimal(*v / Decimal::from(10_000))
            ),
        );
    }
    if total.is_zero() && !sources.is_empty() || total.is_zero() && m.total().is_some() {
        at_total(cx, &rules::MONEY_ZERO, format!("{what}预算合计为 0"));
    }
    Funds { sources, total }
}

/// The extra fields of one level: declared ones kept (in the style's order), undeclared ones
/// reported at their key, required ones missing reported at `owner`.
pub(super) fn check_extras<T>(
    cx: &mut Cx,
    given: &[&(Text, Text)],
    declared: &[crate::style::ExtraField],
    style: &LoadedStyle,
    at: Level,
    owner: &Spanned<T>,
) -> Vec<(String, String)> {
    let level = at.name_zh();
    let mut out = Vec::new();
    for (k, v) in given.iter().map(|e| (&e.0, &e.1)) {
        let key = k.value.trim();
        match declared.iter().find(|f| f.key.value == key) {
            Some(f) => {
                if !f.values.is_empty() && !f.values.iter().any(|x| x == v.value.trim()) {
                    cx.emit_help(
                        &rules::BAD_CHOICE,
                        v,
                        format!(
                            "“{key}”不能是“{}”{}",
                            v.value.trim(),
                            fields::did_you_mean(&v.value, f.values.iter().map(String::as_str))
                        ),
                        format!("可选：{}", f.values.join("、")),
                    );
                }
                out.push((key.to_string(), v.value.trim().to_string()));
            }
            None => {
                let names: Vec<&str> = declared.iter().map(|f| f.key.value.as_str()).collect();
                let tail = if names.is_empty() {
                    String::new()
                } else {
                    format!(
                        "；样式“{}”为{level}声明的扩展字段：{}",
                        style.key,
                        names.join("、")
                    )
                };
                let mut known: Vec<&str> = fields::keys(at).collect();
                known.extend(declared.iter().map(|f| f.key.value.as_str()));
                let near = fields::did_you_mean(key, known);
                cx.emit_help(
                    &rules::UNKNOWN_KEY,
                    k,
                    format!("未知字段“{key}”{near}{tail}"),
                    "可能是拼写错误；可用的字段见 docs/data-format.md，样式的扩展字段见其 style.yaml 的 fields",
                );
            }
        }
    }
    // Required by the field's own `required`, or listed in the style's `required_fields`.
    for f in declared
        .iter()
        .filter(|f| f.required || style.requires(&f.key.value))
    {
        if !out.iter().any(|(k, v)| *k == f.key.value && !v.is_empty()) {
            cx.emit_help(
                &rules::MISSING_FIELD,
                owner,
                format!("缺少“{}”（样式“{}”要求填写）", f.key.value, style.key),
                format!("在这一{level}下写 {}: …", f.key.value),
            );
        }
    }
    out.sort_by_key(|(k, _)| declared.iter().position(|f| f.key.value == *k));
    out
}
