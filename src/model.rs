//! The source data as finance staff write it (`data/*.yaml`, documented in
//! `docs/data-format.md`). Every value keeps its source position so any later stage can point at
//! the line that caused a problem. Money, weights and scores are exact decimals: a plain `12.55`
//! is read as the text `12.55` and parsed by `rust_decimal`, never through a float.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use crate::diag::FileId;

/// A text value with its position.
pub type Text = Spanned<String>;
/// An exact decimal with its position.
pub type Num = Spanned<Dec>;

/// The largest magnitude a number in the data may have: every amount (万元), weight and score is
/// below 10¹² (a trillion 万元 is a thousand times a whole year's national spending), so sums,
/// products and quotients of data numbers stay far inside `rust_decimal`'s 28 digits.
pub const MAX_MAGNITUDE_DIGITS: usize = 12;
/// The most decimal places a number in the data may have: 0.000001 万元 is one 分, the smallest
/// unit of money; no weight or score needs more.
pub const MAX_DECIMALS: usize = 6;

/// Why a number in the data is refused. The messages of the last two carry
/// [`NUMBER_LIMIT_MARK`], which the loader classifies under JX012.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    /// Not a plain decimal at all (JX011).
    NotANumber,
    /// Absolute value of 10¹² or more (JX012).
    TooLarge,
    /// More than [`MAX_DECIMALS`] decimal places (JX012).
    TooPrecise { decimals: usize },
}

/// The phrase every number-limit message contains.
pub const NUMBER_LIMIT_MARK: &str = "超出允许的范围";

impl NumberError {
    /// The message for the scalar `s` (shortened when it is long, so a diagnostic never echoes
    /// a huge value).
    pub fn message(&self, s: &str) -> String {
        let shown = short(s.trim());
        match self {
            NumberError::NotANumber => format!("“{shown}”不是有效的数字"),
            NumberError::TooLarge => format!(
                "“{shown}”{NUMBER_LIMIT_MARK}：数值的绝对值须小于 10¹²（1,000,000,000,000）"
            ),
            NumberError::TooPrecise { decimals } => format!(
                "“{shown}”有 {decimals} 位小数，{NUMBER_LIMIT_MARK}：最多 {MAX_DECIMALS} 位小数"
            ),
        }
    }
}

/// `s` as shown in a message: at most 40 characters, with the length when cut.
pub fn short(s: &str) -> String {
    let n = s.chars().count();
    if n <= 40 {
        s.to_string()
    } else {
        let head: String = s.chars().take(20).collect();
        format!("{head}…（共 {n} 个字符）")
    }
}

/// An exact decimal read from the YAML scalar's text, within the data's limits
/// ([`parse_amount`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec(pub Decimal);

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Dec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("一个数字（如 37.76）")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Dec, E> {
                parse_amount(s)
                    .map(Dec)
                    .map_err(|e| E::custom(e.message(s)))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Dec, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dec, E> {
                self.visit_str(&v.to_string())
            }
        }
        // Asking for a string makes the YAML parser hand over the scalar's own text.
        d.deserialize_str(V)
    }
}

/// Parses a plain decimal (`37.76`, `-1`, `0.00`) exactly, keeping its scale; no exponents, no
/// thousands separators, and never rounded: a value `rust_decimal` cannot hold exactly (more
/// than 28 decimals or digits) is `None`.
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let ok = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
        && !digits.starts_with('.')
        && !digits.ends_with('.');
    if !ok {
        return None;
    }
    Decimal::from_str_exact(t.strip_prefix('+').unwrap_or(t)).ok()
}

/// Parses a stated percentage (`62.75%`, `100%`) into a fraction.
pub fn parse_percent(s: &str) -> Option<Decimal> {
    let t = s.trim().trim_end_matches(['%', '％']);
    if t.len() == s.trim().len() {
        return None;
    }
    parse_decimal(t).and_then(|d| d.checked_div(Decimal::ONE_HUNDRED))
}

