//! `jixiao import` of flat sheets as budget systems export them: one row per indicator,
//! columns found by header synonyms (`templates/import.yaml`), a group heading over the money
//! columns, merged and blank continuation cells filled down, floats read as the decimals they
//! show, a total row and an unknown column reported by `工作表!单元格`, and the result checked.

use std::path::{Path, PathBuf};

use jixiao::model::Texts;

use rust_xlsxwriter::{Format, Workbook};

use crate::common::{import, stderr_of as stderr};

/// (一级, 二级, 三级, 指标值, 依据, 上年完成值, 权重, 赋分规则, 佐证资料)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    f64,
    &'static str,
    &'static str,
);

const A: &[Row] = &[
    (
        "产出指标",
        "数量指标",
        "培训人数",
        ">=236人",
        "计划标准",
        "236人",
        20.0,
        "按照正常比例赋分",
        "正式材料",
    ),
    (
        "",
        "",
        "培训次数",
        "≥2次",
        "计划标准",
        "",
        10.0,
        "按照正常比例赋分",
        "正式材料、工作资料",
    ),
    (
        "",
        "质量指标",
        "培训合格率",
        ">=90%",
        "历史标准",
        "90%",
        10.0,
        "直接赋分",
        "工作资料",
    ),
    (
        "成本指标",
        "经济成本指标",
        "人均培训成本",
        "<=0.16万元/人",
        "预算支出标准",
        "",
        20.0,
        "按照正常比例赋分",
        "原始凭证",
    ),
    (
        "效益指标",
        "社会效益指标",
        "履职能力",
        "有效提高",
        "其他标准",
        "",
        20.0,
        "按评判等级赋分",
        "说明材料",
    ),
    (
        "满意度指标",
        "满意度指标",
        "代表满意度",
        ">=95%",
        "历史标准",
        "95%",
        10.0,
        "满意度赋分",
        "工作资料",
    ),
];

