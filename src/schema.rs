//! The data format as a JSON Schema (draft-07), for editors: VS Code's YAML extension and other
//! clients of yaml-language-server complete keys, show the Chinese descriptions and underline
//! what does not fit, while the department is typing. `jixiao schema` writes it; files made by
//! `jixiao new` and `jixiao import` name it in their first line
//! (`# yaml-language-server: $schema=…`).
//!
//! A style opens the format (fund sources, signature keys, extra fields, required fields,
//! indicator levels and vocabularies), so the schema of one style ([`style_schema`]) is exact
//! for it, and the schema without a style ([`generic_schema`]) chooses the matching style's
//! schema by the file's `样式`. The schema follows the loader and the check: a key the loader
//! refuses is not in it; enumerations (一级, 二级, 依据, 赋分规则, 佐证资料, 等级, extra fields
//! with `values`) are those the check accepts, with the regional spellings the check maps
//! (`labels`, `aliases`). Arithmetic (sums, weights, scores) stays the check's business.

use serde_json::{Map, Value, json};

use crate::style::{ExtraField, Level1, LoadedStyle, Styles};

/// The JSON Schema dialect written.
pub const DIALECT: &str = "http://json-schema.org/draft-07/schema#";

/// The Chinese description of a documented data key, by the level it stands at.
pub fn describe(level: Level, key: &str) -> &'static str {
    let table: &[(&str, &str)] = match level {
        Level::Department => &[
            ("部门", "部门（预算单位）全称，如“库尔勒市人大常委会办公室”"),
            ("年度", "预算年度，如 2023"),
            ("样式", "官方版式名，对应 templates/<样式>/"),
            ("签字", "签字栏，键由样式的 signatures 声明"),
            ("备注", "汇总表下方的备注，每行一条，按顺序编号"),
            ("项目", "项目列表，每个项目一项"),
        ],
        Level::Project => &[
            ("名称", "项目名称"),
            ("实施单位", "实施单位"),
            ("主管部门", "主管部门；不写时表中留空"),
            ("负责人", "项目负责人"),
            ("项目属性", "项目属性，如“一年期项目”“经常性项目”"),
            ("项目期限", "项目期限，如“1 年”"),
            ("主管处室", "项目主管处室"),
            (
                "资金",
                "按资金来源的金额（万元，精确小数）；“合计”可选，工具按各来源相加后核对",
            ),
            (
                "总体目标",
                "年度总体目标：一段文字，或每项一个“目标N”的列表",
            ),
            ("指标", "绩效指标列表，一行一条三级指标"),
            ("自评", "年度结束后的自评（只引用已批复的指标）"),
        ],
        Level::Indicator => &[
            ("一级", "一级指标"),
            (
                "二级",
                "二级指标，可写简称或地区写法（如 11-数量指标），工具统一规范",
            ),
            ("三级", "三级指标（明细指标）名称"),
            (
                "指标值",
                "年度指标值：比较符 + 数值 + 单位（\">=90%\"、≥2380.4平方米、=236人），或定性文字（有效提高）；以 > < 开头要加引号",
            ),
            ("依据", "指标值设置依据"),
            ("上年完成值", "上年完成值（新项目可不写）"),
            ("权重", "指标分值权重（分）"),
            ("赋分规则", "指标赋分规则"),
            ("佐证资料", "佐证资料，列表"),
            ("描述", "指标描述"),
        ],
        Level::Eval => &[
            (
                "资金",
                "按来源的 年初预算、全年预算（A）、全年执行（B），万元；可写“合计”同形，作为填报合计核对",
            ),
            (
                "执行率",
                "填报的预算执行率（如 \"100%\"），工具按 B/A 计算后核对",
            ),
            ("执行得分", "填报的预算执行得分，工具计算后核对"),
            (
                "执行得分调整理由",
                "写了理由时，表中印填报的执行得分而不是计算值",
            ),
            ("实际完成情况", "年度总体目标的实际完成情况"),
            ("总分", "填报的总分，工具计算后核对"),
            ("指标", "各指标的自评结果，每条引用一个已批复的指标"),
        ],
        Level::Result => &[
            ("指标", "所引用指标的三级名称；同名时写“二级/三级”"),
            ("实际完成值", "实际完成值"),
            ("得分", "得分（分）"),
            ("等级", "定性指标的等级：达成、部分达成、未达成"),
            ("偏差原因", "偏差原因分析及改进措施"),
            ("得分调整理由", "写了理由时，表中印填报的得分而不是计算值"),
        ],
        Level::Amounts => &[
            ("年初预算", "年初预算数（万元）"),
            ("全年预算", "全年预算数（A，万元）"),
            ("全年执行", "全年执行数（B，万元）"),
        ],
    };
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, d)| *d)
        .unwrap_or("")
}

