//! `jixiao diff OLD [NEW]`: what changed between two versions of the data — two git revisions
//! (`HEAD~1`, `v2024-filed HEAD`), two directories, two files — or (`--years 2023 2024`) between
//! two years of the same department. Prints a report in Chinese (or JSON), and writes the
//! 绩效目标变动对照表 as PDF and xlsx for reviewers. The work is [`crate::diff`]'s.
//!
//! Exit status: 0 when compared; 1 with `--exit-code` when something changed (as `git diff
//! --exit-code`); 2 when it could not compare or write (a bad argument, a file that could not be
//! read, the table not written).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use super::Format;
use crate::diff::source::{self, Source};
use crate::diff::{Change, Kind, Pairing, Report, Side, Status, Strictness, table};
use crate::load::Loaded;
use crate::workspace::dates;

#[derive(clap::Args)]
#[group(id = "diff_args")]
pub struct Args {
    /// 变动前：git 版本（HEAD~1、标签、分支、提交号；“版本:路径”读该版本中的另一路径）、数据目录或数据文件
    pub old: Option<String>,
    /// 变动后：同上；省略时为当前的数据目录
    pub new: Option<String>,
    /// 比较同一部门的两个年度，如 --years 2023 2024；此时至多再给一个来源（目录、文件或版本），默认当前的数据目录
    #[arg(long, num_args = 2, value_names = ["上年", "本年"])]
    pub years: Option<Vec<u32>>,
    /// 数据目录：省略 NEW 时比较的对象；按版本读取时读它在仓库中的路径
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// 只比较名称中含有这段文字的部门
    #[arg(long)]
    pub department: Option<String>,
    /// 输出格式
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// 把绩效目标变动对照表写成 PDF
    #[arg(long)]
    pub pdf: Option<PathBuf>,
    /// 把绩效目标变动对照表写成 xlsx
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
    /// 样式目录（默认：数据目录旁的 templates/）
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// 额外的字体目录（可多次给出）；数据目录旁的 fonts/ 总会被搜索
    #[arg(long = "font-path")]
    pub font_paths: Vec<PathBuf>,
    /// 有变动时退出码为 1（同 git diff --exit-code）
    #[arg(long)]
    pub exit_code: bool,
    /// git 的外部比较程序协议（由 jixiao init 写入 .git/config）：路径 旧文件 旧哈希 旧权限 新文件
    /// 新哈希 新权限
    #[arg(long, hide = true, num_args = 7, allow_hyphen_values = true)]
    pub git_external: Option<Vec<String>>,
}

/// Could not compare or write.
const TROUBLE: u8 = 2;

