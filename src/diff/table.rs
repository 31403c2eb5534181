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
use crate::plan::{Align, Cell, Document, Row, RowKind, Section};
use crate::rules::{self, Rule};
use crate::style::common::{self, ColumnSpec, MAX_MONEY_DECIMALS};
use crate::style::patterns::Patterns;
use crate::style::{SText, SignatureSpec};

/// The directory of the table's files under `templates/`.
pub const DIR: &str = "changes";
/// The table's settings file in [`DIR`].
pub const FILE: &str = "table.yaml";

/// `templates/changes/table.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    title: SText,
    #[serde(default)]
    subtitle: Option<SText>,
    #[serde(default)]
    unit_line: Option<SText>,
    #[serde(default)]
    unit_note: Option<SText>,
    /// The page template, a file of [`DIR`] (`table.typ.j2`).
    template: SText,
    #[serde(default)]
    landscape: bool,
    columns: Vec<ColumnSpec>,
    /// Per kind of change (`target_raised`, …): its name, and patterns for the before and
    /// after cells where the plain values would not say enough.
    kinds: crate::model::Entries<KindSpec>,
    directions: Directions,
    /// The one row of a table without changes.
    empty: SText,
    #[serde(default)]
    notes: Vec<SText>,
    #[serde(default)]
    signature: Vec<SignatureSpec>,
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

