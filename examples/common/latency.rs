//! What the latency examples (`watch_latency`, `preview_latency`) share: their arguments, the
//! jixiao process they start and whose terminal they read, the data files they save, and the
//! median they print. Included by each with `#[path]`; an example uses what it needs of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Instant;

/// The arguments both take — `--bin JIXIAO --data DIR --templates DIR [--edits N]` (9 edits
/// unless given) — and every argument, for an example's own flags.
pub struct Args {
    pub bin: String,
    pub data: PathBuf,
    pub templates: String,
    pub edits: usize,
    all: Vec<String>,
}

impl Args {
    /// The process's arguments; when one is missing, prints `usage: <usage>` and exits with 2.
    pub fn parse(usage: &str) -> Args {
        let all: Vec<String> = std::env::args().collect();
        let value = |name: &str| {
            all.iter()
                .position(|a| a == name)
                .and_then(|i| all.get(i + 1).cloned())
        };
        let need = |name: &str| {
            value(name).unwrap_or_else(|| {
                eprintln!("usage: {usage}");
                std::process::exit(2)
            })
        };
        Args {
            bin: need("--bin"),
            data: PathBuf::from(need("--data")),
            templates: need("--templates"),
            edits: value("--edits").map_or(9, |n| n.parse().expect("--edits N")),
            all,
        }
    }

    /// Whether the flag `name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.all.iter().any(|a| a == name)
    }
}

/// An empty output directory of this process under the system's temporary directory.
pub fn temp_out(name: &str) -> PathBuf {
    let out = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    out
}

/// Starts `jixiao <command> DATA --out OUT --templates DIR [extra…]`, and each line of its
/// terminal (stderr) with the time it came.
pub fn start(
    args: &Args,
    command: &str,
    out: &Path,
    extra: &[&str],
) -> (Child, Receiver<(Instant, String)>) {
    let mut child = Command::new(&args.bin)
        .arg(command)
        .arg(&args.data)
        .arg("--out")
        .arg(out)
        .arg("--templates")
        .arg(&args.templates)
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start jixiao {command}: {e}"));
    let stderr = child.stderr.take().expect("stderr");
    let (tx, lines) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send((Instant::now(), line));
        }
    });
    (child, lines)
}

/// The data files (`*.yaml`) of `dir`, in name order.
pub fn data_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read the data directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// The median of `v` (NaN when empty), which is left sorted.
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}
