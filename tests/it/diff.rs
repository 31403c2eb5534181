//! `jixiao diff`: two revisions of a git repository made in the test (commits of edited sample
//! data) — every kind of change is found and nothing else; a file against itself, a revision
//! against itself and reordered indicators and projects are no change; two years of one
//! department compare their plans; the self-evaluation's changes; the command line's report,
//! JSON, exit codes and the 绩效目标变动对照表 as PDF and xlsx.

use crate::common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::git::{commit_all, init, tag};
use common::{line_of, repo};
use jixiao::cli::Format;
use jixiao::cli::diff::{Args, compare};
use jixiao::diff::{Change, Kind, Report, Status, Strictness};

const KUERLE: &str = "2023-kuerle-rendaban.yaml";
const XINFANGJU: &str = "2023-kuerle-xinfangju.yaml";
const KEQIAO: &str = "2020-keqiao-rendaban.yaml";
const XIANGSHAN: &str = "2023-xiangshan-rendaban.yaml";

fn sample(name: &str) -> String {
    fs::read_to_string(repo().join("data").join(name)).unwrap()
}

/// `text` with `from` (which must occur exactly once) replaced by `to`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "edit: “{from}” should occur exactly once"
    );
    text.replacen(from, to, 1)
}

/// The lines containing `a` and `b` (one each) swapped.
fn swap_lines(text: &str, a: &str, b: &str) -> String {
    let mut lines: Vec<&str> = text.split('\n').collect();
    let (i, j) = (line_of(text, a) - 1, line_of(text, b) - 1);
    lines.swap(i, j);
    lines.join("\n")
}

fn args(old: Option<&str>, new: Option<&str>, data: &Path) -> Args {
    Args {
        old: old.map(str::to_string),
        new: new.map(str::to_string),
        years: None,
        data: data.to_path_buf(),
        department: None,
        format: Format::Human,
        pdf: None,
        xlsx: None,
        templates: Some(repo().join("templates")),
        font_paths: Vec::new(),
        exit_code: false,
        git_external: None,
    }
}

fn diff(old: Option<&str>, new: Option<&str>, data: &Path) -> Report {
    compare(&args(old, new, data)).unwrap().report
}

/// Every change as (kind, project, the last part of its item, field), to compare as a set.
type Seen = (Kind, Option<String>, Option<String>, Option<String>);

fn seen(report: &Report) -> Vec<Seen> {
    report
        .departments
        .iter()
        .flat_map(|d| &d.changes)
        .map(|c| {
            (
                c.kind,
                c.project.clone(),
                c.item
                    .as_deref()
                    .map(|i| i.rsplit('/').next().unwrap_or(i).to_string()),
                c.field.clone(),
            )
        })
        .collect()
}

fn find<'r>(report: &'r Report, kind: Kind, item_end: &str) -> &'r Change {
    report
        .departments
        .iter()
        .flat_map(|d| &d.changes)
        .find(|c| c.kind == kind && c.item.as_deref().is_some_and(|i| i.ends_with(item_end)))
        .unwrap_or_else(|| panic!("no {kind:?} of {item_end}: {report:#?}"))
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

const MEETING: &str = "十一届四次人代会会议费";
const ACTIVITY: &str = "人大代表活动经费";
const BASIC: &str = "巴财行[2022]33号关于提前下达2023年基层人大补助经费的通知";
const STUDIO: &str = "市人大代表工作室活动经费";
const NETWORK: &str = "预算联网监督系统服务专项经费";
const STATION: &str = "代表联络站建设经费";

