//! End-to-end tests of the xlsx output of `jixiao build`: the real binary renders the sample
//! corpus (`data/`, built once per test binary, see [`common::corpus`]) and the workbook written
//! beside each PDF is read back with calamine; print setup and row heights, which calamine does
//! not expose, are read from the XML inside the zip.
//!
//! The seed tables and the documented exceptions (computed figures, respelled labels, `>=`
//! printed `≥`) are shared with `build_pdf.rs` (`tests/common/mod.rs`). That two builds give
//! byte-identical xlsx files is asserted there, by
//! `rebuilds_are_byte_identical_and_unchanged_outputs_are_left_alone`, which snapshots the PDFs
//! and their xlsx twins alike.
//!
//! A cell is compared by its displayed form: a string as is, a number formatted with the number
//! format of its cell (`0.000` → three decimals, `0.00%` → a percentage with two), as Excel and
//! WPS show it. Text is compared after removing all whitespace on both sides, like the PDF test.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use calamine::{Data, Dimensions, Reader, WorkbookProperties, Xlsx};
use common::*;

// ---------------------------------------------------------------------------------------------
// Reading a workbook back
// ---------------------------------------------------------------------------------------------

/// A zero-based `(row, column)` sheet position.
type Pos = (u32, u32);

struct Sheet {
    name: String,
    /// Non-empty cell values.
    values: BTreeMap<Pos, Data>,
    /// Formulas (without the leading `=`), where there is one.
    formulas: BTreeMap<Pos, String>,
    /// Number format code of every non-empty cell (`General` when none is set).
    formats: BTreeMap<Pos, String>,
    /// Whether the cell's format wraps text, for every non-empty cell.
    wraps: BTreeMap<Pos, bool>,
    merges: Vec<Dimensions>,
    /// The worksheet part (`xl/worksheets/sheetN.xml`).
    xml: String,
}

struct Book {
    /// Path below the output directory.
    rel: String,
    sheets: Vec<Sheet>,
    props: WorkbookProperties,
    /// `xl/workbook.xml`.
    workbook_xml: String,
}

/// One part of the xlsx package as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("the xlsx is a zip");
    let mut file = zip
        .by_name(name)
        .unwrap_or_else(|e| panic!("no part {name}: {e}"));
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    text
}

/// The value of attribute `name` in the XML element text `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let at = tag
        .match_indices(&key)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || tag[..i].ends_with(char::is_whitespace))?
        + key.len();
    Some(&tag[at..at + tag[at..].find('"')?])
}

/// The worksheet part of each sheet, in sheet order (workbook.xml → its relationships).
fn sheet_parts(bytes: &[u8]) -> Vec<String> {
    let workbook = part(bytes, "xl/workbook.xml");
    let rels = part(bytes, "xl/_rels/workbook.xml.rels");
    workbook
        .split("<sheet ")
        .skip(1)
        .map(|tag| {
            let id = attr(tag, "r:id").expect("sheet r:id");
            let rel = rels
                .split("<Relationship ")
                .find(|r| attr(r, "Id") == Some(id))
                .unwrap_or_else(|| panic!("no relationship {id}"));
            let target = attr(rel, "Target").unwrap();
            part(bytes, &format!("xl/{}", target.trim_start_matches("/xl/")))
        })
        .collect()
}

fn read_book(out: &Path, rel: &str) -> Book {
    let bytes = fs::read(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let mut xlsx = Xlsx::new(Cursor::new(bytes.clone()))
        .unwrap_or_else(|e| panic!("{rel}: calamine cannot open it: {e}"));
    let parts = sheet_parts(&bytes);
    let names = xlsx.sheet_names();
    assert_eq!(parts.len(), names.len(), "{rel}: a part per sheet");
    // The tables: the very hidden sheet of the twin's data (for `jixiao import`) is not one.
    let hidden: Vec<String> = xlsx
        .sheets_metadata()
        .iter()
        .filter(|s| s.visible != calamine::SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(
        hidden,
        ["jixiao数据"],
        "{rel}: the twin's data sheet, hidden"
    );
    let mut sheets = Vec::new();
    for (name, xml) in names.into_iter().zip(parts) {
        if hidden.contains(&name) {
            continue;
        }
        let range = xlsx.worksheet_range(&name).unwrap();
        let start = range.start().unwrap_or((0, 0));
        let values: BTreeMap<Pos, Data> = range
            .used_cells()
            .filter(|(_, _, v)| !matches!(v, Data::Empty))
            .map(|(r, c, v)| ((start.0 + r as u32, start.1 + c as u32), v.clone()))
            .collect();
        let formula_range = xlsx.worksheet_formula(&name).unwrap();
        let fstart = formula_range.start().unwrap_or((0, 0));
        let formulas = formula_range
            .used_cells()
            .filter(|(_, _, f)| !f.is_empty())
            .map(|(r, c, f)| ((fstart.0 + r as u32, fstart.1 + c as u32), f.clone()))
            .collect();
        let styles = xlsx.worksheet_style(&name).unwrap();
        let mut formats = BTreeMap::new();
        let mut wraps = BTreeMap::new();
        for &pos in values.keys() {
            let style = styles.get(pos);
            let code = style
                .and_then(|s| s.number_format.as_ref())
                .map(|n| n.format_code.clone())
                .unwrap_or_else(|| "General".to_string());
            formats.insert(pos, code);
            let wrap = style
                .and_then(|s| s.alignment.as_ref())
                .is_some_and(|a| a.wrap_text);
            wraps.insert(pos, wrap);
        }
        let merges = xlsx.merge_cells_by_sheet_name(&name).unwrap();
        sheets.push(Sheet {
            name,
            values,
            formulas,
            formats,
            wraps,
            merges,
            xml,
        });
    }
    let props = xlsx.workbook_properties().unwrap();
    Book {
        rel: rel.to_string(),
        sheets,
        props,
        workbook_xml: part(&bytes, "xl/workbook.xml"),
    }
}

/// The xlsx twin of a PDF path of the corpus.
fn xlsx_of(pdf: &str) -> String {
    Path::new(pdf)
        .with_extension("xlsx")
        .to_string_lossy()
        .into_owned()
}

/// Every workbook of the sample corpus, read once per test binary, by PDF path ([`DOCS`]).
fn books() -> &'static BTreeMap<&'static str, Book> {
    static BOOKS: std::sync::OnceLock<BTreeMap<&'static str, Book>> = std::sync::OnceLock::new();
    BOOKS.get_or_init(|| {
        let c = built_corpus();
        DOCS.iter()
            .map(|d| (d.path, read_book(&c.out, &xlsx_of(d.path))))
            .collect()
    })
}

fn book(pdf: &str) -> &'static Book {
    &books()[pdf]
}

fn doc(pdf: &str) -> &'static Doc {
    DOCS.iter().find(|d| d.path == pdf).unwrap()
}

