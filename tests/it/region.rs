//! A region's view: with `地区.yaml` in the data directory, `build` writes each year's two
//! summaries (PDF + xlsx, chart included) and `out/<年>/index.html`. The summary's figures are
//! checked against sums made here from the data files, the grades against RULES.md, the chart
//! against the table, a department with errors is listed as such, and every link of the index
//! resolves in a real headless Chromium.

use crate::common::browser;

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use jixiao::workspace::{BuildOptions, DeptStatus, Options, Outcome, Workspace, quiet};
use rust_decimal::Decimal;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const REGION: &str = "地区: 样例市\n编制单位: 样例市财政局\n";

/// The sample data with a region file (and `edit` applied), built into `out/`.
fn build(edit: impl Fn(&Path)) -> (tempfile::TempDir, Outcome) {
    build_from(&repo().join("data"), edit)
}

/// The data files of `from` with a region file (and `edit` applied), built into `out/`.
fn build_from(from: &Path, edit: impl Fn(&Path)) -> (tempfile::TempDir, Outcome) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), data.join(e.file_name())).unwrap();
    }
    std::fs::write(data.join("地区.yaml"), REGION).unwrap();
    edit(&data);
    let mut ws = Workspace::open(Options {
        data,
        out: dir.path().join("out"),
        templates: Some(repo().join("templates")),
        font_paths: Vec::new(),
    });
    let outcome = ws.build(&BuildOptions::default(), &quiet);
    (dir, outcome)
}

fn sheet(path: &Path) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = calamine::open_workbook(path).expect("open the summary xlsx");
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn num(d: &Data) -> Option<Decimal> {
    match d {
        Data::Float(f) => Some(Decimal::try_from(*f).unwrap().round_dp(6)),
        Data::Int(i) => Some(Decimal::from(*i)),
        _ => None,
    }
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The money of a department file, summed here from its YAML: every project's `资金.合计`,
/// or the sum of its sources when it states none.
fn money_of(file: &Path) -> (usize, Decimal) {
    let loaded = jixiao::load::load_dir(file.parent().unwrap());
    let dept = loaded
        .departments
        .iter()
        .find(|d| loaded.sources.path(d.file) == file)
        .expect("the department loads");
    let mut total = Decimal::ZERO;
    for p in &dept.projects {
        let funds = &p.funds.value;
        total += match funds.total() {
            Some(t) => t.value.0,
            None => funds.filled().iter().map(|(_, v)| v.value.0).sum(),
        };
    }
    (dept.projects.len(), total)
}

/// The last row of the summary sheet with a cell `name` (the 合计 row comes after the heading's
/// 合计).
fn row_of<'a>(rows: &'a [Vec<Data>], name: &str) -> &'a [Data] {
    rows.iter()
        .rev()
        .find(|r| r.iter().any(|c| text(c) == name))
        .unwrap_or_else(|| panic!("{name} is listed"))
}

