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

use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::granit_parser::ErrorKind;
use serde_saphyr::{
    Budget, Error, ExternalMessageSource, Location, NonFiniteFloatPolicy, Options, Spanned,
};

use crate::diag::{Diagnostic, FileId, Pos, Sources};
use crate::model::Department;
use crate::rules::{self, Rule};

pub mod node;
pub mod read;
pub mod text;

use node::Node;

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

/// The position of a parser location in `file`, if it has one.
pub fn span_pos(sources: &Sources, file: FileId, loc: &Location) -> Option<Pos> {
    (loc.line() > 0).then(|| location_pos(sources, file, loc))
}

/// Turns a YAML/serde error into a diagnostic with a Chinese message.
pub fn yaml_error(sources: &Sources, file: FileId, err: &Error) -> Diagnostic {
    error_diagnostic(sources, file, err, 0)
}

/// A YAML error of a file that is not a department's data (a style, the region file), under
/// that file's own `rule`; placed at `path` when the error has no position.
pub fn yaml_error_as(
    sources: &Sources,
    file: FileId,
    err: &Error,
    rule: &'static Rule,
    path: &Path,
) -> Diagnostic {
    let mut d = yaml_error(sources, file, err);
    d.rule = rule;
    d.severity = rule.severity;
    d.help = rule.help.map(str::to_string);
    if d.pos.is_none() {
        d.path = Some(path.to_path_buf());
    }
    d
}

/// [`yaml_error`] for a parse that had seen `aliases` aliases when it failed.
fn error_diagnostic(sources: &Sources, file: FileId, err: &Error, aliases: usize) -> Diagnostic {
    let text = sources.text(file);
    let t = translate(err, aliases);
    // An unclosed flow collection (`佐证资料: [正式材料`) lets the scanner run on into the next
    // lines, where it stumbles over something else: report the bracket itself.
    if is_syntax(err)
        && t.rule.code == rules::YAML_SYNTAX.code
        && let Some(loc) = err.location()
        && let Some((open, at)) = unclosed(text, &loc)
    {
        let d = Diagnostic::new(
            &rules::YAML_SYNTAX,
            Some(sources.pos(file, at..at + 1)),
            match open {
                '[' | '{' => {
                    let close = if open == '[' { ']' } else { '}' };
                    format!("YAML 语法错误：“{open}”没有配对的“{close}”")
                }
                _ => "YAML 语法错误：引号没有闭合".to_string(),
            },
        );
        return match open {
            '[' | '{' => {
                let close = if open == '[' { ']' } else { '}' };
                d.help(format!(
                    "在这一项的末尾补上“{close}”；写成一行的列表、映射要在同一行闭合，如 佐证资料: [正式材料]"
                ))
            }
            _ => d.help(format!("在这段文字的末尾补上 {open}")),
        };
    }
    let mut pos = err
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| location_pos(sources, file, &l));
    // The scanner places a control character at the start of the word it is in: point at
    // the character itself.
    if let (Some(c), Some(p)) = (t.character, &pos) {
        let line = text[p.bytes.start..].split('\n').next().unwrap_or("");
        if let Some(i) = line.find(c) {
            let at = p.bytes.start + i;
            pos = Some(sources.pos(file, at..at + c.len_utf8()));
        }
    }
    let mut d = Diagnostic::new(t.rule, pos, t.message);
    if let Some(help) = t.help {
        d = d.help(help);
    }
    d
}

fn location_pos(sources: &Sources, file: FileId, loc: &Location) -> Pos {
    let span = loc.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(off), Some(len)) => sources.pos(file, off as usize..(off + len.max(1)) as usize),
        _ => sources.pos_at(file, loc.line() as usize, loc.column() as usize, 1),
    }
}

/// Whether `err` is a syntax error of the YAML text itself (not of its meaning).
fn is_syntax(err: &Error) -> bool {
    match err {
        Error::ExternalMessage { source, .. } => {
            matches!(**source, ExternalMessageSource::Parser(_))
        }
        Error::Eof { .. } | Error::UnknownAnchor { .. } | Error::ContainerEndMismatch { .. } => {
            true
        }
        Error::AliasError { error, .. } | Error::WithSnippet { error, .. } => is_syntax(error),
        _ => false,
    }
}

