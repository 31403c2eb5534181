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
    eprintln!(
        "[{}] 正在监视数据、样式和字体的改动；按 Ctrl+C 退出",
        clock()
    );
    while let Some(changes) = watch.next() {
        let names: Vec<String> = changes
            .paths
            .iter()
            .map(|p| crate::diag::display_path(p))
            .collect();
        eprintln!("\n[{}] 改动：{}", clock(), names.join("、"));
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

/// The local time of day, `14:03:22`, for watch's lines.
pub fn clock() -> String {
    let (h, m, s) = local_time();
    format!("{h:02}:{m:02}:{s:02}")
}

#[cfg(unix)]
fn local_time() -> (i64, i64, i64) {
    // SAFETY: `time` and `localtime_r` only write into the values passed; jixiao never changes
    // the time zone environment while running.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return utc_time();
        }
        (tm.tm_hour.into(), tm.tm_min.into(), tm.tm_sec.into())
    }
}

#[cfg(not(unix))]
fn local_time() -> (i64, i64, i64) {
    utc_time()
}

/// The time of day in UTC, when the local time zone is unknown.
fn utc_time() -> (i64, i64, i64) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let day = secs.rem_euclid(86_400);
    (day / 3600, day % 3600 / 60, day % 60)
}
