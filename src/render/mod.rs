//! Renderers: each turns one table plan into one output file. The pipeline
//! ([`crate::workspace`]) drives them through [`Renderer`] and [`Renderers`] and knows nothing
//! of PDF or xlsx: a renderer names its files (its extension, and whether it also makes one
//! file per section under `--split`) and reads the format-neutral [`Input`].

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::plan::Document;

pub mod pdf;
pub mod xlsx;

/// What a renderer is given for one document: the same for every format.
pub struct Input<'a> {
    /// The plan; its `template` names the style's page template. Shared with the layout
    /// thread ([`pdf::typeset_bounded`]) rather than copied.
    pub doc: &'a std::sync::Arc<Document>,
    /// The installed part of the style's font chains, by role.
    pub fonts: &'a BTreeMap<String, Vec<String>>,
    /// The creation date stamped into the file.
    pub timestamp: (i32, u8, u8),
    /// The department data the document was made from, for a format that can carry it back
    /// to `jixiao import` (a department's documents only).
    pub provenance: Option<&'a Provenance>,
    /// Where the printed form's pages break, for a format that prints the same pages (the
    /// xlsx); given by [`Renderers::render`] from the PDF's layout.
    pub page_starts: Option<&'a PageStarts>,
    /// Where a renderer that lays pages out hands the document's pages as soon as they are
    /// laid out, before it makes its file and before the other formats start (`serve` shows
    /// them first: [`crate::workspace::BuildOptions::previews`]).
    pub preview: Option<&'a PagesReady>,
}

/// Takes the pages of a document as soon as they are laid out (called on the layout thread).
#[derive(Clone)]
pub struct PagesReady {
    /// The pages of this document last shown, if any: a page laid out as one of them is not
    /// drawn again (an edit of one project redraws only its pages).
    pub shown: Option<Arc<Vec<Page>>>,
    pub send: Arc<dyn Fn(Arc<Vec<Page>>) + Send + Sync>,
}

/// Where the pages of a document break, as Typst laid it out ([`pdf::pages::page_starts`]): the one
/// pagination every printed form follows (the xlsx gets these as manual row breaks).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageStarts {
    /// Per section: its page-starting rows after its first page, in order. A row index is a
    /// plan row ([`crate::plan::Section::rows`]); `rows.len()` stands for what follows the
    /// grid (notes, signature, chart) when that starts a page of its own.
    pub sections: Vec<Vec<usize>>,
    /// The page: its size in points (portrait or landscape as printed) and its margins in
    /// points (left, right, top, bottom), as the style's page sets them.
    pub paper: (f64, f64),
    pub margins: Option<[f64; 4]>,
}

/// What a department's document carries besides its tables, so that `jixiao import` can bring
/// edits back (the xlsx keeps it in its hidden sheet `jixiao数据`): the department's data (as
/// `jixiao import` writes data files, without the comments of the original), the data file's
/// name and the style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub data: String,
    pub file: String,
    pub style: String,
}

/// The renderers of a build, in the order their files are listed (the PDF first: the
/// document's printed form, and the file `watch` and `serve` name a document by).
pub struct Renderers {
    list: Vec<Box<dyn Renderer>>,
}

impl Renderers {
    /// Every format jixiao writes: PDF through `engine` and `templates`, and the xlsx twin.
    pub fn all(
        engine: Arc<pdf::engine::Engine>,
        templates: Arc<pdf::source::Templates>,
    ) -> Renderers {
        Renderers {
            list: vec![
                Box::new(PdfRenderer { engine, templates }),
                Box::new(XlsxRenderer {
                    fonts: Default::default(),
                }),
            ],
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Renderer> {
        self.list.iter().map(|r| &**r)
    }

    /// [`Renderer::after_document`] of every renderer.
    pub fn after_document(&self) {
        self.iter().for_each(Renderer::after_document);
    }

    /// [`Renderer::end_rebuild`] of every renderer.
    pub fn end_rebuild(&self) {
        self.iter().for_each(Renderer::end_rebuild);
    }

    /// The renderer of files with this extension.
    pub fn get(&self, extension: &str) -> Option<&dyn Renderer> {
        self.iter().find(|r| r.extension() == extension)
    }

    /// Renders `input` in each of `formats` (extensions), in that order. The renderer that
    /// lays pages out (the PDF) decides where every printed form's pages break, so it runs
    /// first and the others get its [`PageStarts`], then run at once (all but the last on threads
    /// of their own).
    /// When it is not asked for but another format is, the document is laid out for its page
    /// starts alone ([`Renderer::page_starts`]; nothing is exported).
    pub fn render(&self, input: &Input<'_>, formats: &[&str]) -> Vec<Result<Output, RenderError>> {
        let get = |format: &str| {
            self.get(format)
                .ok_or_else(|| RenderError::NoRenderer(format.to_string()))
        };
        let layout = self.iter().find(|r| r.lays_out_pages());
        let layout_ext = layout.map(|r| r.extension());
        let mut results: Vec<Option<Result<Output, RenderError>>> =
            formats.iter().map(|_| None).collect();
        let mut starts = None;
        if let Some(at) = formats.iter().position(|f| Some(*f) == layout_ext) {
            let out = get(formats[at]).and_then(|r| r.render(input));
            if let Ok(o) = &out {
                starts = o.page_starts.clone();
            }
            results[at] = Some(out);
        } else if !formats.is_empty()
            && let Some(r) = layout
        {
            match r.page_starts(input) {
                Ok(s) => starts = s,
                Err(e) => return formats.iter().map(|_| Err(e.clone())).collect(),
            }
        }
        let input = Input {
            page_starts: starts.as_ref().or(input.page_starts),
            ..*input
        };
        let input = &input;
        // The rest run at once: each on a thread of its own but the last, which runs on this
        // one (the common case, one other format, starts no thread).
        let mut rest: Vec<(&mut Option<Result<Output, RenderError>>, &str)> = results
            .iter_mut()
            .zip(formats)
            .filter(|(done, _)| done.is_none())
            .map(|(slot, format)| (slot, &**format))
            .collect();
        let last = rest.pop();
        std::thread::scope(|scope| {
            let handles: Vec<_> = rest
                .into_iter()
                .map(|(slot, format)| {
                    (
                        slot,
                        scope.spawn(move || get(format).and_then(|r| r.render(input))),
                    )
                })
                .collect();
            if let Some((slot, format)) = last {
                // A renderer that panics fails its format alone, as on a thread of its own.
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    get(format).and_then(|r| r.render(input))
                }));
                *slot = Some(out.unwrap_or(Err(RenderError::ThreadStopped)));
            }
            for (slot, handle) in handles {
                *slot = Some(handle.join().unwrap_or(Err(RenderError::ThreadStopped)));
            }
        });
        results
            .into_iter()
            .map(|r| r.unwrap_or(Err(RenderError::ThreadStopped)))
            .collect()
    }
}