/// The Kuerle department, filed again with one change of every kind (and a few edits that
/// change nothing: a respelled target, two indicators swapped).
fn kuerle_edited() -> String {
    let t = sample(KUERLE);
    // Money of one source and so the total.
    let t = edit(
        &t,
        "财政拨款: 37.76\n      其他资金: 0\n      合计: 37.76",
        "财政拨款: 40\n      其他资金: 0\n      合计: 40",
    );
    // The overall goal.
    let t = edit(&t, "履职尽责的工作能力。", "履职尽责的能力。");
    // An indicator removed.
    let line = t
        .lines()
        .find(|l| l.contains("三级: 人大代表满意度"))
        .unwrap()
        .to_string();
    let t = edit(&t, &format!("{line}\n"), "");
    // A project's own field.
    let t = edit(
        &t,
        &format!("  - 名称: {MEETING}\n    负责人: 韩玲艳"),
        &format!("  - 名称: {MEETING}\n    负责人: 李明"),
    );
    // Targets raised, lowered, changed (another unit).
    let t = edit(
        &t,
        "三级: 会议天数, 指标值: \">=3天\"",
        "三级: 会议天数, 指标值: \">=4天\"",
    );
    let t = edit(
        &t,
        "三级: 列席人员数, 指标值: \">=90人\"",
        "三级: 列席人员数, 指标值: \">=80人\"",
    );
    let t = edit(
        &t,
        "三级: 会议召开场次, 指标值: =1次",
        "三级: 会议召开场次, 指标值: =1场",
    );
    // Weights.
    let t = edit(
        &t,
        "三级: 代表参会率, 指标值: \">=95%\", 依据: 历史标准, 上年完成值: 85%, 权重: 6",
        "三级: 代表参会率, 指标值: \">=95%\", 依据: 历史标准, 上年完成值: 85%, 权重: 7",
    );
    let t = edit(
        &t,
        "三级: 列席人员参会率, 指标值: \">=90%\", 依据: 历史标准, 上年完成值: 85%, 权重: 6",
        "三级: 列席人员参会率, 指标值: \">=90%\", 依据: 历史标准, 上年完成值: 85%, 权重: 5",
    );
    // An indicator added.
    let satisfied = t
        .lines()
        .find(|l| l.contains("三级: 代表满意度"))
        .unwrap()
        .to_string();
    let t = edit(
        &t,
        &format!("{satisfied}\n"),
        &format!(
            "{satisfied}\n      - {{一级: 产出指标, 二级: 数量指标, 三级: 审议报告数量, 指标值: \">=3个\", 依据: 计划标准, 权重: 5, 赋分规则: 按照正常比例赋分, 佐证资料: [正式材料]}}\n"
        ),
    );
    // The same targets written another way: no change.
    let t = edit(
        &t,
        "三级: 市级人大代表人数, 指标值: =236人, 依据: 计划标准, 上年完成值: 236人, 权重: 8",
        "三级: 市级人大代表人数, 指标值: \"= 236 人\", 依据: 计划标准, 上年完成值: 236人, 权重: 8",
    );
    let t = edit(
        &t,
        "三级: 代表满意度, 指标值: \">=95%\"",
        "三级: 代表满意度, 指标值: ≥95.0%",
    );
    // Another field of an indicator.
    let t = edit(
        &t,
        "三级: 开展调研执法检查, 指标值: \">=3次\", 依据: 计划标准",
        "三级: 开展调研执法检查, 指标值: \">=3次\", 依据: 历史标准",
    );
    // Two indicators swapped: no change.
    let t = swap_lines(&t, "三级: 经费支付及时性率", "三级: 调研执法检查覆盖");
    // An indicator moved to another 二级.
    let t = edit(
        &t,
        "二级: 质量指标, 三级: 代表培训率",
        "二级: 数量指标, 三级: 代表培训率",
    );
    // A project removed (the last one), another added.
    let cut = t.find(&format!("  - 名称: {NETWORK}")).unwrap();
    let mut t = t[..cut].to_string();
    t.push_str(&format!(
        "  - 名称: {STATION}\n    负责人: 韩玲艳\n    资金: {{财政拨款: 8, 其他资金: 0, 合计: 8}}\n    总体目标: [目标1：建设代表联络站。]\n    指标:\n      - {{一级: 产出指标, 二级: 数量指标, 三级: 联络站数量, 指标值: \">=2个\", 依据: 计划标准, 权重: 90, 赋分规则: 按照正常比例赋分, 佐证资料: [正式材料]}}\n"
    ));
    t
}

/// A repository with `data/` at two commits: `filed` (Kuerle and Keqiao) and HEAD (Kuerle
/// edited, Keqiao gone, Xinfangju new).
fn two_revisions() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let git = init(dir.path());
    fs::write(data.join(KUERLE), sample(KUERLE)).unwrap();
    fs::write(data.join(KEQIAO), sample(KEQIAO)).unwrap();
    commit_all(&git, "filed", 1_700_000_000);
    tag(&git, "filed");
    fs::write(data.join(KUERLE), kuerle_edited()).unwrap();
    fs::remove_file(data.join(KEQIAO)).unwrap();
    fs::write(data.join(XINFANGJU), sample(XINFANGJU)).unwrap();
    commit_all(&git, "filed again", 1_710_000_000);
    (dir, data)
}

