//! The scoring formulas through the whole check (load → check → the figures that are printed),
//! with the worked examples of seed 004 (data/2023-xiangshan-rendaban.yaml, 附件1-1 … 1-6) and
//! small synthetic projects.

use std::path::Path;
use std::str::FromStr;

use jixiao::check::{Checked, Eval, Proj};
use jixiao::compute::{fmt_decimal, fmt_percent, fmt_score};
use jixiao::load::Loaded;
use rust_decimal::Decimal;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Loads and checks `dir` against `templates`, then hands the result to `f`.
fn with_checked<R>(dir: &Path, templates: &Path, f: impl FnOnce(&Loaded, &Checked) -> R) -> R {
    let mut loaded = jixiao::load::load_dir(dir);
    let styles = jixiao::style::Styles::load(templates, &mut loaded);
    let checked = jixiao::check::check(&loaded, &styles);
    f(&loaded, &checked)
}

fn with_corpus<R>(f: impl FnOnce(&Checked) -> R) -> R {
    let root = Path::new(ROOT);
    with_checked(&root.join("data"), &root.join("templates"), |_, c| f(c))
}

fn project<'c, 'a>(checked: &'c Checked<'a>, name: &str) -> &'c Proj<'a> {
    let found: Vec<&Proj> = checked
        .departments
        .iter()
        .filter(|d| d.src.name.value == "相山区人大办公室")
        .flat_map(|d| &d.projects)
        .filter(|p| p.src.name.value == name)
        .collect();
    assert_eq!(found.len(), 1, "project “{name}”");
    found[0]
}

fn eval<'c, 'a>(p: &'c Proj<'a>) -> &'c Eval<'a> {
    p.eval.as_ref().expect("a self-evaluation")
}

/// The printed score of the indicator named `name`.
fn score(p: &Proj, name: &str) -> Decimal {
    let found: Vec<Decimal> = p
        .indicators
        .iter()
        .filter(|i| i.src.name.value == name)
        .map(|i| {
            i.result
                .as_ref()
                .expect("evaluated")
                .score
                .expect("a score")
        })
        .collect();
    assert_eq!(found.len(), 1, "indicator “{name}”");
    found[0]
}

// ---------------------------------------------------------------------------------------------
// Seed 004, through the whole check

#[test]
fn seed_004_attachment_1_2_execution_12_55_of_20() {
    with_corpus(|c| {
        let p = project(c, "代表工作经费");
        let e = eval(p);
        assert_eq!(e.total.budget, d("20"));
        assert_eq!(e.total.executed, d("12.55"));
        assert_eq!(e.rate, d("0.6275"));
        assert_eq!(fmt_percent(e.rate, 2), "62.75%");
        // 10 × 62.75 % = 6.275 → 6.28 (四舍五入), not the 10 the seed prints.
        assert_eq!(e.exec_score, d("6.28"));
        // 群众满意度 ≥100% → 99%: 10 × 99/100 = 9.9 (the seed gives 10).
        assert_eq!(score(p, "群众满意度"), d("9.9"));
        // 开展活动次数 ≥30次 → 37次: full 20.
        assert_eq!(score(p, "开展活动次数"), d("20"));
        // Stated scores are used where the formula cannot apply (活动经费 ≥20 vs 12.55万元).
        assert_eq!(score(p, "活动经费"), d("9"));
        // 6.28 + 87.9 = 94.18.
        assert_eq!(e.total_score, Some(d("94.18")));
        assert_eq!(fmt_score(e.total_score.unwrap()), "94.18");
        assert_eq!(e.grade, Some("优"));
    });
}

#[test]
fn seed_004_attachment_1_5_rate_93_85() {
    with_corpus(|c| {
        let p = project(c, "区人大代表履职经费");
        let e = eval(p);
        // 52.48 / 55.92 = 0.93848…: printed 93.85 %, where the seed prints 100 %.
        assert_eq!(fmt_percent(e.rate, 2), "93.85%");
        assert!(e.rate > d("0.9384") && e.rate < d("0.9385"));
        assert_eq!(e.exec_score, d("9.38"));
        // 发放代表人数 ≤233人 → 223人 (反向, under target): full 20.
        assert_eq!(score(p, "发放代表人数"), d("20"));
        assert_eq!(e.total_score, Some(d("99.38")));
    });
}

#[test]
fn seed_004_attachment_1_6_rate_74_30() {
    with_corpus(|c| {
        let p = project(c, "工作经费");
        let e = eval(p);
        assert_eq!(fmt_percent(e.rate, 2), "74.30%");
        assert_eq!(e.exec_score, d("7.43"));
        // 工作经费 ≤100000元 → 74301.66元: the computed full 10 is printed, not the stated 9.
        assert_eq!(score(p, "工作经费"), d("10"));
        assert_eq!(e.total_score, Some(d("97.43")));
    });
}

