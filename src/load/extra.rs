//! Keys the typed model does not know. The data model is opened by the style: a style may
//! declare extra text fields for projects, indicators and self-evaluations (评价结论, 方向, …).
//! The typed parse ignores unknown keys at those three levels; the untyped tree of the same
//! text ([`Node`], read before the typed model) finds them with their positions, so the check
//! can accept the declared ones and report every other one where it stands.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::model::{Department, Indicator, Project, SelfEval, Text};

/// A YAML node with positions: the untyped tree of a data file. The loader reads every file
/// into it first (syntax, limits, and the text rules over every scalar, see [`super::text`]),
/// then into the typed model; the search for unknown keys walks it too.
pub enum Node {
    /// A string scalar, as the parser resolved it (escapes and folding applied).
    Scalar(String),
    /// A number or boolean scalar, as its value prints (its source text is at its span).
    Plain(String),
    Seq(Vec<Spanned<Node>>),
    /// Keys are nodes too, so that a complex key (`? [a, b]`) is reported rather than breaking
    /// the whole tree.
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
    Null,
}

impl Node {
    /// The text of a scalar (either kind).
    pub fn scalar(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) | Node::Plain(s) => Some(s),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Scalar(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
                Ok(Node::Scalar(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Plain(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Plain(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Plain(v.to_string()))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
                Ok(Node::Plain(v.to_string()))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
                Ok(Node::Plain(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Plain(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Node>>()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<Node>>()? {
                    entries.push((key, map.next_value::<Spanned<Node>>()?));
                }
                Ok(Node::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// A key as a located text; a key that is not a scalar reads as its kind in brackets.
fn key_text(k: &Spanned<Node>) -> Text {
    let s = match &k.value {
        Node::Scalar(s) | Node::Plain(s) => s.clone(),
        Node::Null => String::new(),
        Node::Seq(_) => "[…]".to_string(),
        Node::Map(_) => "{…}".to_string(),
    };
    Spanned::new(s, k.referenced, k.defined)
}

/// The field names a derived `Deserialize` struct knows, asked from serde itself so they can
/// never drift from the model's `rename`s.
pub fn field_names<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    struct Grab(Option<&'static [&'static str]>);
    impl<'de> Deserializer<'de> for &mut Grab {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("field names only"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _v: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = Some(fields);
            Err(de::Error::custom("field names only"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut g = Grab(None);
    let _ = T::deserialize(&mut g);
    g.0.unwrap_or(&[])
}

/// A key whose value is not a single text.
pub struct BadExtra {
    pub key: Text,
}

/// Fills `extra` of every project, indicator and self-evaluation of `dept` from `root` (the
/// untyped tree of the file `dept` was parsed from). Returns the unknown keys whose value is
/// not a text.
pub fn collect(root: &Spanned<Node>, dept: &mut Department) -> Vec<BadExtra> {
    let mut bad = Vec::new();
    let Some(projects) = get(root, "项目").and_then(seq) else {
        return bad;
    };
    let pf = field_names::<Project>();
    let inf = field_names::<Indicator>();
    let ef = field_names::<SelfEval>();
    for (node, p) in projects.iter().zip(dept.projects.iter_mut()) {
        p.extra = unknown(node, pf, &mut bad);
        if let Some(inds) = get(node, "指标").and_then(seq) {
            for (n, ind) in inds.iter().zip(p.indicators.iter_mut()) {
                ind.extra = unknown(n, inf, &mut bad);
            }
        }
        if let (Some(n), Some(e)) = (get(node, "自评"), p.eval.as_mut()) {
            e.extra = unknown(n, ef, &mut bad);
        }
    }
    bad
}

fn get<'a>(node: &'a Spanned<Node>, key: &str) -> Option<&'a Spanned<Node>> {
    match &node.value {
        Node::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.value.scalar() == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn seq(node: &Spanned<Node>) -> Option<&[Spanned<Node>]> {
    match &node.value {
        Node::Seq(items) => Some(items),
        _ => None,
    }
}

/// The entries of a map whose keys are not among `known`, as texts.
fn unknown(node: &Spanned<Node>, known: &[&str], bad: &mut Vec<BadExtra>) -> Vec<(Text, Text)> {
    let Node::Map(entries) = &node.value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        if k.value.scalar().is_some_and(|k| known.contains(&k)) {
            continue;
        }
        let k = key_text(k);
        let text = match &v.value {
            Node::Scalar(s) | Node::Plain(s) => s.clone(),
            Node::Null => String::new(),
            Node::Seq(_) | Node::Map(_) => {
                bad.push(BadExtra { key: k });
                continue;
            }
        };
        out.push((k, Spanned::new(text, v.referenced, v.defined)));
    }
    out
}

/// When the typed parse fails inside a project, indicator or self-evaluation (a required key
/// missing), the likely cause is a misspelt key in that same map: its unknown keys, with the
/// keys allowed there. The map is the last one of those levels that starts at or before the
/// error's position.
pub fn unknown_near(
    root: &Spanned<Node>,
    line: u64,
    column: u64,
) -> Vec<(Text, &'static [&'static str])> {
    let mut maps: Vec<(&Spanned<Node>, &'static [&'static str])> = Vec::new();
    if let Some(projects) = get(root, "项目").and_then(seq) {
        for p in projects {
            maps.push((p, field_names::<Project>()));
            for i in get(p, "指标").and_then(seq).unwrap_or(&[]) {
                maps.push((i, field_names::<Indicator>()));
            }
            if let Some(e) = get(p, "自评") {
                maps.push((e, field_names::<SelfEval>()));
            }
        }
    }
    let at = |n: &Spanned<Node>| (n.referenced.line(), n.referenced.column());
    let Some((node, known)) = maps
        .into_iter()
        .filter(|(n, _)| at(n) <= (line, column))
        .max_by_key(|(n, _)| at(n))
    else {
        return Vec::new();
    };
    let Node::Map(entries) = &node.value else {
        return Vec::new();
    };
    entries
        .iter()
        .filter(|(k, _)| !k.value.scalar().is_some_and(|k| known.contains(&k)))
        .map(|(k, _)| (key_text(k), known))
        .collect()
}
