//! The in-process Typst engine: compile generated Typst source to a laid-out
//! document, check it, and export it as PDF/A-2b and PDF/UA-1.
//!
//! One [`Engine`] exists per process. It owns the fonts ([`FontSet`]), the
//! Typst standard library (built once) and the virtual files that documents
//! may `#import` / `#read` (the templates directory, read by the caller).
//! Typst sees nothing else: there is no disk access from Typst and package
//! imports (`@preview/...`) are refused.
//!
//! [`Engine::compile`] takes `&self` and may run concurrently on several
//! threads (the `Engine` is `Send + Sync`). Typst memoizes aggressively in a
//! process-global cache (`comemo`); call [`evict`] regularly, see there.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use typst::diag::{FileError, FileResult, PackageError, Severity, SourceDiagnostic, Tracepoint};
use typst::ecow::eco_format;
use typst::foundations::{Bytes, Datetime, Duration, Label, Repr, Selector, Smart, Value};
use typst::introspection::{Introspector, MetadataElem};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{DiagSpan, FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::{LazyHash, PicoStr};
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use super::fonts::FontSet;

/// The virtual path of the generated main source of each document.
const MAIN_PATH: &str = "/main.typ";

/// `max_age` passed to [`typst::comemo::evict`] by [`evict`].
///
/// Every call to [`evict`] ages all memoized results by one; results that were
/// not reused during the last `EVICT_MAX_AGE` calls are dropped. Zero clears the
/// cache after every document: measured with `bench/run.sh` (1,000 one-page
/// projects in 50 documents, 2 threads), age 0 gave 4.8 s and 306 MB peak RSS,
/// age 2 gave 5.7 s and 363 MB, age 10 gave 5.2 s and 614 MB: the documents
/// share little beyond the library, and a large cache costs more to maintain
/// than it saves.
pub const EVICT_MAX_AGE: usize = 0;

/// Bounds the memory of Typst's global memoization cache.
///
/// Typst keeps every memoized result (~3 MB per compiled document) until it is
/// evicted. Call this once after each document has been compiled, checked and
/// exported (e.g. at the end of each rayon task); it is cheap, thread-safe,
/// and may run while other threads are compiling. Results unused during the
/// last [`EVICT_MAX_AGE`] calls are dropped, so memory stays bounded at roughly
/// `EVICT_MAX_AGE` documents' worth of cache whatever the number of
/// documents. Calling it less often (every N documents) is also fine; it
/// then keeps about `N * EVICT_MAX_AGE` documents' worth.
pub fn evict() {
    typst::comemo::evict(EVICT_MAX_AGE);
}

/// Ends a small rebuild (or a preview) of a long-lived caller (`watch`, `serve`) that did not
/// evict after each document: keeps what this rebuild used and drops what it did not, so the
/// next rebuild of the same documents reuses the layout of every unchanged page. Memory stays
/// at about one rebuild's worth.
pub fn evict_after_rebuild() {
    typst::comemo::evict(1);
}

/// A compile or export failure, with readable messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// Typst reported errors while compiling, as data: each names its file
    /// (`None` for the generated source), line and column.
    Compile(Vec<TypstDiagnostic>),
    /// A virtual file name is not a valid relative path (e.g. it escapes the
    /// root with `..`).
    InvalidPath {
        /// The name as given.
        path: String,
        /// Why it was rejected.
        reason: String,
    },
    /// PDF export failed (e.g. the document violates PDF/A-2b or PDF/UA-1).
    Pdf(Vec<String>),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Compile(diags) => {
                write!(f, "Typst compilation failed:")?;
                for d in diags {
                    write!(f, "\n{d}")?;
                }
                Ok(())
            }
            EngineError::InvalidPath { path, reason } => {
                write!(f, "invalid virtual file name `{path}`: {reason}")
            }
            EngineError::Pdf(msgs) => {
                write!(f, "PDF export failed:")?;
                for m in msgs {
                    write!(f, "\n{m}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for EngineError {}

/// One Typst diagnostic, kept as data: where it is (a virtual file of the
/// templates directory such as `lib/jixiao.typ`, or the generated source), what
/// it says, the call trace and hints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypstDiagnostic {
    /// An error (else a warning).
    pub error: bool,
    pub message: String,
    /// Where the diagnostic points, if it points into a file.
    pub at: Option<TypstPos>,
    /// The call trace, innermost first: what was being done, and where.
    pub trace: Vec<(String, Option<TypstPos>)>,
    pub hints: Vec<String>,
}

/// A place in a Typst file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypstPos {
    /// The virtual path without the leading slash (`lib/jixiao.typ`); `None`
    /// for the generated main source.
    pub file: Option<String>,
    /// 1-based line and column (in characters).
    pub line: usize,
    pub column: usize,
    /// Byte range in the file.
    pub bytes: std::ops::Range<usize>,
    /// The text of the line.
    pub line_text: String,
}

impl fmt::Display for TypstPos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .file
            .as_deref()
            .unwrap_or("main.typ (generated source)");
        write!(
            f,
            "{name}:{}:{}\n   {} | {}",
            self.line, self.column, self.line, self.line_text
        )
    }
}

