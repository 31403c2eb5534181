//! Reading `data/*.yaml` into the typed model. Every failure becomes a located diagnostic; a
//! file that cannot be read yields no model, the others load on.
//!
//! A file is read in two passes over the same text: the untyped tree ([`node::Node`]) for
//! syntax and the safety limits, then over that tree the text rules of every scalar ([`text`])
//! and the typed model by the field catalogue ([`read`]), which reports every format problem
//! of the file at once. A file with format problems gives a damaged department
//! ([`Loaded::damaged`]): checked for its other problems in the same run, never built.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_saphyr::{Budget, Error, NonFiniteFloatPolicy, Options, Spanned};

use crate::diag::{Diagnostic, Sources};
use crate::model::Department;
use crate::rules::{self, Rule};

pub mod node;
pub mod read;
pub mod text;
mod yaml_errors;
pub use yaml_errors::{span_pos, yaml_error, yaml_error_as};

use node::Node;
use yaml_errors::{error_diagnostic, translate};

/// The largest data file read: a department with 10,000 projects of the corpus' size is about
/// 15 MiB.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What loading a data directory gave.
#[derive(Default)]
pub struct Loaded {
    pub sources: Sources,
    pub departments: Vec<Department>,
    /// Departments whose files have format problems (reported in `diagnostics`): read with
    /// stand-ins for what could not be read, so that the check reports their other problems in
    /// the same run; never built.
    pub damaged: Vec<Department>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What loading gave for each file last time, so a long-lived caller (`watch`, `serve`) parses
/// only the files whose bytes changed. Entries are kept as the file loaded on its own (its
/// file id 0), and renumbered where it lands among the run's sources.
#[derive(Default)]
pub struct Cache {
    files: HashMap<PathBuf, Cached>,
}

struct Cached {
    hash: blake3::Hash,
    departments: Vec<Department>,
    damaged: Vec<Department>,
    diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Appends `other`, loaded on its own, after what is here: its files get the next ids, and
    /// its departments and positions follow them.
    fn append(&mut self, other: Loaded) {
        let base = self.sources.append(other.sources);
        self.departments
            .extend(other.departments.into_iter().map(|mut d| {
                d.file += base;
                d
            }));
        self.damaged.extend(other.damaged.into_iter().map(|mut d| {
            d.file += base;
            d
        }));
        self.diagnostics
            .extend(other.diagnostics.into_iter().map(|mut d| {
                if let Some(p) = &mut d.pos {
                    p.file += base;
                }
                d
            }));
    }
}

/// Loads every `*.yaml` / `*.yml` file directly under `dir`, in name order (see
/// [`load_dir_cached`]), keeping nothing for a next load.
pub fn load_dir(dir: &Path) -> Loaded {
    let mut listing = Listing::of(dir);
    listing.load(|_| true);
    listing.finish()
}

/// Loads every `*.yaml` / `*.yml` file directly under `dir`, in name order, through `cache`.
/// The files are read and parsed in parallel, each on its own, and put together in name
/// order, so the result is the same as loading them one after another.
pub fn load_dir_cached(dir: &Path, cache: &mut Cache) -> Loaded {
    use rayon::prelude::*;
    let (diagnostics, files) = list_dir(dir);
    let mut loaded = Loaded {
        diagnostics,
        ..Loaded::default()
    };
    let known = &*cache;
    let each: Vec<(Loaded, Option<Cached>)> = files
        .par_iter()
        .map(|(path, read)| load_listed(path, read, Some(known)))
        .collect();
    let seen: HashSet<&PathBuf> = files.iter().map(|(path, _)| path).collect();
    cache.files.retain(|p, _| seen.contains(p));
    for ((path, _), (one, parsed)) in files.iter().zip(each) {
        if let Some(c) = parsed {
            cache.files.insert(path.clone(), c);
        }
        loaded.append(one);
    }
    loaded
}

/// Loads a listed file on its own (see [`load_file_cached`]); a file the listing refused
/// gives its diagnostic only.
fn load_listed(
    path: &Path,
    read: &Result<PathBuf, Box<Diagnostic>>,
    cache: Option<&Cache>,
) -> (Loaded, Option<Cached>) {
    match read {
        Ok(read_from) => load_file_cached(path, read_from, cache),
        Err(d) => (
            Loaded {
                diagnostics: vec![(**d).clone()],
                ..Loaded::default()
            },
            None,
        ),
    }
}

/// The data files of a directory, loaded a part at a time: a one-shot build loads the files it
/// cannot reuse from its last run first, then the ones their departments may concern, and
/// passes over the rest without parsing them. [`Listing::finish`] puts what was loaded
/// together in name order, as [`load_dir`] would have.
pub struct Listing {
    diagnostics: Vec<Diagnostic>,
    files: Vec<Listed>,
    parts: Vec<Option<Loaded>>,
}

impl Listing {
    /// The `*.yaml` / `*.yml` files directly under `dir`, none loaded yet.
    pub fn of(dir: &Path) -> Listing {
        let (diagnostics, files) = list_dir(dir);
        let parts = files.iter().map(|_| None).collect();
        Listing {
            diagnostics,
            files,
            parts,
        }
    }

