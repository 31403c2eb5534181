//! The no-op shortcut of a one-shot build: when nothing a build reads has changed since the
//! last build that succeeded, and nothing in the output directory has changed since it
//! ended, that build's result stands and nothing is loaded, checked, planned or rendered.
//!
//! The last successful build leaves `out/.jixiao-uptodate.json`: a hash of its inputs, what
//! it reported (departments, projects, warnings, documents, files) and the length and mtime
//! of every file below `out/`. The inputs are everything the output depends on, as the run's
//! inputs record lists them (`inputs::Inputs`, whose roots `watch` watches too):
//!
//! - this program (its version, and the length and mtime of the executable);
//! - the options that change the output (`--split`, `--no-data-sheet`, the data and templates
//!   paths);
//! - every entry directly in the data directory (names, kinds, symlink targets, bytes);
//! - every file below the templates directory (paths and bytes);
//!
//!   (a file larger than a build would read, by length and mtime; FIFOs and devices are
//!   never opened)
//! - the fonts: every file below `fonts/` beside the data, the `--font-path` directories and
//!   the system's font directories, by path, length and mtime;
//! - `SOURCE_DATE_EPOCH`, and the git commit checked out (the documents' dates come from it).
//!
//! Anything unreadable means no shortcut. The record is removed as soon as a build does not
//! take the shortcut, and written again only when the full build ends without an error, so a
//! failed or interrupted build is never taken as current. Long-lived workspaces (`watch`,
//! `serve`) do not use it: they keep their own caches and need every department's outcome.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::inputs::{Root, RootKind};

/// The record's file name in the output directory.
pub const RECORD_FILE: &str = crate::write::layout::UPTODATE_FILE;

/// What the last successful build reported, and what it left in the output directory.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// The hash of the inputs ([`inputs_key`]).
    pub key: String,
    pub departments: usize,
    pub projects: usize,
    pub warnings: usize,
    pub documents: usize,
    /// Files the build wrote or found current.
    pub files: usize,
    /// The first output of every listed document (announced as current).
    pub fresh: Vec<PathBuf>,
    /// Every file below the output directory but jixiao's own records: (path, length, mtime
    /// in nanoseconds since the epoch).
    pub tree: Vec<(PathBuf, u64, u128)>,
}

/// The hash of everything a build of these options reads (see the module documentation), or
/// `None` when some of it cannot be read.
pub fn inputs_key(
    roots: &[Root],
    flags: u8,
    source_date_epoch: Option<&std::ffi::OsStr>,
) -> Option<String> {
    let mut h = blake3::Hasher::new();
    let field = |h: &mut blake3::Hasher, bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(&mut h, b"jixiao-uptodate-1");
    field(&mut h, env!("CARGO_PKG_VERSION").as_bytes());
    let exe = std::env::current_exe().ok()?;
    field(&mut h, stat_line(&exe)?.as_bytes());
    field(&mut h, &[flags]);
    let of = |kind| {
        roots
            .iter()
            .filter(move |r| r.kind == kind)
            .map(|r| &r.path)
    };
    let data = of(RootKind::Data).next()?;
    // Not the output directory's: the record lives in it.
    for p in of(RootKind::Data).chain(of(RootKind::Templates)) {
        field(
            &mut h,
            p.canonicalize().ok()?.as_os_str().as_encoded_bytes(),
        );
    }
    for root in roots {
        match root.kind {
            // The data directory: its entries, not its subdirectories (which a build does not
            // read).
            RootKind::Data => {
                let mut entries: Vec<fs::DirEntry> = fs::read_dir(&root.path)
                    .ok()?
                    .collect::<Result<_, _>>()
                    .ok()?;
                entries.sort_by_key(fs::DirEntry::file_name);
                for e in entries {
                    let path = e.path();
                    field(&mut h, path.as_os_str().as_encoded_bytes());
                    let kind = e.file_type().ok()?;
                    if kind.is_symlink() {
                        let target = fs::canonicalize(&path)
                            .map(|t| t.into_os_string().into_encoded_bytes())
                            .unwrap_or_default();
                        field(&mut h, &target);
                    }
                    field(&mut h, content(&path)?.as_bytes());
                }
            }
            RootKind::Templates => {
                for file in walk(&root.path)? {
                    field(&mut h, file.as_os_str().as_encoded_bytes());
                    field(&mut h, content(&file)?.as_bytes());
                }
            }
            RootKind::Fonts | RootKind::SystemFonts => {
                let dir = &root.path;
                field(&mut h, dir.as_os_str().as_encoded_bytes());
                // A directory that does not exist is a fact too (fonts may appear there
                // later); a file (fontconfig's configuration) counts by its length and mtime.
                match walk(dir) {
                    Some(files) => {
                        for file in files {
                            field(&mut h, stat_line(&file).unwrap_or_default().as_bytes());
                        }
                    }
                    None => field(&mut h, stat_line(dir).unwrap_or_default().as_bytes()),
                }
            }
        }
    }
    field(
        &mut h,
        source_date_epoch.unwrap_or_default().as_encoded_bytes(),
    );
    let head = crate::git::Repo::discover(data)
        .and_then(|r| r.head())
        .map(|oid| oid.to_string())
        .unwrap_or_default();
    field(&mut h, head.as_bytes());
    Some(h.finalize().to_hex().to_string())
}

