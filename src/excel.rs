//! What Excel imposes and what jixiao's own workbooks promise their reader, shared by the xlsx
//! writer ([`crate::render::xlsx`]) and `jixiao import` ([`crate::import`]) and kept below both:
//! the limit of one cell, how a float cell reads as a number, and the twin's hidden data sheet
//! (its name, first cell and layout version, and the kinds of its records and rows; the layout
//! is described in [`crate::import::twin`]).

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

/// The kind of a record of the twin sheet, written in its column A (one record a row; the
/// layout is described in [`crate::import::twin`]). The first row, [`TWIN_MARK`], is no record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwinRecord {
    /// A piece of the department's data.
    Data,
    /// A section's sheet.
    Sheet,
    /// A column of a section.
    Col,
    /// A row of a section ([`TwinRow`]).
    Row,
    /// A bound cell: its data path and what it printed.
    Cell,
    /// A printed text bound to no data.
    Free,
}

impl TwinRecord {
    const ALL: [TwinRecord; 6] = [
        TwinRecord::Data,
        TwinRecord::Sheet,
        TwinRecord::Col,
        TwinRecord::Row,
        TwinRecord::Cell,
        TwinRecord::Free,
    ];

    /// The text of column A.
    pub fn tag(self) -> &'static str {
        match self {
            TwinRecord::Data => "data",
            TwinRecord::Sheet => "sheet",
            TwinRecord::Col => "col",
            TwinRecord::Row => "row",
            TwinRecord::Cell => "cell",
            TwinRecord::Free => "free",
        }
    }

    /// The kind column A names; `None` for any other text.
    pub fn parse(tag: &str) -> Option<TwinRecord> {
        TwinRecord::ALL.into_iter().find(|k| k.tag() == tag)
    }
}

/// What a [`TwinRecord::Row`] record says its table row is (its column E).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwinRow {
    /// A body row of a grid: `g:文档:块:项目:指标` (`-` where there is no project or indicator).
    Grid {
        document: usize,
        block: usize,
        project: Option<usize>,
        indicator: Option<usize>,
    },
    /// Another row of the table: `t`.
    Table,
    /// A line outside the table: `x`.
    Outside,
}

impl TwinRow {
    /// The text of column E.
    pub fn tag(&self) -> String {
        let or_dash = |n: Option<usize>| n.map_or("-".to_string(), |n| n.to_string());
        match self {
            TwinRow::Grid {
                document,
                block,
                project,
                indicator,
            } => format!(
                "g:{document}:{block}:{}:{}",
                or_dash(*project),
                or_dash(*indicator)
            ),
            TwinRow::Table => "t".to_string(),
            TwinRow::Outside => "x".to_string(),
        }
    }

    /// The row kind column E names; `None` for any other text (a grid row without its document
    /// and block among them). A project or indicator that is no number reads as none.
    pub fn parse(tag: &str) -> Option<TwinRow> {
        match tag {
            "t" => Some(TwinRow::Table),
            "x" => Some(TwinRow::Outside),
            _ => {
                let p: Vec<&str> = tag.strip_prefix("g:")?.split(':').collect();
                let n = |i: usize| p.get(i).and_then(|v| v.parse::<usize>().ok());
                Some(TwinRow::Grid {
                    document: n(0)?,
                    block: n(1)?,
                    project: n(2),
                    indicator: n(3),
                })
            }
        }
    }
}

/// The number a spreadsheet means by a float cell. Excel keeps and shows at most 15 significant
/// digits; the rest of a binary float is noise (10.368 is stored as 10.368000000000001). So the
/// float is written with 15 significant digits and read back exactly: 10.368 stays 10.368. The
/// cell's number format only adds trailing zeros ([`crate::import::pad`]); it never rounds away digits the
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
    use super::{TwinRecord, TwinRow, decimal_of_float};

    #[test]
    fn twin_tags_read_back_as_written() {
        for tag in ["data", "sheet", "col", "row", "cell", "free"] {
            assert_eq!(TwinRecord::parse(tag).map(TwinRecord::tag), Some(tag));
        }
        assert_eq!(TwinRecord::parse("jixiao-twin"), None);
        for tag in ["t", "x", "g:0:1:-:-", "g:2:0:3:4"] {
            assert_eq!(TwinRow::parse(tag).map(|r| r.tag()).as_deref(), Some(tag));
        }
        assert_eq!(TwinRow::parse("g:1"), None);
        assert_eq!(TwinRow::parse("g:-:1:2:3"), None);
        assert_eq!(
            TwinRow::parse("g:1:2:?"),
            Some(TwinRow::Grid {
                document: 1,
                block: 2,
                project: None,
                indicator: None
            })
        );
    }

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
