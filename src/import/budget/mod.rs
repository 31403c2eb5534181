//! What one workbook may cost `jixiao import`: a workbook arrives by e-mail and is trusted in
//! nothing, so its size is measured before anything is built from it.
//!
//! - the file itself: at most [`FILE_BYTES`], a regular file (never a FIFO or a device);
//! - a zip package (xlsx, xlsb, ods): at most [`MEMBERS`] members, each declaring at most
//!   [`MEMBER_BYTES`] uncompressed and all together at most [`TOTAL_BYTES`]. Every member is
//!   decompressed once before the reader sees it: the `zip` crate stops a member that grows
//!   past the size its header declares (`Crc32Reader`'s size limit), so a header that lies
//!   ends here, named, and the declared sizes bound what is read later;
//! - the shared-string table: at most [`SHARED_STRINGS`] strings and [`SHARED_BYTES`] of text;
//! - an xlsx style table (`styles.xml`): values of at most [`STYLE_VALUE_BYTES`], at most
//!   [`STYLE_RECORDS`] fonts, number formats and cell formats each, and at most [`STYLE_BYTES`]
//!   as the reader builds it (it gives every cell format its own copy of its font and number
//!   format, so the cost is cell formats × the largest font and format);
//! - an ods's sheets (`content.xml`), before the reader opens it: the cells its repeated rows and
//!   columns expand to, counted as the reader materialises them (the usual empty columns at a
//!   row's end and empty rows at a sheet's end cost nothing), within [`CELLS`], and their text
//!   within [`TEXT_BYTES`];
//! - a `.xls` (BIFF records in a compound file), before the reader opens it ([`check_xls`]):
//!   the grids the reader builds over each sheet's cells' positions within [`CELLS`], the room
//!   a `DIMENSIONS` record reserves within [`CELLS`], its cells and their text as below, its
//!   shared strings as above and at most [`XLS_CONTINUES`] `CONTINUE` records after them, and
//!   a container whose sector chains neither loop nor leave the file;
//! - a cell: at most [`CELL_CHARS`] characters (Excel's own limit);
//! - a workbook: cells up to row [`ROWS`], at most [`CELLS`] cells in all (merged ranges count
//!   the cells they cover), read without a dense grid of its used area, and at most
//!   [`TEXT_BYTES`] of text in all its cells (a shared string counts once for every cell that
//!   shows it, a merged range's text once for every cell it covers), counted before the text
//!   is copied;
//! - the notes of what could not be taken over: [`NOTES`], then one line for the rest;
//! - the time of one workbook's import ([`Budget`]): checked between phases and rows.

mod ods;
mod xls;

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::excel::CELL_CHARS;
use ods::ods_content;
pub use xls::check as check_xls;

/// The largest workbook file read.
pub const FILE_BYTES: u64 = 64 << 20;
/// The most members of a zip package.
pub const MEMBERS: usize = 10_000;
/// The largest uncompressed member of a zip package.
pub const MEMBER_BYTES: u64 = 128 << 20;
/// The largest uncompressed zip package.
pub const TOTAL_BYTES: u64 = 256 << 20;
/// The most strings of a shared-string table.
pub const SHARED_STRINGS: usize = 2_000_000;
/// The most text of a shared-string table, in bytes (UTF-8).
pub const SHARED_BYTES: u64 = 64 << 20;
/// The longest value (attribute or text, in bytes as written) among an xlsx style table's
/// fonts, number formats and cell formats: a font name has at most 31 characters, a number
/// format 255.
pub const STYLE_VALUE_BYTES: usize = 4096;
/// The most fonts, number formats and cell formats, each, of an xlsx style table (Excel
/// itself allows 65,490 cell formats).
pub const STYLE_RECORDS: usize = 65_536;
/// The most memory an xlsx style table may cost as the reader builds it.
pub const STYLE_BYTES: u64 = 64 << 20;
/// The most text of all cells of a workbook together, in bytes (UTF-8), each cell counted
/// with the text it shows.
pub const TEXT_BYTES: u64 = 64 << 20;
/// The last row read (one-based); a cell below it refuses the workbook.
pub const ROWS: u32 = 100_000;
/// The most cells of a workbook, merged ranges counted by the cells they cover.
pub const CELLS: usize = 2_000_000;
/// The most `CONTINUE` records after a `.xls` shared-string table (SST): calamine moves the
/// rest of the list at every one, so their cost grows with their square (a legitimate table
/// of [`SHARED_BYTES`] takes about 8,200).
pub const XLS_CONTINUES: usize = 16_384;
/// The most notes listed; the rest are counted in one line.
pub const NOTES: usize = 200;
/// The time one workbook may take by default.
pub const SECONDS: u64 = 120;

