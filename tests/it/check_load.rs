//! Loading: bad input gets one located error and nothing else; one bad file does not stop the
//! others; numbers reach `rust_decimal` exactly as written.

use std::path::Path;
use std::str::FromStr;

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
        // Refused by the parser's alias budget, not after expanding (how fast is bench/'s
        // affair: a wall-clock bound failed here whenever the machine was busy).
        let loaded = load_one(&text);
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
    // 0.1 + 0.2 and the largest amount allowed (18 significant digits: below 10¹², 6 decimals)
    // stay exact; so do weights.
    let text = edit(
        GOOD,
        "财政拨款: 12.55, 其他资金: 0.00, 合计: 12.55",
        "财政拨款: 0.1, 其他资金: 0.2, 合计: 999999999999.999999",
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
    assert_eq!(
        f.total().unwrap().value.0.to_string(),
        "999999999999.999999"
    );
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

// ---------------------------------------------------------------------------------------------
// Issue 8: hostile and extreme input. Every case is a located error (or loads correctly); none
// panics, none is silently rounded, cut or read from outside the data directory.

/// Loads and checks the data directory `dir` against the repository's styles: every
/// diagnostic, loader's and checker's.
fn load_and_check(dir: &Path) -> (Loaded, Vec<jixiao::diag::Diagnostic>) {
    let mut loaded = jixiao::load::load_dir(dir);
    let styles = jixiao::style::Styles::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
        &mut loaded,
    );
    let checked = jixiao::check::check(&loaded, &styles);
    let mut all = loaded.diagnostics.clone();
    all.extend(checked.diagnostics);
    (loaded, all)
}

/// Whether a message says nothing in the parser's English: apart from what it quotes (“…”)
/// and a few names, no ASCII word of three letters or more.
fn is_chinese(msg: &str) -> bool {
    const NAMES: &[&str] = &[
        "YAML", "UTF", "GBK", "Tab", "BOM", "MiB", "null", "Windows", "PDF", "Excel", "ESC",
    ];
    // File paths are names too.
    let msg: Vec<&str> = msg
        .split(' ')
        .filter(|w| !w.contains('/') && !w.contains(".yaml"))
        .collect();
    let mut unquoted = String::new();
    let mut depth = 0;
    for c in msg.join(" ").chars() {
        match c {
            '“' => depth += 1,
            '”' => depth -= 1,
            c if depth == 0 => unquoted.push(c),
            _ => {}
        }
    }
    unquoted
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 3)
        .all(|w| NAMES.contains(&w))
}

/// Every character of a message is one a terminal shows as it is.
fn is_printable(msg: &str) -> bool {
    !msg.chars()
        .any(|c| c == '\n' || jixiao::rules::is_refused(c))
}

/// The bad-input catalogue of `tests/fixtures/bad/`: each file (or directory of files) with
/// the one error it gives, where (`None`: the file as a whole).
type Expected = (&'static str, &'static str, Option<(usize, usize)>);
const BAD: &[Expected] = &[
    ("29-decimal-places.yaml", "JX012", Some((7, 29))),
    ("amount-beyond-decimal.yaml", "JX012", Some((7, 16))),
    ("amount-from-10-to-the-12.yaml", "JX012", Some((7, 29))),
    ("weight-7-decimal-places.yaml", "JX012", Some((11, 77))),
    ("year-beyond-u32.yaml", "JX011", Some((2, 5))),
    ("bidi-override.yaml", "JX014", Some((8, 16))),
    ("bidi-isolate-escaped.yaml", "JX014", Some((6, 10))),
    ("terminal-escape.yaml", "JX014", Some((5, 9))),
    ("c1-control.yaml", "JX014", Some((6, 10))),
    ("line-break-in-key.yaml", "JX014", Some((7, 5))),
    ("tab-in-text.yaml", "JX015", Some((8, 13))),
    ("text-over-10000-characters.yaml", "JX013", Some((8, 11))),
    (
        "goal-list-over-10000-characters.yaml",
        "JX013",
        Some((9, 7)),
    ),
    ("unclosed-flow-sequence.yaml", "JX006", Some((11, 15))),
    (
        "unclosed-flow-in-flow-mapping.yaml",
        "JX006",
        Some((13, 98)),
    ),
    ("two-documents.yaml", "JX006", Some((15, 1))),
    ("only-document-markers.yaml", "JX005", None),
    ("top-level-list.yaml", "JX007", Some((1, 1))),
    ("reserved-device-name.yaml", "JX112", Some((1, 5))),
    // 财政局/预算科 and 财政局_预算科: both would write out/2023/财政局_预算科/.
    ("collision", "JX111", Some((1, 5))),
];