pub fn run(args: &Args) -> ExitCode {
    if let Some(ext) = &args.git_external {
        return git_external(args, ext);
    }
    match compare(args) {
        Ok(outcome) => {
            if let Err(e) = print(&outcome.report, args.format) {
                eprintln!("错误：无法输出报告：{e}");
                return ExitCode::from(TROUBLE);
            }
            let mut trouble = !outcome.report.unread.is_empty();
            if args.pdf.is_some() || args.xlsx.is_some() {
                trouble |= !write_table(args, &outcome);
            }
            if trouble {
                ExitCode::from(TROUBLE)
            } else if args.exit_code && outcome.report.changes() > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(message) => {
            eprintln!("错误：{message}");
            ExitCode::from(TROUBLE)
        }
    }
}

/// `git diff` on a data file (the `jixiao` diff driver `init` configures): the report of
/// `jixiao diff OLD NEW` under the file's name. git calls it with the path, then the old and
/// the new file each with its hash and mode; a side that does not exist is `/dev/null`. It
/// always ends with 0, as git expects of a diff driver.
fn git_external(args: &Args, ext: &[String]) -> ExitCode {
    let (path, old, new) = (&ext[0], &ext[1], &ext[4]);
    println!("jixiao diff {path}");
    let gone = |f: &str| f == "/dev/null";
    if gone(old) || gone(new) {
        println!(
            "  {}",
            if gone(old) {
                "新增的数据文件"
            } else {
                "删除的数据文件"
            }
        );
        return ExitCode::SUCCESS;
    }
    let one = Args {
        old: Some(old.clone()),
        new: Some(new.clone()),
        git_external: None,
        pdf: None,
        xlsx: None,
        format: Format::Human,
        exit_code: false,
        years: None,
        department: None,
        data: args.data.clone(),
        templates: args.templates.clone(),
        font_paths: args.font_paths.clone(),
    };
    match compare(&one) {
        Ok(mut outcome) => {
            // git's temporary copies are named by what they are, not by their paths.
            let old_name = format!("{path}（提交中的版本）");
            let new_name = if Path::new(new).ends_with(path) {
                format!("{path}（现在的文件）")
            } else {
                format!("{path}（新版本）")
            };
            let report = &mut outcome.report;
            report.old = old_name.clone();
            report.new = new_name.clone();
            for d in &mut report.departments {
                if let Some(o) = &mut d.old {
                    o.file = old_name.clone();
                }
                if let Some(n) = &mut d.new {
                    n.file = new_name.clone();
                }
            }
            if let Err(e) = print(&outcome.report, Format::Human) {
                eprintln!("错误：无法输出报告：{e}");
            }
        }
        Err(message) => println!("  无法比较：{message}"),
    }
    ExitCode::SUCCESS
}

/// A comparison made.
pub struct Compared {
    pub report: Report,
    /// Where the new side came from (for the table's date).
    pub new: Source,
}

fn templates_dir(args: &Args) -> PathBuf {
    let t = crate::workspace::templates_dir(&args.data, args.templates.as_deref());
    super::note_templates(&t);
    t
}

/// Reads both sides and compares them; problems reading files are printed as they are found.
pub fn compare(args: &Args) -> Result<Compared, String> {
    let data = args.data.as_path();
    let (old, new, pairing) = match &args.years {
        Some(years) => {
            let [a, b] = years[..] else {
                return Err("--years 要写两个年度，如 --years 2023 2024".to_string());
            };
            if args.new.is_some() {
                return Err(
                    "用 --years 时至多给一个来源（数据目录、文件或版本），两个年度都从中读取"
                        .to_string(),
                );
            }
            let from = match &args.old {
                Some(arg) => source::resolve(arg, data)?,
                None => Source::Dir(data.to_path_buf()),
            };
            (from.clone(), from, Pairing::Years(a, b))
        }
        None => {
            let Some(old_arg) = &args.old else {
                return Err(
                    "请写出要比较的版本、目录或文件，如 jixiao diff HEAD~1，或用 --years 2023 2024 比较两个年度"
                        .to_string(),
                );
            };
            let old = source::resolve(old_arg, data)?;
            let new = match &args.new {
                Some(arg) => source::resolve(arg, data)?,
                None => Source::Dir(data.to_path_buf()),
            };
            let pairing = if old.is_file() && new.is_file() {
                Pairing::Files
            } else if old.is_file() != new.is_file() {
                return Err(format!(
                    "{} 与 {} 一个是文件、一个是目录，无法比较；请比较两个文件或两个目录",
                    old.label(),
                    new.label()
                ));
            } else {
                Pairing::NameAndYear
            };
            (old, new, pairing)
        }
    };
    let filter = |mut loaded: Loaded| {
        if let Some(part) = &args.department {
            loaded
                .departments
                .retain(|d| d.name.value.trim().contains(part.trim()));
        }
        loaded
    };
    let old_loaded = filter(source::open(&old, data));
    report_problems(&old_loaded);
    let same = old == new;
    let new_loaded = if same {
        None
    } else {
        let l = filter(source::open(&new, data));
        report_problems(&l);
        Some(l)
    };
    let mut scratch = Loaded::default();
    let styles = crate::style::Styles::load(&templates_dir(args), &mut scratch);
    // Two years of one source are named by their years.
    let (old_label, new_label) = match pairing {
        Pairing::Years(a, b) => (
            format!("{a} 年度（{}）", old.label()),
            format!("{b} 年度（{}）", new.label()),
        ),
        _ => (old.label(), new.label()),
    };
    let report = crate::diff::compare(
        &Side {
            label: old_label,
            loaded: &old_loaded,
        },
        &Side {
            label: new_label,
            loaded: new_loaded.as_ref().unwrap_or(&old_loaded),
        },
        &styles,
        pairing,
    );
    if let (Some(part), true) = (&args.department, report.departments.is_empty()) {
        return Err(format!("没有名称中含有“{part}”的部门"));
    }
    if let Pairing::Years(a, b) = pairing
        && report.departments.is_empty()
    {
        return Err(format!("{} 中没有 {a} 或 {b} 年度的部门", new.label()));
    }
    Ok(Compared { report, new })
}

/// Prints the errors met reading one side.
fn report_problems(loaded: &Loaded) {
    let errors: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if errors.is_empty() {
        return;
    }
    let color = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let mut err = StandardStream::stderr(color);
    crate::diag::emit_human(&mut err, &loaded.sources, &errors);
}

fn print(report: &Report, format: Format) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Human => out.write_all(human(report).as_bytes()),
        Format::Json => {
            let changed = report
                .departments
                .iter()
                .filter(|d| !d.changes.is_empty())
                .count();
            #[derive(serde::Serialize)]
            struct Summary {
                departments: usize,
                changed: usize,
                changes: usize,
            }
            #[derive(serde::Serialize)]
            struct Json<'r> {
                #[serde(flatten)]
                report: &'r Report,
                summary: Summary,
            }
            let v = Json {
                report,
                summary: Summary {
                    departments: compared(report),
                    changed,
                    changes: report.changes(),
                },
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)
        }
    }
}

