//! What a style's patterns and fields can name: the variables the planner gives each pattern,
//! and which of them are typed numbers (printed as number cells, with formulas in the xlsx).
//! The style check uses this catalogue to report a misspelt name at its line in `style.yaml`;
//! `docs/styles.md` lists the same names.

use crate::fields::{self, Level, VarPath};
use crate::style::LoadedStyle;

/// Keys of `项目`, besides the catalogue's texts kept by key ([`fields::stored_texts`]).
pub const PROJECT: &[&str] = &[
    "序号",
    "名称",
    "总体目标",
    "目标",
    "资金",
    "指标数",
    "分值",
    "中期目标",
    "中期目标列表",
    "中期资金",
    "中期指标数",
];
/// Keys of `自评`.
pub const EVAL: &[&str] = &[
    "实际完成情况",
    "执行率",
    "执行得分",
    "执行分值",
    "总分",
    "总分值",
    "等级",
    "资金",
];
/// Keys of `部门整体`, the department-wide part (its `自评` has the keys of [`EVAL`]).
pub const DEPT_WIDE: &[&str] = &[
    "部门职能",
    "资金",
    "基本支出",
    "项目支出",
    "任务",
    "任务数",
    "任务资金",
    "年度总体目标",
    "目标",
    "指标数",
    "自评",
];
/// Keys of one task of `部门整体.任务`.
pub const TASK: &[&str] = &[
    "序号",
    "任务名称",
    "部门职能",
    "主要内容",
    "支出项目",
    "资金",
];
/// Keys of one source under `自评.资金`.
pub const EVAL_MONEY: &[&str] = &["年初预算", "全年预算", "全年执行", "执行率"];
/// Keys of `指标`, besides the catalogue's texts kept by key ([`fields::stored_texts`]).
pub const INDICATOR: &[&str] = &[
    "一级",
    "二级",
    "三级",
    "指标值",
    "符号",
    "数值",
    "单位",
    "方向",
    "依据",
    "上年完成值",
    "权重",
    "赋分规则",
    "佐证资料",
    "完成值",
    "得分",
    "偏差原因",
    "等级",
];
/// Keys of `一级` and `二级` in a grid.
pub const LEVEL1: &[&str] = &["名称", "分值", "区间"];
pub const LEVEL2: &[&str] = &["名称", "分值", "区间"];
/// Measures of a money block.
pub const MEASURES: &[&str] = &[
    "预算",
    "年初预算",
    "全年预算",
    "全年执行",
    "执行率",
    "执行分值",
    "执行得分",
];
/// minijinja's own global functions, which patterns may call.
const GLOBALS: &[&str] = &["range", "dict", "namespace", "loop", "debug"];

/// Where a pattern or field is evaluated, which decides the variables it sees.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope {
    /// `项目` and `自评` are defined (a project's section, or a grid row of a department).
    pub project: bool,
    /// `一级`, `二级`, `指标` and the indicator number `n` (a grid row).
    pub indicator: bool,
    /// `分组` (a group row or subtotal of a department grid).
    pub group: bool,
    /// `精确合计`, `小数位数` and `列名` (a total's rounding note: the exact sum in the printed
    /// unit, the decimals it is printed with, and the heading of the summed column).
    pub rounding: bool,
    /// `任务` (the row of a `tasks` block).
    pub task: bool,
}

