//! xlsx rendering: the table plan → one worksheet per [`Section`], written with
//! `rust_xlsxwriter`.
//!
//! The workbook is meant to be opened in Excel and WPS, checked, printed and filed, so:
//!
//! - numbers stay numbers (with a number format showing exactly the planned decimals), sums and
//!   ratios are live formulas that also carry their computed result, and text is always written
//!   as a string (a target such as `=236人` never becomes a formula);
//! - every grid cell, merged or not, has a thin border, and row heights are computed from the
//!   text so that nothing is hidden (Excel does not auto-fit wrapped text in merged cells);
//! - each sheet prints on A4, one page wide, with the column header repeated on every page and a
//!   `第 N 页 共 M 页` footer; given the PDF's layout ([`write_workbook_paged`]) it breaks its
//!   pages before the same rows as the PDF, with the PDF's margins, and is made wider (so it
//!   prints smaller) where its tallest page would not fit the paper;
//! - the output is reproducible: identical input gives identical bytes (the creation time is
//!   derived from the budget year and the zip entries carry a fixed timestamp).

mod formulas;
mod measure;
mod names;
mod outside;
mod page;
mod target;
#[cfg(test)]
mod tests;
mod twin;

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula as XlsxFormula,
    Workbook, Worksheet,
};

use crate::plan::{Align, Cell, CellRef, CellValue, Document, Role, Section};
use crate::render::PageStarts;
use formulas::Refs;
use measure::{
    column_px, column_widths, grid_heights, row_pixels, split_tall_rows, text_height, units,
};
use twin::write_twin;

pub use names::sheet_names;
use page::{PageFit, Print, cut_at_pages, page_setup, set_height};
pub use target::sections_measured_and_written;
use target::{Target, count_measured, count_written};

/// The font faces used in the workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XlsxFonts {
    /// Face of body text and numbers, e.g. `宋体`.
    pub body: String,
    /// Face of titles and form labels, e.g. `黑体`.
    pub heading: String,
}

impl Default for XlsxFonts {
    fn default() -> Self {
        XlsxFonts {
            body: "宋体".to_string(),
            heading: "黑体".to_string(),
        }
    }
}

/// Body text size (五号).
const BODY_PT: f64 = 10.5;
/// Size of the table title.
const TITLE_PT: f64 = 16.0;
/// Size of the heading line above the title (`附件1-1：`).
const HEADING_PT: f64 = 12.0;
/// Size of the subtitle under the title (`(2023年)`).
const SUBTITLE_PT: f64 = 11.0;
/// The GB2312 character set, so that Excel and WPS map the face names correctly.
const CHARSET_GB2312: u8 = 134;

/// Total width of the columns in Excel character units, landscape and portrait.
const TOTAL_WIDTH_LANDSCAPE: f64 = 150.0;
const TOTAL_WIDTH_PORTRAIT: f64 = 100.0;
/// Width of Excel's "character unit": the maximum digit width of the default font
/// (Calibri 11) in pixels, and the padding Excel adds to every column.
const DIGIT_PX: f64 = 7.0;
const COLUMN_PADDING_PX: f64 = 5.0;
/// Pixels lost to the cell's inner margins and grid line, per merged range.
const CELL_MARGIN_PX: f64 = 6.0;
/// Fraction of a range's inner width that the estimate assumes to be usable, to absorb font
/// metric differences between Excel, WPS and the fonts installed.
const WIDTH_SAFETY: f64 = 0.94;
/// Line height as a multiple of the font size (10.5pt text → 14pt lines).
const LINE_FACTOR: f64 = 4.0 / 3.0;
/// Extra height of a row beyond its lines of text, in points.
const ROW_PADDING_PT: f64 = 5.0;
/// Smallest height of a grid row, in points.
const MIN_GRID_ROW_PT: f64 = 20.0;
/// Excel's maximum row height, in points.
const MAX_ROW_PT: f64 = 409.0;
/// Excel's limit on the arguments of one function call.
const MAX_FUNCTION_ARGS: usize = 255;

