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

use super::inputs::{mtime_ns, walk};

/// The record's file name in the output directory.
pub const RECORD_FILE: &str = crate::write::layout::UPTODATE_FILE;

/// What the last successful build reported, and what it left in the output directory.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// The hash of the inputs ([`super::inputs::inputs_key`]).
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

/// Every file below the output directory but jixiao's own bookkeeping (the lock, the
/// manifest, this record) and what `--publish` makes after a build, with its length and mtime.
pub fn out_tree(out: &Path) -> Option<Vec<(PathBuf, u64, u128)>> {
    walk(out)?
        .into_iter()
        .filter(|p| {
            !crate::write::layout::is_own_record(out, p)
                && !crate::write::layout::is_published(out, p)
        })
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
