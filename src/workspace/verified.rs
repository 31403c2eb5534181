//! The outputs known to hold what the build record (the manifest) says — one of the freshness
//! records that stand on the run's [`super::inputs::Inputs`] keys: an output whose length and
//! modification time are as when it was last verified is not read again. Read by every phase
//! that asks whether an output is current (prepare's pass-over, units' plan reuse, schedule's `outputs_fresh`)
//! and written by commit.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::write::Manifest;

/// Outputs known to hold what the build record says, with the input hash and the length and
/// modification time they had then: a file whose metadata is unchanged is not read again.
pub(super) type Verified = Mutex<HashMap<PathBuf, (String, u64, std::time::SystemTime)>>;

/// Whether `path` holds what the last build made from inputs hashing to `hash` (by
/// `manifest`); an output found so is remembered in `verified` by its length and mtime, and
/// not read again while they are unchanged.
pub(super) fn is_fresh(verified: &Verified, manifest: &Manifest, path: &Path, hash: &str) -> bool {
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

pub(super) fn metadata_of(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}
