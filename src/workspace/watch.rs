//! Watching a workspace's inputs: the directories a build reads, as its inputs record lists
//! them (`inputs::Inputs::roots`: the data directory, the templates directory and the
//! project's font directories; not the system's). The events of one save come as one burst (an
//! editor's write-and-rename is one change; see [`SETTLE`] and [`DEBOUNCE`] for when a burst
//! ends) and are sorted into what they touch; files no build reads (editor backups, other
//! extensions: [`RootKind::reads`]) are ignored.
//! The directories holding the data and templates directories are watched too (not what is
//! below them), so that a data or templates directory deleted and made again (a checkout of
//! another branch, a copy put back) is watched again and rebuilt.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::inputs::{Root, RootKind};
use super::{WatchError, Workspace};

/// How long a burst of events must be quiet to end while a file it wrote may still be being
/// written (a write was seen and its close was not), or a file it removed or renamed away may
/// be about to be put back (a save that moves the old file away before the new one is in
/// place: IntelliJ's safe write, Emacs and vim when they back up by renaming). That is every
/// save on a system whose watcher reports no closes (macOS, Windows), a slow writer anywhere,
/// and a file deleted for good.
const DEBOUNCE: Duration = Duration::from_millis(30);

/// How long a burst must be quiet to end once every file it wrote has been closed or renamed
/// into place and none it touched is gone (Linux reports closes): the save is complete, so the
/// person waits for no more than the other files of the same save or checkout to show up
/// (issue 26: the preview's 30 ms of waiting for nothing).
const SETTLE: Duration = Duration::from_millis(3);

/// The longest a burst lasts, however its events keep coming (a file written on and on, a
/// checkout of many files on a slow disk): what came so far is built, the rest is the next
/// burst. notify-debouncer-full, before, gave every event out 30 ms after it came.
const LONGEST: Duration = Duration::from_secs(1);

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

    /// Names `path` among the changed files, once.
    fn name(&mut self, path: &Path) {
        if !self.paths.iter().any(|p| p == path) {
            self.paths.push(path.to_path_buf());
        }
    }
}

/// The file watcher's error in Chinese (notify's own words are English).
fn notify_zh(e: &notify::Error) -> String {
    use notify::ErrorKind as K;
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

/// What an event that matters says of the file it touches being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Made or written: the writer may not be done.
    Writes,
    /// Closed after writing, renamed into place, or a directory made: the writer is done.
    Ends,
    /// Removed or renamed away: a new file may be about to take its place.
    Goes,
    /// Renamed, the event's paths from and to ([`RenameMode::Both`]: the first goes, the last
    /// ends), or it does not say which (then the path is gone if it is not there).
    Moves,
    /// Anything else that changes it (its permissions, say).
    Other,
}

impl Step {
    /// The step an event of this kind is; `None` for one that does not matter (a read, such as
    /// a build's own, or the watcher's own notes).
    fn of(kind: &EventKind) -> Option<Step> {
        Some(match kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => Step::Ends,
            EventKind::Access(_) | EventKind::Other => return None,
            EventKind::Create(CreateKind::File | CreateKind::Any)
            | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => Step::Writes,
            EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(RenameMode::To)) => {
                Step::Ends
            }
            EventKind::Modify(ModifyKind::Name(RenameMode::From)) | EventKind::Remove(_) => {
                Step::Goes
            }
            EventKind::Modify(ModifyKind::Name(_)) => Step::Moves,
            _ => Step::Other,
        })
    }
}

/// How long a burst must be quiet to end, with `pending` the files written and not closed,
/// or gone and not back.
fn quiet(pending: &HashSet<PathBuf>) -> Duration {
    if pending.is_empty() { SETTLE } else { DEBOUNCE }
}

/// How much longer a burst waits for its next event, `since_last` after the last that mattered
/// and `since_start` after it began; zero when it is over.
fn left(pending: &HashSet<PathBuf>, since_last: Duration, since_start: Duration) -> Duration {
    quiet(pending)
        .saturating_sub(since_last)
        .min(LONGEST.saturating_sub(since_start))
}

/// The files a burst is waiting on, and those it made.
#[derive(Debug, Default)]
struct Files {
    /// Written and not closed, or gone (removed or renamed away) and not back.
    pending: HashSet<PathBuf>,
    /// Made in this burst: one gone again was a temporary file (an editor's, `sed -i`'s, vim's
    /// `4913`), not a file a save is about to put back.
    made: HashSet<PathBuf>,
}