/// How often a sheet is written again wider ([`write_workbook_paged`]), and by how much more
/// than its overflow.
const WIDEN_ROUNDS: usize = 4;
const WIDEN_STEP: f64 = 1.01;
/// Excel's limit on the manual page breaks of one sheet.
const MAX_PAGE_BREAKS: usize = 1023;

/// Writes the document as an xlsx workbook, one worksheet per section, and returns its bytes.
///
/// Identical input gives identical bytes. Fails when a section's grid is inconsistent (a cell
/// outside the columns or rows, overlapping cells, a formula referring outside the grid).
pub fn write_workbook(doc: &Document, fonts: &XlsxFonts) -> Result<Vec<u8>> {
    let next_year = i32::from(doc.year).saturating_add(1);
    write_workbook_created(doc, fonts, (next_year, 1, 1))
}

/// [`write_workbook`] with the creation time (`dcterms:created`, `dcterms:modified`) set to
/// `created` (year, month, day) at 00:00 UTC, the date `build` also gives the PDF: 1 January
/// of the year after the budget year, or the day of `SOURCE_DATE_EPOCH` when that is set. A
/// year outside Excel's 1900–9999 is clamped into it.
pub fn write_workbook_created(
    doc: &Document,
    fonts: &XlsxFonts,
    created: (i32, u8, u8),
) -> Result<Vec<u8>> {
    write_workbook_twin(doc, fonts, created, None)
}

/// What a department's twin carries besides its tables (its hidden sheet).
pub use super::Provenance as Twin;

/// What one section's sheet holds, for the twin sheet.
struct Written {
    sheet: String,
    /// The section as written (rows taller than Excel allows split) and the sheet row of
    /// its row 0.
    section: Section,
    first_row: u32,
    /// Texts outside the grid: `(row, column, text)`.
    free: Vec<(u32, u16, String)>,
}

/// [`write_workbook_created`], with the twin sheet when `twin` is given.
pub fn write_workbook_twin(
    doc: &Document,
    fonts: &XlsxFonts,
    created: (i32, u8, u8),
    twin: Option<&Twin>,
) -> Result<Vec<u8>> {
    write_workbook_paged(doc, fonts, created, twin, None)
}

/// The deflate level of the workbook's zip (rust_xlsxwriter's default is 6). Level 1 makes a
/// workbook about a third larger (one-project tables: 12.5 → 16.4 KB) and takes 30 % fewer
/// instructions to write (callgrind, 19 one-project departments: 3.4 % of the whole build).
const ZIP_LEVEL: u8 = 1;