/// What stands for a file's content in the key: the hash of its bytes when it is a regular
/// file of at most [`crate::load::MAX_FILE_BYTES`] (what a build reads), else its length and
/// mtime — a large file is not read whole, and a FIFO or device is never opened.
fn content(path: &Path) -> Option<String> {
    let m = fs::metadata(path).ok()?;
    if !m.is_file() {
        return Some("not a file".to_string());
    }
    if m.len() > crate::load::MAX_FILE_BYTES {
        return stat_line(path);
    }
    let bytes = crate::write::policy::read_input(path, crate::load::MAX_FILE_BYTES).ok()??;
    Some(blake3::hash(&bytes).to_hex().to_string())
}

/// The directories the system's fonts are found in: fontconfig's usual ones, and those its
/// configuration names (read as the font index reads it, so a `FONTCONFIG_FILE` or a user's
/// `fonts.conf` adding a directory counts).
pub(super) fn system_font_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = ["/usr/share/fonts", "/usr/local/share/fonts", "/etc/fonts"]
        .iter()
        .map(PathBuf::from)
        .collect();
    if let Some(home) = std::env::var_os("HOME") {
        let home = PathBuf::from(home);
        dirs.push(home.join(".fonts"));
        dirs.push(home.join(".local/share/fonts"));
    }
    dirs.extend(fontconfig_dirs());
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The font directories of fontconfig's configuration, found as `fontdb` finds them when it
/// loads the system's fonts; the configuration file itself when `FONTCONFIG_FILE` names one.
#[cfg(all(unix, not(any(target_os = "macos", target_os = "android"))))]
fn fontconfig_dirs() -> Vec<PathBuf> {
    let mut config = fontconfig_parser::FontConfig::default();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut dirs = Vec::new();
    if let Some(file) = std::env::var_os("FONTCONFIG_FILE") {
        let _ = config.merge_config(Path::new(&file));
        dirs.push(PathBuf::from(file));
    } else {
        let user = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".config")));
        let read_global = match user {
            Some(u) => config
                .merge_config(&u.join("fontconfig/fonts.conf"))
                .is_err(),
            None => true,
        };
        if read_global {
            let _ = config.merge_config(Path::new("/etc/fonts/local.conf"));
        }
        let _ = config.merge_config(Path::new("/etc/fonts/fonts.conf"));
    }
    for dir in config.dirs {
        match (dir.path.strip_prefix("~"), &home) {
            (Ok(rest), Some(home)) => dirs.push(home.join(rest)),
            (Ok(_), None) => {}
            (Err(_), _) => dirs.push(dir.path),
        }
    }
    dirs
}

#[cfg(not(all(unix, not(any(target_os = "macos", target_os = "android")))))]
fn fontconfig_dirs() -> Vec<PathBuf> {
    Vec::new()
}

/// `path length mtime-ns` of a file, following symlinks.
fn stat_line(path: &Path) -> Option<String> {
    let m = fs::metadata(path).ok()?;
    Some(format!("{} {} {}", path.display(), m.len(), mtime_ns(&m)?))
}

fn mtime_ns(m: &fs::Metadata) -> Option<u128> {
    m.modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_nanos())
}

/// Every file below `dir` (following symlinks to files, not to directories), sorted; `None`
/// when `dir` cannot be read.
fn walk(dir: &Path) -> Option<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut first = true;
    while let Some(d) = stack.pop() {
        let entries = match fs::read_dir(&d) {
            Ok(e) => e,
            Err(_) if first => return None,
            Err(_) => continue,
        };
        first = false;
        for e in entries.filter_map(Result::ok) {
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    files.sort();
    Some(files)
}

/// Every file below the output directory but jixiao's own bookkeeping (the lock, the
/// manifest, this record), with its length and mtime.
pub fn out_tree(out: &Path) -> Option<Vec<(PathBuf, u64, u128)>> {
    walk(out)?
        .into_iter()
        .filter(|p| !crate::write::layout::is_own_record(out, p))
        .map(|p| {
            let m = fs::metadata(&p).ok()?;
            Some((p.clone(), m.len(), mtime_ns(&m)?))
        })
        .collect()
}

/// The record, if there is one for exactly these inputs and the output directory is as that
/// build left it.
pub fn current(out: &Path, key: &str) -> Option<Record> {
    let record: Record =
        serde_json::from_slice(&crate::write::read_record(out, RECORD_FILE)?).ok()?;
    (record.key == key && out_tree(out)? == record.tree).then_some(record)
}

/// Removes the record (a build that did not take the shortcut is about to change things).
pub fn forget(out: &Path) {
    crate::write::remove_record(out, RECORD_FILE);
}

/// Writes the record of a successful build.
pub fn save(out: &Path, record: &Record) -> Result<(), crate::write::FsError> {
    let bytes = serde_json::to_vec(record).unwrap_or_default();
    crate::write::write_atomic(out, Path::new(RECORD_FILE), &bytes).map(|_| ())
}
