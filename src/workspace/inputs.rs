//! What a build reads, recorded once per run: the freshness model. The same record gives the
//! key of the no-op shortcut ([`Inputs::shortcut_key`], from every [`Root`]), the hash every
//! document's key starts from ([`Inputs::lib_hash`]), each department's plan key
//! ([`Inputs::plan_key`]), and the directories `watch` watches (the same roots).
//!
//! The other freshness records all stand on these keys: the plan record (`plan_record`) and
//! the plans `watch` and `serve` keep are filed under a department's plan key, the
//! manifest's outputs under their job's key (which starts from `lib_hash`), and a department
//! is passed over (`reuse`) only when its plan key is as recorded.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use super::dates;
use crate::render::pdf::fonts::FontSet;

/// A directory a build reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub path: PathBuf,
    pub kind: RootKind,
}

/// What a build reads of a [`Root`], and how its changes are noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKind {
    /// The data directory: its entries, not its subdirectories; a department is a `.yaml`
    /// (or `.yml`) file.
    Data,
    /// The templates directory: every file below it, by its bytes.
    Templates,
    /// A font directory of the project (`fonts/` beside the data, `--font-path`): its font
    /// files, by path, length and modification time.
    Fonts,
    /// A directory the system's fonts are found in (fontconfig's), and fontconfig's
    /// configuration: read like [`RootKind::Fonts`], but not watched.
    SystemFonts,
}

impl RootKind {
    /// Whether the files below its subdirectories are read too.
    pub fn recursive(self) -> bool {
        self != RootKind::Data
    }

    /// Whether a change there is worth a rebuild of `watch` and `serve`.
    pub fn watched(self) -> bool {
        self != RootKind::SystemFonts
    }

    /// Whether the file `path` below the root is one a build reads (others, like an editor's
    /// backup beside a data file, change nothing).
    pub fn reads(self, path: &Path) -> bool {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match self {
            RootKind::Data => matches!(ext.as_deref(), Some("yaml" | "yml")),
            RootKind::Templates => true,
            RootKind::Fonts | RootKind::SystemFonts => {
                matches!(ext.as_deref(), Some("ttf" | "otf" | "ttc" | "otc"))
            }
        }
    }
}

/// The inputs of one run (see the module documentation).
pub struct Inputs {
    /// The data directory, the templates directory, and the font directories (`fonts/` beside
    /// the data, then `--font-path`).
    data: PathBuf,
    templates: PathBuf,
    font_dirs: Vec<PathBuf>,
    /// `SOURCE_DATE_EPOCH` as set when the run began (read here only).
    source_date_epoch: Option<OsString>,
    /// The options that change the outputs ([`super::BuildOptions::output_flags`]).
    pub flags: u8,
}

impl Inputs {
    /// The inputs of a run with these output flags, the environment read now.
    pub fn read(data: &Path, templates: &Path, font_dirs: Vec<PathBuf>, flags: u8) -> Inputs {
        Inputs {
            data: data.to_path_buf(),
            templates: templates.to_path_buf(),
            font_dirs,
            source_date_epoch: dates::source_date_epoch(),
            flags,
        }
    }

    /// Every directory a build reads, in this order: the data directory, the templates
    /// directory, the project's font directories, then (`with_system`) the system's.
    pub fn roots(&self, with_system: bool) -> Vec<Root> {
        let root = |path: &Path, kind| Root {
            path: path.to_path_buf(),
            kind,
        };
        let mut roots = vec![
            root(&self.data, RootKind::Data),
            root(&self.templates, RootKind::Templates),
        ];
        roots.extend(self.font_dirs.iter().map(|d| root(d, RootKind::Fonts)));
        if with_system {
            let system = system_font_dirs();
            roots.extend(system.iter().map(|d| root(d, RootKind::SystemFonts)));
        }
        roots
    }

    /// The key of the no-op shortcut: the hash of everything a build reads (every root, the
    /// program, the output flags, `SOURCE_DATE_EPOCH`, the git commit; see
    /// [`super::shortcut`]), or `None` when some of it cannot be read.
    pub fn shortcut_key(&self) -> Option<String> {
        inputs_key(
            &self.roots(true),
            self.flags,
            self.source_date_epoch.as_deref(),
        )
    }

    /// `SOURCE_DATE_EPOCH`'s date, when set: every output is then stamped with it.
    pub fn fixed_date(&self) -> Option<dates::Date> {
        dates::parse_epoch(self.source_date_epoch.as_deref()?)
    }

