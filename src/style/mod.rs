//! Styles: a named official layout and its settings, read from `templates/<style>/style.yaml`,
//! plus the indicator taxonomies and shared vocabularies in `templates/taxonomies.yaml`.
//!
//! A style says everything a region's form needs: which money sources and extra fields its
//! data may carry, which fields and 一级 it requires, how it scores and rounds, and, for each
//! document it produces, the page furniture and the table as a stack of blocks (label/value
//! rows, a money block, an indicator grid). Every printed word is a minijinja pattern in the
//! style; the Rust planner holds no table wording. `docs/styles.md` documents the vocabulary.
//!
//! Style files are checked like data: an unknown setting, a misspelt field or variable, a row
//! that does not fill the table's width or a pattern that does not compile is a diagnostic at
//! `templates/<style>/style.yaml:line:col`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::model::Dec;

pub mod blocks;
pub mod common;
pub mod dirs;
pub mod embedded;
pub mod formula;
mod fund_columns;
pub mod jinja_errors;
mod load;
pub mod patterns;
pub mod records;
pub mod validate;
pub mod vars;

pub use blocks::*;

pub use load::Styles;

/// A pattern or name with its position in `style.yaml`.
pub type SText = Spanned<String>;

/// The settings of one style.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Style {
    /// A human name, e.g. `新疆·项目支出绩效目标表`.
    pub name: String,
    /// The taxonomy key in `taxonomies.yaml` (not needed with `taxonomy_levels`).
    #[serde(default = "no_taxonomy")]
    pub taxonomy: SText,
    /// The style's own 一级 → 二级 levels, used instead of the named taxonomy (e.g. a form
    /// without 满意度指标).
    #[serde(default)]
    pub taxonomy_levels: Option<Vec<Level1>>,
    /// Whether indicators carry a 二级 level.
    #[serde(default = "yes")]
    pub level2: bool,
    /// Printed spelling of canonical level names (`数量指标` → `11-数量指标`).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Print every 二级 of the taxonomy, even those without indicators (a grid may override).
    #[serde(default)]
    pub print_empty_level2: bool,
    /// The order indicators print in: grouped by the taxonomy, or as the department wrote them.
    #[serde(default)]
    pub order: Order,
    /// 一级 levels every project must have at least one indicator in.
    #[serde(default)]
    pub required_level1: Vec<SText>,
    /// Minimum number of indicators per project.
    #[serde(default)]
    pub min_indicators: usize,
    /// Weight rules; absent when the style has no weights.
    #[serde(default)]
    pub weights: Option<Weights>,
    /// The money sources the data may fill, in print order, and how money is printed.
    #[serde(default)]
    pub funds: Funds,
    /// Extra text fields the data may carry, beyond the documented ones.
    #[serde(default)]
    pub fields: ExtraFields,
    /// Fields (data keys) every project / indicator / self-evaluation must fill.
    #[serde(default)]
    pub required_fields: Vec<SText>,
    /// The keys of the department's `签字` block, and which of them are required.
    #[serde(default)]
    pub signatures: Vec<SignatureField>,
    /// Budget-execution scoring of the self-evaluation.
    #[serde(default)]
    pub execution: Execution,
    /// Indicator results of the self-evaluation: what is required, how scores round.
    #[serde(default)]
    pub results: Results,
    /// The department-wide part (`部门整体`) of a department file.
    #[serde(default)]
    pub department: DepartmentPart,
    /// Print `≥`/`≤` for `>=`/`<=`.
    #[serde(default = "yes")]
    pub math_symbols: bool,
    /// Printed words of a target's direction (`正向`, `反向`, …); `指标.方向` prints them.
    #[serde(default)]
    pub directions: Directions,
    /// The allowed values of 依据, 赋分规则 and 佐证资料 (default: `taxonomies.yaml`'s).
    #[serde(default)]
    pub vocabulary: Option<Vocabulary>,
    /// Fallback chains of font families by role (宋体, 仿宋, 黑体, 楷体).
    pub fonts: BTreeMap<String, Vec<String>>,
    /// The documents this style produces.
    pub documents: Vec<DocumentSpec>,
}

fn yes() -> bool {
    true
}

