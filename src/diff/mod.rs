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

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_saphyr::Spanned;

use crate::diag::{FileId, Sources, display_path};
use crate::fields::{self, Level};
use crate::load::Loaded;
use crate::model::{Department, Indicator, Num, Project, SelfEval, Text, Texts};
use crate::style::{LoadedStyle, Styles};
use crate::target::{self, Direction, Value};

pub mod source;
pub mod table;

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
    ];

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

/// An indicator's place: canonical 一级, 二级 (where the style has them) and 三级.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndKey {
    pub level1: String,
    pub level2: Option<String>,
    pub name: String,
}

impl IndKey {
    /// `一级/二级/三级`.
    pub fn path(&self) -> String {
        match &self.level2 {
            Some(l2) => format!("{}/{l2}/{}", self.level1, self.name),
            None => format!("{}/{}", self.level1, self.name),
        }
    }
}

/// One entry of a pairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paired {
    Both(usize, usize),
    Old(usize),
    New(usize),
}

/// A pairing of two lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairs {
    /// Every item once: the new list's in its order (paired or not), then the old items no new
    /// one pairs with, in theirs.
    pub order: Vec<Paired>,
}

impl Pairs {
    pub fn both(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.order.iter().filter_map(|p| match *p {
            Paired::Both(o, n) => Some((o, n)),
            _ => None,
        })
    }
}

/// Pairs the items of `old` and `new` with equal keys, whatever their order; items whose key
/// repeats pair in the order they come.
pub fn pair<K: Eq + Hash>(old: &[K], new: &[K]) -> Pairs {
    let mut by_key: HashMap<&K, VecDeque<usize>> = HashMap::new();
    for (i, k) in old.iter().enumerate() {
        by_key.entry(k).or_default().push_back(i);
    }
    let mut used = vec![false; old.len()];
    let mut order = Vec::new();
    for (j, k) in new.iter().enumerate() {
        match by_key.get_mut(k).and_then(VecDeque::pop_front) {
            Some(i) => {
                used[i] = true;
                order.push(Paired::Both(i, j));
            }
            None => order.push(Paired::New(j)),
        }
    }
    order.extend((0..old.len()).filter(|&i| !used[i]).map(Paired::Old));
    Pairs { order }
}

