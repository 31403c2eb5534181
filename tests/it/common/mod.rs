//! Shared by the end-to-end tests of `jixiao build` (`build_pdf.rs`, `build_xlsx.rs`): running
//! the binary, the sample corpus built once per test binary, its documents, and the seed tables
//! of `tests/fixtures/build/seeds` with the cells every output must reproduce and the
//! documented exceptions (computed figures, respelled labels, `>=` printed `≥`).
//!
//! Each test binary uses a different part of this module.
#![allow(dead_code)]

pub mod browser;
pub mod git;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------
/// A scratch directory `name` below `$CARGO_TARGET_TMPDIR/<area>`, named after this process
/// (kept after the run, for a look at what failed); leftovers of runs whose process is gone are
/// removed first.
pub fn scratch_in(area: &str, name: &str) -> PathBuf {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join(area);
    fs::create_dir_all(&base).unwrap();
    if Path::new("/proc/self").exists() {
        for e in fs::read_dir(&base).unwrap().filter_map(Result::ok) {
            let file = e.file_name().to_string_lossy().to_string();
            if let Some((pid, _)) = file.split_once('-')
                && pid.parse::<u32>().is_ok()
                && !Path::new("/proc").join(pid).exists()
            {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
    let dir = base.join(format!("{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// The 1-based line of the only line of `text` containing `needle` (asserted to be one).
pub fn line_of(text: &str, needle: &str) -> usize {
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "line_of: “{needle}” should be on exactly one line: {lines:?}"
    );
    lines[0]
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn seeds_dir() -> PathBuf {
    repo().join("tests/fixtures/build/seeds")
}

/// `jixiao build DATA --out OUT --templates <repo>/templates EXTRA…`
pub fn build(data: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("build")
        .arg(data)
        .arg("--out")
        .arg(out)
        .arg("--templates")
        .arg(repo().join("templates"))
        .args(extra)
        .output()
        .expect("run the jixiao binary")
}

/// Copies the directory `from` to `to`, with everything below it.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// `jixiao import ARGS… --templates <repo>/templates` run in `dir`.
pub fn import(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .current_dir(dir)
        .arg("import")
        .args(args)
        .arg("--templates")
        .arg(repo().join("templates"))
        .output()
        .expect("run the jixiao binary")
}

pub fn stderr_of(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// All whitespace removed.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Every file below `dir`, recursively.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn outputs_below(dir: &Path) -> Vec<PathBuf> {
    files_below(dir)
        .into_iter()
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("pdf" | "xlsx")))
        .collect()
}

/// Distinct numbered sentences, cut to exactly `chars` characters.
pub fn long_goal(chars: usize) -> String {
    let mut s = String::new();
    let mut i = 1;
    while s.chars().count() < chars {
        s += &format!("第{i}句：保障项目顺利实施，提升服务水平。");
        i += 1;
    }
    s.chars().take(chars).collect()
}

// ---------------------------------------------------------------------------------------------
// The sample corpus, built once per test binary
// ---------------------------------------------------------------------------------------------

pub struct Corpus {
    pub out: PathBuf,
    pub code: Option<i32>,
    pub stderr: String,
}

/// The sample corpus built into `$CARGO_TARGET_TMPDIR/corpus/corpus-<pid>` (read-only for the
/// tests; one per test binary). Leftovers of earlier runs whose process is gone are removed
/// first.
pub fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus");
        fs::create_dir_all(&base).unwrap();
        if Path::new("/proc/self").exists() {
            for e in fs::read_dir(&base).unwrap().filter_map(Result::ok) {
                let name = e.file_name().to_string_lossy().to_string();
                if let Some(pid) = name.strip_prefix("corpus-")
                    && !Path::new("/proc").join(pid).exists()
                {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
        let out = base.join(format!("corpus-{}", std::process::id()));
        let _ = fs::remove_dir_all(&out);
        let o = build(&repo().join("data"), &out, &[]);
        Corpus {
            out,
            code: o.status.code(),
            stderr: stderr_of(&o),
        }
    })
}

/// The corpus, asserting that it built.
pub fn built_corpus() -> &'static Corpus {
    let c = corpus();
    assert_eq!(
        c.code,
        Some(0),
        "the sample corpus must build:\n{}",
        c.stderr
    );
    c
}

/// One document of the sample corpus (a PDF and its xlsx twin).
pub struct Doc {
    /// Path below the output directory.
    pub path: &'static str,
    pub department: &'static str,
    /// The printed table title.
    pub title: &'static str,
    pub landscape: bool,
}

pub const DOCS: &[Doc] = &[
    Doc {
        path: "2020/绍兴市柯桥区人民代表大会常务委员会办公室/部门预算项目绩效目标汇总表.pdf",
        department: "绍兴市柯桥区人民代表大会常务委员会办公室",
        title: "2020年区级部门预算项目绩效目标汇总表",
        landscape: true,
    },
    Doc {
        path: "2023/库尔勒市人大常委会办公室/项目支出绩效目标表.pdf",
        department: "库尔勒市人大常委会办公室",
        title: "项目支出绩效目标表",
        landscape: true,
    },
    Doc {
        path: "2023/库尔勒市信访局/项目支出绩效目标表.pdf",
        department: "库尔勒市信访局",
        title: "项目支出绩效目标表",
        landscape: true,
    },
    Doc {
        path: "2023/相山区人大办公室/部门绩效自评项目清单.pdf",
        department: "相山区人大办公室",
        title: "相山区人大办公室部门绩效自评项目清单",
        landscape: false,
    },
    Doc {
        path: "2023/相山区人大办公室/项目支出绩效自评表.pdf",
        department: "相山区人大办公室",
        title: "项目支出绩效自评表",
        landscape: false,
    },
    Doc {
        path: "2025/平罗县人民代表大会常务委员会办公室/部门项目支出预算绩效目标表.pdf",
        department: "平罗县人民代表大会常务委员会办公室",
        title: "部门项目支出预算绩效目标表",
        landscape: false,
    },
];

/// The project names of a corpus file, in order (`  - 名称: …` lines).
pub fn project_names(yaml_file: &str) -> Vec<String> {
    fs::read_to_string(repo().join("data").join(yaml_file))
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("  - 名称: "))
        .map(|n| n.trim().trim_matches('"').to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Seed coverage
// ---------------------------------------------------------------------------------------------

/// A seed table and the document(s) that must reproduce it.
pub struct Seed {
    pub id: &'static str,
    pub file: &'static str,
    /// The PDFs, in order; their texts are concatenated. The xlsx twins (same path, `.xlsx`)
    /// hold the same tables, one sheet each.
    pub pdfs: &'static [&'static str],
    /// The line that starts a new section (a project's table) in both the seed and the PDF text.
    pub marker: fn(&str) -> bool,
    /// The style prints `≥`/`≤` for a leading `>=`/`<=` (RULES.md: "print ≥/≤ for >=/<= where
    /// the style asks for it"; xinjiang does).
    pub math_symbols: bool,
}

pub fn xinjiang_title(l: &str) -> bool {
    l.trim() == "项目支出绩效目标表"
}
pub fn ningxia_title(l: &str) -> bool {
    l.trim() == "部门项目支出预算绩效目标表"
}
pub fn no_marker(_: &str) -> bool {
    false
}
/// `附件1：`, `附件1-2：` (seed), `附件1-1：` (PDF).
pub fn anhui_heading(l: &str) -> bool {
    let t = l.trim();
    t.starts_with("附件1") && t.ends_with('：') && t.chars().count() <= 8
}

pub const SEEDS: &[Seed] = &[
    Seed {
        id: "000",
        file: "000_cb9ea03b69dab5cb.txt",
        pdfs: &["2023/库尔勒市人大常委会办公室/项目支出绩效目标表.pdf"],
        marker: xinjiang_title,
        math_symbols: true,
    },
    Seed {
        id: "001",
        file: "001_636228d89cf3601e.txt",
        pdfs: &["2025/平罗县人民代表大会常务委员会办公室/部门项目支出预算绩效目标表.pdf"],
        marker: ningxia_title,
        math_symbols: false,
    },
    Seed {
        id: "002",
        file: "002_61f17c6b2c847ead.txt",
        pdfs: &["2023/库尔勒市信访局/项目支出绩效目标表.pdf"],
        marker: xinjiang_title,
        math_symbols: true,
    },
    Seed {
        id: "003",
        file: "003_5ceddb66a5525401.txt",
        pdfs: &["2020/绍兴市柯桥区人民代表大会常务委员会办公室/部门预算项目绩效目标汇总表.pdf"],
        marker: no_marker,
        math_symbols: false,
    },
    // Section 0 is the 项目清单 (the seed's first page), sections 1–6 are 附件1-1 … 1-6.
    Seed {
        id: "004",
        file: "004_62b89d3619706223.txt",
        pdfs: &[
            "2023/相山区人大办公室/部门绩效自评项目清单.pdf",
            "2023/相山区人大办公室/项目支出绩效自评表.pdf",
        ],
        marker: anhui_heading,
        math_symbols: false,
    },
];

/// Seed cells the PDF spells differently on purpose: (seed, text in the seed, printed text).
pub const RESPELLED: &[(&str, &str, &str)] = &[
    // Form labels: some of the seed's projects were typed with ASCII brackets and colons; the
    // style prints its one spelling of the label (full-width) for every project.
    ("000", "项目资金(万元)", "项目资金（万元）"),
    ("000", "年度预算总额:", "年度预算总额："),
    ("000", "其中:财政拨款", "其中：财政拨款"),
    ("000", "其他资金:", "其他资金："),
    ("002", "项目资金(万元)", "项目资金（万元）"),
    ("002", "年度预算总额:", "年度预算总额："),
    ("002", "其中:财政拨款", "其中：财政拨款"),
    ("002", "其他资金:", "其他资金："),
    // An artefact of the text extraction (a Markdown heading mark), not part of the table.
    (
        "003",
        "## 2020年区级部门预算项目绩效目标汇总表",
        "2020年区级部门预算项目绩效目标汇总表",
    ),
    // The style numbers every annex 附件1-N; the seed wrote the first one as plain 附件1.
    ("004", "附件1：", "附件1-1："),
];

/// A row of seed 004 whose figures the tool computes instead of copying. RULES.md: "Where the
/// data states a figure the tool can compute (执行率, 得分, 总分, 合计), the tool computes it and
/// reports any difference with the stated one; the printed table shows the computed figure".
pub struct Computed {
    /// Section of seed 004 (1 = 附件1-1).
    pub section: usize,
    /// The row as the seed prints it (cells separated by spaces).
    pub stated: &'static str,
    /// The row as the PDF must print it.
    pub printed: &'static str,
    /// The seed cells of this row that the PDF does not print.
    pub dropped: &'static [&'static str],
}

pub const COMPUTED: &[Computed] = &[
    // 执行率 = B/A "shown with two decimals as a percentage (93.85%)" (RULES.md).
    Computed {
        section: 1,
        stated: "年度资金总额： 55 55 55 10 100% 10",
        printed: "年度资金总额： 55 55 55 10 100.00% 10",
        dropped: &["100%"],
    },
    // 62.75% executed: execution score 10 × 62.75% = 6.28, not the seed's full 10 points.
    Computed {
        section: 2,
        stated: "年度资金总额： 20 20 12.55 10 62.75% 10",
        printed: "年度资金总额： 20 20 12.55 10 62.75% 6.28",
        dropped: &["10"],
    },
    // ≥100% target, 99% actual, weight 10: 10 × 99/100 = 9.9 (正向 rule), not the stated 10.
    Computed {
        section: 2,
        stated: "指标1：群众满意度 ≥100% 99% 10 10",
        printed: "指标1：群众满意度 ≥100% 99% 10 9.9",
        dropped: &["10"],
    },
    // 总分 = 6.28 + 87.9.
    Computed {
        section: 2,
        stated: "总分 100 98",
        printed: "总分 100 94.18",
        dropped: &["98"],
    },
    Computed {
        section: 3,
        stated: "年度资金总额： 1 1 1 10 100% 10",
        printed: "年度资金总额： 1 1 1 10 100.00% 10",
        dropped: &["100%"],
    },
    Computed {
        section: 4,
        stated: "年度资金总额： 10.368 10.368 10.368 10 100% 10",
        printed: "年度资金总额： 10.368 10.368 10.368 10 100.00% 10",
        dropped: &["100%"],
    },
    // The seed states 100% while 52.48 / 55.92 = 93.85%; score 10 × 93.85% = 9.38.
    Computed {
        section: 5,
        stated: "年度资金总额： 55.92 55.92 52.48 10 100% 10",
        printed: "年度资金总额： 55.92 55.92 52.48 10 93.85% 9.38",
        dropped: &["100%", "10"],
    },
    // 总分 = 9.38 + 90.
    Computed {
        section: 5,
        stated: "总分 100 100",
        printed: "总分 100 99.38",
        dropped: &["100"],
    },
    // 74.3% executed: shown as 74.30%, scored 7.43 instead of 10.
    Computed {
        section: 6,
        stated: "年度资金总额： 10 10 7.43 10 74.3% 10",
        printed: "年度资金总额： 10 10 7.43 10 74.30% 7.43",
        dropped: &["74.3%", "10"],
    },
    // ≤100000元 target, 74301.66元 actual (反向, a ≤ t): full 10 points, not the stated 9.
    Computed {
        section: 6,
        stated: "指标1：工作经费 ≤100000元 74301.66元 10 9",
        printed: "指标1：工作经费 ≤100000元 74301.66元 10 10",
        dropped: &["9"],
    },
    // 总分 = 7.43 + 90.
    Computed {
        section: 6,
        stated: "总分 100 99",
        printed: "总分 100 97.43",
        dropped: &["99"],
    },
];

/// Words the source system cut off (FORMATS.md lists them as defects of the source), which the
/// corpus transcribes verbatim ("照录"): they must still be printed, in full.
pub const CUT_OFF: &[(&str, &str)] = &[
    ("000", "人大代表工作委员"),
    ("000", "推动库尔勒市人大"),
    ("000", "持续提升监督工作"),
    ("000", "组织乡、镇、街道"),
    ("000", "保障调研视察工"),
    ("000", "提高乡、镇、街道"),
    ("000", "乡、镇、街道人大"),
    ("000", "为代表履职提供保"),
    ("000", "提升市级代表依法"),
    ("000", "持续保障预算监督"),
    ("002", "信访大楼水、暖"),
    ("002", "大楼日常物业水电"),
    ("002", "聘请法律顾问合格"),
    ("002", "提高我局职工法律"),
    ("002", "长期驻京人员差旅"),
    ("002", "促进我市赴京上访"),
    ("002", "防止行政、民事纠纷, 避免招致刑事责任。对"),
    ("003", "广播、电视、报纸、网"),
    ("003", "区人大财政预算咨询小组工作经历"),
    ("004", "进上步加大招商引资力度，带动经济增长"),
];

/// `text` cut into sections at marker lines (each section starts with its marker line);
/// section 0 is what precedes the first marker.
pub fn sections(text: &str, marker: fn(&str) -> bool) -> Vec<String> {
    let mut parts = vec![String::new()];
    for line in text.lines() {
        if marker(line) {
            parts.push(String::new());
        }
        let last = parts.last_mut().unwrap();
        last.push_str(line);
        last.push('\n');
    }
    parts
}

/// The non-empty cells of a seed section: split on tabs (cell borders) and newlines (wrapped
/// cells become several pieces, each of which must appear).
///
/// Cells the corpus normalised need no exception: comparing without whitespace covers the
/// joined wrapped cells (`持续\n提升` → 持续提升, `实施\n单位`), the typesetting spaces the corpus
/// dropped (`按时  完成`, `持续 加强`, `考察学习、 调研`, `充 分发挥`) and the trailing full-width
/// space of `人大会议经费　`. The template placeholder rows of seed 004 (`指标2：`, `……`) are
/// printed by the Anhui style too, so they are checked like any other cell.
pub fn cells(section: &str) -> Vec<String> {
    section
        .split(['\t', '\n'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn printed_form(seed: &Seed, cell: &str) -> String {
    if let Some((_, _, p)) = RESPELLED
        .iter()
        .find(|(s, c, _)| *s == seed.id && *c == cell)
    {
        return p.to_string();
    }
    if seed.math_symbols {
        if let Some(rest) = cell.strip_prefix(">=") {
            return format!("≥{rest}");
        }
        if let Some(rest) = cell.strip_prefix("<=") {
            return format!("≤{rest}");
        }
    }
    cell.to_string()
}

/// The cells of section `i` of a seed that the output must print: [`cells`] without one
/// occurrence of each seed figure the tool replaces by a computed one ([`COMPUTED`]). Panics
/// on a stale exception.
pub fn expected_cells(seed: &Seed, i: usize, section: &str) -> Vec<String> {
    let mut expected = cells(section);
    // Drop one occurrence of every seed figure the tool replaces by a computed one.
    for comp in COMPUTED
        .iter()
        .filter(|x| seed.id == "004" && x.section == i)
    {
        for d in comp.dropped {
            let at = expected
                .iter()
                .position(|c| c == d)
                .unwrap_or_else(|| panic!("stale exception: seed 004 §{i} has no cell {d:?}"));
            expected.remove(at);
        }
    }
    expected
}

/// Every [`RESPELLED`] exception must still match a cell of its seed.
pub fn assert_respelled_exceptions_are_current() {
    for (id, from, _) in RESPELLED {
        let seed = SEEDS.iter().find(|s| s.id == *id).unwrap();
        let text = fs::read_to_string(seeds_dir().join(seed.file)).unwrap();
        assert!(
            cells(&text).iter().any(|c| c == from),
            "stale exception: seed {id} has no cell {from:?}"
        );
    }
}

/// The proptest configuration of the fuzz tests: `cases` cases (`JIXIAO_FUZZ_CASES` overrides),
/// a fixed seed so that every run, CI's included, tries the same inputs
/// (`JIXIAO_FUZZ_SEED=<u64>` tries others), and no regression files in the work tree (a failure
/// prints its minimal case and the seed).
pub fn fuzz_config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let env = |name: &str| std::env::var(name).ok().and_then(|n| n.parse().ok());
    Config {
        cases: env("JIXIAO_FUZZ_CASES").map_or(cases, |n: u64| n as u32),
        rng_seed: RngSeed::Fixed(env("JIXIAO_FUZZ_SEED").unwrap_or(0x6a69_7869_616f)),
        failure_persistence: None,
        ..Config::default()
    }
}

/// `pdftotext -raw PDF -`: the text of a PDF (poppler-utils; the test fails without it).
pub fn pdf_text(pdf: &Path) -> String {
    let o = std::process::Command::new("pdftotext")
        .arg("-raw")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed");
    assert!(o.status.success(), "pdftotext {}", pdf.display());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A URL path segment with its `%XX` escapes decoded (UTF-8).
pub fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = segment
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8 after decoding")
}