/// The variables of a row (besides the table's).
pub const ROW_VARIABLES: &[&str] = &[
    "序号",
    "项目",
    "事项",
    "对象",
    "字段",
    "内容",
    "变动前",
    "变动后",
    "差额",
    "方向",
    "合计",
    "数量",
    "权重",
    "原行号",
    "新行号",
];

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
        let (spec, file) = common::read_yaml(
            &root,
            &path,
            "变动对照表的版式",
            &rules::STYLE_FORMAT,
            loaded,
            crate::load::parse_as::<Spec>,
        )?;
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

    /// The page template, `changes/<file>`.
    pub fn template(&self) -> String {
        format!("{DIR}/{}", self.spec.template.value.trim())
    }

    fn render(&self, p: &SText, ctx: &Value) -> Result<String, String> {
        self.patterns.render(&p.value, ctx).map_err(|e| {
            format!(
                "{}:{}:{}：模式“{}”无法生成：{e}",
                crate::diag::display_path(&self.dir.join(FILE)),
                p.referenced.line(),
                p.referenced.column(),
                p.value
            )
        })
    }

    /// The report as a document: a section per department with changes (or, when none has
    /// any, per department compared, each saying so), a row per change. `stem` names the
    /// output files.
    pub fn plan(&self, report: &Report, stem: &str) -> Result<Document, String> {
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
        let mut sections = Vec::new();
        for d in &shown {
            sections.push(self.section(report, Some(d))?);
        }
        if sections.is_empty() {
            sections.push(self.section(report, None)?);
        }
        let first = shown.first().copied();
        let base = self.table_vars(report, first);
        let ctx = context(&base);
        let title = self.render(&self.spec.title, &ctx)?;
        let year = first
            .and_then(|d| d.new.as_ref().or(d.old.as_ref()))
            .map_or(0, |f| f.year);
        Ok(Document {
            kind: "changes".to_string(),
            style: DIR.to_string(),
            template: self.template(),
            file_stem: stem.to_string(),
            title: title.clone(),
            author: first.map(|d| d.department.clone()).unwrap_or_default(),
            subject: title.clone(),
            keywords: vec![title, year.to_string()],
            department: first.map(|d| d.department.clone()).unwrap_or_default(),
            year: u16::try_from(year).unwrap_or(0),
            landscape: self.spec.landscape,
            fit_page: false,
            preamble: None,
            sections,
        })
    }

    fn table_vars(&self, report: &Report, d: Option<&DeptDiff>) -> BTreeMap<&'static str, Value> {
        let file =
            |f: Option<&super::FileRef>| Value::from(f.map(|f| f.file.clone()).unwrap_or_default());
        let mut v = BTreeMap::new();
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

    fn section(&self, report: &Report, d: Option<&DeptDiff>) -> Result<Section, String> {
        let base = self.table_vars(report, d);
        let ctx = context(&base);
        let spec = &self.spec;
        let optional = |p: &Option<SText>| -> Result<Option<String>, String> {
            match p {
                Some(p) => self.render(p, &ctx).map(|s| (!s.is_empty()).then_some(s)),
                None => Ok(None),
            }
        };
        let heading = spec
            .columns
            .iter()
            .map(|c| {
                Ok(crate::plan::cells::Heading {
                    label: self.render(&c.label, &ctx)?,
                    group: None,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut rows = crate::plan::cells::heading_rows(&heading);
        let changes = d.map(|d| d.changes.as_slice()).unwrap_or_default();
        for (n, c) in changes.iter().enumerate() {
            rows.push(self.row(&base, n + 1, c)?);
        }
        if changes.is_empty() {
            let text = self.render(&spec.empty, &ctx)?;
            rows.push(Row::new(
                RowKind::Body,
                vec![
                    Cell::text(0, text, crate::plan::Role::Text)
                        .span(1, spec.columns.len())
                        .align(Align::Center),
                ],
            ));
        }
        let (notes, signature) =
            crate::plan::notes_and_signature(&spec.notes, &spec.signature, |p| {
                self.render(p, &ctx)
            })?;
        Ok(Section {
            name: d.map(|d| d.department.clone()).unwrap_or_default(),
            heading: None,
            title: self.render(&spec.title, &ctx)?,
            subtitle: optional(&spec.subtitle)?,
            unit_line: optional(&spec.unit_line)?,
            unit_note: optional(&spec.unit_note)?,
            columns: spec
                .columns
                .iter()
                .map(|c| c.width.unwrap_or(1.0))
                .collect(),
            rows,
            notes,
            signature,
            chart: None,
        })
    }

    fn row(
        &self,
        base: &BTreeMap<&'static str, Value>,
        n: usize,
        c: &Change,
    ) -> Result<Row, String> {
        // A kind added after the layout was written prints with its own label.
        let later = KindSpec {
            label: crate::model::plain_text(c.kind.label()),
            before: None,
            after: None,
        };
        let kind = match self.kind(c.kind) {
            Some(k) => k,
            None if Kind::LATER.contains(&c.kind) => &later,
            None => return Err(format!("变动对照表的版式没有“{}”", c.kind.key())),
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
        let ctx = context(&v);
        let mut cells = Vec::new();
        for (i, col) in self.spec.columns.iter().enumerate() {
            let text = match &col.text {
                Some(t) => self.render(t, &ctx)?,
                None => String::new(),
            };
            let align = col.align.map_or(Align::Left, crate::plan::cells::to_align);
            cells.push(Cell::text(i, text, crate::plan::Role::Text).align(align));
        }
        Ok(Row::new(RowKind::Body, cells))
    }

    fn kind(&self, kind: Kind) -> Option<&KindSpec> {
        self.spec.kinds.get(kind.key())
    }
}

fn context(v: &BTreeMap<&'static str, Value>) -> Value {
    crate::plan::context::context(&[v])
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
        if let Some(message) = common::decimals_problem(spec.decimals) {
            self.emit(&rules::STYLE_FORMAT, &spec.title, message, None);
        }
        let table = TABLE_VARIABLES;
        let row: Vec<&str> = TABLE_VARIABLES
            .iter()
            .chain(ROW_VARIABLES)
            .copied()
            .collect();
        for p in [&spec.title, &spec.empty]
            .into_iter()
            .chain(&spec.subtitle)
            .chain(&spec.unit_line)
            .chain(&spec.unit_note)
            .chain(&spec.notes)
        {
            self.pattern(p, table);
        }
        for s in &spec.signature {
            self.pattern(&s.label, table);
            if let Some(t) = &s.text {
                self.pattern(t, table);
            }
        }
        if spec.columns.is_empty() {
            self.emit(
                &rules::STYLE_CONFLICT,
                &spec.title,
                "变动对照表没有列（columns）".to_string(),
                None,
            );
        }
        for c in &spec.columns {
            self.pattern(&c.label, table);
            match &c.text {
                Some(t) => self.pattern(t, &row),
                None => self.emit(
                    &rules::STYLE_FORMAT,
                    &c.label,
                    format!("列“{}”要写 text（模式）", c.label.value),
                    None,
                ),
            }
            if let Some(other) = c.field.as_ref().or(c.group.as_ref()) {
                self.emit(
                    &rules::STYLE_FORMAT,
                    other,
                    format!(
                        "变动对照表的列“{}”只写 text（模式），不写 field 或 group",
                        c.label.value
                    ),
                    None,
                );
            }
            if !c.width.is_some_and(common::width_ok) {
                self.emit(
                    &rules::STYLE_FORMAT,
                    &c.label,
                    format!("列“{}”的宽度（width）应是正数", c.label.value),
                    None,
                );
            }
        }
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
                    &spec.title,
                    format!("kinds 中缺少“{}”（{}）", kind.key(), kind.label()),
                    Some(format!("在 kinds 下写 {}: {{label: …}}", kind.key())),
                );
            }
        }
        let template = spec.template.value.trim();
        if template.is_empty() || template.contains(['/', '\\']) || !template.ends_with(".j2") {
            self.emit(
                &rules::STYLE_REFERENCE,
                &spec.template,
                format!("template 应是 {DIR}/ 中的 .typ.j2 文件名，写的是“{template}”"),
                None,
            );
        } else if !self_dir_has(self.loaded.sources.path(self.file), template) {
            self.emit(
                &rules::STYLE_REFERENCE,
                &spec.template,
                format!("模板 {DIR}/{template} 不存在"),
                None,
            );
        }
    }
}

/// Whether the directory of `file` has a file `name`.
fn self_dir_has(file: &Path, name: &str) -> bool {
    file.parent().is_some_and(|d| d.join(name).is_file())
}
