//! Property tests over the loader and the check (issue 8): whatever bytes a data file holds,
//! and whatever strings stand in its text fields, `load` and `check` never panic, every file
//! gives either a department or a diagnostic naming it, and a text that loads is exactly the
//! text written. Bounded case counts keep the whole file to a few seconds; set
//! `JIXIAO_FUZZ_CASES` for a longer run.

use std::path::Path;

use jixiao::diag::Diagnostic;
use jixiao::load::Loaded;
use jixiao::model::Texts;
use proptest::prelude::*;

use crate::common;

const TEMPLATES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");

/// Writes `bytes` as `data/a.yaml`, loads and checks it: the loaded data and every diagnostic.
fn run(bytes: &[u8]) -> (Loaded, Vec<Diagnostic>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), bytes).unwrap();
    let mut loaded = jixiao::load::load_dir(dir.path());
    let styles = jixiao::style::Styles::load(Path::new(TEMPLATES), &mut loaded);
    let checked = jixiao::check::check(&loaded, &styles);
    let mut diags = loaded.diagnostics.clone();
    diags.extend(checked.diagnostics);
    // Every diagnostic is printable, in both forms, without a panic.
    let mut out = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    jixiao::diag::emit_human(&mut out, &loaded.sources, &diags);
    for d in &diags {
        let _ = jixiao::diag::to_json(&loaded.sources, d);
    }
    (loaded, diags)
}

/// The file gave a department, or a diagnostic that names it.
fn department_or_diagnostic(loaded: &Loaded, diags: &[Diagnostic]) -> bool {
    !loaded.departments.is_empty()
        || diags.iter().any(|d| {
            let path = match &d.pos {
                Some(p) => Some(loaded.sources.path(p.file)),
                None => d.path.as_deref(),
            };
            d.is_error() && path.is_some_and(|p| p.ends_with("a.yaml"))
        })
}

/// A valid 安徽 department with a self-evaluation; `{0}`, `{1}`, … stand for the texts.
const TEMPLATE: &str = "\
部门: {0}
年度: 2023
样式: anhui
备注: [{1}]
项目:
  - 名称: {2}
    实施单位: {3}
    主管部门: {4}
    负责人: {5}
    项目属性: {6}
    资金: {财政拨款: 20, 合计: 20}
    总体目标: {7}
    指标:
      - {一级: 产出指标, 二级: 数量指标, 三级: {8}, 指标值: {9}, 上年完成值: {10}, 权重: 30, 依据: {11}, 赋分规则: {12}, 佐证资料: [{13}], 描述: {14}}
      - {一级: 产出指标, 二级: 成本指标, 三级: 活动经费, 指标值: ≤20万元, 权重: 20}
      - {一级: 效益指标, 二级: 社会效益指标, 三级: 社会效益, 指标值: 有效提升, 权重: 30}
      - {一级: 满意度指标, 二级: 服务对象满意度指标, 三级: 群众满意度, 指标值: ≥90%, 权重: 10}
    自评:
      资金:
        财政拨款: {年初预算: 20, 全年预算: 20, 全年执行: 16}
      执行率: {15}
      执行得分调整理由: {16}
      实际完成情况: {17}
      指标:
        - {指标: {18}, 实际完成值: {19}, 等级: {20}, 偏差原因: {21}, 得分调整理由: {22}}
        - {指标: 活动经费, 实际完成值: 16万元, 得分: 20}
        - {指标: 社会效益, 实际完成值: 有效提升, 等级: 达成, 得分: 30}
        - {指标: 群众满意度, 实际完成值: 95%, 得分: 10}
";
const FIELDS: usize = 23;

/// `s` as a YAML double-quoted scalar that reads back as exactly `s`: quotes, backslashes,
/// line breaks and every character YAML does not allow written as it is are escaped.
fn quoted(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        let printable = matches!(c as u32,
            0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
            && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}');
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if printable => o.push(c),
            c => o.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    o.push('"');
    o
}

/// The template with `{i}` replaced by `texts[i]`, in one pass (a text that holds `{0}` stays
/// as it is).
fn fill(texts: &[String]) -> String {
    let mut out = String::new();
    let mut rest = TEMPLATE;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map(|c| open + c);
        match close.and_then(|c| rest[open + 1..c].parse::<usize>().ok().map(|i| (c, i))) {
            Some((c, i)) => {
                out.push_str(&rest[..open]);
                out.push_str(&quoted(&texts[i]));
                rest = &rest[c + 1..];
            }
            None => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The texts as the loaded model holds them, in the template's order.
fn loaded_texts(loaded: &Loaded) -> Vec<String> {
    let d = &loaded.departments[0];
    let p = &d.projects[0];
    let i = &p.indicators[0];
    let e = p.eval.as_ref().unwrap();
    let r = &e.indicators[0];
    let t = |x: &Option<serde_saphyr::Spanned<String>>| x.as_ref().unwrap().value.clone();
    vec![
        d.name.value.clone(),
        d.notes[0].value.clone(),
        p.name.value.clone(),
        t(&p.text("实施单位").cloned()),
        t(&p.text("主管部门").cloned()),
        t(&p.text("负责人").cloned()),
        t(&p.text("项目属性").cloned()),
        p.goals.as_ref().unwrap().value.texts()[0].to_string(),
        i.name.value.clone(),
        i.target.value.clone(),
        t(&i.last_year),
        t(&i.basis),
        t(&i.scoring),
        i.evidence[0].value.clone(),
        t(&i.text("描述").cloned()),
        t(&e.stated_rate),
        t(&e.exec_override),
        e.outcome.value.clone(),
        r.indicator.value.clone(),
        t(&r.actual),
        t(&r.grade),
        t(&r.reason),
        t(&r.score_override),
    ]
}

/// Texts as users and attackers write them: anything at all, with more weight on the
/// characters that matter to YAML, the text rules and the tables.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        4 => "[ -~]{0,40}",
        3 => "[\\PC]{0,20}",
        3 => prop::collection::vec(
            prop::sample::select(vec![
                "甲", "0", "9", ".", "%", "％", "≥", "<=", ">", "=", "-", "万元", "次", " ", "\n",
                "\t", "\r", "\u{202E}", "\u{2066}", "\u{200F}", "\u{85}", "\u{1b}", "\0", ":",
                "#", "[", "]", "{", "}", ",", "'", "\"", "\\", "*", "&", "!", "|", "---", "...",
                "~", "null", "true", "1e999", "0x1F", "{{ 项目.名称 }}", "{n}", "达成", "𠀀", "😀",
                "\u{FEFF}", "\u{2028}", "CON", "..", "/", "产出指标",
            ]),
            0..12,
        )
        .prop_map(|v| v.concat()),
        1 => (1usize..4).prop_map(|k| "长".repeat(k * 5_000 - 1)),
    ]
}

