//! The records of a twin's data sheet, one a row (layout in [`super`]), and the cell
//! references in them.

use crate::import::Sheet;

/// `'工作表'!D8` (or `工作表!$D$8`) as (sheet, row, column); `None` for `#REF!`.
pub fn parse_ref(formula: &str) -> Option<(String, u32, u32)> {
    let f = formula.trim().trim_start_matches('=');
    if f.contains("#REF!") {
        return None;
    }
    let (sheet, cell) = f.rsplit_once('!')?;
    let sheet = match sheet.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(q) => q.replace("''", "'"),
        None => sheet.to_string(),
    };
    let cell = cell.replace('$', "");
    let letters: String = cell
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let digits = &cell[letters.len()..];
    if letters.is_empty() || digits.is_empty() {
        return None;
    }
    // Letters past any sheet's last column (a tampered reference) are no reference.
    let mut col: u32 = 0;
    for c in letters.chars() {
        col = col
            .checked_mul(26)?
            .checked_add(c.to_ascii_uppercase() as u32 - 'A' as u32 + 1)?;
    }
    let row: u32 = digits.parse().ok()?;
    Some((sheet, row.checked_sub(1)?, col.checked_sub(1)?))
}

/// A record of the twin sheet.
pub(super) struct Record<'s> {
    pub(super) at: u32,
    pub(super) sheet: &'s Sheet,
}

impl Record<'_> {
    pub(super) fn text(&self, c: u32) -> &str {
        self.sheet.text(self.at, c)
    }

    pub(super) fn num(&self, c: u32) -> Option<usize> {
        self.text(c).trim().parse().ok()
    }

    /// The reference in column `c`: `Some(None)` when it reads `#REF!`.
    pub(super) fn reference(&self, c: u32) -> Option<Option<(String, u32, u32)>> {
        let f = self.sheet.formulas.get(&(self.at, c))?;
        Some(parse_ref(f))
    }
}
