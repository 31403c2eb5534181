//! The same operations by path, each preceded by a look that does not follow links.

use super::{Dir, FileId, FsError, Kind};
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

pub fn open_root(path: &Path) -> Result<Dir, FsError> {
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => Ok(Dir {
            path: path.to_path_buf(),
        }),
        Ok(_) => Err(FsError::WrongKind(path.to_path_buf(), "不是目录")),
        Err(e) => Err(FsError::Io(path.to_path_buf(), e)),
    }
}

pub fn reopen(dir: &Dir) -> Result<Dir, FsError> {
    open_root(&dir.path)
}

pub fn open_child_dir(_dir: &Dir, _name: &OsStr, path: PathBuf) -> Result<Dir, FsError> {
    Ok(Dir { path })
}

pub fn mkdir(dir: &Dir, name: &OsStr) -> io::Result<()> {
    fs::create_dir(dir.path.join(name))
}

pub fn kind(dir: &Dir, name: &OsStr) -> io::Result<Kind> {
    let m = fs::symlink_metadata(dir.path.join(name))?;
    let t = m.file_type();
    Ok(if t.is_symlink() {
        Kind::Symlink
    } else if t.is_dir() {
        Kind::Dir
    } else if t.is_file() {
        Kind::File
    } else {
        Kind::Special("特殊文件")
    })
}

pub fn links(_meta: &std::fs::Metadata) -> u64 {
    1
}

pub fn id(dir: &Dir, name: &OsStr) -> Option<FileId> {
    id_of_path(&dir.path.join(name))
}

pub fn dir_id(dir: &Dir) -> Option<FileId> {
    id_of_path(&dir.path)
}

pub fn id_of_path(path: &Path) -> Option<FileId> {
    fs::canonicalize(path).ok().map(FileId::Path)
}

pub fn open_read(dir: &Dir, name: &OsStr) -> io::Result<File> {
    File::open(dir.path.join(name))
}

pub fn open_input(path: &Path) -> io::Result<File> {
    File::open(path)
}

pub fn create_new(dir: &Dir, name: &OsStr) -> io::Result<File> {
    File::options()
        .write(true)
        .create_new(true)
        .open(dir.path.join(name))
}

pub fn open_in_place(dir: &Dir, name: &OsStr) -> io::Result<File> {
    File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.path.join(name))
}

pub fn rename(dir: &Dir, from: &OsStr, to: &OsStr) -> io::Result<()> {
    fs::rename(dir.path.join(from), dir.path.join(to))
}

pub fn remove(dir: &Dir, name: &OsStr, is_dir: bool) -> io::Result<()> {
    if is_dir {
        fs::remove_dir(dir.path.join(name))
    } else {
        fs::remove_file(dir.path.join(name))
    }
}

pub fn sync(_dir: &Dir) -> io::Result<()> {
    Ok(())
}
