//! End-to-end tests of how `jixiao build` writes its outputs (issue 8, "a department written whole
//! or not at all"): a department's files are staged and moved in together and a killed build is
//! finished by the next one, leftover temporary files are removed, a second build into the same
//! `--out` is refused while the first holds the lock, a read-only output is not replaced, and
//! `SOURCE_DATE_EPOCH` stamps the xlsx as well as the PDF; and a file an earlier build wrote that
//! its department no longer makes (a renamed project's `--split` PDF) is removed, but not one
//! changed by hand, nor anything jixiao did not write.
//!
//! One small department of the sample corpus (`data/2023-kuerle-xinfangju.yaml`: one document,
//! a PDF and its xlsx) is built into temporary directories. A kill in the middle of a department
//! is made with the documented test hook `JIXIAO_DEBUG_ABORT_AFTER_MOVES=N`, which aborts the
//! process after the department's journal is written and N files are moved in.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use common::{files_below, repo, stderr_of};

const YAML: &str = "2023-kuerle-xinfangju.yaml";
const DEPT: &str = "2023/库尔勒市信访局";
const PDF: &str = "2023/库尔勒市信访局/项目支出绩效目标表.pdf";
const XLSX: &str = "2023/库尔勒市信访局/项目支出绩效目标表.xlsx";
const JOURNAL: &str = "2023/库尔勒市信访局/.jixiao-journal.json";
const HOOK: &str = "JIXIAO_DEBUG_ABORT_AFTER_MOVES";

/// Which version of the department's data `dir/data/` holds.
#[derive(Clone, Copy)]
enum Data {
    /// As in the corpus.
    Old,
    /// A project renamed: both the PDF and the xlsx change.
    New,
    /// Not YAML at all: the department is not built, only recovery and clean-up run.
    Broken,
}

fn write_data(dir: &Path, version: Data) -> PathBuf {
    let data = dir.join("data");
    fs::create_dir_all(&data).unwrap();
    let yaml = fs::read_to_string(repo().join("data").join(YAML)).unwrap();
    let text = match version {
        Data::Old => yaml,
        Data::New => {
            let new = yaml.replacen(
                "名称: 部门专项-聘请法律顾问经费",
                "名称: 部门专项-聘请法律顾问经费（第二版）",
                1,
            );
            assert_ne!(new, yaml, "the corpus still has the project to rename");
            new
        }
        Data::Broken => "部门: [\n".to_string(),
    };
    fs::write(data.join(YAML), text).unwrap();
    data
}

/// `jixiao build DATA --out OUT --templates <repo>/templates EXTRA…` with exactly the given
/// test-relevant environment (`SOURCE_DATE_EPOCH` and the abort hook unset unless given).
fn build(data: &Path, out: &Path, env: &[(&str, &str)], extra: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jixiao"));
    c.arg("build")
        .arg(data)
        .arg("--out")
        .arg(out)
        .arg("--templates")
        .arg(repo().join("templates"))
        .args(extra)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove(HOOK);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run the jixiao binary")
}

fn built(o: &Output) -> String {
    let err = stderr_of(o);
    assert_eq!(o.status.code(), Some(0), "the build succeeds:\n{err}");
    err
}

/// The PDF and xlsx of a build of `version` into a fresh directory.
fn reference(version: Data) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let data = write_data(dir.path(), version);
    let out = dir.path().join("out");
    built(&build(&data, &out, &[], &[]));
    (
        fs::read(out.join(PDF)).unwrap(),
        fs::read(out.join(XLSX)).unwrap(),
    )
}

fn temp_files(out: &Path) -> Vec<PathBuf> {
    files_below(out)
        .into_iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(".jixiao-") && n.ends_with(".tmp")
        })
        .collect()
}

