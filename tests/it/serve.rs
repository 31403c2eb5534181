//! `jixiao serve` in a real headless Chromium: the department page shows its table pages,
//! follows a YAML edit by itself, keeps the last good pages (marked out of date) while the data
//! has errors; and the server answers nothing outside what it built.

use crate::common::browser;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use browser::{Browser, http};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const FILE: &str = "2023-kuerle-xinfangju.yaml";

/// The server process, killed when dropped.
struct Server {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
    data: PathBuf,
    out: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Server {
    serve_with(&[FILE], None)
}

/// Serves a data directory of the sample `files`, with `region` as its `地区.yaml`.
fn serve_with(files: &[&str], region: Option<&str>) -> Server {
    serve_args(files, region, &[])
}

/// As [`serve_with`], with more arguments to `jixiao serve`.
fn serve_args(files: &[&str], region: Option<&str>, args: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for f in files {
        std::fs::copy(repo().join("data").join(f), data.join(f)).unwrap();
    }
    if let Some(r) = region {
        std::fs::write(data.join("地区.yaml"), r).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("serve")
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--templates")
        .arg(repo().join("templates"))
        .args(["--port", "0"])
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start jixiao serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = Vec::new();
    let port = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no address printed; seen:\n{}", seen.join("\n")));
        if let Some(rest) = line.split("预览地址：http://127.0.0.1:").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
        seen.push(line);
    };
    let out = dir.path().join("out");
    Server {
        child,
        port,
        _dir: dir,
        data,
        out,
    }
}

/// The page text until it no longer contains `needle`.
fn wait_without(b: &Browser, needle: &str, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let text = b.text().unwrap();
        if !text.contains(needle) {
            return text;
        }
        assert!(Instant::now() < deadline, "still shows {needle:?}:\n{text}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_preview_follows_edits_and_keeps_the_last_good_pages() {
    let server = serve();
    let b = Browser::start().unwrap();
    let page = format!("http://127.0.0.1:{}/d/{FILE}", server.port);
    b.navigate(&format!("http://127.0.0.1:{}/", server.port))
        .unwrap();
    b.wait_for_text("库尔勒市信访局", Duration::from_secs(10))
        .unwrap();
    b.navigate(&page).unwrap();
    b.wait_for_text("信访局大楼运行经费", Duration::from_secs(10))
        .unwrap();
    let pages: usize = b
        .execute("return document.querySelectorAll('figure img').length")
        .unwrap()
        .as_u64()
        .unwrap() as usize;
    assert!(pages >= 1, "the table is shown page by page");
    // Every page image is served as SVG; the first one is drawn (the others load lazily).
    let served = b
        .execute(
            "return Promise.all([...document.querySelectorAll('figure img')].map(i => \
             fetch(i.src).then(r => r.ok && r.headers.get('content-type') === 'image/svg+xml')))\
             .then(all => all.every(x => x))",
        )
        .unwrap();
    assert_eq!(
        served,
        serde_json::Value::Bool(true),
        "every page image is served"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while b
        .execute("const i = document.querySelector('figure img'); return i.complete && i.naturalWidth > 0")
        .unwrap()
        != serde_json::Value::Bool(true)
    {
        assert!(Instant::now() < deadline, "the first page image is drawn");
        std::thread::sleep(Duration::from_millis(100));
    }

    // An edit appears without touching the browser.
    let file = server.data.join(FILE);
    let text = std::fs::read_to_string(&file).unwrap();
    let renamed = text.replace(
        "部门专项-信访局大楼运行经费",
        "部门专项-信访局大楼运行维护经费",
    );
    let saved = Instant::now();
    std::fs::write(&file, &renamed).unwrap();
    b.wait_for_text("信访局大楼运行维护经费", Duration::from_secs(20))
        .unwrap();
    // How fast is bench/'s affair (a bound here failed whenever the machine was busy).
    eprintln!("save → new text in the browser: {:?}", saved.elapsed());

    // An error: the diagnostics at their line, the last good pages kept and marked.
    let broken = renamed.replacen(
        "      财政拨款: 1\n      其他资金: 0\n      合计: 1\n",
        "      财政拨款: 1\n      其他资金: 0\n      合计: 5\n",
        1,
    );
    assert_ne!(broken, renamed);
    std::fs::write(&file, &broken).unwrap();
    b.wait_for_text("已过期", Duration::from_secs(20)).unwrap();
    let shown = b.text().unwrap();
    assert!(shown.contains("JX301"), "the error is listed:\n{shown}");
    assert!(shown.contains("合计: 5"), "with its source line:\n{shown}");
    assert!(
        shown.contains("信访局大楼运行维护经费"),
        "the last good pages stay visible"
    );

    // Corrected: current again.
    std::fs::write(&file, &renamed).unwrap();
    let shown = wait_without(&b, "已过期", Duration::from_secs(20));
    assert!(!shown.contains("JX301"), "{shown}");

    // A YAML syntax error leaves no department to show: the page keeps the last good tables,
    // out of date, with the error (it said 没有这个页面 and never came back), and recovers.
    let unclosed = renamed.replacen("部门: 库尔勒市信访局", "部门: [库尔勒市信访局", 1);
    assert_ne!(unclosed, renamed);
    std::fs::write(&file, &unclosed).unwrap();
    b.wait_for_text("已过期", Duration::from_secs(20)).unwrap();
    let shown = b.text().unwrap();
    assert!(!shown.contains("没有这个页面"), "{shown}");
    assert!(
        shown.contains("JX00"),
        "the syntax error is listed:\n{shown}"
    );
    assert!(
        shown.contains("信访局大楼运行维护经费"),
        "the last good pages stay: {shown}"
    );
    std::fs::write(&file, &renamed).unwrap();
    let shown = wait_without(&b, "已过期", Duration::from_secs(20));
    assert!(shown.contains("信访局大楼运行维护经费"), "{shown}");
}

/// A raw request with its own `Host` header.
fn raw(port: u16, request: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn the_server_answers_nothing_outside_what_it_built() {
    let server = serve();
    let port = server.port;
    let (status, _, body) = http("GET", port, &format!("/d/{FILE}"), None, None).unwrap();
    assert_eq!(status, 200);
    let page = String::from_utf8(body).unwrap();
    // The download links of the page work.
    let pdf = page
        .split("href=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .find(|h| h.ends_with(".pdf"))
        .expect("a PDF link");
    let (status, headers, body) = http("GET", port, pdf, None, None).unwrap();
    assert_eq!(status, 200);
    assert!(body.starts_with(b"%PDF-"));
    assert!(headers.contains(&("content-type".into(), "application/pdf".into())));

    for path in [
        "/../../../../etc/passwd",
        "/d/..%2F..%2F..%2Fetc%2Fpasswd",
        "/d/%2e%2e/%2e%2e/etc/passwd",
        "/d/../data/2023-kuerle-xinfangju.yaml",
        &format!("/d/{FILE}/0/..%2F..%2F..%2Fdata%2F{FILE}"),
        &format!("/d/{FILE}/0/%2Fetc%2Fpasswd"),
        "//etc/passwd",
        "/out/.jixiao-manifest.json",
        "/d/%00",
        "/d/%ZZ",
    ] {
        let (status, _, body) = http("GET", port, path, None, None).unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(
            status == 404 || status == 400,
            "{path}: status {status}, body {body}"
        );
        assert!(
            !body.contains("root:") && !body.contains("部门:"),
            "{path}: {body}"
        );
    }
    let (status, _, _) = http("POST", port, "/", Some(b"x"), Some("text/plain")).unwrap();
    assert_eq!(status, 405);
    // A page elsewhere that points a name of its own at this port (DNS rebinding) is refused.
    let reply = raw(
        port,
        "GET / HTTP/1.1\r\nHost: attacker.example:80\r\nConnection: close\r\n\r\n",
    );
    assert!(reply.starts_with("HTTP/1.1 403"), "{reply}");
    let reply = raw(
        port,
        &format!("GET / HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"),
    );
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

/// The status line of a raw GET of `/` naming `host`.
fn status_for_host(port: u16, host: &str) -> String {
    let reply = raw(
        port,
        &format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    );
    reply.lines().next().unwrap_or_default().to_string()
}

#[test]
fn listening_everywhere_still_checks_the_host() {
    let server = serve_args(
        &[FILE],
        None,
        &["--host", "0.0.0.0", "--allow-host", "MyPC.local"],
    );
    let port = server.port;
    for refused in [
        format!("attacker.example:{port}"),
        "attacker.example".to_string(),
        format!("localhost.attacker.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        String::new(),
    ] {
        let status = status_for_host(port, &refused);
        assert!(status.starts_with("HTTP/1.1 403"), "{refused:?}: {status}");
    }
    for allowed in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("192.168.1.5:{port}"),
        format!("[::1]:{port}"),
        format!("mypc.local:{port}"),
    ] {
        let status = status_for_host(port, &allowed);
        assert!(status.starts_with("HTTP/1.1 200"), "{allowed:?}: {status}");
    }
    // Refused in Chinese, saying what to do.
    let reply = raw(
        port,
        "GET / HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n",
    );
    assert!(reply.contains("--allow-host"), "{reply}");
}

#[test]
fn an_output_replaced_by_a_symlink_is_not_served() {
    let server = serve();
    let port = server.port;
    let (status, _, body) = http("GET", port, &format!("/d/{FILE}"), None, None).unwrap();
    assert_eq!(status, 200);
    let page = String::from_utf8(body).unwrap();
    let links: Vec<String> = page
        .split("href=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .filter(|h| h.ends_with(".pdf") || h.ends_with(".xlsx"))
        .collect();
    assert!(links.len() >= 2, "a PDF and an xlsx link: {links:?}");
    let secret = server.out.parent().unwrap().join("secret.txt");
    std::fs::write(&secret, "root:x:0:0 secret").unwrap();
    // Every output the build wrote becomes a link to the secret file.
    let mut outputs = Vec::new();
    let mut dirs = vec![server.out.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().map(Result::unwrap) {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if matches!(p.extension().and_then(|x| x.to_str()), Some("pdf" | "xlsx")) {
                outputs.push(p);
            }
        }
    }
    assert!(outputs.len() >= 2, "{outputs:?}");
    for o in &outputs {
        std::fs::remove_file(o).unwrap();
        std::os::unix::fs::symlink(&secret, o).unwrap();
    }
    for link in &links {
        let (status, _, body) = http("GET", port, link, None, None).unwrap();
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 404, "{link}: {body}");
        assert!(!body.contains("secret"), "{link}: {body}");
    }
    // A directory on the way replaced by a link to a copy is not followed either.
    let dept_dir = outputs[0].parent().unwrap().to_path_buf();
    let copy = server.out.parent().unwrap().join("copy");
    std::fs::rename(&dept_dir, &copy).unwrap();
    for o in &outputs {
        let name = copy.join(o.file_name().unwrap());
        std::fs::remove_file(&name).unwrap();
        std::fs::write(&name, "secret copy").unwrap();
    }
    std::os::unix::fs::symlink(&copy, &dept_dir).unwrap();
    for link in &links {
        let (status, _, body) = http("GET", port, link, None, None).unwrap();
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 404, "{link}: {body}");
    }
}

#[test]
fn each_year_of_a_region_has_its_own_summary_page() {
    let server = serve_with(
        &[FILE, "2020-keqiao-rendaban.yaml"],
        Some("地区: 样例市\n编制单位: 样例市财政局\n"),
    );
    let (status, _, body) = http("GET", server.port, "/", None, None).unwrap();
    assert_eq!(status, 200);
    let index = String::from_utf8(body).unwrap();
    for year in [2020, 2023] {
        let id = format!("汇总-{year}");
        let href: String = id
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b == b'-' {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        assert!(
            index.contains(&format!("/d/{href}")),
            "{year} is listed:\n{index}"
        );
        let (status, _, body) =
            http("GET", server.port, &format!("/d/{href}"), None, None).unwrap();
        assert_eq!(status, 200);
        let page = String::from_utf8(body).unwrap();
        assert!(
            page.contains(&format!("样例市{year}年度部门项目支出绩效目标汇总表")),
            "{year}'s own summary:\n{page}"
        );
        assert!(page.contains(".svg"), "with its pages");
    }
}
