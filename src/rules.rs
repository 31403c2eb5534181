//! Every rule the check knows, with its stable code and severity. Codes never change meaning;
//! a retired rule keeps its number unused. `jixiao rules` prints this table.
//!
//! - JX0xx: reading files (YAML, encoding, structure)
//! - JX1xx: required content and the style
//! - JX2xx: indicators (taxonomy, target values, weights)
//! - JX3xx: money
//! - JX4xx: self-evaluation arithmetic and scores
//! - JX5xx: style files (`templates/<style>/style.yaml`, `taxonomies.yaml`) and templates
//! - JX6xx: continuity across years (this year's file against last year's file of the same
//!   department, when both are in the data directory)
//! - JX7xx: the region file (`地区.yaml`) and the region's summary styles
//! - JX8xx: the department-wide part (`部门整体`): its money, tasks and their projects (its
//!   indicators and self-evaluation are checked by the JX2xx and JX4xx rules, as a project's)

use Severity::{Error, Warning};

/// How grave a rule's finding is: an error stops the department's build, a warning does not.
/// (Defined here, not in [`crate::diag`], so that the rules depend on nothing: `diag` and the
/// text rules of `load::text` both read the rules.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub severity: Severity,
    /// What the rule checks, in a few words.
    pub title: &'static str,
    /// The default advice printed with a finding.
    pub help: Option<&'static str>,
}

macro_rules! rules {
    ($($name:ident = $code:literal, $sev:ident, $title:literal, $help:expr;)*) => {
        $(pub static $name: Rule = Rule { code: $code, severity: $sev, title: $title, help: $help };)*
        /// All rules, in code order.
        pub static ALL: &[&Rule] = &[$(&$name),*];
    };
}

