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
            let system = super::shortcut::system_font_dirs();
            roots.extend(system.iter().map(|d| root(d, RootKind::SystemFonts)));
        }
        roots
    }

    /// The key of the no-op shortcut: the hash of everything a build reads (every root, the
    /// program, the output flags, `SOURCE_DATE_EPOCH`, the git commit; see
    /// [`super::shortcut`]), or `None` when some of it cannot be read.
    pub fn shortcut_key(&self) -> Option<String> {
        super::shortcut::inputs_key(
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