/// Parses a number the data gives (money, weight, score): a plain decimal with at most
/// [`MAX_DECIMALS`] decimal places and an absolute value below 10^[`MAX_MAGNITUDE_DIGITS`].
pub fn parse_amount(s: &str) -> Result<Decimal, NumberError> {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let plain = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
        && !digits.starts_with('.')
        && !digits.ends_with('.');
    if !plain {
        return Err(NumberError::NotANumber);
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if frac.len() > MAX_DECIMALS {
        return Err(NumberError::TooPrecise {
            decimals: frac.len(),
        });
    }
    if int.trim_start_matches('0').len() > MAX_MAGNITUDE_DIGITS {
        return Err(NumberError::TooLarge);
    }
    // Within the limits every such text fits a `Decimal` exactly.
    parse_decimal(t).ok_or(NumberError::NotANumber)
}

/// One file: a department's projects for one year. The keys of each level and their shapes are
/// the field catalogue's ([`crate::fields`]); the loader reads this model by it.
#[derive(Debug, Clone)]
pub struct Department {
    /// 部门
    pub name: Text,
    /// 年度
    pub year: Spanned<u32>,
    /// 样式
    pub style: Text,
    /// 签字: signature fields (`主要领导: 周维`), keys as the style declares them.
    pub signatures: Entries<Text>,
    /// 备注
    pub notes: Vec<Text>,
    /// 项目
    pub projects: Vec<Project>,
    /// 部门整体: the department-wide part, where the file carries one.
    pub wide: Option<DeptWide>,
    /// The file this was read from (set by the loader).
    pub file: FileId,
}

/// `部门整体`: the department-wide part of a department file — its money, tasks, overall goal,
/// indicators and self-evaluation (the 部门整体支出绩效目标表 and 自评表). The indicators and
/// the self-evaluation are written, read and checked as a project's.
#[derive(Debug, Clone)]
pub struct DeptWide {
    /// The key `部门整体`, where findings about the part as a whole are located.
    pub key: Text,
    /// 部门职能
    pub functions: Option<Text>,
    /// 资金
    pub funds: Spanned<Sources<Num>>,
    /// 基本支出
    pub basic: Option<Num>,
    /// 项目支出
    pub project_spending: Option<Num>,
    /// 收入: the income composition.
    pub income: Vec<FundRow>,
    /// 支出: the spending composition.
    pub spending: Vec<FundRow>,
    /// 拨付结余: the money by funding level.
    pub allocation: Vec<FundRow>,
    /// 年度主要任务
    pub tasks: Vec<Task>,
    /// 年度总体目标
    pub goals: Option<Spanned<Goals>>,
    /// 指标
    pub indicators: Vec<Indicator>,
    /// 自评
    pub eval: Option<SelfEval>,
}

/// Where a key stands in a data file: the kinds of records, as the field catalogue
/// ([`crate::fields`]) names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// The top of the file.
    Department,
    /// One item of `项目`.
    Project,
    /// One item of `指标`.
    Indicator,
    /// `自评` of a project.
    Eval,
    /// One item of `自评.指标`.
    Result,
    /// One source's figures under `自评.资金`.
    Amounts,
    /// `部门整体`: the department-wide part of a department file (the 部门整体支出绩效目标表 and
    /// its self-evaluation). Its indicators are [`Level::Indicator`]s and its self-evaluation an
    /// [`Level::Eval`], read and checked as a project's.
    DeptWide,
    /// One item of `部门整体.年度主要任务`.
    Task,
    /// One row of `部门整体.收入` or `部门整体.支出` (the income and spending composition).
    FundRow,
    /// One row of `部门整体.拨付结余` (the self-evaluation's money by funding level: budget,
    /// adjustment, allocation and balance). Read into the same [`FundRow`] as
    /// [`Level::FundRow`], with this level's figures.
    Allocation,
    /// The top of a region file (`地区.yaml`), which is no department's data.
    Region,
    /// One item of the region file's `签字`.
    RegionSignature,
}