/// What is still open where the parser stopped, begun on a line before the error's: a quote
/// (`"` or `'`), or else the outermost flow bracket (`[` or `{`) that starts a value, with its
/// byte offset. Brackets inside quotes, comments and plain words (`巴财行[2022]33号`) do not
/// count; neither does a bracket whose line ends with `,` or the bracket itself (a list
/// deliberately written over several lines).
fn unclosed(text: &str, loc: &Location) -> Option<(char, usize)> {
    let line = loc.line() as usize;
    let end = match loc.span().byte_offset() {
        Some(o) => (o as usize).min(text.len()),
        None => text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum::<usize>()
            .min(text.len()),
    };
    let end = (0..=end)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let mut stack: Vec<(char, usize)> = Vec::new();
    let (mut quote, mut comment) = (None::<(char, usize)>, false);
    let mut prev = '\n';
    let mut chars = text[..end].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if comment {
            if c == '\n' {
                comment = false;
                prev = c;
            }
            continue;
        }
        match quote {
            Some(('"', _)) if c == '\\' => {
                chars.next();
                continue;
            }
            Some((q, _)) if c == q => {
                // '' inside single quotes is an escaped quote.
                if q == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') {
                    chars.next();
                } else {
                    quote = None;
                }
                prev = c;
                continue;
            }
            Some(_) => continue,
            None => {}
        }
        let starts_value = matches!(prev, '\n' | ' ' | '[' | '{' | ',' | ':' | '-');
        match c {
            '#' if prev.is_whitespace() => comment = true,
            '"' | '\'' if starts_value || !stack.is_empty() => quote = Some((c, i)),
            '[' | '{' if starts_value || !stack.is_empty() => stack.push((c, i)),
            ']' | '}' if !stack.is_empty() => {
                stack.pop();
            }
            _ => {}
        }
        if !c.is_whitespace() || c == '\n' {
            prev = c;
        } else if prev != '\n' {
            prev = ' ';
        }
    }
    if let Some((q, at)) = quote
        && line_of(at) < line
    {
        return Some((q, at));
    }
    let (open, at) = *stack.first()?;
    if line_of(at) >= line {
        return None;
    }
    let rest = text[at + 1..].split('\n').next().unwrap_or("");
    let rest = rest.split(" #").next().unwrap_or("").trim_end();
    if rest.trim().is_empty() || rest.ends_with(',') {
        return None;
    }
    Some((open, at))
}

/// A parser error said in Chinese, under its rule.
struct Translated {
    rule: &'static Rule,
    message: String,
    help: Option<String>,
    /// The character the error is about, when it is one.
    character: Option<char>,
}

fn said(rule: &'static Rule, message: impl Into<String>) -> Translated {
    Translated {
        rule,
        message: message.into(),
        help: None,
        character: None,
    }
}

impl Translated {
    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// What serde's or the parser's description of a kind of value means, in Chinese.
fn kind_zh(what: &str) -> &'static str {
    let w = what.to_lowercase();
    if w.contains("seq") || w.contains("list") || w.contains("array") || w.contains("tuple") {
        "一个列表"
    } else if w.contains("map") || w.contains("struct") || w.contains("项") {
        "若干“名称: 值”"
    } else if w.contains("数字") || w.contains("float") || w.contains("floating") {
        "一个数字"
    } else if w.contains("integer")
        || w.starts_with('u') && w[1..].chars().all(|c| c.is_ascii_digit()) && w.len() > 1
        || w.starts_with('i') && w[1..].chars().all(|c| c.is_ascii_digit()) && w.len() > 1
    {
        "一个整数"
    } else if w.contains("bool") {
        "是或否"
    } else if w.contains("unit") || w.contains("null") || w.contains("none") {
        "空值"
    } else if w.contains("str") || w.contains("char") || w.contains("scalar") || w.contains("文字")
    {
        "一段文字"
    } else {
        "另一种值"
    }
}