#[test]
fn seed_004_fully_executed_projects_keep_their_totals() {
    with_corpus(|c| {
        for (name, total) in [
            ("人大会议经费", "99"),
            ("招商引资工作经费", "98"),
            ("乡村振兴下派干部补贴", "100"),
        ] {
            let e = eval(project(c, name));
            assert_eq!(e.rate, Decimal::ONE, "{name}");
            assert_eq!(e.exec_score, d("10"), "{name}");
            assert_eq!(e.total_score, Some(d(total)), "{name}");
            // The stated total agrees with the computed one.
            assert_eq!(
                e.src.stated_total.as_ref().unwrap().value.0,
                d(total),
                "{name}"
            );
        }
        // 招商引资成本控制率 ≤10000元 → 10000元: exactly on target, full 10.
        assert_eq!(
            score(project(c, "招商引资工作经费"), "招商引资成本控制率"),
            d("10")
        );
    });
}

#[test]
fn seed_004_list_total_is_exact() {
    with_corpus(|c| {
        let dept = c
            .departments
            .iter()
            .find(|d| d.src.name.value == "相山区人大办公室")
            .unwrap();
        let executed: Decimal = dept.projects.iter().map(|p| eval(p).total.executed).sum();
        assert_eq!(fmt_decimal(executed), "138.828");
        assert_eq!(dept.errors, 0);
        // Money keeps its written scale: 10.368 stays 10.368.
        let p = project(c, "乡村振兴下派干部补贴");
        assert_eq!(fmt_decimal(p.funds.total), "10.368");
    });
}