/// A signed difference: `+2.24`, `-5`.
fn signed(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// A text value trimmed; empty is none.
fn text(t: Option<&Text>) -> Option<String> {
    t.map(|t| t.value.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn num(n: Option<&Num>) -> Option<Decimal> {
    n.map(|n| n.value.0)
}

/// A project's money total: the sum of its sources, or its stated total where it has none.
fn project_total(p: &Project) -> Option<Decimal> {
    let filled = p.funds.value.filled();
    if filled.is_empty() {
        return p.funds.value.total().map(|t| t.value.0);
    }
    filled
        .iter()
        .try_fold(Decimal::ZERO, |a, (_, v)| a.checked_add(v.value.0))
}

/// Collects the changes of one department pair.
struct Diff<'a> {
    old: &'a View<'a>,
    new: &'a View<'a>,
    scope: Scope,
    project: Option<String>,
    changes: Vec<Change>,
}

impl Diff<'_> {
    fn push(&mut self, mut c: Change) {
        c.project = self.project.clone();
        self.changes.push(c);
    }

    /// A field that may have changed: pushed when `before` and `after` differ.
    fn field(
        &mut self,
        kind: Kind,
        item: Option<&str>,
        field: &str,
        before: Option<String>,
        after: Option<String>,
        lines: (Option<usize>, Option<usize>),
    ) {
        if before == after {
            return;
        }
        let mut c = Change::new(kind);
        c.item = item.map(str::to_string);
        c.field = Some(field.to_string());
        c.before = before;
        c.after = after;
        c.old_line = lines.0;
        c.new_line = lines.1;
        self.push(c);
    }

    /// A number field: pushed with its difference when the values differ (`10` and `10.00`
    /// are the same).
    fn number(
        &mut self,
        kind: Kind,
        item: Option<&str>,
        field: Option<&str>,
        before: Option<Decimal>,
        after: Option<Decimal>,
        lines: (Option<usize>, Option<usize>),
    ) {
        if before == after {
            return;
        }
        let mut c = Change::new(kind);
        c.item = item.map(str::to_string);
        c.field = field.map(str::to_string);
        c.before = before.map(|d| d.to_string());
        c.after = after.map(|d| d.to_string());
        c.delta = after
            .unwrap_or_default()
            .checked_sub(before.unwrap_or_default())
            .map(signed);
        c.old_line = lines.0;
        c.new_line = lines.1;
        self.push(c);
    }

    fn old_line<T>(&self, s: &Spanned<T>) -> Option<usize> {
        self.old.line(s)
    }

    fn new_line<T>(&self, s: &Spanned<T>) -> Option<usize> {
        self.new.line(s)
    }

    fn lines<T, U>(&self, o: Option<&Spanned<T>>, n: Option<&Spanned<U>>) -> LinePair {
        (
            o.and_then(|s| self.old_line(s)),
            n.and_then(|s| self.new_line(s)),
        )
    }
}

type LinePair = (Option<usize>, Option<usize>);

fn compare_departments(old: &View, new: &View, scope: Scope) -> Vec<Change> {
    let mut d = Diff {
        old,
        new,
        scope,
        project: None,
        changes: Vec::new(),
    };
    let (o, n) = (old.dept, new.dept);
    let lines = d.lines(Some(&o.name), Some(&n.name));
    d.field(
        Kind::DepartmentChanged,
        None,
        "部门",
        text(Some(&o.name)),
        text(Some(&n.name)),
        lines,
    );
    let lines = d.lines(Some(&o.style), Some(&n.style));
    d.field(
        Kind::DepartmentChanged,
        None,
        "样式",
        text(Some(&o.style)),
        text(Some(&n.style)),
        lines,
    );
    let keys = entry_keys(
        o.signatures.iter().map(|(k, _)| k),
        n.signatures.iter().map(|(k, _)| k),
    );
    for key in keys {
        let (ov, nv) = (o.signatures.get(&key), n.signatures.get(&key));
        let lines = d.lines(ov, nv);
        d.field(
            Kind::DepartmentChanged,
            None,
            &format!("签字/{key}"),
            text(ov),
            text(nv),
            lines,
        );
    }
    let notes = |v: &[Text]| -> Option<String> {
        let t: Vec<&str> = v
            .iter()
            .map(|t| t.value.trim())
            .filter(|t| !t.is_empty())
            .collect();
        (!t.is_empty()).then(|| t.join("\n"))
    };
    let lines = d.lines(o.notes.first(), n.notes.first());
    d.field(
        Kind::DepartmentChanged,
        None,
        "备注",
        notes(&o.notes),
        notes(&n.notes),
        lines,
    );

    let names = |ps: &[Project]| -> Vec<String> {
        ps.iter().map(|p| p.name.value.trim().to_string()).collect()
    };
    let pairs = pair(&names(&o.projects), &names(&n.projects));
    for p in &pairs.order {
        match *p {
            Paired::Both(i, j) => compare_projects(&mut d, &o.projects[i], &n.projects[j]),
            Paired::New(j) => {
                let p = &n.projects[j];
                let mut c = project_summary(Kind::ProjectAdded, p);
                c.new_line = d.new_line(&p.name);
                d.project = Some(p.name.value.trim().to_string());
                d.push(c);
            }
            Paired::Old(i) => {
                let p = &o.projects[i];
                let mut c = project_summary(Kind::ProjectRemoved, p);
                c.old_line = d.old_line(&p.name);
                d.project = Some(p.name.value.trim().to_string());
                d.push(c);
            }
        }
    }
    d.changes
}

fn project_summary(kind: Kind, p: &Project) -> Change {
    let mut c = Change::new(kind);
    c.total = project_total(p).map(|t| t.to_string());
    c.count = Some(p.indicators.len());
    c
}

/// The keys of two located maps, trimmed: the new side's in order, then the old side's others.
fn entry_keys<'k>(
    old: impl Iterator<Item = &'k Text>,
    new: impl Iterator<Item = &'k Text>,
) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for k in new.chain(old) {
        let k = k.value.trim().to_string();
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// Extra fields (key, value) of two sides, by key.
/// The text fields kept by key of two versions of a record at `level`: the catalogue's, in its
/// order, then the style's fields either version has.
fn texts<'e, T: Texts>(
    level: Level,
    old: &'e T,
    new: &'e T,
) -> Vec<(String, Option<&'e Text>, Option<&'e Text>)> {
    let mut out: Vec<_> = fields::stored_texts(level)
        .map(|f| (f.key.to_string(), old.text(f.key), new.text(f.key)))
        .collect();
    let (oe, ne) = (old.extras(level), new.extras(level));
    let keys = entry_keys(oe.iter().map(|(k, _)| k), ne.iter().map(|(k, _)| k));
    out.extend(keys.into_iter().map(|k| {
        let (o, n) = (old.text(&k), new.text(&k));
        (k, o, n)
    }));
    out
}

