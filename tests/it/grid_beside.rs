//! Two indicator grids side by side (`grid` with `beside`): the vocabulary fixture's
//! 中期与年度绩效指标并排表 prints each project's 中期 indicators (left) beside its 年度 ones
//! (right), each half merged in its own columns, rows paired by position; the style check
//! refuses what cannot pair.

use super::check_rules::edit;
use super::fund_formulas::{check_with, fixture_data, fixture_style};
use super::vocabulary::{pdf_text, sheet, workbook};

const BESIDE: &str = "中期与年度绩效指标并排表";

#[test]
fn medium_term_and_annual_indicators_print_side_by_side_each_merged() {
    let book = workbook(&format!("{BESIDE}.xlsx"));
    let s = sheet(&book, "体育场馆维修");
    // The column groups over the halves, and the halves' own headings.
    let mid = s.find("中期指标");
    let year = s.find("年度指标");
    assert_eq!(mid.0, year.0);
    assert_eq!(year.1, mid.1 + 4);
    assert_eq!(s.find_all("三级指标").len(), 2);
    // Rows pair by position: the n-th 中期 indicator beside the n-th 年度 one.
    let first = s.find("维修场馆数量");
    assert_eq!(s.find("维修面积"), (first.0, first.1 + 4));
    assert_eq!(s.find("累计维修面积").0, first.0 + 1);
    assert_eq!(s.find("验收合格率").0, first.0 + 1);
    assert_eq!(s.find("场馆年开放天数").0, first.0 + 2);
    assert_eq!(s.find("场馆开放时长").0, first.0 + 2);
    // Each half merges its own 一级 and 二级 over its own rows.
    let level1: Vec<_> = s.find_all("预期产出指标");
    assert_eq!(level1.len(), 2, "{level1:?}");
    for at in &level1 {
        assert_eq!(at.0, first.0);
        assert_eq!(s.rowspan(*at), 2, "一级 at {at:?}");
    }
    let level2 = s.find_all("数量指标(或建筑规模指标)");
    assert_eq!(level2.len(), 2);
    assert_eq!(
        s.rowspan(level2[0]),
        2,
        "中期 二级 covers both of its indicators"
    );
    assert_eq!(s.rowspan(level2[1]), 1, "年度 二级 only its own");
    // A project without 中期 indicators: its annual rows beside an empty left half.
    let t = sheet(&book, "青少年体育培训");
    let row = t.find("培训合格率").0;
    let left = t.find("中期指标").1;
    for c in left..left + 4 {
        t.assert_blank((row, c), "the empty 中期 half");
    }
    let text = pdf_text(&format!("{BESIDE}.pdf"));
    for needed in [
        "中期指标",
        "年度指标",
        "维修场馆数量",
        "维修面积",
        "≥4000平方米",
        "带动相关消费",
    ] {
        assert!(text.contains(needed), "{needed} in {text}");
    }
}

#[test]
fn halves_that_cannot_pair_are_refused_in_the_style() {
    let (style, data) = (fixture_style(), fixture_data());
    // Too wide for the table: the two halves' spans add up to the columns.
    let s = edit(
        &style,
        "{label: 指标值, group: 年度指标, field: 指标.指标值}",
        "{label: 指标值, group: 年度指标, field: 指标.指标值, span: 2}",
    );
    let d = check_with(&s, &data);
    assert!(
        d.iter()
            .any(|f| f.code == "JX503" && f.file == "style.yaml" && f.message.contains("4 + 5")),
        "{d:?}"
    );
    // One half with a column-group heading row, the other without.
    let s = edit(
        &style,
        "{label: 一级指标, group: 年度指标, field: 一级.名称, label_cells: true}",
        "{label: 一级指标, field: 一级.名称, label_cells: true}",
    )
    .replace("group: 年度指标, ", "");
    let d = check_with(&s, &data);
    assert!(
        d.iter()
            .any(|f| f.code == "JX506" && f.file == "style.yaml" && f.message.contains("表头行数")),
        "{d:?}"
    );
    // Nothing that adds rows to one half only.
    let s = edit(
        &style,
        "          beside:\n            columns:",
        "          beside:\n            total: {label: 合计}\n            columns:",
    );
    let d = check_with(&s, &data);
    assert!(
        d.iter()
            .any(|f| f.code == "JX506" && f.file == "style.yaml" && f.message.contains("total")),
        "{d:?}"
    );
    // Not in a department document, whose grid runs over every project.
    let s = edit(
        &style,
        "    file: 中期与年度绩效指标并排表\n",
        "    file: 中期与年度绩效指标并排表\n    each: department\n",
    );
    let d = check_with(&s, &data);
    assert!(
        d.iter().any(|f| f.code == "JX506"
            && f.file == "style.yaml"
            && f.message.contains("each: project")),
        "{d:?}"
    );
}
