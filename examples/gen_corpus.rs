//! A deterministic synthetic corpus for benchmarking `jixiao build`.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --departments 50 --projects 20 --out /tmp/corpus \
//!     [--seed 1] [--style all|xinjiang|ningxia|zhejiang|anhui] [--indicators N]
//! ```
//!
//! Writes one `<年度>-<序号>-<样式>.yaml` per department, each with the given number of projects,
//! cycling through the styles (`all`) or using one. `--indicators N` gives every project exactly
//! N indicators instead of 7–12 (the extra ones under 产出指标; weights then in hundredths or
//! thousandths where the points are fewer than the indicators): for the size scenarios of
//! `bench/run.sh`, e.g. one department of 5,000 projects or one project of 10,000 indicators. The text is assembled from a fixed vocabulary
//! of real-sounding budget phrases, with the lengths found in real forms (project names 8–30
//! characters, overall goals 60–300, 三级 names 6–30, 7–12 indicators per project, money with
//! 0–3 decimals). Every file satisfies its style (weights, required fields, self-evaluations that
//! add up), so `jixiao check` reports no errors.
//!
//! Determinism: the only source of randomness is a small xorshift generator seeded from `--seed`
//! and the department's index, so the same arguments always give the same bytes, and department
//! `k` is the same whatever `--departments` is.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use rust_decimal::{Decimal, RoundingStrategy};

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

const USAGE: &str = "usage: gen_corpus --departments N --projects M --out DIR [--seed S] \
                     [--style all|xinjiang|ningxia|zhejiang|anhui] [--indicators N]";

struct Args {
    departments: usize,
    projects: usize,
    out: PathBuf,
    seed: u64,
    /// `None`: cycle through every style.
    style: Option<Style>,
    /// Indicators per project; `None`: 7–12, as in real forms.
    indicators: Option<usize>,
}

