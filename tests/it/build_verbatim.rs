//! Property test over the whole pipeline (issue 8): arbitrary strings in the text fields of a
//! department — markup characters of Typst and minijinja, quotes, backslashes, long runs,
//! line breaks, CJK and full-width punctuation — build, and every one of them appears verbatim
//! in the PDF's text and as a cell of the xlsx. Few cases (each is a real build); set
//! `JIXIAO_FUZZ_CASES` for a longer run.

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx};
use proptest::prelude::*;

use crate::common;
use common::{repo, squash};

/// A YAML double-quoted scalar: `\`, `"` and line breaks escaped.
fn yq(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Characters every font chain of the styles covers, with everything that means something
/// to Typst, minijinja or YAML.
const ALPHABET: &str = "预算绩效项目资金指标完成情况目标一二三年度万元人次%≥≤=<>#$*_[]{}()@`~^&|\\\"'/:;,.!?-+0123456789abcXYZ，。；：（）【】“”、 \n";

fn text() -> impl Strategy<Value = String> {
    let chars: Vec<char> = ALPHABET.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), 1..120).prop_map(|v| {
        let s: String = v.into_iter().collect();
        // What the table prints is the trimmed text; keep at least one visible character.
        format!("甲{}乙", s.trim())
    })
}

/// The Xinjiang sample department with its first project's name, first 三级, first 指标值, goal
/// and 上年完成值 replaced.
fn department(name: &str, level3: &str, target: &str, goal: &str, last: &str) -> String {
    let yaml = std::fs::read_to_string(repo().join("data/2023-kuerle-xinfangju.yaml")).unwrap();
    let replace = |yaml: &str, key: &str, value: &str, ends: &[char]| {
        let at = yaml.find(key).unwrap() + key.len();
        let end = at + yaml[at..].find(ends).unwrap();
        format!("{}{}{}", &yaml[..at], yq(value), &yaml[end..])
    };
    let yaml = replace(&yaml, "  - 名称: ", name, &['\n']);
    let yaml = replace(&yaml, "三级: ", level3, &[',']);
    let yaml = replace(&yaml, "指标值: ", target, &[',']);
    let yaml = replace(&yaml, "上年完成值: ", last, &[',', '}']);
    // The first goal: the whole list item.
    let at = yaml.find("      - 目标1：").unwrap() + "      - ".len();
    let end = at + yaml[at..].find('\n').unwrap();
    format!("{}{}{}", &yaml[..at], yq(goal), &yaml[end..])
}

fn build(yaml: &str) -> (tempfile::TempDir, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("a.yaml"), yaml).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("build")
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--templates")
        .arg(repo().join("templates"))
        .output()
        .unwrap();
    (dir, o)
}

fn file_with(dir: &Path, ext: &str) -> PathBuf {
    common::files_below(dir)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == ext))
        .unwrap_or_else(|| panic!("no .{ext} below {}", dir.display()))
}

/// Builds the department with these five texts and says which of them the PDF's text or the
/// xlsx's cells do not hold verbatim.
fn verbatim(name: &str, level3: &str, target: &str, goal: &str, last: &str) -> Result<(), String> {
    let yaml = department(name, level3, target, goal, last);
    let (dir, o) = build(&yaml);
    let err = String::from_utf8_lossy(&o.stderr);
    if !o.status.success() {
        return Err(format!("build failed:\n{err}\n{yaml}"));
    }
    let out = dir.path().join("out");
    let pdf = file_with(&out, "pdf");
    let text = Command::new("pdftotext")
        .arg("-raw")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = squash(&String::from_utf8_lossy(&text.stdout));
    let mut book: Xlsx<_> = calamine::open_workbook(file_with(&out, "xlsx")).unwrap();
    // The tables only: the twin's very hidden data sheet holds the data file's text too.
    let tables: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.visible == calamine::SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect();
    let cells: Vec<String> = book
        .worksheets()
        .into_iter()
        .filter(|(name, _)| tables.contains(name))
        .flat_map(|(_, range)| {
            range
                .cells()
                .filter_map(|(_, _, c)| match c {
                    Data::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for (i, s) in [name, level3, target, goal, last].into_iter().enumerate() {
        // `>=`/`<=` in 指标值 print as ≥/≤ in this style.
        let shown = if i == 2 {
            jixiao::target::display(s, true)
        } else {
            s.to_string()
        };
        if !text.contains(&squash(&shown)) {
            return Err(format!("PDF lacks {shown:?}; its text:\n{text}"));
        }
        if !cells.iter().any(|c| c.contains(shown.trim())) {
            return Err(format!("xlsx lacks {shown:?}"));
        }
    }
    Ok(())
}

/// Cases the property test found, kept: a `` ` ``, `^` or `~` right after full-width
/// punctuation inside a long run came out of the PDF as a combining accent (U+0300…), because
/// the punctuation, boxed alone, was set half-width and the next glyph overlapped it.
#[test]
fn spacing_accents_after_full_width_punctuation_stay_themselves() {
    let found = "甲、->/8，`。【≥X3人>,指况金度~@.YY标~2标，a2_指情2（4-*3算乙";
    // Every full-width mark of the alphabet, in a long run, followed by each spacing accent.
    let marks = "，。；：（）【】“”、";
    let battery: String = marks
        .chars()
        .map(|m| format!("abcdefghijklm{m}`^~'\""))
        .collect();
    let battery = format!("甲{battery}乙");
    let runs = "甲aaaaaaaaaaaa，`bbbbbbbbbbbb。^cccccccccccc）~乙";
    verbatim(
        found,
        &battery,
        "≥1人",
        runs,
        "甲，，，，，，，，，，，，`乙",
    )
    .unwrap();
}

proptest! {
    #![proptest_config(common::fuzz_config(12))]

    #[test]
    fn every_text_that_builds_is_printed_verbatim(
        name in text(), level3 in text(), target in text(), goal in text(), last in text()
    ) {
        if let Err(e) = verbatim(&name, &level3, &target, &goal, &last) {
            prop_assert!(false, "{}", e);
        }
    }
}
