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

use crate::fields::{self, GRADES, Level, OVERALL_GRADES, describe};
use crate::style::{ExtraField, Level1, LoadedStyle, Styles};

/// The JSON Schema dialect written.
pub const DIALECT: &str = "http://json-schema.org/draft-07/schema#";

/// A text of the data: any scalar (the loader reads `上年完成值: 11` as the text `11`).
fn text(description: &str) -> Value {
    json!({"type": ["string", "number", "boolean"], "description": description})
}

/// A text that must hold something other than spaces (the check's JX103).
fn filled_text(description: &str) -> Value {
    json!({
        "anyOf": [{"type": "string", "pattern": "\\S"}, {"type": ["number", "boolean"]}],
        "description": description,
    })
}

/// A number of the data (money, weight, score): a plain decimal within the loader's limits,
/// written as a number or quoted (`权重: "20"` reads the same).
fn number(description: &str, minimum: Option<f64>) -> Value {
    let mut n = json!({
        "type": "number",
        "exclusiveMaximum": 1e12,
        "exclusiveMinimum": -1e12,
    });
    let sign = if minimum.is_some_and(|m| m >= 0.0) {
        "\\+?"
    } else {
        "[+-]?"
    };
    if let Some(m) = minimum {
        n["minimum"] = json!(m);
    }
    json!({
        "anyOf": [
            n,
            {"type": "string", "pattern": format!("^\\s*{sign}0*[0-9]{{1,12}}(\\.[0-9]{{1,6}})?\\s*$")},
        ],
        "description": format!("{description}；最多 6 位小数"),
    })
}

/// The keys of `level` every file must write.
fn required_keys(level: Level) -> Vec<String> {
    fields::of(level)
        .filter(|f| f.need == fields::Need::Required)
        .map(|f| f.key.to_string())
        .collect()
}

/// 年度: a whole number from 2000 to 2100 (the check's JX106), written as a number or quoted.
fn year() -> Value {
    json!({
        "anyOf": [
            {"type": "integer", "minimum": 2000, "maximum": 2100},
            {"type": "string", "pattern": "^\\s*\\+?0*(20[0-9][0-9]|2100)\\s*$"},
        ],
        "description": describe(Level::Department, "年度"),
    })
}

