//! The data as committed: what a revision (`HEAD~1`, a tag, a branch, a commit id) holds at a
//! path, and the date of the last commit that touched a file. Read through libgit2 (the `git2`
//! crate) from the repository whose work tree holds the data; `git` is never run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository};

/// A repository with a work tree.
pub struct Repo {
    repo: Repository,
    /// The work tree, canonical.
    workdir: PathBuf,
}

/// What a revision holds at a path.
pub enum Entry {
    /// A directory: its data files (`*.yaml`, `*.yml` directly in it) as (name, bytes), in
    /// name order, and the names of those it does not read (symbolic links, files over the
    /// size limit) with the reason.
    Dir {
        files: Vec<(String, Vec<u8>)>,
        skipped: Vec<(String, String)>,
    },
    /// A file's bytes.
    File(Vec<u8>),
}

/// The mode git gives a symbolic link.
const LINK_MODE: i32 = 0o120_000;

impl Repo {
    /// The repository whose work tree holds `path` (or its nearest existing ancestor), if any.
    pub fn discover(path: &Path) -> Option<Repo> {
        let start = existing_ancestor(path)?;
        let repo = Repository::discover(&start).ok()?;
        let workdir = repo.workdir()?.canonicalize().ok()?;
        Some(Repo { repo, workdir })
    }

