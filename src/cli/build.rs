//! `jixiao build [DIR] [--out DIR]`: check, then render every department's documents to PDF and
//! xlsx in parallel. A department with errors gets nothing written; the others build on.
//!
//! The build first locks `--out` (a second build into it is refused at once) and finishes or
//! cleans up what a killed build left there; each department's files are then staged and moved
//! in together, so a department is never left half old and half new (see [`crate::write`]).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use super::Format;
use crate::workspace::{BuildOptions, Event, Options, Workspace};

#[derive(clap::Args)]
#[group(id = "build_args")]
pub struct Args {
    /// 数据目录（每个部门每个年度一个 .yaml 文件）
    #[arg(default_value = "data")]
    pub dir: PathBuf,
    /// 输出目录
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// 样式目录（默认：数据目录旁的 templates/）
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// 额外的字体目录（可多次给出）；数据目录旁的 fonts/ 总会被搜索
    #[arg(long = "font-path")]
    pub font_paths: Vec<PathBuf>,
    /// 另外为每个项目单独输出一份 PDF
    #[arg(long)]
    pub split: bool,
    /// 并行渲染的线程数（默认：全部核心）
    #[arg(long)]
    pub jobs: Option<usize>,
    /// 忽略上次构建的记录，全部重新渲染
    #[arg(long)]
    pub force: bool,
    /// xlsx 不带隐藏的数据表“jixiao数据”（这样的 xlsx 不能再用 jixiao import 导回）
    #[arg(long)]
    pub no_data_sheet: bool,
}

/// `jixiao build`'s own arguments: those it shares with `watch` and `serve`, and `--publish`.
#[derive(clap::Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub build: Args,
    /// 构建没有错误时，另外生成公开文件：每个部门（及地区）每年一份带书签的合并 PDF 和一个
    /// 压缩包（out/公开/<年度>/），以及各年度的目录页 out/index.html
    #[arg(long)]
    pub publish: bool,
}

impl Args {
    pub fn workspace(&self) -> Workspace {
        let ws = Workspace::open(Options {
            data: self.dir.clone(),
            out: self.out.clone(),
            templates: self.templates.clone(),
            font_paths: self.font_paths.clone(),
        });
        super::note_templates(ws.templates_dir());
        ws
    }

    pub fn build_options(&self) -> BuildOptions {
        BuildOptions {
            force: self.force,
            split: self.split,
            no_data_sheet: self.no_data_sheet,
            jobs: self.jobs,
            ..BuildOptions::default()
        }
    }
}

pub fn run(command: &BuildArgs) -> ExitCode {
    let args = &command.build;
    let mut ws = args.workspace();
    // The only build of this workspace: it may stand on the last one when nothing has changed,
    // and keeps no plans for a next run.
    let options = BuildOptions {
        one_shot: true,
        ..args.build_options()
    };
    let outcome = build_once(&mut ws, &options, true);
    if outcome.failed() {
        if command.publish {
            eprintln!("{}", crate::workspace::PublishError::BuildFailed);
        }
        return ExitCode::FAILURE;
    }
    if command.publish {
        match ws.publish(&outcome) {
            Ok(p) => {
                for path in &p.written {
                    eprintln!("写入 {}", crate::diag::display_path(path));
                }
                eprintln!(
                    "公开文件：写入 {} 个，{} 个未变",
                    p.written.len(),
                    p.unchanged
                );
            }
            Err(e) => {
                eprintln!("错误：{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

/// One build, printed as `jixiao build` prints it: what it did as it goes, then the errors
/// in full (warnings counted; `jixiao check` lists them) and the summary. Shared with `watch`.
/// `show_unchanged`: also print a line for every file left as it was.
pub fn build_once(
    ws: &mut Workspace,
    options: &BuildOptions,
    show_unchanged: bool,
) -> crate::workspace::Outcome {
    let progress = std::io::stderr().is_terminal().then(|| {
        let pb = indicatif::ProgressBar::hidden();
        pb.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} 份文档 {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    let on = |e: &Event| match e {
        Event::Progress { done, total } => {
            if let Some(pb) = progress.as_ref().filter(|_| *total > 8) {
                if pb.is_hidden() {
                    pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
                pb.set_length(*total as u64);
                pb.set_position(*done as u64);
            }
        }
        Event::Fresh(_) | Event::Same(_) if !show_unchanged => {}
        other => match &progress {
            Some(pb) if !pb.is_hidden() => pb.suspend(|| eprintln!("{other}")),
            _ => eprintln!("{other}"),
        },
    };
    let outcome = ws.build(options, &on);
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    super::check::report(&outcome, Format::Human, false, true);
    if let Some(fatal) = &outcome.fatal {
        eprintln!("错误：{fatal}");
    }
    let removed = match outcome.removed {
        0 => String::new(),
        n => format!("，删除 {n} 个不再生成的旧文件"),
    };
    eprintln!(
        "共 {} 份文档：写入 {} 个文件，{} 个未变{removed}；用时 {:.2} 秒",
        outcome.documents,
        outcome.written,
        outcome.unchanged,
        outcome.elapsed.as_secs_f64()
    );
    outcome
}