#[test]
fn every_kind_of_change_between_two_revisions_is_found_and_nothing_else() {
    let (_dir, data) = two_revisions();
    let report = diff(Some("filed"), Some("HEAD"), &data);
    let p = |s: &str| Some(s.to_string());
    let expected: Vec<Seen> = vec![
        (Kind::MoneyChanged, p(ACTIVITY), p("财政拨款"), None),
        (Kind::MoneyChanged, p(ACTIVITY), p("合计"), None),
        (Kind::GoalsChanged, p(ACTIVITY), None, None),
        (
            Kind::IndicatorRemoved,
            p(ACTIVITY),
            p("人大代表满意度"),
            None,
        ),
        (Kind::ProjectChanged, p(MEETING), None, p("负责人")),
        (Kind::TargetRaised, p(MEETING), p("会议天数"), None),
        (Kind::TargetLowered, p(MEETING), p("列席人员数"), None),
        (Kind::TargetChanged, p(MEETING), p("会议召开场次"), None),
        (Kind::WeightChanged, p(MEETING), p("代表参会率"), None),
        (Kind::WeightChanged, p(MEETING), p("列席人员参会率"), None),
        (Kind::IndicatorAdded, p(MEETING), p("审议报告数量"), None),
        (
            Kind::IndicatorChanged,
            p(BASIC),
            p("开展调研执法检查"),
            p("依据"),
        ),
        (Kind::IndicatorMoved, p(STUDIO), p("代表培训率"), None),
        (Kind::ProjectAdded, p(STATION), None, None),
        (Kind::ProjectRemoved, p(NETWORK), None, None),
        (Kind::DepartmentAdded, None, None, None),
        (Kind::DepartmentRemoved, None, None, None),
    ];
    let found = seen(&report);
    let as_set = |v: &[Seen]| v.iter().cloned().collect::<BTreeSet<_>>();
    assert_eq!(
        found.len(),
        expected.len(),
        "exactly these changes:\n{}",
        jixiao::cli::diff::human(&report)
    );
    assert_eq!(
        as_set(&found),
        as_set(&expected),
        "{}",
        jixiao::cli::diff::human(&report)
    );

    // The details a reviewer reads.
    let edited = kuerle_edited();
    let raised = find(&report, Kind::TargetRaised, "会议天数");
    assert_eq!(
        (raised.before.clone(), raised.after.clone()),
        (s(">=3天"), s(">=4天"))
    );
    assert_eq!(raised.delta, s("+1天"));
    assert_eq!(raised.direction, Some(Strictness::Stricter));
    assert_eq!(raised.new_line, Some(line_of(&edited, "三级: 会议天数")));
    assert_eq!(
        raised.old_line,
        Some(line_of(&sample(KUERLE), "三级: 会议天数"))
    );
    let lowered = find(&report, Kind::TargetLowered, "列席人员数");
    assert_eq!(lowered.delta, s("-10人"));
    assert_eq!(lowered.direction, Some(Strictness::Looser));
    let changed = find(&report, Kind::TargetChanged, "会议召开场次");
    assert_eq!(
        (changed.before.clone(), changed.after.clone()),
        (s("=1次"), s("=1场"))
    );
    assert_eq!(
        changed.delta, None,
        "another unit: no difference to compute"
    );
    let money = find(&report, Kind::MoneyChanged, "财政拨款");
    assert_eq!(
        (money.before.clone(), money.after.clone()),
        (s("37.76"), s("40"))
    );
    assert_eq!(money.delta, s("+2.24"));
    let weight = find(&report, Kind::WeightChanged, "列席人员参会率");
    assert_eq!(weight.delta, s("-1"));
    let moved = find(&report, Kind::IndicatorMoved, "代表培训率");
    assert!(
        moved.before.as_deref().unwrap().contains("质量指标")
            && moved.after.as_deref().unwrap().contains("数量指标"),
        "{moved:?}"
    );
    let added = find(&report, Kind::IndicatorAdded, "审议报告数量");
    assert_eq!(
        (added.after.clone(), added.weight.clone()),
        (s(">=3个"), s("5"))
    );
    let kuerle = report
        .departments
        .iter()
        .find(|d| d.department == "库尔勒市人大常委会办公室")
        .unwrap();
    assert_eq!(kuerle.status, Status::Changed);
    let project = kuerle
        .changes
        .iter()
        .find(|c| c.kind == Kind::ProjectAdded)
        .unwrap();
    assert_eq!((project.total.clone(), project.count), (s("8"), Some(1)));
    assert!(
        kuerle.old.as_ref().unwrap().file.starts_with("filed:"),
        "the old file is named by its revision: {:?}",
        kuerle.old
    );
}

#[test]
fn a_file_against_itself_and_a_revision_against_itself_are_empty() {
    for e in fs::read_dir(repo().join("data")).unwrap() {
        let path = e.unwrap().path();
        let p = path.to_str().unwrap();
        let report = diff(Some(p), Some(p), &repo().join("data"));
        assert_eq!(report.changes(), 0, "{p}: {report:#?}");
        assert_eq!(report.departments.len(), 1);
        assert_eq!(report.departments[0].status, Status::Unchanged);
    }
    let data = repo().join("data");
    let all = diff(Some(data.to_str().unwrap()), None, &data);
    assert_eq!(all.changes(), 0);
    assert_eq!(all.departments.len(), 5);

    let (_dir, data) = two_revisions();
    for (old, new) in [
        ("HEAD", Some("HEAD")),
        ("HEAD", None),
        ("filed", Some("filed")),
    ] {
        let report = diff(Some(old), new, &data);
        assert_eq!(report.changes(), 0, "{old} {new:?}: {report:#?}");
        assert!(
            report
                .departments
                .iter()
                .all(|d| d.status == Status::Unchanged)
        );
    }
}

