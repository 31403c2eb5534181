//! Continuity across years (rules JX601–JX603): when the data directory has last year's file of
//! the same department (same 部门, 年度 one less), this year's figures are read against last
//! year's self-evaluation. Projects match by name and indicators by their canonical
//! 一级/二级/三级 (or by 三级 alone where that is unique), as in `jixiao diff`. Every finding is
//! a warning located in this year's file, and names last year's file and line.

use std::collections::HashMap;

use serde_saphyr::Spanned;

use crate::check::{Dept, Ind, Proj};
use crate::diag::{Diagnostic, Pos, Sources, display_path};
use crate::rules;
use crate::target::{self, Direction, Value};

/// The findings for every department whose previous year is among `departments`.
pub fn check(sources: &Sources, departments: &[Dept]) -> Vec<Diagnostic> {
    let mut by_year: HashMap<(&str, u32), &Dept> = HashMap::new();
    for d in departments {
        by_year
            .entry((d.src.name.value.trim(), d.src.year.value))
            .or_insert(d);
    }
    let mut out = Vec::new();
    for this in departments {
        let name = this.src.name.value.trim();
        let Some(prev_year) = this.src.year.value.checked_sub(1) else {
            continue;
        };
        if let Some(last) = by_year.get(&(name, prev_year)) {
            let mut cx = Cx {
                sources,
                this,
                last,
                out: &mut out,
            };
            cx.department();
        }
    }
    out
}

struct Cx<'a, 'd> {
    sources: &'a Sources,
    this: &'a Dept<'d>,
    last: &'a Dept<'d>,
    out: &'a mut Vec<Diagnostic>,
}

impl Cx<'_, '_> {
    fn here<T>(&self, s: &Spanned<T>) -> Option<Pos> {
        crate::load::span_pos(self.sources, self.this.src.file, &s.referenced)
    }

    /// `file:line` of a place in last year's file.
    fn there<T>(&self, s: &Spanned<T>) -> String {
        let file = display_path(self.sources.path(self.last.src.file));
        match crate::load::span_pos(self.sources, self.last.src.file, &s.referenced) {
            Some(p) => format!("{file}:{}", p.line),
            None => file,
        }
    }

    fn department(&mut self) {
        let (this, last) = (self.this, self.last);
        for p in &this.projects {
            let pname = p.src.name.value.trim();
            if let Some(q) = last
                .projects
                .iter()
                .find(|q| q.src.name.value.trim() == pname)
            {
                for ind in &p.indicators {
                    if let Some(prev) = counterpart(ind, q) {
                        self.indicator(p, ind, prev);
                    }
                }
            }
        }
        // Last year's projects that are gone without their self-evaluation.
        for q in &last.projects {
            let qname = q.src.name.value.trim();
            let kept = this
                .projects
                .iter()
                .any(|p| p.src.name.value.trim() == qname);
            if kept || q.eval.is_some() {
                continue;
            }
            let pos = self.projects_line();
            self.out.push(Diagnostic::new(
                &rules::DROPPED_WITHOUT_EVAL,
                pos,
                format!(
                    "上年的项目“{qname}”（{}）今年没有列出，上年文件中也没有它的自评",
                    self.there(&q.src.name)
                ),
            ));
        }
    }

    /// This year's `项目:` line (the department's name where it cannot be found).
    fn projects_line(&self) -> Option<Pos> {
        let file = self.this.src.file;
        let text = self.sources.text(file);
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            if let Some(rest) = line.strip_prefix("项目")
                && rest.trim_start().starts_with(':')
            {
                return Some(self.sources.pos(file, offset..offset + "项目".len()));
            }
            offset += line.len();
        }
        self.here(&self.this.src.name)
    }

    fn indicator(&mut self, p: &Proj, ind: &Ind, prev: &Ind) {
        let Some(actual) = prev.result.as_ref().and_then(|r| r.src.actual.as_ref()) else {
            return;
        };
        let name = ind.src.name.value.trim();
        let there = self.there(actual);
        let actual_text = actual.value.trim();
        if actual_text.is_empty() {
            return;
        }
        // 上年完成值 against last year's actual result.
        if let Some(typed) = &ind.src.last_year
            && !same_value(&typed.value, actual_text)
        {
            self.out.push(Diagnostic::new(
                &rules::LAST_YEAR_MISMATCH,
                self.here(typed),
                format!(
                    "项目“{}”的“{name}”上年完成值写的是“{}”，上年自评的实际完成值是“{actual_text}”（{there}）",
                    p.src.name.value.trim(),
                    typed.value.trim()
                ),
            ));
        }
        // A 正向 target below last year's actual result (unless JX214 already said so, from a
        // 上年完成值 that agrees with it).
        let Value::Quantity {
            op: Some(op),
            number,
            unit,
        } = &ind.target
        else {
            return;
        };
        if op.direction() != Direction::Positive {
            return;
        }
        let Value::Quantity {
            number: achieved,
            unit: achieved_unit,
            ..
        } = target::parse(actual_text)
        else {
            return;
        };
        if &achieved_unit != unit || achieved <= *number {
            return;
        }
        let said_by_jx214 = ind.src.last_year.as_ref().is_some_and(|t| {
            matches!(target::parse(&t.value),
                Value::Quantity { op: None, number: n, unit: u } if &u == unit && n > *number)
        });
        if said_by_jx214 {
            return;
        }
        self.out.push(Diagnostic::new(
            &rules::BELOW_LAST_ACTUAL,
            self.here(&ind.src.target),
            format!(
                "项目“{}”的“{name}”指标值 {} 低于上年自评的实际完成值 {actual_text}（{there}）",
                p.src.name.value.trim(),
                target::display(ind.src.target.value.trim(), true)
            ),
        ));
    }
}

/// Last year's indicator of `q` that `ind` continues: the same canonical 一级/二级/三级, or
/// else the only one of the same 三级.
fn counterpart<'p, 'a>(ind: &Ind, q: &'p Proj<'a>) -> Option<&'p Ind<'a>> {
    let name = ind.src.name.value.trim();
    let same_name = |i: &&Ind| i.src.name.value.trim() == name;
    if let Some(i) = q
        .indicators
        .iter()
        .filter(same_name)
        .find(|i| i.level1 == ind.level1 && i.level2 == ind.level2)
    {
        return Some(i);
    }
    let mut named = q.indicators.iter().filter(same_name);
    match (named.next(), named.next()) {
        (Some(i), None) => Some(i),
        _ => None,
    }
}

/// Whether two written values say the same: equal numbers of one unit, or (when either is not
/// a number) the same text but for spaces and the width of `%`.
pub fn same_value(a: &str, b: &str) -> bool {
    match (target::parse(a), target::parse(b)) {
        (
            Value::Quantity {
                number: x, unit: u, ..
            },
            Value::Quantity {
                number: y, unit: v, ..
            },
        ) => x == y && u == v,
        _ => {
            let norm = |s: &str| -> String {
                s.chars()
                    .filter(|c| !c.is_whitespace())
                    .map(|c| if c == '％' { '%' } else { c })
                    .collect()
            };
            norm(a) == norm(b)
        }
    }
}
