//! `jixiao check [DIR]`: load and validate, print every problem, exit 1 on any error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use super::Format;
use crate::diag::{self, Summary};

#[derive(clap::Args)]
pub struct Args {
    /// 数据目录（每个部门每个年度一个 .yaml 文件）
    #[arg(default_value = "data")]
    pub dir: PathBuf,
    /// 样式目录（默认：数据目录旁的 templates/）
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// 输出格式
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// 有警告也按失败处理（退出码 1）
    #[arg(long)]
    pub deny_warnings: bool,
    /// 额外的字体目录（可多次给出）；数据目录旁的 fonts/ 总会被搜索
    #[arg(long = "font-path")]
    pub font_paths: Vec<PathBuf>,
}

/// What a check run found, shared with `build`.
pub struct Outcome {
    pub summary: Summary,
    pub failed: bool,
}

pub fn run(args: &Args) -> ExitCode {
    let mut ws = crate::workspace::Workspace::open(crate::workspace::Options {
        data: args.dir.clone(),
        out: PathBuf::from("out"),
        templates: args.templates.clone(),
        font_paths: args.font_paths.clone(),
    });
    super::note_templates(ws.templates_dir());
    let outcome = ws.check();
    if report(&outcome, args.format, args.deny_warnings, false).failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints the diagnostics of a run and its summary in the chosen format.
pub fn report(
    run: &crate::workspace::Outcome,
    format: Format,
    deny_warnings: bool,
    errors_only: bool,
) -> Outcome {
    let (sources, diags) = (&run.sources, &run.diagnostics);
    let summary = run.summary;
    let sorted: Vec<crate::diag::Diagnostic> = diags
        .iter()
        .filter(|d| !errors_only || d.is_error())
        .cloned()
        .collect();
    match format {
        Format::Human => {
            let color = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            };
            let mut err = StandardStream::stderr(color);
            diag::emit_human(&mut err, sources, &sorted);
            let hidden = if errors_only && summary.warnings > 0 {
                "（警告未列出，运行 jixiao check 查看）"
            } else {
                ""
            };
            let _ = writeln!(
                err,
                "{} 个部门，{} 个项目：{} 个错误，{} 个警告{hidden}",
                summary.departments, summary.projects, summary.errors, summary.warnings
            );
        }
        Format::Json => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            for d in &sorted {
                let _ = writeln!(out, "{}", diag::to_json(sources, d));
            }
            let _ = writeln!(out, "{}", serde_json::json!({ "summary": summary }));
        }
    }
    let failed = summary.errors > 0 || (deny_warnings && summary.warnings > 0);
    Outcome { summary, failed }
}
