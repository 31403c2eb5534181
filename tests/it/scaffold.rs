//! `jixiao init` and `jixiao new`: the shipped styles are the repository's, a new project has
//! everything `new`, `check` and `build` need, and a new department file names every field of
//! its style with placeholders that `check` reports until they are filled — and that pass once
//! they are.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::common;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn jixiao(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_shipped_styles_are_the_repositorys_templates() {
    let root = repo().join("templates");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(
                    p.strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    files.sort();
    let shipped: Vec<&str> = jixiao::style::embedded::TEMPLATES
        .iter()
        .map(|(p, _)| *p)
        .collect();
    assert_eq!(
        shipped, files,
        "src/scaffold/mod.rs TEMPLATES lists every file of templates/"
    );
    for (rel, bytes) in jixiao::style::embedded::TEMPLATES {
        assert_eq!(std::fs::read(root.join(rel)).unwrap(), *bytes, "{rel}");
    }
}

#[test]
fn init_makes_a_project_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("项目");
    let o = jixiao(dir.path(), &["init", "项目"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for rel in [
        "data",
        "templates/taxonomies.yaml",
        "templates/import.yaml",
        "templates/xinjiang/style.yaml",
        "templates/lib/jixiao.typ",
        "schemas/jixiao.schema.json",
        "schemas/xinjiang.schema.json",
        "README.md",
        ".vscode/settings.json",
    ] {
        assert!(root.join(rel).exists(), "{rel}");
    }
    // The editor applies the department schema to data files, not to the region file (it
    // showed 4 false errors in 地区.yaml).
    let settings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join(".vscode/settings.json")).unwrap())
            .unwrap();
    let files = &settings["yaml.schemas"]["./schemas/jixiao.schema.json"];
    assert_eq!(files[0], "data/*.yaml");
    for name in jixiao::load::REGION_FILE_NAMES {
        assert!(
            files
                .as_array()
                .unwrap()
                .contains(&format!("!data/{name}").into()),
            "{settings}"
        );
    }
    // The region file has its own schema, written by init.
    let region = &settings["yaml.schemas"][format!("./{}", jixiao::schema::REGION_SCHEMA_FILE)];
    assert_eq!(
        region[0],
        format!("data/{}", jixiao::load::REGION_FILE_NAMES[0])
    );
    assert!(root.join(jixiao::schema::REGION_SCHEMA_FILE).is_file());
    std::fs::write(root.join("README.md"), "我的说明").unwrap();
    let o = jixiao(&root, &["init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("保持原样"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(root.join("README.md")).unwrap(),
        "我的说明"
    );
    // An empty project checks with the one complaint that there is no data yet.
    let o = jixiao(&root, &["check"]);
    assert!(stderr(&o).contains("JX002"), "{}", stderr(&o));
}

/// Fills the placeholders of a `jixiao new` file the way a clerk would.
fn fill(text: &str) -> String {
    let mut out = String::new();
    let mut k = 0;
    let mut j = 0;
    for line in text.lines() {
        let (body, comment) = match line.find("  # ") {
            Some(i) if !line.trim_start().starts_with('#') => (&line[..i], &line[i..]),
            _ => (line, ""),
        };
        let option = comment
            .split("可选：")
            .nth(1)
            .and_then(|s| s.split(['、', '（']).next())
            .map(|s| s.trim().to_string());
        let indent = &body[..body.len() - body.trim_start().len()];
        let t = body.trim_start();
        let filled = if t.starts_with("- {指标: \"\"") {
            j += 1;
            format!("{indent}- {{指标: 指标{j}, 实际完成值: 已完成, 等级: 达成}}")
        } else if t == "- \"\"" {
            format!("{indent}- 测试目标")
        } else if t.ends_with("{年初预算: 0, 全年预算: 0, 全年执行: 0}") {
            body.replace(
                "{年初预算: 0, 全年预算: 0, 全年执行: 0}",
                "{年初预算: 10, 全年预算: 10, 全年执行: 10}",
            )
        } else if t == "三级: \"\"" {
            k += 1;
            format!("{indent}三级: 指标{k}")
        } else if t == "指标值: \"\"" {
            format!("{indent}指标值: 有效提高")
        } else if t == "依据: \"\"" {
            format!("{indent}依据: 计划标准")
        } else if t == "佐证资料: []" {
            format!("{indent}佐证资料: [正式材料]")
        } else if t.ends_with(": \"\"") {
            let v = option.unwrap_or_else(|| "测试".to_string());
            body.replace("\"\"", &v)
        } else if t.ends_with(": 0") && !t.starts_with("权重") {
            body.replace(": 0", ": 10")
        } else {
            body.to_string()
        };
        out.push_str(&filled);
        out.push_str(comment);
        out.push('\n');
    }
    out
}

