//! A build's hold on its output directory: the lock (one build at a time), the recovery of
//! what a killed build left, and the no-op shortcut of a one-shot build (`shortcut`): when
//! nothing has changed since the last successful build, its result stands. A build that goes
//! on leaves the shortcut's record only when it ends without an error.

use std::path::Path;

use super::error::Fatal;
use super::inputs::Inputs;
use super::{BuildOptions, Event, Outcome, shortcut};
use crate::diag::Summary;
use crate::write;

/// What opening the output directory gave.
pub(super) enum Opened {
    /// Nothing changed since the last successful build: its result, and nothing to do.
    Current(Outcome),
    /// A run to make.
    Run(Session),
}

/// A run's hold on the output directory, for as long as the run lasts.
pub(super) struct Session {
    /// Held until the run ends (none for a check, or where locking is not supported).
    _lock: Option<write::OutLock>,
    /// Why the build cannot run at all (the output directory locked by another build).
    pub fatal: Option<Fatal>,
    /// The key of the shortcut's record a one-shot build leaves when it succeeds.
    shortcut_key: Option<String>,
}

impl Session {
    /// Opens `out` for a run: for a build, locks it, recovers what a killed build left, and
    /// takes the shortcut when it can (see the module documentation).
    pub fn open(
        out: &Path,
        inputs: &Inputs,
        build: Option<&BuildOptions>,
        on: &(dyn Fn(&Event) + Sync),
    ) -> Opened {
        let mut session = Session {
            _lock: None,
            fatal: None,
            shortcut_key: None,
        };
        let Some(build) = build else {
            return Opened::Run(session);
        };
        match lock_and_recover(out, on) {
            Ok(lock) => session._lock = lock,
            Err(fatal) => {
                session.fatal = Some(fatal);
                return Opened::Run(session);
            }
        }
        if build.one_shot {
            session.shortcut_key = inputs.shortcut_key();
            // `--force` builds everything, and leaves a record for the next build.
            if let Some(record) = session
                .shortcut_key
                .as_deref()
                .filter(|_| !build.force)
                .and_then(|k| shortcut::current(out, k))
            {
                for pdf in &record.fresh {
                    on(&Event::Fresh(pdf.clone()));
                }
                return Opened::Current(record.outcome());
            }
        }
        shortcut::forget(out);
        Opened::Run(session)
    }

    /// Whether a one-shot build may pass over the departments its plan record lets it reuse.
    pub fn may_pass_over(&self, build: Option<&BuildOptions>) -> bool {
        build.is_some_and(|b| b.one_shot && !b.force) && self.fatal.is_none()
    }

    /// Leaves the shortcut's record of `outcome` when this is a one-shot build and it has no
    /// error: the record the next one-shot build may stand on.
    pub fn close(self, out: &Path, outcome: &Outcome, on: &(dyn Fn(&Event) + Sync)) {
        let Some(key) = self.shortcut_key else {
            return;
        };
        if outcome.failed() {
            return;
        }
        let Some(tree) = shortcut::out_tree(out) else {
            return;
        };
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
                .flat_map(|d| d.documents.iter().map(|doc| doc.primary().to_path_buf()))
                .collect(),
            tree,
        };
        if let Err(e) = shortcut::save(out, &record) {
            on(&Event::ManifestNotSaved(e));
        }
    }
}

impl shortcut::Record {
    /// The outcome the recorded build reported: no departments and no sources listed, only
    /// the counts.
    fn outcome(&self) -> Outcome {
        Outcome {
            sources: crate::diag::Sources::default(),
            diagnostics: Vec::new(),
            summary: Summary {
                departments: self.departments,
                projects: self.projects,
                errors: 0,
                warnings: self.warnings,
            },
            departments: Vec::new(),
            fatal: None,
            documents: self.documents,
            written: 0,
            unchanged: self.files,
            planned: 0,
            removed: 0,
            write_failures: 0,
            elapsed: std::time::Duration::ZERO,
        }
    }
}

/// Locks `out` for this build and finishes or cleans up what a killed build left there.
pub(super) fn lock_and_recover(
    out: &Path,
    on: &(dyn Fn(&Event) + Sync),
) -> Result<Option<write::OutLock>, Fatal> {
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
        Err(write::LockError::Busy { pid }) => Err(Fatal::Busy {
            out: out.to_path_buf(),
            pid,
        }),
        Err(write::LockError::Unsupported(e)) => {
            on(&Event::Unlocked {
                out: out.to_path_buf(),
                reason: e.to_string(),
            });
            Ok(None)
        }
        Err(write::LockError::Refused(e)) => Err(Fatal::LockRefused {
            out: out.to_path_buf(),
            reason: e.to_string(),
        }),
    }
}
