//! Glyph coverage as part of the check: Typst draws a character no font has as an empty box,
//! without a warning, so every character of a department's file must be drawable by the fonts
//! its style's chains name. Reported at the character's own line and column.

use std::collections::HashMap;

use crate::check::Checked;
use crate::diag::{Diagnostic, Sources};
use crate::render::pdf::fonts::{FontSet, printed};
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
        let chains: Vec<(&String, &Vec<String>)> = dept.style.style.fonts.iter().collect();
        let mut found = 0;
        for (n, line) in text.lines().enumerate() {
            let chars = value_chars(line);
            for range in clusters(&chars) {
                // A lone character (nearly every one) is judged through the cache without
                // building a string.
                let (col, first_char) = chars[range.start];
                let lone = range.len() == 1;
                let joined: String = if lone {
                    String::new()
                } else {
                    chars[range].iter().map(|&(_, m)| m).collect()
                };
                let cluster = if lone {
                    std::borrow::Cow::Borrowed("")
                } else {
                    printed(&joined)
                };
                let mut printed_chars = cluster.chars();
                let (first, second) = if lone {
                    (Some(first_char), None)
                } else {
                    (printed_chars.next(), printed_chars.next())
                };
                let problem = match (first, second) {
                    (None, _) => None,
                    (Some(c), None) => {
                        if c.is_whitespace()
                            || c.is_control()
                            || *cache.entry(c).or_insert_with(|| fonts.covers(c))
                        {
                            continue;
                        }
                        Some(format!(
                            "字符“{c}”(U+{:04X}) 没有任何字体能显示，印出来会是一个空框",
                            c as u32
                        ))
                    }
                    (Some(_), Some(_)) => chains
                        .iter()
                        .find(|(_, chain)| !fonts.draws(chain, &cluster))
                        .map(|(role, _)| {
                            let codes: Vec<String> = cluster
                                .chars()
                                .map(|c| format!("U+{:04X}", c as u32))
                                .collect();
                            format!(
                                "“{cluster}”({}) 是字母加附加符号，{role}字体链中没有一个字体能把它们一起显示，印出来会是空框",
                                codes.join(" ")
                            )
                        }),
                };
                let Some(message) = problem else { continue };
                found += 1;
                if found > MAX_PER_FILE {
                    break;
                }
                out.push(
                    Diagnostic::new(
                        &rules::GLYPH_MISSING,
                        Some(sources.pos_at(file, n + 1, col + 1, 1)),
                        message,
                    )
                    .help(format!(
                        "改用常用字（带附加符号的字母尽量用一个预组合字符，如 é）；或把含该字的字体放进 fonts/，并加入样式“{}”的 fonts 字体链（jixiao fonts 可列出已安装的字体）",
                        dept.style.key
                    )),
                );
            }
        }
    }
    out
}

/// Whether `c` belongs to the character before it when printed: a combining mark, or a
/// Hangul vowel or final jamo (which composition joins to the syllable before it).
fn continues(c: char) -> bool {
    use unicode_normalization::char::{canonical_combining_class, is_combining_mark};
    // Most characters of the data: ASCII and Latin-1, and the CJK ideographs (no mark there).
    if c < '\u{300}' || ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return false;
    }
    is_combining_mark(c)
        || canonical_combining_class(c) != 0
        || ('\u{1160}'..='\u{11FF}').contains(&c)
        || matches!(c, '\u{200D}' | '\u{FE00}'..='\u{FE0F}')
}

/// The characters of a line grouped as a font draws them — a character with the combining
/// marks after it — as ranges of `chars`.
fn clusters(chars: &[(usize, char)]) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, &(_, c)) in chars.iter().enumerate() {
        match out.last_mut() {
            Some(r) if continues(c) => r.end = i + 1,
            _ => out.push(i..i + 1),
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
    use super::{clusters, printed, value_chars};

    #[test]
    fn a_letter_and_its_marks_are_one_cluster_printed_composed() {
        let chars = value_chars("甲e\u{301}x\u{332}\u{301} 乙");
        let got: Vec<(usize, String)> = clusters(&chars)
            .into_iter()
            .map(|r| {
                let text: String = chars[r.clone()].iter().map(|&(_, c)| c).collect();
                (chars[r.start].0, printed(&text).into_owned())
            })
            .collect();
        let want: Vec<(usize, String)> = [
            (0, "甲"),
            (1, "é"),
            (3, "x\u{332}\u{301}"),
            (6, " "),
            (7, "乙"),
        ]
        .iter()
        .map(|&(i, c)| (i, c.to_string()))
        .collect();
        assert_eq!(got, want);
    }

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
