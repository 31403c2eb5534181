//! The style check of a `fund` block's columns: each column exactly one of `sum`, `difference`,
//! `ratio`, `share`, or a declared column (`field` and/or `formula`); every figure one the rows
//! of the block's source have; every formula parsed, its names the block's columns, and no
//! column computed from itself.

use serde_saphyr::{Location, Spanned};

use super::formula::Expr;
use super::{FundColumn, FundSpec, SText};
use crate::fields;
use crate::rules::{self, Rule};

/// One finding: the rule, where, the message and what to do.
pub(super) type Finding = (&'static Rule, Location, String, String);

fn at<T>(s: &Spanned<T>) -> Location {
    s.referenced
}

pub(super) fn check(spec: &FundSpec) -> Vec<Finding> {
    let mut out = Vec::new();
    let level = spec.source.level();
    let figures: Vec<&str> = fields::figures(level).map(|f| f.key).collect();
    let known = |k: &str| figures.contains(&k);
    let whose = format!("{}的行", spec.source.key());
    for c in &spec.columns {
        let col = &c.value;
        fn pair(v: &Option<Vec<SText>>) -> Option<Vec<&SText>> {
            v.as_ref().map(|v| v.iter().collect())
        }
        let declared = col.field.is_some() || col.formula.is_some();
        let given: Vec<Vec<&SText>> = [
            col.sum.as_ref().map(|s| vec![s]),
            pair(&col.difference),
            pair(&col.ratio),
            col.share.as_ref().map(|s| vec![s]),
        ]
        .into_iter()
        .flatten()
        .collect();
        let keys: Vec<&SText> = match (given.as_slice(), declared) {
            ([keys], false) => keys.clone(),
            ([], true) => col.field.iter().collect(),
            _ => {
                out.push((
                    &rules::STYLE_CONFLICT,
                    at(c),
                    "fund 块的每一栏应恰好写 sum、difference、ratio、share 之一，或写 field、formula（可同时写）".into(),
                    "如 {label: 本年金额, sum: 本年}、{label: 增减额, difference: [本年, 上年]}、{label: 合计④, name: ④, field: 合计, formula: ① + ②}".into(),
                ));
                continue;
            }
        };
        if (col.difference.is_some() || col.ratio.is_some()) && keys.len() != 2 {
            out.push((
                &rules::STYLE_CONFLICT,
                at(c),
                "difference、ratio 应写两栏：[本年, 上年]".into(),
                "前一个减后一个；ratio 再除以后一个".into(),
            ));
        }
        for k in keys {
            if !known(k.value.trim()) {
                out.push((
                    &rules::STYLE_NAME,
                    at(k),
                    format!("{whose}没有“{}”；可用：{}", k.value, figures.join("、")),
                    String::new(),
                ));
            }
        }
        if let Some(f) = &col.formula {
            formula(spec, col, f, &mut out);
        }
    }
    out
}

/// A column's formula: it parses, each name is a column of the block, and following the
/// names never leads back to the column.
fn formula(spec: &FundSpec, col: &FundColumn, f: &SText, out: &mut Vec<Finding>) {
    let expr = match Expr::parse(&f.value) {
        Ok(e) => e,
        Err(m) => {
            out.push((
                &rules::STYLE_FORMAT,
                at(f),
                m,
                "公式写栏名和 + − ÷，如 ① + ②、⑤ / ④、(本年 - 上年) / 上年".into(),
            ));
            return;
        }
    };
    let names: Vec<String> = spec
        .columns
        .iter()
        .filter_map(|c| {
            c.value
                .name
                .as_ref()
                .map(|n| n.value.trim().to_string())
                .or(c.value.figure().map(str::to_string))
        })
        .collect();
    for n in expr.names() {
        if spec.column_called(n).is_none() {
            out.push((
                &rules::STYLE_NAME,
                at(f),
                format!("公式中的“{n}”不是本块的栏；可用：{}", names.join("、")),
                "公式里的名字是本块各栏的 name（或 field、sum）".into(),
            ));
        }
    }
    if let Some(me) = spec
        .columns
        .iter()
        .position(|c| std::ptr::eq(&c.value, col))
        && reaches(spec, me, me, 0)
    {
        out.push((
            &rules::STYLE_CONFLICT,
            at(f),
            "公式经由其他栏又算回到这一栏本身".into(),
            "每一栏只能由其他栏算出，不能循环".into(),
        ));
    }
}

/// Whether column `from`'s formula reads column `target`, directly or through other formulas.
fn reaches(spec: &FundSpec, from: usize, target: usize, depth: usize) -> bool {
    if depth > spec.columns.len() {
        return true;
    }
    let Some(e) = spec.columns.get(from).and_then(|c| c.value.expr()) else {
        return false;
    };
    e.names()
        .into_iter()
        .filter_map(|n| spec.column_called(n))
        .any(|c| c == target || reaches(spec, c, target, depth + 1))
}
