//! The three layouts of the vocabulary — a style (`style.yaml`), a summary style
//! (`region.yaml`) and the change table (`changes/table.yaml`) — are read and checked by the
//! same code (`src/style/common.rs`): a pattern that does not compile is reported at its line
//! with the pattern quoted and how patterns are written, a name that is not available with the
//! names that are, money decimals beyond six are refused, a file starting with a byte-order
//! mark reads like one without. All three report with a style's codes (JX501–JX506); a summary
//! style's documents are documents of the style vocabulary (`records`, `list` and `chart`
//! blocks), checked by the style check (`src/style/records.rs`) and planned by the one planner
//! of every document (`plan::plan`, its records blocks in `src/plan/records.rs`).

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

/// Each problem with its line (0 where it has none), as `found` reads them.
fn with_lines(diagnostics: &[Diagnostic]) -> Vec<(Diagnostic, usize)> {
    diagnostics
        .iter()
        .map(|d| (d.clone(), d.pos.as_ref().map_or(0, |p| p.line)))
        .collect()
}

/// The problems of `templates`' change table, with their lines.
fn change_table(templates: &Path) -> (bool, Vec<(Diagnostic, usize)>) {
    let empty = tempfile::tempdir().unwrap();
    let mut loaded = jixiao::load::load_dir(empty.path());
    let before = loaded.diagnostics.len();
    let table = jixiao::diff::table::Table::load(templates, &mut loaded);
    (table.is_some(), with_lines(&loaded.diagnostics[before..]))
}

