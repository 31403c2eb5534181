//! Target values (指标值) and actual values (实际完成值): comparison + number + unit
//! (`≥2380.4平方米`, `=236人`, `<=0.16万元/人`), qualitative text (`有效提高`), or free text that
//! is neither (`1-5条`, `2021年2月底前`, `≤上期会议经费`). What the user wrote is kept; this only
//! reads it.

use rust_decimal::Decimal;

use crate::model::parse_decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

/// Scoring direction of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// ≥, >: more is better (正向).
    Positive,
    /// ≤, <: less is better (反向).
    Negative,
    /// =
    Equal,
}

impl Op {
    pub fn direction(self) -> Direction {
        match self {
            Op::Ge | Op::Gt => Direction::Positive,
            Op::Le | Op::Lt => Direction::Negative,
            Op::Eq => Direction::Equal,
        }
    }

    /// The printed symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Ge => "≥",
            Op::Gt => ">",
            Op::Le => "≤",
            Op::Lt => "<",
            Op::Eq => "=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A comparison (or a bare quantity, `op: None`) with a number and a unit (possibly empty).
    Quantity {
        op: Option<Op>,
        number: Decimal,
        unit: String,
    },
    /// Text without any digit: `有效提高`, `是`, `及时`.
    Qualitative,
    /// Anything else: `1-5条`, `2021年2月底前`, `≤上期会议经费`.
    Free,
}

/// Comparison prefixes, longest first.
const OPS: &[(&str, Op)] = &[
    (">=", Op::Ge),
    ("<=", Op::Le),
    ("≥", Op::Ge),
    ("≧", Op::Ge),
    ("≤", Op::Le),
    ("≦", Op::Le),
    ("＞＝", Op::Ge),
    ("＜＝", Op::Le),
    (">", Op::Gt),
    ("＞", Op::Gt),
    ("<", Op::Lt),
    ("＜", Op::Lt),
    ("=", Op::Eq),
    ("＝", Op::Eq),
];

/// Words that make a number+unit a range or a date rather than a quantity.
const NOT_A_UNIT: &[&str] = &["以上", "以下", "以内", "左右", "前", "后", "内", "底"];

/// A leading comparison and the rest of the text (`≤上期会议经费` → `≤`, `上期会议经费`).
pub fn split_op(text: &str) -> Option<(Op, &str)> {
    let t = text.trim();
    OPS.iter()
        .find(|(p, _)| t.starts_with(p))
        .map(|(p, op)| (*op, t[p.len()..].trim_start()))
}

pub fn parse(text: &str) -> Value {
    let t = text.trim();
    let (op, rest) = match OPS.iter().find(|(p, _)| t.starts_with(p)) {
        Some((p, op)) => (Some(*op), t[p.len()..].trim_start()),
        None => (None, t),
    };
    let num_end = rest
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map_or(rest.len(), |(i, _)| i);
    // Thousands separators (`1,000人`, `12,345.5万元`) where every group after the first has
    // three digits; any other comma ends the number (and the rest is no unit).
    let num_end = if grouped(&rest[..num_end]) {
        num_end
    } else {
        rest.find(',').map_or(num_end, |i| i.min(num_end))
    };
    let (num, unit) = rest.split_at(num_end);
    // A full-width percent sign is the same unit as `%`.
    let unit = unit.trim().replace('％', "%");
    let unit = unit.as_str();
    if let Some(number) = parse_decimal(&num.replace(',', "")) {
        let unit_ok = !unit
            .chars()
            .any(|c| c.is_ascii_digit() || c == '-' || c == '~')
            && !NOT_A_UNIT.iter().any(|w| unit.ends_with(w))
            && unit.chars().count() <= 8;
        if unit_ok {
            return Value::Quantity {
                op,
                number,
                unit: unit.to_string(),
            };
        }
    }
    if t.chars().any(|c| c.is_ascii_digit()) || op.is_some() {
        Value::Free
    } else {
        Value::Qualitative
    }
}

