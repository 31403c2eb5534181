//! jixiao's own xlsx twins, edited in Excel or WPS.
//!
//! `jixiao build` gives every department's xlsx a very hidden sheet, `jixiao数据`, one record
//! a row (the kind in column A):
//!
//! | A | B… |
//! | --- | --- |
//! | `jixiao-twin` | version, data file name, style |
//! | `data` | a piece of the department's data (YAML as `jixiao import` writes it, no comments) |
//! | `sheet` | section, `='工作表'!A1` |
//! | `col` | section, column, `='工作表'!D5` (a cell of that column) |
//! | `row` | section, row id, `='工作表'!A12`, kind: `g:文档:块:项目:指标` for a grid body row (`-` where none), `t` another table row, `x` a line outside the table |
//! | `cell` | section, row id, column, data path, kind (`text`, `number`, `goals`, `list`), printed text, text before the value, text after it |
//! | `free` | section, row id, column, printed text (labels, computed figures, titles: not data) |
//!
//! The references are formulas, which Excel, WPS and LibreOffice keep pointing at the same
//! cell when rows or columns are inserted or deleted and when a sheet is renamed; a deleted row
//! reads `#REF!`. So the importer finds every row and column where it now is: a bound cell whose
//! text changed goes back into the data at its path; a grid row that was deleted deletes its
//! indicator; a row inserted into a grid (or a padding row filled in) becomes a new indicator,
//! its cells read by the grid's columns in the style (`一级`/`二级` from a merged cell or filled
//! down from the row above); anything else that changed is reported by `工作表!单元格`.
//! Unchanged cells keep the data exactly as it was (a 10.368 printed as 10.37 stays 10.368).

mod bound;
mod markers;
mod paths;
mod printed;
mod records;
pub use bound::{BoundCell, bound_cells, bound_paths};
pub use paths::{is_money, value_at};
pub use printed::printed_only;
use records::Record;
pub use records::parse_ref;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_decimal::Decimal;

use super::{Budget, Imported, Notes, Sheet, cell_ref, sp, text};
use crate::excel::{TwinRecord, TwinRow};
use crate::fields::VarPath;
use crate::model::{Dec, Department, Indicator, IndicatorEval};
use crate::plan::BindKind;
use crate::style::Styles;
use markers::{column_target, printed_number, unchanged, unlabel};
use paths::{apply, empty_result, result_of, split_list};

/// The name of the hidden sheet that carries a twin's data and bindings.
pub const DATA_SHEET: &str = crate::excel::TWIN_SHEET;

/// A bound cell of a section.
struct Bound {
    row: u32,
    col: u32,
    path: String,
    kind: BindKind,
    printed: String,
    prefix: String,
    suffix: String,
}

/// A table row of a section as written.
struct RowInfo {
    id: u32,
    /// Where it is now; `None` when deleted.
    now: Option<u32>,
    /// For a grid body row: (document, block, project, indicator).
    grid: Option<(usize, usize, Option<usize>, Option<usize>)>,
}

/// One section as the twin sheet describes it.
#[derive(Default)]
struct Section {
    sheet: Option<String>,
    sheet_deleted: bool,
    cols: BTreeMap<u32, Option<u32>>,
    rows: Vec<RowInfo>,
    cells: Vec<Bound>,
    free: Vec<(u32, u32, String)>,
}

/// A change to the data.
#[derive(Debug, Clone, PartialEq)]
enum NewValue {
    Text(String),
    Number(Option<Decimal>),
}

/// A new indicator read from a row, and where it goes.
struct NewIndicator {
    project: usize,
    /// Insert after this indicator (source index), or first.
    after: Option<usize>,
    indicator: Indicator,
    result: Option<IndicatorEval>,
    at: String,
}

/// A department from the text of a data file.
fn department_of(text: &str) -> Result<Department, String> {
    crate::load::parse(text).map_err(|e| e.to_string())
}

