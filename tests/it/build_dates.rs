//! The date a build stamps into a department's PDF and xlsx (README, “日期”): SOURCE_DATE_EPOCH
//! when set; else, in a git work tree, the date (UTC) of the last commit that changed the
//! department's data file; else 1 January after the budget year. A repository is made in the
//! test, with commits at known times.

use crate::common;

use std::fs;
use std::io::{Cursor, Read};
use std::path::Path;
use std::process::{Command, Output};

use common::git::{commit_all, init};
use common::repo;

const YAML: &str = "2023-kuerle-xinfangju.yaml";
const XLSX: &str = "2023/库尔勒市信访局/项目支出绩效目标表.xlsx";
const PDF: &str = "2023/库尔勒市信访局/项目支出绩效目标表.pdf";

fn build(root: &Path, epoch: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jixiao"));
    c.current_dir(root)
        .args(["build", "data", "--out", "out", "--templates"])
        .arg(repo().join("templates"))
        .env_remove("SOURCE_DATE_EPOCH");
    if let Some(e) = epoch {
        c.env("SOURCE_DATE_EPOCH", e);
    }
    let o = c.output().expect("run jixiao");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// The xlsx's creation date, and whether the PDF carries the same date.
fn dates(root: &Path) -> (String, bool) {
    let bytes = fs::read(root.join("out").join(XLSX)).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("docProps/core.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let start = xml.find("<dcterms:created").unwrap();
    let rest = &xml[start..];
    let value = &rest[rest.find('>').unwrap() + 1..];
    let created = value[..10].to_string();
    let pdf = fs::read(root.join("out").join(PDF)).unwrap();
    let same = pdf.windows(10).any(|w| w == created.as_bytes());
    (created, same)
}

fn written(o: &Output) -> String {
    let e = String::from_utf8_lossy(&o.stderr);
    e.lines()
        .find(|l| l.starts_with("共 "))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_date_of_the_last_commit_of_the_file_unless_source_date_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let data = root.join("data");
    fs::create_dir_all(&data).unwrap();
    let text = fs::read_to_string(repo().join("data").join(YAML)).unwrap();
    fs::write(data.join(YAML), &text).unwrap();
    // Not committed yet: no commit has the file, so the fixed rule.
    let git = init(root);
    fs::write(root.join(".gitignore"), "out/\n").unwrap();
    build(root, None);
    assert_eq!(dates(root), ("2024-01-01".to_string(), true));

    // 1,700,000,000 s is 2023-11-14 22:13 UTC (2023-11-15 in the committer's UTC+8): the UTC
    // date, as SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) would give.
    commit_all(&git, "filed", 1_700_000_000);
    let o = build(root, None);
    assert_eq!(dates(root), ("2023-11-14".to_string(), true));
    assert!(written(&o).contains("写入 2 个文件"), "{}", written(&o));
    let again = build(root, None);
    assert!(
        written(&again).contains("写入 0 个文件"),
        "nothing new: {}",
        written(&again)
    );

    // Edited but not committed: the last commit's date still.
    let edited = text.replacen("名称: ", "名称: （修订）", 1);
    assert_ne!(edited, text);
    fs::write(data.join(YAML), &edited).unwrap();
    build(root, None);
    assert_eq!(dates(root).0, "2023-11-14");
    // Committed: the text is as in the last build, the date is new, and so are the files.
    commit_all(&git, "filed again", 1_710_000_000);
    let o = build(root, None);
    assert_eq!(dates(root).0, "2024-03-09");
    assert!(written(&o).contains("写入 2 个文件"), "{}", written(&o));

    // A commit of another file leaves the department's date alone.
    fs::write(root.join("README"), "说明\n").unwrap();
    commit_all(&git, "readme", 1_720_000_000);
    let o = build(root, None);
    assert_eq!(dates(root).0, "2024-03-09");
    assert!(written(&o).contains("写入 0 个文件"), "{}", written(&o));

    // SOURCE_DATE_EPOCH comes first.
    build(root, Some("0"));
    assert_eq!(dates(root), ("1970-01-01".to_string(), true));
}