    /// The path of each file, in name order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(p, _)| p.as_path())
    }

    /// The text of file `i` as a load holds it (the byte-order mark dropped), when it is
    /// readable, within [`MAX_FILE_BYTES`] and UTF-8.
    pub fn text(&self, i: usize) -> Option<String> {
        let read_from = self.files.get(i)?.1.as_ref().ok()?;
        let bytes = read_limited(read_from).ok()??;
        let text = String::from_utf8(bytes).ok()?;
        Some(match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        })
    }

    /// Loads (in parallel) every file `which` picks that is not loaded yet.
    pub fn load(&mut self, which: impl Fn(usize) -> bool + Sync) {
        use rayon::prelude::*;
        let parts: Vec<Option<Loaded>> = self
            .files
            .par_iter()
            .zip(self.parts.par_iter())
            .enumerate()
            .map(|(i, ((path, read), part))| {
                if part.is_some() || !which(i) {
                    return None;
                }
                Some(load_listed(path, read, None).0)
            })
            .collect();
        for (slot, part) in self.parts.iter_mut().zip(parts) {
            if part.is_some() {
                *slot = part;
            }
        }
    }

    /// Whether file `i` is loaded.
    pub fn is_loaded(&self, i: usize) -> bool {
        self.parts.get(i).is_some_and(Option::is_some)
    }

    /// The departments of the files loaded so far (each file's own ids).
    pub fn departments(&self) -> impl Iterator<Item = &Department> {
        self.parts.iter().flatten().flat_map(|p| &p.departments)
    }

    /// What was loaded, in name order.
    pub fn finish(self) -> Loaded {
        let mut loaded = Loaded {
            diagnostics: self.diagnostics,
            ..Loaded::default()
        };
        for part in self.parts.into_iter().flatten() {
            loaded.append(part);
        }
        loaded
    }
}