fn check_json(root: &Path) -> (Vec<Value>, Value) {
    let o = jixiao(root, &["check", "--format", "json"]);
    let lines: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = lines.last().unwrap()["summary"].clone();
    (lines[..lines.len() - 1].to_vec(), summary)
}

#[test]
fn new_files_fail_check_until_filled_and_pass_once_filled() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    assert!(jixiao(root, &["init"]).status.success());
    let styles = ["xinjiang", "ningxia", "zhejiang", "anhui", "national"];
    for style in styles {
        let o = jixiao(
            root,
            &[
                "new",
                &format!("测试{style}局"),
                "--style",
                style,
                "--year",
                "2025",
            ],
        );
        assert!(o.status.success(), "{style}: {}", stderr(&o));
    }
    // Refused: an existing file, an unknown style.
    let o = jixiao(
        root,
        &[
            "new",
            "测试xinjiang局",
            "--style",
            "xinjiang",
            "--year",
            "2025",
        ],
    );
    assert!(
        !o.status.success() && stderr(&o).contains("已存在"),
        "{}",
        stderr(&o)
    );
    let o = jixiao(
        root,
        &["new", "某局", "--style", "sichuan", "--year", "2025"],
    );
    assert!(
        !o.status.success() && stderr(&o).contains("可用的样式"),
        "{}",
        stderr(&o)
    );

    let (diags, summary) = check_json(root);
    assert_eq!(summary["departments"], 5, "{summary}");
    assert!(summary["errors"].as_u64().unwrap() >= 5 * 3, "{summary}");
    // Every error points into a department file, at a line with a placeholder on it (or at
    // the project whose placeholders are missing).
    for d in &diags {
        if d["severity"] != "error" {
            continue;
        }
        let file = d["file"].as_str().unwrap_or("");
        assert!(file.contains("data/2025-测试"), "{d}");
    }

    let mut loaded = jixiao::load::Loaded::default();
    let styles_loaded = jixiao::style::Styles::load(&root.join("templates"), &mut loaded);
    for style in styles {
        let path = root.join(format!("data/2025-测试{style}局.yaml"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(&format!(
                "# yaml-language-server: $schema=../schemas/{style}.schema.json\n"
            )),
            "{style}: modeline"
        );
        assert!(root.join(format!("schemas/{style}.schema.json")).is_file());
        let filled = fill(&text);
        std::fs::write(&path, &filled).unwrap();
        // The filled file is valid against its style's schema.
        let schema = jixiao::schema::style_schema(styles_loaded.get(style).unwrap());
        let v = jsonschema::draft7::new(&schema).unwrap();
        let data: Value = serde_saphyr::from_str(&filled).unwrap();
        let errs: Vec<String> = v
            .iter_errors(&data)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errs.is_empty(), "{style}: {errs:?}\n{filled}");
    }
    let (diags, summary) = check_json(root);
    let errors: Vec<&Value> = diags.iter().filter(|d| d["severity"] == "error").collect();
    assert_eq!(summary["errors"], 0, "{errors:#?}");
}

