//! The one path policy every write of jixiao goes through.
//!
//! - **Inside the directory the user named.** A write starts from a [`Dir::root`]: the data
//!   directory, `--out`, the project of `init`, or the directory of a file named on the command
//!   line (`diff --pdf X`, `schema -o X`). Below it, a path is a list of plain names
//!   ([`Dir::open_dir`]); `..`, a root or a drive prefix is refused, and so is a name that comes
//!   from a file and is not one component ([`file_name`]).
//! - **Never through a symbolic link** below that directory, at any level: each directory is
//!   opened relative to its parent with `O_NOFOLLOW` (a symlink planted at `out/2025` or at
//!   `out/2025/某局` is refused, not followed), files are created with `O_CREAT | O_EXCL |
//!   O_NOFOLLOW`, and a target that is a symbolic link is refused rather than replaced.
//! - **Never onto a special file**: a device, FIFO or socket at a target is refused (the
//!   explicit `-` for standard output is the caller's affair). Nothing is read from a target
//!   but a regular file of exactly the new length, to leave identical bytes alone.
//! - **Atomic**: a file is written to a new temporary name beside its target, fsynced and
//!   renamed over it ([`Dir::replace`]); backups are made the same way ([`Dir::backup`]).
//! - **Never over another file of the same run**: [`Claims`] holds the inputs a run read and the
//!   outputs it wrote, and refuses a target that is one of them.
//!
//! On Unix this is done with `openat`-style calls (rustix); elsewhere with the same checks by
//! path (`symlink_metadata` before each step), which a concurrent attacker could race.

use std::ffi::OsStr;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use super::Written;

/// Why a read or write was refused or failed. Its text is Chinese and names the path.
#[derive(Debug)]
pub enum FsError {
    /// A symbolic link where a directory or the target was expected.
    Symlink(PathBuf),
    /// A device, FIFO or socket at the target (what it is, in Chinese).
    Special(PathBuf, &'static str),
    /// A directory where a file was expected, or a file where a directory was.
    WrongKind(PathBuf, &'static str),
    /// A name that is not one plain path component.
    BadName(String),
    /// Larger than the budget for its kind of file (bytes).
    TooLarge(PathBuf, u64),
    /// The target is an input or another output of the same run.
    Collides(PathBuf, String),
    /// The operating system said no.
    Io(PathBuf, io::Error),
}

impl FsError {
    /// The path concerned.
    pub fn path(&self) -> Option<&Path> {
        match self {
            FsError::Symlink(p)
            | FsError::Special(p, _)
            | FsError::WrongKind(p, _)
            | FsError::TooLarge(p, _)
            | FsError::Collides(p, _)
            | FsError::Io(p, _) => Some(p),
            FsError::BadName(_) => None,
        }
    }

    /// What is wrong, without the path (for messages that name it already).
    pub fn reason(&self) -> String {
        match self {
            FsError::Symlink(_) => {
                "是符号链接；jixiao 不经符号链接写入（链接可能指向任何地方），请删除这个链接或换一个位置"
                    .to_string()
            }
            FsError::Special(_, what) => {
                format!("是{what}，不是普通文件；jixiao 只读写普通文件，请换一个文件名")
            }
            FsError::WrongKind(_, what) => what.to_string(),
            FsError::BadName(name) => format!(
                "“{}” 不是一个文件名（文件名不能是空的、不能含 / 或 \\、不能是 . 或 ..）",
                name.escape_debug()
            ),
            FsError::TooLarge(_, limit) => format!(
                "超过 {}，jixiao 不读取这么大的文件；请检查是不是放错了文件",
                human_size(*limit)
            ),
            FsError::Collides(_, why) => why.clone(),
            FsError::Io(_, e) => os_error(e),
        }
    }
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self, self.path()) {
            (FsError::Io(..), Some(p)) => {
                write!(f, "{}：{}", crate::diag::display_path(p), self.reason())
            }
            (_, Some(p)) => write!(f, "{} {}", crate::diag::display_path(p), self.reason()),
            (_, None) => f.write_str(&self.reason()),
        }
    }
}

impl std::error::Error for FsError {}

