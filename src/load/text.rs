//! The rules every text of a data file obeys, whatever field it is in: checked over every
//! scalar (keys too) of the untyped tree, so no field can be forgotten.
//!
//! - at most [`MAX_TEXT_CHARS`] (10,000) characters a text, and a list of texts (总体目标, 备注,
//!   佐证资料, which are printed together) at most that many in all (JX013);
//! - no invisible control characters: C0 and C1 controls, DEL, the bidirectional controls
//!   that reorder what a PDF shows, line and paragraph separators, a byte-order mark inside a
//!   text (JX014); a line break only inside a value, never in a key;
//! - no tab (JX015): a PDF does not show it, the xlsx does.
//!
//! Messages never repeat the text itself: it may be huge, or hold the very characters that
//! disguise what a terminal shows.

use serde_saphyr::{Location, Spanned};

use super::node::Node;
use crate::rules::{self, Rule};

/// The most characters (Unicode scalar values) one text may have: far beyond any text of an
/// official table (the corpus' longest is under 200; a cell longer than a page is broken
/// across pages), and a third of Excel's limit for one cell (32,767), so that a cell joining
/// a few texts still fits. A value of megabytes would otherwise pass `check` and then cost
/// `build` minutes and gigabytes before Excel refused it.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// At most this many text problems are listed per file; the rest are counted in one more.
const MAX_REPORTED: usize = 50;

/// One text problem: the rule, the byte range it points at, the message.
pub struct Problem {
    pub rule: &'static Rule,
    pub bytes: std::ops::Range<usize>,
    pub message: String,
}

/// Every text problem of the tree `root` of the file `src`.
pub fn check(root: &Spanned<Node>, src: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    walk(root, src, &mut out);
    if out.len() > MAX_REPORTED {
        let rest = out.len() - MAX_REPORTED;
        let (rule, bytes) = (out[MAX_REPORTED].rule, out[MAX_REPORTED].bytes.clone());
        out.truncate(MAX_REPORTED);
        out.push(Problem {
            rule,
            bytes,
            message: format!("从这里起还有 {rest} 处文字问题未逐一列出"),
        });
    }
    out
}

fn walk(node: &Spanned<Node>, src: &str, out: &mut Vec<Problem>) {
    match &node.value {
        Node::Scalar(s) => scalar(s, &node.referenced, src, false, out),
        Node::Plain(_) => {
            // A number or boolean: no control character can be in it, but its source text can
            // be long (a 3,000-digit number reads as a float).
            let (start, len) = span(&node.referenced, src);
            let n = src.get(start..start + len).map_or(0, |t| t.chars().count());
            if n > MAX_TEXT_CHARS {
                out.push(too_long(n, start, src));
            }
        }
        Node::Null => {}
        Node::Seq(items) => {
            let texts: Vec<&str> = items.iter().filter_map(|i| i.value.scalar()).collect();
            if items.len() > 1 && texts.len() == items.len() {
                let n: usize = texts.iter().map(|t| t.chars().count()).sum();
                if n > MAX_TEXT_CHARS && texts.iter().all(|t| t.chars().count() <= MAX_TEXT_CHARS) {
                    let (start, _) = span(&node.referenced, src);
                    out.push(Problem {
                        rule: &rules::TEXT_TOO_LONG,
                        bytes: start..next_char(src, start),
                        message: format!(
                            "这个列表的各项合计 {n} 个字符，超过上限 {MAX_TEXT_CHARS} 个字符（列表各项印在同一处）"
                        ),
                    });
                }
            }
            for i in items {
                walk(i, src, out);
            }
        }
        Node::Map(entries) => {
            for (k, v) in entries {
                match &k.value {
                    Node::Scalar(s) => scalar(s, &k.referenced, src, true, out),
                    _ => walk(k, src, out),
                }
                walk(v, src, out);
            }
        }
    }
}

