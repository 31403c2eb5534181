//! Issue 20, "trust nothing that comes in": every write goes through one path policy
//! (`src/write/policy/`). Each test plants what an attacker or an unlucky folder would — a
//! symbolic link at an output, backup, lock, record or scaffold path, a link in place of a
//! directory, a FIFO or device as a target, a tampered workbook naming a path — and checks that
//! the run ends with a clear Chinese message, nothing is written outside the named directory and
//! nothing the user did not name is overwritten. Each failed before the policy existed.

#![cfg(unix)]

use crate::common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{repo, stderr_of};

const YAML: &str = "2023-kuerle-xinfangju.yaml";
const DEPT: &str = "2023/库尔勒市信访局";

fn jixiao(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the jixiao binary")
}

/// A project with one small department and the repository's templates.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("data")).unwrap();
    fs::copy(
        repo().join("data").join(YAML),
        dir.path().join("data").join(YAML),
    )
    .unwrap();
    common::copy_dir(&repo().join("templates"), &dir.path().join("templates"));
    dir
}

/// A file outside the project that must keep its text.
struct Victim {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Victim {
    fn new() -> Victim {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bashrc");
        fs::write(&path, "keep me\n").unwrap();
        Victim { _dir: dir, path }
    }
    fn dir(&self) -> &Path {
        self.path.parent().unwrap()
    }
    fn assert_untouched(&self) {
        assert_eq!(fs::read_to_string(&self.path).unwrap(), "keep me\n");
        let names: Vec<_> = fs::read_dir(self.dir())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "nothing new beside the victim: {names:?}");
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn a_link_planted_at_the_lock_is_refused_not_truncated() {
    let p = project();
    let victim = Victim::new();
    fs::create_dir(p.path().join("out")).unwrap();
    symlink(&victim.path, p.path().join("out/.jixiao-lock")).unwrap();
    let o = jixiao(p.path(), &["build"]);
    let err = stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains(".jixiao-lock") && err.contains("符号链接"),
        "{err}"
    );
    victim.assert_untouched();
}

#[test]
fn a_link_in_place_of_an_output_directory_or_file_is_not_followed() {
    // out/2023 -> a directory elsewhere.
    let p = project();
    let victim = Victim::new();
    fs::create_dir(p.path().join("out")).unwrap();
    symlink(victim.dir(), p.path().join("out/2023")).unwrap();
    let o = jixiao(p.path(), &["build"]);
    let err = stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("符号链接"), "{err}");
    victim.assert_untouched();

    // An output file -> the victim: refused, the department's other files are not replaced.
    let p = project();
    let victim = Victim::new();
    assert!(jixiao(p.path(), &["build"]).status.success());
    let pdf = p
        .path()
        .join("out")
        .join(DEPT)
        .join("项目支出绩效目标表.pdf");
    let xlsx = pdf.with_extension("xlsx");
    let xlsx_before = fs::read(&xlsx).unwrap();
    fs::remove_file(&pdf).unwrap();
    symlink(&victim.path, &pdf).unwrap();
    let yaml = p.path().join("data").join(YAML);
    let text = fs::read_to_string(&yaml).unwrap();
    fs::write(
        &yaml,
        text.replacen(
            "部门专项-聘请法律顾问经费",
            "部门专项-聘请法律顾问经费二",
            1,
        ),
    )
    .unwrap();
    let o = jixiao(p.path(), &["build"]);
    let err = stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("符号链接"), "{err}");
    victim.assert_untouched();
    assert_eq!(
        fs::read(&xlsx).unwrap(),
        xlsx_before,
        "replaced together or not at all"
    );
    assert!(fs::symlink_metadata(&pdf).unwrap().file_type().is_symlink());
}