/// The problems of a check of the sample data with a region file, with `templates`.
fn region_check(templates: &Path) -> Vec<(Diagnostic, usize)> {
    with_lines(&region_outcome(templates).diagnostics)
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

/// Where a diagnostic of a check is: `file:line:col`, the file by its name.
fn place(outcome: &jixiao::workspace::Outcome, d: &Diagnostic) -> String {
    let pos = d.pos.as_ref().expect("a position");
    let file = outcome.sources.path(pos.file);
    format!(
        "{}:{}:{}",
        file.file_name().unwrap().to_string_lossy(),
        pos.line,
        pos.column
    )
}

/// A check of the sample data with a region file, with `templates`: the whole outcome.
fn region_outcome(templates: &Path) -> jixiao::workspace::Outcome {
    let (_dir, mut ws) = region_workspace(templates);
    ws.check()
}

/// A workspace of one sample department's file and a region file, with `templates`, in a
/// directory of its own (kept while the returned guard lives).
fn region_workspace(templates: &Path) -> (tempfile::TempDir, Workspace) {
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
    let ws = Workspace::open(Options {
        data,
        out: dir.path().join("out"),
        templates: Some(templates.to_path_buf()),
        font_paths: Vec::new(),
    });
    (dir, ws)
}

/// `each` sections a department's document by project or department; a summary has one row per
/// record and no sections, so a written `each` (even `each: project`, the default elsewhere) is
/// refused at its place rather than silently ignored.
#[test]
fn a_written_each_in_a_summary_is_refused_at_its_place() {
    let (dir, text) = edited("region/region.yaml", |t| {
        t.replacen(
            "    template: summary.typ.j2\n",
            "    template: summary.typ.j2\n    each: project\n",
            1,
        )
    });
    let outcome = region_outcome(dir.path());
    let all = with_lines(&outcome.diagnostics);
    let line = line_of(&text, "each: project");
    let each = found(&all, "JX506", line, "不写 each");
    assert!(
        place(&outcome, each).starts_with(&format!("region.yaml:{line}:")),
        "{each:?}"
    );
}

/// A summary's column naming a field the records do not have, and a row pattern reading a
/// member `部门` does not have, are reported by the style check with a style's code (JX502) at
/// `region.yaml:line:col`, with the names there are; failed before the summaries were
/// documents of the vocabulary (JX702, and the row's names were not checked at all).
#[test]
fn a_summary_style_error_is_a_style_error_at_its_place() {
    let (dir, text) = edited("region/region.yaml", |t| {
        t.replacen("field: 部门.指标数}", "field: 部门.指标总数}", 1)
            .replacen(
                "{% if 部门.有错误 %}数据有错误，未生成表格，资金未计入合计{% endif %}",
                "{{ 部门.颜色 }}",
                1,
            )
    });
    let outcome = region_outcome(dir.path());
    let all = with_lines(&outcome.diagnostics);
    let line = line_of(&text, "部门.指标总数");
    let field = found(&all, "JX502", line, "没有字段“部门.指标总数”");
    let col = text
        .lines()
        .nth(line - 1)
        .unwrap()
        .chars()
        .position(|c| c == '部')
        .unwrap()
        + 1;
    assert_eq!(place(&outcome, field), format!("region.yaml:{line}:{col}"));
    assert!(
        field
            .help
            .as_deref()
            .is_some_and(|h| h.contains("部门.指标数") && h.contains("部门.资金.<来源>")),
        "{field:?}"
    );
    let var = found(
        &all,
        "JX502",
        line_of(&text, "部门.颜色"),
        "没有变量“部门.颜色”",
    );
    assert!(place(&outcome, var).starts_with("region.yaml:"), "{var:?}");
    assert!(
        var.help
            .as_deref()
            .is_some_and(|h| h.contains("部门.有错误") && h.contains("地区")),
        "{var:?}"
    );
    assert!(
        !all.iter().any(|(d, _)| d.rule.code == "JX702"),
        "no summary style rule for the style's own problems: {all:?}"
    );
}

/// The blocks of a summary and of a department's style are one vocabulary with one check: a
/// summary without its records table or with a department's block, and a department style
/// with a summary's block, are JX506 at the place written.
#[test]
fn summary_blocks_and_style_blocks_are_checked_by_one_check() {
    let (dir, text) = edited("region/region.yaml", |t| {
        t.replacen(
            "      - records:\n",
            "      - rows: []\n        records:\n",
            1,
        )
    });
    let d = region_check(dir.path());
    assert!(
        d.iter().any(|(d, _)| d.rule.code == "JX506"
            && d.message.contains("恰好写 records、list、chart 之一")),
        "{d:?}"
    );
    assert!(text.contains("rows: []"));
    // A summary's columns and widths: one width per column.
    let (dir, text) = edited("region/region.yaml", |t| {
        t.replacen(
            "columns: [0.7, 4.2, 1.0, 1.5, 1.5, 1.5, 1.0, 1.0, 1.0, 2.4]",
            "columns: [0.7, 4.2, 1.0, 1.5, 1.5, 1.5, 1.0, 1.0, 1.0]",
            1,
        )
    });
    found(
        &region_check(dir.path()),
        "JX503",
        line_of(
            &text,
            "columns: [0.7, 4.2, 1.0, 1.5, 1.5, 1.5, 1.0, 1.0, 1.0]",
        ),
        "columns 应为 10 个正数（表有 10 列），写了 9 个",
    );
    // A department's style cannot hold a summary's block.
    let (dir, text) = edited("xinjiang/style.yaml", |t| {
        t.replacen(
            "    blocks:\n",
            "    blocks:\n      - chart: {title: 图, field: 部门.名称, max: 1}\n",
            1,
        )
    });
    let d = region_check(dir.path());
    let line = text
        .lines()
        .position(|l| l.contains("- chart: {title: 图"))
        .unwrap()
        + 1;
    found(&d, "JX506", line, "records、list、chart 块只用于汇总样式");
}

/// A summary style in the old form (a document's `table`, `lists`, `chart` written directly)
/// is not read: its first unknown setting is JX501 at its line.
#[test]
fn a_summary_in_the_old_form_is_refused_at_its_first_old_setting() {
    let (dir, text) = edited("region/region.yaml", |t| {
        t.replacen(
            "    blocks:\n      - records:\n          columns:\n",
            "    table:\n",
            1,
        )
    });
    let d = region_check(dir.path());
    let old = found(&d, "JX501", line_of(&text, "    table:"), "table");
    // The help names the old form and the way out, not only names and indentation.
    assert!(
        old.help
            .as_deref()
            .is_some_and(|h| h.contains("旧版") && h.contains("templates/region/")),
        "{old:?}"
    );
}

/// The change table in the old form (its page settings and columns at the top level) is not
/// read: its first old setting is JX501 at its line, and no table is made.
#[test]
fn a_change_table_in_the_old_form_is_refused() {
    // The title where the old form had it: at the top, not under `document`.
    let (dir, text) = edited("changes/table.yaml", |t| {
        format!(
            "title: 绩效目标变动对照表（旧）\n{}",
            t.replacen("  title: 绩效目标变动对照表\n", "", 1)
        )
    });
    let (ok, d) = change_table(dir.path());
    assert!(!ok);
    let old = found(&d, "JX501", line_of(&text, "（旧）"), "未知字段“title”");
    assert!(
        old.help
            .as_deref()
            .is_some_and(|h| h.contains("旧版") && h.contains("templates/changes/")),
        "{old:?}"
    );
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
        "JX504",
        line_of(&text, "title: \"{{ 地区 }\""),
        "模式“{{ 地区 }”有语法错误",
    );
    assert!(
        bad.help.as_deref().is_some_and(|h| h.contains("minijinja")),
        "{bad:?}"
    );
    found(&d, "JX501", 0, "decimals（金额的小数位数）为 7，最多为 6");
    // The summary style as shipped has none of them.
    let clean = region_check(&templates());
    assert!(
        !clean
            .iter()
            .any(|(d, _)| d.rule.code.starts_with("JX5") || d.rule.code == "JX702"),
        "the shipped region style is clean: {clean:?}"
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
            "{label: 项目名称, text: \"{{ 项目 }}\"}",
            "{label: 项目名称}",
            1,
        )
    });
    let (ok, d) = change_table(dir.path());
    assert!(!ok);
    found(
        &d,
        "JX506",
        line_of(&text, "label: 项目名称"),
        "每一列要写 field（字段）或 text（模式）中的一个",
    );
    // Both tables' widths are the document's `columns`, not the column's.
    let (dir, text) = edited("changes/table.yaml", |t| {
        t.replacen(
            "{label: 项目名称, text: \"{{ 项目 }}\"}",
            "{label: 项目名称, text: \"{{ 项目 }}\", width: 2.1}",
            1,
        )
    });
    let (ok, d) = change_table(dir.path());
    assert!(!ok);
    found(
        &d,
        "JX503",
        line_of(&text, "width: 2.1"),
        "变动对照表的列宽写在文档的 columns 中",
    );
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
        "JX503",
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

