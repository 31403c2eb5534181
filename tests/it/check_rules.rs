//! Every rule from JX101 up: a case where it fires (at the expected line) and a near miss where
//! it does not. Each case starts from a minimal valid department of the relevant style (which
//! checks clean) and changes one thing.

use std::path::Path;

use jixiao::diag::Severity;
use rust_decimal::Decimal;

use crate::common;
use common::line_of;

const TEMPLATES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");

/// 新疆样式 (2021 taxonomy: 成本指标 is a 一级), weights summing to 90.
const XINJIANG: &str = "\
部门: 测试部门
年度: 2023
样式: xinjiang
项目:
  - 名称: 项目甲
    负责人: 张三
    资金: {财政拨款: 10, 其他资金: 0, 合计: 10}
    总体目标: [目标1：完成任务。]
    指标:
      - {一级: 产出指标, 二级: 数量指标, 三级: 开展活动次数, 指标值: \">=3次\", 依据: 计划标准, 上年完成值: 3次, 权重: 30, 赋分规则: 按照正常比例赋分, 佐证资料: [工作资料]}
      - {一级: 成本指标, 二级: 经济成本指标, 三级: 活动经费, 指标值: \"<=10万元\", 依据: 预算支出标准, 上年完成值: 5万元, 权重: 20, 赋分规则: 按照正常比例赋分, 佐证资料: [原始凭证]}
      - {一级: 效益指标, 二级: 社会效益指标, 三级: 社会效益, 指标值: 有效提高, 依据: 历史标准, 权重: 30, 赋分规则: 按评判等级赋分, 佐证资料: [工作资料]}
      - {一级: 满意度指标, 二级: 服务对象满意度指标, 三级: 群众满意度, 指标值: \">=95%\", 依据: 其他标准, 权重: 10, 赋分规则: 满意度赋分, 佐证资料: [说明材料]}
";

/// 安徽样式 (2015 taxonomy: 成本指标 is a 二级 of 产出指标), 产出 50 + 效益 30 + 满意度 10, with a
/// self-evaluation whose stated figures all agree with the computed ones:
/// 16 / 20 = 80 % → 8 points; 30 + 20 + 30 + 10 = 90; total 98.
const ANHUI: &str = "\
部门: 测试部门
年度: 2023
样式: anhui
项目:
  - 名称: 项目甲
    实施单位: 办公室
    资金: {财政拨款: 20, 合计: 20}
    总体目标: 目标
    指标:
      - {一级: 产出指标, 二级: 数量指标, 三级: 开展活动次数, 指标值: ≥30次, 权重: 30}
      - {一级: 产出指标, 二级: 成本指标, 三级: 活动经费, 指标值: ≤20万元, 权重: 20}
      - {一级: 效益指标, 二级: 社会效益指标, 三级: 社会效益, 指标值: 有效提升, 权重: 30}
      - {一级: 满意度指标, 二级: 服务对象满意度指标, 三级: 群众满意度, 指标值: ≥90%, 权重: 10}
    自评:
      资金:
        财政拨款: {年初预算: 20, 全年预算: 20, 全年执行: 16}
      执行率: \"80%\"
      执行得分: 8
      实际完成情况: 完成
      总分: 98
      指标:
        - {指标: 开展活动次数, 实际完成值: 32次, 得分: 30}
        - {指标: 活动经费, 实际完成值: 16万元, 得分: 20}
        - {指标: 社会效益, 实际完成值: 有效提升, 等级: 达成, 得分: 30}
        - {指标: 群众满意度, 实际完成值: 95%, 得分: 10}
";

/// 浙江样式: no 二级, at least 5 indicators, signatures, 描述 required.
const ZHEJIANG: &str = "\
部门: 测试部门
年度: 2020
样式: zhejiang
签字: {主要领导: 张三, 经办人: 李四}
项目:
  - 名称: 项目甲
    实施单位: 办公室
    资金: {一般公共预算: 10, 合计: 10}
    指标:
      - {一级: 产出指标, 三级: 会议次数, 指标值: 4次, 描述: 会议次数}
      - {一级: 产出指标, 三级: 参会人数, 指标值: 120人, 描述: 参会人数}
      - {一级: 产出指标, 三级: 会议及时性, 指标值: 及时, 描述: 是否按时召开}
      - {一级: 产出指标, 三级: 人均成本, 指标值: 400元/天, 描述: 人均日均成本}
      - {一级: 效益指标, 三级: 议题完成, 指标值: 是, 描述: 议题是否完成}
";

/// 宁夏样式: only a money total, many required project fields, no weights.
const NINGXIA: &str = "\
部门: 测试部门
年度: 2025
样式: ningxia
项目:
  - 名称: 项目甲
    实施单位: 办公室本级
    主管部门: 办公室
    项目属性: 一年期项目
    项目期限: 1 年
    主管处室: 行财室
    资金: {合计: 4}
    总体目标: 召开会议
    指标:
      - {一级: 产出指标, 二级: 数量指标, 三级: 召开会议, 指标值: 2 次}
      - {一级: 效益指标, 二级: 社会效益指标, 三级: 履职水平, 指标值: 有所提高}
      - {一级: 满意度指标, 二级: 服务对象满意度指标, 三级: 代表满意度, 指标值: ≥90%}
";

// ---------------------------------------------------------------------------------------------
// Helpers

/// One diagnostic, owned.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) code: &'static str,
    severity: Severity,
    pub(crate) file: String,
    pub(crate) line: usize,
    /// The column (in characters, from 1) of the reported value.
    pub(crate) column: usize,
    pub(crate) message: String,
    help: String,
}

/// Writes the files into a fresh directory, loads and checks them; every diagnostic (loader's
/// and checker's).
fn check_files(files: &[(&str, &str)]) -> Vec<Found> {
    check_files_with(Path::new(TEMPLATES), files)
}

/// [`check_files`] with the styles of `templates`.
pub(crate) fn check_files_with(templates: &Path, files: &[(&str, &str)]) -> Vec<Found> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let mut loaded = jixiao::load::load_dir(dir.path());
    let styles = jixiao::style::Styles::load(templates, &mut loaded);
    let checked = jixiao::check::check(&loaded, &styles);
    found(
        &loaded,
        loaded.diagnostics.iter().chain(&checked.diagnostics),
    )
}

/// The diagnostics as owned findings, each with its file's name and line.
fn found<'d>(
    loaded: &jixiao::load::Loaded,
    diags: impl IntoIterator<Item = &'d jixiao::diag::Diagnostic>,
) -> Vec<Found> {
    found_in(&loaded.sources, diags)
}

fn found_in<'d>(
    sources: &jixiao::diag::Sources,
    diags: impl IntoIterator<Item = &'d jixiao::diag::Diagnostic>,
) -> Vec<Found> {
    diags
        .into_iter()
        .map(|d| Found {
            code: d.rule.code,
            severity: d.severity,
            file: d
                .pos
                .as_ref()
                .map(|p| sources.path(p.file))
                .or(d.path.as_deref())
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            line: d.pos.as_ref().map_or(0, |p| p.line),
            column: d.pos.as_ref().map_or(0, |p| p.column),
            message: d.message.clone(),
            help: d.help.clone().unwrap_or_default(),
        })
        .collect()
}

fn check_yaml(yaml: &str) -> Vec<Found> {
    check_files(&[("a.yaml", yaml)])
}

/// `text` with `from` (which must occur exactly once) replaced by `to`.
pub(crate) fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "edit: “{from}” should occur exactly once"
    );
    text.replacen(from, to, 1)
}

fn show(found: &[Found]) -> String {
    found
        .iter()
        .map(|f| format!("  {}:{} {} {}", f.file, f.line, f.code, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts `code` was reported at `line`; returns that diagnostic.
pub(crate) fn fires<'a>(found: &'a [Found], code: &str, line: usize) -> &'a Found {
    found
        .iter()
        .find(|f| f.code == code && f.line == line)
        .unwrap_or_else(|| panic!("expected {code} at line {line}, got:\n{}", show(found)))
}

/// Asserts `code` was not reported.
pub(crate) fn silent(found: &[Found], code: &str) {
    assert!(
        !found.iter().any(|f| f.code == code),
        "expected no {code}, got:\n{}",
        show(found)
    );
}

/// Asserts nothing at all was reported.
pub(crate) fn clean(found: &[Found]) {
    assert!(
        found.is_empty(),
        "expected no diagnostics, got:\n{}",
        show(found)
    );
}

/// The plan part of the Anhui department (no self-evaluation).
fn anhui_plan() -> String {
    ANHUI[..ANHUI.find("    自评:").unwrap()].to_string()
}

// ---------------------------------------------------------------------------------------------
// The valid bases

#[test]
fn valid_departments_of_every_style_check_clean() {
    clean(&check_yaml(XINJIANG));
    clean(&check_yaml(ANHUI));
    clean(&check_yaml(&anhui_plan()));
    clean(&check_yaml(ZHEJIANG));
    clean(&check_yaml(NINGXIA));
}

#[test]
fn severities_follow_the_rule_table() {
    let warnings = [
        "JX108", "JX206", "JX214", "JX216", "JX306", "JX307", "JX308", "JX408", "JX409", "JX410",
        "JX411", "JX412", "JX413", "JX414", "JX415", "JX416", "JX419", "JX601", "JX602", "JX603",
    ];
    for r in jixiao::rules::ALL {
        let expected = if warnings.contains(&r.code) {
            Severity::Warning
        } else {
            Severity::Error
        };
        assert_eq!(r.severity, expected, "{} ({})", r.code, r.title);
    }
    // And a diagnostic carries its rule's severity.
    let d = check_yaml(&edit(XINJIANG, "上年完成值: 3次", "上年完成值: 6次"));
    assert_eq!(fires(&d, "JX214", 10).severity, Severity::Warning);
}

/// Every rule from JX101 up is exercised by this file both ways: some `fires(…, "JXnnn", …)` and
/// some `silent(…, "JXnnn")`.
#[test]
fn every_rule_has_a_failing_and_a_passing_case() {
    let source = include_str!("check_rules.rs");
    let codes_after = |call: &str| -> Vec<String> {
        source
            .match_indices(call)
            .filter_map(|(i, _)| {
                // The call's own text: up to the end of its statement.
                let tail = &source[i..];
                let tail = &tail[..tail.find(';').unwrap_or(tail.len())];
                let at = tail.find("\"JX")?;
                Some(tail[at + 1..at + 6].to_string())
            })
            .collect()
    };
    let fired = codes_after("fires(");
    let quiet = codes_after("silent(");
    for r in jixiao::rules::ALL.iter().filter(|r| r.code >= "JX101") {
        assert!(
            fired.iter().any(|c| c == r.code),
            "no failing case for {}",
            r.code
        );
        assert!(
            quiet.iter().any(|c| c == r.code),
            "no passing case for {}",
            r.code
        );
    }
}

// ---------------------------------------------------------------------------------------------
// JX1xx: required content and the style

#[test]
fn jx101_unknown_style() {
    let d = check_yaml(&edit(XINJIANG, "样式: xinjiang", "样式: shanghai"));
    assert!(fires(&d, "JX101", 3).message.contains("shanghai"));
    // A path is not a style name.
    let d = check_yaml(&edit(
        XINJIANG,
        "样式: xinjiang",
        "样式: ../templates/xinjiang",
    ));
    fires(&d, "JX101", 3);
    // Surrounding blanks are not part of the name.
    silent(
        &check_yaml(&edit(XINJIANG, "样式: xinjiang", "样式: \" xinjiang \"")),
        "JX101",
    );
}

#[test]
fn jx102_missing_field_per_style() {
    // 新疆: 负责人 on the project, 依据 on each indicator.
    let yaml = edit(XINJIANG, "    负责人: 张三\n", "");
    let d = check_yaml(&yaml);
    assert!(
        fires(&d, "JX102", line_of(&yaml, "名称: 项目甲"))
            .message
            .contains("负责人")
    );
    let yaml = edit(XINJIANG, "依据: 计划标准, ", "");
    let d = check_yaml(&yaml);
    assert!(
        fires(&d, "JX102", line_of(&yaml, "开展活动次数"))
            .message
            .contains("依据")
    );
    // 新疆 and 安徽 require 总体目标.
    let yaml = edit(XINJIANG, "    总体目标: [目标1：完成任务。]\n", "");
    fires(&check_yaml(&yaml), "JX102", line_of(&yaml, "名称: 项目甲"));
    // 宁夏: 主管处室.
    let yaml = edit(NINGXIA, "    主管处室: 行财室\n", "");
    let d = check_yaml(&yaml);
    assert!(
        fires(&d, "JX102", line_of(&yaml, "名称: 项目甲"))
            .message
            .contains("主管处室")
    );
    // 浙江: 描述 on each indicator, and the signature 经办人 (reported at 样式).
    let yaml = edit(ZHEJIANG, ", 描述: 议题是否完成", "");
    fires(&check_yaml(&yaml), "JX102", line_of(&yaml, "议题完成"));
    let yaml = edit(
        ZHEJIANG,
        "签字: {主要领导: 张三, 经办人: 李四}",
        "签字: {主要领导: 张三}",
    );
    let d = check_yaml(&yaml);
    assert!(fires(&d, "JX102", 3).message.contains("经办人"));
    // 安徽: 权重.
    let yaml = edit(&anhui_plan(), ", 权重: 10}", "}");
    fires(&check_yaml(&yaml), "JX102", line_of(&yaml, "群众满意度"));
    // Passing: 浙江 has no 总体目标 and no 负责人, and needs neither; 宁夏 has no 权重.
    silent(&check_yaml(ZHEJIANG), "JX102");
    silent(&check_yaml(NINGXIA), "JX102");
}

#[test]
fn jx103_empty_text() {
    let yaml = edit(XINJIANG, "名称: 项目甲", "名称: \"  \"");
    fires(&check_yaml(&yaml), "JX103", 5);
    let yaml = edit(
        XINJIANG,
        "总体目标: [目标1：完成任务。]",
        "总体目标: [\"\", \" \"]",
    );
    fires(&check_yaml(&yaml), "JX103", line_of(&yaml, "总体目标"));
    let yaml = edit(XINJIANG, "部门: 测试部门", "部门: \"\"");
    fires(&check_yaml(&yaml), "JX103", 1);
    let yaml = edit(ANHUI, "实际完成情况: 完成", "实际完成情况: \"\"");
    fires(&check_yaml(&yaml), "JX103", line_of(&yaml, "实际完成情况"));
    let yaml = edit(ZHEJIANG, "经办人: 李四", "经办人: \" \"");
    fires(&check_yaml(&yaml), "JX103", 4);
    let yaml = edit(XINJIANG, "指标值: 有效提高", "指标值: \"\"");
    fires(&check_yaml(&yaml), "JX103", line_of(&yaml, "社会效益"));
    // A null where text is expected is caught by the loader, located.
    let yaml = edit(XINJIANG, "三级: 社会效益,", "三级: ,");
    fires(&check_yaml(&yaml), "JX103", line_of(&yaml, "三级: ,"));
    // Passing: one non-empty goal among the list is enough.
    let yaml = edit(
        XINJIANG,
        "总体目标: [目标1：完成任务。]",
        "总体目标: [目标1：完成任务。, \"\"]",
    );
    silent(&check_yaml(&yaml), "JX103");
}

/// The project block of the 新疆 base (from `  - 名称` to the end).
fn xinjiang_project() -> &'static str {
    &XINJIANG[XINJIANG.find("  - 名称").unwrap()..]
}

