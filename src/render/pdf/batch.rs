//! Very large documents laid out in bounded batches, so that memory follows a batch, not the
//! department.
//!
//! Typst lays a document out in one compile and keeps everything of it alive until the end
//! (about 1.6 MB per one-page project, 0.2 MB per indicator row: 5,000 projects took ~8 GB).
//! A document of more than [`BATCHED_ABOVE`] table rows is therefore laid out in batches of
//! about [`BATCH_ROWS`] rows, Typst's memo cache emptied after each, and the pages assembled into one
//! document that is exported once.
//!
//! - A batch holds whole tables while they fit; a table larger than a batch is cut into
//!   pieces at page breaks: a batch that ends inside a table drops its last page and the next
//!   batch starts at the first row of that page, as a continued table (the repeated header,
//!   then its rows, no title: `continued` in `lib/jixiao.typ`). A merged cell cut there is
//!   split as at any page break ([`super::pages::split_spans`]).
//! - Page numbers: a first pass lays every batch out to count its pages; the second lays
//!   each out again with its first page number and the document's total (`pages` in
//!   `data.json`, honoured by `lib/jixiao.typ`). That doubles the layout time of a batched
//!   document (only those above the threshold).
//! - A `lib/jixiao.typ` that does not know `pages` (an older copy in a project's templates)
//!   would number every batch from 1: then the document is laid out whole, as before.
//!
//! Documents at or below the threshold take the unbatched path and are byte-identical to
//! what it always produced; batched documents differ from a whole layout only where a whole
//! layout would have used `fit_page` on a cut table.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use typst::ecow::EcoVec;
use typst::foundations::{Content, ContextElem};
use typst::introspection::{Location, Tag};
use typst::layout::resolve::Entry;
use typst::layout::{Abs, Frame, FrameItem, HideElem, PlaceElem};
use typst::model::{Destination, ParElem, TableCell, TableElem};
use typst::pdf::ArtifactElem;
use typst::visualize::Stroke;
use typst_layout::PagedDocument;

use super::engine::{self, Engine};
use super::source::Templates;
use super::{Extra, Pages, PdfError};
use crate::plan::{Document, RowKind, Section};

/// Table rows (of all its sections) above which a document is laid out in batches. Sample
/// departments and the bench's 20-project departments have a few hundred rows: they are laid
/// out whole, byte for byte as before batches existed.
pub const BATCHED_ABOVE: usize = 2_000;

/// About the table rows of one batch. Measured (release, `/usr/bin/time`, 2 cores) on one
/// project of 2,000 indicators: batches of 250 rows peak at 306 MB, of 500 at 376 MB, of
/// 1,000 at 459 MB, laid out whole 605 MB; the memory left then is the laid-out pages kept
/// for the one export (see `bench/README.md`, (j) and (k)).
pub const BATCH_ROWS: usize = 250;

/// The environment variable that sets both [`BATCHED_ABOVE`] and [`BATCH_ROWS`] to its
/// positive number (for tests of the batched path on small documents).
pub const BATCH_ROWS_VAR: &str = "JIXIAO_BATCH_ROWS";

/// `(BATCHED_ABOVE, BATCH_ROWS)`, or the positive number in [`BATCH_ROWS_VAR`] for both.
pub fn batch_limits() -> (usize, usize) {
    std::env::var(BATCH_ROWS_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .map_or((BATCHED_ABOVE, BATCH_ROWS), |n| (n, n))
}

/// Whether `doc` is laid out in batches of `limit` rows.
pub fn is_batched(doc: &Document, limit: usize) -> bool {
    let rows = doc
        .sections
        .iter()
        .fold(0usize, |n, s| n.saturating_add(s.rows.len()));
    rows > limit
}

/// Rows `from..to` of section `section`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    section: usize,
    from: usize,
    to: usize,
}

