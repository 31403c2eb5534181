//! `jixiao new 部门名 --style S --year Y`: a department's file to fill in.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// 部门（预算单位）全称
    pub name: String,
    /// 样式名（如 xinjiang、ningxia、zhejiang、anhui、national）
    #[arg(long)]
    pub style: String,
    /// 预算年度
    #[arg(long)]
    pub year: u32,
    /// 数据目录
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// 样式目录（默认：数据目录旁的 templates/）
    #[arg(long)]
    pub templates: Option<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    let fail = |m: String| {
        eprintln!("错误：{m}");
        ExitCode::FAILURE
    };
    let name = args.name.trim();
    if name.is_empty() {
        return fail("部门名称为空；请写部门全称，如 jixiao new 库尔勒市某某局 …".into());
    }
    if !(2000..=2100).contains(&args.year) {
        return fail(format!("年度 {} 不在 2000–2100 之间", args.year));
    }
    let templates = crate::workspace::templates_dir(&args.data, args.templates.as_deref());
    super::note_templates(&templates);
    let (styles, loaded) = super::schema::load_styles(&templates);
    let style = match styles.get(&args.style) {
        Ok(s) => s,
        Err(e) => {
            super::schema::print_problems(&loaded);
            return fail(e);
        }
    };
    let data = match crate::write::Dir::root(&args.data, true) {
        Ok(d) => d,
        Err(e) => return fail(format!("无法创建数据目录：{e}")),
    };
    let file = crate::scaffold::file_name(name, args.year);
    let path = data.join(&file);
    let exists = |path: &Path| {
        fail(format!(
            "{} 已存在，没有改动它；要重新开始，请先把它改名或删除",
            crate::diag::display_path(path)
        ))
    };
    match data.kind(&file) {
        Ok(None) => {}
        Ok(Some(crate::write::Kind::File)) => return exists(&path),
        Ok(Some(crate::write::Kind::Symlink)) => {
            return fail(format!(
                "无法写入：{}",
                crate::write::FsError::Symlink(path)
            ));
        }
        Ok(Some(_)) => return exists(&path),
        Err(e) => return fail(format!("无法写入：{e}")),
    }
    // The modeline is relative to the data file, so the project can move.
    let rel = format!("../{}", crate::schema::schema_file(&style.key));
    let text = crate::scaffold::new_department(style, name, args.year, &rel);
    match data.create_new(&file, text.as_bytes()) {
        Ok(true) => {}
        Ok(false) => return exists(&path),
        Err(e) => return fail(format!("无法写入：{e}")),
    }
    // The editor's schema once the data file is written (a refused `new` writes nothing).
    let schema =
        match crate::scaffold::write_schema(&crate::workspace::project_root(&args.data), style) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
    let help = match &schema {
        Some(s) => format!("，编辑器格式说明在 {}", crate::diag::display_path(s)),
        None => "（数据目录的上一级不是 jixiao 项目目录，没有在那里写编辑器用的 schema；需要时用 jixiao schema -o 写到你指定的位置）".to_string(),
    };
    eprintln!(
        "已写入 {}（样式 {}：{}）{help}",
        crate::diag::display_path(&path),
        style.key,
        style.style.name,
    );
    eprintln!("把每个 \"\" 换成实际内容、金额 0 改成实际金额，然后运行 jixiao check。");
    ExitCode::SUCCESS
}
