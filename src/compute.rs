//! Every derived figure, in one place and in exact decimals: money totals, execution rate and
//! score, indicator scores, total score and grade. Rounding happens once, at the end. The
//! renderers never do arithmetic.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::target::{Direction, Op, Value};

/// Rounds half away from zero (四舍五入) to `dp` decimals.
pub fn round(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// The national proportional score of a comparable quantitative indicator (RULES.md):
/// weight `w`, target `t`, actual `a`, not rounded.
pub fn quantitative_score(op: Option<Op>, w: Decimal, t: Decimal, a: Decimal) -> Option<Decimal> {
    let zero = Decimal::ZERO;
    let a = a.max(zero);
    let positive = |t: Decimal| {
        if a >= t || t <= zero {
            Some(w)
        } else {
            w.checked_mul(a)?.checked_div(t)
        }
    };
    match op.map_or(Direction::Equal, Op::direction) {
        Direction::Positive => positive(t),
        Direction::Equal if t > zero => positive(t),
        Direction::Equal => Some(if a <= zero { w } else { zero }),
        Direction::Negative => {
            if a <= t {
                Some(w)
            } else if t <= zero || t.checked_mul(Decimal::TWO).is_none_or(|t2| a >= t2) {
                Some(zero)
            } else {
                // w × (1 − (a − t) / t)
                let over = a.checked_sub(t)?.checked_div(t)?;
                w.checked_mul(Decimal::ONE.checked_sub(over)?)
            }
        }
    }
}

/// Budget-execution score: `points × min(rate, 1)`, or full points from `full_marks_from` on.
pub fn execution_score(
    rate: Decimal,
    points: Decimal,
    decimals: u32,
    full_marks_from: Option<Decimal>,
) -> Decimal {
    execution_score_tiered(rate, points, decimals, full_marks_from, &[])
}

/// [`execution_score`] with tiers `(from, score)`: when given, the score of the highest tier
/// the rate reaches, else 0.
pub fn execution_score_tiered(
    rate: Decimal,
    points: Decimal,
    decimals: u32,
    full_marks_from: Option<Decimal>,
    tiers: &[(Decimal, Decimal)],
) -> Decimal {
    if full_marks_from.is_some_and(|f| rate >= f) {
        return points;
    }
    if !tiers.is_empty() {
        let mut sorted = tiers.to_vec();
        sorted.sort_by_key(|t| std::cmp::Reverse(t.0));
        return sorted
            .iter()
            .find(|(from, _)| rate >= *from)
            .map_or(Decimal::ZERO, |(_, s)| *s);
    }
    // rate is clamped to [0, 1], so the product stays within points.
    round(
        points
            .checked_mul(rate.min(Decimal::ONE).max(Decimal::ZERO))
            .unwrap_or(points),
        decimals,
    )
}

/// 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 < 60.
pub fn grade(total: Decimal) -> &'static str {
    if total >= Decimal::from(90) {
        "优"
    } else if total >= Decimal::from(80) {
        "良"
    } else if total >= Decimal::from(60) {
        "中"
    } else {
        "差"
    }
}

/// A qualitative grade and its score range as fractions of the weight: `[low, high)`, the top
/// grade including its upper end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    Achieved,
    Partly,
    NotAchieved,
}

impl Grade {
    pub fn parse(s: &str) -> Option<Grade> {
        match s.trim() {
            "达成" | "达成年度指标" => Some(Grade::Achieved),
            "部分达成" | "部分达成年度指标并具有一定效果" => Some(Grade::Partly),
            "未达成" | "未达成年度指标且效果较差" => Some(Grade::NotAchieved),
            _ => None,
        }
    }

    /// Whether `score` lies in this grade's range for weight `w`.
    pub fn contains(self, score: Decimal, w: Decimal) -> bool {
        // A fraction of a weight never overflows (it is smaller than the weight), but the
        // product is computed checked all the same.
        let pct = |p: i64| w.checked_mul(Decimal::new(p, 2)).unwrap_or(w);
        match self {
            Grade::Achieved => score >= pct(80) && score <= w,
            Grade::Partly => score >= pct(60) && score < pct(80),
            Grade::NotAchieved => score >= Decimal::ZERO && score < pct(60),
        }
    }
}

