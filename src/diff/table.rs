//! The 绩效目标变动对照表: a [`Report`] as a table plan ([`Document`]), one section per
//! department, one row per change (before · after · change), drawn by the same PDF and xlsx
//! renderers as every other table. Every printed word — title, column headings, the name of
//! each kind of change, the words for stricter and looser targets — is a minijinja pattern of
//! `templates/changes/table.yaml`; the report's values are only ever variables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use minijinja::Value;
use serde::Deserialize;

use super::{Change, DeptDiff, Kind, Report, Status, Strictness};
use crate::diag::{Diagnostic, FileId};
use crate::load::Loaded;
use crate::plan::context::Vars;
use crate::plan::records::{Figure, Records};
use crate::plan::{Document, Issuer, Keywords, Over, Part, PlanError};
use crate::rules::{self, Rule};
use crate::style::common::{self, MAX_MONEY_DECIMALS};
use crate::style::patterns::Patterns;
use crate::style::records::{FigureKind, RecordNames};
use crate::style::{DocumentSpec, SText};

/// The directory of the table's files under `templates/`.
pub const DIR: &str = "changes";
/// The table's settings file in [`DIR`].
pub const FILE: &str = "table.yaml";

/// `templates/changes/table.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    /// The table: a document of the style vocabulary over a department's changes — page
    /// settings as a style's documents, a `records` block of a row per change.
    document: DocumentSpec,
    /// Per kind of change (`target_raised`, …): its name, and patterns for the before and
    /// after cells where the plain values would not say enough.
    kinds: crate::model::Entries<KindSpec>,
    directions: Directions,
    /// Font chains by role, as in a style.
    fonts: BTreeMap<String, Vec<String>>,
    /// Decimals of printed money (万元): the amounts of a 资金调整 or of a self-evaluation's
    /// money, their difference and the 合计 of an added or removed project or department.
    #[serde(default = "crate::style::common::money_decimals")]
    decimals: u32,
}