/// Where a key stands in a data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Department,
    Project,
    Indicator,
    Eval,
    /// One result under `自评.指标`.
    Result,
    /// One source's figures under `自评.资金`.
    Amounts,
}

/// The documented keys of each level, in the documented order (`docs/data-format.md`); files
/// written by `import` and `new` follow it.
pub const DEPARTMENT_KEYS: &[&str] = &["部门", "年度", "样式", "签字", "备注", "项目"];
pub const PROJECT_TEXT_KEYS: &[&str] = &[
    "名称",
    "实施单位",
    "主管部门",
    "负责人",
    "项目属性",
    "项目期限",
    "主管处室",
];
pub const INDICATOR_KEYS: &[&str] = &[
    "一级",
    "二级",
    "三级",
    "指标值",
    "依据",
    "上年完成值",
    "权重",
    "赋分规则",
    "佐证资料",
    "描述",
];
pub const RESULT_KEYS: &[&str] = &[
    "指标",
    "实际完成值",
    "得分",
    "等级",
    "偏差原因",
    "得分调整理由",
];
/// The grades the check accepts (`compute::Grade::parse`).
pub const GRADES: &[&str] = &[
    "达成",
    "部分达成",
    "未达成",
    "达成年度指标",
    "部分达成年度指标并具有一定效果",
    "未达成年度指标且效果较差",
];

