//! The official styles shipped with jixiao ([`TEMPLATES`], what `jixiao init` writes), and the
//! same as a directory for a project without its own `templates/`: written once into the
//! user's cache. The style reader falls back on it ([`super::dirs`]).

use std::path::{Path, PathBuf};

use crate::write::{Dir, FsError};

/// The official styles shipped with jixiao, as `jixiao init` writes them (`templates/…`).
/// `tests/it/scaffold.rs` checks that this list is exactly the repository's `templates/`.
pub const TEMPLATES: &[(&str, &[u8])] = &[
    (
        "anhui/list.typ.j2",
        include_bytes!("../../templates/anhui/list.typ.j2"),
    ),
    (
        "anhui/self_eval.typ.j2",
        include_bytes!("../../templates/anhui/self_eval.typ.j2"),
    ),
    (
        "anhui/style.yaml",
        include_bytes!("../../templates/anhui/style.yaml"),
    ),
    (
        "changes/table.typ.j2",
        include_bytes!("../../templates/changes/table.typ.j2"),
    ),
    (
        "changes/table.yaml",
        include_bytes!("../../templates/changes/table.yaml"),
    ),
    ("import.yaml", include_bytes!("../../templates/import.yaml")),
    (
        "lib/jixiao.typ",
        include_bytes!("../../templates/lib/jixiao.typ"),
    ),
    (
        "national/department.typ.j2",
        include_bytes!("../../templates/national/department.typ.j2"),
    ),
    (
        "national/self_eval.typ.j2",
        include_bytes!("../../templates/national/self_eval.typ.j2"),
    ),
    (
        "national/style.yaml",
        include_bytes!("../../templates/national/style.yaml"),
    ),
    (
        "national/target.typ.j2",
        include_bytes!("../../templates/national/target.typ.j2"),
    ),
    (
        "ningxia/style.yaml",
        include_bytes!("../../templates/ningxia/style.yaml"),
    ),
    (
        "ningxia/target.typ.j2",
        include_bytes!("../../templates/ningxia/target.typ.j2"),
    ),
    (
        "region/region.yaml",
        include_bytes!("../../templates/region/region.yaml"),
    ),
    (
        "region/summary.typ.j2",
        include_bytes!("../../templates/region/summary.typ.j2"),
    ),
    (
        "taxonomies.yaml",
        include_bytes!("../../templates/taxonomies.yaml"),
    ),
    (
        "xinjiang/style.yaml",
        include_bytes!("../../templates/xinjiang/style.yaml"),
    ),
    (
        "xinjiang/target.typ.j2",
        include_bytes!("../../templates/xinjiang/target.typ.j2"),
    ),
    (
        "zhejiang/style.yaml",
        include_bytes!("../../templates/zhejiang/style.yaml"),
    ),
    (
        "zhejiang/summary.typ.j2",
        include_bytes!("../../templates/zhejiang/summary.typ.j2"),
    ),
];

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
        into.create_new_below(Path::new(rel), bytes).map_err(io)?;
    }
    into.create_new_below(Path::new(done), b"").map_err(io)?;
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
