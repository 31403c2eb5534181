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
//!   subdirectories of the latter (`--split`), and only at names jixiao itself creates.
//! - A manifest of input hashes lets `build` skip rendering documents whose data, templates and
//!   fonts are unchanged.
//!
//! **Test hook.** When the environment variable `JIXIAO_DEBUG_ABORT_AFTER_MOVES` is set to a
//! number N, [`replace_together`] aborts the process (as `kill -9` would) after writing the
//! journal and moving N files into place, so tests can check the recovery from a kill in the
//! middle of a department. It does nothing else and nothing at all when unset; it can do no
//! harm a kill could not.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

/// The lock file inside `--out`.
pub const LOCK_FILE: &str = ".jixiao-lock";
/// A department's journal of staged files, in its output directory while its files move in.
pub const JOURNAL_FILE: &str = ".jixiao-journal.json";
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
    Busy {
        pid: Option<u32>,
    },
    /// The file system cannot lock files.
    Unsupported(io::Error),
    Io(io::Error),
}

/// Creates `out` if need be and takes the lock on `out/.jixiao-lock` without waiting.
pub fn lock_out(out: &Path) -> Result<OutLock, LockError> {
    fs::create_dir_all(out).map_err(LockError::Io)?;
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(out.join(LOCK_FILE))
        .map_err(LockError::Io)?;
    match file.try_lock() {
        Ok(()) => {
            // The process id is only for the message another build prints.
            let _ = file
                .set_len(0)
                .and_then(|()| writeln!(file, "{}", std::process::id()));
            Ok(OutLock { _file: file })
        }
        Err(fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            Err(LockError::Busy {
                pid: text.trim().parse().ok(),
            })
        }
        Err(fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {
            Err(LockError::Unsupported(e))
        }
        Err(fs::TryLockError::Error(e)) => Err(LockError::Io(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Single files
// ---------------------------------------------------------------------------------------------

/// Writes `bytes` to `path` atomically (temporary file + rename), unless it already holds them.
/// The temporary file is created like any new file, so the output gets the usual permissions
/// (0666 less the umask), and it is removed again if anything fails.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<Written> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(Written::Unchanged);
    }
    // A bare file name (`对照表.pdf`) has the empty path as its parent: the current directory.
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp_path = stage(dir, bytes)?;
    let guard = RemoveOnDrop(vec![tmp_path.clone()]);
    fs::rename(&tmp_path, path)?;
    std::mem::forget(guard);
    sync_dir(dir)?;
    Ok(Written::Written)
}

/// Writes `bytes` to a new temporary file in `dir` and fsyncs it; removed again on failure.
fn stage(dir: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let (tmp_path, mut file) = create_temp(dir)?;
    let guard = RemoveOnDrop(vec![tmp_path.clone()]);
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::mem::forget(guard);
    Ok(tmp_path)
}

/// A new, uniquely named temporary file `.jixiao-<pid>-<n>.tmp` in `dir`.
fn create_temp(dir: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    loop {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = dir.join(format!(".jixiao-{}-{n}.tmp", std::process::id()));
        match File::options().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
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

/// Makes the entries of `dir` (new, renamed and removed files) durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Removes temporary files when a write fails half-way.
struct RemoveOnDrop(Vec<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        for p in self.0.drain(..) {
            let _ = fs::remove_file(p);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A department's files, replaced together
// ---------------------------------------------------------------------------------------------

/// Why a department's files were not (all) replaced.
#[derive(Debug)]
pub struct ReplaceError {
    /// The file concerned.
    pub path: PathBuf,
    pub reason: String,
    /// Some files were already moved in when a move failed. The journal stays, and the next
    /// build finishes (or cleans up) the department.
    pub partly: bool,
}

impl std::fmt::Display for ReplaceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", self.path.display(), self.reason)
    }
}

/// The journal: what was staged for a department and where it goes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Journal {
    /// Staged files, paths relative to the department directory with `/` separators.
    files: Vec<JournalEntry>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct JournalEntry {
    staged: String,
    target: String,
    len: u64,
    blake3: String,
}

/// Puts `files` (path, new bytes), all inside the department directory `dir`, in place
/// together: either every changed file is replaced or none is (see the module
/// documentation). Returns, in order, whether each file was written or already held its bytes.
pub fn replace_together(
    dir: &Path,
    files: &[(&Path, &[u8])],
) -> Result<Vec<Written>, ReplaceError> {
    let err = |path: &Path, reason: String| ReplaceError {
        path: path.to_path_buf(),
        reason,
        partly: false,
    };
    // 1. Which files change, and may they be replaced?
    let mut result = Vec::with_capacity(files.len());
    let mut changed = Vec::new();
    for &(path, bytes) in files {
        let Ok(rel) = path.strip_prefix(dir) else {
            return Err(err(path, format!("不在部门目录 {} 内", dir.display())));
        };
        let rel = relative_string(rel).ok_or_else(|| err(path, "路径无效".to_string()))?;
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(err(path, "同名的是一个目录，不予替换".to_string()));
            }
            Ok(meta) => {
                if fs::read(path).is_ok_and(|old| old == bytes) {
                    result.push(Written::Unchanged);
                    continue;
                }
                if meta.permissions().readonly() {
                    return Err(err(
                        path,
                        "文件是只读的，不予替换（如确要替换，请先恢复写权限或删除该文件）"
                            .to_string(),
                    ));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(err(path, e.to_string())),
        }
        result.push(Written::Written);
        changed.push((path, rel, bytes));
    }
    if changed.is_empty() {
        return Ok(result);
    }

    // 2. Stage every changed file beside its target, fsynced.
    let mut guard = RemoveOnDrop(Vec::new());
    let mut entries = Vec::new();
    let mut dirs = BTreeSet::from([dir.to_path_buf()]);
    for &(path, ref rel, bytes) in &changed {
        let parent = path.parent().unwrap_or(dir);
        fs::create_dir_all(parent).map_err(|e| err(path, e.to_string()))?;
        let tmp = stage(parent, bytes).map_err(|e| err(path, e.to_string()))?;
        guard.0.push(tmp.clone());
        let tmp_name = tmp.file_name().unwrap_or_default().to_string_lossy();
        let staged = match rel.rsplit_once('/') {
            Some((sub, _)) => format!("{sub}/{tmp_name}"),
            None => tmp_name.into_owned(),
        };
        entries.push(JournalEntry {
            staged,
            target: rel.clone(),
            len: bytes.len() as u64,
            blake3: blake3::hash(bytes).to_hex().to_string(),
        });
        dirs.insert(parent.to_path_buf());
    }

    // 3. The journal, then the directory entries, made durable.
    let journal = dir.join(JOURNAL_FILE);
    let json = serde_json::to_vec_pretty(&Journal { files: entries })
        .map_err(|e| err(&journal, e.to_string()))?;
    let staged = guard.0.clone();
    // Written in place, not renamed in: until it is complete and durable nothing has moved,
    // and a journal cut short does not parse, so the next build discards the staged files
    // and keeps the old ones. The directory sync below makes its entry durable.
    guard.0.push(journal.clone());
    File::create(&journal)
        .and_then(|mut f| {
            f.write_all(&json)?;
            f.sync_all()
        })
        .map_err(|e| err(&journal, e.to_string()))?;
    for d in &dirs {
        sync_dir(d).map_err(|e| err(d, e.to_string()))?;
    }
    // From here on the journal is the record: the staged files are no longer removed on
    // failure, the next build finishes the moves.
    guard.0.clear();

    // 4. Move them in.
    let abort_after: Option<usize> = std::env::var(ABORT_HOOK)
        .ok()
        .and_then(|v| v.trim().parse().ok());
    let mut first_error = None;
    for (i, ((path, _, _), tmp)) in changed.iter().zip(&staged).enumerate() {
        if abort_after == Some(i) {
            std::process::abort();
        }
        if let Err(e) = fs::rename(tmp, path)
            && first_error.is_none()
        {
            first_error = Some(ReplaceError {
                path: path.to_path_buf(),
                reason: format!("{e}；已替换的文件与暂存文件留待下次构建完成或清理"),
                partly: true,
            });
        }
    }
    if abort_after == Some(changed.len()) {
        std::process::abort();
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    for d in &dirs {
        sync_dir(d).map_err(|e| err(d, e.to_string()))?;
    }
    // 5. Done: without the journal the next build has nothing to finish. Its removal need not
    // be durable: a journal that survives a crash lists files that are all in place, and the
    // next build just removes it (as when removing it fails).
    let _ = fs::remove_file(&journal);
    Ok(result)
}

/// `rel` as a `/`-separated string of plain names, or `None` if it has `..`, a root or a prefix.
fn relative_string(rel: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str()?.to_string()),
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `rel` (as written by [`relative_string`]) below `dir`, if it is a plain relative path.
fn below(dir: &Path, rel: &str) -> Option<PathBuf> {
    let mut p = dir.to_path_buf();
    for part in rel.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\\') {
            return None;
        }
        p.push(part);
    }
    (relative_string(p.strip_prefix(dir).ok()?)? == rel).then_some(p)
}

// ---------------------------------------------------------------------------------------------
// Recovery after a killed build
// ---------------------------------------------------------------------------------------------

/// What [`recover`] did with one department's journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// Every staged file was complete: the moves were finished (`n` files moved now).
    Completed { dir: PathBuf, moved: usize },
    /// Staged files were missing or incomplete: they were deleted. `partly` when some files
    /// had already been moved in (only after tampering: the department may be mixed until it
    /// is rebuilt).
    Discarded { dir: PathBuf, partly: bool },
    /// The journal could not be read or listed paths jixiao does not write: it was deleted,
    /// the staged files are removed as stale temporaries.
    Unreadable { dir: PathBuf, reason: String },
    /// A move or removal failed: staged files and journal were deleted.
    Failed { dir: PathBuf, reason: String },
}

/// The department directories of jixiao's layout below `out`: `out/<年度>/<部门>/` where
/// `<年度>` is all digits; real directories only (symbolic links are not followed).
fn dept_dirs(out: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for year in subdirs(out) {
        let is_year = year
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if is_year {
            dirs.extend(subdirs(&year));
        }
    }
    dirs
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// Finishes or cleans up what a killed build left: every department journal below `out` is
/// acted on and removed (see the module documentation). Call with the lock held, before
/// [`remove_stale_temps`].
pub fn recover(out: &Path) -> Vec<Recovery> {
    dept_dirs(out)
        .into_iter()
        .filter(|d| d.join(JOURNAL_FILE).is_file())
        .map(|d| recover_dept(&d))
        .collect()
}

fn recover_dept(dir: &Path) -> Recovery {
    let journal_path = dir.join(JOURNAL_FILE);
    let journal: Result<Journal, String> = fs::read(&journal_path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()));
    // Every entry must name a staged temporary file beside its target, inside `dir`.
    let files: Result<Vec<(PathBuf, PathBuf, &JournalEntry)>, String> =
        journal.as_ref().map_err(Clone::clone).and_then(|j| {
            j.files
                .iter()
                .map(|e| {
                    let staged = below(dir, &e.staged);
                    let target = below(dir, &e.target);
                    match (staged, target) {
                        (Some(s), Some(t))
                            if s.parent() == t.parent()
                                && s.file_name()
                                    .and_then(|n| n.to_str())
                                    .is_some_and(is_temp_name) =>
                        {
                            Ok((s, t, e))
                        }
                        _ => Err(format!("记录的路径无效：{} → {}", e.staged, e.target)),
                    }
                })
                .collect()
        });
    let files = match files {
        Ok(f) => f,
        Err(reason) => {
            let _ = fs::remove_file(&journal_path);
            return Recovery::Unreadable {
                dir: dir.to_path_buf(),
                reason,
            };
        }
    };
    let holds = |p: &Path, e: &JournalEntry| {
        fs::read(p).is_ok_and(|b| {
            b.len() as u64 == e.len && blake3::hash(&b).to_hex().as_str() == e.blake3
        })
    };
    let mut complete = true;
    let mut partly = false;
    for (staged, target, e) in &files {
        if staged.exists() {
            complete &= holds(staged, e);
        } else if holds(target, e) {
            partly = true;
        } else {
            complete = false;
        }
    }
    let dirs: BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|(s, _, _)| s.parent().map(Path::to_path_buf))
        .chain([dir.to_path_buf()])
        .collect();
    let finish = |failure: Option<String>| {
        let mut failure = failure;
        for d in &dirs {
            if let Err(e) = sync_dir(d) {
                failure.get_or_insert(format!("{}：{e}", d.display()));
            }
        }
        if let Err(e) = fs::remove_file(&journal_path).and_then(|()| sync_dir(dir)) {
            failure.get_or_insert(format!("{}：{e}", journal_path.display()));
        }
        failure
    };
    if complete {
        let mut moved = 0;
        let mut failure = None;
        for (staged, target, _) in &files {
            if !staged.exists() {
                continue;
            }
            match fs::rename(staged, target) {
                Ok(()) => moved += 1,
                Err(e) => {
                    let _ = fs::remove_file(staged);
                    failure.get_or_insert(format!("{}：{e}", target.display()));
                }
            }
        }
        match finish(failure) {
            None => Recovery::Completed {
                dir: dir.to_path_buf(),
                moved,
            },
            Some(reason) => Recovery::Failed {
                dir: dir.to_path_buf(),
                reason,
            },
        }
    } else {
        let mut failure = None;
        for (staged, _, _) in &files {
            if let Err(e) = fs::remove_file(staged)
                && e.kind() != io::ErrorKind::NotFound
            {
                failure.get_or_insert(format!("{}：{e}", staged.display()));
            }
        }
        match finish(failure) {
            None => Recovery::Discarded {
                dir: dir.to_path_buf(),
                partly,
            },
            Some(reason) => Recovery::Failed {
                dir: dir.to_path_buf(),
                reason,
            },
        }
    }
}

/// Removes jixiao's temporary files (`.jixiao-<pid>-<n>.tmp`) that a killed build left in the
/// directories jixiao writes: `out/`, `out/<年度>/<部门>/` and their subdirectories. Call with
/// the lock held (so no live build is writing them) and after [`recover`]. Returns the files
/// removed.
pub fn remove_stale_temps(out: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![out.to_path_buf()];
    for d in dept_dirs(out) {
        dirs.extend(subdirs(&d));
        dirs.push(d);
    }
    let mut removed = Vec::new();
    for d in dirs {
        for e in fs::read_dir(&d)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            let is_temp = e.file_name().to_str().is_some_and(is_temp_name);
            if is_temp
                && e.file_type().is_ok_and(|t| !t.is_dir())
                && fs::remove_file(e.path()).is_ok()
            {
                removed.push(e.path());
            }
        }
    }
    removed
}

// ---------------------------------------------------------------------------------------------
// The manifest
// ---------------------------------------------------------------------------------------------

/// Input hashes of the outputs of the last build (`out/.jixiao-manifest.json`).
#[derive(Debug, Default)]
pub struct Manifest {
    path: PathBuf,
    entries: BTreeMap<String, String>,
}

impl Manifest {
    pub fn load(out_dir: &Path) -> Manifest {
        let path = out_dir.join(".jixiao-manifest.json");
        let entries = fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Manifest { path, entries }
    }

    /// Whether `output` was built from inputs hashing to `hash` and still holds what was
    /// written then.
    pub fn is_fresh(&self, output: &Path, hash: &str) -> bool {
        let key = output.to_string_lossy().to_string();
        match (self.entries.get(&key), fs::read(output)) {
            (Some(recorded), Ok(bytes)) => {
                *recorded == format!("{hash}:{}", blake3::hash(&bytes).to_hex())
            }
            _ => false,
        }
    }

    /// Records that `output` was built from inputs hashing to `hash` and holds bytes whose
    /// BLAKE3 hash (hex) is `bytes_hash`.
    pub fn record_hashed(&mut self, output: &Path, hash: &str, bytes_hash: &str) {
        self.entries.insert(
            output.to_string_lossy().to_string(),
            format!("{hash}:{bytes_hash}"),
        );
    }

    /// The outputs recorded below `dir`, as spelled by the paths the build makes (they are
    /// the keys that sort after `dir` and a separator).
    pub fn outputs_below(&self, dir: &Path) -> Vec<PathBuf> {
        let prefix = format!("{}{}", dir.to_string_lossy(), std::path::MAIN_SEPARATOR);
        self.entries
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| PathBuf::from(k))
            .collect()
    }

    /// Forgets `output`, which the build no longer makes, and removes its file when it is
    /// still the regular file that was written (one changed by hand since, or replaced by
    /// something else, is left where it is). Whether the file was removed.
    pub fn retire(&mut self, output: &Path) -> bool {
        let Some(recorded) = self.entries.remove(&output.to_string_lossy().to_string()) else {
            return false;
        };
        let is_file = fs::symlink_metadata(output).is_ok_and(|m| m.file_type().is_file());
        let written = recorded.rsplit(':').next().unwrap_or_default();
        is_file
            && fs::read(output).is_ok_and(|b| blake3::hash(&b).to_hex().as_str() == written)
            && fs::remove_file(output).is_ok()
    }

    pub fn save(&self) -> io::Result<()> {
        let bytes = serde_json::to_vec_pretty(&self.entries).map_err(io::Error::other)?;
        write_atomic(&self.path, &bytes).map(|_| ())
    }
}