fn no_taxonomy() -> SText {
    Spanned::new(
        String::new(),
        serde_saphyr::Location::UNKNOWN,
        serde_saphyr::Location::UNKNOWN,
    )
}

fn one() -> usize {
    1
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// The taxonomy's order of 一级 and 二级, stable within a level.
    #[default]
    Taxonomy,
    /// The order of the data file.
    Written,
}

/// The printed word of each direction of a target; a direction without a word prints empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directions {
    /// `≥`, `>`.
    #[serde(default)]
    pub positive: Option<String>,
    /// `≤`, `<`.
    #[serde(default)]
    pub negative: Option<String>,
    /// `=`.
    #[serde(default)]
    pub equal: Option<String>,
    /// No comparison sign (a qualitative target, or a bare quantity).
    #[serde(default)]
    pub none: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// The sum of a project's indicator weights (90 when 10 points belong to execution).
    #[serde(default)]
    pub total: Option<Dec>,
    /// Fixed points per 一级 (产出指标: 50 …), where the style fixes them.
    #[serde(default)]
    pub per_level1: BTreeMap<String, Dec>,
    /// The range a 一级's or 二级's weights must add up to (`成本指标: [0, 20]`), by the level's
    /// name in the taxonomy.
    #[serde(default)]
    pub ranges: crate::model::Entries<Vec<Dec>>,
}

/// Money: the sources a project's `资金` may name, and the printed form of amounts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Funds {
    #[serde(default)]
    pub sources: Vec<FundSource>,
    /// Printed unit: the data is always in 万元; `元` multiplies by 10,000.
    #[serde(default)]
    pub unit: MoneyUnit,
    /// Fixed decimals of printed amounts; absent: as the data wrote them.
    #[serde(default)]
    pub decimals: Option<u32>,
    /// Thousands separators (`3,309,840.00`).
    #[serde(default)]
    pub thousands: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum MoneyUnit {
    #[default]
    #[serde(rename = "万元")]
    TenThousand,
    #[serde(rename = "元")]
    Yuan,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundSource {
    /// The key in the data (`财政拨款`).
    pub key: SText,
    /// The printed row label in a money block (default: the key).
    #[serde(default)]
    pub label: Option<String>,
}

/// Extra text fields the data may carry at each level.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraFields {
    #[serde(default)]
    pub project: Vec<ExtraField>,
    /// Under a project's `自评`.
    #[serde(default)]
    pub eval: Vec<ExtraField>,
    #[serde(default)]
    pub indicator: Vec<ExtraField>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraField {
    pub key: SText,
    #[serde(default)]
    pub required: bool,
    /// Allowed values, when the field is a choice (e.g. `[正向, 反向]`).
    #[serde(default)]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureField {
    pub key: SText,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Execution {
    /// Points for budget execution.
    #[serde(default = "ten")]
    pub points: Dec,
    /// Decimals the score is rounded to.
    #[serde(default = "two")]
    pub decimals: u32,
    /// Full points from this execution rate on (a regional rule), as a fraction; absent for
    /// the national proportional rule.
    #[serde(default)]
    pub full_marks_from: Option<Dec>,
    /// Tiered scoring (a regional rule): the score of the first tier whose `from` (a fraction)
    /// the rate reaches, tiers taken from the highest `from`; 0 below every tier.
    #[serde(default)]
    pub tiers: Vec<Tier>,
    /// Decimals of printed execution rates (`93.85%`).
    #[serde(default = "two")]
    pub rate_decimals: u32,
}

fn ten() -> Dec {
    Dec(Decimal::TEN)
}

fn two() -> u32 {
    2
}

impl Default for Execution {
    fn default() -> Self {
        Execution {
            points: ten(),
            decimals: 2,
            full_marks_from: None,
            tiers: Vec::new(),
            rate_decimals: 2,
        }
    }
}

/// One tier of a tiered execution score.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub from: Dec,
    pub score: Dec,
}

impl Execution {
    /// Whether the printed score follows the national proportional rule (an Excel formula can
    /// then recompute it).
    pub fn is_proportional(&self) -> bool {
        self.full_marks_from.is_none() && self.tiers.is_empty()
    }
}

/// What a self-evaluation's indicator results must hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Results {
    /// Every approved indicator needs a result entry.
    #[serde(default = "yes")]
    pub required: bool,
    /// A result needs its 实际完成值.
    #[serde(default = "yes")]
    pub actual_required: bool,
    /// A result needs a 得分 (stated or computable); when false a blank score prints blank.
    #[serde(default = "yes")]
    pub score_required: bool,
    /// Decimals indicator scores are rounded to.
    #[serde(default = "two")]
    pub score_decimals: u32,
}