fn parse_args() -> Result<Args> {
    let mut departments = None;
    let mut projects = None;
    let mut out = None;
    let mut seed = 1;
    let mut style = None;
    let mut indicators = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = it
            .next()
            .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || {
            value
                .parse::<u64>()
                .with_context(|| format!("{flag}: `{value}` is not a number"))
        };
        match flag.as_str() {
            "--departments" => departments = Some(number()? as usize),
            "--projects" => projects = Some(number()? as usize),
            "--seed" => seed = number()?,
            "--indicators" => indicators = Some(number()? as usize),
            "--out" => out = Some(PathBuf::from(&value)),
            "--style" => {
                style = match value.as_str() {
                    "all" => None,
                    name => Some(
                        Style::ALL
                            .into_iter()
                            .find(|s| s.key() == name)
                            .with_context(|| format!("unknown style `{name}`\n{USAGE}"))?,
                    ),
                }
            }
            _ => bail!("unknown argument `{flag}`\n{USAGE}"),
        }
    }
    let (Some(departments), Some(projects), Some(out)) = (departments, projects, out) else {
        bail!("--departments, --projects and --out are required\n{USAGE}");
    };
    if departments == 0 || projects == 0 {
        bail!("--departments and --projects must be at least 1");
    }
    if indicators.is_some_and(|n| n < 4) {
        bail!("--indicators must be at least 4 (one per 一级 of every style)");
    }
    Ok(Args {
        departments,
        projects,
        out,
        seed,
        style,
        indicators,
    })
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_corpus: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run() -> Result<()> {
    let args = parse_args()?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut used_names = HashSet::new();
    for index in 0..args.departments {
        let style = args.style.unwrap_or(Style::ALL[index % Style::ALL.len()]);
        let mut rng = Rng::new(args.seed, index as u64);
        let dept = department(
            &mut rng,
            style,
            index,
            args.projects,
            args.indicators,
            &mut used_names,
        );
        let file = args.out.join(format!(
            "{}-{:04}-{}.yaml",
            dept.year,
            index + 1,
            style.key()
        ));
        let yaml = write_yaml(&dept, args.seed)?;
        std::fs::write(&file, yaml).with_context(|| format!("cannot write {}", file.display()))?;
    }
    eprintln!(
        "wrote {} departments × {} projects to {}",
        args.departments,
        args.projects,
        args.out.display()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Random numbers: xorshift64*, seeded through splitmix64
// ---------------------------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    /// A generator for one department: independent of how many departments are generated.
    fn new(seed: u64, stream: u64) -> Rng {
        let mut z = seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(stream.wrapping_add(1).wrapping_mul(0xBF58_476D_1CE4_E5B9));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// Leaning towards `lo`: the smaller of two uniform draws.
    fn low_range(&mut self, lo: usize, hi: usize) -> usize {
        self.range(lo, hi).min(self.range(lo, hi))
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Xinjiang,
    Ningxia,
    Zhejiang,
    Anhui,
}

impl Style {
    const ALL: [Style; 4] = [
        Style::Xinjiang,
        Style::Ningxia,
        Style::Zhejiang,
        Style::Anhui,
    ];

    fn key(self) -> &'static str {
        match self {
            Style::Xinjiang => "xinjiang",
            Style::Ningxia => "ningxia",
            Style::Zhejiang => "zhejiang",
            Style::Anhui => "anhui",
        }
    }

    /// Counties and districts of the style's region, for department names.
    fn places(self) -> &'static [&'static str] {
        match self {
            Style::Xinjiang => &[
                "库尔勒市",
                "轮台县",
                "尉犁县",
                "若羌县",
                "且末县",
                "和静县",
                "和硕县",
                "博湖县",
                "焉耆回族自治县",
                "阿克苏市",
                "库车市",
                "温宿县",
                "沙雅县",
                "新和县",
            ],
            Style::Ningxia => &[
                "平罗县",
                "大武口区",
                "惠农区",
                "贺兰县",
                "永宁县",
                "灵武市",
                "利通区",
                "青铜峡市",
                "盐池县",
                "同心县",
                "原州区",
                "西吉县",
                "隆德县",
                "泾源县",
            ],
            Style::Zhejiang => &[
                "绍兴市柯桥区",
                "绍兴市越城区",
                "绍兴市上虞区",
                "诸暨市",
                "嵊州市",
                "新昌县",
                "宁波市象山县",
                "宁波市奉化区",
                "台州市黄岩区",
                "温州市瓯海区",
                "湖州市吴兴区",
                "嘉兴市秀洲区",
            ],
            Style::Anhui => &[
                "淮北市相山区",
                "淮北市杜集区",
                "淮北市烈山区",
                "濉溪县",
                "宿州市埇桥区",
                "砀山县",
                "萧县",
                "灵璧县",
                "泗县",
                "蚌埠市龙子湖区",
                "怀远县",
                "五河县",
                "固镇县",
            ],
        }
    }
}

const ORGS: &[&str] = &[
    "人大常委会办公室",
    "人民代表大会常务委员会办公室",
    "政协办公室",
    "信访局",
    "司法局",
    "审计局",
    "统计局",
    "档案馆",
    "机关事务服务中心",
    "融媒体中心",
    "民政局",
    "退役军人事务局",
    "科学技术局",
    "市场监督管理局",
    "文化和旅游局",
    "人力资源和社会保障局",
    "自然资源局",
    "住房和城乡建设局",
    "农业农村局",
    "应急管理局",
];

/// What a project is about: the noun its name, goals and indicators are built around.
const ACTIVITIES: &[&str] = &[
    "人大代表活动",
    "常委会会议",
    "人代会会议",
    "代表履职培训",
    "执法检查",
    "调研视察",
    "信访接待",
    "预算联网监督",
    "法律顾问服务",
    "代表之家建设",
    "代表联络站运行",
    "立法调研",
    "议案建议办理",
    "机关日常运转",
    "新闻宣传",
    "档案数字化",
    "网络安全等级保护",
    "办公设备购置",
    "专题询问",
    "规范性文件备案审查",
    "基层人大工作",
    "民生实事项目票决",
    "干部教育培训",
    "办公楼物业管理",
    "公务用车运行维护",
    "政策研究",
    "信息化系统运维",
    "普法宣传",
];

/// Who a project serves.
const PEOPLE: &[&str] = &[
    "人大代表",
    "常委会组成人员",
    "参会代表",
    "参训学员",
    "来访群众",
    "服务对象",
    "机关干部职工",
    "基层干部",
    "社会公众",
    "列席人员",
];

const QUALIFIERS: &[&str] = &[
    "市级",
    "区级",
    "县级",
    "乡镇街道",
    "基层",
    "全年",
    "年度",
    "机关",
    "常委会",
];

const NAME_SUFFIXES: &[&str] = &[
    "经费",
    "工作经费",
    "专项经费",
    "运行经费",
    "补助经费",
    "项目",
    "专项资金",
];

/// Clarifications appended to long 三级 names.
const CLARIFICATIONS: &[&str] = &[
    "（含线上线下）",
    "（按季度统计）",
    "（以财政批复为准）",
    "（覆盖全部乡镇街道）",
    "（含专题活动）",
    "（按实际发生计）",
];

/// Clauses of an overall goal; `{a}` is the activity, `{p}` the people, `{n}` a count,
/// `{r}` a percentage.
const GOAL_CLAUSES: &[&str] = &[
    "保障{a}工作正常有序开展",
    "全年组织{a}{n}次",
    "进一步密切联系群众，支持和保障{n}名{p}依法履职",
    "提升{a}工作的质量和效率",
    "确保资金使用规范、安全、有效",
    "严格按照年初预算控制{a}经费支出",
    "严格执行中央八项规定精神，厉行节约",
    "充分发挥人大监督职能，推动“一府一委两院”依法开展工作",
    "完善{a}长效机制，形成可复制、可推广的工作经验",
    "及时回应群众关切，{p}满意度达到{r}%以上",
    "提高{p}的业务能力和履职水平",
    "按时完成{a}各项任务，资金拨付及时率达到100%",
    "为全区经济社会高质量发展提供有力保障",
    "加强与{p}的联系，广泛听取意见建议",
    "推进{a}规范化、制度化、信息化建设",
];

const OUTCOMES: &[&str] = &[
    "达到预期目标",
    "基本达到预期目标",
    "全年完成{a}各项任务，资金使用规范",
    "按计划完成{a}工作，取得良好效果",
];

const REASONS: &[&str] = &[
    "部分活动受客观因素影响延期，下一步加快工作进度",
    "部分资金未及时支付，下一步加快支付进度",
    "进一步加大{a}工作力度",
    "年中任务调整，下一步科学合理设置指标值",
    "宣传覆盖面不足，下一步拓宽宣传渠道",
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "韩", "贺",
];
const GIVEN_NAMES: &[&str] = &[
    "玲艳", "光成", "华庆", "维", "怡", "建国", "丽娟", "志强", "海燕", "晓东", "秀英", "文博",
    "明", "静", "红梅", "永刚",
];

const BASES: &[&str] = &["计划标准", "历史标准", "行业标准", "其他标准"];
const EVIDENCE: &[&str] = &["正式材料", "工作资料", "说明材料"];

/// How a target value is written and, for the self-evaluation, met.
#[derive(Clone, Copy)]
enum Kind {
    /// `=236人` or `>=3天`, with the range of the count.
    Count(&'static str, u32, u32),
    /// `>=92%`.
    Rate,
    /// `=100%`.
    Full,
    /// `<=0.16万元/人`: a cost ceiling in the unit, with the range in hundredths.
    Cost(&'static str, u32, u32),
    /// `≤12月` or `2024年12月底前`.
    Deadline,
    /// A phrase: `有效提升`.
    Phrase(&'static [&'static str]),
    /// `>=95%`, scored by 满意度赋分.
    Satisfaction,
}

const IMPROVE: &[&str] = &["有效提升", "显著提升", "有所提高", "明显改善"];
const PROMOTE: &[&str] = &["有效推动", "持续推进", "效果明显", "有效促进"];
const NONE: &[&str] = &["无", "无明显负面影响"];
const GOOD: &[&str] = &["达到预期", "符合要求", "规范有序"];
const LASTING: &[&str] = &["逐步完善", "持续完善", "不断健全", "长期有效"];

/// 三级 name patterns of one 二级 level (`{a}` activity, `{p}` people).
fn templates(level2: &str) -> &'static [(&'static str, Kind)] {
    match level2 {
        "数量指标" => &[
            ("开展{a}次数", Kind::Count("次", 2, 24)),
            ("{a}参加人数", Kind::Count("人", 20, 400)),
            ("{p}培训人次", Kind::Count("人次", 30, 600)),
            ("印制{a}资料份数", Kind::Count("份", 100, 3000)),
            ("{a}覆盖乡镇街道数", Kind::Count("个", 5, 30)),
            ("召开{a}场次", Kind::Count("场", 1, 12)),
            ("形成{a}调研报告数量", Kind::Count("篇", 2, 12)),
            ("{a}服务保障天数", Kind::Count("天", 3, 250)),
        ],
        "质量指标" => &[
            ("{a}经费使用合规率", Kind::Full),
            ("{a}任务完成率", Kind::Rate),
            ("{p}参与率", Kind::Rate),
            ("{a}资料归档完整率", Kind::Rate),
            ("{a}验收合格率", Kind::Full),
            ("{a}工作质量", Kind::Phrase(GOOD)),
        ],
        "时效指标" => &[
            ("{a}资金拨付及时率", Kind::Full),
            ("{a}完成及时率", Kind::Full),
            ("{a}按期完成率", Kind::Rate),
            ("{a}完成时间", Kind::Deadline),
        ],
        "成本指标" | "经济成本指标" => &[
            ("{a}人均成本", Kind::Cost("万元/人", 5, 80)),
            ("{a}单次成本", Kind::Cost("万元/次", 50, 2500)),
            ("{p}人均日均标准", Kind::Cost("元/人·天", 15_000, 55_000)),
            ("{a}经费支出控制数", Kind::Cost("万元", 100, 30_000)),
        ],
        "社会成本指标" => &[("{a}对社会公众的负面影响", Kind::Phrase(NONE))],
        "生态环境成本指标" => &[("{a}对生态环境的影响", Kind::Phrase(NONE))],
        "经济效益指标" => &[
            ("节约{a}财政资金", Kind::Phrase(PROMOTE)),
            ("{a}带动相关工作统筹推进", Kind::Phrase(PROMOTE)),
        ],
        "社会效益指标" => &[
            ("提升{p}履职能力", Kind::Phrase(IMPROVE)),
            ("推动{a}工作规范化", Kind::Phrase(PROMOTE)),
            ("{a}社会知晓率", Kind::Rate),
            ("促进{a}依法有序开展", Kind::Phrase(PROMOTE)),
            ("提高{a}服务水平", Kind::Phrase(IMPROVE)),
        ],
        "生态效益指标" => &[
            ("推行{a}无纸化办公", Kind::Phrase(PROMOTE)),
            ("{a}节能降耗", Kind::Phrase(IMPROVE)),
        ],
        "可持续影响指标" => &[
            ("{a}长效机制建设", Kind::Phrase(LASTING)),
            ("{a}成果持续发挥作用年限", Kind::Count("年", 2, 5)),
        ],
        // 服务对象满意度指标, and 浙江's 满意度指标 without a 二级.
        _ => &[
            ("{p}满意度", Kind::Satisfaction),
            ("{a}服务对象满意度", Kind::Satisfaction),
        ],
    }
}

