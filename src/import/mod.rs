//! `jixiao import`: data files from spreadsheets.
//!
//! Two kinds of workbook come in:
//!
//! - **jixiao's own xlsx twins** ([`twin`]), edited in Excel or WPS: the twin carries, on a
//!   hidden sheet, the department's data and the data path of every cell that came from it, so
//!   the edits of those cells come back, and rows inserted in an indicator grid become new
//!   indicators by the grid's columns in the style;
//! - **flat sheets** exported by budget systems ([`flat`]): one row per indicator, columns found
//!   by their header text (`templates/import.yaml`), merged and blank continuation cells filled
//!   down.
//!
//! Either way the result is a [`crate::model::Department`] per department, written in the
//! documented format ([`crate::yaml_out`]) and checked like any data file. A cell that cannot be
//! mapped is reported by its `工作表!单元格`, never dropped silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::{Data, DataType, Reader};
use rust_decimal::Decimal;
use serde_saphyr::{Location, Spanned};

use crate::model::Department;

pub mod budget;
pub mod flat;
pub mod twin;

pub use budget::Budget;
use budget::Fault;

/// A value with no position (made by the importer, not read from a file).
pub fn sp<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Location::UNKNOWN, Location::UNKNOWN)
}

/// A text value with no position.
pub fn text(s: impl Into<String>) -> crate::model::Text {
    sp(s.into())
}

/// The texts an imported indicator keeps by key: the catalogue's (描述), then the style's
/// declared fields, each read by `get` under its key where the sheet has it.
pub fn indicator_texts(
    style: &crate::style::LoadedStyle,
    get: impl Fn(&str) -> Option<String>,
) -> Vec<(crate::model::Text, crate::model::Text)> {
    crate::fields::stored_texts(crate::fields::Level::Indicator)
        .map(|f| f.key.to_string())
        .chain(
            style
                .style
                .fields
                .indicator
                .iter()
                .map(|f| f.key.value.clone()),
        )
        .filter_map(|k| get(&k).map(|v| (text(k), text(v))))
        .collect()
}

/// One thing the importer could not take over, at its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The workbook file.
    pub file: PathBuf,
    /// `工作表!A1`, or the sheet alone, or empty for the whole workbook.
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if self.at.is_empty() {
            write!(f, "{name}：{}", self.message)
        } else {
            write!(f, "{name} {}：{}", self.at, self.message)
        }
    }
}

/// The notes of one workbook: the first [`budget::NOTES`] kept, the rest counted.
#[derive(Debug, Clone)]
pub struct Notes {
    file: PathBuf,
    kept: Vec<Note>,
    more: usize,
}

impl Notes {
    pub fn new(file: &Path) -> Notes {
        Notes {
            file: file.to_path_buf(),
            kept: Vec::new(),
            more: 0,
        }
    }

    /// One more thing that could not be taken over, at `at`.
    pub fn push(&mut self, at: String, message: String) {
        if self.kept.len() < budget::NOTES {
            self.kept.push(Note {
                file: self.file.clone(),
                at,
                message,
            });
        } else {
            self.more = self.more.saturating_add(1);
        }
    }

    /// The notes as listed: the kept ones, and one line for the rest.
    pub fn to_vec(&self) -> Vec<Note> {
        let mut out = self.kept.clone();
        if self.more > 0 {
            out.push(Note {
                file: self.file.clone(),
                at: String::new(),
                message: format!("另有 {} 处未能对应的内容未列出", self.more),
            });
        }
        out
    }
}

/// A department read from a workbook, with where it came from.
pub struct Imported {
    pub department: Department,
    /// The workbook and the sheets it was read from.
    pub source: PathBuf,
    pub sheets: Vec<String>,
    /// What was not taken over (also written as comments at the top of the file).
    pub notes: Vec<Note>,
    /// `true` for a jixiao twin (the file it should replace is the department's own).
    pub twin: bool,
    /// A twin's data file name.
    pub file_name: Option<String>,
    /// A twin's data as it was built (`yaml_out::department` of it), to tell whether the data
    /// file changed since.
    pub carried: Option<String>,
    /// What was taken over from edited cells, for the report.
    pub changes: Vec<String>,
}

