//! The style vocabulary, tried the way a finance bureau would try it: the fixture style
//! `tests/fixtures/vocabulary/templates/every/style.yaml` uses every setting, block and option
//! of `src/style/mod.rs` at least once (a form without 满意度, money in 元 with thousands
//! separators, per-row execution rates, split sign/number/unit columns, blank results, coded
//! values, signatures, and a department table grouped by 实施单位 with subtotals and a rounded
//! total). The fixture is built with the binary; the cells are read back from the xlsx with
//! calamine and the words from the PDF with `pdftotext` (poppler-utils).
//!
//! [`every_option_of_the_vocabulary_is_used`] keeps the fixture complete: a new setting in
//! `src/style/mod.rs` that the fixture does not use fails it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use calamine::{Data, HorizontalAlignment, Reader, TextRotation, Xlsx, open_workbook};

type Pos = (u32, u32);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn fixture() -> PathBuf {
    repo().join("tests/fixtures/vocabulary")
}

fn jixiao(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .output()
        .expect("run the jixiao binary")
}

/// `jixiao build <data> --templates <templates> --out <out>`.
fn build(data: &Path, templates: &Path, out: &Path) -> Output {
    jixiao(&[
        "build".as_ref(),
        data.as_os_str(),
        "--templates".as_ref(),
        templates.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch directory below `$CARGO_TARGET_TMPDIR/vocabulary` ([`common::scratch_in`]).
fn scratch(name: &str) -> PathBuf {
    crate::common::scratch_in("vocabulary", name)
}

/// The department's output directory of the fixture, built once per test binary.
pub(crate) fn built() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = scratch("out");
        let o = build(&fixture().join("data"), &fixture().join("templates"), &out);
        assert!(
            o.status.success(),
            "the vocabulary fixture must build:\n{}",
            stderr(&o)
        );
        out.join("2024/测试市体育局")
    })
}

// ---------------------------------------------------------------------------------------------
// Reading the outputs
// ---------------------------------------------------------------------------------------------

/// One worksheet: values, formulas, number formats, alignments and merges by absolute position.
pub(crate) struct Sheet {
    values: BTreeMap<Pos, Data>,
    formulas: BTreeMap<Pos, String>,
    formats: BTreeMap<Pos, String>,
    align: BTreeMap<Pos, calamine::Alignment>,
    merges: Vec<calamine::Dimensions>,
    /// The last row with a formatted (bordered) cell.
    last_row: u32,
}

pub(crate) fn workbook(file: &str) -> Vec<(String, Sheet)> {
    workbook_at(&built().join(file))
}