fn bad_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad")
}

#[test]
fn the_bad_input_catalogue() {
    let mut wrong = Vec::new();
    for (name, code, at) in BAD {
        let src = bad_dir().join(name);
        let dir = tempfile::tempdir().unwrap();
        if src.is_dir() {
            for e in std::fs::read_dir(&src).unwrap() {
                let e = e.unwrap();
                std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
            }
        } else {
            std::fs::copy(&src, dir.path().join(name)).unwrap();
        }
        let (loaded, diags) = load_and_check(dir.path());
        let got: Vec<String> = diags
            .iter()
            .map(|d| {
                let pos = d.pos.as_ref().map(|p| (p.line, p.column));
                format!("{} {pos:?} {}", d.rule.code, d.message)
            })
            .collect();
        let d = &diags[0];
        let pos = d.pos.as_ref().map(|p| (p.line, p.column));
        let ok = diags.len() == 1
            && d.rule.code == *code
            && d.is_error()
            && pos == *at
            && (pos.is_some() || d.path.as_ref().is_some_and(|p| p.ends_with(name)))
            && is_chinese(&d.message)
            && is_printable(&d.message)
            && d.message.chars().count() < 200;
        if !ok {
            wrong.push(format!("{name}: expected {code} at {at:?}, got {got:#?}"));
        }
        // A load error leaves no department of that file.
        if code.starts_with("JX0") {
            assert!(loaded.departments.is_empty(), "{name}");
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_bad_fixture_is_in_the_catalogue() {
    for e in std::fs::read_dir(bad_dir()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            BAD.iter().any(|(n, _, _)| *n == name),
            "tests/fixtures/bad/{name} is not in the BAD catalogue"
        );
    }
}

// Numbers (JX011, JX012)

#[test]
fn number_limits() {
    use jixiao::model::{NumberError, parse_amount};
    for ok in [
        "0",
        "-0.5",
        "12.55",
        "0.000001",
        "999999999999.999999",
        "-999999999999",
        "+1.5",
        "000000000000012.5",
    ] {
        let d = parse_amount(ok).unwrap_or_else(|e| panic!("{ok}: {e:?}"));
        assert_eq!(
            d,
            Decimal::from_str_exact(ok.trim_start_matches('+')).unwrap()
        );
    }
    assert_eq!(
        parse_amount("0.0000001"),
        Err(NumberError::TooPrecise { decimals: 7 })
    );
    assert_eq!(
        parse_amount("1.0000000"),
        Err(NumberError::TooPrecise { decimals: 7 })
    );
    assert_eq!(parse_amount("1000000000000"), Err(NumberError::TooLarge));
    assert_eq!(parse_amount("-1000000000000.5"), Err(NumberError::TooLarge));
    for bad in ["", "-", "1e2", ".5", "5.", "1,000", "1_000", "0x10", "一"] {
        assert_eq!(parse_amount(bad), Err(NumberError::NotANumber), "{bad:?}");
    }
    // `parse_decimal` (targets, stated rates) never rounds: what it cannot hold exactly is
    // not a number.
    assert_eq!(
        jixiao::model::parse_decimal("0.00000000000000000000000000001"),
        None
    );
    assert_eq!(
        jixiao::model::parse_decimal("79228162514264337593543950336"),
        None
    );
}

#[test]
fn numbers_beyond_the_limits_are_located_load_errors() {
    for (from, to, line) in [
        (
            "其他资金: 0.00,",
            "其他资金: 0.00000000000000000000000000001,",
            7,
        ),
        ("财政拨款: 12.55,", "财政拨款: 1000000000000,", 7),
        ("合计: 12.55}", "合计: 12.5500001}", 7),
        ("权重: 20,", "权重: 19.9999999,", 11),
        (
            "权重: 30, 赋分规则: 按评判等级赋分",
            "权重: 1e3, 赋分规则: 按评判等级赋分",
            12,
        ),
    ] {
        let text = edit(GOOD, from, to);
        let number = to.split(": ").nth(1).unwrap().trim_end_matches([',', '}']);
        let code = if number.contains('e') {
            "JX011"
        } else {
            "JX012"
        };
        let msg = only_error(&load_one(&text), code, line, column_of(&text, line, number));
        assert!(is_chinese(&msg), "{msg}");
    }
    // The largest and the most precise amounts allowed load exactly.
    let text = edit(
        GOOD,
        "财政拨款: 12.55, 其他资金: 0.00, 合计: 12.55",
        "财政拨款: 999999999999.999999, 其他资金: 0.000001",
    );
    let loaded = load_one(&text);
    assert!(loaded.diagnostics.is_empty());
    let f = &loaded.departments[0].projects[0].funds.value;
    assert_eq!(f.get("其他资金").unwrap().value.0.to_string(), "0.000001");
    // A number of 3,000 digits is not echoed whole.
    let text = edit(
        GOOD,
        "财政拨款: 12.55,",
        &format!("财政拨款: {},", "9".repeat(3000)),
    );
    let msg = only_error(&load_one(&text), "JX012", 7, 16);
    assert!(msg.chars().count() < 120, "{msg}");
}

/// A year the integer cannot hold was “invalid u32”.
#[test]
fn a_year_beyond_range_is_said_in_chinese() {
    for year in ["99999999999", "-1", "2023.5", "二〇二三"] {
        let text = edit(GOOD, "年度: 2023", &format!("年度: {year}"));
        let loaded = load_one(&text);
        assert!(loaded.departments.is_empty(), "{year}");
        let d = &loaded.diagnostics[0];
        assert!(
            matches!(d.rule.code, "JX011" | "JX007"),
            "{year}: {}",
            d.rule.code
        );
        assert_eq!(d.pos.as_ref().map(|p| p.line), Some(2), "{year}");
        assert!(is_chinese(&d.message), "{year}: {}", d.message);
    }
}

// Texts (JX013, JX014, JX015)

#[test]
fn texts_up_to_the_limit_load_and_longer_ones_are_refused() {
    let max = jixiao::load::text::MAX_TEXT_CHARS;
    let text = edit(
        GOOD,
        "总体目标: 目标",
        &format!("总体目标: {}", "长".repeat(max)),
    );
    let loaded = load_one(&text);
    assert!(loaded.diagnostics.is_empty());
    assert_eq!(
        loaded.departments[0].projects[0]
            .goals
            .as_ref()
            .unwrap()
            .value
            .texts()[0]
            .chars()
            .count(),
        max
    );
    // One more, in any field: a value, a key, an extra field, a number-like text.
    for (from, to) in [
        (
            "总体目标: 目标",
            format!("总体目标: {}", "长".repeat(max + 1)),
        ),
        (
            "负责人: 张三",
            format!("负责人: \"{}\"", "a".repeat(max + 1)),
        ),
        // (A key of more than 1,024 characters must be written explicitly, with `?`.)
        (
            "负责人: 张三",
            format!("负责人: 张三\n    ? {}\n    : 说明", "键".repeat(max + 1)),
        ),
        ("三级: 社会效益,", format!("三级: {},", "1".repeat(max + 1))),
    ] {
        let text = edit(GOOD, from, &to);
        let loaded = load_one(&text);
        assert!(loaded.departments.is_empty());
        let d = &loaded.diagnostics[0];
        assert_eq!(d.rule.code, "JX013", "{}", d.message);
        assert!(d.pos.is_some());
        assert!(d.message.chars().count() < 100, "{}", d.message);
    }
}

/// One value of megabytes used to pass `check` and cost `build` minutes and gigabytes.
#[test]
fn huge_values_and_files_are_refused_quickly() {
    let text = edit(
        GOOD,
        "总体目标: 目标",
        &format!("总体目标: {}", "长".repeat(1 << 20)),
    );
    let loaded = load_one(&text);
    let d = &loaded.diagnostics[0];
    assert_eq!((d.rule.code, loaded.diagnostics.len()), ("JX013", 1));
    assert!(d.message.chars().count() < 100);
    // The human report names the place but does not print a line of megabytes.
    let mut out = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    jixiao::diag::emit_human(&mut out, &loaded.sources, &loaded.diagnostics);
    let report = String::from_utf8(out.into_inner()).unwrap();
    assert!(report.len() < 2000, "{} bytes", report.len());
    assert!(report.contains("a.yaml:8:11"), "{report}");
    // A file beyond 16 MiB is not parsed at all.
    let big = format!("{GOOD}备注: [\"{}\"]\n", "x".repeat(17 << 20));
    let loaded = load_one(&big);
    let d = &loaded.diagnostics[0];
    assert_eq!((d.rule.code, loaded.diagnostics.len()), ("JX008", 1));
    assert!(d.path.as_ref().unwrap().ends_with("a.yaml"));
}

#[test]
fn control_characters_are_refused_where_they_stand() {
    let refused = [
        '\u{202E}', '\u{202C}', '\u{202A}', '\u{202B}', '\u{202D}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}', '\u{2028}', '\u{2029}',
        '\u{FEFF}', '\u{85}',
    ];
    for c in refused {
        // Written as it is, in the middle of a value: located at the character.
        let text = edit(GOOD, "负责人: 张三", &format!("负责人: 张{c}三"));
        let msg = only_error(&load_one(&text), "JX014", 6, 11);
        assert!(msg.contains(&format!("U+{:04X}", c as u32)), "{msg}");
        assert!(is_printable(&msg), "{c:?}");
        // Written as an escape: located at the text.
        let text = edit(
            GOOD,
            "负责人: 张三",
            &format!("负责人: \"张\\u{:04X}三\"", c as u32),
        );
        only_error(&load_one(&text), "JX014", 6, 10);
    }
    // C0 controls and DEL, as escapes (YAML refuses them written as they are: JX014 too).
    for esc in [
        "\\0", "\\a", "\\b", "\\e", "\\r", "\\v", "\\f", "\\x01", "\\x7f", "\\x9b",
    ] {
        let text = edit(GOOD, "负责人: 张三", &format!("负责人: \"张{esc}三\""));
        only_error(&load_one(&text), "JX014", 6, 10);
    }
    for raw in ['\u{1}', '\u{1b}', '\u{7f}', '\u{9b}', '\0'] {
        let text = edit(GOOD, "负责人: 张三", &format!("负责人: 张{raw}三"));
        let msg = only_error(&load_one(&text), "JX014", 6, 11);
        assert!(is_printable(&msg), "{raw:?}: {msg}");
    }
    // In every kind of place: a key, a list item, a flow mapping, a note.
    for (from, to, line) in [
        (
            "负责人: 张三",
            "负责人: 张三\n    \"备\u{202E}注\": 说明".to_string(),
            7,
        ),
        (
            "佐证资料: [原始凭证]",
            "佐证资料: [原始\u{202E}凭证]".to_string(),
            11,
        ),
        ("三级: 社会效益,", "三级: 社会\u{2066}效益,".to_string(), 12),
        (
            "样式: xinjiang",
            "样式: xinjiang\n备注: [\"注\u{202E}一\"]".to_string(),
            4,
        ),
    ] {
        let text = edit(GOOD, from, &to);
        let loaded = load_one(&text);
        assert_eq!(loaded.diagnostics[0].rule.code, "JX014", "{to}");
        assert_eq!(loaded.diagnostics[0].pos.as_ref().unwrap().line, line);
    }
    // A line break is text in a value, not in a key.
    let text = edit(
        GOOD,
        "    总体目标: 目标\n",
        "    总体目标: |\n      第一行\n      第二行\n",
    );
    let loaded = load_one(&text);
    assert!(loaded.diagnostics.is_empty());
    let text = edit(GOOD, "负责人: 张三", "负责人: 张三\n    \"备\\n注\": 说明");
    only_error(&load_one(&text), "JX014", 7, 5);
    // Many at once: listed up to 50, the rest counted.
    let many: String = (0..80)
        .map(|i| format!("  - \"注{i}\u{202E}\"\n"))
        .collect();
    let text = edit(
        GOOD,
        "样式: xinjiang\n",
        &format!("样式: xinjiang\n备注:\n{many}"),
    );
    let loaded = load_one(&text);
    assert_eq!(loaded.diagnostics.len(), 51);
    assert!(
        loaded.diagnostics[50].message.contains("30"),
        "{}",
        loaded.diagnostics[50].message
    );
}

#[test]
fn tabs_are_refused_with_advice_to_use_spaces() {
    let text = edit(GOOD, "总体目标: 目标", "总体目标: \"甲\t乙\t丙\"");
    let loaded = load_one(&text);
    let msg = only_error(&loaded, "JX015", 8, 13);
    assert!(msg.contains('2'), "{msg}");
    assert!(
        loaded.diagnostics[0]
            .help
            .as_ref()
            .unwrap()
            .contains("空格")
    );
    // As an escape, in a block scalar.
    let text = edit(GOOD, "负责人: 张三", "负责人: \"张\\t三\"");
    only_error(&load_one(&text), "JX015", 6, 10);
    let text = edit(
        GOOD,
        "    总体目标: 目标\n",
        "    总体目标: |\n      第一\t行\n",
    );
    only_error(&load_one(&text), "JX015", 9, 9);
}

// Symbolic links (JX016)

#[cfg(unix)]
#[test]
fn links_out_of_the_data_directory_are_refused_unread() {
    use std::os::unix::fs::symlink;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let elsewhere = root.path().join("elsewhere");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("x.yaml"), GOOD).unwrap();
    std::fs::write(elsewhere.join("secret.yaml"), "机密: 第一行内容\n").unwrap();
    symlink("/etc/passwd", data.join("passwd.yaml")).unwrap();
    symlink(elsewhere.join("x.yaml"), data.join("other.yaml")).unwrap();
    symlink("../elsewhere/secret.yaml", data.join("relative.yml")).unwrap();
    // A chain that starts inside and ends outside.
    symlink("relative.yml", data.join("chain.yaml")).unwrap();
    let loaded = jixiao::load::load_dir(&data);
    assert!(loaded.departments.is_empty());
    let codes: Vec<(&str, String)> = loaded
        .diagnostics
        .iter()
        .map(|d| {
            let name = d.path.as_ref().unwrap().file_name().unwrap();
            (d.rule.code, name.to_string_lossy().into_owned())
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("JX016", "chain.yaml".to_string()),
            ("JX016", "other.yaml".to_string()),
            ("JX016", "passwd.yaml".to_string()),
            ("JX016", "relative.yml".to_string()),
        ]
    );
    for d in &loaded.diagnostics {
        assert!(d.pos.is_none());
        assert!(!d.message.contains("root:") && !d.message.contains("机密"));
        assert!(!d.message.contains("第一行"), "{}", d.message);
    }
    // Nothing was read: no source text holds the targets' content.
    let mut out = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    jixiao::diag::emit_human(&mut out, &loaded.sources, &loaded.diagnostics);
    let report = String::from_utf8(out.into_inner()).unwrap();
    assert!(
        !report.contains("root:") && !report.contains("第一行内容"),
        "{report}"
    );
}

#[cfg(unix)]
#[test]
fn links_inside_the_data_directory_are_followed() {
    use std::os::unix::fs::symlink;
    let root = tempfile::tempdir().unwrap();
    let real = root.path().join("real-data");
    std::fs::create_dir_all(real.join("sub")).unwrap();
    std::fs::write(real.join("sub/good.txt"), GOOD).unwrap();
    symlink("sub/good.txt", real.join("a.yaml")).unwrap();
    // A dangling link is a located read error; a link to a directory is no data file.
    symlink("missing.yaml", real.join("b.yaml")).unwrap();
    symlink("sub", real.join("c.yaml")).unwrap();
    // The data directory itself may be a link.
    let data = root.path().join("data");
    symlink(&real, &data).unwrap();
    let loaded = jixiao::load::load_dir(&data);
    assert_eq!(loaded.departments.len(), 1);
    let file = loaded.departments[0].file;
    assert!(loaded.sources.path(file).ends_with("data/a.yaml"));
    assert_eq!(loaded.diagnostics.len(), 1);
    let d = &loaded.diagnostics[0];
    assert_eq!(d.rule.code, "JX003");
    assert!(d.path.as_ref().unwrap().ends_with("b.yaml"));
}

// Parser messages (JX006, JX007, JX005, JX008)

/// 22 of 78 error messages used to end in the parser's English.
#[test]
fn parser_messages_are_said_in_chinese() {
    let cases: Vec<String> = vec![
        edit(GOOD, "年度: 2023", "年度: 99999999999"),
        format!("{GOOD}---\n{GOOD}"),
        edit(GOOD, "名称: 项目甲", "名称: [项目, 甲]"),
        edit(GOOD, "名称: 项目甲", "名称: {项目: 甲}"),
        edit(GOOD, "项目:\n", "项目: 五\n备用:\n"),
        edit(GOOD, "资金: {财政拨款: 12.55, 其他资金: 0.00, 合计: 12.55}", "资金: [12.55]"),
        edit(GOOD, "名称: 项目甲", "名称: ~"),
        edit(GOOD, "样式: xinjiang", "样式: *xinjiang"),
        edit(GOOD, "  - 名称: 项目甲", "\t- 名称: 项目甲"),
        edit(GOOD, "名称: 项目甲", "名称: \"项目甲"),
        edit(GOOD, "名称: 项目甲", "名称: '项目甲"),
        edit(GOOD, "名称: 项目甲", "名称: 项目: 甲"),
        edit(GOOD, "名称: 项目甲", "名称: @项目甲"),
        edit(GOOD, "名称: 项目甲", "名称: `项目甲`"),
        edit(GOOD, "名称: 项目甲", "名称: \"项目\\q甲\""),
        edit(GOOD, "名称: 项目甲", "名称: !!int 项目甲"),
        edit(GOOD, "名称: 项目甲", "名称: !自定 项目甲"),
        edit(GOOD, "满意度赋分, 佐证资料: [工作资料]}", "满意度赋分, 佐证资料: [工作资料}}"),
        edit(GOOD, "佐证资料: [原始凭证]}", "佐证资料: 原始凭证]}"),
        edit(GOOD, "    负责人: 张三\n", "    负责人: 张三\n   实施单位: 甲\n"),
        edit(GOOD, "部门: 测试部门", "? [部门]\n: 测试部门"),
        edit(GOOD, "总体目标: 目标", "总体目标: {目标1: 甲}"),
        edit(GOOD, "权重: 20,", "权重: [20],"),
        edit(GOOD, "权重: 20,", "权重: true,"),
        edit(GOOD, "指标:\n", "指标: 无\n"),
        edit(GOOD, "三级: 社会效益,", "三级指标: 社会效益,"),
        edit(GOOD, "样式: xinjiang\n", "样式: xinjiang\n%YAML 1.2\n"),
        edit(GOOD, "部门: 测试部门", "部门: 测试部门\n部门: 另一部门"),
        "部门: [\n".to_string(),
        "部门: 测试部门\n年度: 2023\n样式: xinjiang\n项目:\n  - 名称: 甲\n    资金: {合计: 1}\n    指标: []\n  - 名称:\n"
            .to_string(),
        "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{".to_string(),
        // Nested 80 deep.
        "a:\n".to_string()
            + &(1..80)
                .map(|i| format!("{}b{i}:\n", "  ".repeat(i)))
                .collect::<String>(),
    ];
    let mut wrong = Vec::new();
    for text in &cases {
        let loaded = load_one(text);
        if loaded.diagnostics.is_empty() {
            wrong.push(format!("no diagnostic for {text:?}"));
            continue;
        }
        for d in &loaded.diagnostics {
            let located = d.pos.is_some() || d.path.is_some();
            if !is_chinese(&d.message) || !located || !d.is_error() {
                wrong.push(format!(
                    "{}: {} (located: {located})",
                    d.rule.code, d.message
                ));
            }
            if let Some(h) = &d.help
                && !is_chinese(h)
            {
                wrong.push(format!("{}: help {h}", d.rule.code));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `佐证资料: [正式材料` left open: the scanner runs on and stumbles a line later; the error
/// is the bracket, JX006, where it stands.
#[test]
fn an_unclosed_flow_sequence_is_reported_at_its_bracket() {
    let block = "\
部门: 测试部门
年度: 2023
样式: xinjiang
项目:
  - 名称: 项目甲
    负责人: 张三
    资金: {财政拨款: 12.55, 合计: 12.55}
    总体目标: 目标
    指标:
      - 一级: 产出指标
        佐证资料: [正式材料
        三级: 开展活动次数
";
    let msg = only_error(&load_one(block), "JX006", 11, column_of(block, 11, "["));
    assert!(msg.contains('[') && msg.contains(']'), "{msg}");
    // In a one-line flow mapping, and as the file's last line.
    let text = edit(
        GOOD,
        "满意度赋分, 佐证资料: [工作资料]}",
        "满意度赋分, 佐证资料: [正式材料}",
    );
    only_error(&load_one(&text), "JX006", 13, column_of(&text, 13, "[正式"));
    let text = "部门: 测试部门\n佐证资料: [正式材料\n";
    only_error(&load_one(text), "JX006", 2, 7);
    // An unclosed quote likewise, at the quote.
    for q in ['"', '\''] {
        let text = edit(GOOD, "名称: 项目甲", &format!("名称: {q}项目甲"));
        let msg = only_error(
            &load_one(&text),
            "JX006",
            5,
            column_of(&text, 5, "项目甲") - 1,
        );
        assert!(msg.contains("引号"), "{msg}");
    }
    // A list deliberately written over several lines is fine; a bracket inside a word too.
    let text = edit(
        GOOD,
        "佐证资料: [原始凭证]}",
        "佐证资料: [原始凭证,\n          工作资料]}",
    );
    assert!(load_one(&text).diagnostics.is_empty());
    let text = edit(GOOD, "名称: 项目甲", "名称: 巴财行[2022");
    assert!(load_one(&text).diagnostics.is_empty());
}

#[test]
fn a_file_of_document_markers_only_is_a_file_level_error() {
    for text in ["---\n...\n", "--- \n...\n---\n", "...\n"] {
        let loaded = load_one(text);
        assert_eq!(loaded.diagnostics.len(), 1, "{text:?}");
        let d = &loaded.diagnostics[0];
        if d.rule.code == "JX005" {
            assert!(d.pos.is_none(), "{text:?}");
            assert!(d.path.as_ref().unwrap().ends_with("a.yaml"));
        } else {
            assert!(
                d.pos.as_ref().is_some_and(|p| p.line > 0),
                "{text:?}: {}",
                d.message
            );
        }
        assert_ne!(d.rule.code, "JX102", "{text:?}");
    }
}

/// A project as the corpus writes them (安徽, 11 indicators and a self-evaluation): about 230
/// YAML nodes.
fn corpus_project(i: usize) -> String {
    let mut s = format!(
        "  - 名称: 项目{i}\n    实施单位: 办公室\n    资金: {{财政拨款: 55, 合计: 55}}\n    总体目标: 目标\n    指标:\n"
    );
    let inds = [
        ("产出指标", "数量指标"),
        ("产出指标", "质量指标"),
        ("产出指标", "时效指标"),
        ("产出指标", "成本指标"),
        ("效益指标", "经济效益指标"),
        ("效益指标", "社会效益指标"),
        ("效益指标", "生态效益指标"),
        ("效益指标", "可持续影响指标"),
        ("满意度指标", "服务对象满意度指标"),
        ("满意度指标", "服务对象满意度指标"),
        ("产出指标", "数量指标"),
    ];
    for (k, (l1, l2)) in inds.iter().enumerate() {
        s += &format!(
            "      - {{一级: {l1}, 二级: {l2}, 三级: 指标{k}, 指标值: ≥{k}次, 依据: 计划标准, 权重: 5, 赋分规则: 直接赋分, 佐证资料: [工作资料, 原始凭证]}}\n"
        );
    }
    s += "    自评:\n      资金:\n        财政拨款: {年初预算: 55, 全年预算: 55, 全年执行: 50}\n      实际完成情况: 完成\n      指标:\n";
    for k in 0..inds.len() {
        s += &format!("        - {{指标: 指标{k}, 实际完成值: {k}次, 得分: 5, 偏差原因: 无}}\n");
    }
    s
}

/// The parser's default node budget (250,000) stopped a plain department of 1,200 projects,
/// with advice about anchors it does not use. The budget is raised for plain files; alias
/// expansion keeps its own tight limits (`alias_bombs_are_refused_quickly`).
#[test]
fn plain_files_are_not_stopped_by_the_node_budget() {
    let head = "部门: 测试部门\n年度: 2023\n样式: anhui\n项目:\n";
    let text: String = head.to_string() + &(0..1200).map(corpus_project).collect::<String>();
    let loaded = load_one(&text);
    assert!(
        loaded.diagnostics.is_empty(),
        "{}",
        loaded.diagnostics[0].message
    );
    assert_eq!(loaded.departments[0].projects.len(), 1200);
    // Beyond the raised budget, a plain file is refused with advice that does not speak of
    // anchors; a file that uses them is told about them.
    let notes = "备注: [".to_string() + &"a,".repeat(2_600_000) + "a]\n";
    let loaded = load_one(&edit(
        GOOD,
        "样式: xinjiang\n",
        &format!("样式: xinjiang\n{notes}"),
    ));
    let d = &loaded.diagnostics[0];
    assert_eq!((d.rule.code, loaded.diagnostics.len()), ("JX008", 1));
    assert!(is_chinese(&d.message), "{}", d.message);
    let help = d.help.as_deref().unwrap();
    assert!(!help.contains("锚点") && !help.contains('&'), "{help}");
}

#[test]
fn alias_bombs_are_told_about_anchors() {
    let text = format!(
        "部门: 测试部门\n年度: 2023\n样式: xinjiang\n备注:\n{}项目: []\n",
        billion_laughs("  ")
    );
    let loaded = load_one(&text);
    let d = &loaded.diagnostics[0];
    assert_eq!(d.rule.code, "JX008");
    assert!(is_chinese(&d.message), "{}", d.message);
    assert!(d.help.as_deref().unwrap().contains("锚点"), "{:?}", d.help);
}

/// Files are parsed in parallel: every department and every diagnostic must still name its own
/// file, at the right line, in name order — whatever file finished first. Files of different
/// sizes (so they finish in another order than they start), each broken at a known line, and
/// good ones between them.
#[test]
fn parallel_loading_keeps_each_file_its_own_positions_and_the_name_order() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..24 {
        let name = format!("{i:02}.yaml");
        // Every third file has a syntax error on line 3 + i (after i comment lines); a
        // long file (many projects) comes before short ones.
        let padding = "# 注释\n".repeat(i);
        let text = if i % 3 == 0 {
            format!("部门: 部门{i}\n年度: 2023\n{padding}样式: [未闭合\n")
        } else {
            let projects = if i % 2 == 0 { 40 } else { 1 };
            let mut t = GOOD.replace("测试部门", &format!("部门{i}"));
            let project = t.split_off(t.find("  - 名称").unwrap());
            for p in 0..projects {
                t.push_str(&project.replace("项目甲", &format!("项目{p}")));
            }
            t
        };
        files.push((name, text.into_bytes()));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let (_dir, loaded) = load(&refs);
    let names: Vec<String> = loaded
        .departments
        .iter()
        .map(|d| d.name.value.clone())
        .collect();
    let expected: Vec<String> = (0..24)
        .filter(|i| i % 3 != 0)
        .map(|i| format!("部门{i}"))
        .collect();
    assert_eq!(names, expected, "departments in name order");
    for d in &loaded.departments {
        let path = loaded.sources.path(d.file);
        let i: usize = path.file_stem().unwrap().to_str().unwrap().parse().unwrap();
        assert_eq!(d.name.value, format!("部门{i}"), "{}", path.display());
    }
    let errors: Vec<(String, usize)> = loaded
        .diagnostics
        .iter()
        .map(|d| {
            let pos = d.pos.as_ref().expect("a syntax error has a position");
            let name = loaded.sources.path(pos.file).file_name().unwrap();
            (name.to_string_lossy().into_owned(), pos.line)
        })
        .collect();
    let expected: Vec<(String, usize)> = (0..24)
        .filter(|i| i % 3 == 0)
        .map(|i| (format!("{i:02}.yaml"), 3 + i))
        .collect();
    assert_eq!(
        errors, expected,
        "one error per broken file, at its line, in name order"
    );
}