/// The byte offset and length of a node in `src` (length 0 when the parser gave none).
pub(super) fn span(loc: &Location, src: &str) -> (usize, usize) {
    let s = loc.span();
    let start = s.byte_offset().map_or(0, |o| o as usize).min(src.len());
    let len = s.byte_len().map_or(0, |l| l as usize);
    (start, len.min(src.len() - start))
}

/// The end of the character starting at `i` (or `i` itself at the end).
fn next_char(src: &str, i: usize) -> usize {
    src.get(i..)
        .and_then(|t| t.chars().next())
        .map_or(i, |c| i + c.len_utf8())
}

fn too_long(n: usize, start: usize, src: &str) -> Problem {
    Problem {
        rule: &rules::TEXT_TOO_LONG,
        bytes: start..next_char(src, start),
        message: format!("这段文字有 {n} 个字符，超过上限 {MAX_TEXT_CHARS} 个字符"),
    }
}

fn scalar(s: &str, loc: &Location, src: &str, key: bool, out: &mut Vec<Problem>) {
    let (start, len) = span(loc, src);
    let n = s.chars().count();
    if n > MAX_TEXT_CHARS {
        out.push(too_long(n, start, src));
    }
    // The first offending character of each kind, and how many there are.
    let mut tabs = (0, None);
    let mut controls = (0, None);
    for c in s.chars() {
        if c == '\t' {
            tabs.0 += 1;
            tabs.1.get_or_insert(c);
        } else if rules::is_refused(c) || (key && c == '\n') {
            controls.0 += 1;
            controls.1.get_or_insert(c);
        }
    }
    // Where the character stands in the source; when it was written as an escape (`"\u202e"`),
    // the start of the text.
    let raw = src.get(start..start + len).unwrap_or("");
    let at = |c: char| -> std::ops::Range<usize> {
        match raw.find(c) {
            Some(i) => start + i..start + i + c.len_utf8(),
            None => start..next_char(src, start),
        }
    };
    let whose = if key { "字段名" } else { "文字" };
    if let (count, Some(c)) = tabs {
        let more = if count > 1 {
            format!("（这段{whose}中共 {count} 个）")
        } else {
            String::new()
        };
        out.push(Problem {
            rule: &rules::TAB_CHAR,
            bytes: at(c),
            message: format!("{whose}中有制表符（Tab）{more}"),
        });
    }
    if let (count, Some(c)) = controls {
        let more = if count > 1 {
            format!("（这段{whose}中共 {count} 个）")
        } else {
            String::new()
        };
        out.push(Problem {
            rule: &rules::CONTROL_CHAR,
            bytes: at(c),
            message: format!("{whose}中有不可见的字符 {}{more}", describe(c)),
        });
    }
}

/// `U+202E（从右向左覆盖）`.
pub fn describe(c: char) -> String {
    let name = match c {
        '\0' => "空字符",
        '\r' => "回车符",
        '\n' => "换行符",
        '\u{0B}' => "垂直制表符",
        '\u{0C}' => "换页符",
        '\u{1B}' => "ESC 转义符",
        '\u{7F}' => "删除符",
        '\u{85}' => "下一行符",
        '\u{061C}' => "阿拉伯字母标记",
        '\u{200E}' => "从左向右标记",
        '\u{200F}' => "从右向左标记",
        '\u{202A}' => "从左向右嵌入",
        '\u{202B}' => "从右向左嵌入",
        '\u{202C}' => "双向格式结束",
        '\u{202D}' => "从左向右覆盖",
        '\u{202E}' => "从右向左覆盖",
        '\u{2066}' => "从左向右隔离",
        '\u{2067}' => "从右向左隔离",
        '\u{2068}' => "首强字符隔离",
        '\u{2069}' => "双向隔离结束",
        '\u{2028}' => "行分隔符",
        '\u{2029}' => "段分隔符",
        '\u{FEFF}' => "字节顺序标记",
        _ => "控制字符",
    };
    format!("U+{:04X}（{name}）", c as u32)
}
