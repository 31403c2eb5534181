//! Which cells of a twin are bound to data: every bound cell of a workbook as it reads now
//! (`bound_cells`), and the data paths a document's tables print (`bound_paths`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Budget, cell_ref};
use super::{DATA_SHEET, Record, shown};
use crate::excel::TwinRecord;
use crate::plan::BindKind;

/// A bound cell of a twin as it reads now: where it is, its data path, and the value its
/// visible text decodes to (the prefix and suffix taken off; a number cell's number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundCell {
    pub at: String,
    pub path: String,
    pub kind: BindKind,
    pub value: String,
}

/// Every bound cell of a twin workbook (for tests and diagnosis).
pub fn bound_cells(path: &Path) -> Result<Vec<BoundCell>, String> {
    let sheets = crate::import::read_workbook(path, &Budget::new(None))?.sheets;
    let data = sheets
        .iter()
        .find(|s| s.name == DATA_SHEET)
        .ok_or("不是 jixiao 生成的表格")?;
    let mut sheet_of: BTreeMap<usize, String> = BTreeMap::new();
    let mut rows: BTreeMap<(usize, u32), u32> = BTreeMap::new();
    let mut cols: BTreeMap<(usize, u32), u32> = BTreeMap::new();
    let mut cells = Vec::new();
    for r in 1..=data.last_row() {
        let x = Record { at: r, sheet: data };
        let kind = TwinRecord::parse(x.text(0));
        let Some(s) = x.num(1).filter(|_| kind != Some(TwinRecord::Data)) else {
            continue;
        };
        match kind {
            Some(TwinRecord::Sheet) => {
                if let Some(Some((n, _, _))) = x.reference(2) {
                    sheet_of.insert(s, n);
                }
            }
            Some(TwinRecord::Row) => {
                if let (Some(id), Some(Some((_, now, _)))) = (x.num(2), x.reference(3)) {
                    rows.insert((s, id as u32), now);
                }
            }
            Some(TwinRecord::Col) => {
                if let (Some(c), Some(Some((_, _, now)))) = (x.num(2), x.reference(3)) {
                    cols.insert((s, c as u32), now);
                }
            }
            Some(TwinRecord::Cell) => cells.push((s, r)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (s, r) in cells {
        let x = Record { at: r, sheet: data };
        let (Some(row), Some(col), Some(kind)) = (x.num(2), x.num(3), BindKind::parse(x.text(5)))
        else {
            continue;
        };
        let (Some(name), Some(&rn), Some(&cn)) = (
            sheet_of.get(&s),
            rows.get(&(s, row as u32)),
            cols.get(&(s, col as u32)),
        ) else {
            continue;
        };
        let Some(sheet) = sheets.iter().find(|x| x.name == *name) else {
            continue;
        };
        let text = shown(sheet, rn, cn);
        let value = match (kind, sheet.get(rn, cn).and_then(|c| c.number)) {
            (BindKind::Number, Some(n)) => n.normalize().to_string(),
            _ => text
                .strip_prefix(x.text(7))
                .and_then(|t| t.strip_suffix(x.text(8)))
                .unwrap_or(&text)
                .to_string(),
        };
        out.push(BoundCell {
            at: cell_ref(name, rn, cn),
            path: x.text(4).to_string(),
            kind,
            value,
        });
    }
    Ok(out)
}

/// The data paths a document's cells are bound to.
pub fn bound_paths(doc: &crate::plan::Document) -> BTreeSet<String> {
    doc.sections
        .iter()
        .flat_map(|s| &s.rows)
        .flat_map(|r| &r.cells)
        .filter_map(|c| c.bind.as_ref().map(|b| b.path.clone()))
        .collect()
}
