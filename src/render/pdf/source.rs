//! minijinja → Typst source. Every value a template interpolates becomes a Typst **string
//! literal** (or a number, array, dictionary of literals): the custom formatter escapes `\`, `"`
//! and control characters, so data can never turn into markup or code. Bulk table data reaches
//! Typst as a virtual JSON file instead.

use std::path::Path;

use anyhow::{Context, Result};
use minijinja::value::ValueKind;
use minijinja::{Environment, UndefinedBehavior, Value};

/// Upper bound on the work of one page template's render (minijinja fuel units), as the
/// style patterns have theirs (`plan::context`): a template only lays out the page (the
/// tables come from `data.json`), so a few thousand units do; a loop that does not end is
/// stopped in well under a second.
pub const TEMPLATE_FUEL: u64 = 5_000_000;

/// The `*.typ.j2` templates of every style directory, named `<style>/<file>`.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Loads every `*.j2` file one level below `dir` (`templates/<style>/<file>.typ.j2`).
    /// A file that cannot be read or does not parse is left out and reported, with its path,
    /// text (when read) and the line minijinja names.
    pub fn load(dir: &Path) -> (Templates, Vec<TemplateProblem>) {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(TEMPLATE_FUEL));
        env.set_formatter(|out, _state, value| {
            out.write_str(&typst_value(value)).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
            })
        });
        let mut problems = Vec::new();
        let problem = |path: &Path, text: Option<String>, line, message: String| TemplateProblem {
            path: path.to_path_buf(),
            text,
            line,
            message,
        };
        if let Err(e) = std::fs::read_dir(dir) {
            problems.push(problem(dir, None, None, format!("无法读取样式目录：{e}")));
        }
        // The project's style directories, then the embedded ones it does not have.
        for (name, root) in crate::style::dirs::names(dir) {
            let style = root.join(name);
            let mut files: Vec<_> = std::fs::read_dir(&style)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("j2"))
                .collect();
            files.sort();
            for path in files {
                let name = format!(
                    "{}/{}",
                    style.file_name().unwrap_or_default().to_string_lossy(),
                    path.file_name().unwrap_or_default().to_string_lossy()
                );
                // Only files of the templates directory itself, never through a link out of it.
                if !crate::load::resolves_inside(&path, &root) {
                    problems.push(problem(
                        &path,
                        None,
                        None,
                        "模板指向样式目录以外，不读取".to_string(),
                    ));
                    continue;
                }
                let text = match crate::load::read_project_text(&path) {
                    Ok(t) => t,
                    Err(e) => {
                        problems.push(problem(&path, None, None, format!("无法读取模板：{e}")));
                        continue;
                    }
                };
                if let Err(e) = env.add_template_owned(name, text.clone()) {
                    problems.push(problem(
                        &path,
                        Some(text),
                        e.line(),
                        crate::style::jinja_errors::syntax_zh(&e),
                    ));
                }
            }
        }
        (Templates { env }, problems)
    }

    /// A hash of every template's name and source.
    pub fn fingerprint(&self) -> blake3::Hash {
        let mut all: Vec<(&str, String)> = self
            .env
            .templates()
            .map(|(name, t)| (name, t.source().to_string()))
            .collect();
        all.sort();
        let mut h = blake3::Hasher::new();
        for (name, source) in all {
            h.update(name.as_bytes());
            h.update(&(source.len() as u64).to_le_bytes());
            h.update(source.as_bytes());
        }
        h.finalize()
    }

    /// The source text of template `name` (`<style>/<file>`), if loaded.
    pub fn source(&self, name: &str) -> Option<String> {
        self.env
            .get_template(name)
            .ok()
            .map(|t| t.source().to_string())
    }

    /// Renders template `name` (`<style>/<file>`) with `ctx`.
    pub fn render(&self, name: &str, ctx: &impl serde::Serialize) -> Result<String> {
        let tmpl = self
            .env
            .get_template(name)
            .with_context(|| format!("找不到模板 templates/{name}"))?;
        tmpl.render(Value::from(minijinja::value::Serde(ctx)))
            .with_context(|| format!("模板 templates/{name} 渲染失败"))
    }
}

/// A page template's syntax error in Chinese: what it means, then minijinja's own words.
/// A template that could not be loaded.
#[derive(Debug)]
pub struct TemplateProblem {
    pub path: std::path::PathBuf,
    /// The file's text, when it could be read.
    pub text: Option<String>,
    /// The 1-based line minijinja names.
    pub line: Option<usize>,
    pub message: String,
}

/// A Typst string literal for `s`: `"…"` with `\`, `"` and every control character escaped.
pub fn typst_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The Typst literal of a template value.
fn typst_value(v: &Value) -> String {
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => "none".to_string(),
        ValueKind::Bool => if v.is_true() { "true" } else { "false" }.to_string(),
        ValueKind::Number => {
            let s = v.to_string();
            // Only digits, sign, point and exponent: anything else becomes a string.
            if s.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | 'e' | 'E' | '+'))
            {
                s
            } else {
                typst_string(&s)
            }
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<String> = v
                .try_iter()
                .map(|it| it.map(|x| typst_value(&x)).collect())
                .unwrap_or_default();
            format!("({},)", items.join(", "))
        }
        ValueKind::Map => {
            let items: Vec<String> = v
                .try_iter()
                .map(|it| {
                    it.map(|k| {
                        let val = v.get_item(&k).unwrap_or_default();
                        format!("{}: {}", typst_string(&k.to_string()), typst_value(&val))
                    })
                    .collect()
                })
                .unwrap_or_default();
            if items.is_empty() {
                "(:)".to_string()
            } else {
                format!("({})", items.join(", "))
            }
        }
        _ => typst_string(v.as_str().unwrap_or(&v.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_literals() {
        assert_eq!(typst_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(typst_string("x\ny\u{7}"), r#""x\ny\u{7}""#);
        assert_eq!(
            typst_string("#read(\"x\") *$ <a> @b ] //"),
            r##""#read(\"x\") *$ <a> @b ] //""##
        );
    }

    #[test]
    fn formatter_turns_every_value_into_a_literal() {
        let mut env = Environment::new();
        env.set_formatter(|out, _s, v| {
            out.write_str(&typst_value(v)).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
            })
        });
        let out = env
            .render_str(
                "{{ a }} {{ n }} {{ l }} {{ m }} {{ z }}",
                minijinja::context! { a => "#sys", n => 3, l => vec!["]", "\""], m => minijinja::context!{ k => "*" }, z => () },
            )
            .unwrap();
        assert_eq!(out, r##""#sys" 3 ("]", "\"",) ("k": "*") none"##);
    }
}
