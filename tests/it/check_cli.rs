//! `jixiao check` as a user runs it: exit codes, the JSON lines, the human report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const XIANGSHAN: &str = "data/2023-xiangshan-rendaban.yaml";
const FIXTURE: &str = "tests/fixtures/seed000-empty-level3.yaml";

/// Runs `jixiao <args>` in the project root.
fn jixiao(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("run jixiao")
}

fn templates() -> String {
    Path::new(ROOT).join("templates").display().to_string()
}

/// The JSON lines of stdout: the diagnostics and the final summary.
fn json_lines(out: &Output) -> (Vec<Value>, Value) {
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let mut lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let summary = lines.pop().expect("a summary line");
    (lines, summary["summary"].clone())
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// 1-based number of the only line of `file` (relative to the root) containing `needle`.
fn line_in(file: &str, needle: &str) -> u64 {
    let text = std::fs::read_to_string(Path::new(ROOT).join(file)).unwrap();
    let found: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(found.len(), 1, "“{needle}” in {file}");
    found[0] as u64
}

/// A temporary data directory holding a copy of the seed-000 fixture.
fn fixture_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seed000-empty-level3.yaml");
    std::fs::copy(Path::new(ROOT).join(FIXTURE), &file).unwrap();
    (dir, file)
}

// ---------------------------------------------------------------------------------------------
// The corpus

#[test]
fn corpus_checks_clean_with_warnings() {
    let out = jixiao(&["check", "data", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (diags, summary) = json_lines(&out);
    assert_eq!(summary["departments"], 5);
    assert_eq!(summary["projects"], 29);
    assert_eq!(summary["errors"], 0);
    let warnings = diags.iter().filter(|d| d["severity"] == "warning").count();
    assert!(warnings > 0);
    assert_eq!(summary["warnings"], warnings as u64);
    assert_eq!(warnings, diags.len(), "only warnings on the corpus");
}

#[test]
fn every_json_line_has_the_documented_keys() {
    let out = jixiao(&["check", "data", "--format", "json"]);
    let (diags, summary) = json_lines(&out);
    for d in &diags {
        for key in ["severity", "code", "file", "line", "column", "message"] {
            assert!(d.get(key).is_some(), "no {key} in {d}");
        }
        assert!(
            ["warning", "error"].contains(&d["severity"].as_str().unwrap()),
            "{d}"
        );
        let code = d["code"].as_str().unwrap();
        assert!(jixiao::rules::ALL.iter().any(|r| r.code == code), "{d}");
        // Everything on the corpus is located in a data file, as typed (relative).
        assert!(d["file"].as_str().unwrap().starts_with("data/"), "{d}");
        assert!(d["line"].as_u64().unwrap() >= 1, "{d}");
        assert!(d["column"].as_u64().unwrap() >= 1, "{d}");
        assert!(!d["message"].as_str().unwrap().is_empty(), "{d}");
    }
    for key in ["departments", "projects", "errors", "warnings"] {
        assert!(summary[key].is_u64(), "summary.{key}");
    }
}

/// Finds the diagnostic `code` at `file:line`.
fn find<'a>(diags: &'a [Value], code: &str, file: &str, line: u64) -> &'a Value {
    diags
        .iter()
        .find(|d| d["code"] == code && d["file"] == file && d["line"] == line)
        .unwrap_or_else(|| panic!("no {code} at {file}:{line}"))
}

#[test]
fn corpus_execution_scores_given_as_full_marks_are_flagged() {
    let (diags, _) = json_lines(&jixiao(&["check", "data", "--format", "json"]));
    // Seed 004 gives a full 10 for 62.75 % (附件1-2) and 74.3 % (附件1-6).
    for (rate, computed) in [("62.75%", "6.28"), ("74.3%", "7.43")] {
        let line = line_in(XIANGSHAN, &format!("执行率: \"{rate}\"")) + 1;
        let d = find(&diags, "JX411", XIANGSHAN, line);
        let msg = d["message"].as_str().unwrap();
        let shown = if rate == "74.3%" { "74.30%" } else { rate };
        assert!(msg.contains(shown) && msg.contains(computed), "{msg}");
        assert_eq!(d["severity"], "warning");
    }
    // 附件1-5 prints 100 % where 52.48 / 55.92 = 93.85 %.
    let line = line_in(XIANGSHAN, "# 原表执行率写 100%") + 1;
    let d = find(&diags, "JX410", XIANGSHAN, line);
    let msg = d["message"].as_str().unwrap();
    assert!(msg.contains("93.85%") && msg.contains("100%"), "{msg}");
}