impl fmt::Display for TypstDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = if self.error { "error" } else { "warning" };
        write!(f, "{severity}: {}", self.message)?;
        if let Some(at) = &self.at {
            write!(f, "\n  --> {at}")?;
        }
        for (what, at) in &self.trace {
            write!(f, "\n  {what}")?;
            if let Some(at) = at {
                write!(f, " at {at}")?;
            }
        }
        for hint in &self.hints {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// A glyph that the font used has no outline for: Typst silently draws the
/// `.notdef` box (tofu) in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyph {
    /// The character (first character of the glyph's cluster).
    pub character: char,
    /// The whole text run the glyph sits in.
    pub text: String,
    /// The family of the font Typst used for the run.
    pub font: String,
    /// 1-based page number of the first occurrence.
    pub page: usize,
}

impl fmt::Display for MissingGlyph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "character '{}' (U+{:04X}) has no glyph in font \"{}\" (page {}, in text \"{}\")",
            self.character, self.character as u32, self.font, self.page, self.text
        )
    }
}

/// A virtual file: its bytes, and its parse (only if it is used as a Typst
/// source), computed once.
struct VirtualFile {
    bytes: Bytes,
    source: OnceLock<FileResult<Source>>,
}

impl VirtualFile {
    fn new(bytes: Vec<u8>) -> Self {
        VirtualFile {
            bytes: Bytes::new(bytes),
            source: OnceLock::new(),
        }
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.source
            .get_or_init(|| {
                let text = std::str::from_utf8(self.bytes.as_slice())?;
                // Strip a byte order mark, as Typst's own file loaders do.
                let text = text.strip_prefix('\u{feff}').unwrap_or(text);
                Ok(Source::new(id, text.to_owned()))
            })
            .clone()
    }
}