#[test]
fn the_target_summary_adds_up_the_departments() {
    let (dir, outcome) = build(|_| {});
    assert!(!outcome.failed(), "{:?}", outcome.fatal);
    let summary = outcome
        .departments
        .iter()
        .find(|d| d.is_summary() && d.year == 2023)
        .expect("a 2023 summary");
    assert_eq!(summary.status, DeptStatus::Built);
    let xlsx = summary
        .documents
        .iter()
        .find(|d| d.title.contains("绩效目标汇总表"))
        .and_then(|d| d.file("xlsx").map(Path::to_path_buf))
        .unwrap();
    let rows = sheet(&xlsx);
    let header = rows
        .iter()
        .find(|r| r.iter().any(|c| text(c) == "项目数"))
        .unwrap();
    let col = |label: &str| header.iter().position(|c| text(c) == label).unwrap();
    let (projects_col, indicators_col) = (col("项目数"), col("指标数"));
    // 合计 is the last column of the 项目资金 group, on the next heading line.
    let money_col = rows
        .iter()
        .skip_while(|r| !std::ptr::eq(*r, header))
        .nth(1)
        .and_then(|r| r.iter().position(|c| text(c) == "合计"))
        .unwrap();
    let mut sum_projects = Decimal::ZERO;
    let mut sum_money = Decimal::ZERO;
    let mut sum_indicators = Decimal::ZERO;
    for d in outcome
        .departments
        .iter()
        .filter(|d| !d.is_summary() && d.year == 2023)
    {
        let row = row_of(&rows, &d.name);
        let (projects, money) = money_of(&d.file);
        assert_eq!(
            num(&row[projects_col]),
            Some(Decimal::from(projects)),
            "{}",
            d.name
        );
        assert_eq!(num(&row[money_col]), Some(money.normalize()), "{}", d.name);
        sum_projects += Decimal::from(projects);
        sum_money += money;
        sum_indicators += num(&row[indicators_col]).unwrap();
    }
    let total = row_of(&rows, "合计");
    assert_eq!(num(&total[projects_col]), Some(sum_projects));
    assert_eq!(num(&total[money_col]), Some(sum_money.normalize()));
    assert_eq!(num(&total[indicators_col]), Some(sum_indicators));
    // The PDF prints the same total.
    let pdf = xlsx.with_extension("pdf");
    let printed = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let printed = String::from_utf8_lossy(&printed.stdout);
    // Money printed with the style's two decimals; the xlsx keeps the exact sum.
    assert!(
        printed.contains(&format!("{:.2}", sum_money.round_dp(2))),
        "{printed}"
    );
    assert!(
        printed.contains("编制单位（盖章）"),
        "the signature block is printed"
    );
    drop(dir);
}

/// The numbers of `text` with more than `most` decimals (`56.00000`).
fn longer_decimals(text: &str, most: usize) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit() {
                i += 1;
                let frac = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                if i - frac > most {
                    out.push(chars[start..i].iter().collect());
                }
            }
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn summaries_print_money_with_the_styles_two_decimals() {
    // A department whose money has five decimals: the summaries printed every amount of its
    // column with five ("56.00000").
    let (dir, outcome) = build(|data| {
        let file = data.join("2023-kuerle-xinfangju.yaml");
        let text = std::fs::read_to_string(&file).unwrap();
        let edited = text
            .replacen("      财政拨款: 15\n", "      财政拨款: 1.23456\n", 1)
            .replacen("      合计: 15\n", "      合计: 1.23456\n", 1);
        assert_ne!(edited, text, "the sample has the money to edit");
        std::fs::write(&file, edited).unwrap();
    });
    assert!(!outcome.failed(), "{:?}", outcome.fatal);
    let summaries: Vec<&Path> = outcome
        .departments
        .iter()
        .filter(|d| d.is_summary())
        .flat_map(|d| d.documents.iter().filter_map(|doc| doc.file("pdf")))
        .collect();
    assert!(!summaries.is_empty(), "the summaries are built");
    for pdf in summaries {
        let printed = std::process::Command::new("pdftotext")
            .arg(pdf)
            .arg("-")
            .output()
            .expect("pdftotext");
        let printed = String::from_utf8_lossy(&printed.stdout);
        assert_eq!(
            longer_decimals(&printed, 2),
            Vec::<String>::new(),
            "{}: money with more than 2 decimals:\n{printed}",
            pdf.display()
        );
        // The xlsx's money cells carry the matching number format.
        let xlsx = pdf.with_extension("xlsx");
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
        let mut styles = String::new();
        zip.by_name("xl/styles.xml")
            .unwrap()
            .read_to_string(&mut styles)
            .unwrap();
        assert!(
            !styles.contains("formatCode=\"0.000"),
            "{}: a number format with more than 2 decimals:\n{styles}",
            xlsx.display()
        );
    }
    drop(dir);
}

