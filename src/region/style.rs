//! A summary style: `templates/<样式>/region.yaml`, the layout of a region's summaries across
//! departments, as data. Each document is a page with a table of one row per department (the
//! columns name the figures they print), a 合计 row, optional lists (the projects below 60)
//! and a bar chart of one column's figures. Checked like every style (JX702).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::diag::{Diagnostic, FileId, Sources};
use crate::load::Loaded;
use crate::rules;
use crate::style::SText;
use crate::style::common::ColumnSpec;
use crate::style::patterns::Patterns;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionStyle {
    pub name: String,
    /// Font fallback chains by role (宋体, 仿宋, 黑体, 楷体), as in a department style.
    pub fonts: BTreeMap<String, Vec<String>>,
    /// Decimals of printed money (万元), in every summary of the style and its xlsx number
    /// formats; the 合计 row is the exact sum, rounded to them.
    #[serde(default = "crate::style::common::money_decimals")]
    pub decimals: u32,
    pub documents: Vec<RegionDoc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionDoc {
    /// A name for the document (e.g. `targets`, `self_eval`).
    pub kind: String,
    /// The Typst page template in the style's directory.
    pub template: SText,
    /// The output file name (a pattern).
    pub file: SText,
    /// `all`, `evaluated` (built only for a year in which some department has
    /// self-evaluation results) or `department_wide_evaluated` (only for a year in which some
    /// department's 部门整体 has a self-evaluation).
    #[serde(default)]
    pub only: Only,
    pub title: SText,
    #[serde(default)]
    pub subtitle: Option<SText>,
    #[serde(default)]
    pub unit_line: Option<SText>,
    #[serde(default)]
    pub unit_note: Option<SText>,
    #[serde(default)]
    pub landscape: bool,
    /// Relative column widths, one per table column.
    pub columns: SpannedWidths,
    /// The table: one column per figure.
    pub table: Vec<ColumnSpec>,
    /// The label of the 合计 row, printed in the first text column; no total without it.
    #[serde(default)]
    pub total: Option<SText>,
    /// Lines under the table (patterns).
    #[serde(default)]
    pub notes: Vec<SText>,
    /// Lists under the table, one line per item (e.g. the projects below 60).
    #[serde(default)]
    pub lists: Vec<ListSpec>,
    /// A bar chart of one column's figures, one bar per department.
    #[serde(default)]
    pub chart: Option<ChartSpec>,
    #[serde(default)]
    pub subject: Option<SText>,
    #[serde(default)]
    pub keywords: Vec<SText>,
}

pub type SpannedWidths = serde_saphyr::Spanned<Vec<f64>>;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Only {
    #[default]
    All,
    Evaluated,
    DepartmentWideEvaluated,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSpec {
    /// What is listed: `低分项目` (the projects scoring below 60).
    pub of: SText,
    /// The heading line, printed only when the list has items.
    pub title: SText,
    /// One line per item (a pattern over `部门`, `项目`, `得分`, `n`).
    pub item: SText,
    /// Printed instead when the list is empty.
    #[serde(default)]
    pub empty: Option<SText>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    pub title: SText,
    /// The column whose figures are drawn (a number field of the table).
    pub field: SText,
    /// Reference lines (e.g. the grade limits 90, 80, 60).
    #[serde(default)]
    pub lines: Vec<Decimal>,
    /// The end of the scale.
    pub max: Decimal,
}

/// How a field's figure is summed in the 合计 row and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (the department's name).
    Text,
    /// A count, summed.
    Count,
    /// 万元, summed.
    Money,
    /// A ratio (the region's own, not a sum).
    Percent,
    /// A score (the region's own average).
    Score,
    /// A grade (优/良/中/差): a text, blank in the 合计 row.
    Grade,
}

/// The fields a summary column may print.
pub const FIELDS: &[(&str, Kind)] = &[
    ("序号", Kind::Count),
    ("部门.名称", Kind::Text),
    ("部门.项目数", Kind::Count),
    ("部门.指标数", Kind::Count),
    ("部门.错误数", Kind::Count),
    ("部门.警告数", Kind::Count),
    ("部门.资金.合计", Kind::Money),
    ("自评.项目数", Kind::Count),
    ("自评.全年预算", Kind::Money),
    ("自评.全年执行", Kind::Money),
    ("自评.执行率", Kind::Percent),
    ("自评.平均分", Kind::Score),
    ("自评.加权平均分", Kind::Score),
    ("自评.优", Kind::Count),
    ("自评.良", Kind::Count),
    ("自评.中", Kind::Count),
    ("自评.差", Kind::Count),
    ("部门整体.资金.合计", Kind::Money),
    ("部门整体.全年预算", Kind::Money),
    ("部门整体.全年执行", Kind::Money),
    ("部门整体.执行率", Kind::Percent),
    ("部门整体.总分", Kind::Score),
    ("部门整体.等级", Kind::Grade),
];

/// The kind of a field: one of [`FIELDS`], or `部门.资金.<来源>` (money by fund source key).
pub fn field_kind(field: &str) -> Option<Kind> {
    FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, k)| *k)
        .or_else(|| {
            field
                .strip_prefix("部门.资金.")
                .filter(|k| !k.is_empty())
                .map(|_| Kind::Money)
        })
}

