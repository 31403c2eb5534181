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

pub mod layout;
pub mod policy;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

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

/// Creates `out` if need be and takes the lock on `out/.jixiao-lock` without waiting. The lock
/// file is opened without following a symbolic link and must be a regular file: a link planted
/// there is refused, never truncated through.
pub fn lock_out(out: &Path) -> Result<OutLock, LockError> {
    let mut file = Dir::root(out, true)
        .and_then(|d| d.open_in_place(LOCK_FILE))
        .map_err(LockError::Refused)?;
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

/// Why a department's files were not (all) replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
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
        write!(
            f,
            "{}：{}",
            crate::diag::display_path(&self.path),
            self.reason
        )
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

/// `path` below `root`, as the directory part and the file name, both plain.
fn split_below(root: &Path, path: &Path) -> Option<(PathBuf, String)> {
    let rel = path.strip_prefix(root).ok()?;
    let rel = relative_string(rel)?;
    let (sub, name) = rel.rsplit_once('/').unwrap_or(("", &rel));
    Some((PathBuf::from(sub), name.to_string()))
}

/// Puts `files` (path, new bytes), all inside the department directory `dir` below the output
/// directory `out`, in place together: either every changed file is replaced or none is (see
/// the module documentation). Every directory from `out` down is opened without following a
/// symbolic link. Returns, in order, whether each file was written or already held its bytes.
pub fn replace_together(
    out: &Path,
    dir: &Path,
    files: &[(&Path, &[u8])],
) -> Result<Vec<Written>, ReplaceError> {
    let err = |path: &Path, reason: String| ReplaceError {
        path: path.to_path_buf(),
        reason,
        partly: false,
    };
    let refused = |e: FsError| ReplaceError {
        path: e.path().unwrap_or(dir).to_path_buf(),
        reason: e.reason(),
        partly: false,
    };
    let dept_rel = dir
        .strip_prefix(out)
        .map_err(|_| err(dir, format!("不在输出目录 {} 内", out.display())))?;
    let dept = Dir::root(out, true)
        .and_then(|o| o.open_dir(dept_rel, true))
        .map_err(refused)?;
    // 1. Which files change, and may they be replaced?
    let mut result = Vec::with_capacity(files.len());
    let mut changed = Vec::new();
    let mut subdirs: BTreeMap<PathBuf, Dir> = BTreeMap::new();
    // Never one output over another of the same run: two documents named alike (or alike but
    // for case or composition, as some file systems compare) would leave one lost.
    let mut names = std::collections::BTreeSet::new();
    for &(path, bytes) in files {
        let Some((sub, name)) = split_below(dir, path) else {
            return Err(err(path, format!("不在部门目录 {} 内", dir.display())));
        };
        if !names.insert((sub.clone(), policy::folded_name(&name))) {
            return Err(err(
                path,
                "本部门有两个文档都要写到这个文件（文件名相同，或只差大小写），一个会丢失，所以本部门的文件一个也没有写；请在样式的 documents 中给各文档不同的 file"
                    .to_string(),
            ));
        }
        if !subdirs.contains_key(&sub) {
            let d = dept.open_dir(&sub, true).map_err(refused)?;
            subdirs.insert(sub.clone(), d);
        }
        let d = &subdirs[&sub];
        match d.kind(&name).map_err(refused)? {
            Some(Kind::File) => {
                if d.holds(OsStr::new(&name), bytes) {
                    result.push(Written::Unchanged);
                    continue;
                }
                if d.is_readonly(&name) {
                    return Err(err(
                        path,
                        "文件是只读的，不予替换（如确要替换，请先恢复写权限或删除该文件）"
                            .to_string(),
                    ));
                }
            }
            None => {}
            Some(Kind::Dir) => {
                return Err(err(path, "同名的是一个目录，不予替换".to_string()));
            }
            Some(Kind::Symlink) => return Err(refused(FsError::Symlink(path.to_path_buf()))),
            Some(Kind::Special(what)) => {
                return Err(refused(FsError::Special(path.to_path_buf(), what)));
            }
        }
        result.push(Written::Written);
        changed.push((path, sub, name, bytes));
    }
    if changed.is_empty() {
        return Ok(result);
    }

    // 2. Stage every changed file beside its target, fsynced.
    let mut staged: Vec<(&Dir, String)> = Vec::new();
    let remove_staged = |staged: &[(&Dir, String)]| {
        for (d, n) in staged {
            let _ = d.remove(n);
        }
    };
    let mut entries = Vec::new();
    for (path, sub, name, bytes) in &changed {
        let d = &subdirs[sub];
        let tmp = match d.stage(bytes) {
            Ok(t) => t,
            Err(e) => {
                remove_staged(&staged);
                return Err(err(path, e.to_string()));
            }
        };
        let prefix = relative_string(sub)
            .map(|s| format!("{s}/"))
            .unwrap_or_default();
        entries.push(JournalEntry {
            staged: format!("{prefix}{tmp}"),
            target: format!("{prefix}{name}"),
            len: bytes.len() as u64,
            blake3: blake3::hash(bytes).to_hex().to_string(),
        });
        staged.push((d, tmp));
    }

    // 3. The journal, then the directory entries, made durable.
    let journal = dir.join(JOURNAL_FILE);
    let json = serde_json::to_vec_pretty(&Journal { files: entries })
        .map_err(|e| err(&journal, e.to_string()))?;
    // Written in place, not renamed in: until it is complete and durable nothing has moved,
    // and a journal cut short does not parse, so the next build discards the staged files
    // and keeps the old ones. The directory sync below makes its entry durable.
    let written = dept
        .open_in_place(JOURNAL_FILE)
        .map_err(|e| e.to_string())
        .and_then(|mut f| {
            f.set_len(0)
                .and_then(|()| f.write_all(&json))
                .and_then(|()| f.sync_all())
                .map_err(|e| e.to_string())
        })
        .and_then(|()| {
            subdirs
                .values()
                .chain([&dept])
                .try_for_each(Dir::sync)
                .map_err(|e| e.to_string())
        });
    if let Err(reason) = written {
        remove_staged(&staged);
        let _ = dept.remove(JOURNAL_FILE);
        return Err(err(&journal, reason));
    }
    // From here on the journal is the record: the staged files are no longer removed on
    // failure, the next build finishes the moves.

    // 4. Move them in.
    let abort_after: Option<usize> = std::env::var(ABORT_HOOK)
        .ok()
        .and_then(|v| v.trim().parse().ok());
    let mut first_error = None;
    for (i, ((path, _, name, _), (d, tmp))) in changed.iter().zip(&staged).enumerate() {
        if abort_after == Some(i) {
            std::process::abort();
        }
        if let Err(e) = d.rename(tmp, name)
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
    for d in subdirs.values().chain([&dept]) {
        d.sync().map_err(|e| err(d.path(), e.to_string()))?;
    }
    // 5. Done: without the journal the next build has nothing to finish. Its removal need not
    // be durable: a journal that survives a crash lists files that are all in place, and the
    // next build just removes it (as when removing it fails).
    let _ = dept.remove(JOURNAL_FILE);
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

/// `rel` (as written by [`relative_string`]) as its directory part and file name, if it is a
/// plain relative path.
fn below(rel: &str) -> Option<(PathBuf, String)> {
    let mut parts: Vec<&str> = rel.split('/').collect();
    if parts
        .iter()
        .any(|p| policy::file_name(p).is_err() || p.contains(':'))
    {
        return None;
    }
    let name = parts.pop()?.to_string();
    Some((parts.iter().collect(), name))
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

/// The department directories of jixiao's layout below `out`, relative to it:
/// `<年度>/<部门>` where `<年度>` is all digits; real directories only (symbolic links are not
/// followed).
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
    dirs.into_iter()
        .filter_map(|d| d.strip_prefix(out).ok().map(Path::to_path_buf))
        .collect()
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
    let Ok(root) = Dir::root(out, false) else {
        return Vec::new();
    };
    dept_dirs(out)
        .into_iter()
        .filter_map(|rel| root.open_dir(&rel, false).ok())
        .filter(|d| d.kind(JOURNAL_FILE).ok().flatten() == Some(Kind::File))
        .map(|d| recover_dept(&d))
        .collect()
}

fn recover_dept(dept: &Dir) -> Recovery {
    let dir = dept.path().to_path_buf();
    let journal: Result<Journal, String> = dept
        .read_file(JOURNAL_FILE, RECORD_READ_LIMIT)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b.unwrap_or_default()).map_err(|e| e.to_string()));
    // Every entry must name a staged temporary file beside its target, inside `dir`.
    // One handle per directory, shared by its entries (a --split department has hundreds).
    type Files<'a> = Vec<(std::rc::Rc<Dir>, String, String, &'a JournalEntry)>;
    let mut opened: BTreeMap<PathBuf, std::rc::Rc<Dir>> = BTreeMap::new();
    let files: Result<Files, String> = journal.as_ref().map_err(Clone::clone).and_then(|j| {
        j.files
            .iter()
            .map(|e| match (below(&e.staged), below(&e.target)) {
                (Some((ss, s)), Some((ts, t))) if ss == ts && is_temp_name(&s) => {
                    let d = match opened.get(&ss) {
                        Some(d) => d.clone(),
                        None => {
                            let d = std::rc::Rc::new(
                                dept.open_dir(&ss, false).map_err(|e| e.to_string())?,
                            );
                            opened.insert(ss, d.clone());
                            d
                        }
                    };
                    Ok((d, s, t, e))
                }
                _ => Err(format!("记录的路径无效：{} → {}", e.staged, e.target)),
            })
            .collect()
    });
    let files = match files {
        Ok(f) => f,
        Err(reason) => {
            let _ = dept.remove(JOURNAL_FILE);
            return Recovery::Unreadable { dir, reason };
        }
    };
    let holds = |d: &Dir, name: &str, e: &JournalEntry| {
        d.read_file(name, e.len).ok().flatten().is_some_and(|b| {
            b.len() as u64 == e.len && blake3::hash(&b).to_hex().as_str() == e.blake3
        })
    };
    let present = |d: &Dir, name: &str| d.kind(name).ok().flatten().is_some();
    let mut complete = true;
    let mut partly = false;
    for (d, staged, target, e) in &files {
        if present(d, staged) {
            complete &= holds(d, staged, e);
        } else if holds(d, target, e) {
            partly = true;
        } else {
            complete = false;
        }
    }
    let finish = |failure: Option<String>| {
        let mut failure = failure;
        for (d, ..) in &files {
            if let Err(e) = d.sync() {
                failure.get_or_insert(e.to_string());
            }
        }
        if let Err(e) = dept.remove(JOURNAL_FILE).and_then(|()| dept.sync()) {
            failure.get_or_insert(e.to_string());
        }
        failure
    };
    if complete {
        let mut moved = 0;
        let mut failure = None;
        for (d, staged, target, _) in &files {
            if !present(d, staged) {
                continue;
            }
            // Never over a link or special file planted at the target meanwhile.
            let target_ok = !matches!(
                d.kind(target),
                Ok(Some(Kind::Symlink | Kind::Special(_) | Kind::Dir))
            );
            match target_ok.then(|| d.rename(staged, target)) {
                Some(Ok(())) => moved += 1,
                Some(Err(e)) => {
                    let _ = d.remove(staged);
                    failure.get_or_insert(e.to_string());
                }
                None => {
                    let _ = d.remove(staged);
                    failure.get_or_insert(FsError::Symlink(d.join(target)).to_string());
                }
            }
        }
        match finish(failure) {
            None => Recovery::Completed { dir, moved },
            Some(reason) => Recovery::Failed { dir, reason },
        }
    } else {
        let mut failure = None;
        for (d, staged, _, _) in &files {
            if present(d, staged)
                && let Err(e) = d.remove(staged)
            {
                failure.get_or_insert(e.to_string());
            }
        }
        match finish(failure) {
            None => Recovery::Discarded { dir, partly },
            Some(reason) => Recovery::Failed { dir, reason },
        }
    }
}

