//! Synonyms: groups of words that mean the same to a resident (妊婦 / 妊娠中 / プレママ).
//!
//! The built-in groups are in `synonyms.txt` beside this file, read when the index opens;
//! each municipality adds its own (place names, facility nicknames, programme names), which
//! expand only towards that municipality's documents. A query word that is a whole word of a
//! group also matches the other words of the group, a little below the word itself. Words
//! are compared normalized as the index sees them (NFKC, lowercase, kana folded).

use entity::search_synonym;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder};
use uuid::Uuid;

use super::analyzer;

/// The built-in dictionary, one group per line.
const BUILT_IN: &str = include_str!("synonyms.txt");

/// One group of words meaning the same.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    /// Only towards documents of this municipality; `None`: every document.
    municipality: Option<Uuid>,
    /// The words, normalized.
    words: Vec<String>,
    /// The same words as written.
    written: Vec<String>,
}

/// A word a query word expands to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    /// Only documents of this municipality may match through it; `None`: any.
    pub municipality: Option<Uuid>,
    /// The other word, normalized.
    pub word: String,
}

/// Groups of synonyms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    groups: Vec<Group>,
}

impl Synonyms {
    /// The built-in dictionary.
    pub fn built_in() -> Self {
        Self::parse(BUILT_IN)
    }

    /// Groups from text: one per line, words separated by commas (`,` `、` `，`); blank
    /// lines and lines starting with `#` are skipped, as are groups of fewer than two words.
    pub fn parse(text: &str) -> Self {
        let mut synonyms = Self::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            synonyms.add(None, line.split([',', '、', '，']));
        }
        synonyms
    }

    /// Adds a group of `words`, only towards `municipality`'s documents if given. Words that
    /// normalize to nothing or to a word already in the group are dropped; a group left with
    /// fewer than two words is not added.
    pub fn add<'a>(
        &mut self,
        municipality: Option<Uuid>,
        words: impl IntoIterator<Item = &'a str>,
    ) {
        let mut normalized: Vec<String> = Vec::new();
        let mut written: Vec<String> = Vec::new();
        for word in words {
            let key = normalize(word);
            if !key.is_empty() && !normalized.contains(&key) {
                normalized.push(key);
                written.push(word.trim().to_owned());
            }
        }
        if normalized.len() >= 2 {
            self.groups.push(Group {
                municipality,
                words: normalized,
                written,
            });
        }
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there is no group.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Every word of every group towards `municipality`'s documents (every group when
    /// `None`), as (normalized, as written): for "did you mean".
    pub fn entries(&self, municipality: Option<Uuid>) -> impl Iterator<Item = (&str, &str)> {
        self.groups
            .iter()
            .filter(move |group| {
                group.municipality.is_none()
                    || municipality.is_none()
                    || group.municipality == municipality
            })
            .flat_map(|group| {
                group
                    .words
                    .iter()
                    .map(String::as_str)
                    .zip(group.written.iter().map(String::as_str))
            })
    }

    /// The words `word` expands to: the other words of each group it is in, each once.
    pub fn expansions(&self, word: &str) -> Vec<Expansion> {
        let word = normalize(word);
        let mut found: Vec<Expansion> = Vec::new();
        for group in self.groups.iter().filter(|g| g.words.contains(&word)) {
            for other in group.words.iter().filter(|w| **w != word) {
                let expansion = Expansion {
                    municipality: group.municipality,
                    word: other.clone(),
                };
                if !found.contains(&expansion) {
                    found.push(expansion);
                }
            }
        }
        found
    }
}

/// Every municipality's own groups, as saved (one word per line).
pub async fn load_local(db: &impl ConnectionTrait) -> Result<Synonyms, DbErr> {
    let rows = search_synonym::Entity::find()
        .order_by_asc(search_synonym::Column::Id)
        .all(db)
        .await?;
    let mut synonyms = Synonyms::default();
    for row in &rows {
        synonyms.add(Some(row.municipality_id), row.words.lines());
    }
    Ok(synonyms)
}

/// A word as groups keep it: normalized, without surrounding spaces.
pub fn normalize(word: &str) -> String {
    analyzer::normalized(word.trim()).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(expansions: Vec<Expansion>) -> Vec<String> {
        expansions.into_iter().map(|e| e.word).collect()
    }

    #[test]
    fn the_built_in_dictionary_knows_the_everyday_words_for_the_official_ones() {
        let synonyms = Synonyms::built_in();
        assert!(synonyms.len() >= 30);
        let expands =
            |from: &str, to: &str| words(synonyms.expansions(from)).contains(&normalize(to));
        for (from, to) in [
            ("妊婦", "妊娠中"),
            ("プレママ", "妊婦"),
            ("一時預かり", "一時保育"),
            ("子供", "こども"),
            ("子ども", "子供"),
            ("託児", "保育"),
            ("補助金", "助成"),
            ("支援金", "補助金"),
            ("公民館", "地区センター"),
        ] {
            assert!(expands(from, to), "{from} → {to}");
        }
        // Kana and width variants are one word: ｺﾄﾞﾓ is こども.
        assert!(expands("ｺﾄﾞﾓ", "子供"));
        // Only whole words expand.
        assert!(synonyms.expansions("子供会").is_empty());
    }

    #[test]
    fn a_municipalitys_group_expands_towards_that_municipality_only() {
        let town = Uuid::now_v7();
        let mut synonyms = Synonyms::parse("託児, 保育");
        synonyms.add(
            Some(town),
            ["ほっとプラザ", "地域交流センター", "ホットプラザ"],
        );
        assert_eq!(synonyms.len(), 2);
        assert_eq!(
            synonyms.expansions("ホットプラザ"),
            [Expansion {
                municipality: Some(town),
                word: normalize("地域交流センター"),
            }]
        );
        // A group of one word is no group.
        synonyms.add(Some(town), ["公園", " 公園 ", ""]);
        assert_eq!(synonyms.len(), 2);
    }
}
