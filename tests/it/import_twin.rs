//! The round trip of jixiao's own xlsx twins: for every sample data file, build → import each
//! xlsx → the loaded model equals the original (money, indicators, goals, self-evaluation), and
//! every cell bound to the data reads back as the data's value; and a twin edited with a
//! spreadsheet library — a changed amount, an inserted indicator row, a deleted row, a typed
//! label — imports with exactly those changes (the others reported by 工作表!单元格).
//!
//! The edits are made by reading the workbook with calamine and writing it anew with
//! rust_xlsxwriter, inserting or deleting rows as Excel, WPS and LibreOffice do: cells below
//! move down (or up), merged ranges across the row grow (or shrink), and every reference to a
//! moved cell from any sheet follows it (a reference to a deleted cell becomes `#REF!`).

use std::collections::BTreeMap;
use std::io::Cursor;

use jixiao::model::Texts;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader, SheetVisible, Xlsx};
use jixiao::import::twin::{bound_cells, parse_ref, value_at};
use jixiao::model::Department;
use rust_xlsxwriter::{Format, Formula, Workbook};

use crate::common;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn jixiao(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn load(path: &Path) -> Department {
    let text = std::fs::read_to_string(path).unwrap();
    jixiao::load::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The model as text, positions aside: what "equal" means for two loaded files.
fn canonical(d: &Department) -> String {
    jixiao::yaml_out::department(d, &[])
}

/// Asserts two models equal, showing the lines that differ.
fn assert_same(got: &Department, want: &Department, what: &str) {
    let (g, w) = (canonical(got), canonical(want));
    if g != w {
        let gl: Vec<&str> = g.lines().collect();
        let wl: Vec<&str> = w.lines().collect();
        let diff: Vec<String> = (0..gl.len().max(wl.len()))
            .filter(|&i| gl.get(i) != wl.get(i))
            .take(6)
            .map(|i| {
                format!(
                    "line {}:\n  got  {:?}\n  want {:?}",
                    i + 1,
                    gl.get(i),
                    wl.get(i)
                )
            })
            .collect();
        panic!("{what}: the models differ:\n{}", diff.join("\n"));
    }
}

/// A project directory with the sample data, built.
fn built(data: &Path) -> tempfile::TempDir {
    built_with(data, &repo().join("templates"))
}

/// [`built`] with the styles of `templates`.
fn built_with(data: &Path, templates: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    for e in std::fs::read_dir(data).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            std::fs::copy(&p, dir.path().join("data").join(p.file_name().unwrap())).unwrap();
        }
    }
    common::copy_dir(templates, &dir.path().join("templates"));
    let o = jixiao(dir.path(), &["build", "data", "--out", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    dir
}

fn xlsx_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "xlsx") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Imports `xlsx` into `out` (relative to `root` or absolute); the files then in `out`.
fn import_into(root: &Path, xlsx: &Path, out: &Path) -> (String, Vec<PathBuf>) {
    let o = jixiao(
        root,
        &[
            "import",
            xlsx.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{}: {err}", xlsx.display());
    let written: Vec<PathBuf> = std::fs::read_dir(root.join(out))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    (err, written)
}

/// Build → import each xlsx. Onto the data file it was built from, an unedited twin changes
/// nothing and reports nothing; into an empty directory it gives exactly what its tables
/// print (the data sheet carries nothing more, issue 20). Every bound cell reads back as the
/// data's value.
fn round_trip(data: &Path) {
    round_trip_with(data, &repo().join("templates"))
}

/// [`round_trip`] with the styles of `templates`.
fn round_trip_with(data: &Path, templates: &Path) {
    let dir = built_with(data, templates);
    let root = dir.path();
    let files = xlsx_files(&root.join("out"));
    assert!(!files.is_empty());
    for xlsx in &files {
        let (err, written) = import_into(root, xlsx, Path::new("data"));
        assert!(
            !err.contains("注意：") && err.contains("表格没有改动，数据文件保持原样"),
            "{}: nothing to report on an unedited twin: {err}",
            xlsx.display()
        );
        for w in &written {
            let want = std::fs::read_to_string(data.join(w.file_name().unwrap())).unwrap();
            assert_eq!(std::fs::read_to_string(w).unwrap(), want, "{}", w.display());
        }

        let imp = tempfile::tempdir().unwrap();
        let (err, written) = import_into(root, xlsx, imp.path());
        assert_eq!(written.len(), 1, "{}: {written:?}", xlsx.display());
        let name = written[0].file_name().unwrap();
        let original = load(&root.join("data").join(name));
        let imported = load(&written[0]);
        let cells = bound_cells(xlsx).unwrap();
        let bound = cells.iter().map(|b| b.path.clone()).collect();
        let printed = jixiao::import::twin::printed_only(&original, &bound);
        assert_same(&imported, &printed, &xlsx.display().to_string());
        if canonical(&printed) != canonical(&original) {
            assert!(err.contains("表格只带有它印出的内容"), "{err}");
        }

        // Every bound cell reads back as the data's value (the department-wide tables' too).
        assert!(
            cells.len() > 10,
            "{}: {} bound cells",
            xlsx.display(),
            cells.len()
        );
        // A style printing money in 元 prints the data's 万元 times 10,000.
        let yuan = std::fs::read_to_string(
            templates
                .join(original.style.value.trim())
                .join("style.yaml"),
        )
        .is_ok_and(|t| t.contains("\n  unit: 元"));
        for b in &cells {
            let mut want = value_at(&original, &b.path).unwrap_or_default();
            if yuan
                && jixiao::import::twin::is_money(&b.path)
                && let Ok(n) = want.parse::<rust_decimal::Decimal>()
            {
                want = (n * rust_decimal::Decimal::from(10_000)).to_string();
            }
            let got = b.value.trim();
            // Where the data has nothing, the cell prints the style's `blank` text ("/", "无")
            // or a figure the tool computes (a 合计 printed apart from its sources, a result's
            // 得分); bound all the same, so that a value typed there is imported as stated.
            let blank = want.trim().is_empty();
            let same = blank
                || match b.kind {
                    jixiao::plan::BindKind::Number => {
                        want.parse::<rust_decimal::Decimal>().ok()
                            == got.parse::<rust_decimal::Decimal>().ok()
                    }
                    jixiao::plan::BindKind::List => got == want,
                    // Targets print `>=` as `≥` where the style says so.
                    _ => got == want.trim() || got == jixiao::target::display(want.trim(), true),
                };
            assert!(
                same,
                "{} {}: {} reads {got:?}, the data has {want:?}",
                xlsx.display(),
                b.at,
                b.path
            );
        }
    }
}

#[test]
fn every_sample_file_comes_back_from_its_xlsx_unchanged() {
    round_trip(&repo().join("data"));
}

#[test]
fn the_national_example_comes_back_unchanged_though_amounts_print_rounded() {
    round_trip(&repo().join("examples/national/data"));
}

/// The anhui example: its 部门整体支出绩效自评表 is a scoring rubric.
#[test]
fn the_anhui_example_comes_back_unchanged() {
    round_trip(&repo().join("examples/anhui/data"));
}

/// The vocabulary fixture prints a project's 中期目标, 中期资金 and 中期指标 and the
/// department-wide part in every way a style can (money in 元): every printed cell reads back
/// as the data.
#[test]
fn the_vocabulary_fixture_comes_back_unchanged() {
    let fixture = repo().join("tests/fixtures/vocabulary");
    round_trip_with(&fixture.join("data"), &fixture.join("templates"));
    // The 中期 cells are among those read back (its 中期目标 prints numbered goals from a loop,
    // which no cell binds, as for 总体目标).
    let dir = built_with(&fixture.join("data"), &fixture.join("templates"));
    let xlsx = dir
        .path()
        .join("out/2024/测试市体育局/中期与年度绩效目标表.xlsx");
    let paths: Vec<String> = bound_cells(&xlsx)
        .unwrap()
        .into_iter()
        .map(|b| b.path)
        .collect();
    for part in [".中期资金.", ".中期指标["] {
        assert!(
            paths.iter().any(|p| p.contains(part)),
            "no {part} cell bound: {paths:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Editing a workbook as a spreadsheet program does
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
struct Sheet {
    name: String,
    visible: SheetVisible,
    values: BTreeMap<(u32, u32), Data>,
    formulas: BTreeMap<(u32, u32), String>,
    formats: BTreeMap<(u32, u32), String>,
    merges: Vec<((u32, u32), (u32, u32))>,
}

fn read_book(path: &Path) -> Vec<Sheet> {
    let bytes = std::fs::read(path).unwrap();
    let mut x = Xlsx::new(Cursor::new(bytes)).unwrap();
    let meta: Vec<(String, SheetVisible)> = x
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible))
        .collect();
    let mut out = Vec::new();
    for (name, visible) in meta {
        let range = x.worksheet_range(&name).unwrap();
        let start = range.start().unwrap_or((0, 0));
        let values: BTreeMap<(u32, u32), Data> = range
            .used_cells()
            .filter(|(_, _, v)| !matches!(v, Data::Empty))
            .map(|(r, c, v)| ((start.0 + r as u32, start.1 + c as u32), v.clone()))
            .collect();
        let f = x.worksheet_formula(&name).unwrap();
        let fs = f.start().unwrap_or((0, 0));
        let formulas = f
            .used_cells()
            .filter(|(_, _, v)| !v.is_empty())
            .map(|(r, c, v)| ((fs.0 + r as u32, fs.1 + c as u32), v.clone()))
            .collect();
        let styles = x.worksheet_style(&name).unwrap();
        let mut formats = BTreeMap::new();
        for &pos in values.keys() {
            if let Some(code) = styles.get(pos).and_then(|s| s.number_format.as_ref()) {
                formats.insert(pos, code.format_code.clone());
            }
        }
        let merges = x
            .merge_cells_by_sheet_name(&name)
            .unwrap()
            .iter()
            .map(|d| (d.start, d.end))
            .collect();
        out.push(Sheet {
            name,
            visible,
            values,
            formulas,
            formats,
            merges,
        });
    }
    out
}

fn write_book(book: &[Sheet], path: &Path) {
    write_book_as(book, path, false)
}

/// [`write_book`]; with `recalculated`, the tables' formulas stay formulas with their values
/// as results, as a spreadsheet program saves a workbook it recalculated.
fn write_book_as(book: &[Sheet], path: &Path, recalculated: bool) {
    let mut wb = Workbook::new();
    for s in book {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name).unwrap();
        match s.visible {
            SheetVisible::VeryHidden => {
                ws.set_very_hidden(true);
            }
            SheetVisible::Hidden => {
                ws.set_hidden(true);
            }
            SheetVisible::Visible => {}
        }
        for &(a, b) in &s.merges {
            ws.merge_range(a.0, a.1 as u16, b.0, b.1 as u16, "", &Format::new())
                .unwrap();
        }
        for (&(r, c), v) in &s.values {
            let fmt = match s.formats.get(&(r, c)) {
                Some(code) => Format::new().set_num_format(code),
                None => Format::new(),
            };
            let c = c as u16;
            // Formulas of the data sheet stay formulas; the tables' formulas keep their values.
            if let Some(f) = s.formulas.get(&(r, c as u32)) {
                if s.visible != SheetVisible::Visible {
                    ws.write_formula(r, c, Formula::new(format!("={f}")))
                        .unwrap();
                    continue;
                }
                if recalculated {
                    let result = match v {
                        Data::Float(x) => x.to_string(),
                        Data::Int(i) => i.to_string(),
                        other => other.to_string(),
                    };
                    ws.write_formula(r, c, Formula::new(format!("={f}")).set_result(result))
                        .unwrap();
                    continue;
                }
            }
            match v {
                Data::Float(f) => ws.write_number_with_format(r, c, *f, &fmt).unwrap(),
                Data::Int(i) => ws.write_number_with_format(r, c, *i as f64, &fmt).unwrap(),
                Data::String(t) => ws.write_string(r, c, t).unwrap(),
                Data::Bool(b) => ws.write_boolean(r, c, *b).unwrap(),
                other => panic!("unexpected {other:?}"),
            };
        }
        for (&(r, c), f) in &s.formulas {
            if s.visible != SheetVisible::Visible && !s.values.contains_key(&(r, c)) {
                ws.write_formula(r, c as u16, Formula::new(format!("={f}")))
                    .unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}

/// Every reference to `sheet` at or below `at` moved by `by` rows (a deleted row: `#REF!`).
fn move_references(book: &mut [Sheet], sheet: &str, at: u32, by: i64) {
    for s in book.iter_mut() {
        for f in s.formulas.values_mut() {
            let Some((name, r, c)) = parse_ref(f) else {
                continue;
            };
            if name != sheet || r < at {
                continue;
            }
            if by < 0 && r < at + (-by) as u32 {
                *f = format!("'{}'!#REF!", name.replace('\'', "''"));
                continue;
            }
            let r = (r as i64 + by) as u32;
            *f = format!(
                "'{}'!{}",
                name.replace('\'', "''"),
                jixiao::import::a1(r, c)
            );
        }
    }
}

/// Inserts a row above sheet row `at` as a spreadsheet program does.
fn insert_row(book: &mut [Sheet], sheet: &str, at: u32) {
    let s = book.iter_mut().find(|s| s.name == sheet).unwrap();
    fn moved<T: Clone>(m: &BTreeMap<(u32, u32), T>, at: u32) -> BTreeMap<(u32, u32), T> {
        m.iter()
            .map(|(&(r, c), v)| ((if r >= at { r + 1 } else { r }, c), v.clone()))
            .collect()
    }
    s.values = moved(&s.values, at);
    s.formulas = moved(&s.formulas, at);
    s.formats = moved(&s.formats, at);
    for m in &mut s.merges {
        if m.0.0 >= at {
            m.0.0 += 1;
            m.1.0 += 1;
        } else if m.1.0 >= at {
            // A merged range across the new row grows over it.
            m.1.0 += 1;
        }
    }
    move_references(book, sheet, at, 1);
}

/// Deletes sheet row `at` as a spreadsheet program does.
fn delete_row(book: &mut [Sheet], sheet: &str, at: u32) {
    let s = book.iter_mut().find(|s| s.name == sheet).unwrap();
    fn moved<T: Clone>(m: &BTreeMap<(u32, u32), T>, at: u32) -> BTreeMap<(u32, u32), T> {
        m.iter()
            .filter(|((r, _), _)| *r != at)
            .map(|(&(r, c), v)| ((if r > at { r - 1 } else { r }, c), v.clone()))
            .collect()
    }
    s.values = moved(&s.values, at);
    s.formulas = moved(&s.formulas, at);
    s.formats = moved(&s.formats, at);
    s.merges.retain(|m| !(m.0.0 == at && m.1.0 == at));
    for m in &mut s.merges {
        if m.0.0 > at {
            m.0.0 -= 1;
            m.1.0 -= 1;
        } else if m.1.0 >= at {
            m.1.0 -= 1;
        }
    }
    move_references(book, sheet, at + 1, -1);
    // References to the deleted row itself.
    for s in book.iter_mut() {
        for f in s.formulas.values_mut() {
            if let Some((name, r, _)) = parse_ref(f)
                && name == sheet
                && r == at
            {
                *f = format!("'{}'!#REF!", name.replace('\'', "''"));
            }
        }
    }
}

fn find(s: &Sheet, text: &str) -> (u32, u32) {
    *s.values
        .iter()
        .find(|(_, v)| matches!(v, Data::String(t) if t == text))
        .unwrap_or_else(|| panic!("no cell {text:?} in {}", s.name))
        .0
}

fn sheet_mut<'a>(book: &'a mut [Sheet], name: &str) -> &'a mut Sheet {
    book.iter_mut().find(|s| s.name == name).unwrap()
}

/// Imports into `data/` a copy of `xlsx` with `value` in the cell `at` (`Sheet!A1`, as a bound
/// cell names it); what the import printed.
fn import_with(root: &Path, xlsx: &Path, at: &str, value: Data) -> String {
    let (sheet, a1) = at.split_once('!').unwrap();
    let (r, c) = parse_ref(&format!("='{sheet}'!{a1}"))
        .map(|(_, r, c)| (r, c))
        .unwrap();
    let mut book = read_book(xlsx);
    sheet_mut(&mut book, sheet).values.insert((r, c), value);
    let edited = root.join("edited.xlsx");
    write_book(&book, &edited);
    import_into(root, &edited, Path::new("data")).0
}

fn text(s: &str) -> jixiao::model::Text {
    jixiao::import::text(s)
}

#[test]
fn an_edited_twin_imports_with_exactly_its_edits() {
    let dir = built(&repo().join("data"));
    let root = dir.path();
    let xlsx = root.join("out/2023/库尔勒市人大常委会办公室/项目支出绩效目标表.xlsx");
    let mut book = read_book(&xlsx);
    let sheet = "人大代表活动经费";
    {
        let s = sheet_mut(&mut book, sheet);
        // A changed amount: 财政拨款 37.76 → 40.5 (shown 40.50 by the cell's format).
        let label = find(s, "其中：财政拨款");
        s.values.insert((label.0, label.1 + 1), Data::Float(40.5));
    }
    // An indicator row inserted below the first indicator: 一级 and 二级 come from the merged
    // cells that grow over it.
    let first = find(sheet_mut(&mut book, sheet), "市级人大代表人数");
    insert_row(&mut book, sheet, first.0 + 1);
    {
        let s = sheet_mut(&mut book, sheet);
        let r = first.0 + 1;
        let c = first.1;
        for (k, v) in [
            "代表培训人次",
            "≥100人次",
            "计划标准",
            "",
            "",
            "按照正常比例赋分",
            "正式材料",
        ]
        .iter()
        .enumerate()
        {
            if !v.is_empty() {
                s.values
                    .insert((r, c + k as u32), Data::String(v.to_string()));
            }
        }
        s.values.insert((r, c + 4), Data::Float(8.0));
    }
    // The last indicator of the second sheet deleted.
    let second = "十一届四次人代会会议费";
    let last = find(sheet_mut(&mut book, second), "代表满意度");
    delete_row(&mut book, second, last.0);
    // A label typed over, and a note typed beside the table: not data, reported.
    let title = {
        let s = sheet_mut(&mut book, sheet);
        let at = find(s, "项目负责人");
        s.values.insert(at, Data::String("负责人姓名".into()));
        let below = s.values.keys().map(|k| k.0).max().unwrap() + 2;
        s.values
            .insert((below, 0), Data::String("请领导审核".into()));
        (at, below)
    };
    let edited = root.join("edited.xlsx");
    write_book(&book, &edited);

    let o = jixiao(root, &["import", edited.to_str().unwrap(), "--out", "data"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    // Reported, not imported.
    assert!(
        err.contains(&format!(
            "{sheet}!{}",
            jixiao::import::a1(title.0.0, title.0.1)
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{sheet}!A{}", title.1 + 1)) && err.contains("请领导审核"),
        "{err}"
    );
    let path = root.join("data/2023-kuerle-rendaban.yaml");
    assert!(
        root.join("data/2023-kuerle-rendaban.yaml.bak").is_file(),
        "the original kept aside"
    );
    let imported = load(&path);

    let mut want = load(&root.join("data/2023-kuerle-rendaban.yaml.bak"));
    let p = &mut want.projects[0];
    for (k, v) in p.funds.value.entries.iter_mut() {
        // The stated 合计 was the sum of the sources, and follows them as Excel's SUM did.
        if k.value == "财政拨款" || k.value == "合计" {
            *v = jixiao::import::sp(jixiao::model::Dec("40.50".parse().unwrap()));
        }
    }
    let mut new = p.indicators[0].clone();
    new.name = text("代表培训人次");
    new.target = text("≥100人次");
    new.basis = Some(text("计划标准"));
    new.last_year = None;
    new.weight = Some(jixiao::import::sp(jixiao::model::Dec(8.into())));
    new.scoring = Some(text("按照正常比例赋分"));
    new.evidence = vec![text("正式材料")];
    new.texts = Vec::new();
    p.indicators.insert(1, new);
    let q = &mut want.projects[1];
    let gone = q
        .indicators
        .iter()
        .position(|i| i.name.value == "代表满意度")
        .unwrap();
    q.indicators.remove(gone);
    let tail: String = err
        .lines()
        .filter(|l| l.starts_with("已导入") || l.starts_with("注意"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_same(&imported, &want, &tail);
    // The check ran on the result: the weights no longer add up to 90 (98 and 80).
    assert!(err.contains("JX212"), "{err}");
}

#[test]
fn self_evaluation_edits_and_a_filled_padding_row() {
    let dir = built(&repo().join("data"));
    let root = dir.path();
    let xlsx = root.join("out/2023/相山区人大办公室/项目支出绩效自评表.xlsx");
    let mut book = read_book(&xlsx);
    let sheet = "人大会议经费";
    {
        let s = sheet_mut(&mut book, sheet);
        // A result changed, a 三级 renamed (the self-evaluation's reference follows), an
        // executed amount changed.
        let at = find(s, "严格执行相关法规、制度");
        s.values.insert(at, Data::String("严格执行".into()));
        let at = find(s, "指标1：召开会议次数");
        s.values
            .insert(at, Data::String("指标1：召开人代会次数".into()));
        let label = find(s, "其中：本年财政拨款");
        // 年初预算, 全年预算, 全年执行 follow the row label.
        s.values.insert((label.0, label.1 + 4), Data::Float(54.5));
        // The padding row 指标2： under 数量指标 filled in as a new indicator.
        let pad = s
            .values
            .iter()
            .find(|((r, _), v)| *r > at.0 && matches!(v, Data::String(t) if t == "指标2："))
            .map(|(k, _)| *k)
            .unwrap();
        s.values.insert(pad, Data::String("指标2：会议天数".into()));
        s.values
            .insert((pad.0, pad.1 + 1), Data::String("≥3天".into()));
        s.values
            .insert((pad.0, pad.1 + 2), Data::String("3天".into()));
    }
    let edited = root.join("edited.xlsx");
    write_book(&book, &edited);
    let o = jixiao(root, &["import", edited.to_str().unwrap(), "--out", "data"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let imported = load(&root.join("data/2023-xiangshan-rendaban.yaml"));
    let mut want = load(&root.join("data/2023-xiangshan-rendaban.yaml.bak"));
    let p = &mut want.projects[0];
    p.indicators[0].name = text("召开人代会次数");
    let e = p.eval.as_mut().unwrap();
    e.indicators[0].indicator = text("召开人代会次数");
    e.indicators[1].actual = Some(text("严格执行"));
    for (k, a) in e.funds.value.entries.iter_mut() {
        if k.value == "财政拨款" || k.value == "合计" {
            a.executed = jixiao::import::sp(jixiao::model::Dec("54.5".parse().unwrap()));
        }
    }
    let mut new = p.indicators[0].clone();
    new.name = text("会议天数");
    new.target = text("≥3天");
    new.weight = None;
    p.indicators.insert(1, new);
    e.indicators.push(jixiao::model::IndicatorEval {
        indicator: text("会议天数"),
        actual: Some(text("3天")),
        score: None,
        grade: None,
        reason: None,
        score_override: None,
    });
    let tail: String = err
        .lines()
        .filter(|l| l.starts_with("已导入") || l.starts_with("注意"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_same(&imported, &want, &tail);
}

/// The department-wide tables' cells come back: in the 部门（单位）整体支出绩效目标申报表 a
/// task's amount and 主要内容 and a department indicator's 指标值; in the 部门整体支出绩效自评表
/// an executed amount (its stated 合计 follows, as Excel's SUM did), the 实际完成情况 and an
/// indicator's 得分. Nothing else of the file changes.
#[test]
fn department_wide_edits_come_back_from_the_workbook() {
    let dir = built(&repo().join("examples/national/data"));
    let root = dir.path();
    let file = root.join("data/2024-示例中心.yaml");
    let before = load(&file);
    let out = root.join("out/2024/示例市示例服务中心");
    let import = |xlsx: &Path| {
        let o = jixiao(root, &["import", xlsx.to_str().unwrap(), "--out", "data"]);
        let err = stderr(&o);
        assert!(o.status.success(), "{err}");
        assert!(!err.contains("未导入"), "{err}");
        err
    };

    let xlsx = out.join("部门（单位）整体支出绩效目标申报表.xlsx");
    let mut book = read_book(&xlsx);
    let name = book
        .iter()
        .find(|s| s.name != "jixiao数据")
        .unwrap()
        .name
        .clone();
    {
        let s = sheet_mut(&mut book, &name);
        // 任务名称 · 主要内容 (two columns) · 总额 · 财政拨款 · 其他资金.
        // 5 万元 moved from one task to another (the tasks still add up to the money).
        let (r, c) = find(s, "公共服务热线运行");
        s.values.insert((r, c + 4), Data::Float(85.0));
        let (r2, _) = find(s, "政务服务大厅设备更新");
        s.values.insert((r2, c + 4), Data::Float(35.0));
        s.values.insert(
            (r, c + 1),
            Data::String("全天候受理群众来电并回访。".into()),
        );
        // 三级 (two columns) · 指标值.
        let (r, c) = find(s, "诉求按时办结率");
        s.values.insert((r, c + 2), Data::String("≥99%".into()));
    }
    let edited = root.join("edited-target.xlsx");
    write_book(&book, &edited);
    import(&edited);
    // The other workbook is edited as built from the file now.
    let o = jixiao(root, &["build", "data", "--out", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let xlsx = out.join("部门整体支出绩效自评表.xlsx");
    let mut book = read_book(&xlsx);
    let name = book
        .iter()
        .find(|s| s.name != "jixiao数据")
        .unwrap()
        .name
        .clone();
    {
        let s = sheet_mut(&mut book, &name);
        // The row label spans two columns · 年初预算数 · 全年预算数 · 全年执行数.
        let (r, c) = find(s, "其中：当年财政拨款");
        s.values.insert((r, c + 4), Data::Float(620.0));
        // 三级 · 年度指标值 · 实际完成值 · 分值 · 得分.
        let (r, c) = *s
            .values
            .iter()
            .find(|(_, v)| matches!(v, Data::String(t) if t.ends_with("：窗口服务制度健全性")))
            .unwrap()
            .0;
        s.values.insert((r, c + 4), Data::Float(12.0));
        let at = s
            .values
            .iter()
            .find(|(_, v)| matches!(v, Data::String(t) if t.starts_with("政务服务大厅和公共服务热线全年稳定运行，诉求")))
            .map(|(k, _)| *k)
            .unwrap();
        s.values.insert(at, Data::String("全年稳定运行。".into()));
    }
    let edited = root.join("edited-eval.xlsx");
    write_book(&book, &edited);
    import(&edited);

    let imported = load(&file);
    let mut want = before.clone();
    let w = want.wide.as_mut().unwrap();
    w.tasks[1].content = Some(text("全天候受理群众来电并回访。"));
    // Amounts typed into the workbook come back with its money format's decimals.
    let dec = |s: &str| jixiao::import::sp(jixiao::model::Dec(s.parse().unwrap()));
    for (t, amount) in [(1, "85.00"), (2, "35.00")] {
        let task = &mut w.tasks[t];
        for (k, v) in task.funds.as_mut().unwrap().value.entries.iter_mut() {
            if k.value == "财政拨款" {
                *v = dec(amount);
            }
        }
    }
    let ind = w
        .indicators
        .iter_mut()
        .find(|i| i.name.value == "诉求按时办结率")
        .unwrap();
    ind.target = text("≥99%");
    let e = w.eval.as_mut().unwrap();
    e.outcome = text("全年稳定运行。");
    for (k, a) in e.funds.value.entries.iter_mut() {
        match k.value.as_str() {
            "财政拨款" => a.executed = dec("620.00"),
            "合计" => a.executed = dec("641.10"),
            _ => {}
        }
    }
    let r = e
        .indicators
        .iter_mut()
        .find(|r| r.indicator.value == "窗口服务制度健全性")
        .unwrap();
    r.score = Some(jixiao::import::sp(jixiao::model::Dec(12.into())));
    assert_same(&imported, &want, "department-wide edits");
}

/// A style printing money in 元 (`funds.unit: 元`) from data in 万元: an amount edited in
/// the workbook comes back in 万元, not 10,000 times too large.
#[test]
fn an_amount_edited_in_yuan_comes_back_in_wan_yuan() {
    let fixture = repo().join("tests/fixtures/vocabulary");
    let dir = built_with(&fixture.join("data"), &fixture.join("templates"));
    let root = dir.path();
    let file = root.join("data/2024-测试局.yaml");
    let before = load(&file);
    let xlsx = root.join("out/2024/测试市体育局/2024年项目支出绩效目标表.xlsx");
    let path = "项目[0].资金.财政资金";
    let cell = bound_cells(&xlsx)
        .unwrap()
        .into_iter()
        .find(|b| b.path == path)
        .expect("the amount is bound");
    let was: rust_decimal::Decimal = value_at(&before, path).unwrap().parse().unwrap();
    let printed: rust_decimal::Decimal = cell.value.parse().unwrap();
    assert_eq!(
        printed,
        was * rust_decimal::Decimal::from(10_000),
        "printed in 元"
    );
    let err = import_with(root, &xlsx, &cell.at, Data::Float(200_000.0));
    let after = load(&file);
    let now: rust_decimal::Decimal = value_at(&after, path).unwrap().parse().unwrap();
    assert_eq!(now, rust_decimal::Decimal::from(20), "{err}");
}

/// The vocabulary fixture's 拨付与结余 table (a `fund` block with declared columns): a written
/// figure edited in the workbook (in 元) comes back into `部门整体.拨付结余`; the columns the style
/// computes (合计 ④ = ① + ②) are formulas, bound to no data.
#[test]
fn an_allocation_figure_edited_in_the_workbook_comes_back() {
    let fixture = repo().join("tests/fixtures/vocabulary");
    let dir = built_with(&fixture.join("data"), &fixture.join("templates"));
    let root = dir.path();
    let file = root.join("data/2024-测试局.yaml");
    let xlsx = root.join("out/2024/测试市体育局/部门整体资金拨付与结余情况表.xlsx");
    let cells = bound_cells(&xlsx).unwrap();
    let bound = |path: &str| cells.iter().find(|b| b.path == path);
    assert!(
        bound("部门整体.拨付结余[0].合计").is_none(),
        "④ is a formula"
    );
    let path = "部门整体.拨付结余[1].调整";
    let cell = bound(path).expect("the adjustment is bound");
    assert_eq!(
        cell.value.parse::<f64>().unwrap(),
        -25_000.0,
        "printed in 元"
    );
    let err = import_with(root, &xlsx, &cell.at, Data::Float(-30_000.0));
    let after = load(&file);
    let now: rust_decimal::Decimal = value_at(&after, path).unwrap().parse().unwrap();
    assert_eq!(now, rust_decimal::Decimal::from(-3), "{err}");
}

#[test]
fn a_tampered_or_damaged_twin_is_reported_not_a_panic() {
    let dir = built(&repo().join("data"));
    let root = dir.path();
    let xlsx =
        root.join("out/2025/平罗县人民代表大会常务委员会办公室/部门项目支出预算绩效目标表.xlsx");
    let mut book = read_book(&xlsx);
    {
        let data = sheet_mut(&mut book, "jixiao数据");
        for v in data.values.values_mut() {
            if let Data::String(t) = v {
                // Rows naming projects and indicators that do not exist, paths that lead
                // nowhere.
                if t.starts_with("g:") {
                    *t = "g:0:9:99:99".into();
                } else if t.starts_with("项目[") {
                    *t = t.replacen("项目[", "项目[9", 1);
                }
            }
        }
    }
    {
        let s = sheet_mut(&mut book, "常委会议工作经费");
        let at = find(s, "行财室");
        s.values.insert(at, Data::String("办公室".into()));
        let last = s.values.keys().map(|k| k.0).max().unwrap();
        s.values
            .insert((last + 1, 2), Data::String("新加的一行".into()));
    }
    let edited = root.join("tampered.xlsx");
    write_book(&book, &edited);
    let o = jixiao(
        root,
        &["import", edited.to_str().unwrap(), "--out", "imported"],
    );
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("改动未导入") || err.contains("未导入"),
        "{err}"
    );

    // A file that only looks like a workbook.
    let broken = root.join("broken.xlsx");
    let mut bytes = std::fs::read(&xlsx).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&broken, bytes).unwrap();
    let o = jixiao(root, &["import", broken.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(!err.contains("panicked") && err.contains("无法"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// What the data sheet carries (issue 20, item 4)
// ---------------------------------------------------------------------------------------------

const SECRET_OUTCOME: &str = "内部备注仅供参考甲乙丙";
const SECRET_REASON: &str = "内部偏差说明丁戊己";

/// The department data a workbook's hidden sheet carries, as text.
fn carried(xlsx: &Path) -> Option<String> {
    let book = read_book(xlsx);
    let data = book.iter().find(|s| s.name == "jixiao数据")?;
    let mut out = String::new();
    for (&(r, c), v) in &data.values {
        if c == 1
            && matches!(data.values.get(&(r, 0)), Some(Data::String(k)) if k == "data")
            && let Data::String(t) = v
        {
            out.push_str(t);
        }
    }
    Some(out)
}

/// A project with 库尔勒's target table, its first project self-evaluated with remarks no
/// target table prints.
fn with_self_evaluation() -> (tempfile::TempDir, Department) {
    use jixiao::import::{sp, text};
    use jixiao::model::{Dec, EvalAmounts, IndicatorEval, SelfEval};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    common::copy_dir(&repo().join("templates"), &dir.path().join("templates"));
    let mut d = load(&repo().join("data/2023-kuerle-rendaban.yaml"));
    let p = &mut d.projects[0];
    let mut funds = jixiao::model::Entries::default();
    funds.entries.push((
        text("财政拨款"),
        EvalAmounts {
            initial: None,
            budget: sp(Dec(rust_decimal::Decimal::new(3776, 2))),
            executed: sp(Dec(rust_decimal::Decimal::from(30))),
        },
    ));
    p.eval = Some(SelfEval {
        funds: sp(funds),
        stated_rate: None,
        stated_exec_score: None,
        exec_override: None,
        outcome: text(SECRET_OUTCOME),
        stated_total: None,
        stated_grade: None,
        indicators: p
            .indicators
            .iter()
            .map(|i| IndicatorEval {
                indicator: text(i.name.value.clone()),
                actual: Some(text("达成")),
                score: i.weight.clone(),
                grade: None,
                reason: Some(text(SECRET_REASON)),
                score_override: None,
            })
            .collect(),
        texts: Vec::new(),
    });
    std::fs::write(
        dir.path().join("data/2023-kuerle-rendaban.yaml"),
        jixiao::yaml_out::department(&d, &[]),
    )
    .unwrap();
    (dir, d)
}

#[test]
fn a_target_table_workbook_carries_no_self_evaluation() {
    let (dir, d) = with_self_evaluation();
    let root = dir.path();
    let o = jixiao(root, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let xlsx = root.join("out/2023/库尔勒市人大常委会办公室/项目支出绩效目标表.xlsx");
    let text = carried(&xlsx).expect("the data sheet");
    assert!(text.contains("人大代表活动经费"), "{text}");
    assert!(text.contains("韩玲艳"), "{text}");
    assert!(!text.contains(SECRET_OUTCOME), "{text}");
    assert!(!text.contains(SECRET_REASON), "{text}");
    assert!(!text.contains("自评"), "{text}");

    // Imported onto its data file, an unedited twin leaves it as it is …
    let (err, _) = import_into(root, &xlsx, Path::new("data"));
    assert!(err.contains("表格没有改动，数据文件保持原样"), "{err}");
    assert_same(
        &load(&root.join("data/2023-kuerle-rendaban.yaml")),
        &d,
        "the data file",
    );
    // … and an edit comes back with the self-evaluation the workbook never carried.
    let mut book = read_book(&xlsx);
    {
        let s = sheet_mut(&mut book, "人大代表活动经费");
        let at = find(s, "韩玲艳");
        s.values.insert(at, Data::String("王芳".into()));
    }
    let edited = root.join("edited.xlsx");
    write_book(&book, &edited);
    let (err, _) = import_into(root, &edited, Path::new("data"));
    let got = load(&root.join("data/2023-kuerle-rendaban.yaml"));
    let mut want = d.clone();
    want.projects[0].set_text("负责人", Some(jixiao::import::text("王芳")));
    assert_same(&got, &want, &err);
}

#[test]
fn no_data_sheet_leaves_the_workbook_without_it() {
    let (dir, _) = with_self_evaluation();
    let root = dir.path();
    let xlsx = root.join("out/2023/库尔勒市人大常委会办公室/项目支出绩效目标表.xlsx");
    let o = jixiao(root, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(carried(&xlsx).is_some());
    // The option is part of what the last build is compared with: not "nothing changed".
    let o = jixiao(root, &["build", "--no-data-sheet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(carried(&xlsx).is_none(), "no data sheet");
    let o = jixiao(root, &["import", xlsx.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("不是 jixiao 生成的表格"),
        "{}",
        stderr(&o)
    );
    let o = jixiao(root, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(carried(&xlsx).is_some(), "the data sheet is back");
}

/// A field added to the catalogue alone (科目代码), printed by a style in a header cell, is bound
/// in the workbook: an edit of it comes back through import like any other field.
#[test]
fn a_catalogue_text_printed_by_a_style_comes_back_from_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::copy_dir(&repo().join("templates"), &root.join("templates"));
    let style = root.join("templates/ningxia/style.yaml");
    let text = std::fs::read_to_string(&style).unwrap();
    assert!(text.contains("{field: 项目.主管处室}"));
    std::fs::write(
        &style,
        text.replacen("{field: 项目.主管处室}", "{field: 项目.科目代码}", 1),
    )
    .unwrap();
    std::fs::create_dir(root.join("data")).unwrap();
    let data = std::fs::read_to_string(repo().join("data/2025-pingluo-rendaban.yaml")).unwrap();
    let at = data.find("    资金:").unwrap();
    let data = format!("{}    科目代码: \"21305\"\n{}", &data[..at], &data[at..]);
    let file = root.join("data/2025-pingluo-rendaban.yaml");
    std::fs::write(&file, data).unwrap();
    let o = jixiao(root, &["build", "data", "--out", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let xlsx = xlsx_files(&root.join("out"))[0].clone();
    let mut book = read_book(&xlsx);
    let name = book
        .iter()
        .find(|s| {
            s.values
                .values()
                .any(|v| *v == Data::String("21305".into()))
        })
        .expect("a sheet printing 科目代码")
        .name
        .clone();
    let s = sheet_mut(&mut book, &name);
    let at = find(s, "21305");
    s.values.insert(at, Data::String("21306".into()));
    write_book(&book, &xlsx);
    let o = jixiao(root, &["import", xlsx.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let back = load(&file);
    assert_eq!(back.projects[0].text("科目代码").unwrap().value, "21306");
}

/// A workbook saved again by another program may keep the data sheet merely hidden: import
/// still reads it and says that anyone opening the file can now see it.
#[test]
fn a_data_sheet_no_longer_very_hidden_is_reported() {
    let dir = built(&repo().join("data"));
    let root = dir.path();
    let xlsx = root.join("out/2023/库尔勒市信访局/项目支出绩效目标表.xlsx");
    let mut book = read_book(&xlsx);
    let data = book
        .iter_mut()
        .find(|s| s.name == jixiao::import::twin::DATA_SHEET)
        .unwrap();
    assert_eq!(
        data.visible,
        SheetVisible::VeryHidden,
        "build writes it very hidden"
    );
    data.visible = SheetVisible::Hidden;
    write_book(&book, &xlsx);
    let o = jixiao(root, &["import", xlsx.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("已不是“深度隐藏”，而是隐藏"), "{err}");
}

/// An amount edited in Excel or WPS changes the total its SUM formula shows when the program
/// recalculates: the new total is the program's, not a change the user made, and is not
/// reported as one that was not imported.
#[test]
fn a_recalculated_total_is_not_reported_as_an_edit() {
    let dir = built(&repo().join("data"));
    let root = dir.path();
    let xlsx = root.join("out/2023/库尔勒市人大常委会办公室/项目支出绩效目标表.xlsx");
    let mut book = read_book(&xlsx);
    let s = sheet_mut(&mut book, "人大代表活动经费");
    let label = find(s, "其中：财政拨款");
    let amount = (label.0, label.1 + 1);
    let Some(Data::Float(old)) = s.values.get(&amount).cloned() else {
        panic!("the amount is a number");
    };
    s.values.insert(amount, Data::Float(old + 2.0));
    // Every formula of the sheet recalculated by the spreadsheet program: each cached value
    // that held the old amount now differs.
    let formulas: Vec<(u32, u32)> = s.formulas.keys().copied().collect();
    assert!(!formulas.is_empty(), "the sheet has total formulas");
    for at in formulas {
        if let Some(Data::Float(v)) = s.values.get(&at).cloned() {
            s.values.insert(at, Data::Float(v + 2.0));
        }
    }
    write_book_as(&book, &xlsx, true);
    let o = jixiao(root, &["import", xlsx.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("不是数据，改动未导入"), "{err}");
    let back = load(&root.join("data/2023-kuerle-rendaban.yaml"));
    let got = back.projects[0]
        .funds
        .value
        .get("财政拨款")
        .unwrap()
        .value
        .0;
    assert_eq!(
        got.to_string(),
        format!(
            "{}",
            rust_decimal::Decimal::try_from(old + 2.0)
                .unwrap()
                .normalize()
        )
    );
}

/// Tampered 部门整体 cell records in the data sheet (issue 20's hostile inputs, for the
/// department-wide import): huge or out-of-range indexes, a path naming a model field that
/// is not a text, a money key that is empty or holds control characters, a section number at
/// the end of the integers, a reference far past Excel's last column. None panics; none
/// writes a data file that no longer loads.
#[test]
fn tampered_department_wide_cell_records_are_reported_not_a_panic() {
    let dir = built(&repo().join("examples/national/data"));
    let root = dir.path();
    let xlsx = root.join("out/2024/示例市示例服务中心/部门（单位）整体支出绩效目标申报表.xlsx");
    let base = read_book(&xlsx);
    let name = base
        .iter()
        .find(|s| s.name != "jixiao数据")
        .unwrap()
        .name
        .clone();
    // The bound cell of task 1's 财政拨款, edited.
    let (at, path_at) = {
        let s = base.iter().find(|s| s.name == name).unwrap();
        let (r, c) = find(s, "公共服务热线运行");
        let data = base.iter().find(|s| s.name == "jixiao数据").unwrap();
        let path = data
            .values
            .iter()
            .find(|(_, v)| matches!(v, Data::String(t) if t == "部门整体.任务[1].资金.财政拨款"))
            .map(|(k, _)| *k)
            .expect("the task's money is bound");
        ((r, c + 4), path)
    };
    // (path, other column of its record) → refused, or imported and then checked.
    type Case = (&'static str, Option<(u32, String)>, bool);
    let cases: Vec<Case> = vec![
        (
            "部门整体.任务[18446744073709551615].资金.财政拨款",
            None,
            true,
        ),
        (
            "部门整体.任务[99999999999999999999999].资金.财政拨款",
            None,
            true,
        ),
        // A source named by the sheet is a name (the check reports it: JX302, JX014).
        ("部门整体.任务[1].资金.", None, false),
        ("部门整体.任务[1].资金.财政\u{1}拨款\n", None, false),
        // Fields the catalogue keeps elsewhere, named as texts: were “imported” and lost.
        ("项目[0].资金", None, true),
        ("项目[0].指标", None, true),
        ("项目[0].自评", None, true),
        ("部门整体.指标[0].三级.x", None, true),
        ("部门整体.指标[0].一级", None, true),
        ("部门整体.指标[0].权重.x", None, true),
        ("部门整体.任务[1].资金", None, true),
        ("部门整体.自评.资金", None, true),
        ("项目[0].指标[0].结果", None, true),
        ("项目[0].中期指标[0].一级", None, true),
        (
            "部门整体.任务[1].资金.财政拨款",
            Some((1, "18446744073709551615".into())),
            false,
        ),
        (
            "部门整体.任务[1].资金.财政拨款",
            Some((3, "='x'!ZZZZZZZZZZZZZZ1".into())),
            false,
        ),
    ];
    for (i, (path, other, refused)) in cases.iter().enumerate() {
        let mut book = base.clone();
        {
            let s = sheet_mut(&mut book, &name);
            s.values.insert(at, Data::Float(85.0));
        }
        {
            let data = sheet_mut(&mut book, "jixiao数据");
            data.values.insert(path_at, Data::String((*path).into()));
            // A deleted sheet of the last section number there is, and a column whose
            // reference lies past any sheet's last column.
            let last = data.values.keys().map(|k| k.0).max().unwrap();
            data.values
                .insert((last + 1, 0), Data::String("sheet".into()));
            data.values
                .insert((last + 1, 1), Data::String(usize::MAX.to_string()));
            data.formulas.insert((last + 1, 2), "#REF!".into());
            data.values
                .insert((last + 2, 0), Data::String("col".into()));
            data.values.insert((last + 2, 1), Data::String("0".into()));
            data.values.insert((last + 2, 2), Data::String("4".into()));
            data.formulas
                .insert((last + 2, 3), format!("'{name}'!ZZZZZZZZZZZZZZ1"));
            if let Some((col, v)) = other {
                if let Some(f) = v.strip_prefix('=') {
                    data.formulas.insert((path_at.0, *col), f.to_string());
                } else {
                    data.values
                        .insert((path_at.0, *col), Data::String(v.clone()));
                }
            }
        }
        let edited = root.join(format!("tampered-{i}.xlsx"));
        write_book(&book, &edited);
        let out = format!("imported-{i}");
        common::copy_dir(&root.join("data"), &root.join(&out));
        let o = jixiao(
            root,
            &["import", edited.to_str().unwrap(), "--out", &out, "--force"],
        );
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{path}: {err}");
        if *refused {
            assert!(err.contains("F7：改动未导入"), "{path}: {err}");
        }
        for e in std::fs::read_dir(root.join(&out)).into_iter().flatten() {
            let p = e.unwrap().path();
            if p.extension().is_none_or(|x| x != "yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let loaded = jixiao::load::parse(&text);
            assert!(loaded.is_ok(), "{path}: {:?}\n{text}", loaded.err());
        }
    }
}

/// A reference in a tampered data sheet with more column letters than any sheet has is no
/// reference (it was an overflow: a panic, or another column).
#[test]
fn a_reference_past_the_last_column_is_no_reference() {
    for f in ["'x'!ZZZZZZZZZZZZZZ1", "x!AAAAAAAAA1", "x!A99999999999"] {
        assert_eq!(parse_ref(f), None, "{f}");
    }
}

/// The anhui 部门收支构成表 (a `fund` block): figures and names edited in the workbook come
/// back into `部门整体.收入` / `支出`; the formula cells (增减额, 增长率, 占比, totals) are not data.
#[test]
fn fund_table_edits_come_back_from_the_workbook() {
    let dir = built(&repo().join("examples/anhui/data"));
    let root = dir.path();
    let file = root.join("data/2024-示例文旅局.yaml");
    let before = load(&file);
    let xlsx = root.join("out/2024/示例县示例文化旅游局/部门收支构成表.xlsx");
    let mut book = read_book(&xlsx);
    let name = book
        .iter()
        .find(|s| s.name != "jixiao数据")
        .unwrap()
        .name
        .clone();
    {
        let s = sheet_mut(&mut book, &name);
        // 项目 · 本年金额 · 上年金额: 2 万元 moved between two rows' 上年 (the total stays).
        let (r, c) = find(s, "一般公共预算财政拨款收入");
        s.values.insert((r, c + 2), Data::Float(268.0));
        let (r, c) = find(s, "政府性基金预算财政拨款收入");
        s.values.insert((r, c + 2), Data::Float(22.0));
        let (r, c) = find(s, "公用经费");
        s.values.insert((r, c), Data::String("日常公用经费".into()));
    }
    let edited = root.join("edited-funds.xlsx");
    write_book(&book, &edited);
    let o = jixiao(root, &["import", edited.to_str().unwrap(), "--out", "data"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("未导入"), "{err}");
    let imported = load(&file);
    let mut want = before.clone();
    let w = want.wide.as_mut().unwrap();
    let dec = |s: &str| jixiao::import::sp(jixiao::model::Dec(s.parse().unwrap()));
    assert!(w.income[0].set_figure("上年", Some(dec("268"))));
    assert!(w.income[1].set_figure("上年", Some(dec("22"))));
    w.spending[1].name = text("日常公用经费");
    assert_same(&imported, &want, "fund table edits");
}
