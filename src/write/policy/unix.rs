//! The policy's operations on Unix: every directory opened relative to its parent with
//! O_NOFOLLOW (rustix), files created with O_EXCL, renames within one directory handle.

use super::{Dir, FileId, FsError, Kind};
use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

fn io_err(e: rustix::io::Errno) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error())
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::CLOEXEC);

pub fn open_root(path: &Path) -> Result<Dir, FsError> {
    let fd = rustix::fs::open(path, DIR_FLAGS, Mode::empty())
        .map_err(|e| FsError::Io(path.to_path_buf(), io_err(e)))?;
    Ok(Dir {
        path: path.to_path_buf(),
        fd,
    })
}

pub fn reopen(dir: &Dir) -> Result<Dir, FsError> {
    let fd = rustix::fs::openat(dir.fd.as_fd(), ".", DIR_FLAGS, Mode::empty())
        .map_err(|e| FsError::Io(dir.path.clone(), io_err(e)))?;
    Ok(Dir {
        path: dir.path.clone(),
        fd,
    })
}

pub fn open_child_dir(dir: &Dir, name: &OsStr, path: PathBuf) -> Result<Dir, FsError> {
    match rustix::fs::openat(
        dir.fd.as_fd(),
        name,
        DIR_FLAGS | OFlags::NOFOLLOW,
        Mode::empty(),
    ) {
        Ok(fd) => Ok(Dir { path, fd }),
        // Replaced by a link between the look and the open.
        Err(rustix::io::Errno::LOOP) => Err(FsError::Symlink(path)),
        Err(rustix::io::Errno::NOTDIR) => Err(FsError::WrongKind(path, "不是目录")),
        Err(e) => Err(FsError::Io(path, io_err(e))),
    }
}

pub fn mkdir(dir: &Dir, name: &OsStr) -> io::Result<()> {
    rustix::fs::mkdirat(dir.fd.as_fd(), name, Mode::from_raw_mode(0o777)).map_err(io_err)
}

fn stat(dir: &Dir, name: &OsStr) -> io::Result<rustix::fs::Stat> {
    rustix::fs::statat(dir.fd.as_fd(), name, AtFlags::SYMLINK_NOFOLLOW).map_err(io_err)
}

pub fn kind(dir: &Dir, name: &OsStr) -> io::Result<Kind> {
    let st = stat(dir, name)?;
    Ok(match FileType::from_raw_mode(st.st_mode as _) {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Symlink,
        FileType::Fifo => Kind::Special("命名管道（FIFO）"),
        FileType::Socket => Kind::Special("套接字"),
        FileType::CharacterDevice | FileType::BlockDevice => Kind::Special("设备文件"),
        FileType::Unknown => Kind::Special("特殊文件"),
    })
}

/// The device and inode numbers' types differ between targets (`u64`, `c_ulong`).
#[allow(clippy::unnecessary_cast)]
fn inode(st: &rustix::fs::Stat) -> FileId {
    FileId::Inode(st.st_dev as u64, st.st_ino as u64)
}

pub fn links(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.nlink()
}

pub fn id(dir: &Dir, name: &OsStr) -> Option<FileId> {
    stat(dir, name).ok().map(|st| inode(&st))
}

pub fn dir_id(dir: &Dir) -> Option<FileId> {
    rustix::fs::fstat(dir.fd.as_fd()).ok().map(|st| inode(&st))
}

pub fn id_of_path(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| FileId::Inode(m.dev(), m.ino()))
}

fn file(fd: OwnedFd) -> File {
    File::from(fd)
}

pub fn open_read(dir: &Dir, name: &OsStr) -> io::Result<File> {
    rustix::fs::openat(
        dir.fd.as_fd(),
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map(file)
    .map_err(io_err)
}

pub fn open_input(path: &Path) -> io::Result<File> {
    rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map(file)
    .map_err(io_err)
}

pub fn create_new(dir: &Dir, name: &OsStr) -> io::Result<File> {
    rustix::fs::openat(
        dir.fd.as_fd(),
        name,
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o666),
    )
    .map(file)
    .map_err(io_err)
}

pub fn open_in_place(dir: &Dir, name: &OsStr) -> io::Result<File> {
    rustix::fs::openat(
        dir.fd.as_fd(),
        name,
        OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o666),
    )
    .map(file)
    .map_err(io_err)
}

pub fn rename(dir: &Dir, from: &OsStr, to: &OsStr) -> io::Result<()> {
    rustix::fs::renameat(dir.fd.as_fd(), from, dir.fd.as_fd(), to).map_err(io_err)
}

pub fn remove(dir: &Dir, name: &OsStr, is_dir: bool) -> io::Result<()> {
    let flags = if is_dir {
        AtFlags::REMOVEDIR
    } else {
        AtFlags::empty()
    };
    rustix::fs::unlinkat(dir.fd.as_fd(), name, flags).map_err(io_err)
}

pub fn sync(dir: &Dir) -> io::Result<()> {
    rustix::fs::fsync(dir.fd.as_fd()).map_err(io_err)
}
