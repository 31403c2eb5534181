//! A sheet's header row found, and what each of its columns holds: a field of the style's
//! catalogue (by its name, a synonym of `import.yaml`, or a heading with its unit), and the unit
//! the money columns are in.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{Sheet, cell_ref};
use crate::fields::{self, Level};
use crate::style::LoadedStyle;

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
            Err(_) => crate::style::embedded::TEMPLATES
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
pub(super) struct Column {
    /// `部门`, `年度`, `项目.名称`, `项目.资金.财政拨款`, `指标.三级`, `结果.得分`, `项目.<扩展>`…
    pub(super) field: String,
    /// The money unit its own heading names, and that heading's cell.
    pub(super) unit: Option<(Unit, (u32, u32))>,
}

impl Column {
    fn is_money(&self) -> bool {
        self.field.starts_with("项目.资金.")
    }
}

/// The field of a header, if any.
pub(super) fn field_of(header: &str, style: &LoadedStyle, synonyms: &Synonyms) -> Option<Column> {
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
pub(super) struct Header {
    /// Rows of the header (the data starts after them).
    pub(super) rows: Vec<u32>,
    pub(super) columns: BTreeMap<u32, Column>,
    /// Header cells that name no field: `(column, text, row)`.
    pub(super) unknown: Vec<(u32, String, u32)>,
}

pub(super) fn find_header(
    sheet: &Sheet,
    style: &LoadedStyle,
    synonyms: &Synonyms,
) -> Option<Header> {
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
pub(super) fn money_units(
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
