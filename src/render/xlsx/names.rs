//! Worksheet names: Excel's rules (length, forbidden characters, unique without regard to case).

use std::collections::HashSet;

/// Excel's limit on the length of a sheet name (in UTF-16 code units; for the characters
/// that occur in practice, one per character).
const SHEET_NAME_MAX: usize = 31;

/// Turns section names into valid, distinct worksheet names, in order.
///
/// Excel requires sheet names of at most 31 characters, without `[ ] : * ? / \`, not starting
/// or ending with `'`, not empty and unique without regard to case. Brackets become the
/// 六角括号 used in document numbers (`巴财行[2022]33号` → `巴财行〔2022〕33号`), the other
/// forbidden characters their full-width forms; control characters are dropped, surrounding
/// white space trimmed, long names cut to 31 characters, an empty name becomes `表N` (N the
/// one-based position) and a repeated name gets `(2)`, `(3)`… within the 31 characters.
pub fn sheet_names(names: &[String]) -> Vec<String> {
    // `History` is reserved by Excel (change tracking).
    let mut used: HashSet<String> = HashSet::from(["history".to_string()]);
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let mut base = clean_sheet_name(name);
        if base.is_empty() {
            base = format!("表{}", i + 1);
        }
        let mut candidate = base.clone();
        let mut n = 2usize;
        while used.contains(&candidate.to_lowercase()) {
            let suffix = format!("({n})");
            let room = SHEET_NAME_MAX - suffix.encode_utf16().count();
            let mut stem = truncate_utf16(&base, room);
            // Cutting may expose an apostrophe; `'(2)` would be valid, but keep names tidy.
            while stem.ends_with('\'') {
                stem.pop();
            }
            candidate = format!("{stem}{suffix}");
            n += 1;
        }
        used.insert(candidate.to_lowercase());
        out.push(candidate);
    }
    out
}

/// Replaces forbidden characters, trims and truncates one sheet name (may return empty).
fn clean_sheet_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '[' => '〔',
            ']' => '〕',
            ':' => '：',
            '*' => '＊',
            '?' => '？',
            '/' => '／',
            '\\' => '＼',
            other => other,
        })
        .collect();
    let trim = |s: &str| s.trim().trim_matches('\'').trim().to_string();
    let mut s = trim(&replaced);
    loop {
        let cut = trim(&truncate_utf16(&s, SHEET_NAME_MAX));
        if cut == s {
            return s;
        }
        s = cut;
    }
}

/// The longest prefix of `s` of at most `max` UTF-16 code units (whole characters).
fn truncate_utf16(s: &str, max: usize) -> String {
    let mut len = 0;
    let mut out = String::new();
    for c in s.chars() {
        len += c.len_utf16();
        if len > max {
            break;
        }
        out.push(c);
    }
    out
}