/// A value as the report shows it.
fn shown(v: &Option<String>) -> &str {
    match v.as_deref() {
        None => "（无）",
        Some("") => "（空）",
        Some(s) => s,
    }
}

/// Where a change is: the new file's line, or the old one's for what was removed.
fn place(c: &Change) -> String {
    match (c.new_line, c.old_line) {
        (Some(l), _) => format!("  （第 {l} 行）"),
        (None, Some(l)) => format!("  （原第 {l} 行）"),
        _ => String::new(),
    }
}

/// One change, without its project, as lines indented by `indent`.
fn change_lines(c: &Change, indent: &str) -> String {
    let what: Vec<&str> = [&c.item, &c.field]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let what = what.join("/");
    let label = c.kind.label();
    let at = place(c);
    let weight = |w: &Option<String>| {
        w.as_deref()
            .map(|w| format!("（权重 {w}）"))
            .unwrap_or_default()
    };
    match c.kind {
        Kind::ProjectAdded | Kind::ProjectRemoved => {
            let total = c
                .total
                .as_deref()
                .map(|t| format!("资金合计 {t} 万元，"))
                .unwrap_or_default();
            format!(
                "{indent}{label}“{}”：{total}{} 条指标{at}\n",
                c.project.as_deref().unwrap_or(""),
                c.count.unwrap_or(0)
            )
        }
        Kind::DepartmentAdded | Kind::DepartmentRemoved => {
            let total = c
                .total
                .as_deref()
                .map(|t| format!("，资金合计 {t} 万元"))
                .unwrap_or_default();
            format!(
                "{indent}{label}：{} 个项目{total}{at}\n",
                c.count.unwrap_or(0)
            )
        }
        Kind::IndicatorAdded => format!(
            "{indent}{label}  {what}：{}{}{at}\n",
            shown(&c.after),
            weight(&c.weight)
        ),
        Kind::IndicatorRemoved => format!(
            "{indent}{label}  {what}：{}{}{at}\n",
            shown(&c.before),
            weight(&c.weight)
        ),
        Kind::EvalAdded | Kind::EvalRemoved => format!(
            "{indent}{label}：{} 条指标的完成情况{at}\n",
            c.count.unwrap_or(0)
        ),
        _ => {
            let mut note: Vec<String> = Vec::new();
            if let Some(d) = &c.delta {
                note.push(d.clone());
            }
            match c.direction {
                Some(Strictness::Stricter) => note.push("要求提高".to_string()),
                Some(Strictness::Looser) => note.push("要求放宽".to_string()),
                None => {}
            }
            let note = if note.is_empty() {
                String::new()
            } else {
                format!("（{}）", note.join("，"))
            };
            let (b, a) = (shown(&c.before), shown(&c.after));
            let head = if what.is_empty() {
                format!("{indent}{label}")
            } else {
                format!("{indent}{label}  {what}")
            };
            let long =
                b.contains('\n') || a.contains('\n') || b.chars().count() + a.chars().count() > 60;
            if long {
                let block = |s: &str| s.replace('\n', &format!("\n{indent}          "));
                format!(
                    "{head}{at}\n{indent}    变动前：{}\n{indent}    变动后：{}{note}\n",
                    block(b),
                    block(a)
                )
            } else {
                format!("{head}：{b} → {a}{note}{at}\n")
            }
        }
    }
}