#[test]
fn jx104_duplicate_project() {
    let second = edit(xinjiang_project(), "名称: 项目甲", "名称: \" 项目甲 \"");
    let yaml = format!("{XINJIANG}{second}");
    let d = check_yaml(&yaml);
    fires(&d, "JX104", line_of(&yaml, "\" 项目甲 \""));
    assert_eq!(d.iter().filter(|f| f.code == "JX104").count(), 1);
    let second = edit(xinjiang_project(), "名称: 项目甲", "名称: 项目乙");
    silent(&check_yaml(&format!("{XINJIANG}{second}")), "JX104");
}

#[test]
fn jx105_no_projects() {
    let yaml = format!("{}项目: []\n", &XINJIANG[..XINJIANG.find("项目:").unwrap()]);
    fires(&check_yaml(&yaml), "JX105", 1);
    silent(&check_yaml(XINJIANG), "JX105");
}

#[test]
fn jx106_bad_year() {
    for year in ["1999", "2101", "0"] {
        let yaml = edit(XINJIANG, "年度: 2023", &format!("年度: {year}"));
        assert!(fires(&check_yaml(&yaml), "JX106", 2).message.contains(year));
    }
    for year in ["2000", "2100"] {
        let yaml = edit(XINJIANG, "年度: 2023", &format!("年度: {year}"));
        silent(&check_yaml(&yaml), "JX106");
    }
}

#[test]
fn jx107_duplicate_department_across_files() {
    let other = edit(XINJIANG, "部门: 测试部门", "部门: \"测试部门 \"");
    let d = check_files(&[("a.yaml", XINJIANG), ("b.yaml", &other)]);
    let f = fires(&d, "JX107", 1);
    assert_eq!(f.file, "b.yaml");
    assert!(f.message.contains("a.yaml"), "{}", f.message);
    assert_eq!(d.len(), 1, "{}", show(&d));
    // Same department, another year; another department, same year.
    let next_year = edit(XINJIANG, "年度: 2023", "年度: 2024");
    silent(
        &check_files(&[("a.yaml", XINJIANG), ("b.yaml", &next_year)]),
        "JX107",
    );
    let other_dept = edit(XINJIANG, "部门: 测试部门", "部门: 另一部门");
    silent(
        &check_files(&[("a.yaml", XINJIANG), ("b.yaml", &other_dept)]),
        "JX107",
    );
}

/// Departments whose output directories `out/<年度>/<部门>/` are one on some file system.
#[test]
fn jx111_output_directories_that_collide() {
    for (a, b) in [
        ("财政局/预算科", "财政局_预算科"),
        ("abc.", "ABC"),
        ("a/b", "a\\b"),
        ("测试局 . ", "测试局"),
        // The same name composed and decomposed (macOS compares them equal).
        ("Caf\u{e9}局", "Cafe\u{301}局"),
    ] {
        let first = edit(XINJIANG, "部门: 测试部门", &format!("部门: '{a}'"));
        let second = edit(XINJIANG, "部门: 测试部门", &format!("部门: '{b}'"));
        let d = check_files(&[("a.yaml", &first), ("b.yaml", &second)]);
        let f = fires(&d, "JX111", 1);
        assert_eq!(f.file, "b.yaml", "{}", show(&d));
        assert!(
            f.message.contains("a.yaml") && f.message.contains("b.yaml"),
            "{}",
            f.message
        );
        assert_eq!(d.len(), 1, "{a} / {b}:\n{}", show(&d));
    }
    // Another year is another directory; an identical name is JX107, not this.
    let first = edit(XINJIANG, "部门: 测试部门", "部门: 财政局/预算科");
    let next_year = edit(
        &edit(XINJIANG, "部门: 测试部门", "部门: 财政局_预算科"),
        "年度: 2023",
        "年度: 2024",
    );
    silent(
        &check_files(&[("a.yaml", &first), ("b.yaml", &next_year)]),
        "JX111",
    );
    silent(
        &check_files(&[("a.yaml", XINJIANG), ("b.yaml", XINJIANG)]),
        "JX111",
    );
    let other = edit(XINJIANG, "部门: 测试部门", "部门: 财政局预算科");
    silent(
        &check_files(&[("a.yaml", &first), ("b.yaml", &other)]),
        "JX111",
    );
}

/// Names a file system refuses or alters as a directory.
#[test]
fn jx112_names_that_cannot_be_a_directory() {
    let long = "部".repeat(67); // 201 bytes
    for bad in [
        ".", "..", "...", "CON", "nul", "Aux", "PRN.txt", "COM1", "lpt9", &long,
    ] {
        let yaml = edit(XINJIANG, "部门: 测试部门", &format!("部门: \"{bad}\""));
        let d = check_yaml(&yaml);
        fires(&d, "JX112", 1);
        assert_eq!(d.len(), 1, "{bad}:\n{}", show(&d));
    }
    let just_fits = "部".repeat(66); // 198 bytes
    for good in ["CONSOLE", "COM10", "NULL局", "A.B", &just_fits] {
        let yaml = edit(XINJIANG, "部门: 测试部门", &format!("部门: \"{good}\""));
        silent(&check_yaml(&yaml), "JX112");
    }
}

#[test]
fn jx108_unused_level2_in_zhejiang() {
    let yaml = edit(
        ZHEJIANG,
        "{一级: 效益指标, 三级:",
        "{一级: 效益指标, 二级: 社会效益指标, 三级:",
    );
    let d = check_yaml(&yaml);
    let f = fires(&d, "JX108", line_of(&yaml, "二级: 社会效益指标"));
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        !d.iter().any(|f| f.severity == Severity::Error),
        "{}",
        show(&d)
    );
    silent(&check_yaml(ZHEJIANG), "JX108");
    // 新疆 prints 二级: no warning there.
    silent(&check_yaml(XINJIANG), "JX108");
}

// ---------------------------------------------------------------------------------------------
// JX2xx: indicators

#[test]
fn jx201_unknown_level1() {
    let yaml = edit(XINJIANG, "{一级: 产出指标,", "{一级: 产出,");
    fires(&check_yaml(&yaml), "JX201", line_of(&yaml, "一级: 产出,"));
    // 安徽 uses the 2015 taxonomy: 成本指标 is not a 一级 there…
    let yaml = edit(
        ANHUI,
        "{一级: 产出指标, 二级: 成本指标,",
        "{一级: 成本指标, 二级: 经济成本指标,",
    );
    let d = check_yaml(&yaml);
    assert!(
        fires(&d, "JX201", line_of(&yaml, "三级: 活动经费"))
            .message
            .contains("2015")
    );
    // …while 新疆 (2021) has it as one (the base), and a numeric code is stripped.
    silent(&check_yaml(XINJIANG), "JX201");
    let yaml = edit(XINJIANG, "{一级: 产出指标,", "{一级: 1-产出指标,");
    silent(&check_yaml(&yaml), "JX201");
}

#[test]
fn jx202_unknown_level2() {
    // 新疆 (2021): 成本指标 is not a 二级 of 产出指标.
    let yaml = edit(XINJIANG, "二级: 数量指标", "二级: 成本指标");
    fires(&check_yaml(&yaml), "JX202", line_of(&yaml, "开展活动次数"));
    // A 二级 under the wrong 一级.
    let yaml = edit(XINJIANG, "二级: 社会效益指标", "二级: 数量指标");
    fires(&check_yaml(&yaml), "JX202", line_of(&yaml, "社会效益,"));
    // 安徽 (2015): 成本指标 is a 二级 of 产出指标 (the base).
    silent(&check_yaml(ANHUI), "JX202");
}

#[test]
fn regional_spellings_are_accepted() {
    let yaml = edit(XINJIANG, "二级: 数量指标", "二级: 11-数量指标");
    let yaml = edit(&yaml, "二级: 社会效益指标", "二级: 社会效益");
    let yaml = edit(&yaml, "二级: 服务对象满意度指标", "二级: 满意度指标");
    let yaml = edit(&yaml, "二级: 经济成本指标", "二级: 经济成本");
    clean(&check_yaml(&yaml));
    let yaml = edit(NINGXIA, "二级: 社会效益指标", "二级: 22-社会效益");
    let yaml = edit(&yaml, "二级: 服务对象满意度指标", "二级: 31-服务对象满意度");
    clean(&check_yaml(&yaml));
}

#[test]
fn jx203_missing_required_level1() {
    let cost = XINJIANG.lines().find(|l| l.contains("成本指标")).unwrap();
    let yaml = edit(XINJIANG, &format!("{cost}\n"), "");
    let d = check_yaml(&yaml);
    assert!(fires(&d, "JX203", 5).message.contains("成本指标"));
    // 浙江 does not require 满意度指标.
    silent(&check_yaml(ZHEJIANG), "JX203");
}

#[test]
fn jx204_too_few_indicators_zhejiang_min_5() {
    let yaml = edit(
        ZHEJIANG,
        "      - {一级: 产出指标, 三级: 人均成本, 指标值: 400元/天, 描述: 人均日均成本}\n",
        "",
    );
    let d = check_yaml(&yaml);
    assert!(fires(&d, "JX204", 6).message.contains('4'));
    silent(&check_yaml(ZHEJIANG), "JX204");
}

#[test]
fn jx205_duplicate_level3_within_one_level2() {
    let dup = "      - {一级: 产出指标, 二级: 数量指标, 三级: 开展活动次数, 指标值: \">=5次\", 依据: 计划标准, 权重: 10, 赋分规则: 按照正常比例赋分, 佐证资料: [工作资料]}\n";
    let base = edit(
        XINJIANG,
        "上年完成值: 3次, 权重: 30",
        "上年完成值: 3次, 权重: 20",
    );
    let yaml = format!("{base}{dup}");
    fires(&check_yaml(&yaml), "JX205", line_of(&yaml, ">=5次"));
    // The same 二级 written with its code is the same 二级.
    let yaml = format!("{base}{}", edit(dup, "二级: 数量指标", "二级: 11-数量指标"));
    fires(&check_yaml(&yaml), "JX205", line_of(&yaml, ">=5次"));
    // The same name under another 二级 is fine.
    let yaml = format!("{base}{}", edit(dup, "二级: 数量指标", "二级: 质量指标"));
    clean(&check_yaml(&yaml));
    // 浙江 (no 二级): a repeat under the same 一级 is a duplicate, under another 一级 not.
    let yaml = edit(ZHEJIANG, "三级: 参会人数", "三级: 会议次数");
    fires(&check_yaml(&yaml), "JX205", line_of(&yaml, "指标值: 120人"));
    let yaml = edit(ZHEJIANG, "三级: 议题完成", "三级: 会议次数");
    silent(&check_yaml(&yaml), "JX205");
}

#[test]
fn jx206_unit_missing() {
    let yaml = edit(XINJIANG, "指标值: \">=3次\"", "指标值: \">=3\"");
    let d = check_yaml(&yaml);
    assert_eq!(fires(&d, "JX206", 10).severity, Severity::Warning);
    // Text and a range are not bare quantities.
    let yaml = edit(ZHEJIANG, "指标值: 4次", "指标值: 1-5条");
    silent(&check_yaml(&yaml), "JX206");
    silent(&check_yaml(XINJIANG), "JX206");
}

#[test]
fn jx207_bad_basis() {
    let yaml = edit(XINJIANG, "依据: 计划标准", "依据: 国家标准");
    assert!(
        fires(&check_yaml(&yaml), "JX207", 10)
            .message
            .contains("国家标准")
    );
    let yaml = edit(XINJIANG, "依据: 计划标准", "依据: 行业或国家标准");
    silent(&check_yaml(&yaml), "JX207");
}

#[test]
fn jx208_budget_basis_on_a_non_cost_indicator() {
    let yaml = edit(XINJIANG, "依据: 计划标准", "依据: 预算支出标准");
    fires(&check_yaml(&yaml), "JX208", 10);
    // 新疆: a 成本指标 一级 (the base); 安徽: 成本指标 as a 二级 of 产出指标.
    silent(&check_yaml(XINJIANG), "JX208");
    let yaml = edit(
        ANHUI,
        "指标值: ≤20万元, 权重: 20}",
        "指标值: ≤20万元, 依据: 预算支出标准, 权重: 20}",
    );
    clean(&check_yaml(&yaml));
}

#[test]
fn jx209_bad_scoring_rule() {
    let yaml = edit(XINJIANG, "赋分规则: 满意度赋分", "赋分规则: 比例赋分");
    fires(&check_yaml(&yaml), "JX209", 13);
    let yaml = edit(XINJIANG, "赋分规则: 满意度赋分", "赋分规则: 直接赋分");
    silent(&check_yaml(&yaml), "JX209");
}

#[test]
fn jx210_bad_evidence() {
    let yaml = edit(
        XINJIANG,
        "佐证资料: [原始凭证]",
        "佐证资料: [原始凭证, 发票]",
    );
    let d = check_yaml(&yaml);
    assert!(fires(&d, "JX210", 11).message.contains("发票"));
    assert_eq!(d.len(), 1, "{}", show(&d));
    let yaml = edit(
        XINJIANG,
        "佐证资料: [原始凭证]",
        "佐证资料: [原始凭证, 正式材料]",
    );
    silent(&check_yaml(&yaml), "JX210");
}

#[test]
fn jx211_weight_not_positive() {
    for w in ["0", "-5"] {
        let yaml = edit(XINJIANG, "权重: 20", &format!("权重: {w}"));
        fires(&check_yaml(&yaml), "JX211", 11);
    }
    let yaml = edit(XINJIANG, "权重: 20", "权重: 0.5");
    silent(&check_yaml(&yaml), "JX211");
}

