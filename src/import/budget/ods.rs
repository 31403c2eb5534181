//! An .ods workbook measured before it is opened: its tables' rows and cells as they will be
//! expanded (a repeated row or cell counts as often as it repeats).

use std::io::Read;
use std::path::Path;

use super::{CELLS, Fault, TEXT_BYTES, mb, written_len, xml_reader};

/// What an ods's sheets cost as calamine opens it, summed over its sheets: the cells it
/// builds while reading the rows (`raw`: a row read once, its repeated columns expanded) and
/// the grid it then builds (`grid`: the rows from the first to the last with content, each
/// repeated, over the columns from the first to the last with content), and their text.
#[derive(Debug, Default)]
pub(super) struct OdsCost {
    pub(super) raw: u64,
    pub(super) raw_text: u64,
    pub(super) grid: u64,
    pub(super) grid_text: u64,
}

/// One sheet (`table:table`) of an ods being measured.
#[derive(Debug, Default)]
pub(super) struct OdsTable {
    pub(super) name: String,
    /// The rows from the first with content to the last, each counted with its repeats.
    pub(super) rows: Option<u64>,
    /// Rows without content since the last with content (expanded only if content follows).
    pub(super) gap: u64,
    /// The columns with content: the first and the last.
    pub(super) first: u64,
    pub(super) last: u64,
    /// The grid's cells and text so far.
    pub(super) grid: u64,
    pub(super) text: u64,
}

/// One row (`table:table-row`) being measured.
#[derive(Debug, Default)]
pub(super) struct OdsRow {
    pub(super) repeats: u64,
    /// The cells calamine pushes for the row so far, and the empty ones it holds back (pushed
    /// only when another cell follows: empty columns at the row's end cost nothing).
    pub(super) cells: u64,
    pub(super) held: u64,
    /// The first and last column with content.
    pub(super) filled: Option<(u64, u64)>,
    /// The text of its cells, each repeated cell counted with its repeats.
    pub(super) text: u64,
}

/// One cell (`table:table-cell` or `table:covered-table-cell`) being measured.
#[derive(Debug, Default)]
pub(super) struct OdsCell {
    pub(super) repeats: u64,
    /// Whether calamine keeps it (a value or a formula; empty cells are held back).
    pub(super) filled: bool,
    /// Whether calamine reads its content as its text (a string without `office:string-value`):
    /// then the cell ends at the first end of a cell, else at the end of its own element.
    pub(super) string: bool,
    /// The cell elements of its own name open within it (while not `string`).
    pub(super) nested: usize,
    /// Its full element name.
    pub(super) name: String,
    pub(super) text: u64,
}

impl OdsCell {
    /// A cell's start, read as calamine's `get_datatype` reads it.
    fn new(e: &quick_xml::events::BytesStart<'_>) -> Result<OdsCell, Fault> {
        let mut c = OdsCell {
            repeats: 1,
            name: String::from_utf8_lossy(e.name().as_ref().as_bytes()).into_owned(),
            ..OdsCell::default()
        };
        // calamine keeps the first value attribute; `office:value-type="string"` before any
        // makes the content the text; an error cell with an empty string value reads it too.
        let (mut value_set, mut string, mut error, mut empty_string) = (false, false, false, false);
        for a in e.attributes().with_checks(false) {
            let a = a.map_err(|e| Fault::Unread(e.to_string()))?;
            let value: &str = &a.value;
            match a.key.as_ref() {
                "table:number-columns-repeated" => {
                    c.repeats = value.trim().parse().unwrap_or(1);
                }
                "office:value" | "office:boolean-value" if !value_set => value_set = true,
                "office:string-value" | "office:date-value" | "office:time-value" if !value_set => {
                    value_set = true;
                    empty_string = a.key.as_ref() == "office:string-value" && value.is_empty();
                    c.text = c.text.saturating_add(value.len() as u64);
                }
                "office:value-type" if !value_set => string = value == "string",
                "calcext:value-type" => error = value == "error",
                "table:formula" => {
                    c.filled |= !value.is_empty();
                    c.text = c.text.saturating_add(value.len() as u64);
                }
                _ => {}
            }
        }
        c.string = (!value_set && string) || (error && empty_string);
        c.filled |= value_set || c.string;
        Ok(c)
    }
}

/// A repeat count as written (`table:number-rows-repeated`); one when absent or not a number
/// (calamine then refuses the file without building anything).
pub(super) fn repeats(e: &quick_xml::events::BytesStart<'_>, key: &str) -> u64 {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.value.trim().parse().ok())
        .unwrap_or(1)
}