/// The Typst engine, one per process. See the [module docs](self).
pub struct Engine {
    fonts: std::sync::Arc<FontSet>,
    library: LazyHash<Library>,
    files: HashMap<FileId, VirtualFile>,
    /// File names given to [`Engine::new`] that are not valid virtual paths;
    /// reported by every [`Engine::compile`].
    invalid_files: Vec<(String, String)>,
    main_id: FileId,
    today: Option<Datetime>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("fonts", &self.fonts)
            .field("files", &self.files.len())
            .field("today", &self.today)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Creates the engine.
    ///
    /// `files` are the virtual files every document may `#import` / `#read`,
    /// keyed by their path relative to the project root (e.g.
    /// `"lib/grid.typ"`; backslashes are treated as `/`). Nothing else is
    /// readable. The generated main source is `/main.typ` and shadows a file
    /// of that name. A name that is not a valid relative path (e.g.
    /// `"../x.typ"`) makes every [`Engine::compile`] fail with
    /// [`EngineError::InvalidPath`].
    ///
    /// `today` (year, month, day) is what Typst's `datetime.today()` returns;
    /// if it is not a valid date, `datetime.today()` fails.
    pub fn new(
        fonts: impl Into<std::sync::Arc<FontSet>>,
        files: Vec<(String, Vec<u8>)>,
        today: (i32, u8, u8),
    ) -> Engine {
        let mut map = HashMap::with_capacity(files.len());
        let mut invalid_files = Vec::new();
        for (name, bytes) in files {
            match file_id(&name) {
                Ok(id) => {
                    map.insert(id, VirtualFile::new(bytes));
                }
                Err(reason) => invalid_files.push((name, reason)),
            }
        }
        let main_id = RootedPath::new(
            VirtualRoot::Project,
            VirtualPath::new(MAIN_PATH).expect("MAIN_PATH is a valid virtual path"),
        )
        .intern();
        Engine {
            fonts: fonts.into(),
            // `a11y-extras`: `pdf.header-cell` marks a form's label cells as row headers
            // (`lib/jixiao.typ`), for PDF/UA-1.
            library: LazyHash::new(
                Library::builder()
                    .with_features([typst::Feature::A11yExtras].into_iter().collect())
                    .build(),
            ),
            files: map,
            invalid_files,
            main_id,
            today: Datetime::from_ymd(today.0, today.1, today.2),
        }
    }

    /// The fonts this engine uses.
    pub fn fonts(&self) -> &FontSet {
        &self.fonts
    }

    /// Compiles one document. `main` is the Typst source; `data` are extra
    /// virtual files for this document only (e.g. `"data.json"`), shadowing
    /// the engine's files of the same name. Typst interns file paths for the
    /// life of the process (at most 65 535), so give data files fixed names
    /// (like `data.json`), not a new name per document.
    ///
    /// Warnings are dropped; use [`Engine::compile_with_warnings`] to see
    /// them.
    ///
    /// # Errors
    ///
    /// [`EngineError::Compile`] with Typst's error diagnostics, each naming
    /// the file (`main.typ (generated source)` for `main`), line and column
    /// and quoting that line; [`EngineError::InvalidPath`] if a name in `data`
    /// (or in the files given to [`Engine::new`]) is not a valid relative
    /// path.
    pub fn compile(
        &self,
        main: &str,
        data: Vec<(String, Vec<u8>)>,
    ) -> Result<PagedDocument, EngineError> {
        self.compile_with_warnings(main, data).map(|(doc, _)| doc)
    }

    /// Like [`Engine::compile`], but also returns Typst's warnings (e.g.
    /// `unknown font family: simsun`) as readable messages.
    ///
    /// # Errors
    ///
    /// As [`Engine::compile`].
    pub fn compile_with_warnings(
        &self,
        main: &str,
        data: Vec<(String, Vec<u8>)>,
    ) -> Result<(PagedDocument, Vec<TypstDiagnostic>), EngineError> {
        if let Some((path, reason)) = self.invalid_files.first() {
            return Err(EngineError::InvalidPath {
                path: path.clone(),
                reason: reason.clone(),
            });
        }
        let mut files = HashMap::with_capacity(data.len());
        for (name, bytes) in data {
            let id = file_id(&name).map_err(|reason| EngineError::InvalidPath {
                path: name.clone(),
                reason,
            })?;
            files.insert(id, VirtualFile::new(bytes));
        }
        let world = DocWorld {
            engine: self,
            main: Source::new(self.main_id, main.to_owned()),
            files,
        };
        let warned = typst::compile::<PagedDocument>(&world);
        let warnings = warned
            .warnings
            .iter()
            .map(|d| world.diagnostic(d))
            .collect();
        match warned.output {
            Ok(doc) => Ok((doc, warnings)),
            Err(errors) => Err(EngineError::Compile(
                errors.iter().map(|d| world.diagnostic(d)).collect(),
            )),
        }
    }