#[test]
fn jx212_weights_must_sum_to_90() {
    let yaml = edit(XINJIANG, "权重: 10", "权重: 15");
    let d = check_yaml(&yaml);
    let f = fires(&d, "JX212", 5);
    assert!(
        f.message.contains("95") && f.message.contains("90"),
        "{}",
        f.message
    );
    // Exact decimals: 29.9 + 0.1 is exactly 30.
    let yaml = edit(
        XINJIANG,
        "权重: 30, 赋分规则: 按照正常比例赋分",
        "权重: 29.9, 赋分规则: 按照正常比例赋分",
    );
    let yaml = edit(&yaml, "权重: 10", "权重: 10.1");
    silent(&check_yaml(&yaml), "JX212");
    silent(&check_yaml(&anhui_plan()), "JX212");
}

#[test]
fn jx213_anhui_totals_per_level1() {
    // 90 in all, but 产出 45 and 效益 35.
    let yaml = edit(
        &anhui_plan(),
        "指标值: ≥30次, 权重: 30",
        "指标值: ≥30次, 权重: 25",
    );
    let yaml = edit(
        &yaml,
        "指标值: 有效提升, 权重: 30",
        "指标值: 有效提升, 权重: 35",
    );
    let d = check_yaml(&yaml);
    silent(&d, "JX212");
    let jx213: Vec<&Found> = d.iter().filter(|f| f.code == "JX213").collect();
    assert_eq!(jx213.len(), 2, "{}", show(&d));
    fires(&d, "JX213", 5);
    assert!(
        jx213
            .iter()
            .any(|f| f.message.contains("产出指标") && f.message.contains("50"))
    );
    assert!(
        jx213
            .iter()
            .any(|f| f.message.contains("效益指标") && f.message.contains("30"))
    );
    // 满意度 10.
    let yaml = edit(
        &anhui_plan(),
        "指标值: ≥90%, 权重: 10",
        "指标值: ≥90%, 权重: 5",
    );
    let yaml = edit(
        &yaml,
        "指标值: 有效提升, 权重: 30",
        "指标值: 有效提升, 权重: 35",
    );
    let d = check_yaml(&yaml);
    fires(&d, "JX213", 5);
    assert!(
        d.iter()
            .any(|f| f.code == "JX213" && f.message.contains("满意度指标")),
        "{}",
        show(&d)
    );
    silent(&check_yaml(&anhui_plan()), "JX213");
}

#[test]
fn jx214_weak_target() {
    let yaml = edit(XINJIANG, "上年完成值: 3次", "上年完成值: 6次");
    let f = check_yaml(&yaml);
    assert!(fires(&f, "JX214", 10).message.contains("6次"));
    // Equal to last year; another unit; a 反向 target above last year.
    silent(&check_yaml(XINJIANG), "JX214");
    silent(
        &check_yaml(&edit(XINJIANG, "上年完成值: 3次", "上年完成值: 6人")),
        "JX214",
    );
    silent(
        &check_yaml(&edit(XINJIANG, "上年完成值: 5万元", "上年完成值: 1万元")),
        "JX214",
    );
}

#[test]
fn jx215_level2_missing() {
    let yaml = edit(XINJIANG, "二级: 数量指标, ", "");
    fires(&check_yaml(&yaml), "JX215", 10);
    silent(&check_yaml(XINJIANG), "JX215");
    // 浙江 has no 二级 at all.
    silent(&check_yaml(ZHEJIANG), "JX215");
}

// ---------------------------------------------------------------------------------------------
// JX3xx: money

#[test]
fn jx301_money_sum_mismatch() {
    let yaml = edit(XINJIANG, "合计: 10}", "合计: 12}");
    let f = check_yaml(&yaml);
    assert!(fires(&f, "JX301", 7).message.contains("12"));
    // Exact decimals, whatever the written scale.
    let yaml = edit(
        XINJIANG,
        "{财政拨款: 10, 其他资金: 0, 合计: 10}",
        "{财政拨款: 10.368, 其他资金: 0.00, 合计: 10.3680}",
    );
    silent(&check_yaml(&yaml), "JX301");
    // The self-evaluation's stated total is checked too.
    let yaml = edit(
        ANHUI,
        "        财政拨款: {年初预算: 20, 全年预算: 20, 全年执行: 16}\n",
        "        财政拨款: {年初预算: 20, 全年预算: 20, 全年执行: 16}\n        合计: {年初预算: 20, 全年预算: 20, 全年执行: 15}\n",
    );
    fires(&check_yaml(&yaml), "JX301", line_of(&yaml, "全年执行: 15"));
}

#[test]
fn jx302_money_source_the_style_lacks() {
    let yaml = edit(XINJIANG, "其他资金: 0, 合计: 10", "上年结转: 0, 合计: 10");
    assert!(
        fires(&check_yaml(&yaml), "JX302", 7)
            .message
            .contains("上年结转")
    );
    let yaml = edit(ZHEJIANG, "一般公共预算: 10", "财政拨款: 10");
    fires(&check_yaml(&yaml), "JX302", 8);
    // 宁夏 prints only the total.
    let yaml = edit(
        NINGXIA,
        "资金: {合计: 4}",
        "资金: {一般公共预算: 4, 合计: 4}",
    );
    fires(&check_yaml(&yaml), "JX302", line_of(&yaml, "资金"));
    let yaml = edit(
        ANHUI,
        "        财政拨款: {年初预算: 20,",
        "        一般公共预算: {年初预算: 20,",
    );
    fires(&check_yaml(&yaml), "JX302", line_of(&yaml, "一般公共预算"));
    // 安徽 has 上年结转.
    let yaml = edit(
        &anhui_plan(),
        "{财政拨款: 20, 合计: 20}",
        "{财政拨款: 15, 上年结转: 5, 合计: 20}",
    );
    silent(&check_yaml(&yaml), "JX302");
}

/// Issue 21: an amount entered in 元 where the data is 万元 is ten thousand times too much.
#[test]
fn jx306_money_that_looks_like_yuan() {
    // A multiple of 10,000 above 10,000: 1,250,000 元 typed as 万元.
    let yaml = edit(
        XINJIANG,
        "{财政拨款: 10, 其他资金: 0, 合计: 10}",
        "{财政拨款: 1250000, 其他资金: 0, 合计: 1250000}",
    );
    let found = check_yaml(&yaml);
    let d = fires(&found, "JX306", 7);
    assert!(d.message.contains("125"), "{}", d.message);
    // 10 亿元 or more for one project.
    let yaml = edit(
        XINJIANG,
        "{财政拨款: 10, 其他资金: 0, 合计: 10}",
        "{财政拨款: 123456.78, 其他资金: 0, 合计: 123456.78}",
    );
    fires(&check_yaml(&yaml), "JX306", 7);
    // Plausible amounts, 10,000 万元 itself included, are quiet.
    for amounts in [
        "{财政拨款: 10, 其他资金: 0, 合计: 10}",
        "{财政拨款: 10000, 其他资金: 0, 合计: 10000}",
        "{财政拨款: 25000.5, 其他资金: 0, 合计: 25000.5}",
    ] {
        let yaml = edit(XINJIANG, "{财政拨款: 10, 其他资金: 0, 合计: 10}", amounts);
        silent(&check_yaml(&yaml), "JX306");
    }
}

#[test]
fn jx307_a_budget_of_zero() {
    let yaml = edit(
        XINJIANG,
        "{财政拨款: 10, 其他资金: 0, 合计: 10}",
        "{财政拨款: 0, 其他资金: 0, 合计: 0}",
    );
    fires(&check_yaml(&yaml), "JX307", 7);
    silent(&check_yaml(XINJIANG), "JX307");
}

/// `XINJIANG` with a medium-term block (中期目标, 中期资金, 中期指标) after its indicators; the
/// 中期 indicator carries every field the style requires but 权重 (weights are the 年度 block's).
fn with_mid_term() -> String {
    let mid = [
        "    中期目标: 三年内完成全部任务。",
        "    中期资金: {财政拨款: 30, 其他资金: 0, 合计: 30}",
        "    中期指标:",
        "      - {一级: 产出指标, 二级: 数量指标, 三级: 累计开展活动次数, 指标值: \">=9次\", 依据: 计划标准, 赋分规则: 按照正常比例赋分, 佐证资料: [工作资料]}",
    ];
    format!("{XINJIANG}{}\n", mid.join("\n"))
}

#[test]
fn multi_period_targets_are_checked_like_the_annual_ones_without_weights() {
    let yaml = with_mid_term();
    let d = check_yaml(&yaml);
    // Clean: no weight is required of a 中期 indicator, none counts in the totals.
    for code in ["JX102", "JX201", "JX212", "JX213", "JX216", "JX308"] {
        silent(&d, code);
    }
    // Checked against the taxonomy, located in the 中期 block.
    let bad = edit(
        &yaml,
        "{一级: 产出指标, 二级: 数量指标, 三级: 累计",
        "{一级: 产出, 二级: 数量指标, 三级: 累计",
    );
    fires(
        &check_yaml(&bad),
        "JX201",
        line_of(&bad, "累计开展活动次数"),
    );
    // A weight written on a 中期 indicator is a warning, and does not enter the weight totals.
    let weighted = edit(
        &yaml,
        "三级: 累计开展活动次数, ",
        "三级: 累计开展活动次数, 权重: 10, ",
    );
    let d = check_yaml(&weighted);
    let f = fires(&d, "JX216", line_of(&weighted, "累计开展活动次数"));
    assert!(f.message.contains("累计开展活动次数"), "{}", f.message);
    silent(&d, "JX212");
    // A style may require the 中期 block.
    let required = check_with_style(
        &edit(
            STYLE_T,
            "required_level1: [产出指标]",
            "required_level1: [产出指标]\nrequired_fields: [中期指标]",
        ),
        DATA_T,
    );
    fires(&required, "JX102", line_of(DATA_T, "名称: 项目甲"));
}

#[test]
fn jx308_medium_term_money_below_the_annual_money() {
    let yaml = edit(
        &with_mid_term(),
        "中期资金: {财政拨款: 30, 其他资金: 0, 合计: 30}",
        "中期资金: {财政拨款: 8, 其他资金: 0, 合计: 8}",
    );
    let d = check_yaml(&yaml);
    let f = fires(&d, "JX308", line_of(&yaml, "中期资金"));
    assert!(
        f.message.contains("8") && f.message.contains("10"),
        "{}",
        f.message
    );
    silent(&check_yaml(&with_mid_term()), "JX308");
}

#[test]
fn jx216_a_weight_on_a_medium_term_indicator() {
    let yaml = edit(
        &with_mid_term(),
        "三级: 累计开展活动次数, ",
        "三级: 累计开展活动次数, 权重: 5, ",
    );
    fires(
        &check_yaml(&yaml),
        "JX216",
        line_of(&yaml, "累计开展活动次数"),
    );
    silent(&check_yaml(&with_mid_term()), "JX216");
}

/// `weights.ranges` (the vocabulary fixture: 成本指标 0–20, 效益指标 20–30): a 二级 whose weights
/// add up beyond its range is reported at its project, with the range; within it, nothing.
#[test]
fn jx217_weights_outside_a_levels_range() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vocabulary");
    let data = std::fs::read_to_string(fixture.join("data/2024-测试局.yaml")).unwrap();
    let check =
        |yaml: &str| check_files_with(&fixture.join("templates"), &[("2024-测试局.yaml", yaml)]);
    // 产出指标 still 60 and the total 90: only 成本指标 is out of its range.
    let yaml = edit(
        &edit(
            &data,
            "三级: 人均培训成本, 指标值: \"<=140元/人\", 依据: 预算支出标准, 权重: 10",
            "三级: 人均培训成本, 指标值: \"<=140元/人\", 依据: 预算支出标准, 权重: 25",
        ),
        "三级: 培训合格率, 指标值: \">=95%\", 依据: 行业标准, 权重: 20",
        "三级: 培训合格率, 指标值: \">=95%\", 依据: 行业标准, 权重: 5",
    );
    let d = check(&yaml);
    let f = fires(&d, "JX217", line_of(&yaml, "  - 名称: 青少年体育培训"));
    assert!(
        f.message.contains("成本指标权重合计 25") && f.message.contains("0–20"),
        "{}",
        show(&d)
    );
    silent(&d, "JX212");
    silent(&d, "JX213");
    silent(&check(&data), "JX217");
}

#[test]
fn jx303_negative_money() {
    let yaml = edit(
        XINJIANG,
        "{财政拨款: 10, 其他资金: 0, 合计: 10}",
        "{财政拨款: 11, 其他资金: -1, 合计: 10}",
    );
    fires(&check_yaml(&yaml), "JX303", 7);
    let yaml = edit(NINGXIA, "资金: {合计: 4}", "资金: {合计: -4}");
    fires(&check_yaml(&yaml), "JX303", line_of(&yaml, "资金"));
    let yaml = edit(ANHUI, "全年执行: 16}", "全年执行: -16}");
    fires(&check_yaml(&yaml), "JX303", line_of(&yaml, "全年执行: -16"));
    let yaml = edit(XINJIANG, "其他资金: 0,", "其他资金: 0.00,");
    silent(&check_yaml(&yaml), "JX303");
}

/// A total-only self-evaluation row (allowed: “以合计为准”) is not checked for negative amounts,
/// although a total-only budget is. The data below checks with 0 errors.
#[test]

fn jx303_negative_self_evaluation_total() {
    let yaml = edit(
        ANHUI,
        "        财政拨款: {年初预算: 20, 全年预算: 20, 全年执行: 16}",
        "        合计: {年初预算: 20, 全年预算: 20, 全年执行: -16}",
    );
    fires(&check_yaml(&yaml), "JX303", line_of(&yaml, "全年执行: -16"));
}

#[test]
fn jx304_money_missing() {
    let yaml = edit(
        XINJIANG,
        "资金: {财政拨款: 10, 其他资金: 0, 合计: 10}",
        "资金: {}",
    );
    fires(&check_yaml(&yaml), "JX304", 7);
    let yaml = edit(
        ANHUI,
        "        财政拨款: {年初预算: 20, 全年预算: 20, 全年执行: 16}\n",
        "        {}\n",
    );
    fires(&check_yaml(&yaml), "JX304", line_of(&yaml, "        {}"));
    // Only a total is fine (宁夏 prints only that).
    silent(&check_yaml(NINGXIA), "JX304");
}

// ---------------------------------------------------------------------------------------------
// JX4xx: the self-evaluation

#[test]
fn jx401_unknown_indicator_reference() {
    let yaml = edit(ANHUI, "{指标: 开展活动次数,", "{指标: 开展会议次数,");
    let d = check_yaml(&yaml);
    assert!(
        fires(&d, "JX401", line_of(&yaml, "开展会议次数"))
            .message
            .contains("开展会议次数")
    );
    // A name used under two 二级 must be qualified as 二级/三级.
    let twice = edit(ANHUI, "三级: 活动经费", "三级: 开展活动次数");
    let yaml = edit(&twice, "{指标: 活动经费,", "{指标: 开展活动次数,");
    let d = check_yaml(&yaml);
    fires(&d, "JX401", line_of(&yaml, "实际完成值: 16万元"));
    let yaml = edit(&twice, "{指标: 活动经费,", "{指标: 成本指标/开展活动次数,");
    let yaml = edit(
        &yaml,
        "{指标: 开展活动次数,",
        "{指标: 数量指标/开展活动次数,",
    );
    clean(&check_yaml(&yaml));
    silent(&check_yaml(ANHUI), "JX401");
}

