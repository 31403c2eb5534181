//! The last phase of a build: what the threads put in place is recorded — each unit's files
//! in the manifest, the files a unit no longer makes removed — then the plan record of a
//! one-shot build and the region's publication index are written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::plan_record::PlanRecord;
use super::schedule::{JobResult, Scheduled, by_unit};
use super::units::Job;
use super::{DeptOutcome, DeptStatus, Event, Run, UnitError};
use crate::render::pdf::engine::TypstDiagnostic;
use crate::write::{self, Manifest, Written};

/// What a build did, counted.
#[derive(Default)]
pub(super) struct Counts {
    pub documents: usize,
    pub written: usize,
    pub unchanged: usize,
    /// Units planned (not taken from kept plans or the plan record).
    pub planned: usize,
    /// Files of earlier builds removed because no unit makes them any more.
    pub removed: usize,
    /// Files outside any unit (the region's index pages) that could not be written.
    pub write_failures: usize,
}

/// Typst's diagnostics of a failed document: (unit name, (template, diagnostic)).
pub(super) type TypstFailures = Vec<(String, (String, TypstDiagnostic))>;

impl Run<'_> {
    /// Records what `scheduled` put in place (see [`Run::commit_units`]), then saves the
    /// manifest and, for a one-shot build, the plan record. Typst's diagnostics of the failed
    /// documents are returned.
    pub(super) fn commit(
        &self,
        jobs: &[Job],
        scheduled: Scheduled,
        units: &mut [DeptOutcome],
        counts: &mut Counts,
        mut manifest: Manifest,
        record: &PlanRecord,
    ) -> TypstFailures {
        let typst = self.commit_units(jobs, scheduled, units, counts, &mut manifest);
        if let Err(e) = manifest.save() {
            (self.on)(&Event::ManifestNotSaved(e));
        }
        if self.build.one_shot
            && let Err(e) = record.save(self.out)
        {
            (self.on)(&Event::ManifestNotSaved(e));
        }
        typst
    }

    /// The publication index of each year, when the data is a region's.
    pub(super) fn write_index(&self, units: &[DeptOutcome], counts: &mut Counts) {
        let Some(r) = &self.prepared.region else {
            return;
        };
        let on = self.on;
        for (path, page) in super::region_index::pages(self.out, r.name(), units) {
            let rel = path.strip_prefix(self.out).unwrap_or(&path);
            match write::write_atomic(self.out, rel, page.as_bytes()) {
                Ok(Written::Written) => {
                    counts.written += 1;
                    on(&Event::Written(path));
                }
                Ok(_) => counts.unchanged += 1,
                Err(e) => {
                    counts.write_failures += 1;
                    on(&Event::WriteFailed {
                        department: r.name().to_string(),
                        error: write::ReplaceError {
                            path,
                            reason: e.to_string(),
                            partly: false,
                        },
                    })
                }
            }
        }
    }

    /// Each unit all or none: if any of its documents failed, none was put in place and its
    /// files stay as they were; otherwise what was put in place is recorded in the manifest,
    /// and what the unit no longer makes is removed. Typst's diagnostics of the failed
    /// documents are returned.
    fn commit_units(
        &self,
        jobs: &[Job],
        scheduled: Scheduled,
        departments: &mut [DeptOutcome],
        outcome: &mut Counts,
        manifest: &mut Manifest,
    ) -> TypstFailures {
        let Scheduled {
            mut results,
            mut placed,
            ..
        } = scheduled;
        let by_dept = by_unit(jobs);
        let on = self.on;
        let mut typst = Vec::new();
        // Typst's diagnostics are taken out first.
        for (&dept, indices) in &by_dept {
            for &i in indices {
                if let JobResult::Failed(e) = &mut results[i] {
                    for d in e.take_typst() {
                        let name = departments[dept].name.clone();
                        typst.push((name, (jobs[i].template.clone(), d)));
                    }
                }
            }
        }
        let results = &results;
        for (&dept, indices) in &by_dept {
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
                        reasons.push(e.clone());
                        on(&Event::DocFailed {
                            department: name.clone(),
                            path: pdf.clone(),
                            error: e.clone(),
                        });
                    }
                }
            }
            if failed {
                departments[dept].status = DeptStatus::Failed(UnitError::Render(reasons));
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
                        if let Some((len, mtime)) = super::verified::metadata_of(path) {
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
                        error: e.clone(),
                    });
                    departments[dept].status = DeptStatus::Failed(UnitError::Write(e));
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
