//! `jixiao schema`: the JSON Schema of the data format validates every sample data file (the
//! schema of each file's own style and the schema of all styles alike), refuses what the check
//! refuses where the schema can say it (misspelt keys, unknown levels and choices, missing
//! required fields), and knows every key the loader knows.

use std::path::{Path, PathBuf};
use std::process::Command;

use jixiao::load::Loaded;
use jixiao::style::Styles;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn styles() -> Styles {
    let mut loaded = Loaded::default();
    let styles = Styles::load(&repo().join("templates"), &mut loaded);
    assert!(
        loaded.diagnostics.is_empty(),
        "the styles load cleanly: {:?}",
        loaded
            .diagnostics
            .iter()
            .map(|d| &d.message)
            .collect::<Vec<_>>()
    );
    styles
}

/// A YAML data file as the JSON value a YAML language server validates.
fn json_of(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every data file of the repository: `data/` and the national example.
fn data_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["data", "examples/national/data"] {
        for e in std::fs::read_dir(repo().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") && !jixiao::region::is_region_file(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    assert!(out.len() >= 6, "the sample data: {out:?}");
    out
}

fn validator(schema: &Value) -> jsonschema::Validator {
    assert!(
        jsonschema::meta::is_valid(schema),
        "the schema is itself a valid draft-07 schema"
    );
    jsonschema::draft7::new(schema).expect("the schema compiles")
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn every_data_file_is_valid_against_its_style_and_the_generic_schema() {
    let styles = styles();
    let generic = validator(&jixiao::schema::generic_schema(&styles));
    for path in data_files() {
        let data = json_of(&path);
        let key = data["样式"].as_str().unwrap().to_string();
        let own = validator(&jixiao::schema::style_schema(styles.get(&key).unwrap()));
        assert_eq!(
            errors(&own, &data),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
        assert_eq!(
            errors(&generic, &data),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
    }
}

/// The first sample file of `style`, as JSON.
fn sample(style: &str) -> Value {
    data_files()
        .iter()
        .map(|p| json_of(p))
        .find(|d| d["样式"] == style)
        .unwrap()
}

#[test]
fn what_the_check_refuses_the_schema_underlines() {
    let styles = styles();
    let generic = validator(&jixiao::schema::generic_schema(&styles));
    let xinjiang = validator(&jixiao::schema::style_schema(
        styles.get("xinjiang").unwrap(),
    ));
    let base = sample("xinjiang");
    assert!(xinjiang.is_valid(&base));
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut d = base.clone();
        f(&mut d);
        d
    };
    let cases: Vec<(&str, Value)> = vec![
        (
            "a misspelt indicator key",
            mutate(&|d| {
                let i = &mut d["项目"][0]["指标"][0];
                let v = i.as_object_mut().unwrap().remove("指标值").unwrap();
                i["指标植"] = v;
            }),
        ),
        (
            "an unknown 一级",
            mutate(&|d| d["项目"][0]["指标"][0]["一级"] = "产出".into()),
        ),
        (
            "a 二级 of another 一级",
            mutate(&|d| d["项目"][0]["指标"][0]["二级"] = "社会效益指标".into()),
        ),
        (
            "a 依据 outside the vocabulary",
            mutate(&|d| d["项目"][0]["指标"][0]["依据"] = "经验".into()),
        ),
        (
            "a 佐证资料 outside the vocabulary",
            mutate(&|d| d["项目"][0]["指标"][0]["佐证资料"] = serde_json::json!(["照片"])),
        ),
        (
            "a fund source the style lacks",
            mutate(&|d| d["项目"][0]["资金"]["专户资金"] = 1.into()),
        ),
        (
            "a negative amount",
            mutate(&|d| d["项目"][0]["资金"]["财政拨款"] = (-1).into()),
        ),
        (
            "an amount written as words",
            mutate(&|d| d["项目"][0]["资金"]["财政拨款"] = "三十".into()),
        ),
        (
            "a required field missing (负责人)",
            mutate(&|d| {
                d["项目"][0].as_object_mut().unwrap().remove("负责人");
            }),
        ),
        (
            "an unknown top-level key",
            mutate(&|d| d["单位"] = "x".into()),
        ),
        (
            "an unknown style",
            mutate(&|d| d["样式"] = "sichuan".into()),
        ),
        ("a year out of range", mutate(&|d| d["年度"] = 1999.into())),
    ];
    for (what, d) in cases {
        assert!(!generic.is_valid(&d), "generic schema accepts {what}");
        if what != "an unknown style" {
            assert!(!xinjiang.is_valid(&d), "xinjiang schema accepts {what}");
        }
    }
    // Regional spellings the check maps are accepted: codes and aliases.
    let d = mutate(&|d| {
        d["项目"][0]["指标"][0]["二级"] = "数量指标".into();
        d["项目"][0]["指标"][5]["二级"] = "经济成本".into();
    });
    assert_eq!(errors(&xinjiang, &d), Vec::<String>::new());
    let ningxia = validator(&jixiao::schema::style_schema(
        styles.get("ningxia").unwrap(),
    ));
    let mut d = sample("ningxia");
    d["项目"][0]["指标"][0]["一级"] = "1-产出指标".into();
    d["项目"][0]["指标"][0]["二级"] = "11-数量指标".into();
    assert_eq!(errors(&ningxia, &d), Vec::<String>::new());
    // The style's signature keys, and only them.
    let zhejiang = validator(&jixiao::schema::style_schema(
        styles.get("zhejiang").unwrap(),
    ));
    let mut d = sample("zhejiang");
    assert!(zhejiang.is_valid(&d));
    d["签字"]["审核人"] = "x".into();
    assert!(!zhejiang.is_valid(&d));
}

/// The property names a schema object allows.
fn properties(def: &Value) -> Vec<String> {
    def["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn the_schema_knows_every_key_the_loader_knows() {
    use jixiao::fields::{self, Level};
    let styles = styles();
    for style in styles.loaded() {
        let s = jixiao::schema::style_schema(style);
        let defs = &s["definitions"];
        let pairs: [(Level, &Value); 8] = [
            (Level::Department, &s),
            (Level::DeptWide, &defs["dept_wide"]),
            (Level::Task, &defs["dept_task"]),
            (Level::Project, &defs["dept_project"]),
            (Level::Indicator, &defs["dept_indicator"]),
            (Level::Eval, &defs["dept_eval"]),
            (Level::Amounts, &defs["dept_amounts"]),
            (
                Level::Result,
                &defs["dept_eval"]["properties"]["指标"]["items"],
            ),
        ];
        for (level, def) in pairs {
            let props = properties(def);
            let known: Vec<&str> = fields::keys(level).collect();
            // Nothing but the catalogue's keys and the style's declared fields.
            let declared: Vec<&str> = match level {
                Level::Project => &style.style.fields.project,
                Level::Indicator => &style.style.fields.indicator,
                Level::Eval => &style.style.fields.eval,
                _ => &[][..],
            }
            .iter()
            .map(|f| f.key.value.as_str())
            .collect();
            for p in &props {
                assert!(
                    known.contains(&p.as_str()) || declared.contains(&p.as_str()),
                    "{}: the schema has “{p}” at {level:?}, which the catalogue does not",
                    style.key
                );
            }
            for k in &known {
                // 签字 exists only where the style declares signature keys.
                if *k == "签字" && style.style.signatures.is_empty() {
                    assert!(!props.iter().any(|p| p == k));
                    continue;
                }
                assert!(
                    props.iter().any(|p| p == k),
                    "{}: “{k}” missing from the schema",
                    style.key
                );
            }
            // Every key is described in Chinese.
            for (k, v) in def["properties"].as_object().unwrap() {
                let d = v["description"].as_str().unwrap_or("");
                let described =
                    !d.is_empty() || v.get("$ref").is_some() || v.get("properties").is_some();
                assert!(described, "{}: “{k}” has no description", style.key);
            }
        }
    }
}

#[test]
fn the_command_writes_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("schemas/xinjiang.schema.json");
    let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["schema", "--style", "xinjiang", "--templates"])
        .arg(repo().join("templates"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["properties"]["样式"]["anyOf"][0]["enum"][0], "xinjiang");
    let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["schema", "--templates"])
        .arg(repo().join("templates"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["properties"]["样式"]["anyOf"][0]["enum"]
            .as_array()
            .unwrap()
            .len()
            >= 5
    );
    let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["schema", "--style", "nosuch", "--templates"])
        .arg(repo().join("templates"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("找不到样式"));
}

// ---------------------------------------------------------------------------------------------
// Schema = check (issue 21, item 2)

/// The rules the schema expresses: the format (JX0xx) and what a key or value alone decides
/// (required keys, empty texts, the year's range, the style's vocabularies, money sources and
/// signs). Sums, weights, scores and cross-references are the check's alone.
const SCHEMA_RULES: &[&str] = &[
    "JX007", "JX010", "JX011", "JX012", "JX101", "JX102", "JX103", "JX105", "JX106", "JX110",
    "JX201", "JX202", "JX207", "JX209", "JX210", "JX215", "JX302", "JX303", "JX407",
];

/// `text` with the value of the first `key: value` (block or flow) replaced by `value`.
fn set_first(text: &str, key: &str, value: &str) -> Option<String> {
    let pat = format!("{key}: ");
    let at = text.match_indices(&pat).map(|(i, _)| i).find(|&i| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c == ' ' || c == '{' || c == '\n')
    })?;
    let start = at + pat.len();
    let rest = &text[start..];
    let end = if rest.starts_with('[') {
        rest.find(']')? + 1
    } else {
        rest.find([',', '}', '\n']).unwrap_or(rest.len())
    };
    Some(format!("{}{value}{}", &text[..start], &rest[end..]))
}

/// `text` with the first key `key` renamed.
fn rename_first(text: &str, key: &str, to: &str) -> Option<String> {
    let pat = format!("{key}: ");
    let at = text.match_indices(&pat).map(|(i, _)| i).find(|&i| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c == ' ' || c == '{' || c == '\n')
    })?;
    Some(format!("{}{to}: {}", &text[..at], &text[at + pat.len()..]))
}