#[test]
fn the_self_evaluation_summary_grades_and_charts_the_scores() {
    let (_dir, outcome) = build(|_| {});
    let summary = outcome
        .departments
        .iter()
        .find(|d| d.is_summary() && d.year == 2023)
        .unwrap();
    let doc = summary
        .documents
        .iter()
        .find(|d| d.title.contains("自评结果汇总表"))
        .expect("2023 has self-evaluations, so its self-evaluation summary is built");
    assert!(
        !outcome
            .departments
            .iter()
            .filter(|d| d.is_summary() && d.year == 2020)
            .any(|d| d.documents.iter().any(|x| x.title.contains("自评"))),
        "no self-evaluation summary for a year without self-evaluations"
    );
    // Every project's total score, as its own table prints it, graded by RULES.md.
    let evaluated = outcome
        .departments
        .iter()
        .find(|d| d.year == 2023 && d.figures.as_ref().is_some_and(|f| f.eval.is_some()))
        .unwrap();
    let figures = evaluated.figures.as_ref().unwrap().eval.as_ref().unwrap();
    let grade = |s: Decimal| match s {
        s if s >= Decimal::from(90) => 0,
        s if s >= Decimal::from(80) => 1,
        s if s >= Decimal::from(60) => 2,
        _ => 3,
    };
    let mut loaded = jixiao::load::load_dir(evaluated.file.parent().unwrap());
    let styles = jixiao::style::Styles::load(&repo().join("templates"), &mut loaded);
    let checked = jixiao::check::check(&loaded, &styles);
    let dept = checked
        .departments
        .iter()
        .find(|d| loaded.sources.path(d.src.file) == evaluated.file)
        .unwrap();
    let mut grades = [0usize; 4];
    let mut scores = Vec::new();
    for p in &dept.projects {
        if let Some(score) = p.eval.as_ref().and_then(|e| e.total_score) {
            grades[grade(score)] += 1;
            scores.push(score);
        }
    }
    assert_eq!(figures.grades, grades);
    let rows = sheet(doc.file("xlsx").unwrap());
    let row = row_of(&rows, &evaluated.name);
    let header = rows
        .iter()
        .find(|r| r.iter().any(|c| text(c) == "优"))
        .unwrap();
    let at = |label: &str| header.iter().position(|c| text(c) == label).unwrap();
    for (i, g) in ["优", "良", "中", "差"].iter().enumerate() {
        assert_eq!(num(&row[at(g)]), Some(Decimal::from(grades[i])), "{g}");
    }
    let average = scores.iter().sum::<Decimal>() / Decimal::from(scores.len());
    let label_row = rows
        .iter()
        .find(|r| r.iter().any(|c| text(c) == "平均分（简单平均）"))
        .unwrap();
    let avg_col = label_row
        .iter()
        .position(|c| text(c) == "平均分（简单平均）")
        .unwrap();
    assert_eq!(num(&row[avg_col]), Some(average.round_dp(2)));

    // The chart: a native Excel chart over that very column, and in the PDF the same figure.
    let mut zip = zip::ZipArchive::new(Cursor::new(
        std::fs::read(doc.file("xlsx").unwrap()).unwrap(),
    ))
    .unwrap();
    let mut chart = String::new();
    zip.by_name("xl/charts/chart1.xml")
        .expect("the workbook has a chart")
        .read_to_string(&mut chart)
        .unwrap();
    let column = (b'A' + avg_col as u8) as char;
    assert!(
        chart.contains(&format!("${column}$")),
        "the chart's values are column {column} of the table:\n{chart}"
    );
    let printed = std::process::Command::new("pdftotext")
        .arg(doc.primary())
        .arg("-")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&printed.stdout);
    let shown = format!("{:.2}", average.round_dp(2));
    assert!(
        printed.matches(&shown).count() >= 2,
        "the table and the chart both print {shown}:\n{printed}"
    );
    assert!(printed.contains("各部门自评平均分"), "the chart is drawn");
    // In the tagged PDF the chart is a Figure whose alternative text gives its title and every
    // department's value (issue 24, item 4): a screen reader need not read lines.
    let alt = figure_alt(&std::fs::read(doc.primary()).unwrap()).expect("the chart has /Alt");
    assert!(alt.starts_with("各部门自评平均分"), "{alt}");
    assert!(
        alt.contains(&format!("{} {shown}", evaluated.name)),
        "{alt}"
    );
}