/// [`write_workbook_twin`] printing page for page like the PDF when `pages` (the PDF's
/// layout) is given: each sheet breaks its pages before the same rows, on the same paper with
/// the same margins; a merged cell that crosses a break is cut there, each piece repeating
/// its text, as in the PDF. Without `pages` the spreadsheet program paginates.
pub fn write_workbook_paged(
    doc: &Document,
    fonts: &XlsxFonts,
    created: (i32, u8, u8),
    twin: Option<&Twin>,
    pages: Option<&PageStarts>,
) -> Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    workbook.set_zip_compression_level(ZIP_LEVEL);
    workbook.set_properties(&properties(doc, created)?);

    let names: Vec<String> = doc.sections.iter().map(|s| s.name.clone()).collect();
    let names = sheet_names(&names);
    let styles = Styles { fonts };
    let mut written: Vec<Written> = Vec::new();

    for (i, (section, name)) in doc.sections.iter().zip(&names).enumerate() {
        let preamble = if i == 0 {
            doc.preamble.as_deref()
        } else {
            None
        };
        let mut print = Print {
            landscape: doc.landscape,
            starts: pages.and_then(|p| p.sections.get(i)).map(Vec::as_slice),
            page: pages,
            widen: 1.0,
        };
        let failed = || format!("写入工作表「{}」失败", section.name);
        // A sheet whose tallest page would not fit the paper at the scale its width prints at
        // is made wider (so it prints smaller; wider columns wrap no more lines): measured at
        // each width tried, then written once.
        if print.page.is_some() {
            let mut rounds = 0;
            loop {
                let (_, _, over) = write_section(
                    &mut Target::Measure,
                    section,
                    preamble,
                    &print,
                    &styles,
                    &mut Vec::new(),
                )
                .with_context(failed)?;
                count_measured();
                rounds += 1;
                if over <= 1.0 || rounds >= WIDEN_ROUNDS {
                    break;
                }
                print.widen *= over * WIDEN_STEP;
            }
        }
        let mut sheet = Worksheet::new();
        sheet
            .set_name(name)
            .with_context(|| format!("工作表名称无效：{name}"))?;
        let mut free = Vec::new();
        let (first_row, expanded, _) = write_section(
            &mut Target::Sheet(&mut sheet),
            section,
            preamble,
            &print,
            &styles,
            &mut free,
        )
        .with_context(failed)?;
        count_written();
        workbook.push_worksheet(sheet);
        written.push(Written {
            sheet: name.clone(),
            section: expanded,
            first_row,
            free,
        });
    }
    if let Some(twin) = twin
        && !doc.sections.is_empty()
    {
        write_twin(workbook.add_worksheet(), twin, &written)?;
    }
    if doc.sections.is_empty() {
        // A workbook needs one sheet; Excel refuses a file without any.
        let name = sheet_names(std::slice::from_ref(&doc.title)).remove(0);
        workbook.add_worksheet().set_name(name)?;
    }

    workbook.save_to_buffer().context("xlsx 工作簿序列化失败")
}

/// Document properties with a fixed creation time (`created` at 00:00 UTC), so the output does
/// not depend on the clock.
fn properties(doc: &Document, created: (i32, u8, u8)) -> Result<DocProperties> {
    let (y, m, d) = created;
    let year = u16::try_from(y.clamp(1900, 9999)).unwrap_or(1900);
    let created = ExcelDateTime::from_ymd(year, m, d)
        .map_err(|e| anyhow::anyhow!("无效的创建日期 {y:04}-{m:02}-{d:02}：{e}"))?;
    Ok(DocProperties::new()
        .set_title(&doc.title)
        .set_subject(&doc.subject)
        .set_author(&doc.department)
        .set_keywords(doc.keywords.join("; "))
        .set_company("")
        .set_creation_datetime(&created))
}

/// Format factory.
struct Styles<'a> {
    fonts: &'a XlsxFonts,
}

impl Styles<'_> {
    /// A format in the given face and size, vertically centred, wrapping.
    fn base(&self, face: &str, size: f64) -> Format {
        Format::new()
            .set_font_name(face)
            .set_font_size(size)
            .set_font_charset(CHARSET_GB2312)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap()
    }

    /// Text outside the grid (titles, notes): no border.
    fn free(&self, heading_face: bool, size: f64, align: Align) -> Format {
        let face = if heading_face {
            &self.fonts.heading
        } else {
            &self.fonts.body
        };
        self.base(face, size).set_align(horizontal(align))
    }

    /// A grid cell: thin borders, the cell's alignment, labels in the heading face, stacked
    /// text for vertical cells and a number format for numbers.
    fn grid(&self, cell: &Cell) -> Format {
        let face = if cell.role == Role::Label {
            &self.fonts.heading
        } else {
            &self.fonts.body
        };
        let mut format = self
            .base(face, BODY_PT)
            .set_border(FormatBorder::Thin)
            .set_align(horizontal(cell.align));
        if cell.vertical {
            format = format.set_rotation(270);
        }
        if let Some(code) = number_format(&cell.value) {
            format = format.set_num_format(code);
        }
        format
    }

    /// A grid position that no cell covers: borders only.
    fn gap(&self) -> Format {
        self.base(&self.fonts.body, BODY_PT)
            .set_border(FormatBorder::Thin)
    }
}

