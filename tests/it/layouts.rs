//! The three layouts of the vocabulary — a style (`style.yaml`), a summary style
//! (`region.yaml`) and the change table (`changes/table.yaml`) — are read and checked by the
//! same code (`src/style/common.rs`): a pattern that does not compile is reported at its line
//! with the pattern quoted and how patterns are written, a name that is not available with the
//! names that are, money decimals beyond six are refused, a file starting with a byte-order
//! mark reads like one without. Each layout keeps its rule codes (JX5xx for the style and the
//! change table, JX702 for a summary style).

use std::fs;
use std::path::{Path, PathBuf};

use jixiao::diag::Diagnostic;
use jixiao::workspace::{Options, Workspace};

use crate::common;
use common::line_of;

fn templates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("templates")
}

/// A copy of the templates with the file `name` edited by `edit`, and its text.
fn edited(name: &str, edit: impl Fn(&str) -> String) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&templates(), dir.path());
    let path = dir.path().join(name);
    let text = edit(&fs::read_to_string(&path).unwrap());
    fs::write(&path, &text).unwrap();
    (dir, text)
}

/// The problems of `templates`' change table, with their lines.
fn change_table(templates: &Path) -> (bool, Vec<(Diagnostic, usize)>) {
    let empty = tempfile::tempdir().unwrap();
    let mut loaded = jixiao::load::load_dir(empty.path());
    let before = loaded.diagnostics.len();
    let table = jixiao::diff::table::Table::load(templates, &mut loaded);
    let found = loaded.diagnostics[before..]
        .iter()
        .map(|d| (d.clone(), d.pos.as_ref().map_or(0, |p| p.line)))
        .collect();
    (table.is_some(), found)
}

/// The problems of a check of the sample data with a region file, with `templates`.
fn region_check(templates: &Path) -> Vec<(Diagnostic, usize)> {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/2023-kuerle-xinfangju.yaml"),
        data.join("a.yaml"),
    )
    .unwrap();
    fs::write(
        data.join("地区.yaml"),
        "地区: 样例市\n编制单位: 样例市财政局\n",
    )
    .unwrap();
    let mut ws = Workspace::open(Options {
        data,
        out: dir.path().join("out"),
        templates: Some(templates.to_path_buf()),
        font_paths: Vec::new(),
    });
    let outcome = ws.check();
    outcome
        .diagnostics
        .iter()
        .map(|d| (d.clone(), d.pos.as_ref().map_or(0, |p| p.line)))
        .collect()
}

fn found<'a>(
    found: &'a [(Diagnostic, usize)],
    code: &str,
    line: usize,
    says: &str,
) -> &'a Diagnostic {
    found
        .iter()
        .find(|(d, l)| d.rule.code == code && *l == line && d.message.contains(says))
        .map(|(d, _)| d)
        .unwrap_or_else(|| {
            let all: Vec<String> = found
                .iter()
                .map(|(d, l)| format!("{} {l} {}", d.rule.code, d.message))
                .collect();
            panic!("expected {code} at line {line} saying {says}, got:\n{all:#?}")
        })
}

#[test]
fn a_summary_style_is_checked_like_a_style() {
    let title = "title: \"{{ 地区 }}{{ 年度 }}年度部门项目支出绩效目标汇总表\"";
    let (dir, text) = edited("region/region.yaml", |t| {
        t.replacen(title, "title: \"{{ 地区 }\"", 1)
            .replacen("decimals: 2 ", "decimals: 7 ", 1)
    });
    let d = region_check(dir.path());
    let bad = found(
        &d,
        "JX702",
        line_of(&text, "title: \"{{ 地区 }\""),
        "模式“{{ 地区 }”有语法错误",
    );
    assert!(
        bad.help.as_deref().is_some_and(|h| h.contains("minijinja")),
        "{bad:?}"
    );
    found(&d, "JX702", 0, "decimals（金额的小数位数）为 7，最多为 6");
    // The summary style as shipped has none of them.
    assert!(
        !region_check(&templates())
            .iter()
            .any(|(d, _)| d.rule.code == "JX702"),
        "the shipped region style is clean"
    );
}

