//! The no-op shortcut of a one-shot build (issue 13): when nothing a build reads has changed
//! and the output directory is as the last successful build left it, that build's result is
//! reported without loading anything; any change to an input or an output means a full build.

use std::path::{Path, PathBuf};
use std::process::Command;

use jixiao::workspace::{BuildOptions, Options, Outcome, Workspace, quiet};

mod common;
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
    copy_dir(&repo().join("templates"), &dir.path().join("templates"));
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
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
