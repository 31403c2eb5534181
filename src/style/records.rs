//! The style check of documents over records — a summary style's (`region.yaml`): the same
//! page-settings check as a style's documents ([`super::validate::page_settings`]), the same
//! pattern check and the same rule codes (JX501–JX506), with the names the records offer
//! ([`RecordNames`]) in place of a department's fields.

use std::path::Path;

use super::validate::{Cx, Place, page_settings};
use super::{DocumentSpec, SText};
use crate::diag::{Diagnostic, FileId, Sources};
use crate::fields::VarPath;
use crate::rules;
use crate::style::patterns::Patterns;

/// The row number every records layout may print (`field: 序号`).
pub const NUMBER_FIELD: &str = "序号";

/// What a field of the records prints, and how its total row is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureKind {
    /// Text (a department's name): the total row's label goes in the first such column.
    Text,
    /// A count, summed.
    Count,
    /// Money (万元), summed; printed with the layout's `decimals`.
    Money,
    /// A ratio (in the total row the records' own, not a sum).
    Percent,
    /// A score, two decimals (in the total row the records' own average).
    Score,
    /// A grade (优/良/中/差): centred text.
    Grade,
}

impl FigureKind {
    /// Whether the total row sums the column (a SUM formula in the xlsx).
    pub fn sums(self) -> bool {
        matches!(self, FigureKind::Count | FigureKind::Money)
    }

    /// Whether the figures are numbers (a chart can draw them).
    pub fn numeric(self) -> bool {
        !matches!(self, FigureKind::Text | FigureKind::Grade)
    }
}

/// What a layout over records may name: its variables and the fields its columns print.
pub struct RecordNames {
    /// What the layout's documents are called in a message (`汇总表`, `变动对照表`).
    pub layout: &'static str,
    /// Whether a document writes its own signature line (a summary's is the region file's).
    pub signature: bool,
    /// Whether a document may be left out by `only` (a summary is, in a year whose departments
    /// have none of what it prints; the change table always lists every change).
    pub only: bool,
    /// The variables of every pattern (a summary's `地区`, `编制单位`, `年度`).
    pub page: &'static [&'static str],
    /// The variables a row's text patterns add, each with its members (`部门.名称` …).
    pub row: &'static [(&'static str, &'static [&'static str])],
    /// The lists a `list` block may print, each with its items' variables (besides `n`).
    pub lists: &'static [(&'static str, &'static [&'static str])],
    /// The kind of a field a column prints; `None`: there is no such field (`序号` is every
    /// layout's).
    pub field: fn(&str) -> Option<FigureKind>,
    /// The fields, as a message names them.
    pub fields: fn() -> String,
    /// How a pattern is written, for a pattern with a syntax error.
    pub syntax_help: &'static str,
}

impl RecordNames {
    fn kind(&self, field: &str) -> Option<FigureKind> {
        if field == NUMBER_FIELD {
            Some(FigureKind::Count)
        } else {
            (self.field)(field)
        }
    }
}

/// The variables a pattern may read: the page's, and a row's or a list item's.
fn check_name(
    v: &VarPath,
    page: &[&str],
    more: &[(&str, &[&str])],
) -> Result<(), (String, Option<String>)> {
    let root = v.root();
    if page.contains(&root) {
        return Ok(());
    }
    let all = || {
        let mut names: Vec<String> = page.iter().map(|s| s.to_string()).collect();
        for (r, members) in more {
            if members.is_empty() {
                names.push(r.to_string());
            } else {
                names.extend(members.iter().map(|m| format!("{r}.{m}")));
            }
        }
        Some(format!("此处可用的变量：{}", names.join("、")))
    };
    match more.iter().find(|(r, _)| *r == root) {
        Some((_, members)) => {
            let parts = v.parts();
            match parts.get(1) {
                Some(m) if !members.is_empty() && !members.contains(m) => {
                    Err((format!("没有变量“{root}.{m}”"), all()))
                }
                _ => Ok(()),
            }
        }
        None => Err((format!("没有变量“{root}”"), all())),
    }
}

/// Checks the documents of a layout over records whose directory is `dir`; compiles their
/// patterns into `patterns`. Every finding at its place in `file`, with the codes of a
/// style's. (The decimals of printed money are checked by [`super::common::decimals_problem`],
/// where each layout has them.)
pub fn check(
    docs: &[DocumentSpec],
    dir: &Path,
    names: &RecordNames,
    patterns: &mut Patterns,
    sources: &Sources,
    file: FileId,
) -> Vec<Diagnostic> {
    let mut cx = Cx {
        sources,
        file,
        diags: Vec::new(),
    };
    for doc in docs {
        document(&mut cx, doc, dir, names, patterns);
    }
    cx.diags
}

fn pattern(
    cx: &mut Cx,
    patterns: &mut Patterns,
    p: &SText,
    names: &RecordNames,
    more: &[(&str, &[&str])],
) {
    let findings = super::common::check_pattern(patterns, p, names.syntax_help, |v| {
        check_name(v, names.page, more)
    });
    super::common::emit_findings(findings, p, cx.sources, cx.file, &mut cx.diags);
}