    /// Finds glyphs drawn as `.notdef` (glyph id 0) — Typst draws them as a
    /// box without any warning when no font has the character.
    ///
    /// Walks every frame of every page, recursively through groups. Each
    /// missing (character, font, text run) is reported once, with the page of
    /// its first occurrence, in document order.
    ///
    /// # Errors
    ///
    /// The missing glyphs, if there is at least one.
    pub fn check_glyphs(doc: &PagedDocument) -> Result<(), Vec<MissingGlyph>> {
        let mut missing = Vec::new();
        for (i, page) in doc.pages().iter().enumerate() {
            collect_missing(&page.frame, i + 1, &mut missing);
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing)
        }
    }

    /// Every `metadata(value)` element carrying `label` (given without angle
    /// brackets, e.g. `"jx-row"`), in document order, as (value, 1-based page,
    /// y position in pt from the top of the page).
    ///
    /// String values are returned as is, other values in their Typst
    /// representation (an integer `12` gives `"12"`).
    pub fn labelled_metadata(doc: &PagedDocument, label: &str) -> Vec<(String, usize, f64)> {
        // A label that was never interned cannot be in the document; `get`
        // avoids interning (and leaking) arbitrary strings.
        let Some(label) = PicoStr::get(label).and_then(Label::new) else {
            return Vec::new();
        };
        let introspector = doc.introspector();
        let elems = Introspector::query(introspector.as_ref(), &Selector::Label(label));
        elems
            .iter()
            .filter_map(|content| {
                let meta = content.to_packed::<MetadataElem>()?;
                let pos = introspector.position(content.location()?)?;
                let value = match &meta.value {
                    Value::Str(s) => s.to_string(),
                    other => other.repr().to_string(),
                };
                Some((value, pos.page.get(), pos.point.y.to_pt()))
            })
            .collect()
    }

    /// Exports the document as PDF/A-2b and PDF/UA-1 (a combination Typst 0.15 allows: one archival and one accessibility standard), tagged, with fonts embedded and
    /// subset. The creation date is `timestamp` (year, month, day) at 00:00
    /// UTC, unless the source sets `#set document(date: ..)`, so identical
    /// input gives identical bytes. Title, author, description (PDF
    /// "Subject") and keywords come from `#set document(..)`.
    ///
    /// # Errors
    ///
    /// [`EngineError::Pdf`] if `timestamp` is not a valid date or the
    /// document cannot be written as PDF/A-2b and PDF/UA-1 (e.g. it shows a `.notdef`
    /// glyph, which PDF/A forbids; run [`Engine::check_glyphs`] first for a
    /// better message).
    pub fn export_pdf(
        doc: &PagedDocument,
        timestamp: (i32, u8, u8),
    ) -> Result<Vec<u8>, EngineError> {
        let (y, m, d) = timestamp;
        let datetime = Datetime::from_ymd_hms(y, m, d, 0, 0, 0).ok_or_else(|| {
            EngineError::Pdf(vec![format!("invalid timestamp date {y:04}-{m:02}-{d:02}")])
        })?;
        let standards = PdfStandards::new(&[PdfStandard::A_2b, PdfStandard::Ua_1])
            .map_err(|e| EngineError::Pdf(vec![e.message().to_string()]))?;
        let options = PdfOptions {
            ident: Smart::Auto,
            creator: Smart::Auto,
            timestamp: Some(Timestamp::new_utc(datetime)),
            page_ranges: None,
            standards,
            tagged: true,
            pretty: false,
        };
        typst_pdf::pdf(doc, &options)
            .map_err(|errors| EngineError::Pdf(errors.iter().map(format_detached).collect()))
    }
}

