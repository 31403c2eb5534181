//! The first phase of a run: everything the units are made from, read and checked once.
//!
//! [`Workspace::read`] reads the sources — the data files (or passes over those a one-shot
//! build may reuse, `reuse`), the region, the styles, the page templates and the Typst
//! library — into [`Prepared`]; the caller checks the model from them ([`Prepared::check`]),
//! and [`Workspace::tools`] finds what laying out needs: the fonts the styles name (and the
//! characters they cannot draw), the Typst engine, and the documents' dates.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::Fatal;
use super::inputs::Inputs;
use super::plan_record::PlanRecord;
use super::{BuildOptions, Restart, Step, Workspace, dates, reuse, typst_files};
use crate::check::{Checked, Dept};
use crate::diag::{Diagnostic, FileId, Sources};
use crate::render::pdf::engine::Engine;
use crate::render::pdf::fonts::FontSet;
use crate::render::pdf::source::Templates;
use crate::rules;
use crate::write::Manifest;

/// The sources of a run, read: what the model is checked from.
pub(super) struct Prepared {
    pub loaded: crate::load::Loaded,
    /// The departments a one-shot build passes over (`reuse`): not loaded, as recorded.
    pub passed: Vec<reuse::Passed>,
    pub region: Option<crate::region::Region>,
    pub styles: crate::style::Styles,
    pub region_styles: Vec<crate::region::style::LoadedRegionStyle>,
    pub templates: Arc<Templates>,
    /// The Typst library files, and each one's id among the sources.
    pub lib: typst_files::Lib,
    pub lib_ids: BTreeMap<String, FileId>,
    /// Everything a plan depends on besides its department's own file: the styles, region
    /// and templates.
    pub fingerprint: blake3::Hash,
    /// The directory the region's summaries take in every year, which no department may have.
    pub summaries_dir: Option<String>,
    /// The plan record of a one-shot build's last run (not with `--force`).
    pub recorded: Option<PlanRecord>,
}

/// What [`Workspace::read`] gives: the sources, what was found reading them, and the manifest
/// of the outputs (a build).
pub(super) struct Read {
    pub prepared: Prepared,
    pub diagnostics: Vec<Diagnostic>,
    pub manifest: Option<Manifest>,
}

impl Prepared {
    /// The checked model: every loaded department against its style.
    pub fn check(&self) -> Checked<'_> {
        crate::check::check_with(&self.loaded, &self.styles, self.summaries_dir.as_deref())
    }

    pub fn sources(&self) -> &Sources {
        &self.loaded.sources
    }
}

/// What laying out the checked model needs, found once it is checked.
pub(super) struct Tools {
    pub fonts: Arc<FontSet>,
    /// The data files with characters no font can draw (JX120): refused.
    pub glyph_failed: BTreeSet<FileId>,
    /// The data files whose style has a page template that did not load (JX507): refused,
    /// never laid out with a template that is not there.
    pub template_failed: BTreeSet<FileId>,
    /// What every document depends on besides its plan and template ([`lib_hash`]).
    pub lib_hash: String,
    pub engine: Arc<Engine>,
    /// The date of the last commit of each data file in a git work tree (a build, unless
    /// `SOURCE_DATE_EPOCH` fixes every date).
    pub committed: HashMap<PathBuf, dates::Date>,
    /// Why the build cannot run at all (no Chinese font), besides what stopped it before.
    pub fatal: Option<Fatal>,
}

impl Tools {
    /// Whether `d` is refused: errors in its data, characters no font can draw, or a page
    /// template of its style that did not load (reported as JX507 at the template).
    pub fn refused(&self, d: &Dept) -> bool {
        d.errors > 0
            || self.glyph_failed.contains(&d.src.file)
            || self.template_failed.contains(&d.src.file)
    }
}