#[test]
fn a_link_at_the_manifest_or_records_is_neither_read_nor_written_through() {
    let p = project();
    let victim = Victim::new();
    fs::create_dir(p.path().join("out")).unwrap();
    for name in [
        ".jixiao-manifest.json",
        ".jixiao-plans.json",
        ".jixiao-up-to-date.json",
    ] {
        let _ = fs::remove_file(p.path().join("out").join(name));
        symlink(&victim.path, p.path().join("out").join(name)).unwrap();
    }
    let o = jixiao(p.path(), &["build"]);
    let err = stderr_of(&o);
    assert!(!err.contains("panicked"), "{err}");
    victim.assert_untouched();
}

#[test]
fn a_special_file_in_the_data_directory_does_not_block_or_get_read() {
    let p = project();
    mkfifo(&p.path().join("data/2024-管道.yaml"));
    // Bounded by coreutils' timeout: a FIFO opened for reading would block forever.
    let o = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_jixiao"))
        .arg("check")
        .current_dir(p.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_ne!(
        o.status.code(),
        Some(124),
        "check blocked on a FIFO in data/"
    );
}

#[test]
fn init_and_new_never_write_through_a_dangling_link() {
    let dir = tempfile::tempdir().unwrap();
    let victim = Victim::new();
    let project = dir.path().join("p");
    fs::create_dir_all(project.join(".vscode")).unwrap();
    let escaped = victim.dir().join("README.md");
    symlink(&escaped, project.join("README.md")).unwrap();
    symlink(
        victim.dir().join("settings.json"),
        project.join(".vscode/settings.json"),
    )
    .unwrap();
    let o = jixiao(dir.path(), &["init", "p"]);
    let err = stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("符号链接"), "{err}");
    victim.assert_untouched();

    // A symlinked schemas/ directory.
    let dir = tempfile::tempdir().unwrap();
    let victim = Victim::new();
    let project = dir.path().join("p");
    fs::create_dir_all(&project).unwrap();
    symlink(victim.dir(), project.join("schemas")).unwrap();
    let o = jixiao(dir.path(), &["init", "p"]);
    assert!(!o.status.success());
    victim.assert_untouched();

    // `new` with its data file's name planted as a dangling link.
    let p = self::project();
    let victim = Victim::new();
    symlink(
        victim.dir().join("x.yaml"),
        p.path().join("data/2025-某某局.yaml"),
    )
    .unwrap();
    let o = jixiao(
        p.path(),
        &["new", "某某局", "--style", "xinjiang", "--year", "2025"],
    );
    let err = stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("符号链接"), "{err}");
    victim.assert_untouched();
}

#[test]
fn schema_output_refuses_devices_fifos_and_links_and_writes_dash_to_stdout() {
    let p = project();
    let victim = Victim::new();
    // A FIFO: refused at once instead of blocking (bounded by the test's own timeout).
    mkfifo(&p.path().join("fifo"));
    let o = jixiao(p.path(), &["schema", "-o", "fifo"]);
    assert!(!o.status.success());
    assert!(stderr_of(&o).contains("命名管道"), "{}", stderr_of(&o));
    // A device is not turned into a regular file, nor read.
    let o = jixiao(p.path(), &["schema", "-o", "/dev/null"]);
    assert!(!o.status.success());
    assert!(stderr_of(&o).contains("设备文件"), "{}", stderr_of(&o));
    assert!(!fs::metadata("/dev/null").unwrap().is_file());
    // A link.
    symlink(&victim.path, p.path().join("s.json")).unwrap();
    let o = jixiao(p.path(), &["schema", "-o", "s.json"]);
    assert!(!o.status.success());
    victim.assert_untouched();
    // `-` is standard output.
    let o = jixiao(p.path(), &["schema", "-o", "-"]);
    assert!(o.status.success(), "{}", stderr_of(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("$schema"));
    assert!(!p.path().join("-").exists());
}

#[test]
fn the_change_table_never_lands_on_an_input_or_on_its_twin() {
    let p = project();
    let yaml = p.path().join("data").join(YAML);
    let before = fs::read(&yaml).unwrap();
    let data_file = format!("data/{YAML}");
    let o = jixiao(p.path(), &["diff", "data", "data", "--xlsx", &data_file]);
    let err = stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("输入文件"), "{err}");
    assert_eq!(fs::read(&yaml).unwrap(), before);

    let o = jixiao(
        p.path(),
        &["diff", "data", "data", "--pdf", "t.pdf", "--xlsx", "t.pdf"],
    );
    let err = stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("同一个文件"), "{err}");
    assert!(
        !p.path().join("t.pdf").exists(),
        "nothing written when the targets collide"
    );

    let o = jixiao(p.path(), &["diff", "data", "data", "--pdf", "/dev/null"]);
    assert!(!o.status.success());
    assert!(stderr_of(&o).contains("设备文件"), "{}", stderr_of(&o));
}