/// Removes jixiao's temporary files (`.jixiao-<pid>-<n>.tmp`) that a killed build left in the
/// directories jixiao writes: `out/`, `out/<年度>/<部门>/` and their subdirectories. Call with
/// the lock held (so no live build is writing them) and after [`recover`]. Returns the files
/// removed.
pub fn remove_stale_temps(out: &Path) -> Vec<PathBuf> {
    let Ok(root) = Dir::root(out, false) else {
        return Vec::new();
    };
    let mut dirs = vec![PathBuf::new()];
    for d in dept_dirs(out) {
        dirs.extend(
            subdirs(&out.join(&d))
                .into_iter()
                .filter_map(|s| s.strip_prefix(out).ok().map(Path::to_path_buf)),
        );
        dirs.push(d);
    }
    let mut removed = Vec::new();
    for rel in dirs {
        let Ok(d) = root.open_dir(&rel, false) else {
            continue;
        };
        for e in fs::read_dir(out.join(&rel))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            let Some(name) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if is_temp_name(&name)
                && matches!(d.kind(&name), Ok(Some(Kind::File | Kind::Symlink)))
                && d.remove(&name).is_ok()
            {
                removed.push(d.join(&name));
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
    out: PathBuf,
    entries: BTreeMap<String, String>,
}

impl Manifest {
    pub fn load(out_dir: &Path) -> Manifest {
        let entries = read_record(out_dir, MANIFEST_FILE)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Manifest {
            out: out_dir.to_path_buf(),
            entries,
        }
    }

    /// The BLAKE3 hash (hex) of the output at `output` below the output directory, when it is
    /// a regular file reached without following a symbolic link.
    pub fn output_hash(&self, output: &Path) -> Option<String> {
        let rel = output.strip_prefix(&self.out).ok()?;
        let bytes = read_below(&self.out, rel, OUTPUT_READ_LIMIT).ok()??;
        Some(blake3::hash(&bytes).to_hex().to_string())
    }

    /// Whether `output` was built from inputs hashing to `hash` and still holds what was
    /// written then.
    pub fn is_fresh(&self, output: &Path, hash: &str) -> bool {
        let key = output.to_string_lossy().to_string();
        match self.entries.get(&key) {
            Some(recorded) => self
                .output_hash(output)
                .is_some_and(|h| *recorded == format!("{hash}:{h}")),
            None => false,
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
        let written = recorded.rsplit(':').next().unwrap_or_default();
        if self.output_hash(output).as_deref() != Some(written) {
            return false;
        }
        self.parent_of(output)
            .is_some_and(|(d, name)| d.remove(&name).is_ok())
    }

    /// Removes the directory `dir` below the output directory if it is empty.
    pub fn remove_empty_dir(&self, dir: &Path) -> bool {
        self.parent_of(dir)
            .is_some_and(|(d, name)| d.remove_dir(&name).is_ok())
    }

    /// The directory holding `path` (below the output directory, opened without following a
    /// link) and `path`'s name in it.
    fn parent_of(&self, path: &Path) -> Option<(Dir, String)> {
        let (sub, name) = split_below(&self.out, path)?;
        let dir = Dir::root(&self.out, false)
            .ok()?
            .open_dir(&sub, false)
            .ok()?;
        Some((dir, name))
    }

    pub fn save(&self) -> Result<(), FsError> {
        let bytes = serde_json::to_vec_pretty(&self.entries)
            .map_err(|e| FsError::Io(self.out.join(MANIFEST_FILE), io::Error::other(e)))?;
        write_atomic(&self.out, Path::new(MANIFEST_FILE), &bytes).map(|_| ())
    }
}

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
}
