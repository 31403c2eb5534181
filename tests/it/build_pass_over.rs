//! A one-shot build loads and checks only what changed (issue 13): a department whose file is
//! as the last build recorded it, with no error or warning then, fresh outputs, and no
//! department loaded now that could concern it, is passed over without reading its YAML. Each
//! test compares what such a build reports and writes with a build or check of everything.

use std::path::{Path, PathBuf};

use jixiao::workspace::{BuildOptions, Options, Outcome, Workspace, quiet};

use crate::common;
use common::repo;

/// The sample department without warnings (平罗县人大常委会办公室, 2025, ningxia).
const CLEAN: &str = "data/2025-pingluo-rendaban.yaml";
const CLEAN_NAME: &str = "平罗县人民代表大会常务委员会办公室";

/// A data directory of copies of the clean sample department, one per (file, name, year).
fn project(departments: &[(&str, &str, u32)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    for (file, name, year) in departments {
        write_department(&dir.path().join("data").join(file), name, *year);
    }
    dir
}

fn write_department(path: &Path, name: &str, year: u32) {
    let text = std::fs::read_to_string(repo().join(CLEAN)).unwrap();
    assert!(text.contains(&format!("部门: {CLEAN_NAME}\n")) && text.contains("年度: 2025\n"));
    let text = text
        .replace(&format!("部门: {CLEAN_NAME}\n"), &format!("部门: {name}\n"))
        .replace("年度: 2025\n", &format!("年度: {year}\n"));
    std::fs::write(path, text).unwrap();
}

fn workspace(dir: &Path, out: &Path) -> Workspace {
    Workspace::open(Options {
        data: dir.join("data"),
        out: out.to_path_buf(),
        templates: Some(repo().join("templates")),
        font_paths: Vec::new(),
    })
}

/// A one-shot build into `dir/out`, as `jixiao build` runs it.
fn build(dir: &Path) -> Outcome {
    build_into(dir, &dir.join("out"))
}

/// A one-shot build of `dir/data` into `out`.
fn build_into(dir: &Path, out: &Path) -> Outcome {
    let options = BuildOptions {
        one_shot: true,
        ..BuildOptions::default()
    };
    workspace(dir, out).build(&options, &quiet)
}

/// A build of everything into a new directory (no record to stand on), and that directory.
fn scratch(dir: &Path) -> (Outcome, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let o = workspace(dir, out.path()).build(&BuildOptions::default(), &quiet);
    (o, out)
}

/// The data files the build read, by file name.
fn loaded(o: &Outcome) -> Vec<String> {
    (0..o.sources.len())
        .map(|i| o.sources.path(i))
        .filter(|p| p.parent().is_some_and(|d| d.ends_with("data")))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// Every file below `out` (state files aside), with the hash of its bytes.
fn outputs(out: &Path) -> Vec<(PathBuf, String)> {
    common::outputs_below(out)
        .into_iter()
        .map(|p| {
            let hash = blake3::hash(&std::fs::read(&p).unwrap())
                .to_hex()
                .to_string();
            (p.strip_prefix(out).unwrap().to_path_buf(), hash)
        })
        .collect()
}

/// `out` holds the files of `scratch` with the same bytes, and (when `all`) no other; without
/// `all` it may hold more: the files of a department renamed since, which a build leaves.
fn assert_same_outputs(out: &Path, scratch: &Path, all: bool, case: &str) {
    let here = outputs(out);
    let want = outputs(scratch);
    assert!(!want.is_empty());
    let extra = here.iter().filter(|f| all && !want.contains(f));
    let differ: Vec<String> = extra
        .chain(want.iter().filter(|f| !here.contains(f)))
        .map(|f| f.0.display().to_string())
        .collect();
    assert!(differ.is_empty(), "{case}: these differ: {differ:?}");
}

/// `o`, a build into `dir/out`, reported what a build of everything reports, and wrote the
/// same files (see [`assert_same_outputs`] for `all`).
fn assert_as_a_full_build(o: &Outcome, dir: &Path, all: bool, case: &str) {
    let (full, out) = scratch(dir);
    assert_eq!(
        report(o, &dir.join("out")),
        report(&full, out.path()),
        "{case}"
    );
    assert_same_outputs(&dir.join("out"), out.path(), all, case);
}

/// What an outcome says, with the output directory's path taken out: each department's name,
/// year, status and documents; the counts; each diagnostic's rule, file and line.
fn report(o: &Outcome, out: &Path) -> Vec<String> {
    let rel = |p: &Path| p.strip_prefix(out).unwrap_or(p).display().to_string();
    let mut lines: Vec<String> = o
        .departments
        .iter()
        .map(|d| {
            let docs: Vec<String> = d
                .documents
                .iter()
                .map(|doc| {
                    format!(
                        "{} {} {:?}",
                        doc.title,
                        rel(doc.primary()),
                        doc.file("xlsx").map(rel)
                    )
                })
                .collect();
            format!(
                "{} {} {} {:?} {:?} {}",
                d.name,
                d.year,
                d.file.file_name().unwrap().to_string_lossy(),
                d.status,
                docs,
                d.figures
                    .as_ref()
                    .map(|f| format!("{} {}", f.projects, f.money_total))
                    .unwrap_or_default()
            )
        })
        .collect();
    lines.push(format!(
        "{} departments, {} projects, {} errors, {} warnings, {} documents",
        o.summary.departments,
        o.summary.projects,
        o.summary.errors,
        o.summary.warnings,
        o.documents
    ));
    lines.extend(o.diagnostics.iter().map(|d| {
        let at = d
            .pos
            .as_ref()
            .map(|p| format!("{}:{}", o.sources.path(p.file).display(), p.line))
            .unwrap_or_default();
        format!("{} {at} {}", d.rule.code, d.message)
    }));
    lines
}

fn rename_first_project(path: &Path, round: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let name = common::project_names("2025-pingluo-rendaban.yaml")[0].clone();
    let at = text.find(&name).expect("the first project's name");
    let mut edited = text.clone();
    edited.insert_str(at + name.len(), &format!("（第{round}次）"));
    std::fs::write(path, edited).unwrap();
}

/// One file changed among clean ones: only it is read, and the build reports and writes what a
/// build of everything does. A department with warnings is read every time (its warnings are
/// reported again).
#[test]
fn only_the_changed_file_is_read() {
    let dir = project(&[
        ("a.yaml", "甲单位", 2025),
        ("b.yaml", "乙单位", 2025),
        ("c.yaml", "丙单位", 2025),
    ]);
    std::fs::copy(
        repo().join("data/2023-kuerle-xinfangju.yaml"),
        dir.path().join("data/w.yaml"),
    )
    .unwrap();
    let first = build(dir.path());
    assert!(!first.failed());
    assert!(first.summary.warnings > 0, "w.yaml has its known warnings");
    assert_eq!(loaded(&first), ["a.yaml", "b.yaml", "c.yaml", "w.yaml"]);

    rename_first_project(&dir.path().join("data/b.yaml"), 1);
    let second = build(dir.path());
    assert!(!second.failed());
    assert_eq!(
        loaded(&second),
        ["b.yaml", "w.yaml"],
        "a and c are passed over"
    );
    assert_eq!((second.written, second.planned), (2, 1));

    assert_as_a_full_build(&second, dir.path(), true, "b changed");

    // And again, on the record the second build left.
    rename_first_project(&dir.path().join("data/c.yaml"), 2);
    let third = build(dir.path());
    assert_eq!(loaded(&third), ["c.yaml", "w.yaml"]);
    assert_as_a_full_build(&third, dir.path(), true, "c changed");
}

/// A changed department that now shares a name with an unchanged one, or its output directory,
/// or is the year after or before one: the unchanged one is read too, and the errors and
/// comparisons are those of a build of everything.
#[test]
fn a_changed_department_reads_those_it_may_concern() {
    let dir = project(&[
        ("a.yaml", "甲单位", 2025),
        ("b.yaml", "乙单位", 2025),
        ("c.yaml", "丙单位", 2024),
        ("d.yaml", "丁单位", 2025),
    ]);
    let first = build(dir.path());
    assert!(
        !first.failed(),
        "{:?}",
        report(&first, &dir.path().join("out"))
    );
    let b = dir.path().join("data/b.yaml");
    let cases: [(&str, u32, &[&str]); 4] = [
        // The same department and year as a (JX107, reported at b).
        ("甲单位", 2025, &["a.yaml", "b.yaml"]),
        // The same output directory as a, as Windows compares names (JX111).
        ("甲单位.", 2025, &["a.yaml", "b.yaml"]),
        // The year after c: compared with it.
        ("丙单位", 2025, &["b.yaml", "c.yaml"]),
        // The year before c: c is compared with it.
        ("丙单位", 2023, &["b.yaml", "c.yaml"]),
    ];
    for (name, year, read) in cases {
        write_department(&b, name, year);
        let o = build(dir.path());
        let case = format!("b as {name} {year}");
        assert_as_a_full_build(&o, dir.path(), false, &case);
        assert_eq!(loaded(&o), read, "{case}");
        // Back to itself, so that each case starts from the same record.
        write_department(&b, "乙单位", 2025);
        assert!(!build(dir.path()).failed());
    }
}

/// A change that is not in the data (a template here) changes every plan's key: the departments
/// passed over are not as recorded, so the build starts again and reads everything.
#[test]
fn a_changed_template_reads_everything_again() {
    let dir = project(&[("a.yaml", "甲单位", 2025), ("b.yaml", "乙单位", 2025)]);
    let templates = dir.path().join("templates");
    common::copy_dir(&repo().join("templates"), &templates);
    let options = BuildOptions {
        one_shot: true,
        ..BuildOptions::default()
    };
    let ws = |dir: &Path| {
        Workspace::open(Options {
            data: dir.join("data"),
            out: dir.join("out"),
            templates: Some(templates.clone()),
            font_paths: Vec::new(),
        })
    };
    assert!(!ws(dir.path()).build(&options, &quiet).failed());
    rename_first_project(&dir.path().join("data/b.yaml"), 1);
    let lib = templates.join("lib/jixiao.typ");
    let mut text = std::fs::read_to_string(&lib).unwrap();
    text.push_str("\n// 一处改动\n");
    std::fs::write(&lib, text).unwrap();
    let o = ws(dir.path()).build(&options, &quiet);
    assert!(!o.failed());
    assert_eq!(loaded(&o), ["a.yaml", "b.yaml"]);
    assert_eq!(o.planned, 2);
}

/// With a region, the summaries and index of a build that passed departments over are those of
/// a build of everything: their figures come from the record.
#[test]
fn the_region_summaries_count_the_departments_passed_over() {
    let dir = project(&[
        ("a.yaml", "甲单位", 2025),
        ("b.yaml", "乙单位", 2025),
        ("c.yaml", "丙单位", 2025),
    ]);
    std::fs::write(
        dir.path().join("data/地区.yaml"),
        "地区: 样例市\n编制单位: 样例市财政局\n",
    )
    .unwrap();
    let first = build(dir.path());
    assert!(!first.failed());
    assert!(
        common::outputs_below(&dir.path().join("out"))
            .iter()
            .any(|p| p.to_string_lossy().contains("样例市汇总")),
        "the region's summaries are built"
    );
    // b's money changes: the summaries change with it.
    let b = dir.path().join("data/b.yaml");
    let text = std::fs::read_to_string(&b).unwrap();
    assert!(
        text.contains("      合计: 4\n"),
        "the first project's funds"
    );
    let text = text.replacen("      合计: 4\n", "      合计: 1234.5\n", 1);
    std::fs::write(&b, text).unwrap();
    let second = build(dir.path());
    assert_eq!(
        loaded(&second),
        ["b.yaml", "地区.yaml"],
        "{:?}",
        report(&second, &dir.path().join("out"))
    );
    assert_as_a_full_build(&second, dir.path(), true, "b's money changed");
}

/// A copy of the output directory built into with `--out`: the record there names the
/// original's files, so nothing is taken from it, and the copy gets every file a build of
/// everything makes.
#[test]
fn a_copied_output_directory_gets_its_own_files() {
    let dir = project(&[("a.yaml", "甲单位", 2025), ("b.yaml", "乙单位", 2025)]);
    assert!(!build(dir.path()).failed());
    let copy = dir.path().join("copy");
    common::copy_dir(&dir.path().join("out"), &copy);
    rename_first_project(&dir.path().join("data/b.yaml"), 1);
    let o = build_into(dir.path(), &copy);
    assert!(!o.failed());
    assert_eq!(loaded(&o), ["a.yaml", "b.yaml"]);
    assert_eq!(o.planned, 2);
    let (_, out) = scratch(dir.path());
    assert_same_outputs(&copy, out.path(), true, "the copy");
}

/// A record entry filed by hand under another data file (here a renamed one) is not used: the
/// seal covers the file it is filed under. Otherwise the renamed file would be passed over with
/// the old name in its xlsx's data sheet.
#[test]
fn a_record_entry_moved_to_another_file_is_not_used() {
    let dir = project(&[("a.yaml", "甲单位", 2025), ("b.yaml", "乙单位", 2025)]);
    assert!(!build(dir.path()).failed());
    let data = dir.path().join("data");
    std::fs::rename(data.join("a.yaml"), data.join("z.yaml")).unwrap();
    let record = dir.path().join("out/.jixiao-plans.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    let departments = json["departments"].as_object_mut().unwrap();
    let old = data.join("a.yaml").to_string_lossy().into_owned();
    let entry = departments.remove(&old).expect("a.yaml's entry");
    departments.insert(data.join("z.yaml").to_string_lossy().into_owned(), entry);
    std::fs::write(&record, serde_json::to_vec(&json).unwrap()).unwrap();
    let o = build(dir.path());
    assert_eq!(loaded(&o), ["z.yaml"], "b is passed over, z is not");
    assert_as_a_full_build(&o, dir.path(), true, "z.yaml");
}

/// The output directory spelled `out/.` or `out//`: the same directory, so its files are
/// current (nothing rendered, nothing removed) and a build of everything gives the same files.
#[test]
fn the_output_directory_spelled_otherwise_is_the_same_directory() {
    let dir = project(&[("a.yaml", "甲单位", 2025), ("b.yaml", "乙单位", 2025)]);
    assert!(!build(dir.path()).failed());
    for (round, spelled) in ["out/.", "out//", "out/./"].into_iter().enumerate() {
        rename_first_project(&dir.path().join("data/b.yaml"), round);
        let o = build_into(dir.path(), &dir.path().join(spelled));
        assert!(!o.failed());
        assert_eq!((o.written, o.unchanged, o.removed), (2, 2, 0), "{spelled}");
        assert_as_a_full_build(&o, dir.path(), true, spelled);
    }
    // A new output directory spelled so is made.
    let o = build_into(dir.path(), &dir.path().join("new/."));
    assert!(o.fatal.is_none() && !o.failed(), "{:?}", o.fatal);
    assert_eq!(o.written, 4);
}
