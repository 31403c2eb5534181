//! The pipeline as a library: a [`Workspace`] is a project directory (data, templates, fonts)
//! and an output directory. [`Workspace::check`] loads and checks everything — data, styles,
//! templates and the Typst library files — and [`Workspace::build`] goes on to plan, render
//! and write each department's files together or not at all, skipping what the last build
//! already wrote. `jixiao check`, `build`, `watch` and `serve` are front ends over it.
//!
//! A workspace lives as long as its front end: the fonts, the Typst engine (with its standard
//! library), and the previews of `serve` are kept between runs and rebuilt only when their
//! inputs change; so are each data file's parse and each department's plan. A one-shot
//! `jixiao build` keeps the plans on disk instead (`plan_record`), so that it plans only the
//! departments whose inputs changed, and loads and checks only the files that changed and the
//! departments they may concern (`reuse`). Typst's process-wide memo cache is evicted by the
//! workspace after every document, except that a rebuild of `watch` or `serve` that renders
//! one or two documents, and a preview of `serve`, keep it for the next (the same file edited
//! again).
//!
//! ```no_run
//! use jixiao::workspace::{BuildOptions, Options, Workspace, quiet};
//!
//! let mut ws = Workspace::open(Options {
//!     data: "data".into(),
//!     out: "out".into(),
//!     templates: None,
//!     font_paths: Vec::new(),
//! });
//! let outcome = ws.build(&BuildOptions::default(), &quiet);
//! for d in &outcome.departments {
//!     println!("{} {}：{:?}", d.year, d.name, d.status);
//! }
//! assert!(!outcome.failed());
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::check::{Checked, Dept};
use crate::diag::{Diagnostic, FileId, Summary};
use crate::plan::Document;
use crate::region::summaries_dir_name;
use crate::render::pdf::engine::{self, Engine, TypstDiagnostic};
use crate::render::pdf::fonts::FontSet;
use crate::render::pdf::source::Templates;
use crate::render::{Input, PdfRenderer, Renderer, XlsxRenderer};
use crate::rules;
use crate::write::{self, Manifest, Written};

pub mod dates;
mod outcome;
mod plan_record;
mod reuse;
pub mod shortcut;
mod typst_files;
pub mod watch;

pub use outcome::{DeptOutcome, DeptStatus, DocOutcome, Event, Outcome};

/// Where a workspace reads and writes.
#[derive(Clone, Debug)]
pub struct Options {
    /// The data directory (one `.yaml` per department and year).
    pub data: PathBuf,
    /// The output directory.
    pub out: PathBuf,
    /// The templates directory; by default `templates/` beside the data directory.
    pub templates: Option<PathBuf>,
    /// Font directories besides `fonts/` beside the data directory.
    pub font_paths: Vec<PathBuf>,
}

/// How to build.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Render everything, whatever the last build recorded.
    pub force: bool,
    /// Also one PDF per project.
    pub split: bool,
    /// xlsx without the hidden data sheet `jixiao数据` (`--no-data-sheet`): not importable.
    pub no_data_sheet: bool,
    /// Rendering threads (default: every core).
    pub jobs: Option<usize>,
    /// This is the workspace's only build (the `build` command), not one of a series
    /// (`watch`, `serve`): when nothing has changed since the last successful build (see
    /// [`shortcut`]) its result is reported without loading anything — the outcome then lists
    /// no departments and no sources, only the counts — and no plans are kept for a next run.
    pub one_shot: bool,
}

impl BuildOptions {
    /// The options that change the outputs, as one byte of the plan and shortcut keys
    /// (`--split` alone is the byte it always was).
    pub fn output_flags(&self) -> u8 {
        u8::from(self.split) | (u8::from(self.no_data_sheet) << 1)
    }
}

/// A project directory and its output directory; see the [module documentation](self).
pub struct Workspace {
    options: Options,
    templates_dir: PathBuf,
    /// The fonts, for the families they were discovered for.
    fonts: Option<(Vec<String>, Arc<FontSet>)>,
    /// The engine, for the hash of its library files and fonts.
    engine: Option<(String, Arc<Engine>)>,
    /// Problems of the Typst library files, for the engine they were found with.
    lib_problems: Option<(String, Vec<TypstDiagnostic>)>,
    /// Pages of documents asked for by [`Workspace::pages`] (by PDF path), with the input
    /// hash they were laid out from; at most [`PREVIEWS_KEPT`], the oldest asked dropped first.
    previews: HashMap<PathBuf, (String, Arc<Vec<crate::render::Page>>)>,
    preview_order: std::collections::VecDeque<PathBuf>,
    /// The last plan of every listed document (by PDF path), kept for previews — also of a
    /// department that has errors now, whose last good tables a preview still shows.
    planned: HashMap<PathBuf, Job>,
    /// The templates of the last run.
    templates: Option<Arc<Templates>>,
    /// Whether the fonts can draw each character seen.
    coverage: HashMap<char, bool>,
    /// The outputs known to hold what the build record says: (input hash, length, mtime).
    verified: Verified,
    /// Each data file as last loaded.
    loads: crate::load::Cache,
    /// Each department's planned documents, by data file, for the inputs they came from.
    plans: HashMap<PathBuf, (blake3::Hash, Vec<Job>)>,
    /// The date of the last commit of each data file, for the documents' dates.
    commit_dates: dates::CommitDates,
}

/// How many departments' files are put in place at once.
const WRITE_THREADS: usize = 8;

/// How many documents' preview pages a workspace keeps.
pub const PREVIEWS_KEPT: usize = 48;

/// A no-op event handler.
pub fn quiet(_: &Event) {}

