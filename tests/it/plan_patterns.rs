//! Style patterns are rendered once, with the data as variables: data is never read as a
//! pattern, and a runaway pattern is stopped with an error naming its place in the style.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Plans `data` (one YAML file) against `templates`; the plans or the planner's error.
fn plan(templates: &Path, yaml: &str) -> Result<Vec<jixiao::plan::Document>, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), yaml).unwrap();
    let mut loaded = jixiao::load::load_dir(dir.path());
    let styles = jixiao::style::Styles::load(templates, &mut loaded);
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let checked = jixiao::check::check(&loaded, &styles);
    assert_eq!(checked.departments.len(), 1);
    jixiao::plan::plan_department(&checked.departments[0]).map_err(|e| e.to_string())
}

fn all_text(docs: &[jixiao::plan::Document]) -> String {
    let mut out = String::new();
    for d in docs {
        out.push_str(&d.title);
        for s in &d.sections {
            for t in [&s.title, &s.name].into_iter().chain(s.subtitle.as_ref()) {
                out.push_str(t);
                out.push('\n');
            }
            for r in &s.rows {
                for c in &r.cells {
                    out.push_str(&c.text);
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[test]
fn data_that_looks_like_a_pattern_is_printed_verbatim() {
    let yaml = std::fs::read_to_string(repo().join("data/2023-kuerle-xinfangju.yaml")).unwrap();
    let hostile = "测试{n}局{{ 年度 }}{% raw %}{year}";
    let yaml = yaml.replacen("部门: 库尔勒市信访局", &format!("部门: \"{hostile}\""), 1);
    let docs = plan(&repo().join("templates"), &yaml).unwrap();
    let text = all_text(&docs);
    // The department name fills 预算单位 as written, and the title still renders the year.
    assert!(text.contains(hostile), "{text}");
    assert!(!text.contains("测试0局"), "{text}");
    assert!(docs[0].sections[0].subtitle.as_deref() == Some("(2023年)"));
}

#[test]
fn a_runaway_pattern_is_stopped_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    let copy = |from: &str, to: &str| {
        let to = templates.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo().join("templates").join(from), to).unwrap();
    };
    copy("taxonomies.yaml", "taxonomies.yaml");
    copy("xinjiang/target.typ.j2", "xinjiang/target.typ.j2");
    let style = std::fs::read_to_string(repo().join("templates/xinjiang/style.yaml")).unwrap();
    let style = style.replacen(
        "subtitle: \"({{ 年度 }}年)\"",
        "subtitle: \"{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}\"",
        1,
    );
    std::fs::write(templates.join("xinjiang/style.yaml"), &style).unwrap();
    let yaml = std::fs::read_to_string(repo().join("data/2023-kuerle-xinfangju.yaml")).unwrap();
    let started = std::time::Instant::now();
    let err = plan(&templates, &yaml).unwrap_err();
    assert!(started.elapsed().as_secs() < 10, "fuel bounds the work");
    let line = style.lines().position(|l| l.contains("subtitle:")).unwrap() + 1;
    assert!(err.contains(&format!("style.yaml:{line}:")), "{err}");
}

/// A copy of the repository's templates with `style` (a directory name) rewritten by `edit`.
fn templates_with(style: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("templates");
    std::fs::create_dir_all(t.join(style)).unwrap();
    std::fs::copy(
        repo().join("templates/taxonomies.yaml"),
        t.join("taxonomies.yaml"),
    )
    .unwrap();
    for e in std::fs::read_dir(repo().join("templates").join(style)).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), t.join(style).join(e.file_name())).unwrap();
    }
    let path = t.join(style).join("style.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
    dir
}

/// A money total beside only some of the filled sources stays a number: a SUM of the printed
/// sources would give another figure once someone edits the sheet.
#[test]
fn a_total_beside_some_of_its_sources_is_not_a_partial_sum() {
    let yaml = std::fs::read_to_string(repo().join("data/2023-kuerle-xinfangju.yaml")).unwrap();
    let header_total = |templates: &Path| {
        let docs = plan(templates, &yaml).unwrap();
        let row = &docs[0].sections[0].rows[2];
        serde_json::to_value(&row.cells[2].value).unwrap()["type"].clone()
    };
    // As shipped: both sources printed, the total is their SUM.
    assert_eq!(header_total(&repo().join("templates")), "formula");
    // 其他资金 not printed: the total is a number.
    let t = templates_with("xinjiang", |s| {
        s.replacen(
            "{label: 其他资金：}, {field: 项目.资金.其他资金, span: 2}",
            "{label: 另见附表, span: 3}",
            1,
        )
    });
    assert_eq!(header_total(&t.path().join("templates")), "number");
}

/// A form without a 二级 column on a taxonomy that has 二级, printing every 一级: the
/// indicators are all there, grouped under their 一级.
#[test]
fn no_level2_column_with_empty_levels_keeps_every_indicator() {
    let yaml = std::fs::read_to_string(repo().join("data/2020-keqiao-rendaban.yaml")).unwrap();
    let t = templates_with("zhejiang", |s| {
        s.replacen(
            "taxonomy: zhejiang",
            "taxonomy: \"2015\"\nprint_empty_level2: true",
            1,
        )
    });
    let docs = plan(&t.path().join("templates"), &yaml).unwrap();
    let text = all_text(&docs);
    let names: Vec<&str> = yaml
        .split("三级: ")
        .skip(1)
        .map(|rest| rest.split([',', '}']).next().unwrap().trim())
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    for name in names {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
}

/// The department-wide part is a pattern root (`部门整体`, issue 23) whose amounts are number
/// cells where a `field:` prints them, as a project's money is.
#[test]
fn the_department_wide_part_prints_its_amounts_as_numbers() {
    let row = "          - [{field: 部门整体.资金.合计}, {field: 部门整体.资金.财政拨款}, {field: 部门整体.基本支出}, {field: 部门整体.任务.1.资金.合计}, {field: 部门整体.自评.执行率}, {text: \"{{ 部门整体.任务[1].任务名称 }}/{{ 部门整体.任务资金.其他资金 }}/{% for t in 部门整体.任务 %}{{ t.序号 }}{% endfor %}/{{ 部门整体.自评.等级 }}\"}]\n";
    let t = templates_with("national", |s| {
        s.replacen(
            "          - [{label: 项目名称}, {field: 项目.名称, span: 5}]\n",
            &format!("          - [{{label: 项目名称}}, {{field: 项目.名称, span: 5}}]\n{row}"),
            1,
        )
    });
    let docs = plan(&t.path().join("templates"), crate::fields::WIDE).unwrap();
    let cells = &docs[0].sections[0].rows[1].cells;
    let value = |i: usize| serde_json::to_value(&cells[i].value).unwrap();
    for (i, text) in [(0, "520.00"), (1, "500.00"), (2, "470.00"), (3, "470.00")] {
        assert_eq!(value(i)["type"], "number", "cell {i}: {:?}", cells[i]);
        assert_eq!(cells[i].text, text, "cell {i}");
    }
    assert_eq!(value(4)["type"], "percent");
    assert_eq!(cells[4].text, "100.00%");
    assert_eq!(cells[5].text, "项目甲的任务/20.00/12/优");
    // A file without the part prints those cells empty.
    let project_only = &crate::fields::WIDE[..crate::fields::WIDE.find("部门整体:").unwrap()];
    let docs = plan(&t.path().join("templates"), project_only).unwrap();
    let cells = &docs[0].sections[0].rows[1].cells;
    assert!(cells[..5].iter().all(|c| c.text.is_empty()), "{cells:?}");
}

/// A misspelt path under `部门整体` is refused by the style check (JX502) at its line.
#[test]
fn a_misspelt_department_wide_variable_is_reported_in_the_style() {
    for (path, says) in [
        ("部门整体.资金.外汇", "外汇"),
        ("部门整体.任务.0.资金.合计", "序号"),
        ("部门整体.任务.1.名称", "名称"),
        ("部门整体.总额", "总额"),
        ("部门整体.自评.得分", "得分"),
    ] {
        let t = templates_with("national", |s| {
            s.replacen(
                "{field: 项目.名称, span: 5}",
                &format!("{{field: {path}, span: 5}}"),
                1,
            )
        });
        let mut loaded = jixiao::load::Loaded::default();
        jixiao::style::Styles::load(&t.path().join("templates"), &mut loaded);
        let d = loaded
            .diagnostics
            .iter()
            .find(|d| d.rule.code == "JX502")
            .unwrap_or_else(|| panic!("{path} accepted"));
        assert!(d.message.contains(says), "{path}: {}", d.message);
    }
}

/// A `tasks` block asking for more blank rows than any form has is refused by the style check
/// (JX503) rather than planned.
#[test]
fn a_tasks_block_with_too_many_blank_rows_is_refused() {
    let t = templates_with("national", |s| {
        s.replacen(
            "          label: \"年度\\n主要\\n任务\"\n",
            "          label: \"年度\\n主要\\n任务\"\n          min_rows: 100001\n",
            1,
        )
    });
    let mut loaded = jixiao::load::Loaded::default();
    jixiao::style::Styles::load(&t.path().join("templates"), &mut loaded);
    let d = loaded
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "JX503")
        .expect("min_rows refused");
    assert!(d.message.contains("min_rows"), "{}", d.message);
}
