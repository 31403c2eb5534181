//! What the three layouts of the vocabulary share — a department style (`style.yaml`), a
//! summary style (`region.yaml`) and the change table (`changes/table.yaml`): reading the file
//! with its errors at their place, the decimals of printed money, the pattern check and the
//! widths of the columns. One definition each, so the three check and read alike.

use std::path::Path;

use serde::Deserialize;

use super::{AlignSpec, SText};
use crate::diag::{Diagnostic, FileId};
use crate::fields::VarPath;
use crate::load::Loaded;
use crate::rules::{self, Rule};
use crate::style::patterns::Patterns;

/// A column of a table of one row per item — a summary style's `table` (a row per
/// department), the change table's `columns` (a row per change): its heading, what it prints
/// (a `field` or a `text` pattern), its alignment and, in the change table, its width.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    pub label: SText,
    /// A heading shared by adjacent columns with the same group.
    #[serde(default)]
    pub group: Option<SText>,
    /// The figure printed (a field of the layout).
    #[serde(default)]
    pub field: Option<SText>,
    /// A pattern printed.
    #[serde(default)]
    pub text: Option<SText>,
    #[serde(default)]
    pub align: Option<AlignSpec>,
    /// The relative width (where the layout has no `columns` list of widths).
    #[serde(default)]
    pub width: Option<f64>,
}

/// The most decimals a layout may print money (万元) with.
pub const MAX_MONEY_DECIMALS: u32 = 6;

/// The decimals of printed money when a layout states none.
pub fn money_decimals() -> u32 {
    2
}

/// Why a layout's `decimals` (of printed money) cannot be used; `None` when it can.
pub fn decimals_problem(decimals: u32) -> Option<String> {
    (decimals > MAX_MONEY_DECIMALS).then(|| {
        format!(
            "decimals（金额的小数位数）为 {decimals}，最多为 {MAX_MONEY_DECIMALS}；金额通常保留 2 位小数"
        )
    })
}

/// Whether a column width is one: a finite number above 0.
pub fn width_ok(width: f64) -> bool {
    width.is_finite() && width > 0.0
}

/// A layout file written in an older jixiao's form: when one of the problems pushed since
/// `from` sits on a line that sets one of `old_keys` (settings of the old form, no longer read),
/// its help says so and how to move on (`help`), instead of the general advice about names and
/// indentation. A copy made by an earlier `jixiao init` is the usual case.
pub fn old_form_hint(loaded: &mut Loaded, from: usize, old_keys: &[&str], help: &str) {
    let Loaded {
        sources,
        diagnostics,
        ..
    } = loaded;
    for d in diagnostics.iter_mut().skip(from) {
        let Some(pos) = &d.pos else { continue };
        let text = sources.text(pos.file);
        let line = text.lines().nth(pos.line.saturating_sub(1)).unwrap_or("");
        let key = line.trim_start().trim_start_matches("- ");
        if old_keys.iter().any(|k| {
            key.strip_prefix(k)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        }) {
            d.help = Some(help.to_string());
        }
    }
}

/// Reads the layout file `path` of the templates layer `root` into `loaded`'s sources and
/// parses it with `parse`. A link out of `root`, a file that cannot be read (`what` names it
/// in the message) or YAML that does not parse is a diagnostic of `rule` (at its
/// `file:line:col` where it has one), and `None`.
pub fn read_yaml<T>(
    root: &Path,
    path: &Path,
    what: &str,
    rule: &'static Rule,
    loaded: &mut Loaded,
    parse: impl Fn(&str) -> Result<T, serde_saphyr::Error>,
) -> Option<(T, FileId)> {
    let fail = |loaded: &mut Loaded, message: String| {
        let mut d = Diagnostic::new(rule, None, message);
        d.path = Some(path.to_path_buf());
        loaded.diagnostics.push(d);
    };
    if path.exists() && !crate::load::resolves_inside(path, root) {
        let message = format!(
            "{} 是指向样式目录以外的链接，不读取",
            crate::diag::display_path(path)
        );
        fail(loaded, message);
        return None;
    }
    let text = match crate::load::read_project_text(path) {
        Ok(t) => t,
        Err(e) => {
            let message = format!("无法读取{what} {}：{e}", crate::diag::display_path(path));
            fail(loaded, message);
            return None;
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let file = loaded.sources.add(path, text);
    match parse(loaded.sources.text(file)) {
        Ok(v) => Some((v, file)),
        Err(err) => {
            let d = crate::load::yaml_error_as(&loaded.sources, file, &err, rule, path);
            loaded.diagnostics.push(d);
            None
        }
    }
}

/// A problem the pattern check found: its rule, message and help.
pub struct Finding {
    pub rule: &'static Rule,
    pub message: String,
    pub help: Option<String>,
}

/// Compiles the pattern `p` into `patterns` and checks every variable it reads with `name`
/// (`Err`: why the name is not available here, and help). A syntax error is a finding of
/// JX504 (with `syntax_help`), and then nothing else is checked; a variable nested too deep
/// or not available, a finding of JX502.
pub fn check_pattern(
    patterns: &mut Patterns,
    p: &SText,
    syntax_help: &str,
    name: impl Fn(&VarPath) -> Result<(), (String, Option<String>)>,
) -> Vec<Finding> {
    if let Err(e) = patterns.add(&p.value) {
        return vec![Finding {
            rule: &rules::STYLE_PATTERN,
            message: format!(
                "模式“{}”有语法错误：{}",
                p.value,
                super::jinja_errors::syntax_zh(&e)
            ),
            help: Some(syntax_help.to_string()),
        }];
    }
    let named = |(message, help): (String, Option<String>)| Finding {
        rule: &rules::STYLE_NAME,
        message: format!("模式“{}”：{message}", p.value),
        help,
    };
    let malformed = patterns
        .malformed(&p.value)
        .iter()
        .map(|m| named((m.clone(), None)));
    let unknown = patterns
        .variables(&p.value)
        .iter()
        .filter_map(|v| name(v).err())
        .map(named);
    malformed.chain(unknown).collect()
}

/// Emits the findings of a pattern check at `p`'s place in `file`; how many are errors.
pub fn emit_findings(
    findings: Vec<Finding>,
    p: &SText,
    sources: &crate::diag::Sources,
    file: FileId,
    out: &mut Vec<Diagnostic>,
) -> usize {
    let mut errors = 0;
    for f in findings {
        let pos = crate::load::span_pos(sources, file, &p.referenced);
        let mut d = Diagnostic::new(f.rule, pos, f.message);
        if d.pos.is_none() {
            d.path = Some(sources.path(file).to_path_buf());
        }
        if let Some(h) = f.help {
            d = d.help(h);
        }
        errors += usize::from(d.is_error());
        out.push(d);
    }
    errors
}