/// `A1` for a zero-based `(row, column)`.
pub fn a1(row: u32, col: u32) -> String {
    let mut c = col + 1;
    let mut letters = Vec::new();
    while c > 0 {
        let r = (c - 1) % 26;
        letters.push((b'A' + r as u8) as char);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", letters.into_iter().collect::<String>(), row + 1)
}

/// `工作表!A1`, quoting the sheet name as Excel does when it has spaces or punctuation.
pub fn cell_ref(sheet: &str, row: u32, col: u32) -> String {
    format!("{sheet}!{}", a1(row, col))
}

/// `d` with at least `decimals` decimals (so `20` shown as `20.00` reads `20.00`), at most the
/// data's 6.
pub fn pad(d: Decimal, decimals: u32) -> Decimal {
    let mut d = d;
    let want = decimals.min(crate::model::MAX_DECIMALS as u32);
    if d.scale() < want {
        d.rescale(want);
    }
    d
}

/// A number within the data's limits (at most 6 decimals, below 10¹²), or why not.
pub fn data_number(d: Decimal) -> Result<Decimal, String> {
    let s = d.to_string();
    crate::model::parse_amount(&s).map_err(|e| e.message(&s))
}

/// What a number format says about how a number is shown: decimals, percent, thousands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shown {
    pub decimals: u32,
    pub percent: bool,
    pub general: bool,
}

/// Reads the simple number formats (`0`, `0.00`, `#,##0.00`, `0.0%`, `General`); anything
/// else is shown like General.
pub fn shown(code: Option<&str>) -> Shown {
    let Some(code) = code else {
        return Shown {
            general: true,
            ..Shown::default()
        };
    };
    let first = code.split(';').next().unwrap_or("");
    if first.eq_ignore_ascii_case("general") || first.is_empty() || first == "@" {
        return Shown {
            general: true,
            ..Shown::default()
        };
    }
    let percent = first.contains('%');
    let decimals = first
        .split_once('.')
        .map(|(_, frac)| frac.chars().take_while(|c| *c == '0' || *c == '#').count() as u32)
        .unwrap_or(0);
    Shown {
        decimals,
        percent,
        general: false,
    }
}

/// A cell of a sheet: what it shows, and the exact number behind it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    /// The text as the spreadsheet shows it (a number formatted by its number format).
    pub text: String,
    /// The number, when the cell holds one (a percentage cell holds its fraction: 0.95).
    pub number: Option<Decimal>,
    /// Where the value really is, when the cell is covered by a merged range.
    pub merged_from: Option<(u32, u32)>,
}

/// One worksheet read for import: every non-empty cell by `(row, column)`, merged ranges filled
/// from their top-left cell.
pub struct Sheet {
    pub name: String,
    pub cells: BTreeMap<(u32, u32), Cell>,
    pub merges: Vec<((u32, u32), (u32, u32))>,
    pub hidden: bool,
    /// Hidden so that a spreadsheet program's “unhide” does not offer it (Excel's very
    /// hidden), as `jixiao build` writes the data sheet.
    pub very_hidden: bool,
    /// Formulas (without `=`) by position.
    pub formulas: BTreeMap<(u32, u32), String>,
}

impl Sheet {
    pub fn get(&self, r: u32, c: u32) -> Option<&Cell> {
        self.cells.get(&(r, c))
    }

    /// The text of a cell, empty when there is none.
    pub fn text(&self, r: u32, c: u32) -> &str {
        self.get(r, c).map_or("", |x| x.text.as_str())
    }

