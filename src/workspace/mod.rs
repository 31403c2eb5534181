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

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::check::Checked;
use crate::diag::{Diagnostic, Summary};
use crate::plan::Document;
use crate::render::pdf::engine::{self, Engine, TypstDiagnostic};
use crate::render::pdf::fonts::FontSet;
use crate::render::pdf::source::Templates;
use crate::render::{Input, Renderers};
use crate::rules;
use crate::write::Manifest;

mod commit;
pub mod dates;
mod error;
mod inputs;
mod outcome;
mod plan_record;
mod prepare;
mod publish;
mod region_index;
mod reuse;
mod schedule;
mod session;
pub mod shortcut;
mod typst_files;
mod units;
mod verified;
pub mod watch;

use commit::Counts;
use inputs::Inputs;
use prepare::{Prepared, Tools};
use session::{Opened, Session};
use units::Job;

pub use error::{DocumentError, Fatal, UnitError, WatchError};
pub use outcome::{DeptOutcome, DeptStatus, DocOutcome, Event, Outcome, Owner};
pub use publish::{PublishError, Published};

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
    /// Preview first (`serve`): the documents of the department in view (`in_view`) and those
    /// of a small rebuild are laid out first and their pages handed to the build's events
    /// ([`Event::Previewed`]) before their files are made; the department in view is
    /// rendered before any other.
    pub previews: bool,
    /// The data file of the department a person is looking at (`serve`'s page last asked).
    pub in_view: Option<PathBuf>,
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
    verified: verified::Verified,
    /// Each data file as last loaded.
    loads: crate::load::Cache,
    /// Each department's planned documents, by data file, for the inputs they came from.
    plans: HashMap<PathBuf, (blake3::Hash, Vec<Job>)>,
    /// The date of the last commit of each data file, for the documents' dates.
    commit_dates: dates::CommitDates,
}

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
            verified: verified::Verified::default(),
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
        let shown = self.previews.get(pdf).map(|(_, pages)| pages.as_slice());
        let pages = Arc::new(crate::render::pdf::preview_pages(&laid_out.ok()?, shown));
        let hash = job.hash.clone();
        self.keep_preview(pdf, &hash, pages.clone());
        Some(pages)
    }

    /// Keeps the pages of the document whose PDF is `pdf`, laid out from inputs of `hash`,
    /// for [`Workspace::pages`]: at most [`PREVIEWS_KEPT`], the oldest dropped first.
    fn keep_preview(&mut self, pdf: &Path, hash: &str, pages: Arc<Vec<crate::render::Page>>) {
        self.previews
            .insert(pdf.to_path_buf(), (hash.to_string(), pages));
        self.preview_order.retain(|p| p != pdf);
        self.preview_order.push_back(pdf.to_path_buf());
        while self.preview_order.len() > PREVIEWS_KEPT {
            if let Some(old) = self.preview_order.pop_front() {
                self.previews.remove(&old);
            }
        }
    }

    /// Checks, then plans, renders and writes every department without errors. `on` hears
    /// each event as it happens (from worker threads too).
    pub fn build(&mut self, options: &BuildOptions, on: &(dyn Fn(&Event) + Sync)) -> Outcome {
        self.run(Some(options), on)
    }

    /// The inputs of a run with these output flags (see [`inputs`]).
    fn inputs(&self, flags: u8) -> Inputs {
        Inputs::read(
            &self.options.data,
            &self.templates_dir,
            self.font_dirs(),
            flags,
        )
    }

    /// A check or a build, from start to end: open the output directory (lock, recovery, the
    /// no-op shortcut), then make runs until one is done — a one-shot build that passed over a
    /// department no longer as recorded starts again, loading everything — and close the
    /// output directory (the shortcut's record).
    fn run(&mut self, build: Option<&BuildOptions>, on: &(dyn Fn(&Event) + Sync)) -> Outcome {
        let started = Instant::now();
        let inputs = self.inputs(build.map_or(0, BuildOptions::output_flags));
        let session = match Session::open(&self.options.out, &inputs, build, on) {
            Opened::Current(mut outcome) => {
                outcome.elapsed = started.elapsed();
                return outcome;
            }
            Opened::Run(session) => session,
        };
        let mut pass_over = session.may_pass_over(build);
        let mut outcome = loop {
            match self.run_once(build, &inputs, &session, pass_over, on) {
                Step::Done(outcome) => break outcome,
                Step::Restart(Restart::PassedOver) => pass_over = false,
            }
        };
        session.close(&self.options.out, &outcome, on);
        outcome.elapsed = started.elapsed();
        outcome
    }

    /// One run, phase by phase: prepare (read the sources, check the model, find the fonts,
    /// engine and dates) → units (one per owner) → plan (each unit's jobs) → schedule (render
    /// on threads, put each unit in place) → commit (manifest, removals, records, index).
    fn run_once(
        &mut self,
        build: Option<&BuildOptions>,
        inputs: &Inputs,
        session: &Session,
        pass_over: bool,
        on: &(dyn Fn(&Event) + Sync),
    ) -> Step<Outcome> {
        // Prepare.
        let prepare::Read {
            prepared,
            mut diagnostics,
            manifest,
        } = self.read(build, pass_over);
        let checked = prepared.check();
        diagnostics.extend(checked.diagnostics.iter().cloned());
        let fatal = session.fatal.is_some();
        let tools = match self.tools(&prepared, &mut diagnostics, &checked, inputs, build, fatal) {
            Step::Done(tools) => tools,
            Step::Restart(why) => return Step::Restart(why),
        };
        if !units::passed_as_recorded(inputs, &prepared, &tools) {
            return Step::Restart(Restart::PassedOver);
        }
        let fatal = session.fatal.clone().or_else(|| tools.fatal.clone());
        // Units.
        let mut units = units::of(&prepared, &checked, &tools, &diagnostics, &self.options.out);
        let mut counts = Counts::default();
        if let (Some(build), None) = (build, &fatal) {
            let manifest = manifest.unwrap_or_else(|| Manifest::load(&self.options.out));
            let typst = self.build_units(
                build,
                inputs,
                manifest,
                &prepared,
                &checked,
                &tools,
                &mut units,
                &mut counts,
                on,
            );
            for (dept, (template, d)) in typst {
                let template = crate::style::dirs::file(&self.templates_dir, &template);
                diagnostics.push(typst_files::typst_diagnostic(
                    prepared.sources(),
                    &prepared.lib_ids,
                    Some((&template, &dept)),
                    &d,
                    &rules::TYPESET_FAILED,
                ));
            }
        }
        units::in_file_order(&mut units);
        let summary = summary_of(&checked, &prepared.passed);
        drop(checked);
        Step::Done(finish(prepared, diagnostics, summary, units, counts, fatal))
    }

    /// Plan, schedule and commit the units of a build; Typst's diagnostics of the documents
    /// that failed are returned.
    #[allow(clippy::too_many_arguments)]
    fn build_units(
        &mut self,
        build: &BuildOptions,
        inputs: &Inputs,
        manifest: Manifest,
        prepared: &Prepared,
        checked: &Checked,
        tools: &Tools,
        units: &mut [DeptOutcome],
        counts: &mut Counts,
        on: &(dyn Fn(&Event) + Sync),
    ) -> commit::TypstFailures {
        for d in units.iter().filter(|d| d.status == DeptStatus::Refused) {
            on(&Event::Refused {
                department: d.name.clone(),
            });
        }
        let renderers = Renderers::all(tools.engine.clone(), prepared.templates.clone());
        let run = Run {
            build,
            renderers: &renderers,
            inputs,
            prepared,
            tools,
            verified: &self.verified,
            out: &self.options.out,
            on,
        };
        // Plan.
        let mut record = plan_record::PlanRecord::default();
        let (jobs, planned_now) = run.plan(checked, units, &mut self.plans, &manifest, &mut record);
        counts.planned = planned_now;
        counts.documents = jobs.iter().filter(|j| j.listed).count();
        // Kept for previews and the next run; a one-shot build has neither.
        if !build.one_shot {
            for job in jobs.iter().filter(|j| j.listed) {
                self.planned.insert(job.outputs[0].1.clone(), job.clone());
            }
        }
        // Schedule.
        let out_dirs: Vec<&Path> = units.iter().map(|d| d.out_dir.as_path()).collect();
        let in_view: Vec<bool> = jobs
            .iter()
            .map(|j| {
                build
                    .in_view
                    .as_deref()
                    .is_some_and(|f| units.get(j.dept).is_some_and(|u| u.file == f))
            })
            .collect();
        // The pages last shown of each document: a page laid out the same is not drawn again.
        let shown: Vec<Option<Arc<Vec<crate::render::Page>>>> = jobs
            .iter()
            .map(|j| {
                let pdf = &j.outputs.first()?.1;
                self.previews.get(pdf).map(|(_, pages)| pages.clone())
            })
            .collect();
        let mut scheduled = run.schedule(&jobs, &manifest, &out_dirs, &in_view, &shown);
        drop(out_dirs);
        let previewed = std::mem::take(&mut scheduled.previewed);
        // Commit.
        let typst = run.commit(&jobs, scheduled, units, counts, manifest, &record);
        units::in_file_order(units);
        run.write_index(units, counts);
        // The pages shown first are those of the files just written: a preview of them needs
        // no layout.
        for (i, pages) in previewed {
            let job = &jobs[i];
            if let Some((_, pdf)) = job.outputs.first() {
                self.keep_preview(pdf, &job.hash, pages);
            }
        }
        typst
    }

    /// Renders a document that is no department's (the 绩效目标变动对照表 of `jixiao diff`)
    /// through the same renderers as a build: the templates and Typst library of this
    /// workspace, the fonts of `chains` (by role). Returns each renderer's file, by its
    /// extension, in the renderers' order.
    pub fn render_document(
        &mut self,
        doc: &Document,
        chains: &BTreeMap<String, Vec<String>>,
        timestamp: dates::Date,
    ) -> Result<Vec<(&'static str, Vec<u8>)>, DocumentError> {
        let (engine, templates, fonts) = self.renderers_for(&[(doc, chains)])?;
        let present = crate::render::pdf::present_chains(&fonts, chains);
        let doc = &Arc::new(doc.clone());
        let input = Input {
            doc,
            fonts: &present,
            timestamp,
            provenance: None,
            page_starts: None,
            preview: None,
        };
        let renderers = Renderers::all(engine, Arc::new(templates));
        let formats: Vec<&'static str> = renderers.iter().map(|r| r.extension()).collect();
        let rendered = renderers.render(&input, &formats);
        renderers.after_document();
        formats
            .into_iter()
            .zip(rendered)
            .map(|(ext, out)| out.map(|o| (ext, o.bytes)).map_err(DocumentError::Render))
            .collect()
    }

    /// One PDF of several documents (`parts`, each with its style's font chains by role), each
    /// laid out as on its own, with bookmarks document → project (a disclosure package,
    /// [`crate::render::pdf::package`]).
    pub fn render_package(
        &mut self,
        parts: &[(&Document, &BTreeMap<String, Vec<String>>)],
        title: &str,
        author: &str,
        timestamp: dates::Date,
    ) -> Result<Vec<u8>, DocumentError> {
        let (engine, templates, fonts) = self.renderers_for(parts)?;
        let present: Vec<BTreeMap<String, Vec<String>>> = parts
            .iter()
            .map(|(_, chains)| crate::render::pdf::present_chains(&fonts, chains))
            .collect();
        let parts: Vec<crate::render::pdf::package::Part<'_>> = parts
            .iter()
            .zip(&present)
            .map(|((doc, _), fonts)| crate::render::pdf::package::Part { doc, fonts })
            .collect();
        crate::render::pdf::package::package(&engine, &templates, &parts, title, author, timestamp)
            .map_err(|e| DocumentError::Render(crate::render::RenderError::from_pdf(e)))
    }

    /// The engine, templates and fonts for documents of these font chains, with every page
    /// template they name loaded.
    fn renderers_for(
        &mut self,
        docs: &[(&Document, &BTreeMap<String, Vec<String>>)],
    ) -> Result<(Arc<Engine>, Templates, Arc<FontSet>), DocumentError> {
        let mut families: Vec<String> = docs
            .iter()
            .flat_map(|(_, chains)| chains.values().flatten().cloned())
            .collect();
        families.sort();
        families.dedup();
        let fonts = self.fonts_for(families.clone());
        if !fonts.has_cjk() {
            return Err(DocumentError::Fonts(prepare::no_cjk_font(
                &self.root(),
                families,
            )));
        }
        let lib = typst_files::read_lib(&self.templates_dir);
        if let Some((path, reason)) = lib.problems.first() {
            return Err(DocumentError::Library {
                path: path.clone(),
                reason: reason.clone(),
            });
        }
        let inputs = self.inputs(0);
        let lib_hash = inputs.lib_hash(&lib.files, &fonts);
        let engine = self.engine_for(&inputs, &lib_hash, &fonts, &lib.files);
        let (templates, problems) = Templates::load(&self.templates_dir);
        if let Some((doc, _)) = docs
            .iter()
            .find(|(doc, _)| templates.source(&doc.template).is_none())
        {
            let problems: Vec<String> = problems
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
            return Err(DocumentError::Template {
                template: doc.template.clone(),
                problems,
            });
        }
        Ok((engine, templates, fonts))
    }
}

