//! `jixiao serve`: a local preview server over a [`Workspace`]. A builder thread builds once,
//! then again on every save (the same [`Watch`] as `jixiao watch`); a department's pages are
//! laid out as SVG when its page is asked for ([`Workspace::pages`], from the same plan as the
//! PDF, a bounded number kept), so a region of hundreds of departments costs no more memory
//! than the few looked at. The HTTP side shows them with the diagnostics of each data file, and every
//! open page reloads itself as soon as it sees a rebuild: it asks `/events` for the build
//! generation every 50 ms. (Not a long poll: Chromium keeps the connection of a request a
//! page left pending on navigation and waits for it before reusing it, so a held request
//! stalls the next page's images for as long as it is held.)
//!
//! Preview first: a rebuild after a save renders the department in view first and hands its
//! pages over as soon as Typst has laid them out ([`crate::workspace::Event::Previewed`]); the
//! generation moves then, and the pages reloading meanwhile are drawn from those pages while
//! the PDF, the xlsx and the files follow (`bench/preview.sh` measures save → new image).
//!
//! A layout abandoned at its time limit (an endless template) ends the server with a message
//! (see [`crate::render::pdf::abandoned_stop`]): its thread cannot be stopped.
//!
//! Nothing a request names reaches the file system: departments and documents are looked up
//! by name among the last build's results, and only files that build wrote are sent, as
//! regular files reached without a symbolic link below the output directory (an output replaced
//! by a link to `/etc/passwd` is not sent). Every request's `Host` is checked, whatever address
//! is served ([`HostCheck`]): a web page elsewhere cannot read the preview through DNS
//! rebinding.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::workspace::watch::Watch;
use crate::workspace::{BuildOptions, DeptStatus, DocOutcome, Outcome, Workspace};

pub mod page;

/// What the pages show: the last build, and each department's last good documents.
#[derive(Default)]
struct State {
    /// Counts the builds finished; pages poll for a change.
    generation: u64,
    /// The last build.
    outcome: Option<Outcome>,
    /// Whether a rebuild is under way.
    building: bool,
    /// Per data file: the documents of its last successful build, shown (marked out of date)
    /// while the file has errors.
    last_good: HashMap<PathBuf, Vec<DocOutcome>>,
    /// Per data file: its department as last loaded, so that a file that does not load now (a
    /// YAML syntax error) keeps its place on the index and its page.
    last_seen: HashMap<PathBuf, crate::workspace::DeptOutcome>,
    /// Per PDF: the pages last laid out, shown while the builder holds the workspace (the
    /// pages a rebuild shows first, before its files are written, among them).
    shown: Shown,
    /// The data file of the department page last asked for: its documents are rebuilt first.
    in_view: Option<PathBuf>,
}

/// The pages last shown of each document, at most [`crate::workspace::PREVIEWS_KEPT`] (the
/// oldest shown dropped first), as the workspace keeps its previews.
#[derive(Default)]
struct Shown {
    pages: page::Pages,
    order: std::collections::VecDeque<PathBuf>,
}

impl Shown {
    fn insert(&mut self, pdf: &Path, pages: Arc<Vec<crate::render::Page>>) {
        self.pages.insert(pdf.to_path_buf(), pages);
        self.order.retain(|p| p != pdf);
        self.order.push_back(pdf.to_path_buf());
        while self.order.len() > crate::workspace::PREVIEWS_KEPT {
            if let Some(old) = self.order.pop_front() {
                self.pages.remove(&old);
            }
        }
    }
}

struct Shared {
    state: Mutex<State>,
    /// The workspace: the builder holds it while it builds, a page while it lays out previews.
    /// Never locked while `state` is held.
    ws: Mutex<Workspace>,
    /// The output directory: downloads are read only below it.
    out: PathBuf,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn workspace(&self) -> std::sync::MutexGuard<'_, Workspace> {
        self.ws.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The preview pages of `docs`, by PDF path: laid out by the workspace, or, while a
    /// rebuild holds it, as last shown (a rebuild shows the pages it lays out first:
    /// [`crate::workspace::Event::Previewed`]).
    fn pages(&self, docs: &[DocOutcome]) -> page::Pages {
        let pdfs: Vec<&Path> = docs.iter().map(DocOutcome::primary).collect();
        let mut ws = match self.ws.try_lock() {
            Ok(ws) => ws,
            Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                let state = self.lock();
                let shown: page::Pages = pdfs
                    .iter()
                    .filter_map(|p| Some((p.to_path_buf(), state.shown.pages.get(*p)?.clone())))
                    .collect();
                if shown.len() == pdfs.len() {
                    return shown;
                }
                drop(state);
                self.workspace()
            }
        };
        let pages: page::Pages = pdfs
            .iter()
            .filter_map(|p| Some((p.to_path_buf(), ws.pages(p)?)))
            .collect();
        drop(ws);
        stop_if_abandoned();
        let mut state = self.lock();
        for (pdf, p) in &pages {
            state.shown.insert(pdf, p.clone());
        }
        pages
    }
}

