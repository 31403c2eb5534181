//! What changed between two versions of the data: two revisions, two directories, two files,
//! or two years of the same department. Departments, projects and indicators are matched by
//! name, whatever their order; indicators by their canonical 一级/二级/三级 (so `11-数量指标`
//! and `数量指标` are one level), then by 三级 alone when an indicator moved to another level.
//! Targets are compared by their parsed comparison, number and unit ([`crate::target`]):
//! `>=90%` and `≥ 90.0%` are the same target; `≥90%` → `≥95%` is a raised one.
//!
//! The result is a [`Report`]: per department its changes, each a [`Change`] of one [`Kind`]
//! with the value before, after, and the signed difference where numbers compare. The terminal
//! report and the JSON are written by `jixiao diff` (`cli/diff.rs`); the printed
//! 绩效目标变动对照表 is planned by [`table`] from `templates/changes/table.yaml`.

mod changes;
mod pairing;
pub mod source;
pub mod table;

pub use changes::compare_target;
use changes::{compare_departments, project_total};
pub use pairing::{IndKey, Paired, Pairs, pair};

use std::hash::Hash;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_saphyr::Spanned;

use crate::diag::{FileId, Sources, display_path};
use crate::load::Loaded;
use crate::model::{Department, Indicator};
use crate::style::{LoadedStyle, Styles};

/// What kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    DepartmentAdded,
    DepartmentRemoved,
    /// 样式, 备注, 签字, or the name (two files compared).
    DepartmentChanged,
    ProjectAdded,
    ProjectRemoved,
    /// A project's own fields: 实施单位, 负责人, … and the style's extra fields.
    ProjectChanged,
    /// One money source (or the total) of a project.
    MoneyChanged,
    GoalsChanged,
    IndicatorAdded,
    IndicatorRemoved,
    /// The same 三级 under another 一级 or 二级.
    IndicatorMoved,
    /// 依据, 赋分规则, 佐证资料, 上年完成值, 描述 or an extra field of an indicator.
    IndicatorChanged,
    /// The target's number went up (same comparison and unit).
    TargetRaised,
    /// The target's number went down (same comparison and unit).
    TargetLowered,
    /// The target changed in a way numbers do not compare (comparison, unit or wording).
    TargetChanged,
    WeightChanged,
    EvalAdded,
    EvalRemoved,
    EvalChanged,
    /// A task (年度主要任务) of the department-wide part added, removed, or changed (部门职能,
    /// 主要内容, 支出项目, its money by source).
    TaskAdded,
    TaskRemoved,
    TaskChanged,
}

impl Kind {
    /// Every kind, in the order of the report.
    pub const ALL: &'static [Kind] = &[
        Kind::DepartmentAdded,
        Kind::DepartmentRemoved,
        Kind::DepartmentChanged,
        Kind::ProjectAdded,
        Kind::ProjectRemoved,
        Kind::ProjectChanged,
        Kind::MoneyChanged,
        Kind::GoalsChanged,
        Kind::IndicatorAdded,
        Kind::IndicatorRemoved,
        Kind::IndicatorMoved,
        Kind::IndicatorChanged,
        Kind::TargetRaised,
        Kind::TargetLowered,
        Kind::TargetChanged,
        Kind::WeightChanged,
        Kind::EvalAdded,
        Kind::EvalRemoved,
        Kind::EvalChanged,
        Kind::TaskAdded,
        Kind::TaskRemoved,
        Kind::TaskChanged,
    ];

    /// Kinds a `templates/changes/table.yaml` written before they existed may lack: such a row
    /// is printed with [`Kind::label`].
    pub const LATER: &'static [Kind] = &[Kind::TaskAdded, Kind::TaskRemoved, Kind::TaskChanged];

    /// The name in JSON and in `templates/changes/table.yaml` (`target_raised`).
    pub fn key(self) -> &'static str {
        match self {
            Kind::DepartmentAdded => "department_added",
            Kind::DepartmentRemoved => "department_removed",
            Kind::DepartmentChanged => "department_changed",
            Kind::ProjectAdded => "project_added",
            Kind::ProjectRemoved => "project_removed",
            Kind::ProjectChanged => "project_changed",
            Kind::MoneyChanged => "money_changed",
            Kind::GoalsChanged => "goals_changed",
            Kind::IndicatorAdded => "indicator_added",
            Kind::IndicatorRemoved => "indicator_removed",
            Kind::IndicatorMoved => "indicator_moved",
            Kind::IndicatorChanged => "indicator_changed",
            Kind::TargetRaised => "target_raised",
            Kind::TargetLowered => "target_lowered",
            Kind::TargetChanged => "target_changed",
            Kind::WeightChanged => "weight_changed",
            Kind::EvalAdded => "eval_added",
            Kind::EvalRemoved => "eval_removed",
            Kind::EvalChanged => "eval_changed",
            Kind::TaskAdded => "task_added",
            Kind::TaskRemoved => "task_removed",
            Kind::TaskChanged => "task_changed",
        }
    }

    /// How the terminal report names it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::DepartmentAdded => "新增部门",
            Kind::DepartmentRemoved => "删除部门",
            Kind::DepartmentChanged => "部门信息修改",
            Kind::ProjectAdded => "新增项目",
            Kind::ProjectRemoved => "删除项目",
            Kind::ProjectChanged => "项目信息修改",
            Kind::MoneyChanged => "资金调整",
            Kind::GoalsChanged => "总体目标修改",
            Kind::IndicatorAdded => "新增指标",
            Kind::IndicatorRemoved => "删除指标",
            Kind::IndicatorMoved => "指标改变归类",
            Kind::IndicatorChanged => "指标内容修改",
            Kind::TargetRaised => "指标值调高",
            Kind::TargetLowered => "指标值调低",
            Kind::TargetChanged => "指标值修改",
            Kind::WeightChanged => "权重调整",
            Kind::EvalAdded => "新增自评",
            Kind::EvalRemoved => "删除自评",
            Kind::EvalChanged => "自评修改",
            Kind::TaskAdded => "新增任务",
            Kind::TaskRemoved => "删除任务",
            Kind::TaskChanged => "任务修改",
        }
    }
}

