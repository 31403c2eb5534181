//! A small std-only WebDriver client for integration tests: [`Browser`] drives a headless
//! Chromium through `chromedriver`, so a test can load a page and wait for text to appear.
//! [`http`] is the raw HTTP/1.1 client it talks to chromedriver with; tests can also use it
//! directly against servers under test.
//!
//! Needs `/usr/bin/chromium` and `chromedriver` on `PATH`
//! (Debian: `apt-get install -y chromium chromium-driver`).
#![allow(dead_code)]

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";
const INSTALL: &str = "install them with `apt-get install -y chromium chromium-driver`";
/// Headless, and quiet on a closed network.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];
/// How long chromedriver may take to answer `/status` with `ready: true`.
const STARTUP: Duration = Duration::from_secs(20);
/// Read/write timeout of one [`http`] request (a navigation waits for the page's `load`).
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// A chromedriver process with one WebDriver session of a headless Chromium. Dropping it ends
/// the session (which quits Chromium), kills chromedriver and removes the profile directory.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    /// Holds chromedriver's log and, in `profile/`, Chromium's fresh `--user-data-dir`.
    dir: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free loopback port, waits until its `/status` is ready and
    /// creates a session. Errors say what to install if the binaries are missing.
    pub fn start() -> Result<Browser, String> {
        if !Path::new(CHROMIUM).exists() {
            return Err(format!("{CHROMIUM} not found; {INSTALL}"));
        }
        let dir = tempfile::tempdir().map_err(|e| format!("create a temporary directory: {e}"))?;
        let (driver, port) = spawn_driver(&dir.path().join("chromedriver.log"))?;
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
            dir,
        };
        let profile = browser.dir.path().join("profile");
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let options = json!({ "binary": CHROMIUM, "args": args });
        let capabilities = json!({ "browserName": "chrome", "goog:chromeOptions": options });
        let body = json!({ "capabilities": { "alwaysMatch": capabilities } });
        let value = browser.command("POST", "/session", Some(body))?;
        match value["sessionId"].as_str() {
            Some(id) => browser.session = id.to_owned(),
            None => return Err(format!("WebDriver: no sessionId in {value}")),
        }
        Ok(browser)
    }

    /// Loads `url` and returns once its `load` event has fired. A page that cannot be reached
    /// still counts as loaded: Chromium shows its error page (check the text).
    pub fn navigate(&self, url: &str) -> Result<(), String> {
        let body = json!({ "url": url });
        self.command("POST", &self.session_path("url"), Some(body))
            .map(drop)
    }

    /// `document.body.innerText` (empty while there is no body).
    pub fn text(&self) -> Result<String, String> {
        let value = self.execute("return document.body ? document.body.innerText : '';")?;
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("innerText is not a string: {value}"))
    }

    /// Runs `script` as the body of a function in the page; returns what it `return`s, as JSON.
    pub fn execute(&self, script: &str) -> Result<Value, String> {
        let body = json!({ "script": script, "args": [] });
        self.command("POST", &self.session_path("execute/sync"), Some(body))
    }

    /// Polls [`Browser::text`] every 100 ms until it contains `needle`; after `timeout`, an
    /// error with the last text seen (or the last error, if no text could be read).
    pub fn wait_for_text(&self, needle: &str, timeout: Duration) -> Result<(), String> {
        let start = Instant::now();
        loop {
            let last = match self.text() {
                Ok(text) if text.contains(needle) => return Ok(()),
                Ok(text) => format!("last text: {text:?}"),
                Err(e) => format!("last error: {e}"),
            };
            if start.elapsed() >= timeout {
                return Err(format!("{needle:?} not seen within {timeout:?}; {last}"));
            }
            sleep(Duration::from_millis(100));
        }
    }

    fn session_path(&self, command: &str) -> String {
        format!("/session/{}/{command}", self.session)
    }

    /// One WebDriver command; returns the reply's `value`, or its `error` and `message`.
    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string().into_bytes());
        let content_type = body.as_ref().map(|_| "application/json; charset=utf-8");
        let (status, _, reply) = http(method, self.port, path, body.as_deref(), content_type)
            .map_err(|e| format!("WebDriver {method} {path}: {e}"))?;
        let mut reply: Value = serde_json::from_slice(&reply).map_err(|e| {
            let text = String::from_utf8_lossy(&reply);
            format!("WebDriver {method} {path}: HTTP {status}, not JSON ({e}): {text}")
        })?;
        let value = reply["value"].take();
        if status != 200 {
            let error = value["error"].as_str().unwrap_or("(no error code)");
            let message = value["message"].as_str().unwrap_or_default();
            return Err(format!(
                "WebDriver {method} {path}: {status} {error}: {message}"
            ));
        }
        Ok(value)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = http("DELETE", self.port, &path, None, None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Starts chromedriver on a port the OS just handed out and waits for `/status` to be ready;
/// tries another port if chromedriver exits first (someone else took the port meanwhile).
fn spawn_driver(log: &Path) -> Result<(Child, u16), String> {
    let mut failure = String::new();
    for _ in 0..3 {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("find a free loopback port: {e}"))?
            .port();
        let out = File::create(log).and_then(|out| Ok((out.try_clone()?, out)));
        let (out, err) = out.map_err(|e| format!("create {}: {e}", log.display()))?;
        let mut child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => format!("`{CHROMEDRIVER}` not found on PATH; {INSTALL}"),
                _ => format!("start {CHROMEDRIVER}: {e}"),
            })?;
        let log_text = || std::fs::read_to_string(log).unwrap_or_default();
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                failure = format!("{CHROMEDRIVER} exited ({status}):\n{}", log_text());
                break;
            }
            if let Ok((200, _, body)) = http("GET", port, "/status", None, None)
                && serde_json::from_slice::<Value>(&body).is_ok_and(|v| v["value"]["ready"] == true)
            {
                return Ok((child, port));
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                let log = log_text();
                return Err(format!(
                    "{CHROMEDRIVER} not ready after {STARTUP:?}:\n{log}"
                ));
            }
            sleep(Duration::from_millis(50));
        }
    }
    Err(failure)
}