impl Workspace {
    pub fn open(mut options: Options) -> Workspace {
        // One spelling of the output directory (`out/.` and `out//` are `out`): outputs are
        // known by their paths in the manifest and the plan record.
        options.out = options.out.components().collect();
        let templates_dir = templates_dir(&options.data, options.templates.as_deref());
        Workspace {
            options,
            templates_dir,
            fonts: None,
            engine: None,
            lib_problems: None,
            previews: HashMap::new(),
            preview_order: std::collections::VecDeque::new(),
            planned: HashMap::new(),
            templates: None,
            coverage: HashMap::new(),
            verified: Verified::default(),
            loads: crate::load::Cache::default(),
            plans: HashMap::new(),
            commit_dates: dates::CommitDates::default(),
        }
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The templates directory in use.
    pub fn templates_dir(&self) -> &Path {
        &self.templates_dir
    }

    /// The project directory: the parent of the data directory, where `templates/` and
    /// `fonts/` sit.
    pub fn root(&self) -> PathBuf {
        project_root(&self.options.data)
    }

    /// The font directories builds use (see [`font_dirs`]).
    pub fn font_dirs(&self) -> Vec<PathBuf> {
        font_dirs(&self.options.data, &self.options.font_paths)
    }

    /// Forgets the fonts (after a change in a font directory): the next run discovers them
    /// again.
    pub fn fonts_changed(&mut self) {
        self.fonts = None;
        self.engine = None;
        self.lib_problems = None;
    }

    /// Loads and checks data, styles, templates and Typst library files; writes nothing.
    pub fn check(&mut self) -> Outcome {
        self.run(None, &quiet)
    }

    /// The pages of the document whose PDF is `pdf`, as SVG with their text, laid out from the
    /// last plan of that document (the same layout as the PDF), on demand and then kept.
    /// `None` when no build planned it or it cannot be laid out.
    pub fn pages(&mut self, pdf: &Path) -> Option<Arc<Vec<crate::render::Page>>> {
        let job = self.planned.get(pdf)?;
        if let Some((hash, pages)) = self.previews.get(pdf)
            && *hash == job.hash
        {
            return Some(pages.clone());
        }
        let engine = self.engine.as_ref()?.1.clone();
        let templates = self.templates.clone()?;
        let doc = job.doc.as_ref()?;
        let laid_out = crate::render::pdf::typeset_bounded(
            &engine,
            &templates,
            &job.template,
            doc,
            &job.fonts,
            crate::render::pdf::time_limit(doc),
        );
        // Like a small rebuild: what this preview used stays for the next save of its file.
        engine::evict_after_rebuild();
        let pages = Arc::new(crate::render::pdf::preview_pages(&laid_out.ok()?));
        self.previews
            .insert(pdf.to_path_buf(), (job.hash.clone(), pages.clone()));
        self.preview_order.retain(|p| p != pdf);
        self.preview_order.push_back(pdf.to_path_buf());
        while self.preview_order.len() > PREVIEWS_KEPT {
            if let Some(old) = self.preview_order.pop_front() {
                self.previews.remove(&old);
            }
        }
        Some(pages)
    }

    /// Checks, then plans, renders and writes every department without errors. `on` hears
    /// each event as it happens (from worker threads too).
    pub fn build(&mut self, options: &BuildOptions, on: &(dyn Fn(&Event) + Sync)) -> Outcome {
        self.run(Some(options), on)
    }

    fn run(&mut self, build: Option<&BuildOptions>, on: &(dyn Fn(&Event) + Sync)) -> Outcome {
        let started = Instant::now();
        let mut fatal = None;
        // One build at a time into an output directory: the lock is held until this returns.
        let mut _lock = None;
        if build.is_some() {
            match lock_and_recover(&self.options.out, on) {
                Ok(lock) => _lock = lock,
                Err(message) => fatal = Some(message),
            }
        }
        let mut shortcut_key = None;
        if let (Some(b), None) = (build, &fatal)
            && b.one_shot
        {
            shortcut_key = shortcut::inputs_key(
                &self.options.data,
                &self.templates_dir,
                &self.font_dirs(),
                b.output_flags(),
            );
            // `--force` builds everything, and leaves a record for the next build.
            if let Some(record) = shortcut_key
                .as_deref()
                .filter(|_| !b.force)
                .and_then(|k| shortcut::current(&self.options.out, k))
            {
                for pdf in &record.fresh {
                    on(&Event::Fresh(pdf.clone()));
                }
                return Outcome {
                    sources: crate::diag::Sources::default(),
                    diagnostics: Vec::new(),
                    summary: Summary {
                        departments: record.departments,
                        projects: record.projects,
                        errors: 0,
                        warnings: record.warnings,
                    },
                    departments: Vec::new(),
                    fatal: None,
                    documents: record.documents,
                    written: 0,
                    unchanged: record.files,
                    planned: 0,
                    removed: 0,
                    write_failures: 0,
                    elapsed: started.elapsed(),
                };
            }
        }
        if build.is_some() && fatal.is_none() {
            shortcut::forget(&self.options.out);
        }
        // A one-shot build passes over the departments its last run lets it reuse, unless one
        // turns out not to be as recorded: then it starts again and loads everything.
        let mut pass_over = build.is_some_and(|b| b.one_shot && !b.force) && fatal.is_none();
        loop {
            let once = self.run_once(build, on, pass_over, fatal.clone(), shortcut_key.clone());
            match once {
                Some(mut outcome) => {
                    outcome.elapsed = started.elapsed();
                    return outcome;
                }
                None => pass_over = false,
            }
        }
    }

    /// A run after the shortcut, passing over the departments the plan record allows when
    /// `pass_over`; `None` when a department passed over is not as recorded.
    fn run_once(
        &mut self,
        build: Option<&BuildOptions>,
        on: &(dyn Fn(&Event) + Sync),
        pass_over: bool,
        mut fatal: Option<String>,
        shortcut_key: Option<String>,
    ) -> Option<Outcome> {
        // The plan record of a one-shot build's last run, and the manifest of the outputs.
        let recorded = build
            .filter(|b| b.one_shot && !b.force)
            .map(|_| plan_record::PlanRecord::load(&self.options.out));
        let manifest = build.map(|_| Manifest::load(&self.options.out));
        // A one-shot build keeps no parse for a next run.
        let (mut loaded, passed) = if build.is_some_and(|b| b.one_shot) {
            let fresh = |path: &Path, hash: &str| {
                manifest
                    .as_ref()
                    .is_some_and(|m| is_fresh(&self.verified, m, path, hash))
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
        let region = crate::region::load(&self.options.data, &mut loaded);
        let styles = crate::style::Styles::load(&self.templates_dir, &mut loaded);
        let region_styles: Vec<crate::region::style::LoadedRegionStyle> = match &region {
            Some(r) => r
                .styles()
                .iter()
                .filter_map(|k| {
                    crate::region::style::load(&self.templates_dir, k, r.file, &mut loaded)
                })
                .collect(),
            None => Vec::new(),
        };
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
            let path = self.templates_dir.join(name);
            let text = String::from_utf8_lossy(bytes).into_owned();
            lib_ids.insert(name.clone(), loaded.sources.add(&path, text));
        }
        diagnostics.extend(lib.problems.iter().map(|(path, reason)| {
            let mut d = Diagnostic::new(&rules::TEMPLATE_ERROR, None, reason.clone());
            d.path = Some(path.clone());
            d
        }));
        // Everything a plan depends on besides its department's own file.
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
        let summaries_dir = region
            .as_ref()
            .filter(|_| !region_styles.is_empty())
            .map(summaries_dir_name);
        let checked = crate::check::check_with(&loaded, &styles, summaries_dir.as_deref());
        diagnostics.extend(checked.diagnostics.iter().cloned());
        let sources = &loaded.sources;

        // The fonts: `fonts/` beside the data, --font-path, and of the system only the
        // families the styles' chains name. Characters none of them can draw are errors
        // (JX120): such a department is refused before anything is laid out.
        let mut families = style_families(&checked);
        families.extend(
            region_styles
                .iter()
                .flat_map(|s| s.style.fonts.values().flatten().cloned()),
        );
        for p in &passed {
            // A style that no longer loads: not as recorded.
            let style = styles.get(&p.facts().style).ok()?;
            families.extend(style.style.fonts.values().flatten().cloned());
        }
        families.sort();
        families.dedup();
        // No style to lay out (no department loads: no data files, a style error): no font is
        // needed, and none missing is worth a word.
        let wanted = families.clone();
        let fonts = self.fonts_for(families);
        let glyph_failed: BTreeSet<FileId> = if fonts.has_cjk() {
            let found = crate::glyphs::check_cached(sources, &checked, &fonts, &mut self.coverage);
            let files = found
                .iter()
                .filter_map(|d| d.pos.as_ref().map(|p| p.file))
                .collect();
            diagnostics.extend(found);
            files
        } else {
            if build.is_some() && fatal.is_none() && !wanted.is_empty() {
                fatal = Some(no_cjk_message(&self.root(), &wanted));
            }
            BTreeSet::new()
        };
        let lib_hash = lib_hash(&lib.files, &fonts);
        let engine = self.engine_for(&lib_hash, &fonts, &lib.files);
        // The library files must compile on their own; found once per set of files.
        let lib_problems = match &self.lib_problems {
            Some((hash, found)) if *hash == lib_hash => found.clone(),
            _ => {
                let found = typst_files::check_lib(&engine, &lib.files);
                self.lib_problems = Some((lib_hash.clone(), found.clone()));
                found
            }
        };
        for d in &lib_problems {
            diagnostics.push(typst_files::typst_diagnostic(
                sources,
                &lib_ids,
                None,
                d,
                &rules::TEMPLATE_ERROR,
            ));
        }

        let refused = |d: &Dept| d.errors > 0 || glyph_failed.contains(&d.src.file);
        let mut departments: Vec<DeptOutcome> = checked
            .departments
            .iter()
            .map(|d| DeptOutcome {
                name: d.src.name.value.trim().to_string(),
                year: d.src.year.value,
                file: sources.path(d.src.file).to_path_buf(),
                out_dir: dept_dir(&self.options.out, d),
                status: if refused(d) {
                    DeptStatus::Refused
                } else {
                    DeptStatus::Checked
                },
                documents: Vec::new(),
                figures: {
                    let path = sources.path(d.src.file);
                    let of_file = diagnostics.iter().filter(|x| match &x.pos {
                        Some(p) => p.file == d.src.file,
                        None => x.path.as_deref() == Some(path),
                    });
                    let (errors, warnings) =
                        of_file.fold(
                            (0, 0),
                            |(e, w), x| {
                                if x.is_error() { (e + 1, w) } else { (e, w + 1) }
                            },
                        );
                    crate::region::figures::of(d, path.to_path_buf(), errors, warnings, refused(d))
                },
                summary: false,
            })
            .collect();
        // The departments passed over, after those checked, as recorded.
        departments.extend(passed.iter().map(|p| {
            let f = p.facts();
            DeptOutcome {
                name: f.name.clone(),
                year: f.year,
                file: p.file.clone(),
                out_dir: f.out_dir.clone(),
                status: DeptStatus::Checked,
                documents: Vec::new(),
                figures: f.figures.clone(),
                summary: false,
            }
        }));
        // A region's summaries: one group per year, after the departments.
        if let Some(r) = &region
            && !region_styles.is_empty()
        {
            let mut years: Vec<u32> = departments.iter().map(|d| d.year).collect();
            years.sort_unstable();
            years.dedup();
            for year in years {
                departments.push(DeptOutcome {
                    name: format!("{}{year}年度汇总表", r.name()),
                    year,
                    file: sources.path(r.file).to_path_buf(),
                    out_dir: self
                        .options
                        .out
                        .join(year.to_string())
                        .join(write::safe_component(&summaries_dir_name(r))),
                    status: DeptStatus::Checked,
                    documents: Vec::new(),
                    figures: None,
                    summary: true,
                });
            }
        }
        let mut counts = Counts::default();
        // The documents' dates (see `dates`): a department's last commit, unless
        // SOURCE_DATE_EPOCH fixes them all.
        let fixed = dates::fixed_date();
        let committed = match (build, fixed) {
            (Some(_), None) => {
                let files: Vec<PathBuf> = checked
                    .departments
                    .iter()
                    .map(|d| sources.path(d.src.file).to_path_buf())
                    .chain(passed.iter().map(|p| p.file.clone()))
                    .collect();
                self.commit_dates.dates(&files)
            }
            _ => HashMap::new(),
        };
        // A department passed over whose plan's key is not the recorded one (a style,
        // template, font or date changed) is not as recorded: start again, loading it.
        let flags = build.map_or(0, |b| b.output_flags());
        if passed.iter().any(|p| {
            let stamp = dates::department_date(fixed, &committed, &p.file, p.facts().year);
            plan_key(&fingerprint, &lib_hash, flags, stamp, &p.text)
                .to_hex()
                .as_str()
                != p.plan.key
        }) {
            return None;
        }
        if let (Some(build), None) = (build, &fatal) {
            for d in departments
                .iter()
                .filter(|d| d.status == DeptStatus::Refused)
            {
                on(&Event::Refused {
                    department: d.name.clone(),
                });
            }
            let run = BuildRun {
                build,
                engine,
                templates: templates.clone(),
                lib_hash,
                region: region.as_ref(),
                region_styles: &region_styles,
                fingerprint,
                sources,
                fixed,
                committed: &committed,
                verified: &self.verified,
                fonts: &fonts,
                out: &self.options.out,
                on,
                recorded: recorded.as_ref(),
                passed: &passed,
            };
            let typst = run.build(
                manifest.unwrap_or_else(|| Manifest::load(&self.options.out)),
                &checked,
                &mut departments,
                &mut counts,
                &mut self.planned,
                &mut self.plans,
            );
            in_file_order(&mut departments);
            // The publication index of each year, when the data is a region's.
            if let Some(r) = &region {
                for (path, page) in
                    crate::region::index::pages(&self.options.out, r.name(), &departments)
                {
                    let rel = path.strip_prefix(&self.options.out).unwrap_or(&path);
                    match write::write_atomic(&self.options.out, rel, page.as_bytes()) {
                        Ok(Written::Written) => {
                            counts.written += 1;
                            on(&Event::Written(path));
                        }
                        Ok(_) => counts.unchanged += 1,
                        Err(e) => {
                            counts.write_failures += 1;
                            on(&Event::WriteFailed {
                                department: r.name().to_string(),
                                path,
                                reason: e.to_string(),
                                partly: false,
                            })
                        }
                    }
                }
            }
            for (dept, (template, d)) in typst {
                let template = self.templates_dir.join(&template);
                diagnostics.push(typst_files::typst_diagnostic(
                    sources,
                    &lib_ids,
                    Some((&template, &dept)),
                    &d,
                    &rules::TYPESET_FAILED,
                ));
            }
        }
        in_file_order(&mut departments);
        sort_diagnostics(&mut diagnostics);
        let mut summary = Summary {
            departments: checked.departments.len() + passed.len(),
            projects: checked
                .departments
                .iter()
                .map(|d| d.projects.len())
                .sum::<usize>()
                + passed.iter().map(|p| p.facts().projects).sum::<usize>(),
            ..Summary::default()
        };
        summary.count(&diagnostics);
        drop(checked);
        let outcome = Outcome {
            sources: loaded.sources,
            diagnostics,
            summary,
            departments,
            fatal,
            documents: counts.documents,
            written: counts.written,
            unchanged: counts.unchanged,
            planned: counts.planned,
            removed: counts.removed,
            write_failures: counts.write_failures,
            elapsed: std::time::Duration::ZERO,
        };
        // A build without any error is the record the next one-shot build may stand on.
        if let Some(key) = shortcut_key
            && !outcome.failed()
            && let Some(tree) = shortcut::out_tree(&self.options.out)
        {
            let record = shortcut::Record {
                key,
                departments: outcome.summary.departments,
                projects: outcome.summary.projects,
                warnings: outcome.summary.warnings,
                documents: outcome.documents,
                files: outcome.written + outcome.unchanged,
                fresh: outcome
                    .departments
                    .iter()
                    .flat_map(|d| d.documents.iter().map(|doc| doc.pdf.clone()))
                    .collect(),
                tree,
            };
            if let Err(e) = shortcut::save(&self.options.out, &record) {
                on(&Event::ManifestNotSaved(e.to_string()));
            }
        }
        Some(outcome)
    }

    /// Renders a document that is no department's (the 绩效目标变动对照表 of `jixiao diff`)
    /// through the same renderers as a build: the templates and Typst library of this
    /// workspace, the fonts of `chains` (by role). Returns the PDF's bytes and the xlsx's;
    /// the error is a readable message.
    pub fn render_document(
        &mut self,
        doc: &Document,
        chains: &BTreeMap<String, Vec<String>>,
        timestamp: dates::Date,
    ) -> Result<(Vec<u8>, Vec<u8>), String> {
        let mut families: Vec<String> = chains.values().flatten().cloned().collect();
        families.sort();
        families.dedup();
        let fonts = self.fonts_for(families.clone());
        if !fonts.has_cjk() {
            return Err(no_cjk_message(&self.root(), &families));
        }
        let lib = typst_files::read_lib(&self.templates_dir);
        if let Some((path, reason)) = lib.problems.first() {
            return Err(format!("{}：{reason}", crate::diag::display_path(path)));
        }
        let lib_hash = lib_hash(&lib.files, &fonts);
        let engine = self.engine_for(&lib_hash, &fonts, &lib.files);
        let (templates, problems) = Templates::load(&self.templates_dir);
        if templates.source(&doc.template).is_none() {
            let why: Vec<String> = problems
                .iter()
                .map(|p| {
                    let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
                    format!(
                        "{}{line}：{}",
                        crate::diag::display_path(&p.path),
                        p.message
                    )
                })
                .collect();
            return Err(if why.is_empty() {
                format!("找不到模板 templates/{}", doc.template)
            } else {
                why.join("\n")
            });
        }
        let present = crate::render::pdf::present_chains(&fonts, chains);
        let doc = &Arc::new(doc.clone());
        let input = Input {
            doc,
            template: &doc.template,
            fonts: &present,
            timestamp,
            twin: None,
        };
        let pdf = PdfRenderer {
            engine,
            templates: Arc::new(templates),
            previews: false,
        }
        .render(&input);
        engine::evict();
        let xlsx = XlsxRenderer {
            fonts: Default::default(),
        }
        .render(&input);
        Ok((
            pdf.map_err(|e| e.to_string())?.bytes,
            xlsx.map_err(|e| e.to_string())?.bytes,
        ))
    }

    /// The fonts for the families `checked`'s styles name, discovered once.
    fn fonts_for(&mut self, families: Vec<String>) -> Arc<FontSet> {
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
    fn engine_for(
        &mut self,
        hash: &str,
        fonts: &Arc<FontSet>,
        lib: &[(String, Vec<u8>)],
    ) -> Arc<Engine> {
        if let Some((known, engine)) = &self.engine
            && known == hash
        {
            return engine.clone();
        }
        let today = dates::fixed_date().unwrap_or((2000, 1, 1));
        let engine = Arc::new(Engine::new(fonts.clone(), lib.to_vec(), today));
        self.engine = Some((hash.to_string(), engine.clone()));
        engine
    }
}

/// Outputs known to hold what the build record says, with the input hash and the length and
/// modification time they had then: a file whose metadata is unchanged is not read again.
type Verified = Mutex<HashMap<PathBuf, (String, u64, std::time::SystemTime)>>;

/// The key of a department's plan: its file's text, its date, and everything else a plan
/// depends on (`fingerprint`: the styles, region and templates; the Typst library and fonts;
/// `--split`, `--no-data-sheet`: [`BuildOptions::output_flags`]). A department whose key is as
/// last time has the same plan.
fn plan_key(
    fingerprint: &blake3::Hash,
    lib_hash: &str,
    flags: u8,
    stamp: dates::Date,
    text: &str,
) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    h.update(fingerprint.as_bytes());
    h.update(lib_hash.as_bytes());
    h.update(&[flags]);
    h.update(format!("{stamp:?}").as_bytes());
    h.update(text.as_bytes());
    h.finalize()
}

/// The departments (before the summaries) in the order of their files, as they are loaded:
/// those passed over (`reuse`) are put after the checked ones until the jobs, which name
/// departments by index, are done.
fn in_file_order(departments: &mut [DeptOutcome]) {
    let end = departments
        .iter()
        .position(|d| d.summary)
        .unwrap_or(departments.len());
    departments[..end].sort_by(|a, b| a.file.cmp(&b.file));
}

/// The jobs of `owner`'s plan taken from the plan record (its outputs are fresh), and its
/// listed documents.
fn push_recorded(
    owner: &mut DeptOutcome,
    index: usize,
    plan: &plan_record::DeptPlan,
    stamp: dates::Date,
    jobs: &mut Vec<Job>,
) {
    for j in &plan.jobs {
        if j.listed {
            owner
                .documents
                .push(DocOutcome::of(j.title.clone(), &j.outputs));
        }
        jobs.push(Job {
            dept: index,
            doc: None,
            template: j.template.clone(),
            fonts: BTreeMap::new(),
            outputs: j.outputs.clone(),
            hash: j.hash.clone(),
            timestamp: stamp,
            listed: j.listed,
            twin: None,
        });
    }
}

/// What a later build needs of `dept` to pass over its file (`reuse`); `None` when its file
/// had an error or a warning (or its figures do not sum).
fn facts_of(dept: &Dept, text: &str, outcome: &DeptOutcome) -> Option<plan_record::Facts> {
    let figures = outcome.figures.as_ref()?;
    (figures.errors == 0 && figures.warnings == 0).then(|| plan_record::Facts {
        text: blake3::hash(text.as_bytes()).to_hex().to_string(),
        name: outcome.name.clone(),
        year: outcome.year,
        out_dir: outcome.out_dir.clone(),
        style: dept.style.key.clone(),
        projects: dept.projects.len(),
        figures: Some(figures.clone()),
    })
}

/// Whether `path` holds what the last build made from inputs hashing to `hash` (by
/// `manifest`); an output found so is remembered in `verified` by its length and mtime, and
/// not read again while they are unchanged.
fn is_fresh(verified: &Verified, manifest: &Manifest, path: &Path, hash: &str) -> bool {
    let now = metadata_of(path);
    let lock = || verified.lock().unwrap_or_else(|e| e.into_inner());
    if let (Some((h, len, mtime)), Some(now)) = (lock().get(path), now)
        && h == hash
        && (*len, *mtime) == now
    {
        return true;
    }
    let fresh = manifest.is_fresh(path, hash);
    if let (true, Some((len, mtime))) = (fresh, now) {
        lock().insert(path.to_path_buf(), (hash.to_string(), len, mtime));
    }
    fresh
}

fn metadata_of(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// What a build did, counted.
#[derive(Default)]
struct Counts {
    documents: usize,
    written: usize,
    unchanged: usize,
    /// Departments planned (not taken from kept plans or the plan record).
    planned: usize,
    /// Files of earlier builds removed because no department makes them any more.
    removed: usize,
    /// Files outside any department (the region's index pages) that could not be written.
    write_failures: usize,
}

/// One document to render: its plan, template, outputs and input hash.
#[derive(Clone)]
struct Job {
    dept: usize,
    /// Shared: the plans kept for `watch` and `serve` hand out their jobs every run. `None`
    /// for a job taken from the plan record (`plan_record`), whose outputs were fresh.
    doc: Option<Arc<Document>>,
    template: String,
    fonts: BTreeMap<String, Vec<String>>,
    /// (renderer index, path) of each output.
    outputs: Vec<(usize, PathBuf)>,
    hash: String,
    /// The date stamped into its files.
    timestamp: dates::Date,
    /// Listed as a document of its department (not one of `--split`'s extra files).
    listed: bool,
    /// What the xlsx twin carries (a department's documents).
    twin: Option<Arc<crate::render::xlsx::Twin>>,
}

impl Job {
    /// The document's title; empty for a job from the plan record (whose title is there).
    fn title(&self) -> String {
        self.doc
            .as_ref()
            .map(|d| d.title.clone())
            .unwrap_or_default()
    }
}

/// How a department's documents were planned in this run.
enum Planned {
    /// As last time: the jobs of the plans `watch` and `serve` keep.
    Kept(Vec<Job>),
    /// Taken from the plan record: its outputs are fresh.
    Recorded(Box<plan_record::DeptPlan>),
    /// Planned now.
    Now(Result<Vec<Document>, crate::plan::PlanError>),
}

/// The most documents a rebuild of `watch` or `serve` may render and still keep Typst's memo
/// cache for the next rebuild (see `engine::evict_after_rebuild`).
const REBUILD_KEPT_DOCUMENTS: usize = 2;

enum JobResult {
    /// Bytes per output.
    Rendered {
        files: Vec<Vec<u8>>,
    },
    Fresh,
    Failed(crate::render::RenderError),
}

/// The build part of a run.
struct BuildRun<'a> {
    build: &'a BuildOptions,
    engine: Arc<Engine>,
    templates: Arc<Templates>,
    lib_hash: String,
    region: Option<&'a crate::region::Region>,
    region_styles: &'a [crate::region::style::LoadedRegionStyle],
    fingerprint: blake3::Hash,
    sources: &'a crate::diag::Sources,
    /// `SOURCE_DATE_EPOCH`'s date, when set.
    fixed: Option<dates::Date>,
    /// The date of the last commit of each data file in a git work tree.
    committed: &'a HashMap<PathBuf, dates::Date>,
    verified: &'a Verified,
    fonts: &'a FontSet,
    out: &'a Path,
    on: &'a (dyn Fn(&Event) + Sync),
    /// The plan record of the last one-shot build (when this is one, and not `--force`).
    recorded: Option<&'a plan_record::PlanRecord>,
    /// The departments passed over (`reuse`), after the checked ones among the departments.
    passed: &'a [reuse::Passed],
}

/// Typst's diagnostics of a failed document: (department name, (template, diagnostic)).
type TypstFailures = Vec<(String, (String, TypstDiagnostic))>;

impl BuildRun<'_> {
    /// Whether `path` holds what the last build made from inputs hashing to `hash`.
    fn is_fresh(&self, manifest: &Manifest, path: &Path, hash: &str) -> bool {
        is_fresh(self.verified, manifest, path, hash)
    }

    fn build(
        &self,
        manifest: Manifest,
        checked: &Checked,
        departments: &mut [DeptOutcome],
        outcome: &mut Counts,
        planned: &mut HashMap<PathBuf, Job>,
        plans: &mut HashMap<PathBuf, (blake3::Hash, Vec<Job>)>,
    ) -> TypstFailures {
        let on = self.on;
        let renderers: [&dyn Renderer; 2] = [
            &PdfRenderer {
                engine: self.engine.clone(),
                templates: self.templates.clone(),
                previews: false,
            },
            &XlsxRenderer {
                fonts: Default::default(),
            },
        ];
        let mut record = plan_record::PlanRecord::default();
        let (jobs, planned_now) = self.plan(checked, departments, plans, &manifest, &mut record);
        outcome.planned = planned_now;
        outcome.documents = jobs.iter().filter(|j| j.listed).count();
        // Kept for previews and the next run; a one-shot build has neither.
        if !self.build.one_shot {
            for job in jobs.iter().filter(|j| j.listed) {
                planned.insert(job.outputs[0].1.clone(), job.clone());
            }
        }
        let fresh = |job: &Job| {
            !self.build.force
                && job
                    .outputs
                    .iter()
                    .all(|(_, path)| self.is_fresh(&manifest, path, &job.hash))
        };
        let threads = self.build.jobs.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        // Plain worker threads pulling documents from a shared counter. Not a rayon pool: the
        // PDF writer uses rayon inside, and a rayon worker waiting on it would steal and start
        // the next document while holding the current one, so memory would grow with every
        // document.
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let slots: Vec<Mutex<Option<JobResult>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
        let by_dept = by_department(&jobs);
        // A department is put in place as soon as its last document is rendered, by a writer
        // thread (mostly waiting for the disk), and its bytes are dropped then: memory does not
        // grow with the number of departments, and writing overlaps rendering.
        let remaining: HashMap<usize, AtomicUsize> = by_dept
            .iter()
            .map(|(&d, v)| (d, AtomicUsize::new(v.len())))
            .collect();
        // A long-lived caller's rebuild of a few documents keeps Typst's memo cache for the
        // next one (an edit of the same file lays out only what changed); a larger build
        // clears it after every document, so memory does not grow with their number.
        let keep_memo = !self.build.one_shot
            && jobs
                .iter()
                .filter(|j| !fresh(j))
                .take(REBUILD_KEPT_DOCUMENTS + 1)
                .count()
                <= REBUILD_KEPT_DOCUMENTS;
        let placed: HashMap<usize, Mutex<Option<Placed>>> =
            by_dept.keys().map(|&d| (d, Mutex::new(None))).collect();
        let out_dirs: Vec<PathBuf> = departments.iter().map(|d| d.out_dir.clone()).collect();
        let (ready, queue) = std::sync::mpsc::channel::<usize>();
        let queue = Mutex::new(queue);
        std::thread::scope(|scope| {
            for _ in 0..WRITE_THREADS {
                scope.spawn(|| {
                    loop {
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok(dept) = next else { break };
                        let r =
                            put_in_place(self.out, &out_dirs[dept], &by_dept[&dept], &jobs, &slots);
                        if let (Some(r), Some(slot)) = (r, placed.get(&dept)) {
                            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                        }
                    }
                });
            }
            for _ in 0..threads.clamp(1, jobs.len().max(1)) {
                let ready = ready.clone();
                let (remaining, slots, jobs, next, done) =
                    (&remaining, &slots, &jobs, &next, &done);
                let (fresh, renderers) = (&fresh, &renderers);
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        let r = if fresh(job) {
                            JobResult::Fresh
                        } else {
                            let r = render_job(job, renderers);
                            if !keep_memo {
                                engine::evict();
                            }
                            r
                        };
                        *slots[i].lock().expect("result slot") = Some(r);
                        if remaining[&job.dept].fetch_sub(1, Ordering::AcqRel) == 1 {
                            let _ = ready.send(job.dept);
                        }
                        on(&Event::Progress {
                            done: done.fetch_add(1, Ordering::Relaxed) + 1,
                            total: jobs.len(),
                        });
                    }
                });
            }
            // The writers stop when every renderer has dropped its sender.
            drop(ready);
        });
        if keep_memo {
            engine::evict_after_rebuild();
        }
        let mut results: Vec<JobResult> = slots
            .into_iter()
            .map(|s| {
                s.into_inner().ok().flatten().unwrap_or_else(|| {
                    JobResult::Failed(crate::render::RenderError {
                        message: "渲染线程意外中止".to_string(),
                        typst: Vec::new(),
                    })
                })
            })
            .collect();
        let placed: HashMap<usize, Option<Placed>> = placed
            .into_iter()
            .map(|(d, m)| (d, m.into_inner().unwrap_or_else(|e| e.into_inner())))
            .collect();
        let mut manifest = manifest;
        let typst = self.write(
            &jobs,
            &by_dept,
            &mut results,
            placed,
            departments,
            outcome,
            &mut manifest,
        );
        if let Err(e) = manifest.save() {
            on(&Event::ManifestNotSaved(e.to_string()));
        }
        if self.build.one_shot
            && let Err(e) = record.save(self.out)
        {
            on(&Event::ManifestNotSaved(e.to_string()));
        }
        typst
    }

    /// Every document of every department without errors, with its outputs and input hash.
    fn plan(
        &self,
        checked: &Checked,
        departments: &mut [DeptOutcome],
        plans: &mut HashMap<PathBuf, (blake3::Hash, Vec<Job>)>,
        manifest: &Manifest,
        record: &mut plan_record::PlanRecord,
    ) -> (Vec<Job>, usize) {
        use rayon::prelude::*;
        // Each department's date, and the key of its plan: a department whose file, date,
        // styles, templates and fonts are as last time has the same plan.
        let keyed: Vec<(dates::Date, blake3::Hash)> = checked
            .departments
            .iter()
            .zip(departments.iter())
            .map(|(dept, outcome)| {
                let year = dept.src.year.value;
                let stamp = dates::department_date(self.fixed, self.committed, &outcome.file, year);
                let text = self.sources.text(dept.src.file);
                let key = plan_key(
                    &self.fingerprint,
                    &self.lib_hash,
                    self.build.output_flags(),
                    stamp,
                    text,
                );
                (stamp, key)
            })
            .collect();
        // How each department's documents are planned, decided (and the new plans made) in
        // parallel, each department on its own; the jobs are made in department order below.
        // A refused department has none.
        let how: Vec<Option<Planned>> = checked
            .departments
            .par_iter()
            .zip(departments.par_iter())
            .zip(keyed.par_iter())
            .map(|((dept, outcome), (_, key))| {
                if outcome.status == DeptStatus::Refused {
                    return None;
                }
                if let Some((known, kept)) = plans.get(&outcome.file)
                    && known == key
                {
                    return Some(Planned::Kept(kept.clone()));
                }
                if let Some(r) = self.recorded.and_then(|r| r.get(&outcome.file, key))
                    && r.outputs_fresh(|path, hash| self.is_fresh(manifest, path, hash))
                {
                    return Some(Planned::Recorded(Box::new(r.clone())));
                }
                Some(Planned::Now(crate::plan::plan_department(dept)))
            })
            .collect();
        let mut jobs = Vec::new();
        let mut planned_now = 0;
        for ((index, dept), how) in checked.departments.iter().enumerate().zip(how) {
            let Some(how) = how else { continue };
            let file = departments[index].file.clone();
            let (stamp, key) = keyed[index];
            let planned = match how {
                Planned::Kept(kept) => {
                    for mut job in kept {
                        if job.listed {
                            departments[index]
                                .documents
                                .push(DocOutcome::of(job.title(), &job.outputs));
                        }
                        job.dept = index;
                        jobs.push(job);
                    }
                    continue;
                }
                Planned::Recorded(r) => {
                    push_recorded(&mut departments[index], index, &r, stamp, &mut jobs);
                    // Its facts as found now (a department it is compared with may have
                    // changed).
                    let facts =
                        facts_of(dept, self.sources.text(dept.src.file), &departments[index]);
                    let r = *r;
                    let r = plan_record::DeptPlan::new(&file, r.key, r.jobs, facts);
                    record.departments.insert(file, r);
                    continue;
                }
                Planned::Now(p) => p,
            };
            planned_now += 1;
            let first = jobs.len();
            let chains = crate::render::pdf::present_chains(self.fonts, &dept.style.style.fonts);
            let dir = departments[index].out_dir.clone();
            let docs = match planned {
                Ok(d) => d,
                Err(e) => {
                    let reason = e.to_string();
                    (self.on)(&Event::PlanFailed {
                        department: departments[index].name.clone(),
                        reason: reason.clone(),
                    });
                    departments[index].status = DeptStatus::Failed(reason);
                    continue;
                }
            };
            let data_file = departments[index]
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            for doc in docs {
                // Each workbook's data sheet carries what its tables print, so that edits of
                // the xlsx can come back (none with `--no-data-sheet`).
                let twin = (!self.build.no_data_sheet).then(|| {
                    let bound = crate::import::twin::bound_paths(&doc);
                    Arc::new(crate::render::xlsx::Twin {
                        data: crate::yaml_out::department(
                            &crate::import::twin::printed_only(dept.src, &bound),
                            &[],
                        ),
                        file: data_file.clone(),
                        style: dept.style.key.clone(),
                    })
                });
                let stem = write::safe_file_stem(&doc.file_stem);
                if self.build.split && doc.sections.len() > 1 {
                    for (i, sec) in doc.sections.iter().enumerate() {
                        let mut one = doc.clone();
                        one.sections = vec![sec.clone()];
                        one.title = format!("{} {}", doc.title, sec.name);
                        let name = format!("{:02}-{}", i + 1, write::safe_file_stem(&sec.name));
                        let pdf = dir.join(&stem).join(format!("{name}.pdf"));
                        jobs.push(self.job(
                            index,
                            one,
                            &chains,
                            vec![(0, pdf)],
                            stamp,
                            false,
                            None,
                        ));
                    }
                }
                jobs.push(self.listed_job(
                    &mut departments[index],
                    index,
                    doc,
                    &chains,
                    stamp,
                    twin,
                ));
            }
            if self.build.one_shot {
                let recorded = plan_record::DeptPlan::new(
                    &file,
                    key.to_hex().to_string(),
                    jobs[first..]
                        .iter()
                        .map(|j| plan_record::JobPlan {
                            outputs: j.outputs.clone(),
                            hash: j.hash.clone(),
                            template: j.template.clone(),
                            listed: j.listed,
                            title: j.title(),
                        })
                        .collect(),
                    facts_of(dept, self.sources.text(dept.src.file), &departments[index]),
                );
                record.departments.insert(file, recorded);
            } else {
                plans.insert(file, (key, jobs[first..].to_vec()));
            }
        }
        // The departments passed over: their recorded plans, whose outputs were fresh.
        let first = checked.departments.len();
        for (k, p) in self.passed.iter().enumerate() {
            let stamp = dates::department_date(self.fixed, self.committed, &p.file, p.facts().year);
            push_recorded(
                &mut departments[first + k],
                first + k,
                &p.plan,
                stamp,
                &mut jobs,
            );
            record.departments.insert(p.file.clone(), p.plan.clone());
        }
        self.plan_summaries(departments, &mut jobs);
        (jobs, planned_now)
    }

    /// The region's summaries of each year, from the figures of that year's departments.
    fn plan_summaries(&self, departments: &mut [DeptOutcome], jobs: &mut Vec<Job>) {
        let Some(region) = self.region else { return };
        let chains_of = |s: &crate::region::style::LoadedRegionStyle| {
            crate::render::pdf::present_chains(self.fonts, &s.style.fonts)
        };
        for index in 0..departments.len() {
            if !departments[index].summary {
                continue;
            }
            let year = departments[index].year;
            let mut figures: Vec<crate::region::figures::DeptFigures> = departments
                .iter()
                .filter(|d| !d.summary && d.year == year)
                .filter_map(|d| d.figures.clone())
                .collect();
            // In file order, also when departments were passed over (`reuse`): those come
            // after the checked ones here.
            figures.sort_by(|a, b| a.file.cmp(&b.file));
            let of_year: Vec<&crate::region::figures::DeptFigures> = figures.iter().collect();
            for style in self.region_styles {
                match crate::region::plan::plan(region, style, year, &of_year) {
                    Ok(docs) => {
                        let chains = chains_of(style);
                        for doc in docs {
                            jobs.push(self.listed_job(
                                &mut departments[index],
                                index,
                                doc,
                                &chains,
                                dates::document_date(
                                    self.fixed,
                                    None,
                                    u16::try_from(year).unwrap_or(u16::MAX),
                                ),
                                None,
                            ));
                        }
                    }
                    Err(reason) => {
                        (self.on)(&Event::PlanFailed {
                            department: departments[index].name.clone(),
                            reason: reason.clone(),
                        });
                        departments[index].status = DeptStatus::Failed(reason);
                    }
                }
            }
        }
    }

    /// The job of a document listed for its department: its PDF and xlsx in the department's
    /// directory, named after the document.
    fn listed_job(
        &self,
        owner: &mut DeptOutcome,
        index: usize,
        doc: Document,
        chains: &BTreeMap<String, Vec<String>>,
        stamp: dates::Date,
        twin: Option<Arc<crate::render::xlsx::Twin>>,
    ) -> Job {
        let stem = write::safe_file_stem(&doc.file_stem);
        let outputs = vec![
            (0, owner.out_dir.join(format!("{stem}.pdf"))),
            (1, owner.out_dir.join(format!("{stem}.xlsx"))),
        ];
        owner
            .documents
            .push(DocOutcome::of(doc.title.clone(), &outputs));
        self.job(index, doc, chains, outputs, stamp, true, twin)
    }

    // Each argument is one input of the job's hash; grouping them would only rename them.
    #[allow(clippy::too_many_arguments)]
    fn job(
        &self,
        dept: usize,
        doc: Document,
        chains: &BTreeMap<String, Vec<String>>,
        outputs: Vec<(usize, PathBuf)>,
        timestamp: dates::Date,
        listed: bool,
        twin: Option<Arc<crate::render::xlsx::Twin>>,
    ) -> Job {
        let template = doc.template.clone();
        let mut h = blake3::Hasher::new();
        h.update(self.lib_hash.as_bytes());
        // The date is part of the bytes: another date is another output.
        h.update(format!("{timestamp:?}").as_bytes());
        h.update(&serde_json::to_vec(&doc).unwrap_or_default());
        h.update(&serde_json::to_vec(chains).unwrap_or_default());
        h.update(template.as_bytes());
        if let Some(t) = &twin {
            h.update(t.data.as_bytes());
            h.update(t.file.as_bytes());
        }
        h.update(
            self.templates
                .source(&template)
                .unwrap_or_default()
                .as_bytes(),
        );
        Job {
            dept,
            doc: Some(Arc::new(doc)),
            template,
            fonts: chains.clone(),
            outputs,
            hash: h.finalize().to_hex().to_string(),
            timestamp,
            listed,
            twin,
        }
    }

    /// Writes each department all or none: if any of its documents failed, none is written;
    /// otherwise its files are staged and moved in together (`write::replace_together`).
    #[allow(clippy::too_many_arguments)]
    fn write(
        &self,
        jobs: &[Job],
        by_dept: &BTreeMap<usize, Vec<usize>>,
        results: &mut [JobResult],
        mut placed: HashMap<usize, Option<Placed>>,
        departments: &mut [DeptOutcome],
        outcome: &mut Counts,
        manifest: &mut Manifest,
    ) -> TypstFailures {
        let on = self.on;
        let mut typst = Vec::new();
        // Typst's diagnostics are taken out first.
        for (&dept, indices) in by_dept {
            for &i in indices {
                if let JobResult::Failed(e) = &mut results[i] {
                    for d in std::mem::take(&mut e.typst) {
                        let name = departments[dept].name.clone();
                        typst.push((name, (jobs[i].template.clone(), d)));
                    }
                }
            }
        }
        let results = &*results;
        for (&dept, indices) in by_dept {
            let name = departments[dept].name.clone();
            let failed = indices
                .iter()
                .any(|&i| matches!(results[i], JobResult::Failed(_)));
            // (output, input hash) of every rendered file of the department, in the order
            // `put_in_place` wrote them.
            let mut files: Vec<(&Path, &str)> = Vec::new();
            let mut reasons = Vec::new();
            for &i in indices {
                let job = &jobs[i];
                let pdf = &job.outputs[0].1;
                match &results[i] {
                    JobResult::Rendered { .. } if failed => on(&Event::Held(pdf.clone())),
                    JobResult::Rendered { .. } => {
                        files.extend(
                            job.outputs
                                .iter()
                                .map(|(_, path)| (path.as_path(), &*job.hash)),
                        );
                    }
                    JobResult::Fresh => {
                        outcome.unchanged += job.outputs.len();
                        on(&Event::Fresh(pdf.clone()));
                    }
                    JobResult::Failed(e) => {
                        reasons.push(e.message.clone());
                        on(&Event::DocFailed {
                            department: name.clone(),
                            path: pdf.clone(),
                            reason: e.message.clone(),
                        });
                    }
                }
            }
            if failed {
                departments[dept].status = DeptStatus::Failed(reasons.join("\n"));
                continue;
            }
            departments[dept].status = DeptStatus::Built;
            if files.is_empty() {
                let dir = &departments[dept].out_dir;
                outcome.removed += self.retire_old_outputs(dir, jobs, indices, manifest);
                continue;
            }
            let r = placed.remove(&dept).flatten().unwrap_or_else(|| {
                Err(write::ReplaceError {
                    path: departments[dept].out_dir.clone(),
                    reason: "写入线程意外中止".to_string(),
                    partly: false,
                })
            });
            match r {
                Ok(written) => {
                    for (&(path, hash), (w, bytes_hash)) in files.iter().zip(written) {
                        manifest.record_hashed(path, hash, &bytes_hash);
                        if let Some((len, mtime)) = metadata_of(path) {
                            let mut v = self.verified.lock().unwrap_or_else(|e| e.into_inner());
                            v.insert(path.to_path_buf(), (hash.to_string(), len, mtime));
                        }
                        if w == Written::Written {
                            outcome.written += 1;
                            on(&Event::Written(path.to_path_buf()));
                        } else {
                            outcome.unchanged += 1;
                            on(&Event::Same(path.to_path_buf()));
                        }
                    }
                    let dir = &departments[dept].out_dir;
                    outcome.removed += self.retire_old_outputs(dir, jobs, indices, manifest);
                }
                Err(e) => {
                    on(&Event::WriteFailed {
                        department: name.clone(),
                        path: e.path.clone(),
                        reason: e.reason.clone(),
                        partly: e.partly,
                    });
                    departments[dept].status = DeptStatus::Failed(e.to_string());
                }
            }
        }
        typst
    }

    /// Removes what an earlier build wrote into the directory `dir` of a department built now
    /// that none of its jobs (`indices`) makes any more — the `--split` PDF of a renamed
    /// project, a document its style no longer prints — as the manifest records it, unless
    /// changed by hand since (see [`Manifest::retire`]); then the directories left empty.
    /// How many files were removed.
    fn retire_old_outputs(
        &self,
        dir: &Path,
        jobs: &[Job],
        indices: &[usize],
        manifest: &mut Manifest,
    ) -> usize {
        // As a file system that ignores case or composition compares names: there, an old
        // name that differs only so is the file just written.
        let name = |p: &Path| {
            let p: PathBuf = p.components().collect();
            write::policy::folded_name(&p.to_string_lossy())
        };
        let made: BTreeSet<String> = indices
            .iter()
            .flat_map(|&i| jobs[i].outputs.iter().map(|(_, p)| name(p)))
            .collect();
        let mut removed = 0;
        for old in manifest.outputs_below(dir) {
            if made.contains(&name(&old)) {
                continue;
            }
            if manifest.retire(&old) {
                removed += 1;
                (self.on)(&Event::Removed(old.clone()));
                let mut parent = old.parent();
                while let Some(p) = parent.filter(|p| p.starts_with(dir) && *p != dir) {
                    if !manifest.remove_empty_dir(p) {
                        break;
                    }
                    parent = p.parent();
                }
            }
        }
        removed
    }
}