/// Where to listen.
pub struct Listen {
    pub host: String,
    pub port: u16,
    /// Host names a request may name besides the address served (`--allow-host`).
    pub allow_hosts: Vec<String>,
}

/// Serves `ws` until the process is stopped. `ready` is called with the address once the
/// server listens and the first build is done.
pub fn run(
    ws: Workspace,
    mut options: BuildOptions,
    listen: &Listen,
    ready: impl FnOnce(&str),
) -> Result<(), String> {
    let server = tiny_http::Server::http((listen.host.as_str(), listen.port))
        .map_err(|e| format!("无法在 {}:{} 上监听：{e}", listen.host, listen.port))?;
    let addr = match server.server_addr().to_ip() {
        Some(a) => a,
        None => return Err("无法取得监听地址".to_string()),
    };
    let watch = Watch::new(&ws).map_err(|e| e.to_string())?;
    let out = ws.options().out.clone();
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        ws: Mutex::new(ws),
        out,
    });
    build(&options, &shared);
    options.force = false;
    options.previews = true;
    let builder = shared.clone();
    std::thread::spawn(move || {
        while let Some(changes) = watch.next() {
            if changes.fonts {
                builder.workspace().fonts_changed();
            }
            let names: Vec<String> = changes
                .paths
                .iter()
                .map(|p| crate::diag::display_path(p))
                .collect();
            eprintln!("改动：{}", names.join("、"));
            options.in_view = builder.lock().in_view.clone();
            build(&options, &builder);
        }
    });
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let url = format!("http://{host}:{}/", addr.port());
    ready(&url);
    if addr.ip().is_unspecified() && listen.allow_hosts.is_empty() {
        eprintln!(
            "局域网中的其他电脑请用本机的 IP 地址访问（如 http://192.168.1.5:{}/）；\
             要用主机名访问，启动时加 --allow-host 该主机名",
            addr.port()
        );
    }
    let hosts = Arc::new(HostCheck::new(listen, addr));
    for request in server.incoming_requests() {
        let shared = shared.clone();
        let hosts = hosts.clone();
        std::thread::spawn(move || respond(request, &shared, &hosts));
    }
    Ok(())
}

/// Which `Host` a request may name. A page elsewhere that points a name of its own at this
/// port (DNS rebinding) sends that name, so only names known to mean this server pass: the
/// address served; for loopback (or every address) `localhost`, `127.0.0.1` and `[::1]`; the
/// names given with `--allow-host`. Listening on every address (`0.0.0.0`) adds any IP address
/// written as such (`http://192.168.1.5:3000/`): a literal address cannot be rebound, and
/// tiny_http does not tell which of the machine's addresses a request came to. Machine names (`mypc.local`) are
/// not trusted by themselves: they must be given with `--allow-host`.
struct HostCheck {
    port: u16,
    /// Lower case, IPv6 addresses without brackets.
    names: Vec<String>,
    any_address: bool,
}

impl HostCheck {
    fn new(listen: &Listen, addr: std::net::SocketAddr) -> HostCheck {
        let ip = addr.ip();
        let mut names = vec![ip.to_string(), unbracket(&listen.host.to_ascii_lowercase())];
        if ip.is_loopback() || ip.is_unspecified() {
            names.extend(["localhost", "127.0.0.1", "::1"].map(String::from));
        }
        names.extend(
            listen
                .allow_hosts
                .iter()
                .map(|h| unbracket(h.trim().trim_end_matches('.')).to_ascii_lowercase()),
        );
        HostCheck {
            port: addr.port(),
            names,
            any_address: ip.is_unspecified(),
        }
    }