#[test]
fn jx402_indicator_not_evaluated() {
    let yaml = edit(
        ANHUI,
        "        - {指标: 群众满意度, 实际完成值: 95%, 得分: 10}\n",
        "",
    );
    let d = check_yaml(&yaml);
    let f = fires(&d, "JX402", line_of(&yaml, "{指标: 开展活动次数"));
    assert!(f.message.contains("群众满意度"));
    silent(&check_yaml(ANHUI), "JX402");
}

#[test]
fn jx403_evaluated_twice() {
    let yaml = format!("{ANHUI}        - {{指标: 群众满意度, 实际完成值: 96%, 得分: 10}}\n");
    fires(&check_yaml(&yaml), "JX403", line_of(&yaml, "96%"));
    silent(&check_yaml(ANHUI), "JX403");
}

#[test]
fn jx404_score_over_weight() {
    let yaml = edit(
        ANHUI,
        "实际完成值: 有效提升, 等级: 达成, 得分: 30}",
        "实际完成值: 有效提升, 得分: 31}",
    );
    fires(&check_yaml(&yaml), "JX404", line_of(&yaml, "得分: 31"));
    let yaml = edit(
        ANHUI,
        "实际完成值: 有效提升, 等级: 达成, 得分: 30}",
        "实际完成值: 有效提升, 得分: -1, 偏差原因: 无}",
    );
    fires(&check_yaml(&yaml), "JX404", line_of(&yaml, "得分: -1"));
    // An execution score over 10, kept by an override.
    let yaml = edit(
        ANHUI,
        "      执行得分: 8\n",
        "      执行得分: 12\n      执行得分调整理由: 测试\n",
    );
    fires(&check_yaml(&yaml), "JX404", line_of(&yaml, "执行得分: 12"));
    // Exactly the weight.
    silent(&check_yaml(ANHUI), "JX404");
}

#[test]
fn jx405_score_missing_for_a_qualitative_indicator() {
    let yaml = edit(
        ANHUI,
        "实际完成值: 有效提升, 等级: 达成, 得分: 30}",
        "实际完成值: 有效提升}",
    );
    fires(
        &check_yaml(&yaml),
        "JX405",
        line_of(&yaml, "{指标: 社会效益"),
    );
    let yaml = edit(
        ANHUI,
        "实际完成值: 有效提升, 等级: 达成, 得分: 30}",
        "实际完成值: 有效提升, 等级: 部分达成, 偏差原因: 无}",
    );
    fires(
        &check_yaml(&yaml),
        "JX405",
        line_of(&yaml, "{指标: 社会效益"),
    );
    // 达成 without a score scores the full weight: the stated total 98 still agrees.
    let yaml = edit(ANHUI, "等级: 达成, 得分: 30}", "等级: 达成}");
    silent(&check_yaml(&yaml), "JX405");
    clean(&check_yaml(&yaml));
    // A quantitative indicator is computed without a stated score.
    let yaml = edit(ANHUI, "实际完成值: 32次, 得分: 30}", "实际完成值: 32次}");
    clean(&check_yaml(&yaml));
}

#[test]
fn jx406_grade_range() {
    // Weight 30: 达成 needs ≥ 24, 部分达成 [18, 24), 未达成 < 18.
    let with = |grade: &str, score: &str| {
        let yaml = edit(
            ANHUI,
            "等级: 达成, 得分: 30}",
            &format!("等级: {grade}, 得分: {score}, 偏差原因: 有差距}}"),
        );
        let total = score.parse::<Decimal>().unwrap() + Decimal::from(68);
        edit(&yaml, "总分: 98", &format!("总分: {total}"))
    };
    let line = line_of(ANHUI, "{指标: 社会效益");
    fires(&check_yaml(&with("达成", "23.99")), "JX406", line);
    fires(&check_yaml(&with("部分达成", "24")), "JX406", line);
    fires(&check_yaml(&with("部分达成", "17")), "JX406", line);
    fires(&check_yaml(&with("未达成", "18")), "JX406", line);
    for (grade, score) in [
        ("达成", "24"),
        ("部分达成", "18"),
        ("部分达成", "23.99"),
        ("未达成", "0"),
        ("未达成", "17.99"),
    ] {
        clean(&check_yaml(&with(grade, score)));
    }
    silent(&check_yaml(ANHUI), "JX406");
}

#[test]
fn jx407_bad_grade() {
    let yaml = edit(ANHUI, "等级: 达成,", "等级: 优秀,");
    assert!(
        fires(&check_yaml(&yaml), "JX407", line_of(&yaml, "优秀"))
            .message
            .contains("优秀")
    );
    // The long forms of the official wording are accepted.
    let yaml = edit(ANHUI, "等级: 达成,", "等级: 达成年度指标,");
    silent(&check_yaml(&yaml), "JX407");
}

#[test]
fn jx408_reason_missing() {
    // 85 % of a ≥90 % target: 10 × 85/90 = 9.44.
    let yaml = edit(
        ANHUI,
        "实际完成值: 95%, 得分: 10}",
        "实际完成值: 85%, 得分: 9.44}",
    );
    let yaml = edit(&yaml, "总分: 98", "总分: 97.44");
    let d = check_yaml(&yaml);
    assert_eq!(d.len(), 1, "{}", show(&d));
    fires(&d, "JX408", line_of(&yaml, "85%"));
    // A blank reason is no reason.
    let blank = edit(&yaml, "得分: 9.44}", "得分: 9.44, 偏差原因: \" \"}");
    fires(&check_yaml(&blank), "JX408", line_of(&yaml, "85%"));
    // Full marks need no reason.
    silent(&check_yaml(ANHUI), "JX408");
    let yaml = edit(
        &yaml,
        "得分: 9.44}",
        "得分: 9.44, 偏差原因: 宣传不足，明年加强}",
    );
    clean(&check_yaml(&yaml));
}

#[test]
fn jx409_over_achievement_from_120_percent() {
    let yaml = edit(ANHUI, "实际完成值: 32次", "实际完成值: 36次");
    let d = check_yaml(&yaml);
    let f = fires(&d, "JX409", line_of(&yaml, "36次"));
    assert!(f.message.contains("120%"), "{}", f.message);
    let yaml = edit(ANHUI, "实际完成值: 32次", "实际完成值: 35次");
    silent(&check_yaml(&yaml), "JX409");
    // 反向 indicators are never over-achieved.
    let yaml = edit(ANHUI, "实际完成值: 16万元", "实际完成值: 1万元");
    silent(&check_yaml(&yaml), "JX409");
}

#[test]
fn jx410_rate_mismatch() {
    let yaml = edit(ANHUI, "执行率: \"80%\"", "执行率: \"100%\"");
    let d = check_yaml(&yaml);
    let f = fires(&d, "JX410", line_of(&yaml, "执行率"));
    assert!(f.message.contains("80.00%"), "{}", f.message);
    // Compared at the precision written.
    for ok in ["80.00%", "80.0%", "80％"] {
        silent(
            &check_yaml(&edit(
                ANHUI,
                "执行率: \"80%\"",
                &format!("执行率: \"{ok}\""),
            )),
            "JX410",
        );
    }
    // 16.97 / 20 = 84.85 %: 84.9 % and 85 % agree at their precision, 84.8 % does not.
    let odd = edit(ANHUI, "全年执行: 16}", "全年执行: 16.97}");
    let odd = edit(&odd, "执行得分: 8", "执行得分: 8.49");
    let odd = edit(&odd, "总分: 98", "总分: 98.49");
    for ok in ["84.85%", "84.9%", "85%"] {
        silent(
            &check_yaml(&edit(&odd, "执行率: \"80%\"", &format!("执行率: \"{ok}\""))),
            "JX410",
        );
    }
    fires(
        &check_yaml(&edit(&odd, "执行率: \"80%\"", "执行率: \"84.8%\"")),
        "JX410",
        line_of(&odd, "执行率"),
    );
}

/// “93.90%” is written to two decimals, but trailing zeros are dropped before choosing the
/// precision, so it is compared at one decimal (93.9) and accepted for 18.77 / 20 = 93.85 %.
#[test]
fn jx410_trailing_zeros_are_precision() {
    let yaml = edit(ANHUI, "全年执行: 16}", "全年执行: 18.77}");
    let yaml = edit(&yaml, "执行得分: 8", "执行得分: 9.39");
    let yaml = edit(&yaml, "总分: 98", "总分: 99.39");
    let yaml = edit(&yaml, "执行率: \"80%\"", "执行率: \"93.90%\"");
    fires(&check_yaml(&yaml), "JX410", line_of(&yaml, "执行率"));
}

#[test]
fn jx411_execution_score_mismatch() {
    let yaml = edit(ANHUI, "执行得分: 8", "执行得分: 10");
    let yaml = edit(&yaml, "总分: 98", "总分: 100");
    let d = check_yaml(&yaml);
    let f = fires(&d, "JX411", line_of(&yaml, "执行得分"));
    assert!(
        f.message.contains("80.00%") && f.message.contains('8'),
        "{}",
        f.message
    );
    // The printed execution score is the computed 8, so the stated total 100 is off too.
    fires(&d, "JX413", line_of(&yaml, "总分"));
    // 执行得分调整理由 prints the stated 10: no JX411, and 100 is then the right total.
    let yaml = edit(
        &yaml,
        "      执行得分: 10\n",
        "      执行得分: 10\n      执行得分调整理由: 经批准按满分计\n",
    );
    clean(&check_yaml(&yaml));
    silent(&check_yaml(ANHUI), "JX411");
}

#[test]
fn jx412_score_mismatch() {
    // 24 of ≥30: 30 × 24/30 = 24, not the stated 30.
    let yaml = edit(
        ANHUI,
        "实际完成值: 32次, 得分: 30}",
        "实际完成值: 24次, 得分: 30}",
    );
    let d = check_yaml(&yaml);
    let f = fires(&d, "JX412", line_of(&yaml, "24次"));
    assert!(f.message.contains("24"), "{}", f.message);
    // The computed 24 is printed: 98 is then wrong and the lost points need a reason.
    fires(&d, "JX413", line_of(&yaml, "总分"));
    fires(&d, "JX408", line_of(&yaml, "24次"));
    // 得分调整理由 prints the stated 30: nothing else to report.
    let yaml = edit(
        &yaml,
        "24次, 得分: 30}",
        "24次, 得分: 30, 得分调整理由: 按考核结果}",
    );
    clean(&check_yaml(&yaml));
    silent(&check_yaml(ANHUI), "JX412");
}

/// An override needs a reason: a blank `得分调整理由` / `执行得分调整理由` still silences the
/// mismatch and prints the stated figure, where a blank `偏差原因` counts as missing (JX408).
#[test]
fn blank_override_reasons_do_not_override() {
    let yaml = edit(
        ANHUI,
        "实际完成值: 32次, 得分: 30}",
        "实际完成值: 24次, 得分: 30, 得分调整理由: \"\", 偏差原因: 有差距}",
    );
    let d = check_yaml(&yaml);
    assert!(
        d.iter().any(|f| f.code == "JX412" || f.code == "JX103"),
        "blank 得分调整理由 accepted:\n{}",
        show(&d)
    );
    let yaml = edit(
        ANHUI,
        "      执行得分: 8\n",
        "      执行得分: 10\n      执行得分调整理由: \" \"\n",
    );
    let yaml = edit(&yaml, "总分: 98", "总分: 100");
    let d = check_yaml(&yaml);
    assert!(
        d.iter().any(|f| f.code == "JX411" || f.code == "JX103"),
        "blank 执行得分调整理由 accepted:\n{}",
        show(&d)
    );
}

#[test]
fn jx413_total_mismatch() {
    let yaml = edit(ANHUI, "总分: 98", "总分: 100");
    let f = check_yaml(&yaml);
    assert!(
        fires(&f, "JX413", line_of(&yaml, "总分"))
            .message
            .contains("98")
    );
    silent(
        &check_yaml(&edit(ANHUI, "总分: 98", "总分: 98.00")),
        "JX413",
    );
}

#[test]
fn jx414_percent_target_phrase_actual() {
    let yaml = edit(ANHUI, "实际完成值: 95%", "实际完成值: 满意");
    let d = check_yaml(&yaml);
    fires(&d, "JX414", line_of(&yaml, "实际完成值: 满意"));
    // The stated score is used.
    assert_eq!(d.len(), 1, "{}", show(&d));
    silent(&check_yaml(ANHUI), "JX414");
    // A phrase target with a phrase actual is not this warning.
    silent(
        &check_yaml(&edit(ANHUI, "实际完成值: 有效提升", "实际完成值: 明显提升")),
        "JX414",
    );
}

#[test]
fn jx415_unit_mismatch() {
    let yaml = edit(ANHUI, "实际完成值: 32次", "实际完成值: 32人");
    let d = check_yaml(&yaml);
    fires(&d, "JX415", line_of(&yaml, "32人"));
    assert_eq!(d.len(), 1, "{}", show(&d));
    silent(&check_yaml(ANHUI), "JX415");
}

/// A full-width percent sign (common with Chinese input methods) is a different unit to the
/// target parser, while `parse_percent` accepts it: `≥90％` cannot be compared with `95%`.
#[test]

fn full_width_percent_is_a_percent() {
    let yaml = edit(ANHUI, "指标值: ≥90%", "指标值: ≥90％");
    clean(&check_yaml(&yaml));
}

#[test]
fn jx416_executed_over_budget() {
    let yaml = edit(ANHUI, "全年执行: 16}", "全年执行: 22}");
    let yaml = edit(&yaml, "执行率: \"80%\"", "执行率: \"110%\"");
    let yaml = edit(&yaml, "执行得分: 8", "执行得分: 10");
    let yaml = edit(&yaml, "总分: 98", "总分: 100");
    let d = check_yaml(&yaml);
    // Over-execution is capped at full points: only the warning.
    assert_eq!(d.len(), 1, "{}", show(&d));
    fires(&d, "JX416", line_of(&yaml, "      资金:") + 1);
    let yaml = edit(ANHUI, "全年执行: 16}", "全年执行: 20}");
    let yaml = edit(&yaml, "执行率: \"80%\"", "执行率: \"100%\"");
    silent(&check_yaml(&yaml), "JX416");
}