fn text(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

/// A number of the data (money, weight, score): a plain decimal within the loader's limits.
fn number(description: &str, minimum: Option<f64>) -> Value {
    let mut v = json!({
        "type": "number",
        "description": format!("{description}；最多 6 位小数"),
        "exclusiveMaximum": 1e12,
        "exclusiveMinimum": -1e12,
    });
    if let Some(m) = minimum {
        v["minimum"] = json!(m);
    }
    v
}

/// The spellings the check accepts for a canonical level name: the name, its printed label
/// and the aliases that map onto it.
fn spellings(style: &LoadedStyle, canonical: &str) -> Vec<String> {
    let mut out = vec![canonical.to_string()];
    let label = style.label(canonical);
    out.push(label);
    for (alias, target) in &style.aliases {
        if target == canonical {
            out.push(alias.clone());
        }
    }
    out.dedup();
    let mut seen = Vec::new();
    out.retain(|s| {
        let new = !seen.contains(s);
        seen.push(s.clone());
        new
    });
    out
}

/// The 二级 spellings accepted under a 一级 (its own name where it has a single 二级).
fn level2_spellings(style: &LoadedStyle, l1: &Level1) -> Vec<String> {
    let mut out: Vec<String> = l1
        .level2
        .iter()
        .flat_map(|l2| spellings(style, l2))
        .collect();
    if l1.level2.len() == 1 {
        out.extend(spellings(style, &l1.name));
    }
    let mut seen = Vec::new();
    out.retain(|s| {
        let new = !seen.contains(s);
        seen.push(s.clone());
        new
    });
    out
}

fn extra_field(f: &ExtraField, what: &str) -> Value {
    let mut v = text(&format!("扩展字段（样式为{what}声明）"));
    if !f.values.is_empty() {
        v["enum"] = json!(f.values);
        v["description"] = json!(format!(
            "扩展字段（样式为{what}声明），可选：{}",
            f.values.join("、")
        ));
    }
    v
}

fn add_extras(
    props: &mut Map<String, Value>,
    required: &mut Vec<String>,
    fields: &[ExtraField],
    style: &LoadedStyle,
    what: &str,
) {
    for f in fields {
        props.insert(f.key.value.clone(), extra_field(f, what));
        if f.required || style.requires(&f.key.value) {
            required.push(f.key.value.clone());
        }
    }
}

/// The definitions of one style, named `<prefix>_…`; the department's is `<prefix>`.
fn style_definitions(style: &LoadedStyle, prefix: &str, defs: &mut Map<String, Value>) {
    let s = &style.style;
    let reference = |name: &str| json!({"$ref": format!("#/definitions/{prefix}_{name}")});

    // An indicator.
    let mut ind = Map::new();
    let mut ind_required: Vec<String> = vec!["一级".into(), "三级".into(), "指标值".into()];
    let level1_names: Vec<String> = style
        .taxonomy
        .levels
        .iter()
        .flat_map(|l| spellings(style, &l.name))
        .collect();
    let names: Vec<&str> = style
        .taxonomy
        .levels
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    ind.insert(
        "一级".into(),
        json!({
            "type": "string",
            "enum": level1_names,
            "description": format!("一级指标：{}", names.join("、")),
        }),
    );
    let mut level2_rules = Vec::new();
    if s.level2 {
        ind_required.push("二级".into());
        ind.insert("二级".into(), text(describe(Level::Indicator, "二级")));
        for l1 in &style.taxonomy.levels {
            let allowed = level2_spellings(style, l1);
            if allowed.is_empty() {
                continue;
            }
            level2_rules.push(json!({
                "if": {"properties": {"一级": {"enum": spellings(style, &l1.name)}}, "required": ["一级"]},
                "then": {"properties": {"二级": {
                    "enum": allowed,
                    "description": format!("“{}”下的二级指标：{}", l1.name, l1.level2.join("、")),
                }}},
            }));
        }
    } else {
        ind.insert(
            "二级".into(),
            text("本样式没有二级指标栏；写了不会印出（检查时给出警告）"),
        );
    }
    ind.insert("三级".into(), json!({"type": "string", "minLength": 1, "description": describe(Level::Indicator, "三级")}));
    ind.insert("指标值".into(), json!({"type": "string", "minLength": 1, "description": describe(Level::Indicator, "指标值")}));
    let v = &style.vocabulary;
    ind.insert(
        "依据".into(),
        json!({"type": "string", "enum": v.basis, "description": format!("指标值设置依据：{}", v.basis.join("、"))}),
    );
    ind.insert(
        "上年完成值".into(),
        text(describe(Level::Indicator, "上年完成值")),
    );
    ind.insert(
        "权重".into(),
        number(describe(Level::Indicator, "权重"), None),
    );
    ind.insert(
        "赋分规则".into(),
        json!({"type": "string", "enum": v.scoring, "description": format!("指标赋分规则：{}", v.scoring.join("、"))}),
    );
    ind.insert(
        "佐证资料".into(),
        json!({
            "type": "array",
            "items": {"type": "string", "enum": v.evidence},
            "description": format!("佐证资料，列表：{}", v.evidence.join("、")),
        }),
    );
    ind.insert("描述".into(), text(describe(Level::Indicator, "描述")));
    for key in s.required_fields.iter().map(|k| k.value.as_str()) {
        if INDICATOR_KEYS.contains(&key) && !ind_required.iter().any(|r| r == key) {
            ind_required.push(key.to_string());
        }
    }
    add_extras(
        &mut ind,
        &mut ind_required,
        &s.fields.indicator,
        style,
        "指标",
    );
    let mut indicator = json!({
        "type": "object",
        "description": "一条三级指标",
        "additionalProperties": false,
        "required": ind_required,
        "properties": ind,
    });
    if !level2_rules.is_empty() {
        indicator["allOf"] = json!(level2_rules);
    }
    defs.insert(format!("{prefix}_indicator"), indicator);

    // Money.
    let sources: Vec<String> = style.source_keys().map(str::to_string).collect();
    let mut money = Map::new();
    for k in &sources {
        money.insert(k.clone(), number(&format!("{k}（万元）"), Some(0.0)));
    }
    money.insert(
        "合计".into(),
        number("合计（万元），可选：工具按各来源相加后核对", Some(0.0)),
    );
    let mut funds = json!({
        "type": "object",
        "description": if sources.is_empty() {
            "本样式只印合计：写 资金: {合计: …}（万元）".to_string()
        } else {
            format!("按来源的金额（万元）：{}；合计可选", sources.join("、"))
        },
        "additionalProperties": false,
        "minProperties": 1,
        "properties": money,
    });
    if sources.is_empty() {
        funds["required"] = json!(["合计"]);
    }
    defs.insert(format!("{prefix}_funds"), funds);

    // Self-evaluation.
    let mut amounts = Map::new();
    for k in ["年初预算", "全年预算", "全年执行"] {
        amounts.insert(k.into(), number(describe(Level::Amounts, k), Some(0.0)));
    }
    defs.insert(
        format!("{prefix}_amounts"),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["全年预算", "全年执行"],
            "properties": amounts,
        }),
    );
    let mut eval_money = Map::new();
    for k in sources.iter().map(String::as_str).chain(["合计"]) {
        eval_money.insert(k.into(), reference("amounts"));
    }
    let mut result = Map::new();
    result.insert(
        "指标".into(),
        json!({"type": "string", "minLength": 1, "description": describe(Level::Result, "指标")}),
    );
    result.insert(
        "实际完成值".into(),
        text(describe(Level::Result, "实际完成值")),
    );
    result.insert("得分".into(), number(describe(Level::Result, "得分"), None));
    result.insert(
        "等级".into(),
        json!({"type": "string", "enum": GRADES, "description": describe(Level::Result, "等级")}),
    );
    result.insert("偏差原因".into(), text(describe(Level::Result, "偏差原因")));
    result.insert(
        "得分调整理由".into(),
        text(describe(Level::Result, "得分调整理由")),
    );
    let mut eval = Map::new();
    eval.insert(
        "资金".into(),
        json!({
            "type": "object",
            "description": describe(Level::Eval, "资金"),
            "additionalProperties": false,
            "minProperties": 1,
            "properties": eval_money,
        }),
    );
    eval.insert(
        "执行率".into(),
        json!({"type": ["string", "number"], "description": describe(Level::Eval, "执行率")}),
    );
    eval.insert(
        "执行得分".into(),
        number(describe(Level::Eval, "执行得分"), None),
    );
    eval.insert(
        "执行得分调整理由".into(),
        text(describe(Level::Eval, "执行得分调整理由")),
    );
    eval.insert(
        "实际完成情况".into(),
        text(describe(Level::Eval, "实际完成情况")),
    );
    eval.insert("总分".into(), number(describe(Level::Eval, "总分"), None));
    eval.insert(
        "指标".into(),
        json!({
            "type": "array",
            "description": describe(Level::Eval, "指标"),
            "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["指标"],
                "properties": result,
            },
        }),
    );
    let mut eval_required: Vec<String> = vec!["资金".into(), "实际完成情况".into(), "指标".into()];
    add_extras(&mut eval, &mut eval_required, &s.fields.eval, style, "自评");
    defs.insert(
        format!("{prefix}_eval"),
        json!({
            "type": "object",
            "description": describe(Level::Project, "自评"),
            "additionalProperties": false,
            "required": eval_required,
            "properties": eval,
        }),
    );

    // A project.
    let mut proj = Map::new();
    let mut proj_required: Vec<String> = vec!["名称".into(), "资金".into(), "指标".into()];
    for k in PROJECT_TEXT_KEYS {
        proj.insert((*k).into(), text(describe(Level::Project, k)));
    }
    proj.insert("资金".into(), reference("funds"));
    proj.insert(
        "总体目标".into(),
        json!({
            "description": describe(Level::Project, "总体目标"),
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}},
            ],
        }),
    );
    let min_items = s.min_indicators.max(1);
    proj.insert(
        "指标".into(),
        json!({
            "type": "array",
            "description": describe(Level::Project, "指标"),
            "minItems": min_items,
            "items": reference("indicator"),
        }),
    );
    proj.insert("自评".into(), reference("eval"));
    for key in s.required_fields.iter().map(|k| k.value.as_str()) {
        if (PROJECT_TEXT_KEYS.contains(&key) || key == "总体目标")
            && !proj_required.iter().any(|r| r == key)
        {
            proj_required.push(key.to_string());
        }
    }
    add_extras(
        &mut proj,
        &mut proj_required,
        &s.fields.project,
        style,
        "项目",
    );
    defs.insert(
        format!("{prefix}_project"),
        json!({
            "type": "object",
            "description": "一个项目",
            "additionalProperties": false,
            "required": proj_required,
            "properties": proj,
        }),
    );

    // The department.
    let mut dept = Map::new();
    dept.insert("部门".into(), json!({"type": "string", "minLength": 1, "description": describe(Level::Department, "部门")}));
    dept.insert(
        "年度".into(),
        json!({"type": "integer", "minimum": 2000, "maximum": 2100, "description": describe(Level::Department, "年度")}),
    );
    dept.insert(
        "样式".into(),
        json!({"type": "string", "const": style.key, "description": format!("官方版式：{}（{}）", style.key, s.name)}),
    );
    let mut dept_required: Vec<String> =
        vec!["部门".into(), "年度".into(), "样式".into(), "项目".into()];
    if !s.signatures.is_empty() {
        let mut sig = Map::new();
        let mut sig_required = Vec::new();
        for f in &s.signatures {
            sig.insert(
                f.key.value.clone(),
                json!({"type": "string", "minLength": 1}),
            );
            if f.required {
                sig_required.push(f.key.value.clone());
            }
        }
        let keys: Vec<&str> = s.signatures.iter().map(|f| f.key.value.as_str()).collect();
        dept.insert(
            "签字".into(),
            json!({
                "type": "object",
                "description": format!("签字栏：{}", keys.join("、")),
                "additionalProperties": false,
                "required": sig_required,
                "properties": sig,
            }),
        );
        if !sig_required.is_empty() {
            dept_required.push("签字".into());
        }
    }
    dept.insert(
        "备注".into(),
        json!({"type": "array", "items": {"type": "string"}, "description": describe(Level::Department, "备注")}),
    );
    dept.insert(
        "项目".into(),
        json!({"type": "array", "minItems": 1, "description": describe(Level::Department, "项目"), "items": reference("project")}),
    );
    defs.insert(
        prefix.to_string(),
        json!({
            "type": "object",
            "description": format!("{}（样式 {}）的部门数据文件", s.name, style.key),
            "additionalProperties": false,
            "required": dept_required,
            "properties": dept,
        }),
    );
}

