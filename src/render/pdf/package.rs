//! A disclosure package as one PDF (`jixiao build --publish`): several documents, each laid
//! out exactly as on its own (its pages, page numbers and tables), assembled into one
//! document and exported once, so its outline (bookmarks) reads document → project and its
//! tagged structure and PDF/A-2b + PDF/UA-1 claims are Typst's own. The file opens with the
//! bookmarks shown.

use std::collections::BTreeMap;

use typst::ecow::{EcoString, EcoVec};
use typst_layout::PagedDocument;

use super::PdfError;
use super::engine::{self, Engine};
use super::source::Templates;
use crate::plan::Document;

/// One document of a package, with the installed part of its style's font chains.
pub struct Part<'a> {
    pub doc: &'a Document,
    pub fonts: &'a BTreeMap<String, Vec<String>>,
}

/// The package of `parts`, in their order, as PDF bytes: `title` and `author` are the
/// file's metadata, `timestamp` its date.
pub fn package(
    engine: &Engine,
    templates: &Templates,
    parts: &[Part<'_>],
    title: &str,
    author: &str,
    timestamp: (i32, u8, u8),
) -> Result<Vec<u8>, PdfError> {
    let mut pages: EcoVec<typst_layout::Page> = EcoVec::new();
    let mut info = None;
    for (i, part) in parts.iter().enumerate() {
        let laid = super::typeset(engine, templates, &part.doc.template, part.doc, part.fonts)?;
        if info.is_none() {
            info = Some(typst::model::Document::info(&laid).clone());
        }
        // Each document is a compile of its own: its elements get locations of their own in
        // the package (a salt apart from the batches' of a batched document).
        let salt = (1u128 << 64) | u128::try_from(i).unwrap_or(u128::MAX >> 1);
        for page in laid.pages() {
            let mut page = page.clone();
            if i > 0 {
                super::batch::relocate(&mut page.frame, salt);
            }
            pages.push(page);
        }
        drop(laid);
        engine::evict();
    }
    let mut info = info.unwrap_or_default();
    info.title = Some(EcoString::from(title));
    info.author = vec![EcoString::from(author)];
    info.description = Some(EcoString::from(
        parts
            .iter()
            .map(|p| p.doc.title.as_str())
            .collect::<Vec<_>>()
            .join("；"),
    ));
    let doc = PagedDocument::new(pages, info);
    let bytes = Engine::export_pdf(&doc, timestamp).map_err(PdfError::Engine)?;
    Ok(open_with_outline(bytes))
}

/// `pdf` with `/PageMode /UseOutlines` in its catalog, so that a viewer opens it with the
/// bookmarks shown (Typst has no setting for it). The key is written into the catalog's
/// dictionary and every cross-reference offset after it moved by as much; a file not laid out
/// as Typst writes it (one classic cross-reference table, the catalog in plain text) is
/// returned unchanged.
pub fn open_with_outline(pdf: Vec<u8>) -> Vec<u8> {
    patch_catalog(&pdf).unwrap_or(pdf)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn patch_catalog(pdf: &[u8]) -> Option<Vec<u8>> {
    const CATALOG: &[u8] = b"<</Type/Catalog";
    const KEY: &[u8] = b"/PageMode/UseOutlines";
    let at = find(pdf, CATALOG, 0)? + CATALOG.len();
    // Exactly one catalog, and not already set.
    if find(pdf, CATALOG, at).is_some() || find(pdf, b"/PageMode", 0).is_some() {
        return None;
    }
    let start_key = rfind(pdf, b"startxref")?;
    let digits = pdf.get(start_key + b"startxref".len()..)?;
    let digits: Vec<u8> = digits
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    let xref: usize = std::str::from_utf8(&digits).ok()?.parse().ok()?;
    if pdf.get(xref..xref + 4)? != b"xref" || xref < at {
        return None;
    }
    // The table: "xref\n0 N\n" then N entries of 20 bytes ("oooooooooo ggggg n\r\n").
    let header_end = find(pdf, b"\n", xref)? + 1;
    let line_end = find(pdf, b"\n", header_end)?;
    let subsection = std::str::from_utf8(&pdf[header_end..line_end]).ok()?;
    let (first, count) = subsection.trim().split_once(' ')?;
    let (first, count): (usize, usize) = (first.parse().ok()?, count.parse().ok()?);
    if first != 0 {
        return None;
    }
    let entries = line_end + 1;
    let end = entries.checked_add(count.checked_mul(20)?)?;
    if pdf.get(end..end + 7)? != b"trailer" {
        return None;
    }
    let mut out = Vec::with_capacity(pdf.len() + KEY.len());
    out.extend_from_slice(&pdf[..at]);
    out.extend_from_slice(KEY);
    out.extend_from_slice(&pdf[at..entries]);
    for entry in pdf[entries..end].chunks(20) {
        let offset: usize = std::str::from_utf8(entry.get(..10)?).ok()?.parse().ok()?;
        let used = entry.get(17) == Some(&b'n');
        let moved = if used && offset > at {
            offset + KEY.len()
        } else {
            offset
        };
        out.extend_from_slice(format!("{moved:010}").as_bytes());
        out.extend_from_slice(&entry[10..]);
    }
    out.extend_from_slice(&pdf[end..start_key]);
    out.extend_from_slice(format!("startxref\n{}\n%%EOF\n", xref + KEY.len()).as_bytes());
    // What followed the number (normally "%%EOF") is written as Typst writes it.
    Some(out)
}

#[cfg(test)]
mod tests {
    /// The key goes into the catalog and every offset after it moves by its length; a file
    /// of another shape is left as it is.
    #[test]
    fn the_catalog_gets_page_mode_and_offsets_follow() {
        let body = b"%PDF-1.7\n1 0 obj\n<</Type/Pages>>\nendobj\n2 0 obj\n<</Type/Catalog/Pages 1 0 R>>\nendobj\n";
        let o1 = 9usize;
        let o2 = body.iter().position(|&b| b == b'2').unwrap();
        let xref = body.len();
        let mut pdf = body.to_vec();
        pdf.extend_from_slice(
            format!(
                "xref\n0 3\n0000000000 65535 f\r\n{o1:010} 00000 n\r\n{o2:010} 00000 n\r\ntrailer\n<</Size 3/Root 2 0 R>>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
        let out = super::open_with_outline(pdf.clone());
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(
            text.contains("<</Type/Catalog/PageMode/UseOutlines/Pages 1 0 R>>"),
            "{text}"
        );
        assert!(text.contains(&format!("{o1:010} 00000 n")), "{text}");
        assert!(
            text.contains(&format!("{o2:010} 00000 n")),
            "catalog starts before the key: {text}"
        );
        assert!(
            text.ends_with(&format!("startxref\n{}\n%%EOF\n", xref + 21)),
            "{text}"
        );
        assert_eq!(&out[xref + 21..xref + 25], b"xref");
        // Already set, or not a file of this shape: unchanged.
        assert_eq!(super::open_with_outline(out.clone()), out);
        assert_eq!(
            super::open_with_outline(b"%PDF-1.7\n".to_vec()),
            b"%PDF-1.7\n".to_vec()
        );
    }
}
