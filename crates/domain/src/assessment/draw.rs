//! The 双随机 draw (SPEC §8): inspection targets and inspectors both chosen at random, in a
//! way anyone can re-run. The algorithm is named `sha256-fisher-yates-v1`; a round keeps its
//! name, both pools, the seed and the result, so the draw can be repeated by hand:
//!
//! **Inputs.** The target pool (grids: id, code, path, village path), sorted by code; the
//! inspector pool (users: id, username, node path), sorted by id; the target share in percent
//! (1–100); inspectors per target (1–[`MAX_PER_TARGET`]); the seed, a text (the store publishes
//! 64 hex digits from the operating system's randomness).
//!
//! **Random numbers.** Block `n` (n = 0, 1, 2, …) is `SHA-256(seed ":" n)` where `n` is written
//! in decimal ASCII, e.g. `echo -n "ab12…:0" | sha256sum`. Each 32-byte block gives four
//! numbers, its bytes 0–7, 8–15, 16–23 and 24–31 read as big-endian unsigned 64-bit integers,
//! used in that order, then the next block. An integer below `b` is taken without bias by
//! rejection: with `limit = floor(2^64 / b) · b` (computed as `(2^64 − 1) / b · b`), draw numbers
//! until one `x < limit`, and answer `x mod b`.
//!
//! **Targets.** Fisher–Yates over the target pool: for `i` from `len − 1` down to 1, swap
//! positions `i` and `below(i + 1)`. The first `k = ceil(share · len / 100)` (at least 1) of the
//! shuffled pool are the targets, in that order (the draw order).
//!
//! **Inspectors.** For each target in draw order, with the same stream of numbers: the
//! eligible inspectors are those of the pool (in pool order) whose node path is not inside the
//! target's village (nor the grid itself), so nobody inspects their own village. Shuffle them
//! by Fisher–Yates as above, then sort them stably by how many targets each already has in
//! this round (fewest first), so the load spreads and ties keep the shuffled order. Take the
//! first `m` (all of them when fewer are eligible). A target with no eligible inspector stops
//! the draw with an error.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Error, err};

/// The algorithm's name, kept with every round.
pub const ALGORITHM: &str = "sha256-fisher-yates-v1";

/// The most inspectors a target may be given.
pub const MAX_PER_TARGET: u32 = 5;

/// A grid that may be drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub id: i64,
    pub code: String,
    /// The grid's own path.
    pub path: String,
    /// The path of the village (or community) that holds the grid.
    pub village_path: String,
}

/// A person who may be drawn to inspect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspector {
    pub id: i64,
    pub username: String,
    /// The path of the node the person is attached to.
    pub path: String,
}

/// One drawn target and its inspectors, in draw order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drawn {
    pub target_id: i64,
    pub code: String,
    pub inspectors: Vec<i64>,
}

/// What a draw is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    pub share_pct: u32,
    pub per_target: u32,
}

