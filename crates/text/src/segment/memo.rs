//! Each stage of an analysis (techniques, claims, numbers, quotations) segments the whole
//! document; this remembers, per thread, the results for the last two texts of 512 bytes
//! to 1 MiB, so a document is segmented once. A hit needs the same text, compared in full, so a new text
//! at a freed one's address can never see old results.

use std::cell::RefCell;
use std::thread::LocalKey;

/// Texts shorter than this are segmented afresh (sentences and short passages: cheap, and
/// they would push the documents out).
pub const MIN_BYTES: usize = 512;

/// Texts longer than this are segmented afresh too: what a thread keeps between calls
/// stays small (at most two texts of 1 MiB and their boundaries per function).
pub const MAX_BYTES: usize = 1 << 20;

/// Texts remembered per thread and per function.
const ENTRIES: usize = 2;

/// A thread's remembered results: (text, result), most recent last.
pub type Cache<T> = RefCell<Vec<(Box<str>, T)>>;

/// `compute(text)`, or a copy of the remembered result for an equal text.
pub fn memo<T: Clone + 'static>(
    cache: &'static LocalKey<Cache<T>>,
    text: &str,
    compute: impl FnOnce(&str) -> T,
) -> T {
    if !(MIN_BYTES..=MAX_BYTES).contains(&text.len()) {
        return compute(text);
    }
    if let Some(hit) =
        cache.with_borrow(|c| c.iter().find(|(t, _)| **t == *text).map(|e| e.1.clone()))
    {
        return hit;
    }
    let out = compute(text);
    cache.with_borrow_mut(|c| {
        if c.len() == ENTRIES {
            c.remove(0);
        }
        c.push((text.into(), out.clone()));
    });
    out
}
