//! Output directory names: how a file system compares them, and the names a department
//! may not have (too long, reserved on Windows, the same as another department's).

use super::*;

/// The longest output directory name accepted, in bytes (most file systems allow 255; the
/// rest is left for a name's marks, and Windows paths are short).
pub const MAX_DIR_NAME_BYTES: usize = crate::write::policy::MAX_NAME_BYTES;

/// How a file system compares output directory names: `safe_component`'s name, without the
/// trailing dots and spaces Windows drops, in one case and one Unicode normalization (Windows
/// and macOS ignore case; macOS ignores composition).
pub fn output_dir_key(name: &str) -> String {
    let c = crate::write::safe_component(name);
    crate::write::policy::folded_name(c.trim_end_matches(['.', ' ']))
}

/// Why the name `what` (`部门名称`, `地区名称`) cannot be an output directory's name as
/// `safe_component` makes it — only dots, a Windows device name, too long — as a message and
/// what to do; `None` when it can.
pub fn dir_name_problem(what: &str, name: &str) -> Option<(String, String)> {
    let dir = crate::write::safe_component(name);
    if name.chars().all(|c| c == '.' || c.is_whitespace()) {
        return Some((
            format!("{what}“{name}”只有点号，不能用作目录名"),
            "写出全称".to_string(),
        ));
    }
    if crate::write::policy::reserved_on_windows(&dir) {
        return Some((
            format!("{what}“{name}”是 Windows 保留的设备名，不能用作目录名"),
            "写出全称；CON、PRN、AUX、NUL、COM1–COM9、LPT1–LPT9（含带扩展名的形式）不能作目录名"
                .to_string(),
        ));
    }
    if dir.len() > MAX_DIR_NAME_BYTES {
        return Some((
            format!(
                "{what}用作目录名有 {} 字节（UTF-8），最多 {MAX_DIR_NAME_BYTES} 字节",
                dir.len()
            ),
            format!(
                "写简短些的{what}（汉字每个 3 字节，即约 {} 个汉字）",
                MAX_DIR_NAME_BYTES / 3
            ),
        ));
    }
    None
}

/// The department's output directory `out/<年度>/<部门>/`: a name the file system would refuse
/// or alter (JX112), or one that is another department's directory, or the `reserved` one, on
/// some file system (JX111, at this department's name, naming the other's file).
pub(super) fn check_output_dir<'a>(
    cx: &mut Cx,
    dept: &'a Department,
    reserved: Option<&str>,
    dirs: &mut HashMap<(String, u32), (FileId, &'a str)>,
) {
    let name = dept.name.value.trim();
    if name.is_empty() {
        return; // JX103
    }
    let dir = crate::write::safe_component(name);
    if let Some((message, help)) = dir_name_problem("部门名称", name) {
        cx.emit_help(&rules::BAD_DEPARTMENT_NAME, &dept.name, message, help);
        return;
    }
    let key = (output_dir_key(name), dept.year.value);
    // With a region, `out/<年度>/index.html` is the year's publication index.
    if reserved.is_some() && output_dir_key(crate::write::layout::INDEX_FILE) == key.0 {
        cx.emit_help(
            &rules::OUTPUT_COLLISION,
            &dept.name,
            format!(
                "部门“{name}”的输出目录 {}/{dir}/ 就是该年度发布索引页的文件名",
                dept.year.value
            ),
            "写出部门全称",
        );
        return;
    }
    if let Some(reserved) = reserved.filter(|r| output_dir_key(r) == key.0) {
        cx.emit_help(
            &rules::OUTPUT_COLLISION,
            &dept.name,
            format!(
                "部门“{name}”的输出目录 {}/{dir}/ 就是地区汇总表的目录",
                dept.year.value
            ),
            format!("写出部门全称；“{reserved}”是地区汇总表的目录名"),
        );
        return;
    }
    match dirs.get(&key) {
        Some(&(other, other_name)) => {
            let here = crate::diag::display_path(cx.sources.path(cx.file));
            let there = crate::diag::display_path(cx.sources.path(other));
            cx.emit(
                &rules::OUTPUT_COLLISION,
                &dept.name,
                format!(
                    "{here} 的部门“{name}”与 {there} 的部门“{other_name}”输出到同一目录 {}/{dir}/",
                    dept.year.value
                ),
            );
        }
        None => {
            dirs.insert(key, (dept.file, name));
        }
    }
}