/// Whether the check finds a problem the schema expresses in `text` (alone in a directory).
fn check_refuses(text: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), text).unwrap();
    let mut loaded = jixiao::load::load_dir(dir.path());
    let styles = Styles::load(&repo().join("templates"), &mut loaded);
    let checked = jixiao::check::check(&loaded, &styles);
    loaded
        .diagnostics
        .iter()
        .chain(&checked.diagnostics)
        .filter(|d| d.is_error() && SCHEMA_RULES.contains(&d.rule.code))
        .map(|d| format!("{} {}", d.rule.code, d.message))
        .collect()
}

/// Single mutations of every sample file — spellings the documentation allows and slips it
/// does not — judged by the schema (as an editor would) and by the check: they agree on every
/// case.
#[test]
fn the_schema_and_the_check_agree_on_every_mutation() {
    let styles = styles();
    let generic = validator(&jixiao::schema::generic_schema(&styles));
    type Mutation = (&'static str, fn(&str) -> Option<String>);
    let mutations: &[Mutation] = &[
        // Allowed.
        ("年度 quoted", |t| set_first(t, "年度", "\"2025\"")),
        ("年度 padded", |t| set_first(t, "年度", "\" 2025 \"")),
        ("权重 quoted", |t| set_first(t, "权重", "\"20\"")),
        ("财政拨款 quoted", |t| {
            set_first(t, "财政拨款", "\"86.5\"")
        }),
        ("财政拨款 with 6 decimals", |t| {
            set_first(t, "财政拨款", "\"1.123456\"")
        }),
        ("上年完成值 a number", |t| {
            set_first(t, "上年完成值", "11")
        }),
        ("指标值 a number", |t| set_first(t, "指标值", "100")),
        ("二级 with a code", |t| {
            set_first(t, "二级", "11-数量指标")
        }),
        ("一级 with a code and spaces", |t| {
            set_first(t, "一级", "\"1- 产出指标 \"")
        }),
        ("依据 padded", |t| set_first(t, "依据", "\" 计划标准 \"")),
        ("佐证资料 one text", |t| {
            set_first(t, "佐证资料", "正式材料")
        }),
        ("总体目标 a number", |t| set_first(t, "总体目标", "12")),
        ("负责人 a number", |t| set_first(t, "负责人", "12")),
        ("样式 padded", |t| {
            let style = t
                .lines()
                .find_map(|l| l.strip_prefix("样式: "))?
                .trim()
                .to_string();
            set_first(t, "样式", &format!("\" {style} \""))
        }),
        // Refused.
        ("年度 in words", |t| set_first(t, "年度", "二〇二五")),
        ("年度 out of range", |t| set_first(t, "年度", "1999")),
        ("权重 with a unit", |t| set_first(t, "权重", "20分")),
        ("财政拨款 with a unit", |t| {
            set_first(t, "财政拨款", "1万")
        }),
        ("财政拨款 negative", |t| set_first(t, "财政拨款", "-1")),
        ("财政拨款 with 7 decimals", |t| {
            set_first(t, "财政拨款", "\"1.1234567\"")
        }),
        ("财政拨款 a list", |t| set_first(t, "财政拨款", "[1]")),
        ("名称 empty", |t| set_first(t, "名称", "\"\"")),
        ("名称 blank", |t| set_first(t, "名称", "\"  \"")),
        ("指标值 a list", |t| set_first(t, "指标值", "[a]")),
        ("一级 unknown", |t| set_first(t, "一级", "产出")),
        ("二级 of another 一级", |t| {
            set_first(t, "二级", "满意度指标")
        }),
        ("依据 unknown", |t| set_first(t, "依据", "计划")),
        ("赋分规则 unknown", |t| set_first(t, "赋分规则", "比例")),
        ("佐证资料 misspelt", |t| {
            set_first(t, "佐证资料", "[正式资料]")
        }),
        ("等级 unknown", |t| set_first(t, "等级", "优")),
        ("三级 misspelt key", |t| {
            rename_first(t, "三级", "三级指标")
        }),
        ("指标值 misspelt key", |t| {
            rename_first(t, "指标值", "指标植")
        }),
        ("部门 misspelt key", |t| {
            rename_first(t, "部门", "部门名称")
        }),
        ("资金 source unknown", |t| {
            rename_first(t, "财政拨款", "专户资金")
        }),
        ("样式 unknown", |t| set_first(t, "样式", "sichuan")),
    ];
    let mut disagreements = Vec::new();
    let mut cases = 0;
    for path in data_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        for (what, mutate) in mutations {
            let Some(mutated) = mutate(&text) else {
                continue;
            };
            let Ok(json) = serde_saphyr::from_str::<Value>(&mutated) else {
                continue;
            };
            cases += 1;
            let schema = errors(&generic, &json);
            let check = check_refuses(&mutated);
            if schema.is_empty() != check.is_empty() {
                disagreements.push(format!(
                    "{} / {what}: schema {schema:?} · check {check:?}",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    assert!(cases >= 150, "only {cases} cases");
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

/// The department-wide part (`部门整体`, issue 23) is described by the schema as the loader and
/// the check read it: the sample is valid, and single slips in it are refused by both.
#[test]
fn the_schema_and_the_check_agree_on_the_department_wide_part() {
    let styles = styles();
    let generic = validator(&jixiao::schema::generic_schema(&styles));
    let wide = crate::fields::WIDE;
    let json = |t: &str| serde_saphyr::from_str::<Value>(t).unwrap();
    assert_eq!(errors(&generic, &json(wide)), Vec::<String>::new());
    assert_eq!(check_refuses(wide), Vec::<String>::new());
    let part = wide.find("部门整体:").unwrap();
    let in_part = |from: &str, to: &str| {
        let (head, tail) = wide.split_at(part);
        assert!(tail.contains(from), "{from}");
        format!("{head}{}", tail.replacen(from, to, 1))
    };
    let cases = [
        (
            "资金 source unknown",
            in_part("    其他资金: 20\n", "    专户资金: 20\n"),
        ),
        (
            "基本支出 negative",
            in_part("基本支出: 470", "基本支出: -470"),
        ),
        (
            "基本支出 with a unit",
            in_part("基本支出: 470", "基本支出: 470万"),
        ),
        (
            "任务名称 missing",
            in_part("- 任务名称: 机关运行保障", "- 任务: 机关运行保障"),
        ),
        (
            "任务名称 empty",
            in_part("- 任务名称: 机关运行保障", "- 任务名称: \"\""),
        ),
        (
            "unknown key",
            in_part("  部门职能: 依法履职", "  职能: 依法履职"),
        ),
        (
            "一级 unknown",
            in_part(
                "一级: 产出指标, 二级: 数量指标, 三级: 完成任务数",
                "一级: 产出, 二级: 数量指标, 三级: 完成任务数",
            ),
        ),
        ("等级 unknown", in_part("    等级: 优", "    等级: 甲")),
    ];
    for (what, text) in cases {
        let schema = errors(&generic, &json(&text));
        let check = check_refuses(&text);
        assert!(!schema.is_empty(), "{what}: the schema accepts it");
        assert!(!check.is_empty(), "{what}: the check accepts it");
    }
    // Allowed variants.
    for (what, text) in [
        (
            "年度总体目标 one text",
            in_part(
                "  年度总体目标:\n    - 保障机关运转\n    - 完成项目甲\n",
                "  年度总体目标: 保障机关运转\n",
            ),
        ),
        (
            "基本支出 quoted",
            in_part("基本支出: 470", "基本支出: \"470\""),
        ),
        (
            "支出项目 one name",
            in_part("支出项目: [项目甲]", "支出项目: 项目甲"),
        ),
    ] {
        assert_eq!(
            errors(&generic, &json(&text)),
            Vec::<String>::new(),
            "{what}"
        );
        assert_eq!(check_refuses(&text), Vec::<String>::new(), "{what}");
    }
}