/// Watches a workspace's inputs; see the [module documentation](self).
pub struct Watch {
    watcher: Mutex<RecommendedWatcher>,
    events: Receiver<notify::Result<Event>>,
    /// The roots watched, canonical.
    roots: Vec<Root>,
    data: PathBuf,
    templates: PathBuf,
}

impl Watch {
    /// Starts watching `ws`'s data, templates and font directories (those that exist).
    pub fn new(ws: &Workspace) -> Result<Watch, WatchError> {
        let (tx, events) = channel();
        let mut watcher =
            notify::recommended_watcher(tx).map_err(|e| WatchError::Start(notify_zh(&e)))?;
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
            watcher
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
                let _ = watcher.watch(parent, RecursiveMode::NonRecursive);
            }
        }
        Ok(Watch {
            watcher: Mutex::new(watcher),
            events,
            roots,
            data,
            templates,
        })
    }

    /// Waits for the next burst of changes that matter; `None` once the watcher has stopped.
    pub fn next(&self) -> Option<Changes> {
        loop {
            let first = self.events.recv().ok()?;
            let changes = self.burst(first);
            if !changes.is_empty() {
                return Some(changes);
            }
        }
    }

    /// Like [`Watch::next`], but gives up after `timeout` with empty changes.
    pub fn next_timeout(&self, timeout: Duration) -> Option<Changes> {
        match self.events.recv_timeout(timeout) {
            Ok(first) => Some(self.burst(first)),
            Err(RecvTimeoutError::Timeout) => Some(Changes::default()),
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// The burst `first` begins: its events and those that follow until none that matters has
    /// come for [`SETTLE`] with every file written closed and none gone, or for [`DEBOUNCE`]
    /// otherwise; for [`LONGEST`] at most.
    fn burst(&self, first: notify::Result<Event>) -> Changes {
        let mut changes = Changes::default();
        let mut files = Files::default();
        self.take(first, &mut changes, &mut files);
        let begun = Instant::now();
        let mut last = begun;
        loop {
            let left = left(&files.pending, last.elapsed(), begun.elapsed());
            if left.is_zero() {
                break;
            }
            match self.events.recv_timeout(left) {
                Ok(e) => {
                    if self.take(e, &mut changes, &mut files) {
                        last = Instant::now();
                    }
                }
                Err(_) => break,
            }
        }
        changes
    }

    /// Adds what `event` touched to `changes`, and keeps `files` (those waited on, those made)
    /// up to date; whether the event matters.
    fn take(&self, event: notify::Result<Event>, changes: &mut Changes, files: &mut Files) -> bool {
        let event = match event {
            Ok(e) if !e.need_rescan() => e,
            // The watcher lost track (e.g. too many events): treat everything as changed.
            _ => {
                changes.data = true;
                changes.templates = true;
                changes.fonts = true;
                changes.name(&self.data);
                return true;
            }
        };
        let Some(step) = Step::of(&event.kind) else {
            return false;
        };
        let both = event.kind == EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        let made = matches!(event.kind, EventKind::Create(_));
        let mut matters = false;
        for (i, path) in event.paths.iter().enumerate() {
            if !self.sort(path, changes) {
                continue;
            }
            matters = true;
            let step = match step {
                Step::Moves if both && i == 0 => Step::Goes,
                Step::Moves if both || path.symlink_metadata().is_ok() => Step::Ends,
                Step::Moves => Step::Goes,
                step => step,
            };
            if made {
                files.made.insert(path.clone());
            }
            match step {
                Step::Goes if files.made.contains(path) => {
                    files.pending.remove(path);
                }
                Step::Writes | Step::Goes => {
                    files.pending.insert(path.clone());
                }
                Step::Ends => {
                    files.pending.remove(path);
                }
                Step::Moves | Step::Other => {}
            }
        }
        matters
    }

    /// Adds a changed `path` to `changes`; whether a build reads it.
    fn sort(&self, path: &Path, changes: &mut Changes) -> bool {
        // The data or templates directory itself, deleted or made again: watch it again (a new
        // directory is not the one watched before), and rebuild.
        if path == self.data || path == self.templates {
            if path.is_dir() {
                let mode = if path == self.data {
                    RecursiveMode::NonRecursive
                } else {
                    RecursiveMode::Recursive
                };
                let mut watcher = self.watcher.lock().unwrap_or_else(|e| e.into_inner());
                let _ = watcher.unwatch(path);
                let _ = watcher.watch(path, mode);
            }
            if path == self.data {
                changes.data = true;
            } else {
                changes.templates = true;
            }
            changes.name(path);
            return true;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return false;
        };
        if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
            return false;
        }
        // The root the file is below (the data directory's own files only), and whether a
        // build reads it.
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
            _ => return false,
        };
        *kind = true;
        changes.name(path);
        true
    }
}

