//! The twin's hidden sheet `jixiao数据`: the department's data, its file and style, and where each
//! figure of the tables was written, for `jixiao import` (see [`crate::import::twin`] for the
//! layout).

use anyhow::Result;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Formula as XlsxFormula, Worksheet, utility::row_col_to_cell};

use super::Twin;
use super::{Written, to_f64};
use crate::excel::{
    TWIN_CHUNK_CHARS, TWIN_MARK, TWIN_SHEET, TWIN_VERSION, TwinRecord, TwinRow, decimal_of_float,
};
use crate::plan::CellValue;

/// `'工作表'!D8`: a reference Excel, WPS and LibreOffice keep pointing at the same cell when
/// rows or columns are inserted or deleted, or the sheet is renamed (a deleted cell becomes
/// `#REF!`).
pub(super) fn sheet_ref(sheet: &str, row: u32, col: u16) -> String {
    format!(
        "='{}'!{}",
        sheet.replace('\'', "''"),
        row_col_to_cell(row, col)
    )
}

/// The hidden twin sheet: the department's data, and where each row, column and cell of the
/// tables came from. One record a row, its kind in column A (layout in
/// [`crate::import::twin`]).
pub(super) fn write_twin(sheet: &mut Worksheet, twin: &Twin, written: &[Written]) -> Result<()> {
    sheet.set_name(TWIN_SHEET)?;
    sheet.set_very_hidden(true);
    let mut row: u32 = 0;
    let mut record = |sheet: &mut Worksheet, cells: &[Field]| -> Result<()> {
        for (c, f) in cells.iter().enumerate() {
            let c = c as u16;
            match f {
                Field::Text(t) if !t.is_empty() => {
                    sheet.write_string(row, c, t.as_str())?;
                }
                Field::Text(_) => {}
                Field::Ref(f) => {
                    sheet.write_formula(row, c, XlsxFormula::new(f.as_str()).set_result(""))?;
                }
            }
        }
        row += 1;
        Ok(())
    };
    let t = |s: &str| Field::Text(s.to_string());
    record(
        sheet,
        &[t(TWIN_MARK), t(TWIN_VERSION), t(&twin.file), t(&twin.style)],
    )?;
    let chars: Vec<char> = twin.data.chars().collect();
    for chunk in chars.chunks(TWIN_CHUNK_CHARS) {
        record(
            sheet,
            &[
                t(TwinRecord::Data.tag()),
                Field::Text(chunk.iter().collect()),
            ],
        )?;
    }
    for (s, w) in written.iter().enumerate() {
        let id = s.to_string();
        record(
            sheet,
            &[
                t(TwinRecord::Sheet.tag()),
                t(&id),
                Field::Ref(sheet_ref(&w.sheet, 0, 0)),
            ],
        )?;
        for c in 0..w.section.width() {
            record(
                sheet,
                &[
                    t(TwinRecord::Col.tag()),
                    t(&id),
                    t(&c.to_string()),
                    Field::Ref(sheet_ref(&w.sheet, w.first_row, c as u16)),
                ],
            )?;
        }
        let mut free_rows: Vec<u32> = w.free.iter().map(|f| f.0).collect();
        free_rows.dedup();
        for r in free_rows {
            record(
                sheet,
                &[
                    t(TwinRecord::Row.tag()),
                    t(&id),
                    t(&r.to_string()),
                    Field::Ref(sheet_ref(&w.sheet, r, 0)),
                    t(&TwinRow::Outside.tag()),
                ],
            )?;
        }
        for (r, c, text) in &w.free {
            if !text.is_empty() {
                record(
                    sheet,
                    &[
                        t(TwinRecord::Free.tag()),
                        t(&id),
                        t(&r.to_string()),
                        t(&c.to_string()),
                        t(text),
                    ],
                )?;
            }
        }
        for (k, grid_row) in w.section.rows.iter().enumerate() {
            let r = w.first_row + k as u32;
            let kind = match grid_row.grid {
                Some(g) => TwinRow::Grid {
                    document: g.document,
                    block: g.block,
                    project: g.project,
                    indicator: g.indicator,
                },
                None => TwinRow::Table,
            }
            .tag();
            record(
                sheet,
                &[
                    t(TwinRecord::Row.tag()),
                    t(&id),
                    t(&r.to_string()),
                    Field::Ref(sheet_ref(&w.sheet, r, 0)),
                    t(&kind),
                ],
            )?;
            for cell in &grid_row.cells {
                let c = cell.col.to_string();
                let rs = r.to_string();
                // A number is recorded as the value written (the displayed text may round it).
                let printed = match &cell.value {
                    CellValue::Number { value, .. } | CellValue::Percent { value, .. } => {
                        written_number(value)
                    }
                    CellValue::Formula { result, .. } => written_number(result),
                    CellValue::Text | CellValue::Empty => cell.text.clone(),
                };
                match &cell.bind {
                    Some(b) => record(
                        sheet,
                        &[
                            t(TwinRecord::Cell.tag()),
                            t(&id),
                            t(&rs),
                            t(&c),
                            t(&b.path),
                            t(b.kind.name()),
                            t(&printed),
                            t(&b.prefix),
                            t(&b.suffix),
                        ],
                    )?,
                    None if !cell.text.is_empty() => record(
                        sheet,
                        &[
                            t(TwinRecord::Free.tag()),
                            t(&id),
                            t(&rs),
                            t(&c),
                            t(&printed),
                        ],
                    )?,
                    None => {}
                }
            }
        }
    }
    Ok(())
}

/// A number as a spreadsheet reads back what [`write_cell`] wrote: the float, at the 15
/// significant digits Excel keeps (see [`decimal_of_float`]).
pub(super) fn written_number(value: &Decimal) -> String {
    decimal_of_float(to_f64(value))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// A cell of the twin sheet.
pub(super) enum Field {
    Text(String),
    /// A formula referring to a cell of a table.
    Ref(String),
}
