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
//! - a cell: at most [`CELL_CHARS`] characters (Excel's own limit);
//! - a workbook: cells up to row [`ROWS`], at most [`CELLS`] cells in all (merged ranges count
//!   the cells they cover), read without a dense grid of its used area;
//! - the notes of what could not be taken over: [`NOTES`], then one line for the rest;
//! - the time of one workbook's import ([`Budget`]): checked between phases and rows.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

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
/// The most characters of one cell: Excel's limit.
pub const CELL_CHARS: usize = 32_767;
/// The last row read (one-based); a cell below it refuses the workbook.
pub const ROWS: u32 = 100_000;
/// The most cells of a workbook, merged ranges counted by the cells they cover.
pub const CELLS: usize = 2_000_000;
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
        let shared = name.rsplit('/').next().unwrap_or("") == "sharedStrings.xml";
        let read = if shared {
            shared_strings(path, &mut m)
        } else {
            std::io::copy(&mut m, &mut std::io::sink())
                .map(|_| ())
                .map_err(|e| Fault::Unread(e.to_string()))
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

/// Counts the cells of a workbook against [`ROWS`] and [`CELLS`].
#[derive(Debug, Default)]
pub struct CellCount {
    cells: usize,
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