/// Interns the project-root path of a virtual file name.
fn file_id(name: &str) -> Result<FileId, String> {
    let normalized = name.replace('\\', "/");
    let vpath = VirtualPath::new(&normalized).map_err(|e| e.to_string())?;
    if vpath.is_root() {
        return Err("empty file name".to_owned());
    }
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// Records every `.notdef` glyph of `frame` (and its groups).
fn collect_missing(frame: &Frame, page: usize, out: &mut Vec<MissingGlyph>) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => collect_missing(&group.frame, page, out),
            FrameItem::Text(text) => {
                for glyph in text.glyphs.iter().filter(|g| g.id == 0) {
                    let character = text
                        .text
                        .get(glyph.range())
                        .and_then(|s| s.chars().next())
                        .unwrap_or(char::REPLACEMENT_CHARACTER);
                    let font = text.font.font().info().family.clone();
                    let dup = out.iter().any(|m| {
                        m.character == character && m.font == font && m.text == text.text.as_str()
                    });
                    if !dup {
                        out.push(MissingGlyph {
                            character,
                            text: text.text.to_string(),
                            font,
                            page,
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

/// The [`World`] of one compilation: the engine's shared state plus this
/// document's main source and data files.
struct DocWorld<'a> {
    engine: &'a Engine,
    main: Source,
    files: HashMap<FileId, VirtualFile>,
}

impl DocWorld<'_> {
    fn lookup(&self, id: FileId) -> FileResult<&VirtualFile> {
        match id.root() {
            VirtualRoot::Package(spec) => {
                Err(FileError::Package(PackageError::Other(Some(eco_format!(
                    "package imports such as `{spec}` are disabled in jixiao; \
                     copy the needed files into the templates directory and \
                     import them by relative path"
                )))))
            }
            VirtualRoot::Project => self
                .files
                .get(&id)
                .or_else(|| self.engine.files.get(&id))
                .ok_or_else(|| FileError::NotFound(id.vpath().get_with_slash().into())),
        }
    }

    /// A diagnostic as data: severity, message, location, call trace and hints.
    fn diagnostic(&self, diag: &SourceDiagnostic) -> TypstDiagnostic {
        TypstDiagnostic {
            error: diag.severity == Severity::Error,
            message: diag.message.to_string(),
            at: self.locate(diag.span),
            trace: diag
                .trace
                .iter()
                .map(|point| {
                    (
                        trace_text(&point.v),
                        self.locate(DiagSpan::from(point.span)),
                    )
                })
                .collect(),
            hints: diag
                .hints
                .iter()
                .filter(|h| !is_cli_hint(&h.v))
                .map(|h| h.v.to_string())
                .collect(),
        }
    }

    /// File, line, column and the line's text, if the span points into a file.
    fn locate(&self, span: DiagSpan) -> Option<TypstPos> {
        let id = span.id()?;
        let range = self.range(span)?;
        let file = (id != self.engine.main_id).then(|| id.vpath().get_without_slash().to_owned());
        let text: String = match self.source(id) {
            Ok(source) => source.text().to_owned(),
            Err(_) => String::from_utf8_lossy(self.file(id).ok()?.as_slice()).into_owned(),
        };
        let start = floor_char_boundary(&text, range.start);
        let end = floor_char_boundary(&text, range.end.max(start));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        Some(TypstPos {
            file,
            line,
            column,
            bytes: start..end,
            line_text: text[line_start..line_end].trim_end_matches('\r').to_owned(),
        })
    }
}

/// Formats a diagnostic without a world (PDF export errors).
fn format_detached(diag: &SourceDiagnostic) -> String {
    let mut out = diag.message.to_string();
    for hint in &diag.hints {
        out.push_str("\n  hint: ");
        out.push_str(&hint.v);
    }
    out
}

fn trace_text(point: &Tracepoint) -> String {
    point.to_string()
}

/// Hints aimed at users of the `typst` command line (e.g. "adjust the project
/// root with the `--root` argument"), meaningless here.
fn is_cli_hint(hint: &str) -> bool {
    hint.contains("--root") || hint.contains("project sandbox")
}

/// The largest char boundary `<= i` (clamped to the text).
fn floor_char_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.engine.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.engine.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            return Ok(self.main.clone());
        }
        self.lookup(id)?.source(id)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.clone()));
        }
        Ok(self.lookup(id)?.bytes.clone())
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.engine.fonts.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.engine.today
    }
}

// The engine is shared by the rayon workers that render documents.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
    assert_send_sync::<FontSet>();
    assert_send_sync::<PagedDocument>();
};
