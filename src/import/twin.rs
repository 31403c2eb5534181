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

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use minijinja::Value;
use rust_decimal::Decimal;

use super::{Budget, Imported, Notes, Sheet, cell_ref, sp, text};
use crate::model::{Dec, Department, Goals, Indicator, IndicatorEval, Texts};
use crate::plan::BindKind;
use crate::style::{LoadedStyle, Styles};

/// The name of the hidden sheet that carries a twin's data and bindings.
pub const DATA_SHEET: &str = crate::render::xlsx::TWIN_SHEET;

/// `'工作表'!D8` (or `工作表!$D$8`) as (sheet, row, column); `None` for `#REF!`.
pub fn parse_ref(formula: &str) -> Option<(String, u32, u32)> {
    let f = formula.trim().trim_start_matches('=');
    if f.contains("#REF!") {
        return None;
    }
    let (sheet, cell) = f.rsplit_once('!')?;
    let sheet = match sheet.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(q) => q.replace("''", "'"),
        None => sheet.to_string(),
    };
    let cell = cell.replace('$', "");
    let letters: String = cell
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let digits = &cell[letters.len()..];
    if letters.is_empty() || digits.is_empty() {
        return None;
    }
    let mut col: u32 = 0;
    for c in letters.chars() {
        col = col * 26 + (c.to_ascii_uppercase() as u32 - 'A' as u32 + 1);
    }
    let row: u32 = digits.parse().ok()?;
    Some((sheet, row.checked_sub(1)?, col.checked_sub(1)?))
}

/// A record of the twin sheet.
struct Record<'s> {
    at: u32,
    sheet: &'s Sheet,
}

impl Record<'_> {
    fn text(&self, c: u32) -> &str {
        self.sheet.text(self.at, c)
    }

    fn num(&self, c: u32) -> Option<usize> {
        self.text(c).trim().parse().ok()
    }

    /// The reference in column `c`: `Some(None)` when it reads `#REF!`.
    fn reference(&self, c: u32) -> Option<Option<(String, u32, u32)>> {
        let f = self.sheet.formulas.get(&(self.at, c))?;
        Some(parse_ref(f))
    }
}

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

/// Whether a cell still holds what was written: the same number (as recorded, see
/// `render::xlsx::written_number`), or the same text.
fn unchanged(sheet: &Sheet, r: u32, c: u32, recorded: &str) -> bool {
    let cell = sheet.get(r, c);
    if let (Some(n), Some(rec)) = (
        cell.and_then(|x| x.number),
        crate::model::parse_decimal(recorded),
    ) {
        return n.normalize() == rec.normalize();
    }
    shown(sheet, r, c) == recorded
}

/// The printed form of a number cell, as a decimal (`3,309,840.00` → 3309840.00).
fn printed_number(s: &str) -> Option<Decimal> {
    let t: String = s.chars().filter(|c| *c != ',').collect();
    crate::model::parse_decimal(&t)
}

/// The value a pattern's target variable has in `text`, matching the pattern rendered with
/// markers: `target` where the value goes, `other` where any other variable prints.
fn match_template(template: &str, target: &str, other: &str, text: &str) -> Option<String> {
    // Pieces: literal texts, and slots (true = target, false = other).
    let mut pieces: Vec<Result<String, bool>> = Vec::new();
    let mut rest = template;
    loop {
        let t = rest.find(target);
        let o = rest.find(other);
        let (at, is_target, len) = match (t, o) {
            (Some(a), Some(b)) if a < b => (a, true, target.len()),
            (Some(_), Some(b)) => (b, false, other.len()),
            (Some(a), None) => (a, true, target.len()),
            (None, Some(b)) => (b, false, other.len()),
            (None, None) => break,
        };
        if at > 0 {
            pieces.push(Ok(rest[..at].to_string()));
        }
        pieces.push(Err(is_target));
        rest = &rest[at + len..];
    }
    if !rest.is_empty() {
        pieces.push(Ok(rest.to_string()));
    }
    if pieces.iter().filter(|p| **p == Err(true)).count() != 1 {
        return None;
    }
    // Two slots side by side cannot be told apart.
    if pieces.windows(2).any(|w| w[0].is_err() && w[1].is_err()) {
        return None;
    }
    let mut pos = 0;
    let mut value = None;
    let mut i = 0;
    while i < pieces.len() {
        match &pieces[i] {
            Ok(lit) => {
                if !text[pos..].starts_with(lit.as_str()) {
                    return None;
                }
                pos += lit.len();
            }
            Err(is_target) => {
                // A slot runs to the next literal (its last occurrence for the last slot).
                let end = match pieces.get(i + 1) {
                    Some(Ok(lit)) => {
                        let last = pieces[i + 2..].iter().all(|p| p.is_ok());
                        let found = if last {
                            text[pos..].rfind(lit.as_str())
                        } else {
                            text[pos..].find(lit.as_str())
                        };
                        pos + found?
                    }
                    _ => text.len(),
                };
                if *is_target {
                    value = Some(text[pos..end].to_string());
                }
                pos = end;
            }
        }
        i += 1;
    }
    (pos == text.len()).then_some(value).flatten()
}

