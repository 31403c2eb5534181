//! How a sheet prints: A4, orientation and margins, the PDF's page breaks (merged cells cut
//! where the PDF cuts them) and the scale that keeps each page of the PDF on one sheet page.

use super::*;

/// Page margins in inches: left, right, top, bottom, header, footer.
const MARGINS: (f64, f64, f64, f64, f64, f64) = (0.5, 0.5, 0.6, 0.7, 0.3, 0.3);
/// Margins in points (left, right, top, bottom) when the layout does not give them.
const DEFAULT_MARGINS_PT: [f64; 4] = [36.0, 36.0, 43.2, 50.4];
/// Excel's default row height in pixels (15 pt).
const DEFAULT_ROW_PX: u32 = 20;
/// The share of the page's height a sheet's page may fill, leaving room for the spreadsheet
/// program's own rounding of row heights.
const HEIGHT_FIT: f64 = 0.98;
/// A4 in Excel's paper-size numbering.
const PAPER_A4: u8 = 9;
/// Page footer: `第 1 页 共 3 页`, centred.
const FOOTER: &str = "&C第 &P 页 共 &N 页";

/// How one sheet prints: its orientation and, from the PDF's layout, its page starts, paper
/// and margins.
pub(super) struct Print<'a> {
    pub(super) landscape: bool,
    /// The section's page starts ([`PageStarts::sections`]).
    pub(super) starts: Option<&'a [usize]>,
    pub(super) page: Option<&'a PageStarts>,
    /// How much wider than usual the sheet is made ([`measure::column_widths`]).
    pub(super) widen: f64,
}

/// `section` with each merged cell that crosses one of the page `starts` cut there, as the
/// PDF cuts it. A piece below a break repeats what is printed: a figure as its number (its
/// formula stays in the first piece, which the sums refer to), not bound to the data
/// (`jixiao import` reads each figure once).
pub(super) fn cut_at_pages(section: &Section, starts: &[usize]) -> Section {
    let page_of = |r: usize| Some(starts.iter().filter(|&&s| s <= r).count());
    let mut cut = crate::render::pdf::pages::split_section_spans(section, page_of);
    for (r, row) in cut.rows.iter_mut().enumerate() {
        if starts.contains(&r) {
            for cell in &mut row.cells {
                let from_above = section.rows.get(r).is_none_or(|orig| {
                    !orig
                        .cells
                        .iter()
                        .any(|c| c.col == cell.col && c.colspan == cell.colspan)
                });
                if from_above {
                    cell.bind = None;
                    if let CellValue::Formula {
                        result,
                        percent,
                        decimals,
                        thousands,
                        ..
                    } = cell.value
                    {
                        cell.value = if percent {
                            CellValue::Percent {
                                value: result,
                                decimals,
                            }
                        } else {
                            CellValue::Number {
                                value: result,
                                decimals,
                                thousands,
                            }
                        };
                    }
                }
            }
        }
    }
    cut
}

/// Sets the height of a sheet row in pixels and records it in `heights_px`.
pub(super) fn set_height(
    sheet: &mut Target<'_>,
    heights_px: &mut BTreeMap<u32, u32>,
    row: u32,
    px: u32,
) -> Result<()> {
    sheet.set_row_height_pixels(row, px)?;
    heights_px.insert(row, px);
    Ok(())
}

/// What decides the print scale of a sheet that breaks its pages where the PDF does.
pub(super) struct PageFit<'a> {
    /// The manual breaks (the sheet row each page after the first starts at).
    pub(super) breaks: &'a [u32],
    /// The header rows repeated at the top of every page after the first.
    pub(super) header_rows: &'a [u32],
    /// The height of every written row, in pixels (others have Excel's default).
    pub(super) heights_px: &'a BTreeMap<u32, u32>,
    /// The chart's height in pixels and the row it is anchored at (0: no chart).
    pub(super) chart_px: u32,
    pub(super) chart_row: u32,
    /// The width of the columns, in pixels.
    pub(super) width_px: f64,
}

impl PageFit<'_> {
    /// How much taller the tallest page between two breaks (with its repeated header) is
    /// than the paper holds when the columns are printed one page wide: at most 1 when every
    /// page fits, so that the spreadsheet program adds no break of its own.
    ///
    /// The heights are those the rows were given (the xlsx's own text measurement), so the
    /// pages hold exactly the rows Typst put on them. The scale is Excel's (a character
    /// unit of 7 pixels); LibreOffice measures the columns about 7 % wider and so prints a
    /// little smaller, with room to spare.
    pub(super) fn overflow(&self, page: &PageStarts) -> f64 {
        let pt = |px: f64| px * 0.75;
        let row_pt = |r: u32| {
            pt(f64::from(
                *self.heights_px.get(&r).unwrap_or(&DEFAULT_ROW_PX),
            ))
        };
        let [left, right, top, bottom] = page.margins.unwrap_or(DEFAULT_MARGINS_PT);
        let (paper_w, paper_h) = page.paper;
        let usable_w = paper_w - left - right;
        let usable_h = paper_h - top - bottom;
        let end = self
            .heights_px
            .keys()
            .next_back()
            .map_or(0, |r| r.saturating_add(1));
        let header: f64 = self.header_rows.iter().map(|&r| row_pt(r)).sum();
        let mut starts = vec![0u32];
        starts.extend_from_slice(self.breaks);
        let mut tallest: f64 = 0.0;
        for (i, &from) in starts.iter().enumerate() {
            let to = starts.get(i + 1).copied().unwrap_or(end).max(from);
            let mut h: f64 = (from..to).map(row_pt).sum();
            if i > 0 {
                h += header;
            }
            if i + 1 == starts.len() && self.chart_px > 0 {
                let gap: f64 = (end..self.chart_row).map(row_pt).sum();
                h += gap + pt(f64::from(self.chart_px));
            }
            tallest = tallest.max(h);
        }
        // Printed one page wide, never enlarged.
        let scale = (usable_w / pt(self.width_px.max(1.0))).min(1.0);
        let over = tallest * scale / (usable_h * HEIGHT_FIT).max(1.0);
        if over.is_finite() { over } else { 1.0 }
    }
}

/// A4, orientation, one page wide, centred, margins (the PDF's when known) and the
/// page-number footer.
pub(super) fn page_setup(sheet: &mut Target<'_>, print: &Print<'_>) {
    let Target::Sheet(sheet) = sheet else {
        return;
    };
    sheet.set_paper_size(PAPER_A4);
    if print.landscape {
        sheet.set_landscape();
    } else {
        sheet.set_portrait();
    }
    sheet.set_print_fit_to_pages(1, 0);
    let (mut left, mut right, mut top, mut bottom, header, footer) = MARGINS;
    if let Some([l, r, t, b]) = print.page.and_then(|p| p.margins) {
        let inch = |pt: f64| (pt / 72.0 * 100.0).round() / 100.0;
        (left, right, top, bottom) = (inch(l), inch(r), inch(t), inch(b));
    }
    sheet.set_margins(left, right, top, bottom, header, footer);
    sheet.set_print_center_horizontally(true);
    sheet.set_footer(FOOTER);
}
