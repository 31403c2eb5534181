//! The data format, defined once: every key a department file may carry, at each level, with its
//! shape, whether it is required, its Chinese description and an example (in the spirit of
//! ripgrep's `flags/defs.rs`). Everything that knows a data key derives from [`FIELDS`]:
//!
//! - the loader's known keys and its shape check, which reports every format problem of a file in
//!   one run (`crate::load::read`, [`crate::load::read::department`]);
//! - the JSON Schema ([`crate::schema`]), `jixiao new`'s scaffold, `yaml_out`'s key order;
//! - the fields a style may require and the variables its patterns may name;
//! - `diff`'s field list, the twin and flat import bindings (by key, through
//!   [`access::Record::get`] and friends);
//! - the field tables of `docs/data-format.md` (a test compares their keys and 必填 column,
//!   [`Need::zh`], with the catalogue).
//!
//! A text field stored in [`Store::Texts`] needs nothing but its entry here: the loader keeps its
//! value in the record's `texts`, the schema, scaffold, writer, diff, import and patterns read it
//! by key. A field the code computes with ([`Store::Model`]) also has a typed member in
//! [`crate::model`]; a test holds the two lists equal.

mod access;
mod path;

pub use access::{Record, Value, fits};
pub use path::{MAX_PARTS, Parts, VarPath};

use crate::model::Text;

pub use crate::model::Level;

impl Level {
    /// Every level, outermost first.
    pub const ALL: [Level; 12] = [
        Level::Department,
        Level::Project,
        Level::Indicator,
        Level::Eval,
        Level::Result,
        Level::Amounts,
        Level::DeptWide,
        Level::Task,
        Level::FundRow,
        Level::Allocation,
        Level::Region,
        Level::RegionSignature,
    ];

    /// Whether a style may declare further text fields here (`fields:` in `style.yaml`); other
    /// keys at an open level are the style's to accept or refuse, at a closed level they are
    /// unknown.
    pub fn open(self) -> bool {
        matches!(self, Level::Project | Level::Indicator | Level::Eval)
    }

    /// The level in words, for messages and the generated documentation.
    pub fn name_zh(self) -> &'static str {
        match self {
            Level::Department => "部门（文件顶层）",
            Level::Project => "项目",
            Level::Indicator => "指标",
            Level::Eval => "自评",
            Level::Result => "自评.指标",
            Level::Amounts => "自评.资金 的每个来源",
            Level::DeptWide => "部门整体",
            Level::Task => "部门整体.年度主要任务 的每项任务",
            Level::FundRow => "部门整体.收入、支出 的每一行",
            Level::Allocation => "部门整体.拨付结余 的每一行",
            Level::Region => "地区文件（地区.yaml）",
            Level::RegionSignature => "地区文件的签字",
        }
    }
}

/// The kind of value a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One text: any scalar (a number such as `11` is read as its text).
    Text,
    /// A year: a whole number (quoted or not).
    Year,
    /// A number of the data (money, weight, score): a plain decimal, quoted or not, within
    /// [`crate::model::parse_amount`]'s limits.
    Number,
    /// A text or a number (`执行率: 100%` or `执行率: 95.5`).
    Rate,
    /// One text, or a list of texts (目标1, 目标2, …).
    Goals,
    /// A list of texts.
    TextList,
    /// Money by source: `来源: 金额` pairs (sources are the style's; `合计` is the stated total).
    Money,
    /// The self-evaluation's money by source: `来源: {年初预算, 全年预算, 全年执行}`.
    EvalMoney,
    /// `名称: 文字` pairs whose keys the style declares (签字).
    Names,
    /// One record of the level.
    Record(Level),
    /// A list of records of the level.
    Records(Level),
}