/// A context where every variable `vars` names is a marker: `target` for `target_var`,
/// `other` for the rest.
fn marker_context(vars: &[String], target_var: &str, target: &str, other: &str) -> Value {
    fn insert(map: &mut BTreeMap<String, Node>, parts: &[&str], v: &str) {
        let Some((first, rest)) = parts.split_first() else {
            return;
        };
        if rest.is_empty() {
            map.insert(first.to_string(), Node::Leaf(v.to_string()));
        } else {
            let entry = map
                .entry(first.to_string())
                .or_insert_with(|| Node::Map(BTreeMap::new()));
            if let Node::Leaf(_) = entry {
                *entry = Node::Map(BTreeMap::new());
            }
            if let Node::Map(m) = entry {
                insert(m, rest, v);
            }
        }
    }
    enum Node {
        Leaf(String),
        Map(BTreeMap<String, Node>),
    }
    fn value(n: &Node) -> Value {
        match n {
            Node::Leaf(s) => Value::from(s.as_str()),
            Node::Map(m) => Value::from(
                m.iter()
                    .map(|(k, v)| (k.clone(), value(v)))
                    .collect::<BTreeMap<String, Value>>(),
            ),
        }
    }
    let mut root = BTreeMap::new();
    for v in vars {
        let parts: Vec<&str> = v.split('.').collect();
        insert(
            &mut root,
            &parts,
            if v == target_var { target } else { other },
        );
    }
    value(&Node::Map(root))
}

/// What a grid column reads for a new indicator: the indicator field (or `一级`, `二级`) and,
/// for a text pattern, how to take the value out of the printed text.
fn column_target(
    style: &LoadedStyle,
    field: Option<&str>,
    pattern: Option<&str>,
    shown: &str,
) -> Option<(String, String)> {
    let key = |var: &str| -> Option<String> {
        Some(
            match var {
                "一级.名称" | "指标.一级" => "一级",
                "二级.名称" | "指标.二级" => "二级",
                "指标.三级" => "三级",
                "指标.指标值" => "指标值",
                "指标.依据" => "依据",
                "指标.上年完成值" => "上年完成值",
                "指标.权重" => "权重",
                "指标.赋分规则" => "赋分规则",
                "指标.佐证资料" => "佐证资料",
                "指标.完成值" => "结果.实际完成值",
                "指标.得分" => "结果.得分",
                "指标.偏差原因" => "结果.偏差原因",
                "指标.等级" => "结果.等级",
                v => {
                    let k = v.strip_prefix("指标.")?;
                    // The catalogue's texts kept by key (描述) and the style's fields.
                    let kept = crate::fields::find(crate::fields::Level::Indicator, k)
                        .is_some_and(|f| f.store == crate::fields::Store::Texts);
                    if kept
                        || style
                            .style
                            .fields
                            .indicator
                            .iter()
                            .any(|f| f.key.value == k)
                    {
                        return Some(k.to_string());
                    }
                    return None;
                }
            }
            .to_string(),
        )
    };
    if let Some(f) = field {
        return key(f).map(|k| (k, shown.to_string()));
    }
    let pattern = pattern?;
    let vars = style.patterns.variables(pattern);
    let targets: Vec<(&String, String)> =
        vars.iter().filter_map(|v| key(v).map(|k| (v, k))).collect();
    let [(var, k)] = targets.as_slice() else {
        return None;
    };
    const T: &str = "\u{E000}jx\u{E001}";
    const O: &str = "\u{E002}jx\u{E003}";
    let ctx = marker_context(&vars, var, T, O);
    let template = style.patterns.render(pattern, &ctx).ok()?;
    match_template(template.trim_end_matches('\n'), T, O, shown).map(|v| (k.clone(), v))
}

