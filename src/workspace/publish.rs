//! `jixiao build --publish`: after a build without errors, the disclosure packages
//! (`out/公开/<年度>/`, see [`crate::write::layout`]) and the index of every year
//! (`out/index.html`).
//!
//! - Per department and year: one PDF holding all its documents in order, each laid out as
//!   its own file is, with bookmarks document → project, opening with the bookmarks shown
//!   ([`crate::render::pdf::package`]); and a zip of the department's PDF and xlsx files as
//!   the build wrote them.
//! - Per region and year (with `地区.yaml`): the same for the region's summaries followed by
//!   every department of the year.
//!
//! Everything is made from the checked sources (planned again here, not taken from the
//! build's records, so a build that took the no-op shortcut publishes too) and the files of
//! the build, with the documents' own dates: the same input gives the same bytes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Workspace, dates};
use crate::plan::Document;
use crate::write::{FsError, layout};

/// What `--publish` wrote.
#[derive(Debug, Default)]
pub struct Published {
    pub written: Vec<PathBuf>,
    /// Files already holding what they would be written with.
    pub unchanged: usize,
}

/// Why `--publish` wrote nothing more.
#[derive(Debug)]
pub enum PublishError {
    /// The build had errors: nothing is published from a corpus that fails.
    BuildFailed,
    /// The data read again for the packages has errors the build did not have: a file was
    /// changed after the build.
    ChangedSinceBuild,
    /// The output directory is another build's, or its lock cannot be taken.
    Locked(super::Fatal),
    /// A document could not be planned or laid out again.
    Document { name: String, reason: String },
    /// A file of the build could not be read, or a package not written.
    Fs(FsError),
    /// The zip could not be made.
    Zip(String),
    /// A package's files could not be replaced (together).
    Replace(crate::write::ReplaceError),
}

impl std::fmt::Display for PublishError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublishError::BuildFailed => {
                f.write_str("构建有错误，没有生成公开文件（先改正上面报告的错误）")
            }
            PublishError::ChangedSinceBuild => f.write_str(
                "数据文件在构建之后又被改动，且有错误，没有生成公开文件（改正后重新运行 jixiao build --publish）",
            ),
            PublishError::Locked(e) => e.fmt(f),
            PublishError::Document { name, reason } => {
                write!(f, "无法生成“{name}”的公开文件：{reason}")
            }
            PublishError::Fs(e) => write!(f, "无法生成公开文件：{e}"),
            PublishError::Zip(e) => write!(f, "无法生成公开文件的压缩包：{e}"),
            PublishError::Replace(e) => write!(f, "无法写入公开文件 {e}"),
        }
    }
}

impl std::error::Error for PublishError {}

impl From<FsError> for PublishError {
    fn from(e: FsError) -> Self {
        PublishError::Fs(e)
    }
}

/// One owner's package: its documents (with their styles' font chains), the files the build
/// wrote for them, and where they sit in the zip.
struct Package {
    /// The department's or the summaries' name: the package's file name and title.
    name: String,
    author: String,
    date: dates::Date,
    docs: Vec<(Document, BTreeMap<String, Vec<String>>)>,
    /// The build's output directory of the owner.
    dir: PathBuf,
}

