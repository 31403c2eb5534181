//! `jixiao schema [--style S]`: the data format as a JSON Schema, for editor completion.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::load::Loaded;
use crate::style::Styles;

#[derive(clap::Args)]
pub struct Args {
    /// 样式名：只写这个样式的数据格式（默认：全部样式，按文件中的“样式”选择）
    #[arg(long)]
    pub style: Option<String>,
    /// 样式目录（默认：data/ 旁的 templates/）
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// 写地区文件（地区.yaml）的格式，而不是部门数据文件的
    #[arg(long, conflicts_with = "style")]
    pub region: bool,
    /// 写入这个文件（默认或 - ：打印到标准输出）
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

/// The styles of `templates`, with the problems found loading them printed to stderr.
pub fn load_styles(templates: &Path) -> (Styles, Loaded) {
    let mut loaded = Loaded::default();
    let styles = Styles::load(templates, &mut loaded);
    (styles, loaded)
}

/// Prints the diagnostics of `loaded` (style problems) to stderr.
pub fn print_problems(loaded: &Loaded) {
    if loaded.diagnostics.is_empty() {
        return;
    }
    let mut err = codespan_reporting::term::termcolor::StandardStream::stderr(
        codespan_reporting::term::termcolor::ColorChoice::Never,
    );
    crate::diag::emit_human(&mut err, &loaded.sources, &loaded.diagnostics);
}

/// The schema text of `style` (or of every style), or a message.
pub fn schema_text(styles: &Styles, style: Option<&str>) -> Result<String, String> {
    let value = match style {
        Some(key) => crate::schema::style_schema(styles.get(key)?),
        None => crate::schema::generic_schema(styles),
    };
    let mut text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

pub fn run(args: &Args) -> ExitCode {
    let templates = crate::workspace::templates_dir(Path::new("data"), args.templates.as_deref());
    super::note_templates(&templates);
    let (styles, loaded) = load_styles(&templates);
    let text = if args.region {
        Ok(crate::schema::region_schema_text(&templates))
    } else {
        schema_text(&styles, args.style.as_deref())
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            print_problems(&loaded);
            eprintln!("错误：{e}");
            return ExitCode::FAILURE;
        }
    };
    match &args.out {
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Some(path) if path.as_os_str() == "-" => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Some(path) => match crate::write::policy::write_named(path, text.as_bytes(), &mut {
            // Never over a style read now, nor over the project's data.
            let mut claims = crate::write::policy::Claims::default();
            claims.project_inputs(Path::new("data"), &templates, &[]);
            claims
        }) {
            Ok(_) => {
                eprintln!("已写入 {}", crate::diag::display_path(path));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("错误：无法写入：{e}");
                ExitCode::FAILURE
            }
        },
    }
}
