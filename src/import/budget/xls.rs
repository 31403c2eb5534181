//! The budget of a legacy `.xls` workbook (BIFF records in a compound file, CFB), measured
//! before calamine opens it: calamine reads every sheet whole at opening, sizing each sheet's
//! grid from its cells' positions (rows and columns up to 65,535 each), reserving what a
//! `DIMENSIONS` record declares and copying a shared string into every cell that shows it, so
//! a file of a few KB can ask for hundreds of GB.
//!
//! The container is read as calamine reads it (its own CFB reader, not the `cfb` crate: the
//! stream measured must be the very stream calamine parses, found as calamine finds it: the
//! first directory entry named `Workbook` in any case, else `Book`, even one outside the
//! directory tree). Anything calamine would read differently from a well-formed file (a chain
//! of sectors that runs in a circle or shares a sector, a sector past the end of the file, a
//! FAT or mini FAT too short for its chain) is refused as damaged: calamine would copy a
//! circular chain until the size the stream declares (up to 4 GB) or panic.
//!
//! The records are then walked as calamine's `parse_workbook` walks them, counting what it
//! builds, without building it: the shared strings (count, text, each one's length), each
//! sheet's cells (count, the text they copy), the room a `DIMENSIONS` record reserves and the
//! grids of values and formulas spanning the cells' positions. Nothing is allocated by a
//! declared count; what is kept (the container's tables, one length per shared string) is
//! bounded by the file's size and [`SHARED_STRINGS`].

use std::path::Path;

use crate::excel::CELL_CHARS;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

use super::{Budget, CELLS, CellCount, SHARED_BYTES, SHARED_STRINGS, XLS_CONTINUES, mb};

const SIGNATURE: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;

/// Measures a `.xls` workbook (any file in a compound-file container) against the budgets;
/// other files pass unchanged.
pub fn check(path: &Path, bytes: &[u8], budget: &Budget) -> Result<(), String> {
    if !bytes.starts_with(SIGNATURE) {
        return Ok(());
    }
    let stream = match workbook_stream(bytes) {
        Ok(Some(s)) => s,
        // No workbook stream: calamine says so itself.
        Ok(None) => return Ok(()),
        Err(why) => {
            return Err(format!(
                "{} 的复合文档结构（.xls 文件的外层）异常：{why}。这样的文件无法安全读取，没有导入；\
                 文件可能已损坏或被篡改，请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入",
                path.display()
            ));
        }
    };
    budget.check(path, "检查 .xls 文件")?;
    Scan::new(path, budget).workbook(&stream)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

/// The little-endian `u32`s of whole sectors.
fn words(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

/// Sectors of one size in one space (the file's sectors, or the mini stream's), each read at
/// most once: a well-formed container never reads a sector twice, and a chain that comes back
/// to a sector runs in a circle.
struct Sectors<'a> {
    data: &'a [u8],
    size: usize,
    maxid: u64,
    seen: Vec<bool>,
    /// Whether a sector may end early at the end of the data (only the file's last sector).
    partial: bool,
}

impl<'a> Sectors<'a> {
    fn new(data: &'a [u8], size: usize, maxid: u64, partial: bool) -> Sectors<'a> {
        let count = data.len().div_ceil(size);
        Sectors {
            data,
            size,
            maxid,
            seen: vec![false; count],
            partial,
        }
    }

    fn get(&mut self, id: u32, whole: bool) -> Result<&'a [u8], String> {
        if u64::from(id) > self.maxid {
            return Err(format!("扇区编号 {id} 超出了文件"));
        }
        let i = id as usize;
        let start = i.saturating_mul(self.size);
        let end = start.saturating_add(self.size);
        if start >= self.data.len() || (end > self.data.len() && (whole || !self.partial)) {
            return Err(format!("扇区 {id} 超出了文件末尾"));
        }
        match self.seen.get_mut(i) {
            Some(seen) if !*seen => *seen = true,
            _ => return Err(format!("扇区 {id} 被读了两次（扇区链绕成了圈或互相交叉）")),
        }
        Ok(&self.data[start..end.min(self.data.len())])
    }

    /// The bytes of the chain from `id`, at most `len`, as calamine's `get_chain` copies them.
    fn chain(
        &mut self,
        mut id: u32,
        fats: &[u32],
        len: u64,
        whole: bool,
    ) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        while id != ENDOFCHAIN {
            let sector = self.get(id, whole)?;
            let remaining = len.saturating_sub(out.len() as u64);
            let take = usize::try_from(remaining)
                .unwrap_or(usize::MAX)
                .min(sector.len());
            out.extend_from_slice(&sector[..take]);
            if out.len() as u64 >= len {
                break;
            }
            id = *fats
                .get(id as usize)
                .ok_or_else(|| format!("扇区分配表中没有扇区 {id} 的下一个扇区"))?;
        }
        Ok(out)
    }
}

