//! The threads of a build: render workers pulling jobs from a shared counter, and writer
//! threads putting each unit's files in place as soon as its last job is rendered. Nothing
//! here decides what to build (the units did) or records what was built (the commit does).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::units::Job;
use super::{Event, Run};
use crate::render::{Input, Page, PagesReady, RenderError, Renderers};
use crate::write::{self, Manifest, Written};

/// How many units' files are put in place at once.
const WRITE_THREADS: usize = 8;

/// The most documents a rebuild of `watch` or `serve` may render and still keep Typst's memo
/// cache for the next rebuild (see [`crate::render::Renderer::end_rebuild`]).
const REBUILD_KEPT_DOCUMENTS: usize = 2;

/// What became of one job.
pub(super) enum JobResult {
    /// Bytes per output (dropped once put in place).
    Rendered {
        files: Vec<Vec<u8>>,
    },
    /// Its outputs hold what the last build made of the same inputs: not rendered.
    Fresh,
    Failed(RenderError),
}

/// What putting a unit's files in place gave: per file, whether it was written and the
/// BLAKE3 hash (hex) of its bytes.
pub(super) type Placed = Result<Vec<(Written, String)>, write::ReplaceError>;

/// What the threads did: each job's result, and each unit's files put in place (`None`: none
/// to put, a job failed or every one was fresh).
pub(super) struct Scheduled {
    pub results: Vec<JobResult>,
    pub placed: HashMap<usize, Option<Placed>>,
    /// The pages shown first ([`super::BuildOptions::previews`]), by job index.
    pub previewed: Vec<(usize, Arc<Vec<Page>>)>,
}

/// The job indices of each unit, in job order.
pub(super) fn by_unit(jobs: &[Job]) -> BTreeMap<usize, Vec<usize>> {
    let mut by_unit: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, job) in jobs.iter().enumerate() {
        by_unit.entry(job.dept).or_default().push(i);
    }
    by_unit
}

