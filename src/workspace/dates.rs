//! The date stamped into outputs (the PDF's creation date and the xlsx's), chosen so that the
//! same input always gives the same bytes:
//!
//! 1. `SOURCE_DATE_EPOCH` (seconds since 1970, UTC), when set: every output carries that date;
//! 2. otherwise, where the department's data file is in a git work tree and has been committed,
//!    the date (UTC) of the last commit on HEAD's first-parent history that changed the file —
//!    the date the department's figures were last filed; uncommitted edits keep that date;
//! 3. otherwise 1 January of the year after the budget year.
//!
//! A build records the date in each document's input hash, so a new commit of a department's
//! file re-renders its documents even where the file's text is unchanged.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A date: (year, month, day).
pub type Date = (i32, u8, u8);

/// `SOURCE_DATE_EPOCH` as a date, when set: every output is then stamped with it.
pub fn fixed_date() -> Option<Date> {
    parse_epoch(&source_date_epoch()?)
}

/// The environment variable `SOURCE_DATE_EPOCH`, as set: the one place it is read (a build
/// reads it once, into its [`super::inputs::Inputs`]).
pub fn source_date_epoch() -> Option<std::ffi::OsString> {
    std::env::var_os("SOURCE_DATE_EPOCH")
}

/// The date of a `SOURCE_DATE_EPOCH` value (seconds since 1970, UTC); `None` when it is not
/// a number.
pub fn parse_epoch(value: &std::ffi::OsStr) -> Option<Date> {
    let secs: i64 = value.to_str()?.trim().parse().ok()?;
    Some(date_of(secs))
}

/// The date (UTC) of a time in seconds since 1970.
pub fn date_of(secs: i64) -> Date {
    crate::git::civil_from_days(secs.div_euclid(86_400))
}

/// The date of a document of `year`: `SOURCE_DATE_EPOCH` (`fixed`), else the date of the last
/// commit of its data file (`committed`), else 1 January of the next year.
pub fn document_date(fixed: Option<Date>, committed: Option<Date>, year: u16) -> Date {
    fixed.or(committed).unwrap_or((i32::from(year) + 1, 1, 1))
}

/// [`document_date`] of a department of `year` whose data file is `file`, with the commit
/// dates `committed` found for the data files.
pub fn department_date(
    fixed: Option<Date>,
    committed: &HashMap<PathBuf, Date>,
    file: &Path,
    year: u32,
) -> Date {
    let year = u16::try_from(year).unwrap_or(0);
    document_date(fixed, committed.get(file).copied(), year)
}

/// The date of the last commit that changed each data file, remembered for as long as HEAD
/// stays where it was (a long-lived workspace asks at every rebuild).
#[derive(Default)]
pub struct CommitDates {
    /// The work tree and HEAD the dates were found at.
    head: Option<(PathBuf, git2::Oid)>,
    dates: HashMap<PathBuf, Option<Date>>,
}

impl CommitDates {
    /// For each of `files` (of one data directory) that a commit holds, the date of the last
    /// commit that changed it.
    pub fn dates(&mut self, files: &[PathBuf]) -> HashMap<PathBuf, Date> {
        let mut out = HashMap::new();
        let Some(dir) = files.first().and_then(|f| f.parent()) else {
            return out;
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let Some(repo) = crate::git::Repo::discover(dir) else {
            return out;
        };
        let Some(head) = repo.head() else {
            return out;
        };
        let at = (repo.workdir().to_path_buf(), head);
        if self.head.as_ref() != Some(&at) {
            self.dates.clear();
            self.head = Some(at);
        }
        let missing: Vec<(PathBuf, String)> = files
            .iter()
            .filter(|f| !self.dates.contains_key(*f))
            .filter_map(|f| repo.relative(f).map(|rel| (f.clone(), rel)))
            .collect();
        if !missing.is_empty() {
            let rels: Vec<String> = missing.iter().map(|(_, r)| r.clone()).collect();
            let times = repo.last_commit_times(&rels);
            for (file, rel) in missing {
                self.dates
                    .insert(file, times.get(&rel).map(|&t| date_of(t)));
            }
        }
        for f in files {
            if let Some(Some(d)) = self.dates.get(f) {
                out.insert(f.clone(), *d);
            }
        }
        out
    }
}