/// A budget-system export: title lines, a two-row header with 资金安排 over the money
/// columns, project A with merged project cells and merged 一级, project B repeating its name
/// on every row with blank 一级/二级 continuation cells, a 合计 row and a 备注 column.
fn export(path: &Path) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("绩效目标").unwrap();
    let money = Format::new().set_num_format("0.00");
    ws.merge_range(0, 0, 0, 15, "2024年项目支出绩效目标表", &Format::new())
        .unwrap();
    ws.write_string(1, 0, "填报单位（盖章）：库尔勒市某局")
        .unwrap();
    let heads = [
        "项目名称",
        "项目负责人",
        "",
        "",
        "",
        "年度总体目标",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
        "指标值设置依据",
        "上年完成值",
        "指标分值权重",
        "指标赋分规则",
        "佐证资料",
        "备注",
    ];
    for (c, h) in heads.iter().enumerate() {
        if !h.is_empty() {
            ws.merge_range(2, c as u16, 3, c as u16, h, &Format::new())
                .unwrap();
        }
    }
    ws.merge_range(2, 2, 2, 4, "资金安排", &Format::new())
        .unwrap();
    ws.write_string(3, 2, "年度资金总额（万元）").unwrap();
    ws.write_string(3, 3, "其中：财政拨款").unwrap();
    ws.write_string(3, 4, "其他资金").unwrap();
    // Project A: rows 4..=9, project cells merged, 一级 merged over its rows.
    let a0 = 4u32;
    let a1 = a0 + A.len() as u32 - 1;
    ws.merge_range(a0, 0, a1, 0, "人大代表培训经费", &Format::new())
        .unwrap();
    ws.merge_range(a0, 1, a1, 1, "韩玲艳", &Format::new())
        .unwrap();
    // 10.368 as a spreadsheet computes it: 12.96 × 0.8 = 10.368000000000002.
    let fiscal = 12.96 * 0.8;
    assert_ne!(fiscal.to_string(), "10.368");
    ws.merge_range(a0, 2, a1, 2, "", &money).unwrap();
    ws.write_number_with_format(a0, 2, fiscal, &money).unwrap();
    ws.merge_range(a0, 3, a1, 3, "", &money).unwrap();
    ws.write_number_with_format(a0, 3, fiscal, &money).unwrap();
    ws.merge_range(a0, 4, a1, 4, "", &money).unwrap();
    ws.write_number_with_format(a0, 4, 0.0, &money).unwrap();
    ws.merge_range(
        a0,
        5,
        a1,
        5,
        "目标1：培训代表236人。\n目标2：提高履职能力。",
        &Format::new(),
    )
    .unwrap();
    ws.merge_range(a0, 6, a0 + 2, 6, "产出指标", &Format::new())
        .unwrap();
    for (i, r) in A.iter().enumerate() {
        let row = a0 + i as u32;
        if i >= 3 {
            ws.write_string(row, 6, r.0).unwrap();
        }
        if !r.1.is_empty() {
            ws.write_string(row, 7, r.1).unwrap();
        }
        for (c, v) in [
            (8, r.2),
            (9, r.3),
            (10, r.4),
            (11, r.5),
            (13, r.7),
            (14, r.8),
        ] {
            if !v.is_empty() {
                ws.write_string(row, c, v).unwrap();
            }
        }
        ws.write_number(row, 12, r.6).unwrap();
    }
    ws.write_string(a0, 15, "已审核").unwrap();
    ws.write_string(a0 + 1, 15, "已审核").unwrap();
    // Project B: its name on every row, the money on the first only, blank continuations.
    let b0 = a1 + 1;
    for (i, r) in A.iter().enumerate() {
        let row = b0 + i as u32;
        ws.write_string(row, 0, "代表工作室活动经费").unwrap();
        if i == 0 {
            ws.write_string(row, 1, "贺光成").unwrap();
            ws.write_number_with_format(row, 2, 5.0, &money).unwrap();
            ws.write_number_with_format(row, 3, 5.0, &money).unwrap();
            ws.write_string(row, 5, "保障代表工作室正常运转。").unwrap();
        }
        for (c, v) in [
            (6, r.0),
            (7, r.1),
            (8, r.2),
            (9, r.3),
            (10, r.4),
            (11, r.5),
            (13, r.7),
            (14, r.8),
        ] {
            if !v.is_empty() {
                ws.write_string(row, c, v).unwrap();
            }
        }
        ws.write_number(row, 12, r.6).unwrap();
    }
    let total = b0 + A.len() as u32;
    ws.write_string(total, 0, "合计").unwrap();
    ws.write_formula(total, 2, "=C5+C11").unwrap();
    ws.write_string(total + 1, 15, "以上数据经审核").unwrap();
    wb.save(path).unwrap();
}