/// An operating-system error in Chinese: a common kind in words (with the system's error number,
/// for whoever helps), any other kind with the system's own text.
pub fn os_error(e: &io::Error) -> String {
    let what = match e.kind() {
        io::ErrorKind::NotFound => "不存在",
        io::ErrorKind::PermissionDenied => "没有权限",
        io::ErrorKind::AlreadyExists => "已存在",
        io::ErrorKind::ReadOnlyFilesystem => "所在的文件系统是只读的",
        io::ErrorKind::StorageFull => "磁盘已满",
        io::ErrorKind::QuotaExceeded => "超出磁盘配额",
        io::ErrorKind::NotADirectory => "路径中有一段不是目录",
        io::ErrorKind::IsADirectory => "是一个目录",
        io::ErrorKind::DirectoryNotEmpty => "目录不是空的",
        io::ErrorKind::InvalidFilename => "文件名太长或无效",
        io::ErrorKind::CrossesDevices => "跨越了文件系统",
        io::ErrorKind::FileTooLarge => "文件太大",
        _ => {
            return match e.raw_os_error() {
                Some(n) => format!("操作失败（系统错误 {n}）"),
                // jixiao's own reason, already in words.
                None => e.to_string(),
            };
        }
    };
    match e.raw_os_error() {
        Some(n) => format!("{what}（系统错误 {n}）"),
        None => what.to_string(),
    }
}

/// `bytes` as people say it (KiB, MiB, GiB).
pub fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 => format!("{} KiB", b >> 10),
        b => format!("{b} 字节"),
    }
}

/// What is at a name, looked at without following a symbolic link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    /// A device, FIFO or socket, with its Chinese name.
    Special(&'static str),
}

/// A file's identity on its file system (device and inode on Unix; the canonical path
/// elsewhere), to tell whether two names are one file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileId {
    Inode(u64, u64),
    Path(PathBuf),
}

/// `name` as one plain path component, or [`FsError::BadName`]. Every name that comes from a
/// file (a data file's name in a workbook, a department's directory) passes through here.
pub fn file_name(name: &str) -> Result<&OsStr, FsError> {
    let bad = || FsError::BadName(name.to_string());
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control)
    {
        return Err(bad());
    }
    let mut parts = Path::new(name).components();
    match (parts.next(), parts.next()) {
        (Some(Component::Normal(n)), None) => Ok(n),
        _ => Err(bad()),
    }
}

/// The characters Windows forbids in a file name (besides `/`, `\\` and controls).
pub const WINDOWS_FORBIDDEN: [char; 7] = ['<', '>', ':', '"', '|', '?', '*'];

/// The longest name jixiao gives a file or directory it makes from data, in bytes (UTF-8):
/// below the 255 bytes most file systems allow, leaving room for a suffix.
pub const MAX_NAME_BYTES: usize = 200;

/// `name`, taken from a file (a workbook's data sheet, a department's name), as a name jixiao
/// may create on any file system the offices use: one component ([`file_name`]), none of the
/// characters Windows forbids (`<>:"|?*`, an NTFS stream `x.yaml:y`), no character the text
/// rules refuse (controls, bidirectional overrides that disguise a name), not a device name
/// Windows reserves (`CON`, `COM1.yaml`), at most [`MAX_NAME_BYTES`].
pub fn name_from_file(name: &str) -> Result<&OsStr, FsError> {
    let bad = || FsError::BadName(name.to_string());
    let n = file_name(name)?;
    if name.contains(WINDOWS_FORBIDDEN)
        || name.chars().any(crate::rules::is_refused)
        || name.ends_with(['.', ' '])
        || reserved_on_windows(name)
        || name.len() > MAX_NAME_BYTES
    {
        return Err(bad());
    }
    Ok(n)
}

/// Names Windows reserves for devices, with or without an extension (`CON`, `nul.yaml`,
/// `COM1`, `LPT¹.txt`).
pub fn reserved_on_windows(name: &str) -> bool {
    let stem = name
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_uppercase();
    let numbered = |p: &str| {
        stem.strip_prefix(p).is_some_and(|n| {
            let mut c = n.chars();
            matches!(
                (c.next(), c.next()),
                (Some('1'..='9' | '¹' | '²' | '³'), None)
            )
        })
    };
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL") || numbered("COM") || numbered("LPT")
}

/// The plain components of a relative path, or [`FsError::BadName`].
fn plain_parts(rel: &Path) -> Result<Vec<&OsStr>, FsError> {
    rel.components()
        .map(|c| match c {
            Component::Normal(n) => Ok(n),
            Component::CurDir => Ok(OsStr::new("")),
            _ => Err(FsError::BadName(rel.display().to_string())),
        })
        .filter(|p| !matches!(p, Ok(n) if n.is_empty()))
        .collect()
}