/// Bytes, mtime and inode of the department's two outputs.
fn snapshot(out: &Path) -> BTreeMap<&'static str, (Vec<u8>, SystemTime, u64)> {
    [PDF, XLSX]
        .into_iter()
        .map(|rel| {
            let p = out.join(rel);
            let meta = fs::metadata(&p).unwrap();
            #[cfg(unix)]
            let ino = std::os::unix::fs::MetadataExt::ino(&meta);
            #[cfg(not(unix))]
            let ino = 0;
            (rel, (fs::read(&p).unwrap(), meta.modified().unwrap(), ino))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A department is replaced together; a killed build is finished or cleaned up
// ---------------------------------------------------------------------------------------------

#[test]
fn a_build_killed_while_moving_a_department_in_is_finished_by_the_next_build() {
    let (old_pdf, old_xlsx) = reference(Data::Old);
    let (new_pdf, new_xlsx) = reference(Data::New);
    assert!(
        old_pdf != new_pdf && old_xlsx != new_xlsx,
        "both files change"
    );

    // N = files moved before the kill: none, one (the PDF: the department is mixed on disk),
    // both (only the journal is left).
    for moved in 0..=2 {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        built(&build(&write_data(dir.path(), Data::Old), &out, &[], &[]));

        let data = write_data(dir.path(), Data::New);
        let n = moved.to_string();
        let killed = build(&data, &out, &[(HOOK, &n)], &[]);
        assert!(
            !killed.status.success(),
            "N={moved}: the hook aborts the build:\n{}",
            stderr_of(&killed)
        );
        // The hook stopped the build exactly there: after N moves, journal in place.
        let pdf_now = fs::read(out.join(PDF)).unwrap();
        let xlsx_now = fs::read(out.join(XLSX)).unwrap();
        assert!(
            &pdf_now == if moved >= 1 { &new_pdf } else { &old_pdf },
            "N={moved}"
        );
        assert!(
            &xlsx_now == if moved >= 2 { &new_xlsx } else { &old_xlsx },
            "N={moved}"
        );
        assert!(out.join(JOURNAL).is_file(), "N={moved}: journal left");
        assert_eq!(temp_files(&out).len(), 2 - moved, "N={moved}: staged files");

        // The next build cannot build the department at all, yet finishes its moves.
        write_data(dir.path(), Data::Broken);
        let next = build(&data, &out, &[], &[]);
        let err = stderr_of(&next);
        assert!(
            fs::read(out.join(PDF)).unwrap() == new_pdf,
            "N={moved}: the new PDF is in place:\n{err}"
        );
        assert!(
            fs::read(out.join(XLSX)).unwrap() == new_xlsx,
            "N={moved}: the new xlsx is in place, not the old one beside the new PDF:\n{err}"
        );
        assert!(!out.join(JOURNAL).exists(), "N={moved}: journal removed");
        assert_eq!(temp_files(&out), Vec::<PathBuf>::new(), "N={moved}");
        assert!(
            err.contains("完成上次中断的写入") && err.contains("库尔勒市信访局"),
            "N={moved}: says so:\n{err}"
        );

        // And a normal build afterwards finds the new files already there.
        let again = built(&build(&write_data(dir.path(), Data::New), &out, &[], &[]));
        assert!(!again.lines().any(|l| l.starts_with("写入")), "{again}");
    }
}

#[test]
fn incomplete_staged_files_of_a_killed_build_are_deleted_and_the_old_files_kept() {
    let (old_pdf, old_xlsx) = reference(Data::Old);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    built(&build(&write_data(dir.path(), Data::Old), &out, &[], &[]));

    let data = write_data(dir.path(), Data::New);
    let killed = build(&data, &out, &[(HOOK, "0")], &[]);
    assert!(!killed.status.success(), "{}", stderr_of(&killed));
    let staged = temp_files(&out);
    assert_eq!(staged.len(), 2, "both files staged: {staged:?}");
    assert!(out.join(JOURNAL).is_file());
    // One staged file loses its tail (as a disk that lied about fsync might leave it).
    let bytes = fs::read(&staged[0]).unwrap();
    fs::write(&staged[0], &bytes[..bytes.len() / 2]).unwrap();

    write_data(dir.path(), Data::Broken);
    let next = build(&data, &out, &[], &[]);
    let err = stderr_of(&next);
    assert!(
        fs::read(out.join(PDF)).unwrap() == old_pdf,
        "the old PDF stays:\n{err}"
    );
    assert!(
        fs::read(out.join(XLSX)).unwrap() == old_xlsx,
        "the old xlsx stays:\n{err}"
    );
    assert!(!out.join(JOURNAL).exists(), "journal removed:\n{err}");
    assert_eq!(temp_files(&out), Vec::<PathBuf>::new(), "{err}");
    assert!(err.contains("暂存文件不完整"), "says so:\n{err}");
}

#[test]
fn stale_temporary_files_are_removed_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let data = write_data(dir.path(), Data::Old);
    built(&build(&data, &out, &[], &[]));
    let before = snapshot(&out);

    let dept = out.join(DEPT);
    let split = dept.join("项目支出绩效目标表");
    fs::create_dir_all(&split).unwrap();
    // As a build killed while writing leaves them (process 4000001 is gone).
    let stale = [
        out.join(".jixiao-4000001-0.tmp"),
        dept.join(".jixiao-4000001-1.tmp"),
        split.join(".jixiao-4000001-2.tmp"),
    ];
    // Not jixiao's temporary names, or not in a directory jixiao writes.
    let kept = [
        dept.join(".jixiao-notes.tmp"),
        dept.join("jixiao-1-2.tmp"),
        dept.join(".jixiao-1-2.tmp.bak"),
        out.join("2023").join(".jixiao-1-3.tmp"),
        out.join("notes").join("x").join(".jixiao-1-4.tmp"),
    ];
    for p in stale.iter().chain(&kept) {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, b"partial").unwrap();
    }

    let err = built(&build(&data, &out, &[], &[]));
    for p in &stale {
        assert!(!p.exists(), "{} removed:\n{err}", p.display());
    }
    for p in &kept {
        assert!(p.exists(), "{} kept:\n{err}", p.display());
    }
    assert!(
        err.contains("删除上次构建中断留下的临时文件 3 个"),
        "says so:\n{err}"
    );
    assert_eq!(snapshot(&out), before, "the outputs are not touched");
}

