//! `jixiao check [DIR]`: load and validate, print every problem, exit 1 on any error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use super::Format;
use crate::diag::{self, Severity, Summary};

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
    let mut loaded = crate::load::load_dir(&args.dir);
    let styles = crate::style::Styles::load(
        &super::templates_dir(&args.dir, args.templates.as_deref()),
        &mut loaded,
    );
    let checked = crate::check::check(&loaded, &styles);
    let mut diags = loaded.diagnostics.clone();
    diags.extend(checked.diagnostics.iter().cloned());
    // Characters no font of the styles' chains can draw. Without any Chinese font there is
    // nothing to check against; `build` then says how to install one.
    let fonts = super::style_fonts(&args.dir, &args.font_paths, &checked);
    if fonts.has_cjk() {
        diags.extend(crate::glyphs::check(&loaded.sources, &checked, &fonts));
    }
    let outcome = report(
        &loaded.sources,
        &diags,
        checked.departments.len(),
        checked.departments.iter().map(|d| d.projects.len()).sum(),
        args.format,
        args.deny_warnings,
        false,
    );
    if outcome.failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints diagnostics and the summary in the chosen format.
pub fn report(
    sources: &crate::diag::Sources,
    diags: &[crate::diag::Diagnostic],
    departments: usize,
    projects: usize,
    format: Format,
    deny_warnings: bool,
    errors_only: bool,
) -> Outcome {
    let mut summary = Summary {
        departments,
        projects,
        ..Summary::default()
    };
    summary.count(diags);
    let mut sorted: Vec<&crate::diag::Diagnostic> = diags.iter().collect();
    sorted.sort_by_key(|d| {
        (
            d.pos.as_ref().map(|p| (p.file, p.bytes.start)),
            d.severity == Severity::Warning,
        )
    });
    let sorted: Vec<crate::diag::Diagnostic> = sorted
        .into_iter()
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