/// `n` bytes as people read them (`64 MB`).
fn mb(n: u64) -> String {
    format!("{} MB", n >> 20)
}

/// The wall-clock budget of one workbook's import.
#[derive(Debug, Clone)]
pub struct Budget {
    start: Instant,
    limit: Duration,
}

impl Budget {
    pub fn new(limit: Option<Duration>) -> Budget {
        Budget {
            start: Instant::now(),
            limit: limit.unwrap_or(Duration::from_secs(SECONDS)),
        }
    }

    /// `Err` once the time is up, saying where the import was.
    pub fn check(&self, path: &Path, phase: &str) -> Result<(), String> {
        if self.start.elapsed() <= self.limit {
            return Ok(());
        }
        Err(format!(
            "导入 {} 用时超过上限（{} 秒），在{phase}时停止，没有写入任何文件。表格可能过大或结构异常：\
             可以拆成几个文件分别导入，或用 --time-limit <秒> 放宽上限",
            path.display(),
            seconds(self.limit)
        ))
    }
}

/// A duration as seconds, without needless decimals.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}

/// The bytes of a workbook file, when it is a regular file within [`FILE_BYTES`] (read through
/// the one budgeted input read: a FIFO or device is refused without blocking).
pub fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    use crate::write::FsError;
    match crate::write::policy::read_input(path, FILE_BYTES) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(format!(
            "无法打开 {}：文件不存在；请检查文件名和所在的文件夹",
            path.display()
        )),
        Err(FsError::TooLarge(..)) => Err(format!(
            "{} 超过导入的上限 {}，没有读取；请把表格拆成几个文件分别导入",
            path.display(),
            mb(FILE_BYTES)
        )),
        Err(e @ (FsError::Special(..) | FsError::WrongKind(..))) => {
            Err(format!("{e}，没有读取；请给出表格文件"))
        }
        Err(e) => Err(format!("无法打开 {e}")),
    }
}

/// Checks a zip package (xlsx, xlsb, ods) against the budgets before any reader builds
/// anything from it; other files pass unchanged.
pub fn check_package(path: &Path, bytes: &[u8], budget: &Budget) -> Result<(), String> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(());
    }
    let broken = |why: String| {
        format!(
            "{} 不是完好的表格文件（{why}），无法导入；请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入",
            path.display()
        )
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| broken(format!("压缩包读不出：{e}")))?;
    if zip.len() > MEMBERS {
        return Err(format!(
            "{} 中有 {} 个部件，超过导入的上限 {MEMBERS}，没有导入",
            path.display(),
            zip.len()
        ));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let (name, declared) = {
            let m = zip
                .by_index_raw(i)
                .map_err(|e| broken(format!("第 {} 个部件读不出：{e}", i + 1)))?;
            (member_name(&m, i), m.size())
        };
        if declared > MEMBER_BYTES {
            return Err(too_big(path, &name, declared));
        }
        total = total.saturating_add(declared);
        if total > TOTAL_BYTES {
            return Err(format!(
                "{} 解压后超过 {}（导入的上限），没有导入；这样的文件通常是被构造的“压缩炸弹”，请向发来文件的人核实",
                path.display(),
                mb(TOTAL_BYTES)
            ));
        }
    }
    for i in 0..zip.len() {
        budget.check(path, "检查压缩包")?;
        let mut m = zip
            .by_index(i)
            .map_err(|e| broken(format!("第 {} 个部件读不出：{e}", i + 1)))?;
        let name = member_name(&m, i);
        let declared = m.size();
        // Each part a reader builds much from is measured as it is read: the shared strings
        // and an xlsx style table (any `styles.xml`: the workbook names its own folder), and an
        // ods's sheets (`content.xml`). calamine finds a part whatever the case of its name
        // and with `\` for `/`, so the names are compared so too.
        let normal = name.replace('\\', "/").to_ascii_lowercase();
        let read = match normal.rsplit('/').next().unwrap_or("") {
            "sharedstrings.xml" => shared_strings(path, &mut m),
            "styles.xml" => style_table(path, &name, &mut m),
            "content.xml" if normal == "content.xml" => ods_content(path, &mut m),
            _ => std::io::copy(&mut m, &mut std::io::sink())
                .map(|_| ())
                .map_err(|e| Fault::Unread(e.to_string())),
        };
        // The zip reader refuses more bytes than the header declared.
        match read {
            Ok(()) => {}
            Err(Fault::Refused(e)) => return Err(e),
            Err(Fault::Unread(e)) => {
                return Err(format!(
                    "{} 中的部件 {name} 读不出（{e}；头信息声明解压后 {declared} 字节），没有导入。文件可能已损坏或被篡改",
                    path.display()
                ));
            }
        }
    }
    Ok(())
}