#[test]
fn jx417_bad_percent() {
    for bad in ["八成", "80", "0.8"] {
        let yaml = edit(ANHUI, "执行率: \"80%\"", &format!("执行率: \"{bad}\""));
        fires(&check_yaml(&yaml), "JX417", line_of(&yaml, "执行率"));
    }
    silent(&check_yaml(ANHUI), "JX417");
}

#[test]
fn jx418_budget_zero() {
    let yaml = edit(
        ANHUI,
        "全年预算: 20, 全年执行: 16}",
        "全年预算: 0, 全年执行: 0}",
    );
    fires(
        &check_yaml(&yaml),
        "JX418",
        line_of(&yaml, "      资金:") + 1,
    );
    silent(&check_yaml(ANHUI), "JX418");
}

// ---------------------------------------------------------------------------------------------
// Styles as data: the style files are checked like the data (JX5xx), and the data model they
// open (extra fields, custom fund sources) is checked against them.

/// A small per-project style in a templates directory of its own: 2015 taxonomy, two fund
/// sources, an extra indicator field with a closed set of values, and a header, money-free
/// rows block and grid.
const STYLE_T: &str = "\
name: 测试样式
taxonomy: \"2015\"
required_level1: [产出指标]
funds:
  sources: [{key: 财政资金}, {key: 单位资金}]
fields:
  indicator: [{key: 指标属性, values: [正向, 反向]}]
  project: [{key: 评价结论}]
fonts: {宋体: [Noto Serif CJK SC], 黑体: [Noto Sans CJK SC]}
documents:
  - kind: target
    template: page.typ.j2
    file: 测试表
    title: \"{{ 项目.名称 }}项目绩效目标表\"
    columns: [1, 1, 2, 1]
    blocks:
      - rows:
          - [{label: 项目名称}, {field: 项目.名称, span: 3}]
          - [{label: 资金, rows: 2}, {label: 合计}, {field: 项目.资金.合计, span: 2}]
          - [{label: 财政资金}, {field: 项目.资金.财政资金, span: 2}]
      - grid:
          columns:
            - {label: 一级指标, field: 一级.名称}
            - {label: 二级指标, field: 二级.名称}
            - {label: 三级指标, field: 指标.三级}
            - {label: 指标属性, field: 指标.指标属性}
";

const DATA_T: &str = "\
部门: 测试部门
年度: 2024
样式: t
项目:
  - 名称: 项目甲
    评价结论: 良好
    资金: {财政资金: 8, 单位资金: 2}
    指标:
      - {一级: 产出指标, 二级: 数量指标, 三级: 开展活动次数, 指标值: \">=3次\", 指标属性: 正向}
";

/// Checks `data` against the style `t` written from `style`, in a templates directory of its
/// own (the repository's taxonomies).
fn check_with_style(style: &str, data: &str) -> Vec<Found> {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(templates.join("t")).unwrap();
    std::fs::copy(
        Path::new(TEMPLATES).join("taxonomies.yaml"),
        templates.join("taxonomies.yaml"),
    )
    .unwrap();
    std::fs::write(templates.join("t/style.yaml"), style).unwrap();
    std::fs::write(templates.join("t/page.typ.j2"), "").unwrap();
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::write(data_dir.join("a.yaml"), data).unwrap();
    let mut loaded = jixiao::load::load_dir(&data_dir);
    let styles = jixiao::style::Styles::load(&templates, &mut loaded);
    let checked = jixiao::check::check(&loaded, &styles);
    found(
        &loaded,
        loaded.diagnostics.iter().chain(&checked.diagnostics),
    )
}

/// `code` reported in `style.yaml` at `line`.
pub(crate) fn style_fires<'a>(found: &'a [Found], code: &str, line: usize) -> &'a Found {
    let f = fires(found, code, line);
    assert_eq!(f.file, "style.yaml", "{}", show(found));
    f
}

#[test]
fn the_test_style_checks_clean() {
    clean(&check_with_style(STYLE_T, DATA_T));
}

#[test]
fn jx109_a_broken_style_fails_its_departments_at_the_style_key() {
    let style = edit(STYLE_T, "taxonomy: \"2015\"", "taxonomy: \"2099\"");
    let d = check_with_style(&style, DATA_T);
    fires(&d, "JX109", line_of(DATA_T, "样式: t"));
    style_fires(&d, "JX505", line_of(&style, "taxonomy"));
    silent(&check_with_style(STYLE_T, DATA_T), "JX109");
}

#[test]
fn jx110_an_extra_field_outside_its_values() {
    let data = edit(DATA_T, "指标属性: 正向", "指标属性: 向上");
    fires(
        &check_with_style(STYLE_T, &data),
        "JX110",
        line_of(&data, "向上"),
    );
    silent(&check_with_style(STYLE_T, DATA_T), "JX110");
}

#[test]
fn undeclared_extra_keys_and_sources_are_located_errors() {
    // A key neither the schema nor the style knows: JX010 at the key.
    let data = edit(
        DATA_T,
        "    评价结论: 良好",
        "    评价结论: 良好\n    评价意见: 好",
    );
    let d = check_with_style(STYLE_T, &data);
    let f = fires(&d, "JX010", line_of(&data, "评价意见"));
    assert!(f.message.contains("评价结论"), "{}", f.message);
    // A fund source the style does not declare: JX302 at the key.
    let data = edit(DATA_T, "单位资金: 2", "专户资金: 2");
    fires(
        &check_with_style(STYLE_T, &data),
        "JX302",
        line_of(&data, "专户资金"),
    );
    // The declared source and field pass.
    silent(&check_with_style(STYLE_T, DATA_T), "JX302");
    silent(&check_with_style(STYLE_T, DATA_T), "JX010");
}

/// Amounts, weights and scores are bounded at load (below 10¹², 6 decimals: JX012), so their
/// sums cannot leave `rust_decimal`'s range; the numbers inside target and actual values are
/// text and are not bounded, and a score computed from them can be out of range: JX305, at the
/// actual value, never a panic.
#[test]
fn jx305_figures_beyond_range_are_errors_not_panics() {
    // 30 × 79228162514264337593543950334 / 79228162514264337593543950335 overflows on the way.
    let yaml = edit(
        ANHUI,
        "三级: 开展活动次数, 指标值: ≥30次",
        "三级: 开展活动次数, 指标值: ≥79228162514264337593543950335次",
    );
    let yaml = edit(
        &yaml,
        "实际完成值: 32次, 得分: 30}",
        "实际完成值: 79228162514264337593543950334次, 得分: 30}",
    );
    let f = check_yaml(&yaml);
    let found = fires(
        &f,
        "JX305",
        line_of(&yaml, "79228162514264337593543950334次"),
    );
    assert!(found.message.contains("开展活动次数"), "{}", found.message);
    // The money overflow of the issue is refused where it is written.
    let yaml = edit(
        XINJIANG,
        "资金: {财政拨款: 10, 其他资金: 0, 合计: 10}",
        "资金: {财政拨款: 79228162514264337593543950335, 其他资金: 1}",
    );
    let f = check_yaml(&yaml);
    assert_eq!(f.len(), 1, "{}", show(&f));
    assert_eq!((f[0].code, f[0].line), ("JX012", line_of(&yaml, "资金:")));
    silent(&check_yaml(XINJIANG), "JX305");
    silent(&check_yaml(ANHUI), "JX305");
}

/// The six overflows of issue 8 (money sum, weight sum, B/A with a tiny budget and a huge
/// execution, the score formula and the 120 % check with huge targets, a/t with a tiny
/// target), each at the edge of the limits or through the unbounded numbers of target and
/// actual values: located diagnostics, no panic.
#[test]
fn the_overflows_of_issue_8_never_panic() {
    let max = "999999999999.999999";
    let cases: Vec<String> = vec![
        // Money sum at the largest amounts.
        edit(
            XINJIANG,
            "资金: {财政拨款: 10, 其他资金: 0, 合计: 10}",
            &format!("资金: {{财政拨款: {max}, 其他资金: {max}}}"),
        ),
        // Weight sum.
        edit(
            XINJIANG,
            "权重: 30, 赋分规则: 按照正常比例赋分",
            &format!("权重: {max}, 赋分规则: 按照正常比例赋分"),
        ),
        // B / A: the smallest budget, the largest execution.
        edit(
            ANHUI,
            "财政拨款: {年初预算: 20, 全年预算: 20, 全年执行: 16}",
            &format!("财政拨款: {{年初预算: 0.000001, 全年预算: 0.000001, 全年执行: {max}}}"),
        ),
        // Score formula and the 120 % check: a huge actual against a tiny target…
        edit(
            &edit(
                ANHUI,
                "指标值: ≥30次",
                "指标值: ≥0.0000000000000000000000000001次",
            ),
            "实际完成值: 32次",
            "实际完成值: 79228162514264337593543950335次",
        ),
        // …against a small one (a / t too large to print as a percentage)…
        edit(
            &edit(ANHUI, "指标值: ≥30次", "指标值: ≥1次"),
            "实际完成值: 32次",
            "实际完成值: 79228162514264337593543950335次",
        ),
        // …and against a huge one.
        edit(
            &edit(
                ANHUI,
                "指标值: ≥30次",
                "指标值: ≥79228162514264337593543950335次",
            ),
            "实际完成值: 32次",
            "实际完成值: 79228162514264337593543950335次",
        ),
        // A reverse indicator (≤) with a tiny target: (a − t) / t.
        edit(
            &edit(
                ANHUI,
                "指标值: ≤20万元",
                "指标值: ≤0.0000000000000000000000000001万元",
            ),
            "实际完成值: 16万元",
            "实际完成值: 0.0000000000000000000000000002万元",
        ),
        // A stated rate the computed one cannot be compared with.
        edit(
            ANHUI,
            "执行率: \"80%\"",
            "执行率: \"79228162514264337593543950335%\"",
        ),
    ];
    for yaml in cases {
        // Reaching the assertion is the test: every case ran without a panic.
        let f = check_yaml(&yaml);
        assert!(
            f.iter().all(|d| d.line > 0 || d.file.is_empty()),
            "{}",
            show(&f)
        );
    }
}

#[test]
fn jx501_unknown_style_setting() {
    let style = edit(STYLE_T, "name: 测试样式", "name: 测试样式\ncolour: red");
    let d = check_with_style(&style, DATA_T);
    let f = style_fires(&d, "JX501", line_of(&style, "colour"));
    assert!(f.message.contains("colour"), "{}", f.message);
    silent(&check_with_style(STYLE_T, DATA_T), "JX501");
}

/// A field path with an empty part (`项目..名称`, `项目.`) is reported at its line for what it
/// is, by the one parser of paths (it was called “层级过深”, or named an empty field).
#[test]
fn jx502_a_field_path_with_an_empty_part() {
    for bad in ["项目..名称", "项目."] {
        let style = edit(
            STYLE_T,
            "{field: 项目.名称, span: 3}",
            &format!("{{field: \"{bad}\", span: 3}}"),
        );
        let d = check_with_style(&style, DATA_T);
        let f = style_fires(&d, "JX502", line_of(&style, &format!("\"{bad}\"")));
        assert!(f.message.contains("空的一段"), "{bad}: {}", f.message);
    }
}

#[test]
fn jx502_misspelt_field_or_variable() {
    let style = edit(
        STYLE_T,
        "{field: 项目.名称, span: 3}",
        "{field: 项目.名字, span: 3}",
    );
    let d = check_with_style(&style, DATA_T);
    let f = style_fires(&d, "JX502", line_of(&style, "项目.名字"));
    assert!(
        f.message.contains("名字") && f.message.contains("名称"),
        "{}",
        f.message
    );
    let style = edit(
        STYLE_T,
        "\"{{ 项目.名称 }}项目绩效目标表\"",
        "\"{{ 项目名称 }}项目绩效目标表\"",
    );
    style_fires(
        &check_with_style(&style, DATA_T),
        "JX502",
        line_of(&style, "项目名称 }}"),
    );
    silent(&check_with_style(STYLE_T, DATA_T), "JX502");
}

/// A pattern's syntax error reads in Chinese: minijinja's English is translated (issue 25).
#[test]
fn jx504_a_patterns_syntax_error_reads_in_chinese() {
    let style = edit(
        STYLE_T,
        "\"{{ 项目.名称 }}项目绩效目标表\"",
        "\"{{ 项目.名称 项目绩效目标表\"",
    );
    let d = check_with_style(&style, DATA_T);
    let f = style_fires(&d, "JX504", line_of(&style, "{{ 项目.名称 项目"));
    assert!(f.message.contains("此处出现了名字"), "{}", f.message);
    assert!(!f.message.contains("unexpected"), "{}", f.message);
}

#[test]
fn jx503_rows_must_fill_the_width_counting_merged_cells() {
    // The label merged over two rows takes column 1 of the next row too: three more cells
    // overflow the four columns.
    let style = edit(
        STYLE_T,
        "[{label: 财政资金}, {field: 项目.资金.财政资金, span: 2}]",
        "[{label: 财政资金}, {field: 项目.资金.财政资金, span: 3}]",
    );
    style_fires(
        &check_with_style(&style, DATA_T),
        "JX503",
        line_of(&style, "财政资金, span: 3"),
    );
    // A row one column short.
    let style = edit(
        STYLE_T,
        "{field: 项目.名称, span: 3}",
        "{field: 项目.名称, span: 2}",
    );
    style_fires(
        &check_with_style(&style, DATA_T),
        "JX503",
        line_of(&style, "项目.名称, span: 2"),
    );
    // A label merged below the block's last row.
    let style = edit(STYLE_T, "{label: 资金, rows: 2}", "{label: 资金, rows: 4}");
    style_fires(
        &check_with_style(&style, DATA_T),
        "JX503",
        line_of(&style, "rows: 4"),
    );
    silent(&check_with_style(STYLE_T, DATA_T), "JX503");
}

#[test]
fn jx504_pattern_syntax() {
    let style = edit(
        STYLE_T,
        "\"{{ 项目.名称 }}项目绩效目标表\"",
        "\"{{ 项目.名称 项目绩效目标表\"",
    );
    style_fires(
        &check_with_style(&style, DATA_T),
        "JX504",
        line_of(&style, "title:"),
    );
    silent(&check_with_style(STYLE_T, DATA_T), "JX504");
}

#[test]
fn jx505_missing_template_or_level() {
    let style = edit(STYLE_T, "template: page.typ.j2", "template: missing.typ.j2");
    style_fires(
        &check_with_style(&style, DATA_T),
        "JX505",
        line_of(&style, "missing.typ.j2"),
    );
    let style = edit(
        STYLE_T,
        "required_level1: [产出指标]",
        "required_level1: [产出]",
    );
    style_fires(
        &check_with_style(&style, DATA_T),
        "JX505",
        line_of(&style, "required_level1"),
    );
    silent(&check_with_style(STYLE_T, DATA_T), "JX505");
}

