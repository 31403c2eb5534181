//! The self-evaluation: money executed, indicator results, scores, the total and the grade.

use super::*;

/// One money row of the self-evaluation, reporting any negative amount in it.
pub(super) fn eval_row(cx: &mut Cx, source: Option<String>, a: &EvalAmounts) -> EvalRow {
    for n in [a.initial.as_ref(), Some(&a.budget), Some(&a.executed)]
        .into_iter()
        .flatten()
    {
        if n.value.0 < Decimal::ZERO {
            cx.emit(&rules::MONEY_NEGATIVE, n, "金额为负数");
        }
    }
    EvalRow {
        source,
        initial: a.initial.as_ref().map(|n| n.value.0),
        budget: a.budget.value.0,
        executed: a.executed.value.0,
    }
}

pub(super) fn check_eval<'a>(
    cx: &mut Cx,
    owner: Owner,
    indicators: &mut [Ind<'a>],
    e: &'a SelfEval,
    style: &LoadedStyle,
) -> Eval<'a> {
    let who = owner.who;
    cx.non_empty(&e.outcome, "实际完成情况");
    // Money: rows by source, totals computed.
    let m = &e.funds.value;
    let mut rows = Vec::new();
    for (key, a) in m.filled() {
        let Some(k) = source_key(cx, key, style) else {
            continue;
        };
        rows.push(eval_row(cx, Some(k), a));
    }
    rows.sort_by_key(|r| {
        r.source
            .as_deref()
            .and_then(|k| style.source_keys().position(|s| s == k))
    });
    let total = match (m.total(), rows.is_empty()) {
        (Some(t), true) => eval_row(cx, None, t),
        (t, false) => {
            let initial = if rows.iter().any(|r| r.initial.is_some()) {
                Some(checked_sum(
                    cx,
                    rows.iter().filter_map(|r| r.initial),
                    &e.funds,
                ))
            } else {
                None
            };
            let computed = EvalRow {
                source: None,
                initial,
                budget: checked_sum(cx, rows.iter().map(|r| r.budget), &e.funds),
                executed: checked_sum(cx, rows.iter().map(|r| r.executed), &e.funds),
            };
            if let Some(t) = t {
                let pairs = [
                    ("年初预算", t.initial.as_ref(), computed.initial),
                    ("全年预算", Some(&t.budget), Some(computed.budget)),
                    ("全年执行", Some(&t.executed), Some(computed.executed)),
                ];
                for (what, stated, comp) in pairs {
                    if let (Some(s), Some(c)) = (stated, comp)
                        && s.value.0 != c
                    {
                        cx.emit(
                            &rules::MONEY_SUM,
                            s,
                            format!(
                                "自评资金合计的{what}写的是 {}，各来源相加是 {}",
                                fmt_decimal(s.value.0),
                                fmt_decimal(c)
                            ),
                        );
                    }
                }
            }
            computed
        }
        (None, true) => {
            cx.emit(&rules::MONEY_MISSING, &e.funds, "自评资金下没有任何金额");
            EvalRow {
                source: None,
                initial: None,
                budget: Decimal::ZERO,
                executed: Decimal::ZERO,
            }
        }
    };
    let rate = if total.budget > Decimal::ZERO {
        match total.rate() {
            Some(r) => r,
            None => {
                cx.emit(&rules::MONEY_RANGE, &e.funds, "执行率超出了可计算的范围");
                Decimal::ZERO
            }
        }
    } else {
        cx.emit(
            &rules::BUDGET_ZERO,
            &e.funds,
            format!("{who}的全年预算数为 0"),
        );
        Decimal::ZERO
    };
    if total.executed > total.budget {
        cx.emit(
            &rules::EXECUTED_OVER_BUDGET,
            &e.funds,
            format!(
                "全年执行数 {} 超过全年预算数 {}",
                fmt_decimal(total.executed),
                fmt_decimal(total.budget)
            ),
        );
    }
    if let Some(stated) = &e.stated_rate {
        match crate::model::parse_percent(&stated.value) {
            Some(s) => {
                // Compare at the precision the user wrote (`93.90%` has two decimals).
                let written = stated.value.trim().trim_end_matches(['%', '％']);
                let dp = written.split_once('.').map_or(0, |(_, f)| f.len() as u32);
                let percent =
                    |f: Decimal| f.checked_mul(Decimal::ONE_HUNDRED).map(|p| round(p, dp));
                if percent(rate) != percent(s) {
                    cx.emit_help(
                        &rules::RATE_MISMATCH,
                        stated,
                        format!(
                            "执行率写的是 {}，全年执行数 {} ÷ 全年预算数 {} = {}",
                            stated.value.trim(),
                            fmt_decimal(total.executed),
                            fmt_decimal(total.budget),
                            fmt_percent(rate, 2)
                        ),
                        "表中印计算值；请改正填报的执行率",
                    );
                }
            }
            None => cx.emit(
                &rules::BAD_PERCENT,
                stated,
                format!("“{}”不是百分数", stated.value),
            ),
        }
    }
    let ex = &style.style.execution;
    let tiers: Vec<(Decimal, Decimal)> = ex.tiers.iter().map(|t| (t.from.0, t.score.0)).collect();
    let exec_computed = compute::execution_score_tiered(
        rate,
        ex.points.0,
        ex.decimals,
        ex.full_marks_from.map(|d| d.0),
        &tiers,
    );
    let mut exec_score = exec_computed;
    if let Some(stated) = &e.stated_exec_score
        && stated.value.0 != exec_computed
    {
        if has_text(&e.exec_override) {
            exec_score = stated.value.0;
        } else {
            let how = if ex.is_proportional() {
                format!(
                    "{} 分 × min(执行率, 100%)，保留 {} 位小数",
                    fmt_score(ex.points.0),
                    ex.decimals
                )
            } else {
                format!("按样式“{}”的执行得分规则", style.key)
            };
            cx.emit_help(
                &rules::EXEC_SCORE_MISMATCH,
                stated,
                format!(
                    "预算执行得分写的是 {}，按执行率 {} 计算应为 {}（{how}）",
                    fmt_score(stated.value.0),
                    fmt_percent(rate, 2),
                    fmt_score(exec_computed),
                ),
                "表中印计算值；如确需采用填报值，写 执行得分调整理由: …",
            );
        }
    }
    if exec_score > ex.points.0
        && let Some(s) = &e.stated_exec_score
    {
        cx.emit(
            &rules::SCORE_OVER_WEIGHT,
            s,
            format!("预算执行得分超过 {} 分", fmt_score(ex.points.0)),
        );
    }

    check_indicator_results(cx, owner, indicators, e, style);

    // 总分 needs every score; a blank one (allowed by the style) leaves it blank too.
    let scores: Vec<Option<Decimal>> = indicators
        .iter()
        .map(|i| i.result.as_ref().and_then(|r| r.score))
        .collect();
    let complete = scores.iter().all(Option::is_some);
    let ind_sum = checked_sum(cx, scores.iter().flatten().copied(), &e.outcome);
    let total_score = complete.then(|| exec_score.checked_add(ind_sum)).flatten();
    if let (Some(stated), Some(total)) = (&e.stated_total, total_score)
        && stated.value.0 != total
    {
        cx.emit_help(
            &rules::TOTAL_MISMATCH,
            stated,
            format!(
                "总分写的是 {}，预算执行得分 {} 加各指标得分 {} 为 {}",
                fmt_score(stated.value.0),
                fmt_score(exec_score),
                fmt_score(ind_sum),
                fmt_score(total)
            ),
            "表中印计算值",
        );
    }
    if let Some(g) = &e.stated_grade {
        let written = g.value.trim();
        if !fields::OVERALL_GRADES.contains(&written) {
            cx.emit_help(
                &rules::BAD_CHOICE,
                g,
                format!(
                    "等级“{written}”不是规定的评价等级{}",
                    fields::did_you_mean(written, fields::OVERALL_GRADES.iter().copied())
                ),
                format!("可选：{}", fields::OVERALL_GRADES.join("、")),
            );
        } else if let Some(total) = total_score
            && compute::grade(total) != written
        {
            cx.emit(
                &rules::GRADE_MISMATCH,
                g,
                format!(
                    "等级写的是“{written}”，总分 {} 评定为“{}”",
                    fmt_score(total),
                    compute::grade(total)
                ),
            );
        }
    }
    let points_total = checked_sum(
        cx,
        std::iter::once(ex.points.0).chain(level1_points(indicators, style)),
        &e.outcome,
    );
    let extras = check_extras(
        cx,
        &crate::fields::extras(e, Level::Eval),
        &style.style.fields.eval,
        style,
        Level::Eval,
        &e.outcome,
    );
    Eval {
        src: e,
        rows,
        total,
        rate,
        exec_score,
        exec_overridden: exec_score != exec_computed,
        total_score,
        points_total,
        grade: total_score.map(compute::grade),
        extras,
    }
}

