//! Tests of the in-process Typst engine (`render::pdf::engine`) and font
//! discovery (`render::pdf::fonts`). They need the CJK fonts of
//! `fonts-noto-cjk`; the PDF checks use poppler-utils when installed.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use jixiao::render::pdf::engine::{Engine, EngineError, evict};
use jixiao::render::pdf::fonts::FontSet;

const TODAY: (i32, u8, u8) = (2024, 3, 5);

/// One engine for the whole test binary, as in the real program; tests run on
/// several threads, so this also exercises concurrent compilation.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let fonts = FontSet::discover(&[PathBuf::from("/nonexistent/jixiao-fonts")]);
        let files = vec![
            (
                "lib/grid.typ".to_owned(),
                b"#let cell(body) = box(inset: 2pt, body)\n#let greeting = \"\xe4\xbd\xa0\xe5\xa5\xbd\"\n"
                    .to_vec(),
            ),
            ("lib/hello.txt".to_owned(), "模板文件".as_bytes().to_vec()),
        ];
        Engine::new(fonts, files, TODAY)
    })
}

fn compile(src: &str) -> typst_layout::PagedDocument {
    match engine().compile(src, Vec::new()) {
        Ok(doc) => doc,
        Err(e) => panic!("compile failed: {e}"),
    }
}

fn compile_err(src: &str) -> String {
    match engine().compile(src, Vec::new()) {
        Ok(_) => panic!("expected a compile error for:\n{src}"),
        Err(e @ EngineError::Compile(_)) => e.to_string(),
        Err(e) => panic!("expected EngineError::Compile, got {e:?}"),
    }
}

fn export(doc: &typst_layout::PagedDocument) -> Vec<u8> {
    match Engine::export_pdf(doc, TODAY) {
        Ok(pdf) => pdf,
        Err(e) => panic!("export failed: {e}"),
    }
}

/// Runs a poppler tool on `pdf` (passed on stdin via a temp file). `None` if
/// the tool is not installed.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> Option<String> {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(pdf).expect("write pdf");
    let path = file.path().to_str().expect("utf-8 temp path").to_owned();
    let mut cmd = Command::new(tool);
    cmd.args(args).arg(&path);
    if tool == "pdftotext" {
        cmd.arg("-");
    }
    let out = match cmd.stderr(Stdio::inherit()).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("NOTE: `{tool}` not installed; skipping that check");
            return None;
        }
        Err(e) => panic!("running {tool}: {e}"),
    };
    assert!(out.status.success(), "{tool} failed: {:?}", out.status);
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

const CJK_DOC: &str = r#"
#set document(title: "预算绩效自评表", author: "财政局", description: "2024 年度", keywords: ("绩效", "预算"))
#set page(paper: "a4", margin: 2cm)
#set text(font: "Noto Serif CJK SC", lang: "zh", region: "cn", size: 11pt)

= 项目支出绩效自评表

预算绩效管理是政府治理的重要内容。

#table(
  columns: (1fr, 1fr, 1fr),
  table.header[*一级指标*][*二级指标*][*分值*],
  [产出指标], [数量指标], [30],
  [效益指标], [社会效益], [20],
)
"#;

#[test]
fn cjk_document_exports_a4_pdf_with_exact_text() {
    let doc = compile(CJK_DOC);
    assert_eq!(doc.pages().len(), 1);
    if let Err(missing) = Engine::check_glyphs(&doc) {
        panic!("unexpected missing glyphs: {missing:?}");
    }
    let pdf = export(&doc);
    assert!(
        pdf.starts_with(b"%PDF-"),
        "not a PDF: {:?}",
        &pdf[..8.min(pdf.len())]
    );

    if let Some(info) = poppler("pdfinfo", &[], &pdf) {
        println!("{info}");
        let size = info
            .lines()
            .find(|l| l.starts_with("Page size:"))
            .unwrap_or_default();
        assert!(size.contains("(A4)"), "page size is not A4: {size}");
        assert!(info.contains("预算绩效自评表"), "title missing: {info}");
        assert!(info.contains("财政局"), "author missing: {info}");
        let tagged = info
            .lines()
            .find(|l| l.starts_with("Tagged:"))
            .unwrap_or_default();
        assert!(tagged.ends_with("yes"), "not tagged: {info}");
    }
    if let Some(text) = poppler("pdftotext", &["-layout", "-enc", "UTF-8"], &pdf) {
        println!("{text}");
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        assert!(
            lines.contains(&"项目支出绩效自评表"),
            "heading not extracted: {text}"
        );
        assert!(
            lines.contains(&"预算绩效管理是政府治理的重要内容。"),
            "paragraph: {text}"
        );
        for cell in ["一级指标", "数量指标", "社会效益", "30"] {
            assert!(
                text.contains(cell),
                "table cell {cell} not extracted: {text}"
            );
        }
    }
    if let Some(fonts) = poppler("pdffonts", &[], &pdf) {
        println!("{fonts}");
        let noto = fonts
            .lines()
            .find(|l| l.contains("NotoSerifCJK"))
            .unwrap_or_default();
        assert!(!noto.is_empty(), "Noto Serif CJK not in the PDF: {fonts}");
        // Columns: name type encoding emb sub uni object ID; emb and sub yes.
        assert!(
            noto.contains(" yes yes "),
            "font not embedded + subset: {noto}"
        );
    }
}

