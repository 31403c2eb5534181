//! Writing outputs, so that an interrupted, failed or concurrent run never leaves a half-written
//! file, nor a department half old and half new.
//!
//! - **One build at a time.** `build` takes an OS file lock on `<out>/.jixiao-lock` ([`lock_out`])
//!   before anything else; a second build into the same `--out` is refused at once. The lock is
//!   released when the process ends, however it ends. The file holds the holder's process id,
//!   for the message.
//! - **A department is replaced together** ([`replace_together`]). Files whose bytes would not
//!   change are left alone (their mtimes stay). The others are first checked (an existing
//!   read-only output is an error naming it, and nothing of the department is replaced), then
//!   *staged*: written to temporary files `.jixiao-<pid>-<n>.tmp` beside their targets (same
//!   directory, so the same file system) and fsynced. Then a journal `.jixiao-journal.json` in
//!   the department's directory lists every staged file with its target, length and BLAKE3
//!   hash; it is written and fsynced, with the directories (a journal cut short does not parse
//!   and is discarded, and nothing has moved yet). Only then are the staged files renamed over
//!   their targets, the directories fsynced and the journal removed. Each department is written
//!   as soon as its documents are rendered, several side by side.
//! - **A killed build is finished or cleaned up by the next one** ([`recover`], then
//!   [`remove_stale_temps`], both under the lock). A journal found at the start means the
//!   previous build died while moving a department's files in: when every listed file is
//!   either still staged and complete (length and hash as recorded) or already moved (the
//!   target has the recorded hash), the remaining moves are completed; otherwise (only possible
//!   if someone tampered with the files) the staged files are deleted. A kill before the
//!   journal exists leaves only temporary files and the old outputs, and temporary files are
//!   removed. Both look only at jixiao's own layout: `<out>/`, `<out>/<年度>/<部门>/` and the
//!   subdirectories of the latter (`--split`), and `<out>/公开/<年度>/` (`--publish`, whose
//!   packages are replaced together the same way), and only at names jixiao itself creates.
//! - A manifest of input hashes lets `build` skip rendering documents whose data, templates and
//!   fonts are unchanged.
//!
//! **Test hook.** When the environment variable `JIXIAO_DEBUG_ABORT_AFTER_MOVES` is set to a
//! number N, [`replace_together`] aborts the process (as `kill -9` would) after writing the
//! journal and moving N files into place, so tests can check the recovery from a kill in the
//! middle of a department. It does nothing else and nothing at all when unset; it can do no
//! harm a kill could not.

mod journal;
pub mod layout;
mod manifest;
pub mod policy;

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;

pub use journal::{Recovery, ReplaceError, recover, remove_stale_temps, replace_together};
pub use manifest::Manifest;
pub use policy::{Dir, FsError, Kind};

pub use layout::{JOURNAL_FILE, LOCK_FILE, MANIFEST_FILE};
/// See the module documentation: abort after this many moves (tests only).
pub const ABORT_HOOK: &str = "JIXIAO_DEBUG_ABORT_AFTER_MOVES";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// New or changed bytes were written.
    Written,
    /// The file already held exactly these bytes.
    Unchanged,
}

// ---------------------------------------------------------------------------------------------
// The lock on --out
// ---------------------------------------------------------------------------------------------

/// The lock on an output directory, held while this value lives (or until the process ends).
#[derive(Debug)]
pub struct OutLock {
    _file: File,
}

#[derive(Debug)]
pub enum LockError {
    /// Another process holds the lock; its id, when it could be read.
    Busy { pid: Option<u32> },
    /// The file system cannot lock files.
    Unsupported(io::Error),
    /// The lock file could not be opened: a symbolic link or special file at its name, or an
    /// operating-system error.
    Refused(FsError),
}

