//! Flat sheets exported by budget systems: one row per indicator, the project's columns
//! repeated (or merged, or left blank) on its rows. Columns are found by their header text
//! with the synonyms of `templates/import.yaml` and the style's own fund sources and extra
//! fields; merged cells and blank continuation cells are filled down within a project.

mod header;
pub use header::{Synonyms, Unit, normalize};

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;

use super::{Budget, Imported, Notes, Options, Sheet, Workbook, cell_ref, sp, text};
use crate::model::{
    Department, Entries, Goals, Indicator, IndicatorEval, Project, SelfEval, Texts,
};
use crate::style::Styles;
use header::{find_header, money_units};

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
            let texts = super::indicator_texts(style, |k| get(&format!("指标.{k}")));
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