// ---------------------------------------------------------------------------------------------
// The lock on --out
// ---------------------------------------------------------------------------------------------

#[test]
fn a_second_build_into_the_same_out_is_refused_while_the_lock_is_held() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let data = write_data(dir.path(), Data::Old);
    fs::create_dir_all(&out).unwrap();
    // A temporary file of the (live) lock holder must survive the refused build.
    let live_temp = out.join(format!(".jixiao-{}-0.tmp", std::process::id()));
    fs::write(&live_temp, b"being written").unwrap();

    let mut lock = fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(out.join(".jixiao-lock"))
        .unwrap();
    lock.try_lock().expect("the test takes the lock");
    lock.set_len(0).unwrap();
    writeln!(lock, "{}", std::process::id()).unwrap();

    // Refused, not waiting: the lock is taken without blocking (a wait would hang the test).
    let refused = build(&data, &out, &[], &[]);
    let err = stderr_of(&refused);
    assert_eq!(refused.status.code(), Some(1), "refused:\n{err}");
    assert!(
        err.contains("另一个 jixiao 构建正在写入")
            && err.contains(&format!("（进程 {}）", std::process::id())),
        "names the other process:\n{err}"
    );
    assert!(!out.join(DEPT).exists(), "nothing written:\n{err}");
    assert!(
        live_temp.exists(),
        "the holder's temporary file is left alone"
    );

    drop(lock);
    let err = built(&build(&data, &out, &[], &[]));
    assert!(out.join(PDF).is_file() && out.join(XLSX).is_file(), "{err}");
    assert!(!live_temp.exists(), "now stale, and removed:\n{err}");
}

