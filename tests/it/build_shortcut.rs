//! The shortcuts of issue 13, each of which must give the bytes a build from scratch gives:
//! the no-op shortcut of a one-shot build (when nothing a build reads has changed and the output
//! directory is as the last successful build left it, that build's result is reported without
//! loading anything; any change to an input or an output means a full build); the plan record
//! (a one-shot build plans only the departments whose inputs changed); and the Typst memo cache
//! a small rebuild of `watch` or `serve` keeps for the next.

use std::path::{Path, PathBuf};
use std::process::Command;

use jixiao::workspace::{BuildOptions, Options, Outcome, Workspace, quiet};

use crate::common;
use common::repo;

/// A project directory with one sample department (with its known warnings) and a copy of the
/// templates, so that a test may change them.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(
        repo().join("data/2023-kuerle-xinfangju.yaml"),
        data.join("a.yaml"),
    )
    .unwrap();
    common::copy_dir(&repo().join("templates"), &dir.path().join("templates"));
    dir
}

/// A one-shot build, as `jixiao build` runs it.
fn build(dir: &Path) -> Outcome {
    let mut ws = Workspace::open(Options {
        data: dir.join("data"),
        out: dir.join("out"),
        templates: None,
        font_paths: Vec::new(),
    });
    let options = BuildOptions {
        one_shot: true,
        ..BuildOptions::default()
    };
    ws.build(&options, &quiet)
}

/// Whether the build stood on the last one: it read no file and planned no department.
fn shortcut(o: &Outcome) -> bool {
    o.sources.is_empty() && o.departments.is_empty()
}

fn pdf_of(dir: &Path) -> PathBuf {
    common::files_below(&dir.join("out"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|x| x == "pdf"))
        .expect("a PDF below out/")
}

#[test]
fn an_unchanged_project_reports_the_last_build_without_loading_it() {
    let dir = project();
    let first = build(dir.path());
    assert!(!first.failed());
    assert!(!shortcut(&first), "nothing to stand on yet");
    assert_eq!(first.written, 2);
    let second = build(dir.path());
    assert!(shortcut(&second), "nothing changed: the shortcut is taken");
    assert!(!second.failed());
    assert_eq!(second.summary.departments, first.summary.departments);
    assert_eq!(second.summary.projects, first.summary.projects);
    assert!(
        first.summary.warnings > 0,
        "the sample department has warnings"
    );
    assert_eq!(second.summary.warnings, first.summary.warnings);
    assert_eq!(second.documents, first.documents);
    assert_eq!((second.written, second.unchanged), (0, 2));
}

#[test]
fn any_change_to_an_input_or_an_output_means_a_full_build() {
    let dir = project();
    let p = dir.path();
    build(p);
    assert!(shortcut(&build(p)));

    // A data file's bytes.
    let data = p.join("data/a.yaml");
    let yaml = std::fs::read_to_string(&data).unwrap();
    std::fs::write(
        &data,
        yaml.replace("信访局大楼运行经费", "信访局大楼运行费用"),
    )
    .unwrap();
    let o = build(p);
    assert!(!shortcut(&o));
    assert_eq!(o.written, 2, "the department was rendered again");
    assert!(shortcut(&build(p)));

    // A new file in the data directory (even one that is not a department's).
    std::fs::write(p.join("data/notes.txt"), "x").unwrap();
    assert!(!shortcut(&build(p)));
    assert!(shortcut(&build(p)));

    // A template.
    let lib = p.join("templates/lib/jixiao.typ");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, format!("{text}\n// 注释\n")).unwrap();
    assert!(!shortcut(&build(p)));
    assert!(shortcut(&build(p)));

    // An output deleted: rebuilt.
    let pdf = pdf_of(p);
    std::fs::remove_file(&pdf).unwrap();
    let o = build(p);
    assert!(!shortcut(&o));
    assert!(pdf.is_file(), "the deleted PDF is back");
    assert!(shortcut(&build(p)));

    // An output overwritten (other length): rebuilt with the right bytes.
    let good = std::fs::read(&pdf).unwrap();
    std::fs::write(&pdf, b"%PDF-broken").unwrap();
    let o = build(p);
    assert!(!shortcut(&o));
    assert_eq!(std::fs::read(&pdf).unwrap(), good);

    // An output touched with the same length: not trusted either.
    let f = std::fs::File::options().write(true).open(&pdf).unwrap();
    f.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(86_400))
        .unwrap();
    drop(f);
    assert!(!shortcut(&build(p)));

    // --force always builds.
    let mut ws = Workspace::open(Options {
        data: p.join("data"),
        out: p.join("out"),
        templates: None,
        font_paths: Vec::new(),
    });
    let forced = ws.build(
        &BuildOptions {
            force: true,
            one_shot: true,
            ..BuildOptions::default()
        },
        &quiet,
    );
    assert!(!shortcut(&forced));
    // … and leaves a record: nothing changed since.
    assert!(shortcut(&build(p)));
}

