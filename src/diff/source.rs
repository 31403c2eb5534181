//! Where one side of `jixiao diff` comes from: a data directory or file on disk, or what a git
//! revision of the repository holding the data directory has there (`HEAD~1`, a tag, a branch,
//! a commit id; `REV:PATH` for another path of that revision).

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, display_path};
use crate::git::{Entry, Repo};
use crate::load::{self, Loaded, MAX_FILE_BYTES};
use crate::rules;

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Dir(PathBuf),
    File(PathBuf),
    /// A revision, and the path (of the repository, `/`-separated) it is read at.
    Revision {
        rev: String,
        path: String,
        /// The short id of the commit it named when resolved.
        short: String,
        /// Whether the path was written (`REV:PATH`) rather than the data directory's.
        explicit: bool,
        /// Whether the revision has a file there (else a directory).
        file: bool,
        /// How a person recognises the commit (see [`crate::git::Repo::describe`]).
        title: String,
    },
}

impl Source {
    /// How the reports and the change table name it, in words a reviewer recognises: the
    /// folder or file as it is now, or the commit by its date and subject (a tag by its name),
    /// never a bare `HEAD~1` or `data`.
    pub fn label(&self) -> String {
        match self {
            Source::Dir(p) => format!("现在的 {}/", display_path(p).trim_end_matches('/')),
            Source::File(p) => format!("现在的 {}", display_path(p)),
            Source::Revision {
                path,
                explicit,
                title,
                ..
            } => {
                if *explicit {
                    format!("{title}中的 {path}")
                } else {
                    title.clone()
                }
            }
        }
    }

    /// Whether it is one file.
    pub fn is_file(&self) -> bool {
        match self {
            Source::File(_) => true,
            Source::Dir(_) => false,
            Source::Revision { file, .. } => *file,
        }
    }
}

/// Reads a command-line argument: an existing directory or file is that; anything else is a
/// revision of the repository holding `data` (the data directory), read at the data
/// directory's path — or at `PATH` for `REV:PATH` (from the repository's root; `./…` from
/// the current directory).
pub fn resolve(arg: &str, data: &Path) -> Result<Source, String> {
    let p = Path::new(arg);
    if p.is_dir() {
        return Ok(Source::Dir(p.to_path_buf()));
    }
    if p.is_file() {
        return Ok(Source::File(p.to_path_buf()));
    }
    let repo = Repo::discover(data)
        .or_else(|| Repo::discover(Path::new(".")))
        .ok_or_else(|| {
            format!(
                "“{arg}”不是目录或文件；{} 也不在 git 仓库中，无法按版本读取",
                display_path(data)
            )
        })?;
    let (rev, path, explicit) = match arg.split_once(':') {
        Some((rev, path)) if !rev.is_empty() => {
            let rel = if path.starts_with("./") || path.starts_with("../") {
                repo.relative(Path::new(path)).ok_or_else(|| {
                    format!("{path} 不在仓库 {} 之内", display_path(repo.workdir()))
                })?
            } else {
                path.trim_matches('/').to_string()
            };
            (rev.to_string(), rel, true)
        }
        _ => {
            let rel = repo.relative(data).ok_or_else(|| {
                format!(
                    "数据目录 {} 不在仓库 {} 之内",
                    display_path(data),
                    display_path(repo.workdir())
                )
            })?;
            (arg.to_string(), rel, false)
        }
    };
    let id = repo.resolve(&rev).map_err(|why| {
        if Path::new(arg).components().count() > 1 || arg.ends_with(".yaml") {
            format!("{arg} 不存在；{why}")
        } else {
            why
        }
    })?;
    let short = id.to_string()[..7].to_string();
    let file = !repo.is_dir(&rev, &path)?;
    let title = repo
        .describe(&rev)
        .unwrap_or_else(|| format!("版本 {short}"));
    Ok(Source::Revision {
        rev,
        path,
        short,
        explicit,
        file,
        title,
    })
}

/// What a side holds, loaded: its departments, and the problems of files that could not be
/// read (their departments cannot be compared).
pub fn open(source: &Source, data: &Path) -> Loaded {
    match source {
        Source::Dir(dir) => load::load_dir(dir),
        Source::File(file) => {
            let mut loaded = Loaded::default();
            load::load_file(file, &mut loaded);
            loaded
        }
        Source::Revision { rev, path, .. } => {
            let mut loaded = Loaded::default();
            let fail = |loaded: &mut Loaded, rule, msg: String, at: PathBuf| {
                let mut d = Diagnostic::new(rule, None, msg);
                d.path = Some(at);
                loaded.diagnostics.push(d);
            };
            let Some(repo) = Repo::discover(data).or_else(|| Repo::discover(Path::new("."))) else {
                fail(
                    &mut loaded,
                    &rules::DATA_DIR,
                    format!("{} 不在 git 仓库中", display_path(data)),
                    data.to_path_buf(),
                );
                return loaded;
            };
            let name = |file: &str| -> PathBuf {
                if path.is_empty() {
                    PathBuf::from(format!("{rev}:{file}"))
                } else {
                    PathBuf::from(format!("{rev}:{path}/{file}"))
                }
            };
            match repo.read(rev, path, MAX_FILE_BYTES as usize) {
                Ok(Entry::File(bytes)) => {
                    load::load_named(Path::new(&format!("{rev}:{path}")), bytes, &mut loaded);
                }
                Ok(Entry::Dir { files, skipped }) => {
                    if files.is_empty() && skipped.is_empty() {
                        fail(
                            &mut loaded,
                            &rules::NO_DATA,
                            format!("版本“{rev}”的 {path} 中没有 .yaml 数据文件"),
                            PathBuf::from(format!("{rev}:{path}")),
                        );
                    }
                    for (file, bytes) in files {
                        load::load_named(&name(&file), bytes, &mut loaded);
                    }
                    for (file, why) in skipped {
                        fail(
                            &mut loaded,
                            &rules::READ_FAILED,
                            format!("版本“{rev}”中的 {file} {why}"),
                            name(&file),
                        );
                    }
                }
                Err(why) => fail(
                    &mut loaded,
                    &rules::DATA_DIR,
                    why,
                    PathBuf::from(format!("{rev}:{path}")),
                ),
            }
            loaded
        }
    }
}