/// One 一级 level of a style: its 二级 levels (the first ones more common), and how many
/// indicators a project has there.
struct Level {
    level1: &'static str,
    level2: &'static [&'static str],
    min: usize,
    max: usize,
}

fn levels(style: Style) -> &'static [Level] {
    const XINJIANG: &[Level] = &[
        Level {
            level1: "产出指标",
            level2: &["数量指标", "质量指标", "时效指标"],
            min: 3,
            max: 6,
        },
        Level {
            level1: "成本指标",
            level2: &[
                "经济成本指标",
                "经济成本指标",
                "社会成本指标",
                "生态环境成本指标",
            ],
            min: 1,
            max: 2,
        },
        Level {
            level1: "效益指标",
            level2: &[
                "社会效益指标",
                "社会效益指标",
                "经济效益指标",
                "可持续影响指标",
            ],
            min: 1,
            max: 3,
        },
        Level {
            level1: "满意度指标",
            level2: &["满意度指标"],
            min: 1,
            max: 2,
        },
    ];
    const TAXONOMY_2015: &[Level] = &[
        Level {
            level1: "产出指标",
            level2: &["数量指标", "质量指标", "时效指标", "成本指标"],
            min: 4,
            max: 7,
        },
        Level {
            level1: "效益指标",
            level2: &[
                "社会效益指标",
                "可持续影响指标",
                "经济效益指标",
                "生态效益指标",
            ],
            min: 1,
            max: 4,
        },
        Level {
            level1: "满意度指标",
            level2: &["服务对象满意度指标"],
            min: 1,
            max: 2,
        },
    ];
    const ZHEJIANG: &[Level] = &[
        Level {
            level1: "产出指标",
            level2: &["数量指标", "质量指标", "时效指标", "成本指标"],
            min: 4,
            max: 8,
        },
        Level {
            level1: "效益指标",
            level2: &["社会效益指标", "可持续影响指标"],
            min: 1,
            max: 3,
        },
        Level {
            level1: "满意度指标",
            level2: &["服务对象满意度指标"],
            min: 0,
            max: 1,
        },
    ];
    match style {
        Style::Xinjiang => XINJIANG,
        Style::Ningxia | Style::Anhui => TAXONOMY_2015,
        Style::Zhejiang => ZHEJIANG,
    }
}