    pub fn last_row(&self) -> u32 {
        self.cells.keys().map(|k| k.0).max().unwrap_or(0)
    }

    pub fn last_col(&self) -> u32 {
        self.cells.keys().map(|k| k.1).max().unwrap_or(0)
    }
}

/// The text of a calamine value as shown with `fmt`.
fn display(v: &Data, fmt: Shown) -> (String, Option<Decimal>) {
    match v {
        Data::Empty => (String::new(), None),
        Data::String(s) => (s.clone(), None),
        Data::Bool(b) => (if *b { "是" } else { "否" }.to_string(), None),
        Data::Int(i) => {
            let d = Decimal::from(*i);
            (number_text(d, fmt), Some(shown_number(d, fmt)))
        }
        Data::Float(f) => match crate::excel::decimal_of_float(*f) {
            Some(d) => (number_text(d, fmt), Some(shown_number(d, fmt))),
            None => (f.to_string(), None),
        },
        Data::DateTime(dt) => (date_text(dt.as_f64()), None),
        Data::DateTimeIso(s) | Data::DurationIso(s) => (s.clone(), None),
        Data::Error(e) => (format!("#{e:?}"), None),
    }
}

/// The number of a cell with the trailing zeros its format shows (`20` shown `20.00`); a
/// percentage keeps its fraction.
fn shown_number(d: Decimal, fmt: Shown) -> Decimal {
    if fmt.percent { d } else { pad(d, fmt.decimals) }
}

/// A number as shown: a percentage times 100 with `%`, fixed decimals where the format fixes
/// them (never fewer than the number has), else the number as it is.
pub fn number_text(d: Decimal, fmt: Shown) -> String {
    if fmt.percent {
        let p = d.checked_mul(Decimal::ONE_HUNDRED).unwrap_or(d).normalize();
        return format!("{}%", pad(p, fmt.decimals));
    }
    pad(d, fmt.decimals).to_string()
}

/// An Excel date serial as `2023年1月10日` (the 1900 system; a time of day is dropped).
fn date_text(serial: f64) -> String {
    // Excel's dates run from serial 1 (1900-01-01) to 2958465 (9999-12-31).
    if !(1.0..2_958_466.0).contains(&serial) {
        return serial.to_string();
    }
    let serial = serial.floor() as i64;
    // Serial 1 is 1900-01-01; Excel counts a 1900-02-29 (serial 60) that did not exist.
    let unix_days = if serial >= 61 {
        serial - 25_569
    } else {
        serial - 25_568
    };
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = unix_days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y}年{m}月{d}日")
}

/// A workbook read for import: its sheets, and the sheets that could not be read, with why.
pub struct Workbook {
    pub sheets: Vec<Sheet>,
    pub unreadable: Vec<(String, String)>,
}

/// The cells of one sheet as read: `((row, column), value, number format)` for the
/// non-empty cells, and the formulas by position.
type SheetCells = (
    Vec<((u32, u32), Data, Option<String>)>,
    Vec<((u32, u32), String)>,
);

