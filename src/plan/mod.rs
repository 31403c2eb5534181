//! The table plan: every official form is a grid. One [`Document`] per output file holds one
//! [`Section`] per sheet / page group (a project, or the whole department), each a grid of
//! [`Cell`]s with spans, roles and typed values. The PDF and xlsx renderers both walk this plan,
//! so the two outputs cannot drift apart; neither renderer does arithmetic.

use rust_decimal::Decimal;
use serde::Serialize;

/// One output document (one PDF and its xlsx twin).
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// The table kind: `target`, `self_eval`, `summary` or `list`.
    pub kind: String,
    /// The style that laid it out (`templates/<style>/`).
    pub style: String,
    /// The page template, `<style>/<file>.typ.j2`.
    #[serde(skip)]
    pub template: String,
    /// Base name of the output files, e.g. `项目支出绩效目标表`.
    pub file_stem: String,
    /// Metadata: title, author (the department), subject and keywords.
    pub title: String,
    pub author: String,
    pub subject: String,
    pub keywords: Vec<String>,
    pub department: String,
    pub year: u16,
    /// A4 landscape (`true`) or portrait.
    pub landscape: bool,
    /// The style allows a slightly tighter cell padding when that keeps a section on one page.
    #[serde(default, skip_serializing_if = "is_false")]
    pub fit_page: bool,
    /// Text that precedes the first section (e.g. `附件 2：…项目支出预算绩效目标表`).
    pub preamble: Option<String>,
    pub sections: Vec<Section>,
}

/// One project table (or the one table of a department-wide form).
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Project name (PDF outline entry, xlsx sheet name) or the document title.
    pub name: String,
    /// A heading above the title, e.g. `附件1-1：`.
    pub heading: Option<String>,
    /// The table title, e.g. `项目支出绩效目标表`.
    pub title: String,
    /// The line under the title, e.g. `(2023年)`.
    pub subtitle: Option<String>,
    /// Left-hand line above the grid, e.g. `填报部门（盖章）…`.
    pub unit_line: Option<String>,
    /// Right-hand line above the grid, e.g. `单位：万元`.
    pub unit_note: Option<String>,
    /// Relative column widths (any positive unit); both renderers scale them to the page.
    pub columns: Vec<f64>,
    pub rows: Vec<Row>,
    /// Notes printed under the grid, in order.
    pub notes: Vec<String>,
    /// Signature line under the grid: `(label, value)` pairs, e.g. `("部门主要领导（签字）：", "周维")`.
    pub signature: Vec<(String, String)>,
    /// A bar chart drawn under the table (region summaries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<Chart>,
}

/// The texts of a signature line, one a `(label, value)` pair, as printed.
pub fn signature_texts(pairs: &[(String, String)]) -> Vec<String> {
    pairs.iter().map(|(l, v)| format!("{l}{v}")).collect()
}

/// A signature line of more pairs than the table has columns, in the one cell it then fills.
pub fn signature_line(pairs: &[(String, String)]) -> String {
    signature_texts(pairs).join("\u{3000}\u{3000}")
}

/// One grid row.
/// A bar chart of one table column: a bar per body row, reference lines across.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub title: String,
    /// The bar labels (the departments).
    pub labels: Vec<String>,
    /// The figure of each bar; `None` draws no bar.
    pub values: Vec<Option<Decimal>>,
    /// Each figure as the table prints it.
    pub texts: Vec<String>,
    /// Reference lines (e.g. 90, 80, 60).
    pub lines: Vec<Decimal>,
    /// The end of the scale.
    pub max: Decimal,
    /// The table column the figures come from, and the table row of each bar (for the xlsx
    /// chart, which reads the same cells).
    pub column: usize,
    pub rows: Vec<usize>,
    /// The table column of the labels.
    pub label_column: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub kind: RowKind,
    /// The cells that start in this row, in column order. Columns covered by a span from an
    /// earlier row or column have no cell here.
    pub cells: Vec<Cell>,
    /// For a body row of an indicator grid: which grid and which indicator it prints (the
    /// xlsx twin records it so that `jixiao import` knows rows inserted among them).
    #[serde(skip)]
    pub grid: Option<GridRow>,
}

