//! `jixiao import` of workbooks built to hurt (issue 20): a used area of the whole sheet, a
//! decompression bomb, a zip header that lies about a member's size, a huge shared string or
//! cell, a merged range of billions of cells, thousands of unmatched rows, a clock that runs
//! out. Each ends in a Chinese message naming the file (and the sheet and cell where there is
//! one), writes nothing, and neither aborts nor grows without bound.
//!
//! The hostile packages are written here with the `zip` crate, so no large file is kept: a
//! bomb is a few hundred KB compressed.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rust_xlsxwriter::Workbook;

use crate::common::{import, repo, stderr_of as stderr};

/// The data files in `dir/data`.
fn written(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir.join("data")) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Asserts a refused import: failure, the message's words, no panic, nothing written.
fn refused(dir: &Path, o: &Output, words: &[&str]) {
    let err = stderr(o);
    assert!(!o.status.success(), "import should fail:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("memory allocation"), "{err}");
    for w in words {
        assert!(err.contains(w), "missing {w:?} in:\n{err}");
    }
    assert!(written(dir).is_empty(), "written: {:?}", written(dir));
}

const CT: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WB: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WB_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
const SST_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// A part of a package: its name and a writer of its content.
type Part<'a> = (&'a str, Box<dyn Fn(&mut dyn Write) + 'a>);

fn text_part<'a>(name: &'a str, text: String) -> Part<'a> {
    (
        name,
        Box::new(move |w: &mut dyn Write| w.write_all(text.as_bytes()).unwrap()),
    )
}

/// An xlsx of one sheet `Sheet1` with the given sheet body (inside `<worksheet>`) and shared
/// strings (inside `<sst>`), written by `parts` when given.
fn package(path: &Path, parts: Vec<Part<'_>>) {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let base = [
        ("[Content_Types].xml", CT),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WB),
        ("xl/_rels/workbook.xml.rels", WB_RELS),
    ];
    for (name, text) in base {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    for (name, write) in &parts {
        zip.start_file(*name, options).unwrap();
        write(&mut zip);
    }
    let bytes = zip.finish().unwrap().into_inner();
    std::fs::write(path, bytes).unwrap();
}

fn sheet(body: &str) -> Part<'static> {
    text_part(
        "xl/worksheets/sheet1.xml",
        format!("{SHEET_HEAD}{body}</worksheet>"),
    )
}

fn no_strings() -> Part<'static> {
    text_part("xl/sharedStrings.xml", format!("{SST_HEAD}</sst>"))
}

/// `n` MiB of `A`s.
fn mebibytes(w: &mut dyn Write, n: usize) {
    let block = vec![b'A'; 1 << 20];
    for _ in 0..n {
        w.write_all(&block).unwrap();
    }
}

#[test]
fn a_cell_at_the_end_of_the_sheet_is_refused_before_any_grid_is_allocated() {
    // Two cells, A1 and XFD1048576: a grid of their used area is 17 billion cells (512 GB).
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("dim.xlsx");
    package(
        &book,
        vec![
            sheet(
                r#"<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>y</t></is></c></row></sheetData>"#,
            ),
            no_strings(),
        ],
    );
    let o = import(
        dir.path(),
        &["dim.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &[
            "dim.xlsx",
            "Sheet1!XFD1048576",
            "第 1048576 行",
            "100000 行",
        ],
    );
}