/// Lays `doc` out in batches of about `limit` rows (see the module docs).
pub(super) fn typeset_batched(
    engine: &Engine,
    templates: &Templates,
    template: &str,
    doc: &Document,
    fonts: &BTreeMap<String, Vec<String>>,
    limit: usize,
) -> Result<PagedDocument, PdfError> {
    let batches = cut(engine, templates, template, doc, fonts, limit)?;
    let mut counts: Vec<usize> = batches.iter().map(|(_, n)| *n).collect();
    // The page counts of the second pass are those of the first (the numbers sit in the
    // footer); should one differ, the numbers are laid out once more with the counts found.
    for _ in 0..2 {
        let total = counts.iter().fold(0usize, |t, n| t.saturating_add(*n));
        let mut first = 1usize;
        let mut pages: EcoVec<typst_layout::Page> = EcoVec::new();
        let mut info = None;
        let mut found = Vec::with_capacity(batches.len());
        for (i, ((pieces, _), n)) in batches.iter().zip(&counts).enumerate() {
            let (part, continued) = batch_document(doc, pieces, i == 0);
            let extra = Extra {
                pages: Some(Pages { first, total }),
                continued: Some(&continued),
            };
            let laid = super::typeset_with(engine, templates, template, &part, fonts, extra)
                .map_err(|e| shift_pages(e, first))?;
            if i == 0 && Engine::labelled_metadata(&laid, "jx-pages").is_empty() {
                // The library numbers pages itself: lay the document out whole.
                drop(laid);
                engine::evict();
                return super::typeset_with(
                    engine,
                    templates,
                    template,
                    doc,
                    fonts,
                    Extra::default(),
                );
            }
            if info.is_none() {
                info = Some(typst::model::Document::info(&laid).clone());
            }
            found.push(laid.pages().len());
            let salt = u128::try_from(i).unwrap_or(u128::MAX);
            for page in laid.pages() {
                let mut page = page.clone();
                if i > 0 {
                    relocate(&mut page.frame, salt);
                }
                pages.push(page);
            }
            drop(laid);
            engine::evict();
            // The batch's own layout is gone now: what its pages still hold for nothing but
            // the layout (see [`compact`]) is theirs alone and can be let go.
            let from = pages
                .len()
                .saturating_sub(found.last().copied().unwrap_or(0));
            if let Some(batch) = pages.make_mut().get_mut(from..) {
                compact_pages(batch);
            }
            first = first.saturating_add(*n);
        }
        if found == counts {
            return Ok(PagedDocument::new(pages, info.unwrap_or_default()));
        }
        counts = found;
    }
    Err(PdfError::Template(anyhow::anyhow!(
        "分批排版时各批的页数两次不一致，无法编页码"
    )))
}

/// The first pass: the batches of `doc`, each its pieces and its page count.
fn cut(
    engine: &Engine,
    templates: &Templates,
    template: &str,
    doc: &Document,
    fonts: &BTreeMap<String, Vec<String>>,
    limit: usize,
) -> Result<Vec<(Vec<Piece>, usize)>, PdfError> {
    let mut batches: Vec<(Vec<Piece>, usize)> = Vec::new();
    let (mut section, mut row) = (0usize, 0usize);
    while section < doc.sections.len() {
        let mut budget = limit.max(1);
        loop {
            let mut pieces = take(doc, section, row, budget);
            let Some(&last) = pieces.last() else {
                return Ok(batches);
            };
            let (part, continued) = batch_document(doc, &pieces, batches.is_empty());
            let extra = Extra {
                pages: None,
                continued: Some(&continued),
            };
            let laid = super::typeset_with(engine, templates, template, &part, fonts, extra)?;
            let len = doc.sections[last.section].rows.len();
            if last.to >= len {
                batches.push((pieces, laid.pages().len()));
                (section, row) = (last.section + 1, 0);
                drop(laid);
                engine::evict();
                break;
            }
            // The batch ends inside a table: its last page goes to the next batch.
            let index = pieces.len() - 1;
            let local = local_rows(&doc.sections[last.section], last);
            let on: Vec<(usize, usize)> = super::pages::row_pages(&laid)
                .into_iter()
                .filter(|((s, _), _)| *s == index)
                .filter_map(|((_, r), p)| local.get(r).map(|&r| (r, p)))
                .collect();
            drop(laid);
            engine::evict();
            let last_page = on.iter().map(|(_, p)| *p).max().unwrap_or(1);
            let keep_to = on
                .iter()
                .filter(|(_, p)| *p == last_page)
                .map(|(r, _)| *r)
                .filter(|r| *r >= last.from)
                .min()
                .unwrap_or(last.from);
            if keep_to > last.from && last_page > 1 {
                if let Some(p) = pieces.last_mut() {
                    p.to = keep_to;
                }
                batches.push((pieces, last_page - 1));
                (section, row) = (last.section, keep_to);
                break;
            }
            // Not one page of this table fits the batch: take more rows.
            budget = budget.saturating_mul(2);
        }
    }
    Ok(batches)
}