impl Run<'_> {
    /// Renders every job whose outputs are not fresh, through `renderers`, on the build's
    /// threads, and puts each unit's files in place together as soon as its jobs are done.
    /// The jobs `in_view` (of the department a person is looking at) go first; with
    /// [`super::BuildOptions::previews`], their pages, and those of a small rebuild, are
    /// handed to the events as soon as they are laid out ([`Event::Previewed`]), each page
    /// laid out as one of `last_shown` (by job: the document's pages last shown) reused.
    pub(super) fn schedule(
        &self,
        jobs: &[Job],
        manifest: &Manifest,
        out_dirs: &[&Path],
        in_view: &[bool],
        last_shown: &[Option<Arc<Vec<Page>>>],
    ) -> Scheduled {
        let renderers = self.renderers;
        let on = self.on;
        let fresh = |job: &Job| !self.build.force && self.outputs_fresh(manifest, job);
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
        let by_unit = by_unit(jobs);
        // A unit is put in place as soon as its last document is rendered, by a writer thread
        // (mostly waiting for the disk), and its bytes are dropped then: memory does not grow
        // with the number of units, and writing overlaps rendering.
        let remaining: HashMap<usize, AtomicUsize> = by_unit
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
            by_unit.keys().map(|&d| (d, Mutex::new(None))).collect();
        // The department in view first; otherwise in job order.
        let mut order: Vec<usize> = (0..jobs.len()).collect();
        order.sort_by_key(|&i| !in_view.get(i).copied().unwrap_or(false));
        let preview = |i: usize| {
            self.build.previews
                && jobs[i].listed
                && (keep_memo || in_view.get(i).copied().unwrap_or(false))
        };
        // Pages laid out (on a layout thread) go to the events from a thread of their own, as
        // soon as they come: the worker waits for the document's files meanwhile.
        let (to_events, pages_in) = std::sync::mpsc::channel::<(usize, Arc<Vec<Page>>)>();
        let previewed: Mutex<Vec<(usize, Arc<Vec<Page>>)>> = Mutex::new(Vec::new());
        let (ready, queue) = std::sync::mpsc::channel::<usize>();
        let queue = Mutex::new(queue);
        std::thread::scope(|scope| {
            for _ in 0..WRITE_THREADS {
                scope.spawn(|| {
                    loop {
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok(unit) = next else { break };
                        let r =
                            put_in_place(self.out, out_dirs[unit], &by_unit[&unit], jobs, &slots);
                        if let (Some(r), Some(slot)) = (r, placed.get(&unit)) {
                            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                        }
                    }
                });
            }
            if (0..jobs.len()).any(preview) {
                let (done, previewed) = (&done, &previewed);
                scope.spawn(move || {
                    let mut keep = |(i, pages): (usize, Arc<Vec<Page>>)| {
                        if let Some((_, pdf)) = jobs[i].outputs.first() {
                            on(&Event::Previewed {
                                pdf: pdf.clone(),
                                pages: pages.clone(),
                            });
                            previewed
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push((i, pages));
                        }
                    };
                    // Until every job is done (a layout abandoned at its time limit keeps its
                    // sender for ever).
                    loop {
                        match pages_in.recv_timeout(Duration::from_millis(5)) {
                            Ok(p) => keep(p),
                            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                                if done.load(Ordering::Acquire) >= jobs.len() {
                                    pages_in.try_iter().for_each(&mut keep);
                                    break;
                                }
                            }
                        }
                    }
                });
            }
            for _ in 0..threads.clamp(1, jobs.len().max(1)) {
                let ready = ready.clone();
                let (remaining, slots, next, done) = (&remaining, &slots, &next, &done);
                let (fresh, order, preview) = (&fresh, &order, &preview);
                let to_events = to_events.clone();
                scope.spawn(move || {
                    loop {
                        let at = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&i) = order.get(at) else { break };
                        let job = &jobs[i];
                        let r = if fresh(job) {
                            JobResult::Fresh
                        } else {
                            let sink: Option<PagesReady> = preview(i).then(|| {
                                let to_events = to_events.clone();
                                PagesReady {
                                    shown: last_shown.get(i).cloned().flatten(),
                                    send: Arc::new(move |pages| {
                                        let _ = to_events.send((i, pages));
                                    }),
                                }
                            });
                            let r = render_job(job, renderers, sink.as_ref());
                            if !keep_memo {
                                renderers.after_document();
                            }
                            r
                        };
                        *slots[i].lock().expect("result slot") = Some(r);
                        if remaining[&job.dept].fetch_sub(1, Ordering::AcqRel) == 1 {
                            let _ = ready.send(job.dept);
                        }
                        on(&Event::Progress {
                            done: done.fetch_add(1, Ordering::AcqRel) + 1,
                            total: jobs.len(),
                        });
                    }
                });
            }
            // The writers stop when every renderer has dropped its sender.
            drop(ready);
            drop(to_events);
        });
        if keep_memo {
            renderers.end_rebuild();
        }
        let results: Vec<JobResult> = slots
            .into_iter()
            .map(|s| {
                s.into_inner()
                    .ok()
                    .flatten()
                    .unwrap_or(JobResult::Failed(RenderError::ThreadStopped))
            })
            .collect();
        let placed = placed
            .into_iter()
            .map(|(d, m)| (d, m.into_inner().unwrap_or_else(|e| e.into_inner())))
            .collect();
        Scheduled {
            results,
            placed,
            previewed: previewed.into_inner().unwrap_or_else(|e| e.into_inner()),
        }
    }
}

/// Puts one unit's rendered files in place together (see [`write::replace_together`]) once
/// all its documents are rendered, then drops their bytes. `None` when there is nothing to
/// write: a document failed (nothing of the unit is replaced) or every one was current.
fn put_in_place(
    out: &Path,
    out_dir: &Path,
    indices: &[usize],
    jobs: &[Job],
    slots: &[Mutex<Option<JobResult>>],
) -> Option<Placed> {
    // Every renderer of this unit is done with its slot: no one else locks these.
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

fn render_job(job: &Job, renderers: &Renderers, preview: Option<&PagesReady>) -> JobResult {
    // A job from the plan record had fresh outputs when it was planned; only a change to them
    // during this build brings it here.
    let Some(doc) = job.doc.as_ref() else {
        return JobResult::Failed(RenderError::ChangedDuringBuild);
    };
    let input = Input {
        doc,
        fonts: &job.fonts,
        timestamp: job.timestamp,
        provenance: job.provenance.as_deref(),
        page_starts: None,
        preview,
    };
    // The PDF (Typst's layout, the long part) first, in this thread; the others then at once,
    // with the PDF's page starts, the last in this thread too ([`Renderers::render`]).
    let formats: Vec<&str> = job.outputs.iter().map(|(f, _)| f.as_str()).collect();
    let outputs = renderers.render(&input, &formats);
    let mut files = Vec::new();
    for out in outputs {
        match out {
            Ok(out) => files.push(out.bytes),
            Err(e) => return JobResult::Failed(e),
        }
    }
    JobResult::Rendered { files }
}

impl Run<'_> {
    /// Whether every output of `job` holds what the last build made from its inputs.
    pub(super) fn outputs_fresh(&self, manifest: &Manifest, job: &Job) -> bool {
        job.outputs
            .iter()
            .all(|(_, path)| super::verified::is_fresh(self.verified, manifest, path, &job.hash))
    }
}
