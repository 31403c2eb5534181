//! `jixiao build [DIR] [--out DIR]`: check, then render every department's documents to PDF and
//! xlsx in parallel. A department with errors gets nothing written; the others build on.
//!
//! The build first locks `--out` (a second build into it is refused at once) and finishes or
//! cleans up what a killed build left there; each department's files are then staged and moved
//! in together, so a department is never left half old and half new (see [`crate::write`]).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use super::Format;
use crate::plan::Document;
use crate::render::pdf::engine::{self, Engine};
use crate::render::pdf::source::Templates;
use crate::render::xlsx::{self, XlsxFonts};
use crate::write::{self, Manifest, Written};

#[derive(clap::Args)]
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
}

/// One document to render: its plan, template and output paths.
struct Job {
    /// Index of the department, so its documents are written all or none.
    dept: usize,
    dept_name: String,
    doc: Document,
    template: String,
    fonts: BTreeMap<String, Vec<String>>,
    pdf: PathBuf,
    xlsx: Option<PathBuf>,
    hash: String,
}

enum JobResult {
    Rendered { pdf: Vec<u8>, xlsx: Option<Vec<u8>> },
    Fresh,
    Failed(String),
}

pub fn run(args: &Args) -> ExitCode {
    let started = Instant::now();
    // One build at a time into an output directory: the lock is held until the process ends.
    let lock = match write::lock_out(&args.out) {
        Ok(lock) => Some(lock),
        Err(write::LockError::Busy { pid }) => {
            let who = pid.map(|p| format!("（进程 {p}）")).unwrap_or_default();
            eprintln!(
                "错误：另一个 jixiao build 正在写入 {}{who}；本次构建未执行，请等它结束后再试",
                crate::diag::display_path(&args.out)
            );
            return ExitCode::FAILURE;
        }
        Err(write::LockError::Unsupported(e)) => {
            eprintln!(
                "警告：无法锁定输出目录 {}（{e}），不能防止两个构建同时写入；上次构建中断留下的文件本次不清理",
                crate::diag::display_path(&args.out)
            );
            None
        }
        Err(write::LockError::Io(e)) => {
            eprintln!(
                "错误：无法锁定输出目录 {}：{e}",
                crate::diag::display_path(&args.out)
            );
            return ExitCode::FAILURE;
        }
    };
    if lock.is_some() {
        recover(&args.out);
    }
    let templates_dir = super::templates_dir(&args.dir, args.templates.as_deref());
    let mut loaded = crate::load::load_dir(&args.dir);
    let styles = crate::style::Styles::load(&templates_dir, &mut loaded);
    let checked = crate::check::check(&loaded, &styles);
    let mut diags = loaded.diagnostics.clone();
    diags.extend(checked.diagnostics.iter().cloned());
    // The fonts: `fonts/` beside the data, --font-path, and of the system only the families the
    // styles' fallback chains name. Characters none of them can draw are check errors (JX120),
    // so such a department is refused before anything is laid out.
    let fonts = super::style_fonts(&args.dir, &args.font_paths, &checked);
    let glyph_diags = if fonts.has_cjk() {
        crate::glyphs::check(&loaded.sources, &checked, &fonts)
    } else {
        Vec::new()
    };
    let glyph_failed: std::collections::BTreeSet<crate::diag::FileId> = glyph_diags
        .iter()
        .filter_map(|d| d.pos.as_ref().map(|p| p.file))
        .collect();
    diags.extend(glyph_diags);
    // Errors in full, as `check` prints them; warnings only counted (see `jixiao check`).
    let outcome = super::check::report(
        &loaded.sources,
        &diags,
        checked.departments.len(),
        checked.departments.iter().map(|d| d.projects.len()).sum(),
        Format::Human,
        false,
        true,
    );
    let mut failed = outcome.summary.errors > 0;
    let refused = |d: &crate::check::Dept| d.errors > 0 || glyph_failed.contains(&d.src.file);
    for d in checked.departments.iter().filter(|d| refused(d)) {
        eprintln!("{}：有错误，本部门不生成任何文件", d.src.name.value.trim());
    }
    if !fonts.has_cjk() {
        let root = super::project_root(&args.dir);
        let families = super::style_families(&checked);
        eprintln!(
            "错误：样式字体链中的中文字体（{}）一个也没有安装，无法生成 PDF。\n处理：Debian/Ubuntu 上运行 apt-get install -y fonts-noto-cjk，或把 .ttf/.otf 字体文件放进 {}；jixiao fonts 可列出已安装的中文字体",
            families.join("、"),
            root.join("fonts").display()
        );
        return ExitCode::FAILURE;
    }
    let templates = match Templates::load(&templates_dir) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("错误：{e:#}");
            return ExitCode::FAILURE;
        }
    };
    let lib_files = match read_lib(&templates_dir) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("错误：{e}");
            return ExitCode::FAILURE;
        }
    };
    // What every document depends on: the program, the Typst library files and the font
    // files (by path, face, size and modification time), so a changed font re-renders.
    let lib_hash = {
        let mut h = blake3::Hasher::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        for (name, bytes) in &lib_files {
            h.update(name.as_bytes());
            h.update(bytes);
        }
        for f in fonts.cjk_families() {
            h.update(f.family.as_bytes());
            h.update(f.path.to_string_lossy().as_bytes());
            h.update(&f.index.to_le_bytes());
            if let Ok(meta) = std::fs::metadata(&f.path) {
                h.update(&meta.len().to_le_bytes());
                let mtime = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                h.update(&mtime.map_or(0, |d| d.as_nanos()).to_le_bytes());
            }
        }
        h.update(
            std::env::var("SOURCE_DATE_EPOCH")
                .unwrap_or_default()
                .as_bytes(),
        );
        h.finalize().to_hex().to_string()
    };
    let fixed = fixed_date();

    // Plan every document of every department without errors.
    let mut jobs = Vec::new();
    let mut dept_dirs = BTreeMap::new();
    for (dept_index, dept) in checked
        .departments
        .iter()
        .enumerate()
        .filter(|(_, d)| !refused(d))
    {
        let chains = crate::render::pdf::present_chains(&fonts, &dept.style.style.fonts);
        let dir = args
            .out
            .join(dept.src.year.value.to_string())
            .join(write::safe_component(&dept.src.name.value));
        dept_dirs.insert(dept_index, dir.clone());
        let docs = match crate::plan::plan_department(dept) {
            Ok(d) => d,
            Err(e) => {
                failed = true;
                eprintln!(
                    "错误：{}：{e}；本部门不生成任何文件",
                    dept.src.name.value.trim()
                );
                continue;
            }
        };
        for doc in docs {
            let template = doc.template.clone();
            let stem = write::safe_component(&doc.file_stem);
            if args.split && doc.sections.len() > 1 {
                for (i, sec) in doc.sections.iter().enumerate() {
                    let mut one = doc.clone();
                    one.sections = vec![sec.clone()];
                    one.title = format!("{} {}", doc.title, sec.name);
                    let name = format!("{:02}-{}", i + 1, write::safe_component(&sec.name));
                    let pdf = dir.join(&stem).join(format!("{name}.pdf"));
                    jobs.push(job(
                        dept_index, one, &template, &chains, pdf, None, &lib_hash, &templates,
                    ));
                }
            }
            let pdf = dir.join(format!("{stem}.pdf"));
            let xlsx = dir.join(format!("{stem}.xlsx"));
            jobs.push(job(
                dept_index,
                doc,
                &template,
                &chains,
                pdf,
                Some(xlsx),
                &lib_hash,
                &templates,
            ));
        }
    }

    let engine = Engine::new(fonts, lib_files, fixed.unwrap_or((2000, 1, 1)));
    let manifest = Mutex::new(Manifest::load(&args.out));
    let threads = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let progress = (std::io::stderr().is_terminal() && jobs.len() > 8).then(|| {
        let pb = indicatif::ProgressBar::new(jobs.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} 份文档 {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    // Plain worker threads pulling documents from a shared counter. Not a rayon pool: the PDF
    // writer uses rayon inside, and a rayon worker waiting on it would steal and start the
    // next document while holding the current one, so memory would grow with every document.
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<JobResult>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let r = run_job(job, &engine, &templates, &manifest, args.force, fixed);
                    engine::evict();
                    *slots[i].lock().expect("result slot") = Some(r);
                    if let Some(pb) = &progress {
                        pb.inc(1);
                    }
                }
            });
        }
    });
    let results: Vec<JobResult> = slots
        .into_iter()
        .map(|s| {
            s.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| JobResult::Failed("渲染线程意外中止".to_string()))
        })
        .collect();
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }

    // A department is written all or none: if any of its documents failed, none is written;
    // otherwise its files are staged and moved in together (`write::replace_together`).
    let mut by_dept: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, job) in jobs.iter().enumerate() {
        by_dept.entry(job.dept).or_default().push(i);
    }
    let (mut written, mut unchanged) = (0, 0);
    let mut manifest = manifest.into_inner().unwrap_or_default();
    for (dept, indices) in &by_dept {
        let dept_failed = indices
            .iter()
            .any(|&i| matches!(results[i], JobResult::Failed(_)));
        // (output, bytes, input hash) of every rendered file of the department.
        let mut files: Vec<(&Path, &[u8], &str)> = Vec::new();
        for &i in indices {
            let job = &jobs[i];
            let shown = crate::diag::display_path(&job.pdf);
            match &results[i] {
                JobResult::Rendered { .. } if dept_failed => {
                    eprintln!("未写入 {shown}（本部门有文档生成失败）");
                }
                JobResult::Rendered { pdf, xlsx } => {
                    files.push((&job.pdf, pdf, &job.hash));
                    if let (Some(path), Some(bytes)) = (&job.xlsx, xlsx) {
                        files.push((path, bytes, &job.hash));
                    }
                }
                JobResult::Fresh => {
                    unchanged += 1 + usize::from(job.xlsx.is_some());
                    eprintln!("未变 {shown}（数据、模板、字体均未改动）");
                }
                JobResult::Failed(msg) => {
                    failed = true;
                    eprintln!("错误：{}：{shown} 未生成：{msg}", job.dept_name);
                }
            }
        }
        if dept_failed || files.is_empty() {
            continue;
        }
        let dept_name = &jobs[indices[0]].dept_name;
        let pairs: Vec<(&Path, &[u8])> = files.iter().map(|&(p, b, _)| (p, b)).collect();
        match write::replace_together(&dept_dirs[dept], &pairs) {
            Ok(outcomes) => {
                for (&(path, bytes, hash), w) in files.iter().zip(outcomes) {
                    manifest.record(path, hash, bytes);
                    let shown = crate::diag::display_path(path);
                    if w == Written::Written {
                        written += 1;
                        eprintln!("写入 {shown}");
                    } else {
                        unchanged += 1;
                        eprintln!("未变 {shown}");
                    }
                }
            }
            Err(e) => {
                failed = true;
                let shown = crate::diag::display_path(&e.path);
                if e.partly {
                    eprintln!(
                        "错误：无法写入 {shown}：{}；{dept_name} 的文件可能新旧混杂，下次构建会完成或清理",
                        e.reason
                    );
                } else {
                    eprintln!(
                        "错误：无法写入 {shown}：{}；{dept_name} 的文件均未替换",
                        e.reason
                    );
                }
            }
        }
    }
    if let Err(e) = manifest.save() {
        eprintln!("警告：无法保存构建记录：{e}");
    }
    eprintln!(
        "共 {} 份文档：写入 {written} 个文件，{unchanged} 个未变；用时 {:.2} 秒",
        jobs.len(),
        started.elapsed().as_secs_f64()
    );
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[allow(clippy::too_many_arguments)]
fn job(
    dept: usize,
    doc: Document,
    template: &str,
    chains: &BTreeMap<String, Vec<String>>,
    pdf: PathBuf,
    xlsx: Option<PathBuf>,
    lib_hash: &str,
    templates: &Templates,
) -> Job {
    let mut h = blake3::Hasher::new();
    h.update(lib_hash.as_bytes());
    h.update(&serde_json::to_vec(&doc).unwrap_or_default());
    h.update(&serde_json::to_vec(chains).unwrap_or_default());
    h.update(template.as_bytes());
    h.update(templates.source(template).unwrap_or_default().as_bytes());
    Job {
        dept,
        dept_name: doc.department.clone(),
        doc,
        template: template.to_string(),
        fonts: chains.clone(),
        pdf,
        xlsx,
        hash: h.finalize().to_hex().to_string(),
    }
}