/// What putting a department's files in place gave: per file, whether it was written and the
/// BLAKE3 hash (hex) of its bytes.
type Placed = Result<Vec<(Written, String)>, write::ReplaceError>;

/// The job indices of each department, in job order.
fn by_department(jobs: &[Job]) -> BTreeMap<usize, Vec<usize>> {
    let mut by_dept: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, job) in jobs.iter().enumerate() {
        by_dept.entry(job.dept).or_default().push(i);
    }
    by_dept
}

/// Puts one department's rendered files in place together (see [`write::replace_together`])
/// once all its documents are rendered, then drops their bytes. `None` when there is nothing
/// to write: a document failed (nothing of the department is replaced) or every one was
/// current.
fn put_in_place(
    out: &Path,
    out_dir: &Path,
    indices: &[usize],
    jobs: &[Job],
    slots: &[Mutex<Option<JobResult>>],
) -> Option<Placed> {
    // Every renderer of this department is done with its slot: no one else locks these.
    let mut results: Vec<_> = indices
        .iter()
        .map(|&i| slots[i].lock().unwrap_or_else(|e| e.into_inner()))
        .collect();
    if results.iter().any(|r| {
        !matches!(
            r.as_ref(),
            Some(JobResult::Rendered { .. } | JobResult::Fresh)
        )
    }) {
        return None;
    }
    let mut files: Vec<(&Path, &[u8])> = Vec::new();
    for (r, &i) in results.iter().zip(indices) {
        if let Some(JobResult::Rendered { files: bytes }) = r.as_ref() {
            for ((_, path), b) in jobs[i].outputs.iter().zip(bytes) {
                files.push((path.as_path(), b.as_slice()));
            }
        }
    }
    if files.is_empty() {
        return None;
    }
    let placed = write::replace_together(out, out_dir, &files).map(|written| {
        written
            .into_iter()
            .zip(&files)
            .map(|(w, (_, b))| (w, blake3::hash(b).to_hex().to_string()))
            .collect()
    });
    drop(files);
    for r in &mut results {
        if let Some(JobResult::Rendered { files }) = r.as_mut() {
            for f in files.iter_mut() {
                *f = Vec::new();
            }
        }
    }
    Some(placed)
}