/// Where a project's money total is: its stated total, or its first source.
fn money_at(m: &crate::model::Sources<Num>) -> Option<&Num> {
    m.total().or_else(|| m.filled().first().map(|(_, v)| *v))
}

fn compare_projects(d: &mut Diff, o: &Project, n: &Project) {
    d.project = Some(n.name.value.trim().to_string());
    for (key, ov, nv) in texts(Level::Project, o, n) {
        let lines = d.lines(ov, nv);
        d.field(Kind::ProjectChanged, None, &key, text(ov), text(nv), lines);
    }

    // Money, by source; then the total where the sources do not already say it.
    let (om, nm) = (&o.funds.value, &n.funds.value);
    let keys = entry_keys(
        om.filled().into_iter().map(|(k, _)| k),
        nm.filled().into_iter().map(|(k, _)| k),
    );
    let before = d.changes.len();
    for key in &keys {
        let (ov, nv) = (om.get(key), nm.get(key));
        let lines = d.lines(ov, nv);
        d.number(Kind::MoneyChanged, Some(key), None, num(ov), num(nv), lines);
    }
    let per_source = d.changes.len() - before;
    let (ot, nt) = (project_total(o), project_total(n));
    let sources = om.filled().len().max(nm.filled().len());
    if ot != nt && (sources != 1 || per_source == 0) {
        let lines = d.lines(money_at(om), money_at(nm));
        d.number(
            Kind::MoneyChanged,
            Some(crate::model::TOTAL_KEY),
            None,
            ot,
            nt,
            lines,
        );
    }

    // The overall goal, as a whole.
    let goals = |p: &Project| -> Option<String> {
        let g = p.goals.as_ref()?;
        let t: Vec<&str> = g
            .value
            .texts()
            .into_iter()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        (!t.is_empty()).then(|| t.join("\n"))
    };
    if goals(o) != goals(n) {
        let mut c = Change::new(Kind::GoalsChanged);
        c.before = goals(o);
        c.after = goals(n);
        c.old_line = o.goals.as_ref().and_then(|g| d.old_line(g));
        c.new_line = n.goals.as_ref().and_then(|g| d.new_line(g));
        d.push(c);
    }

    compare_indicators(d, o, n);

    if d.scope == Scope::All {
        compare_evals(d, o, n);
    }
}