/// The pieces of the batch that starts at row `row` of section `section`: whole tables while
/// they fit in `budget` rows; a table that does not fit alone is cut at `budget` rows.
fn take(doc: &Document, mut section: usize, mut row: usize, budget: usize) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut left = budget;
    while let Some(sec) = doc.sections.get(section) {
        let rest = sec.rows.len().saturating_sub(row);
        if rest <= left {
            pieces.push(Piece {
                section,
                from: row,
                to: sec.rows.len(),
            });
            left -= rest;
            (section, row) = (section + 1, 0);
            if left == 0 {
                break;
            }
        } else {
            if pieces.is_empty() {
                pieces.push(Piece {
                    section,
                    from: row,
                    to: row.saturating_add(left),
                });
            }
            break;
        }
    }
    pieces
}

/// The section row of each row of `piece`'s table, in order (a continued piece repeats the
/// header rows above `from`).
fn local_rows(sec: &Section, piece: Piece) -> Vec<usize> {
    let header =
        (0..piece.from.min(sec.rows.len())).filter(|&r| sec.rows[r].kind == RowKind::Header);
    if piece.from == 0 {
        (0..piece.to).collect()
    } else {
        header.chain(piece.from..piece.to).collect()
    }
}

/// The document of one batch: its pieces as sections, and which of them continue a table.
fn batch_document(doc: &Document, pieces: &[Piece], first: bool) -> (Document, Vec<bool>) {
    let whole = pieces
        .iter()
        .all(|p| p.from == 0 && p.to >= doc.sections[p.section].rows.len());
    let part = Document {
        kind: doc.kind.clone(),
        style: doc.style.clone(),
        template: doc.template.clone(),
        file_stem: doc.file_stem.clone(),
        title: doc.title.clone(),
        author: doc.author.clone(),
        subject: doc.subject.clone(),
        keywords: doc.keywords.clone(),
        department: doc.department.clone(),
        year: doc.year,
        landscape: doc.landscape,
        // A table cut into pieces is far longer than a page: nothing to save there.
        fit_page: doc.fit_page && whole,
        preamble: if first { doc.preamble.clone() } else { None },
        sections: pieces
            .iter()
            .map(|p| piece_section(&doc.sections[p.section], *p))
            .collect(),
    };
    let continued = pieces.iter().map(|p| p.from > 0).collect();
    (part, continued)
}

