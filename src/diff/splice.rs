//! Diff from the splices: the line operations NEW → merged, computed from where NEW was spliced
//! (`Migration::landed`) so that they are the very operations `similar`'s Patience diff of the two
//! whole texts gives (`TextDiff::configure().algorithm(Patience).diff_lines`), at a fraction of its cost.
//!
//! Owns that computation and the proof obligations it rests on; it renders nothing, and anything it
//! cannot vouch for (inconsistent splices, the one input shape where Patience takes its disjoint fast
//! path) it hands back as `None`, for the whole-text diff.
//!
//! Why not diff each group of splices on its own: Patience anchors on lines unique in the *whole*
//! texts, its Myers fallback has size-dependent heuristics, and the compaction after it depends on how
//! the equal runs are cut. A closing tag unique inside a window but repeated in the file anchors one
//! and not the other, and the hunks differ. So this replays Patience's own steps with its own parts
//! (`similar`'s Myers and `Compact`), and saves what the whole-text run wastes: tokenizing both texts
//! twice, one hash map per text plus one per side for uniqueness, and hashing the merged text's lines
//! that the splices prove to be NEW's (only lines a splice touched are looked up).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use similar::algorithms::{myers, Capture, Compact, DiffHook, NoFinishHook, Replace};
use similar::DiffOp;

use super::lines::Lines;
use crate::edit::Landed;

/// The line operations from `a` (NEW) to `b` (the merged text), as similar's Patience diff of the
/// whole texts computes them, or `None` when the splices do not describe `b` as `a` spliced (then the
/// caller diffs the whole texts).
pub(crate) fn ops(a: &Lines, b: &Lines, landed: &[Landed]) -> Option<Vec<DiffOp>> {
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        return None;
    }
    // Patience's disjoint fast path (all of NEW replaced by all of the merged text) can only fire when
    // both the first and the last lines differ, on inputs of 512 lines or more: leave it to similar.
    if n >= 512 && m >= 512 && a[0] != b[0] && a[n - 1] != b[m - 1] {
        return None;
    }
    let copied = copied_lines(a, b, landed)?;
    let ids = Ids::new(a, b, &copied);
    let chain = anchors(&ids);
    Some(patience(&ids, &chain))
}

/// For each line of `b`, the line of `a` it is a copy of (`usize::MAX` for a line a splice touched):
/// lines wholly between two splices, with a line start at the same place in both texts. `None` when
/// the splices are out of order, out of bounds, or the bytes between them differ.
fn copied_lines(a: &Lines, b: &Lines, landed: &[Landed]) -> Option<Vec<usize>> {
    let (ta, tb) = (a.text().as_bytes(), b.text().as_bytes());
    let mut copied = vec![usize::MAX; b.len()];
    let (mut la, mut lb) = (0, 0);
    let (mut ga, mut gb) = (0, 0);
    for i in 0..=landed.len() {
        let last = i == landed.len();
        let (ea, eb) = match landed.get(i) {
            Some(l) => (l.original.start, l.result.start),
            None => (ta.len(), tb.len()),
        };
        let same = ea >= ga && eb >= gb && ea <= ta.len() && eb <= tb.len() && ea - ga == eb - gb;
        if !same || ta[ga..ea] != tb[gb..eb] {
            return None;
        }
        // The first line of `a` starting in this stretch, unless it starts where a splice ended and
        // `b` has no line start there.
        la = a.first_starting_at_or_after(ga, la);
        if la < a.len() && a.range(la).start == ga && !b.is_line_start(gb) {
            la += 1;
        }
        // The lines ending inside the stretch with their line break (or at the end of both texts).
        let mut end = la;
        while end < a.len() {
            let r = a.range(end);
            let whole = (r.end <= ea && ta[..r.end].ends_with(b"\n")) || (last && r.end == ea);
            if !whole || r.start == r.end {
                break;
            }
            end += 1;
        }
        if end > la {
            let at = gb + (a.range(la).start - ga);
            lb = b.first_starting_at_or_after(at, lb);
            if lb + (end - la) > b.len() || b.range(lb).start != at {
                return None;
            }
            for k in 0..end - la {
                copied[lb + k] = la + k;
            }
            lb += end - la;
        }
        la = end;
        if let Some(l) = landed.get(i) {
            if l.original.end < l.original.start || l.result.end < l.result.start {
                return None;
            }
            (ga, gb) = (l.original.end, l.result.end);
        }
    }
    // With a BOM the first line of each text carries it: it equals no other line of the other text.
    if a.has_bom() {
        for (k, from) in copied.iter_mut().enumerate() {
            if (k == 0) != (*from == 0) {
                *from = usize::MAX;
            }
        }
    }
    Some(copied)
}