fn run_job(
    job: &Job,
    engine: &Engine,
    templates: &Templates,
    manifest: &Mutex<Manifest>,
    force: bool,
    fixed: Option<(i32, u8, u8)>,
) -> JobResult {
    if !force {
        let m = manifest.lock().expect("manifest lock");
        let xlsx_fresh = job.xlsx.as_ref().is_none_or(|x| m.is_fresh(x, &job.hash));
        if m.is_fresh(&job.pdf, &job.hash) && xlsx_fresh {
            return JobResult::Fresh;
        }
    }
    let timestamp = fixed.unwrap_or((i32::from(job.doc.year) + 1, 1, 1));
    let pdf = match crate::render::pdf::render(
        engine,
        templates,
        &job.template,
        &job.doc,
        &job.fonts,
        timestamp,
    ) {
        Ok(b) => b,
        Err(e) => return JobResult::Failed(e.to_string()),
    };
    let xlsx_bytes = match &job.xlsx {
        Some(_) => match xlsx::write_workbook_created(&job.doc, &XlsxFonts::default(), timestamp) {
            Ok(b) => Some(b),
            Err(e) => return JobResult::Failed(format!("xlsx：{e:#}")),
        },
        None => None,
    };
    JobResult::Rendered {
        pdf,
        xlsx: xlsx_bytes,
    }
}

