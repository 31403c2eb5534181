//! The xlsx renderer, read back with calamine (values, formulas, merges, styles, properties)
//! and, for print setup, by inspecting the XML inside the zip.

use std::io::{Cursor, Read};
use std::str::FromStr;

use calamine::{BorderStyle, Data, Dimensions, Reader, TextRotation, Xlsx};
use jixiao::plan::{Align, Cell, CellValue, Document, Formula, Role, Row, RowKind, Section};
use jixiao::render::xlsx::{XlsxFonts, sheet_names, write_workbook};
use rust_decimal::Decimal;

const PROJECT: &str = "巴财行[2022]33号关于提前下达2023年基层人大补助经费的通知";
/// The project's sheet name: brackets become 〔〕, cut to 31 characters.
const PROJECT_SHEET: &str = "巴财行〔2022〕33号关于提前下达2023年基层人大补助经费";
const DEPARTMENT: &str = "库尔勒市人大常委会办公室";
const LONG_GOAL: &str = "目标1、确保人大常委会开展执法检查、调研指导工作正常开展3次,组织乡、镇、街道人大负责人培训2次,及时了解群众的呼声。\n目标2、提高乡、镇、街道人大负责人的业务能力。";

/// The sheet row where grid row 0 of the project sheet lands: heading, title, subtitle and
/// the unit line come first.
const GRID: u32 = 4;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn typed(col: usize, text: &str, value: CellValue, role: Role) -> Cell {
    Cell {
        value,
        align: Align::Right,
        ..Cell::text(col, text, role)
    }
}

fn number(col: usize, text: &str, value: &str, decimals: u32) -> Cell {
    typed(
        col,
        text,
        CellValue::Number {
            value: dec(value),
            decimals,
            thousands: false,
        },
        Role::Money,
    )
}

fn formula(
    col: usize,
    text: &str,
    expr: Formula,
    result: &str,
    percent: bool,
    decimals: u32,
) -> Cell {
    typed(
        col,
        text,
        CellValue::Formula {
            expr,
            result: dec(result),
            percent,
            decimals,
            thousands: false,
        },
        Role::Score,
    )
}