fn compare_indicators(d: &mut Diff, o: &Project, n: &Project) {
    let ok: Vec<IndKey> = o.indicators.iter().map(|i| d.old.key(i)).collect();
    let nk: Vec<IndKey> = n.indicators.iter().map(|i| d.new.key(i)).collect();
    let pairs = pair(&ok, &nk);
    // Of those left over, one 三级 name on each side: the same indicator, moved.
    let left_old: Vec<usize> = pairs
        .order
        .iter()
        .filter_map(|p| match *p {
            Paired::Old(i) => Some(i),
            _ => None,
        })
        .collect();
    let left_new: Vec<usize> = pairs
        .order
        .iter()
        .filter_map(|p| match *p {
            Paired::New(j) => Some(j),
            _ => None,
        })
        .collect();
    let unique = |keys: &[IndKey], left: &[usize], name: &str| -> Option<usize> {
        let mut it = left.iter().filter(|&&i| keys[i].name == name);
        match (it.next(), it.next()) {
            (Some(&i), None) => Some(i),
            _ => None,
        }
    };
    let mut moved: HashMap<usize, usize> = HashMap::new(); // new → old
    for &j in &left_new {
        if let (Some(i), Some(_)) = (
            unique(&ok, &left_old, &nk[j].name),
            unique(&nk, &left_new, &nk[j].name),
        ) {
            moved.insert(j, i);
        }
    }
    let moved_old: Vec<usize> = moved.values().copied().collect();
    let mut removed = Vec::new();
    for p in &pairs.order {
        match *p {
            Paired::Both(i, j) => {
                compare_indicator(d, &o.indicators[i], &n.indicators[j], &nk[j]);
            }
            Paired::New(j) => {
                let ind = &n.indicators[j];
                if let Some(&i) = moved.get(&j) {
                    let mut c = Change::new(Kind::IndicatorMoved);
                    c.item = Some(nk[j].name.clone());
                    c.before = Some(ok[i].path());
                    c.after = Some(nk[j].path());
                    c.old_line = d.old_line(&o.indicators[i].name);
                    c.new_line = d.new_line(&ind.name);
                    d.push(c);
                    compare_indicator(d, &o.indicators[i], ind, &nk[j]);
                } else {
                    let mut c = Change::new(Kind::IndicatorAdded);
                    c.item = Some(nk[j].path());
                    c.after = text(Some(&ind.target));
                    c.weight = num(ind.weight.as_ref()).map(|w| w.to_string());
                    c.new_line = d.new_line(&ind.name);
                    d.push(c);
                }
            }
            Paired::Old(i) if !moved_old.contains(&i) => removed.push(i),
            Paired::Old(_) => {}
        }
    }
    for i in removed {
        let ind = &o.indicators[i];
        let mut c = Change::new(Kind::IndicatorRemoved);
        c.item = Some(ok[i].path());
        c.before = text(Some(&ind.target));
        c.weight = num(ind.weight.as_ref()).map(|w| w.to_string());
        c.old_line = d.old_line(&ind.name);
        d.push(c);
    }
}

fn compare_indicator(d: &mut Diff, o: &Indicator, n: &Indicator, key: &IndKey) {
    let item = key.path();
    if let Some(mut c) = compare_target(&o.target.value, &n.target.value) {
        c.item = Some(item.clone());
        c.old_line = d.old_line(&o.target);
        c.new_line = d.new_line(&n.target);
        d.push(c);
    }
    let lines = d.lines(o.weight.as_ref(), n.weight.as_ref());
    d.number(
        Kind::WeightChanged,
        Some(&item),
        None,
        num(o.weight.as_ref()),
        num(n.weight.as_ref()),
        lines,
    );
    let mut fields: Vec<(&str, Option<&Text>, Option<&Text>)> = vec![
        ("依据", o.basis.as_ref(), n.basis.as_ref()),
        ("赋分规则", o.scoring.as_ref(), n.scoring.as_ref()),
    ];
    // The catalogue's texts (描述), then below the style's fields.
    let stored = texts(Level::Indicator, o, n);
    let (catalogue, extras) = stored.split_at(fields::stored_texts(Level::Indicator).count());
    fields.extend(catalogue.iter().map(|(k, ov, nv)| (k.as_str(), *ov, *nv)));
    if d.scope == Scope::All {
        fields.push(("上年完成值", o.last_year.as_ref(), n.last_year.as_ref()));
    }
    for (key, ov, nv) in fields {
        let lines = d.lines(ov, nv);
        d.field(
            Kind::IndicatorChanged,
            Some(&item),
            key,
            text(ov),
            text(nv),
            lines,
        );
    }
    // 佐证资料: which kinds, not their order.
    let evidence = |v: &[Text]| -> Option<String> {
        let mut t: Vec<&str> = v
            .iter()
            .map(|t| t.value.trim())
            .filter(|t| !t.is_empty())
            .collect();
        t.sort_unstable();
        t.dedup();
        (!t.is_empty()).then(|| t.join("、"))
    };
    let lines = d.lines(o.evidence.first(), n.evidence.first());
    d.field(
        Kind::IndicatorChanged,
        Some(&item),
        "佐证资料",
        evidence(&o.evidence),
        evidence(&n.evidence),
        (
            lines.0.or_else(|| d.old_line(&o.name)),
            lines.1.or_else(|| d.new_line(&n.name)),
        ),
    );
    for (key, ov, nv) in extras {
        let (ov, nv) = (*ov, *nv);
        let lines = d.lines(ov, nv);
        d.field(
            Kind::IndicatorChanged,
            Some(&item),
            key,
            text(ov),
            text(nv),
            lines,
        );
    }
}

