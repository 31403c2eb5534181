//! A variable path of a style (`项目.资金.合计`, `指标.三级`, `部门整体.任务.1.资金.合计`): the
//! name a `field:` cell prints, or a variable a pattern reads. Parsed once, when the style is
//! checked ([`crate::style::patterns::Patterns`] keeps every path of the style parsed), and read by
//! the style check, the planner, the twin's markers and `import` through [`VarPath::parts`], its
//! root and the catalogue field it names: no other code splits a path at its dots.

use std::fmt;

use super::{Field, Level};

/// The most parts a path may have (`部门整体.任务.1.资金.合计` has five).
pub const MAX_PARTS: usize = 6;

/// A parsed variable path (equal to another when written alike).
#[derive(Debug, Clone)]
pub struct VarPath {
    /// As written, trimmed.
    text: Box<str>,
    /// The byte ranges of its parts in `text` (at least one, at most [`MAX_PARTS`]).
    parts: [(u16, u16); MAX_PARTS],
    len: u8,
    /// The data level the root names (`项目` → [`Level::Project`]), if it names one.
    level: Option<Level>,
    /// The catalogue field the path reads, if it reads one: the part after the root at the
    /// root's level (`项目.主管处室`, `自评.资金.合计`), or the root itself at the top of the file
    /// (`部门`, `签字.负责人`).
    field: Option<&'static Field>,
}

/// The parts of a path, as a slice to match on (`match &*path.parts() { ["项目", k] => … }`).
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    all: [&'a str; MAX_PARTS],
    len: usize,
}

impl<'a> std::ops::Deref for Parts<'a> {
    type Target = [&'a str];

    fn deref(&self) -> &[&'a str] {
        &self.all[..self.len]
    }
}

impl VarPath {
    /// Parses a path; `Err` is the message for the style author (“…”层级过深, an empty part).
    pub fn parse(written: &str) -> Result<VarPath, String> {
        let text = written.trim();
        if text.is_empty() {
            return Err("字段名为空".to_string());
        }
        if text.len() > usize::from(u16::MAX) {
            return Err(format!("“{text}”过长"));
        }
        let mut parts = [(0u16, 0u16); MAX_PARTS];
        let mut len = 0usize;
        let mut start = 0usize;
        for (i, piece) in text.split('.').enumerate() {
            if piece.is_empty() {
                return Err(format!(
                    "“{text}”中有空的一段（两个“.”相连，或以“.”开头、结尾）"
                ));
            }
            let Some(slot) = parts.get_mut(i) else {
                return Err(format!("“{text}”层级过深"));
            };
            let end = start + piece.len();
            // Both within u16: the whole text is.
            *slot = (start as u16, end as u16);
            len = i + 1;
            start = end + 1;
        }
        let all: Vec<&str> = text.split('.').collect();
        let (level, field) = classify(&all);
        Ok(VarPath {
            text: text.into(),
            parts,
            len: len as u8,
            level,
            field,
        })
    }

    /// The path as written (trimmed).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Its parts.
    pub fn parts(&self) -> Parts<'_> {
        let mut all = [""; MAX_PARTS];
        for (slot, &(a, b)) in all.iter_mut().zip(&self.parts[..usize::from(self.len)]) {
            *slot = self.text.get(usize::from(a)..usize::from(b)).unwrap_or("");
        }
        Parts {
            all,
            len: usize::from(self.len),
        }
    }

    /// The first part (`项目` of `项目.名称`).
    pub fn root(&self) -> &str {
        let (a, b) = self.parts[0];
        self.text.get(usize::from(a)..usize::from(b)).unwrap_or("")
    }

    /// The data level the root names, if any (`部门`, `签字` and the other department-wide
    /// variables: [`Level::Department`]).
    pub fn level(&self) -> Option<Level> {
        self.level
    }

    /// The catalogue field the path reads, if any.
    pub fn field(&self) -> Option<&'static Field> {
        self.field
    }

    /// Whether it reads a text the catalogue keeps by key ([`super::Store::Texts`]).
    pub fn is_kept_text(&self) -> bool {
        self.field.is_some_and(|f| f.store == super::Store::Texts)
    }
}

impl PartialEq for VarPath {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for VarPath {}

impl std::hash::Hash for VarPath {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl fmt::Display for VarPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The level a path's root names, and the catalogue field it reads.
fn classify(parts: &[&str]) -> (Option<Level>, Option<&'static Field>) {
    let level = match parts.first().copied() {
        Some("部门" | "年度" | "签字" | "备注" | "项目数") => Level::Department,
        Some("项目") => Level::Project,
        Some("指标") => Level::Indicator,
        Some("自评") => Level::Eval,
        Some("部门整体") => Level::DeptWide,
        Some("任务") => Level::Task,
        _ => return (None, None),
    };
    let key = if level == Level::Department {
        parts.first()
    } else {
        parts.get(1)
    };
    (Some(level), key.and_then(|k| super::find(level, k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_root_level_and_field() {
        let p = VarPath::parse(" 项目.资金.合计 ").unwrap();
        assert_eq!(p.as_str(), "项目.资金.合计");
        assert_eq!(&*p.parts(), &["项目", "资金", "合计"]);
        assert_eq!(p.root(), "项目");
        assert_eq!(p.level(), Some(Level::Project));
        assert_eq!(p.field().map(|f| f.key), Some("资金"));
        let kept = VarPath::parse("项目.主管处室").unwrap();
        assert!(kept.is_kept_text());
        assert!(!p.is_kept_text());
        let sig = VarPath::parse("签字.负责人").unwrap();
        assert_eq!(sig.field().map(|f| f.key), Some("签字"));
        let n = VarPath::parse("n").unwrap();
        assert_eq!(
            (n.root(), n.level(), n.field().is_none()),
            ("n", None, true)
        );
        assert_eq!(
            VarPath::parse("指标.符号").unwrap().field().map(|f| f.key),
            None
        );
    }

    #[test]
    fn malformed_paths_are_refused_in_words() {
        for bad in ["", "  ", "项目..名称", ".项目", "项目.", "a.b.c.d.e.f.g"] {
            let e = VarPath::parse(bad).unwrap_err();
            assert!(!e.is_empty() && !e.is_ascii(), "{bad}: {e}");
        }
        assert!(VarPath::parse("部门整体.任务.1.资金.合计").is_ok());
    }
}