/// A file name component from user text: path separators and characters Windows forbids are
/// replaced, so a project or department name can never escape `out/`.
pub fn safe_component(name: &str) -> String {
    let cleaned: String = name
        .trim()
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
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
mod tests {
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
        assert_eq!(write_atomic(&p, b"one").unwrap(), Written::Written);
        assert_eq!(write_atomic(&p, b"one").unwrap(), Written::Unchanged);
        assert_eq!(write_atomic(&p, b"two").unwrap(), Written::Written);
        assert_eq!(fs::read(&p).unwrap(), b"two");
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
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
        let d = Path::new("/o/2023/部门");
        assert_eq!(below(d, "a.pdf"), Some(d.join("a.pdf")));
        assert_eq!(below(d, "表/01-x.pdf"), Some(d.join("表").join("01-x.pdf")));
        for bad in [
            "",
            "../a.pdf",
            "/etc/passwd",
            "a//b",
            "./a",
            "a/../../b",
            "a\\..\\b",
        ] {
            assert_eq!(below(d, bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_department_is_replaced_together_and_a_journal_is_finished() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("2023").join("局");
        let (a, b) = (d.join("a.pdf"), d.join("sub").join("b.pdf"));
        let files = [(a.as_path(), &b"A1"[..]), (b.as_path(), &b"B1"[..])];
        assert_eq!(
            replace_together(&d, &files).unwrap(),
            [Written::Written, Written::Written]
        );
        let files = [(a.as_path(), &b"A1"[..]), (b.as_path(), &b"B2"[..])];
        assert_eq!(
            replace_together(&d, &files).unwrap(),
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
}
