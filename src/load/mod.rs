//! Reading `data/*.yaml` into the typed model. Every failure becomes a located diagnostic; a
//! file that cannot be read yields no model, the others load on.

use std::path::{Path, PathBuf};

use serde_saphyr::{Location, Options};

use crate::diag::{Diagnostic, FileId, Pos, Sources};
use crate::model::Department;
use crate::rules::{self, Rule};

pub mod extra;

/// What loading a data directory gave.
#[derive(Default)]
pub struct Loaded {
    pub sources: Sources,
    pub departments: Vec<Department>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads every `*.yaml` / `*.yml` file directly under `dir`, in name order.
pub fn load_dir(dir: &Path) -> Loaded {
    let mut loaded = Loaded {
        sources: Sources::default(),
        departments: Vec::new(),
        diagnostics: Vec::new(),
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(err) => {
            let mut d = Diagnostic::new(
                &rules::DATA_DIR,
                None,
                format!("无法读取数据目录 {}：{}", dir.display(), io_reason(&err)),
            );
            d.path = Some(dir.to_path_buf());
            loaded.diagnostics.push(d);
            return loaded;
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        let mut d = Diagnostic::new(
            &rules::NO_DATA,
            None,
            format!("{} 中没有 .yaml 数据文件", dir.display()),
        );
        d.path = Some(dir.to_path_buf());
        loaded.diagnostics.push(d);
    }
    for path in files {
        load_file(&path, &mut loaded);
    }
    loaded
}

/// Loads one file into `loaded`.
pub fn load_file(path: &Path, loaded: &mut Loaded) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(err) => {
            let mut d = Diagnostic::new(
                &rules::READ_FAILED,
                None,
                format!("无法读取 {}：{}", path.display(), io_reason(&err)),
            );
            d.path = Some(path.to_path_buf());
            loaded.diagnostics.push(d);
            return;
        }
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
        let mut d = Diagnostic::new(&rules::EMPTY_FILE, None, "数据文件是空的");
        d.path = Some(path.to_path_buf());
        loaded.diagnostics.push(d);
        return;
    }
    match parse(text) {
        Ok(mut dept) => {
            dept.file = file;
            for bad in extra::collect(text, &mut dept) {
                let pos = span_pos(&loaded.sources, file, &bad.key.referenced);
                loaded.diagnostics.push(Diagnostic::new(
                    &rules::YAML_STRUCTURE,
                    pos,
                    format!("字段“{}”的值应是一段文字", bad.key.value),
                ));
            }
            loaded.departments.push(dept);
        }
        Err(err) => {
            let mut d = yaml_error(&loaded.sources, file, &err);
            // A required key missing where an unknown key stands: report the misspelling.
            let near = match (&err.location(), d.rule.code == rules::MISSING_FIELD.code) {
                (Some(l), true) => extra::unknown_near(text, l.line(), l.column()),
                _ => Vec::new(),
            };
            if !near.is_empty() {
                for (key, known) in near {
                    let pos = span_pos(&loaded.sources, file, &key.referenced);
                    loaded.diagnostics.push(Diagnostic::new(
                        &rules::UNKNOWN_KEY,
                        pos,
                        format!(
                            "未知字段“{}”；此处可用的字段：{}",
                            key.value,
                            known.join("、")
                        ),
                    ));
                }
                return;
            }
            if d.pos.is_none() {
                d.path = Some(path.to_path_buf());
            }
            loaded.diagnostics.push(d);
        }
    }
}

/// Parses one department file. The parser's default budget bounds alias expansion, nesting
/// depth and event counts, so an alias bomb is refused quickly in bounded memory.
pub fn parse(text: &str) -> Result<Department, serde_saphyr::Error> {
    parse_as(text)
}

/// Parses YAML text into any type, with the same budget and options as the data files.
pub fn parse_as<T: for<'de> serde::Deserialize<'de>>(text: &str) -> Result<T, serde_saphyr::Error> {
    let mut options = Options::default();
    options.with_snippet = false;
    serde_saphyr::from_str_with_options(text, options)
}

/// The position of a parser location in `file`, if it has one.
pub fn span_pos(sources: &Sources, file: FileId, loc: &Location) -> Option<Pos> {
    (loc.line() > 0).then(|| location_pos(sources, file, loc))
}