    /// Whether a request whose `Host` header is `host` may be answered.
    fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let (name, port) = match host.strip_prefix('[') {
            Some(rest) => match rest.split_once(']') {
                Some((name, "")) => (name, None),
                Some((name, port)) => match port.strip_prefix(':') {
                    Some(p) => (name, Some(p)),
                    None => return false,
                },
                None => return false,
            },
            None => match host.rsplit_once(':') {
                Some((name, port)) => (name, Some(port)),
                None => (host.as_str(), None),
            },
        };
        let port_ok = match port {
            Some(p) => p.parse::<u16>().ok() == Some(self.port),
            None => self.port == 80,
        };
        let name = name.trim_end_matches('.');
        port_ok
            && !name.is_empty()
            && (self.names.iter().any(|n| n == name)
                || (self.any_address && name.parse::<IpAddr>().is_ok()))
    }
}

/// `name` without the brackets of an IPv6 address.
fn unbracket(name: &str) -> String {
    name.strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name)
        .to_string()
}

/// Builds once and publishes the outcome.
fn build(options: &BuildOptions, shared: &Shared) {
    shared.lock().building = true;
    let started = Instant::now();
    // Only what the terminal must hear of a build that goes on: the rest is on the page.
    let on = |e: &crate::workspace::Event| match e {
        crate::workspace::Event::Unlocked { .. } => eprintln!("{e}"),
        // Shown at once: the open pages reload and find these pages, while the files follow.
        crate::workspace::Event::Previewed { pdf, pages } => {
            eprintln!("{e}");
            let mut state = shared.lock();
            state.shown.insert(pdf, pages.clone());
            state.generation += 1;
        }
        _ => {}
    };
    let outcome = shared.workspace().build(options, &on);
    eprintln!(
        "{} 个部门：{} 个错误，{} 个警告；写入 {} 个文件；用时 {:.2} 秒",
        outcome.summary.departments,
        outcome.summary.errors,
        outcome.summary.warnings,
        outcome.written,
        started.elapsed().as_secs_f64()
    );
    if let Some(fatal) = &outcome.fatal {
        eprintln!("错误：{fatal}");
    }
    stop_if_abandoned();
    let mut outcome = outcome;
    let mut state = shared.lock();
    for d in &outcome.departments {
        if d.status == DeptStatus::Built {
            state.last_good.insert(d.file.clone(), d.documents.clone());
        }
        if !d.is_summary() {
            state.last_seen.insert(d.file.clone(), d.clone());
        }
    }
    // A department whose file is still there but did not load (a syntax error leaves no
    // department) is shown as refused, with its problems and its last good tables, out of date.
    state.last_seen.retain(|file, _| file.is_file());
    for (file, d) in &state.last_seen {
        let loaded = outcome.departments.iter().any(|o| o.file == *file);
        if !loaded && !outcome.diagnostics_of(file).is_empty() {
            let mut kept = d.clone();
            kept.status = DeptStatus::Refused;
            outcome.departments.push(kept);
        }
    }
    state.outcome = Some(outcome);
    state.building = false;
    state.generation += 1;
}

/// Ends the server once a layout was abandoned at its time limit (an endless template): its
/// thread cannot be stopped and would use a core and memory for as long as the server runs.
fn stop_if_abandoned() {
    if let Some(stop) = crate::render::pdf::abandoned_stop("serve") {
        eprintln!("错误：{stop}");
        std::process::exit(1);
    }
}

type Reply = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn respond(request: tiny_http::Request, shared: &Shared, hosts: &HostCheck) {
    let reply = route(&request, shared, hosts);
    let _ = request.respond(reply);
}

fn route(request: &tiny_http::Request, shared: &Shared, hosts: &HostCheck) -> Reply {
    let host = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Host"))
        .map(|h| h.value.as_str().to_string());
    if !host.as_deref().is_some_and(|h| hosts.allows(h)) {
        return text(
            403,
            &format!(
                "拒绝访问：请求的主机名“{}”不是本预览服务的地址。请用启动时显示的预览地址打开；\
                 若要用其他名字（如本机在局域网中的名字）访问，启动时加 --allow-host 该名字",
                host.unwrap_or_default()
            ),
        );
    }
    if *request.method() != tiny_http::Method::Get && *request.method() != tiny_http::Method::Head {
        return text(405, "只支持 GET");
    }
    let path = request.url().split('?').next().unwrap_or("");
    let Some(segments) = segments(path) else {
        return not_found();
    };
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    match segs.as_slice() {
        [] => {
            let state = shared.lock();
            html(page::index(&state_view(&state)))
        }
        ["events"] => {
            let generation = shared.lock().generation;
            let r = text(200, &generation.to_string());
            match tiny_http::Header::from_bytes("Cache-Control", "no-store") {
                Ok(h) => r.with_header(h),
                Err(()) => r,
            }
        }
        ["d", file] => {
            {
                let mut state = shared.lock();
                let viewed = state_view(&state).data_file(file);
                if viewed.is_some() {
                    state.in_view = viewed;
                }
            }
            let docs = documents(shared, file).unwrap_or_default();
            let pages = shared.pages(&docs);
            let state = shared.lock();
            match page::department(&state_view(&state), file, &pages) {
                Some(body) => html(body),
                None => not_found(),
            }
        }
        ["d", file, doc, name] => {
            let docs = documents(shared, file).unwrap_or_default();
            let Some(doc) = doc.parse::<usize>().ok().and_then(|i| docs.get(i)) else {
                return not_found();
            };
            serve_document_part(shared, doc, name)
        }
        _ => not_found(),
    }
}

