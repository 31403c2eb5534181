//! `jixiao init [DIR]`: a new project directory.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// 新项目目录（默认：当前目录）
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// 不建立 git 仓库（默认建立，带提交前校验和数据变动报告）
    #[arg(long)]
    pub no_git: bool,
}

pub fn run(args: &Args) -> ExitCode {
    match crate::scaffold::init(&args.dir) {
        Ok(done) => {
            let shown = crate::diag::display_path(&args.dir);
            eprintln!(
                "已在 {shown} 建好项目：data/（数据）、templates/（{} 个官方样式文件）、schemas/（编辑器补全用）、README.md",
                crate::style::embedded::TEMPLATES.len()
            );
            if !done.kept.is_empty() {
                eprintln!("以下文件已存在，保持原样：");
                for p in &done.kept {
                    eprintln!("  {}", crate::diag::display_path(p));
                }
            }
            if !args.no_git {
                match crate::scaffold::init_git(&args.dir) {
                    Ok(crate::scaffold::GitSetup::Made) => eprintln!(
                        "已建立 git 仓库：每次提交前自动校验暂存的数据；git diff 用 jixiao diff 报告数据文件的变动"
                    ),
                    Ok(crate::scaffold::GitSetup::Inside(top)) => eprintln!(
                        "项目在已有的 git 仓库 {} 中，没有改动它的设置",
                        crate::diag::display_path(&top)
                    ),
                    Err(e) => eprintln!("提示：{e}（项目本身已建好）"),
                }
            }
            eprintln!("下一步：在这个目录中运行 jixiao new 部门全称 --style xinjiang --year 2025");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("错误：{e}");
            ExitCode::FAILURE
        }
    }
}