/// A directory entry, as calamine reads it.
struct Entry {
    name: String,
    start: u32,
    len: u64,
}

/// The stream calamine parses (`Workbook`, else `Book`), read as calamine reads it; `None`
/// when there is none. `Err` says what is wrong with the container.
fn workbook_stream(bytes: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let short = || "文件头不完整".to_string();
    let header = bytes.get(..512).ok_or_else(short)?;
    let version = u16_at(header, 26).ok_or_else(short)?;
    let (size, large) = match u16_at(header, 30) {
        Some(0x0009) => (512usize, false),
        Some(0x000C) => (4096, true),
        _ => return Err("扇区大小不是 512 或 4096 字节".into()),
    };
    if u16_at(header, 32) != Some(0x0006) {
        return Err("小扇区大小不是 64 字节".into());
    }
    let dir_start = u32_at(header, 48).ok_or_else(short)?;
    let mini_fat_start = u32_at(header, 60).ok_or_else(short)?;
    let mini_fat_len = u64::from(u32_at(header, 64).ok_or_else(short)?);
    let mut difat_id = u32_at(header, 68).ok_or_else(short)?;
    let mut difat: Vec<u32> = words(&header[76..512]).collect();
    // Sector `i` follows the header (of one sector), as calamine reads the file in order.
    let body = bytes.get(size..).ok_or_else(short)?;
    let maxid = (bytes.len() / size) as u64;
    let mut sectors = Sectors::new(body, size, maxid, true);

    let mut difat_sectors = 0u64;
    while difat_id < RESERVED_SECTORS {
        difat_sectors += 1;
        if difat_sectors > maxid.saturating_add(1) {
            return Err("扇区分配表的索引链过长".into());
        }
        difat.extend(words(sectors.get(difat_id, true)?));
        difat_id = difat.pop().ok_or("扇区分配表的索引为空")?;
    }
    let mut fats = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIFSECT) {
        fats.extend(words(sectors.get(id, true)?));
    }
    let dirs: Vec<Entry> = sectors
        .chain(dir_start, &fats, u64::MAX, true)?
        .chunks_exact(128)
        .map(|c| {
            let mut name = UTF_16LE.decode(&c[..64]).0.into_owned();
            if let Some(l) = name.as_bytes().iter().position(|b| *b == 0) {
                name.truncate(l);
            }
            let start = u32_at(c, 116).unwrap_or(ENDOFCHAIN);
            let len = if large {
                u64_at(c, 120).unwrap_or(0)
            } else {
                u64::from(u32_at(c, 120).unwrap_or(0))
            };
            Entry { name, start, len }
        })
        .collect();
    let Some(root) = dirs.first() else {
        return Err("没有根目录".into());
    };
    if version != 3 && root.start == ENDOFCHAIN {
        return Err("根目录为空".into());
    }
    let (mini_fats, ministream) = if mini_fat_len > 0 {
        let ministream = sectors.chain(root.start, &fats, root.len, true)?;
        let minifat = sectors.chain(
            mini_fat_start,
            &fats,
            mini_fat_len.saturating_mul(size as u64),
            true,
        )?;
        (words(&minifat).collect::<Vec<u32>>(), ministream)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut minis = Sectors::new(&ministream, 64, maxid.saturating_mul(8), false);
    for name in ["Workbook", "Book"] {
        let Some(d) = dirs
            .iter()
            .find(|d| d.name.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
        else {
            continue;
        };
        return if d.len < 4096 {
            minis.chain(d.start, &mini_fats, d.len, false).map(Some)
        } else {
            sectors.chain(d.start, &fats, d.len, false).map(Some)
        };
    }
    Ok(None)
}

/// One BIFF record with the `CONTINUE` records calamine joins to it (kept as the bytes they
/// span, read one at a time: calamine collects them in a list, which is not copied here).
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    /// The `CONTINUE` records not read yet.
    cont: &'a [u8],
    /// How many `CONTINUE` records follow the record.
    continues: usize,
}

