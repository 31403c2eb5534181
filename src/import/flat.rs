//! Flat sheets exported by budget systems: one row per indicator, the project's columns
//! repeated (or merged, or left blank) on its rows. Columns are found by their header text
//! with the synonyms of `templates/import.yaml` and the style's own fund sources and extra
//! fields; merged cells and blank continuation cells are filled down within a project.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Budget, Imported, Notes, Options, Sheet, Workbook, cell_ref, sp, text};
use crate::fields::{self, Level};
use crate::model::{
    Department, Entries, Goals, Indicator, IndicatorEval, Project, SelfEval, Texts,
};
use crate::style::{LoadedStyle, Styles};

/// The header synonyms (`templates/import.yaml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Synonyms {
    /// Field → header spellings.
    pub columns: BTreeMap<String, Vec<String>>,
    /// Project names that mark a total row.
    #[serde(default)]
    pub totals: Vec<String>,
}

impl Synonyms {
    /// `templates/import.yaml` of `templates`, or the shipped one when the project has none.
    pub fn load(templates: &Path) -> Result<Synonyms, String> {
        let path = templates.join("import.yaml");
        // The project's own file when there is one (a FIFO or a link to a device there is an
        // error, not a reason to read it or to fall back silently).
        let own = std::fs::symlink_metadata(&path).is_ok();
        let text = match crate::load::read_project_text(&path) {
            Ok(t) => t,
            Err(e) if own => return Err(format!("无法读取 {}：{e}", path.display())),
            Err(_) => crate::scaffold::TEMPLATES
                .iter()
                .find(|(p, _)| *p == "import.yaml")
                .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
        };
        crate::load::parse_as::<Synonyms>(&text)
            .map_err(|e| format!("{} 的格式不对：{e}", path.display()))
    }
}

/// The unit of a sheet's amounts: 元 (converted to 万元 exactly) or 万元, the data's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Yuan,
    WanYuan,
}

impl Unit {
    pub fn name(self) -> &'static str {
        match self {
            Unit::Yuan => "元",
            Unit::WanYuan => "万元",
        }
    }

    /// `元` or `万元` (as `--unit` takes it).
    pub fn parse(s: &str) -> Option<Unit> {
        match s.trim() {
            "元" => Some(Unit::Yuan),
            "万元" => Some(Unit::WanYuan),
            _ => None,
        }
    }

    /// The unit token at the start of `text` (`元`, `万元`), when nothing letter-like follows
    /// it: `元阳县财政局` names a county, not a unit.
    fn token(text: &str) -> Option<Unit> {
        let (unit, rest) = if let Some(r) = text.strip_prefix("万元") {
            (Unit::WanYuan, r)
        } else if let Some(r) = text.strip_prefix('元') {
            (Unit::Yuan, r)
        } else {
            return None;
        };
        rest.chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric())
            .then_some(unit)
    }

    /// The unit a header's parenthesised note names (`（万元）`, `(元)`, `（单位：元）`): a unit
    /// token standing alone in the note, or stated there.
    fn of_note(note: &str) -> Option<Unit> {
        Unit::stated(note).or_else(|| {
            note.char_indices().find_map(|(i, _)| {
                let before = note[..i].chars().next_back();
                before
                    .is_none_or(|c| !c.is_alphanumeric())
                    .then(|| Unit::token(&note[i..]))
                    .flatten()
            })
        })
    }

    /// The unit a line such as `金额单位：元` or `（单位：万元）` states (`填报单位：某局` and
    /// `填报单位：元阳县财政局` state none).
    fn stated(text: &str) -> Option<Unit> {
        text.match_indices("单位").find_map(|(i, m)| {
            let rest = text[i + m.len()..]
                .trim_start_matches(|c: char| c.is_whitespace() || c == '：' || c == ':');
            Unit::token(rest)
        })
    }
}

/// A header as compared: no white space, no `*` marks, no parenthesised notes; and the money
/// unit a note named, if any.
pub fn normalize(header: &str) -> (String, Option<Unit>) {
    let mut out = String::new();
    let mut note = String::new();
    let mut depth = 0;
    for c in header.chars() {
        match c {
            '（' | '(' | '【' | '[' => depth += 1,
            '）' | ')' | '】' | ']' => depth = (depth - 1).max(0),
            c if depth > 0 => note.push(c),
            c if c.is_whitespace() || c == '*' || c == '＊' => {}
            c => out.push(c),
        }
    }
    let out = out
        .trim_start_matches("其中")
        .trim_start_matches(['：', ':'])
        .trim_end_matches(['：', ':'])
        .to_string();
    (out, Unit::of_note(&note))
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    /// `部门`, `年度`, `项目.名称`, `项目.资金.财政拨款`, `指标.三级`, `结果.得分`, `项目.<扩展>`…
    field: String,
    /// The money unit its own heading names, and that heading's cell.
    unit: Option<(Unit, (u32, u32))>,
}