/// A body row of a grid block, for the xlsx twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridRow {
    /// The document's index among its style's `documents`, and the block's among its `blocks`.
    pub document: usize,
    pub block: usize,
    /// The project (index in the data file), and the indicator it prints (index in the
    /// project's `指标`), if any (padding rows print none).
    pub project: Option<usize>,
    pub indicator: Option<usize>,
}

/// Where a cell's value comes from in the data file, for the xlsx twin: `jixiao import`
/// reads an edited cell back into this place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// The data path: `部门`, `项目[0].负责人`, `项目[0].资金.财政拨款`, `项目[0].指标[3].三级`,
    /// `项目[0].指标[3].结果.实际完成值`, `项目[0].自评.资金.财政拨款.全年执行`…
    pub path: String,
    pub kind: BindKind,
    /// Text the style prints around the value (`指标1：` before `{{ 指标.三级 }}`).
    pub prefix: String,
    pub suffix: String,
}

impl Bind {
    /// A cell that prints the value at `path` and nothing around it.
    pub fn whole(path: String, kind: BindKind) -> Bind {
        Bind {
            path,
            kind,
            prefix: String::new(),
            suffix: String::new(),
        }
    }
}

/// How a bound value reads back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindKind {
    Text,
    /// An exact decimal (money, weight, score).
    Number,
    /// 总体目标: one line a goal.
    Goals,
    /// 佐证资料: items joined with `, `.
    List,
}

impl BindKind {
    pub fn name(self) -> &'static str {
        match self {
            BindKind::Text => "text",
            BindKind::Number => "number",
            BindKind::Goals => "goals",
            BindKind::List => "list",
        }
    }

    pub fn parse(s: &str) -> Option<BindKind> {
        Some(match s {
            "text" => BindKind::Text,
            "number" => BindKind::Number,
            "goals" => BindKind::Goals,
            "list" => BindKind::List,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// An ordinary row.
    Body,
    /// Part of the column header that repeats on every page (contiguous rows).
    Header,
    /// A total row (合计, 总分).
    Total,
}

/// One cell of the grid.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// Zero-based column where the cell starts.
    pub col: usize,
    pub rowspan: usize,
    pub colspan: usize,
    /// Exactly what is printed.
    pub text: String,
    /// The typed value behind `text`, for the xlsx writer.
    pub value: CellValue,
    pub role: Role,
    pub align: Align,
    /// Written top to bottom, one character per line (F4's 一级 cells).
    pub vertical: bool,
    /// The data behind the cell, where an edit of it can go back into the data file.
    #[serde(skip)]
    pub bind: Option<Bind>,
}

/// What a cell is, so the renderers can choose font and weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A printed form label (`项目名称`, column headings): 黑体 or bold per style.
    Label,
    /// User text.
    Text,
    /// Money in 万元.
    Money,
    /// A percentage.
    Percent,
    /// Weights and scores.
    Score,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    Left,
    Center,
    Right,
}

/// A reference to a cell of the same section: `(row index, column index)`.
pub type CellRef = (usize, usize);

/// The typed value of a cell.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CellValue {
    /// Text, written as a string (never a formula, even when it starts with `=`).
    Text,
    /// Nothing (an empty cell that only carries borders).
    Empty,
    /// A number shown with exactly `decimals` decimals (and thousands separators).
    Number {
        value: Decimal,
        decimals: u32,
        #[serde(default, skip_serializing_if = "is_false")]
        thousands: bool,
    },
    /// A fraction (0.9385) shown as a percentage with `decimals` decimals (93.85%).
    Percent { value: Decimal, decimals: u32 },
    /// A formula whose result is also stored.
    Formula {
        expr: Formula,
        result: Decimal,
        /// Show the result as a percentage.
        percent: bool,
        decimals: u32,
        /// Thousands separators (a money sum where the style prints them).
        #[serde(default, skip_serializing_if = "is_false")]
        thousands: bool,
    },
}

