//! The field catalogue (`src/fields.rs`) is the one definition of the data format: every
//! consumer knows exactly its keys (issue 21, item 1). Each test fails when a field is known to
//! one consumer and not another.

use jixiao::fields::{self, Level, Need, Shape};

use crate::common;

/// The keys of a level's table in `docs/data-format.md` (the section starting at `heading`),
/// with their 必填 column.
fn docs_table(heading: &str) -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(common::repo().join("docs/data-format.md")).unwrap();
    let start = doc
        .lines()
        .position(|l| l.trim() == heading)
        .unwrap_or_else(|| panic!("no section {heading}"));
    doc.lines()
        .skip(start + 1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let key = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((key.to_string(), cells.get(2)?.to_string()))
        })
        .collect()
}

#[test]
fn the_documentation_lists_every_field_with_its_need() {
    for (level, heading) in [
        (Level::Department, "## 文件顶层"),
        (Level::Project, "## 项目"),
        (Level::Indicator, "### 指标（一行一条三级指标）"),
        (Level::Eval, "### 自评（年度结束后）"),
    ] {
        let want: Vec<(String, String)> = fields::of(level)
            .map(|f| {
                let need = match f.need {
                    Need::Required => "是",
                    Need::ByStyle => "视样式",
                    Need::Optional => "否",
                };
                (f.key.to_string(), need.to_string())
            })
            .collect();
        assert_eq!(docs_table(heading), want, "{heading}");
    }
    // The result and amount keys are named in the self-evaluation's rows.
    let doc = std::fs::read_to_string(common::repo().join("docs/data-format.md")).unwrap();
    for level in [Level::Result, Level::Amounts] {
        for k in fields::keys(level) {
            assert!(doc.contains(&format!("`{k}`")), "{k} is not documented");
        }
    }
}

#[test]
fn a_style_may_name_every_printed_field_in_its_patterns() {
    let mut loaded = jixiao::load::Loaded::default();
    let styles = jixiao::style::Styles::load(&common::repo().join("templates"), &mut loaded);
    let style = styles.get("xinjiang").unwrap();
    let scope = jixiao::plan::vars::Scope {
        project: true,
        indicator: true,
        ..Default::default()
    };
    for (level, root) in [(Level::Project, "项目"), (Level::Indicator, "指标")] {
        for f in fields::of(level) {
            if matches!(f.shape, Shape::Records(_) | Shape::Record(_)) {
                continue;
            }
            let name = format!("{root}.{}", f.key);
            assert!(
                jixiao::plan::vars::check_path(style, scope, &name).is_ok(),
                "{name} is not a pattern variable"
            );
        }
    }
}

/// A department with every catalogue key filled, written by `yaml_out` and read back: the keys
/// come out in the catalogue's order and nothing is lost.
#[test]
fn the_writer_follows_the_catalogue_order_and_reads_back() {
    // The texts kept by key, from the catalogue's examples, in reverse order.
    let texts: String = fields::stored_texts(Level::Project)
        .collect::<Vec<_>>()
        .iter()
        .rev()
        .map(|f| format!("    {}: \"{}\"\n", f.key, f.example))
        .collect();
    let described: String = fields::stored_texts(Level::Indicator)
        .map(|f| format!("{}: \"{}\", ", f.key, f.example))
        .collect();
    let text = format!(
        "\
部门: 甲局
年度: 2024
样式: xinjiang
签字: {{主要领导: 张三}}
备注: [说明]
项目:
  - 名称: 项目甲
{texts}    资金: {{财政拨款: 10, 合计: 10}}
    总体目标: 目标
    指标:
      - {{{described}佐证资料: [正式材料], 赋分规则: 直接赋分, 权重: 10, 上年完成值: 1次, 依据: 计划标准, 指标值: =1次, 三级: 次数, 二级: 数量指标, 一级: 产出指标}}
"
    );
    let d = jixiao::load::parse(&text).unwrap();
    let out = jixiao::yaml_out::department(&d, &[]);
    let order = |level: Level, within: &str| {
        let mut last = 0;
        for k in fields::keys(level) {
            if let Some(i) = within.find(&format!("{k}: ")) {
                assert!(i >= last, "{k} out of the catalogue's order in:\n{within}");
                last = i;
            }
        }
    };
    let project_part = &out[out.find("  - 名称").unwrap()..out.find("    指标:").unwrap()];
    order(Level::Project, project_part);
    let indicator_line = out.lines().find(|l| l.contains("一级: ")).unwrap();
    order(Level::Indicator, indicator_line);
    let back = jixiao::load::parse(&out).unwrap();
    assert_eq!(jixiao::yaml_out::department(&back, &[]), out);
    for f in fields::stored_texts(Level::Project) {
        use jixiao::model::Texts;
        assert!(back.projects[0].text(f.key).is_some(), "{} lost", f.key);
    }
}

/// `jixiao new` writes a placeholder or a comment for every field a style requires.
#[test]
fn the_scaffold_offers_every_required_field() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(
        &common::repo().join("templates"),
        &dir.path().join("templates"),
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .current_dir(dir.path())
        .args(["new", "甲局", "--style", "ningxia", "--year", "2024"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr_of(&o));
    let file = std::fs::read_dir(dir.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "yaml"))
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    for level in [Level::Department, Level::Project, Level::Indicator] {
        for f in fields::of(level).filter(|f| f.need == Need::Required) {
            assert!(
                text.contains(&format!("{}:", f.key)),
                "{} missing:\n{text}",
                f.key
            );
        }
    }
}

/// The region file's keys are the catalogue's, and its schema judges a region file as the
/// loader does.
#[test]
fn the_region_file_has_the_catalogue_s_keys_and_a_schema_that_agrees() {
    use jixiao::load::node::field_names;
    let keys = |level| fields::keys(level).collect::<Vec<_>>();
    assert_eq!(
        field_names::<jixiao::region::RegionFile>(),
        keys(Level::Region)
    );
    assert_eq!(
        field_names::<jixiao::region::Signature>(),
        keys(Level::RegionSignature)
    );
    let styles = jixiao::region::style::available(&common::repo().join("templates"));
    assert!(!styles.is_empty());
    let schema = jixiao::schema::region_schema(&styles);
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let cases = [
        ("地区: 样例市\n", true),
        (
            "地区: 样例市\n编制单位: 样例市财政局\n签字: [{标签: 负责人：}]\n汇总: [region]\n",
            true,
        ),
        ("地区: 样例市\n汇总: region\n", false),
        ("编制单位: 样例市财政局\n", false),
        ("地区: 样例市\n颜色: 红\n", false),
        ("地区: 样例市\n签字: [{内容: 张三}]\n", false),
        ("地区: 样例市\n汇总: [没有这个样式]\n", false),
    ];
    for (text, ok) in cases {
        let json: serde_json::Value = serde_saphyr::from_str(text).unwrap();
        assert_eq!(validator.is_valid(&json), ok, "schema on {text:?}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("地区.yaml"), text).unwrap();
        let mut loaded = jixiao::load::Loaded::default();
        let region = jixiao::region::load(dir.path(), &mut loaded);
        // A summary style that does not exist is refused when the summaries are planned.
        let refused = !loaded.diagnostics.is_empty() || region.is_none();
        if !text.contains("没有这个样式") {
            assert_eq!(
                !refused,
                ok,
                "loader on {text:?}: {:?}",
                loaded.diagnostics.len()
            );
        }
    }
}