/// The records table a summary (and the change table) is planned with: a row per record
/// numbered by `序号`, the total row's label in the first text column, counts and money as SUM
/// formulas over the record rows (the exact sum, printed with the layout's decimals), other
/// figures as the records give them; without records, the `empty` row across the table.
#[test]
fn a_records_table_sums_counts_and_money_over_its_rows() {
    use jixiao::plan::records::{Figure, Records, table};
    use jixiao::plan::{CellValue, Formula, PlanError, Sheet};
    use jixiao::style::records::FigureKind;
    use rust_decimal::Decimal;
    struct Two(usize);
    impl Records for Two {
        fn count(&self) -> usize {
            self.0
        }
        fn kind(&self, field: &str) -> Option<FigureKind> {
            match field {
                "名称" => Some(FigureKind::Text),
                "钱" => Some(FigureKind::Money),
                "率" => Some(FigureKind::Percent),
                _ => None,
            }
        }
        fn figure(&self, record: Option<usize>, field: &str) -> Figure {
            match (record, field) {
                (Some(r), "名称") => Figure::Text(format!("部门{r}")),
                (Some(r), "钱") => Figure::Money(Decimal::new(1_0025 + r as i64, 4)),
                (None, "钱") => Figure::Money(Decimal::new(2_0051, 4)),
                (_, "率") => Figure::Percent(Decimal::new(5, 1)),
                _ => Figure::Empty,
            }
        }
        fn vars(&self, _: usize, _: usize) -> Result<jixiao::plan::context::Vars, PlanError> {
            Ok(Default::default())
        }
        fn label(&self, r: usize) -> String {
            format!("部门{r}")
        }
        fn list(&self, _: &str) -> Vec<jixiao::plan::context::Vars> {
            Vec::new()
        }
    }
    let spec: jixiao::style::RecordsSpec = serde_saphyr::from_str(
        "columns: [{label: 序号, field: 序号}, {label: 名称, field: 名称}, {label: 钱, field: 钱}, {label: 率, field: 率}]\ntotal: 合计\nempty: 无\n",
    )
    .unwrap();
    let render =
        |p: &jixiao::style::SText, _: &minijinja::Value| Ok::<_, PlanError>(p.value.clone());
    let mut sheet = Sheet::new(4, 0);
    let body = table(&mut sheet, &spec, &Two(2), 2, &Default::default(), &render).unwrap();
    assert_eq!(body, 1..3);
    let rows = sheet.rows;
    let texts: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.cells.iter().map(|c| c.text.as_str()).collect())
        .collect();
    assert_eq!(
        texts,
        vec![
            vec!["序号", "名称", "钱", "率"],
            vec!["1", "部门0", "1.00", "50.00%"],
            vec!["2", "部门1", "1.00", "50.00%"],
            vec!["", "合计", "2.01", "50.00%"],
        ]
    );
    match &rows[3].cells[2].value {
        CellValue::Formula {
            expr: Formula::Sum { cells },
            result,
            decimals: 2,
            ..
        } => {
            assert_eq!(cells, &vec![(1, 2), (2, 2)]);
            assert_eq!(*result, Decimal::new(2_0051, 4));
        }
        other => panic!("a SUM of the record rows: {other:?}"),
    }
    assert!(matches!(rows[3].cells[3].value, CellValue::Percent { .. }));
    let mut sheet = Sheet::new(4, 0);
    let body = table(&mut sheet, &spec, &Two(0), 2, &Default::default(), &render).unwrap();
    assert!(body.is_empty());
    let rows = sheet.rows;
    assert_eq!(rows[1].cells[0].text, "无");
    assert_eq!(rows[1].cells[0].colspan, 4);
}

