//! The plans of the last one-shot build, by data file (`out/.jixiao-plans.json`): for each
//! department, the key of its plan's inputs and, for each of its documents, the outputs, the
//! input hash the manifest knows them by, and the title. The next one-shot build takes a
//! department from here instead of planning it again when the key is the same and every one
//! of its outputs is fresh in the manifest; otherwise it plans as usual. `watch` and `serve`
//! keep their plans in memory instead.
//!
//! The key is the one the in-memory plans of `watch` use (the department's file, its date,
//! the styles, templates, Typst library and fonts, `--split`); an entry is only a shortcut to
//! the same job hashes, and outputs are still checked against the manifest, so a missing,
//! unreadable or stale record costs time, never a wrong file. An entry also holds, for a
//! department whose file had no error or warning, the facts a later build needs to pass over
//! its file without loading it (`reuse`); each entry is sealed with a hash of its contents,
//! and one that does not match its seal is not used.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const FILE: &str = crate::write::layout::PLANS_FILE;

/// Each department's recorded plan, by the data file it came from.
#[derive(Debug, Serialize, Deserialize)]
pub struct PlanRecord {
    /// The format; a record of another version is ignored.
    version: String,
    pub departments: BTreeMap<PathBuf, DeptPlan>,
}

/// One department's plan, as far as a build that renders nothing of it needs it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeptPlan {
    /// The key of the plan's inputs (hex).
    pub key: String,
    pub jobs: Vec<JobPlan>,
    /// What a later build needs of the department when it does not load its file; only for a
    /// department whose file had no error or warning.
    pub facts: Option<Facts>,
    /// A hash of the above and of the data file it is filed under: an entry edited by hand,
    /// moved to another file, or damaged is not used.
    seal: String,
}

impl DeptPlan {
    /// The entry of the data file `file`.
    pub fn new(file: &Path, key: String, jobs: Vec<JobPlan>, facts: Option<Facts>) -> DeptPlan {
        let mut plan = DeptPlan {
            key,
            jobs,
            facts,
            seal: String::new(),
        };
        plan.seal = plan.sealed(file);
        plan
    }

    /// Whether every output of its documents holds what the manifest records for it
    /// (`fresh(path, input hash)`).
    pub fn outputs_fresh(&self, fresh: impl Fn(&Path, &str) -> bool) -> bool {
        self.jobs
            .iter()
            .all(|j| j.outputs.iter().all(|(_, path)| fresh(path, &j.hash)))
    }

    /// Whether every path of the entry is below `out`.
    fn is_below(&self, out: &Path) -> bool {
        let outputs = self
            .jobs
            .iter()
            .flat_map(|j| j.outputs.iter().map(|o| &o.1));
        let dir = self.facts.iter().map(|f| &f.out_dir);
        outputs.chain(dir).all(|p| p.starts_with(out))
    }

    fn sealed(&self, file: &Path) -> String {
        let entry = (file, &self.key, &self.jobs, &self.facts);
        let bytes = serde_json::to_vec(&entry).unwrap_or_default();
        blake3::hash(&bytes).to_hex().to_string()
    }
}

/// A department a one-shot build passes over (its file is as recorded, and no department
/// loaded in that build shares its output directory or is its year before or after): what
/// the build's outcome, summaries and index need of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Facts {
    /// The hash of its file's text (hex).
    pub text: String,
    /// Its name (trimmed) and year, and its output directory.
    pub name: String,
    pub year: u32,
    pub out_dir: PathBuf,
    /// The key of its style, whose fonts the build must load.
    pub style: String,
    pub projects: usize,
    pub figures: Option<crate::region::figures::DeptFigures>,
}

/// One document of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobPlan {
    /// (renderer, path) of each output: the renderer by its extension.
    pub outputs: Vec<(String, PathBuf)>,
    /// The input hash its outputs are recorded under in the manifest.
    pub hash: String,
    pub template: String,
    pub listed: bool,
    pub title: String,
}

fn version() -> String {
    format!("{}-3", env!("CARGO_PKG_VERSION"))
}

impl Default for PlanRecord {
    /// An empty record of this version.
    fn default() -> PlanRecord {
        PlanRecord {
            version: version(),
            departments: BTreeMap::new(),
        }
    }
}

impl PlanRecord {
    /// The record in `out`, or an empty one (none, unreadable, or of another version).
    pub fn load(out: &Path) -> PlanRecord {
        crate::write::read_record(out, FILE)
            .and_then(|b| serde_json::from_slice::<PlanRecord>(&b).ok())
            .filter(|r| r.version == version())
            .map(|mut r| {
                // Only entries as written, and of this output directory: a copy of `out/`
                // built with `--out` elsewhere names the original's files.
                r.departments
                    .retain(|file, d| d.seal == d.sealed(file) && d.is_below(out));
                r
            })
            .unwrap_or_default()
    }

    /// The plan recorded for `file` under `key`.
    pub fn get(&self, file: &Path, key: &blake3::Hash) -> Option<&DeptPlan> {
        self.departments
            .get(file)
            .filter(|d| d.key == key.to_hex().as_str())
    }

    pub fn save(&self, out: &Path) -> Result<(), crate::write::FsError> {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        crate::write::write_atomic(out, Path::new(FILE), &bytes).map(|_| ())
    }
}