    /// The work tree.
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// `path` as a path of the repository: relative to the work tree, `/`-separated, `""` for
    /// the work tree itself; `None` when it lies outside.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let absolute = absolute(path)?;
        let rel = absolute.strip_prefix(&self.workdir).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }

    /// The commit `rev` names, or why it names none (in Chinese).
    fn commit(&self, rev: &str) -> Result<git2::Commit<'_>, String> {
        let object = self.repo.revparse_single(rev).map_err(|_| {
            format!(
                "git 仓库 {} 中没有版本“{rev}”（可写分支名、标签、提交号或 HEAD~1 这样的写法）",
                self.workdir.display()
            )
        })?;
        object
            .peel_to_commit()
            .map_err(|_| format!("“{rev}”不是一次提交"))
    }

    /// The commit id `rev` names.
    pub fn resolve(&self, rev: &str) -> Result<Oid, String> {
        self.commit(rev).map(|c| c.id())
    }

    /// Whether revision `rev` has a directory at `rel` (`false`: a file); an error when it has
    /// nothing there.
    pub fn is_dir(&self, rev: &str, rel: &str) -> Result<bool, String> {
        if rel.is_empty() {
            return Ok(true);
        }
        let commit = self.commit(rev)?;
        let root = commit
            .tree()
            .map_err(|e| format!("无法读取版本“{rev}”：{}", e.message()))?;
        let entry = root
            .get_path(Path::new(rel))
            .map_err(|_| format!("版本“{rev}”中没有 {rel}"))?;
        Ok(entry.kind() == Some(ObjectType::Tree))
    }

    /// What revision `rev` holds at `rel` (a path of the repository, `""` for its root). A
    /// file larger than `max_bytes` is not read.
    pub fn read(&self, rev: &str, rel: &str, max_bytes: usize) -> Result<Entry, String> {
        let commit = self.commit(rev)?;
        let root = commit
            .tree()
            .map_err(|e| format!("无法读取版本“{rev}”：{}", e.message()))?;
        let missing = || format!("版本“{rev}”中没有 {rel}");
        let (kind, id, mode) = if rel.is_empty() {
            (Some(ObjectType::Tree), root.id(), 0o040_000)
        } else {
            let entry = root.get_path(Path::new(rel)).map_err(|_| missing())?;
            (entry.kind(), entry.id(), entry.filemode())
        };
        match kind {
            Some(ObjectType::Tree) => {
                let tree = self.repo.find_tree(id).map_err(|_| missing())?;
                let mut files = Vec::new();
                let mut skipped = Vec::new();
                for e in tree.iter() {
                    let Ok(name) = e.name() else { continue };
                    let data = name.ends_with(".yaml") || name.ends_with(".yml");
                    if !data || e.kind() != Some(ObjectType::Blob) {
                        continue;
                    }
                    if e.filemode() == LINK_MODE {
                        skipped.push((name.to_string(), "是符号链接，不读取".to_string()));
                        continue;
                    }
                    match self.blob(e.id(), max_bytes) {
                        Ok(bytes) => files.push((name.to_string(), bytes)),
                        Err(why) => skipped.push((name.to_string(), why)),
                    }
                }
                files.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(Entry::Dir { files, skipped })
            }
            Some(ObjectType::Blob) if mode == LINK_MODE => {
                Err(format!("版本“{rev}”中的 {rel} 是符号链接，不读取"))
            }
            Some(ObjectType::Blob) => self.blob(id, max_bytes).map(Entry::File),
            _ => Err(missing()),
        }
    }

    /// A blob's bytes, unless it is larger than `max_bytes`.
    fn blob(&self, id: Oid, max_bytes: usize) -> Result<Vec<u8>, String> {
        let odb = self
            .repo
            .odb()
            .map_err(|e| format!("无法读取：{}", e.message()))?;
        let (size, _) = odb
            .read_header(id)
            .map_err(|e| format!("无法读取：{}", e.message()))?;
        if size > max_bytes {
            return Err(format!("超过 {} MiB，不读取", max_bytes / (1024 * 1024)));
        }
        let blob = self
            .repo
            .find_blob(id)
            .map_err(|e| format!("无法读取：{}", e.message()))?;
        Ok(blob.content().to_vec())
    }

    /// How a person recognises the commit `rev` names: a tag's name where `rev` is one, the
    /// commit's date (in its own time zone) and the first line of its message.
    pub fn describe(&self, rev: &str) -> Option<String> {
        let c = self.commit(rev).ok()?;
        let t = c.time();
        let local = t.seconds() + i64::from(t.offset_minutes()) * 60;
        let (y, m, d) = civil_from_days(local.div_euclid(86_400));
        let subject: String = String::from_utf8_lossy(c.summary_bytes().unwrap_or_default())
            .trim()
            .chars()
            .take(40)
            .collect();
        let tag = if self
            .repo
            .find_reference(&format!("refs/tags/{rev}"))
            .is_ok()
        {
            format!("标签 {rev}，")
        } else {
            String::new()
        };
        Some(if subject.is_empty() {
            format!("{tag}{y}-{m:02}-{d:02} 的提交")
        } else {
            format!("{tag}{y}-{m:02}-{d:02} 的提交“{subject}”")
        })
    }

    /// The time (seconds since 1970, UTC) of the commit `rev` names.
    pub fn commit_time(&self, rev: &str) -> Option<i64> {
        self.commit(rev).ok().map(|c| c.time().seconds())
    }

    /// The commit HEAD names, if there is one yet.
    pub fn head(&self) -> Option<Oid> {
        self.repo.head().ok()?.peel_to_commit().ok().map(|c| c.id())
    }

    /// For each of `rels` (paths of the repository), the time (seconds since 1970, UTC) of the
    /// last commit reachable from HEAD that changed it: added it, or gave it other content
    /// than the commit's first parent had. A path no commit holds is left out. One walk of
    /// the history, newest first, stopping once every path is found.
    pub fn last_commit_times(&self, rels: &[String]) -> HashMap<String, i64> {
        let mut found = HashMap::new();
        let mut walk = match self.repo.revwalk() {
            Ok(w) => w,
            Err(_) => return found,
        };
        let ok = walk.push_head().is_ok()
            && walk
                .set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)
                .is_ok()
            && walk.simplify_first_parent().is_ok();
        if !ok {
            return found;
        }
        let entry_id = |tree: &git2::Tree, rel: &str| -> Option<Oid> {
            tree.get_path(Path::new(rel)).ok().map(|e| e.id())
        };
        for id in walk.flatten() {
            if found.len() == rels.len() {
                break;
            }
            let Ok(commit) = self.repo.find_commit(id) else {
                continue;
            };
            let Ok(tree) = commit.tree() else { continue };
            let parent = commit.parent(0).ok().and_then(|p| p.tree().ok());
            for rel in rels {
                if found.contains_key(rel) {
                    continue;
                }
                let Some(here) = entry_id(&tree, rel) else {
                    continue;
                };
                let before = parent.as_ref().and_then(|t| entry_id(t, rel));
                if before != Some(here) {
                    found.insert(rel.clone(), commit.time().seconds());
                }
            }
        }
        found
    }
}

/// `path` made absolute and canonical as far as it exists (a path that does not exist yet
/// keeps its last parts as written).
fn absolute(path: &Path) -> Option<PathBuf> {
    let start = existing_ancestor(path)?;
    let base = start.canonicalize().ok()?;
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let rest = full
        .strip_prefix(absolute_lexical(&start)?)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Some(base.join(rest))
}

fn absolute_lexical(path: &Path) -> Option<PathBuf> {
    if path.is_absolute() {
        Some(path.to_path_buf())
    } else {
        Some(std::env::current_dir().ok()?.join(path))
    }
}

/// `path` or its nearest ancestor that exists (`.` for a relative path none of whose parts
/// exists).
fn existing_ancestor(path: &Path) -> Option<PathBuf> {
    let full = absolute_lexical(path)?;
    full.ancestors().find(|p| p.exists()).map(Path::to_path_buf)
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm): a commit's date
/// here, a document's date in `workspace::dates`.
pub(crate) fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    ((if m <= 2 { y + 1 } else { y }) as i32, m as u8, d as u8)
}

#[cfg(test)]
mod tests {
    #[test]
    fn epoch_days_to_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(super::civil_from_days(11_016), (2000, 2, 29));
    }
}