/// The change table is a document of the style vocabulary: what its `document` writes of the
/// file's metadata (`subject`, `keywords`), its `preamble` and `fit_page` are planned as in
/// every other document — the style check accepts them, so the planner must not drop them.
#[test]
fn the_change_table_prints_its_preamble_and_metadata_like_every_document() {
    let (dir, _) = edited("changes/table.yaml", |t| {
        t.replacen(
            "  landscape: true\n",
            "  landscape: true\n  fit_page: true\n  preamble: \"附件：{{ 变动后版本 }}\"\n  subject: \"{{ 变动前版本 }} 与 {{ 变动后版本 }}\"\n  keywords: [变动, \"{{ 变动后版本 }}\"]\n",
            1,
        )
    });
    let (ok, found) = change_table(dir.path());
    assert!(ok && found.is_empty(), "{found:?}");
    let empty = tempfile::tempdir().unwrap();
    let mut loaded = jixiao::load::load_dir(empty.path());
    let table = jixiao::diff::table::Table::load(dir.path(), &mut loaded).unwrap();
    let report = jixiao::diff::Report {
        old: "甲".to_string(),
        new: "乙".to_string(),
        scope: jixiao::diff::Scope::All,
        departments: Vec::new(),
        unread: Vec::new(),
    };
    let doc = table.plan(&report, "对照表").unwrap();
    assert_eq!(doc.preamble.as_deref(), Some("附件：乙"));
    assert_eq!(doc.subject, "甲 与 乙");
    assert_eq!(doc.keywords, vec!["变动".to_string(), "乙".to_string()]);
    assert!(doc.fit_page);
    assert_eq!(doc.file_stem, "对照表");
}