/// Whether a changed target asks for more or for less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strictness {
    /// 正向 raised, 反向 lowered.
    Stricter,
    /// 正向 lowered, 反向 raised.
    Looser,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: Kind,
    /// The project it is in (none for a department's own fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The indicator (`一级/二级/三级`), money source or self-evaluated indicator it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The field that changed, as the data names it (`依据`, `实施单位`, `资金/财政拨款/全年执行`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The value before and after, as written (trimmed); none where there was none.
    pub before: Option<String>,
    pub after: Option<String>,
    /// after − before, signed (`+2.24`, `-5`, `+2次`), where the two are numbers of one kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<String>,
    /// For a raised or lowered target: whether it now asks for more or for less.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Strictness>,
    /// The money total (万元) of an added or removed project or department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    /// The indicators of an added or removed project (the projects of a department, the
    /// results of a self-evaluation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// The weight of an added or removed indicator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<String>,
    /// Where it is: the line in the old file and in the new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_line: Option<usize>,
}

impl Change {
    fn new(kind: Kind) -> Change {
        Change {
            kind,
            project: None,
            item: None,
            field: None,
            before: None,
            after: None,
            delta: None,
            direction: None,
            total: None,
            count: None,
            weight: None,
            old_line: None,
            new_line: None,
        }
    }
}

/// A department's file on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRef {
    pub file: String,
    pub year: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Changed,
    Unchanged,
    Added,
    Removed,
    /// Its file on the other side could not be read: not compared.
    Unreadable,
    /// Two years compared: the department has a file of one of them only.
    OneYear,
}

/// One department compared.
#[derive(Debug, Clone, Serialize)]
pub struct DeptDiff {
    pub department: String,
    pub old: Option<FileRef>,
    pub new: Option<FileRef>,
    pub status: Status,
    pub changes: Vec<Change>,
}

/// What is compared: everything, or (two years of a department) the plan only, without
/// 上年完成值 and the self-evaluation, which differ between years by their nature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    All,
    Plan,
}

/// A file of one side that could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct Unread {
    /// `old` or `new`.
    pub side: &'static str,
    pub file: String,
}

/// Everything that changed from `old` to `new`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub old: String,
    pub new: String,
    pub scope: Scope,
    pub departments: Vec<DeptDiff>,
    pub unread: Vec<Unread>,
}

impl Report {
    /// The number of changes.
    pub fn changes(&self) -> usize {
        self.departments.iter().map(|d| d.changes.len()).sum()
    }
}

