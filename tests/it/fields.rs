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
        (Level::DeptWide, "## 部门整体"),
        (Level::Task, "### 年度主要任务（每项一个任务）"),
        (Level::FundRow, "### 收入、支出构成（每行一项）"),
        (Level::Allocation, "### 拨付结余（按资金级次，每行一项）"),
    ] {
        let want: Vec<(String, String)> = fields::of(level)
            .map(|f| (f.key.to_string(), f.need.zh().to_string()))
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
    let scope = jixiao::style::vars::Scope {
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
            let path = fields::VarPath::parse(&name).unwrap();
            assert_eq!(path.field().map(|x| x.key), Some(f.key), "{name}");
            assert!(
                jixiao::style::vars::check_path(style, scope, &path).is_ok(),
                "{name} is not a pattern variable"
            );
        }
    }
}

/// Every record answers every key of its level's catalogue with a value of the key's shape:
/// the writer (`yaml_out`) and `diff` read the fields through it in the catalogue's order, so a
/// field added to the catalogue is written and compared without a list of theirs to extend.
#[test]
fn every_record_reads_every_catalogue_field_of_its_level() {
    use jixiao::fields::{Record, fits};
    fn all<R: Record>(r: &R, seen: &mut std::collections::BTreeSet<String>) {
        let level = r.level();
        for f in fields::of(level) {
            let v = r
                .get(f.key)
                .unwrap_or_else(|| panic!("{level:?} does not read “{}”", f.key));
            assert!(fits(f.shape, &v), "{level:?}.{}: {v:?}", f.key);
            seen.insert(format!("{level:?}"));
        }
        assert!(r.get("没有这个键").is_none());
    }
    let mut seen = std::collections::BTreeSet::new();
    let dirs = [
        common::repo().join("data"),
        common::repo().join("examples/national/data"),
        common::repo().join("examples/anhui/data"),
        common::repo().join("tests/fixtures/vocabulary/data"),
    ];
    for dir in dirs {
        for e in std::fs::read_dir(&dir).unwrap() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            let d = jixiao::load::parse(&text).unwrap();
            all(&d, &mut seen);
            let evals = d.projects.iter().filter_map(|p| p.eval.as_ref());
            let wide = d.wide.iter();
            for p in &d.projects {
                all(p, &mut seen);
                p.indicators.iter().for_each(|i| all(i, &mut seen));
            }
            for e in evals.chain(wide.clone().filter_map(|w| w.eval.as_ref())) {
                all(e, &mut seen);
                e.indicators.iter().for_each(|r| all(r, &mut seen));
                e.funds.value.iter().for_each(|(_, a)| all(a, &mut seen));
            }
            for w in wide {
                all(w, &mut seen);
                w.tasks.iter().for_each(|t| all(t, &mut seen));
                (w.income.iter().chain(&w.spending).chain(&w.allocation))
                    .for_each(|r| all(r, &mut seen));
            }
        }
    }
    // Every level of a department file was met (the region file's are `crate::region`'s).
    let levels: Vec<String> = Level::ALL
        .iter()
        .filter(|l| !matches!(l, Level::Region | Level::RegionSignature))
        .map(|l| format!("{l:?}"))
        .collect();
    assert_eq!(seen, levels.into_iter().collect());
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

/// A department file with a department-wide part (`部门整体`, issue 23): every key of the part,
/// its tasks, indicators and self-evaluation, in the catalogue's order.
pub const WIDE: &str = "\
部门: 示例局
年度: 2024
样式: national
项目:
  - 名称: 项目甲
    主管部门: 示例局
    实施单位: 示例局
    项目属性: 延续项目
    项目期限: 1年
    资金: {财政拨款: 50, 合计: 50}
    总体目标: 目标
    指标:
      - {一级: 产出指标, 二级: 数量指标, 三级: 次数, 指标值: =1次, 权重: 50}
      - {一级: 效益指标, 二级: 社会效益指标, 三级: 效益, 指标值: 有效提高, 权重: 30}
      - {一级: 满意度指标, 二级: 服务对象满意度指标, 三级: 满意度, 指标值: ≥90%, 权重: 10}
部门整体:
  部门职能: 依法履职
  资金:
    财政拨款: 500
    其他资金: 20
    合计: 520
  基本支出: 470
  项目支出: 50
  收入:
    - {名称: 财政拨款收入, 分组: 按收入性质分, 本年: 500, 上年: 480}
    - {名称: 其他收入, 分组: 按收入性质分, 本年: 20, 上年: 15}
    - {名称: 按收入性质分, 分组: 按收入性质分, 汇总: 小计, 本年: 520, 上年: 495}
    - {名称: 合计, 汇总: 合计, 本年: 520, 上年: 495}
  支出:
    - {名称: 基本支出, 本年: 470, 上年: 460}
    - {名称: 项目支出, 本年: 50}
  年度主要任务:
    - 任务名称: 机关运行保障
      部门职能: 机关运转
      主要内容: 保障机关正常运转
      资金:
        财政拨款: 450
        其他资金: 20
    - 任务名称: 项目甲的任务
      支出项目: [项目甲]
      资金:
        财政拨款: 50
  年度总体目标:
    - 保障机关运转
    - 完成项目甲
  指标:
    - {一级: 产出指标, 二级: 数量指标, 三级: 完成任务数, 指标值: =2项, 权重: 50}
    - {一级: 效益指标, 二级: 社会效益指标, 三级: 履职效果, 指标值: 有效提高, 权重: 30}
    - {一级: 满意度指标, 二级: 服务对象满意度指标, 三级: 群众满意度, 指标值: ≥90%, 权重: 10}
  自评:
    资金:
      财政拨款: {年初预算: 500, 全年预算: 500, 全年执行: 500}
      其他资金: {年初预算: 20, 全年预算: 20, 全年执行: 20}
    执行率: 100%
    执行得分: 10
    实际完成情况: 全部完成
    总分: 100
    等级: 优
    指标:
      - {指标: 完成任务数, 实际完成值: 2项, 得分: 50}
      - {指标: 履职效果, 实际完成值: 有效提高, 等级: 达成, 得分: 30}
      - {指标: 群众满意度, 实际完成值: 95%, 得分: 10}
