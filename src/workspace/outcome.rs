//! What a run of the pipeline found and did: diagnostics, and per department its status and
//! documents; and the events reported while it runs, worded for the person at the terminal.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::diag::{Diagnostic, Sources, Summary, display_path};
use crate::write::Recovery;

/// The result of [`super::Workspace::check`] or [`super::Workspace::build`].
pub struct Outcome {
    /// Every file read (data, styles, templates), for positions and snippets.
    pub sources: Sources,
    /// Everything found, checking and typesetting, in file order.
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    pub departments: Vec<DeptOutcome>,
    /// Why the build could not run at all (no Chinese font, output directory locked).
    pub fatal: Option<super::Fatal>,
    /// Documents planned, files written and files left as they were.
    pub documents: usize,
    pub written: usize,
    pub unchanged: usize,
    /// Departments planned in this run; the others' plans were as last time (kept by `watch`
    /// and `serve`, or in the plan record of a one-shot build).
    pub planned: usize,
    /// Files of earlier builds removed: their department no longer makes them.
    pub removed: usize,
    /// Files outside any department (the region's index pages) that could not be written.
    pub write_failures: usize,
    pub elapsed: Duration,
}

impl Outcome {
    /// Whether the run found an error or could not write everything it should have.
    pub fn failed(&self) -> bool {
        self.fatal.is_some()
            || self.summary.errors > 0
            || self.write_failures > 0
            || self
                .departments
                .iter()
                .any(|d| matches!(d.status, DeptStatus::Failed(_)))
    }

    /// The diagnostics located in the file `path`.
    pub fn diagnostics_of(&self, path: &std::path::Path) -> Vec<&Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| match &d.pos {
                Some(p) => self.sources.path(p.file) == path,
                None => d.path.as_deref() == Some(path),
            })
            .collect()
    }
}

/// One department file of the run.
#[derive(Clone)]
pub struct DeptOutcome {
    pub name: String,
    pub year: u32,
    /// The data file.
    pub file: PathBuf,
    /// `out/<年度>/<部门>/`.
    pub out_dir: PathBuf,
    pub status: DeptStatus,
    /// Its documents (when it was planned).
    pub documents: Vec<DocOutcome>,
    /// What the region's summaries print of it (`None` for a summary itself, or when a sum
    /// overflows).
    pub figures: Option<crate::region::figures::DeptFigures>,
    /// Whose files these are: a department's, or a region's summaries of a year.
    pub owner: Owner,
}

/// Who a unit of the build is: what its files are made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A department's data file (one department, one year).
    Department,
    /// The region's summaries of the year, made from the figures of that year's departments.
    Summary { year: u32 },
}

