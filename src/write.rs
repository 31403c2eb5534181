//! Writing outputs: to a temporary file in the target directory, then renamed over the old one,
//! so an interrupted or failed run never leaves a half-written PDF or xlsx in place of a good
//! one. A file whose bytes would not change is left alone. A manifest of input hashes lets
//! `build` skip rendering documents whose data, templates and fonts are unchanged.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// New or changed bytes were written.
    Written,
    /// The file already held exactly these bytes.
    Unchanged,
}

/// Writes `bytes` to `path` atomically (temporary file + rename), unless it already holds them.
/// The temporary file is created like any new file, so the output gets the usual permissions
/// (0666 less the umask), and it is removed again if anything fails.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<Written> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(Written::Unchanged);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let (tmp_path, mut file) = create_temp(dir)?;
    let guard = RemoveOnDrop(Some(tmp_path.clone()));
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp_path, path)?;
    std::mem::forget(guard);
    Ok(Written::Written)
}

/// A new, uniquely named temporary file in `dir`.
fn create_temp(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    loop {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = dir.join(format!(".jixiao-{}-{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Removes a temporary file when a write fails half-way.
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Input hashes of the outputs of the last build (`out/.jixiao-manifest.json`).
#[derive(Debug, Default)]
pub struct Manifest {
    path: PathBuf,
    entries: BTreeMap<String, String>,
}

impl Manifest {
    pub fn load(out_dir: &Path) -> Manifest {
        let path = out_dir.join(".jixiao-manifest.json");
        let entries = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Manifest { path, entries }
    }

    /// Whether `output` was built from inputs hashing to `hash` and still holds what was
    /// written then.
    pub fn is_fresh(&self, output: &Path, hash: &str) -> bool {
        let key = output.to_string_lossy().to_string();
        match (self.entries.get(&key), std::fs::read(output)) {
            (Some(recorded), Ok(bytes)) => {
                *recorded == format!("{hash}:{}", blake3::hash(&bytes).to_hex())
            }
            _ => false,
        }
    }

    pub fn record(&mut self, output: &Path, hash: &str, bytes: &[u8]) {
        self.entries.insert(
            output.to_string_lossy().to_string(),
            format!("{hash}:{}", blake3::hash(bytes).to_hex()),
        );
    }

    pub fn save(&self) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(&self.entries).map_err(std::io::Error::other)?;
        write_atomic(&self.path, &bytes).map(|_| ())
    }
}

/// A file name component from user text: path separators and characters Windows forbids are
/// replaced, so a project or department name can never escape `out/`.
pub fn safe_component(name: &str) -> String {
    let cleaned: String = name
        .trim()
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim_matches('.').to_string();
    if cleaned.is_empty() {
        "_".to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_the_output_directory() {
        assert_eq!(safe_component("../etc/passwd"), "_etc_passwd");
        assert_eq!(safe_component("巴财行[2022]33号"), "巴财行[2022]33号");
        assert_eq!(safe_component(".."), "_");
    }

    #[test]
    fn unchanged_bytes_are_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.pdf");
        assert_eq!(write_atomic(&p, b"one").unwrap(), Written::Written);
        assert_eq!(write_atomic(&p, b"one").unwrap(), Written::Unchanged);
        assert_eq!(write_atomic(&p, b"two").unwrap(), Written::Written);
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        // No temporary files are left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
