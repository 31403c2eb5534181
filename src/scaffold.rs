//! Starting out: `jixiao init` makes a project directory (data/, the official styles in
//! templates/, the editor schemas, a README), `jixiao new` writes a department's file with every
//! field its style needs, commented in Chinese, and placeholders (`""`) that `jixiao check`
//! reports until they are filled.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::fields::{self, Level, describe};
use crate::style::{IndicatorSource, LoadedStyle, Only, Styles};
use crate::write::{Dir, FsError};
use crate::yaml_out::scalar;

/// The official styles shipped with jixiao, as `jixiao init` writes them (`templates/…`).
/// `tests/it/scaffold.rs` checks that this list is exactly the repository's `templates/`.
pub const TEMPLATES: &[(&str, &[u8])] = &[
    (
        "anhui/list.typ.j2",
        include_bytes!("../templates/anhui/list.typ.j2"),
    ),
    (
        "anhui/self_eval.typ.j2",
        include_bytes!("../templates/anhui/self_eval.typ.j2"),
    ),
    (
        "anhui/style.yaml",
        include_bytes!("../templates/anhui/style.yaml"),
    ),
    (
        "changes/table.typ.j2",
        include_bytes!("../templates/changes/table.typ.j2"),
    ),
    (
        "changes/table.yaml",
        include_bytes!("../templates/changes/table.yaml"),
    ),
    ("import.yaml", include_bytes!("../templates/import.yaml")),
    (
        "lib/jixiao.typ",
        include_bytes!("../templates/lib/jixiao.typ"),
    ),
    (
        "national/department.typ.j2",
        include_bytes!("../templates/national/department.typ.j2"),
    ),
    (
        "national/self_eval.typ.j2",
        include_bytes!("../templates/national/self_eval.typ.j2"),
    ),
    (
        "national/style.yaml",
        include_bytes!("../templates/national/style.yaml"),
    ),
    (
        "national/target.typ.j2",
        include_bytes!("../templates/national/target.typ.j2"),
    ),
    (
        "ningxia/style.yaml",
        include_bytes!("../templates/ningxia/style.yaml"),
    ),
    (
        "ningxia/target.typ.j2",
        include_bytes!("../templates/ningxia/target.typ.j2"),
    ),
    (
        "region/region.yaml",
        include_bytes!("../templates/region/region.yaml"),
    ),
    (
        "region/summary.typ.j2",
        include_bytes!("../templates/region/summary.typ.j2"),
    ),
    (
        "taxonomies.yaml",
        include_bytes!("../templates/taxonomies.yaml"),
    ),
    (
        "xinjiang/style.yaml",
        include_bytes!("../templates/xinjiang/style.yaml"),
    ),
    (
        "xinjiang/target.typ.j2",
        include_bytes!("../templates/xinjiang/target.typ.j2"),
    ),
    (
        "zhejiang/style.yaml",
        include_bytes!("../templates/zhejiang/style.yaml"),
    ),
    (
        "zhejiang/summary.typ.j2",
        include_bytes!("../templates/zhejiang/summary.typ.j2"),
    ),
];

/// The README of a new project.
const README: &str = include_str!("scaffold_readme.md");

