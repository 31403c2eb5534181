//! How long `jixiao serve` takes from a save to the updated page image, on a corpus of one
//! department (what a person edits, e.g. 20 projects).
//!
//!     preview_latency --bin target/release/jixiao --data DIR --templates templates [--edits 9]
//!
//! Starts `jixiao serve DIR --out <temp> --port 0` and waits for its first build. Then, `--edits`
//! times, it saves the first department's file with its first project renamed and, polling the
//! event stream the preview page listens to (`/events`, every millisecond), measures:
//!
//! - **event**: save → the generation the page reloads on has moved;
//! - **page**: → the department's page (what the reload fetches) has answered;
//! - **image**: → the first page's image (`/d/<file>/0/1.svg`, the renamed project's page)
//!   has answered with a new picture: the latency the target is about;
//! - **files**: save → the rebuilt PDF and xlsx are on disk (the build's summary line);
//!
//! and, from the server's terminal lines (timed as they come): **seen**, save → the change
//! reaches the builder (the watcher's debounce); **shown**, save → the pages are laid out,
//! drawn as SVG and published (`预览 …`).
//!
//! The browser polls `/events` at its own interval (see `src/html/preview.html.j2`), which
//! adds on average half that interval to what a person sees; it is printed, not added. Prints
//! every sample and the medians.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[path = "common/latency.rs"]
mod latency;
use latency::median;

/// A GET over HTTP/1.0: (status, body).
fn get(addr: &str, path: &str) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect to jixiao serve");
    s.set_nodelay(true).ok();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("send");
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).expect("read the reply");
    let head_end = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP reply");
    let head = String::from_utf8_lossy(&reply[..head_end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, reply[head_end + 4..].to_vec())
}

/// `%XX` for every byte outside plain ASCII letters, digits and `.-_`.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn main() {
    let args =
        latency::Args::parse("preview_latency --bin JIXIAO --data DIR --templates DIR [--edits N]");
    let edits = args.edits;
    let out = latency::temp_out("jixiao-preview-latency");
    let (mut child, lines) = latency::start(&args, "serve", &out, &["--port", "0"]);
    let started = Instant::now();
    let addr = loop {
        let (_, line) = lines
            .recv_timeout(Duration::from_secs(600))
            .expect("jixiao serve starts");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap_or_default().to_string();
        }
    };
    eprintln!(
        "first build: {:.2} s, serving {addr}",
        started.elapsed().as_secs_f64()
    );

    let file = latency::data_files(&args.data)
        .into_iter()
        .next()
        .expect("a data file");
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let page = format!("/d/{}", encode(&name));
    let image = format!("{page}/0/1.svg");
    let generation = || -> u64 {
        let (_, body) = get(&addr, "/events");
        String::from_utf8_lossy(&body).trim().parse().unwrap_or(0)
    };
    // The page as a person has it open: its pages laid out.
    assert_eq!(get(&addr, &page).0, 200, "the department's page");
    let (status, mut before) = get(&addr, &image);
    assert_eq!(status, 200, "the first page's image");

    let (mut seen, mut shown, mut event) = (vec![], vec![], vec![]);
    let (mut page_at, mut image_at, mut files) = (vec![], vec![], vec![]);
    let text = std::fs::read_to_string(&file).expect("read the data file");
    for i in 0..edits {
        let g0 = generation();
        let edited = text.replacen("名称: ", &format!("名称: 改{i}"), 1);
        let t0 = Instant::now();
        std::fs::write(&file, &edited).expect("save");
        let ms = |t: Instant| t.duration_since(t0).as_secs_f64() * 1000.0;
        let deadline = t0 + Duration::from_secs(60);
        // The event the page reloads on, then what the reload fetches, until the picture is
        // the new one.
        let (t_event, t_page, t_image, after) = loop {
            assert!(Instant::now() < deadline, "no new picture within 60 s");
            if generation() <= g0 {
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
            let t_event = Instant::now();
            let _ = get(&addr, &page);
            let t_page = Instant::now();
            let (status, svg) = get(&addr, &image);
            if status == 200 && svg != before {
                break (t_event, t_page, Instant::now(), svg);
            }
        };
        before = after;
        // The server's lines: the change seen (after the watcher's debounce), the pages shown
        // (laid out and drawn), the files written (the build's summary).
        let (mut t_seen, mut t_shown) = (None, None);
        let (t_files, line) = loop {
            let (at, line) = lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("a rebuild");
            if line.starts_with("改动：") {
                t_seen = Some(at);
            } else if line.starts_with("预览 ") && t_shown.is_none() {
                t_shown = Some(at);
            } else if line.contains("写入") {
                break (at, line);
            }
        };
        let opt = |t: Option<Instant>| t.map_or(f64::NAN, ms);
        eprintln!(
            "edit {}: seen {:.1} ms, shown {:.1} ms, event {:.1} ms, page {:.1} ms, image {:.1} ms, files {:.1} ms  ({line})",
            i + 1,
            opt(t_seen),
            opt(t_shown),
            ms(t_event),
            ms(t_page),
            ms(t_image),
            ms(t_files)
        );
        seen.push(opt(t_seen));
        shown.push(opt(t_shown));
        event.push(ms(t_event));
        page_at.push(ms(t_page));
        image_at.push(ms(t_image));
        files.push(ms(t_files));
        // Let the build settle before the next save.
        while generation() == g0 {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(200));
        while lines.try_recv().is_ok() {}
    }
    std::fs::write(&file, &text).expect("restore");
    std::thread::sleep(Duration::from_millis(500));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&out);
    println!(
        "preview: save → updated page image, median of {} edits: {:.1} ms (change seen by the server {:.1} ms, pages laid out and shown {:.1} ms, event {:.1} ms, page {:.1} ms; files on disk {:.1} ms); the browser's poll interval adds on average half of itself",
        image_at.len(),
        median(&mut image_at),
        median(&mut seen),
        median(&mut shown),
        median(&mut event),
        median(&mut page_at),
        median(&mut files),
    );
}
