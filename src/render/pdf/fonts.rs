//! Font discovery for the in-process Typst engine.
//!
//! Fonts are discovered once per process ([`FontSet::discover`]): only their
//! metadata ([`FontInfo`]) is read up front. The font files themselves are
//! read lazily, the first time Typst asks for a face, and every file is read at
//! most once: the faces of a collection (`.ttc`, e.g. the Noto CJK fonts ship
//! all their regional variants in one file) share the same bytes, and the
//! parsed [`Font`] is cached per face. A [`FontSet`] is `Send + Sync` and meant
//! to be shared by all documents, on all threads.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontInfo, FontVariant};
use typst::utils::LazyHash;
use typst_kit::fonts::FontPath;

/// Characters a font must map to count as a CJK (Han) font. Simplified forms
/// are included on purpose: the documents are written in simplified Chinese,
/// so a Japanese- or traditional-only font would not serve them.
const HAN_PROBE: &str = "中文表绩效";

/// What to tell the user when no CJK font is installed (see
/// [`FontSet::has_cjk`]).
pub const NO_CJK_FONT_HELP: &str = "没有找到含简体中文的字体；请安装一个\
（如 `sudo apt-get install fonts-noto-cjk`），或把 .ttf/.otf/.ttc 文件放进 data/ 旁边的 fonts/ 目录\
（也可用 --font-path 指定目录）";

/// All fonts known to the engine: system fonts plus extra directories.
///
/// Indices into [`FontSet::book`] are the indices Typst passes to
/// [`FontSet::font`].
pub struct FontSet {
    book: LazyHash<FontBook>,
    slots: Vec<FontSlot>,
}

/// One face: the (shared) file it lives in, its index in that file and the
/// lazily parsed font.
struct FontSlot {
    file: Arc<FontFile>,
    index: u32,
    font: OnceLock<Option<Font>>,
}

/// A font file whose bytes are read at most once, on first use.
struct FontFile {
    path: PathBuf,
    data: OnceLock<Option<Bytes>>,
}

impl FontFile {
    fn bytes(&self) -> Option<Bytes> {
        self.data
            .get_or_init(|| match map(&self.path) {
                Some(mapped) => Some(Bytes::new(mapped)),
                None => std::fs::read(&self.path).ok().map(Bytes::new),
            })
            .clone()
    }
}

/// A font file mapped into memory rather than read: a CJK collection is 20–30 MB, of which a
/// table touches the tables and the few hundred glyphs it uses. Reading the files whole took
/// 40 % of a one-table build (bench/profile-2026-11-26.txt).
struct Mapped(memmap2::Mmap);

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn map(path: &Path) -> Option<Mapped> {
    let file = std::fs::File::open(path).ok()?;
    // SAFETY: the mapping is read-only and private. Font files are not expected to change
    // while a build runs; fontdb maps the same files the same way to discover them. If one is
    // truncated meanwhile the process may fault, as any program using the font would.
    let mmap = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    Some(Mapped(mmap))
}

/// A font family with CJK coverage, as listed by `jixiao fonts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyInfo {
    /// The family name as Typst knows it (use it in `text(font: ..)`).
    pub family: String,
    /// The file holding the family's regular (or closest) face.
    pub path: PathBuf,
    /// The face index inside `path` (non-zero for font collections).
    pub index: u32,
    /// How many faces (weights / styles) of the family were found.
    pub faces: usize,
}

impl FontSet {
    /// Discovers the system fonts and every font below `extra_dirs` (searched
    /// recursively; directories that do not exist are skipped).
    ///
    /// Fonts from `extra_dirs` come first, in the given order, so that when
    /// the same family exists both in an extra directory and on the system,
    /// the extra directory wins. Only metadata is read here; the font files
    /// are loaded when a document first uses them.
    pub fn discover(extra_dirs: &[PathBuf]) -> FontSet {
        let mut found: Vec<(FontPath, FontInfo)> = Vec::new();
        for dir in extra_dirs {
            if dir.is_dir() {
                found.extend(sorted(typst_kit::fonts::scan(dir)));
            }
        }
        found.extend(sorted(typst_kit::fonts::system()));
        Self::from_entries(found)
    }

