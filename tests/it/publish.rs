//! `jixiao build --publish` (issue 24, item 3): per department and year one PDF of all its
//! documents with bookmarks document → project, opening with the bookmarks shown, and a zip of
//! its files; per region and year the same for the summaries and every department; an index of
//! every year; the same bytes from the same input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common;

/// The sample data with a region file, built with `--publish` into `<dir>/out`.
fn published(dir: &Path) -> Output {
    let data = dir.join("data");
    if !data.exists() {
        common::copy_dir(&common::repo().join("data"), &data);
        std::fs::write(
            data.join("地区.yaml"),
            "地区: 样例市\n编制单位: 样例市财政局\n",
        )
        .unwrap();
    }
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["build", "data", "--out", "out", "--publish", "--templates"])
        .arg(common::repo().join("templates"))
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn pages(pdf: &Path) -> usize {
    let o = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.to_lowercase().contains("xref"),
        "{}: {err}",
        pdf.display()
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{}: no page count", pdf.display()))
}

/// Every outline item of a PDF as Typst writes it: (title, the parent's title if an item).
fn outline(pdf: &Path) -> Vec<(String, Option<String>)> {
    let bytes = std::fs::read(pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let mut objects: BTreeMap<u32, String> = BTreeMap::new();
    for part in text.split("endobj") {
        let Some(at) = part.find(" 0 obj") else {
            continue;
        };
        let head = &part[..at];
        let number = head
            .rsplit(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok());
        if let Some(n) = number {
            objects.insert(n, part[at..].to_string());
        }
    }
    let title = |o: &str| -> Option<String> {
        let hex = o[o.find("/Title<")? + 7..].split('>').next()?;
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let units: Vec<u16> = bytes
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        Some(
            String::from_utf16(&units)
                .unwrap()
                .trim_start_matches('\u{feff}')
                .to_string(),
        )
    };
    let parent =
        |o: &str| -> Option<u32> { o[o.find("/Parent ")? + 8..].split(' ').next()?.parse().ok() };
    objects
        .values()
        .filter(|o| o.contains("/Parent ") && o.contains("/Title<"))
        .map(|o| {
            (
                title(o).unwrap(),
                parent(o)
                    .and_then(|p| objects.get(&p))
                    .and_then(|p| title(p)),
            )
        })
        .collect()
}

/// The department's documents: (title printed as the bookmark, PDF) from its own directory.
fn documents(dir: &Path) -> Vec<PathBuf> {
    let mut pdfs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    pdfs.sort();
    pdfs
}

#[test]
fn a_department_and_a_region_get_one_bookmarked_pdf_and_one_zip_each() {
    let dir = tempfile::tempdir().unwrap();
    let o = published(dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("out");
    let public = out.join("公开");

    // 相山区人大办公室, 2023: its 自评表 (six projects) then its 清单.
    let dept_dir = out.join("2023/相山区人大办公室");
    let package = public.join("2023/相山区人大办公室.pdf");
    let bytes = std::fs::read(&package).unwrap();
    assert!(
        String::from_utf8_lossy(&bytes).contains("/PageMode/UseOutlines"),
        "opens with the bookmarks shown"
    );
    let own: Vec<PathBuf> = documents(&dept_dir);
    assert_eq!(own.len(), 2);
    assert_eq!(
        pages(&package),
        own.iter().map(|p| pages(p)).sum::<usize>(),
        "every page of every document"
    );
    let items = outline(&package);
    let top: Vec<&str> = items
        .iter()
        .filter(|(_, p)| p.is_none())
        .map(|(t, _)| t.as_str())
        .collect();
    assert_eq!(
        top,
        [
            "相山区人大办公室 项目支出绩效自评表",
            "相山区人大办公室部门绩效自评项目清单"
        ],
        "{items:?}"
    );
    // Every project is a bookmark under its document, as in the document's own file.
    let projects: Vec<&str> = items
        .iter()
        .filter(|(_, p)| p.as_deref() == Some("相山区人大办公室 项目支出绩效自评表"))
        .map(|(t, _)| t.as_str())
        .collect();
    assert_eq!(projects.len(), 6, "{items:?}");
    let own_items = outline(&dept_dir.join("项目支出绩效自评表.pdf"));
    for p in &projects {
        assert!(
            own_items.iter().any(|(t, _)| t == p),
            "{p} in {own_items:?}"
        );
    }
    // PDF/A and PDF/UA claims, as each document's.
    let xmp = String::from_utf8_lossy(&bytes);
    assert!(
        xmp.contains("<pdfaid:part>2</pdfaid:part>")
            && xmp.contains("<pdfuaid:part>1</pdfuaid:part>")
    );

    // The zip: each document's PDF and xlsx, byte for byte as built.
    let zip = std::fs::File::open(public.join("2023/相山区人大办公室.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(zip).unwrap();
    let mut names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "相山区人大办公室/部门绩效自评项目清单.pdf",
            "相山区人大办公室/部门绩效自评项目清单.xlsx",
            "相山区人大办公室/项目支出绩效自评表.pdf",
            "相山区人大办公室/项目支出绩效自评表.xlsx",
        ]
    );
    for name in &names {
        let mut inner = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name(name).unwrap(), &mut inner).unwrap();
        let file = out.join("2023").join(name);
        assert_eq!(inner, std::fs::read(&file).unwrap(), "{name}");
    }

    // The region's package of 2023: its summaries, then every department of the year.
    let region = public.join("2023/样例市汇总.pdf");
    let summaries = documents(&out.join("2023/样例市汇总"));
    let departments = [
        "库尔勒市人大常委会办公室",
        "库尔勒市信访局",
        "相山区人大办公室",
    ];
    let expected: usize = summaries.iter().map(|p| pages(p)).sum::<usize>()
        + departments
            .iter()
            .flat_map(|d| documents(&out.join("2023").join(d)))
            .map(|p| pages(&p))
            .sum::<usize>();
    assert_eq!(pages(&region), expected);
    let top: Vec<String> = outline(&region)
        .into_iter()
        .filter(|(_, p)| p.is_none())
        .map(|(t, _)| t)
        .collect();
    assert_eq!(top.len(), summaries.len() + 1 + 1 + 2, "{top:?}");
    assert!(top[0].contains("汇总表"), "{top:?}");

    // The index of every year links each package and each year's index.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    let hrefs: Vec<&str> = index
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    for year in ["2020", "2023", "2025"] {
        assert!(
            hrefs.iter().any(|h| *h == format!("{year}/index.html")),
            "{hrefs:?}"
        );
    }
    assert!(hrefs.len() >= 3 + 2 * 8, "{hrefs:?}");
    for h in &hrefs {
        let path: PathBuf = h
            .split('/')
            .map(common::percent_decode)
            .collect::<PathBuf>();
        assert!(out.join(&path).is_file(), "{h}");
    }

    // Again: the same bytes, nothing written; the build itself stays a no-op.
    let before: Vec<(PathBuf, Vec<u8>)> = common::outputs_below(&public)
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    let o = published(dir.path());
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("公开文件：写入 0 个"), "{err}");
    for (p, b) in before {
        assert_eq!(std::fs::read(&p).unwrap(), b, "{}", p.display());
    }
}

