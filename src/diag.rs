//! Diagnostics: what is wrong, where (`file:line:col`), under which stable rule code, and what to
//! do about it. Printed like a compiler (codespan-reporting, which handles CJK widths) or as JSON
//! lines for tools.

use std::ops::Range;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::WriteColor};
use serde::Serialize;

use crate::rules::Rule;

/// How grave a diagnostic is: its rule's severity (defined with the rules, which name it).
pub use crate::rules::Severity;

/// An index into [`Sources`].
pub type FileId = usize;

/// A place in a source file: byte range plus 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pos {
    pub file: FileId,
    pub bytes: Range<usize>,
    pub line: usize,
    pub column: usize,
}

/// One problem found in the data.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    pub rule: &'static Rule,
    pub pos: Option<Pos>,
    /// A path when the problem has no position inside a loaded file (a missing directory).
    pub path: Option<PathBuf>,
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(rule: &'static Rule, pos: Option<Pos>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: rule.severity,
            rule,
            pos,
            path: None,
            message: message.into(),
            help: rule.help.map(str::to_string),
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The source files read in one run, for positions and snippets.
#[derive(Default)]
pub struct Sources {
    files: Vec<(PathBuf, String)>,
    /// Each file's line starts (byte offsets), made on the first position asked of it: a
    /// position counted from the file's start each time made the check of a file with
    /// 100,000 findings quadratic (20,000 indicators took 75 s).
    lines: Vec<std::sync::OnceLock<Vec<usize>>>,
}

impl Sources {
    pub fn add(&mut self, path: &Path, text: String) -> FileId {
        self.files.push((path.to_path_buf(), text));
        self.lines.push(std::sync::OnceLock::new());
        self.files.len() - 1
    }

    /// Appends the files of `other`; returns the id its first file has here.
    pub fn append(&mut self, other: Sources) -> FileId {
        let base = self.files.len();
        self.files.extend(other.files);
        self.lines.extend(other.lines);
        base
    }

    /// How many files were added (the id the next one gets).
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn path(&self, id: FileId) -> &Path {
        &self.files[id].0
    }

    pub fn text(&self, id: FileId) -> &str {
        &self.files[id].1
    }

    /// The byte offset of each line's start in `file`.
    fn line_starts(&self, file: FileId) -> &[usize] {
        self.lines[file].get_or_init(|| {
            let text = self.text(file);
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The position of a byte range, with line and column computed from the text.
    pub fn pos(&self, file: FileId, bytes: Range<usize>) -> Pos {
        let text = self.text(file);
        let start = floor_char_boundary(text, bytes.start.min(text.len()));
        let end = floor_char_boundary(text, bytes.end.clamp(start, text.len()));
        let starts = self.line_starts(file);
        // The last line start at or before `start` (the first is 0).
        let line = starts.partition_point(|&s| s <= start).max(1);
        let line_start = starts.get(line - 1).copied().unwrap_or(0);
        let column = text[line_start..start].chars().count() + 1;
        Pos {
            file,
            bytes: start..end,
            line,
            column,
        }
    }

    /// The position of a 1-based line and column (in characters), spanning `len_chars` characters.
    pub fn pos_at(&self, file: FileId, line: usize, column: usize, len_chars: usize) -> Pos {
        let text = self.text(file);
        let line_start = match line.checked_sub(1) {
            Some(i) => self.line_starts(file).get(i).copied().unwrap_or(text.len()),
            None => 0,
        };
        let line_text = text[line_start.min(text.len())..]
            .split('\n')
            .next()
            .unwrap_or("");
        let offset_of = |chars: usize| {
            line_text
                .char_indices()
                .nth(chars)
                .map_or(line_text.len(), |(i, _)| i)
        };
        let start = line_start + offset_of(column.saturating_sub(1));
        let end = line_start + offset_of(column.saturating_sub(1) + len_chars);
        Pos {
            file,
            bytes: start..end.max(start),
            line: line.max(1),
            column: column.max(1),
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Counts of a run, for the summary line.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Summary {
    pub departments: usize,
    pub projects: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl Summary {
    pub fn count(&mut self, diags: &[Diagnostic]) {
        for d in diags {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
            }
        }
    }
}

/// Prints diagnostics like a compiler: `error[JX201]: …` with the source line and a caret.
pub fn emit_human(out: &mut dyn WriteColor, sources: &Sources, diags: &[Diagnostic]) {
    let mut files = SimpleFiles::new();
    let shown: Vec<std::borrow::Cow<str>> =
        sources.files.iter().map(|(_, t)| printable(t)).collect();
    for ((path, _), text) in sources.files.iter().zip(&shown) {
        files.add(display_path(path), text.as_ref());
    }
    let config = term::Config::default();
    for d in diags {
        let mut cs = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_code(d.rule.code)
        .with_message(&d.message);
        if let Some(pos) = &d.pos {
            if snippet_fits(sources.text(pos.file), &pos.bytes) {
                cs = cs.with_labels(vec![Label::primary(pos.file, pos.bytes.clone())]);
            } else {
                // A line of megabytes (one huge value) is not printed: only where it is.
                cs = cs.with_notes(vec![format!(
                    "位置：{}:{}:{}（这一行太长，不显示）",
                    display_path(sources.path(pos.file)),
                    pos.line,
                    pos.column
                )]);
            }
        } else if let Some(path) = &d.path {
            cs = cs.with_notes(vec![format!("位置：{}", path.display())]);
        }
        if let Some(help) = &d.help {
            cs = cs.with_notes(vec![format!("处理：{help}")]);
        }
        // Writing to a terminal or pipe: a failure here has nowhere better to be reported.
        let _ = term::emit_to_write_style(out, &config, &files, &cs);
    }
}

/// `text` as a terminal may show it: every character the text rules refuse (a bidirectional
/// control would reorder the excerpt on screen, an escape sequence would drive the terminal)
/// is replaced by a visible one of the same length in bytes, so positions stay valid.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| c != '\r' && crate::rules::is_refused(c);
    if !text.chars().any(bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| match (bad(c), c.len_utf8()) {
            (false, _) => c,
            (true, 1) => '?',
            (true, 2) => '¿',
            (true, _) => '\u{FFFD}',
        })
        .collect::<String>()
        .into()
}

/// The longest source excerpt printed under a diagnostic, in bytes.
const MAX_SNIPPET_BYTES: usize = 4096;

/// Whether the lines `bytes` spans are short enough to print.
fn snippet_fits(text: &str, bytes: &Range<usize>) -> bool {
    let start = bytes.start.min(text.len());
    let end = bytes.end.clamp(start, text.len());
    let from = text.as_bytes()[..start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let to = text.as_bytes()[end..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| end + i);
    to - from <= MAX_SNIPPET_BYTES
}

/// One JSON object per diagnostic with the keys `severity`, `code`, `file`, `line`, `column`,
/// `message` (plus `help` when there is one).
pub fn to_json(sources: &Sources, d: &Diagnostic) -> serde_json::Value {
    let (file, line, column) = match &d.pos {
        Some(p) => (display_path(sources.path(p.file)), p.line, p.column),
        None => (
            d.path.as_deref().map(display_path).unwrap_or_default(),
            0,
            0,
        ),
    };
    let mut v = serde_json::json!({
        "severity": d.severity,
        "code": d.rule.code,
        "file": file,
        "line": line,
        "column": column,
        "message": d.message,
    });
    if let Some(help) = &d.help {
        v["help"] = serde_json::Value::String(help.clone());
    }
    v
}

/// A path as the user would type it (relative to the working directory where possible).
pub fn display_path(path: &Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    let shown = rel
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string();
    // The current directory itself is `.`, never an empty name.
    if shown.is_empty() {
        ".".to_string()
    } else {
        shown
    }
}