#[cfg(test)]
mod notify_tests {
    /// The watcher's errors read in Chinese (issue 25: "无法监视样式目录 templates：No path was
    /// found." reached the user).
    #[test]
    fn watcher_errors_read_in_chinese() {
        use notify::Error;
        for (e, zh) in [
            (Error::path_not_found(), "目录不存在"),
            (
                Error::io(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
                "没有权限",
            ),
            (Error::new(notify::ErrorKind::MaxFilesWatch), "上限"),
        ] {
            let text = super::notify_zh(&e);
            assert!(text.contains(zh), "{text}");
            assert!(!text.contains("No path"), "{text}");
        }
    }
}

#[cfg(test)]
mod burst_tests {
    use std::collections::HashSet;
    use std::path::PathBuf;
    use std::time::Duration;

    use notify::EventKind;
    use notify::event::{
        AccessKind, AccessMode, CreateKind, DataChange, MetadataKind, ModifyKind, RemoveKind,
        RenameMode,
    };

    use super::{DEBOUNCE, LONGEST, SETTLE, Step, left, quiet};

    /// The steps of the saves an editor makes: a save is waited on for the short quiet once
    /// the file is closed or renamed into place, for the long one while it is open or gone; a
    /// read (a build's own) is no change at all.
    #[test]
    fn a_save_is_done_once_its_file_is_closed_or_renamed_into_place() {
        let close = EventKind::Access(AccessKind::Close(AccessMode::Write));
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        let steps = [
            (write, Some(Step::Writes)),
            (EventKind::Modify(ModifyKind::Any), Some(Step::Writes)),
            (EventKind::Create(CreateKind::File), Some(Step::Writes)),
            (close, Some(Step::Ends)),
            (
                EventKind::Modify(ModifyKind::Name(RenameMode::To)),
                Some(Step::Ends),
            ),
            (
                EventKind::Modify(ModifyKind::Name(RenameMode::From)),
                Some(Step::Goes),
            ),
            (
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                Some(Step::Moves),
            ),
            (
                EventKind::Modify(ModifyKind::Name(RenameMode::Any)),
                Some(Step::Moves),
            ),
            (EventKind::Remove(RemoveKind::File), Some(Step::Goes)),
            (EventKind::Remove(RemoveKind::Folder), Some(Step::Goes)),
            (
                EventKind::Modify(ModifyKind::Metadata(MetadataKind::Permissions)),
                Some(Step::Other),
            ),
            (EventKind::Create(CreateKind::Folder), Some(Step::Ends)),
            (EventKind::Access(AccessKind::Open(AccessMode::Any)), None),
            (EventKind::Access(AccessKind::Close(AccessMode::Read)), None),
            (EventKind::Other, None),
        ];
        for (kind, step) in steps {
            assert_eq!(Step::of(&kind), step, "{kind:?}");
        }
        assert!(SETTLE < DEBOUNCE && DEBOUNCE < LONGEST);
        let file = PathBuf::from("data/2023-a.yaml");
        let mut pending = HashSet::new();
        assert_eq!(quiet(&pending), SETTLE);
        pending.insert(file.clone());
        assert_eq!(
            quiet(&pending),
            DEBOUNCE,
            "a file open for writing, or gone"
        );
        pending.remove(&file);
        assert_eq!(quiet(&pending), SETTLE);
    }

    /// A burst ends after its quiet, and after [`LONGEST`] however its events keep coming (a
    /// file written on and on is built in parts, not once the writer stops).
    #[test]
    fn a_burst_ends_when_quiet_and_at_the_longest() {
        let ms = Duration::from_millis;
        let none = HashSet::new();
        let open: HashSet<PathBuf> = [PathBuf::from("templates/a.typ")].into();
        assert_eq!(left(&none, ms(0), ms(0)), SETTLE);
        assert_eq!(left(&none, SETTLE, ms(500)), ms(0), "quiet for SETTLE");
        assert_eq!(left(&open, SETTLE, ms(500)), DEBOUNCE - SETTLE);
        assert_eq!(left(&open, DEBOUNCE, ms(500)), ms(0), "quiet for DEBOUNCE");
        // An event just now, a file still open: the burst still ends at LONGEST.
        assert_eq!(left(&open, ms(0), LONGEST - ms(10)), ms(10));
        assert_eq!(left(&open, ms(0), LONGEST), ms(0));
        assert_eq!(left(&none, ms(0), LONGEST + ms(1)), ms(0));
    }
}

#[cfg(test)]
mod save_tests {
    use std::path::PathBuf;

