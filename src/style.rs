//! Styles: a named official layout and its settings, read from `templates/<style>/style.yaml`,
//! plus the indicator taxonomies in `templates/taxonomies.yaml`. Nothing about a region's
//! layout or rules is hard-coded in Rust: a new regional style is a new directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::model::{Dec, Source};

/// The settings of one style.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Style {
    /// A human name, e.g. `新疆·项目支出绩效目标表`.
    pub name: String,
    /// The taxonomy key in `taxonomies.yaml`.
    pub taxonomy: String,
    /// Whether indicators carry a 二级 level.
    #[serde(default = "yes")]
    pub level2: bool,
    /// Printed spelling of canonical level names (`数量指标` → `11-数量指标`).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Print every 二级 of the taxonomy, even those without indicators.
    #[serde(default)]
    pub print_empty_level2: bool,
    /// 一级 levels every project must have at least one indicator in.
    #[serde(default)]
    pub required_level1: Vec<String>,
    /// Minimum number of indicators per project.
    #[serde(default)]
    pub min_indicators: usize,
    /// Weight rules; absent when the style has no weights.
    #[serde(default)]
    pub weights: Option<Weights>,
    /// Money source columns the style prints, by data key (`财政拨款`, …).
    #[serde(default)]
    pub money_sources: Vec<String>,
    /// Fields (data keys) every project / indicator must fill in this style.
    #[serde(default)]
    pub required_fields: Vec<String>,
    /// Signature fields required (`主要领导`, `经办人`, `联系电话`).
    #[serde(default)]
    pub required_signatures: Vec<String>,
    /// Budget-execution scoring of the self-evaluation.
    #[serde(default)]
    pub execution: Execution,
    /// Print `≥`/`≤` for `>=`/`<=`.
    #[serde(default = "yes")]
    pub math_symbols: bool,
    /// Fallback chains of font families by role (宋体, 仿宋, 黑体, 楷体).
    pub fonts: BTreeMap<String, Vec<String>>,
    /// The documents this style produces.
    pub documents: Vec<DocumentSpec>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// The sum of a project's indicator weights (90 when 10 points belong to execution).
    pub total: Dec,
    /// Fixed points per 一级 (产出指标: 50 …), where the style fixes them.
    #[serde(default)]
    pub per_level1: BTreeMap<String, Dec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Execution {
    /// Points for budget execution.
    pub points: Dec,
    /// Decimals the score is rounded to.
    pub decimals: u32,
    /// Full points from this execution rate on (a regional rule), as a fraction; absent for
    /// the national proportional rule.
    #[serde(default)]
    pub full_marks_from: Option<Dec>,
}

impl Default for Execution {
    fn default() -> Self {
        Execution {
            points: Dec(Decimal::TEN),
            decimals: 2,
            full_marks_from: None,
        }
    }
}

/// One document a style produces: a table kind, its template and its layout.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentSpec {
    /// `target`, `self_eval`, `summary` or `list`.
    pub kind: String,
    /// The minijinja template (relative to the style directory) that produces Typst source.
    pub template: String,
    /// Output base name, e.g. `项目支出绩效目标表`.
    pub file: String,
    /// Table title printed on each section.
    pub title: String,
    #[serde(default)]
    pub landscape: bool,
    /// Relative column widths of the grid.
    pub columns: Vec<f64>,
    /// The header block: rows of cells, each a label or a field reference.
    #[serde(default)]
    pub header: Vec<Vec<HeaderCell>>,
    /// The column headings of the indicator grid (or the table), in order.
    #[serde(default)]
    pub grid: Vec<GridColumn>,
    /// Extra labels and settings the kind uses (e.g. `unit_note: 单位：万元`).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Minimum number of body rows (the list form pads with empty rows).
    #[serde(default)]
    pub min_rows: usize,
    /// Self-evaluation: minimum numbered rows per 二级, and a trailing `……` row.
    #[serde(default)]
    pub min_rows_per_level2: usize,
    #[serde(default)]
    pub ellipsis_row: bool,
    /// Decimals of a total that is rounded (the list form's 合计); absent = exact.
    #[serde(default)]
    pub total_decimals: Option<u32>,
}

/// A cell of a header block.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderCell {
    /// Printed label text.
    #[serde(default)]
    pub label: Option<String>,
    /// A field of the project (`name`, `unit`, `manager`, `funds.total`, `funds.财政拨款`, …).
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default = "one")]
    pub span: usize,
    #[serde(default = "one")]
    pub rows: usize,
}

fn one() -> usize {
    1
}

/// A column of the indicator grid.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridColumn {
    pub label: String,
    /// The indicator field shown (`level1`, `level2`, `name`, `target`, `basis`, `last_year`,
    /// `weight`, `scoring`, `evidence`, `description`, `actual`, `score`, `reason`).
    pub field: String,
    #[serde(default = "one")]
    pub span: usize,
}

