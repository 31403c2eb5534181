//! `jixiao import FILE.xlsx… [--style S] [--out data/]`: data files from spreadsheets, checked.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::import::{self, Imported};
use crate::write::policy::Claims;
use crate::write::{Dir, FsError};

#[derive(clap::Args)]
pub struct Args {
    /// 要导入的表格文件（.xlsx、.xls、.ods），可以多个
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// 样式名：导入预算系统导出的表时必填（jixiao 生成的表格自带样式）
    #[arg(long)]
    pub style: Option<String>,
    /// 写入的数据目录
    #[arg(long, default_value = "data")]
    pub out: PathBuf,
    /// 部门名称：表中没有“部门”列时使用
    #[arg(long)]
    pub department: Option<String>,
    /// 年度：表中没有“年度”列时使用
    #[arg(long)]
    pub year: Option<u32>,
    /// 样式目录（默认：数据目录旁的 templates/）
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// 数据文件已存在时替换它（原文件另存为 .yaml.bak）
    #[arg(long)]
    pub force: bool,
    /// 金额单位：表上没有写明（列名、上方的表头、“金额单位：…”一行都没有）或前后不一时用它；
    /// 只能是“元”或“万元”，元按精确的小数换算成万元
    #[arg(long, value_name = "元|万元", value_parser = ["元", "万元"])]
    pub unit: Option<String>,
    /// 导入一个表格最多用的秒数（默认 120）；超过时停止，不写入
    #[arg(long, value_name = "秒")]
    pub time_limit: Option<f64>,
}

/// `eprintln!` for lines that carry text from a workbook (names, cells, changes): characters
/// that could drive the terminal (escape sequences, bidirectional overrides) are shown as
/// visible stand-ins, as in diagnostics.
macro_rules! say {
    ($($t:tt)*) => {
        eprintln!("{}", crate::diag::printable(&format!($($t)*)))
    };
}

/// The comments at the top of an imported file.
fn comments(imp: &Imported, schema: &str) -> Vec<String> {
    let file = imp
        .source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sheets: Vec<String> = imp.sheets.iter().map(|s| format!("“{s}”")).collect();
    let mut out = vec![
        format!("yaml-language-server: $schema={schema}"),
        if imp.twin {
            format!(
                "由 jixiao import 从 jixiao 生成的表格 {file}（工作表{}）导入，含在表格中的改动。",
                sheets.join("、")
            )
        } else {
            format!(
                "由 jixiao import 从 {file} 的工作表{}导入。",
                sheets.join("、")
            )
        },
    ];
    if !imp.notes.is_empty() {
        out.push("导入时未能对应的内容（请核对原表，需要的话手工补上）：".into());
        for n in &imp.notes {
            let at = if n.at.is_empty() {
                String::new()
            } else {
                format!("{} ", n.at)
            };
            out.push(format!("  {at}{}", n.message));
        }
    }
    out
}

/// The schema path as seen from a data file in `out`.
fn schema_ref(out: &Path, style: &str) -> String {
    let root = crate::workspace::project_root(out);
    let out_abs = out.canonicalize().unwrap_or_else(|_| out.to_path_buf());
    if out_abs.parent() == Some(root.as_path()) {
        format!("../{}", crate::schema::schema_file(style))
    } else {
        root.join(crate::schema::schema_file(style))
            .display()
            .to_string()
    }
}

