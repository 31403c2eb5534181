//! A department's files replaced together through a journal (`replace_together`), and what the
//! next build does with what a killed one left: finish or clean up its moves (`recover`) and
//! remove its temporary files (`remove_stale_temps`). See the module documentation of
//! [`crate::write`].

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use super::layout::JOURNAL_FILE;
use super::policy::{Dir, FsError, Kind};
use super::{ABORT_HOOK, RECORD_READ_LIMIT, Written, is_temp_name, policy};

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
pub(super) struct Journal {
    /// Staged files, paths relative to the department directory with `/` separators.
    pub(super) files: Vec<JournalEntry>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct JournalEntry {
    pub(super) staged: String,
    pub(super) target: String,
    pub(super) len: u64,
    pub(super) blake3: String,
}

/// `path` below `root`, as the directory part and the file name, both plain.
pub(super) fn split_below(root: &Path, path: &Path) -> Option<(PathBuf, String)> {
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
            every_dir(&subdirs, &dept)
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
    for d in every_dir(&subdirs, &dept) {
        d.sync().map_err(|e| err(d.path(), e.to_string()))?;
    }
    // 5. Done: without the journal the next build has nothing to finish. Its removal need not
    // be durable: a journal that survives a crash lists files that are all in place, and the
    // next build just removes it (as when removing it fails).
    let _ = dept.remove(JOURNAL_FILE);
    Ok(result)
}

/// Each directory the files go into, and the department directory (the journal's), once each:
/// the files directly in the department directory are in `subdirs` under the empty path, the
/// same directory as `dept`, whose sync (a journal commit of the file system) need not run
/// twice.
fn every_dir<'d>(
    subdirs: &'d BTreeMap<PathBuf, Dir>,
    dept: &'d Dir,
) -> impl Iterator<Item = &'d Dir> {
    subdirs
        .iter()
        .filter(|(sub, _)| !sub.as_os_str().is_empty())
        .map(|(_, d)| d)
        .chain([dept])
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
pub(super) fn below(rel: &str) -> Option<(PathBuf, String)> {
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
    let is_year = |year: &Path| {
        year.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut dirs = Vec::new();
    for year in subdirs(out) {
        if is_year(&year) {
            dirs.extend(subdirs(&year));
        }
    }
    // A year's disclosure packages (`--publish`), each one's files replaced together too.
    let packages = out.join(super::layout::PUBLISH_DIR);
    dirs.extend(subdirs(&packages).into_iter().filter(|y| is_year(y)));
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