/// Rows `piece.from..piece.to` of `sec` as a table of its own: a continued piece starts with
/// the header rows, and a merged cell that comes from above `from` starts again at `from`,
/// repeating its text; one that runs past `to` ends there. Notes, signature and chart only
/// under the last piece.
fn piece_section(sec: &Section, piece: Piece) -> Section {
    let (from, to) = (piece.from, piece.to.min(sec.rows.len()));
    let clip = |ri: usize, row: &crate::plan::Row| {
        let mut row = row.clone();
        for c in &mut row.cells {
            c.rowspan = c.rowspan.min(to.saturating_sub(ri)).max(1);
        }
        row
    };
    let mut rows: Vec<crate::plan::Row> = Vec::new();
    if from > 0 {
        rows.extend(
            sec.rows[..from.min(sec.rows.len())]
                .iter()
                .filter(|r| r.kind == RowKind::Header)
                .cloned(),
        );
    }
    let at = rows.len();
    rows.extend((from..to).map(|ri| clip(ri, &sec.rows[ri])));
    if from > 0 && at < rows.len() {
        // Merged cells from above that reach into this piece.
        for (ri, row) in sec.rows[..from].iter().enumerate() {
            if row.kind == RowKind::Header {
                continue;
            }
            for cell in &row.cells {
                let end = ri.saturating_add(cell.rowspan);
                if end > from {
                    let mut piece = cell.clone();
                    piece.rowspan = end.min(to) - from;
                    let cells = &mut rows[at].cells;
                    let pos = cells
                        .iter()
                        .position(|c| c.col > piece.col)
                        .unwrap_or(cells.len());
                    cells.insert(pos, piece);
                }
            }
        }
    }
    let last = to >= sec.rows.len();
    Section {
        name: sec.name.clone(),
        heading: sec.heading.clone(),
        title: sec.title.clone(),
        subtitle: sec.subtitle.clone(),
        unit_line: sec.unit_line.clone(),
        unit_note: sec.unit_note.clone(),
        columns: sec.columns.clone(),
        rows,
        notes: if last { sec.notes.clone() } else { Vec::new() },
        signature: if last {
            sec.signature.clone()
        } else {
            Vec::new()
        },
        chart: if last { sec.chart.clone() } else { None },
    }
}

/// A missing glyph's page of a batch as the document's page.
fn shift_pages(e: PdfError, first: usize) -> PdfError {
    match e {
        PdfError::MissingGlyphs {
            mut glyphs,
            chains,
            cells,
        } => {
            for g in &mut glyphs {
                g.page = g.page.saturating_add(first).saturating_sub(1);
            }
            PdfError::MissingGlyphs {
                glyphs,
                chains,
                cells,
            }
        }
        other => other,
    }
}

/// Gives every element of a later batch's page a location of its own: each batch is a
/// compile of its own, and the same element at the same place of two batches (a footer, two
/// projects of the same name) would otherwise share a location in the assembled document,
/// whose outline and tagged structure look elements up by location.
pub(super) fn relocate(frame: &mut Frame, salt: u128) {
    let moved = |loc: Location| {
        let mut h = blake3::Hasher::new();
        h.update(&salt.to_le_bytes());
        h.update(&loc.hash().to_le_bytes());
        let bytes = h.finalize();
        let mut raw = [0u8; 16];
        raw.copy_from_slice(&bytes.as_bytes()[..16]);
        Location::new(u128::from_le_bytes(raw))
    };
    frame.retain(|item| {
        match item {
            FrameItem::Group(group) => {
                relocate(&mut group.frame, salt);
                if let Some(parent) = &mut group.parent {
                    parent.location = moved(parent.location);
                }
            }
            FrameItem::Tag(Tag::Start(elem, _)) => relocate_elem(elem, &moved),
            FrameItem::Tag(Tag::End(loc, _, _)) => *loc = moved(*loc),
            FrameItem::Link(Destination::Location(loc), _) => *loc = moved(*loc),
            _ => {}
        }
        true
    });
}

/// [`compact`] on every page of one laid-out batch (or document): its `context` elements
/// may start on one page and end on another.
pub fn compact_pages(pages: &mut [typst_layout::Page]) {
    let mut compacted = Compacted::default();
    for page in pages {
        compact(&mut page.frame, &mut compacted);
    }
}