#[test]
fn jx506_contradictory_settings() {
    // A block with two kinds at once.
    let style = edit(
        STYLE_T,
        "      - grid:\n",
        "      - rows: []\n        grid:\n",
    );
    style_fires(
        &check_with_style(&style, DATA_T),
        "JX506",
        line_of(&style, "title:"),
    );
    // A fund source named like the total.
    let style = edit(STYLE_T, "{key: 单位资金}", "{key: 合计}");
    style_fires(
        &check_with_style(&style, DATA_T),
        "JX506",
        line_of(&style, "sources:"),
    );
    silent(&check_with_style(STYLE_T, DATA_T), "JX506");
}

#[test]
fn extra_fields_listed_in_required_fields_are_required() {
    let style = edit(
        STYLE_T,
        "required_level1: [产出指标]",
        "required_level1: [产出指标]\nrequired_fields: [评价结论]",
    );
    let data = edit(DATA_T, "    评价结论: 良好\n", "");
    let d = check_with_style(&style, &data);
    let f = fires(&d, "JX102", line_of(&data, "名称: 项目甲"));
    assert!(f.message.contains("评价结论"), "{}", f.message);
    silent(&check_with_style(&style, DATA_T), "JX102");
}

/// Glyph coverage (JX120) against the fonts the style's chains name, as `jixiao check` runs it.
fn check_glyphs(yaml: &str) -> Vec<Found> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), yaml).unwrap();
    let mut loaded = jixiao::load::load_dir(dir.path());
    let styles = jixiao::style::Styles::load(Path::new(TEMPLATES), &mut loaded);
    let checked = jixiao::check::check(&loaded, &styles);
    let fonts = jixiao::cli::style_fonts(dir.path(), &[], &checked);
    assert!(
        fonts.has_cjk(),
        "a Chinese font is installed (apt-get install fonts-noto-cjk)"
    );
    found(
        &loaded,
        &jixiao::glyphs::check(&loaded.sources, &checked, &fonts),
    )
}

#[test]
fn jx120_characters_no_font_can_draw() {
    let yaml = edit(
        XINJIANG,
        "名称: 项目甲",
        "名称: \"项目甲😀\"  # 注释中的 𠀀 不算",
    );
    let d = check_glyphs(&yaml);
    let f = fires(&d, "JX120", line_of(&yaml, "项目甲😀"));
    assert!(f.message.contains("U+1F600"), "{}", f.message);
    assert_eq!(d.len(), 1, "{}", show(&d));
    silent(&check_glyphs(XINJIANG), "JX120");
}

/// A style file that is a symlink out of the templates directory is refused unread: its
/// content never appears in a message, and the departments using the style fail (JX109).
#[cfg(unix)]
#[test]
fn a_style_linked_from_outside_the_templates_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(templates.join("t")).unwrap();
    std::fs::copy(
        Path::new(TEMPLATES).join("taxonomies.yaml"),
        templates.join("taxonomies.yaml"),
    )
    .unwrap();
    let outside = dir.path().join("elsewhere.yaml");
    std::fs::write(&outside, STYLE_T.replace("测试样式", "外部秘密")).unwrap();
    std::os::unix::fs::symlink(&outside, templates.join("t/style.yaml")).unwrap();
    std::fs::write(templates.join("t/page.typ.j2"), "").unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("a.yaml"), DATA_T).unwrap();
    let mut loaded = jixiao::load::load_dir(&data);
    let styles = jixiao::style::Styles::load(&templates, &mut loaded);
    let checked = jixiao::check::check(&loaded, &styles);
    let all: Vec<String> = loaded
        .diagnostics
        .iter()
        .chain(&checked.diagnostics)
        .map(|d| format!("{} {}", d.rule.code, d.message))
        .collect();
    assert!(
        all.iter()
            .any(|m| m.starts_with("JX501") && m.contains("链接")),
        "{all:?}"
    );
    assert!(all.iter().any(|m| m.starts_with("JX109")), "{all:?}");
    assert!(!all.iter().any(|m| m.contains("外部秘密")), "{all:?}");
    assert!(styles.get("t").is_err());
}

// ---------------------------------------------------------------------------------------------
// Templates: checked with the data (JX507) and typeset by the build (JX508)
// ---------------------------------------------------------------------------------------------

/// A project of its own — the repository's templates, changed by `edit`, and the Zhejiang
/// sample department — checked, or built into its `out/`, through the library pipeline.
fn workspace_run(edit: impl Fn(&Path), build: bool) -> Vec<Found> {
    workspace_run_with(edit, |_| {}, build)
}

/// [`workspace_run`], with `edit_data` applied to the data directory too.
fn workspace_run_with(edit: impl Fn(&Path), edit_data: impl Fn(&Path), build: bool) -> Vec<Found> {
    use jixiao::workspace::{BuildOptions, Options, Workspace, quiet};
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    common::copy_dir(Path::new(TEMPLATES), &templates);
    edit(&templates);
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(
        Path::new(TEMPLATES).join("../data/2020-keqiao-rendaban.yaml"),
        data.join("a.yaml"),
    )
    .unwrap();
    edit_data(&data);
    let mut ws = Workspace::open(Options {
        data,
        out: dir.path().join("out"),
        templates: None,
        font_paths: Vec::new(),
    });
    let outcome = if build {
        ws.build(&BuildOptions::default(), &quiet)
    } else {
        ws.check()
    };
    found_in(&outcome.sources, &outcome.diagnostics)
}

/// Appends `line` to the file `name` of the templates directory.
fn append(templates: &Path, name: &str, line: &str) {
    let path = templates.join(name);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(line);
    std::fs::write(path, text).unwrap();
}

fn lines_of(templates: &Path, name: &str) -> usize {
    std::fs::read_to_string(templates.join(name))
        .unwrap()
        .lines()
        .count()
}

#[test]
fn jx507_a_template_syntax_error_is_reported_at_its_line() {
    let line = lines_of(Path::new(TEMPLATES), "zhejiang/summary.typ.j2") + 1;
    let d = workspace_run(
        |t| append(t, "zhejiang/summary.typ.j2", "{% if %}\n"),
        false,
    );
    let f = fires(&d, "JX507", line);
    assert_eq!(f.file, "summary.typ.j2", "{}", show(&d));
    silent(&workspace_run(|_| {}, false), "JX507");
}

#[test]
fn jx507_a_typst_library_error_is_reported_at_its_line() {
    let line = lines_of(Path::new(TEMPLATES), "lib/jixiao.typ") + 1;
    let d = workspace_run(|t| append(t, "lib/jixiao.typ", "#let broken = (\n"), false);
    let f = fires(&d, "JX507", line);
    assert_eq!(f.file, "jixiao.typ", "{}", show(&d));
}

#[test]
fn jx508_a_typst_error_while_typesetting_is_reported_in_the_library_file() {
    let line = lines_of(Path::new(TEMPLATES), "lib/jixiao.typ") + 1;
    let edit = |t: &Path| {
        append(t, "lib/jixiao.typ", "#let jx-fail() = panic(\"坏了\")\n");
        append(t, "zhejiang/summary.typ.j2", "#jx-fail()\n");
    };
    // Checking does not typeset: the library itself is fine.
    silent(&workspace_run(edit, false), "JX508");
    let d = workspace_run(edit, true);
    let f = fires(&d, "JX508", line);
    assert_eq!(f.file, "jixiao.typ", "{}", show(&d));
    assert!(f.message.contains("坏了"), "{}", show(&d));
    silent(&workspace_run(|_| {}, true), "JX508");
}

// ---------------------------------------------------------------------------------------------
// The region file and its summary styles (JX701, JX702)
// ---------------------------------------------------------------------------------------------

/// The Zhejiang sample department with `region` as its data directory's `地区.yaml`, checked
/// through the library pipeline.
fn region_check(region: &str) -> Vec<Found> {
    let write = |data: &Path| std::fs::write(data.join("地区.yaml"), region).unwrap();
    workspace_run_with(|_| {}, write, false)
}

const REGION_OK: &str = "地区: 样例市\n编制单位: 样例市财政局\n汇总: [region]\n";

#[test]
fn jx701_a_region_file_with_an_unknown_key() {
    let d = region_check("地区: 样例市\n编制单位: 样例市财政局\n颜色: 红\n");
    let f = fires(&d, "JX701", 3);
    assert_eq!(f.file, "地区.yaml", "{}", show(&d));
    fires(&region_check("地区: \"  \"\n"), "JX701", 1);
    silent(&region_check(REGION_OK), "JX701");
}

#[test]
fn jx702_a_summary_style_that_does_not_exist() {
    let d = region_check("地区: 样例市\n汇总: [region, 没有这个]\n");
    fires(&d, "JX702", 2);
    silent(&region_check(REGION_OK), "JX702");
    // The region file is not read as a department.
    silent(&region_check(REGION_OK), "JX101");
}

// ---------------------------------------------------------------------------------------------
// JX6xx: continuity across years (this year's file against last year's, both in the directory)

/// Last year (2022): the Anhui department with its self-evaluation (开展活动次数: 32次 against
/// ≥30次; 活动经费: 16万元 against ≤20万元).
fn last_year() -> String {
    edit(ANHUI, "年度: 2023", "年度: 2022")
}

/// Last year's plan without a self-evaluation.
fn last_year_unevaluated() -> String {
    edit(&anhui_plan(), "年度: 2023", "年度: 2022")
}

/// This year (2023): the plan, with a 上年完成值 copied from last year's result and the targets
/// of 正向 indicators not below last year's results (≥35次 after 32次, ≥95% after 95%).
fn this_year() -> String {
    let plan = edit(
        &anhui_plan(),
        "指标值: ≥30次,",
        "指标值: ≥35次, 上年完成值: 32次,",
    );
    edit(&plan, "指标值: ≥90%", "指标值: ≥95%")
}

fn two_years(last: &str, this: &str) -> Vec<Found> {
    check_files(&[("2022.yaml", last), ("2023.yaml", this)])
}

#[test]
fn continuity_base_is_silent() {
    let d = two_years(&last_year(), &this_year());
    for code in ["JX601", "JX602", "JX603"] {
        silent(&d, code);
    }
}

#[test]
fn jx601_last_year_value_differs_from_last_years_result() {
    let this = edit(&this_year(), "上年完成值: 32次", "上年完成值: 30次");
    let d = two_years(&last_year(), &this);
    let f = fires(&d, "JX601", line_of(&this, "开展活动次数"));
    assert_eq!(f.file, "2023.yaml", "located in this year's file");
    assert_eq!(f.severity, Severity::Warning);
    let there = format!("2022.yaml:{}", line_of(&last_year(), "{指标: 开展活动次数"));
    assert!(
        f.message.contains(&there),
        "names last year's file and line: {}",
        f.message
    );
    assert!(
        f.message.contains("30次") && f.message.contains("32次"),
        "{}",
        f.message
    );
    // The same value written another way; no self-evaluation last year; no file of last year.
    silent(
        &two_years(
            &last_year(),
            &edit(&this_year(), "上年完成值: 32次", "上年完成值: 32 次"),
        ),
        "JX601",
    );
    silent(&two_years(&last_year_unevaluated(), &this), "JX601");
    silent(&check_yaml(&this), "JX601");
    // Two years apart is not last year.
    silent(
        &two_years(&edit(&last_year(), "年度: 2022", "年度: 2021"), &this),
        "JX601",
    );
}

#[test]
fn jx602_target_below_last_years_result() {
    // ≥30次 this year, 32次 achieved last year, no 上年完成值 typed.
    let this = edit(
        &this_year(),
        "指标值: ≥35次, 上年完成值: 32次,",
        "指标值: ≥30次,",
    );
    let d = two_years(&last_year(), &this);
    let f = fires(&d, "JX602", line_of(&this, "开展活动次数"));
    assert_eq!(f.file, "2023.yaml");
    let there = format!("2022.yaml:{}", line_of(&last_year(), "{指标: 开展活动次数"));
    assert!(f.message.contains(&there), "{}", f.message);
    assert!(
        f.message.contains("≥30次") && f.message.contains("32次"),
        "{}",
        f.message
    );
    silent(&d, "JX601");
    // Where the typed 上年完成值 agrees and JX214 already says so, once is enough.
    let typed = edit(&this_year(), "指标值: ≥35次", "指标值: ≥30次");
    let d = two_years(&last_year(), &typed);
    fires(&d, "JX214", line_of(&typed, "开展活动次数"));
    silent(&d, "JX602");
    // A 反向 target (活动经费 ≤20万元, 16万元 spent) is not a weak target; nor without a result.
    silent(&two_years(&last_year(), &this_year()), "JX602");
    silent(&two_years(&last_year_unevaluated(), &this), "JX602");
}

#[test]
fn jx603_a_project_gone_without_its_self_evaluation() {
    let this = edit(&this_year(), "名称: 项目甲", "名称: 项目乙");
    let last = last_year_unevaluated();
    let d = two_years(&last, &this);
    let f = fires(&d, "JX603", line_of(&this, "项目:"));
    assert_eq!(f.file, "2023.yaml");
    let there = format!("2022.yaml:{}", line_of(&last, "名称: 项目甲"));
    assert!(
        f.message.contains(&there) && f.message.contains("项目甲"),
        "{}",
        f.message
    );
    // Evaluated last year, or still there this year.
    silent(&two_years(&last_year(), &this), "JX603");
    silent(&two_years(&last, &this_year()), "JX603");
}

// ---------------------------------------------------------------------------------------------
// Combining marks: check and build agree (issue 20)
// ---------------------------------------------------------------------------------------------