#[test]
fn pdf_declares_pdfa_2b() {
    let pdf = export(&compile(CJK_DOC));
    let xmp_ok = contains_pdfaid(&pdf);
    if !xmp_ok {
        // The metadata stream might be compressed; ask poppler instead.
        let meta = poppler("pdfinfo", &["-meta"], &pdf).unwrap_or_default();
        assert!(
            contains_pdfaid(meta.as_bytes()),
            "no PDF/A-2b identification: {meta}"
        );
    }
}

/// Whether the bytes contain `pdfaid:part` 2 and `pdfaid:conformance` B, in
/// either XMP form (`<pdfaid:part>2</pdfaid:part>` or `pdfaid:part="2"`).
fn contains_pdfaid(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let value_after = |key: &str| -> Option<String> {
        let at = text.find(key)? + key.len();
        let rest = &text[at..];
        let rest = rest.trim_start_matches(['>', '=', '"', '\'', ' ']);
        Some(
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect(),
        )
    };
    value_after("pdfaid:part").as_deref() == Some("2")
        && value_after("pdfaid:conformance").as_deref() == Some("B")
}

#[test]
fn identical_input_gives_identical_bytes() {
    let a = export(&compile(CJK_DOC));
    let b = export(&compile(CJK_DOC));
    assert!(a == b, "two exports of the same source differ");
    // The timestamp is really used (and is the only difference).
    let c = match Engine::export_pdf(&compile(CJK_DOC), (2025, 1, 2)) {
        Ok(pdf) => pdf,
        Err(e) => panic!("export failed: {e}"),
    };
    assert!(a != c, "the timestamp does not reach the PDF");
    if let Some(info) = poppler("pdfinfo", &["-isodates"], &a) {
        let created = info
            .lines()
            .find(|l| l.starts_with("CreationDate:"))
            .unwrap_or_default();
        assert!(
            created.contains("2024-03-05T00:00:00"),
            "creation date: {created}"
        );
    }
}

#[test]
fn missing_glyph_is_reported_with_character_text_and_font() {
    let doc = compile("#set text(font: \"Noto Serif CJK SC\")\n正常文字\n\n缺字\u{10FFFD}在此\n");
    let missing = match Engine::check_glyphs(&doc) {
        Ok(()) => panic!("U+10FFFD was not reported"),
        Err(missing) => missing,
    };
    assert_eq!(missing.len(), 1, "{missing:?}");
    let m = &missing[0];
    assert_eq!(m.character, '\u{10FFFD}');
    assert!(m.text.contains('\u{10FFFD}'), "text run: {:?}", m.text);
    assert!(!m.font.is_empty());
    assert_eq!(m.page, 1);
    let shown = m.to_string();
    assert!(shown.contains("U+10FFFD"), "{shown}");
    assert!(shown.contains(&m.font), "{shown}");
    println!("{shown}");
}

#[test]
fn package_imports_are_refused_clearly() {
    let msg = compile_err("#import \"@preview/foo:0.1.0\": *\nHello\n");
    println!("{msg}");
    assert!(msg.contains("package imports"), "{msg}");
    assert!(msg.contains("@preview/foo:0.1.0"), "{msg}");
    assert!(msg.contains("main.typ"), "{msg}");
}

#[test]
fn no_disk_access_from_typst() {
    let msg = compile_err("#read(\"/etc/passwd\")\n");
    println!("{msg}");
    assert!(msg.contains("file not found"), "{msg}");
    let msg = compile_err("#read(\"../../../../etc/passwd\")\n");
    println!("{msg}");
    // Typst itself rejects paths escaping the root; the CLI's `--root` hint
    // makes no sense for jixiao and is dropped.
    assert!(msg.contains("escape the project root"), "{msg}");
    assert!(!msg.contains("--root"), "{msg}");
}