/// The departments compared (not those unreadable on one side, or of one year only).
fn compared(report: &Report) -> usize {
    report
        .departments
        .iter()
        .filter(|d| !matches!(d.status, Status::Unreadable | Status::OneYear))
        .count()
}

/// The report for the terminal.
pub fn human(report: &Report) -> String {
    let mut s = format!("比较 {} → {}\n", report.old, report.new);
    let mut unchanged = Vec::new();
    let mut changed = 0;
    for d in &report.departments {
        let year = match (&d.old, &d.new) {
            (Some(o), Some(n)) if o.year != n.year => format!("{} → {} 年度", o.year, n.year),
            (_, Some(f)) | (Some(f), None) => format!("{} 年度", f.year),
            (None, None) => String::new(),
        };
        let files = match (&d.old, &d.new) {
            (Some(o), Some(n)) if o.file == n.file => o.file.clone(),
            (Some(o), Some(n)) => format!("{} → {}", o.file, n.file),
            (Some(f), None) | (None, Some(f)) => f.file.clone(),
            (None, None) => String::new(),
        };
        match d.status {
            Status::Unchanged => {
                unchanged.push(format!("{}（{year}）", d.department));
                continue;
            }
            Status::OneYear => {
                s.push_str(&format!(
                    "\n■ {}：只有 {year}的文件，未比较\n  {files}\n",
                    d.department
                ));
                continue;
            }
            Status::Unreadable => {
                s.push_str(&format!(
                    "\n■ {}（{year}）：另一方的文件无法读取，未比较（错误见上）\n  {files}\n",
                    d.department
                ));
                continue;
            }
            _ => {}
        }
        changed += 1;
        s.push_str(&format!(
            "\n■ {}（{year}）：{} 处变动\n  {files}\n",
            d.department,
            d.changes.len()
        ));
        let mut project: Option<&str> = None;
        for c in &d.changes {
            let whole_project = matches!(c.kind, Kind::ProjectAdded | Kind::ProjectRemoved);
            match (&c.project, whole_project) {
                (Some(p), false) => {
                    if project != Some(p.as_str()) {
                        s.push_str(&format!("  项目“{p}”\n"));
                        project = Some(p);
                    }
                    s.push_str(&change_lines(c, "    "));
                }
                _ => {
                    project = None;
                    s.push_str(&change_lines(c, "  "));
                }
            }
        }
    }
    if !unchanged.is_empty() {
        let list = if unchanged.len() <= 6 {
            unchanged.join("、")
        } else {
            format!("{} 等", unchanged[..6].join("、"))
        };
        let lead = if changed == 0 { "" } else { "另有 " };
        s.push_str(&format!(
            "\n{lead}{} 个部门没有变动：{list}\n",
            unchanged.len()
        ));
    }
    if report.departments.is_empty() {
        s.push_str("\n两边都没有可比较的部门\n");
    }
    for u in &report.unread {
        let side = if u.side == "old" {
            "变动前"
        } else {
            "变动后"
        };
        s.push_str(&format!(
            "\n{side}的 {} 无法读取，其中的部门未比较\n",
            u.file
        ));
    }
    s.push_str(&format!(
        "\n共比较 {} 个部门：{} 个有变动，共 {} 处变动\n",
        compared(report),
        changed,
        report.changes()
    ));
    s
}