impl Column {
    fn is_money(&self) -> bool {
        self.field.starts_with("项目.资金.")
    }
}

/// The field of a header, if any.
fn field_of(header: &str, style: &LoadedStyle, synonyms: &Synonyms) -> Option<Column> {
    let (h, _) = normalize(header);
    if h.is_empty() {
        return None;
    }
    let column = |field: String| Some(Column { field, unit: None });
    for (field, names) in &synonyms.columns {
        if names.iter().any(|n| normalize(n).0 == h) {
            return column(field.clone());
        }
    }
    for s in &style.style.funds.sources {
        let label = s.label.as_deref().map(|l| normalize(l).0);
        if normalize(&s.key.value).0 == h || label.as_deref() == Some(h.as_str()) {
            return column(format!("项目.资金.{}", s.key.value));
        }
    }
    // The catalogue's texts kept by key, under their own names (a synonym in import.yaml adds
    // other spellings).
    for (root, level) in [("项目", Level::Project), ("指标", Level::Indicator)] {
        for f in fields::stored_texts(level) {
            if normalize(f.key).0 == h {
                return column(format!("{root}.{}", f.key));
            }
        }
    }
    for f in &style.style.fields.project {
        if normalize(&f.key.value).0 == h {
            return column(format!("项目.{}", f.key.value));
        }
    }
    for f in &style.style.fields.indicator {
        if normalize(&f.key.value).0 == h {
            return column(format!("指标.{}", f.key.value));
        }
    }
    None
}

/// The header of a sheet: the row (or two rows) naming the columns.
struct Header {
    /// Rows of the header (the data starts after them).
    rows: Vec<u32>,
    columns: BTreeMap<u32, Column>,
    /// Header cells that name no field: `(column, text, row)`.
    unknown: Vec<(u32, String, u32)>,
}

fn find_header(sheet: &Sheet, style: &LoadedStyle, synonyms: &Synonyms) -> Option<Header> {
    let last_col = sheet.last_col();
    let scan = sheet.last_row().min(30);
    let mut best: Option<(usize, u32)> = None;
    for r in 0..=scan {
        // A cell merged down from the row above is that row's heading, not this one's.
        let fields: Vec<String> = (0..=last_col)
            .filter(|&c| {
                sheet
                    .get(r, c)
                    .is_some_and(|x| x.merged_from.is_none_or(|f| f.0 == r))
            })
            .filter_map(|c| field_of(sheet.text(r, c), style, synonyms).map(|f| f.field))
            .collect();
        let mut distinct = fields.clone();
        distinct.sort();
        distinct.dedup();
        let indicator = distinct
            .iter()
            .any(|f| f == "指标.三级" || f == "指标.指标值");
        if distinct.len() >= 2 && indicator && best.is_none_or(|(n, _)| distinct.len() > n) {
            best = Some((distinct.len(), r));
        }
    }
    let (_, r) = best?;
    let mut columns = BTreeMap::new();
    let mut unknown = Vec::new();
    let mut rows = vec![r];
    // Headings merged across columns, by their top-left cell.
    let wide: std::collections::BTreeSet<(u32, u32)> = sheet
        .merges
        .iter()
        .filter(|(s, e)| e.1 > s.1)
        .map(|(s, _)| *s)
        .collect();
    for c in 0..=last_col {
        let top = sheet.get(r, c);
        let here = field_of(sheet.text(r, c), style, synonyms);
        let below = field_of(sheet.text(r + 1, c), style, synonyms);
        // A group heading (`资金安排` over its sources) names its columns in the row below.
        let grouped = top.is_some_and(|t| {
            t.merged_from.is_some_and(|(fr, _)| fr == r) || wide.contains(&(r, c))
        });
        let chosen = match (&here, &below) {
            (Some(h), _) if !grouped => Some(h.clone()),
            (_, Some(b)) if sheet.get(r + 1, c).is_some_and(|x| x.merged_from.is_none()) => {
                if !rows.contains(&(r + 1)) {
                    rows.push(r + 1);
                }
                Some(b.clone())
            }
            (Some(h), _) => Some(h.clone()),
            _ => None,
        };
        // The unit its own heading names, else a heading above it (a group heading such as
        // `资金安排（元）` merged over its columns, or a title row).
        let name_row = if rows.contains(&(r + 1)) && below.is_some() && chosen == below {
            r + 1
        } else {
            r
        };
        let chosen = chosen.map(|mut col| {
            col.unit = (0..=name_row)
                .rev()
                .take(3)
                .find_map(|rr| normalize(sheet.text(rr, c)).1.map(|u| (u, (rr, c))));
            col
        });
        match chosen {
            Some(col) => {
                // A field takes its first column; a second one is reported, not merged in.
                if columns.values().any(|x: &Column| x.field == col.field) {
                    unknown.push((c, sheet.text(r, c).to_string(), r));
                } else {
                    columns.insert(c, col);
                }
            }
            None => {
                let t = sheet.text(r, c);
                if !t.trim().is_empty() && sheet.get(r, c).is_some_and(|x| x.merged_from.is_none())
                {
                    unknown.push((c, t.to_string(), r));
                }
            }
        }
    }
    Some(Header {
        rows,
        columns,
        unknown,
    })
}