#[test]
fn corpus_percent_target_with_phrase_actual() {
    let (diags, _) = json_lines(&jixiao(&["check", "data", "--format", "json"]));
    let line = line_in(XIANGSHAN, "实际完成值: 严格执行相关法规、制度");
    let d = find(&diags, "JX414", XIANGSHAN, line);
    let msg = d["message"].as_str().unwrap();
    assert!(
        msg.contains("经费使用合规率") && msg.contains("100%"),
        "{msg}"
    );
    // The column is that of the actual value.
    let text = std::fs::read_to_string(Path::new(ROOT).join(XIANGSHAN)).unwrap();
    let l = text.lines().nth(line as usize - 1).unwrap();
    let col = l[..l.find("严格执行").unwrap()].chars().count() + 1;
    assert_eq!(d["column"], col as u64);
}

#[test]
fn deny_warnings_fails_on_the_corpus() {
    let out = jixiao(&["check", "data", "--deny-warnings", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let (_, summary) = json_lines(&out);
    assert_eq!(summary["errors"], 0);
    // Without the flag and by default (data/ in the working directory) it passes.
    assert_eq!(jixiao(&["check"]).status.code(), Some(0));
}

#[test]
fn human_output_names_file_line_column_and_code() {
    let out = jixiao(&["check", "data"]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    let line = line_in(XIANGSHAN, "执行率: \"62.75%\"") + 1;
    assert!(err.contains(&format!("{XIANGSHAN}:{line}:13")), "{err}");
    assert!(err.contains("warning[JX411]"), "{err}");
    assert!(err.contains("处理："), "help is printed");
    assert!(err.contains("5 个部门，29 个项目：0 个错误"), "{err}");
    assert!(out.stdout.is_empty(), "human output goes to stderr");
}

// ---------------------------------------------------------------------------------------------
// The seed-000 fixture: an empty 三级指标

/// Line and column of the empty `三级: ""` in the fixture.
fn empty_level3_position() -> (u64, u64) {
    let line = line_in(FIXTURE, "三级: \"\"");
    let text = std::fs::read_to_string(Path::new(ROOT).join(FIXTURE)).unwrap();
    let l = text.lines().nth(line as usize - 1).unwrap();
    let col = l[..l.find("三级: \"\"").unwrap()].chars().count() + "三级: ".chars().count() + 1;
    (line, col as u64)
}

#[test]
fn fixture_with_empty_level3_fails_json() {
    let (dir, file) = fixture_dir();
    let dir_arg = dir.path().display().to_string();
    let out = jixiao(&[
        "check",
        &dir_arg,
        "--templates",
        &templates(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let (diags, summary) = json_lines(&out);
    assert_eq!(summary["errors"], 1);
    let (line, column) = empty_level3_position();
    assert_eq!((line, column), (23, 34));
    let d = diags.iter().find(|d| d["code"] == "JX103").expect("JX103");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(line), Some(column))
    );
    assert_eq!(d["file"], file.display().to_string());
    assert!(d["message"].as_str().unwrap().contains("三级指标"));
}

#[test]
fn fixture_with_empty_level3_fails_human() {
    let (dir, _file) = fixture_dir();
    let dir_arg = dir.path().display().to_string();
    // Relative --templates, resolved against the working directory.
    let out = jixiao(&["check", &dir_arg, "--templates", "templates"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let (line, column) = empty_level3_position();
    assert!(
        err.contains(&format!("seed000-empty-level3.yaml:{line}:{column}")),
        "{err}"
    );
    assert!(err.contains("error[JX103]"), "{err}");
    assert!(err.contains("1 个错误"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Directories

#[test]
fn missing_data_dir_is_jx001() {
    let out = jixiao(&["check", "no-such-dir", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let (diags, summary) = json_lines(&out);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0]["code"], "JX001");
    assert_eq!(diags[0]["file"], "no-such-dir");
    assert_eq!(summary["errors"], 1);
    // Human output too.
    let out = jixiao(&["check", "no-such-dir"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error[JX001]"));
}

#[test]
fn empty_data_dir_is_jx002() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("说明.txt"), "不是数据").unwrap();
    let dir_arg = dir.path().display().to_string();
    let out = jixiao(&[
        "check",
        &dir_arg,
        "--templates",
        &templates(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let (diags, summary) = json_lines(&out);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0]["code"], "JX002");
    assert_eq!(summary["departments"], 0);
}

/// Without --templates, the styles are looked up beside the data directory (`<data>/../templates`).
#[test]
fn templates_are_found_beside_the_data_directory() {
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir(project.path().join("data")).unwrap();
    std::fs::copy(
        Path::new(ROOT).join(FIXTURE),
        project.path().join("data/seed000-empty-level3.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        Path::new(ROOT).join("templates"),
        project.path().join("templates"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["check", "data", "--format", "json"])
        .current_dir(project.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (diags, _) = json_lines(&out);
    let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"JX103"), "{codes:?}");
    assert!(!codes.contains(&"JX101"), "{codes:?}");
    // The file is shown relative to the working directory.
    let d = diags.iter().find(|d| d["code"] == "JX103").unwrap();
    assert_eq!(d["file"], "data/seed000-empty-level3.yaml");
}

#[test]
fn rules_command_lists_every_code() {
    let out = jixiao(&["rules"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for r in jixiao::rules::ALL {
        assert!(text.contains(r.code), "{} missing", r.code);
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile input through the binary (issue 8)

/// The bad-input catalogue in one data directory, with a link to `/etc/passwd`: `check` fails
/// with located errors, the human report shows neither the link's target content nor a
/// character that would disguise or drive the terminal, and the JSON lines stay one per line.
#[cfg(unix)]
#[test]
fn the_bad_input_catalogue_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let bad = Path::new(ROOT).join("tests/fixtures/bad");
    for e in std::fs::read_dir(&bad).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    for f in ["a.yaml", "b.yaml"] {
        std::fs::copy(
            bad.join("collision").join(f),
            dir.path().join(format!("collision-{f}")),
        )
        .unwrap();
    }
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("passwd.yaml")).unwrap();
    let dir_arg = dir.path().display().to_string();
    let args = ["check", &dir_arg, "--templates", &templates()];
    let human = jixiao(&args);
    assert_eq!(human.status.code(), Some(1));
    let err = stderr(&human);
    assert!(!err.contains("root:"), "{err}");
    for c in err.chars() {
        assert!(
            c == '\n' || !jixiao::rules::is_refused(c),
            "U+{:04X} in the report",
            c as u32
        );
    }
    assert!(
        err.contains("error[JX016]") && err.contains("passwd.yaml"),
        "{err}"
    );
    let json = jixiao(&[&args[..], &["--format", "json"]].concat());
    let (diags, summary) = json_lines(&json);
    let codes: std::collections::BTreeSet<&str> =
        diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    for code in [
        "JX005", "JX006", "JX007", "JX011", "JX012", "JX013", "JX014", "JX015", "JX016", "JX111",
        "JX112",
    ] {
        assert!(codes.contains(code), "{code} missing: {codes:?}");
    }
    assert_eq!(summary["errors"], diags.len() as u64);
    assert!(!String::from_utf8_lossy(&json.stdout).contains("root:"));
}

/// When no department loads (no data files, a style that does not exist), building does not
/// also claim that the fonts are missing: that is not the cause.
#[test]
fn no_department_loaded_is_not_blamed_on_fonts() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let styled = dir.path().join("styled");
    std::fs::create_dir(&styled).unwrap();
    let text = std::fs::read_to_string(Path::new(ROOT).join("data/2025-pingluo-rendaban.yaml"))
        .unwrap()
        .replace("样式: ningxia", "样式: nosuch");
    std::fs::write(styled.join("2025-pingluo-rendaban.yaml"), text).unwrap();
    // A typo in the only style the data uses (issue 25: `titel:` was followed by a fatal
    // "no Chinese font installed").
    let typo = dir.path().join("typo");
    std::fs::create_dir(&typo).unwrap();
    std::fs::copy(
        Path::new(ROOT).join("data/2025-pingluo-rendaban.yaml"),
        typo.join("2025-pingluo-rendaban.yaml"),
    )
    .unwrap();
    let typo_templates = dir.path().join("typo-templates");
    crate::common::copy_dir(Path::new(&templates()), &typo_templates);
    let style = typo_templates.join("ningxia/style.yaml");
    let yaml = std::fs::read_to_string(&style).unwrap();
    assert!(yaml.contains("    title: "));
    std::fs::write(&style, yaml.replacen("    title: ", "    titel: ", 1)).unwrap();
    for (data, code, tpl) in [
        (&empty, "JX002", templates()),
        (&styled, "JX101", templates()),
        (
            &typo,
            "JX501",
            typo_templates.to_string_lossy().into_owned(),
        ),
    ] {
        let out = dir.path().join("out");
        let o = jixiao(&[
            "build",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--templates",
            &tpl,
        ]);
        let err = stderr(&o);
        assert!(!o.status.success(), "{err}");
        assert!(err.contains(code), "{err}");
        assert!(!err.contains("一个也没有安装"), "{err}");
        assert!(!err.contains("（）"), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// The command line speaks Chinese (issue 25, item 3)

/// What clap would have printed in English, none of which may reach a user.
const CLAP_ENGLISH: &[&str] = &[
    "error:",
    "Usage",
    "Options",
    "Arguments",
    "Commands",
    "Print help",
    "Print version",
    "possible values",
    "[default:",
    "tip:",
    "For more information",
    "[OPTIONS]",
    "<COMMAND>",
];

fn no_clap_english(text: &str) {
    for e in CLAP_ENGLISH {
        assert!(!text.contains(e), "“{e}” in:\n{text}");
    }
}

#[test]
fn parse_errors_are_chinese_with_a_suggestion() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["biuld"], &["没有“biuld”这个命令", "是不是想输入 `build`"]),
        (
            &["build", "--forse"],
            &["“--forse”", "是不是想输入 `--force`"],
        ),
        (
            &["check", "--format", "x"],
            &["“x”无效", "可选：human、json"],
        ),
        (&["check", "--format"], &["缺少值"]),
        (&["schema", "--style", "x", "--region"], &["不能与"]),
    ];
    for (args, words) in cases {
        let out = jixiao(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        no_clap_english(&err);
        for w in *words {
            assert!(err.contains(w), "{args:?}: “{w}” not in\n{err}");
        }
        assert!(err.starts_with("错误："), "{err}");
    }
}

#[test]
fn help_of_every_command_is_chinese() {
    let top = jixiao(&["--help"]);
    assert!(top.status.success());
    let text = String::from_utf8(top.stdout).unwrap();
    no_clap_english(&text);
    assert!(
        text.contains("用法：jixiao <命令>") && text.contains("命令："),
        "{text}"
    );
    for name in [
        "check", "build", "diff", "watch", "serve", "fonts", "rules", "init", "new", "import",
        "schema",
    ] {
        for args in [vec![name, "--help"], vec!["help", name]] {
            let out = jixiao(&args);
            assert!(out.status.success(), "{args:?}");
            let text = String::from_utf8(out.stdout).unwrap();
            no_clap_english(&text);
            assert!(text.contains(&format!("用法：jixiao {name}")), "{text}");
        }
    }
    let out = jixiao(&[]);
    assert_eq!(out.status.code(), Some(2));
    no_clap_english(&String::from_utf8(out.stdout).unwrap());
}

/// `jixiao schema | head -1`: the reader stops long before the 120 KB are written (more than a
/// pipe holds), the command ends quietly.
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["schema", "--templates", &templates()])
        .current_dir(ROOT)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with('{'), "{first}");
    // The reader is dropped: the rest of the output meets a closed pipe.
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?} {err}", out.status);
    assert!(err.is_empty(), "{err}");
}

/// `jixiao fonts` lists the fonts found once, then each style's roles.
#[test]
fn fonts_lists_the_fonts_once_and_every_style() {
    let out = jixiao(&["fonts", "--templates", &templates()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("找到的中文字体").count(), 1, "{text}");
    for style in ["anhui", "national", "ningxia", "xinjiang", "zhejiang"] {
        assert!(text.contains(&format!("== 样式 {style}")), "{text}");
    }
}