fn render_job(job: &Job, renderers: &[&dyn Renderer]) -> JobResult {
    // A job from the plan record had fresh outputs when it was planned; only a change to them
    // during this build brings it here.
    let Some(doc) = job.doc.as_ref() else {
        return JobResult::Failed(crate::render::RenderError {
            message: "输出文件在本次构建中途被改动；请再构建一次".to_string(),
            typst: Vec::new(),
        });
    };
    let input = Input {
        doc,
        template: &job.template,
        fonts: &job.fonts,
        timestamp: job.timestamp,
        twin: job.twin.as_deref(),
    };
    // The first output (the PDF: Typst's layout, the long part) here, the others meanwhile
    // on threads of their own, so one changed document uses both cores.
    let (first, rest) = match job.outputs.split_first() {
        Some(split) => split,
        None => {
            return JobResult::Rendered { files: Vec::new() };
        }
    };
    let (first, rest) = std::thread::scope(|scope| {
        let rest: Vec<_> = rest
            .iter()
            .map(|(r, _)| scope.spawn(|| renderers[*r].render(&input)))
            .collect();
        let first = renderers[first.0].render(&input);
        let rest: Vec<_> = rest
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(crate::render::RenderError {
                        message: "渲染线程意外中止".to_string(),
                        typst: Vec::new(),
                    })
                })
            })
            .collect();
        (first, rest)
    });
    let mut files = Vec::new();
    for out in std::iter::once(first).chain(rest) {
        match out {
            Ok(out) => files.push(out.bytes),
            Err(e) => return JobResult::Failed(e),
        }
    }
    JobResult::Rendered { files }
}