impl Workspace {
    /// Reads the sources of a run (see the module documentation). A one-shot build keeps no
    /// parse for a next run, and passes over the departments its plan record allows when
    /// `pass_over`.
    pub(super) fn read(&mut self, build: Option<&BuildOptions>, pass_over: bool) -> Read {
        let recorded = build
            .filter(|b| b.one_shot && !b.force)
            .map(|_| PlanRecord::load(&self.options.out));
        let manifest = build.map(|_| Manifest::load(&self.options.out));
        let (mut loaded, passed) = if build.is_some_and(|b| b.one_shot) {
            let fresh = |path: &Path, hash: &str| {
                manifest
                    .as_ref()
                    .is_some_and(|m| super::verified::is_fresh(&self.verified, m, path, hash))
            };
            reuse::load(
                &self.options.data,
                recorded.as_ref().filter(|_| pass_over),
                &fresh,
            )
        } else {
            let loaded = crate::load::load_dir_cached(&self.options.data, &mut self.loads);
            (loaded, Vec::new())
        };
        let data_files = loaded.sources.len();
        let (region, styles, region_styles) =
            load_layouts(&self.options.data, &self.templates_dir, &mut loaded);
        let (templates, template_problems) = Templates::load(&self.templates_dir);
        let templates = Arc::new(templates);
        self.templates = Some(templates.clone());
        let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
        for p in template_problems {
            diagnostics.push(typst_files::template_problem(&mut loaded.sources, p));
        }
        let lib = typst_files::read_lib(&self.templates_dir);
        let mut lib_ids = BTreeMap::new();
        for (name, bytes) in &lib.files {
            let path = crate::style::dirs::file(&self.templates_dir, name);
            let text = String::from_utf8_lossy(bytes).into_owned();
            lib_ids.insert(name.clone(), loaded.sources.add(&path, text));
        }
        diagnostics.extend(lib.problems.iter().map(|(path, reason)| {
            let mut d = Diagnostic::new(&rules::TEMPLATE_ERROR, None, reason.clone());
            d.path = Some(path.clone());
            d
        }));
        let fingerprint = {
            let mut h = blake3::Hasher::new();
            for id in data_files..loaded.sources.len() {
                h.update(loaded.sources.path(id).to_string_lossy().as_bytes());
                h.update(loaded.sources.text(id).as_bytes());
            }
            h.update(templates.fingerprint().as_bytes());
            h.finalize()
        };
        // The region's summaries take a directory of their own in every year (when the region
        // has summary styles): no department may have it.
        let summaries_dir = crate::region::reserved_dir(region.as_ref(), !region_styles.is_empty());
        let prepared = Prepared {
            loaded,
            passed,
            region,
            styles,
            region_styles,
            templates,
            lib,
            lib_ids,
            fingerprint,
            summaries_dir,
            recorded,
        };
        Read {
            prepared,
            diagnostics,
            manifest,
        }
    }