/// Column letters of a zero-based column.
fn col_letters(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

/// `A1` reference of a zero-based position.
fn a1((r, c): Pos) -> String {
    format!("{}{}", col_letters(c), r + 1)
}

/// Zero-based position of an `A1` reference (`$` allowed).
fn parse_a1(s: &str) -> Pos {
    let s = s.replace('$', "");
    let split = s.find(|c: char| c.is_ascii_digit()).expect("row number");
    let col = s[..split]
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1))
        - 1;
    let row: u32 = s[split..].parse().expect("row number");
    (row - 1, col)
}

/// The cells of a `SUM(a,b:c,…)` formula, ranges expanded.
fn sum_cells(formula: &str) -> BTreeSet<Pos> {
    let args = formula
        .strip_prefix("SUM(")
        .and_then(|f| f.strip_suffix(')'))
        .unwrap_or_else(|| panic!("not a SUM: {formula}"));
    let mut out = BTreeSet::new();
    for arg in args.split(',') {
        match arg.split_once(':') {
            Some((a, b)) => {
                let (a, b) = (parse_a1(a), parse_a1(b));
                for r in a.0..=b.0 {
                    for c in a.1..=b.1 {
                        out.insert((r, c));
                    }
                }
            }
            None => {
                out.insert(parse_a1(arg));
            }
        }
    }
    out
}

/// A number as the format code shows it: `General`, `0`, `0.000`, `0.00%`.
fn format_number(v: f64, code: &str) -> String {
    if code == "General" {
        return format!("{v}");
    }
    let (digits, percent) = match code.strip_suffix('%') {
        Some(c) => (c, true),
        None => (code, false),
    };
    let decimals = match digits.split_once('.') {
        None if digits == "0" => 0,
        Some(("0", zeros)) if zeros.chars().all(|c| c == '0') => zeros.len(),
        _ => panic!("unexpected number format {code:?}"),
    };
    if percent {
        format!("{:.*}%", decimals, v * 100.0)
    } else {
        format!("{v:.decimals$}")
    }
}

impl Sheet {
    fn value(&self, pos: Pos) -> &Data {
        self.values.get(&pos).unwrap_or(&Data::Empty)
    }

    fn float(&self, pos: Pos) -> f64 {
        match self.value(pos) {
            Data::Float(f) => *f,
            other => panic!("{}: {} is {other:?}, not a number", self.name, a1(pos)),
        }
    }

    fn formula(&self, pos: Pos) -> &str {
        self.formulas.get(&pos).map_or("", String::as_str)
    }

    fn format(&self, pos: Pos) -> &str {
        self.formats.get(&pos).map_or("General", String::as_str)
    }

    /// What Excel shows in the cell.
    fn displayed(&self, pos: Pos) -> String {
        match self.value(pos) {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Float(f) => format_number(*f, self.format(pos)),
            Data::Int(i) => i.to_string(),
            other => panic!("{}: unexpected cell {other:?} at {}", self.name, a1(pos)),
        }
    }

    /// The displayed form of every non-empty cell, in row-major order.
    fn texts(&self) -> Vec<(Pos, String)> {
        self.values
            .keys()
            .map(|&p| (p, self.displayed(p)))
            .collect()
    }

    /// The displayed texts of one row, concatenated without whitespace.
    fn row_text(&self, row: u32) -> String {
        self.values
            .range((row, 0)..(row + 1, 0))
            .map(|(&p, _)| squash(&self.displayed(p)))
            .collect()
    }

    /// Positions of the string cells whose text is exactly `text`.
    fn find(&self, text: &str) -> Vec<Pos> {
        self.values
            .iter()
            .filter(|(_, v)| matches!(v, Data::String(s) if s == text))
            .map(|(&p, _)| p)
            .collect()
    }

    /// The one cell whose text is exactly `text`.
    fn find_one(&self, text: &str) -> Pos {
        let found = self.find(text);
        assert_eq!(found.len(), 1, "{}: cells {text:?}: {found:?}", self.name);
        found[0]
    }

    /// The first non-empty cell right of `pos` in its row.
    fn next_right(&self, pos: Pos) -> Pos {
        *self
            .values
            .range((pos.0, pos.1 + 1)..(pos.0 + 1, 0))
            .next()
            .unwrap_or_else(|| panic!("{}: nothing right of {}", self.name, a1(pos)))
            .0
    }

    /// The non-empty cells below `pos` in its column.
    fn below(&self, pos: Pos) -> Vec<Pos> {
        self.values
            .keys()
            .filter(|&&(r, c)| c == pos.1 && r > pos.0)
            .copied()
            .collect()
    }

    /// The `<row>` start tag of zero-based sheet row `row`.
    fn row_tag(&self, row: u32) -> Option<&str> {
        let tag = format!("<row r=\"{}\"", row + 1);
        let start = self.xml.find(&tag)?;
        let rest = &self.xml[start..];
        Some(&rest[..rest.find('>')?])
    }

    /// The height in points of sheet row `row`, when it is set.
    fn row_height(&self, row: u32) -> Option<f64> {
        let tag = self.row_tag(row)?;
        if attr(tag, "customHeight") != Some("1") {
            return None;
        }
        attr(tag, "ht").map(|h| h.parse().unwrap())
    }

    /// Column widths in character units (`<col min max width>`), by zero-based column.
    fn column_widths(&self) -> BTreeMap<u32, f64> {
        let mut out = BTreeMap::new();
        for col in self.xml.split("<col ").skip(1) {
            let col = &col[..col.find('>').unwrap()];
            let min: u32 = attr(col, "min").unwrap().parse().unwrap();
            let max: u32 = attr(col, "max").unwrap().parse().unwrap();
            let width: f64 = attr(col, "width").unwrap().parse().unwrap();
            for c in min..=max {
                out.insert(c - 1, width);
            }
        }
        out
    }

    /// The merged range whose top-left cell is `pos`, if any.
    fn merge_at(&self, pos: Pos) -> Option<&Dimensions> {
        self.merges.iter().find(|d| d.start == pos)
    }
}

/// Whether a seed cell is a plain number (`10.368`, `0`, `-1`).
fn is_number(s: &str) -> bool {
    let t = s.strip_prefix('-').unwrap_or(s);
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.') && t.parse::<f64>().is_ok()
}

/// Whether `number` occurs in `text` with no digit or decimal point right before or after it.
fn has_number_token(text: &str, number: &str) -> bool {
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '.');
    text.match_indices(number).any(|(i, _)| {
        !digit(text[..i].chars().next_back()) && !digit(text[i + number.len()..].chars().next())
    })
}

// ---------------------------------------------------------------------------------------------
// The corpus documents by table kind
// ---------------------------------------------------------------------------------------------

