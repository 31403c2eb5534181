//! Loading: bad input gets one located error and nothing else; one bad file does not stop the
//! others; numbers reach `rust_decimal` exactly as written.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use jixiao::diag::Severity;
use jixiao::load::Loaded;
use rust_decimal::Decimal;

/// A valid department (新疆样式) to break in small ways.
const GOOD: &str = "\
部门: 测试部门
年度: 2023
样式: xinjiang
项目:
  - 名称: 项目甲
    负责人: 张三
    资金: {财政拨款: 12.55, 其他资金: 0.00, 合计: 12.55}
    总体目标: 目标
    指标:
      - {一级: 产出指标, 二级: 数量指标, 三级: 开展活动次数, 指标值: \">=3次\", 依据: 计划标准, 权重: 30, 赋分规则: 按照正常比例赋分, 佐证资料: [工作资料]}
      - {一级: 成本指标, 二级: 经济成本指标, 三级: 活动经费, 指标值: \"<=10.368万元\", 依据: 预算支出标准, 权重: 20, 赋分规则: 按照正常比例赋分, 佐证资料: [原始凭证]}
      - {一级: 效益指标, 二级: 社会效益指标, 三级: 社会效益, 指标值: 有效提高, 依据: 历史标准, 权重: 30, 赋分规则: 按评判等级赋分, 佐证资料: [工作资料]}
      - {一级: 满意度指标, 二级: 服务对象满意度指标, 三级: 群众满意度, 指标值: \">=95%\", 依据: 历史标准, 权重: 10, 赋分规则: 满意度赋分, 佐证资料: [工作资料]}
";

/// Loads a directory holding the given files (bytes, so that non-UTF-8 can be written).
fn load(files: &[(&str, &[u8])]) -> (tempfile::TempDir, Loaded) {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let loaded = jixiao::load::load_dir(dir.path());
    (dir, loaded)
}

fn load_one(text: &str) -> Loaded {
    load(&[("a.yaml", text.as_bytes())]).1
}

/// `text` with `from` (which must occur exactly once) replaced by `to`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "“{from}” should occur once");
    text.replacen(from, to, 1)
}

/// Asserts the load gave no department and exactly one error, `code`, at `line:column`
/// (1-based, column in characters); returns its message.
fn only_error(loaded: &Loaded, code: &str, line: usize, column: usize) -> String {
    let all: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| {
            let at = d.pos.as_ref().map(|p| (p.line, p.column));
            format!("{} {:?} {}", d.rule.code, at, d.message)
        })
        .collect();
    assert_eq!(loaded.diagnostics.len(), 1, "diagnostics: {all:#?}");
    assert!(loaded.departments.is_empty(), "nothing should load");
    let d = &loaded.diagnostics[0];
    assert_eq!(d.rule.code, code, "{all:#?}");
    assert_eq!(d.severity, Severity::Error);
    let pos = d
        .pos
        .as_ref()
        .unwrap_or_else(|| panic!("{code} has no position"));
    assert_eq!((pos.line, pos.column), (line, column), "{all:#?}");
    d.message.clone()
}

/// 1-based character column of `needle` in line `line` of `text`.
fn column_of(text: &str, line: usize, needle: &str) -> usize {
    let l = text.lines().nth(line - 1).unwrap();
    l[..l.find(needle).unwrap()].chars().count() + 1
}

#[test]
fn the_good_file_loads_without_diagnostics() {
    let loaded = load_one(GOOD);
    assert!(loaded.diagnostics.is_empty());
    assert_eq!(loaded.departments.len(), 1);
    assert_eq!(loaded.departments[0].projects[0].indicators.len(), 4);
}

// ---------------------------------------------------------------------------------------------
// YAML syntax (JX006)

#[test]
fn unquoted_comparison_in_a_block_mapping_is_a_syntax_error() {
    let text = "\
部门: 测试部门
年度: 2023
样式: xinjiang
项目:
  - 名称: 项目甲
    指标:
      - 一级: 产出指标
        指标值: >=90%
";
    let msg = only_error(&load_one(text), "JX006", 8, column_of(text, 8, ">="));
    assert!(msg.starts_with("YAML 语法错误"), "{msg}");
}

#[test]
fn a_second_colon_on_a_line_is_a_syntax_error() {
    let text = edit(GOOD, "名称: 项目甲", "名称: 项目: 甲");
    only_error(&load_one(&text), "JX006", 5, column_of(&text, 5, ": 甲"));
}

/// The corpus writes indicators as flow mappings (`- {一级: …, 指标值: ">=90%"}`); unquoted there,
/// the example docs/data-format.md warns about is reported as JX007 “类型不符：unexpected
/// character” (the classifier in load::translate matches “expected” inside “unexpected”).
#[test]

fn unquoted_comparison_in_a_flow_mapping_is_a_syntax_error() {
    let text = edit(GOOD, "指标值: \">=95%\"", "指标值: >=95%");
    let msg = only_error(&load_one(&text), "JX006", 13, column_of(&text, 13, ">=95%"));
    assert!(msg.starts_with("YAML 语法错误"), "{msg}");
}

/// Every other syntax error saphyr reports in its own words: an unexpected character (`@`, `>`
/// in flow), an unclosed quote or bracket, a tab in the indentation are JX007 (“类型不符” /
/// “YAML 格式错误”), and an unknown alias is JX008 (“超出安全限制”).
#[test]

fn syntax_errors_in_every_form_are_jx006() {
    let cases = [
        // (from, to, the line the error is on)
        ("指标值: \">=95%\"", "指标值: >=95%", 13),
        ("名称: 项目甲", "名称: @项目甲", 5),
        ("    总体目标: 目标\n", "    总体目标: \"目标\n", 8),
        (
            "满意度赋分, 佐证资料: [工作资料]}",
            "满意度赋分, 佐证资料: [工作资料]",
            13,
        ),
        ("  - 名称: 项目甲", "\t- 名称: 项目甲", 5),
        ("样式: xinjiang", "样式: *xinjiang", 3),
    ];
    let mut wrong = Vec::new();
    for (from, to, line) in cases {
        let loaded = load_one(&edit(GOOD, from, to));
        assert!(loaded.departments.is_empty());
        let d = &loaded.diagnostics[0];
        let at = d.pos.as_ref().map(|p| p.line);
        if d.rule.code != "JX006" || loaded.diagnostics.len() != 1 || at.is_none() {
            wrong.push(format!(
                "{to:?} → {} at {at:?} (expected line ~{line}): {}",
                d.rule.code, d.message
            ));
        }
    }
    assert!(wrong.is_empty(), "not JX006:\n{}", wrong.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Structure (JX009, JX010, JX011, JX007)

#[test]
fn unknown_key_is_named_and_located() {
    let text = edit(GOOD, "三级: 社会效益,", "三级指标: 社会效益,");
    let msg = only_error(
        &load_one(&text),
        "JX010",
        12,
        column_of(&text, 12, "三级指标"),
    );
    assert!(msg.contains("“三级指标”"), "{msg}");
    // The message offers the keys that are allowed here.
    assert!(msg.contains("三级") && msg.contains("指标值"), "{msg}");
}

#[test]
fn unknown_top_level_key() {
    let text = edit(GOOD, "样式: xinjiang", "样式: xinjiang\n版式: anhui");
    let msg = only_error(&load_one(&text), "JX010", 4, 1);
    assert!(msg.contains("版式"), "{msg}");
}

#[test]
fn duplicate_key_is_an_error() {
    let text = edit(
        GOOD,
        "    负责人: 张三\n",
        "    负责人: 张三\n    负责人: 李四\n",
    );
    let msg = only_error(&load_one(&text), "JX009", 7, 5);
    assert!(msg.contains("负责人"), "{msg}");
    // In a flow mapping too.
    let text = edit(GOOD, "权重: 20,", "权重: 20, 权重: 10,");
    let loaded = load_one(&text);
    assert_eq!(loaded.diagnostics[0].rule.code, "JX009");
    assert_eq!(loaded.diagnostics[0].pos.as_ref().unwrap().line, 11);
}

#[test]
fn a_list_where_text_is_expected() {
    let text = edit(GOOD, "名称: 项目甲", "名称: [项目, 甲]");
    only_error(&load_one(&text), "JX007", 5, column_of(&text, 5, "["));
    let text = edit(GOOD, "三级: 社会效益,", "三级: [社会, 效益],");
    only_error(&load_one(&text), "JX007", 12, column_of(&text, 12, "[社会"));
}

#[test]
fn a_word_where_a_number_is_expected() {
    let text = edit(GOOD, "权重: 20,", "权重: 八,");
    let msg = only_error(&load_one(&text), "JX011", 11, column_of(&text, 11, "八"));
    assert!(msg.contains("“八”"), "{msg}");
    // Exponents, hex, thousands separators and infinities are not amounts.
    for bad in ["1e2", "0x10", "1_000", ".inf", "12.5.5"] {
        let text = edit(GOOD, "财政拨款: 12.55,", &format!("财政拨款: {bad},"));
        only_error(&load_one(&text), "JX011", 7, column_of(&text, 7, bad));
    }
}

#[test]
fn a_missing_required_key_is_located() {
    let text = edit(
        GOOD,
        "    资金: {财政拨款: 12.55, 其他资金: 0.00, 合计: 12.55}\n",
        "",
    );
    let loaded = load_one(&text);
    assert_eq!(loaded.diagnostics.len(), 1);
    assert!(loaded.departments.is_empty());
    let d = &loaded.diagnostics[0];
    assert_eq!(d.rule.code, "JX102");
    assert!(d.message.contains("资金"), "{}", d.message);
    assert!(d.pos.is_some());
}

/// The parser appends “ at line L, column C” to its messages; the loader means to strip the
/// position (“the position is reported separately”) but only strips a prefix, so messages end
/// in English (for JX010 the “, ” even becomes “、”: “… at line 12、column 9”).
#[test]

fn messages_do_not_repeat_the_position_in_english() {
    for (from, to) in [
        ("三级: 社会效益,", "三级指标: 社会效益,"),
        ("权重: 20,", "权重: 八,"),
        ("名称: 项目甲", "名称: [项目, 甲]"),
    ] {
        let loaded = load_one(&edit(GOOD, from, to));
        let msg = &loaded.diagnostics[0].message;
        assert!(!msg.contains("at line"), "{msg}");
    }
}

// ---------------------------------------------------------------------------------------------
// Limits (JX008)

/// The classic billion laughs: 9 levels of `&aN [*aM × 9]` over 9 strings (9¹⁰ leaves).
fn billion_laughs(indent: &str) -> String {
    let mut s = format!(
        "{indent}- &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    );
    for i in 1..=9 {
        let refs = vec![format!("*a{}", i - 1); 9].join(",");
        s.push_str(&format!("{indent}- &a{i} [{refs}]\n"));
    }
    s
}

#[test]
fn alias_bombs_are_refused_quickly() {
    // At the top (as keys), in a list of strings (备注), in the project list.
    let top = {
        let mut s = String::from(
            "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for i in 1..=9 {
            let refs = vec![format!("*a{}", i - 1); 9].join(",");
            s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        s + GOOD
    };
    let in_notes = format!(
        "部门: 测试部门\n年度: 2023\n样式: xinjiang\n备注:\n{}项目: []\n",
        billion_laughs("  ")
    );
    let in_projects = format!(
        "部门: 测试部门\n年度: 2023\n样式: xinjiang\n项目:\n{}",
        billion_laughs("  ")
    );
    let last_only = format!("{GOOD}备注: *a9\n");
    let tail = edit(
        GOOD,
        "项目:\n",
        &format!("bomb:\n{}项目:\n", billion_laughs("  ")),
    );
    for text in [top, in_notes, in_projects, last_only, tail] {
        let start = Instant::now();
        let loaded = load_one(&text);
        let took = start.elapsed();
        assert!(took < Duration::from_secs(1), "took {took:?}");
        assert!(loaded.departments.is_empty());
        assert_eq!(loaded.diagnostics.len(), 1);
        let d = &loaded.diagnostics[0];
        assert!(
            d.rule.code.starts_with("JX0") && d.is_error(),
            "{}: {}",
            d.rule.code,
            d.message
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Files (JX004, JX005) and directories

#[test]
fn empty_and_comment_only_files() {
    for text in [
        "",
        "\n\n",
        "   \n",
        "# 只有注释\n\n  # 缩进的注释\n",
        "\u{feff}\n",
    ] {
        let loaded = load_one(text);
        assert!(loaded.departments.is_empty());
        assert_eq!(loaded.diagnostics.len(), 1, "{text:?}");
        let d = &loaded.diagnostics[0];
        assert_eq!(d.rule.code, "JX005", "{text:?}");
        // No position inside an empty file, but the file is named.
        assert!(d.path.as_ref().unwrap().ends_with("a.yaml"));
    }
}

/// A document that is only `---` or `null` has no key at all: the error has neither a position
/// nor a path, so the JSON output prints `"file": ""` and a human cannot tell which file it is.
#[test]
fn a_document_without_content_names_its_file() {
    for text in ["---\n", "null\n", "--- ~\n"] {
        let loaded = load_one(text);
        let d = &loaded.diagnostics[0];
        assert!(
            d.pos.is_some() || d.path.is_some(),
            "{text:?}: {} {}",
            d.rule.code,
            d.message
        );
    }
}

#[test]
fn crlf_line_endings_keep_positions() {
    let text = edit(GOOD, "权重: 20,", "权重: 八,").replace('\n', "\r\n");
    only_error(&load_one(&text), "JX011", 11, column_of(&text, 11, "八"));
}

/// Notepad saves UTF-8 with a byte-order mark. The loader strips it before parsing but keeps it
/// in the source text that positions index, so every position is 3 bytes early: an unknown key
/// at 4:1 is reported at 3:11 (the end of the previous line), and `年度: 1999` at 2:2.
#[test]

fn a_byte_order_mark_does_not_shift_positions() {
    let text = format!(
        "\u{feff}{}",
        edit(GOOD, "样式: xinjiang\n", "样式: xinjiang\n版式: anhui\n")
    );
    only_error(&load_one(&text), "JX010", 4, 1);
    // Through the check as well.
    let text = format!("\u{feff}{}", edit(GOOD, "年度: 2023", "年度: 1999"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), text).unwrap();
    let mut loaded = jixiao::load::load_dir(dir.path());
    let styles = jixiao::style::Styles::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
        &mut loaded,
    );
    let checked = jixiao::check::check(&loaded, &styles);
    let d = checked
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "JX106")
        .unwrap();
    let pos = d.pos.as_ref().unwrap();
    assert_eq!((pos.line, pos.column), (2, 5));
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let loaded = load_one(&format!("\u{feff}{GOOD}"));
    assert!(loaded.diagnostics.is_empty());
    assert_eq!(loaded.departments.len(), 1);
}

#[test]
fn gbk_file_is_located_at_the_first_bad_byte() {
    // 名称: 测试 saved as GBK: 测 = B2 E2, 试 = CA D4.
    let mut bytes = b"\xe9\x83\xa8\xe9\x97\xa8: x\n".to_vec(); // 部门 in UTF-8
    bytes.extend_from_slice("年度: 2023\n样式: xinjiang\n项目:\n  - 名称: ".as_bytes());
    bytes.extend_from_slice(b"\xb2\xe2\xca\xd4\n");
    let (_dir, loaded) = load(&[("gbk.yaml", &bytes)]);
    assert!(loaded.departments.is_empty());
    assert_eq!(loaded.diagnostics.len(), 1);
    let d = &loaded.diagnostics[0];
    assert_eq!(d.rule.code, "JX004");
    let pos = d.pos.as_ref().unwrap();
    assert_eq!((pos.line, pos.column), (5, 9));
    // A whole GBK file: the first non-ASCII byte is on line 1.
    let gbk_dept = b"\xb2\xbf\xc3\xc5: x\n"; // 部门 in GBK
    let (_dir, loaded) = load(&[("gbk.yaml", gbk_dept)]);
    let d = &loaded.diagnostics[0];
    assert_eq!(d.rule.code, "JX004");
    assert_eq!(d.pos.as_ref().map(|p| (p.line, p.column)), Some((1, 1)));
}

#[test]
fn one_bad_file_does_not_stop_the_others() {
    let bad = edit(GOOD, "权重: 20,", "权重: 八,");
    let (_dir, loaded) = load(&[
        ("a-bad.yaml", bad.as_bytes()),
        ("b-good.yaml", GOOD.as_bytes()),
    ]);
    assert_eq!(loaded.departments.len(), 1);
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_eq!(loaded.diagnostics[0].rule.code, "JX011");
    // Positions point into the right file.
    let pos = loaded.diagnostics[0].pos.as_ref().unwrap();
    assert!(loaded.sources.path(pos.file).ends_with("a-bad.yaml"));
    assert!(
        loaded
            .sources
            .path(loaded.departments[0].file)
            .ends_with("b-good.yaml")
    );
}

#[test]
fn only_yaml_files_are_read_in_name_order() {
    let other = edit(GOOD, "部门: 测试部门", "部门: 另一部门");
    let (_dir, loaded) = load(&[
        ("b.yml", GOOD.as_bytes()),
        ("a.yaml", other.as_bytes()),
        ("notes.txt", b"not yaml: ["),
        ("c.yaml.bak", b"not yaml: ["),
    ]);
    assert!(loaded.diagnostics.is_empty());
    let names: Vec<&str> = loaded
        .departments
        .iter()
        .map(|d| d.name.value.as_str())
        .collect();
    assert_eq!(names, ["另一部门", "测试部门"]);
}

#[test]
fn missing_and_empty_directories() {
    let loaded = jixiao::load::load_dir(Path::new("/nonexistent/jixiao-data"));
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_eq!(loaded.diagnostics[0].rule.code, "JX001");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.txt"), "x").unwrap();
    let loaded = jixiao::load::load_dir(dir.path());
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_eq!(loaded.diagnostics[0].rule.code, "JX002");
}

// ---------------------------------------------------------------------------------------------
// Exact decimals

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn plain_numbers_reach_rust_decimal_exactly() {
    let loaded = load_one(GOOD);
    let funds = &loaded.departments[0].projects[0].funds.value;
    let fiscal = funds.get("财政拨款").unwrap().value.0;
    assert_eq!(fiscal, d("12.55"));
    assert_eq!(fiscal.scale(), 2);
    assert_eq!(fiscal.to_string(), "12.55");
    let other = funds.get("其他资金").unwrap().value.0;
    assert_eq!(other, Decimal::ZERO);
    assert_eq!(other.scale(), 2);
    assert_eq!(other.to_string(), "0.00");

    let text = edit(
        GOOD,
        "财政拨款: 12.55, 其他资金: 0.00, 合计: 12.55",
        "财政拨款: 10.368, 其他资金: 0, 合计: 10.3680",
    );
    let loaded = load_one(&text);
    let funds = &loaded.departments[0].projects[0].funds.value;
    let fiscal = funds.get("财政拨款").unwrap().value.0;
    assert_eq!(
        (fiscal.to_string(), fiscal.scale()),
        ("10.368".to_string(), 3)
    );
    let total = funds.total().unwrap().value.0;
    assert_eq!(
        (total.to_string(), total.scale()),
        ("10.3680".to_string(), 4)
    );
    assert_eq!(funds.get("其他资金").unwrap().value.0.scale(), 0);
}

#[test]
fn numbers_a_float_would_spoil() {
    // 0.1 + 0.2 and a 17-significant-digit amount stay exact; so do weights.
    let text = edit(
        GOOD,
        "财政拨款: 12.55, 其他资金: 0.00, 合计: 12.55",
        "财政拨款: 0.1, 其他资金: 0.2, 合计: 1234567890.1234567",
    );
    let text = edit(&text, "权重: 20,", "权重: 19.99,");
    let loaded = load_one(&text);
    assert!(loaded.diagnostics.is_empty());
    let p = &loaded.departments[0].projects[0];
    let f = &p.funds.value;
    assert_eq!(
        f.get("财政拨款").unwrap().value.0 + f.get("其他资金").unwrap().value.0,
        d("0.3")
    );
    assert_eq!(f.total().unwrap().value.0.to_string(), "1234567890.1234567");
    assert_eq!(
        p.indicators[1].weight.as_ref().unwrap().value.0.to_string(),
        "19.99"
    );
    // Quoted numbers are read the same way; a sign is allowed (negatives are a check error).
    let text = edit(GOOD, "财政拨款: 12.55,", "财政拨款: \"12.55\",");
    let text = edit(&text, "其他资金: 0.00,", "其他资金: -1.50,");
    let loaded = load_one(&text);
    let f = &loaded.departments[0].projects[0].funds.value;
    assert_eq!(f.get("财政拨款").unwrap().value.0.to_string(), "12.55");
    assert_eq!(f.get("其他资金").unwrap().value.0.to_string(), "-1.50");
}

#[test]
fn positions_are_kept_on_values() {
    let loaded = load_one(GOOD);
    let dept = &loaded.departments[0];
    assert_eq!(dept.year.referenced.line() as usize, 2);
    let ind = &dept.projects[0].indicators[2];
    assert_eq!(ind.name.value, "社会效益");
    assert_eq!(ind.name.referenced.line() as usize, 12);
}