/// A project target table like the seed's 项目支出绩效目标表.
fn project() -> Section {
    use RowKind::{Body, Header, Total};
    let t = |col, s: &str| Cell::text(col, s, Role::Text);
    let rows = vec![
        // 0
        Row::new(
            Body,
            vec![
                Cell::label(0, "项目名称").span(1, 2),
                t(2, PROJECT).span(1, 5),
            ],
        ),
        // 1
        Row::new(
            Body,
            vec![
                Cell::label(0, "主管部门").span(1, 2),
                t(2, DEPARTMENT).span(1, 2),
                Cell::label(4, "项目负责人"),
                t(5, "韩玲艳").span(1, 2),
            ],
        ),
        // 2
        Row::new(
            Body,
            vec![
                Cell::label(0, "项目资金（万元）").span(3, 2),
                Cell::label(2, "年度资金总额"),
                formula(
                    3,
                    "48.128",
                    Formula::Sum {
                        cells: vec![(3, 3), (4, 3)],
                    },
                    "48.128",
                    false,
                    3,
                )
                .span(1, 4),
            ],
        ),
        // 3
        Row::new(
            Body,
            vec![
                Cell::label(2, "其中：财政拨款"),
                number(3, "10.368", "10.368", 3).span(1, 4),
            ],
        ),
        // 4
        Row::new(
            Body,
            vec![
                Cell::label(2, "其他资金"),
                number(3, "37.76", "37.76", 2).span(1, 4),
            ],
        ),
        // 5
        Row::new(
            Body,
            vec![
                Cell::label(0, "总体目标").span(1, 2),
                t(2, LONG_GOAL).span(1, 5),
            ],
        ),
        // 6
        Row::new(
            Header,
            [
                "一级指标",
                "二级指标",
                "三级指标",
                "指标值",
                "上年完成值",
                "权重",
                "佐证资料",
            ]
            .iter()
            .enumerate()
            .map(|(c, s)| Cell::label(c, *s))
            .collect(),
        ),
        // 7
        Row::new(
            Body,
            vec![
                t(0, "产出指标").span(3, 1).align(Align::Center).vertical(),
                t(1, "数量指标").span(2, 1).align(Align::Center),
                t(2, "开展调研执法检查"),
                t(3, ">=3次"),
                t(4, "6次"),
                number(5, "8", "8", 0),
                t(6, "正式材料"),
            ],
        ),
        // 8
        Row::new(
            Body,
            vec![
                t(2, "组织乡、镇、街道人大负责人培训"),
                t(3, "=236人"),
                t(4, "2次"),
                number(5, "8", "8", 0),
                Cell::empty(6),
            ],
        ),
        // 9
        Row::new(
            Body,
            vec![
                t(1, "质量指标").align(Align::Center),
                t(2, "经费支付及时性率"),
                t(3, "=100%"),
                typed(
                    4,
                    "93.85%",
                    CellValue::Percent {
                        value: dec("0.9385"),
                        decimals: 2,
                    },
                    Role::Percent,
                ),
                number(5, "8", "8", 0),
                t(6, "工作资料"),
            ],
        ),
        // 10
        Row::new(
            Total,
            vec![
                Cell::label(0, "合计").span(1, 5),
                formula(
                    5,
                    "24",
                    Formula::Sum {
                        cells: vec![(7, 5), (8, 5), (9, 5)],
                    },
                    "24",
                    false,
                    0,
                ),
                Cell::empty(6),
            ],
        ),
        // 11
        Row::new(
            Body,
            vec![
                Cell::label(0, "预算执行率").span(1, 3),
                formula(
                    3,
                    "21.54%",
                    Formula::Ratio {
                        num: (3, 3),
                        den: (2, 3),
                    },
                    "0.2154",
                    true,
                    2,
                )
                .span(1, 2),
                Cell::label(5, "得分"),
                formula(
                    6,
                    "2.15",
                    Formula::CappedScore {
                        points: dec("10"),
                        num: (3, 3),
                        den: (2, 3),
                        decimals: 2,
                    },
                    "2.15",
                    false,
                    2,
                ),
            ],
        ),
    ];
    Section {
        name: PROJECT.to_string(),
        heading: Some("附件1-1：".to_string()),
        title: "项目支出绩效目标表".to_string(),
        subtitle: Some("(2023年)".to_string()),
        unit_line: Some(format!("填报部门（盖章）：{DEPARTMENT}")),
        unit_note: Some("单位：万元".to_string()),
        columns: vec![1.2, 1.6, 3.0, 1.6, 1.6, 1.0, 1.6],
        rows,
        notes: vec!["注：1. 本表由项目单位填报，金额单位为万元，保留小数按原表。".to_string()],
        signature: vec![
            ("项目负责人：".to_string(), "韩玲艳".to_string()),
            ("填报日期：".to_string(), "2023年1月10日".to_string()),
        ],
        chart: None,
    }
}

/// A department-wide table: the total column skips the 其中 column (a non-contiguous sum).
fn department() -> Section {
    let rows = vec![
        Row::new(
            RowKind::Header,
            ["项目", "财政拨款", "其中：专项", "其他资金", "合计"]
                .iter()
                .enumerate()
                .map(|(c, s)| Cell::label(c, *s))
                .collect(),
        ),
        Row::new(
            RowKind::Body,
            vec![
                Cell::text(0, "基层人大补助经费", Role::Text),
                number(1, "10.368", "10.368", 3),
                number(2, "5", "5", 0),
                number(3, "37.76", "37.76", 2),
                formula(
                    4,
                    "48.128",
                    Formula::Sum {
                        cells: vec![(1, 1), (1, 3)],
                    },
                    "48.128",
                    false,
                    3,
                ),
            ],
        ),
    ];
    Section {
        name: "部门整体".to_string(),
        heading: None,
        title: "部门整体支出绩效目标表".to_string(),
        subtitle: None,
        unit_line: None,
        unit_note: None,
        columns: vec![3.0, 1.0, 1.0, 1.0, 1.0],
        rows,
        notes: vec![],
        signature: vec![],
        chart: None,
    }
}