#[test]
fn the_change_table_is_checked_like_a_style() {
    let (ok, found_clean) = change_table(&templates());
    assert!(ok && found_clean.is_empty(), "{found_clean:?}");
    let (dir, text) = edited("changes/table.yaml", |t| {
        format!(
            "\u{feff}{}",
            t.replacen("empty: 两个版本之间没有变动", "empty: \"{{ 变动前 }\"", 1)
                .replacen("stricter: 要求提高", "stricter: \"{{ 没有这个 }}\"", 1)
                .replacen("decimals: 2 ", "decimals: 9 ", 1)
        )
    });
    let (ok, d) = change_table(dir.path());
    assert!(!ok, "a table with errors is not used");
    let bad = found(
        &d,
        "JX504",
        line_of(&text, "empty: \"{{ 变动前 }\""),
        "模式“{{ 变动前 }”有语法错误",
    );
    assert!(
        bad.help
            .as_deref()
            .is_some_and(|h| h.contains("{{ 变动前 }}")),
        "{bad:?}"
    );
    let unknown = found(
        &d,
        "JX502",
        line_of(&text, "没有这个"),
        "没有变量“没有这个”",
    );
    assert!(
        unknown
            .help
            .as_deref()
            .is_some_and(|h| h.contains("变动前") && h.contains("方向")),
        "{unknown:?}"
    );
    found(
        &d,
        "JX501",
        line_of(&text, "title: 绩效目标变动对照表"),
        "decimals（金额的小数位数）为 9，最多为 6",
    );
    assert_eq!(d.len(), 3, "only these: {d:?}");
}

#[test]
fn a_column_is_written_alike_in_both_tables() {
    // The change table's columns take the alignments of a summary's (and a style's cells).
    let (dir, text) = edited("changes/table.yaml", |t| {
        t.replacen(
            "text: \"{{ 序号 }}\", align: center",
            "text: \"{{ 序号 }}\", align: middle",
            1,
        )
    });
    let (ok, d) = change_table(dir.path());
    assert!(!ok);
    found(&d, "JX501", line_of(&text, "align: middle"), "");
    let (dir, text) = edited("changes/table.yaml", |t| {
        t.replacen(
            "{label: 项目名称, width: 2.1, text: \"{{ 项目 }}\"}",
            "{label: 项目名称, width: 2.1}",
            1,
        )
    });
    let (ok, d) = change_table(dir.path());
    assert!(!ok);
    found(&d, "JX501", line_of(&text, "label: 项目名称"), "要写 text");
    // A summary's widths are the document's `columns`, not the column's.
    let (dir, text) = edited("region/region.yaml", |t| {
        t.replacen(
            "- {label: 项目数, field: 部门.项目数}",
            "- {label: 项目数, field: 部门.项目数, width: 2}",
            1,
        )
    });
    found(
        &region_check(dir.path()),
        "JX702",
        line_of(&text, "width: 2"),
        "columns",
    );
}

/// The heading rows a summary and the change table are planned with: a group spans its
/// adjacent columns (the same group as written) over their labels, an ungrouped label spans
/// both rows, and a table without groups has one row.
#[test]
fn heading_rows_span_groups_and_ungrouped_labels() {
    use jixiao::plan::cells::{Heading, heading_rows};
    let h = |label: &str, group: Option<&str>| Heading {
        label: label.to_string(),
        group: group.map(|g| (g.to_string(), format!("印{g}"))),
    };
    let spans = |rows: &[jixiao::plan::Row]| -> Vec<Vec<(usize, String, usize, usize)>> {
        rows.iter()
            .map(|r| {
                r.cells
                    .iter()
                    .map(|c| (c.col, c.text.clone(), c.rowspan, c.colspan))
                    .collect()
            })
            .collect()
    };
    let rows = heading_rows(&[
        h("序号", None),
        h("财政拨款", Some("资金")),
        h("合计", Some("资金")),
        h("错误", Some("校验")),
        h("备注", None),
    ]);
    let s = |t: &str| t.to_string();
    assert_eq!(
        spans(&rows),
        vec![
            vec![
                (0, s("序号"), 2, 1),
                (1, s("印资金"), 1, 2),
                (3, s("印校验"), 1, 1),
                (4, s("备注"), 2, 1)
            ],
            vec![
                (1, s("财政拨款"), 1, 1),
                (2, s("合计"), 1, 1),
                (3, s("错误"), 1, 1)
            ],
        ]
    );
    // The same printed group written differently is two groups.
    let two = heading_rows(&[
        Heading {
            label: s("a"),
            group: Some((s("{{ x }}"), s("X"))),
        },
        Heading {
            label: s("b"),
            group: Some((s("X"), s("X"))),
        },
    ]);
    assert_eq!(two[0].cells.len(), 2);
    let plain = heading_rows(&[h("序号", None), h("项目", None)]);
    assert_eq!(
        spans(&plain),
        vec![vec![(0, s("序号"), 1, 1), (1, s("项目"), 1, 1)]]
    );
}
