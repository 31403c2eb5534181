//! End-to-end tests of the PDF output of `jixiao build`: the real binary renders the sample
//! corpus (`data/`) and generated departments, and the PDFs are read back with poppler-utils
//! (`pdftotext`, `pdfinfo`, `pdffonts`), which CI installs together with `fonts-noto-cjk`.
//!
//! The sample corpus is built once per test binary (see [`common::corpus`]); tests that rebuild,
//! break or split outputs work in their own temporary directories.
//!
//! Text is compared after removing all whitespace on both sides: table cells wrap, so a cell's
//! text can be broken over several lines of the extracted text.

use crate::common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

// ---------------------------------------------------------------------------------------------
// Running the binary and the poppler tools
// ---------------------------------------------------------------------------------------------

/// Runs a poppler tool and returns its stdout. (Poppler writes harmless complaints such as
/// "Syntax Error: Suspects object is wrong type (boolean)" to stderr for Typst's /MarkInfo;
/// they are ignored.)
fn poppler<S: AsRef<OsStr>>(tool: &str, args: &[S]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run `{tool}` ({e}): install poppler-utils (apt-get install poppler-utils)")
    });
    assert!(
        out.status.success(),
        "`{tool}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler output is UTF-8")
}

/// `pdftotext -raw PDF -`
fn pdf_text(pdf: &Path) -> String {
    poppler(
        "pdftotext",
        &[OsStr::new("-raw"), pdf.as_os_str(), OsStr::new("-")],
    )
}

/// The text of page `n` (1-based) only.
fn pdf_page_text(pdf: &Path, n: usize) -> String {
    let n = n.to_string();
    poppler(
        "pdftotext",
        &[
            OsStr::new("-raw"),
            OsStr::new("-f"),
            OsStr::new(&n),
            OsStr::new("-l"),
            OsStr::new(&n),
            pdf.as_os_str(),
            OsStr::new("-"),
        ],
    )
}

