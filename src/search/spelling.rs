//! "Did you mean": the closest words of titles and of the synonym dictionary to a word that
//! finds nothing, by edit distance over the words as the index sees them (NFKC, lowercase,
//! kana folded), so テレワーグ and てれわーぐ both lead to テレワーク.

use super::analyzer::{self, RunKind};

/// Longest candidate word, in characters.
const MAX_WORD_CHARS: usize = 16;

/// Edits allowed between a typed word of `chars` characters and a candidate: none for one
/// or two characters, one up to five, two beyond.
pub fn allowed_edits(chars: usize) -> usize {
    match chars {
        0..=2 => 0,
        3..=5 => 1,
        _ => 2,
    }
}

/// What a character is written in, for cutting Japanese runs into words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Kanji,
    Hiragana,
    Katakana,
    Other,
}

fn script(c: char) -> Script {
    match c {
        '\u{3041}'..='\u{309F}' => Script::Hiragana,
        '\u{30A1}'..='\u{30FF}' | '\u{FF66}'..='\u{FF9F}' => Script::Katakana,
        c if analyzer::is_kanji(c) => Script::Kanji,
        _ => Script::Other,
    }
}

/// The candidate words of a title, as (normalized, as written): each Latin word, and in a
/// Japanese run every stretch that begins and ends where the script changes (女性 / が /
/// テレワーク / … and 子育て支援 as 子育 + て + 支援), up to [`MAX_WORD_CHARS`] characters.
pub fn title_words(title: &str) -> Vec<(String, String)> {
    let mut words = Vec::new();
    for run in analyzer::runs(title) {
        let written = |from: usize, to: usize| title.get(from..to).unwrap_or_default().to_owned();
        if run.kind == RunKind::Word {
            let (_, from, _) = run.chars[0];
            let (_, _, to) = run.chars[run.chars.len() - 1];
            words.push((run.text(), written(from, to)));
            continue;
        }
        // Where each chunk of one script starts, as indexes into the run.
        let mut starts = vec![0];
        for i in 1..run.chars.len() {
            let of = |k: usize| {
                let (_, from, to) = run.chars[k];
                title
                    .get(from..to)
                    .and_then(|s| s.chars().next())
                    .map_or(Script::Other, script)
            };
            if of(i) != of(i - 1) && run.chars[i].0 != 'ー' {
                starts.push(i);
            }
        }
        starts.push(run.chars.len());
        for (a, &from) in starts.iter().enumerate() {
            for &to in &starts[a + 1..] {
                if to - from > MAX_WORD_CHARS {
                    break;
                }
                let normalized: String = run.chars[from..to].iter().map(|(c, _, _)| *c).collect();
                let (_, start, _) = run.chars[from];
                let (_, _, end) = run.chars[to - 1];
                if normalized.chars().count() >= 2 {
                    words.push((normalized, written(start, end)));
                }
            }
        }
    }
    words
}

/// The candidates closest to `word` (normalized), as written, closest first and each
/// once; only those within [`allowed_edits`]. Nothing when the word itself is a candidate:
/// it is spelled as the titles spell it.
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = (&'a str, &'a str)>,
    limit: usize,
) -> Vec<&'a str> {
    let allowed = allowed_edits(word.chars().count());
    if allowed == 0 {
        return Vec::new();
    }
    let mut found: Vec<(usize, usize, &str, &str)> = Vec::new();
    for (order, (normalized, written)) in candidates.into_iter().enumerate() {
        if normalized == word {
            return Vec::new();
        }
        if found.iter().any(|(_, _, n, _)| *n == normalized) {
            continue;
        }
        let distance = strsim::levenshtein(word, normalized);
        if distance <= allowed {
            found.push((distance, order, normalized, written));
        }
    }
    found.sort_by_key(|(distance, order, _, _)| (*distance, *order));
    found
        .into_iter()
        .take(limit)
        .map(|(_, _, _, written)| written)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_cut_where_the_script_changes() {
        let words: Vec<String> = title_words("女性がテレワークで働ける場")
            .into_iter()
            .map(|(_, written)| written)
            .collect();
        assert!(words.contains(&"テレワーク".to_owned()), "{words:?}");
        assert!(words.contains(&"女性がテレワーク".to_owned()), "{words:?}");
        let words: Vec<String> = title_words("子育て支援センター")
            .into_iter()
            .map(|(_, written)| written)
            .collect();
        assert!(words.contains(&"子育て支援".to_owned()), "{words:?}");
    }

    #[test]
    fn the_closest_words_within_a_few_edits_come_first_in_their_written_form() {
        let title = "女性がテレワークで働ける場 子育て学級";
        let words = title_words(title);
        let candidates = || words.iter().map(|(n, w)| (n.as_str(), w.as_str()));
        let typed = |text: &str| analyzer::normalized(text);
        assert_eq!(
            closest(&typed("テレワーグ"), candidates(), 3),
            ["テレワーク"]
        );
        assert_eq!(
            closest(&typed("てれわーぐ"), candidates(), 3),
            ["テレワーク"]
        );
        assert_eq!(
            closest(&typed("子育て学校"), candidates(), 3),
            ["子育て学級"]
        );
        // Too far, too short, or the word itself: nothing.
        assert!(closest(&typed("ぱんだ"), candidates(), 3).is_empty());
        assert!(closest(&typed("学"), candidates(), 3).is_empty());
        assert!(closest(&typed("テレワーク"), candidates(), 3).is_empty());
    }
}
