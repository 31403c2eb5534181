//! PDF rendering: minijinja templates → Typst source → in-process Typst compile → PDF/A-2b + PDF/UA-1.
//!
//! Typst leaves a rowspan cell blank where it continues on the next page. So a document is laid
//! out, every body row's page is read back from `metadata` markers, and each merged cell that
//! crosses a page break is split into one cell per page, each repeating its label; then the
//! document is laid out again (a few rounds at most, until no merged cell crosses a break).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;

pub mod batch;
pub mod engine;
pub mod fonts;
pub mod package;
pub mod pages;
pub mod source;

pub use source::TEMPLATE_FUEL;

use crate::plan::Document;
use engine::{Engine, EngineError, MissingGlyph};
use fonts::FontSet;
use source::Templates;

/// What can go wrong rendering one PDF.
#[derive(Debug)]
pub enum PdfError {
    Template(anyhow::Error),
    Engine(EngineError),
    /// Characters no font of the chain can draw (Typst would draw a box).
    MissingGlyphs {
        glyphs: Vec<MissingGlyph>,
        chains: BTreeMap<String, Vec<String>>,
        /// For each glyph, the table and cell text it sits in (from the plan), when found.
        cells: Vec<Option<(String, String)>>,
    },
    /// The layout ran past its time limit ([`time_limit`]) and was abandoned.
    Timeout(Duration),
}

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PdfError::Template(e) => write!(f, "{e:#}"),
            PdfError::Engine(e) => write!(f, "{e}"),
            PdfError::Timeout(limit) => write!(
                f,
                "排版超过 {} 秒仍未结束，已放弃，没有写入它的文件：模板或 Typst 库中可能有\
                 不会结束的循环（如 #for i in range(200000000)）",
                limit.as_secs_f64()
            ),
            PdfError::MissingGlyphs {
                glyphs,
                chains,
                cells,
            } => {
                for (g, cell) in glyphs.iter().zip(cells) {
                    let place = match cell {
                        Some((section, text)) => format!("“{section}”表中的“{text}”"),
                        None => format!("文字“{}”", g.text),
                    };
                    writeln!(
                        f,
                        "字符“{}”(U+{:04X}) 没有任何字体能显示：位于{place}（第 {} 页），实际使用字体 {}",
                        g.character, g.character as u32, g.page, g.font
                    )?;
                }
                let chains: Vec<String> = chains
                    .iter()
                    .map(|(role, c)| format!("{role}：{}", c.join(" → ")))
                    .collect();
                write!(
                    f,
                    "字体链：{}。请安装含该字的字体（如 apt-get install fonts-noto-cjk），或把 .ttf/.otf 放进 fonts/ 并加入样式的 fonts 设置",
                    chains.join("；")
                )
            }
        }
    }
}

impl std::error::Error for PdfError {}