/// The fixtures in `tests/fixtures/hostile/` are the names a tampered workbook could carry
/// as its data file's name, one per line: each must be refused by `import`.
#[test]
fn a_tampered_workbook_cannot_name_a_path() {
    use calamine::{Data, Reader, Xlsx};
    let p = project();
    let o = jixiao(p.path(), &["build"]);
    assert!(o.status.success(), "{}", stderr_of(&o));
    let xlsx = p
        .path()
        .join("out")
        .join(DEPT)
        .join("项目支出绩效目标表.xlsx");
    let names =
        fs::read_to_string(repo().join("tests/fixtures/hostile/twin-file-names.txt")).unwrap();
    let victim = Victim::new();
    for name in names
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let name = name.replace("$VICTIM", victim.path.to_str().unwrap());
        // Rewrite the data file's name in the hidden sheet, as an attacker with a zip tool would.
        let tampered = p.path().join("tampered.xlsx");
        rewrite_shared_string(&xlsx, &tampered, YAML, &name);
        let mut book: Xlsx<_> = calamine::open_workbook(&tampered).unwrap();
        let sheet = book.worksheet_range("jixiao数据").unwrap();
        assert!(
            sheet
                .used_cells()
                .any(|(_, _, v)| matches!(v, Data::String(s) if *s == name)),
            "the tampered name is in the data sheet"
        );
        let o = jixiao(
            p.path(),
            &[
                "import",
                tampered.to_str().unwrap(),
                "--out",
                "data",
                "--force",
            ],
        );
        let err = stderr_of(&o);
        assert!(!o.status.success(), "{name}: {err}");
        assert!(err.contains("不是数据目录中的一个文件名"), "{name}: {err}");
        victim.assert_untouched();
        let listed: Vec<_> = fs::read_dir(p.path().join("data"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(listed.len(), 1, "{name}: nothing new in data/: {listed:?}");
        assert!(
            !p.path().join("escaped.yaml").exists() && !p.path().join("out/escaped.yaml").exists()
        );
    }
}

/// Copies the xlsx `from` to `to` with the shared string `old` replaced by `new` (XML-escaped).
fn rewrite_shared_string(from: &Path, to: &Path, old: &str, new: &str) {
    use std::io::{Read, Write};
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut zin = zip::ZipArchive::new(fs::File::open(from).unwrap()).unwrap();
    let mut zout = zip::ZipWriter::new(fs::File::create(to).unwrap());
    let mut found = false;
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name == "xl/sharedStrings.xml" {
            let text = String::from_utf8(bytes).unwrap();
            let needle = format!(">{}<", escape(old));
            found = text.contains(&needle);
            bytes = text
                .replace(&needle, &format!(">{}<", escape(new)))
                .into_bytes();
        }
        zout.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zout.write_all(&bytes).unwrap();
    }
    zout.finish().unwrap();
    assert!(
        found,
        "the data file's name {old} is a shared string of the workbook"
    );
}

#[test]
fn a_hard_link_at_the_lock_is_not_changed_in_place() {
    let p = project();
    let victim = Victim::new();
    fs::create_dir(p.path().join("out")).unwrap();
    fs::hard_link(&victim.path, p.path().join("out/.jixiao-lock")).unwrap();
    let o = jixiao(p.path(), &["build"]);
    let err = stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("硬链接"), "{err}");
    assert_eq!(fs::read_to_string(&victim.path).unwrap(), "keep me\n");
}