/// One side of a comparison: what was loaded, and how to name it.
pub struct Side<'a> {
    /// `HEAD~1`, `data`, `data/2023-x.yaml`.
    pub label: String,
    pub loaded: &'a Loaded,
}

/// How departments pair up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// By name and year (two revisions or directories).
    NameAndYear,
    /// The departments of the first year on the old side with those of the second on the
    /// new side, by name.
    Years(u32, u32),
    /// Each side is one file: its department, whatever its name and year.
    Files,
}

/// Compares `old` with `new`. `styles` give the canonical spelling of indicator levels.
pub fn compare(old: &Side, new: &Side, styles: &Styles, pairing: Pairing) -> Report {
    let (old_views, new_views) = match pairing {
        Pairing::Years(a, b) => (views(old, Some(a), styles), views(new, Some(b), styles)),
        _ => (views(old, None, styles), views(new, None, styles)),
    };
    let files = pairing == Pairing::Files && old_views.len() == 1 && new_views.len() == 1;
    let key = |v: &View| match pairing {
        Pairing::NameAndYear => (v.dept.name.value.trim().to_string(), v.dept.year.value),
        _ if files => (String::new(), 0),
        Pairing::Files => (v.dept.name.value.trim().to_string(), v.dept.year.value),
        Pairing::Years(..) => (v.dept.name.value.trim().to_string(), 0),
    };
    let old_keys: Vec<_> = old_views.iter().map(key).collect();
    let new_keys: Vec<_> = new_views.iter().map(key).collect();
    let mut pairs = pair(&old_keys, &new_keys);
    if matches!(pairing, Pairing::NameAndYear) {
        pair_renamed(&mut pairs, &old_views, &new_views);
    }
    let years = matches!(pairing, Pairing::Years(..));
    let old_failed = failed_files(old.loaded);
    let new_failed = failed_files(new.loaded);

    let mut departments = Vec::new();
    for p in &pairs.order {
        match *p {
            Paired::Both(o, n) => {
                let (o, n) = (&old_views[o], &new_views[n]);
                let scope = if o.dept.year.value == n.dept.year.value {
                    Scope::All
                } else {
                    Scope::Plan
                };
                let changes = compare_departments(o, n, scope);
                departments.push(DeptDiff {
                    department: n.dept.name.value.trim().to_string(),
                    old: Some(o.file_ref()),
                    new: Some(n.file_ref()),
                    status: if changes.is_empty() {
                        Status::Unchanged
                    } else {
                        Status::Changed
                    },
                    changes,
                });
            }
            Paired::New(n) => {
                let v = &new_views[n];
                let unreadable = old_failed.contains(&v.file_name());
                departments.push(one_side(v, false, unreadable, years));
            }
            Paired::Old(o) => {
                let v = &old_views[o];
                let unreadable = new_failed.contains(&v.file_name());
                departments.push(one_side(v, true, unreadable, years));
            }
        }
    }
    let mut unread: Vec<Unread> = Vec::new();
    for (side, names) in [
        ("old", failed_paths(old.loaded)),
        ("new", failed_paths(new.loaded)),
    ] {
        unread.extend(names.into_iter().map(|file| Unread { side, file }));
    }
    Report {
        old: old.label.clone(),
        new: new.label.clone(),
        scope: if departments
            .iter()
            .any(|d| matches!((&d.old, &d.new), (Some(o), Some(n)) if o.year != n.year))
        {
            Scope::Plan
        } else {
            Scope::All
        },
        departments,
        unread,
    }
}

/// The departments of a side (of one year, when given).
fn views<'a>(side: &Side<'a>, year: Option<u32>, styles: &'a Styles) -> Vec<View<'a>> {
    side.loaded
        .departments
        .iter()
        .filter(|d| year.is_none_or(|y| d.year.value == y))
        .map(|d| View {
            dept: d,
            sources: &side.loaded.sources,
            style: styles.get(d.style.value.trim()).ok(),
        })
        .collect()
}

/// A department renamed: the file of the same name and year on each side, neither paired by
/// the department's name, is the same department.
fn pair_renamed(pairs: &mut Pairs, old: &[View], new: &[View]) {
    let mut renamed: Vec<(usize, usize)> = Vec::new();
    for p in &pairs.order {
        let Paired::New(n) = *p else { continue };
        let found = pairs.order.iter().find_map(|q| match *q {
            Paired::Old(o)
                if old[o].file_name() == new[n].file_name()
                    && old[o].dept.year.value == new[n].dept.year.value
                    && !renamed.iter().any(|&(x, _)| x == o) =>
            {
                Some(o)
            }
            _ => None,
        });
        if let Some(o) = found {
            renamed.push((o, n));
        }
    }
    for (o, n) in renamed {
        pairs.order.retain(|q| *q != Paired::Old(o));
        for q in &mut pairs.order {
            if *q == Paired::New(n) {
                *q = Paired::Both(o, n);
            }
        }
    }
}