/// Editor settings of a new project: every data file checked against the schema of all styles
/// (a file's own first line names its style's schema, which wins where both apply), except the
/// region file, which is no department's data (a leading `!` excludes a file in the YAML
/// language server; older versions ignore the pattern) and has its own schema.
fn vscode_settings() -> String {
    let mut files = vec!["data/*.yaml".to_string()];
    files.extend(
        crate::region::FILE_NAMES
            .iter()
            .map(|n| format!("!data/{n}")),
    );
    let region: Vec<String> = crate::region::FILE_NAMES
        .iter()
        .map(|n| format!("data/{n}"))
        .collect();
    let settings = serde_json::json!({
        "yaml.schemas": {
            "./schemas/jixiao.schema.json": files,
            format!("./{}", crate::schema::REGION_SCHEMA_FILE): region,
        },
        "files.encoding": "utf8",
    });
    let mut text = serde_json::to_string_pretty(&settings).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes `bytes` to `rel` below the project `root` unless a file is there; returns whether it
/// wrote. Through the path policy: a symbolic link (even a dangling one) at `rel` or on the way
/// is refused, never written through.
fn create(root: &Dir, rel: &str, bytes: &[u8]) -> Result<bool, FsError> {
    let rel = Path::new(rel);
    let name = rel.file_name().unwrap_or_default();
    root.open_dir(rel.parent().unwrap_or(Path::new("")), true)?
        .create_new(name, bytes)
}

/// The shipped styles as a directory, for a project without its own `templates/`: the files
/// embedded in the binary, written once into the user's cache
/// (`$XDG_CACHE_HOME/jixiao/templates-<hash>`, else `~/.cache/…`, else the temporary
/// directory), under a name that changes with their content, and never changed there
/// afterwards (written beside it, then renamed into place).
pub fn embedded_templates() -> Result<PathBuf, String> {
    let mut h = blake3::Hasher::new();
    for (rel, bytes) in TEMPLATES {
        h.update(rel.as_bytes());
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    let name = format!("templates-{}", &h.finalize().to_hex()[..16]);
    let base = cache_base();
    let dir = base.join(&name);
    let done = ".complete";
    if dir.join(done).is_file() {
        return Ok(dir);
    }
    let io = |e: FsError| format!("无法写入内置样式的缓存目录：{e}");
    let cache = Dir::root(&base, true).map_err(io)?;
    let staging = format!(".{name}.{}", std::process::id());
    let into = cache.open_dir(Path::new(&staging), true).map_err(io)?;
    for (rel, bytes) in TEMPLATES {
        create(&into, rel, bytes).map_err(io)?;
    }
    create(&into, done, b"").map_err(io)?;
    if cache.rename(&staging, &name).is_err() && !dir.join(done).is_file() {
        return Err(format!(
            "无法在 {} 中放置内置样式",
            crate::diag::display_path(&base)
        ));
    }
    Ok(dir)
}

/// Whether `templates` is the embedded styles' directory ([`embedded_templates`]).
pub fn is_embedded(templates: &Path) -> bool {
    templates.starts_with(cache_base())
        && templates
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("templates-"))
}

/// The user's cache directory for jixiao.
fn cache_base() -> PathBuf {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|p| Path::new(p).is_absolute())
        .map(PathBuf::from)
        .or_else(|| home.map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("jixiao")
}

/// The pre-commit hook `init` writes: `jixiao check` on the data as staged (the index's files
/// written to a temporary directory), so a commit never records data that fails the check.
fn pre_commit_hook(jixiao: &str) -> String {
    format!(
        r#"#!/bin/sh
# 由 jixiao init 写入：提交前校验暂存的数据文件（jixiao check）。
# 要临时跳过：git commit --no-verify
J=$(command -v jixiao || echo {jixiao})
staged=$(git diff --cached --name-only --diff-filter=ACMR -- 'data/*.yaml' 'data/*.yml')
[ -z "$staged" ] && exit 0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
git checkout-index --all --prefix="$tmp/" || exit 1
root=$PWD
cd "$tmp" || exit 1
if [ ! -d templates ] && [ -d "$root/templates" ]; then
  set -- --templates "$root/templates"
fi
echo "jixiao：提交前校验暂存的数据……" >&2
"$J" check data "$@" || {{
  echo "jixiao：数据有错误，没有提交。改正后再提交（或 git commit --no-verify 跳过校验）。" >&2
  exit 1
}}
"#
    )
}

/// A word for the shell, quoted.
fn shell_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// What `init_git` did.
pub enum GitSetup {
    /// A repository was made with the hook and the diff driver.
    Made,
    /// The project is inside an existing repository: left alone.
    Inside(PathBuf),
}

/// A git repository for a new project at `root`: the pre-commit hook that checks the staged
/// data, and a diff driver so that `git diff` and `git log -p --ext-diff` on a data file show
/// `jixiao diff`'s report (`.gitattributes` and the repository's config). A project already
/// inside a repository is left alone (its hooks are someone else's).
pub fn init_git(root: &Path) -> Result<GitSetup, String> {
    if let Ok(repo) = git2::Repository::discover(root) {
        let top = repo.workdir().unwrap_or(repo.path()).to_path_buf();
        return Ok(GitSetup::Inside(top));
    }
    let fail = |e: git2::Error| format!("无法建立 git 仓库：{}", e.message());
    let repo = git2::Repository::init(root).map_err(fail)?;
    let exe = std::env::current_exe()
        .ok()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "jixiao".to_string());
    let mut config = repo.config().map_err(fail)?;
    config
        .set_str(
            "diff.jixiao.command",
            &format!("{} diff --git-external", shell_word(&exe)),
        )
        .map_err(fail)?;
    let io = |e: FsError| format!("无法写入：{e}");
    let project = Dir::root(root, false).map_err(io)?;
    create(
        &project,
        ".gitattributes",
        b"# jixiao: git diff shows the data's changes as jixiao diff reports them\ndata/*.yaml diff=jixiao\ndata/*.yml diff=jixiao\n",
    )
    .map_err(io)?;
    let hook = Path::new(".git/hooks/pre-commit");
    create(
        &project,
        ".git/hooks/pre-commit",
        pre_commit_hook(&shell_word(&exe)).as_bytes(),
    )
    .map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.join(hook), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("无法设置 {} 为可执行：{e}", hook.display()))?;
    }
    Ok(GitSetup::Made)
}

