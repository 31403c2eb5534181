//! A project's indicators: taxonomy, targets, weights and the required 一级 and counts.

use super::*;

pub(super) fn is_cost(level1: &str, level2: Option<&str>) -> bool {
    level1 == "成本指标" || level2.is_some_and(|l| l.contains("成本指标"))
}

/// Checks a block of indicators against the taxonomy and the style. `mid`: the 中期 (or 长期)
/// block, which carries no weights (one written is JX216) and is not held to the style's
/// required 一级, minimum count or weight totals, which are the 年度 block's.
pub(super) fn check_indicators<'a>(
    cx: &mut Cx,
    owner: Owner,
    indicators: &'a [Indicator],
    style: &LoadedStyle,
    mid: bool,
) -> Vec<Ind<'a>> {
    let Owner { at, who, each } = owner;
    let math = style.style.math_symbols;
    let vocab = &style.vocabulary;
    let mut out: Vec<(usize, usize, Ind<'a>)> = Vec::new();
    let mut seen_names: HashSet<(String, Option<String>, String)> = HashSet::new();
    for ind in indicators {
        cx.non_empty(&ind.name, "三级指标");
        cx.non_empty(&ind.target, "指标值");
        let l1_pos = style
            .taxonomy
            .levels
            .iter()
            .position(|l| l.name == style.canonical(&ind.level1.value));
        let (level1, order1) = match l1_pos {
            Some(i) => (style.taxonomy.levels[i].name.clone(), i),
            None => {
                let names: Vec<&str> = style
                    .taxonomy
                    .levels
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect();
                cx.emit_help(
                    &rules::UNKNOWN_LEVEL1,
                    &ind.level1,
                    format!(
                        "一级指标“{}”不在样式“{}”的指标体系（{}）中{}",
                        ind.level1.value,
                        style.key,
                        style.style.taxonomy.value,
                        fields::did_you_mean(
                            &style.canonical(&ind.level1.value),
                            names.iter().copied()
                        )
                    ),
                    format!("可用的一级指标：{}", names.join("、")),
                );
                (ind.level1.value.trim().to_string(), usize::MAX)
            }
        };
        let mut order2 = 0;
        let level2 = match (&ind.level2, style.style.level2) {
            (Some(l2), true) => match l1_pos.map(|i| &style.taxonomy.levels[i]) {
                Some(l1) => match style.level2(l1, &l2.value) {
                    Some(name) => {
                        order2 = l1.level2.iter().position(|n| n == name).unwrap_or(0);
                        Some(name.to_string())
                    }
                    None => {
                        cx.emit_help(
                            &rules::UNKNOWN_LEVEL2,
                            l2,
                            format!(
                                "二级指标“{}”不属于一级指标“{}”（指标体系 {}）{}",
                                l2.value,
                                level1,
                                style.style.taxonomy.value,
                                fields::did_you_mean(
                                    &style.canonical(&l2.value),
                                    l1.level2.iter().map(String::as_str)
                                )
                            ),
                            format!("“{level1}”下可用的二级指标：{}", l1.level2.join("、")),
                        );
                        order2 = usize::MAX;
                        Some(l2.value.trim().to_string())
                    }
                },
                None => Some(l2.value.trim().to_string()),
            },
            (None, true) => {
                cx.emit_help(
                    &rules::LEVEL2_MISSING,
                    &ind.name,
                    format!("指标“{}”没有填写二级指标", ind.name.value),
                    "在这一条指标中写 二级: …",
                );
                None
            }
            (Some(l2), false) => {
                cx.emit(
                    &rules::UNUSED_FIELD,
                    l2,
                    format!("样式“{}”没有二级指标栏，“{}”不会印出", style.key, l2.value),
                );
                None
            }
            (None, false) => None,
        };
        let key = (
            level1.clone(),
            level2.clone(),
            ind.name.value.trim().to_string(),
        );
        if !key.2.is_empty() && !seen_names.insert(key) {
            cx.emit(
                &rules::DUPLICATE_INDICATOR,
                &ind.name,
                format!(
                    "“{}”在{}下出现了不止一次",
                    ind.name.value.trim(),
                    level2.as_deref().unwrap_or(&level1)
                ),
            );
        }
        for key in style.style.required_fields.iter().map(|k| k.value.as_str()) {
            if mid && key == "权重" {
                continue;
            }
            if indicator_field(ind, key) == Some(false) {
                cx.emit_help(
                    &rules::MISSING_FIELD,
                    &ind.name,
                    format!(
                        "指标“{}”缺少“{key}”（样式“{}”要求填写）",
                        ind.name.value, style.key
                    ),
                    format!("在这一条指标中写 {key}: …"),
                );
            }
        }
        if let Some(b) = &ind.basis {
            if b.value.trim().is_empty() {
                cx.emit(&rules::EMPTY_TEXT, b, "指标值设置依据为空");
            } else if !vocab.basis.iter().any(|x| x == b.value.trim()) {
                cx.emit(
                    &rules::BAD_BASIS,
                    b,
                    format!(
                        "“{}”不是规定的设置依据{}",
                        b.value,
                        fields::did_you_mean(&b.value, vocab.basis.iter().map(String::as_str))
                    ),
                );
            } else if vocab.cost_only_basis.iter().any(|x| x == b.value.trim())
                && !is_cost(&level1, level2.as_deref())
            {
                cx.emit(
                    &rules::BUDGET_BASIS_NOT_COST,
                    b,
                    format!("“{}”不是成本指标，不能以预算支出标准为依据", ind.name.value),
                );
            }
        }
        if let Some(s) = &ind.scoring
            && !vocab.scoring.iter().any(|x| x == s.value.trim())
        {
            cx.emit(
                &rules::BAD_SCORING_RULE,
                s,
                format!(
                    "“{}”不是规定的赋分规则{}",
                    s.value,
                    fields::did_you_mean(&s.value, vocab.scoring.iter().map(String::as_str))
                ),
            );
        }
        for e in &ind.evidence {
            if !vocab.evidence.iter().any(|x| x == e.value.trim()) {
                cx.emit(
                    &rules::BAD_EVIDENCE,
                    e,
                    format!(
                        "“{}”不是规定的佐证资料{}",
                        e.value,
                        fields::did_you_mean(&e.value, vocab.evidence.iter().map(String::as_str))
                    ),
                );
            }
        }
        let tv = target::parse(&ind.target.value);
        if let Value::Quantity { op, unit, .. } = &tv {
            if unit.is_empty() {
                cx.emit(
                    &rules::UNIT_MISSING,
                    &ind.target,
                    format!(
                        "指标值“{}”只有数字，没有计量单位",
                        target::display(&ind.target.value, math)
                    ),
                );
            }
            check_weak_target(cx, ind, *op, &tv);
        }
        if mid && let Some(w) = &ind.weight {
            cx.emit(
                &rules::MID_WEIGHT,
                w,
                format!(
                    "中期指标“{}”写了权重 {}",
                    ind.name.value.trim(),
                    fmt_decimal(w.value.0)
                ),
            );
        }
        let weight = ind.weight.as_ref().map(|w| w.value.0).filter(|_| !mid);
        if let Some(w) = &ind.weight
            && !mid
            && w.value.0 <= Decimal::ZERO
        {
            cx.emit(
                &rules::WEIGHT_NOT_POSITIVE,
                w,
                format!("权重 {} 不大于 0", fmt_decimal(w.value.0)),
            );
        }
        let extras = check_extras(
            cx,
            &crate::fields::extras(ind, Level::Indicator),
            &style.style.fields.indicator,
            style,
            Level::Indicator,
            &ind.name,
        );
        out.push((
            order1,
            order2,
            Ind {
                src: ind,
                level1,
                level2,
                target: tv,
                weight,
                result: None,
                extras,
            },
        ));
    }
    // Print order: the taxonomy's, stable within a level (sort_by_key is stable), unless the
    // style keeps the order the department wrote.
    if style.style.order == crate::style::Order::Taxonomy {
        out.sort_by_key(|(a, b, _)| (*a, *b));
    }
    let inds: Vec<Ind<'a>> = out.into_iter().map(|(_, _, i)| i).collect();
    if mid {
        return inds;
    }

    // Required 一级 levels and minimum count.
    for l1 in style.style.required_level1.iter().map(|l| &l.value) {
        if !inds.iter().any(|i| &i.level1 == l1) {
            cx.emit_help(
                &rules::MISSING_LEVEL1,
                at,
                format!("{who}没有“{l1}”下的指标"),
                format!("样式“{}”要求{each}至少有一条{l1}", style.key),
            );
        }
    }
    if inds.len() < style.style.min_indicators {
        cx.emit_help(
            &rules::TOO_FEW_INDICATORS,
            at,
            format!("{who}只有 {} 条指标", inds.len()),
            format!(
                "样式“{}”要求{each}至少 {} 条指标",
                style.key, style.style.min_indicators
            ),
        );
    }
    if let Some(wr) = &style.style.weights {
        let total = checked_sum(cx, inds.iter().filter_map(|i| i.weight), at);
        if let Some(expected) = wr.total
            && !inds.is_empty()
            && inds.iter().all(|i| i.weight.is_some())
            && total != expected.0
        {
            cx.emit_help(
                &rules::WEIGHT_TOTAL,
                at,
                format!(
                    "{who}的指标权重合计 {}，应为 {}",
                    fmt_decimal(total),
                    fmt_decimal(expected.0)
                ),
                "调整各指标权重，使合计等于规定分值",
            );
        }
        for (l1, points) in &wr.per_level1 {
            let sum = checked_sum(
                cx,
                inds.iter()
                    .filter(|i| &i.level1 == l1)
                    .filter_map(|i| i.weight),
                at,
            );
            if inds.iter().any(|i| &i.level1 == l1) && sum != points.0 {
                cx.emit(
                    &rules::WEIGHT_LEVEL1_TOTAL,
                    at,
                    format!(
                        "{who}的{l1}权重合计 {}，应为 {} 分",
                        fmt_decimal(sum),
                        fmt_decimal(points.0)
                    ),
                );
            }
        }
        // Ranges per 一级 or 二级, for a level with indicators.
        for (name, _) in wr.ranges.iter() {
            let level = style.canonical(&name.value);
            let Some((lo, hi)) = style.weight_range(&level) else {
                continue;
            };
            let of_level = |i: &&Ind| i.level1 == level || i.level2.as_deref() == Some(&level);
            if !inds.iter().any(|i| of_level(&i)) {
                continue;
            }
            let sum = checked_sum(
                cx,
                inds.iter().filter(of_level).filter_map(|i| i.weight),
                at,
            );
            if sum < lo || sum > hi {
                cx.emit_help(
                    &rules::WEIGHT_RANGE,
                    at,
                    format!(
                        "{who}的{level}权重合计 {}，应在 {}–{} 分之间",
                        fmt_decimal(sum),
                        fmt_decimal(lo),
                        fmt_decimal(hi)
                    ),
                    format!(
                        "样式“{}”规定{level}的分值区间；调整其下指标的权重",
                        style.key
                    ),
                );
            }
        }
    }
    inds
}

/// 正向 target below last year's actual value.
pub(super) fn check_weak_target(cx: &mut Cx, ind: &Indicator, op: Option<target::Op>, tv: &Value) {
    let (Some(last), Some(op), Value::Quantity { number, unit, .. }) = (&ind.last_year, op, tv)
    else {
        return;
    };
    if op.direction() != Direction::Positive {
        return;
    }
    if let Value::Quantity {
        op: None,
        number: ln,
        unit: lu,
    } = target::parse(&last.value)
        && &lu == unit
        && ln > *number
    {
        cx.emit(
            &rules::WEAK_TARGET,
            &ind.target,
            format!(
                "“{}”的指标值 {} 低于上年完成值 {}",
                ind.name.value,
                target::display(&ind.target.value, true),
                last.value
            ),
        );
    }
}
