//! Renderers: both walk the same table plan.

pub mod pdf;
pub mod xlsx;