/// What `init` did.
pub struct Init {
    pub written: Vec<PathBuf>,
    /// Files that were already there and were left alone.
    pub kept: Vec<PathBuf>,
}

/// Makes a project directory at `root`: `data/`, `templates/` (the shipped styles),
/// `schemas/` (one per style and one for all), `README.md`, `.vscode/settings.json` and a
/// `.gitignore`. Existing files are never overwritten.
pub fn init(root: &Path) -> Result<Init, String> {
    let io = |e: FsError| format!("无法写入：{e}");
    let project = Dir::root(root, true).map_err(io)?;
    project.open_dir(Path::new("data"), true).map_err(io)?;
    let mut out = Init {
        written: Vec::new(),
        kept: Vec::new(),
    };
    let mut put = |rel: &str, bytes: &[u8]| -> Result<(), String> {
        let path = root.join(rel);
        match create(&project, rel, bytes) {
            Ok(true) => out.written.push(path),
            Ok(false) => out.kept.push(path),
            Err(e) => return Err(io(e)),
        }
        Ok(())
    };
    for (rel, bytes) in TEMPLATES {
        put(&format!("templates/{rel}"), bytes)?;
    }
    put("README.md", README.as_bytes())?;
    put(".vscode/settings.json", vscode_settings().as_bytes())?;
    put(".gitignore", b"/out\n")?;
    // The schemas follow the styles actually in templates/ (a kept, edited style included).
    let templates = root.join("templates");
    let mut loaded = crate::load::Loaded::default();
    let styles = Styles::load(&templates, &mut loaded);
    for (rel, text) in schemas(&styles, &templates) {
        crate::write::write_atomic(root, Path::new(&rel), text.as_bytes()).map_err(io)?;
        out.written.push(root.join(&rel));
    }
    Ok(out)
}

/// The schema files of a project: `schemas/<style>.schema.json` for each style without errors,
/// `schemas/jixiao.schema.json` for all, and the region file's.
pub fn schemas(styles: &Styles, templates: &Path) -> Vec<(String, String)> {
    let pretty = |v: &serde_json::Value| {
        let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
        s.push('\n');
        s
    };
    let mut out = vec![(
        "schemas/jixiao.schema.json".to_string(),
        pretty(&crate::schema::generic_schema(styles)),
    )];
    for style in styles.loaded() {
        out.push((
            crate::schema::schema_file(&style.key),
            pretty(&crate::schema::style_schema(style)),
        ));
    }
    out.push((
        crate::schema::REGION_SCHEMA_FILE.to_string(),
        crate::schema::region_schema_text(templates),
    ));
    out
}