/// Reads every worksheet of a workbook (xlsx, xls, xlsb, ods) within the budgets of
/// [`budget`]: the file, a zip package's members and an xls's records are measured before the
/// reader opens them, and an xlsx or xlsb sheet is read cell by cell, never as a grid of its
/// used area.
pub fn read_workbook(path: &Path, budget: &Budget) -> Result<Workbook, String> {
    let bytes = budget::read_file(path)?;
    budget::check_package(path, &bytes, budget)?;
    budget::check_xls(path, &bytes, budget)?;
    budget.check(path, "打开表格")?;
    let cannot = |e: &dyn std::fmt::Display| {
        format!(
            "无法打开 {}：{e}（只能导入 .xlsx、.xls、.xlsb、.ods 文件；文件损坏时请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入）",
            path.display()
        )
    };
    let data = std::io::Cursor::new(bytes.as_slice());
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mut book: calamine::Sheets<std::io::Cursor<&[u8]>> = match ext.as_str() {
        "xlsx" | "xlsm" | "xlam" => calamine::Sheets::Xlsx(
            calamine::open_workbook_from_rs(data).map_err(|e: calamine::XlsxError| cannot(&e))?,
        ),
        "xlsb" => calamine::Sheets::Xlsb(
            calamine::open_workbook_from_rs(data).map_err(|e: calamine::XlsbError| cannot(&e))?,
        ),
        "xls" | "xla" => calamine::Sheets::Xls(
            calamine::open_workbook_from_rs(data).map_err(|e: calamine::XlsError| cannot(&e))?,
        ),
        "ods" => calamine::Sheets::Ods(
            calamine::open_workbook_from_rs(data).map_err(|e: calamine::OdsError| cannot(&e))?,
        ),
        _ => calamine::open_workbook_auto_from_rs(data).map_err(|e| cannot(&e))?,
    };
    let metadata: Vec<(String, calamine::SheetVisible)> = book
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible))
        .collect();
    let mut count = budget::CellCount::default();
    let mut out = Vec::new();
    let mut unreadable = Vec::new();
    for (name, visible) in metadata {
        let hidden = visible != calamine::SheetVisible::Visible;
        let very_hidden = visible == calamine::SheetVisible::VeryHidden;
        budget.check(path, &format!("读工作表“{name}”"))?;
        let read: Result<SheetCells, Fault> = match &mut book {
            calamine::Sheets::Xlsx(x) => read_xlsx(x, path, &name, &mut count, budget),
            calamine::Sheets::Xlsb(x) => read_xlsb(x, path, &name, &mut count, budget),
            other => read_range(other, path, &name, &mut count),
        };
        let (values, formula_cells) = match read {
            Ok(r) => r,
            // A budget refuses the whole workbook; a sheet the reader cannot read is listed.
            Err(Fault::Refused(e)) => return Err(e),
            Err(Fault::Unread(e)) => {
                unreadable.push((name, e));
                continue;
            }
        };
        let merges = match &mut book {
            calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            calamine::Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut cells = BTreeMap::new();
        for (pos, v, code) in values {
            let (text, number) = display(&v, shown(code.as_deref()));
            if text.is_empty() {
                continue;
            }
            budget::cell_text(path, &name, pos.0, pos.1, &text)?;
            cells.insert(
                pos,
                Cell {
                    text,
                    number,
                    merged_from: None,
                },
            );
        }
        let merges: Vec<((u32, u32), (u32, u32))> =
            merges.iter().map(|d| (d.start, d.end)).collect();
        // A merged range shows its top-left value over the whole range; the cells it covers
        // count against the budget before any is filled.
        for &(s, e) in &merges {
            if e.0 < s.0 || e.1 < s.1 {
                continue;
            }
            let area = (u64::from(e.0 - s.0) + 1).saturating_mul(u64::from(e.1 - s.1) + 1);
            count.add(path, area.saturating_sub(1))?;
            if let Some(anchor) = cells.get(&s) {
                count.cell(path, &name, e, true)?;
                let copies = area.saturating_sub(1);
                count.text(
                    path,
                    &name,
                    s,
                    copies.saturating_mul(anchor.text.len() as u64),
                )?;
            }
        }
        for &(s, e) in &merges {
            let Some(anchor) = cells.get(&s).cloned() else {
                continue;
            };
            for r in s.0..=e.0 {
                for c in s.1..=e.1 {
                    if (r, c) != s {
                        cells.insert(
                            (r, c),
                            Cell {
                                merged_from: Some(s),
                                ..anchor.clone()
                            },
                        );
                    }
                }
            }
        }
        let formulas: BTreeMap<(u32, u32), String> = formula_cells
            .into_iter()
            .filter(|(_, f)| !f.is_empty())
            .collect();
        out.push(Sheet {
            name,
            cells,
            merges,
            hidden,
            very_hidden,
            formulas,
        });
    }
    Ok(Workbook {
        sheets: out,
        unreadable,
    })
}