impl Shape {
    /// What a value of this shape is, in words ("此处应是…").
    pub fn expected_zh(self) -> &'static str {
        match self {
            Shape::Text | Shape::Rate => "一段文字",
            Shape::Year => "一个整数（如 2023）",
            Shape::Number => "一个数字（如 37.76）",
            Shape::Goals => "一段文字，或每行一个“目标N”的列表",
            Shape::TextList => "一个列表（每行一个 - 开头）",
            Shape::Money => "若干“来源: 金额”",
            Shape::EvalMoney => "若干“来源: {年初预算, 全年预算, 全年执行}”",
            Shape::Names => "若干“名称: 值”",
            Shape::Record(_) => "若干“名称: 值”",
            Shape::Records(_) => "一个列表（每项以 - 开头）",
        }
    }
}

/// Whether a key must be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Always.
    Required,
    /// Optional; a style may require it (`required_fields`, `level2`, `signatures` or
    /// `department` in `style.yaml`).
    ByStyle,
    /// Optional, and no style requires it.
    Optional,
}

impl Need {
    /// The 必填 column of the documentation's field tables.
    pub fn zh(self) -> &'static str {
        match self {
            Need::Required => "是",
            Need::ByStyle => "视样式",
            Need::Optional => "否",
        }
    }
}

/// Where the loaded value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// A typed member of the model the code computes with.
    Model,
    /// The record's `texts`, by key (see the module documentation).
    Texts,
}

/// One key of the data format.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub level: Level,
    pub shape: Shape,
    pub need: Need,
    pub store: Store,
    /// What it holds, for the schema's descriptions and the documentation.
    pub about: &'static str,
    /// A value as a clerk writes it (YAML), for the scaffold and the documentation; empty where
    /// the shape has no one-line example.
    pub example: &'static str,
}

const fn f(
    level: Level,
    key: &'static str,
    shape: Shape,
    need: Need,
    store: Store,
    about: &'static str,
    example: &'static str,
) -> Field {
    Field {
        key,
        level,
        shape,
        need,
        store,
        about,
        example,
    }
}

use Level as L;
use Need::{ByStyle, Optional, Required};
use Shape as S;
use Store::{Model, Texts};

