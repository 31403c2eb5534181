//! Tests of `write`.

use std::path::PathBuf;

use super::journal::{Journal, JournalEntry, below};
use super::*;

#[test]
fn names_cannot_escape_the_output_directory() {
    assert_eq!(safe_component("../etc/passwd"), "_etc_passwd");
    assert_eq!(safe_component("巴财行[2022]33号"), "巴财行[2022]33号");
    assert_eq!(safe_component(".."), "_");
}

#[test]
fn unchanged_bytes_are_not_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.pdf");
    let a = Path::new("a.pdf");
    assert_eq!(
        write_atomic(dir.path(), a, b"one").unwrap(),
        Written::Written
    );
    assert_eq!(
        write_atomic(dir.path(), a, b"one").unwrap(),
        Written::Unchanged
    );
    assert_eq!(
        write_atomic(dir.path(), a, b"two").unwrap(),
        Written::Written
    );
    assert_eq!(fs::read(&p).unwrap(), b"two");
    // No temporary files are left behind.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn long_names_make_short_distinct_file_stems() {
    assert_eq!(safe_file_stem("项目/一"), "项目_一");
    let long_a = "很长的项目名称".repeat(20);
    let long_b = format!("{long_a}二");
    let (a, b) = (safe_file_stem(&long_a), safe_file_stem(&long_b));
    assert!(a.len() <= policy::MAX_NAME_BYTES - 16, "{}", a.len());
    assert_ne!(a, b);
    assert!(a.starts_with("很长的项目名称") && a.contains('~'));
}

#[test]
fn temp_names() {
    assert!(is_temp_name(".jixiao-123-0.tmp"));
    assert!(is_temp_name(".jixiao-1-99999.tmp"));
    for name in [
        ".jixiao-manifest.json",
        ".jixiao-lock",
        ".jixiao-journal.json",
        ".jixiao-1-.tmp",
        ".jixiao--1.tmp",
        ".jixiao-a-1.tmp",
        ".jixiao-1-2.tmp.bak",
        "jixiao-1-2.tmp",
        ".jixiao-1-2-3.tmp",
    ] {
        assert!(!is_temp_name(name), "{name}");
    }
}

#[test]
fn journal_paths_stay_inside_the_department() {
    assert_eq!(below("a.pdf"), Some((PathBuf::new(), "a.pdf".to_string())));
    assert_eq!(
        below("表/01-x.pdf"),
        Some((PathBuf::from("表"), "01-x.pdf".to_string()))
    );
    for bad in [
        "",
        "../a.pdf",
        "/etc/passwd",
        "a//b",
        "./a",
        "a/../../b",
        "a\\..\\b",
    ] {
        assert_eq!(below(bad), None, "{bad:?}");
    }
}

#[test]
fn a_department_is_replaced_together_and_a_journal_is_finished() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("2023").join("局");
    let (a, b) = (d.join("a.pdf"), d.join("sub").join("b.pdf"));
    let files = [(a.as_path(), &b"A1"[..]), (b.as_path(), &b"B1"[..])];
    assert_eq!(
        replace_together(dir.path(), &d, &files).unwrap(),
        [Written::Written, Written::Written]
    );
    let files = [(a.as_path(), &b"A1"[..]), (b.as_path(), &b"B2"[..])];
    assert_eq!(
        replace_together(dir.path(), &d, &files).unwrap(),
        [Written::Unchanged, Written::Written]
    );
    assert_eq!(fs::read(&b).unwrap(), b"B2");
    assert!(!d.join(JOURNAL_FILE).exists());
    assert_eq!(remove_stale_temps(dir.path()), Vec::<PathBuf>::new());

    // A journal as a killed build leaves it: one file moved, one still staged.
    let staged = d.join("sub").join(".jixiao-1-1.tmp");
    fs::write(&staged, b"B3").unwrap();
    fs::write(&a, b"A3").unwrap();
    let entry = |staged: &str, target: &str, bytes: &[u8]| JournalEntry {
        staged: staged.to_string(),
        target: target.to_string(),
        len: bytes.len() as u64,
        blake3: blake3::hash(bytes).to_hex().to_string(),
    };
    let journal = Journal {
        files: vec![
            entry(".jixiao-1-0.tmp", "a.pdf", b"A3"),
            entry("sub/.jixiao-1-1.tmp", "sub/b.pdf", b"B3"),
        ],
    };
    fs::write(d.join(JOURNAL_FILE), serde_json::to_vec(&journal).unwrap()).unwrap();
    assert_eq!(
        recover(dir.path()),
        [Recovery::Completed {
            dir: d.clone(),
            moved: 1
        }]
    );
    assert_eq!(fs::read(&b).unwrap(), b"B3");
    assert!(!staged.exists() && !d.join(JOURNAL_FILE).exists());

    // An incomplete staged file: discarded, the targets stay.
    fs::write(&staged, b"B").unwrap();
    let journal = Journal {
        files: vec![entry("sub/.jixiao-1-1.tmp", "sub/b.pdf", b"B4")],
    };
    fs::write(d.join(JOURNAL_FILE), serde_json::to_vec(&journal).unwrap()).unwrap();
    assert_eq!(
        recover(dir.path()),
        [Recovery::Discarded {
            dir: d.clone(),
            partly: false
        }]
    );
    assert_eq!(fs::read(&b).unwrap(), b"B3");
    assert!(!staged.exists() && !d.join(JOURNAL_FILE).exists());

    // A journal pointing outside the department is not acted on.
    let outside = dir.path().join("victim");
    fs::write(&outside, b"keep").unwrap();
    let journal = Journal {
        files: vec![entry("../../victim", "a.pdf", b"keep")],
    };
    fs::write(d.join(JOURNAL_FILE), serde_json::to_vec(&journal).unwrap()).unwrap();
    assert!(matches!(
        recover(dir.path()).as_slice(),
        [Recovery::Unreadable { .. }]
    ));
    assert_eq!(fs::read(&outside).unwrap(), b"keep");
    assert_eq!(fs::read(&a).unwrap(), b"A3");
}