#[test]
fn a_budget_system_export_becomes_a_checked_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("预算系统导出.xlsx");
    export(&xlsx);
    let o = import(dir.path(), &[xlsx.to_str().unwrap(), "--style", "xinjiang"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let path = dir.path().join("data/2024-库尔勒市某局.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}\n{err}"));
    assert!(
        text.starts_with("# yaml-language-server: $schema=../schemas/xinjiang.schema.json\n"),
        "{text}"
    );
    assert!(
        text.contains("预算系统导出.xlsx 的工作表“绩效目标”导入"),
        "{text}"
    );
    assert!(dir.path().join("schemas/xinjiang.schema.json").is_file());
    // Checked: complete data, no errors.
    assert!(err.contains("没有错误"), "{err}\n{text}");

    let d = jixiao::load::parse(&text).unwrap();
    assert_eq!(d.name.value, "库尔勒市某局");
    assert_eq!(d.year.value, 2024);
    assert_eq!(d.projects.len(), 2, "{text}");
    let a = &d.projects[0];
    assert_eq!(a.name.value, "人大代表培训经费");
    assert_eq!(a.text("负责人").unwrap().value, "韩玲艳");
    let funds: Vec<(String, String)> = a
        .funds
        .value
        .iter()
        .map(|(k, v)| (k.value.clone(), v.value.0.to_string()))
        .collect();
    // The float 10.368000000000002 shown as 10.37 imports as 10.368; 0 shown as 0.00 keeps
    // its decimals.
    assert_eq!(
        funds,
        [
            ("财政拨款", "10.368"),
            ("其他资金", "0.00"),
            ("合计", "10.368")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    match &a.goals.as_ref().unwrap().value {
        jixiao::model::Goals::Many(g) => assert_eq!(g.len(), 2),
        other => panic!("{other:?}"),
    }
    let b = &d.projects[1];
    assert_eq!(b.indicators.len(), A.len());
    for p in [a, b] {
        let got: Vec<(String, String, String)> = p
            .indicators
            .iter()
            .map(|i| {
                (
                    i.level1.value.clone(),
                    i.level2.as_ref().unwrap().value.clone(),
                    i.name.value.clone(),
                )
            })
            .collect();
        let mut l1 = "";
        let mut l2 = "";
        let want: Vec<(String, String, String)> = A
            .iter()
            .map(|r| {
                if !r.0.is_empty() {
                    l1 = r.0;
                }
                if !r.1.is_empty() {
                    l2 = r.1;
                }
                (l1.to_string(), l2.to_string(), r.2.to_string())
            })
            .collect();
        assert_eq!(got, want, "一级 and 二级 filled down in {}", p.name.value);
        let i = &p.indicators[1];
        assert_eq!(i.target.value, "≥2次");
        assert_eq!(i.weight.as_ref().unwrap().value.0.to_string(), "10");
        let ev: Vec<&str> = i.evidence.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(ev, ["正式材料", "工作资料"]);
    }
    // Nothing dropped silently: the 备注 column and the 合计 row are reported by cell, on the
    // terminal and at the top of the file.
    for s in [&err, &text] {
        assert!(s.contains("绩效目标!P3") && s.contains("“备注”"), "{s}");
        assert!(s.contains("绩效目标!P5:P6,P18"), "{s}");
        assert!(s.contains("绩效目标!A17") && s.contains("合计"), "{s}");
    }

    // An existing file is not replaced without --force; with it, the old one is kept aside.
    let o = import(dir.path(), &[xlsx.to_str().unwrap(), "--style", "xinjiang"]);
    assert!(o.status.success(), "the same content again: {}", stderr(&o));
    std::fs::write(&path, text.replace("韩玲艳", "某某")).unwrap();
    let o = import(dir.path(), &[xlsx.to_str().unwrap(), "--style", "xinjiang"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    let o = import(
        dir.path(),
        &[xlsx.to_str().unwrap(), "--style", "xinjiang", "--force"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(path.with_extension("yaml.bak"))
            .unwrap()
            .contains("某某")
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn amounts_in_yuan_split_targets_and_a_department_column() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("export.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let heads = [
        "预算部门",
        "年度",
        "项目名称",
        "实施单位",
        "科目代码",
        "金额（元）",
        "一级指标",
        "明细指标",
        "指标性质",
        "指标值",
        "度量单位",
        "指标描述",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let rows: &[[&str; 12]] = &[
        [
            "甲局",
            "2024",
            "项目一",
            "甲局本级",
            "21305",
            "103680",
            "产出指标",
            "会议次数",
            "≥",
            "12",
            "次",
            "全年会议次数",
        ],
        [
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "参会率",
            "≥",
            "95",
            "%",
            "参会人数占比",
        ],
        [
            "",
            "",
            "",
            "",
            "",
            "",
            "效益指标",
            "履职水平",
            "定性",
            "有效提升",
            "",
            "履职水平",
        ],
        [
            "乙局",
            "2024",
            "项目二",
            "乙局本级",
            "",
            "50000",
            "产出指标",
            "调研次数",
            "=",
            "4",
            "次",
            "调研",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let r = r as u32 + 1;
            if v.is_empty() {
                continue;
            }
            match (c, v.parse::<f64>()) {
                (1 | 5 | 9, Ok(n)) => ws.write_number(r, c as u16, n).unwrap(),
                _ => ws.write_string(r, c as u16, *v).unwrap(),
            };
        }
    }
    wb.save(&xlsx).unwrap();
    let o = import(dir.path(), &[xlsx.to_str().unwrap(), "--style", "zhejiang"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a = jixiao::load::parse(
        &std::fs::read_to_string(dir.path().join("data/2024-甲局.yaml")).unwrap(),
    )
    .unwrap();
    let b = jixiao::load::parse(
        &std::fs::read_to_string(dir.path().join("data/2024-乙局.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(b.projects[0].name.value, "项目二");
    let p = &a.projects[0];
    assert_eq!(
        p.funds.value.get("合计").unwrap().value.0.to_string(),
        "10.368",
        "元 → 万元"
    );
    let targets: Vec<&str> = p
        .indicators
        .iter()
        .map(|i| i.target.value.as_str())
        .collect();
    assert_eq!(targets, ["≥12次", "≥95%", "有效提升"]);
    assert_eq!(p.indicators[1].level1.value, "产出指标");
    assert_eq!(p.indicators[2].text("描述").unwrap().value, "履职水平");
    // A catalogue field is found under its own name (no synonym in import.yaml).
    assert_eq!(p.text("科目代码").unwrap().value, "21305");
    assert!(b.projects[0].text("科目代码").is_none());
}

#[test]
fn what_cannot_be_imported_is_said_kindly() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("其他.xlsx");
    let mut wb = Workbook::new();
    wb.add_worksheet().write_string(0, 0, "会议纪要").unwrap();
    wb.save(&xlsx).unwrap();
    let o = import(dir.path(), &[xlsx.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--style"), "{}", stderr(&o));
    let o = import(dir.path(), &[xlsx.to_str().unwrap(), "--style", "xinjiang"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("找不到表头"), "{}", stderr(&o));
    let o = import(dir.path(), &["不存在.xlsx", "--style", "xinjiang"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("无法打开"), "{}", stderr(&o));
    let not_xlsx = dir.path().join("假的.xlsx");
    std::fs::write(&not_xlsx, "not a zip").unwrap();
    let o = import(
        dir.path(),
        &[not_xlsx.to_str().unwrap(), "--style", "xinjiang"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("无法打开"), "{}", stderr(&o));
}

/// A one-project zhejiang export at `dir/name`: `above` rows of text over the header, then the
/// header (`group` over the amount column when given, as a second header row), then one row of
/// 1,250,000 under `amount`.
fn unit_export(
    dir: &Path,
    name: &str,
    above: &[&str],
    group: Option<&str>,
    amount: &str,
) -> PathBuf {
    let xlsx = dir.join(name);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (r, t) in above.iter().enumerate() {
        ws.write_string(r as u32, 0, *t).unwrap();
    }
    let heads = [
        "预算部门",
        "年度",
        "项目名称",
        amount,
        "一级指标",
        "明细指标",
        "指标性质",
        "指标值",
        "度量单位",
    ];
    let mut top = above.len() as u32;
    if let Some(g) = group {
        for (c, h) in heads.iter().enumerate() {
            if c != 3 {
                ws.merge_range(top, c as u16, top + 1, c as u16, h, &Format::new())
                    .unwrap();
            }
        }
        ws.write_string(top, 3, g).unwrap();
        ws.write_string(top + 1, 3, amount).unwrap();
        top += 1;
    } else {
        for (c, h) in heads.iter().enumerate() {
            ws.write_string(top, c as u16, *h).unwrap();
        }
    }
    let r = top + 1;
    for (c, v) in [
        "甲局",
        "",
        "项目一",
        "",
        "产出指标",
        "会议次数",
        "≥",
        "12",
        "次",
    ]
    .iter()
    .enumerate()
    {
        if !v.is_empty() {
            ws.write_string(r, c as u16, *v).unwrap();
        }
    }
    ws.write_number(r, 1, 2024.0).unwrap();
    ws.write_number(r, 3, 1_250_000.0).unwrap();
    wb.save(&xlsx).unwrap();
    xlsx
}

/// Issue 21: the unit of amounts is read from the column, a group heading over it, or a
/// `金额单位：…` line above the table; converted from 元 exactly; and a money column without a
/// unit, or with units that disagree, is refused at its cell unless `--unit` says which.
#[test]
fn the_unit_of_amounts_is_read_never_guessed() {
    let total = |dir: &Path| {
        let d =
            jixiao::load::parse(&std::fs::read_to_string(dir.join("data/2024-甲局.yaml")).unwrap())
                .unwrap();
        d.projects[0]
            .funds
            .value
            .get("合计")
            .unwrap()
            .value
            .0
            .to_string()
    };
    // A line above the table, and the same line beside the title.
    for above in [
        &["某某局项目支出绩效目标", "金额单位：元"][..],
        &["2024年预算（单位： 元）"][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let x = unit_export(dir.path(), "a.xlsx", above, None, "资金总额");
        let o = import(dir.path(), &[x.to_str().unwrap(), "--style", "zhejiang"]);
        assert!(o.status.success(), "{above:?}: {}", stderr(&o));
        assert_eq!(
            total(dir.path()),
            "125",
            "{above:?}: 1,250,000 元 = 125 万元"
        );
    }
    // A group heading over the amount column.
    let dir = tempfile::tempdir().unwrap();
    let x = unit_export(
        dir.path(),
        "g.xlsx",
        &[],
        Some("资金安排（元）"),
        "资金总额",
    );
    let o = import(dir.path(), &[x.to_str().unwrap(), "--style", "zhejiang"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(total(dir.path()), "125");
    // The column's own heading in 万元.
    let dir = tempfile::tempdir().unwrap();
    let x = unit_export(dir.path(), "w.xlsx", &[], None, "资金总额（万元）");
    let o = import(dir.path(), &[x.to_str().unwrap(), "--style", "zhejiang"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(total(dir.path()), "1250000");

    // No unit anywhere: refused at the amount's heading, nothing written; `--unit` decides.
    let dir = tempfile::tempdir().unwrap();
    let x = unit_export(
        dir.path(),
        "n.xlsx",
        &["某某局项目支出绩效目标"],
        None,
        "资金总额",
    );
    let o = import(dir.path(), &[x.to_str().unwrap(), "--style", "zhejiang"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("Sheet1!D2") && err.contains("金额单位") && err.contains("--unit"),
        "{err}"
    );
    assert!(!dir.path().join("data/2024-甲局.yaml").exists());
    let o = import(
        dir.path(),
        &[x.to_str().unwrap(), "--style", "zhejiang", "--unit", "元"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(total(dir.path()), "125");

    // A heading in 万元 under a line saying 元: refused, both cells named.
    let dir = tempfile::tempdir().unwrap();
    let x = unit_export(
        dir.path(),
        "c.xlsx",
        &["金额单位：元"],
        None,
        "资金总额（万元）",
    );
    let o = import(dir.path(), &[x.to_str().unwrap(), "--style", "zhejiang"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("Sheet1!D2") && err.contains("Sheet1!A1") && err.contains("不一致"),
        "{err}"
    );
    assert!(!dir.path().join("data/2024-甲局.yaml").exists());
    // `--unit` decides only what the sheet leaves open: a heading in 万元 stays 万元.
    let dir = tempfile::tempdir().unwrap();
    let x = unit_export(dir.path(), "u.xlsx", &[], None, "资金总额（万元）");
    let o = import(
        dir.path(),
        &[x.to_str().unwrap(), "--style", "zhejiang", "--unit", "元"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(total(dir.path()), "1250000");
    // A place name beginning with 元 is no unit: 填报单位：元阳县财政局 says nothing of money.
    let dir = tempfile::tempdir().unwrap();
    let x = unit_export(
        dir.path(),
        "y.xlsx",
        &["填报单位：元阳县财政局"],
        None,
        "资金总额（万元）",
    );
    let o = import(dir.path(), &[x.to_str().unwrap(), "--style", "zhejiang"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(total(dir.path()), "1250000");
    let dir = tempfile::tempdir().unwrap();
    let x = unit_export(
        dir.path(),
        "z.xlsx",
        &["填报单位：元阳县财政局"],
        None,
        "资金总额",
    );
    let o = import(dir.path(), &[x.to_str().unwrap(), "--style", "zhejiang"]);
    assert!(!o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("没有写金额单位"), "{}", stderr(&o));
    // `--unit` takes only 元 or 万元.
    let o = import(
        dir.path(),
        &[x.to_str().unwrap(), "--style", "zhejiang", "--unit", "千元"],
    );
    assert!(!o.status.success());
}