/// A minimal TrueType font of the family `family` that maps exactly the (BMP) characters
/// `chars`, each to an empty glyph: enough for Typst to choose it and shape with it.
fn tiny_font(family: &str, chars: &[char]) -> Vec<u8> {
    fn u16s(out: &mut Vec<u8>, v: &[u16]) {
        for x in v {
            out.extend_from_slice(&x.to_be_bytes());
        }
    }
    let glyphs = u16::try_from(chars.len() + 1).unwrap();
    let mut head = Vec::new();
    u16s(&mut head, &[1, 0, 1, 0, 0, 0]); // version, fontRevision, checkSumAdjustment
    head.extend_from_slice(&0x5F0F_3CF5u32.to_be_bytes());
    u16s(&mut head, &[0, 1000]); // flags, unitsPerEm
    head.extend_from_slice(&[0; 16]); // created, modified
    u16s(&mut head, &[0, 0, 600, 800, 0, 8, 2, 0, 0]);
    let mut hhea = Vec::new();
    u16s(
        &mut hhea,
        &[1, 0, 800, (-200i16) as u16, 0, 600, 0, 0, 600, 1, 0, 0],
    );
    u16s(&mut hhea, &[0, 0, 0, 0, 0, glyphs]);
    let mut maxp = Vec::new();
    u16s(&mut maxp, &[1, 0, glyphs]);
    maxp.extend_from_slice(&[0; 26]);
    let mut hmtx = Vec::new();
    for _ in 0..glyphs {
        u16s(&mut hmtx, &[600, 0]);
    }
    let mut loca = Vec::new();
    u16s(&mut loca, &vec![0; usize::from(glyphs) + 1]);
    let glyf = vec![0u8; 4];
    // cmap: one format-4 subtable (Windows, Unicode BMP), a segment per character.
    let mut codes: Vec<u16> = chars
        .iter()
        .map(|&c| u16::try_from(c as u32).unwrap())
        .collect();
    codes.sort();
    let segs = u16::try_from(codes.len() + 1).unwrap();
    let mut sub = Vec::new();
    let pow = 1u16 << (15 - segs.leading_zeros());
    u16s(
        &mut sub,
        &[
            4,
            0,
            0,
            segs * 2,
            pow * 2,
            pow.trailing_zeros() as u16,
            segs * 2 - pow * 2,
        ],
    );
    u16s(&mut sub, &codes);
    u16s(&mut sub, &[0xFFFF, 0]);
    u16s(&mut sub, &codes);
    u16s(&mut sub, &[0xFFFF]);
    let deltas: Vec<u16> = codes
        .iter()
        .enumerate()
        .map(|(i, &c)| (i as u16 + 1).wrapping_sub(c))
        .collect();
    u16s(&mut sub, &deltas);
    u16s(&mut sub, &[1]);
    u16s(&mut sub, &vec![0; usize::from(segs)]);
    let len = u16::try_from(sub.len()).unwrap();
    sub[2..4].copy_from_slice(&len.to_be_bytes());
    let mut cmap = Vec::new();
    u16s(&mut cmap, &[0, 1, 3, 1, 0, 12]);
    cmap.extend(sub);
    // name: family (1), full name (4) and PostScript name (6).
    let utf16: Vec<u8> = family.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let n = u16::try_from(utf16.len()).unwrap();
    let mut name = Vec::new();
    u16s(&mut name, &[0, 3, 6 + 12 * 3]);
    for id in [1, 4, 6] {
        u16s(&mut name, &[3, 1, 0x409, id, n, 0]);
    }
    name.extend_from_slice(&utf16);
    let tables: [(&[u8; 4], Vec<u8>); 8] = [
        (b"cmap", cmap),
        (b"glyf", glyf),
        (b"head", head),
        (b"hhea", hhea),
        (b"hmtx", hmtx),
        (b"loca", loca),
        (b"maxp", maxp),
        (b"name", name),
    ];
    let mut font = Vec::new();
    u16s(&mut font, &[1, 0, 8, 128, 3, 0]);
    let mut offset = 12 + 16 * tables.len();
    let mut body = Vec::new();
    for (tag, data) in &tables {
        font.extend_from_slice(*tag);
        font.extend_from_slice(&[0; 4]);
        font.extend_from_slice(&u32::try_from(offset).unwrap().to_be_bytes());
        font.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        offset = 12 + 16 * tables.len() + body.len();
    }
    font.extend(body);
    font
}

/// The 宋体 chain of the Xinjiang style is a font that has the letter A and nothing else (no
/// combining acute U+0301, no precomposed Á); the Chinese fonts are still installed. `A` +
/// U+0301 in a text cell: a face of the set covers each character, so the check passed
/// character by character, and the build drew the mark as an empty box (Typst shapes the
/// letter and its mark together, and falls back by the letter to the same font). Both now
/// print the canonical composition Á, which the Chinese font has: check and build agree, and
/// the table is printed.
#[test]
fn a_combining_mark_is_printed_composed_and_check_agrees_with_build() {
    use jixiao::workspace::{BuildOptions, Options, Workspace, quiet};
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    common::copy_dir(Path::new(TEMPLATES), &templates);
    let fonts = dir.path().join("fonts");
    std::fs::create_dir_all(&fonts).unwrap();
    std::fs::write(fonts.join("jxtiny.ttf"), tiny_font("JxTiny", &['A'])).unwrap();
    let style = templates.join("xinjiang/style.yaml");
    let text = std::fs::read_to_string(&style).unwrap();
    let changed: Vec<&str> = text
        .lines()
        .map(|l| {
            if l.starts_with("  宋体:") {
                "  宋体: [JxTiny]"
            } else {
                l
            }
        })
        .collect();
    std::fs::write(&style, changed.join("\n")).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let yaml =
        std::fs::read_to_string(Path::new(TEMPLATES).join("../data/2023-kuerle-rendaban.yaml"))
            .unwrap()
            .replacen("负责人: 韩玲艳", "负责人: 韩玲艳A\u{301}", 1);
    assert!(yaml.contains('\u{301}'));
    std::fs::write(data.join("a.yaml"), yaml).unwrap();
    let mut ws = Workspace::open(Options {
        data,
        out: dir.path().join("out"),
        templates: None,
        font_paths: Vec::new(),
    });
    let checked = ws.check();
    let show = |o: &jixiao::workspace::Outcome| {
        let mut s = show(&found_in(&o.sources, &o.diagnostics));
        for d in &o.departments {
            s.push_str(&format!("\n{:?}", d.status));
        }
        s
    };
    assert!(!checked.failed(), "check:\n{}", show(&checked));
    let built = ws.build(&BuildOptions::default(), &quiet);
    assert!(!built.failed(), "build:\n{}", show(&built));
    assert!(
        dir.path()
            .join("out/2023/库尔勒市人大常委会办公室/项目支出绩效目标表.pdf")
            .is_file()
    );

    // A mark that has no precomposed letter (U+0332 COMBINING LOW LINE): the check refuses
    // it at its line, as the build would.
    let file = dir.path().join("data/a.yaml");
    let yaml = std::fs::read_to_string(&file)
        .unwrap()
        .replacen("A\u{301}", "A\u{332}", 1);
    std::fs::write(&file, &yaml).unwrap();
    let checked = ws.check();
    let found = found_in(&checked.sources, &checked.diagnostics);
    let f = fires(&found, "JX120", line_of(&yaml, "韩玲艳A"));
    assert!(f.message.contains("U+0041 U+0332"), "{}", f.message);
    assert!(f.message.contains("字体链"), "{}", f.message);
}

// ---------------------------------------------------------------------------------------------
// Every problem of a file in one run (issue 21, item 3)

/// Five independent slips and a misspelt key in one file: one `check` reports each at its
/// line, with a suggestion where a known key or value is near, and no arithmetic rule speaks
/// about the numbers that could not be read.
#[test]
fn every_slip_of_a_file_is_reported_in_one_run() {
    let text = XINJIANG
        .replacen("  - 名称: 项目甲\n", "  - 名称:\n", 1)
        .replacen("财政拨款: 10,", "财政拨款: 1万,", 1)
        .replacen(
            "权重: 30, 赋分规则: 按照正常比例赋分",
            "权重: 30分, 赋分规则: 按照正常比例赋分",
            1,
        )
        .replacen("佐证资料: [原始凭证]", "佐证资料: [原始凭正]", 1)
        .replacen(
            "三级: 社会效益, 指标值: 有效提高",
            "三级: 社会效益, 指标值: ",
            1,
        )
        .replacen("上年完成值: 5万元", "上年完成: 5万元", 1);
    let found = check_files(&[("a.yaml", &text)]);
    let errors: Vec<(&str, usize, &str)> = found
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.code, f.line, f.message.as_str()))
        .collect();
    let has = |code: &str, line: usize, words: &str| {
        errors
            .iter()
            .any(|(c, l, m)| *c == code && *l == line && m.contains(words))
    };
    assert!(has("JX103", 5, ""), "empty 名称: {errors:#?}");
    assert!(has("JX011", 7, "1万"), "1万: {errors:#?}");
    assert!(has("JX011", 10, "30分"), "30分: {errors:#?}");
    assert!(has("JX210", 11, "原始凭正"), "佐证资料: {errors:#?}");
    assert!(
        has("JX010", 11, "是不是“上年完成值”"),
        "上年完成: {errors:#?}"
    );
    assert!(has("JX103", 12, ""), "empty 指标值: {errors:#?}");
    // The numbers that did not read stand in as zero: no sum, weight or score rule runs on them.
    for (code, line, message) in &errors {
        let n: u32 = code[2..].parse().unwrap();
        assert!(
            !(211..=213).contains(&n) && !(300..=499).contains(&n),
            "arithmetic on a damaged file: {code} line {line}: {message}"
        );
    }
    assert_eq!(errors.len(), 6, "exactly the six slips: {errors:#?}");
}

/// A damaged file is never built, while a good one next to it is.
#[test]
fn a_damaged_file_is_not_built_but_its_neighbour_is() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(
        data.join("a.yaml"),
        XINJIANG.replacen("财政拨款: 10,", "财政拨款: 1万,", 1),
    )
    .unwrap();
    std::fs::write(
        data.join("b.yaml"),
        XINJIANG.replacen("测试部门", "另一部门", 1),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = common::build(&data, &out, &[]);
    let err = common::stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("JX011"), "{err}");
    let built = common::outputs_below(&out);
    assert!(
        built
            .iter()
            .any(|p| p.to_string_lossy().contains("另一部门")),
        "{built:?}"
    );
    assert!(
        !built
            .iter()
            .any(|p| p.to_string_lossy().contains("测试部门")),
        "{built:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// JX8xx and the department-wide part (部门整体): its indicators and self-evaluation are checked
// as a project's.

/// The department with a department-wide part (national style), which checks clean.
fn wide() -> &'static str {
    crate::fields::WIDE
}

/// `text` with `from` replaced by `to` inside the department-wide part only.
fn edit_wide(from: &str, to: &str) -> String {
    let at = wide().find("部门整体:").unwrap();
    let (head, tail) = wide().split_at(at);
    format!("{head}{}", edit(tail, from, to))
}

/// The 1-based line of the first line at or after the department-wide part that is exactly
/// `line`.
fn wide_line(text: &str, line: &str) -> usize {
    let start = text.lines().position(|l| l == "部门整体:").unwrap();
    start
        + 1
        + text
            .lines()
            .skip(start)
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("no line “{line}”"))
}

/// The repository's templates with `setting` added to the national style.
fn national_with(setting: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(Path::new(TEMPLATES), dir.path());
    let style = dir.path().join("national/style.yaml");
    let text = std::fs::read_to_string(&style).unwrap();
    std::fs::write(&style, format!("{text}\n{setting}\n")).unwrap();
    dir
}

#[test]
fn a_department_wide_part_checks_clean() {
    clean(&check_yaml(wide()));
}

#[test]
fn jx801_basic_and_project_spending_add_up_to_the_total() {
    let d = check_yaml(&edit_wide("基本支出: 470", "基本支出: 460"));
    let f = fires(&d, "JX801", wide_line(wide(), "    合计: 520"));
    assert!(f.message.contains("460") && f.message.contains("510") && f.message.contains("520"));
    silent(&check_yaml(wide()), "JX801");
    // One alone may not exceed the total.
    let text = edit_wide("  基本支出: 470\n  项目支出: 50", "  项目支出: 600");
    let d = check_yaml(&text);
    fires(&d, "JX801", wide_line(&text, "  项目支出: 600"));
    // A file with format problems is not judged by its arithmetic: its unreadable 基本支出
    // stands in as 0.
    let d = check_yaml(&edit_wide("基本支出: 470", "基本支出: 470万"));
    silent(&d, "JX801");
}

#[test]
fn jx804_a_stated_subtotal_or_total_of_a_composition_equals_its_rows() {
    silent(&check_yaml(wide()), "JX804");
    // A subtotal that does not add up, at its figure's line.
    let line = "    - {名称: 按收入性质分, 分组: 按收入性质分, 汇总: 小计, 本年: 520, 上年: 495}";
    let text = edit_wide(line, &line.replace("上年: 495", "上年: 490"));
    let d = check_yaml(&text);
    let f = fires(
        &d,
        "JX804",
        wide_line(&text, &line.replace("上年: 495", "上年: 490")),
    );
    assert!(
        f.message.contains("490") && f.message.contains("495"),
        "{}",
        f.message
    );
    assert_eq!(d.iter().filter(|f| f.code == "JX804").count(), 1);
    // The total too.
    let total = "    - {名称: 合计, 汇总: 合计, 本年: 520, 上年: 495}";
    let text = edit_wide(total, &total.replace("本年: 520", "本年: 530"));
    fires(
        &check_yaml(&text),
        "JX804",
        wide_line(&text, &total.replace("本年: 520", "本年: 530")),
    );
    // A partly filled form needs no made-up 0: with 上年 left out of a row and of the stated
    // figures, the column adds up what is there.
    let part = edit_wide(
        "    - {名称: 其他收入, 分组: 按收入性质分, 本年: 20, 上年: 15}",
        "    - {名称: 其他收入, 分组: 按收入性质分, 本年: 20}",
    );
    let text = part.replace("本年: 520, 上年: 495}", "本年: 520}");
    let d = check_yaml(&text);
    silent(&d, "JX804");
    silent(&d, "JX805");
    // A stated figure is compared with the rows filled so far, as the table adds them.
    let d = check_yaml(&part);
    assert_eq!(d.iter().filter(|f| f.code == "JX804").count(), 2);
}

#[test]
fn jx805_a_composition_adds_up_to_the_department_s_money() {
    silent(&check_yaml(wide()), "JX805");
    let text = edit_wide(
        "    - {名称: 基本支出, 本年: 470, 上年: 460}",
        "    - {名称: 基本支出, 本年: 460, 上年: 460}",
    );
    let d = check_yaml(&text);
    let f = fires(&d, "JX805", wide_line(&text, "    合计: 520"));
    assert!(
        f.message.contains("510") && f.message.contains("520"),
        "{}",
        f.message
    );
    // A composition with no 本年 filled in yet is not judged.
    let text = edit_wide(
        "    - {名称: 基本支出, 本年: 470, 上年: 460}",
        "    - {名称: 基本支出, 上年: 460}",
    );
    let text = text.replace("    - {名称: 项目支出, 本年: 50}", "    - {名称: 项目支出}");
    silent(&check_yaml(&text), "JX805");
}

