//! `fund` blocks with columns the style declares (`field`, `name`, `formula`) and the money by
//! funding level (`部门整体.拨付结余`): the vocabulary fixture's 部门整体资金拨付与结余情况表 prints
//! every figure as a number and every declared formula as a workbook formula; `check` compares
//! the figures a file states with the formulas (JX806, at the figure: `check_rules`, where
//! every rule has its cases); the style check refuses a formula it cannot follow.

use super::check_rules::{Found, check_files_with, edit, style_fires};
use super::common::line_of;
use super::vocabulary::{assert_close, fixture, pdf_text, workbook};

const ALLOC: &str = "部门整体资金拨付与结余情况表";

pub(crate) fn fixture_data() -> String {
    std::fs::read_to_string(fixture().join("data/2024-测试局.yaml")).unwrap()
}

pub(crate) fn fixture_style() -> String {
    std::fs::read_to_string(fixture().join("templates/every/style.yaml")).unwrap()
}

/// The fixture's templates with `style.yaml` replaced, checked against `data`.
pub(crate) fn check_with(style: &str, data: &str) -> Vec<Found> {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("templates");
    super::common::copy_dir(&fixture().join("templates"), &t);
    std::fs::write(t.join("every/style.yaml"), style).unwrap();
    check_files_with(&t, &[("2024-测试局.yaml", data)])
}

/// The column (in characters, from 1) of `needle` on its line of `text`.
pub(crate) fn column_of(text: &str, needle: &str) -> usize {
    let line = text.lines().find(|l| l.contains(needle)).unwrap();
    line[..line.find(needle).unwrap()].chars().count() + 1
}

#[test]
fn allocation_table_prints_figures_as_numbers_and_declared_formulas() {
    let book = workbook(&format!("{ALLOC}.xlsx"));
    let s = &book[0].1;
    let col = |label: &str| s.find(label).1;
    let (c1, c2, c4, c5, c6, c7, c8) = (
        col("年初预算\n①"),
        col("调整\n②"),
        col("合计\n④=①+②"),
        col("实际拨付\n⑤"),
        col("拨付率\n⑥=⑤/④"),
        col("结余\n⑦=④-⑤"),
        col("结余率\n⑧=⑦/④"),
    );
    assert_eq!(s.find("资金级次").1 + 1, c1);
    // The group row above the headings.
    assert_eq!(s.find("预算安排").1, c1);
    assert_eq!(s.find("拨付情况").1, c5);
    assert_eq!(s.find("结余情况").1, c7);
    let row = |name: &str| s.find(name).0;
    let (province, city, county, total) =
        (row("中央及省级"), row("市级"), row("县级"), row("合计"));
    assert_eq!(
        (city, county, total),
        (province + 1, province + 2, province + 3)
    );
    // The stated 合计 row is checked, not printed a second time.
    assert_eq!(s.find_all("合计").len(), 1);
    let a1 = |r: u32, c: u32| format!("{}{}", char::from(b'A' + u8::try_from(c).unwrap()), r + 1);
    // Written figures are numbers (元 = 万元 × 10000), the adjustment negative where written so.
    assert_close(s.number((province, c1)), 600_000.0, "中央及省级 ①");
    assert_close(s.number((city, c2)), -25_000.0, "市级 ②");
    // ④ = ① + ② on every row, a formula over the row's own cells, also where the row states
    // it (the stated 650000 agrees) and where it does not (县级).
    for (r, v) in [(province, 650_000.0), (city, 375_000.0), (county, 25_000.0)] {
        assert_close(s.number((r, c4)), v, "④");
        assert_eq!(s.formula((r, c4)), format!("{}+{}", a1(r, c1), a1(r, c2)));
        assert_eq!(s.formula((r, c7)), format!("{}-{}", a1(r, c4), a1(r, c5)));
        assert_eq!(s.formula((r, c6)), format!("{}/{}", a1(r, c5), a1(r, c4)));
        assert_eq!(s.formula((r, c8)), format!("{}/{}", a1(r, c7), a1(r, c4)));
        assert!(s.format((r, c6)).contains('%'), "⑥ is a percentage");
    }
    assert_close(s.number((province, c6)), 63.0 / 65.0, "中央及省级 ⑥");
    assert_close(s.number((county, c6)), 1.0, "县级 ⑥");
    assert_close(s.number((county, c7)), 0.0, "县级 ⑦");
    // The total row: amounts are sums of the rows; ④ ⑥ ⑦ ⑧ the same formulas over the total's
    // cells (拨付率 = 合计实际拨付 ÷ 合计预算, never a sum of rates).
    assert!(s.formula((total, c1)).starts_with("SUM("));
    assert_close(s.number((total, c1)), 1_025_000.0, "合计 ①");
    assert_close(s.number((total, c5)), 1_010_000.0, "合计 ⑤");
    assert_eq!(
        s.formula((total, c4)),
        format!("{}+{}", a1(total, c1), a1(total, c2))
    );
    assert_close(s.number((total, c4)), 1_050_000.0, "合计 ④");
    assert_close(s.number((total, c6)), 101.0 / 105.0, "合计 ⑥");
    assert_close(s.number((total, c8)), 4.0 / 105.0, "合计 ⑧");
    let text = pdf_text(&format!("{ALLOC}.pdf"));
    for needed in [
        "部门整体资金拨付与结余情况表",
        "资金级次",
        "合计④=①+②",
        "拨付率⑥=⑤/④",
        "结余率⑧=⑦/④",
        "中央及省级",
        "-25,000.00",
        "1,050,000.00",
        "96.9%",
        "96.2%",
        "100.0%",
        "3.8%",
    ] {
        assert!(text.contains(needed), "{needed} in {text}");
    }
}

#[test]
fn a_declared_formula_is_checked_in_the_style() {
    let (style, data) = (fixture_style(), fixture_data());
    // A name that is no column of the block.
    let s = edit(&style, "formula: ⑤ / ④}", "formula: ⑤ / ⑨}");
    let d = check_with(&s, &data);
    let f = style_fires(&d, "JX502", line_of(&s, "⑤ / ⑨"));
    assert!(f.message.contains('⑨'), "{}", f.message);
    // A formula that cannot be read.
    let s = edit(&style, "formula: ④ - ⑤}", "formula: ④ × ⑤}");
    style_fires(&check_with(&s, &data), "JX501", line_of(&s, "④ × ⑤"));
    // A column computed from itself through another.
    let s = edit(&style, "formula: ① + ②}", "formula: ① + ⑦}");
    style_fires(&check_with(&s, &data), "JX506", line_of(&s, "① + ⑦"));
    // A figure the rows of 拨付结余 do not have.
    let s = edit(&style, "field: 实际拨付}", "field: 本年}");
    style_fires(&check_with(&s, &data), "JX502", line_of(&s, "field: 本年}"));
}

/// The rows of 拨付结余 have no 分组: a stated row is the total, never a group's subtotal.
#[test]
fn an_allocation_row_states_only_the_total() {
    let (style, data) = (fixture_style(), fixture_data());
    let text = edit(
        &data,
        "{名称: 合计, 汇总: 合计,",
        "{名称: 合计, 汇总: 小计,",
    );
    let d = check_with(&style, &text);
    let f = d
        .iter()
        .find(|f| f.code == "JX804")
        .unwrap_or_else(|| panic!("{d:?}"));
    assert_eq!(f.line, line_of(&text, "汇总: 小计"));
    assert!(f.message.contains("只能是“合计”"), "{}", f.message);
}