/// The bytes of text a cell value holds (what copying it costs beyond the value itself).
fn text_bytes(v: &impl DataType) -> u64 {
    v.get_string()
        .or_else(|| v.get_datetime_iso())
        .or_else(|| v.get_duration_iso())
        .map_or(0, |s| s.len() as u64)
}

/// Budget checks while a sheet's cells are read, every this many cells.
const CHECK_EVERY: usize = 4096;

/// An xlsx sheet, cell by cell (calamine's `worksheet_range` would allocate the whole used
/// area: two cells at A1 and XFD1048576 are 17 billion cells).
fn read_xlsx(
    x: &mut calamine::Xlsx<std::io::Cursor<&[u8]>>,
    path: &Path,
    name: &str,
    count: &mut budget::CellCount,
    budget: &Budget,
) -> Result<SheetCells, Fault> {
    let unread = |e: calamine::XlsxError| Fault::Unread(e.to_string());
    let mut ids: Vec<((u32, u32), Data, usize)> = Vec::new();
    {
        let mut reader = x.worksheet_cells_reader(name).map_err(unread)?;
        let mut n = 0usize;
        while let Some((cell, style)) = reader.next_cell_with_style_id().map_err(unread)? {
            // Measured before it is copied: a shared string is one text for many cells.
            let value = cell.get_value();
            count.cell(path, name, cell.get_position(), !value.is_empty())?;
            count.text(path, name, cell.get_position(), text_bytes(value))?;
            let v: Data = value.clone().into();
            n += 1;
            if n.is_multiple_of(CHECK_EVERY) {
                budget.check(path, &format!("读工作表“{name}”"))?;
            }
            if !v.is_empty() {
                ids.push((cell.get_position(), v, style));
            }
        }
    }
    // The sheet was counted above, so its style runs and formulas are as bounded.
    let styles = x.worksheet_style(name).ok();
    let values = ids
        .into_iter()
        .map(|(pos, v, _)| {
            let code = styles
                .as_ref()
                .and_then(|s| s.get(pos))
                .and_then(|s| s.number_format.as_ref())
                .map(|n| n.format_code.clone());
            (pos, v, code)
        })
        .collect();
    let mut formulas = Vec::new();
    if let Ok(mut reader) = x.worksheet_cells_reader(name) {
        while let Ok(Some(f)) = reader.next_formula() {
            if !f.get_value().is_empty() {
                formulas.push((f.get_position(), f.get_value().clone()));
            }
        }
    }
    Ok((values, formulas))
}

/// An xlsb sheet, cell by cell.
fn read_xlsb(
    x: &mut calamine::Xlsb<std::io::Cursor<&[u8]>>,
    path: &Path,
    name: &str,
    count: &mut budget::CellCount,
    budget: &Budget,
) -> Result<SheetCells, Fault> {
    let unread = |e: calamine::XlsbError| Fault::Unread(e.to_string());
    let mut values = Vec::new();
    {
        let mut reader = x.worksheet_cells_reader(name).map_err(unread)?;
        let mut n = 0usize;
        while let Some(cell) = reader.next_cell().map_err(unread)? {
            let value = cell.get_value();
            count.cell(path, name, cell.get_position(), !value.is_empty())?;
            count.text(path, name, cell.get_position(), text_bytes(value))?;
            let v: Data = value.clone().into();
            n += 1;
            if n.is_multiple_of(CHECK_EVERY) {
                budget.check(path, &format!("读工作表“{name}”"))?;
            }
            if !v.is_empty() {
                values.push((cell.get_position(), v, None));
            }
        }
    }
    let mut formulas = Vec::new();
    if let Ok(mut reader) = x.worksheet_cells_reader(name) {
        while let Ok(Some(f)) = reader.next_formula() {
            if !f.get_value().is_empty() {
                formulas.push((f.get_position(), f.get_value().clone()));
            }
        }
    }
    Ok((values, formulas))
}