/// The unit of each money column of a sheet: what its heading (or a heading above it) says,
/// else what a `金额单位：…` line above or beside the table says, else `--unit`. A money column
/// with no unit, or a heading and a line that disagree, refuse the import with the cells named
/// (a 元 figure read as 万元 is ten thousand times too much), unless `--unit` is given.
fn money_units(
    sheet: &Sheet,
    header: &Header,
    given: Option<Unit>,
) -> Result<BTreeMap<u32, Unit>, String> {
    let last_header = header.rows.iter().max().copied().unwrap_or(0);
    let mut stated: Vec<(Unit, (u32, u32))> = Vec::new();
    for (&(r, c), x) in sheet.cells.range(..(last_header + 1, 0)) {
        if x.merged_from.is_none_or(|f| f == (r, c))
            && let Some(u) = Unit::stated(&x.text)
            && !stated.iter().any(|(v, _)| *v == u)
        {
            stated.push((u, (r, c)));
        }
    }
    let at = |(r, c): (u32, u32)| cell_ref(&sheet.name, r, c);
    let hint = "请核对原表；确认后用 --unit 元 或 --unit 万元 指定金额单位再导入";
    if given.is_none()
        && let [(a, pa), (b, pb), ..] = stated.as_slice()
    {
        return Err(format!(
            "工作表“{}”中的金额单位前后不一：{} 写的是{}，{} 写的是{}，没有导入。{hint}",
            sheet.name,
            at(*pa),
            a.name(),
            at(*pb),
            b.name()
        ));
    }
    // Columns under one group heading (`资金安排` over `年度资金总额（万元）`, `其中：财政拨款`,
    // `其他资金`): the unit one of them names is the group's, when they name no other.
    let top = header.rows[0];
    let group = |c: u32| {
        (header.rows.len() > 1)
            .then(|| {
                sheet
                    .merges
                    .iter()
                    .find(|(s, e)| s.0 == top && e.1 > s.1 && (s.1..=e.1).contains(&c))
                    .map(|(s, _)| *s)
            })
            .flatten()
    };
    // A column's own heading: the lowest header cell that is not covered from elsewhere.
    let name = |c: u32| {
        header
            .rows
            .iter()
            .rev()
            .find(|&&r| {
                sheet
                    .get(r, c)
                    .is_some_and(|x| x.merged_from.is_none_or(|f| f == (r, c)))
            })
            .map(|&r| (r, sheet.text(r, c).trim()))
            .unwrap_or((top, sheet.text(top, c).trim()))
    };
    let group_unit = |c: u32| {
        let g = group(c)?;
        let mut named = header
            .columns
            .iter()
            .filter(|(o, col)| col.is_money() && group(**o) == Some(g))
            .filter_map(|(_, col)| col.unit);
        let first = named.next()?;
        named.all(|(u, _)| u == first.0).then_some(first)
    };
    let mut units = BTreeMap::new();
    for (&c, col) in header.columns.iter().filter(|(_, col)| col.is_money()) {
        let (name_row, heading_text) = name(c);
        let heading = at((name_row, c));
        // `--unit` decides only what the sheet leaves open: no unit, or two that disagree.
        let unit = match (col.unit.or_else(|| group_unit(c)), stated.first(), given) {
            (Some((a, _)), None, _) => a,
            (None, Some((b, _)), _) => *b,
            (Some((a, _)), Some((b, _)), _) if a == *b => a,
            (Some(_), Some(_), Some(u)) | (None, None, Some(u)) => u,
            (Some((a, pa)), Some((b, pb)), None) => {
                return Err(format!(
                    "{} 写的金额单位是{}，{} 写的是{}，两者不一致，没有导入。{hint}",
                    at(pa),
                    a.name(),
                    at(*pb),
                    b.name()
                ));
            }
            (None, None, None) => {
                return Err(format!(
                    "{heading} “{heading_text}”是金额列，但列名、上方的表头和表格上方都没有写金额单位（元还是万元），没有导入：为免把元当成万元，jixiao 不猜单位。{hint}"
                ));
            }
        };
        units.insert(c, unit);
    }
    Ok(units)
}