impl PdfError {
    /// The failure as diagnostics at the template (JX508): Typst's own, or one for a
    /// template that failed to render (at its line) or a layout abandoned at its time limit.
    /// Empty for failures that are not the template's (missing glyphs, export).
    pub fn diagnostics(&self) -> Vec<engine::TypstDiagnostic> {
        let one = |message: String, hints: Vec<String>| {
            vec![engine::TypstDiagnostic {
                error: true,
                message,
                at: None,
                trace: Vec::new(),
                hints,
            }]
        };
        match self {
            PdfError::Engine(engine::EngineError::Compile(d)) => d.clone(),
            PdfError::Timeout(_) => one(
                self.to_string(),
                vec![format!(
                    "检查模板及 lib/ 中的循环；若表格确实极大、排版确实需要更久，可设环境变量 \
                     {TIME_LIMIT_VAR}=秒数 放宽上限"
                )],
            ),
            PdfError::Template(e) => match e.downcast_ref::<minijinja::Error>() {
                Some(m) => {
                    let place = m
                        .line()
                        .map(|l| format!("（模板第 {l} 行）"))
                        .unwrap_or_default();
                    let (what, hints) = match m.kind() {
                        minijinja::ErrorKind::OutOfFuel => (
                            format!(
                                "模板运行的步数超过上限 {TEMPLATE_FUEL}，已停止：可能有不会结束或过大的循环"
                            ),
                            vec!["检查该行的 {% for %} 循环；模板只需排出版式，表格数据由 lib/ 按 data.json 绘制".to_string()],
                        ),
                        _ => (
                            format!("模板渲染失败：{}", crate::style::jinja_errors::error_zh(m)),
                            Vec::new(),
                        ),
                    };
                    one(format!("{what}{place}"), hints)
                }
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

/// The families of each role's chain that are installed, in chain order.
pub fn present_chains(
    fonts: &FontSet,
    chains: &BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Vec<String>> {
    chains
        .iter()
        .map(|(role, chain)| {
            let present: Vec<String> = chain
                .iter()
                .filter(|f| fonts.resolve(std::slice::from_ref(f)).is_some())
                .cloned()
                .collect();
            (role.clone(), present)
        })
        .collect()
}

#[derive(Serialize)]
struct Data<'a> {
    doc: &'a Document,
    fonts: &'a BTreeMap<String, Vec<String>>,
    /// Per section: the cell padding above and below the text, in points (see
    /// [`Document::fit_page`]).
    inset: &'a [f64],
    /// A batch of a document laid out in batches ([`batch`]): its page numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pages: Option<Pages>,
    /// A batch: per section, whether it continues a table of the previous batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    continued: Option<&'a [bool]>,
}

/// The page numbers of one batch ([`batch`]): the document's page number of its first page,
/// and the document's page count.
#[derive(Debug, Clone, Copy, Serialize)]
struct Pages {
    first: usize,
    total: usize,
}

/// What a batch adds to a layout ([`batch`]); nothing for a document laid out whole.
#[derive(Debug, Clone, Copy, Default)]
struct Extra<'a> {
    pages: Option<Pages>,
    continued: Option<&'a [bool]>,
}

/// Cell padding above and below the text, in points; and the smaller padding a `fit_page`
/// style may use to keep a section on one page.
const INSET: f64 = 4.0;
const TIGHT: f64 = 2.5;

/// Most layout rounds spent on splitting merged cells at page breaks.
const MAX_ROUNDS: usize = 4;

/// The environment variable that sets the time limit of one document's layout, in seconds.
pub const TIME_LIMIT_VAR: &str = "JIXIAO_TYPESET_TIMEOUT";

/// How long one document's layout may take before it is abandoned ([`typeset_bounded`]): the
/// seconds of [`TIME_LIMIT_VAR`] when set, else 60 s plus 20 ms per table row. A real
/// department lays out in well under a second and 10,000 indicators in a few seconds (about
/// 1 ms per row), so only a template that does not end reaches it; Typst itself has no such
/// limit (it stops `while` loops after 10,000 rounds, but not `for` loops).
pub fn time_limit(doc: &Document) -> Duration {
    if let Some(secs) = std::env::var(TIME_LIMIT_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
    {
        return Duration::from_secs_f64(secs.min(1e9));
    }
    let rows: usize = doc.sections.iter().map(|s| s.rows.len()).sum();
    let rows = u32::try_from(rows).unwrap_or(u32::MAX);
    Duration::from_secs(60).saturating_add(Duration::from_millis(20).saturating_mul(rows))
}

/// Layouts abandoned at their time limit whose threads still run (they cannot be stopped).
static ABANDONED: AtomicUsize = AtomicUsize::new(0);

/// How many layouts this process abandoned at their time limit ([`typeset_bounded`]); their
/// threads go on using a core and memory until the process ends, so a long-lived caller
/// (`watch`, `serve`) stops when this is not zero.
pub fn abandoned() -> usize {
    ABANDONED.load(Ordering::Relaxed)
}

/// For a long-lived caller (`watch`, `serve`): why it must stop, once a layout was abandoned
/// at its time limit (its thread would go on using a core and memory until the process ends).
pub fn abandoned_stop(command: &str) -> Option<String> {
    (abandoned() > 0).then(|| {
        format!(
            "有文档排版超过时限仍未结束（见上面的 JX508）。这样的排版无法中途停下，会一直占用处理器和内存，\
             所以 jixiao {command} 就此退出；改正模板后重新运行 jixiao {command}"
        )
    })
}

/// [`typeset`] on a layout thread, given up after `limit` with [`PdfError::Timeout`] (Typst
/// cannot be interrupted: the thread is left running, never reused, and counted in
/// [`abandoned`]).
///
/// Layout threads are kept and reused ([`LAYOUT_THREADS`]): a new thread per document made the
/// allocator open a new arena for each, and the peak memory of 1,000 projects grew by a third
/// (bench (b), 276 → 380 MB; 276 MB with the arenas capped).
pub fn typeset_bounded(
    engine: &Arc<Engine>,
    templates: &Arc<Templates>,
    template: &str,
    doc: &Arc<Document>,
    fonts: &BTreeMap<String, Vec<String>>,
    limit: Duration,
) -> Result<typst_layout::PagedDocument, PdfError> {
    on_layout_thread(engine, templates, template, doc, fonts, limit, Ok)
}

/// [`render`] on a layout thread, as [`typeset_bounded`], with the page starts the xlsx twin
/// breaks its sheets at. `ready` (serve's document in view) gets every page as SVG
/// ([`preview_pages`]) as soon as the document is laid out, before the export.
///
/// The export runs on the thread that laid the document out: the pages kept for it were
/// allocated in that thread's allocator arena, among the holes the layout left, and the
/// export's own memory fills those holes instead of growing another thread's arena (one
/// department of 500 projects, batched: peak RSS 493 → 470 MB; 10,000 indicators 601 →
/// 544 MB).
#[allow(clippy::too_many_arguments)]
pub fn render_bounded(
    engine: &Arc<Engine>,
    templates: &Arc<Templates>,
    template: &str,
    doc: &Arc<Document>,
    fonts: &BTreeMap<String, Vec<String>>,
    timestamp: (i32, u8, u8),
    ready: Option<crate::render::PagesReady>,
    limit: Duration,
) -> Result<Rendered, PdfError> {
    let plan = Arc::clone(doc);
    on_layout_thread(
        engine,
        templates,
        template,
        doc,
        fonts,
        limit,
        move |laid_out| {
            if let Some(ready) = ready {
                let p = preview_pages(&laid_out, ready.shown.as_deref().map(Vec::as_slice));
                (ready.send)(Arc::new(p));
            }
            let starts = pages::page_starts(&laid_out, &plan);
            let bytes = Engine::export_pdf(&laid_out, timestamp).map_err(PdfError::Engine)?;
            Ok((bytes, starts))
        },
    )
}

/// A rendered PDF: its bytes, and where its pages break ([`pages::page_starts`]).
pub type Rendered = (Vec<u8>, Option<crate::render::PageStarts>);

/// [`typeset`], then `then` on its result, on a layout thread given up after `limit`.
fn on_layout_thread<T: Send + 'static>(
    engine: &Arc<Engine>,
    templates: &Arc<Templates>,
    template: &str,
    doc: &Arc<Document>,
    fonts: &BTreeMap<String, Vec<String>>,
    limit: Duration,
    then: impl FnOnce(typst_layout::PagedDocument) -> Result<T, PdfError> + Send + 'static,
) -> Result<T, PdfError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let (engine, templates) = (engine.clone(), templates.clone());
    // The plan is shared, not copied, with the layout thread.
    let (template, doc, fonts) = (template.to_string(), Arc::clone(doc), fonts.clone());
    let task: LayoutTask = Box::new(move || {
        let _ = tx.send(typeset(&engine, &templates, &template, &doc, &fonts).and_then(then));
    });
    let idle = LAYOUT_THREADS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop();
    let worker = match idle {
        Some(w) => w,
        None => match layout_thread() {
            Ok(w) => w,
            Err(e) => return Err(PdfError::Template(anyhow::anyhow!("无法启动排版线程：{e}"))),
        },
    };
    if worker.send(task).is_err() {
        return Err(PdfError::Template(anyhow::anyhow!("排版线程意外中止")));
    }
    match rx.recv_timeout(limit) {
        Ok(result) => {
            LAYOUT_THREADS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(worker);
            result
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            ABANDONED.fetch_add(1, Ordering::Relaxed);
            Err(PdfError::Timeout(limit))
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err(PdfError::Template(anyhow::anyhow!("排版线程意外中止")))
        }
    }
}

/// One layout, run on a layout thread.
type LayoutTask = Box<dyn FnOnce() + Send>;

/// The idle layout threads, each waiting for its next task on its channel.
static LAYOUT_THREADS: std::sync::Mutex<Vec<std::sync::mpsc::Sender<LayoutTask>>> =
    std::sync::Mutex::new(Vec::new());

/// A new layout thread; it runs the tasks sent to it until its channel is dropped.
fn layout_thread() -> std::io::Result<std::sync::mpsc::Sender<LayoutTask>> {
    let (tx, rx) = std::sync::mpsc::channel::<LayoutTask>();
    std::thread::Builder::new()
        .name("jixiao-typeset".to_string())
        .stack_size(TYPESET_STACK)
        .spawn(move || {
            for task in rx {
                task();
            }
        })?;
    Ok(tx)
}

/// The stack of a layout thread: as the main thread's, for Typst's deep recursion.
const TYPESET_STACK: usize = 8 * 1024 * 1024;

/// Renders one document to PDF bytes. `template` is `<style>/<file>.typ.j2`; `fonts` the
/// installed part of the style's chains by role; `timestamp` the fixed creation date.
pub fn render(
    engine: &Engine,
    templates: &Templates,
    template: &str,
    doc: &Document,
    fonts: &BTreeMap<String, Vec<String>>,
    timestamp: (i32, u8, u8),
) -> Result<Vec<u8>, PdfError> {
    let laid_out = typeset(engine, templates, template, doc, fonts)?;
    Engine::export_pdf(&laid_out, timestamp).map_err(PdfError::Engine)
}

/// Every page of a laid-out document as an SVG image with its text (for previews). A page
/// laid out the same as one of `shown` (the pages last shown of this document) is taken from
/// there, not drawn again: drawing is most of a preview's time after Typst has reused the
/// layout of the unchanged pages.
pub fn preview_pages(
    laid_out: &typst_layout::PagedDocument,
    shown: Option<&[crate::render::Page]>,
) -> Vec<crate::render::Page> {
    let options = typst_svg::SvgOptions::default();
    let shown: HashMap<u128, &crate::render::Page> = shown
        .unwrap_or_default()
        .iter()
        .map(|p| (p.key, p))
        .collect();
    laid_out
        .pages()
        .iter()
        .map(|p| {
            let key = typst::utils::hash128(p);
            if let Some(&same) = shown.get(&key) {
                return same.clone();
            }
            let mut text = String::new();
            page_text(&p.frame, &mut text);
            crate::render::Page {
                svg: typst_svg::svg(p, &options),
                text,
                key,
            }
        })
        .collect()
}

/// The text runs of a frame in drawing order: runs that meet between two Chinese characters
/// are joined directly (a cell's wrapped lines), others with a space.
fn page_text(frame: &typst::layout::Frame, out: &mut String) {
    use typst::layout::FrameItem;
    let han = |c: Option<char>| {
        c.is_some_and(|c| matches!(c, '\u{3000}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}'))
    };
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(g) => page_text(&g.frame, out),
            FrameItem::Text(t) => {
                let run = t.text.as_str();
                let joined = han(out.chars().last()) && han(run.chars().next());
                if !out.is_empty() && !joined {
                    out.push(' ');
                }
                out.push_str(run);
            }
            _ => {}
        }
    }
}

