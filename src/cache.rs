//! Bounded in-memory caches of answers that a change anywhere may make stale.
//!
//! A [`Generational`] cache keeps each entry for at most its time to live, and drops every
//! entry at once when its generation moves: whatever announces a change (an event on the
//! bus, a mutation) calls [`Generational::invalidate_all`]. An answer is stored under the
//! generation read *before* it was computed, so an answer computed while a change
//! committed is never served after that change.

use std::{
    hash::Hash,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use quick_cache::{Weighter, sync::Cache};

/// How much room an entry takes: one unit each, or its size in bytes.
pub trait Weight {
    /// The entry's weight against the cache's capacity.
    fn weight(&self) -> u64 {
        1
    }
}

#[derive(Clone)]
struct ByWeight;

impl<K, V: Weight> Weighter<K, Entry<V>> for ByWeight {
    fn weight(&self, _key: &K, entry: &Entry<V>) -> u64 {
        entry.value.weight().max(1)
    }
}

#[derive(Clone)]
struct Entry<V> {
    generation: u64,
    stored_at: Instant,
    value: V,
}

/// A bounded cache whose entries expire after a time to live or when the generation moves.
pub struct Generational<K, V> {
    entries: Cache<K, Entry<V>, ByWeight>,
    generation: AtomicU64,
    ttl: Duration,
}

impl<K, V> Generational<K, V>
where
    K: Eq + Hash + Clone,
    V: Clone + Weight,
{
    /// A cache of about `items` entries weighing at most `capacity` in all, each kept for at
    /// most `ttl`.
    pub fn new(items: usize, capacity: u64, ttl: Duration) -> Self {
        Self {
            entries: Cache::with_weighter(items, capacity, ByWeight),
            generation: AtomicU64::new(0),
            ttl,
        }
    }

    /// The current generation: read it before computing an answer to store.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The entry of `key`, if it is of the current generation and younger than the time
    /// to live.
    pub fn get(&self, key: &K) -> Option<V> {
        let entry = self.entries.get(key)?;
        if entry.generation == self.generation() && entry.stored_at.elapsed() < self.ttl {
            Some(entry.value)
        } else {
            self.entries.remove(key);
            None
        }
    }

    /// Stores `value` computed at `generation`; does nothing if the generation has moved
    /// since.
    pub fn insert(&self, generation: u64, key: K, value: V) {
        if generation != self.generation() {
            return;
        }
        self.entries.insert(
            key,
            Entry {
                generation,
                stored_at: Instant::now(),
                value,
            },
        );
    }

    /// Makes every entry stale: something they may depend on changed.
    pub fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Number of entries held (stale ones included until they are next read or evicted).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Weight for &'static str {}

    fn cache() -> Generational<u32, &'static str> {
        Generational::new(16, 16, Duration::from_secs(60))
    }

    #[test]
    fn an_entry_is_served_until_the_generation_moves() {
        let cache = cache();
        cache.insert(cache.generation(), 1, "one");
        assert_eq!(cache.get(&1), Some("one"));
        cache.invalidate_all();
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn an_answer_computed_across_a_change_is_not_stored() {
        let cache = cache();
        let before = cache.generation();
        cache.invalidate_all();
        cache.insert(before, 1, "stale");
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn an_entry_expires_after_its_time_to_live() {
        let cache = Generational::new(16, 16, Duration::ZERO);
        cache.insert(cache.generation(), 1, "one");
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn entries_beyond_the_capacity_are_evicted() {
        let cache: Generational<u32, &'static str> =
            Generational::new(4, 4, Duration::from_secs(60));
        for key in 0..100 {
            cache.insert(cache.generation(), key, "x");
        }
        assert!(cache.len() <= 4, "{} entries", cache.len());
    }
}