/// A money amount of a change (`15`, `+1.23456`) with `decimals`, its sign kept; any other
/// text as it is.
fn money_text(text: &str, decimals: u32) -> String {
    let (plus, digits) = match text.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", text),
    };
    match digits.parse::<rust_decimal::Decimal>() {
        Ok(d) => format!(
            "{plus}{}",
            crate::plan::context::format_number(d, decimals.min(MAX_MONEY_DECIMALS), false)
        ),
        Err(_) => text.to_string(),
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct KindSpec {
    label: SText,
    #[serde(default)]
    before: Option<SText>,
    #[serde(default)]
    after: Option<SText>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Directions {
    stricter: SText,
    looser: SText,
}

/// The variables of the table's title lines, notes and signature.
pub const TABLE_VARIABLES: &[&str] = &[
    "部门",
    "年度",
    "变动前版本",
    "变动后版本",
    "变动前文件",
    "变动后文件",
    "变动数",
];

/// What the table's patterns may read: the table's variables everywhere, a change's in a row.
const NAMES: RecordNames = RecordNames {
    layout: "变动对照表",
    signature: true,
    only: false,
    page: TABLE_VARIABLES,
    row: &[
        ("序号", &[]),
        ("项目", &[]),
        ("事项", &[]),
        ("对象", &[]),
        ("字段", &[]),
        ("内容", &[]),
        ("变动前", &[]),
        ("变动后", &[]),
        ("差额", &[]),
        ("方向", &[]),
        ("合计", &[]),
        ("数量", &[]),
        ("权重", &[]),
        ("原行号", &[]),
        ("新行号", &[]),
    ],
    lists: &[],
    field: |_| None,
    fields: || "（变动对照表的列只写 text）".to_string(),
    syntax_help: "模式是 minijinja 模板：变量写成 {{ 变动前 }}",
};

/// The table's settings, checked, with their patterns compiled.
pub struct Table {
    spec: Spec,
    patterns: Patterns,
    /// `templates/changes/`.
    pub dir: PathBuf,
}

impl Table {
    /// Reads and checks `<templates>/changes/table.yaml`; its problems go to `loaded` at their
    /// `file:line:col` (rules JX501–JX506, as for a style). `None` when it has errors.
    pub fn load(templates: &Path, loaded: &mut Loaded) -> Option<Table> {
        let root = crate::style::dirs::layer(templates, DIR);
        let dir = root.join(DIR);
        let path = dir.join(FILE);
        let from = loaded.diagnostics.len();
        let Some((spec, file)) = common::read_yaml(
            &root,
            &path,
            "变动对照表的版式",
            &rules::STYLE_FORMAT,
            loaded,
            crate::load::parse_as::<Spec>,
        ) else {
            common::old_form_hint(
                loaded,
                from,
                &[
                    "title",
                    "subtitle",
                    "unit_line",
                    "unit_note",
                    "template",
                    "landscape",
                    "columns",
                    "empty",
                    "notes",
                    "signature",
                ],
                "这是旧版 jixiao 的变动对照表写法（页面设置与栏目直接写在文件顶层），现在不再读取：\
                 改写在 document 中（见 docs/styles.md 第 10 节），\
                 或用新版 jixiao 附带的 templates/changes/ 替换这个目录",
            );
            return None;
        };
        let mut cx = Cx {
            loaded,
            file,
            patterns: Patterns::new(),
            errors: 0,
        };
        cx.validate(&spec);
        if cx.errors > 0 {
            return None;
        }
        let patterns = cx.patterns;
        Some(Table {
            spec,
            patterns,
            dir,
        })
    }

    /// Font chains by role.
    pub fn fonts(&self) -> &BTreeMap<String, Vec<String>> {
        &self.spec.fonts
    }

    fn render(&self, p: &SText, ctx: &Value) -> Result<String, PlanError> {
        self.patterns
            .render(&p.value, ctx)
            .map_err(|e| PlanError::pattern_in(self.dir.join(FILE), p, &e))
    }

    /// The report as a document: a section per department with changes (or, when none has
    /// any, per department compared, each saying so), a row per change. `stem` names the
    /// output files.
    pub fn plan(&self, report: &Report, stem: &str) -> Result<Document, PlanError> {
        let shown: Vec<&DeptDiff> = report
            .departments
            .iter()
            .filter(|d| !d.changes.is_empty())
            .collect();
        let shown = if shown.is_empty() {
            report
                .departments
                .iter()
                .filter(|d| !matches!(d.status, Status::Unreadable | Status::OneYear))
                .collect()
        } else {
            shown
        };
        let shown: Vec<Option<&DeptDiff>> = if shown.is_empty() {
            vec![None]
        } else {
            shown.into_iter().map(Some).collect()
        };
        // Each section's variables, then its records (which read them).
        let vars: Vec<Vars> = shown.iter().map(|d| self.table_vars(report, *d)).collect();
        let changes: Vec<Changes> = shown
            .iter()
            .zip(&vars)
            .map(|(d, base)| Changes {
                table: self,
                base,
                changes: d.map(|d| d.changes.as_slice()).unwrap_or_default(),
            })
            .collect();
        let parts: Vec<Part> = shown
            .iter()
            .zip(&changes)
            .zip(&vars)
            .map(|((d, records), vars)| Part {
                over: Over::Records {
                    records,
                    decimals: self.spec.decimals,
                },
                vars: vars.clone(),
                name: Some(d.map(|d| d.department.clone()).unwrap_or_default()),
            })
            .collect();
        let first = shown[0];
        let year = first
            .and_then(|d| d.new.as_ref().or(d.old.as_ref()))
            .map_or(0, |f| f.year);
        let department = first.map(|d| d.department.clone()).unwrap_or_default();
        let render = |p: &SText, ctx: &Value| self.render(p, ctx);
        let issuer = Issuer {
            style: DIR,
            author: department.clone(),
            department,
            year: u16::try_from(year).unwrap_or(0),
            vars: vars[0].clone(),
            render: &render,
            file_stem: Some(stem.to_string()),
            signature: None,
            title_names_department: false,
            keywords: Keywords::TitleAnd(year.to_string()),
        };
        crate::plan::plan(&self.spec.document, 0, &issuer, &parts)
    }

    fn table_vars(&self, report: &Report, d: Option<&DeptDiff>) -> Vars {
        let file =
            |f: Option<&super::FileRef>| Value::from(f.map(|f| f.file.clone()).unwrap_or_default());
        let mut v = Vars::new();
        v.insert(
            "部门",
            Value::from(d.map(|d| d.department.clone()).unwrap_or_default()),
        );
        // Both years where they differ (two years of a department compared).
        let year = match d.map(|d| (d.old.as_ref(), d.new.as_ref())) {
            Some((Some(o), Some(n))) if o.year != n.year => format!("{} → {}", o.year, n.year),
            Some((o, n)) => n.or(o).map(|f| f.year.to_string()).unwrap_or_default(),
            None => String::new(),
        };
        v.insert("年度", Value::from(year));
        v.insert("变动前版本", Value::from(report.old.clone()));
        v.insert("变动后版本", Value::from(report.new.clone()));
        v.insert("变动前文件", file(d.and_then(|d| d.old.as_ref())));
        v.insert("变动后文件", file(d.and_then(|d| d.new.as_ref())));
        v.insert("变动数", Value::from(d.map_or(0, |d| d.changes.len())));
        v
    }

    /// The variables of the row of the change `c`, numbered `n`: the table's, and the
    /// change's (its kind's name, the words of its direction, its before and after as the
    /// kind prints them).
    fn row_vars(&self, base: &Vars, n: usize, c: &Change) -> Result<Vars, PlanError> {
        // A kind added after the layout was written prints with its own label.
        let later = KindSpec {
            label: crate::model::plain_text(c.kind.label()),
            before: None,
            after: None,
        };
        let kind = match self.kind(c.kind) {
            Some(k) => k,
            None if Kind::LATER.contains(&c.kind) => &later,
            None => {
                return Err(PlanError::ChangeKind {
                    key: c.kind.key().to_string(),
                });
            }
        };
        let s = |o: &Option<String>| Value::from(o.clone().unwrap_or_default());
        // Money with the table's decimals: amounts of money changes, and totals.
        let decimals = self.spec.decimals;
        let is_money = c.kind == Kind::MoneyChanged
            || (c.kind == Kind::EvalChanged
                && c.field.as_deref().is_some_and(|f| f.starts_with("资金/")));
        let money = |o: &Option<String>| {
            Value::from(
                o.as_deref()
                    .map(|t| money_text(t, decimals))
                    .unwrap_or_default(),
            )
        };
        let amount = |o: &Option<String>| if is_money { money(o) } else { s(o) };
        let mut v = base.clone();
        v.insert("序号", Value::from(n));
        v.insert("项目", s(&c.project));
        v.insert("对象", s(&c.item));
        v.insert("字段", s(&c.field));
        let what: Vec<&str> = [&c.item, &c.field]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        v.insert("内容", Value::from(what.join("/")));
        v.insert("变动前", amount(&c.before));
        v.insert("变动后", amount(&c.after));
        v.insert("差额", amount(&c.delta));
        v.insert("合计", money(&c.total));
        v.insert(
            "数量",
            c.count
                .map_or(Value::from(""), |n| Value::from(n.to_string())),
        );
        v.insert("权重", s(&c.weight));
        let line = |l: Option<usize>| l.map_or(Value::from(""), |l| Value::from(l.to_string()));
        v.insert("原行号", line(c.old_line));
        v.insert("新行号", line(c.new_line));
        let direction = match c.direction {
            Some(Strictness::Stricter) => {
                self.render(&self.spec.directions.stricter, &context(&v))?
            }
            Some(Strictness::Looser) => self.render(&self.spec.directions.looser, &context(&v))?,
            None => String::new(),
        };
        v.insert("方向", Value::from(direction));
        v.insert("事项", Value::from(self.render(&kind.label, &context(&v))?));
        if let Some(p) = &kind.before {
            let t = self.render(p, &context(&v))?;
            v.insert("变动前", Value::from(t));
        }
        if let Some(p) = &kind.after {
            let t = self.render(p, &context(&v))?;
            v.insert("变动后", Value::from(t));
        }
        Ok(v)
    }

    fn kind(&self, kind: Kind) -> Option<&KindSpec> {
        self.spec.kinds.get(kind.key())
    }
}

fn context(v: &Vars) -> Value {
    crate::plan::context::context(&[v])
}

/// A department's changes as the records of the table: a row each, every column a text.
struct Changes<'t> {
    table: &'t Table,
    base: &'t Vars,
    changes: &'t [Change],
}

impl Records for Changes<'_> {
    fn count(&self) -> usize {
        self.changes.len()
    }

    fn kind(&self, _: &str) -> Option<FigureKind> {
        None
    }

    fn figure(&self, _: Option<usize>, _: &str) -> Figure {
        Figure::Empty
    }

    fn vars(&self, record: usize, n: usize) -> Result<Vars, PlanError> {
        self.table.row_vars(self.base, n, &self.changes[record])
    }

    fn label(&self, record: usize) -> String {
        self.changes[record].kind.key().to_string()
    }

    fn list(&self, _: &str) -> Vec<Vars> {
        Vec::new()
    }
}