    use super::Watch;
    use crate::workspace::{Options, Workspace};

    /// The events of the saves editors and tools make (as Linux reports them), and whether
    /// the burst is left waiting on a file after them: only while one is open, or gone and not
    /// back. A temporary file made and moved away or removed in the same burst is done.
    #[test]
    fn the_saves_of_editors_leave_nothing_waited_on_but_a_file_gone() {
        use notify::event::{AccessKind, AccessMode, CreateKind, DataChange, ModifyKind};
        use notify::event::{RemoveKind, RenameMode};
        use notify::{Event, EventKind};

        use super::{Changes, Files};

        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let templates = dir.path().join("templates");
        std::fs::create_dir(&data).unwrap();
        std::fs::create_dir(&templates).unwrap();
        let ws = Workspace::open(Options {
            data: data.clone(),
            out: dir.path().join("out"),
            templates: Some(templates.clone()),
            font_paths: Vec::new(),
        });
        let watch = Watch::new(&ws).unwrap();
        let (data, templates) = (watch.data.clone(), watch.templates.clone());
        let create = EventKind::Create(CreateKind::File);
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        let close = EventKind::Access(AccessKind::Close(AccessMode::Write));
        let from = EventKind::Modify(ModifyKind::Name(RenameMode::From));
        let to = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        let both = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        let remove = EventKind::Remove(RemoveKind::File);
        let typ = templates.join("a.typ");
        let yaml = data.join("2023-a.yaml");
        // (what, the events, whether a file is still waited on)
        type Events = Vec<(EventKind, Vec<PathBuf>)>;
        let saves: Vec<(&str, Events, bool)> = vec![
            (
                "written in place",
                vec![(write, vec![yaml.clone()]), (close, vec![yaml.clone()])],
                false,
            ),
            ("still open", vec![(write, vec![yaml.clone()])], true),
            (
                "sed -i in templates/: a temporary file renamed over the template",
                vec![
                    (create, vec![templates.join("sedX1a2b3")]),
                    (write, vec![templates.join("sedX1a2b3")]),
                    (close, vec![templates.join("sedX1a2b3")]),
                    (from, vec![templates.join("sedX1a2b3")]),
                    (to, vec![typ.clone()]),
                    (both, vec![templates.join("sedX1a2b3"), typ.clone()]),
                ],
                false,
            ),
            (
                "vim in templates/: its 4913 made and removed, the template written",
                vec![
                    (create, vec![templates.join("4913")]),
                    (close, vec![templates.join("4913")]),
                    (remove, vec![templates.join("4913")]),
                    (write, vec![typ.clone()]),
                    (close, vec![typ.clone()]),
                ],
                false,
            ),
            (
                "IntelliJ's safe write, the old file moved away and the new not yet in place",
                vec![
                    (create, vec![data.join("2023-a.yaml___jb_tmp___")]),
                    (from, vec![yaml.clone()]),
                    (to, vec![data.join("2023-a.yaml___jb_old___")]),
                ],
                true,
            ),
            (
                "IntelliJ's safe write, done",
                vec![
                    (from, vec![yaml.clone()]),
                    (
                        both,
                        vec![yaml.clone(), data.join("2023-a.yaml___jb_old___")],
                    ),
                    (to, vec![yaml.clone()]),
                ],
                false,
            ),
            (
                "git checkout: removed, then made again",
                vec![
                    (remove, vec![yaml.clone()]),
                    (create, vec![yaml.clone()]),
                    (write, vec![yaml.clone()]),
                    (close, vec![yaml.clone()]),
                ],
                false,
            ),
            ("removed", vec![(remove, vec![yaml.clone()])], true),
        ];
        for (what, events, waits) in saves {
            let mut changes = Changes::default();
            let mut files = Files::default();
            for (kind, paths) in events {
                let mut event = Event::new(kind);
                event.paths = paths;
                watch.take(Ok(event), &mut changes, &mut files);
            }
            assert!(!changes.is_empty(), "{what}");
            assert_eq!(!files.pending.is_empty(), waits, "{what}: {files:?}");
        }
    }
}