/// The data format: every key of every level, in the documented order (files written by
/// `import` and `new` follow it).
#[rustfmt::skip]
pub static FIELDS: &[Field] = &[
    // The department.
    f(L::Department, "部门", S::Text, Required, Model, "部门（预算单位）全称，如“库尔勒市人大常委会办公室”", "库尔勒市人大常委会办公室"),
    f(L::Department, "年度", S::Year, Required, Model, "预算年度，如 2023", "2023"),
    f(L::Department, "样式", S::Text, Required, Model, "官方版式名，对应 templates/<样式>/", "xinjiang"),
    f(L::Department, "签字", S::Names, ByStyle, Model, "签字栏，键由样式的 signatures 声明", ""),
    f(L::Department, "备注", S::TextList, Optional, Model, "汇总表下方的备注，每行一条，按顺序编号", ""),
    f(L::Department, "项目", S::Records(L::Project), Required, Model, "项目列表，每个项目一项", ""),
    f(L::Department, "部门整体", S::Record(L::DeptWide), ByStyle, Model, "部门整体支出绩效目标与自评（部门职能、资金、年度主要任务、年度总体目标、指标、自评）；只有项目表的文件不写", ""),
    // A project.
    f(L::Project, "名称", S::Text, Required, Model, "项目名称", "人大代表履职服务经费"),
    f(L::Project, "实施单位", S::Text, ByStyle, Texts, "实施单位", "库尔勒市人大常委会办公室"),
    f(L::Project, "主管部门", S::Text, ByStyle, Texts, "主管部门；不写时表中留空", "库尔勒市人民代表大会常务委员会"),
    f(L::Project, "负责人", S::Text, ByStyle, Texts, "项目负责人", "张三"),
    f(L::Project, "项目属性", S::Text, ByStyle, Texts, "项目属性，如“一年期项目”“经常性项目”", "经常性项目"),
    f(L::Project, "项目期限", S::Text, ByStyle, Texts, "项目期限，如“1 年”", "1 年"),
    f(L::Project, "主管处室", S::Text, ByStyle, Texts, "项目主管处室", "行政处"),
    f(L::Project, "科目代码", S::Text, ByStyle, Texts, "财政资金科目代码，如“21305”（写成文字，加引号）", "21305"),
    f(L::Project, "资金", S::Money, Required, Model, "按资金来源的金额（万元，精确小数）；“合计”可选，工具按各来源相加后核对", ""),
    f(L::Project, "总体目标", S::Goals, ByStyle, Model, "年度总体目标：一段文字，或每项一个“目标N”的列表", "保障人大代表依法履职"),
    f(L::Project, "指标", S::Records(L::Indicator), Required, Model, "绩效指标列表，一行一条三级指标", ""),
    f(L::Project, "中期目标", S::Goals, ByStyle, Model, "中期（或长期）总体目标，印在年度总体目标旁：一段文字，或每项一个“目标N”的列表", "三年内建成覆盖全市的代表联络站网络"),
    f(L::Project, "中期资金", S::Money, ByStyle, Model, "中期资金总额，按资金来源（万元）；“合计”可选；不应少于年度资金", ""),
    f(L::Project, "中期指标", S::Records(L::Indicator), ByStyle, Model, "中期（或长期）绩效指标，写法与指标相同，按同一指标体系检查；不写权重（权重只在年度指标上）", ""),
    f(L::Project, "自评", S::Record(L::Eval), Optional, Model, "年度结束后的自评（只引用已批复的指标）", ""),
    // An indicator.
    f(L::Indicator, "一级", S::Text, Required, Model, "一级指标", "产出指标"),
    f(L::Indicator, "二级", S::Text, ByStyle, Model, "二级指标，可写简称或地区写法（如 11-数量指标），工具统一规范", "数量指标"),
    f(L::Indicator, "三级", S::Text, Required, Model, "三级指标（明细指标）名称", "培训人次"),
    f(L::Indicator, "指标值", S::Text, Required, Model, "年度指标值：比较符 + 数值 + 单位（\">=90%\"、≥2380.4平方米、=236人），或定性文字（有效提高）；以 > < 开头要加引号", "≥200人次"),
    f(L::Indicator, "依据", S::Text, ByStyle, Model, "指标值设置依据", "计划标准"),
    f(L::Indicator, "上年完成值", S::Text, ByStyle, Model, "上年完成值（新项目可不写）", "180人次"),
    f(L::Indicator, "权重", S::Number, ByStyle, Model, "指标分值权重（分）", "10"),
    f(L::Indicator, "赋分规则", S::Text, ByStyle, Model, "指标赋分规则", "按照正常比例赋分"),
    f(L::Indicator, "佐证资料", S::TextList, ByStyle, Model, "佐证资料，列表", "[正式材料]"),
    f(L::Indicator, "描述", S::Text, ByStyle, Texts, "指标描述", "全年组织代表培训的人次"),
    // The self-evaluation.
    f(L::Eval, "资金", S::EvalMoney, Required, Model, "按来源的 年初预算、全年预算（A）、全年执行（B），万元；可写“合计”同形，作为填报合计核对", ""),
    f(L::Eval, "执行率", S::Rate, Optional, Model, "填报的预算执行率（如 \"100%\"），工具按 B/A 计算后核对", "100%"),
    f(L::Eval, "执行得分", S::Number, Optional, Model, "填报的预算执行得分，工具计算后核对", "10"),
    f(L::Eval, "执行得分调整理由", S::Text, Optional, Model, "写了理由时，表中印填报的执行得分而不是计算值", ""),
    f(L::Eval, "实际完成情况", S::Text, Required, Model, "年度总体目标的实际完成情况", "全年完成代表培训 210 人次"),
    f(L::Eval, "总分", S::Number, Optional, Model, "填报的总分，工具计算后核对", "95"),
    f(L::Eval, "等级", S::Text, Optional, Model, "填报的评价等级（优、良、中、差），工具按总分评定后核对", "优"),
    f(L::Eval, "指标", S::Records(L::Result), Required, Model, "各指标的自评结果，每条引用一个已批复的指标", ""),
    // One result of the self-evaluation.
    f(L::Result, "指标", S::Text, Required, Model, "所引用指标的三级名称；同名时写“二级/三级”", "培训人次"),
    f(L::Result, "实际完成值", S::Text, Optional, Model, "实际完成值", "210人次"),
    f(L::Result, "得分", S::Number, Optional, Model, "得分（分）", "10"),
    f(L::Result, "等级", S::Text, Optional, Model, "定性指标的等级：达成、部分达成、未达成", "达成"),
    f(L::Result, "偏差原因", S::Text, Optional, Model, "偏差原因分析及改进措施", ""),
    f(L::Result, "得分调整理由", S::Text, Optional, Model, "写了理由时，表中印填报的得分而不是计算值", ""),
    // One source's figures of the self-evaluation.
    f(L::Amounts, "年初预算", S::Number, Optional, Model, "年初预算数（万元）", "50"),
    f(L::Amounts, "全年预算", S::Number, Required, Model, "全年预算数（A，万元）", "50"),
    f(L::Amounts, "全年执行", S::Number, Required, Model, "全年执行数（B，万元）", "48.5"),
    // The department-wide part (部门整体).
    f(L::DeptWide, "部门职能", S::Text, Optional, Model, "部门职能概述", "依法履行地方人大常委会办事机构职责"),
    f(L::DeptWide, "资金", S::Money, Required, Model, "部门预算资金，按来源（万元，精确小数）；“合计”可选，工具按各来源相加后核对", ""),
    f(L::DeptWide, "基本支出", S::Number, Optional, Model, "其中基本支出（万元）；与项目支出都写时，两者之和应等于资金合计", "300"),
    f(L::DeptWide, "项目支出", S::Number, Optional, Model, "其中项目支出（万元）", "220"),
    f(L::DeptWide, "收入", S::Records(L::FundRow), Optional, Model, "收入构成，每行一项（名称、分组、本年、上年）；各行本年相加应等于资金合计", ""),
    f(L::DeptWide, "支出", S::Records(L::FundRow), Optional, Model, "支出构成，每行一项（名称、分组、本年、上年）；各行本年相加应等于资金合计", ""),
    f(L::DeptWide, "拨付结余", S::Records(L::Allocation), Optional, Model, "按资金级次（中央及省级、市级、县级）的预算、拨付与结余，每行一项；样式的 fund 块印出并按它声明的公式核对", ""),
    f(L::DeptWide, "年度主要任务", S::Records(L::Task), Optional, Model, "年度主要任务（年度履职目标），每项任务一项；各任务金额之和应等于部门资金（或样式规定的项目支出）", ""),
    f(L::DeptWide, "年度总体目标", S::Goals, Optional, Model, "部门年度总体目标：一段文字，或每项一个“目标N”的列表", "全面完成年度履职任务"),
    f(L::DeptWide, "指标", S::Records(L::Indicator), Optional, Model, "部门整体绩效指标，写法与项目的指标相同，按同一指标体系检查", ""),
    f(L::DeptWide, "自评", S::Record(L::Eval), Optional, Model, "部门整体支出绩效自评，写法与项目的自评相同", ""),
    // One task of the department.
    f(L::Task, "任务名称", S::Text, Required, Model, "任务名称", "代表履职服务保障"),
    f(L::Task, "部门职能", S::Text, Optional, Model, "任务所属的部门职能（按“部门职能—年度目标任务”列表的表格）", "服务代表依法履职"),
    f(L::Task, "主要内容", S::Text, Optional, Model, "任务的主要内容", "组织代表培训、视察和联系选民活动"),
    f(L::Task, "支出项目", S::TextList, Optional, Model, "任务所用的项目，写本文件中的项目名称", "[人大代表履职服务经费]"),
    f(L::Task, "资金", S::Money, Optional, Model, "任务的预算金额，按来源（万元）；“合计”可选", ""),
    // One row of the income or spending composition.
    f(L::FundRow, "名称", S::Text, Required, Model, "这一行的名称，如“财政拨款收入”“基本支出”", "财政拨款收入"),
    f(L::FundRow, "分组", S::Text, Optional, Model, "所属的分组（如“按收入性质分”），同组的行印在一起并有小计", "按收入性质分"),
    f(L::FundRow, "汇总", S::Text, Optional, Model, "写“小计”：这一行是填报的本分组小计；写“合计”：填报的合计；工具按各行相加后核对，表中印计算值", "合计"),
    f(L::FundRow, "本年", S::Number, Optional, Model, "本年金额（万元）", "500"),
    f(L::FundRow, "上年", S::Number, Optional, Model, "上年金额（万元）", "480"),
    f(L::FundRow, "前年", S::Number, Optional, Model, "前年金额（万元）", "450"),
    // One row of the money by funding level.
    f(L::Allocation, "名称", S::Text, Required, Model, "资金级次，如“中央及省级”“市级”“县级”", "市级"),
    f(L::Allocation, "汇总", S::Text, Optional, Model, "写“合计”：这一行是填报的合计；工具按各行相加后核对，表中印计算值", "合计"),
    f(L::Allocation, "年初预算", S::Number, Optional, Model, "年初预算数（万元）", "100"),
    f(L::Allocation, "调整", S::Number, Optional, Model, "预算调整数（万元，调减写负数）", "20"),
    f(L::Allocation, "合计", S::Number, Optional, Model, "预算合计（万元），按样式的公式核对（如 年初预算 + 调整）", "120"),
    f(L::Allocation, "实际拨付", S::Number, Optional, Model, "实际拨付数（万元）", "114"),
    f(L::Allocation, "拨付率", S::Rate, Optional, Model, "拨付率（百分数），按样式的公式核对（如 实际拨付 ÷ 合计）", "95%"),
    f(L::Allocation, "结余", S::Number, Optional, Model, "结余（万元），按样式的公式核对（如 合计 − 实际拨付）", "6"),
    f(L::Allocation, "结余率", S::Rate, Optional, Model, "结余率（百分数），按样式的公式核对（如 结余 ÷ 合计）", "5%"),
    // The region file (地区.yaml), read by `crate::region` (a test holds its keys equal).
    f(L::Region, "地区", S::Text, Required, Model, "地区名称，印在汇总表标题中，如“样例市”", "样例市"),
    f(L::Region, "编制单位", S::Text, Optional, Model, "编制汇总表的单位，如“样例市财政局”", "样例市财政局"),
    f(L::Region, "签字", S::Records(L::RegionSignature), Optional, Model, "每张汇总表下方的签字行，按顺序", ""),
    f(L::Region, "汇总", S::TextList, Optional, Model, "要生成的汇总表样式（templates/ 下带 region.yaml 的目录）", "[region]"),
    f(L::RegionSignature, "标签", S::Text, Required, Model, "签字行的标签，如“负责人：”", "负责人："),
    f(L::RegionSignature, "内容", S::Text, Optional, Model, "标签后印的内容；留空待手签", ""),
];