/// One row of the department's income or spending composition (`部门整体.收入` / `支出`), or
/// of its money by funding level (`部门整体.拨付结余`): a name and the figures its level's
/// catalogue gives ([`crate::fields::figures`]).
#[derive(Debug, Clone)]
pub struct FundRow {
    /// [`crate::fields::Level::FundRow`] or [`crate::fields::Level::Allocation`].
    pub level: Level,
    /// 名称
    pub name: Text,
    /// 分组
    pub group: Option<Text>,
    /// 汇总: `小计` or `合计` where the row states a subtotal or the total.
    pub sum: Option<Text>,
    /// The amounts written (本年, 上年, 前年; 年初预算, 调整 …), by catalogue key.
    pub figures: Vec<(&'static str, Num)>,
    /// The percentages written (拨付率, 结余率), by catalogue key, as written.
    pub rates: Vec<(&'static str, Text)>,
}

/// The `汇总` of a fund row that states its group's subtotal (the total is [`TOTAL_KEY`]).
pub const SUBTOTAL: &str = "小计";

/// The figure of the income and spending composition that adds up to the department's money.
pub const THIS_YEAR: &str = "本年";

impl FundRow {
    /// The amount of `key`, where written.
    pub fn figure(&self, key: &str) -> Option<&Num> {
        self.figures.iter().find(|(k, _)| *k == key).map(|(_, n)| n)
    }

    /// The percentage of `key` as written, where written.
    pub fn rate(&self, key: &str) -> Option<&Text> {
        self.rates.iter().find(|(k, _)| *k == key).map(|(_, t)| t)
    }

    /// The value of figure `key`: an amount, or a written percentage as a fraction (`95%` →
    /// 0.95); `None` where not written or not a percentage.
    pub fn value(&self, key: &str) -> Option<Decimal> {
        match self.figure(key) {
            Some(n) => Some(n.value.0),
            None => self.rate(key).and_then(|t| parse_percent(&t.value)),
        }
    }

    /// Whether the row states a subtotal (`小计`) or the total (`合计`) rather than a part.
    pub fn stated_sum(&self) -> Option<&str> {
        self.sum.as_ref().map(|t| t.value.trim())
    }
}

/// One of the department's 年度主要任务.
#[derive(Debug, Clone)]
pub struct Task {
    /// 任务名称
    pub name: Text,
    /// 部门职能
    pub function: Option<Text>,
    /// 主要内容
    pub content: Option<Text>,
    /// 支出项目: names of projects of the same file.
    pub projects: Vec<Text>,
    /// 资金
    pub funds: Option<Spanned<Sources<Num>>>,
}

/// A project.
#[derive(Debug, Clone)]
pub struct Project {
    /// 名称
    pub name: Text,
    /// 资金
    pub funds: Spanned<Sources<Num>>,
    /// 总体目标
    pub goals: Option<Spanned<Goals>>,
    /// 指标
    pub indicators: Vec<Indicator>,
    /// 中期目标: the medium- (or long-) term goal beside the 年度 one.
    pub mid_goals: Option<Spanned<Goals>>,
    /// 中期资金: the medium-term money by source.
    pub mid_funds: Option<Spanned<Sources<Num>>>,
    /// 中期指标: the medium-term indicators, checked against the taxonomy as the 年度 ones but
    /// carrying no weights.
    pub mid_indicators: Vec<Indicator>,
    /// 自评
    pub eval: Option<SelfEval>,
    /// The text fields kept by key: the catalogue's ([`crate::fields::Store::Texts`]: 实施单位,
    /// 主管部门, …) and the keys the catalogue does not know, for the style to accept or
    /// refuse, in the order written.
    pub texts: Vec<(Text, Text)>,
}

/// Records with text fields kept by key ([`crate::fields::Store::Texts`]).
pub trait Texts {
    fn texts(&self) -> &[(Text, Text)];
    fn texts_mut(&mut self) -> &mut Vec<(Text, Text)>;

    /// The text stored under `key`.
    fn text(&self, key: &str) -> Option<&Text> {
        self.texts()
            .iter()
            .find(|(k, _)| k.value.trim() == key)
            .map(|(_, v)| v)
    }

    /// Sets (or, with `None`, removes) the text under `key`, keeping its place.
    fn set_text(&mut self, key: &str, value: Option<Text>) {
        let texts = self.texts_mut();
        match (texts.iter().position(|(k, _)| k.value.trim() == key), value) {
            (Some(i), Some(v)) => texts[i].1 = v,
            (Some(i), None) => {
                texts.remove(i);
            }
            (None, Some(v)) => texts.push((plain_text(key), v)),
            (None, None) => {}
        }
    }
}

/// A text with no position (made by the tool, not read from a file).
pub fn plain_text(s: &str) -> Text {
    Spanned::new(
        s.to_string(),
        serde_saphyr::Location::UNKNOWN,
        serde_saphyr::Location::UNKNOWN,
    )
}

macro_rules! texts {
    ($($t:ty),*) => {$(
        impl Texts for $t {
            fn texts(&self) -> &[(Text, Text)] {
                &self.texts
            }
            fn texts_mut(&mut self) -> &mut Vec<(Text, Text)> {
                &mut self.texts
            }
        }
    )*};
}
texts!(Project, Indicator, SelfEval);

/// The overall goal: one text, or one text per 目标N.
#[derive(Debug, Clone)]
pub enum Goals {
    One(String),
    Many(Vec<String>),
}

impl Goals {
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Goals::One(s) => vec![s.as_str()],
            Goals::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// An ordered map with located keys, as the data wrote it: `资金` (source → amount) and
/// `签字` (signature field → name). Which keys are allowed is the style's business, so the
/// check reports an unknown key at its own position.
#[derive(Debug, Clone)]
pub struct Entries<T> {
    pub entries: Vec<(Text, T)>,
}

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Entries {
            entries: Vec::new(),
        }
    }
}

impl<T> Entries<T> {
    pub fn get(&self, key: &str) -> Option<&T> {
        self.entries
            .iter()
            .find(|(k, _)| k.value.trim() == key)
            .map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Text, &T)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entries<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = Entries<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("“名称: 值”形式的若干项")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Text>()? {
                    entries.push((key, map.next_value::<T>()?));
                }
                Ok(Entries { entries })
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// Money by source (万元): `T` is a plain amount for the budget, or an [`EvalAmounts`] triple
/// for the self-evaluation. The sources are the style's (`财政拨款`, `其他资金`, …); `合计` is the
/// stated total, checked against the sum of the sources.
pub type Sources<T> = Entries<T>;

/// The key of a stated total among the sources.
pub const TOTAL_KEY: &str = "合计";

impl<T> Entries<T> {
    /// The filled sources (every key but the total), in the order written.
    pub fn filled(&self) -> Vec<(&Text, &T)> {
        self.iter()
            .filter(|(k, _)| k.value.trim() != TOTAL_KEY)
            .collect()
    }