rules! {
    DATA_DIR = "JX001", Error, "数据目录不存在或无法读取",
        Some("请确认路径，或在包含 data/ 目录的项目根目录下运行；也可写 jixiao check <目录>");
    NO_DATA = "JX002", Error, "数据目录中没有 .yaml 文件",
        Some("每个部门每个年度一个 .yaml 文件，格式见 docs/data-format.md");
    READ_FAILED = "JX003", Error, "文件无法读取", None;
    NOT_UTF8 = "JX004", Error, "文件不是 UTF-8 编码",
        Some("请用 UTF-8 编码另存此文件（WPS/记事本“另存为”时选择 UTF-8）");
    EMPTY_FILE = "JX005", Error, "文件为空",
        Some("请填写部门、年度、样式和项目，格式见 docs/data-format.md");
    YAML_SYNTAX = "JX006", Error, "YAML 语法错误",
        Some("检查缩进与冒号；以 > < * & ! | % @ 等符号开头的值要加引号，如 指标值: \">=90%\"");
    YAML_STRUCTURE = "JX007", Error, "字段名、类型或结构不符合格式",
        Some("对照 docs/data-format.md 检查字段名与取值类型");
    YAML_LIMIT = "JX008", Error, "文件超出安全限制（过大、节点过多、别名展开过多或嵌套过深）",
        Some("检查文件是否误复制了大量内容；不要用 YAML 锚点/别名 (&, *) 批量复制内容");
    DUPLICATE_KEY = "JX009", Error, "同一层级中重复的字段",
        Some("删除或合并重复的字段");
    UNKNOWN_KEY = "JX010", Error, "未知字段",
        Some("可能是拼写错误；可用的字段见 docs/data-format.md");
    BAD_NUMBER = "JX011", Error, "不是有效的数字",
        Some("金额、权重、得分请写阿拉伯数字，如 37.76，不带单位和千分位逗号");
    NUMBER_LIMIT = "JX012", Error, "数值超出允许的范围（绝对值须小于 10¹²，最多 6 位小数）",
        Some("金额以万元为单位，0.000001 万元即 1 分，不需要更多小数；检查是否多写了数字");
    TEXT_TOO_LONG = "JX013", Error, "文字过长（每段文字最多 10000 个字符）",
        Some("精简这段文字；表格的一格容纳不下这么长的内容");
    CONTROL_CHAR = "JX014", Error, "文字中含有不可见的控制字符或双向文字控制符",
        Some("删除这个字符：它在 PDF 和 Excel 中显示不同，或会改变文字的显示顺序（常见于从网页、Word 复制的文字）");
    TAB_CHAR = "JX015", Error, "文字中含有制表符（Tab）",
        Some("把制表符改为空格：制表符在 PDF 中不会显示");
    OUTSIDE_DATA_DIR = "JX016", Error, "数据文件是指向数据目录之外的符号链接",
        Some("把文件本身复制到数据目录中，或让链接指向数据目录内的文件");

    UNKNOWN_STYLE = "JX101", Error, "样式不存在",
        Some("样式名对应 templates/ 下的目录，如 xinjiang、ningxia、zhejiang、anhui、national");
    MISSING_FIELD = "JX102", Error, "本样式要求的内容未填写", None;
    EMPTY_TEXT = "JX103", Error, "内容为空", Some("请填写内容，或删除这一项");
    DUPLICATE_PROJECT = "JX104", Error, "项目名称重复",
        Some("同一部门的项目名称必须互不相同");
    NO_PROJECTS = "JX105", Error, "没有项目", Some("在 项目: 下至少填写一个项目");
    BAD_YEAR = "JX106", Error, "年度不合理", Some("年度写四位数字，如 2023");
    DUPLICATE_DEPARTMENT = "JX107", Error, "同一部门同一年度有多个文件",
        Some("每个部门每个年度只保留一个文件");
    UNUSED_FIELD = "JX108", Warning, "本样式不使用此内容，它不会出现在表中", None;
    STYLE_BROKEN = "JX109", Error, "所用的样式有错误",
        Some("先改正样式文件中报告的问题（jixiao check 会一并列出）");
    BAD_CHOICE = "JX110", Error, "取值不在本样式规定的范围", None;
    OUTPUT_COLLISION = "JX111", Error, "两个部门的输出目录相同，文件会相互覆盖",
        Some("改动其中一个部门名称；输出目录名中 / \\ : * ? \" < > | 都写作 _，不区分大小写，末尾的 . 和空格不算");
    BAD_DEPARTMENT_NAME = "JX112", Error, "部门名称不能用作输出目录名", None;
    GLYPH_MISSING = "JX120", Error, "字体显示不了的字符（会印成空框）", None;

    UNKNOWN_LEVEL1 = "JX201", Error, "一级指标不在本样式的指标体系中", None;
    UNKNOWN_LEVEL2 = "JX202", Error, "二级指标不属于该一级指标", None;
    MISSING_LEVEL1 = "JX203", Error, "缺少本样式要求的一级指标", None;
    TOO_FEW_INDICATORS = "JX204", Error, "指标条数少于本样式要求", None;
    DUPLICATE_INDICATOR = "JX205", Error, "同一二级指标下三级指标重名",
        Some("改为不同的名称，或合并为一条指标");
    UNIT_MISSING = "JX206", Warning, "定量指标值缺少计量单位",
        Some("在数值后写明单位，如 =8人、≥90%");
    BAD_BASIS = "JX207", Error, "指标值设置依据不在规定范围",
        Some("可选：计划标准、行业标准（行业或国家标准）、历史标准、预算支出标准、其他标准");
    BUDGET_BASIS_NOT_COST = "JX208", Error, "预算支出标准只适用于成本指标",
        Some("非成本指标请改用计划标准、历史标准等");
    BAD_SCORING_RULE = "JX209", Error, "指标赋分规则不在规定范围",
        Some("可选：按照正常比例赋分、直接赋分、按评判等级赋分、满意度赋分");
    BAD_EVIDENCE = "JX210", Error, "佐证资料不在规定范围",
        Some("可选：正式材料、工作资料、原始凭证、说明材料");
    WEIGHT_NOT_POSITIVE = "JX211", Error, "指标权重必须大于 0", None;
    WEIGHT_TOTAL = "JX212", Error, "指标权重合计不等于本样式规定的总分", None;
    WEIGHT_LEVEL1_TOTAL = "JX213", Error, "一级指标的权重合计不等于本样式规定的分值", None;
    WEAK_TARGET = "JX214", Warning, "正向指标的指标值低于上年完成值（目标偏低）",
        Some("核实指标值；目标一般不应低于上年实际完成水平");
    LEVEL2_MISSING = "JX215", Error, "本样式要求填写二级指标", None;
    MID_WEIGHT = "JX216", Warning, "中期指标写了权重（权重只在年度指标上）",
        Some("删去这一条中期指标的 权重：中期指标不计分，权重写在年度的 指标 上");
    WEIGHT_RANGE = "JX217", Error, "一级或二级指标的权重合计不在本样式规定的区间", None;

    MONEY_SUM = "JX301", Error, "金额合计与各来源之和不符", None;
    MONEY_SOURCE = "JX302", Error, "本样式没有这一资金来源栏", None;
    MONEY_NEGATIVE = "JX303", Error, "金额不能为负数", None;
    MONEY_MISSING = "JX304", Error, "没有填写金额", Some("至少填写一个资金来源，或填写合计");
    MONEY_RANGE = "JX305", Error, "数值超出可计算的范围",
        Some("检查是否多写了数字；金额以万元为单位");
    MONEY_UNIT = "JX306", Warning, "金额不像是以万元为单位",
        Some("金额以万元为单位：以元计的金额除以 10000（1,250,000 元写 125）；确实如此时可不改");
    MONEY_ZERO = "JX307", Warning, "预算金额为 0",
        Some("填写项目的预算金额（万元）；空白表格待填时可暂不处理");
    MID_FUNDS_BELOW = "JX308", Warning, "中期资金少于年度资金",
        Some("中期资金是整个中期（如三年）的总额，通常不少于当年的资金；核对 中期资金 与 资金");

    EVAL_UNKNOWN_INDICATOR = "JX401", Error, "自评引用的指标不存在",
        Some("写所引用指标的三级名称；同名时写 二级/三级");
    EVAL_MISSING_INDICATOR = "JX402", Error, "已批复的指标没有自评结果",
        Some("自评须覆盖全部已批复指标");
    EVAL_DUPLICATE = "JX403", Error, "同一指标自评了两次", None;
    SCORE_OVER_WEIGHT = "JX404", Error, "得分超过分值", None;
    SCORE_MISSING = "JX405", Error, "无法计算得分，且未填写得分",
        Some("定性指标或无法按公式核算的指标，请填写 得分（或 等级: 达成）");
    SCORE_GRADE_RANGE = "JX406", Error, "得分不在所填等级的分数区间内",
        Some("达成：80%–100% 分值；部分达成：60%–80%；未达成：0–60%");
    BAD_GRADE = "JX407", Error, "等级只能是 达成、部分达成、未达成", None;
    REASON_MISSING = "JX408", Warning, "失分的指标没有填写偏差原因分析及改进措施",
        Some("填写 偏差原因：说明未完成的原因和改进措施");
    OVER_ACHIEVED = "JX409", Warning, "完成值超过指标值 120%，目标可能设置偏低", None;
    RATE_MISMATCH = "JX410", Warning, "填报的执行率与 B/A 计算结果不符", None;
    EXEC_SCORE_MISMATCH = "JX411", Warning, "填报的预算执行得分与计算结果不符", None;
    SCORE_MISMATCH = "JX412", Warning, "填报的得分与按公式计算的结果不符", None;
    TOTAL_MISMATCH = "JX413", Warning, "填报的总分与计算结果不符", None;
    PERCENT_VS_PHRASE = "JX414", Warning, "指标值写成百分比，完成值却是文字描述",
        Some("定性指标的指标值宜写文字（如 有效提升），或把完成值写成可比的百分比");
    UNIT_MISMATCH = "JX415", Warning, "完成值与指标值单位不一致，无法按公式核算得分",
        Some("完成值请用与指标值相同的单位书写；本次采用填报的得分");
    EXECUTED_OVER_BUDGET = "JX416", Warning, "全年执行数超过全年预算数", None;
    BAD_PERCENT = "JX417", Error, "不是有效的百分数", Some("写成如 93.85% 的形式");
    BUDGET_ZERO = "JX418", Error, "全年预算数为 0，无法计算执行率", None;
    GRADE_MISMATCH = "JX419", Warning, "填报的等级与按总分评定的等级不符",
        Some("等级按总分评定：优 ≥ 90，良 ≥ 80，中 ≥ 60，差 < 60；表中印评定的等级");

    STYLE_FORMAT = "JX501", Error, "样式文件的格式、设置名或取值类型不对",
        Some("对照 docs/styles.md 检查设置名与缩进");
    STYLE_NAME = "JX502", Error, "样式引用了不存在的字段或变量",
        Some("字段与变量的名称见 docs/styles.md 的“变量与字段”");
    STYLE_LAYOUT = "JX503", Error, "样式中的行、列不齐",
        Some("每一行（含上方向下合并的单元格）应正好占满 columns 的列数");
    STYLE_PATTERN = "JX504", Error, "样式中的模式（minijinja）有语法错误", None;
    STYLE_REFERENCE = "JX505", Error, "样式引用的指标体系、一级指标或模板不存在", None;
    STYLE_CONFLICT = "JX506", Error, "样式设置相互矛盾或缺少必需的部分", None;
    TEMPLATE_ERROR = "JX507", Error, "模板（*.typ.j2 或 lib/*.typ）无法读取或有错误",
        Some("按所指的行修改模板；模板语法见 docs/styles.md");
    TYPESET_FAILED = "JX508", Error, "排版失败：Typst 报告了错误",
        Some("按所指的模板文件和行修改；若指向生成的源码，检查模板中输出该行的部分");

    LAST_YEAR_MISMATCH = "JX601", Warning, "上年完成值与上年自评的实际完成值不一致",
        Some("上年完成值应照录上年自评表中的实际完成值；核对两处，改正有误的一处");
    BELOW_LAST_ACTUAL = "JX602", Warning, "正向指标的指标值低于上年自评的实际完成值（目标偏低）",
        Some("核实指标值；目标一般不应低于上年实际完成水平，确需降低的请说明理由");
    DROPPED_WITHOUT_EVAL = "JX603", Warning, "上年的项目今年没有列出，上年也没有它的自评",
        Some("项目结束后仍须对当年完成绩效自评：在上年文件的该项目下填写 自评；若项目只是改了名称，请沿用原名称");
    REGION_FILE = "JX701", Error, "地区文件（地区.yaml）的格式或取值不对",
        Some("地区文件可写：地区、编制单位、签字（标签、内容）、汇总（汇总样式名）；见 docs/region.md");
    REGION_STYLE = "JX702", Error, "地区文件的 汇总 中写的汇总样式不存在",
        Some("汇总 写 templates/ 下带 region.yaml 的目录名；region.yaml 本身的问题按样式报告（JX501–JX506），见 docs/region.md");

    SPENDING_SUM = "JX801", Error, "部门资金合计不等于基本支出与项目支出之和",
        Some("核对基本支出、项目支出和资金各来源的金额，改正有误的一处");
    TASKS_SUM = "JX802", Error, "年度主要任务的金额相加不等于部门的资金",
        Some("核对各任务的金额：它们相加应等于部门整体的资金（或样式规定的项目支出）");
    TASK_PROJECT_UNKNOWN = "JX803", Error, "任务列出的支出项目不在本文件中",
        Some("写本文件“项目”中某个项目的名称（与其“名称”完全相同）");
    FUND_SUM = "JX804", Error, "收入或支出构成中填报的小计、合计不等于各行之和",
        Some("核对这一分组（或整张构成表）各行的金额与填报的小计、合计，改正有误的一处；表中印的是各行相加的结果");
    FUND_TOTAL = "JX805", Error, "收入或支出构成的合计不等于部门资金合计（或收入合计不等于支出合计）",
        Some("收入、支出构成各行本年金额相加应等于部门整体的资金合计；核对各行与资金，改正有误的一处");
    FUND_FORMULA = "JX806", Error, "填报的数不符合样式表头声明的公式（如 合计 = 年初预算 + 调整、拨付率 = 实际拨付 ÷ 合计）",
        Some("核对这一行公式用到的各数与填报的结果，改正有误的一处；表中印按公式算出的数");
}

/// Whether `c` is refused in any text ([`CONTROL_CHAR`]; a line break only in keys, a tab by its
/// own rule [`TAB_CHAR`]). Here, with the rules, because the text rules of `load::text`, the
/// terminal output of `diag` and the file-name policy of `write` all refuse the same characters.
pub fn is_refused(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        // C0 controls, DEL, C1 controls.
        c if c.is_control() => true,
        // Bidirectional controls: marks, embeddings and overrides, isolates.
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => true,
        // Line and paragraph separators, a byte-order mark inside the text.
        '\u{2028}' | '\u{2029}' | '\u{FEFF}' => true,
        _ => false,
    }
}
