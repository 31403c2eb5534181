//! `jixiao fonts`: the CJK fonts found, and which one serves each role of a style.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::render::pdf::fonts::{FontSet, NO_CJK_FONT_HELP};

#[derive(clap::Args)]
pub struct Args {
    /// 样式名（默认：全部样式）
    #[arg(long)]
    pub style: Option<String>,
    /// 样式目录（默认：./templates，没有时用内置的官方样式）
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// 额外的字体目录（可多次给出）；当前目录下的 fonts/ 总会被搜索
    #[arg(long = "font-path")]
    pub font_paths: Vec<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    let mut dirs = vec![PathBuf::from("fonts")];
    dirs.extend(args.font_paths.iter().cloned());
    let fonts = FontSet::discover(&dirs);
    let mut loaded = crate::load::Loaded::default();
    let templates =
        crate::workspace::templates_dir(std::path::Path::new("data"), args.templates.as_deref());
    super::note_templates(&templates);
    let styles = crate::style::Styles::load(&templates, &mut loaded);
    let names = match &args.style {
        Some(s) => vec![s.clone()],
        None => styles.available(),
    };
    let mut failed = !fonts.has_cjk();
    // The fonts found are the same for every style: listed once, then each style's roles.
    print!("{}", fonts.describe_found());
    for name in names {
        match styles.get(&name) {
            Ok(style) => {
                let roles: Vec<(String, Vec<String>)> = style
                    .style
                    .fonts
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                println!("\n== 样式 {name}（{}）", style.style.name);
                print!("{}", fonts.describe_roles(&roles));
            }
            Err(e) => {
                eprintln!("错误：{e}");
                failed = true;
            }
        }
    }
    if !fonts.has_cjk() {
        eprintln!("错误：{NO_CJK_FONT_HELP}");
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
