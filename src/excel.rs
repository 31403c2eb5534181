//! What Excel imposes and what jixiao's own workbooks promise their reader, shared by the xlsx
//! writer ([`crate::render::xlsx`]) and `jixiao import` ([`crate::import`]) and kept below both:
//! the limit of one cell, how a float cell reads as a number, and the twin's hidden data sheet
//! (its name, first cell and layout version; the layout is described in
//! [`crate::import::twin`]).

use rust_decimal::Decimal;

/// The most characters of one cell: Excel's limit.
pub const CELL_CHARS: usize = 32_767;

/// The hidden sheet of a twin.
pub const TWIN_SHEET: &str = "jixiao数据";
/// The first cell of the twin sheet, and the layout's version.
pub const TWIN_MARK: &str = "jixiao-twin";
pub const TWIN_VERSION: &str = "1";
/// The characters of the data file in one cell of the twin sheet: Excel's limit on one cell
/// ([`CELL_CHARS`]), less a margin.
pub const TWIN_CHUNK_CHARS: usize = 30_000;

/// The number a spreadsheet means by a float cell. Excel keeps and shows at most 15 significant
/// digits; the rest of a binary float is noise (10.368 is stored as 10.368000000000001). So the
/// float is written with 15 significant digits and read back exactly: 10.368 stays 10.368. The
/// cell's number format only adds trailing zeros ([`pad`]); it never rounds away digits the
/// clerk typed.
pub fn decimal_of_float(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    let s = format!("{f:.14e}");
    Decimal::from_scientific(&s).ok().map(|d| d.normalize())
}

#[cfg(test)]
mod tests {
    use super::decimal_of_float;

    #[test]
    fn floats_keep_the_shown_decimals() {
        assert_eq!(decimal_of_float(12.96 * 0.8).unwrap().to_string(), "10.368");
        assert_eq!(decimal_of_float(10.368).unwrap().to_string(), "10.368");
        assert_eq!(decimal_of_float(0.1 + 0.2).unwrap().to_string(), "0.3");
        assert_eq!(decimal_of_float(37.76).unwrap().to_string(), "37.76");
        assert_eq!(
            decimal_of_float(123456789012.5).unwrap().to_string(),
            "123456789012.5"
        );
        assert_eq!(decimal_of_float(-0.5).unwrap().to_string(), "-0.5");
        assert_eq!(decimal_of_float(0.0).unwrap().to_string(), "0");
        assert!(decimal_of_float(f64::NAN).is_none());
    }
}
