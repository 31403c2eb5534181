//! The units of a build: one per owner of files — each department, and the region's
//! summaries of each year ([`Owner`]) — with what the run found of it ([`DeptOutcome`]), and
//! its jobs: one per document to render, with its outputs and its key (the hash of every
//! input it is made from), planned now, kept from the last run of `watch`/`serve`, or taken
//! from the plan record of the last one-shot build.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::prepare::{Prepared, Tools};
use super::{
    DeptOutcome, DeptStatus, DocOutcome, Event, Owner, Run, UnitError, dates, plan_record,
};
use crate::check::{Checked, Dept};
use crate::diag::Diagnostic;
use crate::plan::Document;
use crate::render::Provenance;
use crate::write::{Manifest, layout};

/// One unit per owner: the departments checked, then those passed over (as recorded), then
/// the region's summaries of each year.
pub(super) fn of(
    prepared: &Prepared,
    checked: &Checked,
    tools: &Tools,
    diagnostics: &[Diagnostic],
    out: &Path,
) -> Vec<DeptOutcome> {
    let sources = prepared.sources();
    let mut units: Vec<DeptOutcome> = checked
        .departments
        .iter()
        .map(|d| DeptOutcome {
            name: d.src.name.value.trim().to_string(),
            year: d.src.year.value,
            file: sources.path(d.src.file).to_path_buf(),
            out_dir: layout::department_dir(out, d.src.year.value, &d.src.name.value),
            status: if tools.refused(d) {
                DeptStatus::Refused
            } else {
                DeptStatus::Checked
            },
            documents: Vec::new(),
            figures: {
                let path = sources.path(d.src.file);
                let (errors, warnings) = counts_of(diagnostics, d.src.file, path);
                crate::region::figures::of(
                    d,
                    path.to_path_buf(),
                    errors,
                    warnings,
                    tools.refused(d),
                )
            },
            owner: Owner::Department,
        })
        .collect();
    // The departments passed over, after those checked, as recorded.
    units.extend(prepared.passed.iter().map(|p| {
        let f = p.facts();
        DeptOutcome {
            name: f.name.clone(),
            year: f.year,
            file: p.file.clone(),
            out_dir: f.out_dir.clone(),
            status: DeptStatus::Checked,
            documents: Vec::new(),
            figures: f.figures.clone(),
            owner: Owner::Department,
        }
    }));
    // A region's summaries: one unit per year, after the departments.
    if let Some(r) = &prepared.region
        && !prepared.region_styles.is_empty()
    {
        let mut years: Vec<u32> = units.iter().map(|d| d.year).collect();
        years.sort_unstable();
        years.dedup();
        for year in years {
            units.push(DeptOutcome {
                name: format!("{}{year}年度汇总表", r.name()),
                year,
                file: sources.path(r.file).to_path_buf(),
                out_dir: layout::summaries_dir(out, year, &crate::region::summaries_dir_name(r)),
                status: DeptStatus::Checked,
                documents: Vec::new(),
                figures: None,
                owner: Owner::Summary { year },
            });
        }
    }
    units
}

/// The errors and warnings found in the data file `file` (at `path`).
fn counts_of(diagnostics: &[Diagnostic], file: crate::diag::FileId, path: &Path) -> (usize, usize) {
    let of_file = diagnostics.iter().filter(|x| match &x.pos {
        Some(p) => p.file == file,
        None => x.path.as_deref() == Some(path),
    });
    of_file.fold(
        (0, 0),
        |(e, w), x| {
            if x.is_error() { (e + 1, w) } else { (e, w + 1) }
        },
    )
}

/// Whether a department passed over is still as recorded: its plan's key, found now that the
/// styles, templates, fonts and dates are known, is the recorded one.
pub(super) fn passed_as_recorded(
    run_inputs: &super::inputs::Inputs,
    prepared: &Prepared,
    tools: &Tools,
) -> bool {
    prepared.passed.iter().all(|p| {
        let stamp = dates::department_date(
            run_inputs.fixed_date(),
            &tools.committed,
            &p.file,
            p.facts().year,
        );
        run_inputs
            .plan_key(&prepared.fingerprint, &tools.lib_hash, stamp, &p.text)
            .to_hex()
            .as_str()
            == p.plan.key
    })
}