/// The canonical level name of a printed one (`11-数量指标`, a style's label).
fn unlabel(style: &LoadedStyle, printed: &str) -> String {
    let t = printed.trim();
    for (canonical, label) in &style.style.labels {
        if label == t {
            return canonical.clone();
        }
    }
    t.to_string()
}

/// The index of the self-evaluation result of indicator `i` of project `p`, as the check
/// resolves it (by 三级, or `二级/三级`).
fn result_of(d: &Department, p: usize, i: usize) -> Option<usize> {
    result_index(d.projects.get(p)?, i)
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

/// Applies a value at a data path; `Err` says why not.
fn apply(d: &mut Department, path: &str, v: &NewValue, kind: BindKind) -> Result<(), String> {
    let text_of = |v: &NewValue| match v {
        NewValue::Text(t) => t.clone(),
        NewValue::Number(n) => n.map(|n| n.to_string()).unwrap_or_default(),
    };
    let opt = |v: &NewValue| {
        let t = text_of(v);
        (!t.trim().is_empty()).then(|| text(t))
    };
    let num = |v: &NewValue| match v {
        NewValue::Number(n) => *n,
        NewValue::Text(_) => None,
    };
    if path == "部门" {
        d.name = text(text_of(v));
        return Ok(());
    }
    let rest = path.strip_prefix("项目[").ok_or("路径无法识别")?;
    let (p, rest) = rest.split_once("].").ok_or("路径无法识别")?;
    let p: usize = p.parse().map_err(|_| "路径无法识别")?;
    let original = d.clone();
    let proj = d.projects.get_mut(p).ok_or("项目已不存在")?;
    let parts: Vec<&str> = rest.split('.').collect();
    match parts.as_slice() {
        ["名称"] => proj.name = text(text_of(v)),
        ["总体目标"] => {
            let t = text_of(v);
            let lines: Vec<String> = t
                .split('\n')
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect();
            proj.goals = match lines.len() {
                0 => None,
                1 => Some(sp(Goals::One(lines[0].clone()))),
                _ => Some(sp(Goals::Many(lines))),
            };
        }
        ["资金", k] => {
            let entries = &mut proj.funds.value.entries;
            // A stated 合计 that was the sum of the sources follows them (Excel's SUM did).
            let sum = |e: &Vec<(crate::model::Text, crate::model::Num)>| {
                e.iter()
                    .filter(|(key, _)| key.value.trim() != crate::model::TOTAL_KEY)
                    .try_fold(Decimal::ZERO, |a, (_, v)| a.checked_add(v.value.0))
            };
            let total_follows = *k != crate::model::TOTAL_KEY
                && entries
                    .iter()
                    .find(|(key, _)| key.value.trim() == crate::model::TOTAL_KEY)
                    .is_some_and(|(_, t)| Some(t.value.0) == sum(entries));
            let at = entries.iter().position(|(key, _)| key.value.trim() == *k);
            match (num(v), at) {
                (Some(n), Some(i)) => entries[i].1 = sp(Dec(n)),
                (Some(n), None) => entries.push((text(*k), sp(Dec(n)))),
                (None, Some(i)) => {
                    entries.remove(i);
                }
                (None, None) => {}
            }
            if total_follows && let Some(new) = sum(entries) {
                for (key, v) in entries.iter_mut() {
                    if key.value.trim() == crate::model::TOTAL_KEY {
                        *v = sp(Dec(new));
                    }
                }
            }
        }
        ["自评", "实际完成情况"] => {
            let e = proj.eval.as_mut().ok_or("项目没有自评")?;
            e.outcome = text(text_of(v));
        }
        ["自评", "资金", k, m] => {
            let e = proj.eval.as_mut().ok_or("项目没有自评")?;
            let entries = &mut e.funds.value.entries;
            let i = match entries.iter().position(|(key, _)| key.value.trim() == *k) {
                Some(i) => i,
                None => {
                    entries.push((
                        text(*k),
                        crate::model::EvalAmounts {
                            initial: None,
                            budget: sp(Dec(Decimal::ZERO)),
                            executed: sp(Dec(Decimal::ZERO)),
                        },
                    ));
                    entries.len() - 1
                }
            };
            let measure = |a: &crate::model::EvalAmounts| match *m {
                "年初预算" => a.initial.as_ref().map(|n| n.value.0),
                "全年预算" => Some(a.budget.value.0),
                _ => Some(a.executed.value.0),
            };
            let sum = |e: &Vec<(crate::model::Text, crate::model::EvalAmounts)>| {
                e.iter()
                    .filter(|(key, _)| key.value.trim() != crate::model::TOTAL_KEY)
                    .try_fold(Decimal::ZERO, |acc, (_, a)| {
                        acc.checked_add(measure(a).unwrap_or_default())
                    })
            };
            let total_follows = *k != crate::model::TOTAL_KEY
                && entries
                    .iter()
                    .find(|(key, _)| key.value.trim() == crate::model::TOTAL_KEY)
                    .is_some_and(|(_, t)| measure(t) == sum(entries));
            let set =
                |a: &mut crate::model::EvalAmounts, n: Option<Decimal>| -> Result<(), String> {
                    match *m {
                        "年初预算" => a.initial = n.map(|n| sp(Dec(n))),
                        "全年预算" => a.budget = sp(Dec(n.unwrap_or_default())),
                        "全年执行" => a.executed = sp(Dec(n.unwrap_or_default())),
                        _ => return Err("路径无法识别".into()),
                    }
                    Ok(())
                };
            set(&mut entries[i].1, num(v))?;
            if total_follows && let Some(new) = sum(entries) {
                for (key, a) in entries.iter_mut() {
                    if key.value.trim() == crate::model::TOTAL_KEY {
                        set(a, Some(new))?;
                    }
                }
            }
        }
        ["自评", k] => {
            let e = proj.eval.as_mut().ok_or("项目没有自评")?;
            e.set_text(k, opt(v));
        }
        [ind, "结果", k] => {
            let i = index_of(ind)?;
            let j = match result_of(&original, p, i) {
                Some(j) => j,
                None => {
                    let ind = proj.indicators.get(i).ok_or("指标已不存在")?;
                    let name = ind.name.value.clone();
                    let e = proj.eval.as_mut().ok_or("项目没有自评，结果无处可放")?;
                    e.indicators.push(empty_result(&name));
                    e.indicators.len() - 1
                }
            };
            let e = proj.eval.as_mut().ok_or("项目没有自评")?;
            let r = &mut e.indicators[j];
            match *k {
                "实际完成值" => r.actual = opt(v),
                "得分" => r.score = num(v).map(|n| sp(Dec(n))),
                "偏差原因" => r.reason = opt(v),
                "等级" => r.grade = opt(v),
                _ => return Err("路径无法识别".into()),
            }
        }
        [ind, k] if ind.starts_with("指标[") => {
            let i = index_of(ind)?;
            let result = result_of(&original, p, i);
            let indicator = proj.indicators.get_mut(i).ok_or("指标已不存在")?;
            match *k {
                "三级" => {
                    let new = text_of(v);
                    // The self-evaluation refers to the indicator by name.
                    if let (Some(j), Some(e)) = (result, proj.eval.as_mut()) {
                        let r = &mut e.indicators[j].indicator;
                        r.value = match r.value.split_once('/') {
                            Some((l2, _)) => format!("{l2}/{new}"),
                            None => new.clone(),
                        };
                    }
                    indicator.name = text(new);
                }
                "指标值" => indicator.target = text(text_of(v)),
                "依据" => indicator.basis = opt(v),
                "上年完成值" => indicator.last_year = opt(v),
                "赋分规则" => indicator.scoring = opt(v),
                "权重" => indicator.weight = num(v).map(|n| sp(Dec(n))),
                "佐证资料" => indicator.evidence = split_list(&text_of(v)),
                // The catalogue's texts kept by key (描述) and the style's fields.
                k => indicator.set_text(k, opt(v)),
            }
        }
        // The catalogue's texts kept by key (实施单位, …) and the style's fields.
        [k] => proj.set_text(k, opt(v)),
        _ => return Err("路径无法识别".into()),
    }
    let _ = kind;
    Ok(())
}

fn index_of(s: &str) -> Result<usize, String> {
    s.strip_prefix("指标[")
        .and_then(|s| s.strip_suffix(']'))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "路径无法识别".to_string())
}

