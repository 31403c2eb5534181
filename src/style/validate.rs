//! The style check: what serde cannot see in a `style.yaml` — names that must exist (fields,
//! variables, taxonomy levels, template files), rows that must fill the table's width, patterns
//! that must compile. Every finding points at the offending value.

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde_saphyr::Spanned;

use super::{
    CellSpec, DocumentSpec, Each, FundSpec, GridSpec, IndicatorSource, LoadedStyle, MoneySpec,
    SText, TasksSpec,
};
use crate::diag::{Diagnostic, FileId, Sources};
use crate::fields::{self, Level};
use crate::rules::{self, Rule};
use crate::style::patterns::Patterns;
use crate::style::vars::{self, Scope};

pub(super) struct Cx<'s> {
    pub(super) sources: &'s Sources,
    pub(super) file: FileId,
    pub(super) diags: Vec<Diagnostic>,
}

impl Cx<'_> {
    pub(super) fn emit<T>(&mut self, rule: &'static Rule, at: &Spanned<T>, msg: impl Into<String>) {
        let pos = crate::load::span_pos(self.sources, self.file, &at.referenced);
        self.diags.push(Diagnostic::new(rule, pos, msg));
    }

    pub(super) fn emit_help<T>(
        &mut self,
        rule: &'static Rule,
        at: &Spanned<T>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        let pos = crate::load::span_pos(self.sources, self.file, &at.referenced);
        self.diags.push(Diagnostic::new(rule, pos, msg).help(help));
    }
}

/// Checks a parsed style; compiles its patterns into `patterns`.
pub fn validate(
    style: &mut LoadedStyle,
    patterns: &mut Patterns,
    sources: &Sources,
    file: FileId,
) -> Vec<Diagnostic> {
    let mut cx = Cx {
        sources,
        file,
        diags: Vec::new(),
    };
    let s = &style.style;
    // Fund sources: distinct, and not the total's key.
    let mut seen = HashSet::new();
    for src in &s.funds.sources {
        let k = src.key.value.trim();
        if k.is_empty() || k == crate::model::TOTAL_KEY || !seen.insert(k.to_string()) {
            cx.emit(
                &rules::STYLE_CONFLICT,
                &src.key,
                format!("资金来源“{k}”为空、重复或与“合计”同名"),
            );
        }
    }
    let extra_keys = |l: &[super::ExtraField]| -> Vec<String> {
        l.iter().map(|f| f.key.value.clone()).collect()
    };
    let project_extra = extra_keys(&s.fields.project);
    let indicator_extra = extra_keys(&s.fields.indicator);
    let eval_extra = extra_keys(&s.fields.eval);
    for (list, known, level) in [
        (&s.fields.project, vars::PROJECT, Level::Project),
        (&s.fields.indicator, vars::INDICATOR, Level::Indicator),
        (&s.fields.eval, vars::EVAL, Level::Eval),
    ] {
        for f in list {
            let key = f.key.value.as_str();
            if known.contains(&key) || fields::find(level, key).is_some() || key.contains('.') {
                cx.emit(
                    &rules::STYLE_CONFLICT,
                    &f.key,
                    format!("扩展字段“{}”与已有字段同名或含有“.”", f.key.value),
                );
            }
        }
    }
    for f in &s.required_fields {
        let k = f.value.as_str();
        let requirable =
            || fields::requirable(Level::Project).chain(fields::requirable(Level::Indicator));
        let known = requirable().any(|r| r == k)
            || project_extra.iter().any(|e| e == k)
            || indicator_extra.iter().any(|e| e == k)
            || eval_extra.iter().any(|e| e == k);
        if !known {
            cx.emit_help(
                &rules::STYLE_NAME,
                f,
                format!("required_fields 中的“{k}”不是可要求填写的字段"),
                format!(
                    "可用：{}，以及 fields 中声明的扩展字段",
                    requirable().collect::<Vec<_>>().join("、")
                ),
            );
        }
    }
    if let Some(w) = &s.weights {
        for (name, range) in w.ranges.iter() {
            let n = style.canonical(&name.value);
            let known = style
                .taxonomy
                .levels
                .iter()
                .any(|l| l.name == n || l.level2.contains(&n));
            if !known && !style.taxonomy.levels.is_empty() {
                cx.emit(
                    &rules::STYLE_REFERENCE,
                    name,
                    format!(
                        "weights.ranges 中的“{}”不是指标体系“{}”的一级或二级指标",
                        name.value, s.taxonomy.value
                    ),
                );
            }
            let ok = matches!(range.as_slice(), [lo, hi] if lo.0 >= Decimal::ZERO && lo.0 <= hi.0);
            if !ok {
                cx.emit_help(
                    &rules::STYLE_FORMAT,
                    name,
                    format!("“{}”的分值区间应写成 [最低, 最高]", name.value),
                    "两个不小于 0 的数，前一个不大于后一个，如 成本指标: [0, 20]",
                );
            }
        }
    }
    for l1 in &s.required_level1 {
        if !style.taxonomy.levels.iter().any(|l| l.name == l1.value)
            && !style.taxonomy.levels.is_empty()
        {
            cx.emit(
                &rules::STYLE_REFERENCE,
                l1,
                format!("一级指标“{}”不在指标体系“{}”中", l1.value, s.taxonomy.value),
            );
        }
    }
    for doc in &s.documents {
        document(&mut cx, style, patterns, doc);
    }
    attachments(&mut cx, &s.documents);
    cx.diags
}