/// Lets a laid-out page of a batch go of what the layout needed but the PDF export does not
/// read, so that the pages kept for the one export are small (issue 20; measured with
/// heaptrack on 200 one-page projects, see `bench/README.md`):
///
/// - the start and end tags of `context` elements, and the bodies of artifact, hide and place
///   tags: each page's footer is a `context` inside an artifact, and its closure holds the
///   whole `data.json` of its batch (the footer reads the page count from it), about 0.15 MB a
///   project; typst-pdf's tagger passes over `context` (no structure element), reads an
///   artifact's kind and a place's `float` only, and the assembled document is not laid out
///   again;
/// - the bodies of paragraphs and table cells in their tags, the table's children and the
///   cell bodies of its resolved grid: the tagger reads a table's grid (sizes, headers, lines,
///   each cell's spans and strokes) and each cell's position, spans and kind, never a body
///   (the text comes from the page's text items); headings keep theirs (the outline);
/// - the strokes of the resolved grid, one allocation per side of every cell, shared where equal.
///
/// What the tagger reads is left as it was: a batched document exports to the same bytes with
/// and without this (`tests/it/engine.rs`: `compacted_pages_export_to_the_same_pdf`).
fn compact(frame: &mut Frame, batch: &mut Compacted) {
    frame.retain(|item| match item {
        FrameItem::Group(group) => {
            compact(&mut group.frame, batch);
            true
        }
        FrameItem::Tag(Tag::Start(elem, _)) if elem.is::<ContextElem>() => {
            if let Some(loc) = elem.location() {
                batch.dropped.insert(loc);
            }
            false
        }
        FrameItem::Tag(Tag::End(loc, _, _)) => !batch.dropped.remove(loc),
        FrameItem::Tag(Tag::Start(elem, _)) => {
            batch.lean(elem);
            true
        }
        _ => true,
    });
}

/// What [`compact`] keeps across the pages of one batch: the `context` elements whose start
/// tag it dropped (their end tag may be on a later page), and one copy of each stroke.
#[derive(Default)]
struct Compacted {
    dropped: HashSet<Location>,
    strokes: HashMap<Stroke<Abs>, Arc<Stroke<Abs>>>,
    cell_strokes: HashMap<Stroke, Arc<Stroke>>,
}

impl Compacted {
    /// An element of a tag without what only the layout read ([`compact`]).
    fn lean(&mut self, elem: &mut Content) {
        if let Some(par) = elem.to_packed_mut::<ParElem>() {
            par.body = Content::empty();
        } else if let Some(artifact) = elem.to_packed_mut::<ArtifactElem>() {
            artifact.body = Content::empty();
        } else if let Some(hide) = elem.to_packed_mut::<HideElem>() {
            hide.body = Content::empty();
        } else if let Some(place) = elem.to_packed_mut::<PlaceElem>() {
            place.body = Content::empty();
        } else if let Some(cell) = elem.to_packed_mut::<TableCell>() {
            cell.body = Content::empty();
            if let Some(s) = cell.stroke.as_option_mut() {
                for side in [&mut s.left, &mut s.top, &mut s.right, &mut s.bottom] {
                    if let Some(Some(stroke)) = side {
                        share(&mut self.cell_strokes, stroke);
                    }
                }
            }
        } else if let Some(table) = elem.to_packed_mut::<TableElem>() {
            table.children = Vec::new();
            // Shared still (another tag of the same table): left as it is.
            if let Some(grid) = table.grid.as_mut().and_then(Arc::get_mut) {
                for entry in &mut grid.entries {
                    if let Entry::Cell(cell) = entry {
                        cell.body = Content::empty();
                        let s = &mut cell.stroke;
                        let sides = [&mut s.left, &mut s.top, &mut s.right, &mut s.bottom];
                        for stroke in sides.into_iter().flatten() {
                            share(&mut self.strokes, stroke);
                        }
                    }
                }
            }
        }
    }
}

/// `value` as the one copy in `seen` of what it holds.
fn share<T: Clone + Eq + std::hash::Hash>(seen: &mut HashMap<T, Arc<T>>, value: &mut Arc<T>) {
    let one = seen
        .entry((**value).clone())
        .or_insert_with(|| Arc::clone(value));
    if !Arc::ptr_eq(one, value) {
        *value = Arc::clone(one);
    }
}

