//! The templates' own files — `*.typ.j2` and the Typst library `lib/*` — checked like data:
//! a problem is a diagnostic at the file and line where it is, not a flattened message.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, FileId, Sources};
use crate::render::pdf::engine::{Engine, EngineError, TypstDiagnostic};
use crate::render::pdf::source::TemplateProblem;
use crate::rules::{self, Rule};

/// A template that did not load, as a diagnostic at its line.
pub fn template_problem(sources: &mut Sources, p: TemplateProblem) -> Diagnostic {
    let message = format!("模板无法使用：{}", p.message);
    match p.text {
        Some(text) => {
            let file = sources.add(&p.path, text);
            let line = p.line.unwrap_or(1);
            let len = sources
                .text(file)
                .lines()
                .nth(line.saturating_sub(1))
                .map_or(0, |l| l.chars().count());
            Diagnostic::new(
                &rules::TEMPLATE_ERROR,
                Some(sources.pos_at(file, line, 1, len)),
                message,
            )
        }
        None => {
            let mut d = Diagnostic::new(&rules::TEMPLATE_ERROR, None, message);
            d.path = Some(p.path);
            d
        }
    }
}

/// The Typst library: `templates/lib/*` as virtual files `lib/<name>`, the only files Typst
/// may read; and the files that could not be read.
pub struct Lib {
    pub files: Vec<(String, Vec<u8>)>,
    pub problems: Vec<(PathBuf, String)>,
}

pub fn read_lib(templates_dir: &Path) -> Lib {
    let root = crate::style::dirs::layer(templates_dir, "lib");
    let dir = root.join("lib");
    let mut lib = Lib {
        files: Vec::new(),
        problems: Vec::new(),
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => {
            lib.problems
                .push((dir.clone(), format!("无法读取 Typst 库目录：{e}")));
            return lib;
        }
    };
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        if !path.is_file() {
            continue;
        }
        if !crate::load::resolves_inside(&path, &root) {
            lib.problems
                .push((path, "指向样式目录以外，不读取".to_string()));
            continue;
        }
        match crate::load::read_project_file(&path) {
            Ok(bytes) => lib
                .files
                .push((format!("lib/{}", e.file_name().to_string_lossy()), bytes)),
            Err(err) => lib.problems.push((path, format!("无法读取：{err}"))),
        }
    }
    lib.files.sort();
    lib
}

/// Errors of each Typst file of the library, found by importing it on its own.
pub fn check_lib(engine: &Engine, lib: &[(String, Vec<u8>)]) -> Vec<TypstDiagnostic> {
    let mut found = Vec::new();
    for (name, _) in lib.iter().filter(|(n, _)| n.ends_with(".typ")) {
        let main = format!(
            "#import {}: *",
            crate::render::pdf::source::typst_string(&format!("/{name}"))
        );
        if let Err(EngineError::Compile(diags)) = engine.compile(&main, Vec::new()) {
            found.extend(
                diags
                    .into_iter()
                    .filter(|d| d.at.as_ref().is_some_and(|a| a.file.is_some())),
            );
        }
    }
    crate::render::pdf::engine::evict();
    found
}

/// A Typst diagnostic as one of ours: at its place in a library file when it points into
/// one; otherwise (the generated source of `template`) at the template file, quoting the
/// generated line.
pub fn typst_diagnostic(
    sources: &Sources,
    lib_ids: &BTreeMap<String, FileId>,
    template: Option<(&Path, &str)>,
    d: &TypstDiagnostic,
    rule: &'static Rule,
) -> Diagnostic {
    let mut message = d.message.clone();
    for (what, _) in &d.trace {
        message.push('；');
        message.push_str(what);
    }
    if let Some((_, department)) = template {
        message = format!("{department}：{message}");
    }
    let at_lib =
        d.at.as_ref()
            .and_then(|a| Some((lib_ids.get(a.file.as_deref()?)?, a)));
    let mut diag = match at_lib {
        Some((&file, at)) => {
            Diagnostic::new(rule, Some(sources.pos(file, at.bytes.clone())), message)
        }
        None => {
            if let Some(at) = &d.at {
                message.push_str(&format!(
                    "（生成的源码第 {} 行：{}）",
                    at.line,
                    at.line_text.trim()
                ));
            }
            let mut diag = Diagnostic::new(rule, None, message);
            diag.path = template.map(|(t, _)| t.to_path_buf());
            diag
        }
    };
    if !d.hints.is_empty() {
        diag.help = Some(d.hints.join("；"));
    }
    diag
}
