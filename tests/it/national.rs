//! End-to-end test of the national 财政部 style (`templates/national/`): the real binary builds
//! the fictional sample `examples/national/data/2024-示例局.yaml`; the PDFs are read back with
//! `pdftotext` (poppler-utils) and the self-evaluation workbook with calamine.
//!
//! Documents: 项目支出绩效目标申报表 (财预〔2015〕88号, one page per project) and
//! 项目支出绩效自评表 (财预〔2020〕10号, only the project with a 自评).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The sample built into a fresh directory; returns the directory (kept alive by the guard)
/// and the department's output folder.
fn build_sample() -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().expect("a temporary directory");
    let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("build")
        .arg(repo().join("examples/national/data"))
        .arg("--templates")
        .arg(repo().join("templates"))
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("run the jixiao binary");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success(),
        "jixiao build failed ({:?})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        o.status
    );
    let all = format!("{stdout}{stderr}");
    assert!(
        all.contains("0 个错误，0 个警告"),
        "the sample should check clean:\n{all}"
    );
    let dept = out.path().join("2024").join("示例市示例局");
    (out, dept)
}

/// One page of a PDF as `pdftotext` reads it, all whitespace removed so that wrapped cells
/// compare as one string: the text in reading order, and the lines of the `-layout` reading
/// (a table row that fits on one line reads left to right there).
struct Page {
    flat: String,
    lines: Vec<String>,
}