/// Classifies a parser error under a rule and says it in Chinese. No English text of the
/// parser reaches the message.
fn translate(err: &Error, aliases: usize) -> Translated {
    let list = |v: &[&str]| v.join("、");
    match err {
        Error::AliasError { error, .. } | Error::WithSnippet { error, .. } => {
            translate(error, aliases)
        }
        Error::SerdeUnknownField {
            field, expected, ..
        } => {
            let tail = if expected.is_empty() {
                String::new()
            } else {
                format!("；此处可用的字段：{}", list(expected))
            };
            let near = crate::fields::did_you_mean(field, expected.iter().copied());
            said(
                &rules::UNKNOWN_KEY,
                format!("未知字段“{field}”{near}{tail}"),
            )
        }
        Error::SerdeMissingField { field, .. } => said(
            &rules::MISSING_FIELD,
            format!("缺少必填字段“{field}”（写在这一层级下）"),
        ),
        Error::DuplicateMappingKey { key, .. } => said(
            &rules::DUPLICATE_KEY,
            match key {
                Some(k) => format!("字段“{}”重复出现", k.trim()),
                None => "同一层级中有重复的字段".to_string(),
            },
        ),
        Error::NullIntoString { .. } => said(&rules::EMPTY_TEXT, "此处的值为空"),
        Error::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | Error::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => said(
            &rules::YAML_STRUCTURE,
            format!(
                "类型不符：此处应是{}，写的却是{}",
                kind_zh(expected),
                kind_zh(unexpected)
            ),
        ),
        Error::SerdeInvalidLength { len, expected, .. } => said(
            &rules::YAML_STRUCTURE,
            format!("类型不符：此处应是{}，写了 {len} 项", kind_zh(expected)),
        ),
        Error::SerdeUnknownVariant {
            variant, expected, ..
        } => said(
            &rules::YAML_STRUCTURE,
            format!("“{variant}”不是可选的取值；可选：{}", list(expected)),
        ),
        Error::Unexpected { expected, .. } => said(
            &rules::YAML_STRUCTURE,
            format!("类型不符：此处应是{}", kind_zh(expected)),
        ),
        Error::InvalidScalar { ty, .. } => {
            let what = kind_zh(ty);
            let example = if what == "一个整数" {
                "（如 2023）"
            } else {
                ""
            };
            said(
                &rules::BAD_NUMBER,
                format!("此处应是{what}{example}，写的值无法按{what}读取或超出范围"),
            )
        }
        Error::NonFiniteFloat { .. } => said(&rules::BAD_NUMBER, "此处的数字无法读取或超出范围"),
        Error::Message { msg, .. } | Error::HookError { msg, .. } => translate_custom(msg),
        Error::MultipleDocuments { .. } => said(
            &rules::YAML_SYNTAX,
            "YAML 语法错误：一个文件只能有一个文档，这里的 --- 开始了第二个",
        )
        .help("删除这一行的 ---；每个部门每个年度一个文件"),
        Error::Eof { .. } => said(&rules::YAML_SYNTAX, "YAML 语法错误：文件意外结束"),
        Error::UnknownAnchor { .. } => said(
            &rules::YAML_SYNTAX,
            "YAML 语法错误：以 * 开头的值是别名，引用的锚点不存在",
        ),
        Error::ContainerEndMismatch { .. }
        | Error::UnexpectedSequenceEnd { .. }
        | Error::UnexpectedMappingEnd { .. } => said(
            &rules::YAML_SYNTAX,
            "YAML 语法错误：列表或映射的结束位置不对",
        ),
        Error::ExternalMessage { source, .. } => match &**source {
            ExternalMessageSource::Parser(scan) => match scan.kind() {
                // A control character YAML does not allow in a file: the text rule's words.
                ErrorKind::UnexpectedCharacter { character: '\t' } => Translated {
                    character: Some('\t'),
                    ..said(&rules::TAB_CHAR, "这里有制表符（Tab）")
                },
                ErrorKind::UnexpectedCharacter { character }
                    if character.is_control() || text::is_refused(*character) =>
                {
                    Translated {
                        character: Some(*character),
                        ..said(
                            &rules::CONTROL_CHAR,
                            format!("这里有不可见的字符 {}", text::describe(*character)),
                        )
                    }
                }
                kind => said(
                    &rules::YAML_SYNTAX,
                    format!("YAML 语法错误：{}", scan_zh(kind)),
                ),
            },
            _ => said(&rules::YAML_STRUCTURE, "内容不符合格式"),
        },
        Error::Budget { breach, .. } => budget_zh(breach, aliases),
        Error::AliasReplayCounterOverflow { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => said(
            &rules::YAML_LIMIT,
            "文件超出安全限制：别名（*）展开的内容过多",
        )
        .help(ALIAS_ADVICE),
        Error::InvalidUtf8Input => said(&rules::NOT_UTF8, "文件含有非 UTF-8 字节"),
        Error::UnsupportedTag { .. } | Error::TaggedScalarCannotDeserializeIntoString { .. } => {
            said(
                &rules::YAML_STRUCTURE,
                "此处不能使用 YAML 标签（以 ! 开头）；以 ! 开头的文字要加引号",
            )
        }
        _ => said(
            &rules::YAML_STRUCTURE,
            "YAML 格式错误：此处的内容不符合格式",
        ),
    }
}

const ALIAS_ADVICE: &str = "不要使用 YAML 锚点/别名 (&, *) 批量复制内容，直接写出每一项";

/// A message from a `Deserialize` impl or serde's derive (`custom`).
fn translate_custom(msg: &str) -> Translated {
    if msg.contains(crate::model::NUMBER_LIMIT_MARK) {
        return said(&rules::NUMBER_LIMIT, msg);
    }
    if msg.contains("不是有效的数字") {
        return said(&rules::BAD_NUMBER, msg);
    }
    if msg.contains("did not match any variant") {
        return said(
            &rules::YAML_STRUCTURE,
            "总体目标应是一段文字，或每行一个“目标N”的列表",
        );
    }
    let cjk = msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if cjk && !msg.is_ascii() && msg.chars().filter(char::is_ascii_alphabetic).count() < 8 {
        return said(&rules::YAML_STRUCTURE, msg);
    }
    said(
        &rules::YAML_STRUCTURE,
        "YAML 格式错误：此处的内容不符合格式",
    )
}

/// A safety limit the parser's budget enforces.
fn budget_zh(breach: &BudgetBreach, aliases: usize) -> Translated {
    let big = "检查文件是否误复制了大量内容；一个部门一个年度的数据不会接近这个限制";
    let (what, alias) = match breach {
        BudgetBreach::Nodes { .. } => ("节点（字段、值、列表项）过多", aliases > 0),
        BudgetBreach::Events { .. } => ("内容过多", aliases > 0),
        BudgetBreach::ScalarBytes { .. } => ("文字总量过大", aliases > 0),
        BudgetBreach::Depth { .. } => ("嵌套层级过深", false),
        BudgetBreach::Documents { .. } => ("文档（---）过多", false),
        BudgetBreach::InputBytes { .. } => ("文件过大", false),
        BudgetBreach::Aliases { .. }
        | BudgetBreach::Anchors { .. }
        | BudgetBreach::AliasAnchorRatio { .. }
        | BudgetBreach::RecordedAnchorEvents { .. }
        | BudgetBreach::RecordedAnchorBytes { .. }
        | BudgetBreach::MergeKeys { .. } => ("锚点、别名（&、*）展开的内容过多", true),
        _ => ("内容过多", aliases > 0),
    };
    let t = said(&rules::YAML_LIMIT, format!("文件超出安全限制：{what}"));
    match (alias, breach) {
        (true, _) => t.help(ALIAS_ADVICE),
        (false, BudgetBreach::Depth { .. }) => {
            t.help("数据文件只有 项目 → 指标 → 佐证资料 几层；检查缩进或括号是否写乱")
        }
        (false, _) => t.help(big),
    }
}

/// A scanner error in Chinese.
fn scan_zh(kind: &ErrorKind) -> String {
    use ErrorKind as K;
    match kind {
        K::UnclosedFlowCollection { open } => {
            let close = if *open == '[' { ']' } else { '}' };
            format!("“{open}”没有配对的“{close}”")
        }
        K::MismatchedFlowCollectionEnd { open, close } => {
            format!("“{open}”被不配对的“{close}”关闭")
        }
        K::MisplacedFlowCollectionEnd => "多余的右括号".to_string(),
        K::UnclosedQuotedScalar => "引号没有闭合".to_string(),
        K::UnexpectedEofFlowSequence => "文件在“[…]”列表中结束，缺少“]”".to_string(),
        K::UnexpectedEofFlowMapping | K::UnexpectedEofImplicitFlowMapping => {
            "文件在“{…}”中结束，缺少“}”".to_string()
        }
        K::UnexpectedEofBlockSequence | K::UnexpectedEofBlockMapping | K::UnexpectedEof => {
            "文件意外结束".to_string()
        }
        K::ExpectedFlowSequenceSeparator => "“[…]”中的各项之间应以逗号分隔，末尾是“]”".to_string(),
        K::ExpectedFlowMappingSeparator => "“{…}”中的各项之间应以逗号分隔，末尾是“}”".to_string(),
        K::ExpectedBlockMappingKey => "这里应是“字段: 值”，缩进可能不对".to_string(),
        K::ExpectedBlockSequenceEntry => "这里应是以“- ”开头的列表项，缩进可能不对".to_string(),
        K::ExpectedNodeContent => "这里缺少值".to_string(),
        K::UnknownAnchor => "以 * 开头的值是别名，引用的锚点不存在".to_string(),
        K::UnexpectedCharacter { character } => {
            format!("值不能以“{character}”开头，请给整个值加引号")
        }
        K::TabNotAllowed
        | K::TabInBlockIndentation
        | K::TabInIndentation
        | K::TabAtBlockScalarStart
        | K::TabInPlainScalar => "缩进中有制表符（Tab），请改用空格".to_string(),
        K::InvalidIndentation
        | K::InvalidQuotedScalarIndent
        | K::InvalidBlockScalarIndent
        | K::InvalidFlowScalarIndent => "缩进不对".to_string(),
        K::MappingValueNotAllowed | K::InvalidColonPlacement | K::InvalidMappingValueWhitespace => {
            "这里不能有“: ”：值中含有冒号时，请给整个值加引号".to_string()
        }
        K::MappingKeyNotAllowed => "这里不能写“字段:”".to_string(),
        K::BlockSequenceEntryNotAllowed | K::BlockEntryInFlowCollection => {
            "这里不能以“- ”开始列表项，缩进可能不对".to_string()
        }
        K::SimpleKeyExpected | K::InvalidSimpleKey => "字段名后缺少“: ”".to_string(),
        K::InvalidTrailingSingleQuotedScalar | K::InvalidTrailingDoubleQuotedScalar => {
            "引号闭合之后还有多余的文字；如值中含有引号，请整个值换用另一种引号".to_string()
        }
        K::UnknownQuotedScalarEscape
        | K::InvalidQuotedScalarHexEscape
        | K::InvalidLowSurrogateHexEscape
        | K::InvalidLowSurrogate
        | K::MissingLowSurrogate
        | K::UnpairedLowSurrogate
        | K::InvalidUnicodeEscape => {
            "双引号中的反斜杠 \\ 转义写法不对；写反斜杠本身请用单引号".to_string()
        }
        K::CommentNotSeparated | K::CommentInterceptedScalar => {
            "# 开始注释，前面要有空格；值中含有 # 时请给整个值加引号".to_string()
        }
        K::ExpectedWhitespace => "这里缺少空格（冒号、短横线之后要有空格）".to_string(),
        K::PlainScalarStartsWithDashFlowIndicator => {
            "以“-”开头、后面跟着括号或逗号的值要加引号".to_string()
        }
        K::BomInsideDocument => "文件中间有字节顺序标记（BOM）".to_string(),
        K::InvalidDocumentEnd => "文档结束标记 ... 之后还有内容".to_string(),
        K::RecursionLimitExceeded => "嵌套层级过深".to_string(),
        K::InputDecoding { .. } => "文件含有无法解码的字节".to_string(),
        K::ExpectedDocumentStart | K::MissingDocumentEndBeforeDirective => {
            "文档开始的位置不对（多余的 --- 或以 % 开头的行）".to_string()
        }
        K::MissingAnchorOrAliasName => {
            "& 或 * 之后缺少名称；以 & 或 * 开头的值要加引号".to_string()
        }
        K::ExpectedTagBang
        | K::UndeclaredTagHandle
        | K::InvalidTagEscape
        | K::InvalidTagTerminator
        | K::MissingTagUri
        | K::UnclosedVerbatimTag => "以 ! 开头的值要加引号".to_string(),
        _ => "此处的写法无法解析".to_string(),
    }
}

/// Whether `name` (one path component) names a department's data file in a data directory:
/// `*.yaml` or `*.yml`, and not the region file (see `crate::region`). A name that comes from a
/// file must also pass [`crate::write::policy::name_from_file`] ([`is_data_file_name_from_file`]).
pub fn is_data_file_name(name: &str) -> bool {
    crate::write::policy::file_name(name).is_ok()
        && matches!(
            Path::new(name).extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        )
        && !crate::region::FILE_NAMES.contains(&name)
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