impl<'a> Record<'a> {
    fn continue_record(&mut self) -> bool {
        let Some(len) = u16_at(self.cont, 2) else {
            return false;
        };
        let end = 4 + usize::from(len);
        match self.cont.get(4..end) {
            Some(d) => {
                self.data = d;
                self.cont = &self.cont[end..];
                true
            }
            None => false,
        }
    }

    /// Skips `len` bytes over the continues; `None` where calamine stops with an error.
    fn skip(&mut self, mut len: usize) -> Option<()> {
        while len > 0 {
            if self.data.is_empty() && !self.continue_record() {
                return None;
            }
            let l = len.min(self.data.len());
            self.data = &self.data[l..];
            len -= l;
        }
        Some(())
    }
}

/// The records of a stream as calamine's `RecordIter` reads them; `None` at the end or where
/// calamine stops with an error.
fn next_record<'a>(stream: &mut &'a [u8]) -> Option<Record<'a>> {
    let s = *stream;
    let typ = u16_at(s, 0)?;
    let len = usize::from(u16_at(s, 2)?);
    let data = s.get(4..4 + len)?;
    let after = &s[4 + len..];
    let mut rest = after;
    let mut continues = 0usize;
    if rest.len() > 4 && u16_at(rest, 0) == Some(0x003C) {
        while rest.len() > 4 && u16_at(rest, 0) == Some(0x003C) {
            let len = usize::from(u16_at(rest, 2)?);
            rest = rest.get(4 + len..)?;
            continues += 1;
        }
    }
    *stream = rest;
    Some(Record {
        typ,
        data,
        cont: &after[..after.len() - rest.len()],
        continues,
    })
}

/// calamine's `XlsEncoding::decode_to`: decodes up to `len` characters of `stream` onto `s`;
/// returns the characters and the bytes used.
fn decode_to(
    enc: &'static Encoding,
    stream: &[u8],
    len: usize,
    s: &mut String,
    high_byte: Option<bool>,
) -> (usize, usize) {
    let high_byte = high_byte.or({
        if enc == UTF_16LE || enc == UTF_16BE {
            Some(false)
        } else {
            None
        }
    });
    match high_byte {
        None => {
            let l = stream.len().min(len);
            s.push_str(&enc.decode(&stream[..l]).0);
            (l, l)
        }
        Some(false) => {
            let l = stream.len().min(len);
            let mut bytes = vec![0; l * 2];
            for (i, b) in stream.iter().take(l).enumerate() {
                bytes[2 * i] = *b;
            }
            s.push_str(&enc.decode(&bytes).0);
            (l, l)
        }
        Some(true) => {
            let l = (stream.len() / 2).min(len);
            s.push_str(&enc.decode(&stream[..2 * l]).0);
            (l, 2 * l)
        }
    }
}