/// The grades the check accepts for `等级` (`compute::Grade::parse`; a test holds them equal).
pub const GRADES: &[&str] = &[
    "达成",
    "部分达成",
    "未达成",
    "达成年度指标",
    "部分达成年度指标并具有一定效果",
    "未达成年度指标且效果较差",
];

/// The grades a self-evaluation may state as its `等级` (`compute::grade`'s; a test holds them
/// equal).
pub const OVERALL_GRADES: &[&str] = &["优", "良", "中", "差"];

/// The fields of `level`, in the documented order.
pub fn of(level: Level) -> impl Iterator<Item = &'static Field> {
    FIELDS.iter().filter(move |f| f.level == level)
}

/// The keys of `level`, in the documented order.
pub fn keys(level: Level) -> impl Iterator<Item = &'static str> {
    of(level).map(|f| f.key)
}

/// The field `key` of `level`.
pub fn find(level: Level, key: &str) -> Option<&'static Field> {
    of(level).find(|f| f.key == key)
}

/// The figures of a row of `level` ([`Level::FundRow`], [`Level::Allocation`]): its numbers and
/// rates, in the documented order.
pub fn figures(level: Level) -> impl Iterator<Item = &'static Field> {
    of(level).filter(|f| matches!(f.shape, Shape::Number | Shape::Rate))
}