/// Finishes or cleans up what a killed build left in `out` (journals of departments caught
/// while their files moved in, temporary files), and says what it did.
fn recover(out: &Path) {
    for r in write::recover(out) {
        match r {
            write::Recovery::Completed { dir, moved } => eprintln!(
                "完成上次中断的写入：{}（移入 {moved} 个暂存文件）",
                crate::diag::display_path(&dir)
            ),
            write::Recovery::Discarded { dir, partly: false } => eprintln!(
                "清理上次中断的写入：{} 的暂存文件不完整，已删除，原有文件保留",
                crate::diag::display_path(&dir)
            ),
            write::Recovery::Discarded { dir, partly: true } => eprintln!(
                "警告：{} 上次中断时已有部分文件被替换，其余暂存文件不完整，已删除；请用 --force 重新构建",
                crate::diag::display_path(&dir)
            ),
            write::Recovery::Unreadable { dir, reason } => eprintln!(
                "警告：{} 的中断写入记录无法使用（{reason}），已删除",
                crate::diag::display_path(&dir)
            ),
            write::Recovery::Failed { dir, reason } => eprintln!(
                "警告：无法完成 {} 上次中断的写入：{reason}；请用 --force 重新构建",
                crate::diag::display_path(&dir)
            ),
        }
    }
    let removed = write::remove_stale_temps(out);
    if !removed.is_empty() {
        eprintln!("删除上次构建中断留下的临时文件 {} 个", removed.len());
    }
}

/// `templates/lib/*` as virtual files `lib/<name>`: the only files Typst may read.
fn read_lib(templates_dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let lib = templates_dir.join("lib");
    let mut files = Vec::new();
    let entries =
        std::fs::read_dir(&lib).map_err(|e| format!("无法读取 {}：{e}", lib.display()))?;
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        if path.is_file() {
            if !crate::load::resolves_inside(&path, templates_dir) {
                return Err(format!("{} 指向样式目录以外，不读取", path.display()));
            }
            let bytes =
                std::fs::read(&path).map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
            files.push((format!("lib/{}", e.file_name().to_string_lossy()), bytes));
        }
    }
    files.sort();
    Ok(files)
}

/// `SOURCE_DATE_EPOCH` as a date, when set: every output is then stamped with it.
pub fn fixed_date() -> Option<(i32, u8, u8)> {
    let secs: i64 = std::env::var("SOURCE_DATE_EPOCH")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(civil_from_days(secs.div_euclid(86_400)))
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    ((if m <= 2 { y + 1 } else { y }) as i32, m as u8, d as u8)
}

#[cfg(test)]
mod tests {
    #[test]
    fn epoch_days_to_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(super::civil_from_days(11_016), (2000, 2, 29));
    }
}
