//! jixiao's own HTML pages — `serve`'s preview (an index of years and departments, a page per
//! department) and a region's publication index `out/<年>/index.html` — rendered from minijinja
//! templates with every value HTML-escaped unless a template marks it safe.
//!
//! The templates sit here beside this module (`*.html.j2`) and are compiled into the binary:
//! they are part of the program, not of a project. The project's `templates/` directory holds
//! what a user may change (styles, Typst page templates) and is an input of every build's
//! freshness record; these pages are neither.

use std::sync::OnceLock;

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, State, Value};
use serde::Serialize;

/// The templates, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("macros.html.j2", include_str!("macros.html.j2")),
    ("preview.html.j2", include_str!("preview.html.j2")),
    (
        "preview_index.html.j2",
        include_str!("preview_index.html.j2"),
    ),
    (
        "preview_department.html.j2",
        include_str!("preview_department.html.j2"),
    ),
    ("region_index.html.j2", include_str!("region_index.html.j2")),
    ("years_index.html.j2", include_str!("years_index.html.j2")),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build();
        if let Ok(syntax) = syntax {
            env.set_syntax(syntax);
        }
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.add_filter("url_segment", |s: &str| url_segment(s));
        // Strings escaped as [`esc`] escapes them (minijinja's own escaping also writes `/`
        // as `&#x2f;`, which would change every path on the pages).
        env.set_formatter(|out, state: &mut State, value| match value.as_str() {
            Some(s) if !value.is_safe() && *state.auto_escape() == AutoEscape::Html => {
                out.write_str(&esc(s)).map_err(minijinja::Error::from)
            }
            _ => minijinja::escape_formatter(out, state, value),
        });
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                // Embedded and tested (`every_template_compiles`): only a broken build gets here.
                debug_assert!(false, "{name}: {e}");
            }
        }
        env
    })
}

/// Renders the page template `name` with `context`. A page that cannot be rendered (a template
/// mistake, which the tests rule out) is a short page saying so, not a panic.
pub fn render(name: &str, context: impl Serialize) -> String {
    let result = env()
        .get_template(name)
        .and_then(|t| t.render(Value::from(Serde(&context))));
    match result {
        Ok(page) => page,
        Err(e) => format!(
            "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>页面无法生成</title></head>\
<body><p>页面无法生成（{}）：{}</p></body></html>\n",
            esc(name),
            esc(&e.to_string())
        ),
    }
}

/// `&`, `<`, `>`, `"` and `'` as entities.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a path segment (everything but unreserved ASCII).
pub fn url_segment(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// How a link to a file of this extension is labelled (`PDF`, `xlsx`).
pub fn format_label(extension: &str) -> String {
    match extension {
        "pdf" => "PDF".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        for (name, _) in TEMPLATES {
            assert!(env().get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn values_are_escaped_unless_marked_safe() {
        let mut env = env().clone();
        env.add_template("t.html.j2", "{{ a }}|{{ a|safe }}|{{ n }}")
            .unwrap();
        let page = env
            .get_template("t.html.j2")
            .unwrap()
            .render(minijinja::context! { a => "<a href='x/y'>&\"</a>", n => 12 })
            .unwrap();
        assert_eq!(
            page,
            "&lt;a href=&#39;x/y&#39;&gt;&amp;&quot;&lt;/a&gt;|<a href='x/y'>&\"</a>|12"
        );
    }
}