// ---------------------------------------------------------------------------------------------
// Read-only outputs
// ---------------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_read_only_output_is_an_error_and_the_department_is_left_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let data = write_data(dir.path(), Data::Old);
    built(&build(&data, &out, &[], &[]));
    let xlsx = out.join(XLSX);

    // Unchanged bytes: a read-only file is simply left as it is.
    fs::set_permissions(&xlsx, fs::Permissions::from_mode(0o444)).unwrap();
    let before = snapshot(&out);
    std::thread::sleep(std::time::Duration::from_millis(20));
    built(&build(&data, &out, &[], &["--force"]));
    assert_eq!(snapshot(&out), before);

    // New data: the xlsx would be replaced, so nothing of the department is.
    write_data(dir.path(), Data::New);
    for extra in [&[][..], &["--force"][..]] {
        let o = build(&data, &out, &[], extra);
        let err = stderr_of(&o);
        assert_eq!(o.status.code(), Some(1), "{extra:?}: an error:\n{err}");
        assert!(
            err.lines().any(|l| l.starts_with("错误")
                && l.contains("项目支出绩效目标表.xlsx")
                && l.contains("只读")),
            "{extra:?}: names the read-only file:\n{err}"
        );
        assert_eq!(
            snapshot(&out),
            before,
            "{extra:?}: neither the PDF nor the xlsx is replaced"
        );
        assert_eq!(
            fs::metadata(&xlsx).unwrap().permissions().mode() & 0o777,
            0o444
        );
        assert_eq!(temp_files(&out), Vec::<PathBuf>::new(), "{extra:?}");
        assert!(!out.join(JOURNAL).exists(), "{extra:?}");
    }

    // Writable again: both are replaced.
    fs::set_permissions(&xlsx, fs::Permissions::from_mode(0o644)).unwrap();
    let (new_pdf, new_xlsx) = reference(Data::New);
    built(&build(&data, &out, &[], &[]));
    assert!(fs::read(out.join(PDF)).unwrap() == new_pdf);
    assert!(fs::read(&xlsx).unwrap() == new_xlsx);
}

// ---------------------------------------------------------------------------------------------
// SOURCE_DATE_EPOCH
// ---------------------------------------------------------------------------------------------

fn core_xml(xlsx: &Path) -> String {
    let bytes = fs::read(xlsx).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("the xlsx is a zip");
    let mut file = zip.by_name("docProps/core.xml").expect("docProps/core.xml");
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    text
}

fn created(xml: &str) -> &str {
    let start = xml.find("<dcterms:created").expect("dcterms:created");
    let rest = &xml[start..];
    let value = &rest[rest.find('>').unwrap() + 1..];
    &value[..value.find('<').unwrap()]
}

#[test]
fn source_date_epoch_stamps_the_xlsx_as_well_as_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_data(dir.path(), Data::Old);
    let build_into = |name: &str, epoch: Option<&str>| {
        let out = dir.path().join(name);
        let env: Vec<(&str, &str)> = epoch
            .map(|e| ("SOURCE_DATE_EPOCH", e))
            .into_iter()
            .collect();
        built(&build(&data, &out, &env, &[]));
        out
    };

    let plain = build_into("plain", None);
    assert_eq!(
        created(&core_xml(&plain.join(XLSX))),
        "2024-01-01T00:00:00Z",
        "without it: 1 January after the budget year"
    );

    let zero = build_into("zero", Some("0"));
    let xml = core_xml(&zero.join(XLSX));
    assert_eq!(created(&xml), "1970-01-01T00:00:00Z", "{xml}");
    assert!(
        xml.contains(">1970-01-01T00:00:00Z</dcterms:modified>"),
        "{xml}"
    );
    let pdf = fs::read(zero.join(PDF)).unwrap();
    assert!(
        pdf.windows(10).any(|w| w == b"1970-01-01"),
        "the PDF carries the same date"
    );

    // One environment, one set of bytes.
    let again = build_into("again", Some("0"));
    for rel in [PDF, XLSX] {
        assert!(
            fs::read(zero.join(rel)).unwrap() == fs::read(again.join(rel)).unwrap(),
            "{rel}: same bytes for the same SOURCE_DATE_EPOCH"
        );
    }
    // 2001-09-09 (1,000,000,000 s).
    let other = build_into("other", Some("1000000000"));
    assert_eq!(
        created(&core_xml(&other.join(XLSX))),
        "2001-09-09T00:00:00Z"
    );
}

