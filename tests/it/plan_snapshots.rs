//! Snapshot tests of the table plans of the sample corpus: every document of every department in
//! `data/`, serialised to JSON, must equal `tests/snapshots/<data file>--<document>.json`. The
//! plan is what both renderers draw, so an unchanged plan means an unchanged PDF and xlsx.
//!
//! After an intended layout change, regenerate with `JIXIAO_UPDATE_SNAPSHOTS=1 cargo test --test
//! plan_snapshots` and review the diff.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(snapshot file name, pretty JSON)` of every planned document of `data`.
fn plans(data: &Path) -> Vec<(String, String)> {
    let mut loaded = jixiao::load::load_dir(data);
    let styles = jixiao::style::Styles::load(&repo().join("templates"), &mut loaded);
    let problems: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
    let checked = jixiao::check::check(&loaded, &styles);
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut out = Vec::new();
    for dept in &checked.departments {
        let stem = loaded
            .sources
            .path(dept.src.file)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for doc in jixiao::plan::plan_department(dept).unwrap() {
            let json = serde_json::to_string_pretty(&doc).unwrap() + "\n";
            out.push((format!("{stem}--{}.json", doc.file_stem), json));
        }
    }
    out
}

#[test]
fn seed_plans_match_their_snapshots() {
    let dir = repo().join("tests/snapshots");
    let update = std::env::var_os("JIXIAO_UPDATE_SNAPSHOTS").is_some();
    let plans = plans(&repo().join("data"));
    assert!(
        plans.len() >= 6,
        "expected every seed document, got {}",
        plans.len()
    );
    let mut failures = Vec::new();
    for (name, json) in &plans {
        let path = dir.join(name);
        if update {
            std::fs::write(&path, json).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == *json => {}
            Ok(expected) => {
                let line = expected
                    .lines()
                    .zip(json.lines())
                    .position(|(a, b)| a != b)
                    .map_or(expected.lines().count().min(json.lines().count()), |i| i);
                failures.push(format!(
                    "{name}: first difference at line {}:\n  snapshot: {}\n  now:      {}",
                    line + 1,
                    expected.lines().nth(line).unwrap_or("<end>"),
                    json.lines().nth(line).unwrap_or("<end>")
                ));
            }
            Err(_) => failures.push(format!("{name}: no snapshot")),
        }
    }
    // No stale snapshots either: every snapshot file belongs to a planned document.
    let names: Vec<&str> = plans.iter().map(|(n, _)| n.as_str()).collect();
    for e in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.ends_with(".json") && !names.contains(&n.as_str()) && !update {
            failures.push(format!("{n}: snapshot of no planned document"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
