//! How wide the columns and how tall the rows of a sheet are: text measured as Excel and WPS lay
//! it out (CJK characters twice as wide as digits, lines broken before closing punctuation), so
//! that nothing printed is cut off.

use super::{
    BODY_PT, CELL_MARGIN_PX, COLUMN_PADDING_PX, DIGIT_PX, LINE_FACTOR, MAX_ROW_PT, MIN_GRID_ROW_PT,
    ROW_PADDING_PT, TOTAL_WIDTH_LANDSCAPE, TOTAL_WIDTH_PORTRAIT, WIDTH_SAFETY,
};
use crate::plan::{CellRef, CellValue, Formula, Section};

/// Column widths in Excel character units, scaled to the page; `widen` (at least 1) makes
/// the sheet that much wider than the page's usual width, so that it prints smaller.
pub(super) fn column_widths(section: &Section, landscape: bool, widen: f64) -> Vec<f64> {
    let total = if landscape {
        TOTAL_WIDTH_LANDSCAPE
    } else {
        TOTAL_WIDTH_PORTRAIT
    } * widen.max(1.0);
    let weights: Vec<f64> = section
        .columns
        .iter()
        .map(|&w| if w.is_finite() && w > 0.0 { w } else { 1.0 })
        .collect();
    let sum: f64 = weights.iter().sum();
    weights
        .iter()
        .map(|w| ((w / sum * total) * 100.0).round() / 100.0)
        .collect()
}

/// Pixel width of a column of `width` character units, as Excel lays it out.
pub(super) fn column_px(width: f64) -> f64 {
    if width < 1.0 {
        (width * (DIGIT_PX + COLUMN_PADDING_PX) + 0.5).trunc()
    } else {
        (width * DIGIT_PX + 0.5).trunc() + COLUMN_PADDING_PX
    }
}

/// Whether a character is drawn full-width (two units) in a Chinese font. East Asian
/// ambiguous characters that Chinese fonts draw full-width (quotes, dashes, `…`, `×`, `°`,
/// `№`, circled numbers, arrows, maths and box symbols) count as wide, erring towards taller
/// rows.
pub(super) fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x00A7 | 0x00A8 | 0x00B0 | 0x00B1 | 0x00B4 | 0x00B6 | 0x00B7 | 0x00D7 | 0x00F7
        | 0x02C7..=0x02D9
        | 0x0391..=0x03C9
        | 0x0401..=0x0451
        | 0x1100..=0x115F
        | 0x2010..=0x203B
        | 0x2100..=0x2199
        | 0x2200..=0x22FF
        | 0x2312
        | 0x2460..=0x24FF
        | 0x2500..=0x27BF
        | 0x2E80..=0x303E
        | 0x3040..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE10..=0xFE19
        | 0xFE30..=0xFE6F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD)
}

/// Display width in units (full-width 2, others 1).
pub(super) fn units(c: char) -> f64 {
    if is_wide(c) { 2.0 } else { 1.0 }
}

/// Punctuation that may not begin a line (it is carried with the character before it).
pub(super) fn is_closing(c: char) -> bool {
    "，。、；：？！）》」』】〕〉”’％…—·,.;:?!)]}%'\"".contains(c)
}

/// Punctuation that may not end a line (it is carried with the character after it).
pub(super) fn is_opening(c: char) -> bool {
    "（《「『【〔〈“‘([{".contains(c)
}

pub(super) fn is_space(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\u{3000}'
}

/// Number of lines `text` wraps to in a width of `avail` units: paragraphs split at line
/// breaks; Chinese text breaks between any two characters (but not before closing or after
/// opening punctuation), runs of other characters only at spaces, and words longer than a line
/// are broken anywhere — the way Excel and WPS wrap.
pub(super) fn wrapped_lines(text: &str, avail: f64) -> usize {
    let avail = avail.max(2.0);
    text.split('\n')
        .map(|p| paragraph_lines(p.trim_end_matches('\r'), avail))
        .sum::<usize>()
        .max(1)
}

pub(super) fn paragraph_lines(paragraph: &str, avail: f64) -> usize {
    // Tokens: (width, is_space).
    let mut tokens: Vec<(f64, bool)> = Vec::new();
    // Whether the last token is a run of narrow characters (a word) or ends with opening
    // punctuation, so that the next character joins it.
    let mut open_word = false;
    let mut open_punct = false;
    for c in paragraph.chars() {
        if is_space(c) {
            tokens.push((units(c), true));
            open_word = false;
            open_punct = false;
            continue;
        }
        let w = units(c);
        let joins = match tokens.last() {
            Some((_, false)) => open_punct || is_closing(c) || (open_word && !is_wide(c)),
            _ => false,
        };
        if joins {
            if let Some(last) = tokens.last_mut() {
                last.0 += w;
            }
        } else {
            tokens.push((w, false));
        }
        open_word = !is_wide(c);
        open_punct = is_opening(c);
    }

    let mut lines = 1usize;
    let mut used = 0.0f64;
    for (w, space) in tokens {
        if space {
            // Spaces hang at the end of a line; one that does not fit ends it.
            if used + w <= avail {
                used += w;
            } else {
                lines += 1;
                used = 0.0;
            }
            continue;
        }
        if used + w <= avail {
            used += w;
            continue;
        }
        if used > 0.0 {
            lines += 1;
        }
        // A token wider than a line is broken anywhere.
        let mut rest = w;
        while rest > avail {
            lines += 1;
            rest -= avail;
        }
        used = rest;
    }
    lines
}

