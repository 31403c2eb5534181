//! Where the files of the templates directory are read from: the project's own `templates/`,
//! entry by entry, over the styles embedded in the binary.
//!
//! An entry is a name at the top of the templates directory: a style (`anhui/`), a summary
//! style (`region/`), the Typst library (`lib/`), `taxonomies.yaml`, `import.yaml`, the change
//! table (`changes/`). The project's entry is read when it has one (even a broken one, or a
//! link, so that its problem is reported rather than hidden); otherwise the embedded one
//! ([`super::embedded::embedded_templates`]). A project may so hold only the style it changed.
//!
//! Every reader of the templates directory goes through [`entry`], [`file()`], [`layer`] or
//! [`names`]; none joins a name onto the directory itself.

use std::path::{Path, PathBuf};

/// The embedded layer under `templates`: `None` when `templates` is itself the embedded
/// directory (nothing lies under it) or the embedded styles cannot be placed in the cache.
fn embedded_under(templates: &Path) -> Option<PathBuf> {
    if super::embedded::is_embedded(templates) {
        return None;
    }
    super::embedded::embedded_templates().ok()
}

/// Whether the project's templates directory has an entry `name` (any kind of file, a
/// dangling link included).
fn local_has(templates: &Path, name: &str) -> bool {
    std::fs::symlink_metadata(templates.join(name)).is_ok()
}

/// The directory the entry `name` is read from: `templates` when it has the entry, else the
/// embedded styles when they have it, else `templates` (where the entry is then missing).
pub fn layer(templates: &Path, name: &str) -> PathBuf {
    if local_has(templates, name) {
        return templates.to_path_buf();
    }
    match embedded_under(templates) {
        Some(e) if local_has(&e, name) => e,
        _ => templates.to_path_buf(),
    }
}

/// The path of the entry `name` (see [`layer`]).
pub fn entry(templates: &Path, name: &str) -> PathBuf {
    layer(templates, name).join(name)
}

/// The path of a file given relative to the templates directory (`lib/jixiao.typ`,
/// `anhui/list.typ.j2`): its first component is an entry, read from its [`layer`].
pub fn file(templates: &Path, rel: &str) -> PathBuf {
    let first = rel.split(['/', '\\']).next().unwrap_or(rel);
    layer(templates, first).join(rel)
}

/// Every entry that is a directory, by name, with the layer it is read from, in name order:
/// the project's, then the embedded ones it does not have. Names are plain (letters, digits,
/// `-`, `_`); links are listed (their readers refuse them where they lead out).
pub fn names(templates: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = Vec::new();
    let mut add = |root: &Path| {
        for e in std::fs::read_dir(root).into_iter().flatten().flatten() {
            let Some(name) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if !plain(&name) || out.iter().any(|(n, _)| *n == name) {
                continue;
            }
            if e.path().is_dir() {
                out.push((name, root.to_path_buf()));
            }
        }
    };
    add(templates);
    if let Some(e) = embedded_under(templates) {
        add(&e);
    }
    out.sort();
    out
}

/// The entries of the embedded layer a project reads because its `templates/` lacks them
/// (empty when `templates` is the embedded directory or has every entry).
pub fn borrowed(templates: &Path) -> Vec<String> {
    let Some(e) = embedded_under(templates) else {
        return Vec::new();
    };
    let mut out: Vec<String> = std::fs::read_dir(&e)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|d| d.file_name().to_str().map(str::to_string))
        .filter(|n| !n.starts_with('.') && !local_has(templates, n))
        .collect();
    out.sort();
    out
}

/// A name a style directory may have: letters, digits, `-` and `_`.
pub fn plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