/// The `/Alt` text of the PDF's (first) Figure structure element, decoded from its UTF-16
/// hex string.
fn figure_alt(pdf: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(pdf);
    let at = text.find("/S/Figure")?;
    let rest = &text[at..];
    let hex = rest[rest.find("/Alt<")? + 5..].split('>').next()?;
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect::<Option<_>>()?;
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
        .skip(1)
        .collect();
    String::from_utf16(&units).ok()
}

/// The region summary shows each department's 部门整体 self-evaluation: its money, execution,
/// 总分 and 等级 as the department's own 自评表 computes them; a department without one is
/// blank and says so; the 合计 row sums the money and averages the scores; the document is
/// built only for a year where some 部门整体 has a self-evaluation.
#[test]
fn the_region_summary_shows_department_wide_scores() {
    let (_dir, outcome) = build_from(&repo().join("examples/national/data"), |_| {});
    assert!(!outcome.failed(), "{:?}", outcome.fatal);
    let summary = outcome
        .departments
        .iter()
        .find(|d| d.is_summary() && d.year == 2024)
        .expect("a 2024 summary");
    assert_eq!(summary.status, DeptStatus::Built);
    let doc = summary
        .documents
        .iter()
        .find(|d| d.title.contains("部门整体支出绩效自评结果汇总表"))
        .expect("a department's 部门整体 has a self-evaluation, so the summary is built");
    let rows = sheet(doc.file("xlsx").unwrap());
    let heading = rows
        .iter()
        .find(|r| r.iter().any(|c| text(c) == "总分"))
        .unwrap();
    let at = |label: &str| heading.iter().position(|c| text(c) == label).unwrap();
    let money_col = rows
        .iter()
        .find(|r| r.iter().any(|c| text(c) == "资金合计"))
        .and_then(|r| r.iter().position(|c| text(c) == "资金合计"))
        .unwrap();

    // The department's own figures, as the check computes them for its 自评表.
    let file = repo().join("examples/national/data/2024-示例中心.yaml");
    let mut loaded = jixiao::load::load_dir(file.parent().unwrap());
    let styles = jixiao::style::Styles::load(&repo().join("templates"), &mut loaded);
    let checked = jixiao::check::check(&loaded, &styles);
    let dept = checked
        .departments
        .iter()
        .find(|d| loaded.sources.path(d.src.file) == file)
        .unwrap();
    let wide = dept.wide.as_ref().expect("the sample has 部门整体");
    let eval = wide.eval.as_ref().expect("and its self-evaluation");
    let score = eval.total_score.expect("scored");
    let name = dept.src.name.value.trim();
    let row = row_of(&rows, name);
    assert_eq!(num(&row[at("总分")]), Some(score.round_dp(2)));
    assert_eq!(text(&row[at("等级")]), eval.grade.unwrap());
    assert_eq!(
        num(&row[at("全年预算数")]),
        Some(eval.total.budget.normalize())
    );
    assert_eq!(
        num(&row[at("全年执行数")]),
        Some(eval.total.executed.normalize())
    );
    assert_eq!(num(&row[money_col]), Some(wide.funds.total.normalize()));

    // The other sample department has no 部门整体: blank, and said.
    let other = checked
        .departments
        .iter()
        .find(|d| d.wide.is_none())
        .expect("a department without 部门整体");
    let row = row_of(&rows, other.src.name.value.trim());
    assert_eq!(num(&row[at("总分")]), None);
    assert!(row.iter().any(|c| text(c) == "未填部门整体自评"), "{row:?}");

    // 合计: the money summed, the score the average of the one scored department.
    let total = row_of(&rows, "合计");
    assert_eq!(num(&total[money_col]), Some(wide.funds.total.normalize()));
    assert_eq!(num(&total[at("总分")]), Some(score.round_dp(2)));

    // The projects' sample data has no 部门整体: no such summary there.
    let (_dir, outcome) = build(|_| {});
    assert!(
        !outcome
            .departments
            .iter()
            .filter(|d| d.is_summary())
            .any(|d| d.documents.iter().any(|x| x.title.contains("部门整体"))),
        "no department-wide summary where no department has a 部门整体 self-evaluation"
    );
}