/// Writes (or refreshes) the schema of `style` under `root/schemas/`, when `root` (the parent of
/// the data directory) is the directory the user works in or a jixiao project (it has
/// `schemas/` or `templates/`). Elsewhere (`new --data .`, `import --out 别处/data`) the parent
/// is no directory the user named, and nothing is written there (`Ok(None)`).
pub fn write_schema(root: &Path, style: &LoadedStyle) -> Result<Option<PathBuf>, String> {
    let is_project = ["schemas", "templates"]
        .iter()
        .any(|d| std::fs::symlink_metadata(root.join(d)).is_ok_and(|m| m.is_dir()));
    let is_cwd = std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .is_ok_and(|d| root.canonicalize().is_ok_and(|r| r == d));
    if !is_project && !is_cwd {
        return Ok(None);
    }
    let path = root.join(crate::schema::schema_file(&style.key));
    let mut text =
        serde_json::to_string_pretty(&crate::schema::style_schema(style)).unwrap_or_default();
    text.push('\n');
    crate::write::write_atomic(
        root,
        Path::new(&crate::schema::schema_file(&style.key)),
        text.as_bytes(),
    )
    .map_err(|e| format!("无法写入：{e}"))?;
    Ok(Some(path))
}

/// The data file name of a department: `<年度>-<部门>.yaml`.
pub fn file_name(name: &str, year: u32) -> String {
    format!("{year}-{}.yaml", crate::write::safe_component(name))
}

/// The variable paths a style's documents read (`项目.负责人`, `指标.依据`, `自评.资金`, …).
pub fn used_paths(style: &LoadedStyle) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let pats = &style.patterns;
    let pattern = |p: &str, out: &mut BTreeSet<String>| {
        out.extend(pats.variables(p).iter().map(|v| v.as_str().to_string()));
    };
    for doc in &style.style.documents {
        let page = [
            Some(&doc.title),
            doc.heading.as_ref(),
            doc.subtitle.as_ref(),
            doc.unit_line.as_ref(),
            doc.unit_note.as_ref(),
            doc.preamble.as_ref(),
        ];
        for p in page.into_iter().flatten().chain(&doc.notes) {
            pattern(&p.value, &mut out);
        }
        for s in &doc.signature {
            pattern(&s.label.value, &mut out);
            if let Some(t) = &s.text {
                pattern(&t.value, &mut out);
            }
        }
        for block in &doc.blocks {
            if let Some(rows) = &block.rows {
                for row in &rows.value {
                    for c in &row.value {
                        if let Some(f) = &c.field {
                            out.insert(f.value.clone());
                        }
                        for p in [&c.label, &c.text].into_iter().flatten() {
                            pattern(&p.value, &mut out);
                        }
                    }
                }
            }
            if let Some(m) = &block.money {
                // Whose money the block prints: the project's, its 中期资金, or 部门整体's.
                let (budget, eval) = match m.value.source {
                    IndicatorSource::Project => ("项目.资金", Some("自评.资金")),
                    IndicatorSource::MidTerm => ("项目.中期资金", None),
                    IndicatorSource::DepartmentWide => {
                        ("部门整体.资金", Some("部门整体.自评.资金"))
                    }
                };
                for measure in &m.value.measures {
                    match measure.field.as_ref().map(|f| f.value.as_str()) {
                        Some("预算") => {
                            out.insert(budget.into());
                        }
                        Some("年初预算" | "全年预算" | "全年执行" | "执行率" | "执行得分") =>
                        {
                            out.extend(eval.map(String::from));
                        }
                        _ => {}
                    }
                    if let Some(t) = &measure.text {
                        pattern(&t.value, &mut out);
                    }
                }
            }
            if let Some(g) = &block.grid {
                if g.value.source == IndicatorSource::MidTerm {
                    out.insert("项目.中期指标".into());
                }
                for c in &g.value.columns {
                    if let Some(f) = &c.field {
                        out.insert(f.value.clone());
                    }
                    if let Some(t) = &c.text {
                        pattern(&t.value, &mut out);
                    }
                }
                if let Some(gr) = &g.value.group {
                    out.insert(gr.by.value.clone());
                }
            }
        }
    }
    out
}