/// The keys of `record` (at `level`) the catalogue does not know (the style's fields), with
/// their values, in the order written.
pub fn extras<T: crate::model::Texts + ?Sized>(record: &T, level: Level) -> Vec<&(Text, Text)> {
    record
        .texts()
        .iter()
        .filter(|(k, _)| find(level, k.value.trim()).is_none())
        .collect()
}

/// The text fields of `level` kept in the record's `texts` (see [`Store::Texts`]).
pub fn stored_texts(level: Level) -> impl Iterator<Item = &'static Field> {
    of(level).filter(|f| f.store == Store::Texts)
}

/// The keys of `level` a style may require.
pub fn requirable(level: Level) -> impl Iterator<Item = &'static str> {
    of(level).filter(|f| f.need == Need::ByStyle).map(|f| f.key)
}

/// The description of `key` at `level` (empty for a key the format does not know).
pub fn describe(level: Level, key: &str) -> &'static str {
    find(level, key).map_or("", |f| f.about)
}

/// The candidate among `known` nearest to `written`, when it is near enough to be a slip
/// (one character wrong, missing or extra in a short key; two in a longer one), for
/// “是不是 …？”. Exact matches are not suggestions.
pub fn nearest<'a>(written: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let w: Vec<char> = written.trim().chars().collect();
    if w.is_empty() || w.len() > 64 {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        let c: Vec<char> = k.chars().collect();
        let d = distance(&w, &c);
        let allowed = if c.len().max(w.len()) >= 5 { 2 } else { 1 };
        if d == 0 || d > allowed {
            continue;
        }
        if best.is_none_or(|(b, _)| d < b) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

/// The edit distance of two character strings (insertions, deletions, substitutions).
fn distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            row[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1);
        }
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()]
}