/// An indicator taxonomy: 一级 levels in print order, each with its 二级 levels.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    pub levels: Vec<Level1>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level1 {
    pub name: String,
    #[serde(default)]
    pub level2: Vec<String>,
}

/// `templates/taxonomies.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyFile {
    pub taxonomies: BTreeMap<String, Taxonomy>,
    /// Regional spellings of level names mapped onto canonical names.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
}

/// A style with its directory and taxonomy resolved.
#[derive(Debug, Clone)]
pub struct LoadedStyle {
    pub key: String,
    pub dir: PathBuf,
    pub style: Style,
    pub taxonomy: Taxonomy,
    pub aliases: BTreeMap<String, String>,
}

/// All styles of a templates directory, loaded on demand and kept.
pub struct Styles {
    pub dir: PathBuf,
    taxonomies: Option<TaxonomyFile>,
    cache: BTreeMap<String, Result<LoadedStyle, String>>,
}

impl Styles {
    pub fn new(dir: &Path) -> Styles {
        Styles {
            dir: dir.to_path_buf(),
            taxonomies: None,
            cache: BTreeMap::new(),
        }
    }

    /// The style named `key`, or a message saying why it cannot be used.
    pub fn get(&mut self, key: &str) -> Result<&LoadedStyle, String> {
        if !self.cache.contains_key(key) {
            let loaded = self.load(key);
            self.cache.insert(key.to_string(), loaded);
        }
        self.cache[key].as_ref().map_err(Clone::clone)
    }

    /// The style names available (directories with a `style.yaml`).
    pub fn available(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter(|e| e.path().join("style.yaml").is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect();
        names.sort();
        names
    }

    fn load(&mut self, key: &str) -> Result<LoadedStyle, String> {
        let valid = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(format!("样式名“{key}”只能包含字母、数字、- 和 _"));
        }
        let dir = self.dir.join(key);
        let path = dir.join("style.yaml");
        if !path.is_file() {
            let avail = self.available().join("、");
            return Err(format!(
                "找不到样式“{key}”（{} 不存在）；可用的样式：{avail}",
                path.display()
            ));
        }
        let style: Style = read_yaml(&path)?;
        if self.taxonomies.is_none() {
            self.taxonomies = Some(read_yaml(&self.dir.join("taxonomies.yaml"))?);
        }
        let tax = self.taxonomies.as_ref().expect("loaded above");
        let taxonomy = tax
            .taxonomies
            .get(&style.taxonomy)
            .cloned()
            .ok_or_else(|| {
                format!(
                    "{}：指标体系“{}”不在 taxonomies.yaml 中",
                    path.display(),
                    style.taxonomy
                )
            })?;
        for s in &style.money_sources {
            if Source::from_key(s).is_none() {
                return Err(format!("{}：未知的资金来源“{s}”", path.display()));
            }
        }
        Ok(LoadedStyle {
            key: key.to_string(),
            dir,
            style,
            taxonomy,
            aliases: tax.aliases.clone(),
        })
    }
}

fn read_yaml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}：{e}", path.display()))?;
    serde_saphyr::from_str(&text).map_err(|e| format!("{}：{e}", path.display()))
}

impl LoadedStyle {
    /// The canonical 一级 name for what the data wrote, if the taxonomy has it.
    pub fn level1(&self, written: &str) -> Option<&Level1> {
        let name = self.canonical(written);
        self.taxonomy.levels.iter().find(|l| l.name == name)
    }

    /// The canonical 二级 name under `level1`, if the taxonomy has it there.
    pub fn level2<'a>(&self, level1: &'a Level1, written: &str) -> Option<&'a str> {
        let name = self.canonical(written);
        let direct = level1.level2.iter().find(|l| **l == name);
        direct
            .or_else(|| {
                // `满意度指标` as a 二级 (Xinjiang) means the taxonomy's only 满意度 二级.
                (name == level1.name && level1.level2.len() == 1).then(|| &level1.level2[0])
            })
            .map(String::as_str)
    }

    /// Strips a numeric code (`11-数量指标`) and maps regional spellings.
    pub fn canonical(&self, written: &str) -> String {
        let t = written.trim();
        let t = match t.split_once('-') {
            Some((code, rest)) if !code.is_empty() && code.chars().all(|c| c.is_ascii_digit()) => {
                rest.trim()
            }
            _ => t,
        };
        self.aliases
            .get(t)
            .cloned()
            .unwrap_or_else(|| t.to_string())
    }

    /// How the style prints a canonical level name.
    pub fn label(&self, canonical: &str) -> String {
        self.style
            .labels
            .get(canonical)
            .cloned()
            .unwrap_or_else(|| canonical.to_string())
    }
}