/// What a renderer made of one document.
pub struct Output {
    pub bytes: Vec<u8>,
    /// Where its pages break, from a renderer that lays pages out (the PDF).
    pub page_starts: Option<PageStarts>,
}

/// One page of a preview: the picture, and its text for search and screen readers.
#[derive(Debug, Clone)]
pub struct Page {
    pub svg: String,
    pub text: String,
    /// The hash of the laid-out page it was drawn from: two pages with the same key look the
    /// same.
    pub key: u128,
}

/// One output format.
pub trait Renderer: Sync + Send {
    /// The file extension of its outputs, without the dot: also its name among the
    /// renderers of a build.
    fn extension(&self) -> &'static str;
    /// Whether it also makes one file per section of a document under `--split` (the
    /// printed form does; a workbook already has a sheet per section).
    fn splits(&self) -> bool {
        false
    }
    /// Renders one document.
    fn render(&self, input: &Input<'_>) -> Result<Output, RenderError>;
    /// Whether it lays pages out, giving every printed form its [`PageStarts`].
    fn lays_out_pages(&self) -> bool {
        false
    }
    /// The page starts of one document, laid out without making its file (when only other
    /// formats are asked for).
    fn page_starts(&self, _input: &Input<'_>) -> Result<Option<PageStarts>, RenderError> {
        Ok(None)
    }
    /// Frees what rendering a document left cached, once it is done (a large build's memory
    /// stays bounded). A small rebuild of `watch` or `serve` skips this and calls
    /// [`Renderer::end_rebuild`] instead.
    fn after_document(&self) {}
    /// Ends a small rebuild that kept its caches: what this rebuild used stays for the next
    /// (the same file saved again), the rest is freed.
    fn end_rebuild(&self) {}
}

/// Why a document could not be rendered (the render phase's error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// Typst could not lay the document out or export it; its diagnostics, with their places
    /// in the templates' files, stay data for the build's report.
    Typeset {
        message: String,
        typst: Vec<pdf::engine::TypstDiagnostic>,
    },
    /// The workbook could not be written.
    Workbook(String),
    /// No renderer of the build makes files with this extension.
    NoRenderer(String),
    /// A rendering thread stopped before it gave its result.
    ThreadStopped,
    /// An output the plan record called current was changed while the build ran.
    ChangedDuringBuild,
}

impl RenderError {
    /// A PDF's failure: its message, and Typst's diagnostics kept as data.
    pub fn from_pdf(e: pdf::PdfError) -> RenderError {
        RenderError::Typeset {
            message: e.to_string(),
            typst: e.diagnostics(),
        }
    }

    /// Typst's diagnostics, taken out of the error (they are reported at their places).
    pub fn take_typst(&mut self) -> Vec<pdf::engine::TypstDiagnostic> {
        match self {
            RenderError::Typeset { typst, .. } => std::mem::take(typst),
            _ => Vec::new(),
        }
    }
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenderError::Typeset { message, .. } => f.write_str(message),
            RenderError::Workbook(reason) => write!(f, "xlsx：{reason}"),
            RenderError::NoRenderer(extension) => {
                write!(f, "没有生成 .{extension} 文件的渲染器")
            }
            RenderError::ThreadStopped => f.write_str("渲染线程意外中止"),
            RenderError::ChangedDuringBuild => {
                f.write_str("输出文件在本次构建中途被改动；请再构建一次")
            }
        }
    }
}