/// A target as compared when it is not a quantity: without spaces, with `≥`/`≤` for
/// `>=`/`<=` and `%` for `％`.
fn normal(t: &str) -> String {
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    target::display(&t, true).replace('％', "%")
}

/// How a target changed, if it did: raised or lowered (one comparison and unit, another
/// number), changed otherwise; nothing for another spelling of the same target.
pub fn compare_target(old: &str, new: &str) -> Option<Change> {
    let (o, n) = (old.trim(), new.trim());
    if o == n {
        return None;
    }
    let mut c = Change::new(Kind::TargetChanged);
    c.before = Some(o.to_string());
    c.after = Some(n.to_string());
    match (target::parse(o), target::parse(n)) {
        (
            Value::Quantity {
                op: oo,
                number: on,
                unit: ou,
            },
            Value::Quantity {
                op: no,
                number: nn,
                unit: nu,
            },
        ) if oo == no && ou == nu => {
            if on == nn {
                return None;
            }
            let raised = nn > on;
            c.kind = if raised {
                Kind::TargetRaised
            } else {
                Kind::TargetLowered
            };
            c.delta = nn.checked_sub(on).map(|d| format!("{}{nu}", signed(d)));
            c.direction = match oo.map(target::Op::direction) {
                Some(Direction::Positive) if raised => Some(Strictness::Stricter),
                Some(Direction::Positive) => Some(Strictness::Looser),
                Some(Direction::Negative) if raised => Some(Strictness::Looser),
                Some(Direction::Negative) => Some(Strictness::Stricter),
                _ => None,
            };
            Some(c)
        }
        (Value::Quantity { .. }, _) | (_, Value::Quantity { .. }) => Some(c),
        _ if normal(o) == normal(n) => None,
        _ => Some(c),
    }
}