/// The points of every 一级 among `inds`: fixed by the style, or its weights' sum.
pub(super) fn level1_points(inds: &[Ind], style: &LoadedStyle) -> Vec<Decimal> {
    level1s(inds)
        .into_iter()
        .map(|l1| points_of_level1(style, l1, inds))
        .collect()
}

/// The 一级 of `inds`, canonical, in print order.
pub fn level1s<'i>(inds: &'i [Ind]) -> Vec<&'i str> {
    let mut levels: Vec<&str> = Vec::new();
    for i in inds {
        if !levels.contains(&i.level1.as_str()) {
            levels.push(&i.level1);
        }
    }
    levels
}

/// The points of a 一级: fixed by the style, or the sum of the weights of its indicators among
/// `inds`. The one rule the check's 总分值, the 一级 label of a grid and `项目.分值` share.
pub fn points_of_level1<'i, 'a: 'i>(
    style: &LoadedStyle,
    level1: &str,
    inds: impl IntoIterator<Item = &'i Ind<'a>>,
) -> Decimal {
    let fixed = style.style.weights.as_ref().map(|w| &w.per_level1);
    match fixed.and_then(|m| m.get(level1)) {
        Some(points) => points.0,
        None => inds
            .into_iter()
            .filter(|i| i.level1 == level1)
            .filter_map(|i| i.weight)
            .fold(Decimal::ZERO, |a, w| a.checked_add(w).unwrap_or(a)),
    }
}