impl std::error::Error for RenderError {}

/// PDF/A-2b through the in-process Typst engine; the SVG pages of the same layout go to
/// [`Input::preview`] when serve asks for them.
pub struct PdfRenderer {
    pub engine: Arc<pdf::engine::Engine>,
    pub templates: Arc<pdf::source::Templates>,
}

impl Renderer for PdfRenderer {
    fn extension(&self) -> &'static str {
        "pdf"
    }

    fn splits(&self) -> bool {
        true
    }

    fn render(&self, input: &Input<'_>) -> Result<Output, RenderError> {
        let (bytes, page_starts) = pdf::render_bounded(
            &self.engine,
            &self.templates,
            &input.doc.template,
            input.doc,
            input.fonts,
            input.timestamp,
            input.preview.cloned(),
            pdf::time_limit(input.doc),
        )
        .map_err(RenderError::from_pdf)?;
        Ok(Output { bytes, page_starts })
    }

    fn lays_out_pages(&self) -> bool {
        true
    }

    fn page_starts(&self, input: &Input<'_>) -> Result<Option<PageStarts>, RenderError> {
        let laid_out = self.lay_out(input)?;
        Ok(pdf::pages::page_starts(&laid_out, input.doc))
    }

    fn after_document(&self) {
        pdf::engine::evict();
    }

    fn end_rebuild(&self) {
        pdf::engine::evict_after_rebuild();
    }
}

impl PdfRenderer {
    /// The document laid out by Typst, within its time limit.
    fn lay_out(&self, input: &Input<'_>) -> Result<typst_layout::PagedDocument, RenderError> {
        pdf::typeset_bounded(
            &self.engine,
            &self.templates,
            &input.doc.template,
            input.doc,
            input.fonts,
            pdf::time_limit(input.doc),
        )
        .map_err(RenderError::from_pdf)
    }
}

/// The xlsx twin: the same plan as a workbook, one sheet per table.
pub struct XlsxRenderer {
    pub fonts: xlsx::XlsxFonts,
}

impl Renderer for XlsxRenderer {
    fn extension(&self) -> &'static str {
        "xlsx"
    }

    fn render(&self, input: &Input<'_>) -> Result<Output, RenderError> {
        xlsx::write_workbook_paged(
            input.doc,
            &self.fonts,
            input.timestamp,
            input.provenance,
            input.page_starts,
        )
        .map(|bytes| Output {
            bytes,
            page_starts: None,
        })
        .map_err(|e| RenderError::Workbook(format!("{e:#}")))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::{Input, Output, RenderError, Renderer, Renderers};
    use crate::plan::Document;

    /// A renderer that makes its extension's bytes, or panics.
    struct Fake {
        extension: &'static str,
        lays_out: bool,
        panics: bool,
    }

    impl Renderer for Fake {
        fn extension(&self) -> &'static str {
            self.extension
        }
        fn render(&self, _: &Input<'_>) -> Result<Output, RenderError> {
            assert!(!self.panics, "the {} renderer broke", self.extension);
            Ok(Output {
                bytes: self.extension.as_bytes().to_vec(),
                page_starts: None,
            })
        }
        fn lays_out_pages(&self) -> bool {
            self.lays_out
        }
    }

    /// A renderer that panics fails its own format and no other, whether it runs on a
    /// thread of its own or, as the last format, on the caller's (27b2cd8); the caller goes on.
    #[test]
    fn a_renderer_that_panics_fails_its_format_alone() {
        let fake = |extension, lays_out, panics| -> Box<dyn Renderer> {
            Box::new(Fake {
                extension,
                lays_out,
                panics,
            })
        };
        let renderers = Renderers {
            list: vec![
                fake("pdf", true, false),
                fake("bad", false, true),
                fake("csv", false, false),
            ],
        };
        let doc = Arc::new(Document {
            kind: "target".into(),
            style: "xinjiang".into(),
            template: String::new(),
            file_stem: "表".into(),
            title: String::new(),
            author: String::new(),
            subject: String::new(),
            keywords: Vec::new(),
            department: String::new(),
            year: 2023,
            landscape: false,
            fit_page: false,
            preamble: None,
            sections: Vec::new(),
        });
        let fonts = BTreeMap::new();
        let input = Input {
            doc: &doc,
            fonts: &fonts,
            timestamp: (2023, 1, 1),
            provenance: None,
            page_starts: None,
            preview: None,
        };
        for formats in [
            vec!["pdf", "bad", "csv"],
            vec!["pdf", "csv", "bad"],
            vec!["bad"],
            vec!["csv", "bad"],
            vec!["bad", "csv"],
        ] {
            let results = renderers.render(&input, &formats);
            assert_eq!(results.len(), formats.len());
            for (format, result) in formats.iter().zip(results) {
                match result {
                    Ok(out) if *format != "bad" => assert_eq!(out.bytes, format.as_bytes()),
                    Err(RenderError::ThreadStopped) if *format == "bad" => {}
                    other => panic!("{formats:?}: {format} gave {:?}", other.map(|o| o.bytes)),
                }
            }
        }
    }
}