const KEQIAO: &str = "2020/绍兴市柯桥区人民代表大会常务委员会办公室/部门预算项目绩效目标汇总表.pdf";
const KUERLE_RENDABAN: &str = "2023/库尔勒市人大常委会办公室/项目支出绩效目标表.pdf";
const KUERLE_XINFANGJU: &str = "2023/库尔勒市信访局/项目支出绩效目标表.pdf";
const XIANGSHAN_LIST: &str = "2023/相山区人大办公室/部门绩效自评项目清单.pdf";
const XIANGSHAN_SELF_EVAL: &str = "2023/相山区人大办公室/项目支出绩效自评表.pdf";
const PINGLUO: &str = "2025/平罗县人民代表大会常务委员会办公室/部门项目支出预算绩效目标表.pdf";

/// Workbooks with one sheet per project: (PDF path, data file).
const PER_PROJECT: &[(&str, &str)] = &[
    (KUERLE_RENDABAN, "2023-kuerle-rendaban.yaml"),
    (KUERLE_XINFANGJU, "2023-kuerle-xinfangju.yaml"),
    (XIANGSHAN_SELF_EVAL, "2023-xiangshan-rendaban.yaml"),
    (PINGLUO, "2025-pingluo-rendaban.yaml"),
];

/// Department-wide workbooks, one sheet naming every project: (PDF path, data file).
const ONE_SHEET: &[(&str, &str)] = &[
    (KEQIAO, "2020-keqiao-rendaban.yaml"),
    (XIANGSHAN_LIST, "2023-xiangshan-rendaban.yaml"),
];

/// The seed name with brackets, as its sheet is named: `[ ]` become 〔 〕, cut to 31 characters.
const BRACKETED: &str = "巴财行[2022]33号关于提前下达2023年基层人大补助经费的通知";
const BRACKETED_SHEET: &str = "巴财行〔2022〕33号关于提前下达2023年基层人大补助经费";

