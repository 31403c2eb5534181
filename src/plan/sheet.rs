//! The table of a section as its blocks plan it, top to bottom: one [`Sheet`] per section,
//! whatever the document runs over. A block appends its rows at their final index, so a formula
//! names the cells it means when it is made (no offset is added afterwards); cells whose formula
//! needs cells of later blocks are registered in [`Refs`] and made when the section closes.

use super::{CellRef, Chart, Row};

/// Cells whose value is a formula over cells planned later (or earlier) in the same scope.
#[derive(Default)]
pub struct Refs {
    /// Printed budget source cells (`项目.资金.<来源>`) and their source keys.
    pub budget_sources: Vec<(CellRef, String)>,
    /// `项目.资金.合计` cells, as `(row, index in row)`.
    pub budget_totals: Vec<(usize, usize)>,
    /// Printed score cells (the execution score and every indicator score).
    pub scores: Vec<CellRef>,
    /// `自评.总分` cells.
    pub score_totals: Vec<(usize, usize)>,
    /// The department-wide part's printed scores (its execution score and indicator scores),
    /// kept apart from the projects' in a document that prints both.
    pub wide_scores: Vec<CellRef>,
    /// `部门整体.自评.总分` cells.
    pub wide_score_totals: Vec<(usize, usize)>,
}

impl Refs {
    /// The list a printed score is registered in: the department-wide part's or a project's.
    pub fn scores_of(&mut self, wide: bool) -> &mut Vec<CellRef> {
        if wide {
            &mut self.wide_scores
        } else {
            &mut self.scores
        }
    }
}

/// A section's table being planned.
pub struct Sheet {
    /// The number of grid columns.
    pub width: usize,
    /// The rows planned so far.
    pub rows: Vec<Row>,
    /// Lines a block prints under the table, before the document's notes (a `list` block's).
    pub lines: Vec<String>,
    /// Notes a block adds after the document's (a total's rounding note).
    pub notes: Vec<String>,
    /// The chart under the table (a `chart` block's).
    pub chart: Option<Chart>,
    /// The document's index among its style's documents, and the block being planned (a
    /// grid's rows name both for the xlsx twin).
    pub document: usize,
    pub block: usize,
    /// Totals made formulas when the section closes.
    pub refs: Refs,
    /// The rows a grid has printed so far (`序号`, the running number of its indicator rows).
    pub grid_line: usize,
}

impl Sheet {
    pub fn new(width: usize, document: usize) -> Sheet {
        Sheet {
            width,
            rows: Vec::new(),
            lines: Vec::new(),
            notes: Vec::new(),
            chart: None,
            document,
            block: 0,
            refs: Refs::default(),
            grid_line: 0,
        }
    }
}
