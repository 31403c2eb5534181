//! What a package installs beside the binary: shell completions (`jixiao completions bash`) and
//! the man pages (`jixiao manpages DIR`, used by `packaging/build.sh`), both made from the
//! localized command definition, so they never drift from `--help`.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// shell：bash、zsh、fish、elvish 或 powershell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args)]
pub struct ManpagesArgs {
    /// 写入的目录（jixiao.1，以及每个命令一页 jixiao-<命令>.1）
    pub dir: PathBuf,
}

pub fn completions(args: &CompletionsArgs) -> ExitCode {
    use std::io::Write as _;
    let mut cmd = super::zh::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "jixiao", &mut script);
    match std::io::stdout().write_all(&script) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("错误：无法输出：{}", crate::write::policy::os_error(&e));
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}

pub fn manpages(args: &ManpagesArgs) -> ExitCode {
    let cmd = super::zh::command();
    let mut pages = vec![("jixiao.1".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("jixiao-{}", sub.get_name());
        pages.push((format!("{name}.1"), sub.clone().name(name)));
    }
    for (file, page) in pages {
        let mut bytes = Vec::new();
        if let Err(e) = clap_mangen::Man::new(page).render(&mut bytes) {
            eprintln!("错误：无法生成手册页 {file}：{e}");
            return ExitCode::FAILURE;
        }
        // clap's fixed English words, as `--help` says them.
        let text = super::zh::translate(&String::from_utf8_lossy(&bytes));
        if let Err(e) = crate::write::policy::write_below(
            &args.dir,
            std::path::Path::new(&file),
            text.as_bytes(),
        ) {
            eprintln!("错误：无法写入：{e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