#[test]
fn nothing_is_published_from_a_build_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::copy_dir(&common::repo().join("data"), &data);
    let file = data.join("2023-kuerle-xinfangju.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("财政拨款: 15\n", "财政拨款: 1万\n", 1)).unwrap();
    let o = published(dir.path());
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("没有生成公开文件"), "{err}");
    assert!(!dir.path().join("out/公开").exists());
    assert!(!dir.path().join("out/index.html").exists());
}

/// A department's package is its PDF and its zip, replaced together or not at all: a zip that
/// cannot be written (a FIFO at its name) leaves the PDF as it was. A temporary file a killed
/// publish left beside the packages (which would be uploaded with the folder) is removed by
/// the next run, as in a department's directory.
#[test]
fn a_package_is_replaced_together_and_a_killed_publish_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = common::repo().join("tests/fixtures/vocabulary");
    common::copy_dir(&fixture.join("data"), &dir.path().join("data"));
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .current_dir(dir.path())
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .args(["build", "data", "--out", "out", "--publish", "--templates"])
            .arg(fixture.join("templates"))
            .output()
            .unwrap()
    };
    let o = run();
    assert!(o.status.success(), "{}", stderr(&o));
    let year = dir.path().join("out/公开/2024");
    let pdf = year.join("测试市体育局.pdf");
    let zip = year.join("测试市体育局.zip");
    let before = std::fs::read(&pdf).unwrap();
    assert!(zip.is_file());

    // A kill in the middle of writing a package leaves a temporary file beside it.
    let stale = year.join(".jixiao-4000000-0.tmp");
    std::fs::write(&stale, b"half a zip").unwrap();
    // The data changes (both files would), and the zip's name is taken by a FIFO.
    let file = dir.path().join("data/2024-测试局.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("全年培训青少年1200人次以上"));
    std::fs::write(
        &file,
        text.replacen(
            "全年培训青少年1200人次以上",
            "全年培训青少年1250人次以上",
            1,
        ),
    )
    .unwrap();
    std::fs::remove_file(&zip).unwrap();
    assert!(Command::new("mkfifo").arg(&zip).status().unwrap().success());
    let o = run();
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("命名管道"), "{err}");
    assert_eq!(
        std::fs::read(&pdf).unwrap(),
        before,
        "the package's PDF was replaced without its zip: {err}"
    );
    assert!(!stale.exists(), "the temporary file is still there: {err}");
}

/// The packages are made from the data read again after the build: a file changed in between
/// into one with errors publishes nothing (the publish checked it with `check`, whose errors
/// it did not look at, and packaged what it could plan).
#[test]
fn a_file_broken_after_the_build_publishes_nothing() {
    use jixiao::workspace::{BuildOptions, Options, Workspace, quiet};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::copy_dir(&common::repo().join("data"), &data);
    let out = dir.path().join("out");
    let mut ws = Workspace::open(Options {
        data: data.clone(),
        out: out.clone(),
        templates: Some(common::repo().join("templates")),
        font_paths: Vec::new(),
    });
    let options = BuildOptions {
        one_shot: true,
        ..BuildOptions::default()
    };
    let built = ws.build(&options, &quiet);
    assert!(!built.failed());
    let file = data.join("2023-kuerle-xinfangju.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    // A second department of the same name and year: an error only the check finds.
    std::fs::write(data.join("2023-copy.yaml"), &text).unwrap();
    let err = ws
        .publish(&built)
        .expect_err("a corpus with errors is not published");
    assert!(err.to_string().contains("没有生成公开文件"), "{err}");
    assert!(!out.join("公开").exists());
}