/// `pdfinfo PDF` as key → value.
fn pdf_info(pdf: &Path) -> BTreeMap<String, String> {
    poppler("pdfinfo", &[pdf.as_os_str()])
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn page_count(pdf: &Path) -> usize {
    pdf_info(pdf)["Pages"].parse().expect("Pages is a number")
}

/// The size in points of every page (`pdfinfo -f 1 -l N`).
fn page_sizes(pdf: &Path) -> Vec<(f64, f64)> {
    let n = page_count(pdf).to_string();
    let text = poppler(
        "pdfinfo",
        &[
            OsStr::new("-f"),
            OsStr::new("1"),
            OsStr::new("-l"),
            OsStr::new(&n),
            pdf.as_os_str(),
        ],
    );
    text.lines()
        .filter(|l| l.starts_with("Page ") && l.contains(" size:"))
        .map(|l| {
            // "Page    1 size: 841.89 x 595.276 pts (A4)"
            let dims = l.split_once("size:").unwrap().1;
            let mut it = dims.split_whitespace();
            let w: f64 = it.next().unwrap().parse().unwrap();
            assert_eq!(it.next(), Some("x"), "{l}");
            let h: f64 = it.next().unwrap().parse().unwrap();
            (w, h)
        })
        .collect()
}

/// The extracted text without the page footers (`第 X 页 共 Y 页`), which sit between the two
/// halves of a cell broken across pages.
fn without_footers(text: &str) -> String {
    text.lines()
        .filter(|l| {
            let s = squash(l);
            !(s.starts_with('第') && s.contains("页共") && s.ends_with('页') && s.len() < 40)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A copy of the repository's `data/*.yaml` in `dir/data`.
fn copy_corpus(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    fs::create_dir_all(&data).unwrap();
    for e in fs::read_dir(repo().join("data"))
        .unwrap()
        .filter_map(Result::ok)
    {
        let p = e.path();
        if p.extension().and_then(|e| e.to_str()) == Some("yaml") {
            fs::copy(&p, data.join(e.file_name())).unwrap();
        }
    }
    data
}

// ---------------------------------------------------------------------------------------------
// Generated departments (Xinjiang style, modelled on data/2023-kuerle-xinfangju.yaml)
// ---------------------------------------------------------------------------------------------

/// A YAML double-quoted scalar.
fn yq(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

struct Ind {
    l1: &'static str,
    l2: &'static str,
    name: String,
    target: String,
    weight: String,
}

struct Proj {
    name: String,
    goals: Vec<String>,
    inds: Vec<Ind>,
}

/// A valid Xinjiang-style department file: every required field, 财政拨款 15 = 合计.
fn xinjiang_yaml(department: &str, projects: &[Proj]) -> String {
    let mut y = format!(
        "部门: {}\n年度: 2023\n样式: xinjiang\n项目:\n",
        yq(department)
    );
    for p in projects {
        y += &format!(
            "  - 名称: {}\n    负责人: 张华庆\n    资金:\n      财政拨款: 15\n      其他资金: 0\n      合计: 15\n    总体目标:\n",
            yq(&p.name)
        );
        for g in &p.goals {
            y += &format!("      - {}\n", yq(g));
        }
        y += "    指标:\n";
        for i in &p.inds {
            let (basis, rule) = match i.l1 {
                "成本指标" => ("预算支出标准", "按照正常比例赋分"),
                "满意度指标" => ("历史标准", "满意度赋分"),
                _ => ("历史标准", "按评判等级赋分"),
            };
            y += &format!(
                "      - {{一级: {}, 二级: {}, 三级: {}, 指标值: {}, 依据: {basis}, 权重: {}, 赋分规则: {rule}, 佐证资料: [工作资料]}}\n",
                i.l1,
                i.l2,
                yq(&i.name),
                yq(&i.target),
                i.weight
            );
        }
    }
    y
}

/// Six indicators, one per (一级, 二级) the Xinjiang style requires; weights sum to 90.
fn six_indicators(name: impl Fn(usize) -> String, target: impl Fn(usize) -> String) -> Vec<Ind> {
    [
        ("产出指标", "数量指标", "20"),
        ("产出指标", "质量指标", "10"),
        ("产出指标", "时效指标", "10"),
        ("成本指标", "经济成本指标", "20"),
        ("效益指标", "社会效益指标", "20"),
        ("满意度指标", "满意度指标", "10"),
    ]
    .into_iter()
    .enumerate()
    .map(|(k, (l1, l2, w))| Ind {
        l1,
        l2,
        name: name(k + 1),
        target: target(k + 1),
        weight: w.to_string(),
    })
    .collect()
}

fn plain_project(name: &str) -> Proj {
    Proj {
        name: name.to_string(),
        goals: vec!["目标1：保障信访工作顺利开展。".to_string()],
        inds: six_indicators(|k| format!("测试指标{k}"), |_| "=100%".to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Seed coverage (the seeds and their exceptions are in `common`)
// ---------------------------------------------------------------------------------------------

fn corpus_text(c: &Corpus, seed: &Seed) -> String {
    seed.pdfs
        .iter()
        .map(|p| pdf_text(&c.out.join(p)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn corpus_builds_one_pdf_per_document() {
    let c = built_corpus();
    let pdfs: Vec<String> = outputs_below(&c.out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .map(|p| {
            p.strip_prefix(&c.out)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut expected: Vec<String> = DOCS.iter().map(|d| d.path.to_string()).collect();
    expected.sort();
    assert_eq!(pdfs, expected, "one PDF per document of the 5 departments");
    for d in DOCS {
        let xlsx = c.out.join(d.path).with_extension("xlsx");
        assert!(xlsx.is_file(), "{} has its xlsx twin", d.path);
    }
}

#[test]
fn every_seed_cell_appears_in_the_matching_pdf() {
    let c = built_corpus();
    let mut missing = Vec::new();
    for seed in SEEDS {
        let seed_text = fs::read_to_string(seeds_dir().join(seed.file)).unwrap();
        let pdf = corpus_text(c, seed);
        let seed_secs = sections(&seed_text, seed.marker);
        let pdf_secs = sections(&pdf, seed.marker);
        assert_eq!(
            seed_secs.len(),
            pdf_secs.len(),
            "seed {}: the PDF must have as many tables as the seed",
            seed.id
        );
        for (i, (s, p)) in seed_secs.iter().zip(&pdf_secs).enumerate() {
            let printed = squash(p);
            for cell in expected_cells(seed, i, s) {
                let want = printed_form(seed, &cell);
                if !printed.contains(&squash(&want)) {
                    missing.push(format!(
                        "seed {} §{i}: {cell:?} (looked for {want:?})",
                        seed.id
                    ));
                }
            }
        }
    }
    // Every exception must still match something in the seeds.
    assert_respelled_exceptions_are_current();
    assert!(
        missing.is_empty(),
        "{} seed cells are missing from the PDFs:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn seed_004_prints_the_computed_figures() {
    let c = built_corpus();
    let seed = SEEDS.iter().find(|s| s.id == "004").unwrap();
    let seed_secs = sections(
        &fs::read_to_string(seeds_dir().join(seed.file)).unwrap(),
        seed.marker,
    );
    let pdf_secs = sections(&corpus_text(c, seed), seed.marker);
    assert_eq!(pdf_secs.len(), 7, "清单 + 附件1-1 … 1-6");
    let mut wrong = Vec::new();
    for comp in COMPUTED {
        let s = squash(&seed_secs[comp.section]);
        let p = squash(&pdf_secs[comp.section]);
        assert!(
            s.contains(&squash(comp.stated)),
            "stale exception: seed 004 §{} has no row {:?}",
            comp.section,
            comp.stated
        );
        if !p.contains(&squash(comp.printed)) {
            wrong.push(format!("§{}: expected {:?}", comp.section, comp.printed));
        }
        if p.contains(&squash(comp.stated)) {
            wrong.push(format!(
                "§{}: still prints the stated {:?}",
                comp.section, comp.stated
            ));
        }
    }
    assert!(wrong.is_empty(), "computed figures:\n{}", wrong.join("\n"));

    let all = squash(&pdf_secs.concat());
    for figure in ["93.85%", "62.75%", "6.28"] {
        assert!(all.contains(figure), "seed 004's PDF prints {figure}");
    }
    // The 部门绩效自评项目清单's 合计 is the rounded exact sum 138.828.
    assert!(
        squash(&pdf_secs[0]).contains("合计138.83"),
        "{}",
        pdf_secs[0]
    );

    // Template placeholder rows (“……” closing every 二级 group) are printed as in the seed.
    for i in 1..seed_secs.len() {
        assert_eq!(
            pdf_secs[i].matches("……").count(),
            seed_secs[i].matches("……").count(),
            "§{i}: one “……” row per 二级 group, as in the seed"
        );
    }
}

#[test]
fn xinjiang_prints_math_comparison_symbols() {
    let c = built_corpus();
    for path in [
        "2023/库尔勒市人大常委会办公室/项目支出绩效目标表.pdf",
        "2023/库尔勒市信访局/项目支出绩效目标表.pdf",
    ] {
        let text = pdf_text(&c.out.join(path));
        assert!(text.contains("≥90%"), "{path}: `>=90%` is printed `≥90%`");
        assert!(text.contains("≤"), "{path}: `<=` is printed `≤`");
        assert!(
            !text.contains(">=") && !text.contains("<="),
            "{path}: no ASCII `>=`/`<=` is left:\n{text}"
        );
    }
}

#[test]
fn cut_off_source_words_are_kept_verbatim() {
    let c = built_corpus();
    for (id, words) in CUT_OFF {
        let seed = SEEDS.iter().find(|s| s.id == *id).unwrap();
        let seed_text = squash(&fs::read_to_string(seeds_dir().join(seed.file)).unwrap());
        assert!(
            seed_text.contains(&squash(words)),
            "seed {id} has {words:?}"
        );
        assert!(
            squash(&corpus_text(c, seed)).contains(&squash(words)),
            "seed {id}: the corpus keeps {words:?} verbatim, so the PDF must print it"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 2. PDF qualities
// ---------------------------------------------------------------------------------------------

/// The value of an XMP property in the raw PDF bytes (`<pdfaid:part>2<` or `pdfaid:part="2"`).
fn xmp_values(bytes: &[u8], key: &str) -> Vec<u8> {
    let key = key.as_bytes();
    let mut out = Vec::new();
    for i in 0..bytes.len().saturating_sub(key.len()) {
        if &bytes[i..i + key.len()] == key {
            let rest = &bytes[i + key.len()..];
            if let Some(&v) = rest
                .iter()
                .find(|b| !matches!(b, b'>' | b'=' | b'"' | b'\'' | b' '))
            {
                out.push(v);
            }
        }
    }
    out
}

#[test]
fn pdfs_are_a4_tagged_pdfa_with_embedded_subset_fonts_and_metadata() {
    let c = built_corpus();
    for d in DOCS {
        let pdf = c.out.join(d.path);
        let info = pdf_info(&pdf);
        assert_eq!(
            info.get("Tagged").map(String::as_str),
            Some("yes"),
            "{}: tagged",
            d.path
        );
        assert_eq!(
            info.get("Author").map(String::as_str),
            Some(d.department),
            "{}: author is the department",
            d.path
        );
        let title = info.get("Title").cloned().unwrap_or_default();
        assert!(
            title.contains(d.department) && title.contains(d.title),
            "{}: title {title:?} names the department and the table",
            d.path
        );

        // A4 on every page, in the style's orientation.
        let pages = page_count(&pdf);
        let sizes = page_sizes(&pdf);
        assert_eq!(sizes.len(), pages, "{}: a size for every page", d.path);
        for (n, (w, h)) in sizes.iter().enumerate() {
            let (short, long) = if w < h { (*w, *h) } else { (*h, *w) };
            assert!(
                (short - 595.276).abs() < 1.0 && (long - 841.89).abs() < 1.0,
                "{} page {}: {w} x {h} is not A4",
                d.path,
                n + 1
            );
            assert_eq!(w > h, d.landscape, "{} page {}: orientation", d.path, n + 1);
        }

        // Footer 第 X 页 共 Y 页 on every page.
        for n in 1..=pages {
            let t = squash(&pdf_page_text(&pdf, n));
            assert!(
                t.contains(&format!("第{n}页共{pages}页")),
                "{} page {n}: footer 第 {n} 页 共 {pages} 页",
                d.path
            );
        }

        // Only embedded, subset fonts.
        let fonts = poppler("pdffonts", &[pdf.as_os_str()]);
        let rows: Vec<&str> = fonts
            .lines()
            .skip_while(|l| !l.starts_with("---"))
            .skip(1)
            .collect();
        assert!(!rows.is_empty(), "{}: fonts listed", d.path);
        for row in rows {
            let t: Vec<&str> = row.split_whitespace().collect();
            assert!(t.len() >= 6, "{}: pdffonts row {row:?}", d.path);
            let (emb, sub) = (t[t.len() - 5], t[t.len() - 4]);
            assert!(
                emb == "yes" && sub == "yes",
                "{}: font not embedded and subset: {row}",
                d.path
            );
            let name = t[0];
            assert!(
                name.len() > 7
                    && name.as_bytes()[6] == b'+'
                    && name[..6].bytes().all(|b| b.is_ascii_uppercase()),
                "{}: subset font name has the ABCDEF+ tag: {name}",
                d.path
            );
        }

        // PDF/A-2b identification in the XMP metadata.
        let bytes = fs::read(&pdf).unwrap();
        assert!(
            xmp_values(&bytes, "pdfaid:part").contains(&b'2'),
            "{}: pdfaid:part 2",
            d.path
        );
        assert!(
            xmp_values(&bytes, "pdfaid:conformance").contains(&b'B'),
            "{}: pdfaid:conformance B",
            d.path
        );
        // PDF/UA-1 beside it (issue 24, item 4): the claim, the document's language and title,
        // and a structure tree whose tables have header cells: column headers (table.header)
        // and the form's label cells as row headers.
        assert!(
            xmp_values(&bytes, "pdfuaid:part").contains(&b'1'),
            "{}: pdfuaid:part 1",
            d.path
        );
        let xmp = String::from_utf8_lossy(&bytes);
        assert!(
            xmp.contains("<dc:language><rdf:Bag><rdf:li>zh-CN</rdf:li>"),
            "{}: dc:language zh-CN",
            d.path
        );
        let tree = poppler("pdfinfo", &[OsStr::new("-struct"), pdf.as_os_str()]);
        // (`Table (block):` when the table carries attributes, such as one border for all its
        // cells; a table with the continuation caption's row has its borders per cell.)
        let tables = tree
            .lines()
            .filter(|l| l.trim_start().starts_with("Table (block)"))
            .count();
        assert!(tables > 0, "{}: tables tagged", d.path);
        let th = tree
            .lines()
            .filter(|l| l.trim_start().starts_with("TH"))
            .count();
        assert!(th > 0, "{}: header cells tagged TH", d.path);
        // A form (one project per table) labels its values in cells beside them (a list,
        // 汇总表 or 清单, mostly has column headings only).
        let list = d.title.contains("汇总表") || d.title.contains("清单");
        assert!(
            list || tree.contains("/Scope /Row"),
            "{}: the form's label cells are row headers",
            d.path
        );
    }
}

/// Bytes, mtime and inode of every output below `out`, by relative path.
fn snapshot(out: &Path) -> BTreeMap<String, (Vec<u8>, std::time::SystemTime, u64)> {
    outputs_below(out)
        .into_iter()
        .map(|p| {
            let meta = fs::metadata(&p).unwrap();
            #[cfg(unix)]
            let ino = std::os::unix::fs::MetadataExt::ino(&meta);
            #[cfg(not(unix))]
            let ino = 0;
            (
                p.strip_prefix(out).unwrap().to_string_lossy().into_owned(),
                (fs::read(&p).unwrap(), meta.modified().unwrap(), ino),
            )
        })
        .collect()
}

#[test]
fn rebuilds_are_byte_identical_and_unchanged_outputs_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let data = repo().join("data");
    let out = dir.path().join("out");

    let first = build(&data, &out, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr_of(&first));
    let before = snapshot(&out);
    assert_eq!(before.len(), 2 * DOCS.len(), "{:?}", before.keys());

    // The output does not depend on where it is written: same bytes as the shared corpus.
    let c = built_corpus();
    for (rel, (bytes, _, _)) in &before {
        assert!(
            fs::read(c.out.join(rel)).unwrap() == *bytes,
            "{rel}: differs between two builds into different directories"
        );
    }

    // --force renders everything again: byte-identical, so nothing is rewritten.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let forced = build(&data, &out, &["--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr_of(&forced));
    let after_force = snapshot(&out);
    assert_eq!(
        after_force.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (rel, (bytes, mtime, ino)) in &after_force {
        let (b0, m0, i0) = &before[rel];
        assert!(bytes == b0, "{rel}: --force rebuild is not byte-identical");
        assert!(
            mtime == m0 && ino == i0,
            "{rel}: identical bytes were rewritten"
        );
    }

    // A plain rebuild skips every document as unchanged.
    let again = build(&data, &out, &[]);
    let err = stderr_of(&again);
    assert_eq!(again.status.code(), Some(0), "{err}");
    for d in DOCS {
        assert!(
            err.lines()
                .any(|l| l.starts_with("未变") && l.contains(d.path)),
            "{}: reported as 未变:\n{err}",
            d.path
        );
    }
    assert!(
        !err.lines().any(|l| l.starts_with("写入")),
        "nothing is written:\n{err}"
    );
    let after = snapshot(&out);
    for (rel, (bytes, mtime, ino)) in &after {
        let (b0, m0, i0) = &before[rel];
        assert!(
            bytes == b0 && mtime == m0 && ino == i0,
            "{rel}: touched by a no-op build"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Typst syntax in the data
// ---------------------------------------------------------------------------------------------

const TYPST_TOKENS: &[&str] = &[
    "#read(\"x\")",
    "*bold*",
    "$x$",
    "<a>",
    "@b",
    "]",
    "[",
    "//",
    "/* c */",
    "\\",
    "\"",
    "#set page(width: 1cm)",
    "{",
    "}",
];

#[test]
fn typst_syntax_in_the_data_is_printed_verbatim() {
    let payload = TYPST_TOKENS.join(" ");
    let reversed: Vec<&str> = TYPST_TOKENS.iter().rev().copied().collect();
    let project = Proj {
        name: format!("名称{payload}"),
        goals: vec![
            format!("目标1：{payload}"),
            format!("目标2：{}", reversed.join("")),
        ],
        // Names carry every token, space-separated; targets carry every token run together,
        // rotated so that each target puts different tokens next to each other.
        inds: six_indicators(
            |k| format!("指标{k}：{payload}"),
            |k| {
                let (a, b) = TYPST_TOKENS.split_at(k * 2);
                format!("值{k}{}{}", b.concat(), a.concat())
            },
        ),
    };
    let mut expected = vec![project.name.clone()];
    expected.extend(project.goals.iter().cloned());
    for i in &project.inds {
        expected.push(i.name.clone());
        expected.push(i.target.clone());
    }

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    fs::write(
        data.join("2023-typst.yaml"),
        xinjiang_yaml("语法测试局", &[project]),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = build(&data, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));

    let pdf = out.join("2023/语法测试局/项目支出绩效目标表.pdf");
    let text = pdf_text(&pdf);
    let flat = squash(&text);
    let missing: Vec<&String> = expected
        .iter()
        .filter(|e| !flat.contains(&squash(e)))
        .collect();
    assert!(
        missing.is_empty(),
        "not printed verbatim: {missing:#?}\nPDF text:\n{text}"
    );
    // `#set page(width: 1cm)` stayed text: the pages are still A4 landscape.
    for (w, h) in page_sizes(&pdf) {
        assert!(
            (w - 841.89).abs() < 1.0 && (h - 595.276).abs() < 1.0,
            "{w} x {h}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Long content
// ---------------------------------------------------------------------------------------------

const GRID_HEADER: &str =
    "一级指标二级指标三级指标指标值指标值设置依据上年完成值指标分值权重指标赋分规则佐证资料";

#[test]
fn long_content_flows_over_pages_without_loss() {
    let groups = [
        ("产出指标", "数量指标", 10),
        ("产出指标", "质量指标", 10),
        ("产出指标", "时效指标", 10),
        ("成本指标", "经济成本指标", 10),
        ("效益指标", "社会效益指标", 10),
        ("满意度指标", "满意度指标", 10),
    ];
    let mut inds = Vec::new();
    for (l1, l2, n) in groups {
        for _ in 0..n {
            let k = inds.len() + 1;
            inds.push(Ind {
                l1,
                l2,
                name: format!("长内容测试指标第{k:02}项"),
                target: "有效提高".to_string(),
                weight: "1.5".to_string(),
            });
        }
    }
    assert_eq!(inds.len(), 60);
    let goal = long_goal(2000);
    assert_eq!(goal.chars().count(), 2000);
    let project = Proj {
        name: "长内容项目".to_string(),
        goals: vec![goal.clone()],
        inds,
    };
    // A goal longer than a page: its cell must break across pages, not be clipped.
    let huge_goal = long_goal(9000);
    let mut huge = plain_project("超长目标项目");
    huge.goals = vec![huge_goal.clone()];

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    fs::write(
        data.join("2023-long.yaml"),
        xinjiang_yaml("长内容测试局", &[project]),
    )
    .unwrap();
    fs::write(
        data.join("2023-huge.yaml"),
        xinjiang_yaml("超长目标测试局", &[huge]),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = build(&data, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));

    let pdf = out.join("2023/长内容测试局/项目支出绩效目标表.pdf");
    let pages = page_count(&pdf);
    assert!(pages > 1, "60 indicators need more than one page");
    let text = pdf_text(&pdf);
    let flat = squash(&without_footers(&text));
    assert!(
        flat.contains(&squash(&goal)),
        "the whole 2,000-character goal is printed"
    );
    assert!(
        text.matches("一级指标").count() >= pages && flat.matches(GRID_HEADER).count() >= pages,
        "the column header repeats on each of the {pages} pages"
    );

    let mut problems = Vec::new();
    let mut seen = 0;
    for n in 1..=pages {
        let page = squash(&pdf_page_text(&pdf, n));
        if !page.contains(GRID_HEADER) {
            problems.push(format!("page {n}: no column header row"));
        }
        let mut k = 0;
        for (l1, l2, count) in groups {
            let names: Vec<String> = (k + 1..=k + count)
                .map(|i| format!("长内容测试指标第{i:02}项"))
                .collect();
            k += count;
            let here = names.iter().filter(|nm| page.contains(nm.as_str())).count();
            seen += here;
            if here == 0 {
                continue;
            }
            // 一级 and 二级 are merged cells; where their rows continue on this page the label
            // must be printed here too (l1 and l2 are the same text for 满意度指标).
            let need = if l1 == l2 { 2 } else { 1 };
            if page.matches(l1).count() < need {
                problems.push(format!("page {n}: rows of {l1} without the {l1} label"));
            }
            if l1 != l2 && !page.contains(l2) {
                problems.push(format!("page {n}: rows of {l2} without the {l2} label"));
            }
        }
    }
    assert_eq!(
        seen, 60,
        "every indicator name is printed exactly on one page"
    );
    assert!(problems.is_empty(), "{}\n{text}", problems.join("\n"));

    let huge_pdf = out.join("2023/超长目标测试局/项目支出绩效目标表.pdf");
    assert!(
        page_count(&huge_pdf) > 1,
        "a 9,000-character goal takes several pages"
    );
    assert!(
        squash(&without_footers(&pdf_text(&huge_pdf))).contains(&squash(&huge_goal)),
        "the 9,000-character goal is printed in full across pages"
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Missing glyphs
// ---------------------------------------------------------------------------------------------

/// Builds a department whose project name contains `ch`, next to a valid department.
fn build_with_glyph(ch: char) -> (tempfile::TempDir, Output, String) {
    let name = format!("缺字项目{ch}甲乙");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    fs::write(
        data.join("2023-glyph.yaml"),
        xinjiang_yaml(
            "缺字测试局",
            &[plain_project("正常项目"), plain_project(&name)],
        ),
    )
    .unwrap();
    fs::write(
        data.join("2023-ok.yaml"),
        xinjiang_yaml("正常测试局", &[plain_project("正常项目")]),
    )
    .unwrap();
    let o = build(&data, &dir.path().join("out"), &[]);
    (dir, o, name)
}

fn assert_missing_glyph_fails(ch: char) {
    let (dir, o, name) = build_with_glyph(ch);
    let err = stderr_of(&o);
    let out = dir.path().join("out");
    assert_ne!(
        o.status.code(),
        Some(0),
        "a character no font has must fail the build:\n{err}"
    );
    assert!(
        err.contains(&format!("U+{:04X}", ch as u32)) && err.contains(ch),
        "the message names the character:\n{err}"
    );
    assert!(
        err.contains(&name),
        "the message quotes the text {name:?} it sits in:\n{err}"
    );
    let written: Vec<PathBuf> = outputs_below(&out.join("2023/缺字测试局"));
    assert!(
        written.is_empty(),
        "nothing is written for the department: {written:?}"
    );
    assert!(
        out.join("2023/正常测试局/项目支出绩效目标表.pdf").is_file(),
        "the other department is still built:\n{err}"
    );
}

#[test]
fn missing_glyph_fails_and_names_character_and_text() {
    // U+10FFFD: a private-use code point of plane 16, in no installed font.
    assert_missing_glyph_fails('\u{10FFFD}');
}

#[test]
fn missing_fallback_glyph_names_the_text_it_sits_in() {
    // U+17000 TANGUT IDEOGRAPH: no font of fonts-noto-cjk / DejaVu has it.
    assert_missing_glyph_fails('\u{17000}');
}

// ---------------------------------------------------------------------------------------------
// 6. Atomic writes
// ---------------------------------------------------------------------------------------------

fn temp_files(out: &Path) -> Vec<PathBuf> {
    files_below(out)
        .into_iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(".jixiao-") && n.ends_with(".tmp")
        })
        .collect()
}

#[test]
fn failed_render_leaves_the_previous_output_intact() {
    let dir = tempfile::tempdir().unwrap();
    let data = copy_corpus(dir.path());
    let out = dir.path().join("out");
    let first = build(&data, &out, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr_of(&first));
    let pdf = out.join("2023/库尔勒市信访局/项目支出绩效目标表.pdf");
    let xlsx = pdf.with_extension("xlsx");
    let (old_pdf, old_xlsx) = (fs::read(&pdf).unwrap(), fs::read(&xlsx).unwrap());

    // Same department, now with a character no font can draw.
    let file = data.join("2023-kuerle-xinfangju.yaml");
    let yaml = fs::read_to_string(&file).unwrap();
    let broken = yaml.replacen(
        "名称: 部门专项-聘请法律顾问经费",
        "名称: \"部门专项-聘请\u{10FFFD}法律顾问经费\"",
        1,
    );
    assert_ne!(broken, yaml, "the corpus still has the project to break");
    fs::write(&file, broken).unwrap();

    for extra in [&[][..], &["--force"][..]] {
        let o = build(&data, &out, extra);
        let err = stderr_of(&o);
        assert_ne!(
            o.status.code(),
            Some(0),
            "{extra:?}: the build fails:\n{err}"
        );
        assert!(err.contains("U+10FFFD"), "{extra:?}: {err}");
        assert!(
            fs::read(&pdf).unwrap() == old_pdf,
            "{extra:?}: the old PDF is left intact"
        );
        assert!(
            fs::read(&xlsx).unwrap() == old_xlsx,
            "{extra:?}: the old xlsx is left intact"
        );
        assert_eq!(
            temp_files(&out),
            Vec::<PathBuf>::new(),
            "{extra:?}: temporary files left"
        );
        for d in DOCS {
            assert!(
                out.join(d.path).is_file(),
                "{extra:?}: {} still there",
                d.path
            );
        }
    }
}

#[test]
fn department_with_check_errors_gets_nothing_while_others_build() {
    let dir = tempfile::tempdir().unwrap();
    let data = copy_corpus(dir.path());
    let mut bad = plain_project("权重不足项目");
    bad.inds[0].weight = "10".to_string(); // 10 + 10 + 10 + 20 + 20 + 10 = 80, not 90
    fs::write(
        data.join("2023-bad.yaml"),
        xinjiang_yaml("权重错误测试局", &[bad]),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = build(&data, &out, &[]);
    let err = stderr_of(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "check errors give exit code 1:\n{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.contains("权重错误测试局") && l.contains("本部门不生成任何文件")),
        "{err}"
    );
    assert!(
        !out.join("2023/权重错误测试局").exists(),
        "nothing is written for it"
    );
    for d in DOCS {
        assert!(
            out.join(d.path).is_file(),
            "{} is still built:\n{err}",
            d.path
        );
        assert!(
            out.join(d.path).with_extension("xlsx").is_file(),
            "{}",
            d.path
        );
    }
    assert_eq!(temp_files(&out), Vec::<PathBuf>::new());
}

// ---------------------------------------------------------------------------------------------
// 7. --split
// ---------------------------------------------------------------------------------------------

/// (document without extension, data file, marker line that starts each project's table)
type SplitCase = (&'static str, &'static str, fn(&str) -> bool);

#[test]
fn split_writes_one_pdf_per_project() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = build(&repo().join("data"), &out, &["--split"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));

    let cases: [SplitCase; 4] = [
        (
            "2023/库尔勒市人大常委会办公室/项目支出绩效目标表",
            "2023-kuerle-rendaban.yaml",
            xinjiang_title,
        ),
        (
            "2023/库尔勒市信访局/项目支出绩效目标表",
            "2023-kuerle-xinfangju.yaml",
            xinjiang_title,
        ),
        (
            "2023/相山区人大办公室/项目支出绩效自评表",
            "2023-xiangshan-rendaban.yaml",
            anhui_heading,
        ),
        (
            "2025/平罗县人民代表大会常务委员会办公室/部门项目支出预算绩效目标表",
            "2025-pingluo-rendaban.yaml",
            ningxia_title,
        ),
    ];
    for (doc, yaml, marker) in cases {
        let names = project_names(yaml);
        assert!(names.len() > 1, "{yaml}: several projects");
        let combined = out.join(format!("{doc}.pdf"));
        assert!(
            combined.is_file(),
            "{doc}: the combined PDF is still written"
        );
        assert!(
            out.join(format!("{doc}.xlsx")).is_file(),
            "{doc}: and its xlsx"
        );

        let sub = out.join(doc);
        let mut files: Vec<String> = fs::read_dir(&sub)
            .unwrap_or_else(|e| panic!("{doc}: no split directory ({e})"))
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let expected: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{:02}-{n}.pdf", i + 1))
            .collect();
        assert_eq!(files, expected, "{doc}: one PDF per project, nothing else");

        let mut split_pages = 0;
        for (file, name) in expected.iter().zip(&names) {
            let pdf = sub.join(file);
            let text = pdf_text(&pdf);
            assert!(
                squash(&text).contains(&squash(name)),
                "{file}: prints its project"
            );
            assert_eq!(
                text.lines().filter(|l| marker(l)).count(),
                1,
                "{file}: exactly one project table"
            );
            let info = pdf_info(&pdf);
            assert!(
                info["Title"].contains(name.as_str()),
                "{file}: title {:?}",
                info["Title"]
            );
            split_pages += page_count(&pdf);
        }
        assert_eq!(
            split_pages,
            page_count(&combined),
            "{doc}: the split PDFs hold the combined document's pages"
        );
    }
    // Single-table documents are not split.
    for doc in [
        "2020/绍兴市柯桥区人民代表大会常务委员会办公室/部门预算项目绩效目标汇总表",
        "2023/相山区人大办公室/部门绩效自评项目清单",
    ] {
        assert!(
            !out.join(doc).exists(),
            "{doc}: a single table needs no split directory"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Bugs found while writing these tests
// ---------------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn outputs_get_the_usual_file_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let c = built_corpus();
    let pdf = c.out.join(DOCS[1].path);
    // A file created the ordinary way in the same directory shows what the umask allows.
    let probe = tempfile::tempdir().unwrap();
    let reference = probe.path().join("reference");
    fs::write(&reference, b"x").unwrap();
    let want = fs::metadata(&reference).unwrap().permissions().mode() & 0o777;
    for p in [pdf.clone(), pdf.with_extension("xlsx")] {
        let got = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            got,
            want,
            "{}: mode {got:o}, expected {want:o}",
            p.display()
        );
    }
}

#[test]
fn pdf_title_names_the_department_once() {
    let c = built_corpus();
    for d in DOCS {
        let title = pdf_info(&c.out.join(d.path))["Title"].clone();
        assert_eq!(
            title.matches(d.department).count(),
            1,
            "{}: title {title:?}",
            d.path
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Layout fixes of the layouts-as-data work
// ---------------------------------------------------------------------------------------------

const ANHUI_SELF_EVAL: &str = "2023/相山区人大办公室/项目支出绩效自评表.pdf";

/// The Anhui style allows `fit_page`: each project's table, a few rows too long at the normal
/// padding, is laid out a little tighter and stays on one page (six projects, six pages), each
/// page starting with its own 附件1-N heading.
#[test]
fn fit_page_keeps_each_self_evaluation_on_one_page() {
    let c = built_corpus();
    let pdf = c.out.join(ANHUI_SELF_EVAL);
    assert_eq!(page_count(&pdf), 6);
    for n in 1..=6 {
        let text = pdf_page_text(&pdf, n);
        assert!(text.contains(&format!("附件1-{n}")), "page {n}:\n{text}");
        assert!(text.contains("总分"), "page {n} ends its table:\n{text}");
    }
}

/// Vertical 一级 labels: each character sits below the previous one without overlapping it.
#[test]
fn vertical_labels_do_not_overlap() {
    let c = built_corpus();
    let pdf = c.out.join(ANHUI_SELF_EVAL);
    // (xMin, yMin, yMax, text) of every word of page 1.
    let words: Vec<(f64, f64, f64, String)> = page1_words(&pdf)
        .into_iter()
        .map(|(x, y0, _, y1, t)| (x, y0, y1, t))
        .collect();
    let label = ["产", "出", "指", "标"];
    let column: Vec<&(f64, f64, f64, String)> = label
        .iter()
        .map(|ch| {
            words
                .iter()
                .filter(|w| w.3 == *ch)
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .unwrap_or_else(|| panic!("“{ch}” of the vertical label on page 1"))
        })
        .collect();
    for pair in column.windows(2) {
        let (above, below) = (pair[0], pair[1]);
        assert!(
            (above.0 - below.0).abs() < 3.0,
            "one column: {above:?} {below:?}"
        );
        assert!(
            below.1 >= above.2 - 0.5,
            "“{}” (y {:.1}–{:.1}) overlaps “{}” (y {:.1}–{:.1})",
            below.3,
            below.1,
            below.2,
            above.3,
            above.1,
            above.2
        );
    }
}

/// A header label merged down over four rows: the following rows start in the next free
/// column (this used to make Typst fail with "attempted to place a second cell").
#[test]
fn a_label_merged_over_four_header_rows_builds() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    fs::create_dir_all(templates.join("four")).unwrap();
    fs::create_dir_all(templates.join("lib")).unwrap();
    fs::copy(
        repo().join("templates/taxonomies.yaml"),
        templates.join("taxonomies.yaml"),
    )
    .unwrap();
    fs::copy(
        repo().join("templates/lib/jixiao.typ"),
        templates.join("lib/jixiao.typ"),
    )
    .unwrap();
    fs::copy(
        repo().join("templates/xinjiang/target.typ.j2"),
        templates.join("four/target.typ.j2"),
    )
    .unwrap();
    let style = fs::read_to_string(repo().join("templates/xinjiang/style.yaml")).unwrap();
    let start = style.find("      - rows:\n").unwrap();
    let end = style.find("      - grid:\n").unwrap();
    let rows = "      - rows:
          - [{label: 项目信息, rows: 4}, {label: 预算单位}, {field: 部门, span: 7}]
          - [{label: 项目名称}, {field: 项目.名称, span: 3}, {label: 项目负责人, span: 2}, {field: 项目.负责人, span: 2}]
          - [{label: 年度预算总额：}, {field: 项目.资金.合计}, {label: 其中：财政拨款}, {field: 项目.资金.财政拨款}, {label: 其他资金：}, {field: 项目.资金.其他资金, span: 3}]
          - [{label: 项目总体目标}, {field: 项目.总体目标, span: 7}]
";
    let style = format!("{}{rows}{}", &style[..start], &style[end..]);
    fs::write(templates.join("four/style.yaml"), style).unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let yaml = fs::read_to_string(repo().join("data/2023-kuerle-xinfangju.yaml")).unwrap();
    fs::write(
        data.join("a.yaml"),
        yaml.replacen("样式: xinjiang", "样式: four", 1),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("build")
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .arg("--templates")
        .arg(&templates)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr_of(&o));
    let pdf = outputs_below(&out)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .expect("a PDF");
    let text = squash(&pdf_text(&pdf));
    for s in [
        "项目信息",
        "预算单位",
        "库尔勒市信访局",
        "年度预算总额",
        "项目总体目标",
    ] {
        assert!(text.contains(s), "{s} missing:\n{text}");
    }
}

/// `pdftotext -bbox` of page 1: every word with `(xMin, yMin, xMax, yMax, text)`.
fn page1_words(pdf: &Path) -> Vec<(f64, f64, f64, f64, String)> {
    let html = poppler(
        "pdftotext",
        &[
            OsStr::new("-bbox"),
            OsStr::new("-f"),
            OsStr::new("1"),
            OsStr::new("-l"),
            OsStr::new("1"),
            pdf.as_os_str(),
            OsStr::new("-"),
        ],
    );
    html.lines()
        .filter_map(|l| {
            let attr = |name: &str| -> Option<f64> {
                let at = l.find(&format!("{name}=\""))? + name.len() + 2;
                l[at..].split('"').next()?.parse().ok()
            };
            let text = l.split('>').nth(1)?.split('<').next()?.to_string();
            Some((
                attr("xMin")?,
                attr("yMin")?,
                attr("xMax")?,
                attr("yMax")?,
                text,
            ))
        })
        .collect()
}

/// A long token without break opportunities (a code, a URL, a long number) wraps inside its
/// own cell instead of running over the next column, and is still extracted verbatim.
#[test]
fn long_unbroken_tokens_wrap_inside_their_cell() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let token = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let number = "1234567890".repeat(20);
    let yaml = fs::read_to_string(repo().join("data/2023-kuerle-xinfangju.yaml")).unwrap();
    let first = yaml.find("三级: ").unwrap();
    let end = first + yaml[first..].find(',').unwrap();
    let yaml = format!("{}三级: {token}{}", &yaml[..first], &yaml[end..]);
    let first = yaml.find("上年完成值: ").unwrap();
    let end = first + yaml[first..].find([',', '}']).unwrap();
    let yaml = format!("{}上年完成值: \"{number}\"{}", &yaml[..first], &yaml[end..]);
    // A long word in another script, in the goal that spans the whole table.
    let word = "д".repeat(400);
    let first = yaml.find("目标1：").unwrap();
    let yaml = format!("{}{word}{}", &yaml[..first], &yaml[first..]);
    fs::write(data.join("a.yaml"), yaml).unwrap();
    let out = dir.path().join("out");
    let o = build(&data, &out, &[]);
    assert!(o.status.success(), "{}", stderr_of(&o));
    let pdf = outputs_below(&out)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .unwrap();
    let text = squash(&pdf_text(&pdf));
    assert!(text.contains(token), "{text}");
    assert!(text.contains(&number), "{text}");
    assert!(text.contains(&word), "{text}");
    // Nothing runs off the page (A4 landscape, 1.6 cm margins).
    let right = 842.0 - 45.0;
    for w in page1_words(&pdf) {
        assert!(w.2 <= right + 1.0, "{w:?} runs off the page");
    }
    let words = page1_words(&pdf);
    let header = |w: &str| {
        words
            .iter()
            .find(|x| x.4 == w)
            .unwrap_or_else(|| panic!("header “{w}” on page 1"))
            .clone()
    };
    let (target_col, basis_col) = (header("指标值"), header("指标值设置依据"));
    let pieces: Vec<_> = words
        .iter()
        .filter(|w| {
            !w.4.is_empty()
                && w.4
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        .collect();
    let token_pieces: Vec<_> = pieces
        .iter()
        .filter(|w| w.4.chars().any(|c| c.is_ascii_uppercase()))
        .collect();
    assert!(token_pieces.len() >= 2, "the token wraps: {token_pieces:?}");
    for w in &token_pieces {
        assert!(
            w.2 <= target_col.0,
            "{w:?} runs into the 指标值 column at x {}",
            target_col.0
        );
    }
    let number_pieces: Vec<_> = pieces
        .iter()
        .filter(|w| w.4.len() >= 5 && w.4.chars().all(|c| c.is_ascii_digit()) && w.0 > basis_col.2)
        .collect();
    assert!(
        number_pieces.len() >= 3,
        "the number wraps: {number_pieces:?}"
    );
}

/// A data directory of a ningxia and a xinjiang department, and a copy of the templates whose
/// ningxia page template has `line` before its tables.
fn endless_template(line: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    for f in ["2025-pingluo-rendaban.yaml", "2023-kuerle-xinfangju.yaml"] {
        fs::copy(repo().join("data").join(f), data.join(f)).unwrap();
    }
    let templates = dir.path().join("templates");
    copy_dir(&repo().join("templates"), &templates);
    let page = templates.join("ningxia/target.typ.j2");
    let text = fs::read_to_string(&page).unwrap();
    let text = text.replace("#jx-sections(data)", &format!("{line}\n#jx-sections(data)"));
    fs::write(&page, text).unwrap();
    (dir, data, templates)
}

/// Runs `jixiao COMMAND DATA --out OUT --templates TEMPLATES` with `env`, waiting at most
/// `limit` for it to end by itself.
fn run_bounded(
    command: &str,
    data: &Path,
    templates: &Path,
    env: &[(&str, &str)],
    limit: std::time::Duration,
) -> (std::process::ExitStatus, String, std::time::Duration) {
    let started = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg(command)
        .arg(data)
        .arg("--out")
        .arg(data.parent().unwrap().join("out"))
        .arg("--templates")
        .arg(templates)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("jixiao {command} still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let took = started.elapsed();
    (status, reader.join().unwrap(), took)
}

#[test]
fn an_endless_loop_in_a_page_template_is_stopped_by_fuel_at_its_line() {
    let (dir, data, templates) = endless_template(
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    );
    let (status, err, took) = run_bounded(
        "build",
        &data,
        &templates,
        &[],
        std::time::Duration::from_secs(120),
    );
    assert!(!status.success(), "{err}");
    assert!(err.contains("error[JX508]"), "{err}");
    assert!(err.contains("模板第 9 行"), "{err}");
    assert!(err.contains("ningxia/target.typ.j2"), "{err}");
    assert!(took.as_secs() < 60, "stopped after {took:?}");
    let outputs = outputs_below(&dir.path().join("out"));
    assert!(
        outputs
            .iter()
            .all(|p| !p.to_string_lossy().contains("平罗")),
        "nothing written for the department: {outputs:?}"
    );
    assert!(
        outputs
            .iter()
            .any(|p| p.to_string_lossy().contains("库尔勒")),
        "the other department is built: {outputs:?}"
    );
}

#[test]
fn an_endless_typst_loop_is_abandoned_at_the_time_limit() {
    // Nested loops: endless in practice, with little memory.
    let (dir, data, templates) =
        endless_template("#for i in range(100000) { for j in range(100000) { } }");
    let env = [("JIXIAO_TYPESET_TIMEOUT", "3")];
    let (status, err, took) = run_bounded(
        "build",
        &data,
        &templates,
        &env,
        std::time::Duration::from_secs(120),
    );
    assert!(!status.success(), "{err}");
    assert!(err.contains("error[JX508]"), "{err}");
    assert!(err.contains("排版超过 3 秒仍未结束"), "{err}");
    assert!(err.contains("JIXIAO_TYPESET_TIMEOUT"), "{err}");
    assert!(err.contains("ningxia/target.typ.j2"), "{err}");
    assert!(took.as_secs() < 60, "ended after {took:?}");
    let outputs = outputs_below(&dir.path().join("out"));
    assert!(
        outputs
            .iter()
            .all(|p| !p.to_string_lossy().contains("平罗")),
        "nothing written for the department: {outputs:?}"
    );
    assert!(
        outputs
            .iter()
            .any(|p| p.to_string_lossy().contains("库尔勒")),
        "the other department is built: {outputs:?}"
    );
    // `watch` cannot stop the stuck layout either: it reports and ends.
    let (status, err, _) = run_bounded(
        "watch",
        &data,
        &templates,
        &env,
        std::time::Duration::from_secs(120),
    );
    assert!(!status.success(), "{err}");
    assert!(err.contains("jixiao watch 就此退出"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Large documents laid out in batches (issue 20, item 3)
// ---------------------------------------------------------------------------------------------

/// The sample corpus built with batches of `rows` table rows (`JIXIAO_BATCH_ROWS`; `None`:
/// the defaults, under which every sample department is laid out whole).
fn build_batched(out: &Path, rows: Option<usize>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jixiao"));
    cmd.arg("build")
        .arg(repo().join("data"))
        .arg("--out")
        .arg(out)
        .arg("--templates")
        .arg(repo().join("templates"))
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env_remove("JIXIAO_BATCH_ROWS");
    if let Some(rows) = rows {
        cmd.env("JIXIAO_BATCH_ROWS", rows.to_string());
    }
    let o = cmd.output().expect("run the jixiao binary");
    assert!(o.status.success(), "{}", stderr_of(&o));
}

/// A document laid out in batches, tables cut into pieces at page breaks, prints as the same
/// document laid out whole: the same pages, each with the document's page number and total
/// (第 N 页 共 M 页, not the batch's), the column header repeated at the top of a page that
/// continues a table.
#[test]
fn a_document_laid_out_in_batches_prints_as_laid_out_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let (whole, batched) = (tmp.path().join("whole"), tmp.path().join("batched"));
    build_batched(&whole, None);
    // 40 rows: every department is batched, and a project of more than 40 rows is cut.
    build_batched(&batched, Some(40));
    let pdfs: Vec<PathBuf> = outputs_below(&whole)
        .into_iter()
        .filter(|p| p.extension() == Some(OsStr::new("pdf")))
        .collect();
    assert!(!pdfs.is_empty());
    let mut cut_pages = 0;
    for pdf in &pdfs {
        let other = batched.join(pdf.strip_prefix(&whole).unwrap());
        let n = page_count(pdf);
        assert_eq!(page_count(&other), n, "{}", other.display());
        for page in 1..=n {
            let (a, b) = (pdf_page_text(pdf, page), pdf_page_text(&other, page));
            assert_eq!(
                squash(&b),
                squash(&a),
                "{} page {page}: batched differs from whole",
                other.display()
            );
            assert!(
                squash(&b).contains(&format!("第{page}页共{n}页")),
                "{} page {page}: {b}",
                other.display()
            );
            // The department summary (zhejiang, 54 indicators in one table) is cut into
            // pieces of 40 rows: every page after the first repeats its column header.
            if page > 1 && pdf.to_string_lossy().contains("汇总表") {
                assert!(squash(&b).contains("一级指标"), "page {page}: {b}");
                cut_pages += 1;
            }
        }
    }
    assert!(
        cut_pages > 0,
        "no table was cut: the test no longer covers pieces"
    );
}