/// Bytes that look like a data file: the template with texts filled in, then mangled by
/// inserting, deleting and replacing pieces.
fn mangled() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "[",
            "]",
            "{",
            "}",
            ":",
            ": ",
            "- ",
            "\n",
            "\n  ",
            "\t",
            "\"",
            "'",
            "&a ",
            "*a",
            "!",
            "|",
            ">",
            "#",
            ",",
            "---\n",
            "...\n",
            "? ",
            "%",
            "@",
            "`",
            "\\",
            "~",
            "<<: *a",
            "1e999",
            "0.0000001",
            "99999999999999",
            "\u{202E}",
            "\0",
            "\r",
            "\u{FEFF}",
            "\u{FFFF}",
            "\u{85}",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 1..8),
    ];
    (
        prop::collection::vec(text(), FIELDS),
        prop::collection::vec((any::<prop::sample::Index>(), 0usize..6, piece), 1..6),
    )
        .prop_map(|(texts, edits)| {
            let mut bytes = fill(&texts).into_bytes();
            for (at, delete, insert) in edits {
                let i = at.index(bytes.len() + 1);
                let j = (i + delete).min(bytes.len());
                bytes.splice(i..j, insert);
            }
            bytes
        })
}

proptest! {
    #![proptest_config(common::fuzz_config(96))]

    /// Arbitrary bytes as a data file.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..1500)) {
        let (loaded, diags) = run(&bytes);
        prop_assert!(department_or_diagnostic(&loaded, &diags));
    }

    /// A data file with its structure damaged in a few places.
    #[test]
    fn damaged_files_never_panic(bytes in mangled()) {
        let (loaded, diags) = run(&bytes);
        prop_assert!(department_or_diagnostic(&loaded, &diags));
    }

    /// Arbitrary strings in every text field of a valid file: the file loads with exactly those
    /// texts, or a text rule refuses one of them, in that file, at a position.
    #[test]
    fn arbitrary_texts_load_verbatim_or_are_refused(texts in prop::collection::vec(text(), FIELDS)) {
        let yaml = fill(&texts);
        let (loaded, diags) = run(yaml.as_bytes());
        prop_assert!(department_or_diagnostic(&loaded, &diags));
        let max = jixiao::load::text::MAX_TEXT_CHARS;
        let refused = texts.iter().any(|t| {
            t.chars().count() > max
                || t.chars().any(|c| c == '\t' || jixiao::rules::is_refused(c))
        });
        if refused {
            prop_assert!(loaded.departments.is_empty());
            let located = diags
                .iter()
                .any(|d| matches!(d.rule.code, "JX013" | "JX014" | "JX015") && d.pos.is_some());
            prop_assert!(located);
        } else {
            prop_assert_eq!(loaded.departments.len(), 1, "{:#?}", diags.iter().map(|d| &d.message).collect::<Vec<_>>());
            prop_assert_eq!(loaded_texts(&loaded), texts);
        }
    }

    /// Arbitrary numbers where the data gives money, weights and scores: loaded exactly, or a
    /// located JX011 / JX012; never rounded.
    #[test]
    fn arbitrary_numbers_load_exactly_or_are_refused(
        n in prop_oneof![
            "-?[0-9]{1,16}(\\.[0-9]{0,9})?",
            "[-+]?[0-9.eE_,]{1,12}",
            any::<String>(),
        ]
    ) {
        let yaml = fill(&vec!["甲".to_string(); FIELDS])
            .replace("全年执行: 16", &format!("全年执行: {}", quoted(&n)));
        let (loaded, diags) = run(yaml.as_bytes());
        prop_assert!(department_or_diagnostic(&loaded, &diags));
        match jixiao::model::parse_amount(&n) {
            Ok(d) => {
                prop_assert_eq!(loaded.departments.len(), 1);
                let e = loaded.departments[0].projects[0].eval.as_ref().unwrap();
                let got = e.funds.value.filled()[0].1.executed.value.0;
                prop_assert_eq!(got, d);
                prop_assert_eq!(got.to_string(), rust_decimal::Decimal::from_str_exact(n.trim().trim_start_matches('+')).unwrap().to_string());
            }
            Err(_) => {
                prop_assert!(loaded.departments.is_empty());
                let located = diags.iter().any(|d| {
                    d.pos.is_some()
                        && matches!(d.rule.code, "JX011" | "JX012" | "JX013" | "JX014" | "JX015")
                });
                prop_assert!(located);
            }
        }
    }
}
