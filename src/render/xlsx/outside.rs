//! What a sheet holds outside its grid: the unit lines above it, the signature line below it,
//! and the bar chart drawn from the table's own cells.

use super::*;

/// A native bar chart of the table's own cells: the labels and figures of `chart`'s column
/// on the rows it names, so the chart and the table cannot disagree.
pub(super) fn insert_chart(
    sheet: &mut Target<'_>,
    chart: &crate::plan::Chart,
    refs: &Refs,
    at_row: u32,
) -> Result<u32> {
    let (Some(&first), Some(&last)) = (chart.rows.first(), chart.rows.last()) else {
        return Ok(0);
    };
    let name = sheet.name();
    let (r0, c) = refs.sheet((first, chart.column))?;
    let (r1, _) = refs.sheet((last, chart.column))?;
    let (_, label_col) = refs.sheet((first, chart.label_column))?;
    let mut bar = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Bar);
    bar.title().set_name(&chart.title);
    bar.legend().set_hidden();
    bar.x_axis()
        .set_min(0.0)
        .set_max(chart.max.to_string().parse::<f64>().unwrap_or(100.0));
    bar.y_axis().set_reverse();
    bar.add_series()
        .set_categories((name.as_str(), r0, label_col, r1, label_col))
        .set_values((name.as_str(), r0, c, r1, c))
        .set_name(&chart.title);
    let height = (60 + 22 * chart.rows.len() as u32).min(1400);
    bar.set_width(720).set_height(height);
    sheet.insert_chart(at_row, 1, &bar)?;
    Ok(height)
}

/// The `unit_line` (left) and `unit_note` (right) above the grid: one row when both fit side by
/// side, else one row each.
pub(super) fn write_unit_lines(
    sheet: &mut Target<'_>,
    heights_px: &mut BTreeMap<u32, u32>,
    row: &mut u32,
    section: &Section,
    col_px: &[f64],
    styles: &Styles,
    free: &mut Vec<(u32, u16, String)>,
) -> Result<()> {
    let left = section.unit_line.as_deref().filter(|t| !t.is_empty());
    let right = section.unit_note.as_deref().filter(|t| !t.is_empty());
    let width = col_px.len();
    let last_col = (width - 1) as u16;
    let left_format = styles.free(false, BODY_PT, Align::Left);
    let right_format = styles.free(false, BODY_PT, Align::Right);
    let total_px: f64 = col_px.iter().sum();
    match (left, right) {
        (Some(l), Some(r)) if width >= 2 => {
            // Give the note as many columns from the right as it needs on one line, leaving
            // at least one column for the left-hand text.
            let unit_px = BODY_PT * 96.0 / 72.0 / 2.0;
            let need_px =
                r.chars().map(units).sum::<f64>() * unit_px / WIDTH_SAFETY + CELL_MARGIN_PX;
            let mut split = width - 1;
            let mut px = col_px[split];
            while px < need_px && split > 1 {
                split -= 1;
                px += col_px[split];
            }
            let left_px: f64 = col_px[..split].iter().sum();
            put(sheet, *row, 0, split as u16 - 1, l, &left_format)?;
            put(sheet, *row, split as u16, last_col, r, &right_format)?;
            free.push((*row, 0, l.to_string()));
            free.push((*row, split as u16, r.to_string()));
            let height = text_height(l, left_px, BODY_PT).max(text_height(r, px, BODY_PT));
            set_height(sheet, heights_px, *row, row_pixels(height))?;
            *row += 1;
        }
        _ => {
            for (text, format) in [(left, &left_format), (right, &right_format)] {
                if let Some(text) = text {
                    put(sheet, *row, 0, last_col, text, format)?;
                    free.push((*row, 0, text.to_string()));
                    set_height(
                        sheet,
                        heights_px,
                        *row,
                        row_pixels(text_height(text, total_px, BODY_PT)),
                    )?;
                    *row += 1;
                }
            }
        }
    }
    Ok(())
}

/// The signature line under the grid: the `(label, value)` pairs side by side, each over an
/// equal share of the columns (all in one cell when there are more pairs than columns).
pub(super) fn write_signature(
    sheet: &mut Target<'_>,
    heights_px: &mut BTreeMap<u32, u32>,
    row: u32,
    section: &Section,
    col_px: &[f64],
    styles: &Styles,
    free: &mut Vec<(u32, u16, String)>,
) -> Result<()> {
    let pairs = &section.signature;
    if pairs.is_empty() {
        return Ok(());
    }
    let format = styles.free(false, BODY_PT, Align::Left);
    let width = col_px.len();
    let texts = crate::plan::signature_texts(pairs);
    let mut height: f64 = MIN_GRID_ROW_PT;
    if pairs.len() <= width {
        let k = pairs.len();
        for (i, text) in texts.iter().enumerate() {
            let (first, end) = (i * width / k, (i + 1) * width / k);
            put(sheet, row, first as u16, (end - 1) as u16, text, &format)?;
            free.push((row, first as u16, text.clone()));
            let px: f64 = col_px[first..end].iter().sum();
            height = height.max(text_height(text, px, BODY_PT));
        }
    } else {
        let text = crate::plan::signature_line(pairs);
        put(sheet, row, 0, (width - 1) as u16, &text, &format)?;
        free.push((row, 0, text.clone()));
        height = height.max(text_height(&text, col_px.iter().sum(), BODY_PT));
    }
    set_height(sheet, heights_px, row, row_pixels(height))?;
    Ok(())
}