/// A member's name for a message (its index when the name is not readable).
fn member_name<R: Read>(m: &zip::read::ZipFile<'_, R>, i: usize) -> String {
    m.name()
        .map(|n| n.into_owned())
        .unwrap_or_else(|_| format!("第 {} 个", i + 1))
}

fn too_big(path: &Path, name: &str, declared: u64) -> String {
    format!(
        "{} 中的部件 {name} 解压后有 {}，超过导入的上限 {}，没有导入；这样的文件通常是被构造的“压缩炸弹”，请向发来文件的人核实",
        path.display(),
        mb(declared),
        mb(MEMBER_BYTES)
    )
}

/// Counts the shared-string table (`xl/sharedStrings.xml`) against its budgets, streaming.
fn shared_strings(path: &Path, r: impl Read) -> Result<(), Fault> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(r));
    let mut buf = Vec::new();
    let mut count: usize = 0;
    let mut bytes: u64 = 0;
    let mut this: usize = 0;
    let mut inside = false;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            // calamine reserves room for as many strings as the table declares.
            Ok(Event::Start(e)) if e.local_name().as_ref() == "sst" => {
                let declared = e
                    .attributes()
                    .with_checks(false)
                    .flatten()
                    .find(|a| a.key.as_ref() == "uniqueCount")
                    .and_then(|a| a.value.trim().parse::<u64>().ok());
                if let Some(n) = declared.filter(|&n| n > SHARED_STRINGS as u64) {
                    return Err(Fault::Refused(format!(
                        "{} 的共享文字表声明有 {n} 条文字（uniqueCount），超过导入的上限 {SHARED_STRINGS}，没有导入；\
                         这样的文件通常是被构造的，请向发来文件的人核实",
                        path.display()
                    )));
                }
            }
            Ok(Event::Start(e)) if e.local_name().as_ref() == "si" => {
                count += 1;
                this = 0;
                inside = true;
                if count > SHARED_STRINGS {
                    return Err(Fault::Refused(format!(
                        "{} 的共享文字表有超过 {SHARED_STRINGS} 条文字（导入的上限），没有导入",
                        path.display()
                    )));
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "si" => inside = false,
            Ok(Event::Text(t)) if inside => {
                bytes = bytes.saturating_add(t.len() as u64);
                this = this.saturating_add(t.chars().count());
                if this > CELL_CHARS {
                    return Err(Fault::Refused(format!(
                        "{} 的共享文字表中第 {count} 条文字超过 {CELL_CHARS} 个字符（Excel 一格的上限），没有导入；文件可能是被构造的",
                        path.display()
                    )));
                }
                if bytes > SHARED_BYTES {
                    return Err(Fault::Refused(format!(
                        "{} 的共享文字表的文字超过 {}（导入的上限），没有导入",
                        path.display(),
                        mb(SHARED_BYTES)
                    )));
                }
            }
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(Fault::Unread(e.to_string())),
        }
    }
}

/// The bytes of a text-like event as written (an entity reference counted with its `&` and
/// `;`): never less than the text it stands for.
fn written_len(e: &quick_xml::events::Event<'_>) -> usize {
    use quick_xml::events::Event;
    match e {
        Event::Text(t) => t.len(),
        Event::CData(t) => t.len(),
        Event::GeneralRef(r) => r.len().saturating_add(2),
        _ => 0,
    }
}