/// What [`http`] returns: the status code, the headers and the body.
pub type Response = (u16, Vec<(String, String)>, Vec<u8>);

/// One HTTP/1.1 request to 127.0.0.1:`port` with `Connection: close`; returns the status code,
/// the headers (names lowercased, values trimmed, in order) and the body. The body is framed by
/// chunked transfer encoding, else `Content-Length`, else the end of the connection. `path` is
/// sent verbatim, without any normalisation or escaping.
pub fn http(
    method: &str,
    port: u16,
    path: &str,
    body: Option<&[u8]>,
    content_type: Option<&str>,
) -> io::Result<Response> {
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    head.push_str("Connection: close\r\n");
    if let Some(content_type) = content_type {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    let mut request = (head + "\r\n").into_bytes();
    request.extend_from_slice(body.unwrap_or_default());
    (&stream).write_all(&request)?;

    let mut reader = BufReader::new(stream);
    let status_line = line(&mut reader)?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok());
    let status: u16 = status.ok_or_else(|| invalid(format!("status line {status_line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let header = line(&mut reader)?;
        if header.is_empty() {
            break;
        }
        let split = header.split_once(':');
        let (name, value) = split.ok_or_else(|| invalid(format!("header {header:?}")))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let header = |name: &str| headers.iter().find(|h| h.0 == name).map(|h| h.1.as_str());
    let mut body = Vec::new();
    if method.eq_ignore_ascii_case("HEAD") || matches!(status, 100..=199 | 204 | 304) {
        // No body, whatever the headers say.
    } else if header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().ends_with("chunked"))
    {
        loop {
            let size_line = line(&mut reader)?;
            let size = size_line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| invalid(format!("chunk size {size_line:?}")))?;
            if size == 0 {
                while line(&mut reader).is_ok_and(|trailer| !trailer.is_empty()) {}
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            line(&mut reader)?;
        }
    } else if let Some(length) = header("content-length") {
        let parsed = length.parse();
        body.resize(
            parsed.map_err(|_| invalid(format!("Content-Length {length:?}")))?,
            0,
        );
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok((status, headers, body))
}

/// One line of the response head, without its line ending; an error at the end of the stream.
fn line(reader: &mut impl BufRead) -> io::Result<String> {
    let mut bytes = Vec::new();
    if reader.read_until(b'\n', &mut bytes)? == 0 {
        let eof = io::ErrorKind::UnexpectedEof;
        return Err(io::Error::new(eof, "connection closed mid-response"));
    }
    Ok(String::from_utf8_lossy(&bytes)
        .trim_end_matches(['\r', '\n'])
        .to_owned())
}

fn invalid(what: String) -> io::Error {
    io::Error::other(format!("malformed HTTP response: {what}"))
}