/// The Typst source of one document and its `data.json`, as the first layout compiles them
/// (for a peer Typst to compile the same table in `bench/`).
pub fn typst_source(
    templates: &Templates,
    template: &str,
    doc: &Document,
    fonts: &BTreeMap<String, Vec<String>>,
) -> Result<(String, Vec<u8>), PdfError> {
    let normal = vec![INSET; doc.sections.len()];
    let data = Data {
        doc,
        fonts,
        inset: &normal,
        pages: None,
        continued: None,
    };
    let main = templates
        .render(template, &data)
        .map_err(PdfError::Template)?;
    let json = serde_json::to_string(&data).map_err(|e| PdfError::Template(e.into()))?;
    let json = fonts::printed(&json).into_owned().into_bytes();
    Ok((fonts::printed(&main).into_owned(), json))
}

/// Lays one document out: the template rendered to Typst source, compiled, merged cells split
/// at page breaks, `fit_page` applied, and every glyph checked. A document of more than
/// [`batch::BATCHED_ABOVE`] table rows is laid out in batches ([`batch`]).
pub fn typeset(
    engine: &Engine,
    templates: &Templates,
    template: &str,
    doc: &Document,
    fonts: &BTreeMap<String, Vec<String>>,
) -> Result<typst_layout::PagedDocument, PdfError> {
    let (above, rows) = batch::batch_limits();
    if batch::is_batched(doc, above) {
        return batch::typeset_batched(engine, templates, template, doc, fonts, rows);
    }
    typeset_with(engine, templates, template, doc, fonts, Extra::default())
}

