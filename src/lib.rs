//! jixiao（绩效）：预算绩效表的源数据校验与渲染。
//!
//! The pipeline, one module per stage:
//! [`load`] (YAML → [`model`]) → [`check`] (rules → [`diag`]nostics, resolved data) →
//! [`compute`] (exact arithmetic) → [`plan`] (grids of cells) → [`render`] (PDF via Typst, xlsx)
//! → [`write`](mod@write) (atomic, skip unchanged). [`style`] reads the official layouts' settings from
//! `templates/`; [`target`] reads target values; [`rules`] lists every rule code.
//! [`check::continuity`] checks a department's year against its previous year; [`diff`]
//! compares two versions of the data (directories, files, or revisions read through [`git`]).
//! [`workspace`] runs the whole pipeline for a project directory; the command line
//! ([`cli`]) is a front end over it.
//!
//! # Layers
//!
//! The top-level modules form layers; a module uses only modules of the layers below its own
//! (`tests/it/modules.rs` holds the graph acyclic, and every file under 800 lines):
//!
//! | layer | modules |
//! | --- | --- |
//! | 12 | [`cli`] |
//! | 11 | [`serve`] |
//! | 10 | [`workspace`] (the build), [`scaffold`] (`init`, `new`) |
//! |  9 | [`glyphs`] (the check's font coverage, through render's fonts), [`schema`] |
//! |  8 | [`render`], [`import`], [`region`], [`diff`] |
//! |  7 | [`plan`] |
//! |  6 | [`check`] (with [`check::continuity`]) |
//! |  5 | [`style`] (its patterns, variables and the embedded styles too) |
//! |  4 | [`load`], [`compute`], [`yaml_out`] |
//! |  3 | [`fields`] (the data format's catalogue), [`target`] |
//! |  2 | [`model`], [`write`](mod@write) |
//! |  1 | [`diag`] |
//! |  0 | [`rules`], [`excel`] (what Excel and jixiao's workbooks impose on writer and reader), [`git`], [`html`] |
//!
//! A fact two layers share lives in the lower one (the characters every text refuses in
//! [`rules`], the twin sheet's name in [`excel`], a style's compiled patterns in [`style`]);
//! a caller that needs more of a higher layer passes it in.

pub mod check;
pub mod cli;
pub mod compute;
pub mod diag;
pub mod diff;
pub mod excel;
pub mod fields;
pub mod git;
pub mod glyphs;
pub mod html;
pub mod import;
pub mod load;
pub mod model;
pub mod plan;
pub mod region;
pub mod render;
pub mod rules;
pub mod scaffold;
pub mod schema;
pub mod serve;
pub mod style;
pub mod target;
pub mod workspace;
pub mod write;
pub mod yaml_out;