fn document(landscape: bool) -> Document {
    Document {
        kind: "target".to_string(),
        style: "xinjiang".to_string(),
        template: "xinjiang/target.typ.j2".to_string(),
        file_stem: "项目支出绩效目标表".to_string(),
        title: "2023年项目支出绩效目标表".to_string(),
        author: DEPARTMENT.to_string(),
        subject: "项目支出绩效目标".to_string(),
        keywords: vec!["绩效目标".to_string(), "2023".to_string()],
        department: DEPARTMENT.to_string(),
        year: 2023,
        landscape,
        fit_page: false,
        preamble: None,
        sections: vec![project(), department()],
    }
}

fn fonts() -> XlsxFonts {
    XlsxFonts {
        body: "宋体".to_string(),
        heading: "黑体".to_string(),
    }
}

fn open(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(bytes.to_vec())).expect("calamine opens the workbook")
}

/// One file of the xlsx package as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut file = zip.by_name(name).unwrap();
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    text
}

/// The `ht` attribute of sheet row `row` (zero-based) in a worksheet part.
fn row_height(xml: &str, row: u32) -> f64 {
    let tag = format!("<row r=\"{}\"", row + 1);
    let start = xml
        .find(&tag)
        .unwrap_or_else(|| panic!("row {row} missing"));
    let rest = &xml[start..];
    let rest = &rest[..rest.find('>').unwrap()];
    let ht = rest.find("ht=\"").expect("row has a height") + 4;
    rest[ht..ht + rest[ht..].find('"').unwrap()]
        .parse()
        .unwrap()
}

fn dims(start: (u32, u32), end: (u32, u32)) -> Dimensions {
    Dimensions { start, end }
}