/// A summary style that loaded.
#[derive(Debug, Clone)]
pub struct LoadedRegionStyle {
    pub key: String,
    pub dir: PathBuf,
    pub style: RegionStyle,
    pub patterns: Arc<Patterns>,
}

/// The file that makes a directory of `templates/` a summary style.
pub const STYLE_FILE: &str = "region.yaml";

/// The summary styles of `templates` (directories with a [`STYLE_FILE`]), in name order.
pub fn available(templates: &Path) -> Vec<String> {
    crate::style::dirs::names(templates)
        .into_iter()
        .filter(|(name, root)| root.join(name).join(STYLE_FILE).is_file())
        .map(|(name, _)| name)
        .collect()
}

/// Loads and checks `templates/<key>/region.yaml`; `None` (with diagnostics at their place)
/// when it is missing or broken.
pub fn load(
    templates: &Path,
    key: &SText,
    region_file: FileId,
    loaded: &mut Loaded,
) -> Option<LoadedRegionStyle> {
    let name = key.value.trim();
    let plain = crate::style::dirs::plain(name);
    let root = if plain {
        crate::style::dirs::layer(templates, name)
    } else {
        templates.to_path_buf()
    };
    let dir = root.join(name);
    let path = dir.join(STYLE_FILE);
    if !plain || !path.is_file() || !crate::load::resolves_inside(&path, &root) {
        let pos = crate::load::span_pos(&loaded.sources, region_file, &key.referenced);
        let mut d = Diagnostic::new(
            &rules::REGION_STYLE,
            pos,
            format!("没有汇总样式“{name}”（应有 templates/{name}/region.yaml）"),
        );
        if d.pos.is_none() {
            d.path = Some(loaded.sources.path(region_file).to_path_buf());
        }
        loaded.diagnostics.push(d);
        return None;
    }
    let (style, file) = crate::style::common::read_yaml(
        &root,
        &path,
        "汇总样式",
        &rules::REGION_STYLE,
        loaded,
        crate::load::parse_as::<RegionStyle>,
    )?;
    let mut patterns = Patterns::new();
    let diags = validate(&style, &dir, &mut patterns, &loaded.sources, file);
    let broken = !diags.is_empty();
    loaded.diagnostics.extend(diags);
    (!broken).then(|| LoadedRegionStyle {
        key: name.to_string(),
        dir,
        style,
        patterns: Arc::new(patterns),
    })
}