fn workbook_at(path: &Path) -> Vec<(String, Sheet)> {
    let file = path.display();
    let mut xlsx: Xlsx<_> =
        open_workbook(path).unwrap_or_else(|e| panic!("{file}: calamine cannot open it: {e}"));
    let mut out = Vec::new();
    // The tables; the very hidden sheet of the twin's data (for `jixiao import`) is not one.
    let tables: Vec<String> = xlsx
        .sheets_metadata()
        .iter()
        .filter(|s| s.visible == calamine::SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect();
    for name in tables {
        let range = xlsx.worksheet_range(&name).unwrap();
        let start = range.start().unwrap_or((0, 0));
        let values: BTreeMap<Pos, Data> = range
            .used_cells()
            .filter(|(_, _, v)| !matches!(v, Data::Empty))
            .map(|(r, c, v)| ((start.0 + r as u32, start.1 + c as u32), v.clone()))
            .collect();
        let f = xlsx.worksheet_formula(&name).unwrap();
        let fstart = f.start().unwrap_or((0, 0));
        let formulas = f
            .used_cells()
            .filter(|(_, _, f)| !f.is_empty())
            .map(|(r, c, f)| ((fstart.0 + r as u32, fstart.1 + c as u32), f.clone()))
            .collect();
        let styles = xlsx.worksheet_style(&name).unwrap();
        let mut formats = BTreeMap::new();
        let mut align = BTreeMap::new();
        for &pos in values.keys() {
            let style = styles.get(pos);
            if let Some(n) = style.and_then(|s| s.number_format.as_ref()) {
                formats.insert(pos, n.format_code.clone());
            }
            if let Some(a) = style.and_then(|s| s.alignment.as_ref()) {
                align.insert(pos, a.clone());
            }
        }
        let merges = xlsx.merge_cells_by_sheet_name(&name).unwrap();
        let last_row = styles.end().map_or(0, |e| e.0);
        out.push((
            name,
            Sheet {
                values,
                formulas,
                formats,
                align,
                merges,
                last_row,
            },
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// 部门整体支出绩效自评表 (only: department_wide_evaluated; a money block of 部门整体)
// ---------------------------------------------------------------------------------------------

#[test]
fn department_self_evaluation_prints_the_parts_money_and_sums_its_scores() {
    let book = workbook(&format!("{DEPT_EVAL}.xlsx"));
    let s = &book[0].1;
    // The money block: the total row first, then the sources the part fills, in 元.
    let budget = s.find("全年预算数");
    let total = s.find("合计");
    assert_eq!(total.0, budget.0 + 1);
    let own = s.find("其中：财政资金");
    let other = s.find("其他资金");
    assert_eq!((own.0, other.0), (total.0 + 1, total.0 + 2));
    assert!(s.find_all("财政专户管理资金").is_empty(), "sources: filled");
    assert_close(
        s.number((own.0, budget.1)),
        1_000_000.0,
        "财政资金 全年预算",
    );
    assert_close(
        s.number((other.0, budget.1 + 1)),
        25_000.0,
        "其他资金 全年执行",
    );
    assert_close(s.number((total.0, budget.1)), 1_025_000.0, "合计 全年预算");
    assert_close(
        s.number((total.0, budget.1 + 1)),
        985_000.0,
        "合计 全年执行",
    );
    assert!(s.formula((total.0, budget.1)).starts_with("SUM("));
    // 执行率 per row, a formula; 得分 only on the total row (full marks from 95%).
    assert_close(
        s.number((total.0, budget.1 + 2)),
        985_000.0 / 1_025_000.0,
        "执行率",
    );
    assert!(s.formula((total.0, budget.1 + 2)).contains('/'));
    let exec = (total.0, budget.1 + 3);
    assert_close(s.number(exec), 10.0, "执行得分");
    s.assert_blank((own.0, budget.1 + 3), "a source row's 得分");
    // The part's indicators, then 总分: the grade, 100 points, the sum of every printed score.
    s.find("举办赛事场次");
    let sum = s.find("总分");
    assert_eq!(s.text((sum.0, sum.1 + 3)), "优");
    assert_close(s.number((sum.0, sum.1 + 4)), 100.0, "总分值");
    let score = (sum.0, sum.1 + 5);
    assert_close(s.number(score), 97.0, "总分");
    let f = s.formula(score);
    assert!(f.starts_with("SUM("), "总分: {f}");
    let exec_cell = format!(
        "{}{}",
        char::from(b'A' + u8::try_from(exec.1).unwrap()),
        exec.0 + 1
    );
    assert!(
        f.contains(&exec_cell),
        "总分 {f} sums the execution score {exec_cell}"
    );
}

// ---------------------------------------------------------------------------------------------
// 中期与年度绩效目标表 (a money block and a grid with source: 中期, then the 年度 grid)
// ---------------------------------------------------------------------------------------------

#[test]
fn medium_term_and_annual_blocks_print_one_after_the_other_each_merged() {
    let book = workbook(&format!("{MID}.xlsx"));
    let s = sheet(&book, "体育场馆维修");
    // 中期资金总额 beside 年度资金总额, both numbers in 元.
    let mid = s.find("中期资金总额");
    assert_close(s.number((mid.0, mid.1 + 1)), 440_002.1, "中期资金总额");
    assert_close(s.number((mid.0, mid.1 + 3)), 220_001.05, "年度资金总额");
    // 中期目标 numbered beside the 年度 goal.
    s.find("目标1：两年内完成全市三座体育场馆的维修改造。\n目标2：场馆全年开放，服务群众健身。");
    // The money block of 中期资金: the total a SUM over the two filled sources.
    let total = s.find("合计");
    assert_close(s.number((total.0, total.1 + 1)), 440_002.1, "中期资金 合计");
    assert!(s.formula((total.0, total.1 + 1)).starts_with("SUM("));
    assert_close(
        s.number((total.0 + 2, total.1 + 1)),
        40_002.0,
        "中期 其他资金",
    );
    // The 中期 block: its label and its 一级 and 二级 merged over their rows, then the 年度 block
    // with its own label; no indicator of one block appears in the other.
    let mid_label = s.find("中期\n指标");
    let first = s.find("维修场馆数量");
    assert_eq!(first.0, mid_label.0);
    assert_eq!(s.rowspan(mid_label), 3);
    assert_eq!(
        s.rowspan((first.0, first.1 - 2)),
        2,
        "预期产出指标 over two 中期 rows"
    );
    assert_eq!(
        s.rowspan((first.0, first.1 - 1)),
        2,
        "数量指标 over two 中期 rows"
    );
    assert_eq!(s.text((first.0, first.1 + 1)), "=3座");
    let year_label = s.find("年度\n指标");
    assert_eq!(year_label.0, mid_label.0 + 3);
    assert_eq!(s.rowspan(year_label), 3);
    assert_eq!(s.find("维修面积").0, year_label.0);
    assert!(s.find("场馆年开放天数").0 < year_label.0);
    // A project without a 中期 block prints its 中期 rows blank.
    let other = sheet(&book, "青少年体育培训");
    other.assert_blank((other.find("中期资金总额").0, mid.1 + 1), "中期资金总额");
}

impl Sheet {
    /// The position of the first cell whose text is `text`.
    pub(crate) fn find(&self, text: &str) -> Pos {
        self.find_all(text)
            .first()
            .copied()
            .unwrap_or_else(|| panic!("no cell “{text}” in {:?}", self.values))
    }

    pub(crate) fn find_all(&self, text: &str) -> Vec<Pos> {
        self.values
            .iter()
            .filter(|(_, v)| matches!(v, Data::String(s) if s == text))
            .map(|(p, _)| *p)
            .collect()
    }

    pub(crate) fn text(&self, at: Pos) -> &str {
        match self.values.get(&at) {
            Some(Data::String(s)) => s,
            other => panic!("expected text at {at:?}, found {other:?}"),
        }
    }

    pub(crate) fn number(&self, at: Pos) -> f64 {
        match self.values.get(&at) {
            Some(Data::Float(f)) => *f,
            Some(Data::Int(i)) => *i as f64,
            other => panic!("expected a number at {at:?}, found {other:?}"),
        }
    }

    /// A blank cell: no value at all (never a 0).
    pub(crate) fn assert_blank(&self, at: Pos, what: &str) {
        assert!(
            !self.values.contains_key(&at),
            "{what} at {at:?} must be blank, found {:?}",
            self.values.get(&at)
        );
    }

    pub(crate) fn formula(&self, at: Pos) -> &str {
        self.formulas
            .get(&at)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no formula at {at:?}"))
    }

    pub(crate) fn format(&self, at: Pos) -> &str {
        self.formats.get(&at).map_or("General", String::as_str)
    }

    /// The rows a merged cell starting at `at` spans.
    pub(crate) fn rowspan(&self, at: Pos) -> u32 {
        self.merges
            .iter()
            .find(|d| d.start == at)
            .map_or(1, |d| d.end.0 - d.start.0 + 1)
    }
}

pub(crate) fn sheet<'a>(book: &'a [(String, Sheet)], name: &str) -> &'a Sheet {
    book.iter()
        .find(|(n, _)| n == name)
        .map(|(_, s)| s)
        .unwrap_or_else(|| {
            let names: Vec<&String> = book.iter().map(|(n, _)| n).collect();
            panic!("no sheet “{name}” in {names:?}")
        })
}

pub(crate) fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "{what}: {actual} ≠ {expected}"
    );
}

/// A PDF's text, without whitespace (table cells wrap).
pub(crate) fn pdf_text(file: &str) -> String {
    let o = Command::new("pdftotext")
        .arg(built().join(file))
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(o.status.success(), "pdftotext {file}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn pdf_info(file: &str) -> String {
    let o = Command::new("pdfinfo")
        .arg(built().join(file))
        .output()
        .expect("pdfinfo (poppler-utils) is installed");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const SELF_EVAL: &str = "项目支出绩效自评表";
const TARGET: &str = "2024年项目支出绩效目标表";
const SUMMARY: &str = "项目绩效目标汇总表";
const DEPT_WIDE: &str = "部门整体支出绩效目标表";
const DEPT_EVAL: &str = "部门整体支出绩效自评表";
const MID: &str = "中期与年度绩效目标表";

// ---------------------------------------------------------------------------------------------
// The build
// ---------------------------------------------------------------------------------------------

#[test]
fn fixture_checks_clean_and_builds_every_document() {
    let o = jixiao(&[
        "check".as_ref(),
        fixture().join("data").as_os_str(),
        "--templates".as_ref(),
        fixture().join("templates").as_os_str(),
    ]);
    let err = stderr(&o);
    assert!(o.status.success(), "check failed:\n{err}");
    // Clean, warnings included: a blank 完成值 the style allows compares with nothing (it used
    // to warn JX415 that the units differ).
    assert!(err.contains("0 个错误，0 个警告"), "{err}");
    let dir = built();
    for stem in [SELF_EVAL, TARGET, SUMMARY, DEPT_WIDE, DEPT_EVAL, MID] {
        for ext in ["pdf", "xlsx"] {
            let f = dir.join(format!("{stem}.{ext}"));
            assert!(f.is_file(), "{} was not written", f.display());
        }
    }
}

/// Several tables in one document: the 部门整体支出绩效目标表 `attach`es 附件二 (部门整体绩效指标表,
/// `alone: false`): one PDF with both tables, one xlsx with a sheet each; 附件二 is no file of
/// its own.
#[test]
fn an_attached_document_follows_in_the_same_file() {
    let dir = built();
    let book = workbook(&format!("{DEPT_WIDE}.xlsx"));
    assert_eq!(book.len(), 2, "one sheet per table");
    let second = &book[1].1;
    let title = second.find("测试市体育局部门整体绩效指标表");
    let heading = second.find("附件二");
    assert!(heading.0 < title.0, "the heading above the title");
    // Its grid: the department's indicators as a scoring rubric — a running 序号 (numbers),
    // the 二级's points in its cell, 指标分值 and 自评得分, and a 合计 row summing both.
    let l3 = second.find("三级指标");
    let v = second.find("指标值");
    assert_eq!(l3.0, v.0);
    let (no, points, score) = (
        second.find("序号").1,
        second.find("指标分值").1,
        second.find("自评得分").1,
    );
    let rows: Vec<u32> = ["举办赛事场次", "赛事安全事故", "群众参与度"]
        .iter()
        .map(|n| second.find(n).0)
        .collect();
    for (k, r) in rows.iter().enumerate() {
        assert_eq!(second.number((*r, no)), (k + 1) as f64, "序号 runs on");
    }
    second.find("数量指标(或建筑规模指标)(40分)");
    second.find("社会效益指标(30分)");
    let total = second.find("合计");
    assert_eq!(total.0, rows[2] + 1);
    assert_eq!(second.number((total.0, points)), 90.0);
    assert_eq!(second.number((total.0, score)), 87.0);
    let (first, last) = (rows[0] + 1, rows[2] + 1);
    let col = (b'A' + score as u8) as char;
    assert_eq!(
        second.formula((total.0, score)),
        format!("SUM({col}{first}:{col}{last})")
    );
    // The style's weight range printed with its level (weights.ranges, 一级.区间) under the
    // style's label: 效益指标 (效果指标) has one, 产出指标 (预期产出指标) none.
    second.find("效果指标(20-30)分");
    second.find("预期产出指标");
    let text = pdf_text(&format!("{DEPT_WIDE}.pdf"));
    let first = text
        .find("部门整体支出绩效目标表")
        .expect("the first table");
    let attached = text
        .find("部门整体绩效指标表")
        .expect("the attached table, in the same PDF");
    assert!(first < attached, "in the order the style names");
    for ext in ["pdf", "xlsx"] {
        let f = dir.join(format!("部门整体绩效指标表.{ext}"));
        assert!(!f.exists(), "{} is built alone", f.display());
    }
}

// ---------------------------------------------------------------------------------------------
// 项目支出绩效自评表 (each: project, only: evaluated)
// ---------------------------------------------------------------------------------------------

#[test]
fn self_evaluation_holds_only_evaluated_projects() {
    let book = workbook(&format!("{SELF_EVAL}.xlsx"));
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["青少年体育培训", "社区文化活动"]);
    let text = pdf_text(&format!("{SELF_EVAL}.pdf"));
    assert!(!text.contains("体育场馆维修"), "an unevaluated project");
}

#[test]
fn money_block_in_yuan_with_per_row_rates() {
    let book = workbook(&format!("{SELF_EVAL}.xlsx"));
    let s = sheet(&book, "青少年体育培训");
    let corner = s.find("资金来源");
    let col = |label: &str| {
        let at = s.find(label);
        assert_eq!(at.0, corner.0, "“{label}” is a heading of the money block");
        at.1
    };
    let (initial, budget, executed, rate, points, score, remark) = (
        col("年初预算数"),
        col("全年预算数（A）"),
        col("全年执行数（B）"),
        col("执行率（B/A）"),
        col("分值"),
        col("得分"),
        col("说明"),
    );
    // Custom fund sources with their labels, in the style's order; the total row last.
    let row = |label: &str| s.find(label).0;
    let own = row("其中：财政资金");
    let special = row("财政专户管理资金");
    let unit = row("单位资金");
    let other = row("其他资金");
    let total = row("年度资金总额");
    assert_eq!(
        [own, special, unit, other, total],
        [
            corner.0 + 1,
            corner.0 + 2,
            corner.0 + 3,
            corner.0 + 4,
            corner.0 + 5
        ]
    );
    // 万元 × 10,000 = 元, the exact value stored, two decimals shown.
    assert_close(s.number((own, initial)), 123_456.79, "财政资金 年初预算");
    assert_close(s.number((own, executed)), 120_000.0, "财政资金 全年执行");
    assert_close(s.number((special, budget)), 30_000.04, "专户 全年预算");
    for at in [(own, initial), (own, budget), (total, budget)] {
        let f = s.format(at);
        assert!(f.ends_with("0.00") && !f.ends_with("0.000"), "{at:?}: {f}");
    }
    // A rate on every row with money: B/A of the row, a live formula, one decimal.
    for (r, expected) in [
        (own, 120_000.0 / 123_456.79),
        (special, 27_000.0 / 30_000.04),
        (other, 1.0),
        (total, 162_000.0 / 168_456.83),
    ] {
        assert_close(s.number((r, rate)), expected, "执行率");
        assert_eq!(s.format((r, rate)), "0.0%");
        let f = s.formula((r, rate));
        assert!(f.contains('/') && f.contains(&(r + 1).to_string()), "{f}");
    }
    // `/` where a measure does not apply: the empty source, and 分值/得分 on source rows.
    for c in [budget, executed, rate, points, score] {
        assert_eq!(s.text((unit, c)), "/", "单位资金 column {c}");
    }
    s.assert_blank((unit, initial), "a measure without `blank`");
    for r in [own, special, other] {
        assert_eq!(s.text((r, points)), "/");
        assert_eq!(s.text((r, score)), "/");
        // A text measure on the source rows only.
        assert_eq!(s.text((r, remark)), "按实际支付列示");
    }
    assert_eq!(s.text((total, remark)), "/");
    // Totals are sums of the source rows; the score is the regional rule's (≥95%: full marks).
    assert_close(s.number((total, initial)), 168_456.83, "年初预算合计");
    assert!(s.formula((total, initial)).starts_with("SUM("));
    assert_close(s.number((total, budget)), 168_456.83, "全年预算合计");
    assert_eq!(s.number((total, points)), 10.0);
    assert_eq!(s.number((total, score)), 10.0);

    // The second project: 83.1% executed → the 80% tier, 8 points; an initial budget only
    // where the data has one.
    let s = sheet(&book, "社区文化活动");
    let total = s.find("年度资金总额").0;
    let unit = s.find("单位资金").0;
    assert_eq!(s.number((total, score)), 8.0);
    assert_close(s.number((unit, budget)), 1_000.01, "单位资金 全年预算");
    s.assert_blank((unit, initial), "单位资金 年初预算");
    assert_close(s.number((unit, rate)), 1.0, "单位资金 执行率");
}

#[test]
fn money_keeps_thousands_separators_in_the_pdf() {
    let text = pdf_text(&format!("{SELF_EVAL}.pdf"));
    for amount in [
        "123,456.79",
        "30,000.04",
        "168,456.83",
        "162,000.00",
        "1,000.01",
    ] {
        assert!(text.contains(amount), "{amount} missing");
    }
    assert!(
        text.contains("97.2%") && text.contains("96.2%"),
        "per-row rates"
    );
}

/// The plan asks for thousands separators on every money cell, sums included; the xlsx must
/// show them with a `#,##0.00` number format.
#[test]
fn money_keeps_thousands_separators_in_the_xlsx() {
    let book = workbook(&format!("{SELF_EVAL}.xlsx"));
    let s = sheet(&book, "青少年体育培训");
    let budget = s.find("全年预算数（A）").1;
    for label in ["其中：财政资金", "年度资金总额"] {
        let at = (s.find(label).0, budget);
        assert_eq!(s.format(at), "#,##0.00", "{label}");
    }
}

/// Columns of the indicator grid of the self-evaluation, by heading.
struct GridCols {
    level1: u32,
    level3: u32,
    sign: u32,
    number: u32,
    unit: u32,
    direction: u32,
    actual: u32,
    weight: u32,
    score: u32,
}

fn grid_cols(s: &Sheet) -> GridCols {
    let head = s.find("偏差原因分析及改进措施").0;
    let col = |label: &str| {
        s.find_all(label)
            .into_iter()
            .find(|p| p.0 == head || p.0 == head + 1)
            .unwrap_or_else(|| panic!("no heading “{label}”"))
            .1
    };
    GridCols {
        level1: col("一级指标"),
        level3: col("三级指标"),
        sign: col("符号"),
        number: col("数值"),
        unit: col("计量单位"),
        direction: col("指标方向"),
        actual: col("实际完成值"),
        weight: col("分值"),
        score: col("得分"),
    }
}

#[test]
fn targets_split_into_sign_number_unit_and_direction() {
    let book = workbook(&format!("{SELF_EVAL}.xlsx"));
    let s = sheet(&book, "青少年体育培训");
    let g = grid_cols(s);
    // The group heading over the three columns.
    let group = s.find("年度指标值");
    assert_eq!(group.1, g.sign);
    assert_eq!(s.find("符号").0, group.0 + 1);
    for (name, sign, number, unit, direction) in [
        ("指标1：培训合格率", "≥", 95.0, "%", "正向"),
        // Written `≥1,200人次`: the thousands separator read, the number a number.
        ("指标1：培训人次", "≥", 1200.0, "人次", "正向"),
        ("指标1：完成时间", "=", 12.0, "月", "持平"),
        ("指标1：人均培训成本", "≤", 140.0, "元/人", "反向"),
        ("指标1：带动相关消费", "≥", 50.0, "万元", "正向"),
    ] {
        let r = s.find(name).0;
        assert_eq!(s.find(name).1, g.level3);
        assert_eq!(s.text((r, g.sign)), sign, "{name}");
        // The number is a number cell, right-aligned as the style asks.
        assert_eq!(s.number((r, g.number)), number, "{name}");
        assert_eq!(
            s.align[&(r, g.number)].horizontal,
            HorizontalAlignment::Right,
            "{name}"
        );
        assert_eq!(s.text((r, g.unit)), unit, "{name}");
        assert_eq!(s.text((r, g.direction)), direction, "{name}");
    }
    // A qualitative target keeps its words in the number's place; its direction is `none`.
    let r = s.find("指标1：青少年体质提升").0;
    s.assert_blank((r, g.sign), "the sign of a qualitative target");
    assert_eq!(s.text((r, g.number)), "有效提升");
    assert_eq!(s.text((r, g.direction)), "定性");
}

#[test]
fn grid_numbers_pads_and_prints_level1_vertically_with_points() {
    let book = workbook(&format!("{SELF_EVAL}.xlsx"));
    let s = sheet(&book, "青少年体育培训");
    let g = grid_cols(s);
    // No 满意度: the style's own levels, 产出 60 + 效益 30 (printed with `labels`).
    let output = s.find("预期产出指标(60分)");
    assert_eq!(output.1, g.level1);
    assert_eq!(
        s.align[&output].text_rotation,
        TextRotation::Stacked,
        "vertical 一级"
    );
    assert!(s.find_all("满意度指标").is_empty());
    assert_eq!(s.find("效果指标(30分)").1, g.level1);
    // 4 二级 × (1 indicator + 1 numbered padding row + 1 ellipsis row); cut where the PDF's
    // page breaks, each piece repeating the label (the xlsx prints the PDF's pages).
    let rows = |label: &str| -> u32 { s.find_all(label).iter().map(|&p| s.rowspan(p)).sum() };
    assert_eq!(rows("预期产出指标(60分)"), 12);
    assert_eq!(rows("效果指标(30分)"), 6);
    // Written order: 质量 before 数量, 社会效益 before 经济效益.
    assert!(s.find("指标1：培训合格率").0 < s.find("指标1：培训人次").0);
    assert!(s.find("指标1：青少年体质提升").0 < s.find("指标1：带动相关消费").0);
    assert_eq!(
        s.find_all("指标2：").len(),
        6,
        "a numbered padding row per 二级"
    );
    assert_eq!(s.find_all("……").len(), 6, "an ellipsis row per 二级");
    let first = s.find("指标1：培训合格率").0;
    assert_eq!(s.text((first + 1, g.level3)), "指标2：");
    assert_eq!(s.text((first + 2, g.level3)), "……");
    // The label of 二级, relabelled.
    assert!(!s.find_all("数量指标(或建筑规模指标)").is_empty());
    // Scores: computed (培训人次 1300 ≥ 1200 → 20; 带动相关消费 45/50 × 15 = 13.5), stated.
    let score = |name: &str| s.number((s.find(name).0, g.score));
    assert_eq!(score("指标1：培训人次"), 20.0);
    assert_eq!(score("指标1：带动相关消费"), 13.5);
    assert_eq!(score("指标1：青少年体质提升"), 10.5);
    // 总分 = 10 (execution) + 84, a SUM over the printed scores; 等级 beside it.
    let sum = s.find("总分");
    assert_eq!(s.number((sum.0, g.weight)), 100.0);
    assert_eq!(s.number((sum.0, g.score)), 94.0);
    assert!(s.formula((sum.0, g.score)).starts_with("SUM("));
    assert_eq!(s.text((sum.0, g.score + 1)), "优");
}

#[test]
fn blank_results_print_blank_never_zero() {
    let book = workbook(&format!("{SELF_EVAL}.xlsx"));
    let s = sheet(&book, "社区文化活动");
    let g = grid_cols(s);
    // Stated without 完成值 or 得分.
    let r = s.find("指标1：活动覆盖率").0;
    s.assert_blank((r, g.actual), "完成值");
    s.assert_blank((r, g.score), "得分");
    assert_eq!(s.number((r, g.weight)), 30.0);
    // No result at all (results.required: false).
    let r = s.find("指标1：群众参与人数").0;
    s.assert_blank((r, g.actual), "完成值");
    s.assert_blank((r, g.score), "得分");
    // A result with 完成值 only: the score is computed.
    let r = s.find("指标1：举办活动场次").0;
    assert_eq!(s.text((r, g.actual)), "26场");
    assert_eq!(s.number((r, g.score)), 30.0);
    // 总分 needs every score: blank, and so is 等级.
    let sum = s.find("总分").0;
    assert_eq!(s.number((sum, g.weight)), 100.0);
    s.assert_blank((sum, g.score), "总分");
    s.assert_blank((sum, g.score + 1), "等级");
    // The note that only renders for a project with blanks.
    let text = pdf_text(&format!("{SELF_EVAL}.pdf"));
    assert_eq!(text.matches("注：本表完成值与得分待填。").count(), 1);
}

#[test]
fn header_rows_coded_values_captions_and_text_rows() {
    let book = workbook(&format!("{SELF_EVAL}.xlsx"));
    let s = sheet(&book, "青少年体育培训");
    let kind = s.find("项目类别");
    let coded = s.find("(31)部门预算项目");
    assert_eq!(coded.0, kind.0);
    let s2 = sheet(&book, "社区文化活动");
    s2.find("(32)转移支付项目");
    // 主管部门 not given: `blank`.
    let head = s2.find("主管部门");
    assert_eq!(s2.text((head.0, head.1 + 2)), "/");
    // 项目.分值 in print order (产出 before 效益), 自评.总分值, 自评.执行分值.
    s.find("权重分值100分，其中预期产出指标60分，效果指标30分，预算执行10分");
    // Goals side by side with the outcome.
    let goals = s.find("预期目标");
    let outcome = s.find("实际完成情况");
    assert_eq!(goals.0, outcome.0);
    // Text rows after the grid: the eval's extra fields, `blank` where empty.
    let total = s.find("总分").0;
    for (i, (label, value)) in [
        ("评价结论", "项目完成情况良好，自评等级为优。"),
        ("存在问题", "部分学校参与度不高。"),
        ("改进措施", "无"),
    ]
    .into_iter()
    .enumerate()
    {
        let at = s.find(label);
        assert_eq!(at.0, total + 1 + i as u32, "{label}");
        assert_eq!(s.text((at.0, at.1 + 2)), value, "{label}");
    }
}

#[test]
fn self_evaluation_pdf_has_the_page_furniture() {
    let text = pdf_text(&format!("{SELF_EVAL}.pdf"));
    for want in [
        "附件1：测试市体育局2024年度项目支出绩效自评表", // preamble
        "附件1-1：",                                     // heading, n = 1
        "附件1-2：",
        "青少年体育培训项目支出绩效自评表", // title with 项目.名称
        "（2024年度）",                     // subtitle
        "填报单位（盖章）：测试市体育局",   // unit_line
        "金额单位：元",                     // unit_note
        "注：执行率达到95%得满分，80%以上得8分，60%以上得6分。",
        "项目负责人：王五", // signature
        "财务负责人：赵六",
        "填报日期：2025年1月20日",
        "指标1：培训合格率",
        "(31)部门预算项目",
    ] {
        assert!(text.contains(want), "“{want}” missing from the PDF");
    }
    let info = pdf_info(&format!("{SELF_EVAL}.pdf"));
    assert!(
        info.contains("2024年度 项目支出绩效自评表"),
        "subject: {info}"
    );
    assert!(info.contains("测试市体育局"), "keywords: {info}");
}

// ---------------------------------------------------------------------------------------------
// 项目支出绩效目标表 (only: all, money sources: filled, header rows)
// ---------------------------------------------------------------------------------------------

#[test]
fn target_table_prints_filled_sources_and_pads_the_grid() {
    let book = workbook(&format!("{TARGET}.xlsx"));
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["青少年体育培训", "社区文化活动", "体育场馆维修"]);
    let s = sheet(&book, "青少年体育培训");
    // A vertical label merged down over three header rows.
    let info = s.find("基本信息");
    assert_eq!(s.rowspan(info), 3);
    assert_eq!(s.align[&info].text_rotation, TextRotation::Stacked);
    // The money block without a header row: the total first, then only the filled sources,
    // labelled by the block's own `labels` where they differ from the style's.
    let total = s.find("年度资金总额：");
    assert_eq!(total.0, info.0 + 3);
    assert_eq!(s.find("其中：本年财政资金").0, total.0 + 1);
    assert!(s.find_all("其中：财政资金").is_empty());
    assert!(s.find_all("单位资金").is_empty());
    let amount = (total.0, total.1 + 2);
    assert_close(s.number(amount), 168_456.83, "年度资金总额");
    assert_eq!(
        s.formula(amount),
        format!("SUM(E{}:E{})", total.0 + 2, total.0 + 4)
    );
    // The text measure on every row.
    assert_eq!(s.text((total.0, total.1 + 4)), "1年");
    assert!(!sheet(&book, "社区文化活动").find_all("单位资金").is_empty());
    // Header rows of a `rows` block (the grid prints none), then 10 body rows at least.
    let sign = s.find("符号");
    assert_eq!(s.find("年度指标值").0 + 1, sign.0);
    assert_eq!(s.last_row - sign.0, 10, "min_rows: 10");
    // No value: `blank`; a value: as written.
    let b = sheet(&book, "社区文化活动");
    let head = b.find("项目负责人");
    assert_eq!(b.text((head.0, head.1 + 1)), "/");
    assert_eq!(s.text((s.find("培训合格率").0, sign.1 + 3)), "行业标准");
    // Defaults of subject and keywords: the title, and [file, year].
    let info = pdf_info(&format!("{TARGET}.pdf"));
    assert!(
        info.contains("Keywords:        2024年项目支出绩效目标表, 2024"),
        "{info}"
    );
}

// ---------------------------------------------------------------------------------------------
// 项目绩效目标汇总表 (each: department, group, subtotal, total, rounding note)
// ---------------------------------------------------------------------------------------------

#[test]
fn summary_groups_projects_with_subtotals_and_a_total() {
    let book = workbook(&format!("{SUMMARY}.xlsx"));
    assert_eq!(book.len(), 1);
    let s = &book[0].1;
    let heading = |label: &str| {
        let at = s.find(label);
        assert!(at.0 <= s.find("资金安排").0 + 1, "“{label}” is a heading");
        at.1
    };
    let (no, name, kind, total_col, own, special, unit, other, level1, place) = (
        heading("序号"),
        heading("项目名称"),
        heading("项目类别"),
        heading("合计"),
        heading("财政资金"),
        heading("财政专户管理资金"),
        heading("单位资金"),
        heading("其他资金"),
        heading("一级指标"),
        heading("实施单位"),
    );
    // Groups in order of first appearance; projects numbered in print order.
    let g1 = s.find("实施单位：市体育中心");
    let g2 = s.find("实施单位：市文化馆");
    assert_eq!(g1.1, name, "group.column: 2");
    let p1 = s.find("青少年体育培训");
    let p2 = s.find("体育场馆维修");
    let p3 = s.find("社区文化活动");
    assert!(g1.0 < p1.0 && p1.0 < p2.0 && p2.0 < g2.0 && g2.0 < p3.0);
    for (p, n) in [(p1, 1.0), (p2, 2.0), (p3, 3.0)] {
        assert_eq!(s.number((p.0, no)), n, "项目.序号 in print order");
    }
    // Project cells merged over the project's indicator rows; 一级 over its own rows.
    assert_eq!(p1.1, name);
    assert_eq!(s.rowspan(p1), 6);
    assert_eq!(s.rowspan((p1.0, total_col)), 6);
    assert_eq!(s.rowspan(p2), 3);
    assert_eq!(s.rowspan((p1.0, level1)), 4);
    assert_eq!(s.text((p1.0, kind)), "(31)部门预算项目");
    assert_eq!(s.text((p3.0, kind)), "(32)转移支付项目");
    // merge: false — the unit on every indicator row.
    assert_eq!(
        s.find_all("市体育中心")
            .iter()
            .filter(|p| p.1 == place)
            .count(),
        9
    );
    assert_eq!(s.rowspan((p1.0, place)), 1);
    // A project's 合计 sums its sources.
    assert_close(s.number((p1.0, total_col)), 168_456.83, "project 1 合计");
    let row1 = p1.0 + 1;
    assert_eq!(
        s.formula((p1.0, total_col)),
        format!("SUM(E{row1}:H{row1})")
    );
    assert_close(s.number((p2.0, other)), 20_001.0, "project 2 其他资金");
    assert!(!s.values.contains_key(&(p1.0, unit)), "no 单位资金");
    // Subtotals after each group, over its projects.
    let sub1 = s.find("市体育中心小计");
    assert_eq!(sub1.1, name);
    assert_eq!(sub1.0, p2.0 + 3);
    assert_close(s.number((sub1.0, total_col)), 388_457.88, "小计 合计");
    assert_close(s.number((sub1.0, own)), 323_456.84, "小计 财政资金");
    assert_close(s.number((sub1.0, special)), 30_000.04, "小计 专户");
    assert_close(s.number((sub1.0, other)), 35_001.0, "小计 其他资金");
    assert_eq!(
        s.formula((sub1.0, total_col)),
        format!("SUM(D{},D{})", p1.0 + 1, p2.0 + 1)
    );
    assert!(!s.values.contains_key(&(sub1.0, unit)));
    let sub2 = s.find("市文化馆小计");
    assert_close(s.number((sub2.0, unit)), 1_000.01, "文化馆 单位资金");
    // The total over every project (not over the subtotals).
    let total = s
        .find_all("合计")
        .into_iter()
        .find(|p| p.1 == name)
        .expect("the total row");
    assert_eq!(total.0, sub2.0 + 1);
    // The exact sums are stored; `total.decimals: 0` shows whole 元.
    assert_close(s.number((total.0, total_col)), 443_779.88, "合计");
    assert_close(s.number((total.0, own)), 377_778.83, "财政资金合计");
    assert_close(s.number((total.0, other)), 35_001.0, "其他资金合计");
    assert_eq!(
        s.formula((total.0, total_col)),
        format!("SUM(D{},D{},D{})", p1.0 + 1, p2.0 + 1, p3.0 + 1)
    );
    let f = s.format((total.0, total_col));
    assert!(f.ends_with('0') && !f.contains('.'), "whole 元: {f}");
    let f = s.format((sub1.0, total_col));
    assert!(f.ends_with("0.00") && !f.ends_with("0.000"), "{f}");
}

/// `total: {position: first}`: the department's 合计 above its projects, each group's 小计
/// under its heading above the group's projects; the sums are the same formulas over the same
/// project cells.
#[test]
fn totals_placed_above_what_they_sum() {
    let templates = variant("total-first", |s| {
        s.replace(
            "subtotal: {label: \"{{ 分组 }}小计\", column: 2, decimals: 2}",
            "subtotal: {label: \"{{ 分组 }}小计\", column: 2, decimals: 2, position: first}",
        )
        .replace(
            "            column: 2\n            decimals: 0\n",
            "            column: 2\n            decimals: 0\n            position: first\n",
        )
    });
    let out = templates.parent().unwrap().join("out");
    let o = build(&fixture().join("data"), &templates, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let book = workbook_at(
        &out.join("2024/测试市体育局")
            .join(format!("{SUMMARY}.xlsx")),
    );
    let s = &book[0].1;
    let name = s.find("项目名称").1;
    let total_col = s.find("资金安排").1;
    let total = s
        .find_all("合计")
        .into_iter()
        .find(|p| p.1 == name)
        .expect("the total row");
    let g1 = s.find("实施单位：市体育中心");
    let sub1 = s.find("市体育中心小计");
    let p1 = s.find("青少年体育培训");
    let p2 = s.find("体育场馆维修");
    let g2 = s.find("实施单位：市文化馆");
    let sub2 = s.find("市文化馆小计");
    let p3 = s.find("社区文化活动");
    assert_eq!(total.0 + 1, g1.0, "合计 first, right under the heading");
    assert_eq!(sub1.0, g1.0 + 1, "the group's 小计 under its heading");
    assert!(sub1.0 < p1.0 && p1.0 < p2.0 && p2.0 < g2.0);
    assert_eq!(sub2.0, g2.0 + 1);
    assert!(sub2.0 < p3.0);
    assert_close(s.number((total.0, total_col)), 443_779.88, "合计");
    assert_eq!(
        s.formula((total.0, total_col)),
        format!("SUM(D{},D{},D{})", p1.0 + 1, p2.0 + 1, p3.0 + 1)
    );
    assert_close(s.number((sub1.0, total_col)), 388_457.88, "小计 合计");
    assert_eq!(
        s.formula((sub1.0, total_col)),
        format!("SUM(D{},D{})", p1.0 + 1, p2.0 + 1)
    );
}

#[test]
fn summary_pdf_notes_rounding_in_the_printed_unit() {
    let text = pdf_text(&format!("{SUMMARY}.pdf"));
    for want in [
        "2024年测试市体育局项目绩效目标汇总表",
        "填报部门（盖章）：测试市体育局",
        "单位：元",
        "备注：1.本表金额单位为元；2.各项目按实施单位分组列示",
        "443,780",
        "377,779",
        "388,457.88",
        // One note per rounded money column, exact sum in 元, with the column's heading.
        "注：合计栏合计由各项目金额精确相加得443779.88元，按四舍五入取整到元列示。",
        "注：财政资金栏合计由各项目金额精确相加得377778.83元",
        "注：财政专户管理资金栏合计由各项目金额精确相加得30000.04元",
        "注：单位资金栏合计由各项目金额精确相加得1000.01元",
        "项目负责人（签字）：王五",
        "财务负责人（签字）：赵六",
        "共3个项目",
    ] {
        assert!(text.contains(want), "“{want}” missing from the PDF");
    }
    // 其他资金 sums to 35,001 元 exactly: no note, though its 3.5001 万元 would round.
    assert!(!text.contains("其他资金栏"), "a note for an exact total");
    // Notes follow the 备注, in column order.
    let at = |s: &str| text.find(s).unwrap();
    assert!(at("备注：") < at("注：合计栏") && at("注：合计栏") < at("注：财政资金栏"));
}

// ---------------------------------------------------------------------------------------------
// Variants of the fixture
// ---------------------------------------------------------------------------------------------

/// A copy of the fixture's templates with `edit` applied to `every/style.yaml`.
fn variant(name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let dir = scratch(name);
    let src = fixture().join("templates");
    let copy = |from: &Path, to: &Path| {
        fs::create_dir_all(to).unwrap();
        for e in fs::read_dir(from).unwrap().filter_map(Result::ok) {
            if e.path().is_file() {
                fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    };
    let templates = dir.join("templates");
    copy(&src, &templates);
    copy(&src.join("lib"), &templates.join("lib"));
    copy(&src.join("every"), &templates.join("every"));
    let style = templates.join("every/style.yaml");
    let text = fs::read_to_string(&style).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit changed nothing");
    fs::write(&style, edited).unwrap();
    templates
}

#[test]
fn without_math_symbols_the_sign_is_printed_as_written() {
    let templates = variant("ascii", |s| {
        s.replace("math_symbols: true", "math_symbols: false")
    });
    let out = templates.parent().unwrap().join("out");
    let o = build(&fixture().join("data"), &templates, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let path = out.join("2024/测试市体育局").join(format!("{TARGET}.xlsx"));
    let mut xlsx: Xlsx<_> = open_workbook(&path).unwrap();
    let range = xlsx.worksheet_range("青少年体育培训").unwrap();
    let row_of = |name: &str| {
        range
            .rows()
            .find(|r| r.iter().any(|c| matches!(c, Data::String(s) if s == name)))
            .unwrap_or_else(|| panic!("no row {name}"))
            .to_vec()
    };
    let strings = |r: Vec<Data>| -> Vec<String> {
        r.into_iter()
            .filter_map(|c| match c {
                Data::String(s) => Some(s),
                _ => None,
            })
            .collect()
    };
    // The data wrote `">=95%"`, `≥1,200人次` and `"<=140元/人"`.
    assert!(strings(row_of("培训合格率")).contains(&">=".to_string()));
    assert!(strings(row_of("培训人次")).contains(&"≥".to_string()));
    assert!(strings(row_of("人均培训成本")).contains(&"<=".to_string()));
}

#[test]
fn a_misspelt_direction_is_reported_in_the_style() {
    let templates = variant("direction", |s| {
        s.replace("positive: 正向", "postive: 正向")
    });
    let o = jixiao(&[
        "check".as_ref(),
        fixture().join("data").as_os_str(),
        "--templates".as_ref(),
        templates.as_os_str(),
    ]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(err.contains("JX501") && err.contains("postive"), "{err}");
    assert!(err.contains("every/style.yaml"), "{err}");
}

#[test]
fn a_money_block_in_a_department_document_must_say_whose_money() {
    let templates = variant("money-source", |s| {
        s.replacen(
            "          source: 部门整体\n          label: \"部门",
            "          label: \"部门",
            1,
        )
    });
    let o = jixiao(&[
        "check".as_ref(),
        fixture().join("data").as_os_str(),
        "--templates".as_ref(),
        templates.as_os_str(),
    ]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("JX506") && err.contains("source: 部门整体"),
        "{err}"
    );
}

/// `attach` names another document, which attaches nothing itself; a document with
/// `alone: false` that nothing attaches would never be built: each reported at its line.
#[test]
fn attachments_that_cannot_be_built_are_reported_in_the_style() {
    let check = |templates: &Path| {
        let o = jixiao(&[
            "check".as_ref(),
            fixture().join("data").as_os_str(),
            "--templates".as_ref(),
            templates.as_os_str(),
        ]);
        assert!(!o.status.success());
        stderr(&o)
    };
    let unknown = variant("attach-unknown", |s| {
        s.replace(
            "attach: [department_indicators]",
            "attach: [department_indicator]",
        )
    });
    let err = check(&unknown);
    assert!(
        err.contains("JX505") && err.contains("“department_indicator”不是本样式的文档"),
        "{err}"
    );
    assert!(err.contains("alone: false"), "{err}");
    let chained = variant("attach-chain", |s| {
        s.replace(
            "    alone: false\n",
            "    alone: false\n    attach: [mid_target]\n",
        )
    });
    let err = check(&chained);
    assert!(
        err.contains("JX506") && err.contains("自己也有 attach"),
        "{err}"
    );
    // Attached twice (once with spaces around the kind): its tables were printed twice.
    let twice = variant("attach-twice", |s| {
        s.replace(
            "attach: [department_indicators]",
            "attach: [department_indicators, \" department_indicators\"]",
        )
    });
    let err = check(&twice);
    assert!(
        err.contains("JX506") && err.contains("“department_indicators”写了不止一次"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Coverage of the vocabulary
// ---------------------------------------------------------------------------------------------

/// The variant names of a derived `Deserialize` enum, asked from serde itself.
fn variant_names<T: for<'de> serde::Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Deserializer, Visitor};
    struct Grab(Option<&'static [&'static str]>);
    impl<'de> Deserializer<'de> for &mut Grab {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("variant names only"))
        }
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            variants: &'static [&'static str],
            _v: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = Some(variants);
            Err(de::Error::custom("variant names only"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map struct identifier ignored_any
        }
    }
    let mut g = Grab(None);
    let _ = T::deserialize(&mut g);
    g.0.unwrap_or(&[])
}

/// Whether `key` is used as a mapping key in `yaml` (block or flow style).
fn has_key(yaml: &str, key: &str) -> bool {
    let pat = format!("{key}:");
    yaml.match_indices(&pat).any(|(i, _)| {
        yaml[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || c == '{' || c == ',')
    })
}

/// Whether `value` is used as a plain scalar value in `yaml`.
fn has_value(yaml: &str, value: &str) -> bool {
    let pat = format!(": {value}");
    yaml.match_indices(&pat).any(|(i, _)| {
        yaml[i + pat.len()..]
            .chars()
            .next()
            .is_none_or(|c| c == ',' || c == '}' || c == '\n' || c == ' ')
    })
}

#[test]
fn every_option_of_the_vocabulary_is_used() {
    use jixiao::load::node::field_names;
    use jixiao::style::*;
    let style = fs::read_to_string(fixture().join("templates/every/style.yaml")).unwrap();
    // Comments do not count.
    let style: String = style
        .lines()
        .map(|l| match l.find(" #") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ if l.trim_start().starts_with('#') => "",
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let structs: &[(&str, &[&str])] = &[
        ("Style", field_names::<Style>()),
        ("Level1", field_names::<Level1>()),
        ("Weights", field_names::<Weights>()),
        ("Funds", field_names::<Funds>()),
        ("FundSource", field_names::<FundSource>()),
        ("ExtraFields", field_names::<ExtraFields>()),
        ("ExtraField", field_names::<ExtraField>()),
        ("SignatureField", field_names::<SignatureField>()),
        ("Execution", field_names::<Execution>()),
        ("Tier", field_names::<Tier>()),
        ("Results", field_names::<Results>()),
        ("Directions", field_names::<Directions>()),
        ("Vocabulary", field_names::<Vocabulary>()),
        ("DocumentSpec", field_names::<DocumentSpec>()),
        ("SignatureSpec", field_names::<SignatureSpec>()),
        ("Block", field_names::<Block>()),
        ("CellSpec", field_names::<CellSpec>()),
        ("MoneySpec", field_names::<MoneySpec>()),
        ("MoneyTotal", field_names::<MoneyTotal>()),
        ("Measure", field_names::<Measure>()),
        ("GridSpec", field_names::<GridSpec>()),
        ("GridColumn", field_names::<GridColumn>()),
        ("GroupSpec", field_names::<GroupSpec>()),
        ("TotalSpec", field_names::<TotalSpec>()),
        ("DepartmentPart", field_names::<DepartmentPart>()),
        ("TasksSpec", field_names::<TasksSpec>()),
    ];
    // The blocks of documents over records are a summary style's (a department's style
    // refuses them): the shipped summary style uses each of them and every setting of theirs.
    let summary_only = ["records", "list", "chart"];
    let region = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/region/region.yaml"),
    )
    .unwrap();
    let mut missing = Vec::new();
    for (ty, fields) in [
        ("Block", &summary_only[..]),
        ("RecordsSpec", field_names::<RecordsSpec>()),
        ("ListSpec", field_names::<ListSpec>()),
        ("ChartSpec", field_names::<ChartSpec>()),
    ] {
        for f in fields {
            // `empty` of a records block: the change table's row without changes.
            let exempt = ty == "RecordsSpec" && *f == "empty";
            if !exempt && !has_key(&region, f) {
                missing.push(format!("region.yaml {ty}.{f}"));
            }
        }
    }
    for (ty, fields) in structs {
        assert!(!fields.is_empty(), "{ty}: no field names");
        for f in *fields {
            if ty == &"Block" && summary_only.contains(f) {
                continue;
            }
            if !has_key(&style, f) {
                missing.push(format!("{ty}.{f}"));
            }
        }
    }
    // Choices: every value of the document-level ones; a style has one `order` and one money
    // unit, so there the fixture uses the value that is not the default.
    let enums: &[(&str, &[&str], &[&str])] = &[
        ("Order", variant_names::<Order>(), &["taxonomy"]),
        ("MoneyUnit", variant_names::<MoneyUnit>(), &["万元"]),
        ("Each", variant_names::<Each>(), &[]),
        ("Only", variant_names::<Only>(), &[]),
        ("RowKindSpec", variant_names::<RowKindSpec>(), &[]),
        ("AlignSpec", variant_names::<AlignSpec>(), &[]),
        ("SourceRows", variant_names::<SourceRows>(), &[]),
        ("TotalPosition", variant_names::<TotalPosition>(), &[]),
        ("MeasureRows", variant_names::<MeasureRows>(), &[]),
        ("TasksTotal", variant_names::<TasksTotal>(), &["资金"]),
        (
            "IndicatorSource",
            variant_names::<IndicatorSource>(),
            &["项目"],
        ),
    ];
    for (ty, variants, exempt) in enums {
        assert!(!variants.is_empty(), "{ty}: no variant names");
        for v in *variants {
            if !exempt.contains(v) && !has_value(&style, v) {
                missing.push(format!("{ty}::{v}"));
            }
        }
    }
    // Every measure and every kind of pattern variable the planner knows.
    for m in jixiao::style::vars::MEASURES {
        if !has_value(&style, m) {
            missing.push(format!("measure {m}"));
        }
    }
    assert!(
        missing.is_empty(),
        "the vocabulary fixture does not use: {}",
        missing.join(", ")
    );
    // The taxonomy file of the fixture is the shared one.
    let tax = fs::read_to_string(fixture().join("templates/taxonomies.yaml")).unwrap();
    for f in field_names::<TaxonomyFile>()
        .iter()
        .chain(field_names::<Taxonomy>())
        .chain(field_names::<Level1>())
    {
        assert!(has_key(&tax, f), "taxonomies.yaml: {f}");
    }
}

// ---------------------------------------------------------------------------------------------
// 部门整体支出绩效目标表 (only: department_wide; a tasks block; a grid of 部门整体's indicators)
// ---------------------------------------------------------------------------------------------

#[test]
fn department_wide_table_prints_a_row_per_task_with_numbers_and_its_indicators() {
    let book = workbook(&format!("{DEPT_WIDE}.xlsx"));
    let s = &book[0].1;
    // The label merged down over the heading, the three task rows (one blank) and the total.
    let label = s.find("年度\n主要\n任务");
    assert_eq!(s.rowspan(label), 5);
    let head = s.find("项目支出");
    let first = s.find("1. 青少年体育培训：组织青少年体育培训和赛事");
    assert_eq!(first.0, head.0 + 1);
    // Amounts in 元, numbers; a source the task does not fill is blank, not 0.
    assert_close(s.number((first.0, head.1)), 150_000.0, "任务1 合计");
    assert_close(s.number((first.0, head.1 + 2)), 25_000.0, "任务1 其他资金");
    let second = s.find("2. 全民健身活动：举办全民健身活动");
    assert_close(s.number((second.0, head.1 + 1)), 75_000.0, "任务2 财政资金");
    s.assert_blank((second.0, head.1 + 2), "任务2 其他资金");
    // min_rows: a third, blank row before the total (not numbered: a form filled by hand).
    let total = s.find("合计");
    assert_eq!(total.0, second.0 + 2);
    s.assert_blank((second.0 + 1, first.1), "the padding row's task");
    s.assert_blank((second.0 + 1, head.1), "the padding row's amount");
    assert_close(s.number((total.0, head.1)), 225_000.0, "合计");
    assert_close(s.number((total.0, head.1 + 1)), 200_000.0, "合计 财政资金");
    // The grid prints the department's indicators, not a project's.
    s.find("举办赛事场次");
    s.find("≥20场");
    assert!(s.find_all("培训合格率").is_empty());
}
