//! jixiao's own xlsx twins, edited in Excel or WPS (see the module documentation of
//! [`super`]).

use std::path::Path;

use super::{Imported, Sheet};
use crate::style::Styles;

/// The name of the hidden sheet that carries a twin's data and bindings.
pub const DATA_SHEET: &str = "jixiao数据";

pub fn import(
    path: &Path,
    _sheets: &[Sheet],
    _data: &Sheet,
    _styles: &Styles,
) -> Result<Imported, String> {
    Err(format!("{}：尚未实现", path.display()))
}