/// The data file a twin names, read from `dir` when the name is a plain `.yaml` file name and
/// the file a regular file within the budget (the name comes from the workbook: never a path,
/// a link, a device or a pipe).
fn data_file(dir: &Path, name: &str) -> Option<Department> {
    if !crate::load::is_data_file_name_from_file(name) {
        return None;
    }
    let bytes =
        crate::write::read_below(dir, Path::new(name), crate::load::MAX_FILE_BYTES).ok()??;
    department_of(&String::from_utf8(bytes).ok()?).ok()
}

/// The visible text of a cell; empty when there is none.
fn shown(sheet: &Sheet, r: u32, c: u32) -> String {
    sheet.text(r, c).replace("\r\n", "\n")
}

/// Reads a twin back: the carried data with the edits of its visible sheets.
pub fn import(
    path: &Path,
    sheets: &[Sheet],
    data: &Sheet,
    styles: &Styles,
    budget: &Budget,
    data_dir: Option<&Path>,
) -> Result<Imported, String> {
    let bad = |why: &str| {
        format!(
            "{}：jixiao 数据表（隐藏的工作表“{DATA_SHEET}”）{why}，无法导入",
            path.display()
        )
    };
    let rec = |at: u32| Record { at, sheet: data };
    let head = rec(0);
    if head.text(0) != crate::excel::TWIN_MARK {
        return Err(bad("不完整"));
    }
    if head.text(1) != crate::excel::TWIN_VERSION {
        return Err(bad("来自不同版本的 jixiao"));
    }
    let file_name = head.text(2).to_string();
    let style_key = head.text(3).to_string();
    let style = styles.get(&style_key)?;
    let mut yaml = String::new();
    let mut sections: BTreeMap<usize, Section> = BTreeMap::new();
    for r in 1..=data.last_row() {
        if r.is_multiple_of(1024) {
            budget.check(path, "读 jixiao 数据表")?;
        }
        let x = rec(r);
        let kind = TwinRecord::parse(x.text(0));
        let Some(s) = x.num(1).filter(|_| kind != Some(TwinRecord::Data)) else {
            if kind == Some(TwinRecord::Data) {
                yaml.push_str(x.text(1));
            }
            continue;
        };
        let sec = sections.entry(s).or_default();
        match kind {
            Some(TwinRecord::Sheet) => match x.reference(2) {
                Some(Some((name, _, _))) => sec.sheet = Some(name),
                _ => sec.sheet_deleted = true,
            },
            Some(TwinRecord::Col) => {
                if let (Some(c), Some(now)) = (x.num(2), x.reference(3)) {
                    sec.cols.insert(c as u32, now.map(|(_, _, col)| col));
                }
            }
            Some(TwinRecord::Row) => {
                let Some(id) = x.num(2) else { continue };
                let now = x.reference(3).flatten().map(|(_, row, _)| row);
                let grid = match TwinRow::parse(x.text(4)) {
                    Some(TwinRow::Grid {
                        document,
                        block,
                        project,
                        indicator,
                    }) => Some((document, block, project, indicator)),
                    _ => None,
                };
                sec.rows.push(RowInfo {
                    id: id as u32,
                    now,
                    grid,
                });
            }
            Some(TwinRecord::Cell) => {
                let (Some(row), Some(col), Some(kind)) =
                    (x.num(2), x.num(3), BindKind::parse(x.text(5)))
                else {
                    continue;
                };
                sec.cells.push(Bound {
                    row: row as u32,
                    col: col as u32,
                    path: x.text(4).to_string(),
                    kind,
                    printed: x.text(6).to_string(),
                    prefix: x.text(7).to_string(),
                    suffix: x.text(8).to_string(),
                });
            }
            Some(TwinRecord::Free) => {
                if let (Some(row), Some(col)) = (x.num(2), x.num(3)) {
                    sec.free
                        .push((row as u32, col as u32, x.text(4).to_string()));
                }
            }
            _ => {}
        }
    }
    let carried = department_of(&yaml).map_err(|e| bad(&format!("中的数据读不出（{e}）")))?;
    let mut notes = Notes::new(path);
    let note = |notes: &mut Notes, at: String, message: String| notes.push(at, message);
    // Saved again by another program (LibreOffice, WPS), the data sheet may have become merely
    // hidden or visible: still read, but the reader of the file can now see it.
    if !data.very_hidden {
        let now = if data.hidden { "隐藏" } else { "可见" };
        note(
            &mut notes,
            format!("工作表“{DATA_SHEET}”"),
            format!(
                "jixiao 的数据表已不是“深度隐藏”，而是{now}（这个文件可能在别的程序中另存过），打开文件的人能在“取消隐藏”中看到它；数据照常导入，jixiao build 重新生成的表格仍把它深度隐藏"
            ),
        );
    }
    // The data sheet carries only what the tables print (`printed_only`): the edits go onto
    // the data file it was built from, when that file is where the import writes and still
    // prints as the workbook carries it; else onto what the workbook carries.
    let bound: BTreeSet<String> = sections
        .values()
        .flat_map(|s| s.cells.iter().map(|b| b.path.clone()))
        .collect();
    let canonical = |d: &Department| crate::yaml_out::department(d, &[]);
    let base = data_dir
        .and_then(|dir| data_file(dir, &file_name))
        .filter(|b| {
            let c = canonical(&carried);
            canonical(b) == c || canonical(&printed_only(b, &bound)) == c
        });
    let mut dept = match base {
        Some(b) => b,
        None => {
            if canonical(&printed_only(&carried, &bound)) != canonical(&carried) {
                // A twin built before the data sheet was trimmed carries everything.
            } else {
                note(
                    &mut notes,
                    String::new(),
                    format!(
                        "表格只带有它印出的内容；没有找到生成它的数据文件 {file_name}（或那个文件后来改过），所以表格中没有印出的内容（如另一张表的栏目、自评）不在导入结果中"
                    ),
                );
            }
            carried
        }
    };
    let original = dept.clone();
    let mut changes: Vec<String> = Vec::new();
    let mut edits: Vec<(String, NewValue, BindKind, String)> = Vec::new();
    let mut deleted: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut added: Vec<NewIndicator> = Vec::new();
    let mut sheet_names = Vec::new();
    for (s, sec) in &sections {
        let Some(name) = sec.sheet.clone() else {
            if sec.sheet_deleted {
                note(
                    &mut notes,
                    String::new(),
                    format!(
                        "第 {} 个工作表已被删除，其中的内容保持原样",
                        s.saturating_add(1)
                    ),
                );
            }
            continue;
        };
        let Some(sheet) = sheets.iter().find(|x| x.name == name) else {
            continue;
        };
        sheet_names.push(name.clone());
        let row_now: BTreeMap<u32, Option<u32>> = sec.rows.iter().map(|r| (r.id, r.now)).collect();
        let col_now = |c: u32| sec.cols.get(&c).copied().flatten();
        let pos = |r: u32, c: u32| Some((row_now.get(&r).copied().flatten()?, col_now(c)?));
        let mut accounted: BTreeSet<(u32, u32)> = BTreeSet::new();
        // Rows that now hold a new indicator: inserted rows and filled-in padding rows.
        let mut consumed: BTreeSet<u32> = BTreeSet::new();

        // Grid rows deleted.
        for r in &sec.rows {
            if let (None, Some((_, _, Some(p), Some(i)))) = (r.now, r.grid)
                && deleted.insert((p, i))
            {
                let name = original
                    .projects
                    .get(p)
                    .and_then(|x| x.indicators.get(i))
                    .map(|x| x.name.value.clone())
                    .unwrap_or_default();
                changes.push(format!("{name}：这一行已删除，删去这条指标"));
            }
        }

        // New indicators: rows inserted into a grid, padding rows filled in.
        let mut known: Vec<(u32, &RowInfo)> = sec
            .rows
            .iter()
            .filter_map(|r| r.now.map(|n| (n, r)))
            .collect();
        known.sort_by_key(|(n, _)| *n);
        let known_rows: BTreeSet<u32> = known.iter().map(|(n, _)| *n).collect();
        let mut blocks: Vec<(usize, usize)> = sec
            .rows
            .iter()
            .filter_map(|r| r.grid.map(|g| (g.0, g.1)))
            .collect();
        blocks.dedup();
        for (doc, block) in blocks {
            let Some(spec) = style
                .style
                .documents
                .get(doc)
                .and_then(|d| d.blocks.get(block))
                .and_then(|b| b.grid.as_ref())
                .map(|g| &g.value)
            else {
                continue;
            };
            let members: Vec<&RowInfo> = sec
                .rows
                .iter()
                .filter(|r| r.grid.is_some_and(|g| (g.0, g.1) == (doc, block)))
                .collect();
            let (Some(first), Some(last)) = (members.first(), members.last()) else {
                continue;
            };
            // From the row before the grid's first row to the row after its last one, as
            // they now stand.
            let before = known
                .iter()
                .filter(|(_, r)| r.id < first.id)
                .map(|(n, _)| *n)
                .max();
            let after = known
                .iter()
                .filter(|(_, r)| r.id > last.id && !members.iter().any(|m| m.id == r.id))
                .map(|(n, _)| *n)
                .min();
            let start = before.map_or(0, |b| b + 1);
            // A grid at the end of the table runs on over the rows added right under it (up
            // to the first empty row).
            let end = after.unwrap_or_else(|| {
                let last_now = members.iter().filter_map(|m| m.now).max().unwrap_or(start);
                let mut end = last_now + 1;
                while (0..=sheet.last_col())
                    .any(|c| sheet.get(end, c).is_some_and(|x| !x.text.trim().is_empty()))
                {
                    end += 1;
                }
                end
            });
            let one_project = {
                let mut ps: Vec<Option<usize>> =
                    members.iter().map(|m| m.grid.and_then(|g| g.2)).collect();
                ps.dedup();
                (ps.len() == 1).then(|| ps[0]).flatten()
            };
            // A grid of indicators (a project list has no column reading 指标 or n).
            let indicator_grid = spec.columns.iter().any(|c| {
                let reads = |v: &VarPath| matches!(&*v.parts(), ["n"] | ["指标", _, ..]);
                match (&c.field, &c.text) {
                    (Some(f), _) => style.patterns.field(&f.value).is_some_and(|v| reads(&v)),
                    (None, Some(t)) => style.patterns.variables(&t.value).iter().any(reads),
                    _ => false,
                }
            });
            let mut prev_levels: (Option<String>, Option<String>) = (None, None);
            let mut prev: Option<(usize, Option<usize>)> = None;
            for r in start..end {
                budget.check(path, &format!("读工作表“{}”第 {} 行", sheet.name, r + 1))?;
                let member = members.iter().find(|m| m.now == Some(r));
                if let Some(m) = member {
                    let g = m.grid.unwrap_or((doc, block, None, None));
                    if let (Some(p), Some(i)) = (g.2, g.3)
                        && let Some(ind) =
                            original.projects.get(p).and_then(|x| x.indicators.get(i))
                    {
                        prev_levels = (
                            Some(ind.level1.value.clone()),
                            ind.level2.as_ref().map(|l| l.value.clone()),
                        );
                        prev = Some((p, Some(i)));
                        continue;
                    }
                    if let Some(p) = g.2 {
                        prev = Some((
                            p,
                            prev.and_then(|x| x.1)
                                .filter(|_| prev.is_some_and(|x| x.0 == p)),
                        ));
                    }
                    // A padding row: new only when something was typed into it.
                    let printed: BTreeMap<u32, &str> = sec
                        .free
                        .iter()
                        .filter(|f| f.0 == m.id)
                        .map(|f| (f.1, f.2.as_str()))
                        .chain(
                            sec.cells
                                .iter()
                                .filter(|b| b.row == m.id)
                                .map(|b| (b.col, b.printed.as_str())),
                        )
                        .collect();
                    let typed = indicator_grid
                        && (0..=sheet.last_col()).any(|c| {
                            let cell = sheet.get(r, c);
                            let orig_col = sec
                                .cols
                                .iter()
                                .find(|(_, now)| **now == Some(c))
                                .map(|(o, _)| *o);
                            cell.is_some_and(|x| {
                                x.merged_from.is_none() && !x.text.trim().is_empty()
                            }) && orig_col
                                .and_then(|o| printed.get(&o))
                                .is_none_or(|t| !unchanged(sheet, r, c, t))
                        });
                    if !typed {
                        continue;
                    }
                } else if known_rows.contains(&r) {
                    continue;
                } else {
                    let typed = (0..=sheet.last_col()).any(|c| {
                        sheet
                            .get(r, c)
                            .is_some_and(|x| x.merged_from.is_none() && !x.text.trim().is_empty())
                    });
                    if !typed {
                        continue;
                    }
                    if !indicator_grid {
                        // A project list: a new project is not read from a row (yet).
                        continue;
                    }
                }
                // Read the row by the grid's columns.
                let project = one_project.or(prev.map(|x| x.0));
                let Some(p) = project else {
                    note(
                        &mut notes,
                        cell_ref(&sheet.name, r, 0),
                        "新加的这一行找不到所属的项目，未导入".into(),
                    );
                    continue;
                };
                let mut values: BTreeMap<String, String> = BTreeMap::new();
                let mut col = 0u32;
                let mut unread = Vec::new();
                for c in &spec.columns {
                    let orig = col;
                    col += c.span.max(1) as u32;
                    let Some(now) = col_now(orig) else { continue };
                    let shown_text = shown(sheet, r, now);
                    if shown_text.trim().is_empty() {
                        continue;
                    }
                    let field = c
                        .field
                        .as_ref()
                        .and_then(|f| style.patterns.field(&f.value));
                    let pattern = c.text.as_ref().map(|t| t.value.as_str());
                    match column_target(style, field.as_deref(), pattern, &shown_text) {
                        Some((k, v)) => {
                            values.insert(k, v.trim().to_string());
                        }
                        None => {
                            let from_merge =
                                sheet.get(r, now).is_some_and(|x| x.merged_from.is_some());
                            let fixed =
                                pattern.is_some_and(|t| style.patterns.variables(t).is_empty());
                            let project_level = field
                                .as_ref()
                                .is_some_and(|f| matches!(&*f.parts(), ["项目" | "自评", _, ..]));
                            if !from_merge && !fixed && !project_level && !c.label_cells {
                                unread.push(cell_ref(&sheet.name, r, now));
                            }
                        }
                    }
                }
                for c in 0..=sheet.last_col() {
                    accounted.insert((r, c));
                }
                consumed.insert(r);
                let l1 = values
                    .get("一级")
                    .map(|v| unlabel(style, v))
                    .or(prev_levels.0.clone());
                let l2 = values.get("二级").map(|v| unlabel(style, v)).or_else(|| {
                    if values.contains_key("一级")
                        && values.get("一级").map(|v| unlabel(style, v)) != prev_levels.0
                    {
                        None
                    } else {
                        prev_levels.1.clone()
                    }
                });
                prev_levels = (l1.clone(), l2.clone());
                let get = |k: &str| values.get(k).cloned().filter(|v| !v.is_empty());
                let number = |k: &str, at: &mut Vec<String>| {
                    get(k).and_then(|v| match printed_number(&v).map(super::data_number) {
                        Some(Ok(n)) => Some(n),
                        Some(Err(why)) => {
                            at.push(why);
                            None
                        }
                        None => {
                            at.push(format!("{k}“{v}”不是数字"));
                            None
                        }
                    })
                };
                let mut problems = Vec::new();
                let name3 = get("三级").unwrap_or_default();
                let indicator = Indicator {
                    level1: text(l1.unwrap_or_default()),
                    level2: if style.style.level2 {
                        l2.map(text)
                    } else {
                        None
                    },
                    name: text(name3.clone()),
                    target: text(get("指标值").unwrap_or_default()),
                    basis: get("依据").map(text),
                    last_year: get("上年完成值").map(text),
                    weight: number("权重", &mut problems).map(|n| sp(Dec(n))),
                    scoring: get("赋分规则").map(text),
                    evidence: get("佐证资料").map(|v| split_list(&v)).unwrap_or_default(),
                    texts: super::indicator_texts(style, |k| get(k)),
                };
                let score = number("结果.得分", &mut problems);
                let result = (get("结果.实际完成值").is_some()
                    || score.is_some()
                    || get("结果.偏差原因").is_some())
                .then(|| IndicatorEval {
                    actual: get("结果.实际完成值").map(text),
                    score: score.map(|n| sp(Dec(n))),
                    reason: get("结果.偏差原因").map(text),
                    grade: get("结果.等级").map(text),
                    ..empty_result(&name3)
                });
                let at = cell_ref(&sheet.name, r, 0);
                for pr in problems {
                    note(&mut notes, at.clone(), format!("新指标的{pr}，未导入"));
                }
                if !unread.is_empty() {
                    note(
                        &mut notes,
                        at.clone(),
                        format!(
                            "新指标这一行中 {} 的内容对应不到数据，未导入",
                            unread.join("、")
                        ),
                    );
                }
                let after = prev.filter(|x| x.0 == p).and_then(|x| x.1);
                changes.push(format!("{at}：新指标“{name3}”"));
                added.push(NewIndicator {
                    project: p,
                    after,
                    indicator,
                    result,
                    at,
                });
            }
        }

        // Bound cells.
        for b in &sec.cells {
            budget.check(path, &format!("核对工作表“{}”", sheet.name))?;
            let Some((r, c)) = pos(b.row, b.col) else {
                continue;
            };
            accounted.insert((r, c));
            if consumed.contains(&r) {
                continue;
            }
            let now = shown(sheet, r, c);
            let at = cell_ref(&sheet.name, r, c);
            if unchanged(sheet, r, c, &b.printed) {
                continue;
            }
            let Some(inner) = now
                .strip_prefix(b.prefix.as_str())
                .and_then(|x| x.strip_suffix(b.suffix.as_str()))
            else {
                note(
                    &mut notes,
                    at,
                    format!(
                        "改为“{now}”，但这一格应以“{}”开头、以“{}”结尾，对应不到数据，未导入",
                        b.prefix, b.suffix
                    ),
                );
                continue;
            };
            let value = match b.kind {
                BindKind::Number => {
                    if inner.trim().is_empty() {
                        NewValue::Number(None)
                    } else {
                        match sheet
                            .get(r, c)
                            .and_then(|x| x.number)
                            .filter(|_| b.prefix.is_empty() && b.suffix.is_empty())
                            .or_else(|| printed_number(inner.trim()))
                        {
                            Some(n) => match super::data_number(to_data_unit(style, &b.path, n)) {
                                Ok(n) => NewValue::Number(Some(n)),
                                Err(why) => {
                                    note(&mut notes, at, format!("{why}，未导入"));
                                    continue;
                                }
                            },
                            None => {
                                note(&mut notes, at, format!("“{now}”不是数字，未导入"));
                                continue;
                            }
                        }
                    }
                }
                _ => NewValue::Text(inner.trim().to_string()),
            };
            if let Some((_, other, _, other_at)) = edits.iter().find(|e| e.0 == b.path) {
                if *other != value {
                    note(
                        &mut notes,
                        at,
                        format!("与 {other_at} 对同一项数据的改动不同，未导入这一格"),
                    );
                }
                continue;
            }
            changes.push(format!("{at}：“{}”改为“{now}”", b.printed));
            edits.push((b.path.clone(), value, b.kind, at));
        }
        // Texts that are not data.
        for (row, col, printed) in &sec.free {
            let Some((r, c)) = pos(*row, *col) else {
                continue;
            };
            accounted.insert((r, c));
            if consumed.contains(&r) {
                continue;
            }
            let now = shown(sheet, r, c);
            // A cell that still holds a formula shows what the spreadsheet program computed
            // (a total after an edited amount): not an edit of the user's.
            if !unchanged(sheet, r, c, printed) && !sheet.formulas.contains_key(&(r, c)) {
                note(
                    &mut notes,
                    cell_ref(&sheet.name, r, c),
                    format!(
                        "“{printed}”改成了“{now}”：这一格是栏目名、标题、合计或计算结果，不是数据，改动未导入"
                    ),
                );
            }
        }
        // Anything else typed into the sheet.
        let covered: BTreeSet<(u32, u32)> = accounted.clone();
        budget.check(path, &format!("核对工作表“{}”", sheet.name))?;
        for (&(r, c), cell) in &sheet.cells {
            if cell.merged_from.is_some()
                || covered.contains(&(r, c))
                || cell.text.trim().is_empty()
            {
                continue;
            }
            note(
                &mut notes,
                cell_ref(&sheet.name, r, c),
                format!("“{}”不在表格的数据格中，未导入", cell.text.trim()),
            );
        }
    }

    budget.check(path, "写回改动")?;
    // Apply: field edits on the original indices, then deletions and new indicators.
    for (path, value, kind, at) in &edits {
        if let Err(why) = apply(&mut dept, path, value, *kind) {
            note(&mut notes, at.clone(), format!("改动未导入：{why}"));
        }
    }
    for (p, proj) in dept.projects.iter_mut().enumerate() {
        let olds = std::mem::take(&mut proj.indicators);
        let mut results_gone: Vec<String> = Vec::new();
        let mut out: Vec<Indicator> = Vec::new();
        let mut new_results: Vec<IndicatorEval> = Vec::new();
        let place = |after: Option<usize>,
                     out: &mut Vec<Indicator>,
                     new_results: &mut Vec<IndicatorEval>| {
            for a in added.iter().filter(|a| a.project == p && a.after == after) {
                out.push(a.indicator.clone());
                if let Some(r) = &a.result {
                    new_results.push(r.clone());
                }
                let _ = &a.at;
            }
        };
        place(None, &mut out, &mut new_results);
        for (i, ind) in olds.into_iter().enumerate() {
            if deleted.contains(&(p, i)) {
                if let Some(j) = result_of(&original, p, i) {
                    results_gone.push(
                        original.projects[p]
                            .eval
                            .as_ref()
                            .map(|e| e.indicators[j].indicator.value.clone())
                            .unwrap_or_default(),
                    );
                }
            } else {
                out.push(ind);
            }
            place(Some(i), &mut out, &mut new_results);
        }
        proj.indicators = out;
        if let Some(e) = proj.eval.as_mut() {
            e.indicators
                .retain(|r| !results_gone.contains(&r.indicator.value));
            e.indicators.extend(new_results);
        } else if !new_results.is_empty() {
            note(
                &mut notes,
                String::new(),
                format!(
                    "项目“{}”没有自评，新指标的完成值、得分未导入",
                    proj.name.value
                ),
            );
        }
    }
    Ok(Imported {
        department: dept,
        source: path.to_path_buf(),
        sheets: sheet_names,
        notes: notes.to_vec(),
        twin: true,
        file_name: Some(file_name).filter(|f| !f.is_empty()),
        carried: Some(crate::yaml_out::department(&original, &[])),
        changes,
    })
}

/// A number read from a bound cell in the data's unit: an amount a style prints in 元
/// (`funds.unit: 元`) is 万元 in the data.
fn to_data_unit(style: &crate::style::LoadedStyle, path: &str, n: Decimal) -> Decimal {
    if style.style.funds.unit == crate::style::MoneyUnit::Yuan && is_money(path) {
        n.checked_div(Decimal::from(10_000))
            .map_or(n, |v| v.normalize())
    } else {
        n
    }
}

#[cfg(test)]
mod tests;
