//! The pipeline as a library: the sample corpus checked and built through `Workspace`, without
//! the binary; a second build finds everything current; previews come from the same layout.

use std::path::{Path, PathBuf};

use jixiao::workspace::{BuildOptions, DeptStatus, Event, Options, Workspace, quiet};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn workspace(data: &Path, out: &Path) -> Workspace {
    Workspace::open(Options {
        data: data.to_path_buf(),
        out: out.to_path_buf(),
        templates: Some(repo().join("templates")),
        font_paths: Vec::new(),
    })
}

#[test]
fn the_library_builds_the_sample_corpus() {
    let out = tempfile::tempdir().unwrap();
    let mut ws = workspace(&repo().join("data"), out.path());
    let checked = ws.check();
    assert_eq!(checked.summary.errors, 0, "the sample corpus checks clean");
    assert!(checked.summary.warnings > 0, "and has its known warnings");
    assert!(
        checked
            .departments
            .iter()
            .all(|d| d.status == DeptStatus::Checked),
        "check alone plans nothing"
    );
    assert!(
        !out.path().join(".jixiao-manifest.json").exists(),
        "check writes nothing"
    );

    let events = std::sync::Mutex::new(Vec::new());
    let on = |e: &Event| events.lock().unwrap().push(e.to_string());
    let built = ws.build(&BuildOptions::default(), &on);
    assert!(!built.failed(), "{:?}", built.fatal);
    assert_eq!(built.summary.departments, checked.summary.departments);
    assert_eq!(built.summary.warnings, checked.summary.warnings);
    let data_files = std::fs::read_dir(repo().join("data")).unwrap().count();
    assert_eq!(built.departments.len(), data_files);
    let mut files = 0;
    for d in &built.departments {
        assert_eq!(d.status, DeptStatus::Built, "{}", d.name);
        assert!(!d.documents.is_empty(), "{}", d.name);
        for doc in &d.documents {
            let pdf = std::fs::read(doc.primary()).unwrap();
            assert!(pdf.starts_with(b"%PDF-"), "{}", doc.primary().display());
            let xlsx = std::fs::read(doc.file("xlsx").unwrap()).unwrap();
            assert!(xlsx.starts_with(b"PK"), "xlsx is a zip");
            files += 2;
        }
    }
    assert_eq!(built.written, files);
    let written = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.starts_with("写入 "))
        .count();
    assert_eq!(written, files, "an event for every file written");

    // Built again by the same workspace (fonts and engine kept): nothing is rendered.
    let again = ws.build(&BuildOptions::default(), &quiet);
    assert_eq!((again.written, again.unchanged), (0, files));
}

#[test]
fn previews_are_the_pages_of_the_pdf_with_their_text() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::copy(
        repo().join("data/2023-kuerle-xinfangju.yaml"),
        data.join("a.yaml"),
    )
    .unwrap();
    let mut ws = workspace(&data, &dir.path().join("out"));
    let built = ws.build(&BuildOptions::default(), &quiet);
    assert!(!built.failed());
    let doc = &built.departments[0].documents[0];
    let pages = ws.pages(doc.primary()).expect("the document was planned");
    let pdf_pages = std::process::Command::new("pdfinfo")
        .arg(doc.primary())
        .output()
        .expect("pdfinfo (poppler-utils) is installed");
    let info = String::from_utf8_lossy(&pdf_pages.stdout);
    let count: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo gives the page count");
    assert_eq!(pages.len(), count, "one preview per PDF page");
    assert!(pages.iter().all(|p| p.svg.starts_with("<svg")));
    let name = &built.departments[0].name;
    assert!(
        pages[0].text.contains(name.as_str()),
        "the first page's text names {name}:\n{}",
        pages[0].text
    );
    // Asked again after a rebuild that changed nothing: the same pages, not laid out again.
    let again = ws.build(&BuildOptions::default(), &quiet);
    assert_eq!(again.written, 0);
    let kept = ws.pages(doc.primary()).unwrap();
    assert!(std::sync::Arc::ptr_eq(&pages, &kept));
    assert!(ws.pages(Path::new("/nowhere.pdf")).is_none());
}