/// A pattern of the change table that fails while the table is planned is reported as a
/// style's is: at its `table.yaml:line:col`, in Chinese (minijinja's own words only quoted).
#[test]
fn a_change_table_pattern_that_fails_is_reported_in_chinese_at_its_place() {
    let (dir, text) = edited("changes/table.yaml", |t| {
        t.replacen(
            "  title: 绩效目标变动对照表\n",
            "  title: \"{{ 变动数 // 0 }}\"\n",
            1,
        )
    });
    let empty = tempfile::tempdir().unwrap();
    let mut loaded = jixiao::load::load_dir(empty.path());
    let table = jixiao::diff::table::Table::load(dir.path(), &mut loaded).unwrap();
    let report = jixiao::diff::Report {
        old: "甲".to_string(),
        new: "乙".to_string(),
        scope: jixiao::diff::Scope::All,
        departments: Vec::new(),
        unread: Vec::new(),
    };
    let err = table.plan(&report, "对照表").unwrap_err().to_string();
    let line = line_of(&text, "变动数 // 0");
    assert!(
        err.contains(&format!(
            "table.yaml:{line}:10：模式“{{{{ 变动数 // 0 }}}}”无法生成："
        )),
        "{err}"
    );
    assert!(err.contains("这个运算不能用在这样的值上"), "{err}");
    assert!(
        !err.starts_with("invalid") && !err.contains("：invalid operation"),
        "{err}"
    );
}

/// The change table always lists every change (an empty table when there is none): `only`,
/// which a summary style may write, is refused there at the `only` written (`only: all`
/// too, as `each: project` is), not ignored.
#[test]
fn the_change_table_refuses_only() {
    for only in ["evaluated", "all"] {
        let (dir, text) = edited("changes/table.yaml", |t| {
            t.replacen(
                "  title: 绩效目标变动对照表\n",
                &format!("  title: 绩效目标变动对照表\n  only: {only}\n"),
                1,
            )
        });
        let (ok, d) = change_table(dir.path());
        assert!(!ok, "only: {only}: a table with errors is not used");
        let refused = found(
            &d,
            "JX506",
            line_of(&text, &format!("only: {only}")),
            "不写 only",
        );
        assert_eq!(refused.help.as_deref(), Some("删去 only"));
    }
}

/// A summary's pattern that fails when the summary is made (not at the style check: `// 0`
/// is good syntax) is reported as every style's is, at `region.yaml:line:col` and in
/// Chinese, like the change table's and a department style's (one error, `PlanError::Pattern`).
#[test]
fn a_summary_pattern_that_fails_is_reported_at_its_place() {
    let (templates, text) = edited("region/region.yaml", |t| {
        t.replacen(
            "    subject: \"{{ 地区 }}{{ 年度 }}年度部门项目支出绩效目标汇总\"\n",
            "    subject: \"{{ 年度 // 0 }}\"\n",
            1,
        )
    });
    assert!(text.contains("{{ 年度 // 0 }}"), "the edit was made");
    let (_dir, mut ws) = region_workspace(templates.path());
    let failed = std::sync::Mutex::new(Vec::new());
    ws.build(&jixiao::workspace::BuildOptions::default(), &|e| {
        if let jixiao::workspace::Event::PlanFailed { error, .. } = e {
            failed.lock().unwrap().push(error.to_string());
        }
    });
    let failed = failed.into_inner().unwrap();
    let line = line_of(&text, "{{ 年度 // 0 }}");
    assert!(
        failed.iter().any(|e| e.contains(&format!(
            "region.yaml:{line}:14：模式“{{{{ 年度 // 0 }}}}”无法生成："
        ))),
        "{failed:?}"
    );
}
