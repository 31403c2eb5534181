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

mod git;
mod new;
pub use git::{GitSetup, init_git};
pub use new::{file_name, new_department, used_paths};

/// The README of a new project.
const README: &str = include_str!("readme.md");

/// Editor settings of a new project: every data file checked against the schema of all styles
/// (a file's own first line names its style's schema, which wins where both apply), except the
/// region file, which is no department's data (a leading `!` excludes a file in the YAML
/// language server; older versions ignore the pattern) and has its own schema.
fn vscode_settings() -> String {
    let mut files = vec!["data/*.yaml".to_string()];
    files.extend(
        crate::load::REGION_FILE_NAMES
            .iter()
            .map(|n| format!("!data/{n}")),
    );
    let region: Vec<String> = crate::load::REGION_FILE_NAMES
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
        match project.create_new_below(Path::new(rel), bytes) {
            Ok(true) => out.written.push(path),
            Ok(false) => out.kept.push(path),
            Err(e) => return Err(io(e)),
        }
        Ok(())
    };
    for (rel, bytes) in crate::style::embedded::TEMPLATES {
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
