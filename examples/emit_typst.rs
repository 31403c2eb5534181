//! Writes the Typst source of the first document of every department of a data directory, each
//! into `OUT/<NNN>/` with its `data.json` and the templates' `lib/`, so another Typst (the peer
//! in `bench/`) can compile the same tables.
//!
//!     emit_typst --data DIR --templates DIR --out DIR
//!
//! The source is what jixiao's first layout compiles (jixiao may lay a document out again to
//! split merged cells at page breaks; a one-page table needs one layout).

use std::path::PathBuf;

fn arg(name: &str) -> PathBuf {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            eprintln!("usage: emit_typst --data DIR --templates DIR --out DIR");
            std::process::exit(2)
        })
}

fn main() {
    let (data, templates_dir, out) = (arg("--data"), arg("--templates"), arg("--out"));
    let mut loaded = jixiao::load::load_dir(&data);
    let styles = jixiao::style::Styles::load(&templates_dir, &mut loaded);
    let checked = jixiao::check::check(&loaded, &styles);
    let fonts = jixiao::cli::style_fonts(&data, &[], &checked);
    let (templates, problems) = jixiao::render::pdf::source::Templates::load(&templates_dir);
    assert!(problems.is_empty(), "{problems:?}");
    for (i, dept) in checked.departments.iter().enumerate() {
        let doc = jixiao::plan::plan_department(dept)
            .expect("plans")
            .into_iter()
            .next()
            .expect("a document");
        let chains = jixiao::render::pdf::present_chains(&fonts, &dept.style.style.fonts);
        let (main, json) =
            jixiao::render::pdf::typst_source(&templates, &doc.template, &doc, &chains)
                .expect("source");
        let dir = out.join(format!("{:03}", i + 1));
        std::fs::create_dir_all(dir.join("lib")).expect("create the output directory");
        std::fs::write(dir.join("main.typ"), main).expect("write main.typ");
        std::fs::write(dir.join("data.json"), json).expect("write data.json");
        for e in std::fs::read_dir(templates_dir.join("lib")).expect("lib/") {
            let e = e.expect("lib entry");
            std::fs::copy(e.path(), dir.join("lib").join(e.file_name())).expect("copy lib");
        }
    }
    eprintln!("{} 份：{}", checked.departments.len(), out.display());
}