/// Locks `out` for this build and finishes or cleans up what a killed build left there.
fn lock_and_recover(
    out: &Path,
    on: &(dyn Fn(&Event) + Sync),
) -> Result<Option<write::OutLock>, String> {
    let shown = crate::diag::display_path(out);
    match write::lock_out(out) {
        Ok(lock) => {
            for r in write::recover(out) {
                on(&Event::Recovered(r));
            }
            let removed = write::remove_stale_temps(out);
            if !removed.is_empty() {
                on(&Event::RemovedTemps(removed.len()));
            }
            Ok(Some(lock))
        }
        Err(write::LockError::Busy { pid }) => {
            let who = pid.map(|p| format!("（进程 {p}）")).unwrap_or_default();
            Err(format!(
                "另一个 jixiao 构建正在写入 {shown}{who}；本次构建未执行，请等它结束后再试"
            ))
        }
        Err(write::LockError::Unsupported(e)) => {
            eprintln!(
                "警告：无法锁定输出目录 {shown}（{e}），不能防止两个构建同时写入；上次构建中断留下的文件本次不清理"
            );
            Ok(None)
        }
        Err(write::LockError::Refused(e)) => Err(format!("无法锁定输出目录 {shown}：{e}")),
    }
}

/// What every document depends on besides its plan and template: the program, the Typst
/// library files and the font files (by path, face, size and modification time), so a changed
/// font re-renders.
fn lib_hash(lib: &[(String, Vec<u8>)], fonts: &FontSet) -> String {
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for (name, bytes) in lib {
        h.update(name.as_bytes());
        h.update(bytes);
    }
    for f in fonts.cjk_families() {
        h.update(f.family.as_bytes());
        h.update(f.path.to_string_lossy().as_bytes());
        h.update(&f.index.to_le_bytes());
        if let Ok(meta) = std::fs::metadata(&f.path) {
            h.update(&meta.len().to_le_bytes());
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            h.update(&mtime.map_or(0, |d| d.as_nanos()).to_le_bytes());
        }
    }
    h.update(
        std::env::var("SOURCE_DATE_EPOCH")
            .unwrap_or_default()
            .as_bytes(),
    );
    h.finalize().to_hex().to_string()
}

