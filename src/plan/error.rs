//! The plan phase's error.

use crate::style::{LoadedStyle, SText};

/// Why a department's documents, a region's summaries or the change table could not be planned
/// (the plan phase's error): a pattern that could not be rendered, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// A pattern that could not be rendered, at its line and column in the file it is written
    /// in: a department style's `style.yaml`, a summary style's `region.yaml`, the change
    /// table's `changes/table.yaml`.
    Pattern {
        file: std::path::PathBuf,
        line: u64,
        column: u64,
        pattern: String,
        reason: String,
    },
    /// A kind of change the change table's layout does not name.
    ChangeKind { key: String },
}

impl PlanError {
    /// `pattern` of `style` (its `style.yaml`) failed with `err`.
    pub fn pattern(style: &LoadedStyle, pattern: &SText, err: &minijinja::Error) -> PlanError {
        PlanError::pattern_in(style.dir.join("style.yaml"), pattern, err)
    }

    /// `pattern`, written in `file`, failed with `err`.
    pub fn pattern_in(
        file: std::path::PathBuf,
        pattern: &SText,
        err: &minijinja::Error,
    ) -> PlanError {
        let at = pattern.referenced;
        PlanError::Pattern {
            file,
            line: at.line(),
            column: at.column(),
            pattern: pattern.value.clone(),
            reason: crate::style::jinja_errors::error_zh(err),
        }
    }
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Pattern {
                file,
                line,
                column,
                pattern,
                reason,
            } => write!(
                f,
                "{}:{line}:{column}：模式“{pattern}”无法生成：{reason}",
                crate::diag::display_path(file)
            ),
            PlanError::ChangeKind { key } => write!(f, "变动对照表的版式没有“{key}”"),
        }
    }
}

impl std::error::Error for PlanError {}