#[test]
fn virtual_files_and_data_are_readable() {
    let src = r#"
#import "lib/grid.typ": cell, greeting
#let d = json("data.json")
#metadata(read("lib/hello.txt")) <t-file>
#metadata(d.name) <t-data>
#metadata(greeting) <t-import>
#metadata(42) <t-int>
#metadata(datetime.today().display()) <t-today>
#cell[#d.name]
"#;
    let data = vec![(
        "data.json".to_owned(),
        r#"{"name": "甲单位"}"#.as_bytes().to_vec(),
    )];
    let doc = match engine().compile(src, data) {
        Ok(doc) => doc,
        Err(e) => panic!("{e}"),
    };
    let one = |label: &str| -> String {
        let found = Engine::labelled_metadata(&doc, label);
        assert_eq!(found.len(), 1, "{label}: {found:?}");
        found[0].0.clone()
    };
    assert_eq!(one("t-file"), "模板文件");
    assert_eq!(one("t-data"), "甲单位");
    assert_eq!(one("t-import"), "你好");
    assert_eq!(one("t-int"), "42");
    assert_eq!(one("t-today"), "2024-03-05");
    assert!(Engine::labelled_metadata(&doc, "no-such-label-anywhere").is_empty());

    // Per-document data is not visible to the next document.
    let msg = compile_err("#json(\"data.json\")\n");
    assert!(msg.contains("file not found"), "{msg}");
}

#[test]
fn compile_errors_name_the_line_of_the_generated_source() {
    let msg = compile_err("= Title\n\nSome text\n#undefined_thing(1)\n");
    println!("{msg}");
    assert!(msg.contains("unknown variable: undefined_thing"), "{msg}");
    assert!(msg.contains("main.typ (generated source):4:2"), "{msg}");
    assert!(msg.contains("4 | #undefined_thing(1)"), "{msg}");
}

