//! Self-test of the browser harness (`tests/common/browser.rs`): a tiny std server whose page
//! rewrites its own text 500 ms after its `load` event, read back through a real headless
//! Chromium, and the raw `http` client against the same server. Fails, not skips, without
//! Chromium.

use crate::common::browser;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use browser::{Browser, http};

const PAGE: &str = "<!doctype html><meta charset=\"utf-8\"><title>harness</title>\
    <body>初始内容<script>addEventListener('load', () => setTimeout(() => {\
    document.body.textContent = '已更新'; }, 500));</script></body>";

/// Serves, on a free loopback port and until the test binary exits: `/` the page (with
/// `Content-Length`), `/chunked` "已更新" in two chunks, `/eof` a body ended by closing the
/// connection, and anything else a 404 whose body is the request path exactly as received.
fn serve() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the test server");
    let port = listener.local_addr().expect("test server address").port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || respond(stream));
        }
    });
    port
}

fn respond(mut stream: TcpStream) {
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    let _ = reader.read_line(&mut request_line);
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 0) && header.trim() != "" {
        header.clear();
    }
    let response = match request_line.split_whitespace().nth(1).unwrap_or_default() {
        "/" => format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
            PAGE.len()
        ),
        "/chunked" => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                       3;ext=1\r\n已\r\n6\r\n更新\r\n0\r\nX-Trailer: 1\r\n\r\n"
            .to_owned(),
        "/eof" => "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end".to_owned(),
        path => format!(
            "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\n\r\n{path}",
            path.len()
        ),
    };
    let _ = stream.write_all(response.as_bytes());
}

#[test]
fn http_reads_every_kind_of_body_and_sends_paths_verbatim() {
    let port = serve();
    let (status, headers, body) = http("GET", port, "/", None, None).unwrap();
    assert_eq!(status, 200);
    let content_type = (
        "content-type".to_owned(),
        "text/html; charset=utf-8".to_owned(),
    );
    assert!(headers.contains(&content_type), "{headers:?}");
    assert_eq!(body, PAGE.as_bytes());

    let (status, _, body) = http("GET", port, "/chunked", None, None).unwrap();
    assert_eq!(
        (status, String::from_utf8(body).unwrap().as_str()),
        (200, "已更新")
    );
    let (status, _, body) = http("GET", port, "/eof", None, None).unwrap();
    assert_eq!(
        (status, body.as_slice()),
        (200, b"until the end".as_slice())
    );
    for raw in ["/../etc/passwd", "/%2e%2e/x", "/a/./b//c"] {
        let (status, _, body) = http("GET", port, raw, None, None).unwrap();
        assert_eq!((status, body.as_slice()), (404, raw.as_bytes()));
    }
}

#[test]
fn browser_sees_text_appear() {
    let port = serve();
    let started = Instant::now();
    let browser =
        Browser::start().unwrap_or_else(|e| panic!("cannot start headless Chromium: {e}"));
    eprintln!("browser started in {:?}", started.elapsed());
    browser
        .navigate(&format!("http://127.0.0.1:{port}/"))
        .unwrap();
    eprintln!("page loaded after {:?}", started.elapsed());
    assert_eq!(browser.text().unwrap().trim(), "初始内容");

    let waited = Instant::now();
    browser
        .wait_for_text("已更新", Duration::from_secs(10))
        .unwrap();
    eprintln!("text appeared after {:?}", waited.elapsed());
    let error = browser
        .wait_for_text("不存在", Duration::from_secs(1))
        .unwrap_err();
    assert!(
        error.contains("不存在") && error.contains("已更新"),
        "{error}"
    );

    assert_eq!(
        browser.execute("return 6 * 7;").unwrap(),
        serde_json::json!(42)
    );
    assert!(
        browser
            .execute("throw new Error('boom');")
            .unwrap_err()
            .contains("boom")
    );
    let dropped = Instant::now();
    drop(browser);
    eprintln!("browser closed in {:?}", dropped.elapsed());
}