// ---------------------------------------------------------------------------------------------
// The generated data
// ---------------------------------------------------------------------------------------------

struct Department {
    name: String,
    year: u32,
    style: Style,
    signatures: Option<[String; 3]>,
    notes: Vec<&'static str>,
    projects: Vec<Project>,
}

struct Project {
    name: String,
    /// Project-level text fields, in the order they are written.
    fields: Vec<(&'static str, String)>,
    funds: Vec<(&'static str, Decimal)>,
    goals: Vec<String>,
    indicators: Vec<Indicator>,
    eval: Option<SelfEval>,
}

struct Indicator {
    level1: &'static str,
    /// Not written for 浙江, whose summary has no 二级 column.
    level2: &'static str,
    name: String,
    target: Target,
    basis: Option<&'static str>,
    last_year: Option<String>,
    weight: Option<Decimal>,
    scoring: Option<&'static str>,
    evidence: Vec<&'static str>,
    description: Option<String>,
}

/// A written target and, when it is a comparison, its parts.
struct Target {
    text: String,
    quantity: Option<(Op, Decimal, &'static str)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `>=` / `≥`
    Ge,
    /// `<=` / `≤`
    Le,
    /// `=`
    Eq,
}

struct SelfEval {
    /// Per source: 年初预算, 全年预算, 全年执行.
    funds: Vec<(&'static str, [Decimal; 3])>,
    rate: String,
    exec_score: Decimal,
    outcome: String,
    total: Decimal,
    results: Vec<IndicatorResult>,
}

struct IndicatorResult {
    indicator: String,
    actual: String,
    score: Option<Decimal>,
    grade: Option<&'static str>,
    reason: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn person(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN_NAMES))
}

/// `{a}`, `{p}`, `{n}`, `{r}` filled in.
fn fill(rng: &mut Rng, pattern: &str, activity: &str) -> String {
    let people = rng.pick(PEOPLE);
    let n = rng.range(2, 240).to_string();
    let r = rng.pick(&["90", "95", "98"]);
    pattern
        .replace("{a}", activity)
        .replace("{p}", people)
        .replace("{n}", &n)
        .replace("{r}", r)
}

/// An amount in 万元 with 0–3 decimals.
fn money(rng: &mut Rng, lo: usize, hi: usize) -> Decimal {
    let whole = rng.low_range(lo, hi) as i64;
    let decimals = rng.pick(&[0, 0, 0, 1, 2, 2, 2, 3]);
    let scale = 10_i64.pow(decimals);
    Decimal::new(whole * scale + rng.below(scale as usize) as i64, decimals)
}

fn round(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

fn department(
    rng: &mut Rng,
    style: Style,
    index: usize,
    projects: usize,
    indicators: Option<usize>,
    used: &mut HashSet<String>,
) -> Department {
    let mut name = String::new();
    for attempt in 0.. {
        name = format!("{}{}", rng.pick(style.places()), rng.pick(ORGS));
        if attempt >= 50 {
            name = format!("{name}第{}分部", index + 1);
        }
        if used.insert(name.clone()) {
            break;
        }
    }
    let year = rng.range(2021, 2025) as u32;
    let (signatures, notes) = if style == Style::Zhejiang {
        let phone = format!("8{:07}", rng.below(10_000_000));
        let notes = vec![
            "本表填写本年度局本级及下属单位所有预算项目绩效目标（与预算局下达的项目数一致）；",
            "每个项目绩效指标至少5条；",
            "一级指标、明细指标、指标值和指标描述须填写完整；",
        ];
        (Some([person(rng), person(rng), phone]), notes)
    } else {
        (None, Vec::new())
    };
    let unit = unit_name(&name);
    let mut names = HashSet::new();
    let mut activities = Vec::new();
    let projects = (0..projects)
        .map(|_| {
            project(
                rng,
                style,
                year,
                &name,
                &unit,
                indicators,
                &mut names,
                &mut activities,
            )
        })
        .collect();
    Department {
        name,
        year,
        style,
        signatures,
        notes,
        projects,
    }
}

/// The short name an office uses for itself (`区人大办`, `信访局`).
fn unit_name(department: &str) -> String {
    if department.contains("人大") || department.contains("人民代表大会") {
        "人大办公室".to_string()
    } else {
        ORGS.iter()
            .find(|o| department.ends_with(*o))
            .map_or_else(|| department.to_string(), |o| (*o).to_string())
    }
}

fn project_name(rng: &mut Rng, year: u32, activity: &str, used: &mut HashSet<String>) -> String {
    for attempt in 0.. {
        let q = if rng.chance(40) {
            rng.pick(QUALIFIERS)
        } else {
            ""
        };
        let suffix = rng.pick(NAME_SUFFIXES);
        let mut name = match rng.below(10) {
            0 => format!("部门专项-{activity}{suffix}"),
            1 => format!("{year}年{q}{activity}{suffix}"),
            2 => format!("关于下达{year}年{q}{activity}补助经费的通知"),
            3 => format!("{q}{activity}及配套保障{suffix}"),
            _ => format!("{q}{activity}{suffix}"),
        };
        if attempt >= 20 {
            name = format!("{activity}（{}）{suffix}", attempt - 19);
        }
        if (8..=30).contains(&chars(&name)) && used.insert(name.clone()) {
            return name;
        }
    }
    unreachable!()
}

/// An overall goal of 60–300 characters, as one text or as `目标1：`, `目标2：` items.
fn goals(rng: &mut Rng, activity: &str, items: usize) -> Vec<String> {
    let want = 60 + rng.low_range(0, 240);
    let mut goals: Vec<String> = (1..=items)
        .map(|i| {
            if items > 1 {
                format!("目标{i}：")
            } else {
                String::new()
            }
        })
        .collect();
    // Characters including the closing `。` of each goal.
    let length = |g: &[String]| g.iter().map(|s| chars(s) + 1).sum::<usize>();
    let mut used = Vec::new();
    // One clause for every goal, then more until the length is reached; the first goal
    // carries most of the text, as in real forms.
    let mut round = 0;
    while round < items || length(&goals) < want {
        let k = if round < items {
            round
        } else if rng.chance(60) {
            0
        } else {
            rng.below(items)
        };
        round += 1;
        // Each clause at most once per project.
        let fresh: Vec<&str> = GOAL_CLAUSES
            .iter()
            .copied()
            .filter(|c| !used.contains(c))
            .collect();
        if fresh.is_empty() {
            break;
        }
        let pattern = rng.pick(&fresh);
        used.push(pattern);
        let clause = fill(rng, pattern, activity);
        let before = goals[k].clone();
        if !before.is_empty() && !before.ends_with('：') {
            goals[k].push('，');
        }
        goals[k].push_str(&clause);
        if length(&goals) > 300 {
            goals[k] = before;
            break;
        }
    }
    for g in &mut goals {
        g.push('。');
    }
    goals
}

/// What every indicator of a project is generated from.
struct Ctx<'a> {
    style: Style,
    year: u32,
    activity: &'a str,
    /// The project's budget total (万元), the ceiling of its cost-control indicator.
    total: Decimal,
}

// The generator's state is threaded through by hand; a struct would only rename the arguments.
#[allow(clippy::too_many_arguments)]
fn project(
    rng: &mut Rng,
    style: Style,
    year: u32,
    department: &str,
    unit: &str,
    indicator_count: Option<usize>,
    names: &mut HashSet<String>,
    activities: &mut Vec<&'static str>,
) -> Project {
    // A department's projects are about different things while the vocabulary lasts.
    let fresh: Vec<&str> = ACTIVITIES
        .iter()
        .copied()
        .filter(|a| !activities.contains(a))
        .collect();
    let activity = rng.pick(if fresh.is_empty() { ACTIVITIES } else { &fresh });
    activities.push(activity);
    let name = project_name(rng, year, activity, names);
    let mut fields = Vec::new();
    let mut funds = Vec::new();
    let amount = money(rng, 1, 300);
    match style {
        Style::Xinjiang => {
            fields.push(("负责人", person(rng)));
            funds.push(("财政拨款", amount));
            let other = if rng.chance(20) {
                money(rng, 1, 30)
            } else {
                Decimal::new(0, rng.pick(&[0, 2]))
            };
            funds.push(("其他资金", other));
        }
        Style::Ningxia => {
            fields.push(("实施单位", format!("{department}本级")));
            fields.push(("主管部门", department.to_string()));
            let (attribute, term) = rng.pick(&[
                ("一年期项目", "1 年"),
                ("经常性项目", "99 年"),
                ("延续性项目", "3 年"),
            ]);
            fields.push(("项目属性", attribute.to_string()));
            fields.push(("项目期限", term.to_string()));
            let office = rng.pick(&["行财室", "办公室", "财务室", "综合科"]);
            fields.push(("主管处室", office.to_string()));
        }
        Style::Zhejiang => {
            fields.push(("实施单位", unit.to_string()));
            funds.push(("一般公共预算", amount));
            if rng.chance(20) {
                let source = rng.pick(&["政府性基金", "专户资金", "其他资金"]);
                funds.push((source, money(rng, 1, 50)));
            }
        }
        Style::Anhui => {
            fields.push(("实施单位", unit.to_string()));
            funds.push(("财政拨款", amount));
            if rng.chance(15) {
                funds.push(("上年结转", money(rng, 1, 20)));
            }
        }
    }
    // 宁夏 prints only the total; elsewhere the total is the exact sum of the sources.
    let total: Decimal = if funds.is_empty() {
        amount
    } else {
        funds.iter().map(|(_, v)| *v).sum()
    };
    funds.push(("合计", total));
    let goals = match style {
        Style::Xinjiang => goals(rng, activity, 2),
        Style::Zhejiang => Vec::new(),
        Style::Ningxia | Style::Anhui => goals(rng, activity, 1),
    };
    let cx = Ctx {
        style,
        year,
        activity,
        total,
    };
    let mut indicators = indicators(rng, &cx, indicator_count);
    assign_weights(rng, style, &mut indicators);
    let eval = (style == Style::Anhui).then(|| self_eval(rng, &funds, &indicators, activity));
    Project {
        name,
        fields,
        funds,
        goals,
        indicators,
        eval,
    }
}

fn indicators(rng: &mut Rng, cx: &Ctx, count: Option<usize>) -> Vec<Indicator> {
    let levels = levels(cx.style);
    // How many per 一级: the minimum, then extras where there is room.
    let mut counts: Vec<usize> = levels.iter().map(|l| l.min).collect();
    let want = count.unwrap_or_else(|| rng.range(7, 12));
    let room: usize = levels.iter().map(|l| l.max).sum();
    if want > room {
        // More than real forms hold: every level full, the rest under 产出.
        for (c, l) in counts.iter_mut().zip(levels) {
            *c = l.max;
        }
        counts[0] += want - room;
    }
    while counts.iter().sum::<usize>() < want {
        let i = rng.below(levels.len());
        if counts[i] < levels[i].max {
            counts[i] += 1;
        }
    }
    let mut out = Vec::new();
    let mut names = HashSet::new();
    for (level, &count) in levels.iter().zip(&counts) {
        for k in 0..count {
            // 产出: each 二级 once before any repeats, as the forms are filled.
            let level2 = if k < level.level2.len() && level.min > 1 {
                level.level2[k]
            } else {
                level.level2[rng.low_range(0, level.level2.len() - 1)]
            };
            out.push(indicator(rng, cx, level.level1, level2, &mut names));
        }
    }
    // Rows in the taxonomy's order of 二级 within each 一级.
    out.sort_by_key(|i| {
        let l = levels
            .iter()
            .position(|l| l.level1 == i.level1)
            .unwrap_or(0);
        let l2 = levels[l].level2.iter().position(|n| *n == i.level2);
        (l, l2)
    });
    out
}

/// A 三级 name of 6–30 characters, unique in the project.
fn indicator_name(
    rng: &mut Rng,
    pattern: &str,
    activity: &str,
    names: &mut HashSet<String>,
) -> String {
    for attempt in 0.. {
        let want = 6 + rng.low_range(0, 16) + if rng.chance(10) { 8 } else { 0 };
        let base = fill(rng, pattern, activity);
        let mut name = base.clone();
        if chars(&name) < want && pattern.starts_with("{a}") {
            name = format!("{}{name}", rng.pick(QUALIFIERS));
        }
        if chars(&name) < want {
            name.push_str(rng.pick(CLARIFICATIONS));
        }
        if chars(&name) > 30 {
            name = base;
        }
        if chars(&name) > 30 {
            name = name.chars().take(30).collect();
        }
        if chars(&name) < 6 {
            name = format!("年度{name}");
        }
        if attempt >= 20 {
            let number = format!("（{attempt}）");
            let keep = 30usize.saturating_sub(chars(&number));
            name = format!("{}{number}", name.chars().take(keep).collect::<String>());
        }
        if names.insert(name.clone()) {
            return name;
        }
    }
    unreachable!()
}

fn indicator(
    rng: &mut Rng,
    cx: &Ctx,
    level1: &'static str,
    level2: &'static str,
    names: &mut HashSet<String>,
) -> Indicator {
    let (pattern, kind) = rng.pick(templates(level2));
    let name = indicator_name(rng, pattern, cx.activity, names);
    let target = target(rng, cx, kind);
    let xinjiang = cx.style == Style::Xinjiang;
    let cost = matches!(kind, Kind::Cost(..));
    let basis = xinjiang.then(|| {
        if level1 == "成本指标" && cost {
            "预算支出标准"
        } else {
            rng.pick(BASES)
        }
    });
    let last_year = (xinjiang && rng.chance(70)).then(|| last_year(rng, kind, &target));
    let scoring = xinjiang.then_some(match kind {
        Kind::Count(..) | Kind::Full | Kind::Cost(..) | Kind::Deadline => "按照正常比例赋分",
        Kind::Rate => "直接赋分",
        Kind::Phrase(_) => "按评判等级赋分",
        Kind::Satisfaction => "满意度赋分",
    });
    let evidence = if xinjiang {
        let mut e = vec![if cost {
            "原始凭证"
        } else {
            rng.pick(EVIDENCE)
        }];
        if rng.chance(25) {
            let more = rng.pick(EVIDENCE);
            if !e.contains(&more) {
                e.push(more);
            }
        }
        e
    } else {
        Vec::new()
    };
    let description = (cx.style == Style::Zhejiang).then(|| {
        let pattern = match level1 {
            "产出指标" => rng.pick(&[
                "反映{a}的完成情况",
                "是否按计划完成{a}",
                "反映{a}的成本控制情况",
                "{a}是否按时完成",
            ]),
            "效益指标" => rng.pick(&["反映{a}取得的社会效益", "{a}对履职工作的促进作用"]),
            _ => "{p}对{a}的满意程度",
        };
        fill(rng, pattern, cx.activity)
    });
    Indicator {
        level1,
        level2,
        name,
        target,
        basis,
        last_year,
        weight: None,
        scoring,
        evidence,
        description,
    }
}

fn target(rng: &mut Rng, cx: &Ctx, kind: Kind) -> Target {
    // 浙江 prints what is written, so its forms use ≥ ≤; elsewhere both spellings occur.
    let ascii = cx.style != Style::Zhejiang && rng.chance(50);
    let symbol = |op: Op| match (op, ascii) {
        (Op::Ge, true) => ">=",
        (Op::Ge, false) => "≥",
        (Op::Le, true) => "<=",
        (Op::Le, false) => "≤",
        (Op::Eq, _) => "=",
    };
    let quantity = |op: Op, n: Decimal, unit: &'static str| Target {
        text: format!("{}{n}{unit}", symbol(op)),
        quantity: Some((op, n, unit)),
    };
    match kind {
        Kind::Count(unit, lo, hi) => {
            let n = Decimal::from(rng.range(lo as usize, hi as usize));
            quantity(if rng.chance(60) { Op::Ge } else { Op::Eq }, n, unit)
        }
        Kind::Rate => quantity(Op::Ge, Decimal::from(rng.pick(&[85, 90, 92, 95, 98])), "%"),
        Kind::Full => quantity(Op::Eq, Decimal::ONE_HUNDRED, "%"),
        Kind::Satisfaction => quantity(Op::Ge, Decimal::from(rng.pick(&[90, 95, 98])), "%"),
        Kind::Cost("万元", ..) => quantity(Op::Le, cx.total, "万元"),
        Kind::Cost(unit, lo, hi) => {
            let n = Decimal::new(rng.range(lo as usize, hi as usize) as i64, 2);
            // Amounts in 元 are whole; in 万元 they keep up to two decimals.
            let n = if unit.starts_with('元') {
                round(n, 0)
            } else {
                n
            };
            quantity(Op::Le, n.normalize(), unit)
        }
        Kind::Deadline if rng.chance(50) => quantity(Op::Le, Decimal::from(12), "月"),
        Kind::Deadline => Target {
            text: format!("{}年12月底前", cx.year),
            quantity: None,
        },
        Kind::Phrase(words) => Target {
            text: rng.pick(words).to_string(),
            quantity: None,
        },
    }
}

/// 上年完成值: last year's result, no better than this year's target.
fn last_year(rng: &mut Rng, kind: Kind, target: &Target) -> String {
    match (kind, target.quantity) {
        (Kind::Cost(..), Some((_, n, unit))) => {
            format!(
                "{}{unit}",
                round(n * Decimal::new(rng.range(80, 100) as i64, 2), 2)
            )
        }
        (_, Some((_, n, "%"))) => format!("{n}%"),
        (_, Some((_, n, unit))) => {
            let less = Decimal::from(rng.low_range(0, 3)).min(n);
            format!("{}{unit}", n - less)
        }
        _ => rng.pick(&["达成目标", "有效提高", "已完成"]).to_string(),
    }
}

/// Splits `total` points over `k` indicators, in fives where possible; in tenths, hundredths…
/// where there are more indicators than points (`--indicators`).
fn split(rng: &mut Rng, total: u32, k: usize) -> Vec<Decimal> {
    if k == 0 {
        return Vec::new();
    }
    let mut scale = 0;
    let mut units = u64::from(total);
    while (units as usize) < k {
        scale += 1;
        units *= 10;
    }
    let unit = if scale == 0 && total.is_multiple_of(5) && (total / 5) as usize >= k {
        5
    } else {
        1
    };
    let mut parts = vec![1u64; k];
    for _ in 0..(units / unit) as usize - k {
        parts[rng.below(k)] += 1;
    }
    parts
        .into_iter()
        .map(|p| Decimal::new((p * unit) as i64, scale))
        .collect()
}

/// Weights where the style prints them: 新疆 90 points over all levels (满意度 10, the rest
/// leaning on 产出), 安徽 50 / 30 / 10 by 一级.
fn assign_weights(rng: &mut Rng, style: Style, indicators: &mut [Indicator]) {
    let plan: Vec<(&str, u32)> = match style {
        Style::Xinjiang => {
            let cost = rng.pick(&[10, 15, 20]);
            let benefit = rng.pick(&[20, 25, 30]);
            vec![
                ("产出指标", 90 - 10 - cost - benefit),
                ("成本指标", cost),
                ("效益指标", benefit),
                ("满意度指标", 10),
            ]
        }
        Style::Anhui => vec![("产出指标", 50), ("效益指标", 30), ("满意度指标", 10)],
        Style::Ningxia | Style::Zhejiang => return,
    };
    for (level1, points) in plan {
        let k = indicators.iter().filter(|i| i.level1 == level1).count();
        let parts = split(rng, points, k);
        for (ind, w) in indicators
            .iter_mut()
            .filter(|i| i.level1 == level1)
            .zip(parts)
        {
            ind.weight = Some(w);
        }
    }
}

fn self_eval(
    rng: &mut Rng,
    funds: &[(&'static str, Decimal)],
    indicators: &[Indicator],
    activity: &str,
) -> SelfEval {
    // Money: 全年预算 may differ from 年初预算; 全年执行 is 60–100 % of it.
    let executed_share = if rng.chance(55) {
        100
    } else {
        rng.range(60, 99)
    };
    let mut rows = Vec::new();
    for &(source, initial) in funds.iter().filter(|(s, _)| *s != "合计") {
        let budget = if rng.chance(15) {
            initial + Decimal::from(rng.range(1, 5))
        } else {
            initial
        };
        let executed = if executed_share == 100 {
            budget
        } else {
            round(
                budget * Decimal::new(executed_share as i64, 2),
                budget.scale().max(2),
            )
        };
        rows.push((source, [initial, budget, executed]));
    }
    let sum = |k: usize| rows.iter().map(|(_, v)| v[k]).sum::<Decimal>();
    let totals = [sum(0), sum(1), sum(2)];
    rows.push(("合计", totals));
    let rate = totals[2] / totals[1];
    let exec_score = round(Decimal::TEN * rate.min(Decimal::ONE), 2);

    let mut results = Vec::new();
    let mut total = exec_score;
    for ind in indicators {
        let w = ind.weight.unwrap_or(Decimal::TEN);
        let r = indicator_result(rng, ind, w, activity);
        total += r.score.unwrap_or(w);
        results.push(r);
    }
    let pattern = rng.pick(OUTCOMES);
    let outcome = fill(rng, pattern, activity);
    SelfEval {
        funds: rows,
        rate: format!("{:.2}%", round(rate * Decimal::ONE_HUNDRED, 2)),
        exec_score,
        outcome,
        total: total.normalize(),
        results,
    }
}

/// The year-end result of one indicator, and the score it earns under the national formula.
fn indicator_result(rng: &mut Rng, ind: &Indicator, w: Decimal, activity: &str) -> IndicatorResult {
    let short = rng.chance(15);
    let reason = |rng: &mut Rng| {
        let pattern = rng.pick(REASONS);
        Some(fill(rng, pattern, activity))
    };
    let result = |actual: String, score: Option<Decimal>| IndicatorResult {
        indicator: ind.name.clone(),
        actual,
        score,
        grade: None,
        reason: None,
    };
    match ind.target.quantity {
        // 正向 (and = with a positive target): met, or short by a little.
        Some((op @ (Op::Ge | Op::Eq), t, unit)) => {
            let percent = unit == "%";
            if short && t > Decimal::ONE {
                let a = round(
                    t * Decimal::new(rng.range(85, 98) as i64, 2),
                    u32::from(percent),
                );
                let score = round(w * a / t, 2);
                IndicatorResult {
                    reason: reason(rng),
                    ..result(format!("{}{unit}", a.normalize()), Some(score))
                }
            } else {
                // Counts are often exceeded a little (under 120 %, which would be flagged).
                let over = u64::try_from(t.trunc()).unwrap_or(0) as usize / 10;
                let a = if op == Op::Ge && !percent {
                    t + Decimal::from(rng.below(over + 1))
                } else {
                    t
                };
                result(format!("{}{unit}", a.normalize()), Some(w))
            }
        }
        // 反向: spent less than the ceiling.
        Some((Op::Le, t, unit)) => {
            let a = round(
                t * Decimal::new(rng.range(70, 100) as i64, 2),
                t.scale().max(2),
            );
            result(format!("{}{unit}", a.normalize()), Some(w))
        }
        // Qualitative: a grade, or a stated score with the reason it fell short.
        None => {
            let actual = rng
                .pick(&["已完成", "按时完成", "有效提升", "达成目标", "持续推进"])
                .to_string();
            if short {
                let score = round(w * Decimal::new(rng.range(80, 95) as i64, 2), 1);
                IndicatorResult {
                    reason: reason(rng),
                    ..result(actual, Some(score))
                }
            } else if rng.chance(50) {
                IndicatorResult {
                    grade: Some("达成"),
                    ..result(actual, None)
                }
            } else {
                result(actual, Some(w))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// YAML, written by hand
// ---------------------------------------------------------------------------------------------

/// A string scalar, quoted when YAML would otherwise read it as something else: a leading
/// indicator (`>=90%`), flow punctuation (this is also used inside `{…}`), a number, a boolean.
fn scalar(s: &str) -> String {
    const LEADING: &[char] = &[
        '>', '<', '*', '&', '!', '|', '%', '@', '`', '[', '{', '#', '\'', '"', '?', ':', '-', ',',
        ']', '}', '~',
    ];
    let looks_typed = s.parse::<f64>().is_ok()
        || matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off"
        );
    let needs_quotes = s.is_empty()
        || s.starts_with(LEADING)
        || s.starts_with(char::is_whitespace)
        || s.ends_with(char::is_whitespace)
        || s.contains(": ")
        || s.contains(" #")
        || s.contains([',', '[', ']', '{', '}', '"', '\\', '\n'])
        || looks_typed;
    if needs_quotes {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s.to_string()
    }
}

fn flow(pairs: &[(&str, String)]) -> String {
    let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{{{}}}", inner.join(", "))
}

fn write_yaml(d: &Department, seed: u64) -> Result<String, std::fmt::Error> {
    let mut y = String::new();
    let w = &mut y;
    writeln!(
        w,
        "# 合成数据（examples/gen_corpus.rs，seed {seed}），仅供性能测试，内容虚构。"
    )?;
    writeln!(w, "部门: {}", scalar(&d.name))?;
    writeln!(w, "年度: {}", d.year)?;
    writeln!(w, "样式: {}", d.style.key())?;
    if let Some([leader, clerk, phone]) = &d.signatures {
        let pairs = [
            ("主要领导", scalar(leader)),
            ("经办人", scalar(clerk)),
            ("联系电话", scalar(phone)),
        ];
        writeln!(w, "签字: {}", flow(&pairs))?;
    }
    if !d.notes.is_empty() {
        writeln!(w, "备注:")?;
        for n in &d.notes {
            writeln!(w, "  - {}", scalar(n))?;
        }
    }
    writeln!(w, "项目:")?;
    for p in &d.projects {
        write_project(w, d.style, p)?;
    }
    Ok(y)
}

fn write_project(w: &mut String, style: Style, p: &Project) -> std::fmt::Result {
    writeln!(w, "  - 名称: {}", scalar(&p.name))?;
    for (k, v) in &p.fields {
        writeln!(w, "    {k}: {}", scalar(v))?;
    }
    writeln!(w, "    资金:")?;
    for (k, v) in &p.funds {
        writeln!(w, "      {k}: {v}")?;
    }
    match p.goals.as_slice() {
        [] => {}
        [one] => {
            writeln!(w, "    总体目标: {}", scalar(one))?;
        }
        many => {
            writeln!(w, "    总体目标:")?;
            for g in many {
                writeln!(w, "      - {}", scalar(g))?;
            }
        }
    }
    writeln!(w, "    指标:")?;
    for i in &p.indicators {
        let mut pairs = vec![("一级", scalar(i.level1))];
        if style != Style::Zhejiang {
            pairs.push(("二级", scalar(i.level2)));
        }
        pairs.push(("三级", scalar(&i.name)));
        pairs.push(("指标值", scalar(&i.target.text)));
        if let Some(b) = i.basis {
            pairs.push(("依据", scalar(b)));
        }
        if let Some(l) = &i.last_year {
            pairs.push(("上年完成值", scalar(l)));
        }
        if let Some(wt) = i.weight {
            pairs.push(("权重", wt.to_string()));
        }
        if let Some(s) = i.scoring {
            pairs.push(("赋分规则", scalar(s)));
        }
        if !i.evidence.is_empty() {
            let list: Vec<String> = i.evidence.iter().map(|e| scalar(e)).collect();
            pairs.push(("佐证资料", format!("[{}]", list.join(", "))));
        }
        if let Some(d) = &i.description {
            pairs.push(("描述", scalar(d)));
        }
        writeln!(w, "      - {}", flow(&pairs))?;
    }
    if let Some(e) = &p.eval {
        writeln!(w, "    自评:")?;
        writeln!(w, "      资金:")?;
        for (source, [initial, budget, executed]) in &e.funds {
            let pairs = [
                ("年初预算", initial.to_string()),
                ("全年预算", budget.to_string()),
                ("全年执行", executed.to_string()),
            ];
            writeln!(w, "        {source}: {}", flow(&pairs))?;
        }
        writeln!(w, "      执行率: {}", scalar(&e.rate))?;
        writeln!(w, "      执行得分: {}", e.exec_score)?;
        writeln!(w, "      实际完成情况: {}", scalar(&e.outcome))?;
        writeln!(w, "      总分: {}", e.total)?;
        writeln!(w, "      指标:")?;
        for r in &e.results {
            let mut pairs = vec![
                ("指标", scalar(&r.indicator)),
                ("实际完成值", scalar(&r.actual)),
            ];
            if let Some(s) = r.score {
                pairs.push(("得分", s.normalize().to_string()));
            }
            if let Some(g) = r.grade {
                pairs.push(("等级", scalar(g)));
            }
            if let Some(reason) = &r.reason {
                pairs.push(("偏差原因", scalar(reason)));
            }
            writeln!(w, "        - {}", flow(&pairs))?;
        }
    }
    Ok(())
}