impl Default for Results {
    fn default() -> Self {
        Results {
            required: true,
            actual_required: true,
            score_required: true,
            score_decimals: 2,
        }
    }
}

/// The department-wide part of the data (`部门整体`): whether the style's forms need it, and
/// what its tasks' amounts add up to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentPart {
    /// Every department file of this style carries `部门整体`.
    #[serde(default)]
    pub required: bool,
    /// The amount the tasks' amounts (`年度主要任务`) add up to.
    #[serde(default)]
    pub tasks_add_up_to: TasksTotal,
    /// The income composition's 本年 total equals the spending composition's (`收入` = `支出`).
    #[serde(default)]
    pub income_equals_spending: bool,
}

/// What the amounts of the department's tasks add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum TasksTotal {
    /// The department's money (`部门整体.资金`), source by source and in total.
    #[default]
    #[serde(rename = "资金")]
    Funds,
    /// Its 项目支出 (a table whose tasks list the project spending only).
    #[serde(rename = "项目支出")]
    ProjectSpending,
}

/// The allowed values of the indicator's choice fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    #[serde(default, rename = "依据")]
    pub basis: Option<Vec<String>>,
    #[serde(default, rename = "赋分规则")]
    pub scoring: Option<Vec<String>>,
    #[serde(default, rename = "佐证资料")]
    pub evidence: Option<Vec<String>>,
    /// The 依据 allowed for 成本指标 only.
    #[serde(default, rename = "成本指标专用依据")]
    pub cost_only_basis: Option<Vec<String>>,
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
    /// The default allowed values of 依据, 赋分规则 and 佐证资料.
    #[serde(default)]
    pub vocabulary: Vocabulary,
}

/// A style with its directory, taxonomy and vocabulary resolved.
#[derive(Debug, Clone)]
pub struct LoadedStyle {
    pub key: String,
    pub dir: PathBuf,
    pub style: Style,
    pub taxonomy: Taxonomy,
    pub aliases: BTreeMap<String, String>,
    pub vocabulary: ResolvedVocabulary,
    /// Every pattern of the style, compiled.
    pub patterns: std::sync::Arc<patterns::Patterns>,
}

/// The allowed values of the choice fields, the style's or the shared defaults.
#[derive(Debug, Clone, Default)]
pub struct ResolvedVocabulary {
    pub basis: Vec<String>,
    pub scoring: Vec<String>,
    pub evidence: Vec<String>,
    pub cost_only_basis: Vec<String>,
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
    /// The weight range `[min, max]` the style gives a 一级 or 二级 (by its canonical name,
    /// however `weights.ranges` spells it).
    pub fn weight_range(&self, level: &str) -> Option<(Decimal, Decimal)> {
        let w = self.style.weights.as_ref()?;
        let (_, r) = w
            .ranges
            .iter()
            .find(|(k, _)| self.canonical(&k.value) == level)?;
        match r.as_slice() {
            [lo, hi] => Some((lo.0, hi.0)),
            _ => None,
        }
    }

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

    /// The data keys of the style's fund sources, in print order.
    pub fn source_keys(&self) -> impl Iterator<Item = &str> {
        self.style
            .funds
            .sources
            .iter()
            .map(|s| s.key.value.as_str())
    }

    /// Whether the style requires a field (data key).
    pub fn requires(&self, key: &str) -> bool {
        self.style.required_fields.iter().any(|f| f.value == key)
    }
}

/// The directory of a style: the project's own, else the embedded one ([`dirs::entry`]).
pub fn style_dir(templates: &Path, key: &str) -> PathBuf {
    dirs::entry(templates, key)
}