impl Workspace {
    /// Writes the disclosure packages of the build whose outcome is `built` (see the module
    /// documentation). Nothing is written when the build had errors.
    pub fn publish(&mut self, built: &super::Outcome) -> Result<Published, PublishError> {
        if built.failed() {
            return Err(PublishError::BuildFailed);
        }
        let out = self.options.out.clone();
        // One writer at a time, as for a build (a file system that cannot lock: as a build,
        // which has said so).
        let _lock =
            super::session::lock_and_recover(&out, &super::quiet).map_err(PublishError::Locked)?;
        let mut loaded = crate::load::load_dir(&self.options.data);
        let (region, styles, region_styles) =
            super::prepare::load_layouts(&self.options.data, &self.templates_dir, &mut loaded);
        // Checked as the build checks (the summaries' directory reserved the same way): a file
        // changed since the build into one with errors publishes nothing.
        let summaries_dir = crate::region::reserved_dir(region.as_ref(), !region_styles.is_empty());
        let checked = crate::check::check_with(&loaded, &styles, summaries_dir.as_deref());
        if loaded
            .diagnostics
            .iter()
            .chain(&checked.diagnostics)
            .any(|d| d.is_error())
        {
            return Err(PublishError::ChangedSinceBuild);
        }
        let fixed = self.inputs(0).fixed_date();
        let files: Vec<PathBuf> = checked
            .departments
            .iter()
            .map(|d| loaded.sources.path(d.src.file).to_path_buf())
            .collect();
        let committed = match fixed {
            Some(_) => Default::default(),
            None => self.commit_dates.dates(&files),
        };
        // Each department's package, by year, in file order.
        let mut years: BTreeMap<u32, Vec<Package>> = BTreeMap::new();
        let mut figures: BTreeMap<u32, Vec<crate::region::figures::DeptFigures>> = BTreeMap::new();
        for dept in &checked.departments {
            let year = dept.src.year.value;
            let name = dept.src.name.value.trim().to_string();
            let file = loaded.sources.path(dept.src.file).to_path_buf();
            let docs = crate::plan::plan_department(dept).map_err(|e| PublishError::Document {
                name: name.clone(),
                reason: e.to_string(),
            })?;
            let warnings = loaded
                .diagnostics
                .iter()
                .chain(&checked.diagnostics)
                .filter(|d| {
                    !d.is_error() && d.pos.as_ref().is_some_and(|p| p.file == dept.src.file)
                })
                .count();
            if let Some(f) = crate::region::figures::of(dept, file.clone(), 0, warnings, false) {
                figures.entry(year).or_default().push(f);
            }
            let chains = dept.style.style.fonts.clone();
            years.entry(year).or_default().push(Package {
                author: name.clone(),
                dir: layout::department_dir(&out, year, &name),
                name,
                date: dates::department_date(fixed, &committed, &file, year),
                docs: docs.into_iter().map(|d| (d, chains.clone())).collect(),
            });
        }
        let mut published = Published::default();
        let mut index: Vec<(u32, Vec<String>)> = Vec::new();
        for (year, packages) in &years {
            let mut names = Vec::new();
            for p in packages {
                self.write_package(&out, *year, p, &[], &mut published)?;
                names.push(p.name.clone());
            }
            // The region's package: its summaries, then every department of the year.
            if let Some(r) = &region
                && !region_styles.is_empty()
            {
                let mut of_year = figures.remove(year).unwrap_or_default();
                of_year.sort_by(|a, b| a.file.cmp(&b.file));
                let refs: Vec<_> = of_year.iter().collect();
                let mut docs = Vec::new();
                for style in &region_styles {
                    let planned =
                        crate::region::plan::plan(r, style, *year, &refs).map_err(|e| {
                            PublishError::Document {
                                name: crate::region::summaries_dir_name(r),
                                reason: e.to_string(),
                            }
                        })?;
                    docs.extend(planned.into_iter().map(|d| (d, style.style.fonts.clone())));
                }
                let name = crate::region::summaries_dir_name(r);
                let summaries = Package {
                    dir: layout::summaries_dir(&out, *year, &name),
                    author: r.name().to_string(),
                    name: name.clone(),
                    date: dates::document_date(fixed, None, u16::try_from(*year).unwrap_or(0)),
                    docs,
                };
                self.write_package(&out, *year, &summaries, packages, &mut published)?;
                names.insert(0, name);
            }
            index.push((*year, names));
        }
        let page = years_index_page(&out, &index);
        write(
            &out,
            &layout::years_index(&out),
            page.as_bytes(),
            &mut published,
        )?;
        Ok(published)
    }