/// The schema of the data files of one style.
pub fn style_schema(style: &LoadedStyle) -> Value {
    let mut defs = Map::new();
    style_definitions(style, "dept", &mut defs);
    let mut root = defs.remove("dept").unwrap_or_else(|| json!({}));
    root["$schema"] = json!(DIALECT);
    root["title"] = json!(format!(
        "jixiao 部门数据（样式 {}：{}）",
        style.key, style.style.name
    ));
    root["definitions"] = Value::Object(defs);
    root
}

/// The schema of any data file: the style named by `样式` decides the rest.
pub fn generic_schema(styles: &Styles) -> Value {
    let mut defs = Map::new();
    let mut cases = Vec::new();
    let mut keys = Vec::new();
    for style in styles.loaded() {
        let prefix = format!("style_{}", style.key.replace('-', "_"));
        style_definitions(style, &prefix, &mut defs);
        keys.push(style.key.clone());
        cases.push(json!({
            "if": {"properties": {"样式": {"const": style.key}}, "required": ["样式"]},
            "then": {"$ref": format!("#/definitions/{prefix}")},
        }));
    }
    let mut props = Map::new();
    for k in DEPARTMENT_KEYS {
        props.insert(
            (*k).into(),
            json!({"description": describe(Level::Department, k)}),
        );
    }
    props.insert(
        "样式".into(),
        json!({"type": "string", "enum": keys, "description": describe(Level::Department, "样式")}),
    );
    json!({
        "$schema": DIALECT,
        "title": "jixiao 部门数据",
        "description": "一个部门一个年度的项目支出绩效数据（docs/data-format.md）；其余的键由“样式”决定",
        "type": "object",
        "required": ["部门", "年度", "样式", "项目"],
        "properties": props,
        "allOf": cases,
        "definitions": defs,
    })
}

/// The modeline naming a schema, for the first line of a data file.
pub fn modeline(schema_path: &str) -> String {
    format!("# yaml-language-server: $schema={schema_path}")
}

/// Where a project keeps the schema of a style, relative to the project directory.
pub fn schema_file(style: &str) -> String {
    format!("schemas/{style}.schema.json")
}