/// Every field known, every pattern compiling, every template present, widths matching.
fn validate(
    style: &RegionStyle,
    dir: &Path,
    patterns: &mut Patterns,
    sources: &Sources,
    file: FileId,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(message) = crate::style::common::decimals_problem(style.decimals) {
        let mut d = Diagnostic::new(&rules::REGION_STYLE, None, message);
        d.path = Some(sources.path(file).to_path_buf());
        out.push(d);
    }
    let at = |out: &mut Vec<Diagnostic>, t: &serde_saphyr::Location, message: String| {
        let mut d = Diagnostic::new(
            &rules::REGION_STYLE,
            crate::load::span_pos(sources, file, t),
            message,
        );
        if d.pos.is_none() {
            d.path = Some(sources.path(file).to_path_buf());
        }
        out.push(d);
    };
    let known = || {
        let mut names: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
        names.push("部门.资金.<来源>");
        names.join("、")
    };
    for doc in &style.documents {
        if !dir.join(&doc.template.value).is_file() {
            at(
                &mut out,
                &doc.template.referenced,
                format!("模板 {} 不在样式目录中", doc.template.value),
            );
        }
        let mut texts: Vec<&SText> = vec![&doc.file, &doc.title];
        texts.extend(
            doc.subtitle
                .iter()
                .chain(&doc.unit_line)
                .chain(&doc.unit_note),
        );
        texts.extend(
            doc.total
                .iter()
                .chain(&doc.notes)
                .chain(&doc.subject)
                .chain(&doc.keywords),
        );
        for col in &doc.table {
            texts.push(&col.label);
            texts.extend(col.group.iter().chain(&col.text));
            match (&col.field, &col.text) {
                (Some(f), None) => {
                    if field_kind(f.value.trim()).is_none() {
                        at(
                            &mut out,
                            &f.referenced,
                            format!("没有字段“{}”；可用的字段：{}", f.value, known()),
                        );
                    }
                }
                (None, Some(_)) => {}
                _ => at(
                    &mut out,
                    &col.label.referenced,
                    "每一列要写 field（字段）或 text（模式）中的一个".to_string(),
                ),
            }
            if col.width.is_some() {
                at(
                    &mut out,
                    &col.label.referenced,
                    "汇总表的列宽写在文档的 columns 中，列中不写 width".to_string(),
                );
            }
        }
        for list in &doc.lists {
            texts.extend([&list.title, &list.item]);
            texts.extend(&list.empty);
            if list.of.value.trim() != "低分项目" {
                at(
                    &mut out,
                    &list.of.referenced,
                    format!("不能列出“{}”；可列出：低分项目", list.of.value),
                );
            }
        }
        if let Some(chart) = &doc.chart {
            texts.push(&chart.title);
            let in_table = doc.table.iter().any(|c| {
                c.field
                    .as_ref()
                    .is_some_and(|f| f.value == chart.field.value)
            });
            let numeric = field_kind(chart.field.value.trim())
                .is_some_and(|k| !matches!(k, Kind::Text | Kind::Grade));
            if !in_table || !numeric {
                at(
                    &mut out,
                    &chart.field.referenced,
                    format!("图表的字段“{}”应是表中某一列的数值字段", chart.field.value),
                );
            }
            if chart.max <= Decimal::ZERO {
                at(
                    &mut out,
                    &chart.title.referenced,
                    "图表的 max 应大于 0".to_string(),
                );
            }
        }
        if doc.columns.value.len() != doc.table.len()
            || doc
                .columns
                .value
                .iter()
                .any(|w| !crate::style::common::width_ok(*w))
        {
            at(
                &mut out,
                &doc.columns.referenced,
                format!(
                    "columns 应为 {} 个正数（表有 {} 列）",
                    doc.table.len(),
                    doc.table.len()
                ),
            );
        }
        for t in texts {
            // Every variable is read as it is (a summary's names are not checked).
            let findings =
                crate::style::common::check_pattern(patterns, t, SYNTAX_HELP, |_| Ok(()));
            crate::style::common::emit_findings(
                findings
                    .into_iter()
                    .map(|f| crate::style::common::Finding {
                        rule: &rules::REGION_STYLE,
                        ..f
                    })
                    .collect(),
                t,
                sources,
                file,
                &mut out,
            );
        }
    }
    out
}

/// How a summary's pattern is written.
const SYNTAX_HELP: &str = "模式是 minijinja 模板：变量写成 {{ 地区 }}、{{ 部门.名称 }}";