#[test]
fn a_declared_dimension_alone_costs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("decl.xlsx");
    package(
        &book,
        vec![
            sheet(
                r#"<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#,
            ),
            no_strings(),
        ],
    );
    let o = import(
        dir.path(),
        &["decl.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(dir.path(), &o, &["decl.xlsx", "找不到表头"]);
}

#[test]
fn a_merged_range_of_billions_of_cells_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("merge.xlsx");
    package(
        &book,
        vec![
            sheet(
                r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData><mergeCells count="1"><mergeCell ref="A1:XFD90000"/></mergeCells>"#,
            ),
            no_strings(),
        ],
    );
    let o = import(
        dir.path(),
        &["merge.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(dir.path(), &o, &["merge.xlsx", "合并单元格", "2000000"]);
}

#[test]
fn a_decompression_bomb_is_refused_by_its_declared_size() {
    // 129 MiB of one shared string, a few hundred KB compressed.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("bomb.xlsx");
    package(
        &book,
        vec![
            sheet(r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#),
            (
                "xl/sharedStrings.xml",
                Box::new(|w: &mut dyn Write| {
                    w.write_all(SST_HEAD.as_bytes()).unwrap();
                    w.write_all(b"<si><t>").unwrap();
                    mebibytes(w, 129);
                    w.write_all(b"</t></si></sst>").unwrap();
                }),
            ),
        ],
    );
    assert!(std::fs::metadata(&book).unwrap().len() < 2 << 20);
    let o = import(
        dir.path(),
        &["bomb.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &[
            "bomb.xlsx",
            "xl/sharedStrings.xml",
            "超过导入的上限 128 MB",
            "压缩炸弹",
        ],
    );
}

/// Sets the declared uncompressed size of member `name` to `size`, in its local header and
/// in the central directory (no zip64: the member must be under 4 GiB).
fn lie_about_size(bytes: &mut [u8], name: &str, size: u32) {
    let name = name.as_bytes();
    let le = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as usize;
    let mut patched = 0;
    for at in 0..bytes.len().saturating_sub(46) {
        if bytes[at..].starts_with(b"PK\x03\x04") {
            let n = le(bytes, at + 26);
            if &bytes[at + 30..at + 30 + n] == name {
                bytes[at + 22..at + 26].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        } else if bytes[at..].starts_with(b"PK\x01\x02") {
            let n = le(bytes, at + 28);
            if &bytes[at + 46..at + 46 + n] == name {
                bytes[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        }
    }
    assert_eq!(patched, 2, "the member's two headers");
}

#[test]
fn a_member_larger_than_its_header_declares_stops_at_the_declared_size() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("lie.xlsx");
    // Without zip64 (the sizes then sit in the headers themselves).
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in [
        ("[Content_Types].xml", CT.to_string()),
        ("_rels/.rels", RELS.to_string()),
        ("xl/workbook.xml", WB.to_string()),
        ("xl/_rels/workbook.xml.rels", WB_RELS.to_string()),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"{SHEET_HEAD}<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#
            ),
        ),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.start_file("xl/sharedStrings.xml", options).unwrap();
    zip.write_all(SST_HEAD.as_bytes()).unwrap();
    zip.write_all(b"<si><t>").unwrap();
    mebibytes(&mut zip, 20);
    zip.write_all(b"</t></si></sst>").unwrap();
    let mut bytes = zip.finish().unwrap().into_inner();
    lie_about_size(&mut bytes, "xl/sharedStrings.xml", 1000);
    std::fs::write(&book, bytes).unwrap();
    let o = import(
        dir.path(),
        &["lie.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &["lie.xlsx", "xl/sharedStrings.xml", "1000 字节", "篡改"],
    );
}

#[test]
fn a_shared_string_longer_than_excel_allows_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("long.xlsx");
    package(
        &book,
        vec![
            sheet(r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#),
            text_part(
                "xl/sharedStrings.xml",
                format!("{SST_HEAD}<si><t>{}</t></si></sst>", "字".repeat(40_000)),
            ),
        ],
    );
    let o = import(
        dir.path(),
        &["long.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(dir.path(), &o, &["long.xlsx", "共享文字表", "32767"]);
}

#[test]
fn a_cell_longer_than_excel_allows_is_refused_by_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("cell.xlsx");
    package(
        &book,
        vec![
            sheet(&format!(
                r#"<sheetData><row r="3"><c r="C3" t="inlineStr"><is><t>{}</t></is></c></row></sheetData>"#,
                "x".repeat(40_000)
            )),
            no_strings(),
        ],
    );
    let o = import(
        dir.path(),
        &["cell.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(dir.path(), &o, &["cell.xlsx", "Sheet1!C3", "32767"]);
}

#[test]
fn a_broken_sheet_says_why_after_the_colon() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("broken.xlsx");
    package(
        &book,
        vec![
            text_part(
                "xl/worksheets/sheet1.xml",
                format!(r#"{SHEET_HEAD}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x"#),
            ),
            no_strings(),
        ],
    );
    let o = import(
        dir.path(),
        &["broken.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(dir.path(), &o, &["没有可导入的表格：", "Sheet1", "读不出"]);
    let err = stderr(&o);
    assert!(!err.contains("表格：\n"), "{err}");
}

#[test]
fn a_workbook_of_hidden_and_empty_sheets_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("空表").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("藏起来").unwrap();
    ws.write_string(0, 0, "项目名称").unwrap();
    ws.set_hidden(true);
    wb.save(dir.path().join("hidden.xlsx")).unwrap();
    let o = import(
        dir.path(),
        &["hidden.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &[
            "没有可导入的表格：",
            "“空表”是空的",
            "“藏起来”是隐藏的工作表",
        ],
    );
}

/// A flat export: header in row 1, project `甲` with one indicator, then `rows` total rows
/// (`合计`), each reported and not imported.
fn flat(path: &Path, sheet: &str, year_column: bool, rows: u32) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).unwrap();
    let mut heads = vec!["项目名称", "一级指标", "二级指标", "三级指标", "指标值"];
    if year_column {
        heads.push("年度");
    }
    for (c, h) in heads.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let row = ["甲", "产出指标", "数量指标", "培训人数", "≥236人"];
    for (c, v) in row.iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    if year_column {
        ws.write_number(1, 5, 2025.0).unwrap();
    }
    for r in 0..rows {
        ws.write_string(2 + r, 0, "合计").unwrap();
        ws.write_string(2 + r, 3, "x").unwrap();
    }
    wb.save(path).unwrap();
}

#[test]
fn thousands_of_unmatched_rows_become_200_notes_and_one_line() {
    let dir = tempfile::tempdir().unwrap();
    flat(&dir.path().join("many.xlsx"), "目标", false, 5000);
    let o = import(
        dir.path(),
        &[
            "many.xlsx",
            "--style",
            "xinjiang",
            "--year",
            "2025",
            "--department",
            "某局",
        ],
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let files = written(dir.path());
    assert_eq!(files.len(), 1, "{err}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let listed = text.lines().filter(|l| l.contains("行是合计")).count();
    assert_eq!(listed, 200, "{text}");
    assert!(
        text.contains("另有 4800 处未能对应的内容未列出"),
        "{}",
        &text[..2000.min(text.len())]
    );
    assert!(text.len() < 64 * 1024, "{} bytes", text.len());
}

#[test]
fn the_year_note_says_where_the_year_came_from_and_only_when_it_was_used() {
    let dir = tempfile::tempdir().unwrap();
    flat(&dir.path().join("a.xlsx"), "2023年目标", false, 0);
    let o = import(
        dir.path(),
        &["a.xlsx", "--style", "xinjiang", "--department", "某局"],
    );
    let err = stderr(&o);
    assert!(err.contains("年度 2023 取自工作表名“2023年目标”"), "{err}");
    assert_eq!(err.matches("取自工作表名").count(), 1, "{err}");

    // A 年度 column gives the year: nothing is taken from the sheet's name.
    let dir = tempfile::tempdir().unwrap();
    flat(&dir.path().join("b.xlsx"), "2023年目标", true, 0);
    let o = import(
        dir.path(),
        &["b.xlsx", "--style", "xinjiang", "--department", "某局"],
    );
    let err = stderr(&o);
    assert!(!err.contains("取自"), "{err}");
    assert!(err.contains("2025 年度"), "{err}");
}

#[test]
fn an_import_past_its_time_limit_stops_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    flat(&dir.path().join("slow.xlsx"), "目标", false, 10);
    let o = import(
        dir.path(),
        &[
            "slow.xlsx",
            "--style",
            "xinjiang",
            "--year",
            "2025",
            "--department",
            "某局",
            "--time-limit",
            "0.000001",
        ],
    );
    refused(
        dir.path(),
        &o,
        &["slow.xlsx", "用时超过上限", "--time-limit"],
    );
    let o = import(dir.path(), &["slow.xlsx", "--time-limit", "0"]);
    assert!(stderr(&o).contains("大于 0 的秒数"), "{}", stderr(&o));
}

/// Whether `tool --version` runs here.
fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Like [`import`], under an address-space cap of 3 GB and a minute where `prlimit` and
/// `timeout` exist, so a workbook that makes the reader ask for gigabytes, or read forever,
/// fails here instead of taking the machine.
fn import_capped(dir: &Path, args: &[&str]) -> Output {
    let mut line: Vec<String> = Vec::new();
    if have("timeout") {
        line.extend(["timeout".into(), "60".into()]);
    }
    if have("prlimit") {
        line.extend(["prlimit".into(), "--as=3000000000".into()]);
    }
    line.push(env!("CARGO_BIN_EXE_jixiao").into());
    let mut cmd = Command::new(&line[0]);
    cmd.args(&line[1..]);
    cmd.current_dir(dir)
        .arg("import")
        .args(args)
        .arg("--templates")
        .arg(repo().join("templates"))
        .output()
        .unwrap()
}

/// A style table (`part`, e.g. `xl/styles.xml`) of one font named `name_bytes` `A`s and `xfs`
/// cell formats that all use it.
fn styles(part: &'static str, name_bytes: usize, xfs: usize) -> Part<'static> {
    (
        part,
        Box::new(move |w: &mut dyn Write| {
            w.write_all(
                br#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val=""#,
            )
            .unwrap();
            let block = vec![b'A'; 1 << 16];
            let mut left = name_bytes;
            while left > 0 {
                let n = left.min(block.len());
                w.write_all(&block[..n]).unwrap();
                left -= n;
            }
            write!(w, r#""/></font></fonts><cellXfs count="{xfs}">"#).unwrap();
            for _ in 0..xfs {
                w.write_all(br#"<xf numFmtId="0" fontId="0"/>"#).unwrap();
            }
            w.write_all(b"</cellXfs></styleSheet>").unwrap();
        }),
    )
}

fn one_cell() -> Part<'static> {
    sheet(
        r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#,
    )
}

#[test]
fn a_font_name_of_megabytes_is_refused_before_the_reader_copies_it_into_every_cell_format() {
    // calamine gives every cell format its own copy of its font: 20 MB × 200 = 4 GB.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("style.xlsx");
    package(
        &book,
        vec![
            one_cell(),
            no_strings(),
            styles("xl/styles.xml", 20 << 20, 200),
        ],
    );
    assert!(std::fs::metadata(&book).unwrap().len() < 1 << 20);
    let o = import_capped(
        dir.path(),
        &["style.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &["style.xlsx", "xl/styles.xml", "字体", "4096 字节"],
    );
}

#[test]
fn a_style_table_whose_copies_outgrow_its_budget_is_refused() {
    // Each value within its own limit, but 40,000 cell formats × a 3,000-byte font: 120 MB.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("xfs.xlsx");
    package(
        &book,
        vec![
            one_cell(),
            no_strings(),
            styles("xl/styles.xml", 3000, 40_000),
        ],
    );
    let o = import_capped(
        dir.path(),
        &["xfs.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &["xfs.xlsx", "xl/styles.xml", "40000 个单元格格式", "64 MB"],
    );
}

/// A column name (`A`, `AB`) of zero-based column `c`.
fn column(mut c: usize) -> String {
    let mut s = Vec::new();
    c += 1;
    while c > 0 {
        s.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

#[test]
fn one_long_shared_string_shown_by_many_cells_is_refused_by_the_text_of_all_cells() {
    // One string of 30,000 characters (90 KB) in 100,000 cells: 9 GB of text, while the
    // string table and the cell count are each within their budgets.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("fan.xlsx");
    let mut rows = String::from("<sheetData>");
    for r in 1..=1000 {
        rows.push_str(&format!(r#"<row r="{r}">"#));
        for c in 0..100 {
            rows.push_str(&format!(r#"<c r="{}{r}" t="s"><v>0</v></c>"#, column(c)));
        }
        rows.push_str("</row>");
    }
    rows.push_str("</sheetData>");
    package(
        &book,
        vec![
            sheet(&rows),
            text_part(
                "xl/sharedStrings.xml",
                format!("{SST_HEAD}<si><t>{}</t></si></sst>", "信".repeat(30_000)),
            ),
        ],
    );
    let o = import_capped(
        dir.path(),
        &["fan.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &["fan.xlsx", "Sheet1", "文字合计超过 64 MB"],
    );
}

#[test]
fn a_long_text_merged_over_a_million_cells_is_refused_by_the_text_of_all_cells() {
    // The merged range shows its 30,000 characters in each of its 1,000,000 cells: 90 GB.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("mtext.xlsx");
    package(
        &book,
        vec![
            sheet(&format!(
                r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{}</t></is></c></row></sheetData><mergeCells count="1"><mergeCell ref="A1:T50000"/></mergeCells>"#,
                "信".repeat(30_000)
            )),
            no_strings(),
        ],
    );
    let o = import_capped(
        dir.path(),
        &["mtext.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &["mtext.xlsx", "Sheet1", "文字合计超过 64 MB"],
    );
}

/// An .ods package whose `content.xml` holds `tables` (`<table:table>` elements).
fn ods(path: &Path, tables: &str) {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    zip.start_file("content.xml", options).unwrap();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
    )
    .unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    std::fs::write(path, bytes).unwrap();
}

/// An .ods string cell showing `text`, repeated over `repeat` columns.
fn ods_cell(text: &str, repeat: u32) -> String {
    format!(
        r#"<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
    )
}

#[test]
fn an_ods_repeating_one_cell_into_millions_is_refused_before_it_is_opened() {
    // 6,000 rows × 16,000 columns of one cell: 96 million cells from a file of 1 KB.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("rep.ods");
    ods(
        &book,
        &format!(
            r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="6000">{}</table:table-row></table:table>"#,
            ods_cell("部门名称", 16_000)
        ),
    );
    assert!(std::fs::metadata(&book).unwrap().len() < 2048);
    let o = import_capped(
        dir.path(),
        &["rep.ods", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &["rep.ods", "content.xml", "工作表“S”", "2000000"],
    );
}

#[test]
fn an_ods_repeating_a_long_text_is_refused_by_the_text_of_all_cells() {
    // 30,000 characters × 16,000 columns × 10 rows: 160,000 cells, 14 GB of text.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("rtext.ods");
    ods(
        &book,
        &format!(
            r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="10">{}</table:table-row></table:table>"#,
            ods_cell(&"信".repeat(30_000), 16_000)
        ),
    );
    let o = import_capped(
        dir.path(),
        &["rtext.ods", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &[
            "rtext.ods",
            "content.xml",
            "工作表“S”",
            "文字合计超过 64 MB",
        ],
    );
}

#[test]
fn an_ods_with_the_usual_trailing_empty_rows_and_columns_imports() {
    // LibreOffice ends each row with its empty columns and the sheet with its empty rows, as
    // repeats up to the sheet's edge: they cost nothing and are not counted.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("flat.ods");
    let row = |cells: &[&str]| {
        let mut s = String::from("<table:table-row>");
        for c in cells {
            s.push_str(&ods_cell(c, 1));
        }
        s.push_str(
            r#"<table:table-cell table:number-columns-repeated="16379"/></table:table-row>"#,
        );
        s
    };
    ods(
        &book,
        &format!(
            r#"<table:table table:name="目标">{}{}<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>"#,
            row(&["项目名称", "一级指标", "二级指标", "三级指标", "指标值"]),
            row(&["甲", "产出指标", "数量指标", "培训人数", "≥236人"]),
        ),
    );
    let o = import_capped(
        dir.path(),
        &[
            "flat.ods",
            "--style",
            "xinjiang",
            "--year",
            "2025",
            "--department",
            "某局",
        ],
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(written(dir.path()).len(), 1, "{err}");
}

#[test]
fn an_ods_text_of_a_billion_written_spaces_is_refused_by_the_text_of_all_cells() {
    // `<text:s text:c="1000000000"/>` is a billion spaces to the reader, in 16 cells: 16 GB.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("spaces.ods");
    ods(
        &book,
        r#"<table:table table:name="S"><table:table-row><table:table-cell table:number-columns-repeated="16" office:value-type="string"><text:p><text:s text:c="1000000000"/></text:p></table:table-cell></table:table-row></table:table>"#,
    );
    let o = import_capped(
        dir.path(),
        &["spaces.ods", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &[
            "spaces.ods",
            "content.xml",
            "工作表“S”",
            "文字合计超过 64 MB",
        ],
    );
}

#[test]
fn an_ods_sheet_without_its_end_is_refused_instead_of_read_forever() {
    // The reader looks for the sheet's end past the end of the file, forever.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("open.ods");
    ods(
        &book,
        &format!(
            r#"<table:table table:name="S"><table:table-row>{}</table:table-row>"#,
            ods_cell("部门名称", 1)
        ),
    );
    let o = import_capped(
        dir.path(),
        &["open.ods", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &["open.ods", "content.xml", "工作表“S”没有结尾"],
    );
}

#[test]
fn a_style_table_under_a_name_in_other_letters_is_measured_too() {
    // calamine finds `xl/Styles.XML` as it finds `xl/styles.xml`.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("case.xlsx");
    package(
        &book,
        vec![
            one_cell(),
            no_strings(),
            styles("xl/Styles.XML", 20 << 20, 200),
        ],
    );
    let o = import_capped(
        dir.path(),
        &["case.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &["case.xlsx", "xl/Styles.XML", "字体", "4096 字节"],
    );
}

#[test]
fn a_shared_string_table_declaring_billions_of_strings_is_refused() {
    // calamine reserves room for `uniqueCount` strings before reading one: 2.4 TB here.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("count.xlsx");
    package(
        &book,
        vec![
            sheet(r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#),
            text_part(
                "xl/sharedStrings.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="100000000000"><si><t>x</t></si></sst>"#.to_string(),
            ),
        ],
    );
    let o = import_capped(
        dir.path(),
        &["count.xlsx", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &["count.xlsx", "共享文字表", "100000000000", "2000000"],
    );
}

// Legacy `.xls` workbooks: a BIFF8 `Workbook` stream in a compound file (CFB), written here
// record by record, so each hostile file is a few KB (the largest, 1.5 MB).

/// One BIFF record: type, length, data.
fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend((data.len() as u16).to_le_bytes());
    r.extend(data);
    r
}

/// A BIFF8 BOF of a substream of type `dt` (5: the workbook's globals, 0x10: a worksheet).
fn bof(dt: u16) -> Vec<u8> {
    let mut d = Vec::new();
    for v in [0x0600u16, dt, 0x0DBB, 0x07CC] {
        d.extend(v.to_le_bytes());
    }
    d.extend(0u32.to_le_bytes());
    d.extend(0x0600u32.to_le_bytes());
    rec(0x0809, &d)
}

/// A LABEL cell of `s` (UTF-16) at zero-based `(r, c)`.
fn xls_label(r: u16, c: u16, s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut d = Vec::new();
    for v in [r, c, 15, units.len() as u16] {
        d.extend(v.to_le_bytes());
    }
    d.push(1);
    for u in units {
        d.extend(u.to_le_bytes());
    }
    rec(0x0204, &d)
}

/// A LABELSST cell showing shared string `i` at `(r, c)`.
fn xls_label_sst(r: u16, c: u16, i: u32) -> Vec<u8> {
    let mut d = Vec::new();
    for v in [r, c, 15] {
        d.extend(v.to_le_bytes());
    }
    d.extend(i.to_le_bytes());
    rec(0x00FD, &d)
}

/// A shared-string table (SST) of ASCII strings, stored one byte a character.
fn xls_sst(strings: &[&str]) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend((strings.len() as u32).to_le_bytes());
    d.extend((strings.len() as u32).to_le_bytes());
    for s in strings {
        d.extend((s.len() as u16).to_le_bytes());
        d.push(0);
        d.extend(s.as_bytes());
    }
    rec(0x00FC, &d)
}

/// The `Workbook` stream of one sheet named `S`: the globals (with `globals` records) and
/// the sheet's records.
fn xls_stream(globals: &[u8], sheet: &[Vec<u8>]) -> Vec<u8> {
    let name = b"S";
    let mut head = bof(0x0005);
    head.extend(globals);
    // BoundSheet8 (4 + 6 + name) and EOF (4) follow the head; the sheet starts after them.
    let pos = head.len() + 4 + 8 + name.len() + 4;
    let mut bs = (pos as u32).to_le_bytes().to_vec();
    bs.extend([0, 0, name.len() as u8, 0]);
    bs.extend(name);
    let mut s = head;
    s.extend(rec(0x0085, &bs));
    s.extend(rec(0x000A, &[]));
    assert_eq!(s.len(), pos);
    s.extend(bof(0x0010));
    for r in sheet {
        s.extend(r);
    }
    s.extend(rec(0x000A, &[]));
    s
}

/// A compound file (CFB, 512-byte sectors) holding `stream` as `Workbook`: FAT sectors first,
/// then the directory, then the stream (at least 4096 bytes, so not in the mini stream).
/// `declared` overrides the stream's declared size; `looped` makes its last sector lead back
/// to its first.
fn xls_cfb(stream: &[u8], declared: Option<u32>, looped: bool) -> Vec<u8> {
    const SEC: usize = 512;
    let mut stream = stream.to_vec();
    let padded = stream.len().div_ceil(SEC).max(8) * SEC;
    let size = declared.unwrap_or(padded as u32);
    stream.resize(padded, 0);
    let n = padded / SEC;
    let mut fats = 1;
    while fats * 128 < fats + 1 + n {
        fats += 1;
    }
    assert!(fats <= 109);
    let dir = fats as u32;
    let mut hdr = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".to_vec();
    hdr.extend([0u8; 16]);
    for v in [0x3Eu16, 3, 0xFFFE, 9, 6] {
        hdr.extend(v.to_le_bytes());
    }
    hdr.extend([0u8; 6]);
    for v in [
        0u32,
        fats as u32,
        dir,
        0,
        4096,
        0xFFFF_FFFE,
        0,
        0xFFFF_FFFE,
        0,
    ] {
        hdr.extend(v.to_le_bytes());
    }
    for i in 0..109u32 {
        let v = if (i as usize) < fats { i } else { 0xFFFF_FFFF };
        hdr.extend(v.to_le_bytes());
    }
    assert_eq!(hdr.len(), SEC);
    let mut fat: Vec<u32> = vec![0xFFFF_FFFD; fats];
    fat.push(0xFFFF_FFFE);
    let first = dir + 1;
    for i in 0..n as u32 {
        fat.push(if i + 1 < n as u32 {
            first + i + 1
        } else {
            0xFFFF_FFFE
        });
    }
    if looped {
        *fat.last_mut().unwrap() = first;
    }
    fat.resize(fats * 128, 0xFFFF_FFFF);
    let entry = |name: &str, typ: u8, start: u32, size: u32, child: u32| {
        let mut e: Vec<u8> = name
            .encode_utf16()
            .chain([0])
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let len = e.len() as u16;
        e.resize(64, 0);
        e.extend(len.to_le_bytes());
        e.extend([typ, 1]);
        for v in [0xFFFF_FFFFu32, 0xFFFF_FFFF, child] {
            e.extend(v.to_le_bytes());
        }
        e.extend([0u8; 36]);
        e.extend(start.to_le_bytes());
        e.extend(size.to_le_bytes());
        e.extend([0u8; 4]);
        assert_eq!(e.len(), 128);
        e
    };
    let mut out = hdr;
    out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    out.extend(entry("Root Entry", 5, 0xFFFF_FFFE, 0, 1));
    out.extend(entry("Workbook", 2, first, size, 0xFFFF_FFFF));
    out.resize(out.len() + 256, 0);
    out.extend(stream);
    out
}

/// Writes `name.xls` of one sheet `S` in `dir`.
fn xls(dir: &Path, name: &str, globals: &[u8], sheet: &[Vec<u8>]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, xls_cfb(&xls_stream(globals, sheet), None, false)).unwrap();
    path
}

#[test]
fn an_xls_with_cells_at_both_ends_of_the_sheet_is_refused_before_it_is_opened() {
    // The reader sizes the sheet's grid from the cells' positions: 65,536 × 65,536 cells
    // (137 GB) from a file of 5 KB.
    let dir = tempfile::tempdir().unwrap();
    let book = xls(
        dir.path(),
        "corners.xls",
        &[],
        &[xls_label(0, 0, "x"), xls_label(65535, 65535, "y")],
    );
    assert!(std::fs::metadata(&book).unwrap().len() < 8192);
    let o = import_capped(
        dir.path(),
        &["corners.xls", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &["corners.xls", "工作表“S”", "S!A1", "2000000"],
    );
}

#[test]
fn an_xls_declaring_billions_of_rows_is_refused_before_it_is_opened() {
    // A DIMENSIONS record of 4 billion rows × 65,535 columns: the reader reserves room for
    // all of them (11 PB).
    let dir = tempfile::tempdir().unwrap();
    let mut dim = Vec::new();
    dim.extend(0u32.to_le_bytes());
    dim.extend(0xFFFF_FFFFu32.to_le_bytes());
    for v in [0u16, 0xFFFF, 0] {
        dim.extend(v.to_le_bytes());
    }
    xls(
        dir.path(),
        "dim.xls",
        &[],
        &[rec(0x0200, &dim), xls_label(0, 0, "x")],
    );
    let o = import_capped(
        dir.path(),
        &["dim.xls", "--style", "xinjiang", "--year", "2025"],
    );
    refused(
        dir.path(),
        &o,
        &["dim.xls", "工作表“S”", "DIMENSIONS", "2000000"],
    );
}

#[test]
fn an_xls_shared_string_shown_by_many_cells_is_refused_by_the_text_of_all_cells() {
    // One shared string of 30,000 characters shown by 110,000 cells: the reader copies it
    // into each, 3.3 GB from a file of 1.5 MB.
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(30_000);
    let cells: Vec<Vec<u8>> = (0..110_000u32)
        .map(|i| xls_label_sst((i / 2) as u16, (i % 2) as u16, 0))
        .collect();
    xls(dir.path(), "sst.xls", &xls_sst(&[&long]), &cells);
    let o = import_capped(
        dir.path(),
        &["sst.xls", "--style", "xinjiang", "--year", "2025"],
    );
    refused(dir.path(), &o, &["sst.xls", "文字合计超过 64 MB"]);
}

#[test]
fn an_xls_whose_stream_runs_in_a_circle_is_refused() {
    // The stream's last sector leads back to its first and the stream declares 4 GB: the
    // reader would go round until it had copied 4 GB.
    let dir = tempfile::tempdir().unwrap();
    let stream = xls_stream(&[], &[xls_label(0, 0, "x")]);
    std::fs::write(
        dir.path().join("loop.xls"),
        xls_cfb(&stream, Some(0xFFFF_FF00), true),
    )
    .unwrap();
    let o = import_capped(
        dir.path(),
        &["loop.xls", "--style", "xinjiang", "--year", "2025"],
    );
    refused(dir.path(), &o, &["loop.xls", "复合文档", "另存为 .xlsx"]);
}

#[test]
fn a_small_xls_imports() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        ["项目名称", "一级指标", "二级指标", "三级指标", "指标值"],
        ["甲", "产出指标", "数量指标", "培训人数", "≥236人"],
    ];
    let mut cells = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            cells.push(xls_label(r as u16, c as u16, text));
        }
    }
    xls(dir.path(), "flat.xls", &[], &cells);
    let o = import_capped(
        dir.path(),
        &[
            "flat.xls",
            "--style",
            "xinjiang",
            "--year",
            "2025",
            "--department",
            "某局",
        ],
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(written(dir.path()).len(), 1, "{err}");
}