/// `out/<年度>/<部门>/`.
fn dept_dir(out: &Path, d: &Dept) -> PathBuf {
    out.join(d.src.year.value.to_string())
        .join(write::safe_component(&d.src.name.value))
}

/// Diagnostics by file and place, errors before warnings at the same place.
fn sort_diagnostics(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| {
        (
            d.pos.as_ref().map(|p| (p.file, p.bytes.start)),
            d.severity == crate::diag::Severity::Warning,
        )
    });
}

fn no_cjk_message(root: &Path, families: &[String]) -> String {
    format!(
        "样式字体链中的中文字体（{}）一个也没有安装，无法生成 PDF。\n处理：Debian/Ubuntu 上运行 apt-get install -y fonts-noto-cjk，或把 .ttf/.otf 字体文件放进 {}；jixiao fonts 可列出已安装的中文字体",
        families.join("、"),
        root.join("fonts").display()
    )
}

/// The templates directory for a data directory: `<data>/../templates`, else `./templates`.
pub fn templates_dir(data: &Path, explicit: Option<&Path>) -> PathBuf {
    if let Some(t) = explicit {
        return t.to_path_buf();
    }
    let beside = data
        .canonicalize()
        .ok()
        .and_then(|d| d.parent().map(|p| p.join("templates")));
    match beside {
        Some(t) if t.join("taxonomies.yaml").is_file() => t,
        _ => PathBuf::from("templates"),
    }
}

/// The project directory of a data directory: its parent (where `fonts/` and `templates/`
/// sit), or `.`.
pub fn project_root(data: &Path) -> PathBuf {
    data.canonicalize()
        .ok()
        .and_then(|d| d.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The font directories of a build: `fonts/` beside the data directory, then `extra`
/// (`--font-path`), in that order.
pub fn font_dirs(data: &Path, extra: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs = vec![project_root(data).join("fonts")];
    dirs.extend(extra.iter().cloned());
    dirs
}

/// The font families the styles of `checked` name in their fallback chains, sorted, once.
pub fn style_families(checked: &Checked) -> Vec<String> {
    let mut families: Vec<String> = checked
        .departments
        .iter()
        .flat_map(|d| d.style.style.fonts.values().flatten().cloned())
        .collect();
    families.sort();
    families.dedup();
    families
}