/// Whether `used` reads `prefix` or something below it.
fn reads(used: &BTreeSet<String>, prefix: &str) -> bool {
    used.iter()
        .any(|p| p == prefix || p.starts_with(&format!("{prefix}.")))
}

/// A line `key: value  # comment` at `indent`.
fn line(out: &mut String, indent: usize, key: &str, value: &str, comment: &str) {
    let pad = " ".repeat(indent);
    let sep = if value.is_empty() { "" } else { " " };
    if comment.is_empty() {
        let _ = writeln!(out, "{pad}{key}:{sep}{value}");
    } else {
        let _ = writeln!(out, "{pad}{key}:{sep}{value}  # {comment}");
    }
}

/// One placeholder indicator per 一级 the style requires (or every 一级 of its taxonomy),
/// repeated until the style's minimum count: `(一级, 二级, 权重)`.
fn placeholder_indicators(style: &LoadedStyle) -> Vec<(String, Option<String>, Option<Decimal>)> {
    let s = &style.style;
    let mut levels: Vec<String> = s.required_level1.iter().map(|l| l.value.clone()).collect();
    if levels.is_empty() {
        levels = style
            .taxonomy
            .levels
            .iter()
            .map(|l| l.name.clone())
            .collect();
    }
    if levels.is_empty() {
        return Vec::new();
    }
    let n = levels.len().max(s.min_indicators).max(1);
    let picked: Vec<String> = (0..n).map(|i| levels[i % levels.len()].clone()).collect();
    // Weights that satisfy the style's rules: each 一级's points (fixed, or an equal share of
    // the total), split over its placeholders, the remainder on the last.
    let weights: Vec<Option<Decimal>> = match &s.weights {
        Some(w) => {
            let mut out = vec![None; n];
            let distinct: Vec<&String> = {
                let mut v: Vec<&String> = Vec::new();
                for l in &picked {
                    if !v.contains(&l) {
                        v.push(l);
                    }
                }
                v
            };
            let total = w.total.map(|t| t.0);
            let fixed: Decimal = distinct
                .iter()
                .filter_map(|l| w.per_level1.get(*l).map(|d| d.0))
                .sum();
            let open: Vec<&&String> = distinct
                .iter()
                .filter(|l| !w.per_level1.contains_key(**l))
                .collect();
            for l in &distinct {
                let points = match w.per_level1.get(*l) {
                    Some(p) => Some(p.0),
                    None => total.map(|t| {
                        let rest = t - fixed;
                        let share = (rest / Decimal::from(open.len().max(1))).floor();
                        if open.last().is_some_and(|x| **x == *l) {
                            rest - share * Decimal::from(open.len().max(1) - 1)
                        } else {
                            share
                        }
                    }),
                };
                let Some(points) = points else { continue };
                let at: Vec<usize> = (0..n).filter(|&i| picked[i] == **l).collect();
                let share = (points / Decimal::from(at.len())).floor();
                for (j, &i) in at.iter().enumerate() {
                    out[i] = Some(if j + 1 == at.len() {
                        points - share * Decimal::from(at.len() - 1)
                    } else {
                        share
                    });
                }
            }
            out
        }
        None => vec![None; n],
    };
    picked
        .into_iter()
        .zip(weights)
        .map(|(l1, w)| {
            let l2 = if s.level2 {
                style
                    .taxonomy
                    .levels
                    .iter()
                    .find(|l| l.name == l1)
                    .and_then(|l| l.level2.first().cloned())
            } else {
                None
            };
            (l1, l2, w)
        })
        .collect()
}