fn document(
    cx: &mut Cx,
    doc: &DocumentSpec,
    dir: &Path,
    names: &RecordNames,
    patterns: &mut Patterns,
) {
    let widths_ok = page_settings(cx, dir, doc, &mut |cx, p, _: Place| {
        pattern(cx, patterns, p, names, &[]);
    });
    let layout = names.layout;
    if let Some(s) = doc.signature.first().filter(|_| !names.signature) {
        cx.emit_help(
            &rules::STYLE_CONFLICT,
            &s.label,
            "汇总表的签字栏写在数据目录的 地区.yaml 中（签字），汇总样式中不写 signature",
            "删去 signature，在 地区.yaml 的 签字 中写各项",
        );
    }
    if let Some(k) = doc.attach.first() {
        cx.emit(
            &rules::STYLE_CONFLICT,
            k,
            format!("{layout}各自成一个文件，不能 attach 其他文档"),
        );
    }
    if let Some(e) = &doc.each_written {
        cx.emit_help(
            &rules::STYLE_CONFLICT,
            e,
            format!("{layout}每条记录一行，不按项目或部门分节，不写 each"),
            "删去 each",
        );
    }
    if let Some(o) = doc.only_written.as_ref().filter(|_| !names.only) {
        cx.emit_help(
            &rules::STYLE_CONFLICT,
            o,
            format!("{layout}总是生成（没有变动时也印一张空表），不写 only"),
            "删去 only",
        );
    }
    if !doc.alone {
        cx.emit(
            &rules::STYLE_CONFLICT,
            &doc.title,
            format!("{layout}各自成一个文件，不写 alone: false"),
        );
    }
    let tables: Vec<_> = doc
        .blocks
        .iter()
        .filter_map(|b| b.records.as_ref())
        .collect();
    if tables.len() != 1 {
        cx.emit_help(
            &rules::STYLE_CONFLICT,
            &doc.title,
            format!(
                "{layout}的 blocks 中应有一个 records 块（写了 {} 个）",
                tables.len()
            ),
            "records 块每条记录一行：blocks: [{records: {columns: [...]}}]",
        );
    }
    for block in &doc.blocks {
        if block.kinds() != 1 {
            cx.emit_help(
                &rules::STYLE_CONFLICT,
                &doc.title,
                format!("{layout} blocks 中的每一块应恰好写 records、list、chart 之一"),
                "把不同的块分开写成列表中的不同项",
            );
            continue;
        }
        if let Some(t) = &block.records {
            let t = &t.value;
            for p in t.total.iter().chain(&t.empty) {
                pattern(cx, patterns, p, names, &[]);
            }
            for col in &t.columns {
                pattern(cx, patterns, &col.label, names, &[]);
                if let Some(g) = &col.group {
                    pattern(cx, patterns, g, names, &[]);
                }
                match (&col.field, &col.text) {
                    (Some(f), None) => {
                        if names.kind(f.value.trim()).is_none() {
                            cx.emit_help(
                                &rules::STYLE_NAME,
                                f,
                                format!("没有字段“{}”", f.value),
                                format!("可用的字段：{NUMBER_FIELD}、{}", (names.fields)()),
                            );
                        }
                    }
                    (None, Some(text)) => pattern(cx, patterns, text, names, names.row),
                    _ => cx.emit(
                        &rules::STYLE_CONFLICT,
                        &col.label,
                        "每一列要写 field（字段）或 text（模式）中的一个",
                    ),
                }
                if col.width.is_some() {
                    cx.emit(
                        &rules::STYLE_LAYOUT,
                        &col.label,
                        format!("{layout}的列宽写在文档的 columns 中，列中不写 width"),
                    );
                }
            }
            if widths_ok && doc.columns.value.len() != t.columns.len() {
                cx.emit(
                    &rules::STYLE_LAYOUT,
                    &doc.columns,
                    format!(
                        "columns 应为 {} 个正数（表有 {} 列），写了 {} 个",
                        t.columns.len(),
                        t.columns.len(),
                        doc.columns.value.len()
                    ),
                );
            }
        } else if let Some(l) = &block.list {
            let l = &l.value;
            pattern(cx, patterns, &l.title, names, &[]);
            if let Some(e) = &l.empty {
                pattern(cx, patterns, e, names, &[]);
            }
            match names.lists.iter().find(|(of, _)| *of == l.of.value.trim()) {
                Some((_, vars)) => {
                    let item: Vec<(&str, &[&str])> = vars
                        .iter()
                        .map(|v| (*v, &[][..]))
                        .chain([("n", &[][..])])
                        .collect();
                    pattern(cx, patterns, &l.item, names, &item);
                }
                None => {
                    let all: Vec<&str> = names.lists.iter().map(|(of, _)| *of).collect();
                    cx.emit_help(
                        &rules::STYLE_NAME,
                        &l.of,
                        format!("不能列出“{}”", l.of.value),
                        format!("可列出：{}", all.join("、")),
                    );
                }
            }
        } else if let Some(c) = &block.chart {
            let c = &c.value;
            pattern(cx, patterns, &c.title, names, &[]);
            let in_table = tables.iter().any(|t| {
                t.value.columns.iter().any(|col| {
                    col.field
                        .as_ref()
                        .is_some_and(|f| f.value.trim() == c.field.value.trim())
                })
            });
            let numeric = c.field.value.trim() != NUMBER_FIELD
                && names
                    .kind(c.field.value.trim())
                    .is_some_and(FigureKind::numeric);
            if !in_table || !numeric {
                cx.emit(
                    &rules::STYLE_NAME,
                    &c.field,
                    format!(
                        "图表的字段“{}”应是 records 块中某一列的数值字段",
                        c.field.value
                    ),
                );
            }
            if c.max <= rust_decimal::Decimal::ZERO {
                cx.emit(&rules::STYLE_FORMAT, &c.title, "图表的 max 应大于 0");
            }
        } else {
            cx.emit_help(
                &rules::STYLE_CONFLICT,
                &doc.title,
                format!("{layout}的 blocks 只写 records、list、chart 块"),
                "rows、money、grid、tasks、fund 块印的是一个部门的数据，用于部门的样式",
            );
        }
    }
}