impl Page {
    fn contains(&self, needle: &str) -> bool {
        self.flat.contains(needle) || self.lines.iter().any(|l| l.contains(needle))
    }
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `pdftotext [-layout]` of a PDF, split into pages at the form feeds.
fn pdftotext(pdf: &Path, layout: bool) -> Vec<String> {
    let mut cmd = Command::new("pdftotext");
    if layout {
        cmd.arg("-layout");
    }
    let o = cmd
        .arg("-enc")
        .arg("UTF-8")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("run pdftotext (poppler-utils)");
    assert!(o.status.success(), "pdftotext failed on {}", pdf.display());
    let text = String::from_utf8(o.stdout).expect("UTF-8 text");
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

fn pdf_pages(pdf: &Path) -> Vec<Page> {
    assert!(pdf.is_file(), "missing {}", pdf.display());
    let flat = pdftotext(pdf, false);
    let layout = pdftotext(pdf, true);
    assert_eq!(flat.len(), layout.len(), "page count of {}", pdf.display());
    flat.iter()
        .zip(&layout)
        .map(|(f, l)| Page {
            flat: squash(f),
            lines: l.lines().map(squash).filter(|l| !l.is_empty()).collect(),
        })
        .collect()
}

fn assert_has(page: &Page, what: &str, needles: &[&str]) {
    for n in needles {
        assert!(
            page.contains(n),
            "{what}: “{n}” not found in\n{}\n{}",
            page.flat,
            page.lines.join("\n")
        );
    }
}

#[test]
fn target_table_prints_one_page_per_project_in_the_88_layout() {
    let (_out, dept) = build_sample();
    let pages = pdf_pages(&dept.join("项目支出绩效目标申报表.pdf"));
    assert_eq!(pages.len(), 3, "one page per project");
    // Form wording on every page.
    for (i, p) in pages.iter().enumerate() {
        assert_has(
            p,
            &format!("目标申报表第 {} 页", i + 1),
            &[
                "项目支出绩效目标申报表",
                "（2024年度）",
                "项目名称",
                "主管部门及代码",
                "[301]示例市示例局",
                "实施单位",
                "项目属性",
                "项目期限",
                "项目资金（万元）",
                "年度资金总额：",
                "其中：财政拨款",
                "其他资金",
                "年度总体目标",
                "绩效指标",
                "一级指标",
                "二级指标",
                "三级指标",
                "指标值",
                "产出指标",
                "效益指标",
                "满意度指标",
                "服务对象满意度指标",
                &format!("第{}页共3页", i + 1),
            ],
        );
        // The target table has no self-evaluation columns.
        for absent in ["实际完成值", "偏差原因", "总分"] {
            assert!(!p.flat.contains(absent), "目标申报表 prints “{absent}”");
        }
    }
    assert_has(
        &pages[0],
        "项目 1",
        &[
            "示例政务信息系统运维经费",
            "示例市示例局信息中心",
            "延续项目",
            "1年",
            "年度资金总额：52.00",
            "其中：财政拨款50.00",
            "其他资金2.00",
            // Several goals are numbered.
            "目标1：保障局政务信息系统",
            "目标3：推动政务服务事项网上办理",
            "指标1：运维保障业务子系统数量",
            "指标2：安全巡检次数",
            "=12个",
            "≥24次",
            "≤2小时",
            "成本指标",
            "可持续影响指标",
        ],
    );
    assert_has(
        &pages[1],
        "项目 2",
        &[
            "示例市公共检测实验室设备购置项目",
            "新增项目",
            "3年（2024—2026年）",
            "年度资金总额：150.00",
            "其中：财政拨款120.00",
            "其他资金30.00",
            "2024年10月底前",
        ],
    );
    // One goal prints as written, without “目标1：”.
    assert_has(
        &pages[2],
        "项目 3",
        &[
            "示例行业统计监测与数据发布经费",
            "年度资金总额：18.60",
            "年度总体目标完成全市示例行业季度统计调查",
            "≤620元/家",
        ],
    );
    assert!(!pages[2].flat.contains("目标1："));
}

#[test]
fn self_evaluation_prints_the_10_layout_with_computed_figures() {
    let (_out, dept) = build_sample();
    let pages = pdf_pages(&dept.join("项目支出绩效自评表.pdf"));
    assert_eq!(pages.len(), 1, "only the evaluated project, on one page");
    let p = &pages[0];
    assert_has(
        p,
        "自评表",
        &[
            "项目支出绩效自评表",
            "（2024年度）",
            "项目名称示例政务信息系统运维经费",
            "主管部门示例市示例局",
            "实施单位示例市示例局信息中心",
            "项目资金（万元）",
            "年初预算数全年预算数全年执行数分值执行率得分",
            // The total row: sums of the sources, 10 points, B/A, 10 × B/A.
            "年度资金总额52.0055.9252.481093.85%9.38",
            // Source rows: amounts, then “—” where 分值/执行率/得分 do not apply.
            "其中：当年财政拨款50.0048.0044.80———",
            "上年结转资金0.005.925.68———",
            "其他资金2.002.002.00———",
            // The narrow label column wraps “年度总体目标” after four characters.
            "年度总体",
            "预期目标",
            "实际完成情况",
            "目标1：保障局政务信息系统",
            "全年保障12个业务子系统稳定运行",
            "绩效指标",
            "一级指标二级指标三级指标年度指标值实际完成值分值得分",
            "偏差原因分析及改进措施",
            "指标1：运维保障业务子系统数量",
            "≥99.5%99.2%109.97",
            "≤52万元52.48万元109.91",
            "二季度机房电力改造停机两次",
            "服务对象满意度指标",
            "总分10099.26",
        ],
    );
    // Projects without a 自评 are not in the self-evaluation.
    assert!(!p.flat.contains("示例市公共检测实验室设备购置项目"));
    assert!(!p.flat.contains("示例行业统计监测与数据发布经费"));
}

/// Non-empty cells of a sheet by zero-based `(row, column)`.
fn cells(xlsx: &mut Xlsx<std::io::BufReader<fs::File>>, name: &str) -> BTreeMap<(u32, u32), Data> {
    let range = xlsx.worksheet_range(name).expect("the sheet");
    let start = range.start().unwrap_or((0, 0));
    range
        .used_cells()
        .filter(|(_, _, v)| !matches!(v, Data::Empty))
        .map(|(r, c, v)| ((start.0 + r as u32, start.1 + c as u32), v.clone()))
        .collect()
}

/// The position of the first cell whose text is `text`.
fn find(cells: &BTreeMap<(u32, u32), Data>, text: &str) -> (u32, u32) {
    cells
        .iter()
        .find(|(_, v)| matches!(v, Data::String(s) if s == text))
        .map(|(p, _)| *p)
        .unwrap_or_else(|| panic!("no cell “{text}” in {cells:?}"))
}

fn number(cells: &BTreeMap<(u32, u32), Data>, at: (u32, u32)) -> f64 {
    match cells.get(&at) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("expected a number at {at:?}, found {other:?}"),
    }
}

#[test]
fn self_evaluation_workbook_has_numbers_and_formulas() {
    let (_out, dept) = build_sample();
    let path = dept.join("项目支出绩效自评表.xlsx");
    let mut xlsx: Xlsx<_> = open_workbook(&path).expect("calamine opens the xlsx");
    let names = xlsx.sheet_names();
    // The project's sheet, and the very hidden sheet of the twin's data (`jixiao import`).
    assert_eq!(
        names,
        vec![
            "示例政务信息系统运维经费".to_string(),
            "jixiao数据".to_string()
        ]
    );
    assert_eq!(
        xlsx.sheets_metadata()[1].visible,
        calamine::SheetVisible::VeryHidden
    );
    let c = cells(&mut xlsx, &names[0]);
    assert_eq!(
        c.get(&(0, 0)),
        Some(&Data::String("项目支出绩效自评表".into()))
    );
    // The money block: headings in one row, the total row right under them.
    let rate_head = find(&c, "执行率");
    let budget_head = find(&c, "全年预算数");
    let done_head = find(&c, "全年执行数");
    let score_head = (rate_head.0, rate_head.1 + 1);
    assert_eq!(c.get(&score_head), Some(&Data::String("得分".into())));
    let total = find(&c, "年度资金总额");
    assert_eq!(total.0, rate_head.0 + 1);
    assert_eq!(number(&c, (total.0, budget_head.1)), 55.92);
    assert_eq!(number(&c, (total.0, done_head.1)), 52.48);
    let rate = number(&c, (total.0, rate_head.1));
    assert!((rate - 52.48 / 55.92).abs() < 1e-12, "执行率 {rate}");
    assert_eq!(number(&c, (total.0, score_head.1)), 9.38);
    // Source rows print “—” under 执行率.
    let own = find(&c, "其中：当年财政拨款");
    assert_eq!(
        c.get(&(own.0, rate_head.1)),
        Some(&Data::String("—".into()))
    );
    assert_eq!(number(&c, (own.0, budget_head.1)), 48.0);
    // The last row: 总分 · 100 · the total score.
    let sum = find(&c, "总分");
    let points: Vec<f64> = c
        .range((sum.0, sum.1 + 1)..=(sum.0, u32::MAX))
        .filter_map(|(_, v)| match v {
            Data::Float(f) => Some(*f),
            Data::Int(i) => Some(*i as f64),
            _ => None,
        })
        .collect();
    assert_eq!(points, vec![100.0, 99.26]);
    // Totals are live formulas.
    let formulas = xlsx.worksheet_formula(&names[0]).expect("formulas");
    let fstart = formulas.start().unwrap_or((0, 0));
    let formula_at = |at: (u32, u32)| {
        formulas
            .get(((at.0 - fstart.0) as usize, (at.1 - fstart.1) as usize))
            .cloned()
            .unwrap_or_default()
    };
    assert!(
        formula_at((total.0, budget_head.1)).starts_with("SUM("),
        "全年预算数 total: {:?}",
        formula_at((total.0, budget_head.1))
    );
    assert!(
        formula_at((total.0, rate_head.1)).contains('/'),
        "执行率: {:?}",
        formula_at((total.0, rate_head.1))
    );
}

/// The 部门（单位）整体支出绩效目标申报表 (issue 23) of the fictional 示例市示例服务中心, from its
/// `部门整体`: one page, a row per task with its amounts, the 金额合计 row, the numbered goals
/// and the department's indicators merged by 一级 and 二级; in the xlsx every amount a number.
#[test]
fn the_department_wide_target_table_prints_tasks_goals_and_indicators() {
    let (out, _) = build_sample();
    let dept = out.path().join("2024").join("示例市示例服务中心");
    let name = "部门（单位）整体支出绩效目标申报表";
    let pages = pdf_pages(&dept.join(format!("{name}.pdf")));
    assert_eq!(pages.len(), 1);
    assert_has(
        &pages[0],
        name,
        &[
            name,
            "（2024年度）",
            "部门（单位）名称",
            "示例市示例服务中心",
            "任务名称",
            "主要内容",
            "预算金额（万元）",
            "总额",
            "财政拨款",
            "其他资金",
            "机关运行保障",
            "政务服务大厅设备更新",
            "金额合计630.00620.0010.00",
            "目标1：保障政务服务大厅",
            "目标3：加强窗口人员培训",
            "一级指标",
            "可持续影响指标",
            "服务对象满意度指标",
            "全年办理政务服务事项",
            "≥30万件",
            "≤15分钟",
        ],
    );
    // A department without 部门整体 gets no such table.
    let other = out.path().join("2024").join("示例市示例局");
    assert!(!other.join(format!("{name}.pdf")).exists());
    assert!(other.join("项目支出绩效目标申报表.pdf").is_file());

    let mut xlsx: Xlsx<_> =
        open_workbook(dept.join(format!("{name}.xlsx"))).expect("calamine opens the xlsx");
    let sheet = xlsx.sheet_names()[0].clone();
    let c = cells(&mut xlsx, &sheet);
    let total = find(&c, "总额").1;
    let own = find(&c, "财政拨款").1;
    let other = find(&c, "其他资金").1;
    let row = |text: &str| find(&c, text).0;
    assert_eq!(number(&c, (row("机关运行保障"), total)), 500.0);
    assert_eq!(number(&c, (row("政务服务大厅设备更新"), total)), 50.0);
    assert_eq!(number(&c, (row("政务服务大厅设备更新"), other)), 10.0);
    assert_eq!(number(&c, (row("金额合计"), total)), 630.0);
    assert_eq!(number(&c, (row("金额合计"), own)), 620.0);
    // A task without 其他资金 prints a blank, not 0.
    assert_eq!(c.get(&(row("机关运行保障"), other)), None);
}

/// The 部门整体支出绩效自评表 (issue 23) of the fictional 示例市示例服务中心, from its
/// `部门整体.自评`: the money block by source as the project self-evaluation prints it (a SUM for
/// each total, 执行率 and 得分 as formulas over the total row), the goals beside their
/// 实际完成情况, the indicator results, the total score (a SUM over every printed score) and
/// the grade. A department whose part has no 自评 gets no such table.
#[test]
fn the_department_wide_self_evaluation_prints_money_goals_results_and_grade() {
    let (out, local) = build_sample();
    let dept = out.path().join("2024").join("示例市示例服务中心");
    let name = "部门整体支出绩效自评表";
    let pages = pdf_pages(&dept.join(format!("{name}.pdf")));
    assert_eq!(pages.len(), 1);
    assert_has(
        &pages[0],
        name,
        &[
            name,
            "（2024年度）",
            "示例市示例服务中心",
            "年初预算数",
            "全年预算数",
            "全年执行数",
            "年度资金总额630.00657.00639.501097.34%9.73",
            "其中：当年财政拨款620.00635.00618.40",
            "上年结转资金0.0012.0011.50",
            "预期目标",
            "实际完成情况",
            "目标2：完成大厅设备更新",
            "诉求按时办结率98.6%",
            "指标1：窗口服务制度健全性",
            "基本健全",
            "窗口人员考核细则年底才印发",
            "总分10095.73自评等级：优",
        ],
    );
    assert!(!local.join(format!("{name}.pdf")).exists());

    let mut xlsx: Xlsx<_> =
        open_workbook(dept.join(format!("{name}.xlsx"))).expect("calamine opens the xlsx");
    let sheet = xlsx.sheet_names()[0].clone();
    let c = cells(&mut xlsx, &sheet);
    let budget = find(&c, "全年预算数").1;
    let done = find(&c, "全年执行数").1;
    let rate = find(&c, "执行率").1;
    let score = rate + 1;
    let total = find(&c, "年度资金总额").0;
    let carried = find(&c, "上年结转资金").0;
    assert_eq!(number(&c, (total, budget)), 657.0);
    assert_eq!(number(&c, (total, done)), 639.5);
    assert!((number(&c, (total, rate)) - 639.5 / 657.0).abs() < 1e-12);
    assert_eq!(number(&c, (total, score)), 9.73);
    assert_eq!(number(&c, (carried, done)), 11.5);
    // The last row: 总分 · 100 · the total score · the grade.
    let sum = find(&c, "总分").0;
    let points: Vec<(u32, f64)> = c
        .range((sum, 0)..=(sum, u32::MAX))
        .filter_map(|(at, v)| match v {
            Data::Float(f) => Some((at.1, *f)),
            Data::Int(i) => Some((at.1, *i as f64)),
            _ => None,
        })
        .collect();
    assert_eq!(
        points.iter().map(|p| p.1).collect::<Vec<_>>(),
        vec![100.0, 95.73]
    );
    let sum_score = points[1].0;
    assert_eq!(
        c.get(&(sum, sum_score + 1)),
        Some(&Data::String("自评等级：优".into()))
    );
    let formulas = xlsx.worksheet_formula(&sheet).expect("formulas");
    let fstart = formulas.start().unwrap_or((0, 0));
    let formula_at = |at: (u32, u32)| {
        formulas
            .get(((at.0 - fstart.0) as usize, (at.1 - fstart.1) as usize))
            .cloned()
            .unwrap_or_default()
    };
    for (what, at, starts) in [
        ("全年预算数合计", (total, budget), "SUM("),
        ("全年执行数合计", (total, done), "SUM("),
        ("总分", (sum, sum_score), "SUM("),
    ] {
        let f = formula_at(at);
        assert!(f.starts_with(starts), "{what}: {f:?}");
    }
    // The total score sums the seven indicator scores (the rows above it) and the execution
    // score of the money block.
    let letter = |col: u32| char::from(b'A' + u8::try_from(col).expect("a narrow sheet"));
    assert_eq!(
        formula_at((sum, sum_score)),
        format!(
            "SUM({l}{}:{l}{},{}{})",
            sum - 6,
            sum,
            letter(score),
            total + 1,
            l = letter(sum_score)
        )
    );
    assert!(formula_at((total, rate)).contains('/'));
}

/// The fictional `examples/anhui/data` built into a new directory (the build must succeed):
/// the directory, the build's messages, and its department's workbook `file`.xlsx.
fn anhui_workbook(
    file: &str,
) -> (
    tempfile::TempDir,
    String,
    Xlsx<std::io::BufReader<fs::File>>,
) {
    let out = tempfile::tempdir().expect("a temporary directory");
    let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("build")
        .arg(repo().join("examples/anhui/data"))
        .arg("--templates")
        .arg(repo().join("templates"))
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("run the jixiao binary");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{all}");
    let path = out
        .path()
        .join("2024/示例县示例文化旅游局")
        .join(format!("{file}.xlsx"));
    let xlsx = open_workbook(path).unwrap();
    (out, all, xlsx)
}

/// A cell's text (empty for a non-text cell).
fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// A cell's number, if it is one.
fn cell_num(d: &Data) -> Option<f64> {
    match d {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

/// (row, column) of the first cell whose text is `t`.
fn find_text(rows: &[Vec<Data>], t: &str) -> (usize, usize) {
    rows.iter()
        .enumerate()
        .find_map(|(r, row)| row.iter().position(|c| cell_text(c) == t).map(|c| (r, c)))
        .unwrap_or_else(|| panic!("no cell {t}"))
}

/// A second region's department-wide layout: the anhui style's 部门整体支出绩效自评表 as a
/// scoring rubric, from the fictional `examples/anhui/data/2024-示例文旅局.yaml`. It checks
/// clean and builds; in the workbook every amount and score is a number, 序号 runs over the
/// indicator rows only, the 指标合计 row sums the points and scores, and the 总分 is the
/// execution score plus the indicator scores.
#[test]
fn anhui_department_self_evaluation_is_a_scoring_rubric() {
    let (_out, all, mut xlsx) = anhui_workbook("部门整体支出绩效自评表");
    assert!(all.contains("0 个错误，0 个警告"), "{all}");
    let name = xlsx.sheet_names()[0].clone();
    let range = xlsx.worksheet_range(&name).unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    let text = cell_text;
    let num = cell_num;
    let find = |t: &str| find_text(&rows, t);
    let no = find("序号").1;
    let (points, score) = (find("指标分值").1, find("自评得分").1);
    for (k, ind) in [
        "群众文化活动场次",
        "场馆免费开放天数",
        "群众参与人次",
        "群众满意度",
    ]
    .iter()
    .enumerate()
    {
        let r = find(ind).0;
        assert_eq!(num(&rows[r][no]), Some((k + 1) as f64), "{ind}: 序号");
        assert!(num(&rows[r][points]).is_some(), "{ind}: 分值 a number");
        assert!(num(&rows[r][score]).is_some(), "{ind}: 得分 a number");
    }
    let total = find("指标合计").0;
    assert_eq!(num(&rows[total][points]), Some(90.0));
    assert_eq!(num(&rows[total][score]), Some(90.0));
    // 总分 = 10 × 301.5 / 310 (9.73) + 90.
    let r = find("总分").0;
    let total_score = rows[r].iter().rev().find_map(num);
    assert!(
        total_score.is_some_and(|s| (s - 99.73).abs() < 1e-9),
        "{:?}",
        rows[r]
    );
    assert!(rows.iter().any(|row| row.iter().any(|c| text(c) == "优")));
    find("数量指标(30分)");
    find("产出指标(50分)");
}

/// The anhui style's 部门收支构成表 (a `fund` block per composition), from the fictional
/// `examples/anhui/data`: every amount is a number, subtotals and totals are SUM formulas over
/// the printed rows, 增减额 `a−b`, 增长率 `(a−b)/b` and 占比 `row/total` formulas with the right
/// values; an empty figure is an empty cell (no made-up 0) and the formulas leave it out.
#[test]
fn anhui_fund_table_prints_numbers_and_formulas() {
    let (_out, _, mut xlsx) = anhui_workbook("部门收支构成表");
    let name = xlsx.sheet_names()[0].clone();
    let range = xlsx.worksheet_range(&name).unwrap();
    let start = range.start().unwrap_or((0, 0));
    let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    let num = cell_num;
    let find = |t: &str| find_text(&rows, t);
    let formulas = xlsx.worksheet_formula(&name).expect("formulas");
    let fstart = formulas.start().unwrap_or((0, 0));
    let formula_at = |r: usize, c: usize| {
        let (r, c) = (r as u32 + start.0, c as u32 + start.1);
        formulas
            .get(((r - fstart.0) as usize, (c - fstart.1) as usize))
            .cloned()
            .unwrap_or_default()
    };
    let [now, prev, diff, growth, share] =
        ["本年金额", "上年金额", "增减额", "增长率", "占比"].map(|t| find(t).1);
    let close = |v: Option<f64>, want: f64| v.is_some_and(|v| (v - want).abs() < 1e-9);
    // A written row: amounts are numbers, the rest formulas over them.
    let r = find("一般公共预算财政拨款收入").0;
    assert_eq!(num(&rows[r][now]), Some(285.0));
    assert_eq!(num(&rows[r][prev]), Some(270.0));
    assert!(close(num(&rows[r][diff]), 15.0), "{:?}", rows[r]);
    assert!(close(num(&rows[r][growth]), 15.0 / 270.0), "{:?}", rows[r]);
    assert!(close(num(&rows[r][share]), 285.0 / 300.0), "{:?}", rows[r]);
    assert!(formula_at(r, diff).contains('-'), "{}", formula_at(r, diff));
    assert!(
        formula_at(r, growth).contains(")/"),
        "{}",
        formula_at(r, growth)
    );
    assert!(
        formula_at(r, share).contains('/'),
        "{}",
        formula_at(r, share)
    );
    // A figure not written is an empty cell; the row's formulas that need it are empty too.
    let r = find("事业收入").0;
    assert_eq!(rows[r][now], Data::Empty);
    assert_eq!(num(&rows[r][prev]), Some(5.0));
    assert_eq!(rows[r][diff], Data::Empty);
    assert_eq!(rows[r][share], Data::Empty);
    // The total sums the printed rows.
    let r = find("收入合计").0;
    assert_eq!(num(&rows[r][now]), Some(300.0));
    assert_eq!(num(&rows[r][prev]), Some(295.0));
    assert!(
        formula_at(r, now).starts_with("SUM("),
        "{}",
        formula_at(r, now)
    );
    assert!(close(num(&rows[r][share]), 1.0));
    // A group's subtotal, above its rows, sums them.
    let r = find("基本支出").0;
    assert_eq!(num(&rows[r][now]), Some(260.0));
    assert_eq!(num(&rows[r][prev]), Some(255.0));
    assert!(
        formula_at(r, now).starts_with("SUM("),
        "{}",
        formula_at(r, now)
    );
    assert!(close(num(&rows[r][growth]), 5.0 / 255.0));
    let r = find("支出合计").0;
    assert_eq!(num(&rows[r][now]), Some(300.0));
}