/// How an actual value compares with its target, for scoring.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    /// Both are quantities in the same unit: the formula applies.
    Comparable {
        op: Option<Op>,
        target: Decimal,
        actual: Decimal,
    },
    /// The target is a percentage and the actual value a phrase (`≥97%` vs `有效`).
    PercentVsPhrase,
    /// Both are quantities, in different units (or one lacks a unit the other has).
    UnitMismatch { target: String, actual: String },
    /// Not a quantitative comparison: the user states the score or grade.
    NotQuantitative,
}

pub fn compare(target: &Value, actual: &Value) -> Comparison {
    match (target, actual) {
        (
            Value::Quantity {
                op,
                number: t,
                unit: tu,
            },
            Value::Quantity {
                op: None,
                number: a,
                unit: au,
            },
        ) => {
            if tu == au {
                Comparison::Comparable {
                    op: *op,
                    target: *t,
                    actual: *a,
                }
            } else {
                Comparison::UnitMismatch {
                    target: tu.clone(),
                    actual: au.clone(),
                }
            }
        }
        (t, Value::Qualitative) if t.is_percent() => Comparison::PercentVsPhrase,
        (Value::Quantity { unit, .. }, Value::Free) => Comparison::UnitMismatch {
            target: unit.clone(),
            actual: String::new(),
        },
        _ => Comparison::NotQuantitative,
    }
}

/// A decimal as printed: its own scale, no exponent (`10.368`, `0.00`, `37.76`).
pub fn fmt_decimal(d: Decimal) -> String {
    d.to_string()
}

/// A score as printed: trailing zeros dropped (`9.9`, `10`, `6.28`).
pub fn fmt_score(d: Decimal) -> String {
    d.normalize().to_string()
}

