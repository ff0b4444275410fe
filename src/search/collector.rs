//! One pass over the matching documents: the best hits of the page, the total, and the
//! counts per kind and per category that refine the search.
//!
//! The kind and category filters are applied here rather than in the query, so that the
//! same pass counts what each choice would give: kind counts ignore the kind filter (but
//! not the category filter), category counts ignore the category filter (but not the kind
//! filter), as facets next to a search box do. Kinds, categories and dates are read from
//! fast fields; nothing is loaded from the stored documents.

use std::{cmp::Ordering, collections::BinaryHeap};

use chrono::{DateTime, Utc};
use tantivy::{
    DocAddress, DocId, Score, SegmentOrdinal, SegmentReader,
    collector::{Collector, SegmentCollector},
    columnar::{Column, StrColumn},
};

/// How hits are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// Best match first; upcoming dates weigh a little more.
    #[default]
    Relevance,
    /// Soonest date first; items without a date last, best match first among equals.
    Date,
}

/// How much an item starting now gains over one without a date (a factor of
/// `1 + UPCOMING_BOOST`); the gain halves at [`UPCOMING_HALF_DAYS`] days away.
pub const UPCOMING_BOOST: f32 = 0.3;
/// Days away at which the upcoming boost is half its full size.
pub const UPCOMING_HALF_DAYS: f32 = 30.0;

/// The relevance factor of an item with date `starts_at` (epoch seconds) seen at `now`.
pub fn upcoming_factor(starts_at: Option<i64>, now: i64) -> f32 {
    match starts_at {
        Some(at) if at > now => {
            let days = (at - now) as f32 / 86_400.0;
            1.0 + UPCOMING_BOOST * UPCOMING_HALF_DAYS / (UPCOMING_HALF_DAYS + days)
        }
        _ => 1.0,
    }
}

/// What to collect.
pub struct Facets {
    /// Only these kinds make hits (any of them); empty: every kind.
    pub kinds: Vec<String>,
    /// Only documents with one of these categories make hits; empty: any.
    pub categories: Vec<String>,
    /// Hits to keep (offset + page size).
    pub keep: usize,
    /// How to order them.
    pub order: Order,
    /// The time the upcoming boost is measured from.
    pub now: DateTime<Utc>,
    /// Field names of the fast fields.
    pub kind_field: &'static str,
    /// Category codes.
    pub category_field: &'static str,
    /// Dates.
    pub date_field: &'static str,
}

/// A ranked hit: larger ranks first.
#[derive(Debug, Clone, Copy)]
pub struct Ranked {
    /// Date order: the negated date (sooner is larger); `i64::MIN` without a date.
    primary: i64,
    /// The score with the upcoming boost.
    pub score: Score,
    /// Where the document is.
    pub address: DocAddress,
}