/// Loads one file on its own, reusing what `cache` holds for the same bytes; the second value
/// is what to keep in the cache when there is one and the file was parsed.
fn load_file_cached(
    path: &Path,
    read_from: &Path,
    cache: Option<&Cache>,
) -> (Loaded, Option<Cached>) {
    let mut one = Loaded::default();
    // The bytes are read once here; a file that cannot be read is loaded as usual (and its
    // problem reported).
    let bytes = match read_limited(read_from) {
        Ok(Some(b)) => b,
        _ => {
            load_file_from(path, read_from, &mut one);
            return (one, None);
        }
    };
    let hash = blake3::hash(&bytes);
    if let Some(c) = cache.and_then(|c| c.files.get(path))
        && c.hash == hash
    {
        let text = String::from_utf8_lossy(&bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
        one.sources.add(path, text);
        one.departments = c.departments.clone();
        one.damaged = c.damaged.clone();
        one.diagnostics = c.diagnostics.clone();
        return (one, None);
    }
    load_bytes(path, bytes, &mut one);
    let keep = cache.map(|_| Cached {
        hash,
        departments: one.departments.clone(),
        damaged: one.damaged.clone(),
        diagnostics: one.diagnostics.clone(),
    });
    (one, keep)
}

/// A data file found in a directory: the path as named in the directory, and the path to read
/// or why it is not read.
type Listed = (PathBuf, Result<PathBuf, Box<Diagnostic>>);

/// The `*.yaml` / `*.yml` files directly under `dir`, in name order, with the problems of the
/// directory itself. A file that is a symbolic link is read only when it resolves to a file
/// inside `dir`: a link out of the data directory is refused (JX016) without being opened.
/// Directories, links to directories and special files are not data files and are passed over.
fn list_dir(dir: &Path) -> (Vec<Diagnostic>, Vec<Listed>) {
    let dir_error = |err: &std::io::Error| {
        let mut d = Diagnostic::new(
            &rules::DATA_DIR,
            None,
            format!("无法读取数据目录 {}：{}", dir.display(), io_reason(err)),
        );
        d.path = Some(dir.to_path_buf());
        d
    };
    let (entries, root) = match std::fs::read_dir(dir).and_then(|e| Ok((e, dir.canonicalize()?))) {
        Ok(e) => e,
        Err(err) => return (vec![dir_error(&err)], Vec::new()),
    };
    let mut files: Vec<Listed> = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if !entry.file_name().to_str().is_some_and(is_data_file_name) {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let refuse = |rule: &'static Rule, msg: String| {
            let mut d = Diagnostic::new(rule, None, msg);
            d.path = Some(path.clone());
            Err(Box::new(d))
        };
        if kind.is_file() {
            files.push((path.clone(), Ok(path)));
        } else if kind.is_symlink() {
            let read = match std::fs::canonicalize(&path) {
                Ok(target) if !target.starts_with(&root) => refuse(
                    &rules::OUTSIDE_DATA_DIR,
                    format!(
                        "{} 是指向数据目录之外（{}）的符号链接，不读取",
                        path.display(),
                        target.display()
                    ),
                ),
                Ok(target) if target.is_file() => Ok(target),
                Ok(_) => continue,
                Err(err) => refuse(
                    &rules::READ_FAILED,
                    format!(
                        "{} 是符号链接，它指向的文件{}",
                        path.display(),
                        io_reason(&err)
                    ),
                ),
            };
            files.push((path, read));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut diagnostics = Vec::new();
    if files.is_empty() {
        let mut d = Diagnostic::new(
            &rules::NO_DATA,
            None,
            format!("{} 中没有 .yaml 数据文件", dir.display()),
        );
        d.path = Some(dir.to_path_buf());
        diagnostics.push(d);
    }
    (diagnostics, files)
}

/// Loads one file into `loaded`.
pub fn load_file(path: &Path, loaded: &mut Loaded) {
    load_file_from(path, path, loaded)
}

/// Reads at most [`MAX_FILE_BYTES`] of `path`; `Ok(None)` when it is larger. A FIFO or device
/// is refused without blocking (see [`crate::write::policy::read_input`]).
fn read_limited(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    use crate::write::FsError;
    match crate::write::policy::read_input(path, MAX_FILE_BYTES) {
        Ok(Some(bytes)) => Ok(Some(bytes)),
        Ok(None) => Err(std::io::ErrorKind::NotFound.into()),
        Err(FsError::TooLarge(..)) => Ok(None),
        Err(FsError::Io(_, e)) => Err(e),
        Err(e) => Err(std::io::Error::other(e.reason())),
    }
}

/// The text of a project file (a style, template, library or region file) read under the
/// project's budget: at most [`MAX_FILE_BYTES`], a regular file, UTF-8. The reason it cannot
/// be read, in Chinese and without the path, otherwise.
pub fn read_project_text(path: &Path) -> Result<String, String> {
    String::from_utf8(read_project_file(path)?)
        .map_err(|_| "不是 UTF-8 编码的文本；请用 UTF-8 保存".to_string())
}

/// The bytes of a project file, as [`read_project_text`] reads it.
pub fn read_project_file(path: &Path) -> Result<Vec<u8>, String> {
    match crate::write::policy::read_input(path, MAX_FILE_BYTES) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err("不存在".to_string()),
        Err(e) => Err(e.reason()),
    }
}

/// Loads the file named `path` (as diagnostics show it), reading `read_from` (the resolved
/// target of a link).
fn load_file_from(path: &Path, read_from: &Path, loaded: &mut Loaded) {
    let file_error = |rule: &'static Rule, msg: String| {
        let mut d = Diagnostic::new(rule, None, msg);
        d.path = Some(path.to_path_buf());
        d
    };
    let bytes = match read_limited(read_from) {
        Ok(Some(b)) => b,
        Ok(None) => {
            loaded.diagnostics.push(
                file_error(
                    &rules::YAML_LIMIT,
                    format!("文件超过 {} MiB，不读取", MAX_FILE_BYTES / (1024 * 1024)),
                )
                .help("一个部门一个年度的数据远小于此；检查是否选错了文件"),
            );
            return;
        }
        Err(err) => {
            loaded.diagnostics.push(file_error(
                &rules::READ_FAILED,
                format!("无法读取 {}：{}", path.display(), io_reason(&err)),
            ));
            return;
        }
    };
    load_bytes(path, bytes, loaded)
}

