//! The command line: one module per command.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

pub mod assets;
pub mod build;
pub mod check;
pub mod diff;
pub mod fonts;
pub mod import;
pub mod init;
pub mod new;
pub mod schema;
pub mod serve;
pub mod watch;
pub mod zh;

#[derive(Parser)]
#[command(
    name = "jixiao",
    version,
    about = "预算绩效表：校验 YAML 源数据，生成可打印的 PDF 与 xlsx"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// 校验数据：报告全部问题（file:line:col、规则代码、原文与处理办法）
    Check(check::Args),
    /// 校验后生成全部 PDF 与 xlsx（out/<年度>/<部门>/<表名>.pdf）
    Build(build::BuildArgs),
    /// 比较两个版本（git 版本、目录或文件）或同一部门的两个年度：列出项目、资金、目标、指标、权重的变动
    Diff(diff::Args),
    /// 构建后监视 data/、templates/、fonts/，每次保存后重新校验并只重建改动的部门
    Watch(watch::Args),
    /// 在本机浏览器中预览：逐页显示各部门的表格和问题，保存后自动刷新
    Serve(serve::Args),
    /// 列出找到的中文字体，以及各样式的宋体、仿宋、黑体、楷体由哪个字体担任
    Fonts(fonts::Args),
    /// 列出全部校验规则及其代码
    Rules,
    /// 新建项目目录：data/、templates/（官方样式）、schemas/、README.md
    Init(init::Args),
    /// 新建一个部门的数据文件：样式需要的每一项，带中文说明和待填的占位
    New(new::Args),
    /// 从 Excel 表格导入：预算系统导出的表，或在 Excel/WPS 中改过的 jixiao 表格
    Import(import::Args),
    /// 写出数据格式的 JSON Schema（供 VS Code 等编辑器补全和提示）
    Schema(schema::Args),
    /// 输出命令补全脚本，如 jixiao completions bash > ~/.local/share/bash-completion/completions/jixiao
    Completions(assets::CompletionsArgs),
    /// 把手册页（man）写进一个目录（打包用）
    #[command(hide = true)]
    Manpages(assets::ManpagesArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// 供人阅读，带源码行
    Human,
    /// 每条问题一行 JSON，最后一行为汇总
    Json,
}

/// Says once per run that the styles embedded in the binary are used: all of them (no
/// `templates/` here), or those a partial `templates/` lacks, when it lacks the shared files
/// too (a project's `templates/` holding only the styles it changed; an older full copy that
/// merely lacks a newer style is not worth a line on every run).
pub fn note_templates(templates: &Path) {
    static SAID: std::sync::Once = std::sync::Once::new();
    if crate::style::embedded::is_embedded(templates) {
        SAID.call_once(|| {
            eprintln!(
                "提示：这里没有 templates/ 目录，使用 jixiao 内置的官方样式；要改样式，先运行 jixiao init 复制一份到本目录"
            )
        });
        return;
    }
    let borrowed = crate::style::dirs::borrowed(templates);
    if borrowed
        .iter()
        .any(|n| n == "taxonomies.yaml" || n == "lib")
    {
        SAID.call_once(|| {
            eprintln!(
                "提示：{} 中没有的样式与文件（{}）使用 jixiao 内置的版本",
                crate::diag::display_path(templates),
                borrowed.join("、")
            )
        });
    }
}

pub fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = match zh::parse(std::env::args_os().skip(1).collect()) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Build(args) => build::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Watch(args) => watch::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Fonts(args) => fonts::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Import(args) => import::run(&args),
        Command::New(args) => new::run(&args),
        Command::Completions(args) => assets::completions(&args),
        Command::Manpages(args) => assets::manpages(&args),
        Command::Rules => {
            for r in crate::rules::ALL {
                let sev = match r.severity {
                    crate::diag::Severity::Error => "error",
                    crate::diag::Severity::Warning => "warning",
                };
                println!("{}  {:<7}  {}", r.code, sev, r.title);
            }
            ExitCode::SUCCESS
        }
    }
}

pub use crate::workspace::{project_root, style_families, templates_dir};

/// The fonts a build of `checked` would use: `fonts/` beside the data directory, the extra
/// directories, and of the system fonts only the families the styles' chains name.
pub fn style_fonts(
    data: &Path,
    extra: &[PathBuf],
    checked: &crate::check::Checked,
) -> crate::render::pdf::fonts::FontSet {
    let dirs = crate::workspace::font_dirs(data, extra);
    crate::render::pdf::fonts::FontSet::discover_families(&dirs, &style_families(checked))
}

/// Output piped into a program that stops reading (`jixiao rules | head`) ends the command
/// quietly, as for any command-line tool, instead of a panic about a broken pipe.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.starts_with("failed printing to std") && text.contains("os error 32") {
            std::process::exit(0);
        }
        default(info);
    }));
}

#[cfg(test)]
mod tests {
    /// clap's own consistency checks (unique names and groups across flattened arguments),
    /// which it otherwise makes only in debug builds, at the first parse.
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