impl Ranked {
    fn cmp_rank(&self, other: &Self) -> Ordering {
        self.primary
            .cmp(&other.primary)
            .then(self.score.total_cmp(&other.score))
            // Earlier documents first among equals: larger rank for the smaller address.
            .then_with(|| other.address.cmp(&self.address))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_rank(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: the heap keeps the worst kept hit on top, to be replaced.
        other.cmp_rank(self)
    }
}

/// What one pass found.
#[derive(Debug, Default)]
pub struct Collected {
    /// Hits passing every filter.
    pub total: usize,
    /// The best `keep` of them, best first.
    pub top: Vec<Ranked>,
    /// Per kind, with every filter but the kind filter.
    pub kind_counts: Vec<(String, u64)>,
    /// Per category, with every filter but the category filter.
    pub category_counts: Vec<(String, u64)>,
}

/// The collector of one segment.
pub struct FacetSegment {
    segment: SegmentOrdinal,
    kinds: Option<StrColumn>,
    categories: Option<StrColumn>,
    dates: Column<i64>,
    /// Ordinals of the wanted kinds in this segment; `None`: every kind.
    wanted_kinds: Option<Vec<u64>>,
    /// Ordinals of the wanted categories; `None`: any.
    wanted_categories: Option<Vec<u64>>,
    kind_counts: Vec<u64>,
    category_counts: Vec<u64>,
    total: usize,
    keep: usize,
    order: Order,
    now: i64,
    heap: BinaryHeap<Ranked>,
    ords: Vec<u64>,
}

fn ordinals(column: Option<&StrColumn>, wanted: &[String]) -> tantivy::Result<Option<Vec<u64>>> {
    if wanted.is_empty() {
        return Ok(None);
    }
    let mut ords = Vec::new();
    if let Some(column) = column {
        for value in wanted {
            if let Some(ord) = column.dictionary().term_ord(value.as_bytes())? {
                ords.push(ord);
            }
        }
    }
    Ok(Some(ords))
}

fn names(column: Option<&StrColumn>, counts: &[u64]) -> tantivy::Result<Vec<(String, u64)>> {
    let mut named = Vec::new();
    if let Some(column) = column {
        for (ord, count) in counts.iter().enumerate() {
            if *count > 0 {
                let mut name = String::new();
                column.ord_to_str(ord as u64, &mut name)?;
                named.push((name, *count));
            }
        }
    }
    Ok(named)
}

impl Collector for Facets {
    type Fruit = Collected;
    type Child = FacetSegment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FacetSegment> {
        let fast = reader.fast_fields();
        let kinds = fast.str(self.kind_field)?;
        let categories = fast.str(self.category_field)?;
        let dates = fast.i64(self.date_field)?;
        let wanted_kinds = ordinals(kinds.as_ref(), &self.kinds)?;
        let wanted_categories = ordinals(categories.as_ref(), &self.categories)?;
        let kind_terms = kinds.as_ref().map_or(0, |c| c.num_terms());
        let category_terms = categories.as_ref().map_or(0, |c| c.num_terms());
        Ok(FacetSegment {
            segment,
            kinds,
            categories,
            dates,
            wanted_kinds,
            wanted_categories,
            kind_counts: vec![0; kind_terms],
            category_counts: vec![0; category_terms],
            total: 0,
            keep: self.keep,
            order: self.order,
            now: self.now.timestamp(),
            heap: BinaryHeap::with_capacity(self.keep + 1),
            ords: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Collected> {
        let mut total = 0;
        let mut top = Vec::new();
        let mut kinds: Vec<(String, u64)> = Vec::new();
        let mut categories: Vec<(String, u64)> = Vec::new();
        let add = |into: &mut Vec<(String, u64)>, counts: Vec<(String, u64)>| {
            for (name, count) in counts {
                match into.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, c)) => *c += count,
                    None => into.push((name, count)),
                }
            }
        };
        for fruit in fruits {
            total += fruit.total;
            top.extend(fruit.top);
            add(&mut kinds, fruit.kind_counts);
            add(&mut categories, fruit.category_counts);
        }
        top.sort_by(|a, b| b.cmp_rank(a));
        top.truncate(self.keep);
        kinds.sort();
        categories.sort();
        Ok(Collected {
            total,
            top,
            kind_counts: kinds,
            category_counts: categories,
        })
    }
}

/// What one segment found (names resolved from the segment's ordinals).
pub struct SegmentFruit {
    total: usize,
    top: Vec<Ranked>,
    kind_counts: Vec<(String, u64)>,
    category_counts: Vec<(String, u64)>,
}

impl SegmentCollector for FacetSegment {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let kind = self
            .kinds
            .as_ref()
            .and_then(|column| column.ords().first(doc));
        let kind_ok = match (&self.wanted_kinds, kind) {
            (None, _) => true,
            (Some(wanted), Some(kind)) => wanted.contains(&kind),
            (Some(_), None) => false,
        };
        self.ords.clear();
        if let Some(column) = &self.categories {
            self.ords.extend(column.term_ords(doc));
        }
        let category_ok = match &self.wanted_categories {
            None => true,
            Some(wanted) => self.ords.iter().any(|ord| wanted.contains(ord)),
        };
        if category_ok
            && let Some(kind) = kind
            && let Some(count) = self.kind_counts.get_mut(kind as usize)
        {
            *count += 1;
        }
        if kind_ok {
            for ord in &self.ords {
                if let Some(count) = self.category_counts.get_mut(*ord as usize) {
                    *count += 1;
                }
            }
        }
        if !(kind_ok && category_ok) {
            return;
        }
        self.total += 1;
        if self.keep == 0 {
            return;
        }
        let date = self.dates.first(doc);
        let ranked = Ranked {
            primary: match self.order {
                Order::Relevance => 0,
                Order::Date => date.map_or(i64::MIN, |at| at.saturating_neg()),
            },
            score: score * upcoming_factor(date, self.now),
            address: DocAddress::new(self.segment, doc),
        };
        if self.heap.len() < self.keep {
            self.heap.push(ranked);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && ranked.cmp_rank(&worst) == Ordering::Greater
        {
            *worst = ranked;
        }
    }

    fn harvest(self) -> SegmentFruit {
        SegmentFruit {
            total: self.total,
            top: self.heap.into_vec(),
            kind_counts: names(self.kinds.as_ref(), &self.kind_counts).unwrap_or_default(),
            category_counts: names(self.categories.as_ref(), &self.category_counts)
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sooner_dates_weigh_more_and_past_or_missing_ones_not_at_all() {
        let now = 1_000_000;
        let tomorrow = upcoming_factor(Some(now + 86_400), now);
        let next_quarter = upcoming_factor(Some(now + 90 * 86_400), now);
        assert!(tomorrow > next_quarter && next_quarter > 1.0);
        assert!(tomorrow <= 1.0 + UPCOMING_BOOST);
        assert_eq!(upcoming_factor(Some(now - 1), now), 1.0);
        assert_eq!(upcoming_factor(None, now), 1.0);
    }
}
