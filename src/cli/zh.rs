//! The command line in Chinese: help, usage and every parse error a clerk can meet are written
//! here rather than in clap's English ("error: unrecognized subcommand"), with
//! “是不是想输入 …？” where clap finds a near command, flag or value. The command definitions stay
//! in [`super::Cli`]; this module only localizes what clap prints.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};

use super::Cli;

/// Clap's command, localized.
pub fn command() -> Command {
    localize(Cli::command().disable_help_subcommand(true), "jixiao", true)
}

/// The Chinese name shown for an argument's value, by the argument's id.
fn value_name(id: &str) -> Option<&'static str> {
    Some(match id {
        "dir" | "data" => "数据目录",
        "out" => "输出位置",
        "templates" => "样式目录",
        "font_paths" => "字体目录",
        "jobs" => "线程数",
        "style" => "样式",
        "year" | "years" => "年度",
        "name" | "department" => "部门名称",
        "format" => "格式",
        "files" | "file" | "sources" | "source" => "文件",
        "host" | "allow_host" => "主机",
        "port" => "端口",
        "unit" => "单位",
        "old" => "旧版本",
        "new" => "新版本",
        "pdf" => "PDF 文件",
        "xlsx" => "xlsx 文件",
        "time_limit" => "秒数",
        "path" => "路径",
        _ => return None,
    })
}

fn localize(mut cmd: Command, full_name: &str, top: bool) -> Command {
    cmd = cmd.disable_help_flag(true).arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .action(ArgAction::Help)
            .help("显示这份说明"),
    );
    if top {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本号"),
        );
    }
    cmd = cmd
        .mut_args(|a| {
            let heading = if a.is_positional() {
                "参数"
            } else {
                "选项"
            };
            let zh = value_name(a.get_id().as_str());
            let a = a.help_heading(heading);
            match zh {
                Some(n) if a.get_action().takes_values() => a.value_name(n),
                _ => a,
            }
        })
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .help_template("{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}");
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for n in names {
        let full = format!("{full_name} {n}");
        cmd = cmd.mut_subcommand(&n, |s| localize(s, &full, false));
    }
    let usage = cmd.clone().bin_name(full_name).render_usage().to_string();
    let usage = usage.trim().strip_prefix("Usage:").unwrap_or(&usage).trim();
    cmd.override_usage(translate(usage))
}

/// Clap's fixed English phrases in a rendered help text, usage or man page, in Chinese.
pub(super) fn translate(text: &str) -> String {
    [
        ("[OPTIONS]", "[选项]"),
        ("<COMMAND>", "<命令>"),
        ("[possible values: ", "[可选："),
        ("Possible values:", "可选："),
        ("[default: ", "[默认："),
        ("[aliases: ", "[别名："),
        ("[env: ", "[环境变量："),
        ("命令:\n", "命令：\n"),
        ("选项:\n", "选项：\n"),
        ("参数:\n", "参数：\n"),
    ]
    .iter()
    .fold(text.to_string(), |t, (en, zh)| t.replace(en, zh))
}

/// What the user asks for on the command line (`args` without the program name), or the exit
/// code after help, the version or a message was printed.
pub fn parse(args: Vec<std::ffi::OsString>) -> Result<Cli, std::process::ExitCode> {
    // `jixiao help build` reads as `jixiao build --help`.
    let mut args = args;
    if args.first().is_some_and(|a| a == "help") {
        args.remove(0);
        args.push("--help".into());
    }
    let matches = command().try_get_matches_from(std::iter::once("jixiao".into()).chain(args));
    let err = match matches.and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(cli) => return Ok(cli),
        Err(e) => e,
    };
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            print!("{}", translate(&err.render().to_string()));
            Err(if err.kind() == ErrorKind::DisplayHelp {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::from(2)
            })
        }
        ErrorKind::DisplayVersion => {
            println!("jixiao {}", env!("CARGO_PKG_VERSION"));
            Err(std::process::ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("{}", message(&err));
            Err(std::process::ExitCode::from(2))
        }
    }
}

/// One context value as text.
fn value(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join("、")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join("、"),
        ),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// “（是不是想输入 `X`？）” from clap's suggestion of that kind.
fn suggestion(err: &clap::Error, kind: ContextKind) -> String {
    match err.get(kind) {
        Some(ContextValue::String(s)) => format!("（是不是想输入 `{s}`？）"),
        Some(ContextValue::Strings(v)) if !v.is_empty() => {
            format!("（是不是想输入 `{}`？）", v.join("` 或 `"))
        }
        _ => String::new(),
    }
}

/// The Chinese message of a parse error, with the usage of the command it concerns.
fn message(err: &clap::Error) -> String {
    let arg = value(err, ContextKind::InvalidArg).unwrap_or_default();
    let arg = translate(&arg);
    let bad = value(err, ContextKind::InvalidValue).unwrap_or_default();
    let what = match err.kind() {
        ErrorKind::InvalidSubcommand => format!(
            "没有“{}”这个命令{}",
            value(err, ContextKind::InvalidSubcommand).unwrap_or_default(),
            suggestion(err, ContextKind::SuggestedSubcommand)
        ),
        ErrorKind::UnknownArgument => format!(
            "不认识的选项或参数“{arg}”{}",
            suggestion(err, ContextKind::SuggestedArg)
        ),
        ErrorKind::InvalidValue => {
            let valid = value(err, ContextKind::ValidValue)
                .map(|v| format!("；可选：{v}"))
                .unwrap_or_default();
            if bad.is_empty() {
                format!("{arg} 后面缺少值{valid}")
            } else {
                format!(
                    "{arg} 的值“{bad}”无效{}{valid}",
                    suggestion(err, ContextKind::SuggestedValue)
                )
            }
        }
        ErrorKind::ValueValidation => format!("{arg} 的值“{bad}”无效"),
        ErrorKind::MissingRequiredArgument => format!(
            "缺少必需的参数：{}",
            translate(&value(err, ContextKind::InvalidArg).unwrap_or_default())
        ),
        ErrorKind::MissingSubcommand => "缺少命令".to_string(),
        ErrorKind::ArgumentConflict => format!(
            "{arg} 不能与 {} 同时使用",
            translate(&value(err, ContextKind::PriorArg).unwrap_or_default())
        ),
        ErrorKind::TooManyValues => format!("{arg} 给出的值太多：“{bad}”"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("{arg} 给出的值的个数不对")
        }
        ErrorKind::NoEquals => format!("{arg} 的值要用 = 连写"),
        _ => "命令行有误".to_string(),
    };
    let usage = value(err, ContextKind::Usage)
        .map(|u| {
            let u = u.trim();
            let u = u.strip_prefix("Usage:").unwrap_or(u).trim();
            format!("\n\n用法：{}", translate(u))
        })
        .unwrap_or_default();
    format!("错误：{what}{usage}\n\n运行 jixiao --help（或 jixiao <命令> --help）查看说明。")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_still_valid() {
        command().debug_assert();
    }
}
