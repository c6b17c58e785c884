//! `--partition hash:M/N` and `slice:M/N`, as nextest spells them.

use std::fmt;
use std::str::FromStr;

/// How trials are split across CI jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionKind {
    /// By a hash of the trial's key: a trial stays in its shard when others are added.
    Hash,
    /// Round-robin over the selected trials in order: even shards, but adding a test moves others.
    Slice,
}

/// Shard `index` (1-based) of `total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// How trials are assigned.
    pub kind: PartitionKind,
    /// This shard, from 1.
    pub index: u32,
    /// The number of shards.
    pub total: u32,
}

/// A partition that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid partition `{given}`: expected hash:M/N or slice:M/N with 1 <= M <= N (e.g. hash:1/4)")]
pub struct PartitionError {
    /// What was given.
    pub given: String,
}

impl FromStr for Partition {
    type Err = PartitionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || PartitionError { given: s.to_owned() };
        let (kind, shard) = s.split_once(':').ok_or_else(err)?;
        let kind = match kind {
            "hash" => PartitionKind::Hash,
            "slice" => PartitionKind::Slice,
            _ => return Err(err()),
        };
        let (index, total) = shard.split_once('/').ok_or_else(err)?;
        let index: u32 = index.parse().map_err(|_| err())?;
        let total: u32 = total.parse().map_err(|_| err())?;
        if index == 0 || total == 0 || index > total {
            return Err(err());
        }
        Ok(Partition { kind, index, total })
    }
}

impl Partition {
    /// Whether the trial at `position` among the selected ones, with the given hash key, falls in
    /// this shard.
    pub fn contains(&self, key: &str, position: usize) -> bool {
        let bucket = match self.kind {
            PartitionKind::Hash => xxhash_rust::xxh3::xxh3_64(key.as_bytes()) % u64::from(self.total),
            PartitionKind::Slice => position as u64 % u64::from(self.total),
        };
        bucket == u64::from(self.index - 1)
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            PartitionKind::Hash => "hash",
            PartitionKind::Slice => "slice",
        };
        write!(f, "{kind}:{}/{}", self.index, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!("hash:2/4".parse(), Ok(Partition { kind: PartitionKind::Hash, index: 2, total: 4 }));
        for bad in ["hash:0/4", "hash:5/4", "count:1/2", "hash:1", "hash:a/b", ""] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_key_lands_in_exactly_one_shard() {
        let shards: Vec<Partition> = (1..=3).map(|i| format!("hash:{i}/3").parse().unwrap()).collect();
        for n in 0..500 {
            let key = format!("suite::test_{n}");
            assert_eq!(shards.iter().filter(|p| p.contains(&key, n)).count(), 1);
        }
    }

    #[test]
    fn hash_shards_are_stable_when_tests_are_added() {
        let p: Partition = "hash:1/4".parse().unwrap();
        let before: Vec<bool> = (0..100).map(|n| p.contains(&format!("t{n}"), n)).collect();
        // Positions shift when a test is inserted in front; the hash does not care.
        let after: Vec<bool> = (0..100).map(|n| p.contains(&format!("t{n}"), n + 1)).collect();
        assert_eq!(before, after);
    }

    #[test]
    fn hash_is_fixed_across_builds() {
        // The assignment must not change with the Rust version: xxh3 is specified.
        assert_eq!(xxhash_rust::xxh3::xxh3_64(b"suite::test_a") % 4, 2);
    }
}