impl DeptOutcome {
    /// Whether these are a region's summaries rather than a department's files.
    pub fn is_summary(&self) -> bool {
        matches!(self.owner, Owner::Summary { .. })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeptStatus {
    /// Checked only (no build was asked for); no errors.
    Checked,
    /// Errors in its data (or characters no font has): nothing written.
    Refused,
    /// Every file written or already current.
    Built,
    /// A document could not be planned, rendered or written; its files were not replaced.
    Failed(super::UnitError),
}

/// One document of a department.
#[derive(Clone)]
pub struct DocOutcome {
    pub title: String,
    /// Its files, one per renderer of the build, by the renderer's extension, in the order of
    /// the build's renderers: the printed form first (the file the document is known by).
    pub files: Vec<(String, PathBuf)>,
}

impl DocOutcome {
    /// The document titled `title` whose outputs are `outputs` ((extension, path), in the
    /// order of the build's renderers).
    pub(super) fn of(title: String, outputs: &[(String, PathBuf)]) -> DocOutcome {
        DocOutcome {
            title,
            files: outputs.to_vec(),
        }
    }

    /// Its file with this extension (`pdf`, `xlsx`), if a renderer made one.
    pub fn file(&self, extension: &str) -> Option<&Path> {
        self.files
            .iter()
            .find(|(e, _)| e == extension)
            .map(|(_, p)| p.as_path())
    }

    /// The file the document is known by (to `watch`, the no-op shortcut, and `serve`'s
    /// previews): its first, the printed form.
    pub fn primary(&self) -> &Path {
        self.files
            .first()
            .map_or(Path::new(""), |(_, p)| p.as_path())
    }
}

/// What happens while a build runs, in the order it happens. `Display` gives the line printed
/// for it.
#[derive(Debug)]
pub enum Event {
    /// The output directory cannot be locked here (the file system does not support it): the
    /// build goes on, unprotected from another build at the same time, and does not clean up
    /// what an interrupted build left.
    Unlocked {
        out: PathBuf,
        reason: String,
    },
    /// A killed build's leftovers were finished or cleaned up.
    Recovered(Recovery),
    RemovedTemps(usize),
    /// The department has errors: nothing is written for it.
    Refused {
        department: String,
    },
    PlanFailed {
        department: String,
        error: crate::plan::PlanError,
    },
    /// The pages of a document, laid out and shown before its files are made
    /// ([`super::BuildOptions::previews`]).
    Previewed {
        pdf: PathBuf,
        pages: std::sync::Arc<Vec<crate::render::Page>>,
    },
    /// `done` of `total` documents rendered (or found current).
    Progress {
        done: usize,
        total: usize,
    },
    Written(PathBuf),
    /// Current according to the last build's record: not rendered.
    Fresh(PathBuf),
    /// Rendered to the same bytes as the file already there.
    Same(PathBuf),
    /// Rendered, but not written because another document of its department failed.
    Held(PathBuf),
    /// Written by an earlier build, no longer made by its department (a renamed project's
    /// `--split` PDF, a document the style no longer prints): removed.
    Removed(PathBuf),
    DocFailed {
        department: String,
        path: PathBuf,
        error: crate::render::RenderError,
    },
    WriteFailed {
        department: String,
        error: crate::write::ReplaceError,
    },
    /// A record of the build (the manifest, the plan record, the no-op shortcut's record)
    /// could not be saved: the next build does more than it needs to.
    ManifestNotSaved(crate::write::FsError),
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = |p: &std::path::Path| display_path(p);
        match self {
            Event::Recovered(r) => match r {
                Recovery::Completed { dir, moved } => write!(
                    f,
                    "完成上次中断的写入：{}（移入 {moved} 个暂存文件）",
                    p(dir)
                ),
                Recovery::Discarded { dir, partly: false } => write!(
                    f,
                    "清理上次中断的写入：{} 的暂存文件不完整，已删除，原有文件保留",
                    p(dir)
                ),
                Recovery::Discarded { dir, partly: true } => write!(
                    f,
                    "警告：{} 上次中断时已有部分文件被替换，其余暂存文件不完整，已删除；请用 --force 重新构建",
                    p(dir)
                ),
                Recovery::Unreadable { dir, reason } => write!(
                    f,
                    "警告：{} 的中断写入记录无法使用（{reason}），已删除",
                    p(dir)
                ),
                Recovery::Failed { dir, reason } => write!(
                    f,
                    "警告：无法完成 {} 上次中断的写入：{reason}；请用 --force 重新构建",
                    p(dir)
                ),
            },
            Event::Unlocked { out, reason } => write!(
                f,
                "警告：无法锁定输出目录 {}（{reason}），不能防止两个构建同时写入；上次构建中断留下的文件本次不清理",
                p(out)
            ),
            Event::RemovedTemps(n) => write!(f, "删除上次构建中断留下的临时文件 {n} 个"),
            Event::Refused { department } => {
                write!(f, "{department}：有错误，本部门不生成任何文件")
            }
            Event::PlanFailed { department, error } => {
                write!(f, "错误：{department}：{error}；本部门不生成任何文件")
            }
            Event::Previewed { pdf, pages } => {
                write!(f, "预览 {}（{} 页）", p(pdf), pages.len())
            }
            Event::Progress { done, total } => write!(f, "{done}/{total} 份文档"),
            Event::Written(path) => write!(f, "写入 {}", p(path)),
            Event::Fresh(path) => write!(f, "未变 {}（数据、模板、字体均未改动）", p(path)),
            Event::Same(path) => write!(f, "未变 {}", p(path)),
            Event::Held(path) => write!(f, "未写入 {}（本部门有文档生成失败）", p(path)),
            Event::Removed(path) => write!(f, "删除 {}（本部门已不再生成这个文件）", p(path)),
            Event::DocFailed {
                department,
                path,
                error,
            } => write!(f, "错误：{department}：{} 未生成：{error}", p(path)),
            Event::WriteFailed { department, error } if error.partly => write!(
                f,
                "错误：无法写入 {}：{}；{department} 的文件可能新旧混杂，下次构建会完成或清理",
                p(&error.path),
                error.reason
            ),
            Event::WriteFailed { department, error } => write!(
                f,
                "错误：无法写入 {}：{}；{department} 的文件均未替换",
                p(&error.path),
                error.reason
            ),
            Event::ManifestNotSaved(e) => write!(f, "警告：无法保存构建记录：{e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlanError;
    use crate::render::RenderError;
    use crate::write::ReplaceError;

    #[test]
    fn typed_events_read_as_the_sentences_printed() {
        let write = |partly| Event::WriteFailed {
            department: "某局".to_string(),
            error: ReplaceError {
                path: PathBuf::from("out/2024/某局/表.pdf"),
                reason: "磁盘已满".to_string(),
                partly,
            },
        };
        assert_eq!(
            write(false).to_string(),
            "错误：无法写入 out/2024/某局/表.pdf：磁盘已满；某局 的文件均未替换"
        );
        assert_eq!(
            write(true).to_string(),
            "错误：无法写入 out/2024/某局/表.pdf：磁盘已满；某局 的文件可能新旧混杂，下次构建会完成或清理"
        );
        let plan = Event::PlanFailed {
            department: "某局".to_string(),
            error: PlanError::Pattern {
                file: std::path::PathBuf::from("templates/region/region.yaml"),
                line: 4,
                column: 10,
                pattern: "{{ 地区 }".to_string(),
                reason: "语法错误".to_string(),
            },
        };
        assert_eq!(
            plan.to_string(),
            "错误：某局：templates/region/region.yaml:4:10：模式“{{ 地区 }”无法生成：语法错误；本部门不生成任何文件"
        );
        let doc = Event::DocFailed {
            department: "某局".to_string(),
            path: PathBuf::from("out/2024/某局/表.xlsx"),
            error: RenderError::Workbook("写不下".to_string()),
        };
        assert_eq!(
            doc.to_string(),
            "错误：某局：out/2024/某局/表.xlsx 未生成：xlsx：写不下"
        );
    }
}