/// `s` with the characters a regular expression treats specially escaped.
fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One of `values`, as the check compares them: around spaces ignored and, for an indicator
/// level (`coded`), a numeric code in front (`11-数量指标`, see `LoadedStyle::canonical`). The
/// enumeration is what an editor offers; the pattern is what the check accepts.
fn choice(values: &[String], coded: bool, description: &str) -> Value {
    let alternatives: Vec<String> = values.iter().map(|v| regex_escape(v)).collect();
    let code = if coded { "([0-9]+-\\s*)?" } else { "" };
    json!({
        "anyOf": [
            {"type": "string", "enum": values},
            {"type": "string", "pattern": format!("^\\s*{code}({})\\s*$", alternatives.join("|"))},
        ],
        "description": description,
    })
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
    let mut ind_required = required_keys(Level::Indicator);
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
        choice(
            &level1_names,
            true,
            &format!("一级指标：{}", names.join("、")),
        ),
    );
    let mut level2_rules = Vec::new();
    if s.level2 {
        ind_required.push("二级".into());
        ind.insert(
            "二级".into(),
            filled_text(describe(Level::Indicator, "二级")),
        );
        for l1 in &style.taxonomy.levels {
            let allowed = level2_spellings(style, l1);
            if allowed.is_empty() {
                continue;
            }
            level2_rules.push(json!({
                "if": {"properties": {"一级": choice(&spellings(style, &l1.name), true, "")}, "required": ["一级"]},
                "then": {"properties": {"二级": choice(
                    &allowed,
                    true,
                    &format!("“{}”下的二级指标：{}", l1.name, l1.level2.join("、")),
                )}},
            }));
        }
    } else {
        ind.insert(
            "二级".into(),
            text("本样式没有二级指标栏；写了不会印出（检查时给出警告）"),
        );
    }
    for k in ["三级", "指标值"] {
        ind.insert(k.into(), filled_text(describe(Level::Indicator, k)));
    }
    let v = &style.vocabulary;
    ind.insert(
        "依据".into(),
        choice(
            &v.basis,
            false,
            &format!("指标值设置依据：{}", v.basis.join("、")),
        ),
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
        choice(
            &v.scoring,
            false,
            &format!("指标赋分规则：{}", v.scoring.join("、")),
        ),
    );
    ind.insert("佐证资料".into(), {
        let one = choice(&v.evidence, false, "");
        json!({
            "anyOf": [one.clone(), {"type": "array", "items": one}, {"type": "null"}],
            "description": format!("佐证资料，列表：{}", v.evidence.join("、")),
        })
    });
    for f in fields::stored_texts(Level::Indicator) {
        ind.insert(f.key.into(), text(f.about));
    }
    for key in s.required_fields.iter().map(|k| k.value.as_str()) {
        if fields::requirable(Level::Indicator).any(|k| k == key)
            && !ind_required.iter().any(|r| r == key)
        {
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
    // A medium-term indicator: the same, but weights belong to the 年度 block only.
    let mut mid_indicator = indicator.clone();
    mid_indicator["description"] = json!("一条中期（或长期）三级指标（不写权重）");
    if let Some(r) = mid_indicator["required"].as_array_mut() {
        r.retain(|k| k != "权重");
    }
    defs.insert(format!("{prefix}_mid_indicator"), mid_indicator);
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
    result.insert("指标".into(), filled_text(describe(Level::Result, "指标")));
    result.insert(
        "实际完成值".into(),
        text(describe(Level::Result, "实际完成值")),
    );
    result.insert("得分".into(), number(describe(Level::Result, "得分"), None));
    result.insert(
        "等级".into(),
        choice(
            &GRADES.iter().map(|g| g.to_string()).collect::<Vec<_>>(),
            false,
            describe(Level::Result, "等级"),
        ),
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
    eval.insert("执行率".into(), text(describe(Level::Eval, "执行率")));
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
        "等级".into(),
        choice(
            &OVERALL_GRADES
                .iter()
                .map(|g| g.to_string())
                .collect::<Vec<_>>(),
            false,
            describe(Level::Eval, "等级"),
        ),
    );
    eval.insert(
        "指标".into(),
        json!({
            "type": "array",
            "description": describe(Level::Eval, "指标"),
            "items": {
                "type": "object",
                "additionalProperties": false,
                "required": required_keys(Level::Result),
                "properties": result,
            },
        }),
    );
    let mut eval_required = required_keys(Level::Eval);
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
    let mut proj_required = required_keys(Level::Project);
    proj.insert("名称".into(), filled_text(describe(Level::Project, "名称")));
    for f in fields::stored_texts(Level::Project) {
        proj.insert(f.key.into(), text(f.about));
    }
    proj.insert("资金".into(), reference("funds"));
    proj.insert(
        "总体目标".into(),
        json!({
            "description": describe(Level::Project, "总体目标"),
            "anyOf": [
                {"type": ["string", "number", "boolean", "null"]},
                {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
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
    proj.insert(
        "中期目标".into(),
        json!({
            "description": describe(Level::Project, "中期目标"),
            "anyOf": [
                {"type": ["string", "number", "boolean", "null"]},
                {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
            ],
        }),
    );
    proj.insert("中期资金".into(), reference("funds"));
    proj.insert(
        "中期指标".into(),
        json!({
            "type": "array",
            "description": describe(Level::Project, "中期指标"),
            "items": reference("mid_indicator"),
        }),
    );
    proj.insert("自评".into(), reference("eval"));
    for key in s.required_fields.iter().map(|k| k.value.as_str()) {
        if fields::requirable(Level::Project).any(|k| k == key)
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

    // The department-wide part: its money by the style's sources, its indicators and
    // self-evaluation as a project's.
    let goals = |description: &str| {
        json!({
            "description": description,
            "anyOf": [
                {"type": ["string", "number", "boolean", "null"]},
                {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
            ],
        })
    };
    let mut task = Map::new();
    task.insert("资金".into(), reference("funds"));
    task.insert(
        "支出项目".into(),
        json!({
            "anyOf": [
                {"type": ["string", "number", "boolean", "null"]},
                {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
            ],
            "description": describe(Level::Task, "支出项目"),
        }),
    );
    defs.insert(format!("{prefix}_task"), object_of(Level::Task, task));
    for (level, name, sums) in [
        (
            Level::FundRow,
            "fund_row",
            &[crate::model::SUBTOTAL, crate::model::TOTAL_KEY][..],
        ),
        (
            Level::Allocation,
            "allocation_row",
            &[crate::model::TOTAL_KEY][..],
        ),
    ] {
        let mut row = Map::new();
        for f in fields::figures(level) {
            let v = match f.shape {
                fields::Shape::Rate => text(f.about),
                _ => number(f.about, None),
            };
            row.insert(f.key.into(), v);
        }
        let sums: Vec<String> = sums.iter().map(|s| s.to_string()).collect();
        row.insert("汇总".into(), choice(&sums, false, describe(level, "汇总")));
        defs.insert(format!("{prefix}_{name}"), object_of(level, row));
    }
    let mut wide = Map::new();
    wide.insert("资金".into(), reference("funds"));
    for k in ["收入", "支出"] {
        wide.insert(
            k.into(),
            json!({"type": "array", "description": describe(Level::DeptWide, k), "items": reference("fund_row")}),
        );
    }
    wide.insert(
        "拨付结余".into(),
        json!({"type": "array", "description": describe(Level::DeptWide, "拨付结余"), "items": reference("allocation_row")}),
    );
    for k in ["基本支出", "项目支出"] {
        wide.insert(k.into(), number(describe(Level::DeptWide, k), Some(0.0)));
    }
    wide.insert(
        "年度主要任务".into(),
        json!({"type": "array", "description": describe(Level::DeptWide, "年度主要任务"), "items": reference("task")}),
    );
    wide.insert(
        "年度总体目标".into(),
        goals(describe(Level::DeptWide, "年度总体目标")),
    );
    wide.insert(
        "指标".into(),
        json!({"type": "array", "description": describe(Level::DeptWide, "指标"), "items": reference("indicator")}),
    );
    wide.insert("自评".into(), reference("eval"));
    defs.insert(format!("{prefix}_wide"), object_of(Level::DeptWide, wide));

    // The department.
    let mut dept = Map::new();
    dept.insert(
        "部门".into(),
        filled_text(describe(Level::Department, "部门")),
    );
    dept.insert("年度".into(), year());
    dept.insert(
        "样式".into(),
        choice(
            std::slice::from_ref(&style.key),
            false,
            &format!("官方版式：{}（{}）", style.key, s.name),
        ),
    );
    let mut dept_required = required_keys(Level::Department);
    if !s.signatures.is_empty() {
        let mut sig = Map::new();
        let mut sig_required = Vec::new();
        for f in &s.signatures {
            sig.insert(f.key.value.clone(), filled_text(&f.key.value));
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
        json!({
            "anyOf": [
                {"type": ["string", "number", "boolean", "null"]},
                {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
            ],
            "description": describe(Level::Department, "备注"),
        }),
    );
    dept.insert(
        "项目".into(),
        json!({"type": "array", "minItems": 1, "description": describe(Level::Department, "项目"), "items": reference("project")}),
    );
    dept.insert("部门整体".into(), reference("wide"));
    if s.department.required {
        dept_required.push("部门整体".into());
    }
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

/// The schema of the region file (`地区.yaml`): its keys from the field catalogue, the summary
/// styles offered from `styles`' region styles.
pub fn region_schema(region_styles: &[String]) -> Value {
    let signature = object_of(Level::RegionSignature, Map::new());
    let mut props = Map::new();
    for f in fields::of(Level::Region) {
        let v = match f.shape {
            fields::Shape::Records(_) => json!({
                "type": "array",
                "description": f.about,
                "items": signature.clone(),
            }),
            fields::Shape::TextList => {
                let item = if region_styles.is_empty() {
                    text("")
                } else {
                    choice(region_styles, false, "")
                };
                // A list (the region file is read by serde: one name alone is refused).
                json!({
                    "anyOf": [{"type": "array", "items": item}, {"type": "null"}],
                    "description": f.about,
                })
            }
            _ if f.need == fields::Need::Required => filled_text(f.about),
            _ => text(f.about),
        };
        props.insert(f.key.into(), v);
    }
    let mut root = object_of(Level::Region, props);
    root["$schema"] = json!(DIALECT);
    root["title"] = json!("jixiao 地区文件（地区.yaml）");
    root
}

/// The schema text of the region file, offering the summary styles of `templates`.
pub fn region_schema_text(templates: &std::path::Path) -> String {
    let value = region_schema(&crate::region::style::available(templates));
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// An object of `level`: its keys (texts unless `props` says otherwise), its required keys, and
/// nothing else.
fn object_of(level: Level, mut props: Map<String, Value>) -> Value {
    for f in fields::of(level) {
        if !props.contains_key(f.key) {
            let v = if f.need == fields::Need::Required {
                filled_text(f.about)
            } else {
                text(f.about)
            };
            props.insert(f.key.into(), v);
        }
    }
    json!({
        "type": "object",
        "description": level.name_zh(),
        "additionalProperties": false,
        "required": required_keys(level),
        "properties": props,
    })
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
            "if": {"properties": {"样式": choice(std::slice::from_ref(&style.key), false, "")}, "required": ["样式"]},
            "then": {"$ref": format!("#/definitions/{prefix}")},
        }));
    }
    let mut props = Map::new();
    for f in fields::of(Level::Department) {
        props.insert(f.key.into(), json!({"description": f.about}));
    }
    props.insert(
        "样式".into(),
        choice(&keys, false, describe(Level::Department, "样式")),
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

/// Where a project keeps the schema of the region file, relative to the project directory.
pub const REGION_SCHEMA_FILE: &str = "schemas/地区.schema.json";

/// Where a project keeps the schema of a style, relative to the project directory.
pub fn schema_file(style: &str) -> String {
    format!("schemas/{style}.schema.json")
}