#[test]
fn sheet_names_follow_excel_rules() {
    let long = "一".repeat(40);
    // Characters outside the BMP take two UTF-16 units, and Excel counts units.
    let astral = "𠀀".repeat(20);
    let names: Vec<String> = [
        PROJECT,
        PROJECT,
        "a/b:c*d?e\\f",
        "'引号'",
        "",
        "   ",
        "Sheet",
        "SHEET",
        "sheet",
        long.as_str(),
        long.as_str(),
        "History",
        "[]",
        astral.as_str(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = sheet_names(&names);
    assert_eq!(out.len(), names.len());

    assert_eq!(out[0], PROJECT_SHEET);
    assert_eq!(out[0].chars().count(), 31);
    assert_eq!(
        out[1],
        format!("{}(2)", &PROJECT_SHEET.chars().take(28).collect::<String>())
    );
    assert_eq!(out[2], "a／b：c＊d？e＼f");
    assert_eq!(out[3], "引号");
    assert_eq!(out[4], "表5");
    assert_eq!(out[5], "表6");
    assert_eq!(out[6], "Sheet");
    assert_eq!(out[7], "SHEET(2)");
    assert_eq!(out[8], "sheet(3)");
    assert_eq!(out[9], "一".repeat(31));
    assert_eq!(out[10], format!("{}(2)", "一".repeat(28)));
    assert_eq!(out[11], "History(2)");
    assert_eq!(out[12], "〔〕");
    assert_eq!(out[13], "𠀀".repeat(15));

    let mut seen = std::collections::HashSet::new();
    for name in &out {
        assert!(!name.is_empty());
        assert!(name.chars().count() <= 31, "{name}");
        assert!(name.encode_utf16().count() <= 31, "{name}");
        assert!(
            !name.contains(['[', ']', ':', '*', '?', '/', '\\']),
            "{name}"
        );
        assert!(!name.starts_with('\'') && !name.ends_with('\''), "{name}");
        assert!(seen.insert(name.to_lowercase()), "duplicate {name}");
    }
}

#[test]
fn workbook_has_one_sheet_per_section() {
    let bytes = write_workbook(&document(true), &fonts()).unwrap();
    let book = open(&bytes);
    assert_eq!(
        book.sheet_names(),
        vec![PROJECT_SHEET.to_string(), "部门整体".to_string()]
    );
}

#[test]
fn values_keep_their_types() {
    let bytes = write_workbook(&document(true), &fonts()).unwrap();
    let mut book = open(&bytes);
    let range = book.worksheet_range(PROJECT_SHEET).unwrap();
    let at = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);

    // The lines above the grid.
    assert_eq!(at(0, 0), Data::String("附件1-1：".into()));
    assert_eq!(at(1, 0), Data::String("项目支出绩效目标表".into()));
    assert_eq!(at(2, 0), Data::String("(2023年)".into()));
    assert_eq!(
        at(3, 0),
        Data::String(format!("填报部门（盖章）：{DEPARTMENT}"))
    );
    let note = (1..7).map(|c| at(3, c)).find(|d| *d != Data::Empty);
    assert_eq!(note, Some(Data::String("单位：万元".into())));

    // The grid.
    assert_eq!(at(GRID, 0), Data::String("项目名称".into()));
    assert_eq!(at(GRID, 2), Data::String(PROJECT.into()));
    assert_eq!(at(GRID + 3, 3), Data::Float(10.368));
    assert_eq!(at(GRID + 4, 3), Data::Float(37.76));
    assert_eq!(at(GRID + 5, 2), Data::String(LONG_GOAL.into()));
    assert_eq!(at(GRID + 6, 3), Data::String("指标值".into()));
    assert_eq!(at(GRID + 7, 0), Data::String("产出指标".into()));
    assert_eq!(at(GRID + 7, 5), Data::Float(8.0));
    // Targets that look like formulas stay text.
    assert_eq!(at(GRID + 8, 3), Data::String("=236人".into()));
    assert_eq!(at(GRID + 9, 3), Data::String("=100%".into()));
    assert_eq!(at(GRID + 8, 6), Data::Empty);
    assert_eq!(at(GRID + 9, 4), Data::Float(0.9385));
    // Formulas carry their computed results.
    assert_eq!(at(GRID + 2, 3), Data::Float(48.128));
    assert_eq!(at(GRID + 10, 5), Data::Float(24.0));
    assert_eq!(at(GRID + 11, 3), Data::Float(0.2154));
    assert_eq!(at(GRID + 11, 6), Data::Float(2.15));

    // Notes and signature under the grid.
    assert_eq!(
        at(GRID + 12, 0),
        Data::String("注：1. 本表由项目单位填报，金额单位为万元，保留小数按原表。".into())
    );
    assert_eq!(at(GRID + 13, 0), Data::String("项目负责人：韩玲艳".into()));
    let date = (1..7).map(|c| at(GRID + 13, c)).find(|d| *d != Data::Empty);
    assert_eq!(date, Some(Data::String("填报日期：2023年1月10日".into())));
}

#[test]
fn formulas_reference_the_sheet_rows() {
    let bytes = write_workbook(&document(true), &fonts()).unwrap();
    let mut book = open(&bytes);
    let formulas = book.worksheet_formula(PROJECT_SHEET).unwrap();
    let f = |r: u32, c: u32| formulas.get_value((r, c)).cloned().unwrap_or_default();
    // Grid row i is Excel row GRID + i + 1 = i + 5.
    assert_eq!(f(GRID + 2, 3), "SUM(D8:D9)");
    assert_eq!(f(GRID + 10, 5), "SUM(F12:F14)");
    assert_eq!(f(GRID + 11, 3), "D8/D7");
    assert_eq!(f(GRID + 11, 6), "ROUND(10*MIN(D8/D7,1),2)");
    // Text starting with `=` is not a formula.
    assert_eq!(f(GRID + 8, 3), "");
    assert_eq!(f(GRID + 9, 3), "");
    assert_eq!(f(GRID + 3, 3), "");

    // The department sheet: title on row 0, grid from row 1; a non-contiguous sum.
    let formulas = book.worksheet_formula("部门整体").unwrap();
    assert_eq!(
        formulas.get_value((2, 4)).cloned().unwrap_or_default(),
        "SUM(B3,D3)"
    );
    let range = book.worksheet_range("部门整体").unwrap();
    assert_eq!(range.get_value((2, 4)), Some(&Data::Float(48.128)));
}

#[test]
fn merged_ranges_follow_the_spans() {
    let bytes = write_workbook(&document(true), &fonts()).unwrap();
    let mut book = open(&bytes);
    let merged = book.merge_cells_by_sheet_name(PROJECT_SHEET).unwrap();
    let expect = [
        dims((0, 0), (0, 6)),                 // heading
        dims((1, 0), (1, 6)),                 // title
        dims((2, 0), (2, 6)),                 // subtitle
        dims((GRID, 0), (GRID, 1)),           // 项目名称
        dims((GRID, 2), (GRID, 6)),           // the project name
        dims((GRID + 1, 2), (GRID + 1, 3)),   // the department
        dims((GRID + 1, 5), (GRID + 1, 6)),   // 韩玲艳
        dims((GRID + 2, 0), (GRID + 4, 1)),   // 项目资金（万元）: 3 rows × 2 columns
        dims((GRID + 2, 3), (GRID + 2, 6)),   // 48.128
        dims((GRID + 3, 3), (GRID + 3, 6)),   // 10.368
        dims((GRID + 7, 0), (GRID + 9, 0)),   // 产出指标 (一级)
        dims((GRID + 7, 1), (GRID + 8, 1)),   // 数量指标 (二级)
        dims((GRID + 10, 0), (GRID + 10, 4)), // 合计
        dims((GRID + 11, 0), (GRID + 11, 2)), // 预算执行率
        dims((GRID + 11, 3), (GRID + 11, 4)), // 21.54%
        dims((GRID + 12, 0), (GRID + 12, 6)), // the note
    ];
    for d in &expect {
        assert!(merged.contains(d), "missing merge {d:?} in {merged:?}");
    }
    // The unit line and the unit note split the row between them: the line is merged from
    // the first column, the note takes the rest (one column here, so not merged).
    let unit: Vec<&Dimensions> = merged.iter().filter(|d| d.start.0 == 3).collect();
    assert_eq!(unit.len(), 1, "{unit:?}");
    assert_eq!(unit[0].start, (3, 0));
    assert_eq!(unit[0].end, (3, 5));
    let range = book.worksheet_range(PROJECT_SHEET).unwrap();
    assert_eq!(
        range.get_value((3, 6)),
        Some(&Data::String("单位：万元".into()))
    );
    // Signature: two pairs over 7 columns.
    assert!(merged.contains(&dims((GRID + 13, 0), (GRID + 13, 2))));
    assert!(merged.contains(&dims((GRID + 13, 3), (GRID + 13, 6))));
}

#[test]
fn styles_borders_fonts_and_number_formats() {
    let bytes = write_workbook(&document(true), &fonts()).unwrap();
    let mut book = open(&bytes);
    let styles = book.worksheet_style(PROJECT_SHEET).unwrap();

    // Every grid position, including those inside merged ranges, has thin borders.
    for r in GRID..=GRID + 11 {
        for c in 0..7 {
            let style = styles
                .get((r, c))
                .unwrap_or_else(|| panic!("no style at {r},{c}"));
            let b = style
                .borders
                .as_ref()
                .unwrap_or_else(|| panic!("no borders at {r},{c}"));
            for side in [&b.left, &b.right, &b.top, &b.bottom] {
                assert_eq!(side.style, BorderStyle::Thin, "border at {r},{c}");
            }
        }
    }
    // No borders on the title.
    let title = styles.get((1, 0)).unwrap();
    assert!(
        title
            .borders
            .as_ref()
            .is_none_or(|b| !b.has_visible_borders())
    );

    let font = |r, c| {
        let f = styles.get((r, c)).unwrap().font.clone().unwrap();
        (f.name.unwrap(), f.size.unwrap())
    };
    assert_eq!(font(1, 0), ("黑体".to_string(), 16.0));
    assert_eq!(font(GRID, 0), ("黑体".to_string(), 10.5));
    assert_eq!(font(GRID, 2), ("宋体".to_string(), 10.5));
    assert_eq!(font(GRID + 3, 3), ("宋体".to_string(), 10.5));

    let code = |r, c| {
        styles
            .get((r, c))
            .unwrap()
            .number_format
            .as_ref()
            .map(|n| n.format_code.clone())
            .unwrap_or_default()
    };
    assert_eq!(code(GRID + 2, 3), "0.000");
    assert_eq!(code(GRID + 3, 3), "0.000");
    assert_eq!(code(GRID + 4, 3), "0.00");
    assert_eq!(code(GRID + 7, 5), "0");
    assert_eq!(code(GRID + 9, 4), "0.00%");
    assert_eq!(code(GRID + 11, 3), "0.00%");
    assert_eq!(code(GRID + 11, 6), "0.00");

    let align = |r, c| styles.get((r, c)).unwrap().alignment.clone().unwrap();
    // 一级 is stacked text; everything in the grid wraps.
    assert_eq!(align(GRID + 7, 0).text_rotation, TextRotation::Stacked);
    assert!(align(GRID + 5, 2).wrap_text);

    // The GB2312 charset on the fonts.
    let xml = part(&bytes, "xl/styles.xml");
    for face in ["宋体", "黑体"] {
        let font = format!("<name val=\"{face}\"/><family val=\"2\"/><charset val=\"134\"/>");
        assert!(xml.contains(&font), "{xml}");
    }
}

#[test]
fn row_heights_fit_the_text() {
    let bytes = write_workbook(&document(true), &fonts()).unwrap();
    let xml = part(&bytes, "xl/worksheets/sheet1.xml");
    // Every row has an explicit height.
    for r in 0..GRID + 14 {
        assert!(row_height(&xml, r) >= 14.0, "row {r}");
    }
    // The goal text is two paragraphs, the first longer than its 5 merged columns
    // (about 120 of the 150 units): at least three lines of 14pt.
    assert!(row_height(&xml, GRID + 5) >= 3.0 * 14.0);
    // A one-line row stays compact.
    assert!(row_height(&xml, GRID + 3) < 2.0 * 14.0);
    // The stacked 产出指标 (4 characters) fits in its three rows.
    let spanned: f64 = (GRID + 7..=GRID + 9).map(|r| row_height(&xml, r)).sum();
    assert!(spanned >= 4.0 * 14.0, "{spanned}");
}

#[test]
fn print_setup() {
    let bytes = write_workbook(&document(true), &fonts()).unwrap();
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<pageSetup paperSize=\"9\""), "{sheet}");
    assert!(sheet.contains("orientation=\"landscape\""));
    // Fit to one page wide (fitToWidth="1" is the default and left out), any number tall.
    assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"));
    assert!(sheet.contains("fitToHeight=\"0\""));
    assert!(!sheet.contains("fitToWidth"));
    assert!(sheet.contains("horizontalCentered=\"1\""));
    assert!(sheet.contains("<oddFooter>&amp;C第 &amp;P 页 共 &amp;N 页</oddFooter>"));

    // The header row (grid row 6 → Excel row 11) repeats on every page; on the department
    // sheet, grid row 0 → Excel row 2.
    let workbook = part(&bytes, "xl/workbook.xml");
    assert!(
        workbook.contains(&format!(
            "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">{PROJECT_SHEET}!$11:$11</definedName>"
        )) || workbook.contains(&format!(
            "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'{PROJECT_SHEET}'!$11:$11</definedName>"
        )),
        "{workbook}"
    );
    assert!(
        workbook.contains("localSheetId=\"1\">部门整体!$2:$2</definedName>"),
        "{workbook}"
    );

    // Column widths add up to about 150 character units.
    let total = column_total(&sheet);
    assert!((150.0..=156.0).contains(&total), "{total}");

    let portrait = write_workbook(&document(false), &fonts()).unwrap();
    let sheet = part(&portrait, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("orientation=\"portrait\""));
    let total = column_total(&sheet);
    assert!((100.0..=106.0).contains(&total), "{total}");
}