impl Proj<'_> {
    /// The project's 一级, canonical, in print order.
    pub fn level1s(&self) -> Vec<&str> {
        level1s(&self.indicators)
    }
}

/// Matches each result with its approved indicator and scores it.
pub(super) fn check_indicator_results<'a>(
    cx: &mut Cx,
    owner: Owner,
    indicators: &mut [Ind<'a>],
    e: &'a SelfEval,
    style: &LoadedStyle,
) {
    let mut by_ref: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, ind) in indicators.iter().enumerate() {
        let name = ind.src.name.value.trim().to_string();
        if let Some(l2) = &ind.src.level2 {
            by_ref
                .entry(format!("{}/{}", l2.value.trim(), name))
                .or_default()
                .push(i);
            if let Some(c) = &ind.level2
                && c != l2.value.trim()
            {
                by_ref.entry(format!("{c}/{name}")).or_default().push(i);
            }
        }
        by_ref.entry(name).or_default().push(i);
    }
    for r in &e.indicators {
        let key = r.indicator.value.trim();
        let idx = match by_ref.get(key).map(Vec::as_slice) {
            Some([i]) => *i,
            Some(_) => {
                cx.emit_help(
                    &rules::EVAL_UNKNOWN_INDICATOR,
                    &r.indicator,
                    format!("“{key}”对应不止一条指标"),
                    "写成 二级/三级 以区分同名指标",
                );
                continue;
            }
            None => {
                cx.emit(
                    &rules::EVAL_UNKNOWN_INDICATOR,
                    &r.indicator,
                    format!("{}没有名为“{key}”的指标", owner.who),
                );
                continue;
            }
        };
        let ind = &mut indicators[idx];
        if ind.result.is_some() {
            cx.emit(
                &rules::EVAL_DUPLICATE,
                &r.indicator,
                format!("指标“{key}”已经自评过"),
            );
            continue;
        }
        let score = score_indicator(cx, ind, r, style);
        ind.result = Some(IndResult { src: r, score });
    }
    let missing: Vec<String> = indicators
        .iter()
        .filter(|i| i.result.is_none())
        .map(|i| i.src.name.value.trim().to_string())
        .collect();
    if !missing.is_empty() && style.style.results.required {
        let at = e
            .indicators
            .first()
            .map(|r| &r.indicator)
            .unwrap_or(&e.outcome);
        cx.emit(
            &rules::EVAL_MISSING_INDICATOR,
            at,
            format!("以下指标没有自评结果：{}", missing.join("、")),
        );
    }
}

