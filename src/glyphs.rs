//! Glyph coverage as part of the check: Typst draws a character no font has as an empty box,
//! without a warning, so every character of a department's file must be drawable by the fonts
//! its style's chains name. Reported at the character's own line and column.

use std::collections::HashMap;

use crate::check::Checked;
use crate::diag::{Diagnostic, Sources};
use crate::render::pdf::fonts::FontSet;
use crate::rules;

/// At most this many findings per file (one character can repeat many times).
const MAX_PER_FILE: usize = 20;

/// The characters of every checked department's file that no font of `fonts` can draw.
pub fn check(sources: &Sources, checked: &Checked, fonts: &FontSet) -> Vec<Diagnostic> {
    check_cached(sources, checked, fonts, &mut HashMap::new())
}

/// [`check`], with what is known of each character's coverage by `fonts` kept in `cache`
/// (for a caller that checks again and again with the same fonts).
pub fn check_cached(
    sources: &Sources,
    checked: &Checked,
    fonts: &FontSet,
    cache: &mut HashMap<char, bool>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for dept in &checked.departments {
        let file = dept.src.file;
        let text = sources.text(file);
        let mut found = 0;
        for (n, line) in text.lines().enumerate() {
            for (col, c) in value_chars(line) {
                if c.is_whitespace() || c.is_control() {
                    continue;
                }
                if *cache.entry(c).or_insert_with(|| fonts.covers(c)) {
                    continue;
                }
                found += 1;
                if found > MAX_PER_FILE {
                    break;
                }
                out.push(
                    Diagnostic::new(
                        &rules::GLYPH_MISSING,
                        Some(sources.pos_at(file, n + 1, col + 1, 1)),
                        format!(
                            "字符“{c}”(U+{:04X}) 没有任何字体能显示，印出来会是一个空框",
                            c as u32
                        ),
                    )
                    .help(format!(
                        "改用常用字；或把含该字的字体放进 fonts/，并加入样式“{}”的 fonts 字体链（jixiao fonts 可列出已安装的字体）",
                        dept.style.key
                    )),
                );
            }
        }
    }
    out
}

/// The characters of a YAML line with their 0-based character columns, leaving out a comment
/// (`#` at the start or after white space, outside quotes).
fn value_chars(line: &str) -> Vec<(usize, char)> {
    let mut out = Vec::new();
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, c) in line.chars().enumerate() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single && prev != '\\' => double = !double,
            '#' if !single && !double && prev.is_whitespace() => break,
            _ => {}
        }
        out.push((i, c));
        prev = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::value_chars;

    #[test]
    fn comments_are_left_out_but_hashes_in_values_are_kept() {
        let s = |l: &str| {
            value_chars(l)
                .into_iter()
                .map(|(_, c)| c)
                .collect::<String>()
        };
        assert_eq!(s("名称: 甲 # 注释😀"), "名称: 甲 ");
        assert_eq!(s("# 全行注释"), "");
        assert_eq!(s("名称: \"甲 # 乙\" # 注"), "名称: \"甲 # 乙\" ");
        assert_eq!(s("编号: A#1"), "编号: A#1");
    }
}