/// The relative paths of the PDFs and xlsx files below `out`.
fn made_below(out: &Path) -> Vec<String> {
    common::outputs_below(out)
        .iter()
        .map(|p| p.strip_prefix(out).unwrap().to_string_lossy().into_owned())
        .collect()
}

/// A project renamed under `--split`: its old per-project PDF is removed (and said so), so
/// `out/` holds what a build from scratch holds; a stale file changed by hand, and a file of
/// the user's own, stay.
#[test]
fn files_a_department_no_longer_makes_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_data(dir.path(), Data::Old);
    let out = dir.path().join("out");
    built(&build(&data, &out, &[], &["--split"]));
    let split_dir = out.join(DEPT).join("项目支出绩效目标表");
    let old_split: Vec<PathBuf> = files_below(&split_dir)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("聘请法律顾问经费"))
        .collect();
    assert_eq!(old_split.len(), 1, "the renamed project's own PDF");
    let own = out.join(DEPT).join("说明.txt");
    fs::write(&own, "用户自己的文件").unwrap();

    write_data(dir.path(), Data::New);
    let err = built(&build(&data, &out, &[], &["--split"]));
    assert!(!old_split[0].exists(), "the old split PDF is removed");
    assert!(err.contains("删除 "), "{err}");
    assert!(err.contains("删除 1 个不再生成的旧文件"), "{err}");
    assert!(own.exists(), "a file jixiao did not write stays");
    let scratch = tempfile::tempdir().unwrap();
    built(&build(&data, scratch.path(), &[], &["--split"]));
    let mut want = made_below(scratch.path());
    want.sort();
    let mut have = made_below(&out);
    have.sort();
    assert_eq!(have, want);

    // Renamed back, with the now stale split PDF changed by hand first: it stays.
    let stale: PathBuf = files_below(&split_dir)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("第二版"))
        .expect("the new split PDF");
    fs::write(&stale, b"edited by hand").unwrap();
    write_data(dir.path(), Data::Old);
    let err = built(&build(&data, &out, &[], &["--split"]));
    assert!(
        stale.exists(),
        "a file changed by hand is not removed: {err}"
    );
    assert!(!err.contains("删除 "), "{err}");
}

/// A page template with a syntax error is reported once, in Chinese, at its line; the
/// departments of its style are refused with one line that says why, and are never laid out
/// with a template that is not there (no "template … does not exist"); other styles build.
#[test]
fn a_broken_page_template_refuses_its_departments_and_says_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::copy_dir(&repo().join("templates"), &root.join("templates"));
    let template = root.join("templates/xinjiang/target.typ.j2");
    let mut text = fs::read_to_string(&template).unwrap();
    text.push_str("{% if 年度 %}\n");
    fs::write(&template, text).unwrap();
    fs::create_dir(root.join("data")).unwrap();
    for f in ["2023-kuerle-xinfangju.yaml", "2025-pingluo-rendaban.yaml"] {
        fs::copy(repo().join("data").join(f), root.join("data").join(f)).unwrap();
    }
    let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .current_dir(root)
        .args(["build", "data", "--out", "out"])
        .output()
        .unwrap();
    let err = stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("模板在结尾前缺少收尾"), "{err}");
    assert!(err.contains("本部门的表格没有生成"), "{err}");
    for english in ["does not exist", "template not found", "找不到模板"] {
        assert!(!err.contains(english), "“{english}” in:\n{err}");
    }
    let built = common::outputs_below(&root.join("out"));
    assert!(
        built.iter().any(|p| p.to_string_lossy().contains("平罗县")),
        "{built:?}"
    );
    assert!(
        !built.iter().any(|p| p.to_string_lossy().contains("信访局")),
        "{built:?}"
    );
}
