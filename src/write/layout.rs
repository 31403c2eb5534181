//! The output directory's layout, in one place: where jixiao's own records live (the lock,
//! the manifest, the plan record, the up-to-date record, each directory's journal), where a
//! department's and the region's files go, and what the publication index is called.
//! Everything else asks here; nothing else spells a name below `--out`.
//!
//! ```text
//! out/
//!   .jixiao-lock            one build at a time (write::lock_out)
//!   .jixiao-manifest.json   each output's input hash (write::Manifest)
//!   .jixiao-plans.json      the last one-shot build's plans (workspace::plan_record)
//!   .jixiao-uptodate.json   the no-op shortcut's record (workspace::shortcut)
//!   <年度>/
//!     index.html            the region's publication index (workspace::region_index)
//!     <部门>/               a department's documents, one file per renderer
//!       .jixiao-journal.json  while its files move in (write::replace_together)
//!       <表名>/NN-<项目>.pdf   --split: one PDF per project
//!     <地区>汇总表/          the region's summaries of the year
//!   公开/<年度>/             --publish: the disclosure packages (workspace::publish)
//!     <部门>.pdf <部门>.zip   a department's documents in one PDF, and its files
//!     <地区>汇总.pdf .zip     the region's summaries and every department
//!   index.html              --publish: every year's index and packages
//! ```

use std::path::{Path, PathBuf};

/// The lock file inside `--out`.
pub const LOCK_FILE: &str = ".jixiao-lock";
/// A unit's journal of staged files, in its output directory while its files move in.
pub const JOURNAL_FILE: &str = ".jixiao-journal.json";
/// The manifest's file name inside `--out`.
pub const MANIFEST_FILE: &str = ".jixiao-manifest.json";
/// The plan record of the last one-shot build, inside `--out`.
pub const PLANS_FILE: &str = ".jixiao-plans.json";
/// The no-op shortcut's record of the last successful build, inside `--out`.
pub const UPTODATE_FILE: &str = ".jixiao-uptodate.json";
/// The file name of a year's publication index, in `out/<年度>/`.
pub const INDEX_FILE: &str = "index.html";

/// The directory of the disclosure packages in `out` (`--publish`).
pub const PUBLISH_DIR: &str = "公开";

/// `out/公开/<年度>/`: a year's disclosure packages.
pub fn package_dir(out: &Path, year: u32) -> PathBuf {
    out.join(PUBLISH_DIR).join(year.to_string())
}

/// `out/公开/<年度>/<name>.<extension>`: a department's or the region's package (`name`
/// made safe as one component).
pub fn package_file(out: &Path, year: u32, name: &str, extension: &str) -> PathBuf {
    package_dir(out, year).join(format!("{}.{extension}", super::safe_file_stem(name)))
}

/// `out/index.html`: every year's index and packages (`--publish`).
pub fn years_index(out: &Path) -> PathBuf {
    out.join(INDEX_FILE)
}

/// Whether `path` below `out` is made after a build, from its files (the packages of
/// `--publish` and the index of every year): not part of the build's picture of `out`.
pub fn is_published(out: &Path, path: &Path) -> bool {
    path.starts_with(out.join(PUBLISH_DIR)) || path == years_index(out)
}

/// Whether `path` is one of the records directly in `out` that describe the output directory
/// rather than belong to it (the lock, the manifest, the up-to-date record): the up-to-date
/// record's picture of `out` leaves them out.
pub fn is_own_record(out: &Path, path: &Path) -> bool {
    path.parent() == Some(out)
        && path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| [UPTODATE_FILE, LOCK_FILE, MANIFEST_FILE].contains(&n))
}

/// `out/<年度>/`.
pub fn year_dir(out: &Path, year: u32) -> PathBuf {
    out.join(year.to_string())
}

/// `out/<年度>/<部门>/`: a department's directory (its name made safe as one component).
pub fn department_dir(out: &Path, year: u32, name: &str) -> PathBuf {
    year_dir(out, year).join(super::safe_component(name))
}

/// `out/<年度>/<summaries>/`: the region's summaries of a year (`summaries`:
/// `region::summaries_dir_name`).
pub fn summaries_dir(out: &Path, year: u32, summaries: &str) -> PathBuf {
    year_dir(out, year).join(super::safe_component(summaries))
}

/// `out/<年度>/index.html`.
pub fn index_page(out: &Path, year: u32) -> PathBuf {
    year_dir(out, year).join(INDEX_FILE)
}

/// `<dir>/<stem>.<extension>`: a document's file of one renderer (`stem` made safe).
pub fn document_file(dir: &Path, stem: &str, extension: &str) -> PathBuf {
    dir.join(format!("{}.{extension}", super::safe_file_stem(stem)))
}

/// `<dir>/<stem>/NN-<section>.<extension>`: the file of one section (`--split`), numbered
/// from 1.
pub fn section_file(
    dir: &Path,
    stem: &str,
    number: usize,
    section: &str,
    extension: &str,
) -> PathBuf {
    let name = format!("{number:02}-{}", super::safe_file_stem(section));
    dir.join(super::safe_file_stem(stem))
        .join(format!("{name}.{extension}"))
}