#[test]
fn jx802_tasks_add_up_to_the_department_s_money() {
    // The total.
    let text = edit_wide("        财政拨款: 450", "        财政拨款: 440");
    let d = check_yaml(&text);
    let f = fires(&d, "JX802", wide_line(&text, "    合计: 520"));
    assert!(
        f.message.contains("510") && f.message.contains("520"),
        "{}",
        f.message
    );
    // Source by source, at the department's figure, when the totals agree.
    let text = edit_wide(
        "        财政拨款: 450\n        其他资金: 20",
        "        财政拨款: 430\n        其他资金: 40",
    );
    let d = check_yaml(&text);
    let f = fires(&d, "JX802", wide_line(&text, "    财政拨款: 500"));
    assert!(
        f.message.contains("财政拨款") && f.message.contains("480"),
        "{}",
        f.message
    );
    fires(&d, "JX802", wide_line(&text, "    其他资金: 20"));
    // A task without amounts (a form still being filled) is not added up.
    let text = edit_wide("      资金:\n        财政拨款: 50\n", "");
    silent(&check_yaml(&text), "JX802");
    silent(&check_yaml(wide()), "JX802");
}

#[test]
fn jx802_a_style_may_add_the_tasks_up_to_the_project_spending() {
    let templates = national_with("department: {tasks_add_up_to: 项目支出}");
    let d = check_files_with(templates.path(), &[("a.yaml", wide())]);
    let f = fires(&d, "JX802", wide_line(wide(), "  项目支出: 50"));
    assert!(
        f.message.contains("520") && f.message.contains("项目支出"),
        "{}",
        f.message
    );
    // Tasks of the project spending only.
    let text = edit_wide(
        "    - 任务名称: 机关运行保障\n      部门职能: 机关运转\n      主要内容: 保障机关正常运转\n      资金:\n        财政拨款: 450\n        其他资金: 20\n",
        "",
    );
    let d = check_files_with(templates.path(), &[("a.yaml", &text)]);
    silent(&d, "JX802");
    clean(&d);
    // Without a 项目支出 to add up to, the style's requirement is reported.
    let text = edit_wide("  基本支出: 470\n  项目支出: 50\n", "");
    let d = check_files_with(templates.path(), &[("a.yaml", &text)]);
    fires(&d, "JX102", wide_line(&text, "部门整体:"));
}

#[test]
fn jx803_a_task_names_projects_of_the_same_file() {
    let text = edit_wide("支出项目: [项目甲]", "支出项目: [项目乙]");
    let d = check_yaml(&text);
    let f = fires(&d, "JX803", wide_line(&text, "      支出项目: [项目乙]"));
    assert!(f.message.contains("项目乙"), "{}", f.message);
    assert!(f.help.contains("是不是“项目甲”"), "{}", f.help);
    let text = edit_wide("支出项目: [项目甲]", "支出项目: [全然不同的名字]");
    let f = fires(
        &check_yaml(&text),
        "JX803",
        wide_line(&text, "      支出项目: [全然不同的名字]"),
    )
    .clone();
    assert!(f.help.contains("本文件的项目：项目甲"), "{}", f.help);
    silent(&check_yaml(wide()), "JX803");
}

#[test]
fn jx419_a_stated_grade_is_the_one_the_total_gives() {
    let text = edit_wide("    等级: 优", "    等级: 良");
    let d = check_yaml(&text);
    let f = fires(&d, "JX419", wide_line(&text, "    等级: 良"));
    assert!(
        f.message.contains("优") && f.message.contains("100"),
        "{}",
        f.message
    );
    // Only 优, 良, 中, 差.
    let text = edit_wide("    等级: 优", "    等级: 甲");
    fires(
        &check_yaml(&text),
        "JX110",
        wide_line(&text, "    等级: 甲"),
    );
    // A project's self-evaluation may state its grade too: 98 is 优.
    let text = edit(
        ANHUI,
        "      总分: 98\n",
        "      总分: 98\n      等级: 良\n",
    );
    fires(&check_yaml(&text), "JX419", line_of(&text, "等级: 良"));
    silent(
        &check_yaml(&edit(
            ANHUI,
            "      总分: 98\n",
            "      总分: 98\n      等级: 优\n",
        )),
        "JX419",
    );
    silent(&check_yaml(wide()), "JX419");
}

#[test]
fn the_department_s_indicators_are_checked_as_a_project_s() {
    // Taxonomy.
    let text = edit_wide(
        "一级: 产出指标, 二级: 数量指标, 三级: 完成任务数",
        "一级: 产出, 二级: 数量指标, 三级: 完成任务数",
    );
    let d = check_yaml(&text);
    fires(
        &d,
        "JX201",
        wide_line(
            &text,
            "    - {一级: 产出, 二级: 数量指标, 三级: 完成任务数, 指标值: =2项, 权重: 50}",
        ),
    );
    // Weights: the total and per 一级, at the part's key, naming the part.
    let text = edit_wide(
        "三级: 完成任务数, 指标值: =2项, 权重: 50",
        "三级: 完成任务数, 指标值: =2项, 权重: 40",
    );
    let d = check_yaml(&text);
    let at = wide_line(&text, "部门整体:");
    assert!(
        fires(&d, "JX212", at)
            .message
            .contains("部门整体的指标权重合计 80")
    );
    fires(&d, "JX213", at);
    // Vocabularies.
    let text = edit_wide(
        "指标值: 有效提高, 权重: 30}",
        "指标值: 有效提高, 权重: 30, 依据: 计划}",
    );
    fires(
        &check_yaml(&text),
        "JX207",
        wide_line(
            &text,
            "    - {一级: 效益指标, 二级: 社会效益指标, 三级: 履职效果, 指标值: 有效提高, 权重: 30, 依据: 计划}",
        ),
    );
    // The self-evaluation: execution rate, total, references.
    let text = edit_wide("    执行率: 100%", "    执行率: 90%");
    fires(
        &check_yaml(&text),
        "JX410",
        wide_line(&text, "    执行率: 90%"),
    );
    let text = edit_wide("    总分: 100", "    总分: 99");
    fires(
        &check_yaml(&text),
        "JX413",
        wide_line(&text, "    总分: 99"),
    );
    let text = edit_wide(
        "{指标: 群众满意度, 实际完成值: 95%",
        "{指标: 群众满意程度, 实际完成值: 95%",
    );
    let d = check_yaml(&text);
    let f = fires(
        &d,
        "JX401",
        wide_line(
            &text,
            "      - {指标: 群众满意程度, 实际完成值: 95%, 得分: 10}",
        ),
    );
    assert!(
        f.message.contains("部门整体没有名为“群众满意程度”的指标"),
        "{}",
        f.message
    );
    silent(&check_yaml(wide()), "JX212");
}

#[test]
fn a_style_may_require_the_department_wide_part() {
    let templates = national_with("department: {required: true}");
    let project_only = &wide()[..wide().find("部门整体:").unwrap()];
    let d = check_files_with(templates.path(), &[("a.yaml", project_only)]);
    let f = fires(&d, "JX102", 1);
    assert!(f.message.contains("要求填写部门整体"), "{}", f.message);
    clean(&check_files_with(templates.path(), &[("a.yaml", wide())]));
    // Optional by default: project files keep working unchanged.
    clean(&check_yaml(project_only));
}

/// The example of `部门整体` in docs/data-format.md checks clean in the national style, beside
/// the project it names.
#[test]
fn the_documented_department_wide_example_checks_clean() {
    let doc = std::fs::read_to_string(common::repo().join("docs/data-format.md")).unwrap();
    let start = doc.find("```yaml\n部门整体:").unwrap() + "```yaml\n".len();
    let example = &doc[start..start + doc[start..].find("```").unwrap()];
    let head = crate::fields::WIDE[..crate::fields::WIDE.find("部门整体:").unwrap()]
        .replace("项目甲", "人大代表履职服务经费");
    clean(&check_yaml(&format!("{head}{example}")));
}

/// A near miss in a style's vocabulary is answered with the word it is near (issue 25).
#[test]
fn a_misspelt_value_gets_the_nearest_allowed_one() {
    let text = XINJIANG
        .replacen("一级: 效益指标", "一级: 效益指", 1)
        .replacen("二级: 数量指标", "二级: 数量指", 1)
        .replacen("依据: 计划标准", "依据: 计划标注", 1)
        .replacen("赋分规则: 满意度赋分", "赋分规则: 满意度付分", 1)
        .replacen("佐证资料: [原始凭证]", "佐证资料: [原始凭正]", 1);
    let found = check_files(&[("a.yaml", &text)]);
    for (code, near) in [
        ("JX201", "是不是“效益指标”？"),
        ("JX202", "是不是“数量指标”？"),
        ("JX207", "是不是“计划标准”？"),
        ("JX209", "是不是“满意度赋分”？"),
        ("JX210", "是不是“原始凭证”？"),
    ] {
        assert!(
            found
                .iter()
                .any(|f| f.code == code && f.message.contains(near)),
            "{code} {near}: {found:#?}"
        );
    }
    let found = check_files(&[(
        "a.yaml",
        &XINJIANG.replacen("样式: xinjiang", "样式: xinjang", 1),
    )]);
    assert!(
        found
            .iter()
            .any(|f| f.code == "JX101" && f.message.contains("是不是“xinjiang”？")),
        "{found:#?}"
    );
}

/// The repository's templates with the anhui style's `from` replaced by `to`; the style's
/// text after the edit.
fn anhui_with(from: &str, to: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(Path::new(TEMPLATES), dir.path());
    let style = dir.path().join("anhui/style.yaml");
    let text = std::fs::read_to_string(&style).unwrap();
    assert!(text.contains(from), "{from}");
    let text = text.replacen(from, to, 1);
    std::fs::write(&style, &text).unwrap();
    (dir, text)
}

fn anhui_data() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/anhui/data/2024-示例文旅局.yaml"),
    )
    .unwrap()
}

#[test]
fn a_fund_block_is_checked_in_the_style() {
    let data = anhui_data();
    let (t, _) = anhui_with(
        "income_equals_spending: true",
        "income_equals_spending: true",
    );
    clean(&check_files_with(t.path(), &[("a.yaml", &data)]));
    // A column with two formulas.
    let (t, style) = anhui_with(
        "- {label: 占比, share: 本年}",
        "- {label: 占比, share: 本年, sum: 上年}",
    );
    let d = check_files_with(t.path(), &[("a.yaml", &data)]);
    style_fires(&d, "JX506", line_of(&style, "share: 本年, sum: 上年"));
    // A figure a row does not have.
    let (t, style) = anhui_with(
        "{label: 上年金额, sum: 上年}",
        "{label: 上年金额, sum: 去年}",
    );
    let d = check_files_with(t.path(), &[("a.yaml", &data)]);
    style_fires(&d, "JX502", line_of(&style, "sum: 去年"));
    // Too wide for the table.
    let (t, style) = anhui_with(
        "{label: 本年金额, sum: 本年}",
        "{label: 本年金额, sum: 本年, span: 2}",
    );
    let d = check_files_with(t.path(), &[("a.yaml", &data)]);
    assert!(
        d.iter()
            .any(|f| f.code == "JX503" && f.file == "style.yaml"),
        "{}",
        show(&d)
    );
    let _ = style;
}

#[test]
fn jx805_income_equals_spending_where_the_style_asks() {
    let data = anhui_data();
    let line = "    - {名称: 公共文化服务, 分组: 项目支出, 本年: 40, 上年: 40}";
    let text = data.replacen(line, &line.replace("本年: 40", "本年: 45"), 1);
    let (t, _) = anhui_with(
        "income_equals_spending: true",
        "income_equals_spending: true",
    );
    let d = check_files_with(t.path(), &[("a.yaml", &text)]);
    let f: Vec<&Found> = d.iter().filter(|f| f.code == "JX805").collect();
    assert!(
        f.iter()
            .any(|f| f.message.contains("收入合计 300") && f.message.contains("支出合计 305")),
        "{}",
        show(&d)
    );
    let (t, _) = anhui_with(
        "income_equals_spending: true",
        "income_equals_spending: false",
    );
    let d = check_files_with(t.path(), &[("a.yaml", &text)]);
    assert!(
        !d.iter()
            .any(|f| f.code == "JX805" && f.message.contains("收入合计")),
        "{}",
        show(&d)
    );
    // The stated 小计 and 合计 of the spending no longer add up either (JX804).
    let lines: Vec<&str> = text.lines().collect();
    let total = lines
        .iter()
        .rposition(|l| l.contains("名称: 合计, 汇总: 合计, 本年: 300"))
        .unwrap();
    let f = fires(&d, "JX804", total + 1);
    assert!(f.message.contains("305"), "{}", f.message);
}

/// The formulas a style declares over a `fund` block's columns (the vocabulary fixture's
/// 拨付结余 table; see `fund_formulas`).
#[test]
fn jx806_a_stated_figure_is_checked_against_the_declared_formula() {
    use super::fund_formulas::{check_with, column_of, fixture_data, fixture_style};
    let (style, data) = (fixture_style(), fixture_data());
    silent(&check_with(&style, &data), "JX806");
    // 合计 and 拨付率 of 市级 that do not follow ④ = ① + ② and ⑥ = ⑤ / ④.
    let row = "{名称: 市级, 年初预算: 40, 调整: -2.5, 合计: 37.5, 实际拨付: 35.5, 拨付率: 94.67%";
    let bad = row
        .replace("合计: 37.5", "合计: 38")
        .replace("94.67%", "95.5%");
    let text = edit(&data, row, &bad);
    let d = check_with(&style, &text);
    let at = line_of(&text, &bad);
    let total = fires(&d, "JX806", at);
    assert!(
        d.iter()
            .any(|f| f.code == "JX806" && f.line == at && f.column == column_of(&text, "38,"))
    );
    assert!(
        total.message.contains("市级")
            && total.message.contains("① + ②")
            && total.message.contains("37.5"),
        "{}",
        total.message
    );
    let rate = d
        .iter()
        .find(|f| f.code == "JX806" && f.column == column_of(&text, "95.5%"))
        .expect("the stated 拨付率 is reported at its figure");
    assert!(
        rate.message.contains("95.5%") && rate.message.contains("94.67%"),
        "{}",
        rate.message
    );
    // One wrong figure is reported once: 结余 and 结余率 of 市级 are judged against the
    // computed 合计, as the table prints them.
    assert_eq!(d.iter().filter(|f| f.code == "JX806").count(), 2, "{d:?}");
    // Stated at the precision written: 94.67% and 94.7% both agree with 35.5 ÷ 37.5.
    let ok = edit(&data, row, &row.replace("94.67%", "94.7%"));
    silent(&check_with(&style, &ok), "JX806");
    // The stated total row is compared too (its 结余 against 合计 − 实际拨付).
    let d = check_with(&style, &edit(&data, "结余: 4}", "结余: 5}"));
    assert!(
        d.iter()
            .any(|f| f.code == "JX806" && f.message.contains("合计"))
    );
}