/// Sum of the `<col min max width>` widths of a worksheet part.
fn column_total(xml: &str) -> f64 {
    let attr = |col: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let at = col.find(&key).unwrap() + key.len();
        col[at..at + col[at..].find('"').unwrap()].parse().unwrap()
    };
    xml.split("<col ")
        .skip(1)
        .map(|col| (attr(col, "max") - attr(col, "min") + 1.0) * attr(col, "width"))
        .sum()
}

#[test]
fn output_is_reproducible_and_carries_properties() {
    let doc = document(true);
    let a = write_workbook(&doc, &fonts()).unwrap();
    let b = write_workbook(&doc, &fonts()).unwrap();
    assert!(a == b, "two writes differ");

    let mut book = open(&a);
    let props = book.workbook_properties().unwrap();
    assert_eq!(props.title.as_deref(), Some("2023年项目支出绩效目标表"));
    assert_eq!(props.subject.as_deref(), Some("项目支出绩效目标"));
    assert_eq!(props.creator.as_deref(), Some(DEPARTMENT));
    assert_eq!(props.keywords.as_deref(), Some("绩效目标; 2023"));
    assert_eq!(props.created.as_deref(), Some("2024-01-01T00:00:00Z"));
    assert_eq!(props.modified.as_deref(), Some("2024-01-01T00:00:00Z"));
    assert!(props.company.as_deref().unwrap_or("").is_empty());
}