/// The rectangle spanning some cells' positions.
#[derive(Default)]
struct Span(Option<((u32, u32), (u32, u32))>);

impl Span {
    fn add(&mut self, (r, c): (u32, u32)) {
        self.0 = Some(match self.0 {
            None => ((r, c), (r, c)),
            Some((s, e)) => ((s.0.min(r), s.1.min(c)), (e.0.max(r), e.1.max(c))),
        });
    }

    /// The cells of the grid calamine's `Range::from_sparse` allocates over it.
    fn area(&self) -> u64 {
        self.0.map_or(0, |(s, e)| {
            (u64::from(e.0 - s.0) + 1).saturating_mul(u64::from(e.1 - s.1) + 1)
        })
    }
}

/// The cost of the workbook so far.
struct Scan<'p> {
    path: &'p Path,
    budget: &'p Budget,
    count: CellCount,
    /// The cells of the grids of the sheets read so far.
    grids: u64,
    enc: &'static Encoding,
    biff8: bool,
    /// The UTF-8 length of each shared string of the last SST.
    shared: Vec<u32>,
    /// All shared strings read and their text (calamine keeps one SST at a time, but builds a
    /// second beside the first).
    shared_count: usize,
    shared_bytes: u64,
    text: String,
}

/// Where calamine stops reading (an error or a panic of its own): nothing more is built.
struct Stop;