    /// Like [`FontSet::discover`], but reads the metadata of only the faces whose family is
    /// one of `families` (case-insensitive). Typst's metadata scan of every installed face
    /// (all code points of every CJK collection face) is the largest fixed cost of a run;
    /// a build needs only the families its styles' fallback chains name, and a character
    /// none of them has is an error anyway.
    pub fn discover_families(extra_dirs: &[PathBuf], families: &[String]) -> FontSet {
        let wanted: HashSet<String> = families.iter().map(|f| f.to_lowercase()).collect();
        let scan = |f: &dyn Fn(&mut fontdb::Database)| -> Vec<(FontPath, FontInfo)> {
            let mut db = fontdb::Database::new();
            f(&mut db);
            let found = db.faces().filter_map(|face| {
                let path = match &face.source {
                    fontdb::Source::File(p) | fontdb::Source::SharedFile(p, _) => p.clone(),
                    fontdb::Source::Binary(_) => return None,
                };
                let wanted_face = face
                    .families
                    .iter()
                    .any(|(name, _)| wanted.contains(&name.to_lowercase()));
                if !wanted_face {
                    return None;
                }
                let info = db.with_face_data(face.id, FontInfo::new)??;
                Some((
                    FontPath {
                        path,
                        index: face.index,
                    },
                    info,
                ))
            });
            sorted(found.collect::<Vec<_>>())
        };
        let mut found = Vec::new();
        for dir in extra_dirs.iter().filter(|d| d.is_dir()) {
            found.extend(scan(&|db| db.load_fonts_dir(dir)));
        }
        found.extend(scan(&|db| db.load_system_fonts()));
        Self::from_entries(found)
    }

    /// Builds the set from discovered faces, dropping duplicates (the same
    /// face of the same file found twice, e.g. through a `--font-path` that is
    /// also a system directory).
    fn from_entries(entries: Vec<(FontPath, FontInfo)>) -> FontSet {
        let mut book = FontBook::new();
        let mut slots = Vec::with_capacity(entries.len());
        let mut files: HashMap<PathBuf, Arc<FontFile>> = HashMap::new();
        let mut seen: HashSet<(PathBuf, u32)> = HashSet::new();

        for (FontPath { path, index }, info) in entries {
            let key = std::fs::canonicalize(&path).unwrap_or(path);
            if !seen.insert((key.clone(), index)) {
                continue;
            }
            let file = files
                .entry(key.clone())
                .or_insert_with(|| {
                    Arc::new(FontFile {
                        path: key,
                        data: OnceLock::new(),
                    })
                })
                .clone();
            book.push(info);
            slots.push(FontSlot {
                file,
                index,
                font: OnceLock::new(),
            });
        }

        FontSet {
            book: LazyHash::new(book),
            slots,
        }
    }

    /// Metadata about all known faces, for [`typst::World::book`].
    pub fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    /// The face with the given index in [`FontSet::book`], loading its file
    /// on first use (for [`typst::World::font`]). `None` if the index is out
    /// of range or the file cannot be read or parsed.
    pub fn font(&self, index: usize) -> Option<Font> {
        let slot = self.slots.get(index)?;
        slot.font
            .get_or_init(|| Font::new(slot.file.bytes()?, slot.index))
            .clone()
    }

    /// Number of faces found.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no font at all was found.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The file a face lives in and its index inside that file.
    fn location(&self, index: usize) -> Option<(&Path, u32)> {
        let slot = self.slots.get(index)?;
        Some((slot.file.path.as_path(), slot.index))
    }

    /// Families with CJK (Han) coverage, sorted by family name, each with the
    /// file of its regular face (or the face closest to regular).
    pub fn cjk_families(&self) -> Vec<FamilyInfo> {
        let mut out = Vec::new();
        for (family, ids) in self.book.families() {
            let ids: Vec<usize> = ids.collect();
            let covers = ids.iter().any(|&id| {
                self.book
                    .info(id)
                    .is_some_and(|info| HAN_PROBE.chars().all(|c| info.coverage.contains(c as u32)))
            });
            if !covers {
                continue;
            }
            let regular = self
                .book
                .select(&family.to_lowercase(), FontVariant::default())
                .or_else(|| ids.first().copied());
            let Some((path, index)) = regular.and_then(|id| self.location(id)) else {
                continue;
            };
            out.push(FamilyInfo {
                family: family.to_string(),
                path: path.to_path_buf(),
                index,
                faces: ids.len(),
            });
        }
        out
    }

    /// Whether at least one font with Chinese (Han) coverage exists. When it
    /// does not, tell the user [`NO_CJK_FONT_HELP`].
    pub fn has_cjk(&self) -> bool {
        !self.cjk_families().is_empty()
    }

    /// Whether some known face maps `c` to a glyph. Typst falls back to any face of the
    /// book, and a build loads only the families its styles name, so this is exactly the
    /// set of characters a build can draw.
    pub fn covers(&self, c: char) -> bool {
        (0..self.slots.len()).any(|id| {
            self.book
                .info(id)
                .is_some_and(|info| info.coverage.contains(c as u32))
        })
    }

