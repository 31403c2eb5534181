//! The integration tests, in one test binary: each module is one area (the file names say
//! which), `common` holds what they share. One binary links Typst, krilla, libgit2 and calamine
//! once instead of once per file, which is most of what `cargo test` spent building.

mod common;

mod browser_harness;
mod build_dates;
mod build_pass_over;
mod build_pdf;
mod build_shortcut;
mod build_verbatim;
mod build_write;
mod build_xlsx;
mod check_cli;
mod check_fuzz;
mod check_load;
mod check_rules;
mod check_scoring;
mod diff;
mod engine;
mod fields;
mod fund_formulas;
mod grid_beside;
mod hostile_writes;
mod import_flat;
mod import_hostile;
mod import_twin;
mod layouts;
mod modules;
mod national;
mod packaging;
mod plan_patterns;
mod plan_snapshots;
mod print;
mod publish;
mod region;
mod scaffold;
mod schema;
mod serve;
mod vocabulary;
mod watch;
mod workspace;
mod xlsx;