/// The stream of numbers: SHA-256 blocks of `seed:n`, four big-endian u64 per block.
struct Stream<'a> {
    seed: &'a str,
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl<'a> Stream<'a> {
    fn new(seed: &'a str) -> Stream<'a> {
        Stream {
            seed,
            counter: 0,
            block: [0; 32],
            // Forces the first block to be made on first use.
            used: 4,
        }
    }

    fn next_u64(&mut self) -> u64 {
        if self.used == 4 {
            let mut hasher = Sha256::new();
            hasher.update(self.seed.as_bytes());
            hasher.update(b":");
            hasher.update(self.counter.to_string().as_bytes());
            self.block = hasher.finalize().into();
            self.counter = self.counter.wrapping_add(1);
            self.used = 0;
        }
        let at = self.used * 8;
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.block[at..at + 8]);
        self.used += 1;
        u64::from_be_bytes(b)
    }

    /// An integer in `0..bound` without bias (`bound` ≥ 1).
    fn below(&mut self, bound: u64) -> u64 {
        let bound = bound.max(1);
        let limit = u64::MAX / bound * bound;
        loop {
            let x = self.next_u64();
            if x < limit {
                return x % bound;
            }
        }
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

/// How many targets a share of a pool gives: `ceil(share · len / 100)`, at least 1, at most len.
pub fn target_count(len: usize, share_pct: u32) -> usize {
    let k = (len * share_pct as usize).div_ceil(100);
    k.clamp(1, len.max(1))
}

/// Whether a person attached at `inspector_path` is barred from inspecting `target`: they
/// belong to its village or to the grid itself.
pub fn own_village(target: &Target, inspector_path: &str) -> bool {
    inspector_path.starts_with(&target.village_path) || inspector_path.starts_with(&target.path)
}

/// Checks the parameters alone.
pub fn check_params(p: Params) -> Result<(), Error> {
    if !(1..=100).contains(&p.share_pct) {
        return Err(err!("assess.draw_share", value = p.share_pct));
    }
    if !(1..=MAX_PER_TARGET).contains(&p.per_target) {
        return Err(err!(
            "assess.draw_per_target",
            value = p.per_target,
            max = MAX_PER_TARGET
        ));
    }
    Ok(())
}

/// Runs the draw (see the module's documentation). The pools are sorted here (targets by code,
/// inspectors by id), so the caller's order does not matter.
pub fn draw(
    targets: &[Target],
    inspectors: &[Inspector],
    p: Params,
    seed: &str,
) -> Result<Vec<Drawn>, Error> {
    check_params(p)?;
    if targets.is_empty() {
        return Err(err!("assess.draw_no_targets"));
    }
    if inspectors.is_empty() {
        return Err(err!("assess.draw_no_inspectors"));
    }
    let mut pool: Vec<&Target> = targets.iter().collect();
    pool.sort_by(|a, b| a.code.cmp(&b.code).then(a.id.cmp(&b.id)));
    let mut people: Vec<&Inspector> = inspectors.iter().collect();
    people.sort_by_key(|i| i.id);

    let mut rng = Stream::new(seed);
    rng.shuffle(&mut pool);
    let k = target_count(pool.len(), p.share_pct);
    // Load per inspector, indexed as `people`.
    let mut load = vec![0u32; people.len()];
    let mut out = Vec::with_capacity(k);
    for t in pool.into_iter().take(k) {
        let mut eligible: Vec<usize> = (0..people.len())
            .filter(|&i| !own_village(t, &people[i].path))
            .collect();
        if eligible.is_empty() {
            return Err(err!("assess.draw_no_eligible", code = t.code));
        }
        rng.shuffle(&mut eligible);
        eligible.sort_by_key(|&i| load[i]);
        let chosen: Vec<usize> = eligible.into_iter().take(p.per_target as usize).collect();
        for &i in &chosen {
            load[i] += 1;
        }
        out.push(Drawn {
            target_id: t.id,
            code: t.code.clone(),
            inspectors: chosen.iter().map(|&i| people[i].id).collect(),
        });
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Ten grids in villages 1 and 2 of one township; inspectors at the township, in each
    /// village and in one grid.
    fn pools() -> (Vec<Target>, Vec<Inspector>) {
        let targets = (1..=10)
            .map(|i| {
                let v = if i <= 5 { 1 } else { 2 };
                Target {
                    id: 100 + i,
                    code: format!("35010200100{v}{i:03}"),
                    path: format!("/35/t/v{v}/g{i}/"),
                    village_path: format!("/35/t/v{v}/"),
                }
            })
            .collect();
        let inspector = |id: i64, path: &str| Inspector {
            id,
            username: format!("u{id}"),
            path: path.to_string(),
        };
        let inspectors = vec![
            inspector(7, "/35/t/"),
            inspector(3, "/35/t/v1/"),
            inspector(5, "/35/t/v2/"),
            inspector(9, "/35/t/v1/g2/"),
            inspector(11, "/35/t/"),
        ];
        (targets, inspectors)
    }

    const SEED: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    fn params(share_pct: u32, per_target: u32) -> Params {
        Params {
            share_pct,
            per_target,
        }
    }

    #[test]
    fn the_stream_is_sha256_of_seed_colon_counter() {
        let mut s = Stream::new("abc");
        let block: [u8; 32] = Sha256::digest(b"abc:0").into();
        let first = u64::from_be_bytes(block[0..8].try_into().unwrap());
        let fourth = u64::from_be_bytes(block[24..32].try_into().unwrap());
        assert_eq!(s.next_u64(), first);
        s.next_u64();
        s.next_u64();
        assert_eq!(s.next_u64(), fourth);
        let next: [u8; 32] = Sha256::digest(b"abc:1").into();
        assert_eq!(
            s.next_u64(),
            u64::from_be_bytes(next[0..8].try_into().unwrap())
        );
    }

    #[test]
    fn below_stays_below_and_reaches_every_value() {
        let mut s = Stream::new("x");
        let mut seen = BTreeSet::new();
        for _ in 0..200 {
            let v = s.below(7);
            assert!(v < 7);
            seen.insert(v);
        }
        assert_eq!(seen.len(), 7);
        assert_eq!(s.below(1), 0);
    }

    #[test]
    fn counts_round_up_and_stay_in_the_pool() {
        assert_eq!(target_count(10, 10), 1);
        assert_eq!(target_count(11, 10), 2);
        assert_eq!(target_count(3, 1), 1);
        assert_eq!(target_count(10, 100), 10);
        assert_eq!(target_count(7, 30), 3);
    }

    #[test]
    fn a_fixed_seed_gives_a_fixed_draw() {
        let (t, i) = pools();
        let got = draw(&t, &i, params(30, 2), SEED).unwrap();
        // Computed once with this implementation; any change of the algorithm shows here and
        // must come with a new algorithm name.
        let expected = expected_fixed();
        assert_eq!(got, expected);
        // Same inputs, same answer; pool order does not matter.
        let mut t2 = t.clone();
        t2.reverse();
        let mut i2 = i.clone();
        i2.reverse();
        assert_eq!(draw(&t2, &i2, params(30, 2), SEED).unwrap(), got);
        // Another seed gives (here) another draw.
        assert_ne!(draw(&t, &i, params(30, 2), "another").unwrap(), got);
    }

    fn expected_fixed() -> Vec<Drawn> {
        let d = |target_id: i64, code: &str, inspectors: &[i64]| Drawn {
            target_id,
            code: code.to_string(),
            inspectors: inspectors.to_vec(),
        };
        // Also re-run by hand from the module's documentation (a few lines of Python with
        // hashlib): the same three grids and inspectors.
        vec![
            d(104, "350102001001004", &[5, 7]),
            d(103, "350102001001003", &[11, 5]),
            d(101, "350102001001001", &[11, 7]),
        ]
    }

    #[test]
    fn properties_hold_for_many_seeds() {
        let (t, i) = pools();
        for n in 0..200 {
            let seed = format!("seed-{n}");
            let got = draw(&t, &i, params(40, 2), &seed).unwrap();
            assert_eq!(got.len(), 4);
            let ids: BTreeSet<i64> = got.iter().map(|d| d.target_id).collect();
            assert_eq!(ids.len(), 4, "no target twice");
            let mut load = std::collections::BTreeMap::new();
            for d in &got {
                let target = t.iter().find(|x| x.id == d.target_id).unwrap();
                assert_eq!(d.inspectors.len(), 2);
                let people: BTreeSet<i64> = d.inspectors.iter().copied().collect();
                assert_eq!(people.len(), 2, "no inspector twice on a target");
                for id in &d.inspectors {
                    let who = i.iter().find(|x| x.id == *id).unwrap();
                    assert!(!own_village(target, &who.path), "{seed}: own village");
                    *load.entry(*id).or_insert(0) += 1;
                }
            }
            // 8 places among inspectors: nobody gets more than the fair share allows here.
            assert!(load.values().all(|&n| n <= 3), "{seed}: {load:?}");
        }
    }

    #[test]
    fn load_spreads_when_everyone_is_eligible() {
        let (t, _) = pools();
        let far: Vec<Inspector> = (1..=4)
            .map(|id| Inspector {
                id,
                username: format!("u{id}"),
                path: "/35/other/".into(),
            })
            .collect();
        let got = draw(&t, &far, params(100, 2), "spread").unwrap();
        let mut load = [0; 5];
        for d in &got {
            for id in &d.inspectors {
                load[*id as usize] += 1;
            }
        }
        // 20 places over 4 people: exactly 5 each.
        assert_eq!(&load[1..], &[5, 5, 5, 5]);
    }

    #[test]
    fn refusals() {
        let (t, i) = pools();
        assert_eq!(
            draw(&[], &i, params(10, 1), SEED).unwrap_err().code,
            "assess.draw_no_targets"
        );
        assert_eq!(
            draw(&t, &[], params(10, 1), SEED).unwrap_err().code,
            "assess.draw_no_inspectors"
        );
        assert_eq!(
            draw(&t, &i, params(0, 1), SEED).unwrap_err().code,
            "assess.draw_share"
        );
        assert_eq!(
            draw(&t, &i, params(101, 1), SEED).unwrap_err().code,
            "assess.draw_share"
        );
        assert_eq!(
            draw(&t, &i, params(10, 0), SEED).unwrap_err().code,
            "assess.draw_per_target"
        );
        let own = vec![Inspector {
            id: 1,
            username: "u1".into(),
            path: "/35/t/v1/".into(),
        }];
        let only_v1: Vec<Target> = t.iter().take(5).cloned().collect();
        let e = draw(&only_v1, &own, params(10, 1), SEED).unwrap_err();
        assert_eq!(e.code, "assess.draw_no_eligible");
    }
}