/// Formulas the forms need, in terms of other cells of the same section.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Formula {
    /// The sum of the cells.
    Sum { cells: Vec<CellRef> },
    /// `num / den`.
    Ratio { num: CellRef, den: CellRef },
    /// `a - b` (增减额).
    Difference { a: CellRef, b: CellRef },
    /// `(a - b) / b` (增长率).
    Growth { a: CellRef, b: CellRef },
    /// A formula a style declares over the cells of a row (`fund` block, `formula: ① + ②`).
    Expr { expr: CellExpr },
    /// `ROUND(points × MIN(num/den, 1), decimals)` — the budget-execution score.
    CappedScore {
        points: Decimal,
        num: CellRef,
        den: CellRef,
        decimals: u32,
    },
}

/// A declared formula over cells ([`crate::style::formula::Expr`] with its names resolved).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum CellExpr {
    Cell { at: CellRef },
    Add { a: Box<CellExpr>, b: Box<CellExpr> },
    Sub { a: Box<CellExpr>, b: Box<CellExpr> },
    Div { a: Box<CellExpr>, b: Box<CellExpr> },
}

impl CellExpr {
    /// Every cell reference, to be moved when rows are split.
    pub fn cells_mut(&mut self) -> Vec<&mut CellRef> {
        match self {
            CellExpr::Cell { at } => vec![at],
            CellExpr::Add { a, b } | CellExpr::Sub { a, b } | CellExpr::Div { a, b } => {
                let mut v = a.cells_mut();
                v.extend(b.cells_mut());
                v
            }
        }
    }
}

impl Cell {
    /// A text cell spanning one grid cell.
    pub fn text(col: usize, text: impl Into<String>, role: Role) -> Cell {
        Cell {
            col,
            rowspan: 1,
            colspan: 1,
            text: text.into(),
            value: CellValue::Text,
            role,
            align: if role == Role::Label {
                Align::Center
            } else {
                Align::Left
            },
            vertical: false,
            bind: None,
        }
    }

    /// A form label, centred.
    pub fn label(col: usize, text: impl Into<String>) -> Cell {
        Cell::text(col, text, Role::Label)
    }

    /// An empty cell (borders only).
    pub fn empty(col: usize) -> Cell {
        Cell {
            value: CellValue::Empty,
            ..Cell::text(col, "", Role::Text)
        }
    }

    pub fn span(mut self, rowspan: usize, colspan: usize) -> Cell {
        self.rowspan = rowspan.max(1);
        self.colspan = colspan.max(1);
        self
    }

    pub fn align(mut self, align: Align) -> Cell {
        self.align = align;
        self
    }

    pub fn vertical(mut self) -> Cell {
        self.vertical = true;
        self
    }
}

impl Row {
    pub fn new(kind: RowKind, cells: Vec<Cell>) -> Row {
        Row {
            kind,
            cells,
            grid: None,
        }
    }
}

impl Section {
    /// Number of grid columns.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// The indices of the rows that repeat as the column header on every page.
    pub fn header_rows(&self) -> std::ops::Range<usize> {
        let start = self.rows.iter().position(|r| r.kind == RowKind::Header);
        match start {
            Some(s) => {
                let len = self.rows[s..]
                    .iter()
                    .take_while(|r| r.kind == RowKind::Header)
                    .count();
                s..s + len
            }
            None => 0..0,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

mod beside;
mod builder;
pub mod cells;
pub mod context;
mod department;
mod document;
mod error;
mod fund;
mod grid;
mod money;
pub mod records;
mod sheet;

pub use department::plan_department;
pub use document::{Issuer, Keywords, Over, Part, Render, Signature, plan};
pub use error::PlanError;
pub use sheet::Sheet;