/// Loads a file whose bytes were read elsewhere (a file of a git revision), named `name` in
/// every diagnostic and position; a text over [`MAX_FILE_BYTES`] is refused like a file.
pub fn load_named(name: &Path, bytes: Vec<u8>, loaded: &mut Loaded) {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let mut d = Diagnostic::new(
            &rules::YAML_LIMIT,
            None,
            format!("文件超过 {} MiB，不读取", MAX_FILE_BYTES / (1024 * 1024)),
        )
        .help("一个部门一个年度的数据远小于此；检查是否选错了文件");
        d.path = Some(name.to_path_buf());
        loaded.diagnostics.push(d);
        return;
    }
    load_bytes(name, bytes, loaded)
}

/// Loads the bytes of the file named `path`.
fn load_bytes(path: &Path, bytes: Vec<u8>, loaded: &mut Loaded) {
    let file_error = |rule: &'static Rule, msg: String| {
        let mut d = Diagnostic::new(rule, None, msg);
        d.path = Some(path.to_path_buf());
        d
    };
    let (text, utf8_error) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // Position of the first bad byte in the lossy text: the valid prefix is unchanged.
            (lossy, Some(valid))
        }
    };
    // A byte-order mark (Notepad writes one) is not content: drop it before positions are
    // computed, so they match what the parser sees.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    let file = loaded.sources.add(path, text);
    if let Some(valid) = utf8_error {
        let pos = loaded.sources.pos(file, valid..valid + 1);
        loaded.diagnostics.push(Diagnostic::new(
            &rules::NOT_UTF8,
            Some(pos),
            "文件含有非 UTF-8 字节（常见于 GBK 编码保存的文件）",
        ));
        return;
    }
    let text = loaded.sources.text(file);
    if text.trim().is_empty()
        || text.lines().all(|l| {
            let l = l.trim();
            l.is_empty() || l.starts_with('#')
        })
    {
        loaded
            .diagnostics
            .push(file_error(&rules::EMPTY_FILE, "数据文件是空的".to_string()));
        return;
    }
    // 1. The untyped tree: syntax and the safety limits.
    let root = match parse_tree(text) {
        Ok(root) => root,
        Err((err, aliases)) => {
            let mut d = error_diagnostic(&loaded.sources, file, &err, aliases);
            if d.pos.is_none() {
                d.path = Some(path.to_path_buf());
            }
            loaded.diagnostics.push(d);
            return;
        }
    };
    match &root.value {
        Node::Map(_) => {}
        Node::Null => {
            loaded.diagnostics.push(file_error(
                &rules::EMPTY_FILE,
                "数据文件没有内容（只有 YAML 文档标记 ---、... 或 null）".to_string(),
            ));
            return;
        }
        other => {
            let what = match other {
                Node::Seq(_) => "一个列表",
                _ => "一个值",
            };
            let mut d = Diagnostic::new(
                &rules::YAML_STRUCTURE,
                span_pos(&loaded.sources, file, &root.referenced),
                format!("文件顶层应是 部门、年度、样式、项目 等字段，这里却是{what}"),
            );
            if d.pos.is_none() {
                d.path = Some(path.to_path_buf());
            }
            loaded.diagnostics.push(d);
            return;
        }
    }
    // 2. The text rules over every scalar, and the typed model read by the field catalogue:
    // every problem of both is reported in this one run.
    let problems = text::check(&root, text);
    let (mut dept, format) = read::department(&root, text);
    dept.file = file;
    let damaged = !problems.is_empty() || !format.is_empty();
    for p in problems {
        let pos = loaded.sources.pos(file, p.bytes);
        loaded
            .diagnostics
            .push(Diagnostic::new(p.rule, Some(pos), p.message));
    }
    for p in format {
        let mut d = Diagnostic::new(p.rule, span_pos(&loaded.sources, file, &p.at), p.message);
        if let Some(h) = p.help {
            d = d.help(h);
        }
        if d.pos.is_none() {
            d.path = Some(path.to_path_buf());
        }
        loaded.diagnostics.push(d);
    }
    if damaged {
        // Checked for what else is wrong, never built.
        loaded.damaged.push(dept);
    } else {
        loaded.departments.push(dept);
    }
}