/// Preview first (issue 26, item 2): a rebuild with `previews` hands the changed document's
/// pages to the events (`Event::Previewed`) before its files are written, the department in
/// view first; those pages are the new ones, and kept as the previews (no second layout).
#[test]
fn a_rebuild_shows_the_new_pages_before_it_writes_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for (from, to) in [
        ("2023-kuerle-xinfangju.yaml", "a.yaml"),
        ("2023-kuerle-rendaban.yaml", "b.yaml"),
    ] {
        std::fs::copy(repo().join("data").join(from), data.join(to)).unwrap();
    }
    let mut ws = workspace(&data, &dir.path().join("out"));
    assert!(!ws.build(&BuildOptions::default(), &quiet).failed());
    // Both files saved with a project renamed; b is in view.
    for f in ["a.yaml", "b.yaml"] {
        let text = std::fs::read_to_string(data.join(f)).unwrap();
        std::fs::write(data.join(f), text.replacen("名称: ", "名称: 改名", 1)).unwrap();
    }
    let events = std::sync::Mutex::new(Vec::new());
    let on = |e: &Event| match e {
        Event::Previewed { pdf, pages } => events
            .lock()
            .unwrap()
            .push((format!("preview {}", pdf.display()), Some(pages.clone()))),
        Event::Written(path) => events
            .lock()
            .unwrap()
            .push((format!("written {}", path.display()), None)),
        _ => {}
    };
    let options = BuildOptions {
        previews: true,
        in_view: Some(data.join("b.yaml")),
        // One rendering thread: the order rendered is the order shown.
        jobs: Some(1),
        ..BuildOptions::default()
    };
    let built = ws.build(&options, &on);
    assert!(!built.failed());
    let events = events.into_inner().unwrap();
    let doc_of = |file: &str| {
        built
            .departments
            .iter()
            .find(|d| d.file.ends_with(file))
            .map(|d| d.documents[0].primary().to_path_buf())
            .unwrap()
    };
    let at = |what: &str| {
        events
            .iter()
            .position(|(e, _)| e == what)
            .unwrap_or_else(|| panic!("no event {what}: {events:?}"))
    };
    let (a, b) = (doc_of("a.yaml"), doc_of("b.yaml"));
    let b_shown = at(&format!("preview {}", b.display()));
    assert_eq!(
        b_shown,
        0,
        "the department in view is rendered and shown first: {:?}",
        events.iter().map(|(e, _)| e).collect::<Vec<_>>()
    );
    assert!(b_shown < at(&format!("written {}", b.display())));
    assert!(at(&format!("preview {}", a.display())) < at(&format!("written {}", a.display())));
    let pages = events[b_shown].1.clone().unwrap();
    assert!(
        pages.iter().any(|p| p.text.contains("改名")),
        "the new pages"
    );
    let kept = ws.pages(&b).unwrap();
    assert!(std::sync::Arc::ptr_eq(&pages, &kept), "kept as the preview");
}

#[test]
fn a_build_that_cannot_run_says_why_as_a_typed_error_and_prints_nothing() {
    // The output directory held by another build: the library's outcome carries the typed
    // reason (what a front end prints), and the run writes nothing.
    let out = tempfile::tempdir().unwrap();
    let held = jixiao::write::lock_out(out.path()).expect("the test takes the lock");
    let mut ws = workspace(&repo().join("data"), out.path());
    let events = std::sync::Mutex::new(Vec::new());
    let on = |e: &Event| events.lock().unwrap().push(e.to_string());
    let outcome = ws.build(&BuildOptions::default(), &on);
    match &outcome.fatal {
        Some(jixiao::workspace::Fatal::Busy { out: locked, .. }) => {
            assert_eq!(locked, out.path())
        }
        other => panic!("expected Fatal::Busy, got {other:?}"),
    }
    let shown = outcome.fatal.as_ref().unwrap().to_string();
    assert!(shown.starts_with("另一个 jixiao 构建正在写入 "), "{shown}");
    assert!(
        shown.ends_with("本次构建未执行，请等它结束后再试"),
        "{shown}"
    );
    assert!(outcome.failed());
    assert!(
        outcome
            .departments
            .iter()
            .all(|d| d.status != DeptStatus::Built),
        "nothing built"
    );
    assert_eq!(outcome.written, 0);
    drop(held);
}
