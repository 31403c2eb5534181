//! A summary style: `templates/<样式>/region.yaml`, the layout of a region's summaries across
//! departments, as documents of the style vocabulary over the region's departments: each a
//! page whose `records` block has a row per department (its columns name the figures they
//! print, [`FIELDS`]) and a 合计 row, with `list` blocks (the projects below 60) and a `chart`
//! block. Checked by the style check with a style's codes (JX501–JX506,
//! [`crate::style::records`]); planned by [`crate::plan::plan`], its blocks by
//! [`crate::plan::records`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::diag::{Diagnostic, FileId};
use crate::load::Loaded;
use crate::rules;
use crate::style::patterns::Patterns;
use crate::style::records::{FigureKind, RecordNames};
use crate::style::{DocumentSpec, SText};

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
    /// The summaries: documents of the style vocabulary over the region's departments, their
    /// tables `records`, `list` and `chart` blocks. `only: evaluated` builds a document only
    /// in a year in which some department has self-evaluation results,
    /// `department_wide_evaluated` only in one in which some department's 部门整体 has a
    /// self-evaluation, `department_wide` only where some department has a 部门整体.
    pub documents: Vec<DocumentSpec>,
}

/// The fields a summary column may print.
pub const FIELDS: &[(&str, FigureKind)] = &[
    ("部门.名称", FigureKind::Text),
    ("部门.项目数", FigureKind::Count),
    ("部门.指标数", FigureKind::Count),
    ("部门.错误数", FigureKind::Count),
    ("部门.警告数", FigureKind::Count),
    ("部门.资金.合计", FigureKind::Money),
    ("自评.项目数", FigureKind::Count),
    ("自评.全年预算", FigureKind::Money),
    ("自评.全年执行", FigureKind::Money),
    ("自评.执行率", FigureKind::Percent),
    ("自评.平均分", FigureKind::Score),
    ("自评.加权平均分", FigureKind::Score),
    ("自评.优", FigureKind::Count),
    ("自评.良", FigureKind::Count),
    ("自评.中", FigureKind::Count),
    ("自评.差", FigureKind::Count),
    ("部门整体.资金.合计", FigureKind::Money),
    ("部门整体.全年预算", FigureKind::Money),
    ("部门整体.全年执行", FigureKind::Money),
    ("部门整体.执行率", FigureKind::Percent),
    ("部门整体.总分", FigureKind::Score),
    ("部门整体.等级", FigureKind::Grade),
];

/// The kind of a field: one of [`FIELDS`], or `部门.资金.<来源>` (money by fund source key).
pub fn field_kind(field: &str) -> Option<FigureKind> {
    FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, k)| *k)
        .or_else(|| {
            field
                .strip_prefix("部门.资金.")
                .filter(|k| !k.is_empty())
                .map(|_| FigureKind::Money)
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
    let from = loaded.diagnostics.len();
    let Some((style, file)) = crate::style::common::read_yaml(
        &root,
        &path,
        "汇总样式",
        &rules::STYLE_FORMAT,
        loaded,
        crate::load::parse_as::<RegionStyle>,
    ) else {
        crate::style::common::old_form_hint(
            loaded,
            from,
            &["table", "lists", "chart", "total"],
            "这是旧版 jixiao 的汇总样式写法（文档中直接写 table、lists、chart、total），现在不再读取：\
             改为 blocks（见 docs/region.md 中“旧的写法”一段），\
             或用新版 jixiao 附带的 templates/region/ 替换这个目录",
        );
        return None;
    };
    let mut patterns = Patterns::new();
    let mut diags = crate::style::records::check(
        &style.documents,
        &dir,
        &NAMES,
        &mut patterns,
        &loaded.sources,
        file,
    );
    if let Some(message) = crate::style::common::decimals_problem(style.decimals) {
        let mut d = Diagnostic::new(&rules::STYLE_FORMAT, None, message);
        d.path = Some(loaded.sources.path(file).to_path_buf());
        diags.push(d);
    }
    let broken = diags.iter().any(Diagnostic::is_error);
    loaded.diagnostics.extend(diags);
    (!broken).then(|| LoadedRegionStyle {
        key: name.to_string(),
        dir,
        style,
        patterns: Arc::new(patterns),
    })
}

/// What a summary's patterns and columns may name: the page's variables, a department row's
/// `部门`, the items of `低分项目`, and [`FIELDS`].
pub const NAMES: RecordNames = RecordNames {
    layout: "汇总表",
    signature: false,
    only: true,
    page: &["地区", "编制单位", "年度"],
    row: &[(
        "部门",
        &[
            "名称",
            "项目数",
            "指标数",
            "错误数",
            "警告数",
            "有错误",
            "有自评",
            "有部门整体",
            "有部门整体自评",
        ],
    )],
    lists: &[(LOW_SCORES, &["部门", "项目", "得分"])],
    field: field_kind,
    fields: || {
        let mut names: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
        names.push("部门.资金.<来源>");
        names.join("、")
    },
    syntax_help: "模式是 minijinja 模板：变量写成 {{ 地区 }}、{{ 部门.名称 }}",
};

/// The list of the projects scoring below 60 (`list: {of: 低分项目}`).
pub const LOW_SCORES: &str = "低分项目";