/// Turns a YAML/serde error into a diagnostic with a Chinese message.
pub fn yaml_error(sources: &Sources, file: FileId, err: &serde_saphyr::Error) -> Diagnostic {
    let raw = err.to_string();
    // The parser prefixes "line L column C: "; the position is reported separately.
    let msg = match raw.find(": ") {
        Some(i) if raw.starts_with("line ") || raw.starts_with("error: line ") => &raw[i + 2..],
        _ => raw.as_str(),
    }
    .trim()
    .to_string();
    // …and may end with " at line L, column C": the position is reported separately.
    let msg = match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains("column") => msg[..i].trim_end().to_string(),
        _ => msg,
    };
    let (rule, message) = translate(&msg);
    let pos = err
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| location_pos(sources, file, &l));
    Diagnostic::new(rule, pos, message)
}

fn location_pos(sources: &Sources, file: FileId, loc: &Location) -> Pos {
    let span = loc.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(off), Some(len)) => sources.pos(file, off as usize..(off + len.max(1)) as usize),
        _ => sources.pos_at(file, loc.line() as usize, loc.column() as usize, 1),
    }
}

/// Classifies a parser message under a rule and says it in Chinese.
fn translate(msg: &str) -> (&'static Rule, String) {
    let quoted = |s: &str| -> Option<String> {
        let a = s.find('`')?;
        let b = s[a + 1..].find('`')?;
        Some(s[a + 1..a + 1 + b].to_string())
    };
    if msg.starts_with("unknown field") {
        let name = quoted(msg).unwrap_or_default();
        let expected = msg
            .split_once("expected one of ")
            .map(|(_, e)| e.replace('`', "").replace(", ", "、"))
            .or_else(|| msg.split_once("expected ").map(|(_, e)| e.replace('`', "")))
            .unwrap_or_default();
        let tail = if expected.is_empty() {
            String::new()
        } else {
            format!("；此处可用的字段：{expected}")
        };
        return (&rules::UNKNOWN_KEY, format!("未知字段“{name}”{tail}"));
    }
    if msg.starts_with("missing field") {
        let name = quoted(msg).unwrap_or_default();
        return (
            &rules::MISSING_FIELD,
            format!("缺少必填字段“{name}”（写在这一层级下）"),
        );
    }
    if let Some(key) = msg.strip_prefix("duplicate mapping key: ") {
        let key = key.split(',').next().unwrap_or(key).trim();
        return (&rules::DUPLICATE_KEY, format!("字段“{key}”重复出现"));
    }
    if msg.contains("不是有效的数字") {
        return (&rules::BAD_NUMBER, msg.to_string());
    }
    let lower = msg.to_lowercase();
    if lower.contains("budget")
        || lower.contains("exceed")
        || lower.contains("too deep")
        || lower.contains("depth")
    {
        return (&rules::YAML_LIMIT, format!("YAML 超出安全限制：{msg}"));
    }
    if lower.contains("null") && lower.contains("string") {
        return (&rules::EMPTY_TEXT, "此处的值为空".to_string());
    }
    if lower.contains("did not match any variant") {
        return (
            &rules::YAML_STRUCTURE,
            "总体目标应是一段文字，或每行一个“目标N”的列表".to_string(),
        );
    }
    const SYNTAX: &[&str] = &[
        "while scanning",
        "while parsing",
        "did not find",
        "mapping values are not allowed",
        "unexpected character",
        "cannot start any token",
        "unclosed",
        "unterminated",
        "tab",
        "indentation",
        "anchor",
        "alias",
        "invalid escape",
        "unexpected end",
        "flow",
    ];
    if !lower.starts_with("invalid type") && SYNTAX.iter().any(|k| lower.contains(k)) {
        return (&rules::YAML_SYNTAX, format!("YAML 语法错误：{msg}"));
    }
    if lower.starts_with("invalid type") || lower.contains("expected") {
        return (&rules::YAML_STRUCTURE, format!("类型不符：{msg}"));
    }
    (&rules::YAML_STRUCTURE, format!("YAML 格式错误：{msg}"))
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "不存在".to_string(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".to_string(),
        _ => err.to_string(),
    }
}