/// An XML reader that sees the structure as calamine's readers do (an empty element is a
/// start and an end; end names are not checked).
fn xml_reader<R: Read>(r: R) -> quick_xml::Reader<std::io::BufReader<R>> {
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(r));
    let config = xml.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = false;
    xml
}

/// A table of an xlsx style table that calamine builds from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StyleTable {
    Fonts,
    NumFmts,
    CellXfs,
}

impl StyleTable {
    fn of(local: &str) -> Option<StyleTable> {
        match local {
            "fonts" => Some(StyleTable::Fonts),
            "numFmts" => Some(StyleTable::NumFmts),
            "cellXfs" => Some(StyleTable::CellXfs),
            _ => None,
        }
    }

    /// The element of one record of this table.
    fn record(self) -> &'static str {
        match self {
            StyleTable::Fonts => "font",
            StyleTable::NumFmts => "numFmt",
            StyleTable::CellXfs => "xf",
        }
    }

    /// One record, as people call it.
    fn what(self) -> &'static str {
        match self {
            StyleTable::Fonts => "字体",
            StyleTable::NumFmts => "数字格式",
            StyleTable::CellXfs => "单元格格式",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Measures an xlsx style table (`styles.xml`) against [`STYLE_VALUE_BYTES`],
/// [`STYLE_RECORDS`] and [`STYLE_BYTES`], streaming. calamine builds a style per cell format
/// (`cellXfs/xf`) holding a copy of its font (`fonts/font`) and of its number format
/// (`numFmts/numFmt`), so the cost counted is every font and format once, plus the cell
/// formats × (a style + the largest font + the largest format).
fn style_table(path: &Path, part: &str, r: impl Read) -> Result<(), Fault> {
    use quick_xml::events::Event;
    let mut xml = xml_reader(r);
    let mut buf = Vec::new();
    // Inside each table (as calamine's loops are), and inside one of its records.
    let mut inside = [false; 3];
    let mut record: Option<StyleTable> = None;
    let mut counts = [0usize; 3];
    // The bytes of the record being read, the largest of each table, all of them.
    let mut this: u64 = 0;
    let mut largest = [0u64; 3];
    let mut all: u64 = 0;
    let refuse = |msg: String| Fault::Refused(format!("{} 的部件 {part} {msg}", path.display()));
    let long = |table: StyleTable, n: usize| {
        refuse(format!(
            "中一个{}的设置有 {n} 字节，超过导入的上限 {STYLE_VALUE_BYTES} 字节（字体名称最多 31 个字，\
             数字格式最多 255 个字），没有导入；这样的文件通常是被构造的，请向发来文件的人核实",
            table.what()
        ))
    };
    let current = |inside: &[bool; 3]| {
        [StyleTable::CellXfs, StyleTable::NumFmts, StyleTable::Fonts]
            .into_iter()
            .find(|t| inside[t.index()])
    };
    loop {
        buf.clear();
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| Fault::Unread(e.to_string()))?;
        match &event {
            Event::Start(e) => {
                let local = e.local_name();
                if let Some(t) = StyleTable::of(local.as_ref()) {
                    inside[t.index()] = true;
                    continue;
                }
                let Some(table) = current(&inside) else {
                    continue;
                };
                if record.is_none() && local.as_ref() == table.record() {
                    counts[table.index()] += 1;
                    if counts[table.index()] > STYLE_RECORDS {
                        return Err(refuse(format!(
                            "中有超过 {STYLE_RECORDS} 个{}（导入的上限），没有导入；这样的文件通常是被构造的，请向发来文件的人核实",
                            table.what()
                        )));
                    }
                    record = Some(table);
                    this = 0;
                }
                for a in e.attributes().with_checks(false) {
                    let a = a.map_err(|e| Fault::Unread(e.to_string()))?;
                    if a.value.len() > STYLE_VALUE_BYTES {
                        return Err(long(table, a.value.len()));
                    }
                    this = this.saturating_add(a.value.len() as u64);
                }
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                if let Some(table) = current(&inside) {
                    let n = written_len(&event);
                    if n > STYLE_VALUE_BYTES {
                        return Err(long(table, n));
                    }
                    this = this.saturating_add(n as u64);
                }
            }
            Event::End(e) => {
                let local = e.local_name();
                if let Some(t) = StyleTable::of(local.as_ref()) {
                    inside[t.index()] = false;
                    record = None;
                } else if let Some(t) = record.filter(|t| local.as_ref() == t.record()) {
                    largest[t.index()] = largest[t.index()].max(this);
                    all = all.saturating_add(this);
                    record = None;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let xfs = counts[StyleTable::CellXfs.index()] as u64;
    let each = (std::mem::size_of::<calamine::Style>() as u64)
        .saturating_add(largest[StyleTable::Fonts.index()])
        .saturating_add(largest[StyleTable::NumFmts.index()]);
    let cost = all.saturating_add(xfs.saturating_mul(each));
    if cost > STYLE_BYTES {
        return Err(refuse(format!(
            "中有 {xfs} 个单元格格式，读取时每个都带一份它的字体和数字格式，共约 {}，超过导入的上限 {}，没有导入；\
             这样的文件通常是被构造的，请向发来文件的人核实",
            mb(cost),
            mb(STYLE_BYTES)
        )));
    }
    Ok(())
}

/// Why reading stopped: a budget refused the workbook, or the reader could not read a part.
#[derive(Debug)]
pub enum Fault {
    /// The whole workbook is refused (the message names the file).
    Refused(String),
    /// A part could not be read (the reader's own words).
    Unread(String),
}

impl From<String> for Fault {
    fn from(s: String) -> Fault {
        Fault::Refused(s)
    }
}

/// Counts the cells of a workbook against [`ROWS`] and [`CELLS`], and their text against
/// [`TEXT_BYTES`].
#[derive(Debug, Default)]
pub struct CellCount {
    cells: usize,
    text: u64,
}

impl CellCount {
    /// One more cell at zero-based `(row, col)` of `sheet`; a cell with content (`filled`)
    /// must also lie within [`ROWS`].
    pub fn cell(
        &mut self,
        path: &Path,
        sheet: &str,
        (row, col): (u32, u32),
        filled: bool,
    ) -> Result<(), String> {
        if filled && row >= ROWS {
            return Err(format!(
                "{} 的工作表“{sheet}”在第 {} 行（{}）有内容，超出导入的上限（{ROWS} 行），没有导入；请删去多余的行或拆成几个文件",
                path.display(),
                u64::from(row) + 1,
                super::cell_ref(sheet, row, col)
            ));
        }
        self.add(path, 1)
    }

    /// `n` more cells (a merged range).
    pub fn add(&mut self, path: &Path, n: u64) -> Result<(), String> {
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        self.cells = self.cells.saturating_add(n);
        if self.cells > CELLS {
            return Err(format!(
                "{} 的单元格超过 {CELLS} 个（合并单元格按它覆盖的格数计），超出导入的上限，没有导入；请拆成几个文件分别导入",
                path.display()
            ));
        }
        Ok(())
    }

    /// `bytes` more text shown at zero-based `(row, col)` of `sheet` (a cell's text, or a
    /// merged range's text over the cells it covers), counted before it is copied.
    pub fn text(
        &mut self,
        path: &Path,
        sheet: &str,
        (row, col): (u32, u32),
        bytes: u64,
    ) -> Result<(), String> {
        self.text = self.text.saturating_add(bytes);
        if self.text > TEXT_BYTES {
            return Err(format!(
                "{} 中各单元格的文字合计超过 {}（导入的上限；一段共享文字被几格引用、合并单元格的文字覆盖几格，就按几格计），\
                 读到 {} 时停止，没有导入；这样的文件通常是被构造的，请向发来文件的人核实",
                path.display(),
                mb(TEXT_BYTES),
                super::cell_ref(sheet, row, col)
            ));
        }
        Ok(())
    }

    /// How many cells were counted.
    pub fn cells(&self) -> usize {
        self.cells
    }
}

/// A cell's text within [`CELL_CHARS`].
pub fn cell_text(path: &Path, sheet: &str, row: u32, col: u32, text: &str) -> Result<(), String> {
    // Bytes bound characters from above: most cells need no count.
    if text.len() > CELL_CHARS && text.chars().count() > CELL_CHARS {
        return Err(format!(
            "{} {} 有 {} 个字符，超过 Excel 一格的上限 {CELL_CHARS}，没有导入；文件可能是被构造的",
            path.display(),
            super::cell_ref(sheet, row, col),
            text.chars().count()
        ));
    }
    Ok(())
}