/// The text of a new department file of `style`.
pub fn new_department(style: &LoadedStyle, name: &str, year: u32, schema: &str) -> String {
    let s = &style.style;
    let used = used_paths(style);
    let required = |k: &str| style.requires(k);
    let mut o = String::new();
    let _ = writeln!(o, "{}", crate::schema::modeline(schema));
    let _ = writeln!(
        o,
        "# {name} {year} 年度绩效数据（样式 {}：{}）",
        style.key, s.name
    );
    let _ = writeln!(
        o,
        "# 由 jixiao new 生成。请把每个 \"\" 换成实际内容、把金额 0 改成实际金额（万元），"
    );
    let _ = writeln!(
        o,
        "# 再运行 jixiao check：还没填的地方都会作为错误列出（文件:行:列）。格式见 docs/data-format.md。"
    );
    let _ = writeln!(
        o,
        "# 以 > < 开头的值要加引号（\">=90%\"）；≥ ≤ = 开头的不必。以 # 开头的行是说明，可删。"
    );
    line(&mut o, 0, "部门", &scalar(name, false), "");
    line(&mut o, 0, "年度", &year.to_string(), "");
    line(&mut o, 0, "样式", &style.key, "");
    if !s.signatures.is_empty() {
        line(&mut o, 0, "签字", "", "签字栏");
        for f in &s.signatures {
            let key = scalar(&f.key.value, false);
            if f.required {
                line(&mut o, 2, &key, "\"\"", "必填");
            } else {
                let _ = writeln!(o, "  # {key}: \"\"  # 可选");
            }
        }
    }
    if used.contains("备注") {
        let _ = writeln!(o, "# 备注:            # 表下方的备注，每行一条（可选）");
        let _ = writeln!(o, "#   - \"\"");
    }
    let _ = writeln!(o, "项目:");
    let _ = writeln!(
        o,
        "  # 每个项目一项：复制从“- 名称”起的整段，粘贴在后面再改。"
    );
    let _ = writeln!(o, "  - 名称: \"\"  # {}", describe(Level::Project, "名称"));
    for k in fields::stored_texts(Level::Project).map(|f| f.key) {
        let d = describe(Level::Project, k);
        if required(k) {
            line(&mut o, 4, k, "\"\"", &format!("{d}（必填）"));
        } else if reads(&used, &format!("项目.{k}")) {
            let _ = writeln!(o, "    # {k}: \"\"  # {d}（可选）");
        }
    }
    for f in &s.fields.project {
        let key = scalar(&f.key.value, false);
        let mut note = "扩展字段".to_string();
        if !f.values.is_empty() {
            note = format!("可选：{}", f.values.join("、"));
        }
        if f.required || required(&f.key.value) {
            line(&mut o, 4, &key, "\"\"", &format!("{note}（必填）"));
        } else {
            let _ = writeln!(o, "    # {key}: \"\"  # {note}（可选）");
        }
    }
    let sources: Vec<&str> = style.source_keys().collect();
    if sources.is_empty() {
        line(&mut o, 4, "资金", "", "本样式只印合计（万元）");
        line(&mut o, 6, "合计", "0", "");
    } else {
        line(
            &mut o,
            4,
            "资金",
            "",
            "万元，精确小数（如 37.76）；合计由工具相加",
        );
        for k in &sources {
            line(&mut o, 6, &scalar(k, false), "0", "");
        }
    }
    line(&mut o, 4, "总体目标", "", "一段文字，或每行一个“目标N”");
    let _ = writeln!(o, "      - \"\"");
    let names: Vec<&str> = style
        .taxonomy
        .levels
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    line(
        &mut o,
        4,
        "指标",
        "",
        &format!("一条三级指标一项；一级指标：{}", names.join("、")),
    );
    // The indicator's keys after 一级, 二级, 三级 and 指标值 (written above for each row).
    let indicator_keys: Vec<&str> = fields::keys(Level::Indicator)
        .skip(4)
        .filter(|k| {
            required(k)
                || reads(&used, &format!("指标.{k}"))
                || (*k == "权重" && (reads(&used, "一级.分值") || s.weights.is_some()))
        })
        .collect();
    let vocab = &style.vocabulary;
    let placeholders = placeholder_indicators(style);
    for (l1, l2, weight) in &placeholders {
        let _ = writeln!(o, "      - 一级: {}", scalar(l1, false));
        if s.level2 {
            let choices = style
                .taxonomy
                .levels
                .iter()
                .find(|l| l.name == *l1)
                .map(|l| l.level2.join("、"))
                .unwrap_or_default();
            let v = l2
                .as_deref()
                .map(|x| scalar(x, false))
                .unwrap_or("\"\"".into());
            line(&mut o, 8, "二级", &v, &format!("可选：{choices}"));
        }
        line(
            &mut o,
            8,
            "三级",
            "\"\"",
            describe(Level::Indicator, "三级"),
        );
        line(
            &mut o,
            8,
            "指标值",
            "\"\"",
            "如 \">=90%\"、≥2380.4平方米、=236人，或定性的“有效提高”",
        );
        for k in &indicator_keys {
            let optional = !required(k);
            let (value, note) = match *k {
                "依据" => (
                    "\"\"".to_string(),
                    format!("可选：{}", vocab.basis.join("、")),
                ),
                "赋分规则" => (
                    "\"\"".to_string(),
                    format!("可选：{}", vocab.scoring.join("、")),
                ),
                "佐证资料" => (
                    "[]".to_string(),
                    format!("列表，可选：{}", vocab.evidence.join("、")),
                ),
                "权重" => {
                    let rule = match &s.weights {
                        Some(w) => {
                            let mut parts = Vec::new();
                            if let Some(t) = w.total {
                                parts.push(format!("每个项目合计 {} 分", t.0));
                            }
                            if let Some(p) = w.per_level1.get(l1) {
                                parts.push(format!("{l1}共 {} 分", p.0));
                            }
                            parts.join("，")
                        }
                        None => "分".to_string(),
                    };
                    (
                        weight
                            .map(|w| w.normalize().to_string())
                            .unwrap_or("0".into()),
                        rule,
                    )
                }
                _ => (
                    "\"\"".to_string(),
                    describe(Level::Indicator, k).to_string(),
                ),
            };
            if optional {
                let _ = writeln!(o, "        # {k}: {value}  # {note}（可选）");
            } else {
                line(&mut o, 8, k, &value, &note);
            }
        }
        for f in &s.fields.indicator {
            let key = scalar(&f.key.value, false);
            let note = if f.values.is_empty() {
                "扩展字段".to_string()
            } else {
                format!("可选：{}", f.values.join("、"))
            };
            if f.required || required(&f.key.value) {
                line(&mut o, 8, &key, "\"\"", &note);
            } else {
                let _ = writeln!(o, "        # {key}: \"\"  # {note}（可选）");
            }
        }
    }
    // The medium-term block, where the style requires or prints it: written out where required,
    // otherwise commented out.
    let mid_keys = ["中期目标", "中期资金", "中期指标"];
    let prints_mid = mid_keys.iter().any(|k| reads(&used, &format!("项目.{k}")))
        || reads(&used, "项目.中期目标列表");
    if prints_mid || mid_keys.iter().any(|k| required(k)) {
        for k in mid_keys {
            let mut m = String::new();
            match k {
                "中期目标" => {
                    line(&mut m, 4, k, "", "中期（或长期）目标，每行一个“目标N”");
                    let _ = writeln!(m, "      - \"\"");
                }
                "中期资金" => {
                    line(&mut m, 4, k, "", "中期资金总额，万元，写法与 资金 相同");
                    for src in if sources.is_empty() {
                        vec!["合计"]
                    } else {
                        sources.clone()
                    } {
                        line(&mut m, 6, &scalar(src, false), "0", "");
                    }
                }
                _ => {
                    line(&mut m, 4, k, "", "中期指标，写法与 指标 相同，不写权重");
                    let l1 = names.first().copied().unwrap_or_default();
                    let l2 = if s.level2 { "二级: \"\", " } else { "" };
                    let _ = writeln!(
                        m,
                        "      - {{一级: {}, {l2}三级: \"\", 指标值: \"\"}}",
                        scalar(l1, false)
                    );
                }
            }
            if required(k) {
                o.push_str(&m);
            } else {
                for l in m.lines() {
                    let _ = writeln!(o, "    # {}", l.strip_prefix("    ").unwrap_or(l));
                }
            }
        }
    }
    // The self-evaluation: written out where every document needs it; otherwise a commented
    // block to fill in at year end.
    let evaluated = s.documents.iter().all(|d| d.only == Only::Evaluated);
    let reads_eval = reads(&used, "自评")
        || ["完成值", "得分", "偏差原因", "等级"]
            .iter()
            .any(|k| reads(&used, &format!("指标.{k}")));
    if reads_eval {
        let mut e = String::new();
        line(&mut e, 4, "自评", "", "年度结束后的自评");
        line(
            &mut e,
            6,
            "资金",
            "",
            "按来源：年初预算、全年预算（A）、全年执行（B），万元",
        );
        let rows: Vec<&str> = if sources.is_empty() {
            vec!["合计"]
        } else {
            sources.clone()
        };
        for k in rows {
            let _ = writeln!(
                e,
                "        {}: {{年初预算: 0, 全年预算: 0, 全年执行: 0}}",
                scalar(k, false)
            );
        }
        line(
            &mut e,
            6,
            "实际完成情况",
            "\"\"",
            "年度总体目标的实际完成情况",
        );
        for f in &s.fields.eval {
            let key = scalar(&f.key.value, false);
            if f.required || required(&f.key.value) {
                line(&mut e, 6, &key, "\"\"", "扩展字段（必填）");
            } else {
                let _ = writeln!(e, "      # {key}: \"\"  # 扩展字段（可选）");
            }
        }
        line(
            &mut e,
            6,
            "指标",
            "",
            "每条指标一项：指标 写它的三级名称（同名时写“二级/三级”）",
        );
        for _ in &placeholders {
            let _ = writeln!(e, "        - {{指标: \"\", 实际完成值: \"\", 得分: 0}}");
        }
        if evaluated {
            o.push_str(&e);
        } else {
            let _ = writeln!(
                o,
                "    # 年度结束后填写自评：去掉下面各行开头的“# ”（保留缩进）。"
            );
            for l in e.lines() {
                let _ = writeln!(o, "    # {}", l.strip_prefix("    ").unwrap_or(l));
            }
        }
    }
    // The department-wide part, where a document of the style prints it: written out where
    // the style requires it, otherwise a commented block.
    let prints_wide = s.documents.iter().any(|d| d.only.prints_wide());
    if s.department.required || prints_wide {
        let mut w = String::new();
        line(
            &mut w,
            0,
            "部门整体",
            "",
            "部门整体支出绩效目标（见 docs/data-format.md 的“部门整体”）",
        );
        line(&mut w, 2, "资金", "", describe(Level::DeptWide, "资金"));
        let rows: Vec<&str> = if sources.is_empty() {
            vec!["合计"]
        } else {
            sources.clone()
        };
        for k in &rows {
            let _ = writeln!(w, "    {}: 0", scalar(k, false));
        }
        line(
            &mut w,
            2,
            "年度主要任务",
            "",
            "每项任务一项，各任务金额相加应等于部门资金",
        );
        line(&mut w, 4, "- 任务名称", "\"\"", "");
        line(&mut w, 6, "主要内容", "\"\"", "");
        line(
            &mut w,
            6,
            "支出项目",
            "[]",
            describe(Level::Task, "支出项目"),
        );
        line(&mut w, 6, "资金", "", "");
        for k in &rows {
            let _ = writeln!(w, "        {}: 0", scalar(k, false));
        }
        line(
            &mut w,
            2,
            "年度总体目标",
            "\"\"",
            describe(Level::DeptWide, "年度总体目标"),
        );
        line(
            &mut w,
            2,
            "指标",
            "[]",
            "部门整体的绩效指标，写法与项目的“指标”相同（可复制项目的指标行再改）",
        );
        if s.department.required {
            o.push_str(&w);
        } else {
            let _ = writeln!(
                o,
                "# 要印部门整体支出绩效表时填写：去掉下面各行开头的“# ”（保留缩进）。"
            );
            for l in w.lines() {
                let _ = writeln!(o, "# {l}");
            }
        }
    }
    o
}
