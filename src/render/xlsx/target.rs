//! Where a section is written ([`super::write_section`]): a worksheet, or nowhere, to measure
//! a sheet's print fit at each width tried before it is written once.

use rust_xlsxwriter::{Format, Formula as XlsxFormula, Worksheet};

/// Where [`super::write_section`] writes a section: its worksheet, or nowhere, only measuring (the
/// rows' heights and the print fit come out the same, without a worksheet built for them).
pub(super) enum Target<'a> {
    Sheet(&'a mut Worksheet),
    Measure,
}

/// The worksheet methods [`super::write_section`] uses, through a [`Target`]: done on a sheet,
/// nothing when measuring.
macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        impl Target<'_> {
            $(
                pub(super) fn $name(&mut self, $($arg: $ty),*) -> Result<(), rust_xlsxwriter::XlsxError> {
                    match self {
                        Target::Sheet(sheet) => sheet.$name($($arg),*).map(|_| ()),
                        Target::Measure => Ok(()),
                    }
                }
            )*
        }
    };
}

forward! {
    set_column_width(col: u16, width: f64);
    merge_range(r0: u32, c0: u16, r1: u32, c1: u16, text: &str, format: &Format);
    write_blank(row: u32, col: u16, format: &Format);
    write_string_with_format(row: u32, col: u16, text: &str, format: &Format);
    write_number_with_format(row: u32, col: u16, value: f64, format: &Format);
    write_formula_with_format(row: u32, col: u16, formula: XlsxFormula, format: &Format);
    set_row_height_pixels(row: u32, px: u32);
    set_repeat_rows(first: u32, last: u32);
    set_page_breaks(breaks: &[u32]);
    insert_chart(row: u32, col: u16, chart: &rust_xlsxwriter::Chart);
}

impl Target<'_> {
    /// The sheet's name (none when measuring).
    pub(super) fn name(&self) -> String {
        match self {
            Target::Sheet(sheet) => sheet.name(),
            Target::Measure => String::new(),
        }
    }
}

thread_local! {
    /// How many sections this thread measured and wrote ([`super::write_workbook_paged`]): a
    /// sheet is measured once per print width tried, and written once.
    static COUNTS: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, 0)) };
}

/// Counts one section measured at a width.
pub(super) fn count_measured() {
    COUNTS.with(|c| c.set((c.get().0 + 1, c.get().1)));
}

/// Counts one section written.
pub(super) fn count_written() {
    COUNTS.with(|c| c.set((c.get().0, c.get().1 + 1)));
}

/// (sections measured, sections written) by this thread so far: what a sheet too tall for its
/// paper costs (each width tried is measured, not written).
pub fn sections_measured_and_written() -> (usize, usize) {
    COUNTS.with(std::cell::Cell::get)
}