#[test]
fn preamble_goes_on_the_first_sheet() {
    let mut doc = document(true);
    doc.preamble = Some("附件 2：2023年项目支出预算绩效目标表".to_string());
    let bytes = write_workbook(&doc, &fonts()).unwrap();
    let mut book = open(&bytes);
    let range = book.worksheet_range(PROJECT_SHEET).unwrap();
    assert_eq!(
        range.get_value((0, 0)),
        Some(&Data::String("附件 2：2023年项目支出预算绩效目标表".into()))
    );
    // Everything below moves down one row, formulas with it.
    let formulas = book.worksheet_formula(PROJECT_SHEET).unwrap();
    assert_eq!(
        formulas
            .get_value((GRID + 3, 3))
            .cloned()
            .unwrap_or_default(),
        "SUM(D9:D10)"
    );
    let range = book.worksheet_range("部门整体").unwrap();
    assert_eq!(
        range.get_value((0, 0)),
        Some(&Data::String("部门整体支出绩效目标表".into()))
    );
}

#[test]
fn inconsistent_grids_are_errors() {
    let mut doc = document(true);
    // A cell running past the last column.
    doc.sections[1].rows[1].cells[4] = Cell::text(4, "x", Role::Text).span(1, 2);
    assert!(write_workbook(&doc, &fonts()).is_err());

    let mut doc = document(true);
    // Overlap with the rowspan of 产出指标.
    doc.sections[0].rows[8]
        .cells
        .insert(0, Cell::text(0, "x", Role::Text));
    assert!(write_workbook(&doc, &fonts()).is_err());

    let mut doc = document(true);
    // A formula referring outside the grid.
    doc.sections[1].rows[1].cells[4] = formula(
        4,
        "0",
        Formula::Ratio {
            num: (1, 1),
            den: (9, 9),
        },
        "0",
        false,
        2,
    );
    assert!(write_workbook(&doc, &fonts()).is_err());
}