/// The parser's options for data and style files. The budget is sized for real files (a
/// department of 10,000 projects, a 16 MiB file) rather than the parser's general defaults,
/// which a 1,200-project department already exceeds; alias expansion, the other way a small
/// file becomes a huge tree, keeps tight limits of its own (replayed events, the ratio of
/// aliases to anchors), so an alias bomb is refused quickly in bounded memory.
fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_nodes = 2_500_000;
    budget.max_events = 10_000_000;
    budget.max_total_scalar_bytes = 2 * MAX_FILE_BYTES as usize;
    // Data and style files nest at most about ten levels (style: documents → blocks → rows →
    // row → cell). The parser's default of 64 lets a hostile file recurse deep enough to
    // overflow a 2 MiB thread stack in an unoptimised build.
    budget.max_depth = 24;
    let mut options = Options::default();
    options.with_snippet = false;
    // Comments are still checked as syntax, but nothing here reads their text.
    options.emit_comments = false;
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = 250_000;
    options
}

/// Parses one department file.
pub fn parse(text: &str) -> Result<Department, ParseError> {
    let root = parse_tree(text).map_err(|(e, _)| ParseError::Yaml(e))?;
    let (dept, problems) = read::department(&root, text);
    if problems.is_empty() {
        Ok(dept)
    } else {
        Err(ParseError::Format(problems))
    }
}

/// Why [`parse`] gave no department.
#[derive(Debug)]
pub enum ParseError {
    /// The YAML itself (syntax, limits).
    Yaml(Error),
    /// The format problems of a file that is valid YAML.
    Format(Vec<read::Problem>),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            ParseError::Yaml(e) => write!(f, "{}", translate(e, 0).message),
            ParseError::Format(problems) => {
                let first: Vec<String> = problems
                    .iter()
                    .take(3)
                    .map(|p| format!("第 {} 行：{}", p.at.line(), p.message))
                    .collect();
                write!(f, "{}", first.join("；"))
            }
        }
    }
}

/// Parses YAML text into any type, with the same budget and options as the data files.
pub fn parse_as<T: for<'de> serde::Deserialize<'de>>(text: &str) -> Result<T, Error> {
    serde_saphyr::from_str_with_options(text, options())
}

/// Parses the untyped tree; on failure also says how many aliases the parser had seen, so a
/// limit's advice speaks of anchors only where the file uses them.
pub fn parse_tree(text: &str) -> Result<Spanned<Node>, (Error, usize)> {
    let aliases = Rc::new(Cell::new(0usize));
    let seen = aliases.clone();
    let mut options = options().with_budget_report(move |r| seen.set(r.aliases));
    // A plain scalar of 3,000 digits reads as an infinite float here; it is a text (or an
    // amount, refused by its own rule) to the typed model, so it must not fail the tree.
    options.non_finite_float_policy = NonFiniteFloatPolicy::PassThrough;
    serde_saphyr::from_str_with_options(text, options).map_err(|e| (e, aliases.get()))
}

/// The names of the region file in the data directory (read by `crate::region`, never a
/// department's data).
pub const REGION_FILE_NAMES: [&str; 2] = ["地区.yaml", "地区.yml"];

/// Whether `name` (one path component) names a department's data file in a data directory:
/// `*.yaml` or `*.yml`, and not the region file ([`REGION_FILE_NAMES`]). A name that comes from a
/// file must also pass [`crate::write::policy::name_from_file`] ([`is_data_file_name_from_file`]).
pub fn is_data_file_name(name: &str) -> bool {
    crate::write::policy::file_name(name).is_ok()
        && matches!(
            Path::new(name).extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        )
        && !REGION_FILE_NAMES.contains(&name)
}

/// Whether `name`, taken from a file (a workbook's data sheet), may be written as a data file:
/// a data file's name ([`is_data_file_name`]) that any file system the offices use accepts.
pub fn is_data_file_name_from_file(name: &str) -> bool {
    is_data_file_name(name) && crate::write::policy::name_from_file(name).is_ok()
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "不存在".to_string(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".to_string(),
        _ => crate::write::policy::os_error(err),
    }
}

/// Whether `path` resolves (through any symlinks) to a file inside `root`: project files
/// (data, styles, templates) are read only from the project, never through a link out of it.
pub fn resolves_inside(path: &Path, root: &Path) -> bool {
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(p), Ok(r)) => p.starts_with(r),
        _ => false,
    }
}