/// A fraction as a percentage with `dp` decimals (`0.93848…` → `93.85%`); a fraction too
/// large to be multiplied by 100 prints as `很多倍`, never panicking.
pub fn fmt_percent(fraction: Decimal, dp: u32) -> String {
    match fraction.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{:.*}%", dp as usize, round(p, dp)),
        None => "很多倍".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn seed_004_execution_scores() {
        // 附件1-2: 12.55 / 20 = 62.75 % → 6.28 of 10 under the national rule (the seed gives 10).
        let rate = d("12.55") / d("20");
        assert_eq!(fmt_percent(rate, 2), "62.75%");
        assert_eq!(execution_score(rate, d("10"), 2, None), d("6.28"));
        // 附件1-5: 52.48 / 55.92 = 93.85 % (the seed prints 100 %) → 9.38.
        let rate = d("52.48") / d("55.92");
        assert_eq!(fmt_percent(rate, 2), "93.85%");
        assert_eq!(execution_score(rate, d("10"), 2, None), d("9.38"));
        // 附件1-6: 7.43 / 10 = 74.30 % → 7.43.
        let rate = d("7.43") / d("10");
        assert_eq!(fmt_percent(rate, 2), "74.30%");
        assert_eq!(execution_score(rate, d("10"), 2, None), d("7.43"));
        // A region that gives full marks from 60 %.
        assert_eq!(execution_score(rate, d("10"), 2, Some(d("0.6"))), d("10"));
        // Tiers: ≥ 90 % → 10, ≥ 80 % → 8, ≥ 60 % → 6, else 0.
        let tiers = [(d("0.9"), d("10")), (d("0.6"), d("6")), (d("0.8"), d("8"))];
        assert_eq!(
            execution_score_tiered(d("0.93"), d("10"), 2, None, &tiers),
            d("10")
        );
        assert_eq!(
            execution_score_tiered(d("0.8"), d("10"), 2, None, &tiers),
            d("8")
        );
        assert_eq!(
            execution_score_tiered(d("0.7"), d("10"), 2, None, &tiers),
            d("6")
        );
        assert_eq!(
            execution_score_tiered(d("0.5"), d("10"), 2, None, &tiers),
            d("0")
        );
        // Over-execution is capped at full points.
        assert_eq!(execution_score(d("1.2"), d("10"), 2, None), d("10"));
    }

    #[test]
    fn seed_004_indicator_scores() {
        // 附件1-2 开展活动次数 ≥30次 → 37次: full 20.
        assert_eq!(
            quantitative_score(Some(Op::Ge), d("20"), d("30"), d("37")).unwrap(),
            d("20")
        );
        // 附件1-2 群众满意度 ≥100% → 99%: 10 × 99/100 = 9.9 (the seed gives 10).
        assert_eq!(
            round(
                quantitative_score(Some(Op::Ge), d("10"), d("100"), d("99")).unwrap(),
                2
            ),
            d("9.9")
        );
        // 附件1-5 发放代表人数 ≤233人 → 223人 (反向, under target): full 20.
        assert_eq!(
            quantitative_score(Some(Op::Le), d("20"), d("233"), d("223")).unwrap(),
            d("20")
        );
        // 附件1-6 工作经费 ≤100000元 → 74301.66元: full 10 (the seed gives 9).
        assert_eq!(
            quantitative_score(Some(Op::Le), d("10"), d("100000"), d("74301.66")).unwrap(),
            d("10")
        );
        // 反向 over target: t = 100, a = 150 → w × (1 − 0.5); a ≥ 2t → 0.
        assert_eq!(
            quantitative_score(Some(Op::Le), d("10"), d("100"), d("150")).unwrap(),
            d("5")
        );
        assert_eq!(
            quantitative_score(Some(Op::Lt), d("10"), d("100"), d("200")).unwrap(),
            d("0")
        );
        // 等于 with t = 0.
        assert_eq!(
            quantitative_score(Some(Op::Eq), d("5"), d("0"), d("0")).unwrap(),
            d("5")
        );
        assert_eq!(
            quantitative_score(Some(Op::Eq), d("5"), d("0"), d("1")).unwrap(),
            d("0")
        );
        // No rounding in between: 10 × 2/3 = 6.666… → 6.67 only at the end.
        assert_eq!(
            round(
                quantitative_score(Some(Op::Ge), d("10"), d("3"), d("2")).unwrap(),
                2
            ),
            d("6.67")
        );
    }

    #[test]
    fn grades_and_ranges() {
        assert_eq!(grade(d("99")), "优");
        assert_eq!(grade(d("89.99")), "良");
        assert_eq!(grade(d("60")), "中");
        assert_eq!(grade(d("59.99")), "差");
        assert!(Grade::Achieved.contains(d("8"), d("10")));
        assert!(!Grade::Achieved.contains(d("7.99"), d("10")));
        assert!(Grade::Partly.contains(d("6"), d("10")));
        assert!(!Grade::Partly.contains(d("8"), d("10")));
        assert!(Grade::NotAchieved.contains(d("0"), d("10")));
    }

    #[test]
    fn list_total_is_exact_then_rounded_once() {
        // Seed 004's list: the rows add up to 138.828, printed 138.83.
        let rows = ["55", "12.55", "1", "10.368", "52.48", "7.43"];
        let total: Decimal = rows.iter().map(|r| d(r)).sum();
        assert_eq!(fmt_decimal(total), "138.828");
        assert_eq!(fmt_decimal(round(total, 2)), "138.83");
    }

    #[test]
    fn percentages() {
        assert_eq!(crate::model::parse_percent("62.75%"), Some(d("0.6275")));
        assert_eq!(crate::model::parse_percent("100%"), Some(d("1")));
        assert_eq!(crate::model::parse_percent("100"), None);
        assert_eq!(fmt_score(d("9.90")), "9.9");
    }
}