/// An open directory to write in, reached from the directory the user named without following
/// a symbolic link.
#[derive(Debug)]
pub struct Dir {
    path: PathBuf,
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
}

impl Dir {
    /// The directory the user named (created with its parents if `create`). The path as the
    /// user wrote it is followed, symbolic links included: that is the user's choice.
    pub fn root(path: &Path, create: bool) -> Result<Dir, FsError> {
        let path = if path.as_os_str().is_empty() {
            Path::new(".")
        } else {
            path
        };
        if std::fs::metadata(path).is_ok_and(|m| !m.is_dir()) {
            return Err(FsError::WrongKind(
                path.to_path_buf(),
                "不是目录（是一个文件或特殊文件）；请指定一个目录",
            ));
        }
        if create {
            std::fs::create_dir_all(path).map_err(|e| FsError::Io(path.to_path_buf(), e))?;
        }
        imp::open_root(path)
    }

    /// The directory of a file the user named on the command line, and the file's name.
    pub fn of_named_file(path: &Path) -> Result<(Dir, String), FsError> {
        let name = path
            .file_name()
            .and_then(OsStr::to_str)
            .filter(|_| !path.as_os_str().to_string_lossy().ends_with(['/', '\\']))
            .ok_or_else(|| FsError::BadName(path.display().to_string()))?;
        file_name(name)?;
        let parent = path.parent().unwrap_or(Path::new(""));
        Ok((Dir::root(parent, true)?, name.to_string()))
    }

