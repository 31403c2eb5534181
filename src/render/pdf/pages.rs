//! Where a laid-out document's pages break, read back from the markers the Typst library
//! places (`jx-row`, `jx-tail`, `jx-margin`): the page of each body row, the page starts the
//! xlsx follows, and the plan with each merged cell that crosses a break split into one cell
//! per page.

use std::collections::HashMap;

use super::batch;
use super::engine::Engine;
use crate::plan::{Document, RowKind};

/// Where the pages of a laid-out document break, for the printed forms that follow the PDF's
/// pages (the xlsx): per section, each body row that begins a page after the section's first
/// (read from the `jx-row` markers), and each item below the grid that does (`jx-tail`: its
/// notes, then its signature, as `rows.len() + k`); the paper from the first page and the
/// margins the library announces (`jx-margin`). `None` for a document laid out in batches
/// (its markers are numbered per batch).
pub fn page_starts(
    laid_out: &typst_layout::PagedDocument,
    doc: &Document,
) -> Option<crate::render::PageStarts> {
    if batch::is_batched(doc, batch::batch_limits().0) {
        return None;
    }
    let rows = row_pages(laid_out);
    let tails = marked_pages(laid_out, "jx-tail");
    // The first page of each section's grid, and the document's last page: a section ends
    // on the page before the next one's grid.
    let mut firsts: Vec<Option<usize>> = vec![None; doc.sections.len()];
    for (&(si, _), &page) in &rows {
        if let Some(f) = firsts.get_mut(si) {
            *f = Some(f.map_or(page, |f: usize| f.min(page)));
        }
    }
    let total = laid_out.pages().len();
    let sections = doc
        .sections
        .iter()
        .enumerate()
        .map(|(si, sec)| {
            let n = sec.rows.len();
            let tail = (0..=sec.notes.len()).map(|k| (n.saturating_add(k), tails.get(&(si, k))));
            let marked = (0..n).map(|ri| (ri, rows.get(&(si, ri)))).chain(tail);
            let mut starts = Vec::new();
            let mut last: Option<usize> = None;
            for (at, page) in marked {
                let Some(&page) = page else { continue };
                if last.is_some_and(|l| l != page) {
                    starts.push(at);
                }
                last = Some(page);
            }
            // A library without `jx-tail` markers (an older copy in a project's templates):
            // what follows the grid starts a page when the section's pages go on past its
            // last row's.
            let has_tail = !sec.notes.is_empty() || !sec.signature.is_empty();
            let marked = (0..=sec.notes.len()).any(|k| tails.contains_key(&(si, k)));
            if has_tail && !marked {
                let end = firsts[si + 1..]
                    .iter()
                    .flatten()
                    .next()
                    .map_or(total, |f| f.saturating_sub(1));
                if last.is_some_and(|l| l < end) {
                    starts.push(n);
                }
            }
            starts
        })
        .collect();
    let paper = laid_out
        .pages()
        .first()
        .map(|p| (p.frame.width().to_pt(), p.frame.height().to_pt()))
        .unwrap_or((595.0, 842.0));
    let margins = Engine::labelled_metadata(laid_out, "jx-margin")
        .first()
        .and_then(|(v, _, _)| {
            let m: Vec<f64> = v
                .split_whitespace()
                .filter_map(|x| x.parse::<f64>().ok())
                .filter(|x| x.is_finite() && *x >= 0.0)
                .collect();
            <[f64; 4]>::try_from(m).ok()
        });
    Some(crate::render::PageStarts {
        sections,
        paper,
        margins,
    })
}

/// The page of every marked body row: `(section, row) → page`.
pub(super) fn row_pages(doc: &typst_layout::PagedDocument) -> HashMap<(usize, usize), usize> {
    marked_pages(doc, "jx-row")
}

/// The page of every `metadata("section:index")` carrying `label`.
fn marked_pages(doc: &typst_layout::PagedDocument, label: &str) -> HashMap<(usize, usize), usize> {
    Engine::labelled_metadata(doc, label)
        .into_iter()
        .filter_map(|(value, page, _)| {
            let v = value.trim_matches('"');
            let (s, r) = v.split_once(':')?;
            Some(((s.parse().ok()?, r.parse().ok()?), page))
        })
        .collect()
}

/// Whether any merged cell of `plan` spans rows on different pages.
pub(super) fn crosses_page(plan: &Document, pages: &HashMap<(usize, usize), usize>) -> bool {
    plan.sections.iter().enumerate().any(|(si, sec)| {
        sec.rows.iter().enumerate().any(|(ri, row)| {
            row.kind != RowKind::Header
                && row.cells.iter().any(|c| {
                    let first = pages.get(&(si, ri));
                    c.rowspan > 1
                        && (ri..ri + c.rowspan)
                            .filter_map(|r| pages.get(&(si, r)))
                            .any(|p| Some(p) != first)
                })
        })
    })
}

/// `doc` with every merged cell cut where its rows change page; each piece repeats the text.
pub fn split_spans(doc: &Document, pages: &HashMap<(usize, usize), usize>) -> Document {
    let mut out = doc.clone();
    for (si, sec) in out.sections.iter_mut().enumerate() {
        *sec = split_section_spans(&doc.sections[si], |r| pages.get(&(si, r)).copied());
    }
    out
}

/// `sec` with every merged cell cut where `page_of` its rows changes; each piece repeats the
/// text (the cut of [`split_spans`], also the xlsx's at its page breaks).
pub fn split_section_spans(
    sec: &crate::plan::Section,
    page_of: impl Fn(usize) -> Option<usize>,
) -> crate::plan::Section {
    let mut out = sec.clone();
    let mut inserts: Vec<(usize, crate::plan::Cell)> = Vec::new();
    for (ri, row) in sec.rows.iter().enumerate() {
        if row.kind == RowKind::Header {
            continue;
        }
        for (ci, cell) in row.cells.iter().enumerate() {
            if cell.rowspan < 2 {
                continue;
            }
            let mut starts = vec![ri];
            for r in ri + 1..ri + cell.rowspan {
                if let (Some(a), Some(b)) = (page_of(r - 1), page_of(r))
                    && a != b
                {
                    starts.push(r);
                }
            }
            if starts.len() == 1 {
                continue;
            }
            let end = ri + cell.rowspan;
            for (k, &s) in starts.iter().enumerate() {
                let e = starts.get(k + 1).copied().unwrap_or(end);
                if k == 0 {
                    out.rows[ri].cells[ci].rowspan = e - s;
                } else {
                    let mut piece = cell.clone();
                    piece.rowspan = e - s;
                    inserts.push((s, piece));
                }
            }
        }
    }
    for (r, cell) in inserts {
        let cells = &mut out.rows[r].cells;
        let at = cells
            .iter()
            .position(|c| c.col > cell.col)
            .unwrap_or(cells.len());
        cells.insert(at, cell);
    }
    out
}