#[test]
fn a_department_with_errors_is_listed_not_left_out() {
    let (_dir, outcome) = build(|data| {
        let f = data.join("2023-kuerle-xinfangju.yaml");
        let t = std::fs::read_to_string(&f).unwrap();
        std::fs::write(&f, t.replacen("      合计: 1\n", "      合计: 7\n", 1)).unwrap();
    });
    let broken = outcome
        .departments
        .iter()
        .find(|d| d.file.ends_with("2023-kuerle-xinfangju.yaml"))
        .unwrap();
    assert_eq!(broken.status, DeptStatus::Refused);
    let summary = outcome
        .departments
        .iter()
        .find(|d| d.is_summary() && d.year == 2023)
        .unwrap();
    assert_eq!(
        summary.status,
        DeptStatus::Built,
        "the summary is still built"
    );
    let xlsx = summary.documents[0].file("xlsx").unwrap();
    let rows = sheet(xlsx);
    let row = row_of(&rows, &broken.name);
    let texts: Vec<String> = row.iter().map(text).collect();
    assert!(
        texts.iter().any(|t| t.contains("数据有错误")),
        "marked as having errors: {texts:?}"
    );
    let header = rows
        .iter()
        .find(|r| r.iter().any(|c| text(c) == "错误"))
        .unwrap();
    let errors = header.iter().position(|c| text(c) == "错误").unwrap();
    assert!(num(&row[errors]).unwrap() > Decimal::ZERO);
}

/// A department named `<地区>汇总` would write into the directory of the region's summaries:
/// it is refused with JX111 at its name, and the summaries are built and stay whole.
#[test]
fn a_department_named_like_the_summaries_directory_is_refused() {
    let (dir, outcome) = build(|data| {
        let f = data.join("2023-kuerle-xinfangju.yaml");
        let t = std::fs::read_to_string(&f).unwrap();
        let first = t
            .lines()
            .find(|l| l.starts_with("部门:"))
            .unwrap()
            .to_string();
        std::fs::write(&f, t.replacen(&first, "部门: 样例市汇总", 1)).unwrap();
    });
    let clash: Vec<_> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.rule.code == "JX111")
        .collect();
    assert_eq!(clash.len(), 1, "{:?}", outcome.diagnostics);
    let pos = clash[0].pos.as_ref().expect("at the department's name");
    assert!(
        outcome
            .sources
            .path(pos.file)
            .ends_with("2023-kuerle-xinfangju.yaml")
    );
    assert_eq!(
        pos.line,
        1 + std::fs::read_to_string(repo().join("data/2023-kuerle-xinfangju.yaml"))
            .unwrap()
            .lines()
            .position(|l| l.starts_with("部门:"))
            .unwrap()
    );
    assert!(outcome.failed());
    let refused = outcome
        .departments
        .iter()
        .find(|d| !d.is_summary() && d.name == "样例市汇总")
        .unwrap();
    assert_eq!(refused.status, DeptStatus::Refused);
    let summary = outcome
        .departments
        .iter()
        .find(|d| d.is_summary() && d.year == 2023)
        .unwrap();
    assert_eq!(summary.status, DeptStatus::Built);
    assert_eq!(
        summary.out_dir, refused.out_dir,
        "the directory the two would share"
    );
    // Only the summaries' files are in it.
    let mut names: Vec<String> = std::fs::read_dir(&summary.out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = summary
        .documents
        .iter()
        .flat_map(|d| d.files.iter().map(|(_, p)| p))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    drop(dir);
}