/// [`typeset`] of one whole document, or of one batch with its `extra`.
fn typeset_with(
    engine: &Engine,
    templates: &Templates,
    template: &str,
    doc: &Document,
    fonts: &BTreeMap<String, Vec<String>>,
    extra: Extra<'_>,
) -> Result<typst_layout::PagedDocument, PdfError> {
    let normal = vec![INSET; doc.sections.len()];
    let main = templates
        .render(
            template,
            &Data {
                doc,
                fonts,
                inset: &normal,
                pages: extra.pages,
                continued: extra.continued,
            },
        )
        .map_err(PdfError::Template)?;
    let (mut compiled, pages) = lay_out(engine, &main, doc, fonts, &normal, extra)?;
    if doc.fit_page {
        // A section that runs a few rows onto another page (at most a quarter of its rows) is
        // laid out again with a smaller cell padding, kept where that saves the page.
        let spans = section_pages(doc, &pages);
        let overflow = overflow_rows(doc, &pages);
        let tight: Vec<f64> = (0..spans.len())
            .map(|i| {
                if spans[i] > 1 && overflow[i].0 * 4 <= overflow[i].1 {
                    TIGHT
                } else {
                    INSET
                }
            })
            .collect();
        if tight != normal {
            let (tried, tried_pages) = lay_out(engine, &main, doc, fonts, &tight, extra)?;
            let tried_spans = section_pages(doc, &tried_pages);
            let keep: Vec<f64> = (0..spans.len())
                .map(|i| {
                    if tried_spans[i] < spans[i] {
                        tight[i]
                    } else {
                        INSET
                    }
                })
                .collect();
            if keep == tight {
                compiled = tried;
            } else if keep != normal {
                compiled = lay_out(engine, &main, doc, fonts, &keep, extra)?.0;
            }
        }
    }
    Engine::check_glyphs(&compiled).map_err(|glyphs| {
        let cells = glyphs.iter().map(|g| cell_with(doc, g.character)).collect();
        PdfError::MissingGlyphs {
            glyphs,
            chains: fonts.clone(),
            cells,
        }
    })?;
    Ok(compiled)
}