    /// The stated total.
    pub fn total(&self) -> Option<&T> {
        self.get(TOTAL_KEY)
    }
}

/// One 三级 indicator row of the approved target table.
#[derive(Debug, Clone)]
pub struct Indicator {
    /// 一级
    pub level1: Text,
    /// 二级
    pub level2: Option<Text>,
    /// 三级
    pub name: Text,
    /// 指标值
    pub target: Text,
    /// 依据
    pub basis: Option<Text>,
    /// 上年完成值
    pub last_year: Option<Text>,
    /// 权重
    pub weight: Option<Num>,
    /// 赋分规则
    pub scoring: Option<Text>,
    /// 佐证资料
    pub evidence: Vec<Text>,
    /// The text fields kept by key (描述, the style's fields), as for a project.
    pub texts: Vec<(Text, Text)>,
}

/// The self-evaluation after year end. It refers to the approved indicators by name.
#[derive(Debug, Clone)]
pub struct SelfEval {
    /// 资金
    pub funds: Spanned<Sources<EvalAmounts>>,
    /// 执行率
    pub stated_rate: Option<Text>,
    /// 执行得分
    pub stated_exec_score: Option<Num>,
    /// 执行得分调整理由: when given, the stated execution score is printed instead of the
    /// computed one.
    pub exec_override: Option<Text>,
    /// 实际完成情况
    pub outcome: Text,
    /// 总分
    pub stated_total: Option<Num>,
    /// 等级: the stated grade (优, 良, 中, 差), checked against the computed one.
    pub stated_grade: Option<Text>,
    /// 指标
    pub indicators: Vec<IndicatorEval>,
    /// The style's fields, by key.
    pub texts: Vec<(Text, Text)>,
}

/// 年初预算数, 全年预算数（A）, 全年执行数（B） of one money source.
#[derive(Debug, Clone)]
pub struct EvalAmounts {
    /// 年初预算
    pub initial: Option<Num>,
    /// 全年预算
    pub budget: Num,
    /// 全年执行
    pub executed: Num,
}

/// The year-end result of one approved indicator.
#[derive(Debug, Clone)]
pub struct IndicatorEval {
    /// 指标: the approved indicator's 三级 name, or `二级/三级` where the name repeats.
    pub indicator: Text,
    /// 实际完成值
    pub actual: Option<Text>,
    /// 得分
    pub score: Option<Num>,
    /// 等级
    pub grade: Option<Text>,
    /// 偏差原因
    pub reason: Option<Text>,
    /// 得分调整理由: when given, the stated score is printed instead of the computed one.
    pub score_override: Option<Text>,
}