    /// Writes `package`'s PDF and zip; `then` are the packages whose documents and files
    /// follow its own (a region's departments).
    fn write_package(
        &mut self,
        out: &Path,
        year: u32,
        package: &Package,
        then: &[Package],
        published: &mut Published,
    ) -> Result<(), PublishError> {
        let all: Vec<&Package> = std::iter::once(package).chain(then).collect();
        let parts: Vec<(&Document, &BTreeMap<String, Vec<String>>)> = all
            .iter()
            .flat_map(|p| p.docs.iter().map(|(d, c)| (d, c)))
            .collect();
        let pdf = self
            .render_package(&parts, &package.name, &package.author, package.date)
            .map_err(|e| PublishError::Document {
                name: package.name.clone(),
                reason: e.to_string(),
            })?;
        // The zip: each owner's files as the build wrote them, under the owner's name.
        let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
        for p in &all {
            for (doc, _) in &p.docs {
                for ext in ["pdf", "xlsx"] {
                    let path = layout::document_file(&p.dir, &doc.file_stem, ext);
                    let rel = path.strip_prefix(out).unwrap_or(&path);
                    let bytes =
                        crate::write::read_below(out, rel, crate::write::OUTPUT_READ_LIMIT)?
                            .ok_or_else(|| PublishError::Document {
                                name: p.name.clone(),
                                reason: format!(
                                    "构建的文件 {} 不在了",
                                    crate::diag::display_path(&path)
                                ),
                            })?;
                    let inner = format!(
                        "{}/{}",
                        crate::write::safe_component(&p.name),
                        path.file_name().unwrap_or_default().to_string_lossy()
                    );
                    entries.push((inner, bytes));
                }
            }
        }
        let zip = zip_of(&entries, package.date).map_err(PublishError::Zip)?;
        // The PDF and the zip are replaced together or not at all, as a department's files.
        let files = [
            layout::package_file(out, year, &package.name, "pdf"),
            layout::package_file(out, year, &package.name, "zip"),
        ];
        let written = crate::write::replace_together(
            out,
            &layout::package_dir(out, year),
            &[(&files[0], &pdf), (&files[1], &zip)],
        )
        .map_err(PublishError::Replace)?;
        for (path, w) in files.into_iter().zip(written) {
            match w {
                crate::write::Written::Written => published.written.push(path),
                crate::write::Written::Unchanged => published.unchanged += 1,
            }
        }
        Ok(())
    }
}

/// Writes `bytes` at `path` below `out` through the path policy, unless the file already
/// holds them.
fn write(
    out: &Path,
    path: &Path,
    bytes: &[u8],
    published: &mut Published,
) -> Result<(), PublishError> {
    let rel = path.strip_prefix(out).unwrap_or(path);
    let name = rel.file_name().unwrap_or_default();
    let dir = crate::write::policy::Dir::root(out, true)?
        .open_dir(rel.parent().unwrap_or(Path::new("")), true)?;
    if dir.holds(name, bytes) {
        published.unchanged += 1;
        return Ok(());
    }
    dir.replace(name, bytes)?;
    published.written.push(path.to_path_buf());
    Ok(())
}

/// A zip of `entries` (name, bytes) in their order, deflated, every entry stamped `date`
/// (the same input gives the same bytes).
fn zip_of(entries: &[(String, Vec<u8>)], date: dates::Date) -> Result<Vec<u8>, String> {
    let (y, m, d) = date;
    let stamp = u16::try_from(y)
        .ok()
        .and_then(|y| zip::DateTime::from_date_and_time(y, m, d, 0, 0, 0).ok())
        .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), options)
            .map_err(|e| e.to_string())?;
        zip.write_all(bytes).map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}

/// `out/index.html`: each year (newest first) with its packages and, where the region has
/// one, its publication index.
fn years_index_page(out: &Path, years: &[(u32, Vec<String>)]) -> String {
    #[derive(serde::Serialize)]
    struct Year {
        year: u32,
        index: Option<String>,
        packages: Vec<Pkg>,
    }
    #[derive(serde::Serialize)]
    struct Pkg {
        name: String,
        pdf: String,
        zip: String,
    }
    let href = |path: &Path| {
        path.strip_prefix(out)
            .unwrap_or(path)
            .components()
            .map(|c| crate::html::url_segment(&c.as_os_str().to_string_lossy()))
            .collect::<Vec<_>>()
            .join("/")
    };
    let list: Vec<Year> = years
        .iter()
        .rev()
        .map(|(year, names)| Year {
            year: *year,
            index: Some(layout::index_page(out, *year))
                .filter(|p| p.is_file())
                .map(|p| href(&p)),
            packages: names
                .iter()
                .map(|n| Pkg {
                    name: n.clone(),
                    pdf: href(&layout::package_file(out, *year, n, "pdf")),
                    zip: href(&layout::package_file(out, *year, n, "zip")),
                })
                .collect(),
        })
        .collect();
    crate::html::render("years_index.html.j2", serde_json::json!({ "years": list }))
}