/// Height in points that `text` needs in a range `px` pixels wide at `size` points.
pub(super) fn text_height(text: &str, px: f64, size: f64) -> f64 {
    // One unit (a half-width character) is half an em.
    let unit_px = size * 96.0 / 72.0 / 2.0;
    let avail = ((px - CELL_MARGIN_PX) * WIDTH_SAFETY / unit_px).max(1.0);
    wrapped_lines(text, avail) as f64 * size * LINE_FACTOR + ROW_PADDING_PT
}

/// Height in points of stacked (one character per line) text.
pub(super) fn stacked_height(text: &str, size: f64) -> f64 {
    let chars = text.chars().filter(|c| !c.is_whitespace()).count().max(1);
    chars as f64 * size * LINE_FACTOR + ROW_PADDING_PT
}

/// The height each grid row needs so that no cell's text is hidden: single-row cells set
/// their row's height, then cells spanning rows (fewest rows first) spread any shortfall
/// evenly over their rows.
pub(super) fn grid_heights(section: &Section, col_px: &[f64]) -> Vec<f64> {
    let mut heights = vec![MIN_GRID_ROW_PT; section.rows.len()];
    let mut spanning: Vec<(usize, usize, f64)> = Vec::new();
    for (r, row) in section.rows.iter().enumerate() {
        for cell in &row.cells {
            let px: f64 = col_px[cell.col..cell.col + cell.colspan.max(1)]
                .iter()
                .sum();
            let need = if cell.vertical {
                stacked_height(&cell.text, BODY_PT)
            } else {
                text_height(&cell.text, px, BODY_PT)
            };
            let rowspan = cell.rowspan.max(1);
            if rowspan == 1 {
                heights[r] = heights[r].max(need);
            } else {
                spanning.push((r, rowspan, need));
            }
        }
    }
    spanning.sort_by_key(|&(r, rowspan, _)| (rowspan, r));
    for (r, rowspan, need) in spanning {
        let have: f64 = heights[r..r + rowspan].iter().sum();
        if need > have {
            let extra = (need - have) / rowspan as f64;
            for h in &mut heights[r..r + rowspan] {
                *h += extra;
            }
        }
    }
    heights
}

/// Splits every grid row whose estimated height exceeds Excel's row limit into as many sheet
/// rows as it needs: cells starting in or spanning over it are merged down over the new rows,
/// and formula references are remapped. Returns the new section, its row heights and the
/// new row of each row of `section`.
pub(super) fn split_tall_rows(
    section: &Section,
    heights: &[f64],
) -> (Section, Vec<f64>, Vec<usize>) {
    let per_row = MAX_ROW_PT - 9.0;
    let extra: Vec<usize> = heights
        .iter()
        .map(|&h| {
            if h > MAX_ROW_PT {
                (h / per_row).ceil() as usize - 1
            } else {
                0
            }
        })
        .collect();
    if extra.iter().all(|&e| e == 0) {
        return (
            section.clone(),
            heights.to_vec(),
            (0..section.rows.len()).collect(),
        );
    }
    let mut start = Vec::with_capacity(extra.len());
    let mut added = 0;
    for (r, e) in extra.iter().enumerate() {
        start.push(r + added);
        added += e;
    }
    let remap = |(r, c): CellRef| (start[r], c);
    let mut out = section.clone();
    out.rows.clear();
    let mut new_heights = Vec::new();
    for (r, row) in section.rows.iter().enumerate() {
        let mut row = row.clone();
        for cell in &mut row.cells {
            let last = r + cell.rowspan.max(1) - 1;
            cell.rowspan = start[last] + extra[last] + 1 - start[r];
            if let CellValue::Formula { expr, .. } = &mut cell.value {
                match expr {
                    Formula::Sum { cells } => cells.iter_mut().for_each(|c| *c = remap(*c)),
                    Formula::Ratio { num, den } | Formula::CappedScore { num, den, .. } => {
                        *num = remap(*num);
                        *den = remap(*den);
                    }
                    Formula::Difference { a, b } | Formula::Growth { a, b } => {
                        *a = remap(*a);
                        *b = remap(*b);
                    }
                    Formula::Expr { expr } => {
                        for c in expr.cells_mut() {
                            *c = remap(*c);
                        }
                    }
                }
            }
        }
        let kind = row.kind;
        out.rows.push(row);
        let k = extra[r] + 1;
        for i in 0..k {
            if i > 0 {
                out.rows.push(crate::plan::Row::new(kind, Vec::new()));
            }
            new_heights.push(heights[r] / k as f64);
        }
    }
    (out, new_heights, start)
}

/// A height in points as whole pixels (how Excel stores it), rounded up so that no estimate
/// is cut, within Excel's 409pt limit.
pub(super) fn row_pixels(height: f64) -> u32 {
    let max_px = (MAX_ROW_PT * 4.0 / 3.0).floor();
    (height * 4.0 / 3.0).ceil().clamp(1.0, max_px) as u32
}
