//! The xlsx prints page for page like the PDF (issue 24): every workbook of the sample corpus
//! (`data/`), of the national and anhui examples (`examples/{national,anhui}/data`) and of the vocabulary fixture
//! (`tests/fixtures/vocabulary`) is printed to PDF by LibreOffice (`soffice --headless
//! --convert-to pdf`, one call for all files, with a profile of its own), and each printout
//! must have jixiao's PDF's page count and hold the same table rows on every page.
//!
//! The rows of a page are compared through the texts of the workbook's cells: each cell text
//! whose beginning (its first [`PREFIX`] characters, whitespace removed) is printed on exactly
//! one page of jixiao's PDF must be on that same page, and only there, in LibreOffice's
//! printout; so the first table row of every page (and every other) is the same. Text is read
//! with `pdftotext` (pages split at form feeds), whitespace removed, since the two programs
//! order a page's lines differently.
//!
//! LibreOffice measures the columns by the workbook's default font, Calibri; CI installs
//! `libreoffice-calc-nogui` and `fonts-crosextra-carlito` (Calibri's metric twin), see
//! `.ci/run`. Without `soffice` this test fails: it does not skip.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;

/// Characters of a cell's text (whitespace removed) compared with the printed pages.
const PREFIX: usize = 6;

/// A scratch directory below `$CARGO_TARGET_TMPDIR/print` ([`common::scratch_in`]).
fn scratch(name: &str) -> PathBuf {
    common::scratch_in("print", name)
}

/// `jixiao build DATA --templates TEMPLATES --out OUT`, asserting that it succeeds.
fn build_with(data: &Path, templates: &Path, out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("build")
        .arg(data)
        .arg("--templates")
        .arg(templates)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run the jixiao binary");
    assert!(
        o.status.success(),
        "{} must build:\n{}",
        data.display(),
        stderr_of(&o)
    );
}

