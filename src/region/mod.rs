//! A region's view over its departments: the optional region file `地区.yaml` in the data
//! directory (the region's name, the compiling office, the signature lines and which summary
//! styles to build), the summary styles of `templates/<样式>/region.yaml`, the figures they
//! print ([`figures`]) and their plans ([`plan`]). Checked like every data and style file.

use std::path::Path;

use serde::Deserialize;

use crate::diag::{Diagnostic, FileId};
use crate::load::Loaded;
use crate::rules;
use crate::style::SText;

pub mod figures;
pub mod plan;
pub mod style;

/// `地区.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionFile {
    /// The region's name, printed in the summaries' titles.
    #[serde(rename = "地区")]
    pub name: SText,
    /// The office that compiles the summaries.
    #[serde(rename = "编制单位", default)]
    pub office: Option<SText>,
    /// The signature lines under each summary, in order.
    #[serde(rename = "签字", default)]
    pub signatures: Option<Vec<Signature>>,
    /// The summary styles to build (directories of `templates/` with a `region.yaml`).
    #[serde(rename = "汇总", default)]
    pub styles: Option<Vec<SText>>,
}

/// One signature line: a label and what is printed after it (often left blank to sign).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    #[serde(rename = "标签")]
    pub label: SText,
    #[serde(rename = "内容", default)]
    pub text: Option<SText>,
}

/// The region file as loaded.
#[derive(Debug, Clone)]
pub struct Region {
    pub file: FileId,
    pub spec: RegionFile,
}

impl Region {
    pub fn name(&self) -> &str {
        self.spec.name.value.trim()
    }

    pub fn office(&self) -> &str {
        self.spec.office.as_ref().map_or("", |o| o.value.trim())
    }

    /// The signature lines, or the usual five.
    pub fn signatures(&self) -> Vec<(String, String)> {
        match &self.spec.signatures {
            Some(s) => s
                .iter()
                .map(|s| {
                    (
                        s.label.value.clone(),
                        s.text.as_ref().map(|t| t.value.clone()).unwrap_or_default(),
                    )
                })
                .collect(),
            None => [
                "编制单位（盖章）：",
                "负责人：",
                "审核人：",
                "经办人：",
                "日期：",
            ]
            .iter()
            .map(|l| (l.to_string(), String::new()))
            .collect(),
        }
    }

    /// The summary styles to build: those named, or `region`.
    pub fn styles(&self) -> Vec<SText> {
        self.spec.styles.clone().unwrap_or_else(|| {
            vec![serde_saphyr::Spanned::new(
                "region".to_string(),
                serde_saphyr::Location::UNKNOWN,
                serde_saphyr::Location::UNKNOWN,
            )]
        })
    }
}

/// The most signature lines under a summary (the usual is five).
pub const MAX_SIGNATURES: usize = 50;

/// What the build needs of the region file beyond its format, each at its place (JX701):
/// a name that can be the summaries' directory `<地区>汇总` (as a department's name must), and
/// a signature line that fits the one spreadsheet cell it may share (Excel's 32,767
/// characters, counted as Excel counts them) in at most [`MAX_SIGNATURES`] lines.
fn limits(region: &Region, sources: &crate::diag::Sources) -> Vec<Diagnostic> {
    let at = |loc: &serde_saphyr::Location| crate::load::span_pos(sources, region.file, loc);
    let mut out = Vec::new();
    let name = &region.spec.name;
    if let Some((message, help)) =
        crate::check::dir_name_problem("地区名称", &summaries_dir_name(region))
    {
        out.push(
            Diagnostic::new(&rules::REGION_FILE, at(&name.referenced), message)
                .help(format!("{help}；汇总表写在 out/<年度>/<地区>汇总/ 中")),
        );
    }
    let Some(lines) = &region.spec.signatures else {
        return out;
    };
    if let Some(first_over) = lines.get(MAX_SIGNATURES) {
        out.push(
            Diagnostic::new(
                &rules::REGION_FILE,
                at(&first_over.label.referenced),
                format!(
                    "签字有 {} 项，最多 {MAX_SIGNATURES} 项（从这一项起超出）",
                    lines.len()
                ),
            )
            .help("签字栏印在每张汇总表下方的一行中，只保留需要签字的几项"),
        );
        return out;
    }
    let pairs = region.signatures();
    let n = crate::plan::signature_line(&pairs).encode_utf16().count();
    if n > crate::excel::CELL_CHARS {
        let pos = lines.first().and_then(|s| at(&s.label.referenced));
        out.push(
            Diagnostic::new(
                &rules::REGION_FILE,
                pos,
                format!(
                    "签字栏合计 {n} 个字符，超过一个表格单元格能容纳的 {} 个字符",
                    crate::excel::CELL_CHARS
                ),
            )
            .help("签字栏在 xlsx 中写在一个单元格里；精简各项的标签和内容"),
        );
    }
    out
}

/// The directory of each year's summaries of `region`: `<地区>汇总`.
pub fn summaries_dir_name(region: &Region) -> String {
    format!("{}汇总", region.name())
}

/// The directory the summaries take in every year, which no department may have: the region's
/// when it has summary styles (`has_styles`), else none.
pub fn reserved_dir(region: Option<&Region>, has_styles: bool) -> Option<String> {
    region.filter(|_| has_styles).map(summaries_dir_name)
}

/// Whether `path` is a region file (not a department's data).
pub fn is_region_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| crate::load::REGION_FILE_NAMES.contains(&n))
}

/// Loads the region file of `data`, if there is one: its text joins `loaded`'s sources, its
/// problems `loaded`'s diagnostics (JX701).
pub fn load(data: &Path, loaded: &mut Loaded) -> Option<Region> {
    let path = crate::load::REGION_FILE_NAMES
        .iter()
        .map(|n| data.join(n))
        .find(|p| p.is_file())?;
    let refuse = |loaded: &mut Loaded, message: String| {
        let mut d = Diagnostic::new(&rules::REGION_FILE, None, message);
        d.path = Some(path.clone());
        loaded.diagnostics.push(d);
    };
    if !crate::load::resolves_inside(&path, data) {
        refuse(loaded, "地区文件指向数据目录以外，不读取".to_string());
        return None;
    }
    let text = match crate::load::read_project_text(&path) {
        Ok(t) => t,
        Err(e) => {
            refuse(loaded, format!("无法读取地区文件：{e}"));
            return None;
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let file = loaded.sources.add(&path, text);
    match crate::load::parse_as::<RegionFile>(loaded.sources.text(file)) {
        Ok(spec) => {
            if spec.name.value.trim().is_empty() {
                let pos = crate::load::span_pos(&loaded.sources, file, &spec.name.referenced);
                loaded.diagnostics.push(Diagnostic::new(
                    &rules::REGION_FILE,
                    pos,
                    "地区名称不能为空",
                ));
                return None;
            }
            let region = Region { file, spec };
            let problems = limits(&region, &loaded.sources);
            if !problems.is_empty() {
                loaded.diagnostics.extend(problems);
                return None;
            }
            Some(region)
        }
        Err(err) => {
            let d =
                crate::load::yaml_error_as(&loaded.sources, file, &err, &rules::REGION_FILE, &path);
            loaded.diagnostics.push(d);
            None
        }
    }
}