/// Every line as a number (equal lines, equal numbers), and how often each number occurs per side.
struct Ids {
    a: Vec<u32>,
    b: Vec<u32>,
    count_a: Vec<u32>,
    count_b: Vec<u32>,
}

impl Ids {
    fn new(a: &Lines, b: &Lines, copied: &[usize]) -> Ids {
        let touched = copied.iter().filter(|&&from| from == usize::MAX).count();
        let mut map: HashMap<&str, u32, BuildHasherDefault<LineHasher>> =
            HashMap::with_capacity_and_hasher(a.len() + touched, Default::default());
        let mut count_a: Vec<u32> = Vec::with_capacity(a.len());
        let mut ids_a = Vec::with_capacity(a.len());
        for i in 0..a.len() {
            let next = count_a.len() as u32;
            let id = *map.entry(&a[i]).or_insert(next);
            if id == next {
                count_a.push(0);
            }
            count_a[id as usize] += 1;
            ids_a.push(id);
        }
        let mut ids_b = Vec::with_capacity(b.len());
        for (i, &from) in copied.iter().enumerate() {
            let id = if from != usize::MAX {
                ids_a[from]
            } else {
                let next = count_a.len() as u32;
                let id = *map.entry(&b[i]).or_insert(next);
                if id == next {
                    count_a.push(0);
                }
                id
            };
            ids_b.push(id);
        }
        let mut count_b = vec![0u32; count_a.len()];
        for &id in &ids_b {
            count_b[id as usize] += 1;
        }
        Ids {
            a: ids_a,
            b: ids_b,
            count_a,
            count_b,
        }
    }
}

/// Patience's anchors: the lines unique in each text, matched as similar matches them (Myers over the
/// two sequences of unique lines, with its heuristics), as pairs of line numbers in order.
fn anchors(ids: &Ids) -> Vec<(usize, usize)> {
    let unique = |v: &[u32], count: &[u32]| -> (Vec<usize>, Vec<u32>) {
        v.iter()
            .enumerate()
            .filter(|(_, &id)| count[id as usize] == 1)
            .map(|(i, &id)| (i, id))
            .unzip()
    };
    let (lines_a, va) = unique(&ids.a, &ids.count_a);
    let (lines_b, vb) = unique(&ids.b, &ids.count_b);
    let mut chain = Chain {
        lines_a,
        lines_b,
        pairs: Vec::new(),
    };
    if chain.reduced(&va, &vb, ids) {
        return chain.pairs;
    }
    let (old, new) = (0..va.len(), 0..vb.len());
    // The recorder never fails.
    let _ = myers::diff_deadline(&mut chain, &va[..], old, &vb[..], new, None);
    chain.pairs
}

/// Records the unique lines Myers matched.
struct Chain {
    lines_a: Vec<usize>,
    lines_b: Vec<usize>,
    pairs: Vec<(usize, usize)>,
}