/// Scores one indicator result, reporting every discrepancy; returns the printed score.
pub(super) fn score_indicator(
    cx: &mut Cx,
    ind: &Ind,
    r: &IndicatorEval,
    style: &LoadedStyle,
) -> Option<Decimal> {
    let name = ind.src.name.value.trim();
    let w = ind.weight.unwrap_or(Decimal::ZERO);
    let results = &style.style.results;
    let actual_text = r.actual.as_ref().map_or("", |a| a.value.as_str());
    if r.actual.is_none() && results.actual_required {
        cx.emit_help(
            &rules::MISSING_FIELD,
            &r.indicator,
            format!("“{name}”缺少实际完成值"),
            "在这一条自评中写 实际完成值: …",
        );
    }
    let actual = match &r.actual {
        Some(a) => target::parse(&a.value),
        None => target::Value::Free,
    };
    let at_actual = r.actual.as_ref().unwrap_or(&r.indicator);
    // A blank 完成值 (a form the style allows to be filled in by hand) compares with nothing.
    let cmp = if r.actual.is_some() {
        compute::compare(&ind.target, &actual)
    } else {
        Comparison::NotQuantitative
    };
    let stated = r.score.as_ref().map(|s| s.value.0);
    let grade = match &r.grade {
        Some(g) => match Grade::parse(&g.value) {
            Some(gr) => Some(gr),
            None => {
                cx.emit(
                    &rules::BAD_GRADE,
                    g,
                    format!(
                        "“{}”不是规定的等级{}",
                        g.value,
                        fields::did_you_mean(&g.value, fields::GRADES.iter().copied())
                    ),
                );
                None
            }
        },
        None => None,
    };
    let computed = match &cmp {
        Comparison::Comparable { op, target, actual } => {
            if ind.weight.is_some() {
                let s = compute::quantitative_score(*op, w, *target, *actual);
                if s.is_none() {
                    cx.emit(
                        &rules::MONEY_RANGE,
                        at_actual,
                        format!("“{name}”的得分超出了可计算的范围"),
                    );
                }
                s.map(|s| round(s, results.score_decimals))
            } else {
                None
            }
        }
        Comparison::PercentVsPhrase => {
            cx.emit(
                &rules::PERCENT_VS_PHRASE,
                at_actual,
                format!(
                    "“{name}”的指标值是 {}，完成值却是“{}”",
                    target::display(&ind.src.target.value, true),
                    actual_text
                ),
            );
            None
        }
        Comparison::UnitMismatch {
            target: tu,
            actual: au,
        } => {
            let show = |u: &str| {
                if u.is_empty() {
                    "无单位".to_string()
                } else {
                    format!("“{u}”")
                }
            };
            cx.emit(
                &rules::UNIT_MISMATCH,
                at_actual,
                format!(
                    "“{name}”的指标值 {}（{}）与完成值“{}”（{}）不可比",
                    target::display(&ind.src.target.value, true),
                    show(tu),
                    actual_text,
                    show(au)
                ),
            );
            None
        }
        Comparison::NotQuantitative => None,
    };
    // Over-achievement (10号's deviation clause).
    if let Comparison::Comparable {
        op: Some(op),
        target: t,
        actual: a,
    } = &cmp
        && op.direction() == Direction::Positive
        && *t > Decimal::ZERO
        && t.checked_mul(Decimal::new(12, 1))
            .is_some_and(|limit| *a >= limit)
    {
        let need = if r.reason.is_none() {
            "，须填写偏差原因说明"
        } else {
            ""
        };
        let ratio = a
            .checked_div(*t)
            .map_or_else(|| "很多倍".to_string(), |q| fmt_percent(q, 0));
        cx.emit(
            &rules::OVER_ACHIEVED,
            at_actual,
            format!(
                "“{name}”完成值 {} 达到指标值 {} 的 {ratio}{need}",
                actual_text,
                target::display(&ind.src.target.value, true),
            ),
        );
    }
    let printed = match (computed, stated) {
        (Some(c), Some(s)) if c != s => {
            if has_text(&r.score_override) {
                Some(s)
            } else {
                cx.emit_help(
                    &rules::SCORE_MISMATCH,
                    r.score.as_ref().expect("stated"),
                    format!(
                        "“{name}”得分写的是 {}，按完成值 {} 对指标值 {} 计算应为 {}",
                        fmt_score(s),
                        actual_text,
                        target::display(&ind.src.target.value, true),
                        fmt_score(c)
                    ),
                    "表中印计算值；如确需采用填报值，写 得分调整理由: …",
                );
                Some(c)
            }
        }
        (Some(c), _) => Some(c),
        (None, Some(s)) => Some(s),
        (None, None) => match grade {
            Some(Grade::Achieved) => Some(w),
            _ if !results.score_required => None,
            _ => {
                cx.emit(
                    &rules::SCORE_MISSING,
                    &r.indicator,
                    format!("“{name}”需要填写得分"),
                );
                Some(Decimal::ZERO)
            }
        },
    };
    let printed = printed?;
    if let (Some(s), true) = (&r.score, ind.weight.is_some()) {
        if s.value.0 > w {
            cx.emit(
                &rules::SCORE_OVER_WEIGHT,
                s,
                format!(
                    "“{name}”得分 {} 超过分值 {}",
                    fmt_score(s.value.0),
                    fmt_score(w)
                ),
            );
        }
        if s.value.0 < Decimal::ZERO {
            cx.emit(&rules::SCORE_OVER_WEIGHT, s, format!("“{name}”得分为负数"));
        }
    }
    if let (Some(g), Some(gs)) = (grade, &r.grade)
        && !g.contains(printed, w)
    {
        cx.emit(
            &rules::SCORE_GRADE_RANGE,
            gs,
            format!(
                "“{name}”等级为“{}”，得分 {} 不在其区间内（分值 {}）",
                gs.value,
                fmt_score(printed),
                fmt_score(w)
            ),
        );
    }
    if printed < w && !has_text(&r.reason) {
        cx.emit(
            &rules::REASON_MISSING,
            &r.indicator,
            format!(
                "“{name}”得分 {}，低于分值 {}，没有偏差原因分析",
                fmt_score(printed),
                fmt_score(w)
            ),
        );
    }
    Some(printed)
}

/// Whether an optional text is given and not blank.
pub(super) fn has_text(t: &Option<Text>) -> bool {
    t.as_ref().is_some_and(|t| !t.value.trim().is_empty())
}
