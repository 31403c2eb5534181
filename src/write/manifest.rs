//! The manifest: input hashes of the outputs of the last build (`out/.jixiao-manifest.json`).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::journal::split_below;
use super::layout::MANIFEST_FILE;
use super::policy::{Dir, FsError};
use super::{OUTPUT_READ_LIMIT, read_below, read_record, write_atomic};

/// Input hashes of the outputs of the last build (`out/.jixiao-manifest.json`).
#[derive(Debug, Default)]
pub struct Manifest {
    out: PathBuf,
    entries: BTreeMap<String, String>,
}

impl Manifest {
    pub fn load(out_dir: &Path) -> Manifest {
        let entries = read_record(out_dir, MANIFEST_FILE)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Manifest {
            out: out_dir.to_path_buf(),
            entries,
        }
    }

    /// The BLAKE3 hash (hex) of the output at `output` below the output directory, when it is
    /// a regular file reached without following a symbolic link.
    pub fn output_hash(&self, output: &Path) -> Option<String> {
        let rel = output.strip_prefix(&self.out).ok()?;
        let bytes = read_below(&self.out, rel, OUTPUT_READ_LIMIT).ok()??;
        Some(blake3::hash(&bytes).to_hex().to_string())
    }

    /// Whether `output` was built from inputs hashing to `hash` and still holds what was
    /// written then.
    pub fn is_fresh(&self, output: &Path, hash: &str) -> bool {
        let key = output.to_string_lossy().to_string();
        match self.entries.get(&key) {
            Some(recorded) => self
                .output_hash(output)
                .is_some_and(|h| *recorded == format!("{hash}:{h}")),
            None => false,
        }
    }

    /// Records that `output` was built from inputs hashing to `hash` and holds bytes whose
    /// BLAKE3 hash (hex) is `bytes_hash`.
    pub fn record_hashed(&mut self, output: &Path, hash: &str, bytes_hash: &str) {
        self.entries.insert(
            output.to_string_lossy().to_string(),
            format!("{hash}:{bytes_hash}"),
        );
    }

    /// The outputs recorded below `dir`, as spelled by the paths the build makes (they are
    /// the keys that sort after `dir` and a separator).
    pub fn outputs_below(&self, dir: &Path) -> Vec<PathBuf> {
        let prefix = format!("{}{}", dir.to_string_lossy(), std::path::MAIN_SEPARATOR);
        self.entries
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| PathBuf::from(k))
            .collect()
    }

    /// Forgets `output`, which the build no longer makes, and removes its file when it is
    /// still the regular file that was written (one changed by hand since, or replaced by
    /// something else, is left where it is). Whether the file was removed.
    pub fn retire(&mut self, output: &Path) -> bool {
        let Some(recorded) = self.entries.remove(&output.to_string_lossy().to_string()) else {
            return false;
        };
        let written = recorded.rsplit(':').next().unwrap_or_default();
        if self.output_hash(output).as_deref() != Some(written) {
            return false;
        }
        self.parent_of(output)
            .is_some_and(|(d, name)| d.remove(&name).is_ok())
    }

    /// Removes the directory `dir` below the output directory if it is empty.
    pub fn remove_empty_dir(&self, dir: &Path) -> bool {
        self.parent_of(dir)
            .is_some_and(|(d, name)| d.remove_dir(&name).is_ok())
    }

    /// The directory holding `path` (below the output directory, opened without following a
    /// link) and `path`'s name in it.
    fn parent_of(&self, path: &Path) -> Option<(Dir, String)> {
        let (sub, name) = split_below(&self.out, path)?;
        let dir = Dir::root(&self.out, false)
            .ok()?
            .open_dir(&sub, false)
            .ok()?;
        Some((dir, name))
    }

    pub fn save(&self) -> Result<(), FsError> {
        let bytes = serde_json::to_vec_pretty(&self.entries)
            .map_err(|e| FsError::Io(self.out.join(MANIFEST_FILE), io::Error::other(e)))?;
        write_atomic(&self.out, Path::new(MANIFEST_FILE), &bytes).map(|_| ())
    }
}