#[test]
fn corpus_indicators_are_in_taxonomy_order() {
    with_corpus(|c| {
        for dept in &c.departments {
            let levels: Vec<&str> = dept
                .style
                .taxonomy
                .levels
                .iter()
                .map(|l| l.name.as_str())
                .collect();
            for p in &dept.projects {
                let order: Vec<usize> = p
                    .indicators
                    .iter()
                    .map(|i| levels.iter().position(|l| *l == i.level1).unwrap())
                    .collect();
                assert!(
                    order.windows(2).all(|w| w[0] <= w[1]),
                    "{}",
                    p.src.name.value
                );
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Synthetic worked examples

/// An 安徽 project with one indicator per 一级 and the given targets, actuals and money; no stated
/// figures, so everything printed is computed.
fn anhui(output: (&str, &str), budget: &str, executed: &str) -> String {
    let (target, actual) = output;
    format!(
        "\
部门: 测试部门
年度: 2023
样式: anhui
项目:
  - 名称: 项目甲
    实施单位: 办公室
    资金: {{财政拨款: {budget}}}
    总体目标: 目标
    指标:
      - {{一级: 产出指标, 二级: 数量指标, 三级: 产出, 指标值: \"{target}\", 权重: 50}}
      - {{一级: 效益指标, 二级: 社会效益指标, 三级: 效益, 指标值: 有效提升, 权重: 30}}
      - {{一级: 满意度指标, 二级: 服务对象满意度指标, 三级: 满意度, 指标值: ≥90%, 权重: 10}}
    自评:
      资金:
        财政拨款: {{全年预算: {budget}, 全年执行: {executed}}}
      实际完成情况: 完成
      指标:
        - {{指标: 产出, 实际完成值: \"{actual}\", 偏差原因: 说明}}
        - {{指标: 效益, 实际完成值: 有效提升, 等级: 达成}}
        - {{指标: 满意度, 实际完成值: 90%}}
"
    )
}

/// Checks one file in a temporary directory; returns (output score, execution score, total,
/// rate, diagnostic codes).
fn run(yaml: &str, templates: &Path) -> (Decimal, Decimal, Decimal, Decimal, Vec<&'static str>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), yaml).unwrap();
    with_checked(dir.path(), templates, |loaded, c| {
        assert!(loaded.diagnostics.is_empty());
        let p = &c.departments[0].projects[0];
        let e = eval(p);
        let codes = c.diagnostics.iter().map(|d| d.rule.code).collect();
        (
            score(p, "产出"),
            e.exec_score,
            e.total_score.expect("a total"),
            e.rate,
            codes,
        )
    })
}

fn templates() -> std::path::PathBuf {
    Path::new(ROOT).join("templates")
}

#[test]
fn proportional_score_is_rounded_once_at_the_end() {
    // ≥3次 → 2次: 50 × 2/3 = 33.333… → 33.33; execution 2/3 of 10 = 6.666… → 6.67.
    let (s, ex, total, rate, codes) = run(&anhui(("≥3次", "2次"), "3", "2"), &templates());
    assert_eq!(s, d("33.33"));
    assert_eq!(ex, d("6.67"));
    assert_eq!(fmt_percent(rate, 2), "66.67%");
    // 33.33 + 30 (达成 = full) + 10 (90 % of ≥90 %) + 6.67.
    assert_eq!(total, d("80.00"));
    assert!(codes.is_empty(), "{codes:?}");
}

#[test]
fn negative_direction_loses_in_proportion_to_the_overrun() {
    // ≤100万元 → 150万元: 50 × (1 − 50/100) = 25.
    let (s, _, _, _, _) = run(&anhui(("≤100万元", "150万元"), "10", "10"), &templates());
    assert_eq!(s, d("25"));
    // Twice the target or more scores 0.
    let (s, _, _, _, _) = run(&anhui(("<100万元", "200万元"), "10", "10"), &templates());
    assert_eq!(s, d("0"));
    // Under target: full marks.
    let (s, _, _, _, _) = run(&anhui(("≤100万元", "60万元"), "10", "10"), &templates());
    assert_eq!(s, d("50"));
}

#[test]
fn equality_targets() {
    // =0起 → 0起: full; → 1起: nothing.
    let (s, _, _, _, _) = run(&anhui(("=0起", "0起"), "10", "10"), &templates());
    assert_eq!(s, d("50"));
    let (s, _, _, _, _) = run(&anhui(("=0起", "1起"), "10", "10"), &templates());
    assert_eq!(s, d("0"));
    // =236人 → 230人: 50 × 230/236 = 48.728… → 48.73.
    let (s, _, _, _, _) = run(&anhui(("=236人", "230人"), "10", "10"), &templates());
    assert_eq!(s, d("48.73"));
}

#[test]
fn execution_over_100_percent_is_capped() {
    let (_, ex, total, rate, codes) = run(&anhui(("≥3次", "3次"), "10", "12"), &templates());
    assert_eq!(rate, d("1.2"));
    assert_eq!(ex, d("10"));
    assert_eq!(total, d("100"));
    assert_eq!(codes, ["JX416"]);
}

#[test]
fn execution_score_rounds_half_away_from_zero() {
    // 0.0125 / 1 = 1.25 % → 10 × 0.0125 = 0.125 → 0.13 (banker's rounding would give 0.12).
    let (_, ex, _, _, _) = run(&anhui(("≥3次", "3次"), "1", "0.0125"), &templates());
    assert_eq!(ex, d("0.13"));
    // 12.55 / 20 = 62.75 % → 6.275 → 6.28.
    let (_, ex, _, _, _) = run(&anhui(("≥3次", "3次"), "20", "12.55"), &templates());
    assert_eq!(ex, d("6.28"));
}

#[test]
fn grades_follow_the_total() {
    let grade = |yaml: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), yaml).unwrap();
        with_checked(dir.path(), &templates(), |_, c| {
            let e = eval(&c.departments[0].projects[0]);
            (e.total_score.expect("a total"), e.grade.expect("a grade"))
        })
    };
    // 50 + 30 + 10 + 10 = 100 → 优.
    assert_eq!(grade(&anhui(("≥3次", "3次"), "10", "10")), (d("100"), "优"));
    // 0 + 30 + 10 + 10 = 50 → 差.
    assert_eq!(grade(&anhui(("≥3次", "0次"), "10", "10")), (d("50"), "差"));
    // 50 × 1/3 = 16.67; + 50 = 66.67 → 中.
    assert_eq!(grade(&anhui(("≥3次", "1次"), "10", "10")).1, "中");
}

/// A regional style giving full execution marks from 60 % on: the setting lives in the style
/// file, and the check applies it.
#[test]
fn full_marks_from_is_read_from_the_style() {
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("templates");
    std::fs::create_dir_all(tpl.join("anhui")).unwrap();
    std::fs::copy(
        templates().join("taxonomies.yaml"),
        tpl.join("taxonomies.yaml"),
    )
    .unwrap();
    for page in ["self_eval.typ.j2", "list.typ.j2"] {
        std::fs::copy(
            templates().join("anhui").join(page),
            tpl.join("anhui").join(page),
        )
        .unwrap();
    }
    let style = std::fs::read_to_string(templates().join("anhui/style.yaml")).unwrap();
    let anchor = "execution:\n  points: 10\n  decimals: 2\n";
    assert_eq!(style.matches(anchor).count(), 1);
    let style = style.replacen(anchor, &format!("{anchor}  full_marks_from: 0.6\n"), 1);
    std::fs::write(tpl.join("anhui/style.yaml"), style).unwrap();

    let (_, ex, _, _, _) = run(&anhui(("≥3次", "3次"), "20", "12.55"), &tpl);
    assert_eq!(ex, d("10"));
    // Below 60 %: the proportional rule.
    let (_, ex, _, _, _) = run(&anhui(("≥3次", "3次"), "20", "11"), &tpl);
    assert_eq!(ex, d("5.5"));
}