    /// The path of this directory, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of `name` in this directory, for messages.
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        if self.path == Path::new(".") {
            name.as_ref().to_path_buf()
        } else {
            self.path.join(name)
        }
    }

    /// The directory `rel` below this one (plain names only), each level opened without
    /// following a symbolic link, and made if missing when `create`.
    pub fn open_dir(&self, rel: &Path, create: bool) -> Result<Dir, FsError> {
        let mut dir: Option<Dir> = None;
        for part in plain_parts(rel)? {
            let parent = dir.as_ref().unwrap_or(self);
            let next = parent.child_dir(part, create)?;
            dir = Some(next);
        }
        match dir {
            Some(d) => Ok(d),
            None => imp::reopen(self),
        }
    }

    fn child_dir(&self, name: &OsStr, create: bool) -> Result<Dir, FsError> {
        let path = self.join(name);
        match self.kind(name)? {
            Some(Kind::Dir) => {}
            Some(Kind::Symlink) => return Err(FsError::Symlink(path)),
            Some(Kind::Special(what)) => return Err(FsError::Special(path, what)),
            Some(Kind::File) => return Err(FsError::WrongKind(path, "是一个文件，不是目录")),
            None if create => match imp::mkdir(self, name) {
                // The new entry made durable, so the files synced inside it later cannot be
                // lost with a directory a crash forgot (ext4 commits it with them anyway; other
                // file systems need not).
                Ok(()) => self.sync()?,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(FsError::Io(path, e)),
            },
            None => {
                return Err(FsError::Io(path, io::Error::from(io::ErrorKind::NotFound)));
            }
        }
        imp::open_child_dir(self, name, path)
    }

    /// What is at `name`, without following a symbolic link; `None` when nothing is.
    pub fn kind(&self, name: impl AsRef<OsStr>) -> Result<Option<Kind>, FsError> {
        let name = name.as_ref();
        match imp::kind(self, name) {
            Ok(k) => Ok(Some(k)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(FsError::Io(self.join(name), e)),
        }
    }

    /// The identity of the file at `name` (not following a symbolic link), if there is one.
    pub fn id(&self, name: impl AsRef<OsStr>) -> Option<FileId> {
        imp::id(self, name.as_ref())
    }

    /// The identity of this directory.
    pub fn dir_id(&self) -> Option<FileId> {
        imp::dir_id(self)
    }

    /// Refuses a target that is a symbolic link, a directory or a special file; what is there
    /// otherwise (a regular file, or nothing).
    pub fn check_target(&self, name: &OsStr) -> Result<Option<Kind>, FsError> {
        let path = self.join(name);
        match self.kind(name)? {
            Some(Kind::Symlink) => Err(FsError::Symlink(path)),
            Some(Kind::Special(what)) => Err(FsError::Special(path, what)),
            Some(Kind::Dir) => Err(FsError::WrongKind(path, "是一个目录，不予替换")),
            k => Ok(k),
        }
    }

    /// The bytes of the regular file `name` if it is one and its size is at most `limit`;
    /// `None` when nothing is there. A symbolic link or special file is an error, and nothing
    /// is read from it (opened with `O_NOFOLLOW | O_NONBLOCK`, checked with `fstat`).
    pub fn read_file(
        &self,
        name: impl AsRef<OsStr>,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, FsError> {
        let name = name.as_ref();
        let path = self.join(name);
        if self.check_target(name)?.is_none() {
            return Ok(None);
        }
        let file = imp::open_read(self, name).map_err(|e| FsError::Io(path.clone(), e))?;
        let meta = file.metadata().map_err(|e| FsError::Io(path.clone(), e))?;
        if !meta.is_file() {
            return Err(FsError::WrongKind(path, "不是普通文件"));
        }
        if meta.len() > limit {
            return Err(FsError::TooLarge(path, limit));
        }
        let mut bytes = Vec::new();
        file.take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| FsError::Io(path.clone(), e))?;
        if bytes.len() as u64 > limit {
            return Err(FsError::TooLarge(path, limit));
        }
        Ok(Some(bytes))
    }

    /// Whether `name` is a regular file whose permissions forbid writing.
    pub fn is_readonly(&self, name: impl AsRef<OsStr>) -> bool {
        imp::open_read(self, name.as_ref())
            .and_then(|f| f.metadata())
            .is_ok_and(|m| m.is_file() && m.permissions().readonly())
    }

    /// Whether `name` is a regular file holding exactly `bytes` (read only when the length
    /// matches).
    pub fn holds(&self, name: &OsStr, bytes: &[u8]) -> bool {
        let Ok(file) = imp::open_read(self, name) else {
            return false;
        };
        let Ok(meta) = file.metadata() else {
            return false;
        };
        if !meta.is_file() || meta.len() != bytes.len() as u64 {
            return false;
        }
        let mut old = Vec::with_capacity(bytes.len());
        file.take(bytes.len() as u64 + 1)
            .read_to_end(&mut old)
            .is_ok()
            && old == bytes
    }

    /// Writes `bytes` to `name` atomically (a new temporary file beside it, fsynced, renamed
    /// over it), unless it already holds them. A symbolic link, directory or special file at
    /// `name` is refused. The new file gets the usual permissions (0666 less the umask).
    pub fn replace(&self, name: impl AsRef<OsStr>, bytes: &[u8]) -> Result<Written, FsError> {
        let name = name.as_ref();
        if let Some(Kind::File) = self.check_target(name)?
            && self.holds(name, bytes)
        {
            return Ok(Written::Unchanged);
        }
        let tmp = self.stage(bytes)?;
        self.rename(&tmp, name).inspect_err(|_| {
            let _ = self.remove(&tmp);
        })?;
        self.sync()?;
        Ok(Written::Written)
    }

    /// Writes `bytes` to a new temporary file `.jixiao-<pid>-<n>.tmp` in this directory,
    /// fsynced; removed again on failure. Its name.
    pub fn stage(&self, bytes: &[u8]) -> Result<String, FsError> {
        let (name, mut file) = self.create_temp()?;
        let written = file.write_all(bytes).and_then(|()| file.sync_all());
        drop(file);
        if let Err(e) = written {
            let _ = self.remove(&name);
            return Err(FsError::Io(self.join(&name), e));
        }
        Ok(name)
    }

    fn create_temp(&self) -> Result<(String, File), FsError> {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        loop {
            let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let name = format!(".jixiao-{}-{n}.tmp", std::process::id());
            match imp::create_new(self, OsStr::new(&name)) {
                Ok(f) => return Ok((name, f)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(FsError::Io(self.join(&name), e)),
            }
        }
    }

    /// [`Dir::create_new`] of the file `rel` below this directory, making its directories as
    /// needed: a symbolic link (even a dangling one) at `rel` or on the way is refused, never
    /// written through.
    pub fn create_new_below(&self, rel: &Path, bytes: &[u8]) -> Result<bool, FsError> {
        let name = rel.file_name().unwrap_or_default();
        self.open_dir(rel.parent().unwrap_or(Path::new("")), true)?
            .create_new(name, bytes)
    }

    /// Creates `name` with `bytes` only if nothing is there (not even a dangling symbolic
    /// link): `Ok(false)` when a regular file already is, an error for anything else.
    pub fn create_new(&self, name: impl AsRef<OsStr>, bytes: &[u8]) -> Result<bool, FsError> {
        let name = name.as_ref();
        if self.check_target(name)?.is_some() {
            return Ok(false);
        }
        // Created in place with O_EXCL | O_NOFOLLOW: a file or link appearing meanwhile is
        // kept, and no hard link is needed (FAT and exFAT sticks have none).
        let path = self.join(name);
        let mut file = match imp::create_new(self, name) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                self.check_target(name)?;
                return Ok(false);
            }
            Err(e) => return Err(FsError::Io(path, e)),
        };
        if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
            drop(file);
            let _ = self.remove(name);
            return Err(FsError::Io(path, e));
        }
        self.sync()?;
        Ok(true)
    }

    /// Copies the regular file `name` to `backup` in this directory the way every file is
    /// written (atomically, never through a link at `backup`). At most `limit` bytes.
    pub fn backup(
        &self,
        name: impl AsRef<OsStr>,
        backup: impl AsRef<OsStr>,
        limit: u64,
    ) -> Result<(), FsError> {
        let name = name.as_ref();
        let Some(bytes) = self.read_file(name, limit)? else {
            return Err(FsError::Io(
                self.join(name),
                io::Error::from(io::ErrorKind::NotFound),
            ));
        };
        self.replace(backup, &bytes).map(|_| ())
    }

    /// Opens `name` for writing in place (the lock file, a journal): created if missing, never
    /// through a symbolic link, refused unless a regular file. Not truncated.
    pub fn open_in_place(&self, name: impl AsRef<OsStr>) -> Result<File, FsError> {
        let name = name.as_ref();
        let path = self.join(name);
        self.check_target(name)?;
        let file = imp::open_in_place(self, name).map_err(|e| FsError::Io(path.clone(), e))?;
        let meta = file.metadata().map_err(|e| FsError::Io(path.clone(), e))?;
        if !meta.is_file() {
            return Err(FsError::WrongKind(path, "不是普通文件"));
        }
        // Changed in place, a file with a second name would change there too (a hard link
        // planted at the lock to a file elsewhere).
        if imp::links(&meta) > 1 {
            return Err(FsError::WrongKind(
                path,
                "有不止一个文件名（硬链接），jixiao 不在原处改写它；请删除它，下次会重新生成",
            ));
        }
        Ok(file)
    }

    /// Renames `from` to `to`, both names in this directory (a symbolic link at `to` is
    /// replaced as a name, never followed; callers check the target first).
    pub fn rename(&self, from: impl AsRef<OsStr>, to: impl AsRef<OsStr>) -> Result<(), FsError> {
        let (from, to) = (from.as_ref(), to.as_ref());
        imp::rename(self, from, to).map_err(|e| FsError::Io(self.join(to), e))
    }

    /// Removes the file (or symbolic link) `name`, never what a link points to.
    pub fn remove(&self, name: impl AsRef<OsStr>) -> Result<(), FsError> {
        let name = name.as_ref();
        imp::remove(self, name, false).map_err(|e| FsError::Io(self.join(name), e))
    }

    /// Removes the empty directory `name`.
    pub fn remove_dir(&self, name: impl AsRef<OsStr>) -> Result<(), FsError> {
        let name = name.as_ref();
        imp::remove(self, name, true).map_err(|e| FsError::Io(self.join(name), e))
    }

    /// Makes the entries of this directory (new, renamed and removed files, new directories)
    /// durable.
    pub fn sync(&self) -> Result<(), FsError> {
        match imp::sync(self) {
            // Some file systems (network shares, FAT through FUSE) cannot sync a directory: the
            // rename or mkdir has happened, and there is nothing more to make durable.
            Err(e) if matches!(e.raw_os_error(), Some(22 | 95)) => Ok(()),
            r => r.map_err(|e| FsError::Io(self.path.clone(), e)),
        }
    }
}