/// Checking `table.yaml`.
struct Cx<'l> {
    loaded: &'l mut Loaded,
    file: FileId,
    patterns: Patterns,
    errors: usize,
}

impl Cx<'_> {
    fn emit(&mut self, rule: &'static Rule, at: &SText, msg: String, help: Option<String>) {
        let pos = crate::load::span_pos(&self.loaded.sources, self.file, &at.referenced);
        let mut d = Diagnostic::new(rule, pos, msg);
        if let Some(h) = help {
            d = d.help(h);
        }
        if d.is_error() {
            self.errors += 1;
        }
        self.loaded.diagnostics.push(d);
    }

    /// Compiles a pattern and checks every name it reads against `allowed`.
    fn pattern(&mut self, p: &SText, allowed: &[&str]) {
        let findings = common::check_pattern(
            &mut self.patterns,
            p,
            "模式是 minijinja 模板：变量写成 {{ 变动前 }}",
            |v| {
                let root = v.root();
                if allowed.contains(&root) {
                    Ok(())
                } else {
                    Err((
                        format!("没有变量“{root}”"),
                        Some(format!("此处可用的变量：{}", allowed.join("、"))),
                    ))
                }
            },
        );
        let mut diags = Vec::new();
        self.errors +=
            common::emit_findings(findings, p, &self.loaded.sources, self.file, &mut diags);
        self.loaded.diagnostics.extend(diags);
    }

    fn validate(&mut self, spec: &Spec) {
        let doc = &spec.document;
        if let Some(message) = common::decimals_problem(spec.decimals) {
            self.emit(&rules::STYLE_FORMAT, &doc.title, message, None);
        }
        let dir = self
            .loaded
            .sources
            .path(self.file)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let found = crate::style::records::check(
            std::slice::from_ref(doc),
            &dir,
            &NAMES,
            &mut self.patterns,
            &self.loaded.sources,
            self.file,
        );
        self.errors += found.iter().filter(|d| d.is_error()).count();
        self.loaded.diagnostics.extend(found);
        let row: Vec<&str> = TABLE_VARIABLES
            .iter()
            .copied()
            .chain(NAMES.row.iter().map(|(r, _)| *r))
            .collect();
        self.pattern(&spec.directions.stricter, &row);
        self.pattern(&spec.directions.looser, &row);
        for (key, k) in spec.kinds.iter() {
            if !Kind::ALL.iter().any(|x| x.key() == key.value.trim()) {
                let all: Vec<&str> = Kind::ALL.iter().map(|k| k.key()).collect();
                self.emit(
                    &rules::STYLE_FORMAT,
                    key,
                    format!("没有“{}”这种变动", key.value),
                    Some(format!("可用：{}", all.join("、"))),
                );
            }
            self.pattern(&k.label, &row);
            for p in k.before.iter().chain(&k.after) {
                self.pattern(p, &row);
            }
        }
        for kind in Kind::ALL {
            if spec.kinds.get(kind.key()).is_none() && !Kind::LATER.contains(kind) {
                self.emit(
                    &rules::STYLE_CONFLICT,
                    &doc.title,
                    format!("kinds 中缺少“{}”（{}）", kind.key(), kind.label()),
                    Some(format!("在 kinds 下写 {}: {{label: …}}", kind.key())),
                );
            }
        }
    }
}