pub fn run(args: &Args) -> ExitCode {
    let templates = crate::workspace::templates_dir(&args.out, args.templates.as_deref());
    super::note_templates(&templates);
    let (styles, style_problems) = super::schema::load_styles(&templates);
    let synonyms = match import::flat::Synonyms::load(&templates) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("错误：{e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(y) = args.year
        && !(2000..=2100).contains(&y)
    {
        eprintln!("错误：年度 {y} 不在 2000–2100 之间");
        return ExitCode::FAILURE;
    }
    let time_limit = match args.time_limit {
        None => None,
        Some(s) => match std::time::Duration::try_from_secs_f64(s) {
            Ok(d) if s > 0.0 => Some(d),
            _ => {
                eprintln!("错误：--time-limit 要写一个大于 0 的秒数，如 --time-limit 300");
                return ExitCode::FAILURE;
            }
        },
    };
    let options = import::Options {
        style: args.style.clone(),
        department: args.department.clone(),
        year: args.year,
        time_limit,
        data_dir: Some(args.out.clone()),
        unit: args.unit.as_deref().and_then(import::flat::Unit::parse),
    };
    let data = match Dir::root(&args.out, true) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("错误：无法创建数据目录：{e}");
            return ExitCode::FAILURE;
        }
    };
    // The workbooks read are inputs of this run: nothing is written over one of them.
    let mut claims = Claims::default();
    // The data directory is where import writes (a data file is replaced with its backup):
    // the styles, templates and fonts are this run's inputs, and the workbooks.
    claims.inputs_below(&templates, 100_000);
    for f in crate::workspace::font_dirs(&args.out, &[]) {
        claims.inputs_below(&f, 100_000);
    }
    for file in &args.files {
        claims.input(file);
    }
    let mut written: Vec<PathBuf> = Vec::new();
    let mut failed = false;
    for file in &args.files {
        // A malformed workbook must not end the run with a panic from the reader.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            import::import_workbook(file, &options, &styles, &synonyms)
        }))
        .unwrap_or_else(|_| {
            Err(format!(
                "{} 无法读取（文件可能已损坏）；请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入",
                file.display()
            ))
        });
        let imported = match read {
            Ok(i) => i,
            Err(e) => {
                super::schema::print_problems(&style_problems);
                say!("错误：{e}");
                failed = true;
                continue;
            }
        };
        for imp in imported {
            match write_one(&imp, args, &styles, &data, &mut claims) {
                Ok(Wrote::Unchanged(path)) => {
                    for n in &imp.notes {
                        say!("注意：{n}");
                    }
                    say!(
                        "没有改动 {}：表格没有改动，数据文件保持原样",
                        crate::diag::display_path(&path)
                    );
                    written.push(path);
                }
                Ok(Wrote::Written(path)) => {
                    for c in &imp.changes {
                        say!("已导入：{c}");
                    }
                    for n in &imp.notes {
                        say!("注意：{n}");
                    }
                    say!(
                        "已写入 {}（{}，{} 年度，{} 个项目，{} 条指标）",
                        crate::diag::display_path(&path),
                        imp.department.name.value,
                        imp.department.year.value,
                        imp.department.projects.len(),
                        imp.department
                            .projects
                            .iter()
                            .map(|p| p.indicators.len())
                            .sum::<usize>()
                    );
                    written.push(path);
                }
                Err(e) => {
                    say!("错误：{e}");
                    failed = true;
                }
            }
        }
    }
    if written.is_empty() {
        return ExitCode::FAILURE;
    }
    // The result is checked like any data file.
    let mut loaded = crate::load::Loaded::default();
    for p in &written {
        crate::load::load_file(p, &mut loaded);
    }
    let styles = crate::style::Styles::load(&templates, &mut loaded);
    let mut diags = loaded.diagnostics.clone();
    diags.extend(crate::check::check(&loaded, &styles).diagnostics);
    let mut summary = crate::diag::Summary::default();
    summary.count(&diags);
    let color = codespan_reporting::term::termcolor::ColorChoice::Never;
    let mut err = codespan_reporting::term::termcolor::StandardStream::stderr(color);
    crate::diag::emit_human(&mut err, &loaded.sources, &diags);
    if summary.errors == 0 {
        eprintln!(
            "检查导入的文件：没有错误，{} 个警告。可以运行 jixiao build。",
            summary.warnings
        );
    } else {
        eprintln!(
            "检查导入的文件：{} 个错误，{} 个警告。请按上面的提示修改（文件:行:列），再运行 jixiao check。",
            summary.errors, summary.warnings
        );
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// What writing one imported department did.
enum Wrote {
    /// The data file was written (new, or replaced with a backup).
    Written(PathBuf),
    /// The data file already said this; it was left as it was.
    Unchanged(PathBuf),
}

/// The data file's name for an imported department: the one the twin sheet records (a name,
/// never a path, and a data file's name), or `<年度>-<部门>.yaml`.
fn data_file_name(imp: &Imported) -> Result<String, String> {
    let d = &imp.department;
    match &imp.file_name {
        Some(f) if imp.twin => {
            if crate::load::is_data_file_name_from_file(f) {
                Ok(f.clone())
            } else {
                Err(format!(
                    "{}：表格的数据工作表记录的数据文件名“{}”不是数据目录中的一个文件名（应是不含路径的 *.yaml），表格可能被改动过；没有写入任何文件。请用 jixiao build 重新生成表格后再修改、导入",
                    imp.source.display(),
                    f.escape_debug()
                ))
            }
        }
        _ => {
            let file = crate::scaffold::file_name(d.name.value.trim(), d.year.value);
            crate::write::policy::name_from_file(&file)
                .map(|_| file.clone())
                .map_err(|_| {
                    format!(
                        "{}：部门名称“{}”不能用作文件名（太长、是 Windows 保留的设备名，或含有控制字符），没有写入；请用 --department 写出部门全称",
                        imp.source.display(),
                        crate::diag::printable(d.name.value.trim())
                    )
                })
        }
    }
}

/// Writes one imported department into the data directory `data`, through the path policy:
/// never through a link, never over a workbook read or a file written by this run.
fn write_one(
    imp: &Imported,
    args: &Args,
    styles: &crate::style::Styles,
    data: &Dir,
    claims: &mut Claims,
) -> Result<Wrote, String> {
    let d = &imp.department;
    let name = d.name.value.trim();
    if name.is_empty() {
        return Err(format!(
            "{}：部门名称为空；请用 --department 指定",
            imp.source.display()
        ));
    }
    let file = data_file_name(imp)?;
    let path = data.join(&file);
    let refused = |e: FsError| format!("无法写入：{e}");
    data.check_target(file.as_ref()).map_err(refused)?;
    claims.output(data, &file).map_err(refused)?;
    let style = styles.get(d.style.value.trim())?;
    let text = crate::yaml_out::department(d, &comments(imp, &schema_ref(&args.out, &style.key)));
    // What is written must read back as what was imported.
    let back = crate::load::parse(&text).map_err(|e| match e {
        // The loader's limits are the data file's: what exceeds them could never be checked.
        crate::load::ParseError::Yaml(serde_saphyr::Error::Budget { .. }) => format!(
            "{}：导入的内容太多（{} 个项目、{} 条指标），超过一个数据文件能容纳的上限，没有写入 {}；请把表格按项目拆成几个文件分别导入",
            imp.source.display(),
            d.projects.len(),
            d.projects.iter().map(|p| p.indicators.len()).sum::<usize>(),
            crate::diag::display_path(&path)
        ),
        e => format!(
            "内部错误：导入结果无法读回（{e}），没有写入 {}",
            path.display()
        ),
    })?;
    if crate::yaml_out::department(&back, &[]) != crate::yaml_out::department(d, &[]) {
        return Err(format!(
            "内部错误：导入结果读回后与导入的内容不同，没有写入 {}",
            path.display()
        ));
    }
    let old = data
        .read_file(&file, crate::load::MAX_FILE_BYTES)
        .map_err(|e| format!("无法读取 {e}"))?;
    if let Some(old) = old {
        let old = String::from_utf8_lossy(&old);
        if old == text {
            return Ok(Wrote::Unchanged(path));
        }
        // Another department's file is never replaced by this one, not even with --force (a
        // workbook's data sheet could name any file of the directory).
        if let Ok(c) = crate::load::parse(&old)
            && (c.name.value.trim() != name || c.year.value != d.year.value)
        {
            return Err(format!(
                "{} 是另一个部门（{}，{} 年度）的数据文件，不能用“{}”（{} 年度）的导入内容替换，没有改动它；请用 jixiao build 重新生成表格，或用 --out 写到别的目录",
                crate::diag::display_path(&path),
                c.name.value.trim(),
                c.year.value,
                name,
                d.year.value
            ));
        }
        // A twin replaces the data file it was built from (its comments are kept in the
        // .bak); a data file changed since the build is not overwritten without --force.
        let current = crate::load::parse(&old)
            .ok()
            .map(|c| crate::yaml_out::department(&c, &[]));
        let same_source = imp.carried.is_some() && current == imp.carried;
        if same_source && imp.changes.is_empty() {
            return Ok(Wrote::Unchanged(path));
        }
        if imp.twin && !same_source && !args.force {
            return Err(format!(
                "{} 在生成 {} 之后改过了，用表格导入会丢掉那些改动，所以没有改动它。请先运行 jixiao build 生成新的表格，在新表格上修改后再导入；确认以表格为准时加 --force（原文件另存为 .yaml.bak）",
                crate::diag::display_path(&path),
                imp.source.display()
            ));
        }
        if !imp.twin && !args.force {
            return Err(format!(
                "{} 已存在，没有改动它。要用导入的内容替换，请加 --force（原文件会另存为 .yaml.bak）；或用 --out 写到别的目录后再比较",
                crate::diag::display_path(&path)
            ));
        }
        let backup = Path::new(&file)
            .with_extension("yaml.bak")
            .to_string_lossy()
            .into_owned();
        claims.output(data, &backup).map_err(refused)?;
        data.backup(&file, &backup, crate::load::MAX_FILE_BYTES)
            .map_err(|e| format!("无法备份 {}：{e}，没有改动它", path.display()))?;
        eprintln!(
            "原文件另存为 {}（其中的注释没有带到新文件里）",
            crate::diag::display_path(&data.join(&backup))
        );
    }
    data.replace(&file, text.as_bytes()).map_err(refused)?;
    // The editor's schema once the data file is written (a refused import writes nothing).
    crate::scaffold::write_schema(&crate::workspace::project_root(&args.out), style)?;
    Ok(Wrote::Written(path))
}