/// Reads the input file at `path` (a data file, template, style, font or record), following
/// symbolic links as the user placed them, but only when it is a regular file of at most
/// `limit` bytes: a FIFO or device is refused without blocking or reading, a larger file with
/// a message. `Ok(None)` when nothing is at `path`.
pub fn read_input(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, FsError> {
    let err = |e| FsError::Io(path.to_path_buf(), e);
    let file = match imp::open_input(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(err(e)),
    };
    let meta = file.metadata().map_err(err)?;
    if meta.is_dir() {
        return Err(FsError::WrongKind(
            path.to_path_buf(),
            "是一个目录，不是文件",
        ));
    }
    if !meta.is_file() {
        return Err(FsError::Special(
            path.to_path_buf(),
            "特殊文件（设备、命名管道或套接字）",
        ));
    }
    let too_large = || FsError::TooLarge(path.to_path_buf(), limit);
    if meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(err)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(Some(bytes))
}

/// Writes `bytes` to `rel` (plain names) below the directory `root` the user named, creating
/// the directories on the way. See [`Dir::replace`].
pub fn write_below(root: &Path, rel: &Path, bytes: &[u8]) -> Result<Written, FsError> {
    let name = rel
        .file_name()
        .ok_or_else(|| FsError::BadName(rel.display().to_string()))?;
    let parent = rel.parent().unwrap_or(Path::new(""));
    Dir::root(root, true)?
        .open_dir(parent, true)?
        .replace(name, bytes)
}

/// Writes `bytes` to a file the user named on the command line: its directory is the one the
/// user named; the file itself is never a symbolic link or special file, nor one of `claims`.
pub fn write_named(path: &Path, bytes: &[u8], claims: &mut Claims) -> Result<Written, FsError> {
    let (dir, name) = Dir::of_named_file(path)?;
    dir.check_target(name.as_ref())?;
    claims.output(&dir, &name)?;
    dir.replace(name, bytes)
}

/// The files one run read and wrote, so that no output lands on an input or on another output.
#[derive(Debug, Default)]
pub struct Claims {
    inputs: Vec<(FileId, PathBuf)>,
    /// (directory, name as a case- and composition-insensitive file system compares it).
    outputs: Vec<((Option<FileId>, String), PathBuf)>,
}

/// `name` as a file system that ignores case or canonical composition compares it.
pub fn folded_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.nfd().collect::<String>().to_lowercase()
}