/// The first label of the column header that repeats on every page, and how many rows the
/// header has.
fn header_of(pdf: &str) -> (&'static str, u32) {
    match pdf {
        KEQIAO => ("项目实施单位及项目名称", 2),
        XIANGSHAN_LIST => ("序号", 1),
        _ => ("一级指标", 1),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Every project, one sheet each
// ---------------------------------------------------------------------------------------------

#[test]
fn every_project_has_its_sheet_in_data_order() {
    let mut projects = BTreeSet::new();
    for (pdf, yaml) in PER_PROJECT {
        let book = book(pdf);
        let names = project_names(yaml);
        let sheets: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            sheets.len(),
            names.len(),
            "{}: one sheet per project: {sheets:?}",
            book.rel
        );
        for (sheet, name) in book.sheets.iter().zip(&names) {
            projects.insert((*yaml, name.clone()));
            let s = sheet.name.as_str();
            assert!(
                s.chars().count() <= 31 && s.encode_utf16().count() <= 31,
                "{}: sheet name {s:?} longer than 31 characters",
                book.rel
            );
            assert!(
                !s.contains(['[', ']', ':', '*', '?', '/', '\\']),
                "{}: sheet name {s:?} has a character Excel forbids",
                book.rel
            );
            // The sheet is named after its project (in data order): the name itself where
            // Excel allows it, else the documented transformation.
            let expected = if name == BRACKETED {
                BRACKETED_SHEET
            } else {
                name.as_str()
            };
            assert_eq!(s, expected, "{}: sheet of project {name:?}", book.rel);
            assert!(
                !sheet.find(name).is_empty(),
                "{}: sheet {s:?} does not name its project {name:?} in full in a cell",
                book.rel
            );
        }
    }
    // The bracketed seed name is really transformed (not just absent from the corpus).
    assert!(
        book(KUERLE_RENDABAN)
            .sheets
            .iter()
            .any(|s| s.name == BRACKETED_SHEET)
    );

    for (pdf, yaml) in ONE_SHEET {
        let book = book(pdf);
        assert_eq!(book.sheets.len(), 1, "{}: one sheet", book.rel);
        let sheet = &book.sheets[0];
        assert_eq!(sheet.name, doc(pdf).title, "{}: sheet name", book.rel);
        let names = project_names(yaml);
        // Every project, once, in data order; again only where a page breaks inside its
        // merged cell (which is cut there and repeats its text, as the PDF does).
        let breaks = page_breaks(sheet);
        let found: Vec<Pos> = names
            .iter()
            .map(|n| {
                let at = sheet.find(n);
                assert!(!at.is_empty(), "{}: project {n:?} in a cell", book.rel);
                for again in &at[1..] {
                    assert!(
                        breaks.contains(&again.0),
                        "{}: project {n:?} again at row {} (no page break there: {breaks:?})",
                        book.rel,
                        again.0
                    );
                }
                at[0]
            })
            .collect();
        assert!(
            found.windows(2).all(|w| w[0].0 < w[1].0),
            "{}: projects in data order: {found:?}",
            book.rel
        );
        for n in names {
            projects.insert((*yaml, n));
        }
    }
    assert_eq!(projects.len(), 29, "the 29 sample projects: {projects:?}");
}

// ---------------------------------------------------------------------------------------------
// 2. Seed coverage (the seeds and their exceptions are in `common`)
// ---------------------------------------------------------------------------------------------

/// Seeds whose section 0 (what precedes the first table title) belongs to the first sheet:
/// nothing for 000 and 002, the `附件 2：…` preamble for 001 (the xlsx writes it above the first
/// sheet's title). Seed 004's section 0 is the 清单, a workbook of its own; seed 003 has a single
/// section.
const PRELUDE_ON_FIRST_SHEET: &[&str] = &["000", "001", "002"];

/// The sheets matching the sections of a seed, in order: `(PDF path, sheet index)`.
fn seed_sheets(seed: &Seed, sections: usize) -> Vec<(&'static str, usize)> {
    let mut sheets: Vec<(&'static str, usize)> = seed
        .pdfs
        .iter()
        .flat_map(|p| (0..book(p).sheets.len()).map(move |i| (*p, i)))
        .collect();
    if PRELUDE_ON_FIRST_SHEET.contains(&seed.id) {
        sheets.insert(0, sheets[0]);
    }
    assert_eq!(
        sections,
        sheets.len(),
        "seed {}: one sheet per table of the seed",
        seed.id
    );
    sheets
}

fn seed_sections(seed: &Seed) -> Vec<String> {
    let text = fs::read_to_string(seeds_dir().join(seed.file)).unwrap();
    sections(&text, seed.marker)
}

#[test]
fn every_seed_cell_appears_in_the_matching_sheet() {
    let mut missing = Vec::new();
    for seed in SEEDS {
        let secs = seed_sections(seed);
        let sheets = seed_sheets(seed, secs.len());
        for (i, (s, (pdf, k))) in secs.iter().zip(&sheets).enumerate() {
            let sheet = &book(pdf).sheets[*k];
            let texts: Vec<String> = sheet.texts().into_iter().map(|(_, t)| t).collect();
            let squashed: Vec<String> = texts.iter().map(|t| squash(t)).collect();
            for cell in expected_cells(seed, i, s) {
                let want = printed_form(seed, &cell);
                // A number must be a whole number of one cell: the displayed cell itself, or a
                // token of a text cell (the signature line joins `联系电话：` and `84119169`),
                // never part of a longer number (`10.368` is not found in `110.368`). Anything
                // else is found within one cell (a seed cell wrapped over several lines gives
                // several pieces of one cell).
                let found = if is_number(&want) {
                    texts
                        .iter()
                        .any(|t| *t == want || has_number_token(t, &want))
                } else {
                    squashed.iter().any(|t| t.contains(&squash(&want)))
                };
                if !found {
                    missing.push(format!(
                        "seed {} §{i} (sheet {:?}): {cell:?} (looked for {want:?})",
                        seed.id, sheet.name
                    ));
                }
            }
        }
    }
    assert_respelled_exceptions_are_current();
    assert!(
        missing.is_empty(),
        "{} seed cells are missing from the workbooks:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn seed_004_sheets_show_the_computed_figures() {
    let seed = SEEDS.iter().find(|s| s.id == "004").unwrap();
    let secs = seed_sections(seed);
    let sheets = seed_sheets(seed, secs.len());
    let mut wrong = Vec::new();
    for comp in COMPUTED {
        assert!(
            squash(&secs[comp.section]).contains(&squash(comp.stated)),
            "stale exception: seed 004 §{} has no row {:?}",
            comp.section,
            comp.stated
        );
        let (pdf, k) = sheets[comp.section];
        let sheet = &book(pdf).sheets[k];
        let rows: BTreeSet<u32> = sheet.values.keys().map(|p| p.0).collect();
        let texts: Vec<String> = rows.iter().map(|&r| sheet.row_text(r)).collect();
        if !texts.iter().any(|t| t.contains(&squash(comp.printed))) {
            wrong.push(format!(
                "§{} {:?}: no row shows {:?}",
                comp.section, sheet.name, comp.printed
            ));
        }
        if texts.iter().any(|t| t.contains(&squash(comp.stated))) {
            wrong.push(format!(
                "§{} {:?}: still shows the stated {:?}",
                comp.section, sheet.name, comp.stated
            ));
        }
    }
    assert!(wrong.is_empty(), "computed figures:\n{}", wrong.join("\n"));
}

#[test]
fn cut_off_source_words_are_kept_verbatim_in_one_cell() {
    for (id, words) in CUT_OFF {
        let seed = SEEDS.iter().find(|s| s.id == *id).unwrap();
        let found = seed.pdfs.iter().any(|p| {
            book(p).sheets.iter().any(|s| {
                s.texts()
                    .iter()
                    .any(|(_, t)| squash(t).contains(&squash(words)))
            })
        });
        assert!(found, "seed {id}: no cell holds {words:?}");
    }
}

#[test]
fn xinjiang_targets_use_math_comparison_symbols() {
    for pdf in [KUERLE_RENDABAN, KUERLE_XINFANGJU] {
        let book = book(pdf);
        let all: Vec<String> = book
            .sheets
            .iter()
            .flat_map(|s| s.texts().into_iter().map(|(_, t)| t))
            .collect();
        assert!(all.iter().any(|t| t == "≥90%"), "{}: ≥90%", book.rel);
        assert!(all.iter().any(|t| t.starts_with('≤')), "{}: ≤", book.rel);
        let ascii: Vec<&String> = all
            .iter()
            .filter(|t| t.contains(">=") || t.contains("<="))
            .collect();
        assert!(
            ascii.is_empty(),
            "{}: ASCII >=/<= left: {ascii:?}",
            book.rel
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Numbers stay numbers, text stays text
// ---------------------------------------------------------------------------------------------

/// Columns whose cells are user text even when they look like a number (`1` as an indicator
/// value, a row number).
const TEXT_COLUMNS: &[&str] = &[
    "序号",
    "指标值",
    "绩效值",
    "年度指标值",
    "实际完成值",
    "上年完成值",
];

/// Asserts that the cell at `pos` is a number and returns it.
fn assert_number(book: &Book, sheet: &Sheet, pos: Pos, what: &str) -> f64 {
    match sheet.value(pos) {
        Data::Float(f) => *f,
        other => panic!(
            "{} {:?} {}: {what} is {other:?}, not a number",
            book.rel,
            sheet.name,
            a1(pos)
        ),
    }
}

#[test]
fn numbers_stay_numbers_and_text_is_never_a_formula() {
    let mut equals_signs = 0;
    for d in DOCS {
        let book = book(d.path);
        for sheet in &book.sheets {
            let at = |pos: Pos| format!("{} {:?} {}", book.rel, sheet.name, a1(pos));
            // A cell that reads like a number is a number, outside the user-text columns.
            let text_cols: Vec<u32> = TEXT_COLUMNS
                .iter()
                .flat_map(|l| sheet.find(l))
                .map(|p| p.1)
                .collect();
            for (&pos, v) in &sheet.values {
                if let Data::String(s) = v
                    && is_number(s.trim())
                {
                    assert!(
                        text_cols.contains(&pos.1),
                        "{}: the number {s:?} is stored as text",
                        at(pos)
                    );
                }
                // Text starting with `=` (a target such as `=236人`) is a string, never a
                // formula.
                if let Data::String(s) = v
                    && s.starts_with('=')
                {
                    equals_signs += 1;
                    assert_eq!(
                        sheet.formula(pos),
                        "",
                        "{}: {s:?} became a formula",
                        at(pos)
                    );
                }
                // Every formula carries its computed result as a number.
                if !sheet.formula(pos).is_empty() {
                    assert!(
                        matches!(v, Data::Float(_)),
                        "{}: formula {} has no numeric result: {v:?}",
                        at(pos),
                        sheet.formula(pos)
                    );
                }
                // Floats always carry a number format with fixed decimals.
                if matches!(v, Data::Float(_)) {
                    let code = sheet.format(pos);
                    assert!(
                        code == "0" || code.starts_with("0."),
                        "{}: number format {code:?}",
                        at(pos)
                    );
                }
            }

            // Money, weights and scores by form label.
            let money_labels: &[&str] = match d.path {
                KUERLE_RENDABAN | KUERLE_XINFANGJU => {
                    &["年度预算总额：", "其中：财政拨款", "其他资金："]
                }
                PINGLUO => &["项目年度金额"],
                _ => &[],
            };
            for label in money_labels {
                let pos = sheet.next_right(sheet.find_one(label));
                assert_number(book, sheet, pos, label);
            }
            // (label, its cell, whether the corpus fills the column)
            let mut columns: Vec<(&str, Pos, bool)> = Vec::new();
            match d.path {
                KUERLE_RENDABAN | KUERLE_XINFANGJU => {
                    columns.push(("指标分值权重", sheet.find_one("指标分值权重"), true));
                }
                XIANGSHAN_SELF_EVAL => {
                    // The grid's 分值 and 得分 (the money block has its own, above).
                    for l in ["分值", "得分"] {
                        columns.push((l, *sheet.find(l).last().unwrap(), true));
                    }
                    let total = sheet.find_one("年度资金总额：");
                    let amounts: Vec<Pos> = sheet
                        .values
                        .range((total.0, total.1 + 1)..(total.0 + 1, 0))
                        .map(|(&p, _)| p)
                        .collect();
                    assert_eq!(amounts.len(), 6, "{}: 年度资金总额 row", at(total));
                    for p in amounts {
                        assert_number(book, sheet, p, "年度资金总额 row");
                    }
                    let fiscal = sheet.find_one("其中：本年财政拨款");
                    let p = sheet.next_right(fiscal);
                    assert_number(book, sheet, p, "本年财政拨款");
                    // 执行率 is a number shown as a percentage.
                    let rate = (total.0, sheet.find_one("执行率（B/A)").1);
                    assert_number(book, sheet, rate, "执行率");
                    assert!(
                        sheet.format(rate).ends_with('%'),
                        "{}: 执行率 format {:?}",
                        at(rate),
                        sheet.format(rate)
                    );
                    assert!(sheet.displayed(rate).ends_with('%'));
                    let sum = sheet.next_right(sheet.find_one("总分"));
                    assert_number(book, sheet, sum, "总分 分值");
                    assert_number(book, sheet, sheet.next_right(sum), "总分");
                }
                XIANGSHAN_LIST => {
                    columns.push(("金额（万元）", sheet.find_one("金额（万元）"), true));
                }
                KEQIAO => {
                    // Every sample project is funded from the 一般公共预算 only.
                    for (l, filled) in [
                        ("合计", true),
                        ("一般公共预算", true),
                        ("政府性基金", false),
                        ("专户资金", false),
                        ("其他资金", false),
                    ] {
                        columns.push((l, sheet.find_one(l), filled));
                    }
                }
                _ => {}
            }
            for (label, head, filled) in columns {
                let cells = sheet.below(head);
                let numbers = cells
                    .iter()
                    .filter(|p| matches!(sheet.value(**p), Data::Float(_)))
                    .count();
                assert!(
                    !filled || numbers > 0,
                    "{}: no number under {label}",
                    at(head)
                );
                for p in cells {
                    // Only the notes and signatures under the grid may be text here.
                    if let Data::String(s) = sheet.value(p) {
                        assert!(
                            s.starts_with("备注")
                                || s.starts_with("注：")
                                || s.contains("（签字）"),
                            "{}: {s:?} under {label} is not a number",
                            at(p)
                        );
                    }
                }
            }
        }
    }
    assert!(equals_signs > 0, "the corpus has targets starting with `=`");
    let sheet = &book(KUERLE_RENDABAN).sheets[0];
    let target = sheet.find_one("=236人");
    assert_eq!(sheet.formula(target), "", "`=236人` is text, not a formula");
}

// ---------------------------------------------------------------------------------------------
// 4. Totals are formulas with stored results
// ---------------------------------------------------------------------------------------------

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn xinjiang_budget_total_sums_its_sources() {
    for pdf in [KUERLE_RENDABAN, KUERLE_XINFANGJU] {
        let book = book(pdf);
        for sheet in &book.sheets {
            let total = sheet.next_right(sheet.find_one("年度预算总额："));
            let fiscal = sheet.next_right(sheet.find_one("其中：财政拨款"));
            let other = sheet.next_right(sheet.find_one("其他资金："));
            assert_eq!(
                sheet.formula(total),
                format!("SUM({},{})", a1(fiscal), a1(other)),
                "{} {:?}: 年度预算总额 = 财政拨款 + 其他资金",
                book.rel,
                sheet.name
            );
            assert!(
                close(sheet.float(total), sheet.float(fiscal) + sheet.float(other)),
                "{} {:?}: stored result",
                book.rel,
                sheet.name
            );
        }
    }
    let sheet = &book(KUERLE_RENDABAN).sheets[0];
    let total = sheet.next_right(sheet.find_one("年度预算总额："));
    assert_eq!(sheet.value(total), &Data::Float(37.76));
    assert_eq!(sheet.displayed(total), "37.76");
}

#[test]
#[allow(clippy::approx_constant)] // 6.28 is an execution score, not τ.
fn self_evaluation_rate_score_and_total_are_formulas() {
    let book = book(XIANGSHAN_SELF_EVAL);
    for sheet in &book.sheets {
        let name = &sheet.name;
        let total_row = sheet.find_one("年度资金总额：").0;
        let a = (total_row, sheet.find_one("全年预算数（A）").1);
        let b = (total_row, sheet.find_one("全年执行数（B）").1);
        let rate = (total_row, sheet.find_one("执行率（B/A)").1);
        let score = sheet.next_right(rate);
        assert_eq!(
            sheet.formula(rate),
            format!("{}/{}", a1(b), a1(a)),
            "{name}"
        );
        assert_eq!(
            sheet.formula(score),
            format!("ROUND(10*MIN({}/{},1),2)", a1(b), a1(a)),
            "{name}"
        );
        // The stored results are what the formulas compute.
        let ratio = sheet.float(b) / sheet.float(a);
        assert!(
            (sheet.float(rate) - ratio).abs() < 1e-12,
            "{name}: 执行率 {} ≠ B/A {ratio}",
            sheet.float(rate)
        );
        let capped = ((10.0 * ratio.min(1.0)) * 100.0 + 1e-9).round() / 100.0;
        assert!(
            close(sheet.float(score), capped),
            "{name}: 得分 {} ≠ {capped}",
            sheet.float(score)
        );
        // The money totals sum the three source rows.
        let sources: Vec<u32> = ["其中：本年财政拨款", "上年结转资金", "其他资金"]
            .iter()
            .map(|l| sheet.find_one(l).0)
            .collect();
        for col in [sheet.find_one("年初预算数").1, a.1, b.1] {
            let pos = (total_row, col);
            let expected: BTreeSet<Pos> = sources.iter().map(|&r| (r, col)).collect();
            let f = sheet.formula(pos);
            assert_eq!(sum_cells(f), expected, "{name}: {} = {f}", a1(pos));
            let sum: f64 = expected
                .iter()
                .filter_map(|p| match sheet.value(*p) {
                    Data::Float(v) => Some(*v),
                    _ => None,
                })
                .sum();
            assert!(close(sheet.float(pos), sum), "{name}: {} result", a1(pos));
        }
        // 总分 sums every indicator score of the grid and the execution score.
        let score_head = *sheet.find("得分").last().unwrap();
        let total_label = sheet.find_one("总分");
        let total = sheet.next_right(sheet.next_right(total_label));
        assert_eq!(total.1, score_head.1, "{name}: 总分 under 得分");
        let mut parts: BTreeSet<Pos> = sheet
            .below(score_head)
            .into_iter()
            .filter(|&p| p != total && matches!(sheet.value(p), Data::Float(_)))
            .collect();
        parts.insert(score);
        let f = sheet.formula(total);
        assert_eq!(sum_cells(f), parts, "{name}: 总分 = {f}");
        let sum: f64 = parts.iter().map(|&p| sheet.float(p)).sum();
        assert!(
            (sheet.float(total) - sum).abs() < 1e-6,
            "{name}: 总分 {} ≠ {sum}",
            sheet.float(total)
        );
    }

    // 附件1-2 (代表工作经费): 12.55 of 20 executed.
    let sheet = &book.sheets[1];
    assert_eq!(sheet.value((0, 0)), &Data::String("附件1-2：".into()));
    let total_row = sheet.find_one("年度资金总额：").0;
    let rate = (total_row, sheet.find_one("执行率（B/A)").1);
    let score = sheet.next_right(rate);
    assert_eq!(sheet.value(rate), &Data::Float(0.6275));
    assert_eq!(sheet.displayed(rate), "62.75%");
    assert_eq!(sheet.value(score), &Data::Float(6.28));
    assert_eq!(sheet.displayed(score), "6.28");
    let total = sheet.next_right(sheet.next_right(sheet.find_one("总分")));
    assert!(sheet.formula(total).starts_with("SUM("));
    assert_eq!(sheet.value(total), &Data::Float(94.18));
    assert_eq!(sheet.displayed(total), "94.18");
}

#[test]
fn list_total_is_a_sum_shown_with_two_decimals() {
    let sheet = &book(XIANGSHAN_LIST).sheets[0];
    let head = sheet.find_one("金额（万元）");
    let total = sheet.next_right(sheet.find_one("合计"));
    assert_eq!(total.1, head.1, "合计 under 金额");
    let amounts: BTreeSet<Pos> = sheet
        .below(head)
        .into_iter()
        .filter(|&p| p != total)
        .collect();
    assert_eq!(amounts.len(), 6, "six evaluated projects");
    assert_eq!(sum_cells(sheet.formula(total)), amounts);
    assert_eq!(sheet.value(total), &Data::Float(138.828));
    assert_eq!(sheet.format(total), "0.00");
    assert_eq!(sheet.displayed(total), "138.83");
}

#[test]
fn summary_total_column_sums_each_project() {
    let sheet = &book(KEQIAO).sheets[0];
    let total_col = sheet.find_one("合计").1;
    let sources: Vec<u32> = ["一般公共预算", "政府性基金", "专户资金", "其他资金"]
        .iter()
        .map(|l| sheet.find_one(l).1)
        .collect();
    let names = project_names("2020-keqiao-rendaban.yaml");
    for name in &names {
        // The first cell of the project (a page break may repeat its name below).
        let row = sheet.find(name)[0].0;
        let pos = (row, total_col);
        let f = sheet.formula(pos);
        let expected: BTreeSet<Pos> = sources.iter().map(|&c| (row, c)).collect();
        assert_eq!(sum_cells(f), expected, "{name}: 合计 {} = {f:?}", a1(pos));
        let sum: f64 = expected
            .iter()
            .filter_map(|p| match sheet.value(*p) {
                Data::Float(v) => Some(*v),
                _ => None,
            })
            .sum();
        assert!(close(sheet.float(pos), sum), "{name}: stored result");
    }
    let sums = sheet
        .formulas
        .values()
        .filter(|f| f.starts_with("SUM("))
        .count();
    assert_eq!(sums, names.len(), "one SUM per project");
}

// ---------------------------------------------------------------------------------------------
// 5. Printing
// ---------------------------------------------------------------------------------------------

/// The rows (zero-based) that start a page after a manual break (`<rowBreaks>`).
fn page_breaks(sheet: &Sheet) -> Vec<u32> {
    let Some(at) = sheet.xml.find("<rowBreaks") else {
        return Vec::new();
    };
    let part = &sheet.xml[at..];
    let part = &part[..part.find("</rowBreaks>").unwrap_or(part.len())];
    part.split("<brk id=\"")
        .skip(1)
        .filter_map(|b| b.split('"').next()?.parse().ok())
        .collect()
}

/// The rows of the `_xlnm.Print_Titles` of sheet `index` (zero-based, inclusive).
fn print_titles(book: &Book, index: usize, name: &str) -> (u32, u32) {
    let tag = format!("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{index}\">");
    let at = book.workbook_xml.find(&tag).unwrap_or_else(|| {
        panic!(
            "{} {name:?}: no print titles:\n{}",
            book.rel, book.workbook_xml
        )
    });
    let rest = &book.workbook_xml[at + tag.len()..];
    let value = &rest[..rest.find("</definedName>").unwrap()];
    let rows = value
        .strip_prefix(&format!("'{name}'!"))
        .or_else(|| value.strip_prefix(&format!("{name}!")))
        .unwrap_or_else(|| panic!("{}: print titles {value:?} of another sheet", book.rel));
    let (a, b) = rows.split_once(':').unwrap();
    let row = |s: &str| s.trim_start_matches('$').parse::<u32>().unwrap() - 1;
    (row(a), row(b))
}

#[test]
fn every_sheet_prints_on_a4_with_merges_repeated_header_and_page_footer() {
    for d in DOCS {
        let book = book(d.path);
        let (header_label, header_rows) = header_of(d.path);
        for (i, sheet) in book.sheets.iter().enumerate() {
            let at = format!("{} {:?}", book.rel, sheet.name);
            assert!(!sheet.merges.is_empty(), "{at}: merged cells");
            let setup = sheet
                .xml
                .split("<pageSetup ")
                .nth(1)
                .map(|s| &s[..s.find("/>").unwrap()])
                .unwrap_or_else(|| panic!("{at}: no pageSetup"));
            assert_eq!(attr(setup, "paperSize"), Some("9"), "{at}: A4");
            let orientation = if d.landscape { "landscape" } else { "portrait" };
            assert_eq!(
                attr(setup, "orientation"),
                Some(orientation),
                "{at}: orientation"
            );
            // One page wide, as many tall as needed.
            assert!(sheet.xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{at}");
            assert_eq!(attr(setup, "fitToHeight"), Some("0"), "{at}");
            assert!(
                sheet
                    .xml
                    .contains("<oddFooter>&amp;C第 &amp;P 页 共 &amp;N 页</oddFooter>"),
                "{at}: footer 第 &P 页 共 &N 页"
            );
            let (first, last) = print_titles(book, i, &sheet.name);
            assert_eq!(
                last - first + 1,
                header_rows,
                "{at}: {header_rows} header row(s) repeat"
            );
            assert_eq!(
                sheet.value((first, 0)),
                &Data::String(header_label.into()),
                "{at}: the repeated rows are the column header"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Row heights
// ---------------------------------------------------------------------------------------------

/// Half-width units of a character (CJK and full-width punctuation are two).
fn units(c: char) -> usize {
    if c.is_ascii() { 1 } else { 2 }
}

/// A lower bound of the lines `text` needs in a range of `chars` character units: every
/// paragraph at least as many lines as its width needs (wrapping never packs tighter).
fn min_lines(text: &str, chars: f64) -> usize {
    text.split('\n')
        .map(|p| {
            let w: usize = p.chars().map(units).sum();
            (w as f64 / chars).ceil().max(1.0) as usize
        })
        .sum()
}

/// The goal cell of a project sheet and a row holding one short line, by form label.
fn goal_and_short_row(pdf: &str, sheet: &Sheet) -> (Pos, u32) {
    match pdf {
        KUERLE_RENDABAN | KUERLE_XINFANGJU => (
            sheet.next_right(sheet.find_one("项目总体目标")),
            sheet.find_one("预算单位").0,
        ),
        PINGLUO => (
            sheet.next_right(sheet.find_one("年度总体绩效目标")),
            sheet.find_one("项目属性").0,
        ),
        XIANGSHAN_SELF_EVAL => {
            let head = sheet.find_one("预期目标");
            ((head.0 + 1, head.1), sheet.find_one("主管部门").0)
        }
        _ => unreachable!(),
    }
}

#[test]
fn rows_with_wrapped_text_have_heights_and_long_goals_get_taller_rows() {
    for d in DOCS {
        let book = book(d.path);
        for sheet in &book.sheets {
            let at = format!("{} {:?}", book.rel, sheet.name);
            for (&pos, v) in &sheet.values {
                if let Data::String(s) = v {
                    assert!(
                        sheet.wraps[&pos],
                        "{at} {}: text {s:?} does not wrap",
                        a1(pos)
                    );
                }
                assert!(
                    sheet.row_height(pos.0).is_some(),
                    "{at}: row {} holds wrapped text but has no height: {:?}",
                    pos.0 + 1,
                    sheet.row_tag(pos.0)
                );
            }
        }
    }

    let mut tallest = 0.0f64;
    for (pdf, _) in PER_PROJECT {
        let book = book(pdf);
        for sheet in &book.sheets {
            let at = format!("{} {:?}", book.rel, sheet.name);
            let (goal, short) = goal_and_short_row(pdf, sheet);
            let text = match sheet.value(goal) {
                Data::String(s) => s.clone(),
                other => panic!("{at}: goal cell {other:?}"),
            };
            let goal_ht = sheet.row_height(goal.0).unwrap();
            let short_ht = sheet.row_height(short).unwrap();
            let merge = sheet
                .merge_at(goal)
                .unwrap_or_else(|| panic!("{at}: the goal cell is merged"));
            assert_eq!(merge.start.0, merge.end.0, "{at}: goal merged over one row");
            let widths = sheet.column_widths();
            let chars: f64 = (merge.start.1..=merge.end.1).map(|c| widths[&c]).sum();
            let lines = min_lines(&text, chars);
            // 10.5pt text needs at least 12pt per line.
            assert!(
                goal_ht >= lines as f64 * 12.0,
                "{at}: goal of {} characters needs ≥ {lines} lines in {chars:.1} units, row is {goal_ht}pt",
                text.chars().count()
            );
            if lines > 1 {
                assert!(
                    goal_ht > short_ht,
                    "{at}: goal row {goal_ht}pt not taller than a one-line row {short_ht}pt"
                );
            }
            tallest = tallest.max(goal_ht / short_ht);
        }
    }
    assert!(
        tallest >= 3.0,
        "the longest goals take several lines (tallest ratio {tallest})"
    );
}

/// Excel's (and WPS's) maximum row height, in points.
const MAX_ROW_PT: f64 = 409.0;

/// A goal of 5,000 characters — the PDF breaks such a cell across pages and prints it in full
/// (`build_pdf.rs`, `long_content_flows_over_pages_without_loss`) — needs well over 409pt, the
/// tallest row Excel and WPS allow. The writer computes the height and then clamps it to 409pt
/// (`row_pixels` in src/render/xlsx/measure.rs) on a single row, so everything below the first ~29 lines
/// is hidden in Excel. The Anhui self-evaluation's 4-column goal cell overflows from about 650
/// characters on. (Merging the goal over several rows would give it the room.)
#[test]
fn a_goal_taller_than_the_largest_row_is_not_hidden() {
    let goal = long_goal(5000);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let yaml = fs::read_to_string(repo().join("data/2023-kuerle-xinfangju.yaml")).unwrap();
    let first = "目标1：满足信访局办公场所日常水电暖正常运转，维护信访大楼面积2380.4平方米。";
    assert!(
        yaml.contains(first),
        "the corpus still has the goal to lengthen"
    );
    fs::write(
        data.join("2023-kuerle-xinfangju.yaml"),
        yaml.replacen(first, &goal, 1),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = build(&data, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));

    let book = read_book(&out, &xlsx_of(KUERLE_XINFANGJU));
    let sheet = &book.sheets[0];
    let (cell, _) = goal_and_short_row(KUERLE_XINFANGJU, sheet);
    let text = match sheet.value(cell) {
        Data::String(s) => s.clone(),
        other => panic!("goal cell {other:?}"),
    };
    assert!(text.contains(&goal), "the cell holds the whole goal");
    let merge = sheet.merge_at(cell).expect("the goal cell is merged");
    let widths = sheet.column_widths();
    let chars: f64 = (merge.start.1..=merge.end.1).map(|c| widths[&c]).sum();
    let lines = min_lines(&text, chars);
    let rows: Vec<f64> = (merge.start.0..=merge.end.0)
        .map(|r| sheet.row_height(r).expect("row height"))
        .collect();
    assert!(
        rows.iter().all(|&h| h <= MAX_ROW_PT),
        "no row is taller than Excel allows: {rows:?}"
    );
    let room: f64 = rows.iter().sum();
    assert!(
        room >= lines as f64 * 12.0,
        "the goal needs ≥ {lines} lines (≥ {}pt) but its rows give {room}pt ({rows:?}): the rest is hidden",
        lines as f64 * 12.0
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Document properties
// ---------------------------------------------------------------------------------------------

/// The date of the last commit of the sample data file of `department` and `year`, when the
/// checkout is a git work tree that has it.
fn committed_date(department: &str, year: &str) -> Option<(i32, u8, u8)> {
    let file = fs::read_dir(repo().join("data"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            let text = fs::read_to_string(p).unwrap_or_default();
            text.contains(&format!("部门: {department}\n"))
                && text.contains(&format!("年度: {year}\n"))
        })
        .expect("the department's data file");
    jixiao::workspace::dates::CommitDates::default()
        .dates(std::slice::from_ref(&file))
        .get(&file)
        .copied()
}

#[test]
fn workbook_properties_name_the_table_and_the_department() {
    for d in DOCS {
        let book = book(d.path);
        let p = &book.props;
        let title = p.title.clone().unwrap_or_default();
        assert!(
            title.contains(d.title) && title.matches(d.department).count() == 1,
            "{}: title {title:?} names the table and the department once",
            book.rel
        );
        assert_eq!(
            p.creator.as_deref(),
            Some(d.department),
            "{}: author",
            book.rel
        );
        let (year, _) = d.path.split_once('/').unwrap();
        let stem = Path::new(d.path).file_stem().unwrap().to_str().unwrap();
        let keywords: Vec<&str> = p
            .keywords
            .as_deref()
            .unwrap_or_default()
            .split([';', ','])
            .map(str::trim)
            .collect();
        assert_eq!(keywords, ["预算绩效", stem, year], "{}: keywords", book.rel);
        assert_eq!(
            p.subject.as_deref(),
            Some(format!("{year}年度 {stem}").as_str()),
            "{}: subject",
            book.rel
        );
        // Not the clock (reproducible output): the date of the last commit of the department's
        // data file where the checkout has one, else 1 January after the budget year (README,
        // “日期”; tests/build_dates.rs tests the rule itself).
        let next: i32 = year.parse::<i32>().unwrap() + 1;
        let (y, m, day) = committed_date(d.department, year).unwrap_or((next, 1, 1));
        assert_eq!(
            p.created.as_deref(),
            Some(format!("{y}-{m:02}-{day:02}T00:00:00Z").as_str()),
            "{}: creation time",
            book.rel
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 8. LibreOffice opens and prints every workbook (when installed)
// ---------------------------------------------------------------------------------------------

/// The first of `names` that is an executable file on the `PATH`.
fn on_path(names: &[&'static str]) -> Option<&'static str> {
    let path = std::env::var_os("PATH")?;
    names.iter().copied().find(|name| {
        std::env::split_paths(&path).any(|dir| {
            let exe = dir.join(name);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                fs::metadata(&exe).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            }
            #[cfg(not(unix))]
            exe.is_file()
        })
    })
}

/// Runs `cmd`, killing it (and the processes it started: `soffice` is a wrapper around
/// `soffice.bin`) after `limit`. Returns its exit status and output.
fn run_with_timeout(mut cmd: Command, limit: Duration) -> (std::process::ExitStatus, String) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let file = fs::File::create(&log).unwrap();
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .expect("start soffice");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, fs::read_to_string(&log).unwrap_or_default());
        }
        if start.elapsed() > limit {
            // The child leads its own process group: end that group only.
            #[cfg(unix)]
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "soffice took longer than {limit:?}:\n{}",
                fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The pages of a PDF: `/Type /Page` objects (LibreOffice does not compress them).
fn pdf_pages(bytes: &[u8]) -> Vec<(f64, f64)> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    for obj in text.split("endobj") {
        let compact: String = obj.split_whitespace().collect::<Vec<_>>().join(" ");
        let is_page = (compact.contains("/Type /Page") && !compact.contains("/Type /Pages"))
            || (compact.contains("/Type/Page") && !compact.contains("/Type/Pages"));
        if !is_page {
            continue;
        }
        let size = compact.split("/MediaBox").nth(1).and_then(|s| {
            let s = s.trim_start().strip_prefix('[')?;
            let nums: Vec<f64> = s[..s.find(']')?]
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            (nums.len() == 4).then(|| (nums[2] - nums[0], nums[3] - nums[1]))
        });
        out.push(size.unwrap_or((0.0, 0.0)));
    }
    out
}

/// Opens every corpus workbook in a real spreadsheet application: LibreOffice converts each to
/// PDF, which must have A4 pages in the style's orientation, at least one per sheet.
///
/// CI (`.ci/run`) does not install LibreOffice, so there this test only prints that it was
/// skipped; it runs wherever `soffice` is on the PATH.
#[test]
fn libreoffice_converts_every_workbook_to_a4_pages() {
    let Some(soffice) = on_path(&["soffice", "libreoffice"]) else {
        println!("soffice not installed: skipped");
        return;
    };
    let c = built_corpus();
    let dir = tempfile::tempdir().unwrap();
    let (inputs, outdir, profile) = (
        dir.path().join("in"),
        dir.path().join("out"),
        dir.path().join("profile"),
    );
    fs::create_dir_all(&inputs).unwrap();
    // Two documents share a file name: copy them under distinct names.
    let mut files: Vec<(PathBuf, &Doc)> = Vec::new();
    for (i, d) in DOCS.iter().enumerate() {
        let name = format!(
            "{i}-{}",
            Path::new(d.path)
                .with_extension("xlsx")
                .file_name()
                .unwrap()
                .to_string_lossy()
        );
        let to = inputs.join(name);
        fs::copy(c.out.join(xlsx_of(d.path)), &to).unwrap();
        files.push((to, d));
    }
    let mut cmd = Command::new(soffice);
    // A private profile, so that parallel runs (and a running LibreOffice) do not clash.
    cmd.arg(format!(
        "-env:UserInstallation=file://{}",
        profile.display()
    ))
    .args([
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
    ])
    .arg(&outdir)
    .args(files.iter().map(|(p, _)| p));
    let (status, log) = run_with_timeout(cmd, Duration::from_secs(300));
    assert!(status.success(), "soffice failed ({status}):\n{log}");
    for (input, d) in &files {
        let pdf = outdir.join(input.with_extension("pdf").file_name().unwrap());
        let bytes = fs::read(&pdf)
            .unwrap_or_else(|e| panic!("{}: no PDF from LibreOffice ({e}):\n{log}", d.path));
        let pages = pdf_pages(&bytes);
        let sheets = book(d.path).sheets.len();
        assert!(
            !pages.is_empty() && pages.len() >= sheets,
            "{}: {} pages for {sheets} sheets",
            d.path,
            pages.len()
        );
        for (n, (w, h)) in pages.iter().enumerate() {
            let (short, long) = if w < h { (*w, *h) } else { (*h, *w) };
            assert!(
                (short - 595.3).abs() < 2.0 && (long - 841.9).abs() < 2.0,
                "{} page {}: {w} x {h} is not A4",
                d.path,
                n + 1
            );
            assert_eq!(w > h, d.landscape, "{} page {}: orientation", d.path, n + 1);
        }
    }
}