";

#[test]
fn the_department_wide_part_is_read_and_written_back_in_the_catalogue_s_order() {
    let d = jixiao::load::parse(WIDE).unwrap();
    let w = d.wide.as_ref().expect("部门整体 read");
    assert_eq!(w.tasks.len(), 2);
    assert_eq!(w.tasks[1].projects[0].value, "项目甲");
    assert_eq!(w.indicators.len(), 3);
    assert_eq!(
        w.eval
            .as_ref()
            .unwrap()
            .stated_grade
            .as_ref()
            .unwrap()
            .value,
        "优"
    );
    assert_eq!(w.basic.as_ref().unwrap().value.0, 470.into());
    let out = jixiao::yaml_out::department(&d, &[]);
    // Written as a clerk writes it, and read back to the same.
    let wide_part = &out[out.find("部门整体:").expect("written")..];
    let order = |level: Level, within: &str| {
        let mut last = 0;
        for k in fields::keys(level) {
            if let Some(i) = within.find(&format!(" {k}:")) {
                assert!(i >= last, "{k} out of the catalogue's order in:\n{within}");
                last = i;
            }
        }
    };
    order(
        Level::DeptWide,
        &wide_part[..wide_part.find("  自评:").unwrap()],
    );
    let task = &wide_part[wide_part.find("    - 任务名称: 机关运行保障").unwrap()..];
    order(
        Level::Task,
        &task[..task.find("    - 任务名称: 项目甲").unwrap()],
    );
    let back = jixiao::load::parse(&out).unwrap();
    assert_eq!(jixiao::yaml_out::department(&back, &[]), out);
    for (level, key) in [
        (Level::DeptWide, "部门职能"),
        (Level::Task, "主要内容"),
        (Level::Task, "支出项目"),
        (Level::Eval, "等级"),
    ] {
        assert!(fields::find(level, key).is_some());
        assert!(out.contains(&format!("{key}:")), "{key} lost:\n{out}");
    }
    // A file with no department-wide part is written exactly as before: no trace of it.
    let project_only = &WIDE[..WIDE.find("部门整体:").unwrap()];
    let d = jixiao::load::parse(project_only).unwrap();
    assert!(d.wide.is_none());
    assert!(!jixiao::yaml_out::department(&d, &[]).contains("部门整体"));
}

/// Every format slip in the department-wide part is reported in one run, at its line, with the
/// nearest key.
#[test]
fn slips_in_the_department_wide_part_are_all_reported_at_their_lines() {
    let text = WIDE
        .replace("  基本支出: 470", "  基本支出: 470万")
        .replace(
            "      主要内容: 保障机关正常运转",
            "      主要內容: 保障机关正常运转",
        )
        .replace("  年度总体目标:\n", "  年度总体目标值:\n")
        .replace("    等级: 优", "    等级: [优]");
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let Err(jixiao::load::ParseError::Format(problems)) = jixiao::load::parse(&text) else {
        panic!("no format problems");
    };
    let at = |code: &str, l: usize| {
        problems
            .iter()
            .find(|p| p.rule.code == code && p.at.line() as usize == l)
            .unwrap_or_else(|| {
                let all: Vec<String> = problems
                    .iter()
                    .map(|p| format!("{}:{} {}", p.rule.code, p.at.line(), p.message))
                    .collect();
                panic!("no {code} at line {l}: {all:#?}")
            })
    };
    assert!(
        at("JX011", line("基本支出: 470万"))
            .message
            .contains("470万")
    );
    assert!(
        at("JX010", line("主要內容"))
            .message
            .contains("是不是“主要内容”")
    );
    assert!(
        at("JX010", line("年度总体目标值"))
            .message
            .contains("是不是“年度总体目标”")
    );
    at("JX007", line("等级: [优]"));
}

/// The medium-term block (中期目标, 中期资金, 中期指标) is written after 指标 and before 自评, in
/// the catalogue's order, and reads back unchanged.
#[test]
fn the_writer_keeps_the_medium_term_block() {
    let text = "\
部门: 甲局
年度: 2024
样式: xinjiang
项目:
  - 名称: 项目甲
    资金: {财政拨款: 10, 合计: 10}
    总体目标: 目标
    指标:
      - {一级: 产出指标, 二级: 数量指标, 三级: 次数, 指标值: =1次, 权重: 10}
    中期目标: [三年目标一, 三年目标二]
    中期资金: {财政拨款: 30, 合计: 30}
    中期指标:
      - {一级: 产出指标, 二级: 数量指标, 三级: 累计次数, 指标值: =3次}
";
    let d = jixiao::load::parse(text).unwrap();
    assert_eq!(d.projects[0].mid_indicators.len(), 1);
    let out = jixiao::yaml_out::department(&d, &[]);
    let at = |k: &str| {
        out.find(&format!("\n    {k}:"))
            .unwrap_or_else(|| panic!("{k} not written:\n{out}"))
    };
    assert!(at("指标") < at("中期目标"), "{out}");
    assert!(at("中期目标") < at("中期资金") && at("中期资金") < at("中期指标"));
    assert!(
        out.contains("累计次数") && out.contains("三年目标二"),
        "{out}"
    );
    let back = jixiao::load::parse(&out).unwrap();
    assert_eq!(jixiao::yaml_out::department(&back, &[]), out);
}