impl Claims {
    /// Records the input file at `path` (nothing happens when it cannot be looked at).
    pub fn input(&mut self, path: &Path) {
        if let Some(id) = imp::id_of_path(path) {
            self.inputs.push((id, path.to_path_buf()));
        }
    }

    /// Records every regular file below `dir` (at most `limit` of them) as an input.
    pub fn inputs_below(&mut self, dir: &Path, limit: usize) {
        let mut stack = vec![dir.to_path_buf()];
        let mut n = 0;
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                if n >= limit {
                    return;
                }
                match e.file_type() {
                    Ok(t) if t.is_dir() => stack.push(e.path()),
                    Ok(t) if t.is_file() => {
                        n += 1;
                        self.input(&e.path());
                    }
                    _ => {}
                }
            }
        }
    }

    /// Records a project's inputs: every file of its data directory, its styles and
    /// templates, and its font directories (a `.git` directory is refused by [`Claims::output`]
    /// itself).
    pub fn project_inputs(&mut self, data: &Path, templates: &Path, fonts: &[PathBuf]) {
        const LIMIT: usize = 100_000;
        self.inputs_below(data, LIMIT);
        self.inputs_below(templates, LIMIT);
        for f in fonts {
            self.inputs_below(f, LIMIT);
        }
    }

    /// Claims `name` in `dir` as an output of this run: refused when it is an input, inside a
    /// git repository's own directory, or an output already written by this run.
    pub fn output(&mut self, dir: &Dir, name: &str) -> Result<(), FsError> {
        let path = dir.join(name);
        let in_git = std::fs::canonicalize(dir.path())
            .is_ok_and(|p| p.components().any(|c| c.as_os_str() == ".git"));
        if in_git {
            return Err(FsError::Collides(
                path,
                "在 git 仓库自己的目录（.git）里，写在这里会损坏仓库；请换一个位置".to_string(),
            ));
        }
        if let Some(id) = dir.id(name)
            && let Some((_, input)) = self.inputs.iter().find(|(i, _)| *i == id)
        {
            return Err(FsError::Collides(
                path,
                format!(
                    "是本次运行读取的输入文件（{}），不能用输出覆盖它；请换一个文件名",
                    crate::diag::display_path(input)
                ),
            ));
        }
        let key = (dir.dir_id(), folded_name(name));
        if let Some((_, other)) = self.outputs.iter().find(|(k, _)| *k == key) {
            return Err(FsError::Collides(
                path,
                format!(
                    "与本次运行的另一个输出 {} 是同一个文件；请给它们不同的文件名",
                    crate::diag::display_path(other)
                ),
            ));
        }
        self.outputs.push((key, path));
        Ok(())
    }
}

#[cfg(unix)]
#[path = "unix.rs"]
mod imp;

#[cfg(not(unix))]
#[path = "portable.rs"]
mod imp;

#[cfg(all(test, unix))]
mod tests;
