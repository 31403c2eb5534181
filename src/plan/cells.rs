//! Cell constructors shared by the blocks: money, scores, formulas, text.

use rust_decimal::Decimal;

use super::context::{format_number, money_value};
use super::{Align, Cell, CellValue, Formula, Role};
use crate::style::{AlignSpec, LoadedStyle};

/// The scale a sum is printed with: the largest scale among its non-zero addends, so
/// `15 + 0.00` prints `15` and `12.55 + 10.368` prints three decimals.
pub fn sum_scale(values: &[Decimal]) -> u32 {
    values
        .iter()
        .filter(|v| !v.is_zero())
        .map(|v| v.normalize().scale().max(v.scale()))
        .max()
        .unwrap_or(0)
}

/// An amount (万元 in the data) as the style prints money.
pub fn money(style: &LoadedStyle, col: usize, value: Decimal) -> Cell {
    let (v, decimals) = money_value(style, value);
    let thousands = style.style.funds.thousands;
    Cell {
        value: CellValue::Number {
            value: v,
            decimals,
            thousands,
        },
        align: Align::Center,
        ..Cell::text(col, format_number(v, decimals, thousands), Role::Money)
    }
}

/// The decimals a sum of amounts is printed with: the style's fixed decimals, or the largest
/// scale among the (printed) addends.
pub fn money_sum_decimals(style: &LoadedStyle, parts: &[Decimal]) -> u32 {
    match style.style.funds.decimals {
        Some(d) => d,
        None => {
            let scaled: Vec<Decimal> = parts.iter().map(|p| money_value(style, *p).0).collect();
            sum_scale(&scaled)
        }
    }
}

/// A number with exactly `decimals` decimals (rounded half away from zero), centred.
pub fn number_cell(col: usize, value: Decimal, decimals: u32, role: Role) -> Cell {
    Cell {
        value: CellValue::Number {
            value,
            decimals,
            thousands: false,
        },
        align: Align::Center,
        ..Cell::text(col, format_number(value, decimals, false), role)
    }
}

/// A score or weight: trailing zeros dropped.
pub fn score(col: usize, value: Decimal) -> Cell {
    let v = value.normalize();
    number_cell(col, v, v.scale(), Role::Score)
}

/// A fraction shown as a percentage.
pub fn percent(col: usize, value: Decimal, decimals: u32) -> Cell {
    Cell {
        value: CellValue::Percent { value, decimals },
        align: Align::Center,
        ..Cell::text(
            col,
            crate::compute::fmt_percent(value, decimals),
            Role::Percent,
        )
    }
}

/// A formula cell; `text` is what the PDF prints.
pub fn formula(
    col: usize,
    expr: Formula,
    result: Decimal,
    percent: bool,
    decimals: u32,
    role: Role,
) -> Cell {
    let text = if percent {
        crate::compute::fmt_percent(result, decimals)
    } else {
        format!(
            "{:.*}",
            decimals as usize,
            crate::compute::round(result, decimals)
        )
    };
    Cell {
        value: CellValue::Formula {
            expr,
            result,
            percent,
            decimals,
            thousands: false,
        },
        align: Align::Center,
        ..Cell::text(col, text, role)
    }
}

/// A money sum formula, printed the way the style prints money.
pub fn money_formula(
    style: &LoadedStyle,
    col: usize,
    cells: Vec<super::CellRef>,
    result: Decimal,
    decimals: u32,
) -> Cell {
    let (v, _) = money_value(style, result);
    let thousands = style.style.funds.thousands;
    let mut c = formula(col, Formula::Sum { cells }, v, false, decimals, Role::Money);
    c.text = format_number(v, decimals, thousands);
    if let CellValue::Formula { thousands: t, .. } = &mut c.value {
        *t = thousands;
    }
    c
}

/// A text cell: empty text is an empty cell; a label is centred in the label font.
pub fn text_cell(col: usize, text: String, label: bool, align: Option<AlignSpec>) -> Cell {
    let role = if label { Role::Label } else { Role::Text };
    if text.is_empty() && !label {
        return Cell::empty(col);
    }
    let mut c = Cell::text(col, text, role);
    if let Some(a) = align {
        c.align = to_align(a);
    }
    c
}

pub fn to_align(a: AlignSpec) -> Align {
    match a {
        AlignSpec::Left => Align::Left,
        AlignSpec::Center => Align::Center,
        AlignSpec::Right => Align::Right,
    }
}

/// One column of a table's heading: its printed label and, for a column under a shared
/// heading, its group — the group as written (adjacent columns with the same one share it)
/// and as printed.
pub struct Heading {
    pub label: String,
    pub group: Option<(String, String)>,
}

/// The heading rows of a table of one row per item (a summary, the change table): one row of
/// labels; with groups, two — a group's label spans its adjacent columns over their own
/// labels, and an ungrouped label spans both rows.
pub fn heading_rows(columns: &[Heading]) -> Vec<super::Row> {
    use super::{Row, RowKind};
    let grouped = columns.iter().any(|c| c.group.is_some());
    let mut first = Vec::new();
    let mut second = Vec::new();
    let mut i = 0;
    while i < columns.len() {
        let col = &columns[i];
        match (&col.group, grouped) {
            (Some((key, printed)), _) => {
                let run = columns[i..]
                    .iter()
                    .take_while(|c| c.group.as_ref().map(|(k, _)| k) == Some(key))
                    .count();
                first.push(Cell::label(i, printed.clone()).span(1, run));
                for (k, c) in columns[i..i + run].iter().enumerate() {
                    second.push(Cell::label(i + k, c.label.clone()));
                }
                i += run;
            }
            (None, true) => {
                first.push(Cell::label(i, col.label.clone()).span(2, 1));
                i += 1;
            }
            (None, false) => {
                first.push(Cell::label(i, col.label.clone()));
                i += 1;
            }
        }
    }
    let mut rows = vec![Row::new(RowKind::Header, first)];
    if grouped {
        rows.push(Row::new(RowKind::Header, second));
    }
    rows
}