fn split_list(s: &str) -> Vec<crate::model::Text> {
    s.split([',', '，', '、', ';', '；', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(text)
        .collect()
}

fn empty_result(name: &str) -> IndicatorEval {
    IndicatorEval {
        indicator: text(name),
        actual: None,
        score: None,
        grade: None,
        reason: None,
        score_override: None,
    }
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
    if head.text(0) != crate::render::xlsx::TWIN_MARK {
        return Err(bad("不完整"));
    }
    if head.text(1) != crate::render::xlsx::TWIN_VERSION {
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
        let Some(s) = x.num(1).filter(|_| x.text(0) != "data") else {
            if x.text(0) == "data" {
                yaml.push_str(x.text(1));
            }
            continue;
        };
        let sec = sections.entry(s).or_default();
        match x.text(0) {
            "sheet" => match x.reference(2) {
                Some(Some((name, _, _))) => sec.sheet = Some(name),
                _ => sec.sheet_deleted = true,
            },
            "col" => {
                if let (Some(c), Some(now)) = (x.num(2), x.reference(3)) {
                    sec.cols.insert(c as u32, now.map(|(_, _, col)| col));
                }
            }
            "row" => {
                let Some(id) = x.num(2) else { continue };
                let now = x.reference(3).flatten().map(|(_, row, _)| row);
                let kind = x.text(4);
                let grid = kind.strip_prefix("g:").and_then(|g| {
                    let p: Vec<&str> = g.split(':').collect();
                    let n = |i: usize| p.get(i).and_then(|v| v.parse::<usize>().ok());
                    Some((n(0)?, n(1)?, n(2), n(3)))
                });
                sec.rows.push(RowInfo {
                    id: id as u32,
                    now,
                    grid,
                });
            }
            "cell" => {
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
            "free" => {
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
                    format!("第 {} 个工作表已被删除，其中的内容保持原样", s + 1),
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
                let vars = match (&c.field, &c.text) {
                    (Some(f), _) => vec![f.value.clone()],
                    (None, Some(t)) => style.patterns.variables(&t.value),
                    _ => Vec::new(),
                };
                vars.iter().any(|v| v == "n" || v.starts_with("指标."))
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
                    let field = c.field.as_ref().map(|f| f.value.as_str());
                    let pattern = c.text.as_ref().map(|t| t.value.as_str());
                    match column_target(style, field, pattern, &shown_text) {
                        Some((k, v)) => {
                            values.insert(k, v.trim().to_string());
                        }
                        None => {
                            let from_merge =
                                sheet.get(r, now).is_some_and(|x| x.merged_from.is_some());
                            let fixed =
                                pattern.is_some_and(|t| style.patterns.variables(t).is_empty());
                            let project_level = field
                                .is_some_and(|f| f.starts_with("项目.") || f.starts_with("自评."));
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
                    // The catalogue's texts kept by key (描述), then the style's fields.
                    texts: crate::fields::stored_texts(crate::fields::Level::Indicator)
                        .map(|f| f.key.to_string())
                        .chain(
                            style
                                .style
                                .fields
                                .indicator
                                .iter()
                                .map(|f| f.key.value.clone()),
                        )
                        .filter_map(|k| get(&k).map(|v| (text(k), text(v))))
                        .collect(),
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
                            Some(n) => match super::data_number(n) {
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
            if !unchanged(sheet, r, c, printed) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_read_as_excel_writes_them() {
        assert_eq!(
            parse_ref("'人大代表活动经费'!D8"),
            Some(("人大代表活动经费".into(), 7, 3))
        );
        assert_eq!(parse_ref("='a''b'!$AB$10"), Some(("a'b".into(), 9, 27)));
        assert_eq!(parse_ref("Sheet1!A1"), Some(("Sheet1".into(), 0, 0)));
        assert_eq!(parse_ref("'x'!#REF!"), None);
        assert_eq!(parse_ref("#REF!"), None);
    }

    #[test]
    fn templates_give_back_their_value() {
        let t = "\u{E000}";
        let o = "\u{E001}";
        assert_eq!(
            match_template(&format!("指标{o}：{t}"), t, o, "指标3：培训人数"),
            Some("培训人数".into())
        );
        assert_eq!(
            match_template(&format!("{t}({o}分)"), t, o, "产出指标(50分)"),
            Some("产出指标".into())
        );
        assert_eq!(match_template(t, t, o, "有效"), Some("有效".into()));
        assert_eq!(
            match_template(&format!("指标{o}：{t}"), t, o, "培训人数"),
            None
        );
        assert_eq!(match_template(&format!("{o}{t}"), t, o, "x"), None);
    }
}

/// A bound cell of a twin as it reads now: where it is, its data path, and the value its
/// visible text decodes to (the prefix and suffix taken off; a number cell's number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundCell {
    pub at: String,
    pub path: String,
    pub kind: BindKind,
    pub value: String,
}

/// Every bound cell of a twin workbook (for tests and diagnosis).
pub fn bound_cells(path: &Path) -> Result<Vec<BoundCell>, String> {
    let sheets = super::read_workbook(path, &Budget::new(None))?.sheets;
    let data = sheets
        .iter()
        .find(|s| s.name == DATA_SHEET)
        .ok_or("不是 jixiao 生成的表格")?;
    let mut sheet_of: BTreeMap<usize, String> = BTreeMap::new();
    let mut rows: BTreeMap<(usize, u32), u32> = BTreeMap::new();
    let mut cols: BTreeMap<(usize, u32), u32> = BTreeMap::new();
    let mut cells = Vec::new();
    for r in 1..=data.last_row() {
        let x = Record { at: r, sheet: data };
        let Some(s) = x.num(1).filter(|_| x.text(0) != "data") else {
            continue;
        };
        match x.text(0) {
            "sheet" => {
                if let Some(Some((n, _, _))) = x.reference(2) {
                    sheet_of.insert(s, n);
                }
            }
            "row" => {
                if let (Some(id), Some(Some((_, now, _)))) = (x.num(2), x.reference(3)) {
                    rows.insert((s, id as u32), now);
                }
            }
            "col" => {
                if let (Some(c), Some(Some((_, _, now)))) = (x.num(2), x.reference(3)) {
                    cols.insert((s, c as u32), now);
                }
            }
            "cell" => cells.push((s, r)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (s, r) in cells {
        let x = Record { at: r, sheet: data };
        let (Some(row), Some(col), Some(kind)) = (x.num(2), x.num(3), BindKind::parse(x.text(5)))
        else {
            continue;
        };
        let (Some(name), Some(&rn), Some(&cn)) = (
            sheet_of.get(&s),
            rows.get(&(s, row as u32)),
            cols.get(&(s, col as u32)),
        ) else {
            continue;
        };
        let Some(sheet) = sheets.iter().find(|x| x.name == *name) else {
            continue;
        };
        let text = shown(sheet, rn, cn);
        let value = match (kind, sheet.get(rn, cn).and_then(|c| c.number)) {
            (BindKind::Number, Some(n)) => n.normalize().to_string(),
            _ => text
                .strip_prefix(x.text(7))
                .and_then(|t| t.strip_suffix(x.text(8)))
                .unwrap_or(&text)
                .to_string(),
        };
        out.push(BoundCell {
            at: cell_ref(name, rn, cn),
            path: x.text(4).to_string(),
            kind,
            value,
        });
    }
    Ok(out)
}

/// The value at a data path of `d`, as text (numbers normalized), `None` where there is none.
pub fn value_at(d: &Department, path: &str) -> Option<String> {
    let t = |x: &Option<crate::model::Text>| x.as_ref().map(|x| x.value.clone());
    if path == "部门" {
        return Some(d.name.value.clone());
    }
    let rest = path.strip_prefix("项目[")?;
    let (p, rest) = rest.split_once("].")?;
    let proj = d.projects.get(p.parse::<usize>().ok()?)?;
    let parts: Vec<&str> = rest.split('.').collect();
    let n = |x: Option<&crate::model::Num>| x.map(|x| x.value.0.normalize().to_string());
    match parts.as_slice() {
        ["名称"] => Some(proj.name.value.clone()),
        ["总体目标"] => proj.goals.as_ref().map(|g| g.value.texts().join("\n")),
        ["资金", k] => n(proj.funds.value.get(k)),
        ["自评", "实际完成情况"] => proj.eval.as_ref().map(|e| e.outcome.value.clone()),
        ["自评", "资金", k, m] => {
            let a = proj.eval.as_ref()?.funds.value.get(k)?;
            match *m {
                "年初预算" => n(a.initial.as_ref()),
                "全年预算" => n(Some(&a.budget)),
                _ => n(Some(&a.executed)),
            }
        }
        [ind, "结果", k] => {
            let i = index_of(ind).ok()?;
            let j = result_of(d, d.projects.iter().position(|x| std::ptr::eq(x, proj))?, i)?;
            let r = &proj.eval.as_ref()?.indicators[j];
            match *k {
                "实际完成值" => t(&r.actual),
                "得分" => n(r.score.as_ref()),
                "偏差原因" => t(&r.reason),
                _ => t(&r.grade),
            }
        }
        [ind, k] if ind.starts_with("指标[") => {
            let i = proj.indicators.get(index_of(ind).ok()?)?;
            match *k {
                "三级" => Some(i.name.value.clone()),
                "指标值" => Some(i.target.value.clone()),
                "依据" => t(&i.basis),
                "上年完成值" => t(&i.last_year),
                "赋分规则" => t(&i.scoring),
                "权重" => n(i.weight.as_ref()),
                "佐证资料" => Some(
                    i.evidence
                        .iter()
                        .map(|e| e.value.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                // The catalogue's texts kept by key (描述) and the style's fields.
                k => i.text(k).map(|v| v.value.clone()),
            }
        }
        // The catalogue's texts kept by key (实施单位, …) and the style's fields.
        [k] => proj.text(k).map(|v| v.value.clone()),
        _ => None,
    }
}

/// What a twin's data sheet carries of a department: what its tables print, plus what
/// `jixiao import` needs to map them back (issue 20: a target-table workbook must not carry
/// the self-evaluation's remarks). `bound` holds the data paths of the workbook's bound cells
/// (`项目[0].资金.财政拨款`, `项目[2].指标[3].三级`…).
///
/// Kept: the department's name, year, style, signatures and notes (printed under the tables);
/// every project with its name, so indices stay those of the data file; a project's other
/// fields, fund sources and self-evaluation fields only where a cell prints them; a project's
/// indicators when any of them is printed — each with its 一级, 二级 and 三级 (rows and
/// self-evaluation results are matched by them), its other fields where printed (指标值, which
/// the format requires, is left empty when not printed); a self-evaluation only when one of
/// its values is printed, with its required 实际完成情况 empty when not printed, a fund
/// source's 全年预算 and 全年执行 when any of its amounts is printed, and an indicator's
/// result when one of its values is printed.
pub fn printed_only(d: &Department, bound: &BTreeSet<String>) -> Department {
    let any = |prefix: &str| {
        bound
            .range(prefix.to_string()..)
            .next()
            .is_some_and(|p| p.starts_with(prefix))
    };
    let mut out = d.clone();
    // The department-wide part is not printed by any table the twin binds yet.
    if !any("部门整体") {
        out.wide = None;
    }
    for (p, proj) in out.projects.iter_mut().enumerate() {
        let at = |rest: &str| format!("项目[{p}].{rest}");
        let has = |rest: &str| bound.contains(&at(rest));
        if !has("总体目标") {
            proj.goals = None;
        }
        proj.texts.retain(|(k, _)| has(k.value.trim()));
        proj.funds
            .value
            .entries
            .retain(|(k, _)| has(&format!("资金.{}", k.value.trim())));
        // The self-evaluation, and the results of the indicators, before the indicators
        // lose what is not printed (results are matched to indicators by name).
        let original = proj.clone();
        let printed_eval = any(&at("自评.")) || {
            (0..original.indicators.len()).any(|i| any(&at(&format!("指标[{i}].结果."))))
        };
        if !printed_eval {
            proj.eval = None;
        }
        if let Some(e) = proj.eval.as_mut() {
            e.stated_rate = None;
            e.stated_exec_score = None;
            e.exec_override = None;
            e.stated_total = None;
            e.stated_grade = None;
            if !has("自评.实际完成情况") {
                e.outcome = text("");
            }
            e.texts
                .retain(|(k, _)| has(&format!("自评.{}", k.value.trim())));
            e.funds.value.entries.retain_mut(|(k, a)| {
                let k = format!("自评.资金.{}.", k.value.trim());
                if !has(&format!("{k}年初预算")) {
                    a.initial = None;
                }
                if !has(&format!("{k}全年预算")) {
                    a.budget = sp(Dec(Decimal::ZERO));
                }
                if !has(&format!("{k}全年执行")) {
                    a.executed = sp(Dec(Decimal::ZERO));
                }
                any(&at(&k))
            });
            let mut results = Vec::new();
            for i in 0..original.indicators.len() {
                let r = format!("指标[{i}].结果.");
                if !any(&at(&r)) {
                    continue;
                }
                let Some(j) = result_index(&original, i) else {
                    continue;
                };
                let Some(mut res) = original
                    .eval
                    .as_ref()
                    .and_then(|e| e.indicators.get(j))
                    .cloned()
                else {
                    continue;
                };
                let keep_r = |v: &mut Option<crate::model::Text>, k: &str| {
                    if !has(&format!("{r}{k}")) {
                        *v = None;
                    }
                };
                keep_r(&mut res.actual, "实际完成值");
                keep_r(&mut res.grade, "等级");
                keep_r(&mut res.reason, "偏差原因");
                if !has(&format!("{r}得分")) {
                    res.score = None;
                }
                res.score_override = None;
                results.push(res);
            }
            e.indicators = results;
        }
        if !any(&at("指标[")) {
            proj.indicators.clear();
            continue;
        }
        for (i, ind) in proj.indicators.iter_mut().enumerate() {
            let f = |k: &str| format!("指标[{i}].{k}");
            let keep_i = |v: &mut Option<crate::model::Text>, k: &str| {
                if !has(&f(k)) {
                    *v = None;
                }
            };
            if !has(&f("指标值")) {
                ind.target = text("");
            }
            keep_i(&mut ind.basis, "依据");
            keep_i(&mut ind.last_year, "上年完成值");
            keep_i(&mut ind.scoring, "赋分规则");
            if !has(&f("权重")) {
                ind.weight = None;
            }
            if !has(&f("佐证资料")) {
                ind.evidence.clear();
            }
            ind.texts.retain(|(k, _)| has(&f(k.value.trim())));
        }
    }
    out
}

/// [`result_of`] within one project.
fn result_index(proj: &crate::model::Project, i: usize) -> Option<usize> {
    let ind = proj.indicators.get(i)?;
    let name = ind.name.value.trim();
    let eval = proj.eval.as_ref()?;
    let with_level = ind
        .level2
        .as_ref()
        .map(|l| format!("{}/{name}", l.value.trim()));
    eval.indicators.iter().position(|r| {
        let r = r.indicator.value.trim();
        r == name || Some(r) == with_level.as_deref()
    })
}

/// The data paths a document's cells are bound to.
pub fn bound_paths(doc: &crate::plan::Document) -> BTreeSet<String> {
    doc.sections
        .iter()
        .flat_map(|s| &s.rows)
        .flat_map(|r| &r.cells)
        .filter_map(|c| c.bind.as_ref().map(|b| b.path.clone()))
        .collect()
}