fn horizontal(align: Align) -> FormatAlign {
    match align {
        Align::Left => FormatAlign::Left,
        Align::Center => FormatAlign::Center,
        Align::Right => FormatAlign::Right,
    }
}

/// The number format of a typed value: exactly its decimals, as a number or a percentage.
fn number_format(value: &CellValue) -> Option<String> {
    match value {
        CellValue::Number {
            decimals,
            thousands,
            ..
        } => Some(decimals_format(*decimals, false, *thousands)),
        CellValue::Percent { decimals, .. } => Some(decimals_format(*decimals, true, false)),
        CellValue::Formula {
            percent,
            decimals,
            thousands,
            ..
        } => Some(decimals_format(*decimals, *percent, *thousands)),
        CellValue::Text | CellValue::Empty => None,
    }
}

/// `0`, `0.00`, `0.000%`, `#,##0.00`…; Excel shows at most 30 decimals.
fn decimals_format(decimals: u32, percent: bool, thousands: bool) -> String {
    let decimals = decimals.min(30) as usize;
    let mut code = if thousands { "#,##0" } else { "0" }.to_string();
    if decimals > 0 {
        code.push('.');
        code.push_str(&"0".repeat(decimals));
    }
    if percent {
        code.push('%');
    }
    code
}

/// The f64 nearest to a decimal (via its exact decimal text, which parses correctly rounded).
fn to_f64(value: &Decimal) -> f64 {
    value.to_string().parse().unwrap_or(0.0)
}

/// The grid of one section with every position resolved to the cell that covers it.
struct Grid<'a> {
    section: &'a Section,
    /// For each grid position, the `(row, index in row.cells)` of the covering cell.
    owner: Vec<Vec<Option<(usize, usize)>>>,
}