#[test]
fn a_single_file_output_never_lands_on_a_project_input_or_in_git() {
    let p = project();
    let yaml = p.path().join("data").join(YAML);
    let style = p.path().join("templates/xinjiang/style.yaml");
    let before = (fs::read(&yaml).unwrap(), fs::read(&style).unwrap());
    for target in [
        format!("data/{YAML}"),
        "templates/xinjiang/style.yaml".to_string(),
    ] {
        let o = jixiao(p.path(), &["schema", "-o", &target]);
        let err = stderr_of(&o);
        assert!(!o.status.success(), "{target}: {err}");
        assert!(err.contains("输入文件"), "{target}: {err}");
    }
    assert_eq!(
        (fs::read(&yaml).unwrap(), fs::read(&style).unwrap()),
        before
    );
    // A repository's own directory.
    fs::create_dir(p.path().join(".git")).unwrap();
    fs::write(p.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let o = jixiao(p.path(), &["diff", "data", "data", "--xlsx", ".git/HEAD"]);
    assert!(!o.status.success());
    assert!(stderr_of(&o).contains(".git"), "{}", stderr_of(&o));
    assert_eq!(
        fs::read_to_string(p.path().join(".git/HEAD")).unwrap(),
        "ref: refs/heads/main\n"
    );
    // An output directory that is a file is said to be one, in Chinese.
    fs::write(p.path().join("afile"), "x").unwrap();
    let o = jixiao(p.path(), &["build", "--out", "afile"]);
    assert!(!o.status.success());
    assert!(stderr_of(&o).contains("不是目录"), "{}", stderr_of(&o));
}

/// A workbook whose data sheet names another department's data file replaces nothing, even
/// with --force.
#[test]
fn a_tampered_workbook_cannot_take_over_another_departments_file() {
    let p = project();
    fs::copy(
        repo().join("data/2023-kuerle-rendaban.yaml"),
        p.path().join("data/2023-kuerle-rendaban.yaml"),
    )
    .unwrap();
    let other = fs::read(p.path().join("data/2023-kuerle-rendaban.yaml")).unwrap();
    assert!(jixiao(p.path(), &["build"]).status.success());
    let xlsx = p
        .path()
        .join("out")
        .join(DEPT)
        .join("项目支出绩效目标表.xlsx");
    let tampered = p.path().join("tampered.xlsx");
    rewrite_shared_string(&xlsx, &tampered, YAML, "2023-kuerle-rendaban.yaml");
    let o = jixiao(p.path(), &["import", tampered.to_str().unwrap(), "--force"]);
    let err = stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("另一个部门"), "{err}");
    assert_eq!(
        fs::read(p.path().join("data/2023-kuerle-rendaban.yaml")).unwrap(),
        other
    );
    assert!(!p.path().join("data/2023-kuerle-rendaban.yaml.bak").exists());
}

/// Text from a workbook never reaches the terminal as escape sequences.
#[test]
fn a_workbook_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("f.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let heads = [
        "部门",
        "年度",
        "项目名称",
        "年度资金总额（万元）",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
    ];
    let row = [
        "恶意\u{1b}]0;PWNED\u{7}\u{1b}[31m局",
        "2025",
        "测试项目",
        "10",
        "产出指标",
        "数量指标",
        "培训人数",
        "≥100人",
    ];
    for (c, (h, v)) in heads.iter().zip(row).enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
        ws.write_string(1, c as u16, v).unwrap();
    }
    wb.save(&xlsx).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .current_dir(dir.path())
        .args([
            "import",
            xlsx.to_str().unwrap(),
            "--style",
            "ningxia",
            "--templates",
        ])
        .arg(repo().join("templates"))
        .output()
        .unwrap();
    let err = stderr_of(&o);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("恶意"), "{err}");
}