impl Chain {
    /// Myers' answer without running it, in the case where it is known: when its preflight takes
    /// the middle (what is left once the common ends are trimmed) to its reduction, and the lines
    /// the reduction keeps (those found on the other side too) come in the same order on both sides,
    /// Myers matches all of them. This is `similar::algorithms::preflight`'s test, on these inputs;
    /// it spares the hash map that reduction builds over every unique line. `false`: run Myers.
    fn reduced(&mut self, va: &[u32], vb: &[u32], ids: &Ids) -> bool {
        let prefix = va.iter().zip(vb).take_while(|(x, y)| x == y).count();
        let suffix = va[prefix..]
            .iter()
            .rev()
            .zip(vb[prefix..].iter().rev())
            .take_while(|(x, y)| x == y)
            .count();
        let (old, new) = (
            &va[prefix..va.len() - suffix],
            &vb[prefix..vb.len() - suffix],
        );
        let (n, m) = (old.len(), new.len());
        // `should_scan`: large enough, and no match among the first and last few lines.
        if n < 512 || m < 512 || n.saturating_mul(m) < 128 * 1024 {
            return false;
        }
        for skip in 1..n.min(m).min(9) {
            if new[skip] == old[0]
                || new[0] == old[skip]
                || new[m - 1 - skip] == old[n - 1]
                || new[m - 1] == old[n - 1 - skip]
            {
                return false;
            }
        }
        // Unique lines: a line of one middle is found in the other iff it is unique there too.
        let kept_a: Vec<usize> = (0..n)
            .filter(|&i| ids.count_b[old[i] as usize] == 1)
            .collect();
        let kept_b: Vec<usize> = (0..m)
            .filter(|&i| ids.count_a[new[i] as usize] == 1)
            .collect();
        let same = kept_a.len() == kept_b.len()
            && kept_a.iter().zip(&kept_b).all(|(&i, &j)| old[i] == new[j]);
        if !same || (kept_a.len() == n && kept_b.len() == m) {
            return false;
        }
        let _ = self.equal(0, 0, prefix);
        for (&i, &j) in kept_a.iter().zip(&kept_b) {
            let _ = self.equal(prefix + i, prefix + j, 1);
        }
        let _ = self.equal(va.len() - suffix, vb.len() - suffix, suffix);
        true
    }
}

impl DiffHook for Chain {
    type Error = ();

    fn equal(&mut self, old: usize, new: usize, len: usize) -> Result<(), ()> {
        for k in 0..len {
            self.pairs
                .push((self.lines_a[old + k], self.lines_b[new + k]));
        }
        Ok(())
    }
}

/// Patience's walk from anchor to anchor: the equal lines after each anchor, then Myers over what is
/// left before the next one, every operation through `Compact` and `Replace` as `TextDiff` captures them.
fn patience(ids: &Ids, chain: &[(usize, usize)]) -> Vec<DiffOp> {
    let (a, b) = (&ids.a[..], &ids.b[..]);
    let mut d = Compact::new(Replace::new(Capture::new()), a, b);
    let (mut at_a, mut at_b) = (0, 0);
    for &(anchor_a, anchor_b) in chain {
        let (from_a, from_b) = (at_a, at_b);
        while at_a < anchor_a && at_b < anchor_b && b[at_b] == a[at_a] {
            at_a += 1;
            at_b += 1;
        }
        if at_a > from_a {
            let _ = d.equal(from_a, from_b, at_a - from_a);
        }
        if at_a < anchor_a || at_b < anchor_b {
            let mut gap = NoFinishHook::new(&mut d);
            let _ = myers::diff_deadline(&mut gap, a, at_a..anchor_a, b, at_b..anchor_b, None);
        }
        (at_a, at_b) = (anchor_a, anchor_b);
    }
    // The tail, and `finish`, which compacts and flushes everything.
    let _ = myers::diff_deadline(&mut d, a, at_a..a.len(), b, at_b..b.len(), None);
    d.into_inner().into_inner().into_ops()
}

/// A fast hash for lines (FxHash's mixing with a final avalanche): the map holds every distinct line.
#[derive(Default)]
struct LineHasher(u64);

impl LineHasher {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for LineHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}
