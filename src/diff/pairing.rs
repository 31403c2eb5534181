//! Pairing the old and new items of a comparison: by key where items have one (an indicator by its
//! levels and name), else in order (`pair`).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// An indicator's place: canonical 一级, 二级 (where the style has them) and 三级.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndKey {
    pub level1: String,
    pub level2: Option<String>,
    pub name: String,
}

impl IndKey {
    /// `一级/二级/三级`.
    pub fn path(&self) -> String {
        match &self.level2 {
            Some(l2) => format!("{}/{l2}/{}", self.level1, self.name),
            None => format!("{}/{}", self.level1, self.name),
        }
    }
}

/// One entry of a pairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paired {
    Both(usize, usize),
    Old(usize),
    New(usize),
}

/// A pairing of two lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairs {
    /// Every item once: the new list's in its order (paired or not), then the old items no new
    /// one pairs with, in theirs.
    pub order: Vec<Paired>,
}

impl Pairs {
    pub fn both(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.order.iter().filter_map(|p| match *p {
            Paired::Both(o, n) => Some((o, n)),
            _ => None,
        })
    }
}

/// Pairs the items of `old` and `new` with equal keys, whatever their order; items whose key
/// repeats pair in the order they come.
pub fn pair<K: Eq + Hash>(old: &[K], new: &[K]) -> Pairs {
    let mut by_key: HashMap<&K, VecDeque<usize>> = HashMap::new();
    for (i, k) in old.iter().enumerate() {
        by_key.entry(k).or_default().push_back(i);
    }
    let mut used = vec![false; old.len()];
    let mut order = Vec::new();
    for (j, k) in new.iter().enumerate() {
        match by_key.get_mut(k).and_then(VecDeque::pop_front) {
            Some(i) => {
                used[i] = true;
                order.push(Paired::Both(i, j));
            }
            None => order.push(Paired::New(j)),
        }
    }
    order.extend((0..old.len()).filter(|&i| !used[i]).map(Paired::Old));
    Pairs { order }
}
