//! Tests of the write policy (Unix: links, FIFOs and races made on purpose).

use super::*;
use std::os::unix::fs::symlink;

#[test]
fn names_from_files_are_one_component() {
    for bad in [
        "",
        ".",
        "..",
        "../x.yaml",
        "/etc/passwd",
        "a/b",
        "a\\b",
        "a\0b",
        "a\nb",
    ] {
        assert!(file_name(bad).is_err(), "{bad:?}");
    }
    assert!(file_name("2025-某局.yaml").is_ok());
}

#[test]
fn symlinks_are_never_written_through() {
    let t = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, "keep").unwrap();
    symlink(&victim, t.path().join("x.pdf")).unwrap();
    symlink(outside.path(), t.path().join("2025")).unwrap();
    let root = Dir::root(t.path(), false).unwrap();
    assert!(matches!(
        root.replace("x.pdf", b"new"),
        Err(FsError::Symlink(_))
    ));
    assert!(matches!(
        root.open_dir(Path::new("2025/某局"), true),
        Err(FsError::Symlink(_))
    ));
    assert!(matches!(
        root.create_new("x.pdf", b"new"),
        Err(FsError::Symlink(_))
    ));
    // A dangling link is not written through either.
    symlink(outside.path().join("new"), t.path().join("README.md")).unwrap();
    assert!(root.create_new("README.md", b"new").is_err());
    assert!(!outside.path().join("new").exists());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    assert!(matches!(
        root.open_in_place("x.pdf"),
        Err(FsError::Symlink(_))
    ));
}

#[test]
fn special_files_are_refused_and_not_read() {
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("p");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    let root = Dir::root(t.path(), false).unwrap();
    assert!(matches!(root.replace("p", b"x"), Err(FsError::Special(..))));
    assert!(matches!(root.read_file("p", 10), Err(FsError::Special(..))));
    let dev = Dir::root(Path::new("/dev"), false).unwrap();
    assert!(matches!(
        dev.replace("null", b"x"),
        Err(FsError::Special(..))
    ));
    assert!(matches!(
        write_named(Path::new("/dev/zero"), b"x", &mut Claims::default()),
        Err(FsError::Special(..))
    ));
}

#[test]
fn claims_refuse_an_input_or_a_second_output() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("a.yaml"), "x").unwrap();
    let mut claims = Claims::default();
    claims.input(&t.path().join("a.yaml"));
    let root = Dir::root(t.path(), false).unwrap();
    assert!(matches!(
        claims.output(&root, "a.yaml"),
        Err(FsError::Collides(..))
    ));
    claims.output(&root, "x.pdf").unwrap();
    assert!(matches!(
        claims.output(&root, "X.PDF"),
        Err(FsError::Collides(..))
    ));
}

#[test]
fn replace_leaves_identical_bytes_and_creates_new() {
    let t = tempfile::tempdir().unwrap();
    let root = Dir::root(t.path(), false).unwrap();
    assert_eq!(root.replace("a", b"1").unwrap(), Written::Written);
    assert_eq!(root.replace("a", b"1").unwrap(), Written::Unchanged);
    assert_eq!(root.replace("a", b"22").unwrap(), Written::Written);
    assert!(!root.create_new("a", b"3").unwrap());
    assert_eq!(std::fs::read(t.path().join("a")).unwrap(), b"22");
    assert!(root.create_new("b", b"3").unwrap());
    let names: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
}
