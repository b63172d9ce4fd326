//! Named blocks of a flat state vector: a model's auxiliary state `z[n..]` (`m`, `v`,
//! `vel`, …) or an optimizer's buffers, laid out one after another. Trajectories, the run
//! engine's samples and the CSV columns (`m0, m1, …, v0, …`) all read the same layout.

use serde::Serialize;

/// One named block of `len` consecutive entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    /// Its name (`m`, `v`, `vel`, `sum`, …), the prefix of its CSV columns.
    pub name: String,
    /// Its length.
    pub len: usize,
}

impl Block {
    /// A block `name` of length `len`.
    pub fn new(name: impl Into<String>, len: usize) -> Self {
        Block {
            name: name.into(),
            len,
        }
    }
}

/// Blocks `names`, each of length `n`, in order.
pub fn uniform(names: &[&str], n: usize) -> Vec<Block> {
    names.iter().map(|s| Block::new(*s, n)).collect()
}

/// The CSV column names of a layout: `name0, name1, …` per block.
pub fn columns(blocks: &[Block]) -> Vec<String> {
    blocks
        .iter()
        .flat_map(|b| (0..b.len).map(move |i| format!("{}{i}", b.name)))
        .collect()
}

/// Total length of a layout.
pub fn total(blocks: &[Block]) -> usize {
    blocks.iter().map(|b| b.len).sum()
}

/// The range of block `name` within a flat layout, if present.
pub fn range(blocks: &[Block], name: &str) -> Option<std::ops::Range<usize>> {
    let mut start = 0;
    for b in blocks {
        if b.name == name {
            return Some(start..start + b.len);
        }
        start += b.len;
    }
    None
}