fn relocate_elem(elem: &mut Content, moved: &impl Fn(Location) -> Location) {
    if let Some(loc) = elem.location() {
        elem.set_location(moved(loc));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Align, Cell, CellValue, Role, Row};

    fn cell(col: usize, rowspan: usize, text: &str) -> Cell {
        Cell {
            col,
            rowspan,
            colspan: 1,
            text: text.to_string(),
            value: CellValue::Text,
            role: Role::Text,
            align: Align::Left,
            vertical: false,
            bind: None,
        }
    }

    fn row(kind: RowKind, cells: Vec<Cell>) -> Row {
        Row {
            kind,
            cells,
            grid: None,
        }
    }

    fn section(rows: Vec<Row>) -> Section {
        Section {
            name: "项目".into(),
            heading: None,
            title: "表".into(),
            subtitle: None,
            unit_line: None,
            unit_note: None,
            columns: vec![1.0, 1.0],
            rows,
            notes: vec!["注".into()],
            signature: Vec::new(),
            chart: None,
        }
    }

    #[test]
    fn a_continued_piece_repeats_the_header_and_a_cut_merged_cell() {
        // Row 0 a block row, row 1 the header, rows 2..6 body with a cell merged over 2..6.
        let sec = section(vec![
            row(RowKind::Body, vec![cell(0, 1, "单位"), cell(1, 1, "某局")]),
            row(
                RowKind::Header,
                vec![cell(0, 1, "一级"), cell(1, 1, "三级")],
            ),
            row(RowKind::Body, vec![cell(0, 4, "产出"), cell(1, 1, "a")]),
            row(RowKind::Body, vec![cell(1, 1, "b")]),
            row(RowKind::Body, vec![cell(1, 1, "c")]),
            row(RowKind::Body, vec![cell(1, 1, "d")]),
        ]);
        let head = piece_section(
            &sec,
            Piece {
                section: 0,
                from: 0,
                to: 4,
            },
        );
        assert_eq!(head.rows.len(), 4);
        assert_eq!(head.rows[2].cells[0].rowspan, 2, "clipped at the cut");
        assert!(head.notes.is_empty(), "notes only under the last piece");
        let tail = piece_section(
            &sec,
            Piece {
                section: 0,
                from: 4,
                to: 6,
            },
        );
        let texts: Vec<Vec<&str>> = tail
            .rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(
            texts,
            vec![vec!["一级", "三级"], vec!["产出", "c"], vec!["d"]]
        );
        assert_eq!(tail.rows[1].cells[0].rowspan, 2);
        assert_eq!(tail.notes, vec!["注".to_string()]);
        assert_eq!(
            local_rows(
                &sec,
                Piece {
                    section: 0,
                    from: 4,
                    to: 6
                }
            ),
            vec![1, 4, 5]
        );
    }

    #[test]
    fn batches_take_whole_tables_and_cut_only_a_table_larger_than_a_batch() {
        let small = section(vec![row(RowKind::Body, vec![cell(0, 1, "x")]); 3]);
        let big = section(vec![row(RowKind::Body, vec![cell(0, 1, "y")]); 10]);
        let doc = Document {
            kind: "target".into(),
            style: "s".into(),
            template: "s/t.typ.j2".into(),
            file_stem: "t".into(),
            title: "t".into(),
            author: "a".into(),
            subject: "s".into(),
            keywords: Vec::new(),
            department: "d".into(),
            year: 2024,
            landscape: false,
            fit_page: false,
            preamble: None,
            sections: vec![small.clone(), small, big],
        };
        let p = |section, from, to| Piece { section, from, to };
        assert_eq!(take(&doc, 0, 0, 7), vec![p(0, 0, 3), p(1, 0, 3)]);
        assert_eq!(take(&doc, 2, 0, 7), vec![p(2, 0, 7)]);
        assert_eq!(take(&doc, 2, 7, 7), vec![p(2, 7, 10)]);
        assert!(is_batched(&doc, 15) && !is_batched(&doc, 16));
    }
}
