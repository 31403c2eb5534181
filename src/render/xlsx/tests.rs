//! Tests of `xlsx`.

use super::formulas::sum_formula;
use super::measure::{column_px, wrapped_lines};
use super::*;

#[test]
fn sum_uses_ranges_when_contiguous() {
    assert_eq!(sum_formula(&[(7, 3), (8, 3), (9, 3)]), "SUM(D8:D10)");
    assert_eq!(sum_formula(&[(4, 1), (4, 2), (4, 3)]), "SUM(B5:D5)");
    assert_eq!(sum_formula(&[(4, 1), (6, 3)]), "SUM(B5,D7)");
    assert_eq!(sum_formula(&[(4, 1), (5, 1), (9, 1)]), "SUM(B5:B6,B10)");
}

#[test]
fn long_sums_nest() {
    let cells: Vec<(u32, u16)> = (0..600).map(|i| (i * 2, 0)).collect();
    let f = sum_formula(&cells);
    assert!(f.starts_with("SUM(SUM(A1,A3,"));
    assert_eq!(f.matches("SUM(").count(), 4);
}

#[test]
fn formats_show_exact_decimals() {
    assert_eq!(decimals_format(0, false, false), "0");
    assert_eq!(decimals_format(3, false, false), "0.000");
    assert_eq!(decimals_format(2, true, false), "0.00%");
    assert_eq!(decimals_format(2, false, true), "#,##0.00");
}

#[test]
fn wrapping_counts_lines() {
    // 10 CJK characters = 20 units.
    let text = "一二三四五六七八九十";
    assert_eq!(wrapped_lines(text, 20.0), 1);
    assert_eq!(wrapped_lines(text, 19.0), 2);
    assert_eq!(wrapped_lines(text, 10.0), 2);
    assert_eq!(wrapped_lines("一二\n三四", 20.0), 2);
    // Words wrap at spaces.
    assert_eq!(wrapped_lines("abc def", 5.0), 2);
    // A comma is carried with the character before it: 一 / 二， / 三, not 一二 / ，三.
    assert_eq!(wrapped_lines("一二，三", 4.0), 3);
    assert_eq!(wrapped_lines("", 4.0), 1);
}

#[test]
fn column_units_to_pixels() {
    assert_eq!(column_px(8.43), 64.0);
    assert_eq!(column_px(20.0), 145.0);
}