    /// Whether a build can draw `cluster` — a letter and the combining marks after it, as
    /// [`printed`] gives it — in text set in the fallback chain `chain`.
    ///
    /// Typst shapes a letter and its marks together with one face: the chain's installed
    /// families in order, then the one fallback face it picks by the cluster's first
    /// character (the closest to the chain's first face, which may be a face already tried:
    /// then the cluster is drawn as empty boxes). A face draws the cluster when it maps all of
    /// its characters, composed or decomposed (the shaper composes or decomposes as the face
    /// needs). A cluster of one character is simply [`FontSet::covers`].
    pub fn draws(&self, chain: &[String], cluster: &str) -> bool {
        use unicode_normalization::UnicodeNormalization;
        let mut chars = cluster.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return self.covers(c);
        }
        let decomposed: String = cluster.nfd().collect();
        let face_draws = |id: usize| {
            self.book.info(id).is_some_and(|info| {
                [cluster, decomposed.as_str()]
                    .iter()
                    .any(|t| t.chars().all(|c| info.coverage.contains(c as u32)))
            })
        };
        let variant = FontVariant::default();
        let mut tried: Vec<usize> = Vec::new();
        for family in chain {
            let Some(id) = self.book.select(&family.to_lowercase(), variant) else {
                continue;
            };
            if tried.contains(&id) {
                continue;
            }
            if face_draws(id) {
                return true;
            }
            tried.push(id);
        }
        let like = tried.first().and_then(|&id| self.book.info(id));
        self.book
            .select_fallback(like, variant, cluster)
            .is_some_and(|id| !tried.contains(&id) && face_draws(id))
    }

    /// The first family of a fallback chain that is installed, matched
    /// case-insensitively like Typst does (`"simsun"` finds `SimSun`).
    ///
    /// Returns the chain entry as written in `chain`.
    pub fn resolve(&self, chain: &[String]) -> Option<String> {
        chain
            .iter()
            .find(|name| self.book.contains_family(&name.to_lowercase()))
            .cloned()
    }

    /// The family name of a chain entry as the font itself spells it, if it
    /// is installed.
    fn canonical_family(&self, name: &str) -> Option<&str> {
        let id = self.book.select_family(&name.to_lowercase()).next()?;
        Some(self.book.info(id)?.family.as_str())
    }

    /// Human-readable report for `jixiao fonts`: the CJK families found (family
    /// and file), then for each role (e.g. `("宋体", ["SimSun", "Noto Serif
    /// CJK SC", ..])`) which family of its chain serves it, or that none does.
    pub fn describe(&self, roles: &[(String, Vec<String>)]) -> String {
        let mut out = self.describe_found();
        out.push_str(&self.describe_roles(roles));
        out
    }

    /// The CJK fonts found (or the advice when there is none).
    pub fn describe_found(&self) -> String {
        let mut out = String::new();
        let families = self.cjk_families();
        if families.is_empty() {
            let _ = writeln!(out, "中文字体：一个也没有找到。");
            let _ = writeln!(out, "  {NO_CJK_FONT_HELP}");
        } else {
            let _ = writeln!(out, "找到的中文字体（{} 个）：", families.len());
            let width = families
                .iter()
                .map(|f| f.family.chars().count())
                .max()
                .unwrap_or(0);
            for f in &families {
                let pad = width - f.family.chars().count();
                let _ = write!(
                    out,
                    "  {}{}  {}",
                    f.family,
                    " ".repeat(pad),
                    f.path.display()
                );
                if f.index != 0 {
                    let _ = write!(out, "（第 {} 个字形集）", f.index);
                }
                let _ = writeln!(out);
            }
        }
        out
    }

    /// Which font serves each role of a style, with the chain it was chosen from.
    pub fn describe_roles(&self, roles: &[(String, Vec<String>)]) -> String {
        let mut out = String::new();
        if !roles.is_empty() {
            let _ = writeln!(out, "各角色使用的字体：");
        }
        for (role, chain) in roles {
            let tried = chain.join(" → ");
            match self.resolve(chain) {
                Some(name) => {
                    let family = self.canonical_family(&name).unwrap_or(&name);
                    let _ = writeln!(out, "  {role}：{family}（字体链：{tried}）");
                }
                None if chain.is_empty() => {
                    let _ = writeln!(out, "  {role}：无（字体链为空）");
                }
                None => {
                    let _ = writeln!(out, "  {role}：无，字体链 {tried} 中没有一个已安装");
                }
            }
        }
        out
    }
}

impl std::fmt::Debug for FontSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontSet")
            .field("faces", &self.slots.len())
            .finish_non_exhaustive()
    }
}

/// Sorts discovered faces by file and face index, so that the order (which
/// decides ties between equally good faces) does not depend on directory
/// listing order.
fn sorted(entries: impl IntoIterator<Item = (FontPath, FontInfo)>) -> Vec<(FontPath, FontInfo)> {
    let mut v: Vec<_> = entries.into_iter().collect();
    v.sort_by(|(a, _), (b, _)| (&a.path, a.index).cmp(&(&b.path, b.index)));
    v
}

/// Text as the PDF prints it: in canonical composition (NFC), so that a letter followed by a
/// combining mark (`e` + U+0301) is drawn as the one precomposed letter (`é`) that far more
/// fonts have than the mark. The build prints this; the check ([`crate::glyphs`])
/// judges this.
pub fn printed(s: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.nfc().collect())
    }
}