/// Whether `num` is digits grouped by thousands separators: `1,000`, `12,345.67` (and not
/// `1,00` or `1000,000`); a number without a comma is not.
fn grouped(num: &str) -> bool {
    let int = num.split_once('.').map_or(num, |(i, _)| i);
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    int.contains(',')
        && (1..=3).contains(&first.len())
        && groups.all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()))
        && !num.split_once('.').is_some_and(|(_, f)| f.contains(','))
}

/// The text as printed: `>=`/`<=` become `≥`/`≤` when the style asks for it; nothing else changes.
pub fn display(text: &str, math_symbols: bool) -> String {
    if !math_symbols {
        return text.to_string();
    }
    let t = text.trim_start();
    let lead = &text[..text.len() - t.len()];
    for (ascii, sym) in [(">=", "≥"), ("<=", "≤")] {
        if let Some(rest) = t.strip_prefix(ascii) {
            return format!("{lead}{sym}{rest}");
        }
    }
    text.to_string()
}

impl Value {
    pub fn is_percent(&self) -> bool {
        matches!(self, Value::Quantity { unit, .. } if unit == "%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::dec;

    mod rust_decimal_macros_free {
        pub fn dec(s: &str) -> rust_decimal::Decimal {
            s.parse().unwrap()
        }
    }

    fn q(op: Option<Op>, n: &str, unit: &str) -> Value {
        Value::Quantity {
            op,
            number: dec(n),
            unit: unit.into(),
        }
    }

    #[test]
    fn parses_the_seed_forms() {
        assert_eq!(parse("=236人"), q(Some(Op::Eq), "236", "人"));
        assert_eq!(parse(">=90%"), q(Some(Op::Ge), "90", "%"));
        assert_eq!(parse("<=0.16万元/人"), q(Some(Op::Le), "0.16", "万元/人"));
        assert_eq!(parse("≥2380.4平方米"), q(Some(Op::Ge), "2380.4", "平方米"));
        assert_eq!(parse("≤3万元"), q(Some(Op::Le), "3", "万元"));
        assert_eq!(parse("<20万元/次"), q(Some(Op::Lt), "20", "万元/次"));
        assert_eq!(parse("2 次"), q(None, "2", "次"));
        assert_eq!(parse("≥1"), q(Some(Op::Ge), "1", ""));
        assert_eq!(parse("有效提高"), Value::Qualitative);
        assert_eq!(parse("是"), Value::Qualitative);
        assert_eq!(parse("1-5条"), Value::Free);
        assert_eq!(parse("1000人以上"), Value::Free);
        assert_eq!(parse("2021年2月底前"), Value::Free);
        assert_eq!(parse("≤上期会议经费"), Value::Free);
        assert_eq!(parse("全年召开 6 次会议、听取审议 7 项工作"), Value::Free);
    }

    #[test]
    fn reads_thousands_separators() {
        assert_eq!(parse("=1,000人"), q(Some(Op::Eq), "1000", "人"));
        assert_eq!(parse("≥12,345.5万元"), q(Some(Op::Ge), "12345.5", "万元"));
        assert_eq!(parse("1,234,567次"), q(None, "1234567", "次"));
        // Not thousands: the comma ends the number, and what follows is no unit.
        assert_eq!(parse("=1,00人"), Value::Free);
        assert_eq!(parse("1000,000人"), Value::Free);
        assert_eq!(parse("≥3,5个"), Value::Free);
        assert_eq!(parse("2,3"), Value::Free);
    }

    #[test]
    fn prints_math_symbols_only_for_ascii_comparisons() {
        assert_eq!(display(">=90%", true), "≥90%");
        assert_eq!(display("<=0.16万元/人", true), "≤0.16万元/人");
        assert_eq!(display(">=90%", false), ">=90%");
        assert_eq!(display("=236人", true), "=236人");
        assert_eq!(display(">5篇", true), ">5篇");
    }
}