/// The date of the table: `SOURCE_DATE_EPOCH`; else the date of the new side — its commit,
/// or the last commit of its files; else 1 January after the latest year compared.
fn table_date(compared: &Compared, data: &Path) -> dates::Date {
    if let Some(d) = dates::fixed_date() {
        return d;
    }
    let report = &compared.report;
    let committed = match &compared.new {
        Source::Revision { rev, .. } => crate::git::Repo::discover(data)
            .or_else(|| crate::git::Repo::discover(Path::new(".")))
            .and_then(|r| r.commit_time(rev))
            .map(dates::date_of),
        Source::Dir(_) | Source::File(_) => {
            let files: Vec<PathBuf> = report
                .departments
                .iter()
                .filter_map(|d| d.new.as_ref())
                .map(|f| PathBuf::from(&f.file))
                .collect();
            dates::CommitDates::default()
                .dates(&files)
                .into_values()
                .max()
        }
    };
    let year = report
        .departments
        .iter()
        .flat_map(|d| d.new.iter().chain(&d.old))
        .map(|f| f.year)
        .max()
        .unwrap_or(0);
    dates::document_date(None, committed, u16::try_from(year).unwrap_or(0))
}

/// Writes the table; says what it did; whether it succeeded.
fn write_table(args: &Args, compared: &Compared) -> bool {
    if !compared.report.unread.is_empty() {
        eprintln!("错误：有文件无法读取，对照表会缺少其中的部门，因此没有生成；请先改正上面的错误");
        return false;
    }
    let templates = templates_dir(args);
    let mut loaded = Loaded::default();
    let Some(table) = table::Table::load(&templates, &mut loaded) else {
        let mut err = StandardStream::stderr(ColorChoice::Never);
        crate::diag::emit_human(&mut err, &loaded.sources, &loaded.diagnostics);
        eprintln!("错误：变动对照表的版式有错误，没有生成对照表");
        return false;
    };
    let stem = args
        .pdf
        .as_ref()
        .or(args.xlsx.as_ref())
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let doc = match table.plan(&compared.report, &stem) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("错误：{e}");
            return false;
        }
    };
    // Where the table goes is settled before anything is rendered: never a link or special
    // file, never a data or template file read by this run, never the same file twice.
    let mut claims = crate::write::policy::Claims::default();
    claims.project_inputs(
        &args.data,
        &templates,
        &crate::workspace::font_dirs(&args.data, &args.font_paths),
    );
    for side in [&args.old, &args.new].into_iter().flatten() {
        let side = Path::new(side);
        if side.is_dir() {
            claims.inputs_below(side, 100_000);
        } else {
            claims.input(side);
        }
    }
    let mut targets = Vec::new();
    for path in [&args.pdf, &args.xlsx] {
        let Some(path) = path else {
            targets.push(None);
            continue;
        };
        let target = crate::write::Dir::of_named_file(path).and_then(|(dir, name)| {
            dir.check_target(name.as_ref())?;
            claims.output(&dir, &name)?;
            Ok((dir, name))
        });
        match target {
            Ok(t) => targets.push(Some((path, t))),
            Err(e) => {
                eprintln!("错误：无法写入：{e}；没有生成对照表");
                return false;
            }
        }
    }
    let mut ws = crate::workspace::Workspace::open(crate::workspace::Options {
        data: args.data.clone(),
        out: PathBuf::from("out"),
        templates: Some(templates),
        font_paths: args.font_paths.clone(),
    });
    let date = table_date(compared, &args.data);
    let files = match ws.render_document(&doc, table.fonts(), date) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("错误：对照表无法生成：{e}");
            return false;
        }
    };
    let mut ok = true;
    let file = |ext: &str| {
        let found = files.iter().find(|(e, _)| *e == ext);
        found.map(|(_, b)| b.clone()).unwrap_or_default()
    };
    for (target, bytes) in targets.into_iter().zip([file("pdf"), file("xlsx")]) {
        let Some((path, (dir, name))) = target else {
            continue;
        };
        match dir.replace(&name, &bytes) {
            Ok(_) => eprintln!("已写入 {}", crate::diag::display_path(path)),
            Err(e) => {
                eprintln!("错误：无法写入：{e}");
                ok = false;
            }
        }
    }
    ok
}