#[test]
fn invalid_virtual_file_names_are_errors() {
    match engine().compile("x", vec![("../escape.json".to_owned(), b"{}".to_vec())]) {
        Err(EngineError::InvalidPath { path, .. }) => assert_eq!(path, "../escape.json"),
        other => panic!("expected InvalidPath, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn labelled_metadata_finds_rows_on_three_pages() {
    // 180pt of usable height, 20pt rows: 9 rows per page, 25 rows → 3 pages.
    let mut src = String::from(
        "#set page(width: 200pt, height: 200pt, margin: 10pt)\n\
         #set text(font: \"Noto Serif CJK SC\", size: 8pt)\n\
         #table(columns: (1fr, 1fr), rows: 20pt, inset: 0pt, stroke: none,\n",
    );
    for i in 1..=25 {
        src.push_str(&format!(
            "  [#metadata(\"r{i}\") <jx-row>第{i}行], [{i}],\n"
        ));
    }
    src.push_str(")\n");
    let doc = compile(&src);
    assert_eq!(doc.pages().len(), 3);

    let rows = Engine::labelled_metadata(&doc, "jx-row");
    let values: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let expected: Vec<String> = (1..=25).map(|i| format!("r{i}")).collect();
    assert_eq!(values, expected);
    for (i, (value, page, y)) in rows.iter().enumerate() {
        assert_eq!(*page, i / 9 + 1, "{value} on page {page}");
        // Rows start at the top margin and are 20pt apart.
        let top = 10.0 + 20.0 * (i % 9) as f64;
        assert!(
            (top..top + 20.0).contains(y),
            "{value}: y = {y}, row top = {top}"
        );
    }
}

#[test]
fn fonts_resolve_chains_and_describe_roles() {
    let fonts = engine().fonts();
    assert!(fonts.has_cjk());
    let cjk = fonts.cjk_families();
    let noto = cjk
        .iter()
        .find(|f| f.family == "Noto Serif CJK SC")
        .unwrap_or_else(|| panic!("Noto Serif CJK SC not among {cjk:?}"));
    assert!(noto.path.exists(), "{noto:?}");
    // A Latin-only family is not listed.
    assert!(
        cjk.iter().all(|f| !f.family.starts_with("DejaVu")),
        "{cjk:?}"
    );

    let chain: Vec<String> = [
        "SimSun",
        "FangSong_GB2312",
        "noto serif cjk sc",
        "FandolSong",
    ]
    .map(String::from)
    .into();
    assert_eq!(fonts.resolve(&chain).as_deref(), Some("noto serif cjk sc"));
    assert_eq!(fonts.resolve(&["NoSuchFont".to_owned()]), None);

    let roles = vec![
        ("宋体".to_owned(), chain),
        (
            "楷体".to_owned(),
            vec!["KaiTi".to_owned(), "NoSuchKai".to_owned()],
        ),
    ];
    let report = fonts.describe(&roles);
    println!("{report}");
    assert!(report.contains("Noto Serif CJK SC"), "{report}");
    assert!(
        report.contains(&noto.path.display().to_string()),
        "{report}"
    );
    assert!(report.contains("宋体：Noto Serif CJK SC"), "{report}");
    assert!(
        report.contains("楷体：无，字体链 KaiTi → NoSuchKai 中没有一个已安装"),
        "{report}"
    );
}

#[test]
fn faces_of_one_collection_share_one_load() {
    use typst::text::FontVariant;
    let fonts = engine().fonts();
    let sc = fonts
        .book()
        .select("noto serif cjk sc", FontVariant::default());
    let jp = fonts
        .book()
        .select("noto serif cjk jp", FontVariant::default());
    let (Some(sc), Some(jp)) = (sc, jp) else {
        panic!("Noto Serif CJK SC/JP regular faces not found");
    };
    let (Some(a), Some(b)) = (fonts.font(sc), fonts.font(jp)) else {
        panic!("could not load the faces");
    };
    assert_ne!(a.index(), b.index(), "expected two faces of one collection");
    assert_eq!(
        a.data().as_slice().as_ptr(),
        b.data().as_slice().as_ptr(),
        "the collection file was read twice"
    );
    // And the same face is not reloaded either.
    let again = fonts.font(sc).map(|f| f.data().as_slice().as_ptr());
    assert_eq!(again, Some(a.data().as_slice().as_ptr()));
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// 200 small one-page documents on 2 threads, calling `evict()` after each
/// (set JIXIAO_NO_EVICT=1 to see the growth without it). Prints RSS; only
/// asserts that every document compiled and exported.
#[test]
fn many_documents_on_two_threads_keep_memory_bounded() {
    use rayon::prelude::*;
    use typst::model::Document as _;
    let no_evict = std::env::var_os("JIXIAO_NO_EVICT").is_some();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    let _ = engine();
    let start = rss_mb();
    let t0 = std::time::Instant::now();
    let mut after_first_batch = 0.0;
    for batch in 0..4 {
        let sizes: Vec<usize> = pool.install(|| {
            (batch * 50..(batch + 1) * 50)
                .into_par_iter()
                .map(|i| {
                    let src = one_page_document(i);
                    let doc = match engine().compile(&src, Vec::new()) {
                        Ok(doc) => doc,
                        Err(e) => panic!("document {i}: {e}"),
                    };
                    // All documents share the virtual path of their main
                    // source: make sure concurrent compiles do not mix up.
                    let title = doc.info().title.as_ref().map(|t| t.to_string());
                    assert_eq!(title, Some(format!("单位 {i}")));
                    assert!(Engine::check_glyphs(&doc).is_ok());
                    let pdf = export(&doc);
                    if !no_evict {
                        evict();
                    }
                    pdf.len()
                })
                .collect()
        });
        assert!(sizes.iter().all(|&n| n > 1000));
        let rss = rss_mb();
        if batch == 0 {
            after_first_batch = rss;
        }
        println!(
            "after {:3} documents: RSS {rss:7.1} MB (engine ready: {start:.1} MB, {:.1?})",
            (batch + 1) * 50,
            t0.elapsed()
        );
    }
    let growth = rss_mb() - after_first_batch;
    println!("growth over the last 150 documents: {growth:.1} MB");
    if !no_evict {
        // Loose bound (other tests run in this process at the same time):
        // without eviction, 150 such documents add well over 100 MB.
        assert!(growth < 100.0, "RSS grew by {growth:.1} MB despite evict()");
    }
}

/// A one-page A4 document with a 25-row table whose text differs per `i`.
fn one_page_document(i: usize) -> String {
    let mut src = format!(
        "#set document(title: \"单位 {i}\")\n\
         #set page(paper: \"a4\", margin: 2cm)\n\
         #set text(font: \"Noto Serif CJK SC\", size: 10pt)\n\
         = 第 {i} 号单位项目支出绩效自评表\n\n\
         #table(columns: (2fr, 3fr, 1fr, 1fr),\n\
         table.header[*一级指标*][*二级指标*][*目标值*][*实际值*],\n"
    );
    let words = [
        "产出数量",
        "产出质量",
        "产出时效",
        "经济效益",
        "社会效益",
        "满意度",
    ];
    for r in 0..25 {
        let w = words[(i + r) % words.len()];
        src.push_str(&format!(
            "[{w}], [{w}指标第{r}项：完成{}户], [{}], [{}],\n",
            i * 31 + r,
            (i * 7 + r) % 100,
            (i * 13 + r * 3) % 101
        ));
    }
    src.push_str(")\n");
    src
}

/// The tags of `frame` (and its groups), in order.
fn tags_of(frame: &typst::layout::Frame, out: &mut Vec<typst::introspection::Tag>) {
    use typst::layout::FrameItem;
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(g) => tags_of(&g.frame, out),
            FrameItem::Tag(t) => out.push(t.clone()),
            _ => {}
        }
    }
}

/// The pages a batch keeps for the one export (issue 20, item 3) let go of what only the
/// layout read: the footer's `context` (whose closure holds the whole `data.json` of the
/// batch) and the bodies of table cells, paragraphs and placed, hidden or artifact content.
/// Nothing the PDF export reads changes: the compacted pages export to the same bytes,
/// outline, tags and all.
#[test]
fn compacted_pages_export_to_the_same_pdf() {
    use typst::foundations::ContextElem;
    use typst::introspection::Tag;
    use typst::model::TableCell;
    let rows: String = (0..60)
        .map(|r| {
            format!("table.cell(rowspan: 1)[产出指标 {r}], [数量指标], [完成 {r} 项], [≥ {r}],\n")
        })
        .collect();
    let src = format!(
        "#let data = (title: \"分批\", rows: range(2000).map(i => (text: \"单元格文字\" * 3, n: i)))\n\
         #set document(title: \"分批\")\n\
         #set text(font: \"Noto Serif CJK SC\", size: 10pt, lang: \"zh\")\n\
         #set page(paper: \"a4\", footer: context align(center)[第 #counter(page).display() 页 共 #data.rows.len() 行])\n\
         #place(hide(heading(level: 1, outlined: true, bookmarked: true)[项目一]))\n\
         说明文字。#parbreak()\n\
         #table(columns: 4, table.header[一级][二级][指标值][目标],\n{rows})\n"
    );
    let doc = match engine().compile(&src, Vec::new()) {
        Ok(doc) => doc,
        Err(e) => panic!("{e}"),
    };
    let before = export(&doc);
    let info = typst::model::Document::info(&doc).clone();
    let mut pages: Vec<typst_layout::Page> = doc.pages().to_vec();
    assert!(pages.len() > 1, "the table should run over pages");
    drop(doc);
    evict();
    jixiao::render::pdf::batch::compact_pages(&mut pages);
    let mut tags = Vec::new();
    for p in &pages {
        tags_of(&p.frame, &mut tags);
    }
    let starts = || {
        tags.iter().filter_map(|t| match t {
            Tag::Start(elem, _) => Some(elem),
            Tag::End(..) => None,
        })
    };
    assert_eq!(
        starts().filter(|e| e.is::<ContextElem>()).count(),
        0,
        "the footer's context (and the data its closure holds) is kept"
    );
    let cells: Vec<_> = starts()
        .filter_map(|e| e.to_packed::<TableCell>())
        .collect();
    assert!(cells.len() >= 240, "{} cells", cells.len());
    assert!(
        cells.iter().all(|c| c.body.is_empty()),
        "table cells keep their bodies"
    );
    let compacted = typst_layout::PagedDocument::new(pages.into_iter().collect(), info);
    assert!(
        export(&compacted) == before,
        "the compacted pages export to other bytes"
    );
}

/// A preview redraws only the pages that changed: a page laid out as one of the pages last
/// shown is taken from them (here marked, so that a page drawn again would show), a changed
/// page is drawn.
#[test]
fn a_preview_draws_only_the_pages_laid_out_differently() {
    use jixiao::render::pdf::preview_pages;
    let before = compile("第一页\n#pagebreak()\n第二页");
    let mut shown = preview_pages(&before, None);
    assert_eq!(shown.len(), 2);
    assert!(
        shown.iter().all(|p| p.svg.starts_with("<svg")),
        "drawn as SVG"
    );
    for p in &mut shown {
        p.svg = format!("kept {}", p.text);
    }
    let after = compile("第一页\n#pagebreak()\n第二页改");
    let pages = preview_pages(&after, Some(&shown));
    assert_eq!(pages[0].svg, "kept 第一页", "the unchanged page is reused");
    assert!(
        pages[1].svg.starts_with("<svg"),
        "the changed page is drawn"
    );
    assert_eq!(pages[1].text, "第二页改");
    assert_ne!(pages[1].key, shown[1].key);
}