#[test]
fn a_build_with_errors_leaves_no_record_to_stand_on() {
    let dir = project();
    let p = dir.path();
    build(p);
    assert!(shortcut(&build(p)));
    let data = p.join("data/a.yaml");
    let good = std::fs::read_to_string(&data).unwrap();
    // A second department file with a broken amount: errors, nothing written for it.
    let bad = good.replace("库尔勒市信访局", "库尔勒市信访局二").replacen(
        "财政拨款: 15",
        "财政拨款: 十五",
        1,
    );
    assert_ne!(bad, good);
    std::fs::write(p.join("data/b.yaml"), &bad).unwrap();
    let o = build(p);
    assert!(o.summary.errors > 0, "the broken file is reported");
    // Nothing changed since, but the errors are reported again: no shortcut over a failure.
    let again = build(p);
    assert!(!shortcut(&again));
    assert_eq!(again.summary.errors, o.summary.errors);
    assert!(!p.join("out/.jixiao-uptodate.json").exists());
}

/// The command prints the same lines whether it stood on the last build or checked again.
#[test]
fn the_command_prints_the_same_either_way() {
    let dir = project();
    let p = dir.path();
    let run = || {
        let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .current_dir(p)
            .arg("build")
            .output()
            .unwrap();
        assert!(o.status.success());
        // Without the time taken.
        String::from_utf8(o.stderr)
            .unwrap()
            .lines()
            .map(|l| l.split("；用时").next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    run();
    std::fs::remove_file(p.join("out/.jixiao-uptodate.json")).unwrap();
    let full = run();
    assert!(p.join("out/.jixiao-uptodate.json").exists());
    let short = run();
    assert_eq!(short, full);
    assert!(full.iter().any(|l| l.starts_with("未变 ")), "{full:?}");
}

/// A FIFO in the data or templates directory is never opened to compute the key (it would
/// block for ever), nor is a file larger than a build reads read whole.
#[cfg(unix)]
#[test]
fn special_and_huge_files_do_not_hang_the_key() {
    let dir = project();
    let p = dir.path();
    for fifo in [p.join("data/pipe.yaml"), p.join("templates/pipe")] {
        let ok = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(ok.success());
    }
    // Sparse: large on disk in name only.
    let big = std::fs::File::create(p.join("data/big.bin")).unwrap();
    big.set_len(64 << 30).unwrap();
    drop(big);
    let run = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .current_dir(p)
            .arg("build")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if started.elapsed() > std::time::Duration::from_secs(60) {
                child.kill().unwrap();
                panic!("jixiao build hung");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    assert!(run().success());
    assert!(run().success());
    // The key includes the program, so the library's record is its own.
    assert!(!build(p).failed());
    assert!(
        shortcut(&build(p)),
        "a FIFO and a huge file still allow the shortcut"
    );
}

/// A project directory with two sample departments of one style.
fn two_departments() -> tempfile::TempDir {
    let dir = project();
    std::fs::copy(
        repo().join("data/2023-kuerle-rendaban.yaml"),
        dir.path().join("data/b.yaml"),
    )
    .unwrap();
    dir
}

/// Every file below `out` (state files aside) with its bytes.
fn outputs(out: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    common::outputs_below(out)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(out).unwrap().to_path_buf(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn append(path: &Path, text: &str) {
    let mut s = std::fs::read_to_string(path).unwrap();
    s.push_str(text);
    std::fs::write(path, s).unwrap();
}

/// When one department's file changed, the others are taken from the plan record of the last
/// build (not planned again), and the files are those a build from scratch makes.
#[test]
fn unchanged_departments_come_from_the_plan_record() {
    let dir = two_departments();
    let first = build(dir.path());
    assert!(!first.failed());
    assert_eq!(first.planned, 2);
    assert_eq!(first.written, 4);
    // A new project name in b: b is planned and rendered again, a is not.
    let b = dir.path().join("data/b.yaml");
    let text = std::fs::read_to_string(&b).unwrap();
    let name = common::project_names("2023-kuerle-rendaban.yaml")[0].clone();
    assert!(text.contains(&name));
    std::fs::write(&b, text.replacen(&name, &format!("{name}（改）"), 1)).unwrap();
    let second = build(dir.path());
    assert!(!second.failed());
    assert!(!shortcut(&second));
    assert_eq!(second.planned, 1, "only the changed department is planned");
    assert_eq!((second.written, second.unchanged), (2, 2));
    assert_eq!(second.documents, first.documents);
    assert_eq!(second.departments.len(), 2);
    for (d1, d2) in first.departments.iter().zip(&second.departments) {
        let titles = |d: &jixiao::workspace::DeptOutcome| {
            d.documents
                .iter()
                .map(|doc| (doc.title.clone(), doc.files.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            titles(d1),
            titles(d2),
            "{}: the same documents listed",
            d1.name
        );
    }
    // The same bytes as a build from scratch.
    let scratch = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(Options {
        data: dir.path().join("data"),
        out: scratch.path().to_path_buf(),
        templates: None,
        font_paths: Vec::new(),
    });
    assert!(!ws.build(&BuildOptions::default(), &quiet).failed());
    assert_eq!(outputs(&dir.path().join("out")), outputs(scratch.path()));
}

/// A recorded department whose outputs are gone or were changed by hand is planned and
/// rendered again; a damaged or tampered record costs planning, never a wrong or missing file.
#[test]
fn the_plan_record_is_only_a_shortcut_to_fresh_outputs() {
    let dir = two_departments();
    let out = dir.path().join("out");
    assert!(!build(dir.path()).failed());
    let before = outputs(&out);
    // a.yaml is 库尔勒市信访局's file.
    let a_pdf = common::outputs_below(&out)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("信访局") && p.extension().unwrap() == "pdf")
        .expect("a's PDF");
    let b = dir.path().join("data/b.yaml");
    let mut edits = 0;
    let mut touch_b = || {
        // Another input, so that the no-op shortcut is not taken.
        edits += 1;
        append(&b, &format!("# 第 {edits} 次修改\n"));
    };

    // An output deleted.
    std::fs::remove_file(&a_pdf).unwrap();
    touch_b();
    let o = build(dir.path());
    assert!(!o.failed());
    assert_eq!(o.planned, 2, "b changed, a's outputs are not fresh");
    assert_eq!(outputs(&out), before);

    // An output changed by hand.
    std::fs::write(&a_pdf, b"not a pdf").unwrap();
    touch_b();
    let o = build(dir.path());
    assert_eq!(o.planned, 2);
    assert_eq!(outputs(&out), before);

    // A record that does not parse.
    std::fs::write(out.join(".jixiao-plans.json"), b"{ not json").unwrap();
    touch_b();
    let o = build(dir.path());
    assert!(!o.failed());
    assert_eq!(o.planned, 2);
    assert_eq!(outputs(&out), before);

    // A record whose entry names another input hash: a's outputs are not fresh under it.
    let record = std::fs::read_to_string(out.join(".jixiao-plans.json")).unwrap();
    let tampered = with_other_hashes(&record);
    assert_ne!(tampered, record);
    std::fs::write(out.join(".jixiao-plans.json"), tampered).unwrap();
    touch_b();
    let o = build(dir.path());
    assert!(!o.failed());
    assert_eq!(o.planned, 2);
    assert_eq!(outputs(&out), before);

    // And with the record as the last build left it, only b is planned.
    touch_b();
    let o = build(dir.path());
    assert_eq!(o.planned, 1);
    assert_eq!(outputs(&out), before);
}

/// Every `"hash":"…"` value of a plan record with its first hex digit changed.
fn with_other_hashes(record: &str) -> String {
    let mut out = String::new();
    let mut rest = record;
    while let Some(i) = rest.find("\"hash\":\"") {
        let at = i + "\"hash\":\"".len();
        out.push_str(&rest[..at]);
        let first = rest[at..].chars().next().unwrap();
        out.push(if first == '0' { '1' } else { '0' });
        rest = &rest[at + first.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// A long-lived workspace (as `watch` runs it) keeps Typst's memo cache from one small rebuild
/// to the next: the same file edited again and again must still give what a build from
/// scratch gives, byte for byte.
#[test]
fn rebuilds_that_keep_the_memo_cache_give_the_bytes_of_a_fresh_build() {
    let dir = two_departments();
    let mut ws = Workspace::open(Options {
        data: dir.path().join("data"),
        out: dir.path().join("out"),
        templates: None,
        font_paths: Vec::new(),
    });
    let live = BuildOptions::default();
    assert!(!live.one_shot);
    assert!(!ws.build(&live, &quiet).failed());
    let b = dir.path().join("data/b.yaml");
    let original = std::fs::read_to_string(&b).unwrap();
    let name = common::project_names("2023-kuerle-rendaban.yaml")[0].clone();
    for round in 0..3 {
        let edited = original.replacen(&name, &format!("{name}（第{round}次）"), 1);
        std::fs::write(&b, &edited).unwrap();
        let o = ws.build(&live, &quiet);
        assert!(!o.failed());
        assert_eq!(o.written, 2, "round {round}: b's PDF and xlsx");
        // From scratch in another process: nothing of this one's cache.
        let scratch = tempfile::tempdir().unwrap();
        let built = common::build(&dir.path().join("data"), scratch.path(), &[]);
        assert!(built.status.success(), "{}", common::stderr_of(&built));
        assert_eq!(
            outputs(&dir.path().join("out")),
            outputs(scratch.path()),
            "round {round}"
        );
    }
}

/// Fonts in a directory only fontconfig's configuration names (here through `FONTCONFIG_FILE`)
/// count for the no-op shortcut like the system's: a font added there means a full build.
#[test]
fn a_font_added_where_fontconfig_looks_means_a_full_build() {
    let dir = project();
    let fonts = dir.path().join("more-fonts");
    std::fs::create_dir(&fonts).unwrap();
    let conf = dir.path().join("fonts.conf");
    std::fs::write(
        &conf,
        format!(
            "<?xml version=\"1.0\"?>\n<fontconfig>\n  <dir>/usr/share/fonts</dir>\n  <dir>{}</dir>\n</fontconfig>\n",
            fonts.display()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let build = || {
        let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .arg("build")
            .arg(dir.path().join("data"))
            .arg("--out")
            .arg(&out)
            .env("FONTCONFIG_FILE", &conf)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", common::stderr_of(&o));
    };
    // The record is written again by a full build only.
    let record = out.join(jixiao::workspace::shortcut::RECORD_FILE);
    let written = || std::fs::metadata(&record).unwrap().modified().unwrap();
    build();
    let first = written();
    build();
    assert_eq!(written(), first, "nothing changed: the shortcut");
    std::fs::write(fonts.join("新字体.ttf"), b"not really a font").unwrap();
    build();
    assert_ne!(
        written(),
        first,
        "a font where fontconfig looks: a full build"
    );
}