    /// What every document depends on besides its plan and template: the program, the Typst
    /// library files and the font files (by path, face, size and modification time), so a
    /// changed font re-renders; and `SOURCE_DATE_EPOCH`.
    pub fn lib_hash(&self, lib: &[(String, Vec<u8>)], fonts: &FontSet) -> String {
        let mut h = blake3::Hasher::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        for (name, bytes) in lib {
            h.update(name.as_bytes());
            h.update(bytes);
        }
        for f in fonts.cjk_families() {
            h.update(f.family.as_bytes());
            h.update(f.path.to_string_lossy().as_bytes());
            h.update(&f.index.to_le_bytes());
            if let Ok(meta) = std::fs::metadata(&f.path) {
                h.update(&meta.len().to_le_bytes());
                let mtime = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                h.update(&mtime.map_or(0, |d| d.as_nanos()).to_le_bytes());
            }
        }
        // As the text it is (an unreadable value counts as unset, as it always has).
        let epoch = self.source_date_epoch.as_deref().and_then(|s| s.to_str());
        h.update(epoch.unwrap_or_default().as_bytes());
        h.finalize().to_hex().to_string()
    }

    /// The key of a department's plan: its file's text, its date, and everything else a plan
    /// depends on (`fingerprint`: the styles, region and templates; `lib_hash`: the Typst
    /// library and fonts; the output flags). A department whose key is as last time has the
    /// same plan.
    pub fn plan_key(
        &self,
        fingerprint: &blake3::Hash,
        lib_hash: &str,
        stamp: dates::Date,
        text: &str,
    ) -> blake3::Hash {
        let mut h = blake3::Hasher::new();
        h.update(fingerprint.as_bytes());
        h.update(lib_hash.as_bytes());
        h.update(&[self.flags]);
        h.update(format!("{stamp:?}").as_bytes());
        h.update(text.as_bytes());
        h.finalize()
    }
}

/// The hash of everything a build of these options reads (listed in [`super::shortcut`]), or
/// `None` when some of it cannot be read.
pub fn inputs_key(
    roots: &[Root],
    flags: u8,
    source_date_epoch: Option<&std::ffi::OsStr>,
) -> Option<String> {
    let mut h = blake3::Hasher::new();
    let field = |h: &mut blake3::Hasher, bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(&mut h, b"jixiao-uptodate-1");
    field(&mut h, env!("CARGO_PKG_VERSION").as_bytes());
    let exe = std::env::current_exe().ok()?;
    field(&mut h, stat_line(&exe)?.as_bytes());
    field(&mut h, &[flags]);
    let of = |kind| {
        roots
            .iter()
            .filter(move |r| r.kind == kind)
            .map(|r| &r.path)
    };
    let data = of(RootKind::Data).next()?;
    // Not the output directory's: the record lives in it.
    for p in of(RootKind::Data).chain(of(RootKind::Templates)) {
        field(
            &mut h,
            p.canonicalize().ok()?.as_os_str().as_encoded_bytes(),
        );
    }
    for root in roots {
        match root.kind {
            // The data directory: its entries, not its subdirectories (which a build does not
            // read).
            RootKind::Data => {
                let mut entries: Vec<fs::DirEntry> = fs::read_dir(&root.path)
                    .ok()?
                    .collect::<Result<_, _>>()
                    .ok()?;
                entries.sort_by_key(fs::DirEntry::file_name);
                for e in entries {
                    let path = e.path();
                    field(&mut h, path.as_os_str().as_encoded_bytes());
                    let kind = e.file_type().ok()?;
                    if kind.is_symlink() {
                        let target = fs::canonicalize(&path)
                            .map(|t| t.into_os_string().into_encoded_bytes())
                            .unwrap_or_default();
                        field(&mut h, &target);
                    }
                    field(&mut h, content(&path)?.as_bytes());
                }
            }
            RootKind::Templates => {
                for file in walk(&root.path)? {
                    field(&mut h, file.as_os_str().as_encoded_bytes());
                    field(&mut h, content(&file)?.as_bytes());
                }
            }
            RootKind::Fonts | RootKind::SystemFonts => {
                let dir = &root.path;
                field(&mut h, dir.as_os_str().as_encoded_bytes());
                // A directory that does not exist is a fact too (fonts may appear there
                // later); a file (fontconfig's configuration) counts by its length and mtime.
                match walk(dir) {
                    Some(files) => {
                        for file in files {
                            field(&mut h, stat_line(&file).unwrap_or_default().as_bytes());
                        }
                    }
                    None => field(&mut h, stat_line(dir).unwrap_or_default().as_bytes()),
                }
            }
        }
    }
    field(
        &mut h,
        source_date_epoch.unwrap_or_default().as_encoded_bytes(),
    );
    let head = crate::git::Repo::discover(data)
        .and_then(|r| r.head())
        .map(|oid| oid.to_string())
        .unwrap_or_default();
    field(&mut h, head.as_bytes());
    Some(h.finalize().to_hex().to_string())
}