impl<'a> Grid<'a> {
    /// Checks spans and overlaps and builds the ownership map.
    fn new(section: &'a Section) -> Result<Grid<'a>> {
        let width = section.width();
        let height = section.rows.len();
        let mut owner = vec![vec![None; width]; height];
        for (r, row) in section.rows.iter().enumerate() {
            for (i, cell) in row.cells.iter().enumerate() {
                let (rs, cs) = (cell.rowspan.max(1), cell.colspan.max(1));
                if cell.col + cs > width || r + rs > height {
                    bail!(
                        "第 {} 行第 {} 列的单元格（{}）超出表格范围（{height} 行 × {width} 列）",
                        r + 1,
                        cell.col + 1,
                        cell.text
                    );
                }
                for line in &mut owner[r..r + rs] {
                    for slot in &mut line[cell.col..cell.col + cs] {
                        if slot.is_some() {
                            bail!(
                                "第 {} 行第 {} 列的单元格（{}）与其他单元格重叠",
                                r + 1,
                                cell.col + 1,
                                cell.text
                            );
                        }
                        *slot = Some((r, i));
                    }
                }
            }
        }
        Ok(Grid { section, owner })
    }

    /// The top-left position of the cell covering `at` (a reference into a merged range
    /// points to where its value is written).
    fn anchor(&self, at: CellRef) -> Result<CellRef> {
        let (r, c) = at;
        match self
            .owner
            .get(r)
            .and_then(|line| line.get(c))
            .copied()
            .flatten()
        {
            Some((row, i)) => Ok((row, self.section.rows[row].cells[i].col)),
            None if r < self.owner.len() && c < self.section.width() => Ok(at),
            None => bail!(
                "公式引用了表格之外的单元格（第 {} 行第 {} 列）",
                r + 1,
                c + 1
            ),
        }
    }
}

/// Writes `text` across columns `first..=last` of `row` (merged when wider than one column).
fn put(
    sheet: &mut Target<'_>,
    row: u32,
    first: u16,
    last: u16,
    text: &str,
    format: &Format,
) -> Result<()> {
    if last > first {
        sheet.merge_range(row, first, row, last, "", format)?;
    }
    if text.is_empty() {
        sheet.write_blank(row, first, format)?;
    } else {
        sheet.write_string_with_format(row, first, text, format)?;
    }
    Ok(())
}

/// Writes one section into its worksheet. Returns the sheet row of the grid's first row, the
/// section as written and, for a sheet given page starts, how much taller its tallest page is
/// than the paper holds at its scale (at most 1 when it fits).
fn write_section(
    sheet: &mut Target<'_>,
    section: &Section,
    preamble: Option<&str>,
    print: &Print<'_>,
    styles: &Styles,
    free: &mut Vec<(u32, u16, String)>,
) -> Result<(u32, Section, f64)> {
    let landscape = print.landscape;
    let cut;
    let section = match print.starts {
        Some(starts) if !starts.is_empty() => {
            // Spans and overlaps are checked before the cut.
            Grid::new(section)?;
            cut = cut_at_pages(section, starts);
            &cut
        }
        _ => section,
    };
    let width = section.width();
    if width == 0 {
        bail!("表格没有列");
    }
    if width > u16::MAX as usize {
        bail!("表格列数过多：{width}");
    }
    // Spans and overlaps are checked before anything is measured.
    Grid::new(section)?;
    let widths = column_widths(section, landscape, print.widen);
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    let col_px: Vec<f64> = widths.iter().map(|&w| column_px(w)).collect();
    // A row taller than Excel allows becomes several sheet rows, its cells merged over them.
    let (expanded, heights, sheet_rows) = split_tall_rows(section, &grid_heights(section, &col_px));
    let section = &expanded;
    let grid = Grid::new(section)?;
    let expanded = section.clone();
    let total_px: f64 = col_px.iter().sum();
    let last_col = (width - 1) as u16;

    let mut row: u32 = 0;
    // The height of every sheet row written, in pixels (for the pages' heights).
    let mut sheet_px: BTreeMap<u32, u32> = BTreeMap::new();
    // A full-width line outside the grid.
    let line = |sheet: &mut Target<'_>,
                heights_px: &mut BTreeMap<u32, u32>,
                free: &mut Vec<(u32, u16, String)>,
                row: &mut u32,
                text: &str,
                format: &Format,
                size: f64,
                min: f64|
     -> Result<()> {
        put(sheet, *row, 0, last_col, text, format)?;
        free.push((*row, 0, text.to_string()));
        let height = text_height(text, total_px, size).max(min);
        set_height(sheet, heights_px, *row, row_pixels(height))?;
        *row += 1;
        Ok(())
    };

    if let Some(text) = preamble.filter(|t| !t.trim().is_empty()) {
        let format = styles.free(false, BODY_PT, Align::Left);
        line(
            sheet,
            &mut sheet_px,
            free,
            &mut row,
            text,
            &format,
            BODY_PT,
            0.0,
        )?;
    }
    if let Some(text) = section.heading.as_deref().filter(|t| !t.is_empty()) {
        let format = styles.free(true, HEADING_PT, Align::Left);
        line(
            sheet,
            &mut sheet_px,
            free,
            &mut row,
            text,
            &format,
            HEADING_PT,
            0.0,
        )?;
    }
    let title = styles.free(true, TITLE_PT, Align::Center);
    line(
        sheet,
        &mut sheet_px,
        free,
        &mut row,
        &section.title,
        &title,
        TITLE_PT,
        30.0,
    )?;
    if let Some(text) = section.subtitle.as_deref().filter(|t| !t.is_empty()) {
        let format = styles.free(false, SUBTITLE_PT, Align::Center);
        line(
            sheet,
            &mut sheet_px,
            free,
            &mut row,
            text,
            &format,
            SUBTITLE_PT,
            0.0,
        )?;
    }
    outside::write_unit_lines(
        sheet,
        &mut sheet_px,
        &mut row,
        section,
        &col_px,
        styles,
        free,
    )?;

    // The grid.
    let first_row = row;
    let refs = Refs {
        grid: &grid,
        first_row,
    };
    for (r, grid_row) in section.rows.iter().enumerate() {
        let sheet_row = first_row + r as u32;
        set_height(sheet, &mut sheet_px, sheet_row, row_pixels(heights[r]))?;
        for cell in &grid_row.cells {
            write_cell(sheet, sheet_row, cell, &refs, styles)?;
        }
        // Positions no cell covers still get their borders.
        for (c, owner) in grid.owner[r].iter().enumerate() {
            if owner.is_none() {
                sheet.write_blank(sheet_row, c as u16, &styles.gap())?;
            }
        }
    }
    row = first_row + section.rows.len() as u32;

    let header = section.header_rows();
    if !header.is_empty() {
        sheet.set_repeat_rows(
            first_row + header.start as u32,
            first_row + header.end as u32 - 1,
        )?;
    }

    // Notes and signatures.
    let below = row;
    let note = styles.free(false, BODY_PT, Align::Left);
    for text in &section.notes {
        line(
            sheet,
            &mut sheet_px,
            free,
            &mut row,
            text,
            &note,
            BODY_PT,
            0.0,
        )?;
    }
    outside::write_signature(sheet, &mut sheet_px, row, section, &col_px, styles, free)?;
    let chart_px = match &section.chart {
        Some(chart) => outside::insert_chart(sheet, chart, &refs, row + 3)?,
        None => 0,
    };

    page_setup(sheet, print);
    let mut over = 0.0;
    if let (Some(starts), Some(page)) = (print.starts, print.page) {
        // The PDF's page starts as manual breaks (a break goes above its row): grid rows at
        // their sheet row, the items below the grid (notes, then the signature) after it.
        let n = section.rows.len();
        let breaks: Vec<u32> = starts
            .iter()
            .filter_map(|&s| match sheet_rows.get(s) {
                Some(&r) => u32::try_from(r).ok().map(|r| first_row + r),
                None => u32::try_from(s.checked_sub(n)?).ok().map(|k| below + k),
            })
            .filter(|&r| r > 0)
            .collect();
        // Excel takes at most 1,023 manual breaks (a section that long is laid out in batches,
        // which give no page starts).
        let breaks: Vec<u32> = breaks.into_iter().take(MAX_PAGE_BREAKS).collect();
        if !breaks.is_empty() {
            sheet.set_page_breaks(&breaks)?;
        }
        let header_rows: Vec<u32> = header
            .clone()
            .filter_map(|r| u32::try_from(r).ok())
            .map(|r| first_row + r)
            .collect();
        let fit = PageFit {
            breaks: &breaks,
            header_rows: &header_rows,
            heights_px: &sheet_px,
            chart_px,
            chart_row: row + 3,
            width_px: total_px,
        };
        over = fit.overflow(page);
    }
    Ok((first_row, expanded, over))
}

/// Writes one grid cell (its merged range, then its typed value at the anchor).
fn write_cell(
    sheet: &mut Target<'_>,
    row: u32,
    cell: &Cell,
    refs: &Refs,
    styles: &Styles,
) -> Result<()> {
    let format = styles.grid(cell);
    let col = cell.col as u16;
    let (rowspan, colspan) = (cell.rowspan.max(1), cell.colspan.max(1));
    if rowspan > 1 || colspan > 1 {
        sheet.merge_range(
            row,
            col,
            row + rowspan as u32 - 1,
            col + colspan as u16 - 1,
            "",
            &format,
        )?;
    }
    match &cell.value {
        CellValue::Text if !cell.text.is_empty() => {
            sheet.write_string_with_format(row, col, &cell.text, &format)?;
        }
        CellValue::Text | CellValue::Empty => {
            sheet.write_blank(row, col, &format)?;
        }
        CellValue::Number { value, .. } | CellValue::Percent { value, .. } => {
            sheet.write_number_with_format(row, col, to_f64(value), &format)?;
        }
        CellValue::Formula { expr, result, .. } => {
            let text = refs.formula(expr)?;
            let formula = XlsxFormula::new(text).set_result(result.normalize().to_string());
            sheet.write_formula_with_format(row, col, formula, &format)?;
        }
    }
    Ok(())
}