/// The page of every marked body row: `(section, row) → page`.
type RowPages = HashMap<(usize, usize), usize>;

/// Lays `doc` out, splitting merged cells at page breaks until none crosses one; returns the
/// layout and the page of every body row.
fn lay_out(
    engine: &Engine,
    main: &str,
    doc: &Document,
    fonts: &BTreeMap<String, Vec<String>>,
    inset: &[f64],
    extra: Extra<'_>,
) -> Result<(typst_layout::PagedDocument, RowPages), PdfError> {
    let mut plan = doc.clone();
    let mut laid_out = None;
    for _ in 0..MAX_ROUNDS {
        let data = serde_json::to_string(&Data {
            doc: &plan,
            fonts,
            inset,
            pages: extra.pages,
            continued: extra.continued,
        })
        .expect("plan serialises");
        // Printed as the check judged it: combining marks composed (JSON's own characters
        // are ASCII, which composes with nothing).
        let data = fonts::printed(&data).into_owned().into_bytes();
        let compiled = engine
            .compile(&fonts::printed(main), vec![("data.json".to_string(), data)])
            .map_err(PdfError::Engine)?;
        let pages = pages::row_pages(&compiled);
        let crossing = pages::crosses_page(&plan, &pages);
        laid_out = Some((compiled, pages.clone()));
        if !crossing {
            break;
        }
        plan = pages::split_spans(doc, &pages);
    }
    Ok(laid_out.expect("at least one round"))
}

/// For each section: the body rows on its last page when it covers several pages, and all
/// its body rows.
fn overflow_rows(doc: &Document, pages: &RowPages) -> Vec<(usize, usize)> {
    (0..doc.sections.len())
        .map(|si| {
            let on: Vec<usize> = pages
                .iter()
                .filter(|((s, _), _)| *s == si)
                .map(|(_, &p)| p)
                .collect();
            let (first, last) = (on.iter().min(), on.iter().max());
            match (first, last) {
                (Some(a), Some(b)) if a != b => (on.iter().filter(|p| *p == b).count(), on.len()),
                _ => (0, on.len()),
            }
        })
        .collect()
}

/// How many pages each section's body rows cover.
fn section_pages(doc: &Document, pages: &HashMap<(usize, usize), usize>) -> Vec<usize> {
    (0..doc.sections.len())
        .map(|si| {
            let on: Vec<usize> = pages
                .iter()
                .filter(|((s, _), _)| *s == si)
                .map(|(_, &p)| p)
                .collect();
            match (on.iter().min(), on.iter().max()) {
                (Some(a), Some(b)) => b - a + 1,
                _ => 1,
            }
        })
        .collect()
}

/// The first table and cell text (or title) of `doc` that contains `c`.
fn cell_with(doc: &Document, c: char) -> Option<(String, String)> {
    doc.sections.iter().find_map(|sec| {
        let furniture = [
            Some(&sec.title),
            sec.heading.as_ref(),
            sec.subtitle.as_ref(),
        ];
        furniture
            .into_iter()
            .flatten()
            .chain(
                sec.rows
                    .iter()
                    .flat_map(|r| r.cells.iter().map(|cell| &cell.text)),
            )
            .chain(sec.notes.iter())
            .find(|t| t.contains(c))
            .map(|t| (sec.name.clone(), t.clone()))
    })
}