/// A project being read.
struct ProjectIn {
    project: Project,
    /// Where each project-level field was first read, to report a different value later.
    seen: BTreeMap<String, String>,
}

/// A department being read: its projects by name, in order of appearance.
struct DeptIn {
    name: String,
    year: u32,
    projects: Vec<ProjectIn>,
    sheets: Vec<String>,
}

/// Runs of consecutive rows in one column as `H4:H9`, `H12`.
fn runs(sheet: &str, col: u32, rows: &[u32]) -> String {
    /// The most runs listed; the rest are counted.
    const LISTED: usize = 20;
    let mut out = Vec::new();
    let mut more = 0usize;
    let mut i = 0;
    while i < rows.len() {
        if out.len() == LISTED {
            more += 1;
        }
        let mut j = i;
        while j + 1 < rows.len() && rows[j + 1] == rows[j] + 1 {
            j += 1;
        }
        if out.len() == LISTED {
        } else if i == j {
            out.push(super::a1(rows[i], col));
        } else {
            out.push(format!(
                "{}:{}",
                super::a1(rows[i], col),
                super::a1(rows[j], col)
            ));
        }
        i = j + 1;
    }
    if more > 0 {
        format!("{sheet}!{} 等（另有 {more} 段）", out.join(","))
    } else {
        format!("{sheet}!{}", out.join(","))
    }
}

/// An amount from a cell: its number, or its text as a plain decimal (`1,234.5`), within the
/// data's limits (at most 6 decimals, below 10¹²).
fn amount(cell: &super::Cell) -> Option<Decimal> {
    read_amount(cell).filter(|n| super::data_number(*n).is_ok())
}

fn read_amount(cell: &super::Cell) -> Option<Decimal> {
    if let Some(n) = cell.number {
        return Some(n);
    }
    let t: String = cell
        .text
        .trim()
        .trim_end_matches("万元")
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    crate::model::parse_decimal(&t)
}

/// The first year (2000–2100) written in `s`.
fn year_in(s: &str) -> Option<u32> {
    let chars: Vec<char> = s.chars().collect();
    for w in chars.windows(4) {
        if w.iter().all(|c| c.is_ascii_digit()) {
            let y: u32 = w.iter().collect::<String>().parse().ok()?;
            if (2000..=2100).contains(&y) {
                return Some(y);
            }
        }
    }
    None
}

/// The department named in a title line (`填报单位：某某局`, `某某局2023年项目…表`).
fn department_in(line: &str) -> Option<String> {
    for key in [
        "填报单位",
        "填报部门",
        "预算单位",
        "部门名称",
        "单位名称",
        "单位",
    ] {
        if let Some(i) = line.find(key) {
            let rest = line[i + key.len()..]
                .trim_start_matches(|c: char| {
                    c == '（' || c == '(' || c == '盖' || c == '章' || c == '）' || c == ')'
                })
                .trim_start_matches(['：', ':'])
                .trim();
            let name: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, '单' | '金' | '（' | '('))
                .collect();
            if !name.is_empty() {
                return Some(name);
            }
        }
    }
    None
}