#[test]
fn reordered_indicators_projects_and_sources_are_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let git = init(dir.path());
    let text = sample(KUERLE);
    fs::write(data.join(KUERLE), &text).unwrap();
    commit_all(&git, "one", 1_700_000_000);
    // The first two projects swapped, indicators of another reversed, sources swapped.
    let first = text.find(&format!("  - 名称: {ACTIVITY}")).unwrap();
    let second = text.find(&format!("  - 名称: {MEETING}")).unwrap();
    let third = text.find(&format!("  - 名称: {BASIC}")).unwrap();
    let swapped = format!(
        "{}{}{}{}",
        &text[..first],
        &text[second..third],
        &text[first..second],
        &text[third..]
    );
    let t = swap_lines(&swapped, "三级: 代表履职活动次数", "三级: 代表培训率");
    let t = swap_lines(
        &t,
        "三级: 市级人大代表人数, 指标值: =236人, 依据: 计划标准, 权重: 8",
        "三级: 培训经费",
    );
    let t = edit(
        &t,
        "      财政拨款: 37.76\n      其他资金: 0\n",
        "      其他资金: 0\n      财政拨款: 37.76\n",
    );
    assert_ne!(t, text);
    fs::write(data.join(KUERLE), &t).unwrap();
    commit_all(&git, "reordered", 1_700_100_000);
    let report = diff(Some("HEAD~1"), Some("HEAD"), &data);
    assert_eq!(report.changes(), 0, "{}", jixiao::cli::diff::human(&report));
    assert_eq!(report.departments[0].status, Status::Unchanged);
    // And against the working tree (the NEW side omitted).
    assert_eq!(diff(Some("HEAD~1"), None, &data).changes(), 0);
}

/// `text` without its self-evaluations (every `自评:` block).
fn without_evals(text: &str) -> String {
    let mut in_eval = false;
    let mut out = Vec::new();
    for l in text.lines() {
        if l.starts_with("    自评:") {
            in_eval = true;
        } else if !l.starts_with("      ") {
            in_eval = false;
        }
        if !in_eval {
            out.push(l);
        }
    }
    out.join("\n") + "\n"
}

#[test]
fn two_years_of_a_department_compare_their_plans() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let last = sample(XIANGSHAN);
    // Next year: the same plan, a 上年完成值 written, and no self-evaluation yet.
    let next = without_evals(&edit(&last, "年度: 2023", "年度: 2024"));
    let next = edit(
        &next,
        "三级: 召开会议次数, 指标值: ≥1,",
        "三级: 召开会议次数, 指标值: ≥1, 上年完成值: 1次,",
    );
    assert!(!next.contains("自评:"));
    fs::write(data.join("2023.yaml"), &last).unwrap();
    fs::write(data.join("2024.yaml"), &next).unwrap();
    let mut a = args(None, None, &data);
    a.years = Some(vec![2023, 2024]);
    let report = compare(&a).unwrap().report;
    assert_eq!(report.departments.len(), 1);
    assert_eq!(
        report.changes(),
        0,
        "neither the self-evaluation nor 上年完成值 is compared between years: {}",
        jixiao::cli::diff::human(&report)
    );
    let d = &report.departments[0];
    assert_eq!(
        (d.old.as_ref().unwrap().year, d.new.as_ref().unwrap().year),
        (2023, 2024)
    );

    // A plan change is.
    fs::write(
        data.join("2024.yaml"),
        edit(
            &next,
            "三级: 会议费, 指标值: ≥55万元",
            "三级: 会议费, 指标值: ≥60万元",
        ),
    )
    .unwrap();
    let report = compare(&a).unwrap().report;
    assert_eq!(report.changes(), 1, "{}", jixiao::cli::diff::human(&report));
    // A department with one of the two years only is not compared, nor reported as added.
    fs::write(
        data.join("other.yaml"),
        edit(&sample(XINFANGJU), "年度: 2023", "年度: 2024"),
    )
    .unwrap();
    let report = compare(&a).unwrap().report;
    assert_eq!(report.changes(), 1, "{}", jixiao::cli::diff::human(&report));
    let other = report
        .departments
        .iter()
        .find(|d| d.department == "库尔勒市信访局")
        .unwrap();
    assert_eq!(other.status, Status::OneYear);
    assert!(jixiao::cli::diff::human(&report).contains("只有 2024 年度的文件，未比较"));
    fs::remove_file(data.join("other.yaml")).unwrap();
    // Two files of different years compare the same way.
    let report = diff(
        Some(data.join("2023.yaml").to_str().unwrap()),
        Some(data.join("2024.yaml").to_str().unwrap()),
        &data,
    );
    assert_eq!(report.changes(), 1, "{}", jixiao::cli::diff::human(&report));
}