/// How often, and how long apart, a lock found taken is tried again (about 2 s in all).
const LOCK_TRIES: u32 = 40;
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// Creates `out` if need be and takes the lock on `out/.jixiao-lock`, trying again for about
/// 2 s when it is taken. The lock file is opened without following a symbolic link and must be
/// a regular file: a link planted there is refused, never truncated through.
pub fn lock_out(out: &Path) -> Result<OutLock, LockError> {
    let mut file = Dir::root(out, true)
        .and_then(|d| d.open_in_place(LOCK_FILE))
        .map_err(LockError::Refused)?;
    // A lock held a moment longer than its build: a process another thread of this program
    // starts (fork, then exec) holds a copy of the lock until it execs, even though the
    // descriptor closes on exec. So a lock found taken is tried again for a short while before
    // another build is said to hold it.
    let mut tries = 0;
    let mut result = file.try_lock();
    while matches!(result, Err(fs::TryLockError::WouldBlock)) && tries < LOCK_TRIES {
        std::thread::sleep(LOCK_WAIT);
        tries += 1;
        result = file.try_lock();
    }
    match result {
        Ok(()) => {
            // The process id is only for the message another build prints.
            let _ = file
                .set_len(0)
                .and_then(|()| writeln!(file, "{}", std::process::id()));
            Ok(OutLock { _file: file })
        }
        Err(fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = (&file).take(64).read_to_string(&mut text);
            Err(LockError::Busy {
                pid: text.trim().parse().ok(),
            })
        }
        Err(fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {
            Err(LockError::Unsupported(e))
        }
        Err(fs::TryLockError::Error(e)) => {
            Err(LockError::Refused(FsError::Io(out.join(LOCK_FILE), e)))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Single files
// ---------------------------------------------------------------------------------------------

/// Writes `bytes` to `rel` below the output (or data, or project) directory `root`, through the
/// path policy ([`policy::write_below`]).
pub fn write_atomic(root: &Path, rel: &Path, bytes: &[u8]) -> Result<Written, FsError> {
    policy::write_below(root, rel, bytes)
}

/// The bytes of jixiao's own record file `name` in the output directory `out` (manifest, plan
/// record, up-to-date record): `None` when it is missing, too large, not a regular file or
/// behind a symbolic link.
pub fn read_record(out: &Path, name: &str) -> Option<Vec<u8>> {
    Dir::root(out, false)
        .ok()?
        .read_file(name, RECORD_READ_LIMIT)
        .ok()
        .flatten()
}

/// Removes jixiao's record file `name` from the output directory `out` (never a link's target).
pub fn remove_record(out: &Path, name: &str) {
    if let Ok(d) = Dir::root(out, false)
        && matches!(d.kind(name), Ok(Some(Kind::File)))
    {
        let _ = d.remove(name);
    }
}

/// The regular file at `rel` (plain names) below `root`, reached without following a symbolic
/// link at any level below `root`, if it is at most `limit` bytes: `Ok(None)` when nothing is
/// there. What `serve` sends, what the manifest hashes, the data file a workbook names.
pub fn read_below(root: &Path, rel: &Path, limit: u64) -> Result<Option<Vec<u8>>, FsError> {
    let name = rel
        .file_name()
        .ok_or_else(|| FsError::BadName(rel.display().to_string()))?;
    let parent = rel.parent().unwrap_or(Path::new(""));
    match Dir::root(root, false)?.open_dir(parent, false) {
        Ok(d) => d.read_file(name, limit),
        Err(FsError::Io(_, e)) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether `name` is one of jixiao's temporary file names, `.jixiao-<digits>-<digits>.tmp`.
pub fn is_temp_name(name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    name.strip_prefix(".jixiao-")
        .and_then(|s| s.strip_suffix(".tmp"))
        .and_then(|s| s.split_once('-'))
        .is_some_and(|(pid, n)| digits(pid) && digits(n))
}

/// The largest output jixiao reads back (to compare or hash it): far above any table.
pub const OUTPUT_READ_LIMIT: u64 = 4 << 30;

/// The largest journal, record or manifest jixiao reads.
pub const RECORD_READ_LIMIT: u64 = 256 << 20;

// ---------------------------------------------------------------------------------------------
// A department's files, replaced together
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// The manifest
// ---------------------------------------------------------------------------------------------

/// [`safe_component`] of a document's or project's name used as a file name (before its
/// extension): at most [`policy::MAX_NAME_BYTES`], a longer one cut at a character boundary
/// and ended by `~` and 8 hex digits of its hash, so that two long names stay two files and no
/// file system refuses the name (`--split` with a 90-character project name failed to write).
pub fn safe_file_stem(name: &str) -> String {
    let full = safe_component(name);
    let max = policy::MAX_NAME_BYTES - 16;
    if full.len() <= max {
        return full;
    }
    let mut cut = max - 9;
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    let hash = blake3::hash(full.as_bytes()).to_hex();
    format!("{}~{}", &full[..cut], &hash[..8])
}

/// A file name component from user text: path separators and characters Windows forbids are
/// replaced, so a project or department name can never escape `out/`.
pub fn safe_component(name: &str) -> String {
    let cleaned: String = name
        .trim()
        .chars()
        .map(|c| match c {
            '/' | '\\' => '_',
            c if c.is_control() || policy::WINDOWS_FORBIDDEN.contains(&c) => '_',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim_matches('.').to_string();
    if cleaned.is_empty() {
        "_".to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests;