/// Imports the flat sheets of a workbook.
pub fn import(
    path: &Path,
    book: &Workbook,
    options: &Options,
    styles: &Styles,
    synonyms: &Synonyms,
    budget: &Budget,
) -> Result<Vec<Imported>, String> {
    let sheets = &book.sheets;
    let Some(key) = options.style.as_deref() else {
        return Err(format!(
            "{} 不是 jixiao 生成的表格；导入预算系统导出的表要指定样式：--style <样式>（可用：{}）",
            path.display(),
            styles.available().join("、")
        ));
    };
    let style = styles.get(key)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut notes = Notes::new(path);
    let note = |notes: &mut Notes, at: String, message: String| notes.push(at, message);
    let mut depts: Vec<DeptIn> = Vec::new();
    for (name, why) in &book.unreadable {
        note(
            &mut notes,
            name.clone(),
            format!("这个工作表读不出（{why}），未导入"),
        );
    }
    // Why a sheet gave nothing, for the message when no sheet gives anything.
    let mut skipped: Vec<String> = Vec::new();
    for sheet in sheets {
        budget.check(path, &format!("导入工作表“{}”", sheet.name))?;
        if sheet.hidden {
            skipped.push(format!("“{}”是隐藏的工作表，不导入", sheet.name));
            continue;
        }
        if sheet.cells.is_empty() {
            skipped.push(format!("“{}”是空的", sheet.name));
            continue;
        }
        let Some(header) = find_header(sheet, style, synonyms) else {
            note(
                &mut notes,
                sheet.name.clone(),
                "找不到表头（需要 项目名称、三级指标、指标值 等列名），这个工作表未导入".into(),
            );
            continue;
        };
        let col_of = |field: &str| {
            header
                .columns
                .iter()
                .find(|(_, c)| c.field == field)
                .map(|(&k, _)| k)
        };
        let Some(name_col) = col_of("项目.名称") else {
            note(
                &mut notes,
                cell_ref(&sheet.name, header.rows[0], 0),
                "表头中没有“项目名称”列，这个工作表未导入".into(),
            );
            continue;
        };
        let units = money_units(sheet, &header, options.unit)?;
        // The rows of each unknown column below the header, in one pass over the cells.
        let last_header = header.rows.iter().max().copied().unwrap_or(0);
        let mut unknown_rows: BTreeMap<u32, Vec<u32>> = header
            .unknown
            .iter()
            .map(|(c, _, _)| (*c, Vec::new()))
            .collect();
        for (&(rr, cc), x) in &sheet.cells {
            if rr > last_header
                && x.merged_from.is_none()
                && let Some(v) = unknown_rows.get_mut(&cc)
            {
                v.push(rr);
            }
        }
        for (c, t, r) in &header.unknown {
            let rows: &[u32] = unknown_rows.get(c).map_or(&[], |v| v.as_slice());
            let what = if rows.is_empty() {
                "（这一列是空的）".to_string()
            } else {
                format!(
                    "，这一列的 {} 个单元格未导入：{}",
                    rows.len(),
                    runs(&sheet.name, *c, rows)
                )
            };
            note(
                &mut notes,
                cell_ref(&sheet.name, *r, *c),
                format!("表头“{}”不是可导入的字段{what}", t.trim()),
            );
        }
        // Title lines above the header: the department and year when no column gives them.
        let title: Vec<(u32, u32, &str)> = (0..header.rows[0])
            .flat_map(|r| (0..=sheet.last_col()).map(move |c| (r, c)))
            .filter_map(|(r, c)| {
                sheet
                    .get(r, c)
                    .filter(|x| x.merged_from.is_none())
                    .map(|x| (r, c, x.text.as_str()))
            })
            .collect();
        let default_dept = match &options.department {
            Some(d) => Some(d.clone()),
            None => title
                .iter()
                .find_map(|(r, c, t)| department_in(t).map(|d| (d, cell_ref(&sheet.name, *r, *c))))
                .map(|(d, at)| {
                    note(
                        &mut notes,
                        at,
                        format!(
                            "部门名称“{d}”取自表头上方的文字，请核对（可用 --department 指定）"
                        ),
                    );
                    d
                }),
        };
        // The year when a row gives none: `--year`, else the title, the sheet's name or the
        // file's name, said where (once, when a row takes it).
        let mut default_year: Option<(u32, Option<(String, String)>)> = match options.year {
            Some(y) => Some((y, None)),
            None => title
                .iter()
                .find_map(|(r, c, t)| {
                    year_in(t).map(|y| {
                        let from = format!("表头上方的文字“{}”", t.trim());
                        (y, Some((cell_ref(&sheet.name, *r, *c), from)))
                    })
                })
                .or_else(|| {
                    year_in(&sheet.name).map(|y| {
                        let from = format!("工作表名“{}”", sheet.name);
                        (y, Some((sheet.name.clone(), from)))
                    })
                })
                .or_else(|| {
                    year_in(&stem).map(|y| (y, Some((String::new(), format!("文件名“{stem}”")))))
                }),
        };
        let data_start = header.rows.iter().max().copied().unwrap_or(0) + 1;
        let mut current: Option<(String, u32, String)> = None;
        let mut last_dept: Option<String> = None;
        let mut last_year: Option<u32> = None;
        let mut last_levels: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
        for r in data_start..=sheet.last_row() {
            if r.is_multiple_of(1024) {
                budget.check(path, &format!("导入工作表“{}”第 {} 行", sheet.name, r + 1))?;
            }
            let value = |c: u32| {
                sheet
                    .get(r, c)
                    .map(|x| x.text.trim().to_string())
                    .unwrap_or_default()
            };
            let has_data = header.columns.keys().any(|&c| !value(c).is_empty());
            if !has_data {
                continue;
            }
            // The department and year of the row.
            let dept = match col_of("部门").map(value).filter(|v| !v.is_empty()) {
                Some(d) => Some(d),
                None => last_dept.clone().or_else(|| default_dept.clone()),
            };
            last_dept = dept.clone();
            let Some(dept) = dept
                .or_else(|| Some(stem.clone()))
                .filter(|d| !d.is_empty())
            else {
                continue;
            };
            let year = col_of("年度")
                .and_then(|c| sheet.get(r, c))
                .and_then(|x| {
                    x.number
                        .and_then(|n| n.trunc().to_string().parse::<u32>().ok())
                        .or_else(|| year_in(&x.text))
                })
                .or(last_year)
                .or_else(|| {
                    let (y, from) = default_year.as_mut()?;
                    if let Some((at, from)) = from.take() {
                        note(
                            &mut notes,
                            at,
                            format!(
                                "年度 {y} 取自{from}，请核对（表中没有年度；可用 --year 指定）"
                            ),
                        );
                    }
                    Some(*y)
                });
            if col_of("年度").is_some() {
                last_year = year;
            }
            let Some(year) = year else {
                note(
                    &mut notes,
                    cell_ref(&sheet.name, r, name_col),
                    "无法确定年度：表中没有“年度”列，标题、工作表名和文件名中也没有年份；请用 --year 指定".into(),
                );
                continue;
            };
            // The project: named in this row, or continued from the row above.
            let name = value(name_col);
            let name = if name.is_empty() {
                match &current {
                    Some((d, y, n)) if *d == dept && *y == year => n.clone(),
                    _ => {
                        note(
                            &mut notes,
                            cell_ref(&sheet.name, r, name_col),
                            "这一行没有项目名称，上面也没有可接续的项目，未导入".into(),
                        );
                        continue;
                    }
                }
            } else {
                name
            };
            if synonyms.totals.contains(&name) {
                note(
                    &mut notes,
                    cell_ref(&sheet.name, r, name_col),
                    format!("“{name}”行是合计，由工具计算，未导入"),
                );
                continue;
            }
            current = Some((dept.clone(), year, name.clone()));
            let di = match depts.iter().position(|d| d.name == dept && d.year == year) {
                Some(i) => i,
                None => {
                    depts.push(DeptIn {
                        name: dept.clone(),
                        year,
                        projects: Vec::new(),
                        sheets: Vec::new(),
                    });
                    depts.len() - 1
                }
            };
            let d = &mut depts[di];
            if !d.sheets.contains(&sheet.name) {
                d.sheets.push(sheet.name.clone());
            }
            let pi = match d.projects.iter().position(|p| p.project.name.value == name) {
                Some(i) => i,
                None => {
                    d.projects.push(ProjectIn {
                        project: Project {
                            name: text(name.clone()),
                            funds: sp(Entries::default()),
                            goals: None,
                            indicators: Vec::new(),
                            mid_goals: None,
                            mid_funds: None,
                            mid_indicators: Vec::new(),
                            eval: None,
                            texts: Vec::new(),
                        },
                        seen: BTreeMap::new(),
                    });
                    d.projects.len() - 1
                }
            };
            let pin = &mut d.projects[pi];
            let mut indicator_fields: BTreeMap<String, (u32, String)> = BTreeMap::new();
            for (&c, col) in &header.columns {
                let v = value(c);
                if v.is_empty() {
                    continue;
                }
                let at = cell_ref(&sheet.name, r, c);
                let f = col.field.as_str();
                if let Some(rest) = f.strip_prefix("项目.") {
                    if rest == "名称" {
                        continue;
                    }
                    // A project's field is read once; a different value further down is
                    // reported (a merged cell repeats the same value, which is fine).
                    if let Some(first) = pin.seen.get(rest) {
                        if *first != v && sheet.get(r, c).is_some_and(|x| x.merged_from.is_none()) {
                            note(
                                &mut notes,
                                at,
                                format!("项目“{name}”的{rest}前面已是“{first}”，这里的“{v}”未导入"),
                            );
                        }
                        continue;
                    }
                    if let Some(source) = rest.strip_prefix("资金.") {
                        let Some(cell) = sheet.get(r, c) else {
                            continue;
                        };
                        match amount(cell) {
                            Some(mut a) => {
                                if units.get(&c) == Some(&Unit::Yuan) {
                                    a = (a / Decimal::from(10_000)).normalize();
                                    if super::data_number(a).is_err() {
                                        note(
                                            &mut notes,
                                            at,
                                            format!(
                                                "“{v}”元换算成万元超过 6 位小数，{source}未导入"
                                            ),
                                        );
                                        continue;
                                    }
                                }
                                pin.project
                                    .funds
                                    .value
                                    .entries
                                    .push((text(source), sp(crate::model::Dec(a))));
                            }
                            None => {
                                note(
                                    &mut notes,
                                    at,
                                    format!(
                                        "“{v}”不是金额（或超出允许的范围：最多 6 位小数、小于 10¹²），{source}未导入"
                                    ),
                                );
                                continue;
                            }
                        }
                    } else {
                        let t = Some(text(v.clone()));
                        let p = &mut pin.project;
                        match rest {
                            "总体目标" => {
                                let lines: Vec<String> = v
                                    .lines()
                                    .map(|l| l.trim().to_string())
                                    .filter(|l| !l.is_empty())
                                    .collect();
                                p.goals = Some(sp(if lines.len() > 1 {
                                    Goals::Many(lines)
                                } else {
                                    Goals::One(v.clone())
                                }));
                            }
                            // The catalogue's texts and the style's fields, by key.
                            key => p.set_text(key, t),
                        }
                    }
                    pin.seen.insert(rest.to_string(), v);
                } else if f.starts_with("指标.") || f.starts_with("结果.") {
                    indicator_fields.insert(f.to_string(), (c, v));
                }
            }
            // The indicator of the row (一级 and 二级 filled down within the project).
            let leaf = ["指标.三级", "指标.指标值"]
                .iter()
                .any(|k| indicator_fields.contains_key(*k));
            let levels = last_levels
                .entry(format!("{dept}\u{1}{year}\u{1}{name}"))
                .or_default();
            let get = |k: &str| indicator_fields.get(k).map(|(_, v)| v.clone());
            if let Some(l1) = get("指标.一级") {
                if l1 != levels.0.clone().unwrap_or_default() {
                    levels.1 = None;
                }
                levels.0 = Some(l1);
            }
            if let Some(l2) = get("指标.二级") {
                levels.1 = Some(l2);
            }
            if !leaf {
                for (k, (c, v)) in &indicator_fields {
                    if k != "指标.一级" && k != "指标.二级" {
                        note(
                            &mut notes,
                            cell_ref(&sheet.name, r, *c),
                            format!("这一行没有三级指标和指标值，“{v}”未导入"),
                        );
                    }
                }
                continue;
            }
            let target = {
                let sign = get("指标.符号").unwrap_or_default();
                let sign = match sign.as_str() {
                    "定性" | "定量" => String::new(),
                    "大于等于" => "≥".into(),
                    "小于等于" => "≤".into(),
                    "等于" => "=".into(),
                    "大于" => ">".into(),
                    "小于" => "<".into(),
                    s => s.to_string(),
                };
                let unit = get("指标.单位").unwrap_or_default();
                let v = get("指标.指标值").unwrap_or_default();
                if v.is_empty() {
                    String::new()
                } else {
                    format!("{sign}{v}{}", if v.ends_with(&unit) { "" } else { &unit })
                }
            };
            let weight = match indicator_fields.get("指标.权重") {
                Some((c, v)) => match sheet.get(r, *c).and_then(amount) {
                    Some(w) => Some(sp(crate::model::Dec(w))),
                    None => {
                        note(
                            &mut notes,
                            cell_ref(&sheet.name, r, *c),
                            format!("“{v}”不是数字，权重未导入"),
                        );
                        None
                    }
                },
                None => None,
            };
            let evidence: Vec<crate::model::Text> = get("指标.佐证资料")
                .map(|v| {
                    v.split(['、', ',', '，', ';', '；', '/', '\n'])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(text)
                        .collect()
                })
                .unwrap_or_default();
            // The catalogue's texts kept by key (描述), then the style's fields.
            let texts: Vec<(crate::model::Text, crate::model::Text)> =
                crate::fields::stored_texts(crate::fields::Level::Indicator)
                    .map(|f| f.key.to_string())
                    .chain(
                        style
                            .style
                            .fields
                            .indicator
                            .iter()
                            .map(|f| f.key.value.clone()),
                    )
                    .filter_map(|k| get(&format!("指标.{k}")).map(|v| (text(k), text(v))))
                    .collect();
            let name3 = get("指标.三级").unwrap_or_default();
            let ind = Indicator {
                level1: text(levels.0.clone().unwrap_or_default()),
                level2: levels.1.clone().map(text),
                name: text(name3.clone()),
                target: text(target),
                basis: get("指标.依据").map(text),
                last_year: get("指标.上年完成值").map(text),
                weight,
                scoring: get("指标.赋分规则").map(text),
                evidence,
                texts,
            };
            let p = &mut pin.project;
            p.indicators.push(ind);
            // Results of a self-evaluation export.
            let actual = get("结果.实际完成值");
            let reason = get("结果.偏差原因");
            let score = indicator_fields.get("结果.得分").and_then(|(c, v)| {
                let s = sheet.get(r, *c).and_then(amount);
                if s.is_none() {
                    note(
                        &mut notes,
                        cell_ref(&sheet.name, r, *c),
                        format!("“{v}”不是数字，得分未导入"),
                    );
                }
                s
            });
            if actual.is_some() || reason.is_some() || score.is_some() {
                let same = p
                    .indicators
                    .iter()
                    .filter(|i| i.name.value == name3)
                    .count();
                let reference = match (&levels.1, same > 1) {
                    (Some(l2), true) => format!("{l2}/{name3}"),
                    _ => name3.clone(),
                };
                let e = p.eval.get_or_insert_with(|| SelfEval {
                    funds: sp(Entries::default()),
                    stated_rate: None,
                    stated_exec_score: None,
                    exec_override: None,
                    outcome: text(""),
                    stated_total: None,
                    stated_grade: None,
                    indicators: Vec::new(),
                    texts: Vec::new(),
                });
                e.indicators.push(IndicatorEval {
                    indicator: text(reference),
                    actual: actual.map(text),
                    score: score.map(|s| sp(crate::model::Dec(s))),
                    grade: None,
                    reason: reason.map(text),
                    score_override: None,
                });
            }
        }
    }
    if depts.is_empty() {
        let mut why: Vec<String> = notes.to_vec().iter().map(|n| n.to_string()).collect();
        why.extend(skipped);
        if why.is_empty() {
            why.push("表格中没有工作表".into());
        }
        return Err(format!(
            "{} 中没有可导入的表格：{}",
            path.display(),
            why.join("；")
        ));
    }
    let mut out = Vec::new();
    for d in depts {
        let mut projects: Vec<Project> = Vec::new();
        for mut p in d.projects.into_iter().map(|p| p.project) {
            // Sources in the style's order (the check orders them anyway; the file reads
            // better so).
            p.funds.value.entries.sort_by_key(|(k, _)| {
                style
                    .source_keys()
                    .position(|s| s == k.value)
                    .unwrap_or(usize::MAX)
            });
            projects.push(p);
        }
        out.push(Imported {
            department: Department {
                name: text(d.name),
                year: sp(d.year),
                style: text(style.key.clone()),
                signatures: Entries::default(),
                notes: Vec::new(),
                projects,
                wide: None,
                file: 0,
            },
            source: path.to_path_buf(),
            sheets: d.sheets,
            notes: notes.to_vec(),
            twin: false,
            file_name: None,
            carried: None,
            changes: Vec::new(),
        });
    }
    Ok(out)
}
