//! Loading every style of a templates directory, checked like data: each `style.yaml` and
//! `taxonomies.yaml` joins the run's sources, so a problem in a style is reported at its own
//! `file:line:col` with a rule code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{LoadedStyle, ResolvedVocabulary, Style, TaxonomyFile};
use crate::diag::{Diagnostic, FileId};
use crate::load::Loaded;
use crate::rules;
use crate::style::patterns::Patterns;

/// A style that loaded, or why not.
#[derive(Debug, Clone)]
enum Entry {
    Ok(Box<LoadedStyle>),
    /// The style's files have errors (reported at their place).
    Broken,
}

/// Every style of a templates directory.
pub struct Styles {
    pub dir: PathBuf,
    entries: BTreeMap<String, Entry>,
}

impl Styles {
    /// An empty set, for callers that load styles one by one.
    pub fn new(dir: &Path) -> Styles {
        Styles {
            dir: dir.to_path_buf(),
            entries: BTreeMap::new(),
        }
    }

    /// Loads and checks every style directory of `dir` (those with a `style.yaml`). Style
    /// files are added to `loaded.sources`, their problems to `loaded.diagnostics`.
    pub fn load(dir: &Path, loaded: &mut Loaded) -> Styles {
        let mut styles = Styles::new(dir);
        let taxonomies = read(
            &super::dirs::layer(dir, "taxonomies.yaml"),
            &super::dirs::entry(dir, "taxonomies.yaml"),
            loaded,
            crate::load::parse_as::<TaxonomyFile>,
        );
        for key in styles.available() {
            let entry = match &taxonomies {
                Some(tax) => load_one(dir, &key, tax, loaded),
                None => Entry::Broken,
            };
            styles.entries.insert(key, entry);
        }
        styles
    }

    /// The style named `key`, or a message saying why it cannot be used.
    pub fn get(&self, key: &str) -> Result<&LoadedStyle, String> {
        match self.entries.get(key) {
            Some(Entry::Ok(s)) => Ok(s),
            Some(Entry::Broken) => Err(format!(
                "样式“{key}”有错误（见对 {} 的报告）",
                crate::diag::display_path(&super::dirs::entry(&self.dir, key).join("style.yaml"))
            )),
            None => {
                if !super::dirs::plain(key) {
                    return Err(format!("样式名“{key}”只能包含字母、数字、- 和 _"));
                }
                Err(format!(
                    "找不到样式“{key}”（{} 不存在）；可用的样式：{}",
                    crate::diag::display_path(
                        &super::dirs::entry(&self.dir, key).join("style.yaml")
                    ),
                    self.available().join("、")
                ))
            }
        }
    }

    /// The loaded styles without errors.
    pub fn loaded(&self) -> impl Iterator<Item = &LoadedStyle> {
        self.entries.values().filter_map(|e| match e {
            Entry::Ok(s) => Some(s.as_ref()),
            Entry::Broken => None,
        })
    }

    /// The style names available (directories with a `style.yaml`, not symlinks), the
    /// project's and the embedded ones it does not have ([`super::dirs::names`]).
    pub fn available(&self) -> Vec<String> {
        super::dirs::names(&self.dir)
            .into_iter()
            .filter(|(name, root)| {
                let dir = root.join(name);
                std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir())
                    && dir.join("style.yaml").is_file()
            })
            .map(|(name, _)| name)
            .collect()
    }
}

/// Reads and parses one YAML file of the templates directory into `loaded`'s sources;
/// `None` (with a diagnostic) when it cannot be read or parsed.
fn read<T>(
    root: &Path,
    path: &Path,
    loaded: &mut Loaded,
    parse: impl Fn(&str) -> Result<T, serde_saphyr::Error>,
) -> Option<(T, FileId)> {
    super::common::read_yaml(root, path, "", &rules::STYLE_FORMAT, loaded, parse)
}

fn load_one(dir: &Path, key: &str, tax: &(TaxonomyFile, FileId), loaded: &mut Loaded) -> Entry {
    let root = super::dirs::layer(dir, key);
    let style_dir = root.join(key);
    let Some((style, file)) = read(&root, &style_dir.join("style.yaml"), loaded, |t| {
        crate::load::parse_as::<Style>(t)
    }) else {
        return Entry::Broken;
    };
    let (tax, _) = tax;
    let taxonomy = match &style.taxonomy_levels {
        Some(levels) => Some(super::Taxonomy {
            levels: levels.clone(),
        }),
        None => tax.taxonomies.get(&style.taxonomy.value).cloned(),
    };
    let v = style.vocabulary.clone().unwrap_or_default();
    let d = &tax.vocabulary;
    let vocabulary = ResolvedVocabulary {
        basis: v.basis.or_else(|| d.basis.clone()).unwrap_or_default(),
        scoring: v.scoring.or_else(|| d.scoring.clone()).unwrap_or_default(),
        evidence: v
            .evidence
            .or_else(|| d.evidence.clone())
            .unwrap_or_default(),
        cost_only_basis: v
            .cost_only_basis
            .or_else(|| d.cost_only_basis.clone())
            .unwrap_or_default(),
    };
    let mut loaded_style = LoadedStyle {
        key: key.to_string(),
        dir: style_dir,
        taxonomy: taxonomy
            .clone()
            .unwrap_or(super::Taxonomy { levels: Vec::new() }),
        aliases: tax.aliases.clone(),
        vocabulary,
        patterns: Arc::new(Patterns::new()),
        style,
    };
    let mut diags = Vec::new();
    if taxonomy.is_none() {
        let names: Vec<&str> = tax.taxonomies.keys().map(String::as_str).collect();
        let name = &loaded_style.style.taxonomy;
        let mut d = Diagnostic::new(
            &rules::STYLE_REFERENCE,
            crate::load::span_pos(&loaded.sources, file, &name.referenced),
            if name.value.is_empty() {
                "样式没有写 taxonomy（指标体系名）或 taxonomy_levels（自己的指标体系）".to_string()
            } else {
                format!("指标体系“{}”不在 taxonomies.yaml 中", name.value)
            },
        )
        .help(format!("可用的指标体系：{}", names.join("、")));
        if d.pos.is_none() {
            d.path = Some(loaded_style.dir.join("style.yaml"));
        }
        diags.push(d);
    }
    let mut patterns = Patterns::new();
    diags.extend(super::validate::validate(
        &mut loaded_style,
        &mut patterns,
        &loaded.sources,
        file,
    ));
    loaded_style.patterns = Arc::new(patterns);
    let broken = diags.iter().any(Diagnostic::is_error);
    loaded.diagnostics.extend(diags);
    if broken {
        Entry::Broken
    } else {
        Entry::Ok(Box::new(loaded_style))
    }
}
