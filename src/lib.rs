//! jixiao（绩效）：预算绩效表的源数据校验与渲染。
//!
//! The pipeline, one module per stage:
//! [`load`] (YAML → [`model`]) → [`check`] (rules → [`diag`]nostics, resolved data) →
//! [`compute`] (exact arithmetic) → [`plan`] (grids of cells) → [`render`] (PDF via Typst, xlsx)
//! → [`write`] (atomic, skip unchanged). [`style`] reads the official layouts' settings from
//! `templates/`; [`target`] reads target values; [`rules`] lists every rule code.
//! [`continuity`] checks a department's year against its previous year; [`diff`] compares two
//! versions of the data (directories, files, or revisions read through [`git`]).
//! [`workspace`] runs the whole pipeline for a project directory; the command line
//! ([`cli`]) is a front end over it.

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