#[test]
fn every_link_of_the_publication_index_resolves() {
    let (dir, outcome) = build(|_| {});
    assert!(!outcome.failed());
    let index = dir.path().join("out/2023/index.html");
    assert!(index.is_file());
    let b = browser::Browser::start().unwrap();
    b.navigate(&format!("file://{}", index.display())).unwrap();
    b.wait_for_text("汇总表", std::time::Duration::from_secs(10))
        .unwrap();
    let hrefs = b
        .execute("return [...document.querySelectorAll('a')].map(a => decodeURIComponent(a.href))")
        .unwrap();
    let hrefs: Vec<String> = hrefs
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    // Both summaries and every document of the three 2023 departments, PDF and xlsx.
    let documents: usize = outcome
        .departments
        .iter()
        .filter(|d| d.year == 2023)
        .map(|d| d.documents.len())
        .sum();
    assert_eq!(hrefs.len(), 2 * documents, "{hrefs:?}");
    for h in &hrefs {
        let path = h.strip_prefix("file://").expect("a file link");
        assert!(Path::new(path).is_file(), "{h} resolves");
    }
    let text = b.text().unwrap();
    assert!(text.contains("库尔勒市信访局"), "{text}");
}

#[test]
fn a_broken_region_file_is_reported_at_its_line() {
    let (_dir, outcome) = build(|data| {
        std::fs::write(
            data.join("地区.yaml"),
            "地区: 样例市\n汇总: [没有这个样式]\n",
        )
        .unwrap();
    });
    let d = outcome
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "JX702")
        .expect("JX702");
    assert_eq!(d.pos.as_ref().unwrap().line, 2);
    let (_dir, outcome) = build(|data| {
        std::fs::write(
            data.join("地区.yaml"),
            "地区: 样例市\n编制单位: 财政局\n颜色: 红\n",
        )
        .unwrap();
    });
    let d = outcome
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "JX701")
        .expect("JX701");
    assert_eq!(d.pos.as_ref().unwrap().line, 3);
}

/// Twelve departments generated from one sample file: each renamed, its amounts changed by a
/// fixed pseudo-random sequence. The summary's rows and 合计 equal the sums made here.
#[test]
fn a_generated_region_of_twelve_departments_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let sample = std::fs::read_to_string(repo().join("data/2023-kuerle-xinfangju.yaml")).unwrap();
    let mut seed: u64 = 20240601;
    let mut expected = Vec::new();
    for k in 1..=12 {
        let name = format!("样例县第{k}局");
        let mut text = sample.replace("部门: 库尔勒市信访局", &format!("部门: {name}"));
        let mut total = Decimal::ZERO;
        // Every project's 财政拨款 and 合计 (其他资金 stays 0), in order.
        let mut out = String::new();
        let mut pending: Option<Decimal> = None;
        for line in text.lines() {
            if line.trim_start().starts_with("财政拨款:") {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let amount = Decimal::new((seed % 100_000) as i64 + 1, 3);
                pending = Some(amount);
                total += amount;
                out.push_str(&format!("      财政拨款: {amount}\n"));
            } else if line.trim_start().starts_with("合计:") && pending.is_some() {
                out.push_str(&format!("      合计: {}\n", pending.take().unwrap()));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        text = out;
        std::fs::write(data.join(format!("2023-{k:02}.yaml")), text).unwrap();
        expected.push((name, total));
    }
    std::fs::write(data.join("地区.yaml"), REGION).unwrap();
    let mut ws = Workspace::open(Options {
        data,
        out: dir.path().join("out"),
        templates: Some(repo().join("templates")),
        font_paths: Vec::new(),
    });
    let outcome = ws.build(&BuildOptions::default(), &quiet);
    assert_eq!(
        outcome.summary.errors,
        0,
        "{:?}",
        outcome.diagnostics.first().map(|d| &d.message)
    );
    let summary = outcome.departments.iter().find(|d| d.is_summary()).unwrap();
    let rows = sheet(summary.documents[0].file("xlsx").unwrap());
    let money_col = rows
        .iter()
        .find(|r| r.iter().any(|c| text(c) == "其他资金"))
        .and_then(|r| r.iter().rposition(|c| text(c) == "合计"))
        .unwrap();
    let mut sum = Decimal::ZERO;
    for (name, total) in &expected {
        assert_eq!(
            num(&row_of(&rows, name)[money_col]),
            Some(total.normalize()),
            "{name}"
        );
        sum += total;
    }
    assert_eq!(
        num(&row_of(&rows, "合计")[money_col]),
        Some(sum.normalize())
    );
    let pdf = std::process::Command::new("pdftotext")
        .arg(summary.documents[0].primary())
        .arg("-")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&pdf.stdout);
    assert!(printed.contains("样例县第12局"), "all twelve are printed");
}