/// The documents shown for the department of data file `file` (cloned out of the state).
fn documents(shared: &Shared, file: &str) -> Option<Vec<DocOutcome>> {
    let state = shared.lock();
    state_view(&state)
        .documents(file)
        .map(|(docs, _)| docs.to_vec())
}

/// A page image (`<n>.svg`) or a download (`表名.pdf`, `表名.xlsx`) of one document.
fn serve_document_part(shared: &Shared, doc: &DocOutcome, name: &str) -> Reply {
    if let Some(n) = name.strip_suffix(".svg") {
        let index = n.parse::<usize>().ok().and_then(|n| n.checked_sub(1));
        let pages = shared.pages(std::slice::from_ref(doc));
        let page = index.and_then(|i| pages.get(doc.primary())?.get(i).cloned());
        return match page {
            Some(p) => with_type(Reply::from_data(p.svg.into_bytes()), "image/svg+xml"),
            None => not_found(),
        };
    }
    let file = name.rsplit_once('.').and_then(|(_, extension)| {
        let mime = match extension {
            "pdf" => "application/pdf",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _ => return None,
        };
        Some((doc.file(extension)?, mime))
    });
    let Some((path, mime)) = file else {
        return not_found();
    };
    match read_built(&shared.out, path) {
        Some(bytes) => with_type(Reply::from_data(bytes), mime),
        None => text(404, "文件尚未生成"),
    }
}

/// The bytes of `path`, a file the last build wrote below `out`, if it is a regular file
/// reached without a symbolic link at any component below `out` (the write policy's
/// [`crate::write::read_below`]: each directory opened relative to its parent, never through
/// a link swapped in meanwhile).
fn read_built(out: &Path, path: &Path) -> Option<Vec<u8>> {
    let rel = path.strip_prefix(out).ok()?;
    crate::write::read_below(out, rel, crate::write::OUTPUT_READ_LIMIT).ok()?
}

/// The percent-decoded segments of a URL path; `None` for paths that are not plain names
/// (empty, `.` or `..` segments, or text that does not decode to UTF-8).
fn segments(path: &str) -> Option<Vec<String>> {
    let path = path.strip_prefix('/')?;
    let path = path.strip_suffix('/').unwrap_or(path);
    if path.is_empty() {
        return Some(Vec::new());
    }
    path.split('/')
        .map(|s| {
            let s = percent_decode(s)?;
            let plain = !s.is_empty()
                && s != "."
                && s != ".."
                && !s.contains(['/', '\\'])
                && !s.chars().any(char::is_control);
            plain.then_some(s)
        })
        .collect()
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn with_type(r: Reply, mime: &str) -> Reply {
    match tiny_http::Header::from_bytes("Content-Type", mime) {
        Ok(h) => r.with_header(h),
        Err(()) => r,
    }
}

fn html(body: String) -> Reply {
    let r = with_type(Reply::from_string(body), "text/html; charset=utf-8");
    match tiny_http::Header::from_bytes("Cache-Control", "no-store") {
        Ok(h) => r.with_header(h),
        Err(()) => r,
    }
}

fn text(code: u16, body: &str) -> Reply {
    with_type(
        Reply::from_string(body.to_string()).with_status_code(code),
        "text/plain; charset=utf-8",
    )
}

fn not_found() -> Reply {
    text(404, "没有这个页面")
}

fn state_view(state: &State) -> page::View<'_> {
    page::View {
        generation: state.generation,
        building: state.building,
        outcome: state.outcome.as_ref(),
        last_good: &state.last_good,
    }
}