/// A folder holding only `data/` works with the styles embedded in the binary: check, build and
/// new, each saying once where the styles come from; the cache they are written to is reused.
#[test]
fn a_folder_with_only_data_uses_the_embedded_styles() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let root = dir.path().join("只有数据");
    common::copy_dir(&common::repo().join("data"), &root.join("data"));
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .current_dir(&root)
            .env("XDG_CACHE_HOME", &cache)
            .args(args)
            .output()
            .unwrap()
    };
    let note = "使用 jixiao 内置的官方样式";
    let o = run(&["check"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(err.matches(note).count(), 1, "{err}");
    let o = run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o).matches(note).count(), 1, "{}", stderr(&o));
    assert!(!common::outputs_below(&root.join("out")).is_empty());
    let o = run(&["new", "甲局", "--style", "ningxia", "--year", "2026"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The new file waits to be filled; the styles themselves are in order.
    let err = stderr(&run(&["check"]));
    assert!(
        err.contains("JX103") && !err.contains("JX101") && !err.contains("JX109"),
        "{err}"
    );
    // One cache directory, complete, not rewritten by the later runs.
    let dirs: Vec<_> = std::fs::read_dir(cache.join("jixiao"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    assert!(dirs[0].starts_with("templates-"), "{dirs:?}");
    assert!(!root.join("templates").exists());
}

/// A project's `templates/` may hold only the style it changed: that style is read from it,
/// every other entry (the other styles, `lib/`, `taxonomies.yaml`) from the embedded styles;
/// the run says once which ones are borrowed.
#[test]
fn a_local_style_overrides_the_embedded_one_of_its_name_only() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let root = dir.path().join("一个样式");
    common::copy_dir(&common::repo().join("data"), &root.join("data"));
    common::copy_dir(
        &common::repo().join("templates/ningxia"),
        &root.join("templates/ningxia"),
    );
    let style = root.join("templates/ningxia/style.yaml");
    let text = std::fs::read_to_string(&style).unwrap();
    assert!(text.contains("title: 部门项目支出预算绩效目标表"));
    std::fs::write(
        &style,
        text.replace(
            "title: 部门项目支出预算绩效目标表",
            "title: 本地改过的目标表",
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .current_dir(&root)
            .env("XDG_CACHE_HOME", &cache)
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&["build"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(err.matches("使用 jixiao 内置的版本").count(), 1, "{err}");
    assert!(
        err.contains("taxonomies.yaml") && err.contains("xinjiang"),
        "{err}"
    );
    assert!(
        !err.contains("ningxia、") && !err.contains("、ningxia"),
        "{err}"
    );
    // Every department built: the ningxia one with the local title, the others with the
    // embedded styles.
    let pdfs: Vec<PathBuf> = common::outputs_below(&root.join("out"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    let text_of = |needle: &str| {
        pdfs.iter()
            .filter(|p| p.to_string_lossy().contains(needle))
            .map(|p| common::pdf_text(p))
            .collect::<String>()
    };
    assert!(text_of("平罗").contains("本地改过的目标表"), "{pdfs:?}");
    assert!(!text_of("库尔勒").is_empty(), "{pdfs:?}");
    assert!(!text_of("相山").is_empty(), "{pdfs:?}");
    // A style the project does not have is still named among the available ones.
    let o = run(&["new", "乙局", "--style", "nosuch", "--year", "2026"]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(err.contains("anhui") && err.contains("ningxia"), "{err}");
}

/// `jixiao init` makes a git repository whose pre-commit hook checks the staged data and whose
/// diff driver shows `jixiao diff`'s report for a data file.
#[test]
fn init_makes_a_repository_that_checks_commits_and_reports_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("项目");
    let o = jixiao(dir.path(), &["init", "项目"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("已建立 git 仓库"), "{}", stderr(&o));
    let git = |args: &[&str]| {
        Command::new("git")
            .current_dir(&root)
            .args(["-c", "user.name=测试", "-c", "user.email=t@example.org"])
            .args(args)
            .env("PATH", path_with_jixiao())
            .output()
            .unwrap()
    };
    let file = root.join("data/2023-kuerle-xinfangju.yaml");
    std::fs::copy(
        common::repo().join("data/2023-kuerle-xinfangju.yaml"),
        &file,
    )
    .unwrap();
    assert!(git(&["add", "-A"]).status.success());
    let o = git(&["commit", "-m", "一"]);
    assert!(o.status.success(), "a clean file commits: {}", stderr(&o));

    // git diff on a data file: jixiao diff's report, named by the file, not git's temporary copy.
    let text = std::fs::read_to_string(&file).unwrap();
    let fixed = text
        .replacen("财政拨款: 15\n", "财政拨款: 16\n", 1)
        .replacen("合计: 15\n", "合计: 16\n", 1);
    std::fs::write(&file, &fixed).unwrap();
    let o = git(&["diff"]);
    let report = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(report.contains("财政拨款：15 → 16（+1）"), "{report}");
    assert!(
        report.contains("data/2023-kuerle-xinfangju.yaml（提交中的版本）"),
        "{report}"
    );
    assert!(!report.contains("git-blob"), "{report}");

    // A staged slip stops the commit, with the check's message at the staged file.
    std::fs::write(&file, text.replacen("财政拨款: 15\n", "财政拨款: 1万\n", 1)).unwrap();
    assert!(git(&["add", "-A"]).status.success());
    let o = git(&["commit", "-m", "二"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("JX011") && err.contains("data/2023-kuerle-xinfangju.yaml"),
        "{err}"
    );
    assert!(err.contains("没有提交"), "{err}");
    // Fixed in the working tree but not staged: the staged slip still stops it.
    std::fs::write(&file, &fixed).unwrap();
    assert!(!git(&["commit", "-m", "二"]).status.success());
    assert!(git(&["add", "-A"]).status.success());
    let o = git(&["commit", "-m", "二"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// PATH with the directory of the jixiao under test first (the hook runs `jixiao` from PATH).
fn path_with_jixiao() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_jixiao"))
        .parent()
        .unwrap()
        .to_path_buf();
    let mut dirs = vec![bin];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// A style that prints the department-wide table offers `部门整体` in a new file, commented
/// out; uncommented and filled it checks clean and builds the table.
#[test]
fn a_new_file_offers_the_department_wide_part_where_the_style_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    assert!(jixiao(root, &["init"]).status.success());
    let o = jixiao(
        root,
        &["new", "测试局", "--style", "national", "--year", "2025"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let path = root.join("data/2025-测试局.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let marker = "# 要印部门整体支出绩效表时填写";
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("no 部门整体 offered:\n{text}"));
    // The part is commented out: the file as written has none.
    assert!(jixiao::load::parse(&text).unwrap().wide.is_none());
    let uncommented: String = text[at..]
        .lines()
        .skip(1)
        .map(|l| format!("{}\n", l.strip_prefix("# ").unwrap_or(l)))
        .collect();
    let text = fill(&format!("{}{uncommented}", &text[..at]));
    std::fs::write(&path, &text).unwrap();
    let (diags, summary) = check_json(root);
    assert_eq!(summary["errors"], 0, "{diags:#?}\n{text}");
    let d = jixiao::load::parse(&text).unwrap();
    assert_eq!(d.wide.as_ref().unwrap().tasks.len(), 1);
    let o = jixiao(root, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        root.join("out/2025/测试局/部门（单位）整体支出绩效目标申报表.pdf")
            .is_file()
    );
}

/// `jixiao new` offers a project's 中期目标, 中期资金 and 中期指标 where the style prints them
/// (commented out: a project need not have them) and writes them out where it requires them.
#[test]
fn a_new_file_offers_the_medium_term_block_where_the_style_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let fixture = repo().join("tests/fixtures/vocabulary/templates");
    crate::common::copy_dir(&fixture, &root.join("templates"));
    let new = |root: &Path| {
        let o = jixiao(
            root,
            &["new", "测试局", "--style", "every", "--year", "2025"],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let path = root.join("data/2025-测试局.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        text
    };
    let text = new(root);
    for k in ["中期目标", "中期资金", "中期指标"] {
        assert!(
            text.contains(&format!("    # {k}:")),
            "{k} not offered:\n{text}"
        );
    }
    let d = jixiao::load::parse(&text).unwrap();
    assert!(d.projects[0].mid_indicators.is_empty() && d.projects[0].mid_funds.is_none());
    // Required by the style: written out.
    let style = root.join("templates/every/style.yaml");
    let yaml = std::fs::read_to_string(&style).unwrap();
    let required = "required_fields: [实施单位, 总体目标, 权重, 依据]";
    assert!(yaml.contains(required));
    std::fs::write(
        &style,
        yaml.replace(
            required,
            "required_fields: [实施单位, 总体目标, 权重, 依据, 中期资金, 中期指标]",
        ),
    )
    .unwrap();
    let text = new(root);
    assert!(text.contains("    # 中期目标:"), "{text}");
    let d = jixiao::load::parse(&text).unwrap();
    assert_eq!(d.projects[0].mid_indicators.len(), 1, "{text}");
    assert!(d.projects[0].mid_funds.is_some(), "{text}");
}