/// The sample data with the region file `region`, checked only.
fn check_region(region: &str) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::copy(
        repo().join("data/2023-kuerle-xinfangju.yaml"),
        data.join("2023-kuerle-xinfangju.yaml"),
    )
    .unwrap();
    std::fs::write(data.join("地区.yaml"), region).unwrap();
    let mut ws = Workspace::open(Options {
        data,
        out: dir.path().join("out"),
        templates: Some(repo().join("templates")),
        font_paths: Vec::new(),
    });
    ws.check()
}

/// The JX701 findings of `outcome`, as (line, message).
fn jx701(outcome: &Outcome) -> Vec<(usize, String)> {
    outcome
        .diagnostics
        .iter()
        .filter(|d| d.rule.code == "JX701")
        .map(|d| (d.pos.as_ref().map_or(0, |p| p.line), d.message.clone()))
        .collect()
}

/// What the build of the summaries would refuse, the check refuses first, at its line: 20,000
/// signature lines (the xlsx cell that holds them exceeds Excel's 32,767 characters), 40 long
/// ones that together exceed it, and a region name too long for the summaries' directory.
#[test]
fn region_limits_the_build_would_hit_are_checked() {
    let mut many = String::from("地区: 样例市\n签字:\n");
    for i in 0..20_000 {
        many.push_str(&format!("  - {{标签: \"签字人{i}：\", 内容: 张三}}\n"));
    }
    let found = jx701(&check_region(&many));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 3 + 50, "at the 51st line: {found:?}");
    assert!(
        found[0].1.contains("20000") && found[0].1.contains("50"),
        "{found:?}"
    );

    let mut long = String::from("地区: 样例市\n签字:\n");
    for i in 0..40 {
        long.push_str(&format!(
            "  - {{标签: \"签字人{i}：\", 内容: {}}}\n",
            "张".repeat(900)
        ));
    }
    let found = jx701(&check_region(&long));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 3, "{found:?}");
    assert!(found[0].1.contains("32767"), "{found:?}");

    let found = jx701(&check_region(&format!("地区: {}\n", "长".repeat(100))));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 1, "{found:?}");
    assert!(found[0].1.contains("字节"), "{found:?}");

    // The usual file and a few long-ish lines stay silent.
    let mut fine = String::from("地区: 样例市\n签字:\n");
    for i in 0..50 {
        fine.push_str(&format!(
            "  - {{标签: \"签字人{i}：\", 内容: {}}}\n",
            "张".repeat(500)
        ));
    }
    assert_eq!(jx701(&check_region(&fine)), vec![]);
    assert_eq!(jx701(&check_region(REGION)), vec![]);
}