/// Why a name is not known: the message for the style author.
pub fn check_path(style: &LoadedStyle, scope: Scope, var: &VarPath) -> Result<(), String> {
    let path = var.as_str();
    let parts = var.parts();
    let parts: &[&str] = &parts;
    let root = var.root();
    let sources: Vec<&str> = style.source_keys().chain(["合计"]).collect();
    // The catalogue's texts kept by key (实施单位, 描述, …), then the style's fields.
    let extras = |level: Level, list: &[crate::style::ExtraField]| -> Vec<String> {
        fields::stored_texts(level)
            .map(|f| f.key.to_string())
            .chain(list.iter().map(|f| f.key.value.clone()))
            .collect()
    };
    let within = |key: &str, known: &[&str], extra: &[String], what: &str| {
        if known.contains(&key) || extra.iter().any(|e| e == key) {
            Ok(())
        } else {
            let mut all: Vec<String> = known.iter().map(|s| s.to_string()).collect();
            all.extend(extra.iter().cloned());
            Err(format!("{what}没有“{key}”；可用：{}", all.join("、")))
        }
    };
    let depth = |max: usize| {
        if parts.len() > max {
            Err(format!("“{path}”层级过深"))
        } else {
            Ok(())
        }
    };
    // `自评` (of a project, or of the department-wide part) from its second part on.
    let eval = |rest: &[&str]| match rest.first() {
        None => Ok(()),
        Some(&"资金") => {
            if rest.len() > 3 {
                return Err(format!("“{path}”层级过深"));
            }
            if let Some(k) = rest.get(1) {
                within(k, &sources, &[], "自评资金")?;
            }
            match rest.get(2) {
                Some(m) => within(m, EVAL_MONEY, &[], "自评资金的每个来源"),
                None => Ok(()),
            }
        }
        Some(k) => {
            if rest.len() > 1 {
                return Err(format!("“{path}”层级过深"));
            }
            within(
                k,
                EVAL,
                &extras(Level::Eval, &style.style.fields.eval),
                "自评",
            )
        }
    };
    match root {
        "部门" | "年度" | "项目数" | "备注" => depth(1),
        "部门整体" => match parts.get(1) {
            None => Ok(()),
            Some(&"自评") => eval(&parts[2..]),
            Some(&k @ ("资金" | "任务资金")) => {
                depth(3)?;
                match parts.get(2) {
                    Some(s) => within(s, &sources, &[], k),
                    None => Ok(()),
                }
            }
            // `部门整体.任务.1.资金.合计`: a task by its printed number.
            Some(&"任务") => {
                depth(5)?;
                let Some(n) = parts.get(2) else {
                    return Ok(());
                };
                if n.parse::<usize>().map_or(true, |n| n == 0) {
                    return Err(format!("“{path}”中的“{n}”应是任务的序号（1、2、…）"));
                }
                match (parts.get(3), parts.get(4)) {
                    (None, _) => Ok(()),
                    (Some(&"资金"), Some(s)) => within(s, &sources, &[], "任务资金"),
                    (Some(k), None) => within(k, TASK, &[], "任务"),
                    (Some(_), Some(_)) => Err(format!("“{path}”层级过深")),
                }
            }
            Some(k) => {
                depth(2)?;
                within(k, DEPT_WIDE, &[], "部门整体")
            }
        },
        "n" => depth(1),
        "签字" => {
            depth(2)?;
            match parts.get(1) {
                Some(k) => {
                    let keys: Vec<String> = style
                        .style
                        .signatures
                        .iter()
                        .map(|s| s.key.value.clone())
                        .collect();
                    within(k, &[], &keys, "签字")
                }
                None => Ok(()),
            }
        }
        "项目" | "自评" if !scope.project => Err(format!(
            "“{root}”只在每个项目一张表的文档或部门表格的网格中可用"
        )),
        "项目" => match parts.get(1) {
            None => Ok(()),
            // `项目.分值` is keyed by the printed 一级 name, checked at planning time.
            Some(&"分值") => depth(3),
            Some(&k @ ("资金" | "中期资金")) => {
                depth(3)?;
                match parts.get(2) {
                    Some(s) => within(s, &sources, &[], k),
                    None => Ok(()),
                }
            }
            Some(k) => {
                depth(2)?;
                within(
                    k,
                    PROJECT,
                    &extras(Level::Project, &style.style.fields.project),
                    "项目",
                )
            }
        },
        "自评" => eval(&parts[1..]),
        "一级" | "二级" | "指标" if !scope.indicator => {
            Err(format!("“{root}”只在指标网格的列中可用"))
        }
        "一级" => {
            depth(2)?;
            parts
                .get(1)
                .map_or(Ok(()), |k| within(k, LEVEL1, &[], "一级"))
        }
        "二级" => {
            depth(2)?;
            parts
                .get(1)
                .map_or(Ok(()), |k| within(k, LEVEL2, &[], "二级"))
        }
        "指标" => {
            depth(2)?;
            parts.get(1).map_or(Ok(()), |k| {
                within(
                    k,
                    INDICATOR,
                    &extras(Level::Indicator, &style.style.fields.indicator),
                    "指标",
                )
            })
        }
        "任务" if scope.task => match (parts.get(1), parts.get(2)) {
            (None, _) => Ok(()),
            (Some(&"资金"), Some(s)) => {
                depth(3)?;
                within(s, &sources, &[], "任务资金")
            }
            (Some(k), _) => {
                depth(2)?;
                within(k, TASK, &[], "任务")
            }
        },
        "任务" => Err("“任务”只在 tasks 块的 row 中可用".to_string()),
        // A grid row's running number (a scoring rubric's 序号).
        "序号" if scope.indicator => depth(1),
        "分组" if scope.group => depth(1),
        "精确合计" | "小数位数" | "列名" if scope.rounding => depth(1),
        g if GLOBALS.contains(&g) => Ok(()),
        _ => {
            let mut roots = vec!["部门", "年度", "项目数", "备注", "签字", "部门整体", "n"];
            if scope.project {
                roots.extend(["项目", "自评"]);
            }
            if scope.indicator {
                roots.extend(["一级", "二级", "指标", "序号"]);
            }
            if scope.group {
                roots.push("分组");
            }
            if scope.task {
                roots.push("任务");
            }
            if scope.rounding {
                roots.extend(["精确合计", "小数位数", "列名"]);
            }
            Err(format!("没有变量“{root}”；此处可用：{}", roots.join("、")))
        }
    }
}