/// Measures an ods's sheets (`content.xml`) against [`CELLS`] and [`TEXT_BYTES`] before
/// calamine opens it, streaming: calamine reads every sheet whole at opening, repeating a
/// row's cells over `number-columns-repeated` and then the row over `number-rows-repeated`,
/// so a file of a few hundred bytes can declare a hundred million cells. The elements are
/// followed as calamine's reader follows them (full names, a cell's end as it finds it), and
/// a text's `<text:s text:c="n"/>` counts the `n` spaces calamine writes for it.
pub(super) fn ods_content(path: &Path, r: impl Read) -> Result<(), Fault> {
    use quick_xml::events::Event;
    let mut xml = xml_reader(r);
    let mut buf = Vec::new();
    let mut cost = OdsCost::default();
    let mut table: Option<OdsTable> = None;
    let mut row: Option<OdsRow> = None;
    let mut cell: Option<OdsCell> = None;
    loop {
        buf.clear();
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| Fault::Unread(e.to_string()))?;
        if let Some(c) = cell.as_mut() {
            // Inside a cell: its text, until its end.
            let ended = match &event {
                Event::Start(e) => {
                    let name = e.name();
                    match name.as_ref() {
                        "text:s" => {
                            let spaces = repeats(e, "text:c");
                            c.text = c.text.saturating_add(spaces);
                        }
                        "text:p" | "text:tab" | "text:line-break" => {
                            c.text = c.text.saturating_add(1);
                        }
                        n if !c.string && n == c.name => c.nested += 1,
                        _ => {}
                    }
                    false
                }
                Event::End(e) => {
                    let name = e.name();
                    let n = name.as_ref();
                    if c.string {
                        n == "table:table-cell" || n == "table:covered-table-cell"
                    } else if n == c.name {
                        c.nested = c.nested.saturating_sub(1);
                        c.nested == 0
                    } else {
                        false
                    }
                }
                Event::Eof => false,
                other => {
                    c.text = c.text.saturating_add(written_len(other) as u64);
                    false
                }
            };
            if ended && let (Some(c), Some(r)) = (cell.take(), row.as_mut()) {
                r.cell(&c);
            }
            if !matches!(event, Event::Eof) {
                continue;
            }
        }
        match &event {
            Event::Start(e) => {
                let name = e.name();
                match name.as_ref() {
                    "table:table" if table.is_none() => {
                        let name = e
                            .attributes()
                            .with_checks(false)
                            .flatten()
                            .find(|a| a.key.as_ref() == "table:name")
                            .map(|a| a.value.into_owned())
                            .unwrap_or_default();
                        table = Some(OdsTable {
                            name,
                            ..OdsTable::default()
                        });
                    }
                    "table:table-row" if table.is_some() && row.is_none() => {
                        row = Some(OdsRow {
                            repeats: repeats(e, "table:number-rows-repeated"),
                            ..OdsRow::default()
                        });
                    }
                    "table:table-cell" | "table:covered-table-cell" if row.is_some() => {
                        let mut c = OdsCell::new(e)?;
                        c.nested = 1;
                        cell = Some(c);
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                let name = e.name();
                match name.as_ref() {
                    "table:table-row" => {
                        if let (Some(r), Some(t)) = (row.take(), table.as_mut()) {
                            t.row(&r, &mut cost);
                            cost.check(path, t)?;
                        }
                    }
                    "table:table" if row.is_none() => {
                        if let Some(t) = table.take() {
                            cost.grid = cost.grid.saturating_add(t.grid);
                            cost.grid_text = cost.grid_text.saturating_add(t.text);
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => {
                // calamine reads a sheet until its end: one the file never closes is read
                // forever.
                if let Some(t) = table {
                    return Err(Fault::Refused(format!(
                        "{} 的部件 content.xml 中工作表“{}”没有结尾（文件不完整），没有导入；\
                         文件可能已损坏或被篡改，请向发来文件的人要一份完好的文件",
                        path.display(),
                        t.name
                    )));
                }
                return Ok(());
            }
            _ => {}
        }
    }
}

impl OdsRow {
    /// One more cell, as calamine's `read_row` pushes it.
    fn cell(&mut self, c: &OdsCell) {
        // The empty cells held back are pushed now that another cell follows.
        self.cells = self.cells.saturating_add(self.held);
        self.held = 0;
        if !c.filled {
            self.held = c.repeats;
            return;
        }
        if c.repeats > 0 {
            let first = self.cells;
            self.cells = self.cells.saturating_add(c.repeats);
            let last = self.cells - 1;
            self.filled = Some(match self.filled {
                Some((f, _)) => (f, last),
                None => (first, last),
            });
            self.text = self.text.saturating_add(c.repeats.saturating_mul(c.text));
        }
    }
}

impl OdsTable {
    /// One more row, as calamine's `read_table` and `get_range` expand it.
    fn row(&mut self, r: &OdsRow, cost: &mut OdsCost) {
        cost.raw = cost.raw.saturating_add(r.cells);
        cost.raw_text = cost.raw_text.saturating_add(r.text);
        let Some((first, last)) = r.filled else {
            if self.rows.is_some() {
                self.gap = self.gap.saturating_add(r.repeats);
            }
            return;
        };
        match self.rows {
            None => {
                self.rows = Some(r.repeats);
                (self.first, self.last) = (first, last);
            }
            Some(rows) => {
                self.rows = Some(rows.saturating_add(self.gap).saturating_add(r.repeats));
                self.first = self.first.min(first);
                self.last = self.last.max(last);
            }
        }
        self.gap = 0;
        let width = self.last.saturating_sub(self.first).saturating_add(1);
        self.grid = width.saturating_mul(self.rows.unwrap_or(0));
        self.text = self.text.saturating_add(r.repeats.saturating_mul(r.text));
    }
}

impl OdsCost {
    /// `Err` once the sheets so far (with `t`, the sheet being read) are over a budget.
    fn check(&self, path: &Path, t: &OdsTable) -> Result<(), Fault> {
        let grid = self.grid.saturating_add(t.grid);
        let text = self.grid_text.saturating_add(t.text);
        let whole = format!(
            "{} 的部件 content.xml 中工作表“{}”的重复行、列展开后",
            path.display(),
            t.name
        );
        let end = "没有导入；这样的文件通常是被构造的，请向发来文件的人核实";
        if self.raw > CELLS as u64 || grid > CELLS as u64 {
            return Err(Fault::Refused(format!(
                "{whole}超过 {CELLS} 个单元格（导入的上限；几百字节的 .ods 就能这样声明上亿个单元格），{end}"
            )));
        }
        if self.raw_text > TEXT_BYTES || text > TEXT_BYTES {
            return Err(Fault::Refused(format!(
                "{whole}，各单元格的文字合计超过 {}（导入的上限），{end}",
                mb(TEXT_BYTES)
            )));
        }
        Ok(())
    }
}
