//! The errors of the pipeline's phases, typed, each with the Chinese sentence shown for it.
//!
//! Each phase has its own: opening the output directory and preparing the run can stop the
//! whole build ([`Fatal`]); planning a unit ([`crate::plan::PlanError`]), rendering one of its
//! documents ([`crate::render::RenderError`]) and putting its files in place
//! ([`crate::write::ReplaceError`]) can fail one unit, which keeps its old files
//! ([`UnitError`]). The library reports them in its [`super::Outcome`] and through its
//! [`super::Event`]s; it prints nothing.

use std::path::PathBuf;

use crate::diag::display_path;
use crate::plan::PlanError;
use crate::render::RenderError;
use crate::write::ReplaceError;

/// Why a build cannot run at all: nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fatal {
    /// Another build holds the output directory's lock (its process id, when known).
    Busy { out: PathBuf, pid: Option<u32> },
    /// The output directory's lock could not be taken.
    LockRefused { out: PathBuf, reason: String },
    /// None of the Chinese fonts the styles' chains name is installed.
    NoCjkFont {
        families: Vec<String>,
        /// The project's `fonts/` directory, where font files may be put.
        fonts_dir: PathBuf,
    },
}

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fatal::Busy { out, pid } => {
                let who = pid.map(|p| format!("（进程 {p}）")).unwrap_or_default();
                write!(
                    f,
                    "另一个 jixiao 构建正在写入 {}{who}；本次构建未执行，请等它结束后再试",
                    display_path(out)
                )
            }
            Fatal::LockRefused { out, reason } => {
                write!(f, "无法锁定输出目录 {}：{reason}", display_path(out))
            }
            Fatal::NoCjkFont {
                families,
                fonts_dir,
            } => write!(
                f,
                "样式字体链中的中文字体（{}）一个也没有安装，无法生成 PDF。\n处理：Debian/Ubuntu 上运行 apt-get install -y fonts-noto-cjk，或把 .ttf/.otf 字体文件放进 {}；jixiao fonts 可列出已安装的中文字体",
                families.join("、"),
                fonts_dir.display()
            ),
        }
    }
}

impl std::error::Error for Fatal {}

/// Why a unit (a department, or a region's summaries of a year) was not built: its old files
/// stay as they were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitError {
    /// A document could not be planned.
    Plan(PlanError),
    /// Documents could not be rendered (each one's reason, in the order of the documents).
    Render(Vec<RenderError>),
    /// The rendered files could not (all) be put in place.
    Write(ReplaceError),
}

impl std::fmt::Display for UnitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnitError::Plan(e) => e.fmt(f),
            UnitError::Render(errors) => {
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\n")?;
                    }
                    e.fmt(f)?;
                }
                Ok(())
            }
            UnitError::Write(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for UnitError {}

/// Why [`super::Workspace::render_document`] made no files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    /// None of the Chinese fonts of the document's chains is installed.
    Fonts(Fatal),
    /// A Typst library file of the templates cannot be read.
    Library { path: PathBuf, reason: String },
    /// The document's page template is missing; the templates' problems, when there were
    /// any (each `file[:line]：reason`).
    Template {
        template: String,
        problems: Vec<String>,
    },
    /// A renderer failed.
    Render(RenderError),
}

impl std::fmt::Display for DocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocumentError::Fonts(e) => e.fmt(f),
            DocumentError::Library { path, reason } => {
                write!(f, "{}：{reason}", display_path(path))
            }
            DocumentError::Template { template, problems } if problems.is_empty() => {
                write!(f, "找不到模板 templates/{template}")
            }
            DocumentError::Template { problems, .. } => f.write_str(&problems.join("\n")),
            DocumentError::Render(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for DocumentError {}

/// Why `watch` or `serve` cannot watch the project for changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchError {
    /// The system's file watcher could not be started.
    Start(String),
    /// The run has no data or templates directory to watch.
    NoRoots,
    /// A directory could not be watched: `what` names it (数据目录, 样式目录, 字体目录).
    Directory {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
}

impl std::fmt::Display for WatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WatchError::Start(reason) => write!(f, "无法监视文件改动：{reason}"),
            WatchError::NoRoots => f.write_str("无法监视文件改动：没有数据目录或样式目录"),
            WatchError::Directory { what, path, reason } => {
                write!(f, "无法监视{what} {}：{reason}", path.display())
            }
        }
    }
}

impl std::error::Error for WatchError {}
