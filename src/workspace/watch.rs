//! Watching a workspace's inputs: the directories a build reads, as its inputs record lists
//! them (`inputs::Inputs::roots`: the data directory, the templates directory and the
//! project's font directories; not the system's). Saves are debounced (an editor's
//! write-and-rename is one change) and sorted into what they touch; files no build reads
//! (editor backups, other extensions: [`RootKind::reads`]) are ignored.
//! The directories holding the data and templates directories are watched too (not what is
//! below them), so that a data or templates directory deleted and made again (a checkout of
//! another branch, a copy put back) is watched again and rebuilt.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use super::inputs::{Root, RootKind};
use super::{WatchError, Workspace};

/// How long the watcher waits for a burst of events to end.
const DEBOUNCE: Duration = Duration::from_millis(30);

/// What a batch of saves touched.
#[derive(Debug, Default, Clone)]
pub struct Changes {
    /// The changed files that matter, in event order, without repeats.
    pub paths: Vec<PathBuf>,
    pub data: bool,
    pub templates: bool,
    pub fonts: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

/// The file watcher's error in Chinese (notify's own words are English).
fn notify_zh(e: &notify_debouncer_full::notify::Error) -> String {
    use notify_debouncer_full::notify::ErrorKind as K;
    match &e.kind {
        K::PathNotFound => "目录不存在".to_string(),
        K::WatchNotFound => "没有这项监视".to_string(),
        K::Io(io) => crate::write::policy::os_error(io),
        K::MaxFilesWatch => {
            "系统可同时监视的文件数已到上限（Linux 上可调大 fs.inotify.max_user_watches）"
                .to_string()
        }
        K::InvalidConfig(_) => "监视的设置无效".to_string(),
        K::Generic(text) => format!("系统的文件监视出错（原文：{text}）"),
    }
}

/// Watches a workspace's inputs; see the [module documentation](self).
pub struct Watch {
    debouncer:
        Mutex<Debouncer<notify_debouncer_full::notify::RecommendedWatcher, RecommendedCache>>,
    events: Receiver<DebounceEventResult>,
    /// The roots watched, canonical.
    roots: Vec<Root>,
    data: PathBuf,
    templates: PathBuf,
}

impl Watch {
    /// Starts watching `ws`'s data, templates and font directories (those that exist).
    pub fn new(ws: &Workspace) -> Result<Watch, WatchError> {
        let (tx, events) = channel();
        let mut debouncer =
            new_debouncer(DEBOUNCE, None, tx).map_err(|e| WatchError::Start(notify_zh(&e)))?;
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let roots: Vec<Root> = ws
            .inputs(0)
            .roots(false)
            .into_iter()
            .filter(|r| r.kind.watched())
            .map(|r| Root {
                path: canonical(&r.path),
                kind: r.kind,
            })
            .collect();
        let of = |kind| {
            roots
                .iter()
                .find(|r| r.kind == kind)
                .map(|r| r.path.clone())
        };
        let (Some(data), Some(templates)) = (of(RootKind::Data), of(RootKind::Templates)) else {
            return Err(WatchError::NoRoots);
        };
        for root in &roots {
            let mode = if root.kind.recursive() {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            let dir = &root.path;
            // A font directory that does not exist has nothing to watch.
            if root.kind == RootKind::Fonts && !dir.is_dir() {
                continue;
            }
            debouncer
                .watch(dir, mode)
                .map_err(|e| WatchError::Directory {
                    what: match root.kind {
                        RootKind::Data => "数据目录",
                        RootKind::Templates => "样式目录",
                        RootKind::Fonts | RootKind::SystemFonts => "字体目录",
                    },
                    path: dir.clone(),
                    reason: notify_zh(&e),
                })?;
        }
        // Where the data and templates directories are, for their own removal and return. A
        // parent that cannot be watched only loses that.
        for dir in [&data, &templates] {
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                let _ = debouncer.watch(parent, RecursiveMode::NonRecursive);
            }
        }
        Ok(Watch {
            debouncer: Mutex::new(debouncer),
            events,
            roots,
            data,
            templates,
        })
    }

    /// Waits for the next batch of changes that matter; `None` once the watcher has stopped.
    pub fn next(&self) -> Option<Changes> {
        loop {
            let batch = self.events.recv().ok()?;
            let changes = self.sort(batch);
            if !changes.is_empty() {
                return Some(changes);
            }
        }
    }

    /// Like [`Watch::next`], but gives up after `timeout` with empty changes.
    pub fn next_timeout(&self, timeout: Duration) -> Option<Changes> {
        match self.events.recv_timeout(timeout) {
            Ok(batch) => Some(self.sort(batch)),
            Err(RecvTimeoutError::Timeout) => Some(Changes::default()),
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    fn sort(&self, batch: DebounceEventResult) -> Changes {
        let mut changes = Changes::default();
        let Ok(events) = batch else {
            // The watcher lost track (e.g. too many events): treat everything as changed.
            changes.data = true;
            changes.templates = true;
            changes.fonts = true;
            changes.paths.push(self.data.clone());
            return changes;
        };
        for event in events {
            if matches!(event.kind, EventKind::Access(_) | EventKind::Other) {
                continue;
            }
            for path in &event.paths {
                // The data or templates directory itself, deleted or made again: watch it
                // again (a new directory is not the one watched before), and rebuild.
                if path == &self.data || path == &self.templates {
                    if path.is_dir() {
                        let mode = if path == &self.data {
                            RecursiveMode::NonRecursive
                        } else {
                            RecursiveMode::Recursive
                        };
                        let mut debouncer =
                            self.debouncer.lock().unwrap_or_else(|e| e.into_inner());
                        let _ = debouncer.unwatch(path);
                        let _ = debouncer.watch(path, mode);
                    }
                    if path == &self.data {
                        changes.data = true;
                    } else {
                        changes.templates = true;
                    }
                    if !changes.paths.contains(path) {
                        changes.paths.push(path.clone());
                    }
                    continue;
                }
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
                    continue;
                }
                // The root the file is below (the data directory's own files only), and
                // whether a build reads it.
                let root = self.roots.iter().find(|r| match r.kind {
                    RootKind::Data => path.parent() == Some(r.path.as_path()),
                    _ => path.starts_with(&r.path),
                });
                let kind = match root {
                    Some(r) if r.kind.reads(path) => match r.kind {
                        RootKind::Data => &mut changes.data,
                        RootKind::Templates => &mut changes.templates,
                        RootKind::Fonts | RootKind::SystemFonts => &mut changes.fonts,
                    },
                    _ => continue,
                };
                *kind = true;
                if !changes.paths.contains(path) {
                    changes.paths.push(path.clone());
                }
            }
        }
        changes
    }
}

#[cfg(test)]
mod notify_tests {
    /// The watcher's errors read in Chinese (issue 25: "无法监视样式目录 templates：No path was
    /// found." reached the user).
    #[test]
    fn watcher_errors_read_in_chinese() {
        use notify_debouncer_full::notify::Error;
        for (e, zh) in [
            (Error::path_not_found(), "目录不存在"),
            (
                Error::io(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
                "没有权限",
            ),
            (
                Error::new(notify_debouncer_full::notify::ErrorKind::MaxFilesWatch),
                "上限",
            ),
        ] {
            let text = super::notify_zh(&e);
            assert!(text.contains(zh), "{text}");
            assert!(!text.contains("No path"), "{text}");
        }
    }
}