/// The editor's schema goes beside the data directory only in a jixiao project (one with
/// `templates/` or `schemas/`): `new --data .` or `import --out elsewhere/data` wrote
/// `schemas/` into a directory nobody named.
#[test]
fn no_schema_is_written_outside_a_project() {
    let outside = tempfile::tempdir().unwrap();
    let data = outside.path().join("imp");
    fs::create_dir(&data).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .current_dir(&data)
        .args([
            "new",
            "某某局",
            "--style",
            "xinjiang",
            "--year",
            "2025",
            "--data",
            ".",
            "--templates",
        ])
        .arg(repo().join("templates"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr_of(&o));
    assert!(data.join("2025-某某局.yaml").is_file());
    assert!(
        !outside.path().join("schemas").exists(),
        "nothing beside the named directory"
    );
    // In a project the schema is refreshed as before.
    let p = project();
    let o = jixiao(
        p.path(),
        &["new", "某某局", "--style", "xinjiang", "--year", "2025"],
    );
    assert!(o.status.success(), "{}", stderr_of(&o));
    assert!(p.path().join("schemas/xinjiang.schema.json").is_file());
}

/// Two documents of a style named alike would write one file twice (one lost, the build
/// said 写入 twice and succeeded); a department named like the region's index page would be
/// written over by it. Both are refused, the first before anything of the department is written,
/// the second by `check`.
#[test]
fn outputs_of_one_run_never_land_on_each_other() {
    let p = project();
    let yaml = "2023-xiangshan-rendaban.yaml";
    fs::copy(
        repo().join("data").join(yaml),
        p.path().join("data").join(yaml),
    )
    .unwrap();
    let style = p.path().join("templates/anhui/style.yaml");
    let text = fs::read_to_string(&style).unwrap();
    fs::write(
        &style,
        text.replace("file: 部门绩效自评项目清单", "file: 项目支出绩效自评表"),
    )
    .unwrap();
    let o = jixiao(p.path(), &["build"]);
    let err = stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("两个文档"), "{err}");
    let dept = p.path().join("out/2023/相山区人大办公室");
    assert!(
        !dept.exists() || fs::read_dir(&dept).unwrap().next().is_none(),
        "nothing of it written"
    );

    let p = project();
    fs::write(
        p.path().join("data/地区.yaml"),
        "地区: 库尔勒市\n编制单位: 库尔勒市财政局\n",
    )
    .unwrap();
    let data = p.path().join("data").join(YAML);
    let text = fs::read_to_string(&data).unwrap();
    fs::write(
        &data,
        text.replacen("部门: 库尔勒市信访局", "部门: index.html", 1),
    )
    .unwrap();
    let o = jixiao(p.path(), &["check"]);
    let err = stderr_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("JX111") && err.contains("索引页"), "{err}");
}

/// A project name too long for a file name passed `check` and failed `build --split` with an
/// English "File name too long", writing none of the department: the file name is cut and
/// marked with a hash of the whole name.
#[test]
fn a_long_project_name_still_splits() {
    let p = project();
    let data = p.path().join("data").join(YAML);
    let text = fs::read_to_string(&data).unwrap();
    let long = "聘请法律顾问".repeat(15);
    fs::write(
        &data,
        text.replacen(
            "名称: 部门专项-聘请法律顾问经费",
            &format!("名称: {long}"),
            1,
        ),
    )
    .unwrap();
    let o = jixiao(p.path(), &["check"]);
    assert!(o.status.success(), "{}", stderr_of(&o));
    let o = jixiao(p.path(), &["build", "--split"]);
    assert!(o.status.success(), "{}", stderr_of(&o));
    let names: Vec<String> = common::files_below(&p.path().join("out").join(DEPT))
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.contains("-聘请法律顾问聘请") && n.contains('~') && n.ends_with(".pdf")),
        "{names:?}"
    );
    assert!(names.iter().all(|n| n.len() <= 255));
}