/// `attach` names other documents that attach nothing themselves; a document with
/// `alone: false` is attached somewhere (else it would never be built).
fn attachments(cx: &mut Cx, docs: &[DocumentSpec]) {
    let kinds: Vec<&str> = docs.iter().map(|d| d.kind.as_str()).collect();
    for doc in docs {
        for (i, k) in doc.attach.iter().enumerate() {
            let name = k.value.trim();
            // Named twice, its tables would be printed twice (sheets “(2)”, “(3)”).
            if doc.attach[..i].iter().any(|o| o.value.trim() == name) {
                cx.emit_help(
                    &rules::STYLE_CONFLICT,
                    k,
                    format!("attach 中“{name}”写了不止一次"),
                    "每份文档在 attach 中只写一次",
                );
                continue;
            }
            match docs.iter().find(|d| d.kind == name) {
                None => cx.emit_help(
                    &rules::STYLE_REFERENCE,
                    k,
                    format!("attach 中的“{name}”不是本样式的文档"),
                    format!("写另一份文档的 kind：{}", kinds.join("、")),
                ),
                Some(d) if d.kind == doc.kind => cx.emit_help(
                    &rules::STYLE_CONFLICT,
                    k,
                    format!("文档“{name}”不能附上它自己"),
                    "attach 写要接在本文档之后的另一份文档的 kind",
                ),
                Some(d) if !d.attach.is_empty() => cx.emit_help(
                    &rules::STYLE_CONFLICT,
                    k,
                    format!("文档“{name}”自己也有 attach，不能再被附上"),
                    "把要接在一起的文档都写在同一个 attach 中",
                ),
                Some(_) => {}
            }
        }
    }
    for doc in docs.iter().filter(|d| !d.alone) {
        let attached = docs
            .iter()
            .any(|d| d.attach.iter().any(|k| k.value.trim() == doc.kind));
        if !attached {
            cx.emit_help(
                &rules::STYLE_CONFLICT,
                &doc.title,
                format!(
                    "文档“{}”写了 alone: false，却没有文档 attach 它，不会生成",
                    doc.kind
                ),
                "在另一份文档的 attach 中写上它的 kind，或去掉 alone: false",
            );
        }
    }
}