impl<'p> Scan<'p> {
    fn new(path: &'p Path, budget: &'p Budget) -> Scan<'p> {
        Scan {
            path,
            budget,
            count: CellCount::default(),
            grids: 0,
            enc: UTF_16LE,
            biff8: true,
            shared: Vec::new(),
            shared_count: 0,
            shared_bytes: 0,
            text: String::new(),
        }
    }

    fn workbook(mut self, stream: &[u8]) -> Result<(), String> {
        let mut sheets: Vec<(usize, String)> = Vec::new();
        let mut rest = stream;
        while let Some(mut r) = next_record(&mut rest) {
            match r.typ {
                0x002F => match u16_at(r.data, 0) {
                    // A password: calamine refuses the file.
                    Some(0) => {}
                    _ => return Ok(()),
                },
                0x0042 => {
                    let Some(e) = u16_at(r.data, 0).and_then(codepage::to_encoding) else {
                        return Ok(());
                    };
                    self.enc = e;
                }
                0x0809 => {
                    let Some(v) = u16_at(r.data, 0) else {
                        return Ok(());
                    };
                    let dt = u16_at(r.data, 2).unwrap_or(0);
                    self.biff8 = match v {
                        0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500 => false,
                        0 => dt != 0x1000,
                        _ => true,
                    };
                }
                0x0085 => match self.bound_sheet(r.data) {
                    Ok(s) => sheets.push(s),
                    Err(Stop) => return Ok(()),
                },
                0x00FC => match self.sst(&mut r) {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return Err(e),
                    Err(Stop) => return Ok(()),
                },
                0x000A => break,
                _ => {}
            }
        }
        for (pos, name) in sheets {
            self.budget
                .check(self.path, &format!("检查工作表“{name}”"))?;
            // calamine panics on a sheet past the stream's end.
            let Some(sh) = stream.get(pos..) else {
                return Ok(());
            };
            match self.sheet(sh, &name)? {
                Ok(()) => {}
                Err(Stop) => return Ok(()),
            }
        }
        Ok(())
    }

    /// A `BoundSheet8` record: the sheet's position and name, as calamine reads them.
    fn bound_sheet(&self, d: &[u8]) -> Result<(usize, String), Stop> {
        let pos = u32_at(d, 0).ok_or(Stop)? as usize;
        if !matches!(d.get(4).ok_or(Stop)? & 0x3F, 0..=2)
            || !matches!(d.get(5), Some(0 | 1 | 2 | 6))
        {
            return Err(Stop);
        }
        let d = &d[6..];
        let cch = usize::from(*d.first().ok_or(Stop)?);
        let mut name = String::new();
        if self.biff8 {
            let flags = *d.get(1).ok_or(Stop)?;
            decode_to(self.enc, &d[2..], cch, &mut name, Some(flags & 1 != 0));
        } else {
            decode_to(self.enc, &d[1..], cch, &mut name, None);
        }
        name.retain(|c| c != '\0');
        Ok((pos, name))
    }

    /// A shared-string table, as calamine's `parse_sst` reads it, within [`SHARED_STRINGS`],
    /// [`SHARED_BYTES`] and [`CELL_CHARS`] a string.
    fn sst(&mut self, r: &mut Record<'_>) -> Result<Result<(), String>, Stop> {
        if r.data.len() < 8 {
            return Err(Stop);
        }
        if r.continues > XLS_CONTINUES {
            return Ok(Err(format!(
                "{} 的共享文字表（SST）分成了 {} 段（CONTINUE 记录），超过导入的上限 {XLS_CONTINUES}，没有导入；\
                 读取库逐段挪动其余各段，这么多段要算上几个小时。这样的文件通常是被构造的，请向发来文件的人核实",
                self.path.display(),
                r.continues
            )));
        }
        r.data = &r.data[8..];
        self.shared.clear();
        while !r.data.is_empty() || r.continue_record() {
            self.text.clear();
            self.rich_string(r)?;
            let chars = self.text.chars().count();
            self.shared_count += 1;
            self.shared_bytes = self.shared_bytes.saturating_add(self.text.len() as u64);
            let refuse = if self.shared_count > SHARED_STRINGS {
                format!("有超过 {SHARED_STRINGS} 条文字（导入的上限）")
            } else if chars > CELL_CHARS {
                format!(
                    "中第 {} 条文字有 {chars} 个字符，超过 Excel 一格的上限 {CELL_CHARS}",
                    self.shared.len() + 1
                )
            } else if self.shared_bytes > SHARED_BYTES {
                format!("的文字超过 {}（导入的上限）", mb(SHARED_BYTES))
            } else {
                self.shared.push(self.text.len() as u32);
                continue;
            };
            return Ok(Err(format!(
                "{} 的共享文字表（SST）{refuse}，没有导入；文件可能是被构造的，请向发来文件的人核实",
                self.path.display()
            )));
        }
        Ok(Ok(()))
    }

    /// calamine's `read_rich_extended_string`, onto `self.text`.
    fn rich_string(&mut self, r: &mut Record<'_>) -> Result<(), Stop> {
        if r.data.is_empty() {
            return Ok(());
        }
        let cch = usize::from(u16_at(r.data, 0).ok_or(Stop)?);
        let flags = *r.data.get(2).ok_or(Stop)?;
        r.data = &r.data[3..];
        let mut high_byte = flags & 1 != 0;
        let mut runs = 0usize;
        let mut ext = 0usize;
        if flags & 0x8 != 0 {
            runs = usize::from(u16_at(r.data, 0).ok_or(Stop)?);
            r.data = &r.data[2..];
        }
        if flags & 0x4 != 0 {
            ext = u32_at(r.data, 0).ok_or(Stop)? as i32 as usize;
            r.data = &r.data[4..];
        }
        let mut len = cch;
        while len > 0 {
            let (l, at) = decode_to(self.enc, r.data, len, &mut self.text, Some(high_byte));
            r.data = &r.data[at..];
            len -= l;
            if len > 0 {
                if !r.continue_record() {
                    return Err(Stop);
                }
                high_byte = r.data.first().ok_or(Stop)? & 1 != 0;
                r.data = &r.data[1..];
            }
        }
        r.skip(runs * 4).ok_or(Stop)?;
        r.skip(ext).ok_or(Stop)
    }

    /// calamine's `parse_string` (an `XLUnicodeString`): the UTF-8 length of its text.
    fn string_len(&mut self, r: &[u8]) -> Result<u64, Stop> {
        let (high_byte, expected) = if self.biff8 {
            (r.get(2).map(|f| f & 1 != 0), 3)
        } else {
            (None, 2)
        };
        if r.len() < expected {
            return if r.len() == 2 && u16_at(r, 0) == Some(0) {
                Ok(0)
            } else {
                Err(Stop)
            };
        }
        let cch = usize::from(u16_at(r, 0).ok_or(Stop)?);
        self.text.clear();
        decode_to(self.enc, &r[expected..], cch, &mut self.text, high_byte);
        Ok(self.text.len() as u64)
    }

    /// One sheet's records, as calamine's `parse_workbook` reads them. The outer `Err` refuses
    /// the workbook; the inner one is where calamine stops.
    fn sheet(&mut self, mut rest: &[u8], name: &str) -> Result<Result<(), Stop>, String> {
        let path = self.path;
        let mut values = Span::default();
        let mut formulas = Span::default();
        let mut cells: u64 = 0;
        let mut fmla_pos = (0u32, 0u32);
        let mut seen_bof = false;
        let mut depth = 0usize;
        let mut stop = Ok(());
        while let Some(r) = next_record(&mut rest) {
            if depth > 0 {
                match r.typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let d = r.data;
            // The cell a record adds, with the text it copies.
            let cell: Option<((u32, u32), u64)> = match r.typ {
                0x0809 => {
                    if seen_bof {
                        depth += 1;
                    } else {
                        seen_bof = true;
                    }
                    None
                }
                0x0200 => {
                    let Some((rows, cols)) = dimensions(d) else {
                        stop = Err(Stop);
                        break;
                    };
                    let reserved = cells.saturating_add(rows.saturating_mul(cols));
                    if reserved > CELLS as u64 {
                        return Err(format!(
                            "{} 的工作表“{name}”的 DIMENSIONS 记录声明了 {rows} 行 × {cols} 列，读取库打开时先为这些单元格\
                             留出内存，超过导入的上限（{CELLS} 个单元格），没有导入；这样的文件通常是被构造的，请向发来文件的人核实",
                            path.display()
                        ));
                    }
                    None
                }
                0x0203 if d.len() >= 14 => Some((pos(d), 0)),
                0x0205 if d.len() >= 8 => Some((pos(d), 0)),
                0x027E if d.len() >= 10 => Some((pos(d), 0)),
                0x0204 | 0x00D6 if d.len() >= 6 => match self.string_len(&d[6..]) {
                    Ok(n) => Some((pos(d), n)),
                    Err(Stop) => {
                        stop = Err(Stop);
                        break;
                    }
                },
                0x0207 => match self.string_len(d) {
                    Ok(n) => Some((fmla_pos, n)),
                    Err(Stop) => {
                        stop = Err(Stop);
                        break;
                    }
                },
                0x00FD if d.len() >= 10 => {
                    let i = u32_at(d, 6).unwrap_or(u32::MAX) as usize;
                    self.shared.get(i).map(|&n| (pos(d), u64::from(n)))
                }
                0x00BD if d.len() >= 6 => {
                    let row = u32::from(u16_at(d, 0).unwrap_or(0));
                    let first = u16_at(d, 2).unwrap_or(0);
                    let last = u16_at(d, d.len() - 2).unwrap_or(0);
                    let n = usize::from(last.wrapping_sub(first).wrapping_add(1));
                    if d.len() != 6 + 6 * n {
                        stop = Err(Stop);
                        break;
                    }
                    let chunks = (d.len() - 6).div_ceil(6) as u32;
                    for k in 0..chunks {
                        let at = (row, u32::from(first) + k);
                        values.add(at);
                        cells += 1;
                        self.count.cell(path, name, at, true)?;
                    }
                    None
                }
                0x0006 => {
                    if d.len() < 20 {
                        stop = Err(Stop);
                        break;
                    }
                    fmla_pos = pos(d);
                    formulas.add(fmla_pos);
                    match formula_value(&d[6..14]) {
                        Ok(Some(text)) => Some((fmla_pos, text)),
                        Ok(None) => None,
                        Err(Stop) => {
                            stop = Err(Stop);
                            break;
                        }
                    }
                }
                0x000A => break,
                0x0203 | 0x0205 | 0x027E | 0x0204 | 0x00D6 | 0x00BD | 0x00FD => {
                    stop = Err(Stop);
                    break;
                }
                _ => None,
            };
            if let Some((at, text)) = cell {
                values.add(at);
                cells += 1;
                self.count.cell(path, name, at, true)?;
                self.count.text(path, name, at, text)?;
            }
        }
        // The grids calamine builds over the cells' positions when the sheet ends (also when
        // it stops with an error, the grids of the sheets before are built and kept).
        let area = values.area().saturating_add(formulas.area());
        self.grids = self.grids.saturating_add(area);
        if self.grids > CELLS as u64 {
            let (s, e) = match (values.0, formulas.0) {
                (Some((s, e)), _) if values.area() >= formulas.area() => (s, e),
                (_, Some((s, e))) | (Some((s, e)), None) => (s, e),
                (None, None) => ((0, 0), (0, 0)),
            };
            return Err(format!(
                "{} 的工作表“{name}”中的格子分布在 {} 到 {} 之间，读取库打开时要为这一整片建出 {area} 个单元格，\
                 各工作表合计超过导入的上限（{CELLS} 个），没有导入；这样的文件通常是被构造的，请向发来文件的人核实。\
                 如果是正常的表格，请删去远处多余的格子，或在 Excel 或 WPS 中另存为 .xlsx 再导入",
                path.display(),
                crate::import::cell_ref(name, s.0, s.1),
                crate::import::cell_ref(name, e.0, e.1),
            ));
        }
        Ok(stop)
    }
}

