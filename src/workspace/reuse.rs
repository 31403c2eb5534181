//! Departments a one-shot build passes over without loading their files: "load and check
//! only what changed". A department is passed over when the plan record of the last build
//! (`plan_record`) holds its facts — its file then had no error and no warning — and:
//!
//! - its file reads as the same text (by its hash), and its plan's key is the same (checked
//!   once the build knows the styles, templates, fonts and dates);
//! - every output of its documents is fresh in the manifest;
//! - no department loaded in this build could concern it: none has its output directory
//!   (as the file system compares names) in its year or the year before or after, which
//!   covers a duplicate department (JX107), a shared output directory (JX111) and the
//!   comparison with the year before (`continuity`).
//!
//! Every other file is loaded and checked as usual. A department passed over counts in the
//! build's outcome, summaries and index from its recorded facts, and its documents are
//! reported fresh. Whatever the record says, a file whose text differs is loaded; when the
//! key of a passed-over department turns out to differ (a style, template, font or date
//! changed), the build starts again and loads everything.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::plan_record::{DeptPlan, Facts, PlanRecord};
use crate::load::{Listing, Loaded};

/// A department passed over: its file, the file's text, and its recorded plan (with facts).
pub(super) struct Passed {
    pub file: PathBuf,
    pub text: String,
    pub plan: DeptPlan,
}

impl Passed {
    pub fn facts(&self) -> &Facts {
        self.plan
            .facts
            .as_ref()
            .expect("a department is passed over only with its facts")
    }
}

/// Loads the data directory `dir`, passing over the departments `record` lets this build
/// reuse (see the module documentation); `fresh(path, hash)` says whether an output holds
/// what the manifest records for `hash`. Without a record, everything is loaded.
pub(super) fn load(
    dir: &Path,
    record: Option<&PlanRecord>,
    fresh: &(dyn Fn(&Path, &str) -> bool + Sync),
) -> (Loaded, Vec<Passed>) {
    use rayon::prelude::*;
    let mut listing = Listing::of(dir);
    let Some(record) = record.filter(|r| !r.departments.is_empty()) else {
        listing.load(|_| true);
        return (listing.finish(), Vec::new());
    };
    let paths: Vec<PathBuf> = listing.paths().map(Path::to_path_buf).collect();
    // The candidates: recorded with facts, their text as recorded, their outputs fresh.
    let candidates: Vec<Option<Passed>> = paths
        .par_iter()
        .enumerate()
        .map(|(i, path)| {
            // The cheap tests first: the outputs are read to be checked.
            let plan = record.departments.get(path)?;
            let facts = plan.facts.as_ref()?;
            let text = listing.text(i)?;
            if blake3::hash(text.as_bytes()).to_hex().as_str() != facts.text
                || !plan.outputs_fresh(fresh)
            {
                return None;
            }
            Some(Passed {
                file: path.clone(),
                text,
                plan: plan.clone(),
            })
        })
        .collect();
    listing.load(|i| candidates[i].is_none());
    // The departments loaded could concern a candidate: load those candidates too. What they
    // concern in turn was as recorded (both unchanged), so one round is enough.
    let near: HashSet<(String, u32)> = listing
        .departments()
        .flat_map(|d| {
            let key = crate::check::output_dir_key(d.name.value.trim());
            let year = d.year.value;
            [year.checked_sub(1), Some(year), year.checked_add(1)]
                .into_iter()
                .flatten()
                .map(move |y| (key.clone(), y))
        })
        .collect();
    let concerned: Vec<bool> = candidates
        .iter()
        .map(|c| {
            c.as_ref().is_some_and(|c| {
                let f = c.facts();
                near.contains(&(crate::check::output_dir_key(&f.name), f.year))
            })
        })
        .collect();
    listing.load(|i| concerned[i]);
    let passed = candidates
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !listing.is_loaded(*i))
        .filter_map(|(_, c)| c)
        .collect();
    (listing.finish(), passed)
}