fn document(cx: &mut Cx, style: &LoadedStyle, patterns: &mut Patterns, doc: &DocumentSpec) {
    let per_project = doc.each() == Each::Project;
    let page = Scope {
        project: per_project,
        ..Scope::default()
    };
    let dept = Scope::default();
    let width_ok = page_settings(cx, &style.dir, doc, &mut |cx, p, place| {
        let scope = match place {
            Place::Document => dept,
            Place::Page => page,
        };
        pattern(cx, style, patterns, p, scope);
    });
    if !width_ok {
        return;
    }
    let width = doc.columns.value.len();
    let mut grids = 0;
    for block in &doc.blocks {
        if block.kinds() != 1 {
            cx.emit_help(
                &rules::STYLE_CONFLICT,
                &doc.title,
                "blocks 中的每一块应恰好写 rows、money、grid、tasks、fund 之一",
                "把不同的块分开写成列表中的不同项",
            );
            continue;
        }
        if let Some(at) = block
            .records
            .as_ref()
            .map(|r| r.referenced)
            .or(block.list.as_ref().map(|l| l.referenced))
            .or(block.chart.as_ref().map(|c| c.referenced))
        {
            let pos = crate::load::span_pos(cx.sources, cx.file, &at);
            cx.diags.push(
                Diagnostic::new(
                    &rules::STYLE_CONFLICT,
                    pos,
                    "records、list、chart 块只用于汇总样式（region.yaml），部门的样式中不能写",
                )
                .help("部门的表格用 rows、money、grid、tasks、fund 块"),
            );
            continue;
        }
        if let Some(rows) = &block.rows {
            rows_block(cx, style, patterns, rows, width, &|_| page);
        }
        if let Some(t) = &block.tasks {
            grids += 1;
            tasks_block(cx, style, patterns, t, width, page);
        }
        if let Some(f) = &block.fund {
            grids += 1;
            fund_block(cx, style, patterns, f, width, page);
        }
        if let Some(m) = &block.money {
            if !per_project && m.value.source != IndicatorSource::DepartmentWide {
                cx.emit_help(
                    &rules::STYLE_CONFLICT,
                    m,
                    "money 块印的是一个项目的资金，只能用于每个项目一张表的文档（each: project）",
                    "部门文档里印部门整体的资金时，在 money 块写 source: 部门整体",
                );
            }
            money_block(cx, style, patterns, m, width, page);
        }
        if let Some(g) = &block.grid {
            grids += 1;
            grid_block(cx, style, patterns, g, width, per_project);
        }
    }
    if doc.each() == Each::Department && grids == 0 {
        cx.emit(
            &rules::STYLE_CONFLICT,
            &doc.title,
            "部门文档（each: department）需要一个 grid 块（列出项目或部门整体的指标）、tasks 块或 fund 块",
        );
    }
}

/// Where a pattern of a document's page settings is printed: once for the document (the file
/// name, the preamble and the metadata), or on each section's page (title, notes, signature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Document,
    Page,
}

/// Checks a document's page settings — the page template in `dir`, every pattern of the page
/// (with `pattern`, by where it is printed) and the column widths — the same for a style's
/// documents and a summary style's. Whether the widths are usable.
pub(super) fn page_settings(
    cx: &mut Cx,
    dir: &std::path::Path,
    doc: &DocumentSpec,
    pattern: &mut dyn FnMut(&mut Cx, &SText, Place),
) -> bool {
    let template = dir.join(&doc.template.value);
    let bad_name = doc.template.value.contains("..")
        || doc.template.value.starts_with('/')
        || !doc.template.value.ends_with(".j2");
    if bad_name || !template.is_file() {
        cx.emit_help(
            &rules::STYLE_REFERENCE,
            &doc.template,
            format!("模板“{}”不存在", doc.template.value),
            "模板是样式目录下的 .typ.j2 文件，如 target.typ.j2",
        );
    }
    pattern(cx, &doc.file, Place::Document);
    pattern(cx, &doc.title, Place::Page);
    for p in [&doc.heading, &doc.subtitle, &doc.unit_line, &doc.unit_note]
        .into_iter()
        .flatten()
    {
        pattern(cx, p, Place::Page);
    }
    for p in doc.preamble.iter().chain(&doc.subject).chain(&doc.keywords) {
        pattern(cx, p, Place::Document);
    }
    for p in &doc.notes {
        pattern(cx, p, Place::Page);
    }
    for sig in &doc.signature {
        pattern(cx, &sig.label, Place::Page);
        if let Some(t) = &sig.text {
            pattern(cx, t, Place::Page);
        }
    }
    if doc.columns.value.is_empty()
        || doc
            .columns
            .value
            .iter()
            .any(|w| !super::common::width_ok(*w))
    {
        cx.emit(
            &rules::STYLE_LAYOUT,
            &doc.columns,
            "columns 应是一列正数（各列的相对宽度）",
        );
        return false;
    }
    true
}

/// Compiles a pattern and checks every name it reads.
fn pattern(cx: &mut Cx, style: &LoadedStyle, patterns: &mut Patterns, p: &SText, scope: Scope) {
    let findings = super::common::check_pattern(
        patterns,
        p,
        "模式是 minijinja 模板：变量写成 {{ 项目.名称 }}，循环写成 {% for g in 项目.目标 %}…{% endfor %}",
        |v| vars::check_path(style, scope, v).map_err(|m| (m, None)),
    );
    super::common::emit_findings(findings, p, cx.sources, cx.file, &mut cx.diags);
}