/// Every xlsx below `dir`, sorted.
fn workbooks(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = files_below(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    out.sort();
    out
}

/// The pages of a PDF as text, whitespace removed.
fn pages(pdf: &Path) -> Vec<String> {
    let o = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("run pdftotext (poppler-utils)");
    assert!(o.status.success(), "pdftotext {}", pdf.display());
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut pages: Vec<String> = text.split('\u{c}').map(squash).collect();
    // pdftotext ends the last page with a form feed too.
    if pages.last().is_some_and(String::is_empty) {
        pages.pop();
    }
    pages
}

/// The text cells of every table sheet of a workbook (not the twin's hidden data sheet), in
/// sheet order, whitespace removed.
fn cell_texts(xlsx: &Path) -> Vec<String> {
    let mut book: Xlsx<_> = open_workbook(xlsx)
        .unwrap_or_else(|e| panic!("{}: calamine cannot open it: {e}", xlsx.display()));
    let names: Vec<String> = book
        .sheet_names()
        .into_iter()
        .filter(|n| n != "jixiao数据")
        .collect();
    let mut out = Vec::new();
    for name in names {
        let range = book.worksheet_range(&name).unwrap();
        for (_, _, cell) in range.used_cells() {
            if let Data::String(s) = cell {
                let s = squash(s);
                if !s.is_empty() {
                    out.push(s);
                }
            }
        }
    }
    out
}

#[test]
fn every_workbook_prints_the_pdfs_pages_in_libreoffice() {
    let data_out = &built_corpus().out;
    let national = scratch("national");
    build_with(
        &repo().join("examples/national/data"),
        &repo().join("templates"),
        &national,
    );
    let anhui = scratch("anhui");
    build_with(
        &repo().join("examples/anhui/data"),
        &repo().join("templates"),
        &anhui,
    );
    let fixture = scratch("vocabulary");
    let vocabulary = repo().join("tests/fixtures/vocabulary");
    build_with(
        &vocabulary.join("data"),
        &vocabulary.join("templates"),
        &fixture,
    );

    // Flat names for soffice (it names each PDF after its workbook).
    let lo = scratch("soffice");
    let mut docs: Vec<(PathBuf, PathBuf, PathBuf)> = Vec::new();
    for dir in [data_out.as_path(), &national, &anhui, &fixture] {
        for xlsx in workbooks(dir) {
            let i = docs.len();
            let flat = lo.join(format!("d{i}.xlsx"));
            fs::copy(&xlsx, &flat).unwrap();
            docs.push((
                xlsx.with_extension("pdf"),
                flat,
                lo.join(format!("d{i}.pdf")),
            ));
        }
    }
    // The synthetic long table, rendered here.
    {
        let (doc, renderers, chains) = long_document();
        let input = jixiao::render::Input {
            doc: &doc,
            fonts: &chains,
            timestamp: (2025, 1, 1),
            provenance: None,
            page_starts: None,
            preview: None,
        };
        let mut out = renderers.render(&input, &["pdf", "xlsx"]).into_iter();
        let long = lo.join("long");
        fs::create_dir_all(long.join("a/b")).unwrap();
        let pdf = long.join("a/b/长表.pdf");
        fs::write(&pdf, out.next().unwrap().unwrap().bytes).unwrap();
        let i = docs.len();
        let flat = lo.join(format!("d{i}.xlsx"));
        fs::write(&flat, out.next().unwrap().unwrap().bytes).unwrap();
        docs.push((pdf, flat, lo.join(format!("d{i}.pdf"))));
    }
    assert!(docs.len() >= 12, "workbooks found: {}", docs.len());

    let profile = scratch("soffice-profile");
    let run = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&lo)
        .args(docs.iter().map(|(_, flat, _)| flat))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "soffice (LibreOffice) must be installed for this test \
                 (apt-get install libreoffice-calc-nogui fonts-crosextra-carlito): {e}"
            )
        });
    assert!(
        run.status.success(),
        "soffice failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let mut failures = Vec::new();
    for (pdf, flat, printed) in &docs {
        let name = pdf.strip_prefix(pdf.ancestors().nth(3).unwrap()).unwrap();
        let name = name.display();
        assert!(printed.exists(), "soffice made no PDF of {name}");
        let ours = pages(pdf);
        let theirs = pages(printed);
        if ours.len() != theirs.len() {
            failures.push(format!(
                "{name}: jixiao's PDF has {} pages, LibreOffice's printout of the xlsx {}",
                ours.len(),
                theirs.len()
            ));
            continue;
        }
        // Each cell text printed on one page of jixiao's PDF is on that page of the printout.
        let mut compared = 0usize;
        let mut by_page: BTreeMap<usize, usize> = BTreeMap::new();
        for text in cell_texts(flat) {
            let prefix: String = text.chars().take(PREFIX).collect();
            if prefix.chars().count() < 2 {
                continue;
            }
            let on = |p: &[String]| -> Vec<usize> {
                (0..p.len()).filter(|&k| p[k].contains(&prefix)).collect()
            };
            let expected = on(&ours);
            if expected.len() != 1 {
                continue;
            }
            compared += 1;
            *by_page.entry(expected[0]).or_default() += 1;
            let found = on(&theirs);
            if found != expected {
                failures.push(format!(
                    "{name}: “{prefix}” is on page {} of jixiao's PDF, on page(s) {:?} of the xlsx's printout",
                    expected[0] + 1,
                    found.iter().map(|k| k + 1).collect::<Vec<_>>()
                ));
            }
        }
        assert!(compared > 0, "{name}: no cell text to compare");
        // Every page with table text was compared (a page left out would hide a shifted row).
        for (k, page) in ours.iter().enumerate() {
            if !by_page.contains_key(&k) && page.chars().count() > 40 {
                failures.push(format!(
                    "{name}: no cell text of page {} could be compared",
                    k + 1
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The raw lines of one page of a PDF (`pdftotext -f k -l k`), trimmed.
fn page_lines(pdf: &Path, page: usize) -> Vec<String> {
    let o = Command::new("pdftotext")
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("run pdftotext (poppler-utils)");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn continuation_pages_name_the_table_above_the_repeated_header() {
    let out = &built_corpus().out;
    // One table over three pages: its name and “（续）” above the header of pages 2 and 3, not
    // on page 1 (where the title already names it).
    let pdf = out.join(DOCS[0].path);
    let name = DOCS[0].title;
    let caption = format!("{name}（续）");
    let ours = pages(&pdf);
    assert_eq!(ours.len(), 3, "{}", pdf.display());
    assert!(!ours[0].contains("（续）"), "page 1: {}", ours[0]);
    for (k, page) in ours.iter().enumerate().skip(1) {
        assert!(
            page.starts_with(&caption),
            "page {} starts with “{caption}”: {page}",
            k + 1
        );
        let lines = page_lines(&pdf, k + 1);
        assert_eq!(lines.first(), Some(&caption), "page {}: {lines:?}", k + 1);
    }
    // A document whose projects each fit one page has no continuation page.
    let kuerle = out.join(DOCS[1].path);
    assert!(
        pages(&kuerle).iter().all(|p| !p.contains("（续）")),
        "{}",
        kuerle.display()
    );
}

#[test]
fn a_header_label_keeps_its_last_character_company() {
    // “指标分值权重” in a column that holds five of its six characters printed as
    // “指标分值权 / 重”: it is now set a little smaller on one line (or in balanced lines).
    let pdf = built_corpus().out.join(DOCS[1].path);
    let lines = page_lines(&pdf, 1);
    assert!(
        !lines
            .windows(2)
            .any(|w| w[0] == "指标分值权" && w[1] == "重"),
        "an orphan “重”: {lines:?}"
    );
    assert!(
        lines.iter().any(|l| l == "指标分值权重")
            || lines
                .windows(2)
                .any(|w| w[0] == "指标分" && w[1] == "值权重"),
        "the label on one line or in two balanced lines: {lines:?}"
    );
}

#[test]
fn a_workbook_rebuilt_alone_gets_the_same_page_breaks() {
    // Only the xlsx is out of date: the document is laid out for its page starts alone (no PDF
    // written), and the workbook is the one a full build writes, breaks and all.
    let out = scratch("alone");
    let data = repo().join("data");
    build_with(&data, &repo().join("templates"), &out);
    let books = workbooks(&out);
    assert!(!books.is_empty());
    let with_breaks: Vec<(PathBuf, Vec<u8>)> = books
        .iter()
        .map(|p| (p.clone(), fs::read(p).unwrap()))
        .filter(|(_, b)| {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(b)).unwrap();
            (0..zip.len()).any(|i| {
                let mut f = zip.by_index(i).unwrap();
                let mut xml = String::new();
                std::io::Read::read_to_string(&mut f, &mut xml).is_ok()
                    && xml.contains("<rowBreaks")
            })
        })
        .collect();
    assert!(
        !with_breaks.is_empty(),
        "a sample workbook breaks its pages: {books:?}"
    );
    let pdfs: Vec<(PathBuf, Vec<u8>)> = files_below(&out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .map(|p| (p.clone(), fs::read(&p).unwrap()))
        .collect();
    for (path, _) in &with_breaks {
        fs::remove_file(path).unwrap();
    }
    build_with(&data, &repo().join("templates"), &out);
    for (path, bytes) in &with_breaks {
        assert!(
            fs::read(path).unwrap() == *bytes,
            "{} rebuilt alone differs",
            path.display()
        );
    }
    for (path, bytes) in &pdfs {
        assert!(fs::read(path).unwrap() == *bytes, "{}", path.display());
    }
}

/// A synthetic document of one table of 120 rows under merged labels of 40 rows each (several
/// pages, a merged cell cut at each break, a note below), and the renderers of a build.
fn long_document() -> (
    std::sync::Arc<jixiao::plan::Document>,
    jixiao::render::Renderers,
    std::collections::BTreeMap<String, Vec<String>>,
) {
    use jixiao::plan::{Cell, Document, Role, Row, RowKind, Section};
    use jixiao::render::Renderers;
    use jixiao::render::pdf::engine::Engine;
    use jixiao::render::pdf::fonts::FontSet;
    use jixiao::render::pdf::source::Templates;
    use std::sync::Arc;

    // One table of 120 rows under a merged label: several pages, a merged cell cut at each.
    let mut rows = vec![Row::new(
        RowKind::Header,
        vec![
            Cell::label(0, "类别"),
            Cell::label(1, "指标名称"),
            Cell::label(2, "指标值"),
        ],
    )];
    for i in 0..120 {
        let mut cells = Vec::new();
        if i % 40 == 0 {
            let mut label = Cell::label(0, format!("第{}类", i / 40 + 1));
            label.rowspan = 40;
            cells.push(label);
        }
        cells.push(Cell::text(1, format!("指标{i}：会议召开次数"), Role::Text));
        cells.push(Cell::text(2, format!("≥{i}次"), Role::Text));
        rows.push(Row::new(RowKind::Body, cells));
    }
    let section = Section {
        name: "长表".to_string(),
        heading: None,
        title: "长表".to_string(),
        subtitle: None,
        unit_line: None,
        unit_note: None,
        columns: vec![1.0, 3.0, 1.0],
        rows,
        notes: vec!["注：表下的说明。".to_string()],
        signature: Vec::new(),
        chart: None,
    };
    let doc = Arc::new(Document {
        kind: "list".to_string(),
        style: "anhui".to_string(),
        template: "anhui/list.typ.j2".to_string(),
        file_stem: "长表".to_string(),
        title: "长表".to_string(),
        author: "测试".to_string(),
        subject: "测试".to_string(),
        keywords: Vec::new(),
        department: "测试".to_string(),
        year: 2024,
        landscape: false,
        fit_page: false,
        preamble: None,
        sections: vec![section],
    });
    let templates = repo().join("templates");
    let lib = fs::read(templates.join("lib/jixiao.typ")).unwrap();
    let fonts = FontSet::discover(&[]);
    let chains: std::collections::BTreeMap<String, Vec<String>> = ["宋体", "黑体"]
        .iter()
        .map(|r| (r.to_string(), vec!["Noto Serif CJK SC".to_string()]))
        .collect();
    let chains = jixiao::render::pdf::present_chains(&fonts, &chains);
    let engine = Arc::new(Engine::new(
        fonts,
        vec![("lib/jixiao.typ".to_string(), lib)],
        (2025, 1, 1),
    ));
    let (loaded, _) = Templates::load(&templates);
    let renderers = Renderers::all(engine, Arc::new(loaded));
    (doc, renderers, chains)
}

#[test]
fn the_xlsx_asked_for_alone_is_laid_out_for_its_page_breaks() {
    let (doc, renderers, chains) = long_document();
    let input = jixiao::render::Input {
        doc: &doc,
        fonts: &chains,
        timestamp: (2025, 1, 1),
        provenance: None,
        page_starts: None,
        preview: None,
    };
    let mut both = renderers.render(&input, &["pdf", "xlsx"]);
    let mut alone = renderers.render(&input, &["xlsx"]);
    let xlsx = both.pop().unwrap().expect("the xlsx beside the PDF");
    let pdf = both.pop().unwrap().expect("the PDF");
    let starts = pdf.page_starts.expect("the PDF's page starts");
    assert!(
        starts.sections[0].len() >= 2,
        "several pages: {:?}",
        starts.sections
    );
    let only = alone.pop().unwrap().expect("the xlsx alone");
    assert!(
        only.bytes == xlsx.bytes,
        "the xlsx alone is the xlsx beside the PDF"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&only.bytes)).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    let breaks = sheet.matches("<brk id=").count();
    assert_eq!(breaks, starts.sections[0].len(), "{sheet}");
}

/// A sheet too tall for its paper is made wider until its page fits (issue 26: the widths
/// tried were each written as a whole worksheet, up to four per sheet, which cost the
/// 1,000-project build CPU and memory): each width tried is only measured, the sheet written
/// once. The long table claimed as one page needs a wider width.
#[test]
fn a_sheet_too_tall_for_its_page_is_measured_wider_and_written_once() {
    let (doc, _, _) = long_document();
    let one_page = jixiao::render::PageStarts {
        sections: vec![Vec::new()],
        paper: (595.0, 842.0),
        margins: None,
    };
    let (measured, written) = jixiao::render::xlsx::sections_measured_and_written();
    let bytes = jixiao::render::xlsx::write_workbook_paged(
        &doc,
        &jixiao::render::xlsx::XlsxFonts::default(),
        (2025, 1, 1),
        None,
        Some(&one_page),
    )
    .expect("the workbook");
    let (m, w) = jixiao::render::xlsx::sections_measured_and_written();
    assert!(
        m - measured >= 2,
        "a wider width was tried: {}",
        m - measured
    );
    assert_eq!(w - written, 1, "the sheet is written once");
    // Written at the wider width: the columns add up to more than a portrait page's 100.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    let total: f64 = sheet
        .split(" width=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse::<f64>().ok())
        .sum();
    assert!(total > 200.0, "widened: {total}");
}