    /// The fonts, engine and dates for the checked model (see the module documentation); the
    /// diagnostics found on the way (characters no font draws, Typst library errors) are
    /// added to `diagnostics`. A restart when a department passed over is not as recorded.
    pub(super) fn tools(
        &mut self,
        prepared: &Prepared,
        diagnostics: &mut Vec<Diagnostic>,
        checked: &Checked,
        inputs: &Inputs,
        build: Option<&BuildOptions>,
        fatal: bool,
    ) -> Step<Tools> {
        // The fonts: `fonts/` beside the data, --font-path, and of the system only the
        // families the styles' chains name. Characters none of them can draw are errors
        // (JX120): such a department is refused before anything is laid out.
        let mut families = super::style_families(checked);
        families.extend(
            prepared
                .region_styles
                .iter()
                .flat_map(|s| s.style.fonts.values().flatten().cloned()),
        );
        for p in &prepared.passed {
            let Ok(style) = prepared.styles.get(&p.facts().style) else {
                return Step::Restart(Restart::PassedOver);
            };
            families.extend(style.style.fonts.values().flatten().cloned());
        }
        families.sort();
        families.dedup();
        // No style to lay out (no department loads: no data files, a style error): no font is
        // needed, and none missing is worth a word.
        let wanted = families.clone();
        let fonts = self.fonts_for(families);
        let mut no_font = None;
        let glyph_failed: BTreeSet<FileId> = if fonts.has_cjk() {
            let found = crate::glyphs::check_cached(
                prepared.sources(),
                checked,
                &fonts,
                &mut self.coverage,
            );
            let files = found
                .iter()
                .filter_map(|d| d.pos.as_ref().map(|p| p.file))
                .collect();
            diagnostics.extend(found);
            files
        } else {
            if build.is_some() && !fatal && !wanted.is_empty() {
                no_font = Some(no_cjk_font(&self.root(), wanted));
            }
            BTreeSet::new()
        };
        let lib_hash = inputs.lib_hash(&prepared.lib.files, &fonts);
        let engine = self.engine_for(inputs, &lib_hash, &fonts, &prepared.lib.files);
        // The library files must compile on their own; found once per set of files.
        let lib_problems = match &self.lib_problems {
            Some((hash, found)) if *hash == lib_hash => found.clone(),
            _ => {
                let found = typst_files::check_lib(&engine, &prepared.lib.files);
                self.lib_problems = Some((lib_hash.clone(), found.clone()));
                found
            }
        };
        for d in &lib_problems {
            let d = typst_files::typst_diagnostic(
                prepared.sources(),
                &prepared.lib_ids,
                None,
                d,
                &rules::TEMPLATE_ERROR,
            );
            diagnostics.push(d);
        }
        // A department whose style names a page template that did not load (its problem is
        // reported at the template, JX507) is refused here, with one line at its 样式 that
        // says why, rather than failing in the renderer.
        let mut template_failed = BTreeSet::new();
        for d in &checked.departments {
            let broken: Vec<&str> = d
                .style
                .style
                .documents
                .iter()
                .map(|doc| doc.template.value.as_str())
                .filter(|t| {
                    prepared
                        .templates
                        .source(&format!("{}/{t}", d.style.key))
                        .is_none()
                })
                .collect();
            if broken.is_empty() {
                continue;
            }
            template_failed.insert(d.src.file);
            let files: Vec<String> = broken
                .iter()
                .map(|t| format!("templates/{}/{t}", d.style.key))
                .collect();
            diagnostics.push(Diagnostic::new(
                &rules::TEMPLATE_ERROR,
                crate::load::span_pos(prepared.sources(), d.src.file, &d.src.style.referenced),
                format!(
                    "样式“{}”的页面模板 {} 无法使用（见对它的报告），本部门的表格没有生成",
                    d.style.key,
                    files.join("、")
                ),
            ));
        }
        // The documents' dates (see `dates`): a department's last commit, unless
        // SOURCE_DATE_EPOCH fixes them all.
        let committed = match (build, inputs.fixed_date()) {
            (Some(_), None) => {
                let files: Vec<PathBuf> = checked
                    .departments
                    .iter()
                    .map(|d| prepared.sources().path(d.src.file).to_path_buf())
                    .chain(prepared.passed.iter().map(|p| p.file.clone()))
                    .collect();
                self.commit_dates.dates(&files)
            }
            _ => HashMap::new(),
        };
        Step::Done(Tools {
            fonts,
            glyph_failed,
            template_failed,
            lib_hash,
            engine,
            committed,
            fatal: no_font,
        })
    }

    /// The fonts for the families the styles name, discovered once.
    pub(super) fn fonts_for(&mut self, families: Vec<String>) -> Arc<FontSet> {
        if let Some((known, fonts)) = &self.fonts
            && *known == families
        {
            return fonts.clone();
        }
        let fonts = Arc::new(FontSet::discover_families(&self.font_dirs(), &families));
        self.fonts = Some((families, fonts.clone()));
        self.coverage.clear();
        self.engine = None;
        fonts
    }

    /// The engine for these library files and fonts, made once.
    pub(super) fn engine_for(
        &mut self,
        inputs: &Inputs,
        hash: &str,
        fonts: &Arc<FontSet>,
        lib: &[(String, Vec<u8>)],
    ) -> Arc<Engine> {
        if let Some((known, engine)) = &self.engine
            && known == hash
        {
            return engine.clone();
        }
        let today = inputs.fixed_date().unwrap_or((2000, 1, 1));
        let engine = Arc::new(Engine::new(fonts.clone(), lib.to_vec(), today));
        self.engine = Some((hash.to_string(), engine.clone()));
        engine
    }
}

/// The error of a build whose styles name no installed Chinese font.
pub(super) fn no_cjk_font(root: &Path, families: Vec<String>) -> Fatal {
    Fatal::NoCjkFont {
        families,
        fonts_dir: root.join("fonts"),
    }
}

/// The region file of `data` and the styles and summary styles the data names, from
/// `templates`, their problems added to `loaded`: what a build reads beside the data files
/// (and `--publish` again).
pub(super) fn load_layouts(
    data: &Path,
    templates: &Path,
    loaded: &mut crate::load::Loaded,
) -> (
    Option<crate::region::Region>,
    crate::style::Styles,
    Vec<crate::region::style::LoadedRegionStyle>,
) {
    let region = crate::region::load(data, loaded);
    let styles = crate::style::Styles::load(templates, loaded);
    let region_styles = match &region {
        Some(r) => r
            .styles()
            .iter()
            .filter_map(|k| crate::region::style::load(templates, k, r.file, loaded))
            .collect(),
        None => Vec::new(),
    };
    (region, styles, region_styles)
}