/// Parses a `field:` path (kept parsed for the planner) and checks the names it reads.
fn field(cx: &mut Cx, style: &LoadedStyle, patterns: &mut Patterns, f: &SText, scope: Scope) {
    let checked = patterns
        .add_field(&f.value)
        .and_then(|path| vars::check_path(style, scope, path));
    if let Err(msg) = checked {
        cx.emit(&rules::STYLE_NAME, f, format!("字段“{}”：{msg}", f.value));
    }
}

fn cell(
    cx: &mut Cx,
    style: &LoadedStyle,
    patterns: &mut Patterns,
    c: &CellSpec,
    scope: Scope,
    at: &Spanned<Vec<CellSpec>>,
) {
    let given = [c.label.is_some(), c.text.is_some(), c.field.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    if given > 1 {
        cx.emit(
            &rules::STYLE_CONFLICT,
            at,
            "一个单元格只能写 label、text、field 之一",
        );
    }
    for p in [&c.label, &c.text].into_iter().flatten() {
        pattern(cx, style, patterns, p, scope);
    }
    if let Some(f) = &c.field {
        field(cx, style, patterns, f, scope);
    }
    if c.span == 0 || c.rows == 0 {
        cx.emit(&rules::STYLE_LAYOUT, at, "span 和 rows 至少为 1");
    }
}

/// Every row of a `rows` block fills the width exactly, counting cells merged down from the
/// rows above, and no cell is merged below the block's last row.
fn rows_block(
    cx: &mut Cx,
    style: &LoadedStyle,
    patterns: &mut Patterns,
    rows: &Spanned<Vec<Spanned<Vec<CellSpec>>>>,
    width: usize,
    scope_of: &dyn Fn(usize) -> Scope,
) {
    let n = rows.value.len();
    let mut covered = vec![vec![false; width]; n];
    for (r, row) in rows.value.iter().enumerate() {
        let mut col = 0;
        let mut ok = true;
        for c in &row.value {
            cell(cx, style, patterns, c, scope_of(r), row);
            while col < width && covered[r][col] {
                col += 1;
            }
            let span = c.span.max(1);
            let down = c.rows.max(1);
            if col + span > width {
                cx.emit_help(
                    &rules::STYLE_LAYOUT,
                    row,
                    format!("这一行超出了表格的 {width} 列"),
                    "核对各单元格的 span，以及上方行中 rows 大于 1 的单元格占用的列",
                );
                ok = false;
                break;
            }
            if r + down > n {
                cx.emit(
                    &rules::STYLE_LAYOUT,
                    row,
                    format!("有单元格向下合并 {down} 行，超出了本块的最后一行"),
                );
                ok = false;
            }
            for line in covered.iter_mut().skip(r).take(down) {
                for x in line.iter_mut().skip(col).take(span) {
                    *x = true;
                }
            }
            col += span;
        }
        if ok && covered[r].iter().any(|c| !c) {
            let used = covered[r].iter().filter(|c| **c).count();
            cx.emit_help(
                &rules::STYLE_LAYOUT,
                row,
                format!("这一行只占了 {used} 列，表格有 {width} 列"),
                "增大某个单元格的 span，或补上单元格",
            );
        }
    }
}

/// A `tasks` block is laid out as the `rows` block it plans to (with one task row), its task
/// row seeing `任务`.
fn tasks_block(
    cx: &mut Cx,
    style: &LoadedStyle,
    patterns: &mut Patterns,
    t: &Spanned<TasksSpec>,
    width: usize,
    page: Scope,
) {
    if t.value.min_rows > super::MAX_TASK_PAD_ROWS {
        cx.emit_help(
            &rules::STYLE_LAYOUT,
            t,
            format!(
                "tasks 块的 min_rows 是 {}，最多 {}",
                t.value.min_rows,
                super::MAX_TASK_PAD_ROWS
            ),
            "min_rows 是空白表格中待手填的任务行数，一般三五行",
        );
    }
    let rows = t.value.rows(1);
    // The task rows (one, or `min_rows`) between the heading rows and the total rows.
    let tasks = t.value.header.len()..rows.len() - t.value.total.len();
    let block = Spanned::new(
        rows.into_iter().map(|(r, _, _)| r).collect::<Vec<_>>(),
        t.referenced,
        t.defined,
    );
    let task = Scope { task: true, ..page };
    rows_block(cx, style, patterns, &block, width, &|r| {
        if tasks.contains(&r) { task } else { page }
    });
}

/// A `fund` block: its width, its patterns, and its columns ([`super::fund_columns`]).
fn fund_block(
    cx: &mut Cx,
    style: &LoadedStyle,
    patterns: &mut Patterns,
    f: &Spanned<FundSpec>,
    width: usize,
    page: Scope,
) {
    let spec = &f.value;
    if spec.width() != width {
        cx.emit_help(
            &rules::STYLE_LAYOUT,
            f,
            format!("fund 块占 {} 列，表格有 {width} 列", spec.width()),
            "fund 块的宽度 = label_span（有 label 时）+ name_span + 各栏 span 之和",
        );
    }
    for p in [&spec.label, &spec.corner, &spec.total]
        .into_iter()
        .flatten()
    {
        pattern(cx, style, patterns, p, page);
    }
    if let Some(g) = &spec.group {
        pattern(
            cx,
            style,
            patterns,
            g,
            Scope {
                group: true,
                ..page
            },
        );
    }
    for c in &spec.columns {
        pattern(cx, style, patterns, &c.value.label, page);
    }
    for (rule, at, msg, help) in super::fund_columns::check(spec) {
        let pos = crate::load::span_pos(cx.sources, cx.file, &at);
        let d = Diagnostic::new(rule, pos, msg);
        cx.diags
            .push(if help.is_empty() { d } else { d.help(help) });
    }
}

fn money_block(
    cx: &mut Cx,
    style: &LoadedStyle,
    patterns: &mut Patterns,
    m: &Spanned<MoneySpec>,
    width: usize,
    scope: Scope,
) {
    let spec = &m.value;
    let used = if spec.label.is_some() {
        spec.label_span
    } else {
        0
    } + spec.row_label_span
        + spec.measures.iter().map(|x| x.span.max(1)).sum::<usize>();
    if used != width {
        cx.emit(
            &rules::STYLE_LAYOUT,
            m,
            format!("money 块占 {used} 列（标签、行标签与各栏 span 之和），表格有 {width} 列"),
        );
    }
    for key in spec.labels.keys() {
        if !style.source_keys().any(|k| k == key) {
            cx.emit_help(
                &rules::STYLE_NAME,
                m,
                format!("money 块的 labels 中的“{key}”不是本样式的资金来源"),
                format!(
                    "本样式的资金来源：{}",
                    style.source_keys().collect::<Vec<_>>().join("、")
                ),
            );
        }
    }
    for p in spec.label.iter().chain(&spec.corner) {
        pattern(cx, style, patterns, p, scope);
    }
    if let Some(t) = &spec.total {
        pattern(cx, style, patterns, &t.label, scope);
    }
    for x in &spec.measures {
        pattern(cx, style, patterns, &x.label, scope);
        match (&x.field, &x.text) {
            (Some(f), None) => {
                if !vars::MEASURES.contains(&f.value.as_str()) {
                    cx.emit_help(
                        &rules::STYLE_NAME,
                        f,
                        format!("money 块没有“{}”栏", f.value),
                        format!("可用：{}；或用 text 写一段文字", vars::MEASURES.join("、")),
                    );
                }
            }
            (None, Some(t)) => pattern(cx, style, patterns, t, scope),
            _ => cx.emit(
                &rules::STYLE_CONFLICT,
                &x.label,
                "money 块的每一栏应恰好写 field 或 text 之一",
            ),
        }
    }
}

/// A grid printed beside another (`beside`): both halves of a project's table, one heading
/// row each (or the same number), nothing that adds rows to one half only.
fn beside_grid(cx: &mut Cx, g: &Spanned<GridSpec>, right: &GridSpec, per_project: bool) {
    let left = &g.value;
    let heads = |s: &GridSpec| {
        usize::from(s.header) * (1 + usize::from(s.columns.iter().any(|c| c.group.is_some())))
    };
    let problem = if !per_project {
        Some("beside 只用于每个项目一张的表（each: project）".to_string())
    } else if right.beside.is_some() {
        Some("beside 中不能再写 beside（只能左右两半）".to_string())
    } else if [left, right]
        .iter()
        .any(|s| s.total.is_some() || s.group.is_some() || s.min_rows > 0)
    {
        Some("左右并排的网格不能写 total、group、min_rows".to_string())
    } else if heads(left) != heads(right) {
        Some(format!(
            "左右两半的表头行数不同（{} 与 {}）：两半都印表头，且都写或都不写 group",
            heads(left),
            heads(right)
        ))
    } else {
        None
    };
    if let Some(m) = problem {
        cx.emit_help(
            &rules::STYLE_CONFLICT,
            g,
            m,
            "两半按行的位置配对：表头行对表头行，第 n 条指标行对第 n 条",
        );
    }
}

fn grid_block(
    cx: &mut Cx,
    style: &LoadedStyle,
    patterns: &mut Patterns,
    g: &Spanned<GridSpec>,
    width: usize,
    per_project: bool,
) {
    let spec = &g.value;
    let used: usize = spec.columns.iter().map(|c| c.span.max(1)).sum();
    let span = |s: &GridSpec| -> usize { s.columns.iter().map(|c| c.span.max(1)).sum() };
    let beside = spec.beside.as_ref().map_or(0, |b| span(b));
    if used + beside != width {
        cx.emit(
            &rules::STYLE_LAYOUT,
            g,
            match beside {
                0 => format!("grid 各列 span 之和为 {used}，表格有 {width} 列"),
                _ => format!("grid 两半各列 span 之和为 {used} + {beside}，表格有 {width} 列"),
            },
        );
    }
    if let Some(right) = &spec.beside {
        beside_grid(cx, g, right, per_project);
        let half = Spanned::new((**right).clone(), g.referenced, g.defined);
        grid_block(cx, style, patterns, &half, span(right), per_project);
    }
    let head = Scope {
        project: per_project,
        ..Scope::default()
    };
    let row = Scope {
        project: spec.source != IndicatorSource::DepartmentWide,
        indicator: true,
        ..Scope::default()
    };
    for c in &spec.columns {
        pattern(cx, style, patterns, &c.label, head);
        match (&c.field, &c.text) {
            (Some(f), None) => field(cx, style, patterns, f, row),
            (None, Some(t)) => pattern(cx, style, patterns, t, row),
            _ => cx.emit(
                &rules::STYLE_CONFLICT,
                &c.label,
                "grid 的每一列应恰好写 field 或 text 之一",
            ),
        }
        if c.label_cells
            && let Some(f) = &c.field
        {
            // Label cells print the field through a pattern.
            let _ = patterns.add(&format!("{{{{ {} }}}}", f.value));
        }
    }
    if let Some(e) = &spec.ellipsis {
        let _ = e;
    }
    let columns = spec.columns.len();
    let mut totals: Vec<&super::TotalSpec> = spec.total.iter().collect();
    if let Some(grp) = &spec.group {
        if per_project {
            cx.emit(
                &rules::STYLE_CONFLICT,
                &grp.by,
                "group 只用于部门文档（each: department）",
            );
        }
        field(
            cx,
            style,
            patterns,
            &grp.by,
            Scope {
                project: true,
                ..Scope::default()
            },
        );
        let gs = Scope {
            group: true,
            ..Scope::default()
        };
        if let Some(t) = &grp.text {
            pattern(cx, style, patterns, t, gs);
        }
        if grp.column == 0 || grp.column > columns {
            cx.emit(
                &rules::STYLE_LAYOUT,
                &grp.by,
                format!("group.column 应在 1–{columns} 之间"),
            );
        }
        if let Some(sub) = &grp.subtotal {
            pattern(cx, style, patterns, &sub.label, gs);
            totals.push(sub);
        }
    }
    for t in totals {
        if t.column == 0 || t.column > columns {
            cx.emit(
                &rules::STYLE_LAYOUT,
                &t.label,
                format!("total.column 应在 1–{columns} 之间"),
            );
        }
        pattern(
            cx,
            style,
            patterns,
            &t.label,
            Scope {
                group: true,
                ..Scope::default()
            },
        );
        if let Some(n) = &t.rounding_note {
            pattern(
                cx,
                style,
                patterns,
                n,
                Scope {
                    group: true,
                    rounding: true,
                    ..Scope::default()
                },
            );
        }
    }
}