#[test]
fn a_department_renamed_in_its_file_is_one_department() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let git = init(dir.path());
    let text = sample(XINFANGJU);
    fs::write(data.join(XINFANGJU), &text).unwrap();
    commit_all(&git, "one", 1_700_000_000);
    let renamed = edit(
        &text,
        "部门: 库尔勒市信访局",
        "部门: 库尔勒市人民来访接待局",
    );
    fs::write(data.join(XINFANGJU), &renamed).unwrap();
    let report = diff(Some("HEAD"), None, &data);
    assert_eq!(report.departments.len(), 1, "{report:#?}");
    let p = |s: &str| Some(s.to_string());
    assert_eq!(
        seen(&report),
        vec![(Kind::DepartmentChanged, None, None, p("部门"))]
    );
}

#[test]
fn self_evaluation_changes_between_revisions() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let git = init(dir.path());
    let text = sample(XIANGSHAN);
    fs::write(data.join(XIANGSHAN), &text).unwrap();
    commit_all(&git, "one", 1_700_000_000);
    let t = edit(
        &text,
        "{指标: 保障会议各项费用支出, 实际完成值: 99%, 得分: 5}",
        "{指标: 保障会议各项费用支出, 实际完成值: 98%, 得分: 4.5}",
    );
    fs::write(data.join(XIANGSHAN), &t).unwrap();
    let report = diff(Some("HEAD"), None, &data);
    let found = seen(&report);
    let p = |s: &str| Some(s.to_string());
    assert_eq!(found.len(), 2, "{}", jixiao::cli::diff::human(&report));
    assert!(
        found
            .iter()
            .all(|c| c.0 == Kind::EvalChanged && c.2 == p("保障会议各项费用支出"))
    );
    let fields: BTreeSet<_> = found.iter().map(|c| c.3.clone()).collect();
    assert_eq!(fields, [p("实际完成值"), p("得分")].into_iter().collect());
    let score = report.departments[0]
        .changes
        .iter()
        .find(|c| c.field == p("得分"))
        .unwrap();
    assert_eq!(score.delta, s("-0.5"));
    assert_eq!(
        score.new_line,
        Some(line_of(&t, "保障会议各项费用支出, 实际完成值"))
    );
}

/// The self-evaluation's stated 等级 is compared like its other stated figures: the diff reads
/// the catalogue's fields, where its own list had left 等级 out.
#[test]
fn a_stated_grade_of_the_self_evaluation_is_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let git = init(dir.path());
    let at = "      总分: 99\n      指标:\n        - {指标: 召开会议次数";
    let text = edit(
        &sample(XIANGSHAN),
        at,
        &at.replace("99\n", "99\n      等级: 优\n"),
    );
    fs::write(data.join(XIANGSHAN), &text).unwrap();
    commit_all(&git, "one", 1_700_000_000);
    let t = edit(&text, "      等级: 优\n", "      等级: 良\n");
    fs::write(data.join(XIANGSHAN), &t).unwrap();
    let report = diff(Some("HEAD"), None, &data);
    let p = |s: &str| Some(s.to_string());
    assert_eq!(
        seen(&report),
        vec![(Kind::EvalChanged, p("人大会议经费"), None, p("等级"))],
        "{}",
        jixiao::cli::diff::human(&report)
    );
    let c = &report.departments[0].changes[0];
    assert_eq!((c.before.clone(), c.after.clone()), (p("优"), p("良")));
    assert_eq!(c.new_line, Some(line_of(&t, "等级: 良")));
}

