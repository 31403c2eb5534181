//! `jixiao watch`: after the first build, a save of one department's file rebuilds that
//! department only; a save that changes nothing, or a file no build reads, writes nothing.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant, SystemTime};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The watcher process, killed when dropped; its stderr lines arrive on `lines`.
struct Watcher {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Watcher {
    fn start(data: &Path, out: &Path) -> Watcher {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .arg("watch")
            .arg(data)
            .arg("--out")
            .arg(out)
            .arg("--templates")
            .arg(repo().join("templates"))
            .stderr(Stdio::piped())
            .spawn()
            .expect("start jixiao watch");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watcher {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line starting with `prefix`; returns it.
    fn wait_for(&mut self, prefix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    // A line may start with watch's time stamp, `[14:03:22] `.
                    let bare = match line.strip_prefix('[').and_then(|r| r.split_once("] ")) {
                        Some((_, rest)) => rest,
                        None => &line,
                    };
                    if bare.starts_with(prefix) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line starting with {prefix:?} within {timeout:?}; seen:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Every line that arrives within `wait`.
    fn lines_within(&mut self, wait: Duration) -> Vec<String> {
        let deadline = Instant::now() + wait;
        let mut got = Vec::new();
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            got.push(line);
        }
        got
    }
}

/// Saves 库尔勒市信访局's file with one project renamed (大楼运行经费 → 大楼运行维护经费).
fn save_with_a_new_project_name(file: &Path) {
    let text = std::fs::read_to_string(file).unwrap();
    let edited = text.replace(
        "部门专项-信访局大楼运行经费",
        "部门专项-信访局大楼运行维护经费",
    );
    assert_ne!(text, edited);
    std::fs::write(file, &edited).unwrap();
}

/// (path, modification time, bytes) of every output file.
fn outputs(out: &Path) -> Vec<(PathBuf, SystemTime, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|x| x.to_str()),
                Some("pdf" | "xlsx")
            ) {
                let modified = e.metadata().unwrap().modified().unwrap();
                files.push((path.clone(), modified, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_save_rebuilds_its_department_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("out");
    std::fs::create_dir(&data).unwrap();
    for f in ["2023-kuerle-xinfangju.yaml", "2023-kuerle-rendaban.yaml"] {
        std::fs::copy(repo().join("data").join(f), data.join(f)).unwrap();
    }
    let mut w = Watcher::start(&data, &out);
    w.wait_for("正在监视", Duration::from_secs(120));
    let before = outputs(&out);
    assert_eq!(before.len(), 4, "two departments, a PDF and an xlsx each");
    let changed_dir = out.join("2023").join("库尔勒市信访局");

    // One department's file saved with a new project name.
    let file = data.join("2023-kuerle-xinfangju.yaml");
    save_with_a_new_project_name(&file);
    let changed = w.wait_for("改动：", Duration::from_secs(30));
    // Each rebuild is stamped with the local time of day.
    let stamp = changed.trim_start().get(..10).unwrap_or("");
    assert!(
        stamp.len() == 10
            && stamp.starts_with('[')
            && stamp.ends_with(']')
            && stamp[1..9].chars().filter(|c| *c == ':').count() == 2,
        "{changed}"
    );
    let summary = w.wait_for("共 ", Duration::from_secs(60));
    assert!(summary.contains("写入 2 个文件"), "{summary}");
    let after = outputs(&out);
    for ((path, t0, b0), (path1, t1, b1)) in before.iter().zip(&after) {
        assert_eq!(path, path1);
        if path.starts_with(&changed_dir) {
            assert_ne!(b0, b1, "{} was rebuilt", path.display());
        } else {
            assert_eq!((t0, b0), (t1, b1), "{} was not touched", path.display());
        }
    }
    let pdf = after
        .iter()
        .find(|(p, _, _)| p.starts_with(&changed_dir) && p.extension().unwrap() == "pdf")
        .unwrap();
    let text = Command::new("pdftotext")
        .arg(&pdf.0)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text: String = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect();
    assert!(
        text.contains("信访局大楼运行维护经费"),
        "the new name is printed"
    );

    // A file no build reads: no rebuild at all.
    std::fs::write(data.join("说明.txt"), "备注").unwrap();
    let lines = w.lines_within(Duration::from_millis(1500));
    assert!(
        !lines.iter().any(|l| l.contains("改动：")),
        "an unrelated file does not rebuild: {lines:?}"
    );

    // The other department saved without a change: checked again, nothing written.
    let other = data.join("2023-kuerle-rendaban.yaml");
    let same = std::fs::read(&other).unwrap();
    std::fs::write(&other, same).unwrap();
    w.wait_for("改动：", Duration::from_secs(30));
    let summary = w.wait_for("共 ", Duration::from_secs(60));
    assert!(summary.contains("写入 0 个文件"), "{summary}");
    assert_eq!(outputs(&out), after, "nothing touched");
}

/// A data directory deleted and made again (a checkout of another branch, a copy put back) is
/// watched again: a save into the new directory rebuilds its department.
#[test]
fn a_data_directory_made_again_is_watched_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("out");
    std::fs::create_dir(&data).unwrap();
    let name = "2023-kuerle-xinfangju.yaml";
    std::fs::copy(repo().join("data").join(name), data.join(name)).unwrap();
    let mut w = Watcher::start(&data, &out);
    w.wait_for("正在监视", Duration::from_secs(120));
    let before = outputs(&out);
    assert_eq!(before.len(), 2);

    std::fs::remove_dir_all(&data).unwrap();
    w.wait_for("改动：", Duration::from_secs(30));
    std::fs::create_dir(&data).unwrap();
    std::fs::copy(repo().join("data").join(name), data.join(name)).unwrap();
    // Settle: whatever the new directory's first rebuild does, it writes nothing new.
    let _ = w.lines_within(Duration::from_millis(1500));

    // A save into the new directory.
    let file = data.join(name);
    save_with_a_new_project_name(&file);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let summary = w.wait_for("共 ", deadline.saturating_duration_since(Instant::now()));
        if summary.contains("写入 2 个文件") {
            break;
        }
    }
    let after = outputs(&out);
    assert_eq!(after.len(), 2);
    for ((p0, _, b0), (p1, _, b1)) in before.iter().zip(&after) {
        assert_eq!(p0, p1);
        assert_ne!(
            b0,
            b1,
            "{} was rebuilt from the new directory",
            p0.display()
        );
    }
}