/// Whether a phase is done, or the run must start again.
enum Step<T> {
    Done(T),
    Restart(Restart),
}

/// Why a run starts again.
enum Restart {
    /// A department a one-shot build passed over is not as recorded (its style no longer
    /// loads, or its plan's key differs: a style, template, font or date changed): the run
    /// starts again and loads every file.
    PassedOver,
}

/// What the phases of a build share: the options, the inputs, what was prepared, and where
/// the outputs go.
struct Run<'a> {
    build: &'a BuildOptions,
    /// The formats each document is rendered in.
    renderers: &'a Renderers,
    inputs: &'a Inputs,
    prepared: &'a Prepared,
    tools: &'a Tools,
    verified: &'a verified::Verified,
    out: &'a Path,
    on: &'a (dyn Fn(&Event) + Sync),
}

/// The departments and projects of a run: those checked and those passed over.
fn summary_of(checked: &Checked, passed: &[reuse::Passed]) -> Summary {
    Summary {
        departments: checked.departments.len() + passed.len(),
        projects: checked
            .departments
            .iter()
            .map(|d| d.projects.len())
            .sum::<usize>()
            + passed.iter().map(|p| p.facts().projects).sum::<usize>(),
        ..Summary::default()
    }
}

/// The outcome of a run: the diagnostics sorted and counted.
fn finish(
    prepared: Prepared,
    mut diagnostics: Vec<Diagnostic>,
    mut summary: Summary,
    units: Vec<DeptOutcome>,
    counts: Counts,
    fatal: Option<Fatal>,
) -> Outcome {
    sort_diagnostics(&mut diagnostics);
    summary.count(&diagnostics);
    Outcome {
        sources: prepared.loaded.sources,
        diagnostics,
        summary,
        departments: units,
        fatal,
        documents: counts.documents,
        written: counts.written,
        unchanged: counts.unchanged,
        planned: counts.planned,
        removed: counts.removed,
        write_failures: counts.write_failures,
        elapsed: std::time::Duration::ZERO,
    }
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

/// The templates directory for a data directory: `<data>/../templates`, else `./templates`, else
/// the styles embedded in the binary. A project's directory may hold only some entries (a
/// style it changed): the others are read from the embedded styles ([`crate::style::dirs`]).
pub fn templates_dir(data: &Path, explicit: Option<&Path>) -> PathBuf {
    if let Some(t) = explicit {
        return t.to_path_buf();
    }
    let beside = data
        .canonicalize()
        .ok()
        .and_then(|d| d.parent().map(|p| p.join("templates")));
    let local = PathBuf::from("templates");
    match beside {
        Some(t) if t.is_dir() => t,
        // No templates/ here: the styles embedded in the binary (see
        // `style::embedded::embedded_templates`); the front end says so.
        _ if !local.is_dir() => crate::style::embedded::embedded_templates().unwrap_or(local),
        _ => local,
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