/// What stands for a file's content in the key: the hash of its bytes when it is a regular
/// file of at most [`crate::load::MAX_FILE_BYTES`] (what a build reads), else its length and
/// mtime — a large file is not read whole, and a FIFO or device is never opened.
fn content(path: &Path) -> Option<String> {
    let m = fs::metadata(path).ok()?;
    if !m.is_file() {
        return Some("not a file".to_string());
    }
    if m.len() > crate::load::MAX_FILE_BYTES {
        return stat_line(path);
    }
    let bytes = crate::write::policy::read_input(path, crate::load::MAX_FILE_BYTES).ok()??;
    Some(blake3::hash(&bytes).to_hex().to_string())
}

/// The directories the system's fonts are found in: fontconfig's usual ones, and those its
/// configuration names (read as the font index reads it, so a `FONTCONFIG_FILE` or a user's
/// `fonts.conf` adding a directory counts).
fn system_font_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = ["/usr/share/fonts", "/usr/local/share/fonts", "/etc/fonts"]
        .iter()
        .map(PathBuf::from)
        .collect();
    if let Some(home) = std::env::var_os("HOME") {
        let home = PathBuf::from(home);
        dirs.push(home.join(".fonts"));
        dirs.push(home.join(".local/share/fonts"));
    }
    dirs.extend(fontconfig_dirs());
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The font directories of fontconfig's configuration, found as `fontdb` finds them when it
/// loads the system's fonts; the configuration file itself when `FONTCONFIG_FILE` names one.
#[cfg(all(unix, not(any(target_os = "macos", target_os = "android"))))]
fn fontconfig_dirs() -> Vec<PathBuf> {
    let mut config = fontconfig_parser::FontConfig::default();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut dirs = Vec::new();
    if let Some(file) = std::env::var_os("FONTCONFIG_FILE") {
        let _ = config.merge_config(Path::new(&file));
        dirs.push(PathBuf::from(file));
    } else {
        let user = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".config")));
        let read_global = match user {
            Some(u) => config
                .merge_config(&u.join("fontconfig/fonts.conf"))
                .is_err(),
            None => true,
        };
        if read_global {
            let _ = config.merge_config(Path::new("/etc/fonts/local.conf"));
        }
        let _ = config.merge_config(Path::new("/etc/fonts/fonts.conf"));
    }
    for dir in config.dirs {
        match (dir.path.strip_prefix("~"), &home) {
            (Ok(rest), Some(home)) => dirs.push(home.join(rest)),
            (Ok(_), None) => {}
            (Err(_), _) => dirs.push(dir.path),
        }
    }
    dirs
}

#[cfg(not(all(unix, not(any(target_os = "macos", target_os = "android")))))]
fn fontconfig_dirs() -> Vec<PathBuf> {
    Vec::new()
}

/// `path length mtime-ns` of a file, following symlinks.
fn stat_line(path: &Path) -> Option<String> {
    let m = fs::metadata(path).ok()?;
    Some(format!("{} {} {}", path.display(), m.len(), mtime_ns(&m)?))
}

pub(super) fn mtime_ns(m: &fs::Metadata) -> Option<u128> {
    m.modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_nanos())
}

/// Every file below `dir` (following symlinks to files, not to directories), sorted; `None`
/// when `dir` cannot be read.
pub(super) fn walk(dir: &Path) -> Option<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut first = true;
    while let Some(d) = stack.pop() {
        let entries = match fs::read_dir(&d) {
            Ok(e) => e,
            Err(_) if first => return None,
            Err(_) => continue,
        };
        first = false;
        for e in entries.filter_map(Result::ok) {
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    files.sort();
    Some(files)
}