/// “（是不是“X”？）” when `written` is near one of `known`, else empty.
pub fn did_you_mean<'a>(written: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    nearest(written, known).map_or(String::new(), |k| format!("（是不是“{k}”？）"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_per_level() {
        for level in Level::ALL {
            let keys: Vec<&str> = keys(level).collect();
            let mut sorted = keys.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(keys.len(), sorted.len(), "{level:?}");
        }
    }

    #[test]
    fn only_texts_at_open_levels_are_stored_by_key() {
        for f in FIELDS.iter().filter(|f| f.store == Store::Texts) {
            assert!(f.level.open() && f.shape == Shape::Text, "{}", f.key);
        }
    }

    #[test]
    fn grades_are_the_computed_ones() {
        for g in GRADES {
            assert!(crate::compute::Grade::parse(g).is_some(), "{g}");
        }
    }

    #[test]
    fn overall_grades_are_the_computed_ones() {
        use rust_decimal::Decimal;
        let computed: Vec<&str> = [95, 85, 65, 10]
            .into_iter()
            .map(|t| crate::compute::grade(Decimal::from(t)))
            .collect();
        assert_eq!(computed, OVERALL_GRADES);
    }

    #[test]
    fn a_slip_is_suggested_and_a_stranger_is_not() {
        let keys = || keys(Level::Indicator);
        assert_eq!(nearest("佐证材料", keys()), Some("佐证资料"));
        assert_eq!(nearest("指标植", keys()), Some("指标值"));
        assert_eq!(nearest("上年完成", keys()), Some("上年完成值"));
        assert_eq!(nearest("资金来源说明", keys()), None);
        assert_eq!(nearest("佐证资料", keys()), None);
    }
}
