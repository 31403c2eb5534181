//! 项目支出绩效目标表 (F1 Xinjiang, F2 Ningxia): per project a header block from the style's
//! settings, then the indicator grid with 一级/二级 merged over their rows.

use super::common::{self, grid_header, grid_starts, indicator_cell};
use super::{Cell, Row, RowKind, Section};
use crate::check::Dept;
use crate::style::DocumentSpec;

pub fn sections(dept: &Dept, spec: &DocumentSpec) -> Vec<Section> {
    dept.projects
        .iter()
        .map(|p| {
            let mut rows = common::header_rows(dept, p, &spec.header, 0);
            rows.push(grid_header(spec));
            let starts = grid_starts(spec);
            for (l1, groups) in common::group(dept, p, dept.style.style.print_empty_level2) {
                let l1_rows: usize = groups.iter().map(|(_, inds)| inds.len().max(1)).sum();
                let mut first_in_l1 = true;
                for (l2, inds) in &groups {
                    let n = inds.len().max(1);
                    for k in 0..n {
                        let mut cells = Vec::new();
                        for (g, &c) in spec.grid.iter().zip(&starts) {
                            let cell = match g.field.as_str() {
                                "level1" if first_in_l1 && k == 0 => {
                                    common::centred(c, dept.style.label(&l1)).span(l1_rows, g.span)
                                }
                                "level1" => continue,
                                "level2" if k == 0 => common::centred(
                                    c,
                                    l2.as_deref()
                                        .map(|l| dept.style.label(l))
                                        .unwrap_or_default(),
                                )
                                .span(n, g.span),
                                "level2" => continue,
                                field => match inds.get(k) {
                                    Some(ind) => {
                                        indicator_cell(dept, ind, field, c).span(1, g.span)
                                    }
                                    None => Cell::empty(c).span(1, g.span),
                                },
                            };
                            cells.push(cell);
                        }
                        first_in_l1 = false;
                        rows.push(Row::new(RowKind::Body, cells));
                    }
                }
            }
            common::section(spec, dept, 0, p.src.name.value.trim().to_string(), rows)
        })
        .collect()
}