/// A cell record's zero-based `(row, col)`.
fn pos(d: &[u8]) -> (u32, u32) {
    (
        u32::from(u16_at(d, 0).unwrap_or(0)),
        u32::from(u16_at(d, 2).unwrap_or(0)),
    )
}

/// The rows and columns a `DIMENSIONS` record makes calamine reserve (with its arithmetic,
/// which wraps in a release build); `None` where calamine stops.
fn dimensions(r: &[u8]) -> Option<(u64, u64)> {
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (
            u32::from(u16_at(r, 0)?),
            u32::from(u16_at(r, 2)?),
            u32::from(u16_at(r, 4)?),
            u32::from(u16_at(r, 6)?),
        ),
        14 | 16 => (
            u32_at(r, 0)?,
            u32_at(r, 4)?,
            u32::from(u16_at(r, 8)?),
            u32::from(u16_at(r, 10)?),
        ),
        _ => return None,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (start, end) = if 1 <= rl && 1 <= cl {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = end.0.wrapping_sub(start.0).wrapping_add(1);
    let cols = end.1.wrapping_sub(start.1).wrapping_add(1);
    Some((u64::from(rows), u64::from(cols)))
}

/// calamine's `parse_formula_value`: `Some(text bytes)` when the formula record carries its
/// value (a string value comes in the next record), `Err` where calamine stops.
fn formula_value(r: &[u8]) -> Result<Option<u64>, Stop> {
    let cached = r.len() >= 2 && r[r.len() - 2..] == [0xFF, 0xFF];
    if !cached {
        return Ok(Some(0));
    }
    match r.first() {
        Some(0x00) => Ok(None),
        Some(0x01 | 0x03) => Ok(Some(0)),
        Some(0x02) => match r.get(2) {
            Some(0x00 | 0x07 | 0x0F | 0x17 | 0x1D | 0x24 | 0x2A | 0x2B) => Ok(Some(0)),
            _ => Err(Stop),
        },
        _ => Err(Stop),
    }
}