/// An xls or ods sheet, from the grid calamine read when it opened the file (these formats
/// are read whole at opening). Both were measured before they were opened: an ods by
/// [`budget`]'s `content.xml` scan, an xls by its scan of the `Workbook` stream
/// ([`budget::check_xls`]: the grids over the cells' positions, `DIMENSIONS`, shared strings).
fn read_range(
    book: &mut calamine::Sheets<std::io::Cursor<&[u8]>>,
    path: &Path,
    name: &str,
    count: &mut budget::CellCount,
) -> Result<SheetCells, Fault> {
    let range = book
        .worksheet_range(name)
        .map_err(|e| Fault::Unread(e.to_string()))?;
    let start = range.start().unwrap_or((0, 0));
    let mut values = Vec::new();
    for (r, c, v) in range.used_cells() {
        let pos = (
            start.0.saturating_add(r as u32),
            start.1.saturating_add(c as u32),
        );
        count.cell(path, name, pos, true)?;
        count.text(path, name, pos, text_bytes(v))?;
        values.push((pos, v.clone(), None));
    }
    let mut formulas = Vec::new();
    if let Ok(f) = book.worksheet_formula(name) {
        let fs = f.start().unwrap_or((0, 0));
        for (r, c, v) in f.used_cells() {
            formulas.push((
                (fs.0.saturating_add(r as u32), fs.1.saturating_add(c as u32)),
                v.clone(),
            ));
        }
    }
    Ok((values, formulas))
}

/// What `import` is asked to do with a workbook.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The style of a flat sheet (a twin knows its own).
    pub style: Option<String>,
    /// The department of a flat sheet without a 部门 column.
    pub department: Option<String>,
    /// The year of a flat sheet without a 年度 column.
    pub year: Option<u32>,
    /// The unit of a flat sheet's amounts where the sheet does not say (`--unit`); also decides
    /// where the sheet's statements disagree.
    pub unit: Option<flat::Unit>,
    /// The time one workbook may take (default [`budget::SECONDS`]).
    pub time_limit: Option<std::time::Duration>,
    /// Where the data files are written: a twin's edits go onto its data file there.
    pub data_dir: Option<PathBuf>,
}

/// Reads one workbook: a jixiao twin when it carries the hidden data sheet, else flat sheets.
pub fn import_workbook(
    path: &Path,
    options: &Options,
    styles: &crate::style::Styles,
    synonyms: &flat::Synonyms,
) -> Result<Vec<Imported>, String> {
    let budget = Budget::new(options.time_limit);
    let book = read_workbook(path, &budget)?;
    if let Some(data) = book.sheets.iter().find(|s| s.name == twin::DATA_SHEET) {
        return twin::import(
            path,
            &book.sheets,
            data,
            styles,
            &budget,
            options.data_dir.as_deref(),
        )
        .map(|d| vec![d]);
    }
    flat::import(path, &book, options, styles, synonyms, &budget)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_keep_the_shown_decimals() {
        assert_eq!(pad(Decimal::from(20), 2).to_string(), "20.00");
        assert_eq!(number_text(Decimal::new(95, 2), shown(Some("0%"))), "95%");
        assert_eq!(
            number_text(Decimal::new(9385, 4), shown(Some("0.00%"))),
            "93.85%"
        );
        assert_eq!(
            number_text(Decimal::new(2, 0), shown(Some("#,##0.00"))),
            "2.00"
        );
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(9, 27), "AB10");
        assert_eq!(date_text(45_000.0), "2023年3月15日");
        assert_eq!(date_text(1.0), "1900年1月1日");
        assert!(!date_text(1e300).contains('年'));
        assert!(!date_text(-5.0).contains('年'));
    }
}
