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