fn compare_evals(d: &mut Diff, o: &Project, n: &Project) {
    let (oe, ne) = match (&o.eval, &n.eval) {
        (None, None) => return,
        (None, Some(e)) => {
            let mut c = Change::new(Kind::EvalAdded);
            c.count = Some(e.indicators.len());
            c.after = text(Some(&e.outcome));
            c.new_line = d.new_line(&e.outcome);
            d.push(c);
            return;
        }
        (Some(e), None) => {
            let mut c = Change::new(Kind::EvalRemoved);
            c.count = Some(e.indicators.len());
            c.before = text(Some(&e.outcome));
            c.old_line = d.old_line(&e.outcome);
            d.push(c);
            return;
        }
        (Some(a), Some(b)) => (a, b),
    };
    compare_eval_money(d, oe, ne);
    let fields: [(&str, Option<&Text>, Option<&Text>); 3] = [
        ("执行率", oe.stated_rate.as_ref(), ne.stated_rate.as_ref()),
        (
            "执行得分调整理由",
            oe.exec_override.as_ref(),
            ne.exec_override.as_ref(),
        ),
        ("实际完成情况", Some(&oe.outcome), Some(&ne.outcome)),
    ];
    for (key, ov, nv) in fields {
        let lines = d.lines(ov, nv);
        d.field(Kind::EvalChanged, None, key, text(ov), text(nv), lines);
    }
    for (key, ov, nv) in [
        (
            "执行得分",
            oe.stated_exec_score.as_ref(),
            ne.stated_exec_score.as_ref(),
        ),
        ("总分", oe.stated_total.as_ref(), ne.stated_total.as_ref()),
    ] {
        let lines = d.lines(ov, nv);
        d.number(Kind::EvalChanged, None, Some(key), num(ov), num(nv), lines);
    }
    // Each indicator's result, by the indicator it refers to.
    let refs = |e: &SelfEval| -> Vec<String> {
        e.indicators
            .iter()
            .map(|r| r.indicator.value.trim().to_string())
            .collect()
    };
    let pairs = pair(&refs(oe), &refs(ne));
    for p in &pairs.order {
        match *p {
            Paired::Both(i, j) => {
                let (a, b) = (&oe.indicators[i], &ne.indicators[j]);
                let item = b.indicator.value.trim().to_string();
                for (key, ov, nv) in [
                    ("实际完成值", a.actual.as_ref(), b.actual.as_ref()),
                    ("等级", a.grade.as_ref(), b.grade.as_ref()),
                    ("偏差原因", a.reason.as_ref(), b.reason.as_ref()),
                    (
                        "得分调整理由",
                        a.score_override.as_ref(),
                        b.score_override.as_ref(),
                    ),
                ] {
                    let lines = d.lines(ov, nv);
                    d.field(
                        Kind::EvalChanged,
                        Some(&item),
                        key,
                        text(ov),
                        text(nv),
                        lines,
                    );
                }
                let lines = d.lines(a.score.as_ref(), b.score.as_ref());
                d.number(
                    Kind::EvalChanged,
                    Some(&item),
                    Some("得分"),
                    num(a.score.as_ref()),
                    num(b.score.as_ref()),
                    lines,
                );
            }
            Paired::New(j) => {
                let b = &ne.indicators[j];
                let item = b.indicator.value.trim().to_string();
                let lines = (None, d.new_line(&b.indicator));
                d.field(
                    Kind::EvalChanged,
                    Some(&item),
                    "实际完成值",
                    None,
                    text(b.actual.as_ref()).or(Some(String::new())),
                    lines,
                );
            }
            Paired::Old(i) => {
                let a = &oe.indicators[i];
                let item = a.indicator.value.trim().to_string();
                let lines = (d.old_line(&a.indicator), None);
                d.field(
                    Kind::EvalChanged,
                    Some(&item),
                    "实际完成值",
                    text(a.actual.as_ref()).or(Some(String::new())),
                    None,
                    lines,
                );
            }
        }
    }
    for (key, ov, nv) in texts(Level::Eval, oe, ne) {
        let lines = d.lines(ov, nv);
        d.field(Kind::EvalChanged, None, &key, text(ov), text(nv), lines);
    }
}

fn compare_eval_money(d: &mut Diff, oe: &SelfEval, ne: &SelfEval) {
    let (om, nm) = (&oe.funds.value, &ne.funds.value);
    let keys = entry_keys(om.iter().map(|(k, _)| k), nm.iter().map(|(k, _)| k));
    for key in keys {
        let (oa, na) = (om.get(&key), nm.get(&key));
        let measures = [
            (
                "年初预算",
                oa.and_then(|a| a.initial.as_ref()),
                na.and_then(|a| a.initial.as_ref()),
            ),
            ("全年预算", oa.map(|a| &a.budget), na.map(|a| &a.budget)),
            ("全年执行", oa.map(|a| &a.executed), na.map(|a| &a.executed)),
        ];
        for (measure, ov, nv) in measures {
            let lines = d.lines(ov, nv);
            d.number(
                Kind::EvalChanged,
                None,
                Some(&format!("资金/{key}/{measure}")),
                num(ov),
                num(nv),
                lines,
            );
        }
    }
}
