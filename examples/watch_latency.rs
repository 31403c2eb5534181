//! How long `jixiao watch` takes from a save to the rebuilt files, on a corpus already built.
//!
//!     watch_latency --bin target/release/jixiao --data DIR --templates templates [--edits 9] [--same]
//!
//! Starts `jixiao watch DIR --out <temp>` and waits for its first build. Then, `--edits` times,
//! it saves one department's file with one project renamed (a different department each time,
//! or with `--same` the first department every time, as when one file is edited again and again)
//! and measures the wall time from the write to the summary line of the rebuild, checking that
//! the rebuild wrote exactly that department's PDF and xlsx. It also saves a file no build
//! reads and checks that nothing is rebuilt. Prints every sample and the median.

use std::time::{Duration, Instant};

#[path = "common/latency.rs"]
mod latency;

fn main() {
    let args = latency::Args::parse(
        "watch_latency --bin JIXIAO --data DIR --templates DIR [--edits N] [--same]",
    );
    let (data, edits, same) = (&args.data, args.edits, args.flag("--same"));
    let out = latency::temp_out("jixiao-watch-latency");
    let (mut child, lines) = latency::start(&args, "watch", &out, &[]);
    let wait_for = |prefix: &str, timeout: Duration| -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let (_, line) = lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .ok()?;
            // watch stamps its own lines with the local time (`[13:43:27] 正在监视…`).
            let body = match line.strip_prefix('[').and_then(|l| l.split_once("] ")) {
                Some((_, rest)) => rest.to_string(),
                None => line,
            };
            if body.starts_with(prefix) {
                return Some(body);
            }
        }
    };
    let started = Instant::now();
    wait_for("正在监视", Duration::from_secs(600)).expect("the first build ends");
    eprintln!("first build: {:.2} s", started.elapsed().as_secs_f64());

    let files = latency::data_files(data);
    let mut samples = Vec::new();
    for i in 0..edits {
        let file = &files[if same { 0 } else { i % files.len() }];
        let text = std::fs::read_to_string(file).expect("read a data file");
        let edited = text.replacen("名称: ", &format!("名称: 改{i}"), 1);
        let t0 = Instant::now();
        std::fs::write(file, edited).expect("save");
        let summary = wait_for("共 ", Duration::from_secs(60)).expect("a rebuild");
        let took = t0.elapsed().as_secs_f64();
        assert!(
            summary.contains("写入 2 个文件"),
            "the rebuild writes one department's PDF and xlsx: {summary}"
        );
        eprintln!("edit {}: {took:.3} s  ({summary})", i + 1);
        samples.push(took);
        std::fs::write(file, text).expect("restore");
        wait_for("共 ", Duration::from_secs(60)).expect("the rebuild after restoring");
    }
    // A save no build reads: nothing happens.
    std::fs::write(data.join("说明.txt"), "备注").expect("write a note");
    let quiet = wait_for("改动：", Duration::from_secs(1)).is_none();
    let _ = std::fs::remove_file(data.join("说明.txt"));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&out);
    let median = latency::median(&mut samples);
    println!(
        "watch: save → {} rebuilt, median of {} edits: {median:.3} s (min {:.3}, max {:.3}); unrelated save rebuilt nothing: {}",
        if same {
            "the same department"
        } else {
            "one department"
        },
        samples.len(),
        samples[0],
        samples[samples.len() - 1],
        if quiet { "yes" } else { "NO" }
    );
}