/// The department-wide part (部门整体) between two revisions: its money, a task's money and
/// content, a new task, a department indicator's target and a result's score are each reported
/// under 部门整体, and nothing else.
#[test]
fn department_wide_changes_between_revisions() {
    const CENTRE: &str = "2024-示例中心.yaml";
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let git = init(dir.path());
    let text = fs::read_to_string(repo().join("examples/national/data").join(CENTRE)).unwrap();
    fs::write(data.join(CENTRE), &text).unwrap();
    commit_all(&git, "one", 1_700_000_000);
    let mut t = edit(&text, "    财政拨款: 620\n", "    财政拨款: 625\n");
    t = edit(&t, "  基本支出: 500", "  基本支出: 505");
    t = edit(&t, "        财政拨款: 80\n", "        财政拨款: 85\n");
    t = edit(&t, "推行“一窗受理”。", "推行“一窗受理”和“一网通办”。");
    t = edit(
        &t,
        "  年度总体目标:",
        "    - 任务名称: 窗口人员培训\n      主要内容: 全年培训窗口人员两轮。\n  年度总体目标:",
    );
    t = edit(
        &t,
        "质量指标, 三级: 诉求按时办结率, 指标值: ≥98%",
        "质量指标, 三级: 诉求按时办结率, 指标值: ≥99%",
    );
    t = edit(&t, "等级: 部分达成, 得分: 11,", "等级: 部分达成, 得分: 12,");
    fs::write(data.join(CENTRE), &t).unwrap();
    let report = diff(Some("HEAD"), None, &data);
    let found: BTreeSet<Seen> = seen(&report).into_iter().collect();
    let p = |s: &str| Some(s.to_string());
    let wide = p("部门整体");
    let expected: BTreeSet<Seen> = [
        (Kind::MoneyChanged, wide.clone(), p("财政拨款"), None),
        (Kind::MoneyChanged, wide.clone(), p("合计"), None),
        (Kind::MoneyChanged, wide.clone(), p("基本支出"), None),
        (
            Kind::TaskChanged,
            wide.clone(),
            p("公共服务热线运行"),
            p("资金/财政拨款"),
        ),
        (
            Kind::TaskChanged,
            wide.clone(),
            p("政务服务大厅设备更新"),
            p("主要内容"),
        ),
        (Kind::TaskAdded, wide.clone(), p("窗口人员培训"), None),
        (Kind::TargetRaised, wide.clone(), p("诉求按时办结率"), None),
        (
            Kind::EvalChanged,
            wide.clone(),
            p("窗口服务制度健全性"),
            p("得分"),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(found, expected, "{}", jixiao::cli::diff::human(&report));
    let task = find(&report, Kind::TaskChanged, "公共服务热线运行");
    assert_eq!(task.delta, s("+5"));
    assert_eq!(task.new_line, Some(line_of(&t, "财政拨款: 85")));
    let added = find(&report, Kind::TaskAdded, "窗口人员培训");
    assert_eq!(added.after, s("全年培训窗口人员两轮。"));

    // The printed table names them (the task kinds too).
    let human = jixiao::cli::diff::human(&report);
    assert!(human.contains("新增任务"), "{human}");
    assert!(human.contains("部门整体"), "{human}");
}

// ---------------------------------------------------------------------------------------------
// The command line

fn jixiao(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .current_dir(dir)
        .arg("diff")
        .args(args)
        .arg("--templates")
        .arg(repo().join("templates"))
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run jixiao")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_command_reports_in_chinese_and_as_json() {
    let (dir, _data) = two_revisions();
    let o = jixiao(dir.path(), &["filed"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    for expected in [
        "比较 标签 filed，2023-11-15 的提交“filed” → 现在的 data/",
        "指标值调高  产出指标/数量指标/会议天数：>=3天 → >=4天（+1天，要求提高）",
        "指标值调低",
        "要求放宽",
        "资金调整  财政拨款：37.76 → 40（+2.24）",
        &format!("新增项目“{STATION}”：资金合计 8 万元，1 条指标"),
        &format!("删除项目“{NETWORK}”"),
        "新增部门",
        "删除部门",
        "共比较 3 个部门：3 个有变动，共 17 处变动",
    ] {
        assert!(text.contains(expected), "“{expected}” in:\n{text}");
    }
    let line = line_of(&kuerle_edited(), "三级: 会议天数");
    assert!(text.contains(&format!("（第 {line} 行）")), "{text}");

    let o = jixiao(dir.path(), &["filed", "HEAD", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("one JSON document");
    assert_eq!(v["summary"]["changes"], 17);
    assert_eq!(v["summary"]["departments"], 3);
    let changes: Vec<&serde_json::Value> = v["departments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["changes"].as_array().unwrap())
        .collect();
    let raised = changes
        .iter()
        .find(|c| c["kind"] == "target_raised")
        .unwrap();
    assert_eq!(raised["delta"], "+1天");
    assert_eq!(raised["direction"], "stricter");
    assert_eq!(raised["new_line"], line);

    // --exit-code: 1 with changes, 0 without; --department narrows.
    assert_eq!(
        jixiao(dir.path(), &["filed", "--exit-code"]).status.code(),
        Some(1)
    );
    assert_eq!(
        jixiao(dir.path(), &["HEAD", "--exit-code"]).status.code(),
        Some(0)
    );
    let o = jixiao(dir.path(), &["filed", "--department", "信访"]);
    assert!(
        out(&o).contains("共比较 1 个部门：1 个有变动，共 1 处变动"),
        "{}",
        out(&o)
    );
}

#[test]
fn the_command_explains_what_it_cannot_compare() {
    let (dir, data) = two_revisions();
    let o = jixiao(dir.path(), &["no-such-tag"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("没有版本“no-such-tag”"), "{}", err(&o));
    let o = jixiao(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("jixiao diff HEAD~1"), "{}", err(&o));
    let o = jixiao(dir.path(), &["HEAD", &format!("HEAD:data/{KUERLE}")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("一个是文件、一个是目录"), "{}", err(&o));
    // A file of the working tree that does not load: its department is not compared, the
    // error is shown, and the exit status says so.
    fs::write(data.join(KUERLE), "部门: [\n").unwrap();
    let o = jixiao(dir.path(), &["HEAD"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(err(&o).contains("JX006"), "{}", err(&o));
    assert!(out(&o).contains("无法读取"), "{}", out(&o));
    assert!(
        !out(&o).contains("删除部门"),
        "an unreadable file is not a removed department:\n{}",
        out(&o)
    );
    // Nor is a table written then.
    let o = jixiao(dir.path(), &["HEAD", "--pdf", "t.pdf"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("t.pdf").exists());
}

#[test]
fn the_table_is_written_as_pdf_and_xlsx() {
    let (dir, _data) = two_revisions();
    let o = jixiao(
        dir.path(),
        &[
            "filed",
            "HEAD",
            "--pdf",
            "对照表.pdf",
            "--xlsx",
            "对照表.xlsx",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let pdf = dir.path().join("对照表.pdf");
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let text: String = String::from_utf8_lossy(&text.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for expected in [
        "绩效目标变动对照表",
        "变动前",
        "变动后",
        "指标值调高",
        "指标值调低",
        "权重调整",
        "新增指标",
        "删除指标",
        "指标改变归类",
        "新增项目",
        "删除项目",
        "资金调整",
        "总体目标修改",
        "+1天，要求提高",
        "-10人，要求放宽",
        // Money with the table's two decimals (`decimals` of templates/changes/table.yaml).
        "资金合计8.00万元，指标1条",
        "库尔勒市人大常委会办公室",
        "库尔勒市信访局",
        "审核人：",
        // The versions as a reviewer knows them: the tag, the commits' dates (in the
        // committer's zone, UTC+8) and subjects — never git's HEAD.
        "（标签filed，2023-11-15的提交“filed”→2024-03-10的提交“filedagain”）",
    ] {
        assert!(text.contains(expected), "“{expected}” in the PDF:\n{text}");
    }
    assert!(!text.contains("HEAD"), "{text}");
    // The date of the new side: HEAD's commit, 1,710,000,000 s = 2024-03-09 (UTC).
    let bytes = fs::read(&pdf).unwrap();
    assert!(
        bytes.windows(10).any(|w| w == b"2024-03-09"),
        "dated by HEAD's commit"
    );

    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(dir.path().join("对照表.xlsx")).unwrap();
    let sheets = book.sheet_names().to_vec();
    assert_eq!(
        sheets.len(),
        3,
        "one sheet per department with changes: {sheets:?}"
    );
    let kuerle = sheets
        .iter()
        .find(|s| s.contains("库尔勒市人大"))
        .unwrap()
        .clone();
    let range = book.worksheet_range(&kuerle).unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let header = rows
        .iter()
        .find(|r| r.iter().any(|c| c == "变动前"))
        .expect("a header row");
    assert!(header.iter().any(|c| c == "变动后") && header.iter().any(|c| c == "变动"));
    let raised = rows
        .iter()
        .find(|r| r.iter().any(|c| c == "指标值调高"))
        .expect("a row for the raised target");
    for cell in [
        MEETING,
        "产出指标/数量指标/会议天数",
        ">=3天",
        ">=4天",
        "+1天，要求提高",
    ] {
        assert!(raised.iter().any(|c| c == cell), "{cell} in {raised:?}");
    }
    let body = rows.iter().filter(|r| r[0].parse::<u32>().is_ok()).count();
    assert_eq!(body, 15, "one row per change of the department: {rows:?}");
    // Money is printed with the table's two decimals: 37.76 → 40, and the 合计 (a source and
    // the total changed; each is one row).
    let money: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r.iter().any(|c| c == "资金调整"))
        .collect();
    assert!(!money.is_empty(), "a row for the money: {rows:?}");
    for row in &money {
        for cell in ["37.76", "40.00", "+2.24"] {
            assert!(row.iter().any(|c| c == cell), "{cell} in {row:?}");
        }
    }
}

#[test]
fn no_changes_still_make_a_table_that_says_so() {
    let (dir, _data) = two_revisions();
    let o = jixiao(dir.path(), &["HEAD", "--xlsx", "same.xlsx"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(dir.path().join("same.xlsx")).unwrap();
    let names = book.sheet_names().to_vec();
    assert_eq!(
        names.len(),
        2,
        "one sheet per department compared: {names:?}"
    );
    let range = book.worksheet_range(&names[0]).unwrap();
    assert!(
        range
            .rows()
            .any(|r| r.iter().any(|c| *c == "两个版本之间没有变动")),
        "the template's words for no change"
    );
}

/// A `REV:../PATH` outside the repository names the repository, also when it is the current
/// directory (its relative name was empty: “不在仓库  之内”).
#[test]
fn a_path_outside_the_repository_names_the_repository() {
    let (dir, _data) = two_revisions();
    let o = jixiao(dir.path(), &["filed:../elsewhere"]);
    assert!(!o.status.success());
    let e = err(&o);
    assert!(e.contains("../elsewhere 不在仓库 . 之内"), "{e}");
    assert!(!e.contains("仓库  之内"), "{e}");
}

/// `--years` names both years in the table and lists every change between them.
#[test]
fn two_years_of_a_department_are_named_by_their_years() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let text = sample(XINFANGJU);
    fs::write(data.join(XINFANGJU), &text).unwrap();
    let next = text
        .replacen("年度: 2023", "年度: 2024", 1)
        .replacen("财政拨款: 15\n", "财政拨款: 16\n", 1)
        .replacen("合计: 15\n", "合计: 16\n", 1);
    fs::write(data.join("2024-kuerle-xinfangju.yaml"), next).unwrap();
    let o = jixiao(
        dir.path(),
        &["--years", "2023", "2024", "--pdf", "两年.pdf"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let human = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        human.contains("2023 年度（现在的 data/） → 2024 年度（现在的 data/）"),
        "{human}"
    );
    assert!(human.contains("财政拨款：15 → 16（+1）"), "{human}");
    let pdf = Command::new("pdftotext")
        .arg(dir.path().join("两年.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let pdf: String = String::from_utf8_lossy(&pdf.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for expected in ["年度：2023→2024", "2023年度", "2024年度", "财政拨款", "+1"] {
        assert!(pdf.contains(expected), "“{expected}” in the PDF:\n{pdf}");
    }
}

/// The income and spending composition (部门整体.收入/支出) between two revisions: a changed
/// figure, a figure filled in and a new row are money changes of `收入·<名称>` under 部门整体.
#[test]
fn fund_rows_changes_between_revisions() {
    const FILE: &str = "2024-示例文旅局.yaml";
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let git = init(dir.path());
    let text = fs::read_to_string(repo().join("examples/anhui/data").join(FILE)).unwrap();
    fs::write(data.join(FILE), &text).unwrap();
    commit_all(&git, "one", 1_700_000_000);
    let mut t = edit(
        &text,
        "一般公共预算财政拨款收入, 分组: 按收入性质分, 本年: 285,",
        "一般公共预算财政拨款收入, 分组: 按收入性质分, 本年: 280,",
    );
    t = edit(
        &t,
        "{名称: 事业收入, 分组: 按收入性质分, 上年: 5}",
        "{名称: 事业收入, 分组: 按收入性质分, 本年: 5, 上年: 5}",
    );
    t = edit(
        &t,
        "    - {名称: 公共文化服务, 分组: 项目支出, 本年: 40, 上年: 40}\n",
        "    - {名称: 公共文化服务, 分组: 项目支出, 本年: 40, 上年: 40}\n    - {名称: 文物保护, 分组: 项目支出, 上年: 2}\n",
    );
    fs::write(data.join(FILE), &t).unwrap();
    let report = diff(Some("HEAD"), None, &data);
    let found: BTreeSet<Seen> = seen(&report).into_iter().collect();
    let p = |s: &str| Some(s.to_string());
    let wide = p("部门整体");
    let expected: BTreeSet<Seen> = [
        (
            Kind::MoneyChanged,
            wide.clone(),
            p("收入·一般公共预算财政拨款收入"),
            p("本年"),
        ),
        (
            Kind::MoneyChanged,
            wide.clone(),
            p("收入·事业收入"),
            p("本年"),
        ),
        (
            Kind::MoneyChanged,
            wide.clone(),
            p("支出·文物保护"),
            p("上年"),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(found, expected, "{}", jixiao::cli::diff::human(&report));
    let c = find(&report, Kind::MoneyChanged, "收入·一般公共预算财政拨款收入");
    assert_eq!(c.delta, s("-5"));
    assert_eq!(c.new_line, Some(line_of(&t, "本年: 280")));
}

/// The money by funding level (部门整体.拨付结余) between two revisions: a changed amount is a
/// money change of `拨付结余·<名称>` under 部门整体 (the rates are compared through the amounts
/// they are computed from).
#[test]
fn allocation_rows_changes_between_revisions() {
    const FILE: &str = "2024-测试局.yaml";
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let git = init(dir.path());
    let text =
        fs::read_to_string(repo().join("tests/fixtures/vocabulary/data").join(FILE)).unwrap();
    fs::write(data.join(FILE), &text).unwrap();
    commit_all(&git, "one", 1_700_000_000);
    let t = edit(
        &text,
        "{名称: 县级, 年初预算: 2.5, 调整: 0, 实际拨付: 2.5}",
        "{名称: 县级, 年初预算: 2.5, 调整: 0, 实际拨付: 2}",
    );
    fs::write(data.join(FILE), &t).unwrap();
    let report = diff(Some("HEAD"), None, &data);
    let c = find(&report, Kind::MoneyChanged, "拨付结余·县级");
    assert_eq!(c.field.as_deref(), Some("实际拨付"));
    assert_eq!(c.project.as_deref(), Some("部门整体"));
    assert_eq!(c.new_line, Some(line_of(&t, "实际拨付: 2}")));
}
