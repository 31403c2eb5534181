//! `jixiao watch [DIR]`: build, then rebuild on every save of a data file, a template or a
//! font. Each rebuild checks everything again but renders and writes only the documents whose
//! inputs changed (the build record of `out/`), and prints the errors it finds. A layout
//! abandoned at its time limit (an endless template) ends it: see
//! [`crate::render::pdf::abandoned_stop`].

use std::process::ExitCode;

use crate::workspace::watch::Watch;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub build: super::build::Args,
}

pub fn run(args: &Args) -> ExitCode {
    let mut ws = args.build.workspace();
    let mut options = args.build.build_options();
    // Watching starts before the first build, so a save during it is not missed.
    let watch = match Watch::new(&ws) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("错误：{e}");
            return ExitCode::FAILURE;
        }
    };
    super::build::build_once(&mut ws, &options, false);
    if let Some(stop) = crate::render::pdf::abandoned_stop("watch") {
        eprintln!("错误：{stop}");
        return ExitCode::FAILURE;
    }
    options.force = false;
    eprintln!("正在监视数据、样式和字体的改动；按 Ctrl+C 退出");
    while let Some(changes) = watch.next() {
        let names: Vec<String> = changes
            .paths
            .iter()
            .map(|p| crate::diag::display_path(p))
            .collect();
        eprintln!("\n改动：{}", names.join("、"));
        if changes.fonts {
            ws.fonts_changed();
        }
        super::build::build_once(&mut ws, &options, false);
        if let Some(stop) = crate::render::pdf::abandoned_stop("watch") {
            eprintln!("错误：{stop}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
