//! The keyword pass through Vectorscan's literal matcher (Hyperscan's FDR), for keyword sets too
//! large for one SIMD Teddy pass: its cost hardly grows with the number of literals (measured in
//! BENCHMARKS.md). Compiled in with the `vectorscan` feature, which links the system's `libhs`.

use std::sync::Mutex;

use hyperscan::prelude::{BlockDatabase, Builder, Matching, Scratch};
use hyperscan::{Literal, Literals};

use super::keywords::Hit;

/// A compiled set of keywords, each reported at every place it occurs.
pub struct Matcher {
    db: BlockDatabase,
    /// Length of each keyword, to turn a match's end into its start.
    lens: Vec<usize>,
    /// Scratch spaces (one per scan in flight; a scan needs one to itself), reused across scans.
    scratch: Mutex<Vec<Scratch>>,
}

impl Matcher {
    /// `None` when the library refuses the set: the caller keeps its own searcher.
    pub fn new(keywords: &[String]) -> Option<Matcher> {
        let literals = keywords
            .iter()
            .map(|k| Literal::new(k.as_str()).ok())
            .collect::<Option<Literals>>()?;
        let db: BlockDatabase = literals.build().ok()?;
        let first = db.alloc_scratch().ok()?;
        Some(Matcher {
            db,
            lens: keywords.iter().map(String::len).collect(),
            scratch: Mutex::new(vec![first]),
        })
    }

    /// Appends every occurrence of every keyword in `hay` to `out`, in no particular order.
    /// `false` (with `out` unspecified) when the scan could not run, so the caller searches
    /// itself: a haystack of 4 GiB or more (the library takes a 32-bit length), or no memory.
    pub fn hits(&self, hay: &[u8], out: &mut Vec<Hit>) -> bool {
        if u32::try_from(hay.len()).is_err() {
            return false;
        }
        let pool = || self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let popped = pool().pop();
        let Some(scratch) = popped.or_else(|| self.db.alloc_scratch().ok()) else {
            return false;
        };
        let lens = &self.lens;
        // The callback runs inside the library, where a panic would abort the process: nothing in
        // it may panic, so an id or offset that cannot occur is skipped rather than indexed.
        let on_match = |id: u32, _from: u64, to: u64, _flags: u32| {
            let (k, end) = (id as usize, to as usize);
            if let Some(start) = lens.get(k).and_then(|len| end.checked_sub(*len)) {
                out.push((start, k, end));
            }
            Matching::Continue
        };
        let scanned = self.db.scan(hay, &scratch, on_match);
        pool().push(scratch);
        scanned.is_ok()
    }
}
