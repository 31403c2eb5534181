//! The shape of `src/`: the graph of its top-level modules has no cycle (beyond the edges in
//! [`ALLOWED`], each with the reason it stays), and no source file is longer than
//! [`MAX_LINES`]. The layer order the graph follows is written down in `src/lib.rs`.
//!
//! The graph is read from the text: every `crate::a::…` path in non-test code (bodies,
//! signatures and `use` lines, with `use crate::{a, b::{c, d}}` groups taken apart) is an edge
//! from the file's top-level module to `a`. Comments, string literals and `#[cfg(test)]` items
//! (and the files such a `mod x;` declares) are left out.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

/// The longest a file under `src/` may be.
const MAX_LINES: usize = 800;

/// Edges a cycle may use: (from, to, why the dependency points up).
const ALLOWED: &[(&str, &str, &str)] = &[];

fn src_dir() -> PathBuf {
    PathBuf::from(option_env!("CARGO_MANIFEST_DIR").unwrap_or(".")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's path below `src/`, with `/` separators.
fn rel(path: &Path) -> String {
    let parts: Vec<String> = path
        .strip_prefix(src_dir())
        .unwrap()
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// The top-level module a file belongs to; `None` for the crate root.
fn top_module(rel: &str) -> Option<String> {
    let first = rel.split('/').next()?;
    match first {
        "lib.rs" | "main.rs" => None,
        f => Some(f.trim_end_matches(".rs").to_string()),
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The source with comments removed and the contents of string and character literals blanked,
/// so that only code is left to scan. Lifetimes (`'a`) are kept.
fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c[i] == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0
                || !is_ident(c[i - 1])
                || (c[i - 1] == 'b' && (i == 1 || !is_ident(c[i - 2]))))
        {
            // A raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' {
            // '\n', '\'', 'x' are literals; 'a (no closing quote after one char) a lifetime.
            if next == Some('\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push('\'');
                i += 1;
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Whether an attribute's text (`cfg(test)`, `cfg(all(test, unix))`) makes the item test-only.
fn is_test_cfg(attr: &str) -> bool {
    let attr: String = attr.chars().filter(|c| !c.is_whitespace()).collect();
    attr.starts_with("cfg(")
        && !attr.contains("not(")
        && attr
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| w == "test")
}

/// Code with every `#[cfg(test)]` item cut out; the names of the `mod x;` it cut (their files
/// are test code too).
fn without_tests(code: &str) -> (String, Vec<String>) {
    let c: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len());
    let mut test_mods = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if c[i] == '#' && c.get(i + 1) == Some(&'[') {
            // The attribute's text, to its matching `]`.
            let mut j = i + 2;
            let mut depth = 1;
            while j < c.len() && depth > 0 {
                match c[j] {
                    '[' => depth += 1,
                    ']' => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            let attr: String = c[i + 2..j - 1].iter().collect();
            if !is_test_cfg(&attr) {
                out.extend(&c[i..j]);
                i = j;
                continue;
            }
            // Skip the item: to a `;` outside brackets, or to the end of its first `{…}`.
            let start = j;
            let mut depth = 0i32;
            while j < c.len() {
                match c[j] {
                    '(' | '[' => depth += 1,
                    ')' | ']' => depth -= 1,
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            j += 1;
                            break;
                        }
                    }
                    ';' if depth == 0 => {
                        j += 1;
                        break;
                    }
                    _ => {}
                }
                j += 1;
            }
            let item: String = c[start..j].iter().collect();
            let words: Vec<&str> = item.split_whitespace().collect();
            if let Some(p) = words.iter().position(|w| *w == "mod")
                && let Some(name) = words.get(p + 1)
                && name.ends_with(';')
            {
                test_mods.push(name.trim_end_matches(';').to_string());
            }
            i = j;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    (out, test_mods)
}

fn ident_at(c: &[char], mut i: usize) -> (String, usize) {
    while i < c.len() && c[i].is_whitespace() {
        i += 1;
    }
    let start = i;
    while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
        i += 1;
    }
    (c[start..i].iter().collect(), i)
}

/// The first segment of every path in a `use` group, `{a, b::{c, d}, e::f}` → a, b, e; `i` is
/// just after the `{`.
fn group_heads(c: &[char], mut i: usize, heads: &mut Vec<String>) {
    let mut expect_head = true;
    let mut depth = 1;
    while i < c.len() && depth > 0 {
        if expect_head {
            let (id, j) = ident_at(c, i);
            if !id.is_empty() {
                heads.push(id);
                i = j;
            }
            expect_head = false;
            continue;
        }
        match c[i] {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 1 => expect_head = true,
            _ => {}
        }
        i += 1;
    }
}

/// The top-level modules a piece of code names through `crate::`.
fn crate_heads(code: &str) -> Vec<String> {
    let c: Vec<char> = code.chars().collect();
    let mut heads = Vec::new();
    let needle: Vec<char> = "crate::".chars().collect();
    let mut i = 0;
    while i + needle.len() <= c.len() {
        let boundary = i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_');
        if boundary && c[i..i + needle.len()] == needle[..] {
            let j = i + needle.len();
            let mut k = j;
            while k < c.len() && c[k].is_whitespace() {
                k += 1;
            }
            if c.get(k) == Some(&'{') {
                group_heads(&c, k + 1, &mut heads);
            } else {
                let (id, _) = ident_at(&c, j);
                if !id.is_empty() {
                    heads.push(id);
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    heads
}

/// from → to → the files that make the edge.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn module_graph() -> Graph {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(&rel(f))).collect();
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeMap::new()))
        .collect();
    let mut test_files = BTreeSet::new();
    let mut scanned = Vec::new();
    for file in &files {
        let rel = rel(file);
        let (code, test_mods) = without_tests(&strip(&fs::read_to_string(file).unwrap()));
        // `a/mod.rs` and `a.rs` declare `mod x;` as `a/x.rs`.
        let dir = match rel.strip_suffix("/mod.rs") {
            Some(d) => d.to_string(),
            None => rel.trim_end_matches(".rs").to_string(),
        };
        for m in test_mods {
            test_files.insert(format!("{dir}/{m}.rs"));
            test_files.insert(format!("{dir}/{m}/mod.rs"));
        }
        scanned.push((rel, code));
    }
    for (rel, code) in scanned {
        if test_files.contains(&rel) {
            continue;
        }
        let Some(from) = top_module(&rel) else {
            continue;
        };
        for to in crate_heads(&code) {
            if to != from && modules.contains(&to) {
                let edges = graph.get_mut(&from).unwrap();
                edges.entry(to).or_default().insert(rel.clone());
            }
        }
    }
    graph
}

/// Tarjan's strongly connected components with more than one module.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in s.graph[v].keys() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.found.push(comp);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

/// A shortest cycle through `start` inside `comp`, as the path of modules back to `start`.
fn cycle_through(graph: &Graph, comp: &[String], start: &str) -> Vec<String> {
    let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for w in graph[v].keys().map(String::as_str) {
            if !comp.iter().any(|m| m == w) {
                continue;
            }
            if w == start {
                let mut path = vec![start.to_string()];
                let mut at = v;
                while at != start {
                    path.push(at.to_string());
                    at = prev[at];
                }
                path.push(start.to_string());
                path.reverse();
                return path;
            }
            if !prev.contains_key(w) {
                prev.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    unreachable!("a strongly connected component has a cycle through each module")
}

fn report(graph: &Graph, comps: &[Vec<String>]) -> String {
    let mut out = String::new();
    for comp in comps {
        out += &format!("cycle among {} modules: {}\n", comp.len(), comp.join(", "));
        let path = cycle_through(graph, comp, &comp[0]);
        out += &format!("  for example {}\n", path.join(" → "));
        for pair in path.windows(2) {
            let files: Vec<&str> = graph[&pair[0]][&pair[1]]
                .iter()
                .map(String::as_str)
                .collect();
            out += &format!("    {} → {}: {}\n", pair[0], pair[1], files.join(", "));
        }
        out += "  every edge inside it:\n";
        for from in comp {
            for (to, files) in &graph[from] {
                if comp.contains(to) {
                    let files: Vec<&str> = files.iter().map(String::as_str).collect();
                    out += &format!("    {from} → {to}: {}\n", files.join(", "));
                }
            }
        }
    }
    out
}

#[test]
fn the_module_graph_has_no_cycle() {
    let mut graph = module_graph();
    assert!(
        graph.len() > 10,
        "found {} top-level modules in src/",
        graph.len()
    );
    for (from, to, why) in ALLOWED {
        assert!(
            !why.trim().is_empty(),
            "the allowed edge {from} → {to} says why"
        );
        let removed = graph.get_mut(*from).and_then(|e| e.remove(*to));
        assert!(
            removed.is_some(),
            "the allowed edge {from} → {to} no longer exists"
        );
    }
    let comps = cycles(&graph);
    assert!(
        comps.is_empty(),
        "the module graph of src/ has cycles:\n{}",
        report(&graph, &comps)
    );
}

#[test]
fn no_source_file_is_longer_than_the_limit() {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = fs::read_to_string(f).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", rel(f)))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines: {}",
        long.join(", ")
    );
}

#[test]
fn the_scanner_reads_groups_and_skips_comments_strings_and_tests() {
    let code = "use crate::{a, b::{c, d}, e::f as g};\n\
                // crate::comment\n\
                /// [`crate::doc`]\n\
                fn x<'a>(s: &'a str) -> char { let _ = \"crate::string\"; crate::h::i(); '{' }\n\
                #[cfg(test)]\n\
                mod tests { use crate::tested; }\n\
                #[cfg(all(test, unix))]\n\
                mod more;\n\
                fn y() { crate::j::K }";
    let (code, test_mods) = without_tests(&strip(code));
    assert_eq!(crate_heads(&code), ["a", "b", "e", "h", "j"]);
    assert_eq!(test_mods, ["more"]);
}