/// One document to render: its plan, template, outputs and input hash.
#[derive(Clone)]
pub(super) struct Job {
    pub dept: usize,
    /// Shared: the plans kept for `watch` and `serve` hand out their jobs every run. `None`
    /// for a job taken from the plan record (`plan_record`), whose outputs were fresh.
    pub doc: Option<Arc<Document>>,
    pub template: String,
    pub fonts: BTreeMap<String, Vec<String>>,
    /// (renderer, path) of each output: the renderer by its extension, in the order of the
    /// build's renderers.
    pub outputs: Vec<(String, PathBuf)>,
    pub hash: String,
    /// The date stamped into its files.
    pub timestamp: dates::Date,
    /// Listed as a document of its department (not one of `--split`'s extra files).
    pub listed: bool,
    /// The department data its files may carry back to `jixiao import` (a department's
    /// documents).
    pub provenance: Option<Arc<Provenance>>,
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

/// Planning: each unit's jobs.
impl Run<'_> {
    /// The date stamped into the files of a department of `year` whose data file is `file`.
    fn date(&self, file: &Path, year: u32) -> dates::Date {
        dates::department_date(self.inputs.fixed_date(), &self.tools.committed, file, year)
    }

    /// Every document of every department without errors, with its outputs and input hash.
    pub(super) fn plan(
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
                let stamp = self.date(&outcome.file, year);
                let text = self.prepared.sources().text(dept.src.file);
                let key = self.inputs.plan_key(
                    &self.prepared.fingerprint,
                    &self.tools.lib_hash,
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
                if let Some(r) = self
                    .prepared
                    .recorded
                    .as_ref()
                    .and_then(|r| r.get(&outcome.file, key))
                    && r.outputs_fresh(|path, hash| {
                        super::verified::is_fresh(self.verified, manifest, path, hash)
                    })
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
                    let facts = facts_of(
                        dept,
                        self.prepared.sources().text(dept.src.file),
                        &departments[index],
                    );
                    let r = *r;
                    let r = plan_record::DeptPlan::new(&file, r.key, r.jobs, facts);
                    record.departments.insert(file, r);
                    continue;
                }
                Planned::Now(p) => p,
            };
            planned_now += 1;
            let first = jobs.len();
            let chains =
                crate::render::pdf::present_chains(&self.tools.fonts, &dept.style.style.fonts);
            let dir = departments[index].out_dir.clone();
            let docs = match planned {
                Ok(d) => d,
                Err(e) => {
                    (self.on)(&Event::PlanFailed {
                        department: departments[index].name.clone(),
                        error: e.clone(),
                    });
                    departments[index].status = DeptStatus::Failed(UnitError::Plan(e));
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
                let provenance = (!self.build.no_data_sheet).then(|| {
                    let bound = crate::import::twin::bound_paths(&doc);
                    Arc::new(Provenance {
                        data: crate::yaml_out::department(
                            &crate::import::twin::printed_only(dept.src, &bound),
                            &[],
                        ),
                        file: data_file.clone(),
                        style: dept.style.key.clone(),
                    })
                });
                if self.build.split && doc.sections.len() > 1 {
                    for (i, sec) in doc.sections.iter().enumerate() {
                        let mut one = doc.clone();
                        one.sections = vec![sec.clone()];
                        one.title = format!("{} {}", doc.title, sec.name);
                        let outputs = self
                            .renderers
                            .iter()
                            .filter(|r| r.splits())
                            .map(|r| {
                                let ext = r.extension();
                                let path = layout::section_file(
                                    &dir,
                                    &doc.file_stem,
                                    i + 1,
                                    &sec.name,
                                    ext,
                                );
                                (ext.to_string(), path)
                            })
                            .collect();
                        jobs.push(self.job(index, one, &chains, outputs, stamp, false, None));
                    }
                }
                jobs.push(self.listed_job(
                    &mut departments[index],
                    index,
                    doc,
                    &chains,
                    stamp,
                    provenance,
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
                    facts_of(
                        dept,
                        self.prepared.sources().text(dept.src.file),
                        &departments[index],
                    ),
                );
                record.departments.insert(file, recorded);
            } else {
                plans.insert(file, (key, jobs[first..].to_vec()));
            }
        }
        // The departments passed over: their recorded plans, whose outputs were fresh.
        let first = checked.departments.len();
        for (k, p) in self.prepared.passed.iter().enumerate() {
            let stamp = self.date(&p.file, p.facts().year);
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
        let Some(region) = &self.prepared.region else {
            return;
        };
        let chains_of = |s: &crate::region::style::LoadedRegionStyle| {
            crate::render::pdf::present_chains(&self.tools.fonts, &s.style.fonts)
        };
        for index in 0..departments.len() {
            if !departments[index].is_summary() {
                continue;
            }
            let year = departments[index].year;
            let mut figures: Vec<crate::region::figures::DeptFigures> = departments
                .iter()
                .filter(|d| !d.is_summary() && d.year == year)
                .filter_map(|d| d.figures.clone())
                .collect();
            // In file order, also when departments were passed over (`reuse`): those come
            // after the checked ones here.
            figures.sort_by(|a, b| a.file.cmp(&b.file));
            let of_year: Vec<&crate::region::figures::DeptFigures> = figures.iter().collect();
            for style in &self.prepared.region_styles {
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
                                    self.inputs.fixed_date(),
                                    None,
                                    u16::try_from(year).unwrap_or(u16::MAX),
                                ),
                                None,
                            ));
                        }
                    }
                    Err(e) => {
                        (self.on)(&Event::PlanFailed {
                            department: departments[index].name.clone(),
                            error: e.clone(),
                        });
                        departments[index].status = DeptStatus::Failed(UnitError::Plan(e));
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
        provenance: Option<Arc<Provenance>>,
    ) -> Job {
        let outputs: Vec<(String, PathBuf)> = self
            .renderers
            .iter()
            .map(|r| {
                let ext = r.extension();
                let path = layout::document_file(&owner.out_dir, &doc.file_stem, ext);
                (ext.to_string(), path)
            })
            .collect();
        owner
            .documents
            .push(DocOutcome::of(doc.title.clone(), &outputs));
        self.job(index, doc, chains, outputs, stamp, true, provenance)
    }

    // Each argument is one input of the job's hash; grouping them would only rename them.
    #[allow(clippy::too_many_arguments)]
    fn job(
        &self,
        dept: usize,
        doc: Document,
        chains: &BTreeMap<String, Vec<String>>,
        outputs: Vec<(String, PathBuf)>,
        timestamp: dates::Date,
        listed: bool,
        provenance: Option<Arc<Provenance>>,
    ) -> Job {
        let template = doc.template.clone();
        let mut h = blake3::Hasher::new();
        h.update(self.tools.lib_hash.as_bytes());
        // The date is part of the bytes: another date is another output.
        h.update(format!("{timestamp:?}").as_bytes());
        h.update(&serde_json::to_vec(&doc).unwrap_or_default());
        h.update(&serde_json::to_vec(chains).unwrap_or_default());
        h.update(template.as_bytes());
        if let Some(t) = &provenance {
            h.update(t.data.as_bytes());
            h.update(t.file.as_bytes());
        }
        h.update(
            self.prepared
                .templates
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
            provenance,
        }
    }
}

/// The departments (before the summaries) in the order of their files, as they are loaded:
/// those passed over (`reuse`) are put after the checked ones until the jobs, which name
/// departments by index, are done.
pub(super) fn in_file_order(departments: &mut [DeptOutcome]) {
    let end = departments
        .iter()
        .position(DeptOutcome::is_summary)
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
            provenance: None,
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