/// A department only one side has.
fn one_side(v: &View, removed: bool, unreadable: bool, years: bool) -> DeptDiff {
    let name = v.dept.name.value.trim().to_string();
    let file = Some(v.file_ref());
    let (old, new) = if removed { (file, None) } else { (None, file) };
    if unreadable || years {
        return DeptDiff {
            department: name,
            old,
            new,
            status: if unreadable {
                Status::Unreadable
            } else {
                Status::OneYear
            },
            changes: Vec::new(),
        };
    }
    let mut c = Change::new(if removed {
        Kind::DepartmentRemoved
    } else {
        Kind::DepartmentAdded
    });
    let totals: Option<Vec<Decimal>> = v.dept.projects.iter().map(project_total).collect();
    c.total = totals
        .and_then(|t| t.into_iter().try_fold(Decimal::ZERO, Decimal::checked_add))
        .map(|t| t.to_string());
    c.count = Some(v.dept.projects.len());
    let line = v.line(&v.dept.name);
    if removed {
        c.old_line = line;
    } else {
        c.new_line = line;
    }
    DeptDiff {
        department: name,
        old,
        new,
        status: if removed {
            Status::Removed
        } else {
            Status::Added
        },
        changes: vec![c],
    }
}

/// The names (last path component) of the data files of `loaded` that gave no department.
fn failed_files(loaded: &Loaded) -> Vec<String> {
    failed_paths(loaded)
        .iter()
        .map(|p| {
            p.rsplit(['/', '\\', ':'])
                .next()
                .unwrap_or(p.as_str())
                .to_string()
        })
        .collect()
}

/// The data files of `loaded` that gave no department, as shown.
fn failed_paths(loaded: &Loaded) -> Vec<String> {
    let with_dept: Vec<FileId> = loaded.departments.iter().map(|d| d.file).collect();
    let mut out: Vec<String> = (0..loaded.sources.len())
        .filter(|id| !with_dept.contains(id))
        .map(|id| display_path(loaded.sources.path(id)))
        .collect();
    for d in loaded.diagnostics.iter().filter(|d| d.is_error()) {
        if let (None, Some(p)) = (&d.pos, &d.path) {
            let p = display_path(p);
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// A department with what it needs to be compared.
struct View<'a> {
    dept: &'a Department,
    sources: &'a Sources,
    style: Option<&'a LoadedStyle>,
}

impl View<'_> {
    fn line<T>(&self, s: &Spanned<T>) -> Option<usize> {
        crate::load::span_pos(self.sources, self.dept.file, &s.referenced).map(|p| p.line)
    }

    fn file_ref(&self) -> FileRef {
        FileRef {
            file: display_path(self.sources.path(self.dept.file)),
            year: self.dept.year.value,
        }
    }

    fn file_name(&self) -> String {
        let p = display_path(self.sources.path(self.dept.file));
        p.rsplit(['/', '\\', ':'])
            .next()
            .unwrap_or(p.as_str())
            .to_string()
    }

    /// An indicator's canonical levels and name.
    fn key(&self, ind: &Indicator) -> IndKey {
        let raw2 = ind.level2.as_ref().map(|l| l.value.trim().to_string());
        let Some(style) = self.style else {
            return IndKey {
                level1: ind.level1.value.trim().to_string(),
                level2: raw2,
                name: ind.name.value.trim().to_string(),
            };
        };
        let level1 = style.level1(&ind.level1.value);
        let level2 = if style.style.level2 {
            ind.level2.as_ref().map(|w| {
                level1
                    .and_then(|l| style.level2(l, &w.value))
                    .map(str::to_string)
                    .unwrap_or_else(|| style.canonical(&w.value))
            })
        } else {
            None
        };
        IndKey {
            level1: level1
                .map(|l| l.name.clone())
                .unwrap_or_else(|| style.canonical(&ind.level1.value)),
            level2,
            name: ind.name.value.trim().to_string(),
        }
    }
}
