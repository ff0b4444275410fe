//! The Japanese analyzer: the same for documents and queries.
//!
//! Text is NFKC-normalized and lowercased character by character (keeping byte offsets into
//! the original for highlighting). Runs of Japanese characters become overlapping character
//! bigrams — the Groonga `TokenBigram` approach, no dictionary needed — and the last
//! character of each run is also kept as a unigram so that one-character queries (「市」「海」)
//! find something. Runs of letters and digits become words. A position gap separates runs,
//! so a phrase never matches across punctuation or a change of script.
//!
//! Kana are folded to one script: hiragana become katakana and small kana (ァ ィ ャ ュ ョ …)
//! their full-size letters, in documents and queries alike, so that せみなー finds セミナー
//! and ウィンドウ finds ウインドウ. ッ is kept: the loose analyzer ([`loose_tokens`]) drops it,
//! and the long-vowel mark, from katakana words of [`LOOSE_MIN_CHARS`] characters or more, so
//! that a typo dropping one (ワークショプ, ワクショップ) still finds the word, below exact matches.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::{UnicodeNormalization, char::compose};

/// Name the analyzer is registered under in the index.
pub const NAME: &str = "ja_bigram";
/// Name of the analyzer of kana readings: the same, with hiragana folded to katakana so
/// that a reading typed in either finds the other (まなづる = マナヅル).
pub const KANA_NAME: &str = "ja_kana";

/// Name of the loose analyzer: katakana words without ッ and ー.
pub const LOOSE_NAME: &str = "ja_loose";

/// Katakana words this long or longer are also indexed and searched without ッ and ー.
pub const LOOSE_MIN_CHARS: usize = 4;

/// Positions left empty between two runs.
pub const RUN_GAP: usize = 2;

/// What a run is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// Kanji, kana and the marks that belong with them (々, ー, ヶ).
    Japanese,
    /// Latin letters and digits.
    Word,
}

/// A stretch of normalized text of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// What it is made of.
    pub kind: RunKind,
    /// Normalized characters with the byte range each came from in the original text.
    pub chars: Vec<(char, usize, usize)>,
}

impl Run {
    /// The normalized text of the run.
    pub fn text(&self) -> String {
        self.chars.iter().map(|(c, _, _)| *c).collect()
    }
}

/// Whether `c` belongs to a Japanese run. Decided by character ranges, not by Unicode
/// script: 「ー」 is script Common and would otherwise cut 「セミナー」 in two.
fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3041}'..='\u{3096}' // hiragana
        | '\u{309D}'..='\u{309F}' // hiragana iteration marks, ゟ
        | '\u{30A1}'..='\u{30FA}' // katakana
        | '\u{30FC}'..='\u{30FF}' // ー, katakana iteration marks, ヿ
        | '\u{3005}'..='\u{3007}' // 々 〆 〇
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{20000}'..='\u{2FA1F}' // CJK extensions B–F and supplements
    )
}

/// Whether `c` is a kanji (or 々).
pub fn is_kanji(c: char) -> bool {
    matches!(c, '\u{3005}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | '\u{30FC}')
}

/// Dashes that people type for the long-vowel mark after katakana (セミナ－, セミナ-).
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            ..='\u{2015}' | '\u{2212}' | '\u{FF0D}' | '\u{FF70}' | '\u{30FC}' | '～' | '~'
    )
}

/// NFKC and lowercase, one original character at a time, composing the voiced sound marks
/// that half-width katakana carry separately (ｶﾞ → ガ).
fn normalize(text: &str) -> Vec<(char, usize, usize)> {
    let mut out: Vec<(char, usize, usize)> = Vec::with_capacity(text.len());
    for (start, original) in text.char_indices() {
        let end = start + original.len_utf8();
        for c in original.nfkc().flat_map(char::to_lowercase) {
            if matches!(c, '\u{3099}' | '\u{309A}')
                && let Some(last) = out.last_mut()
                && let Some(composed) = compose(last.0, c)
            {
                last.0 = composed;
                last.2 = end;
                continue;
            }
            out.push((c, start, end));
        }
    }
    fold(&mut out);
    out
}

/// Small kana (except ッ) as their full-size letters; everything else as it is.
fn full_size(c: char) -> char {
    match c {
        'ァ' | 'ィ' | 'ゥ' | 'ェ' | 'ォ' | 'ャ' | 'ュ' | 'ョ' | 'ヮ' => {
            char::from_u32(u32::from(c) + 1).unwrap_or(c)
        }
        _ => c,
    }
}

/// Spelling variants that NFKC leaves apart but readers take as one.
fn fold(chars: &mut [(char, usize, usize)]) {
    for (c, _, _) in chars.iter_mut() {
        *c = full_size(to_katakana(*c));
    }
    for i in 0..chars.len() {
        let previous = i.checked_sub(1).map(|p| chars[p].0);
        let next = chars.get(i + 1).map(|n| n.0);
        let c = chars[i].0;
        // 由比ヶ浜 / 由比ケ浜 / 由比ガ浜 / 由比が浜: one place.
        if matches!(c, 'ヶ' | 'ケ' | 'ガ' | 'ヵ')
            && previous.is_some_and(is_kanji)
            && next.is_some_and(is_kanji)
        {
            chars[i].0 = 'ヶ';
        }
        // A dash after katakana is a long-vowel mark.
        if is_dash(c) && previous.is_some_and(is_katakana) {
            chars[i].0 = 'ー';
        }
    }
}

/// `text` normalized as the index sees it (NFKC, lowercase, spelling variants folded).
pub fn normalized(text: &str) -> String {
    normalize(text).into_iter().map(|(c, _, _)| c).collect()
}

/// `text` normalized, from each of its word starts: the whole text, and the rest after
/// each space or punctuation (「前橋市 移住相談会」 → 前橋市 移住相談会, 移住相談会).
pub fn word_starts(text: &str) -> Vec<String> {
    let chars: Vec<char> = normalized(text).chars().collect();
    let mut starts = Vec::new();
    for i in 0..chars.len() {
        let here = chars[i];
        let word = is_japanese(here) || here.is_alphanumeric();
        let after_gap = i == 0 || !(is_japanese(chars[i - 1]) || chars[i - 1].is_alphanumeric());
        if word && after_gap {
            starts.push(chars[i..].iter().collect::<String>().trim_end().to_owned());
        }
    }
    starts
}

/// Splits `text` into normalized runs.
pub fn runs(text: &str) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for (c, start, end) in normalize(text) {
        let kind = if is_japanese(c) {
            RunKind::Japanese
        } else if c.is_alphanumeric() {
            RunKind::Word
        } else {
            // Anything else separates runs.
            runs.push(Run {
                kind: RunKind::Word,
                chars: Vec::new(),
            });
            continue;
        };
        match runs.last_mut() {
            Some(run) if run.kind == kind && !run.chars.is_empty() => {
                run.chars.push((c, start, end))
            }
            _ => runs.push(Run {
                kind,
                chars: vec![(c, start, end)],
            }),
        }
    }
    runs.retain(|run| !run.chars.is_empty());
    runs
}

/// Hiragana as katakana; everything else as it is.
pub fn to_katakana(c: char) -> char {
    match c {
        '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}' => {
            char::from_u32(u32::from(c) + 0x60).unwrap_or(c)
        }
        _ => c,
    }
}

/// Runs of `text` for kana readings: the same as [`runs`], kana being folded everywhere.
pub fn kana_runs(text: &str) -> Vec<Run> {
    runs(text)
}

/// Whether `c` (folded) is part of a katakana word: a letter or the long-vowel mark.
fn is_katakana_letter(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | '\u{30FC}')
}

/// `run` loosened: without ッ and ー, when it is a katakana word of [`LOOSE_MIN_CHARS`]
/// characters or more; `None` otherwise.
pub fn loosened(run: &Run) -> Option<Run> {
    if run.kind != RunKind::Japanese
        || run.chars.len() < LOOSE_MIN_CHARS
        || !run.chars.iter().all(|(c, _, _)| is_katakana_letter(*c))
    {
        return None;
    }
    let chars: Vec<(char, usize, usize)> = run
        .chars
        .iter()
        .copied()
        .filter(|(c, _, _)| !matches!(c, 'ッ' | 'ー'))
        .collect();
    (chars.len() >= 2).then_some(Run {
        kind: RunKind::Japanese,
        chars,
    })
}

/// The loose tokens of `text`: each katakana word written in katakana (not in hiragana) of
/// [`LOOSE_MIN_CHARS`] characters or more, without ッ and ー, as bigrams. Kanji, hiragana
/// and short words are left out, so the loose field stays small.
pub fn loose_tokens(text: &str) -> Vec<Token> {
    let written_in_katakana = |start: usize, end: usize| {
        text.get(start..end).is_some_and(|original| {
            !original
                .chars()
                .any(|c| matches!(c, '\u{3041}'..='\u{309F}'))
        })
    };
    let mut words = Vec::new();
    for run in runs(text) {
        if run.kind != RunKind::Japanese {
            continue;
        }
        let mut word: Vec<(char, usize, usize)> = Vec::new();
        for &(c, start, end) in run.chars.iter().chain(std::iter::once(&('\0', 0, 0))) {
            if is_katakana_letter(c) && written_in_katakana(start, end) {
                word.push((c, start, end));
                continue;
            }
            let candidate = Run {
                kind: RunKind::Japanese,
                chars: std::mem::take(&mut word),
            };
            if let Some(loose) = loosened(&candidate) {
                words.push(loose);
            }
        }
    }
    tokens_of(words)
}

/// Every token of `text`, in order.
pub fn tokens(text: &str) -> Vec<Token> {
    tokens_of(runs(text))
}

fn tokens_of(runs: Vec<Run>) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut position = 0;
    for run in runs {
        match run.kind {
            RunKind::Word => {
                let (_, from, _) = run.chars[0];
                let (_, _, to) = run.chars[run.chars.len() - 1];
                tokens.push(token(run.text(), from, to, position));
                position += 1;
            }
            RunKind::Japanese => {
                for pair in run.chars.windows(2) {
                    let text: String = [pair[0].0, pair[1].0].into_iter().collect();
                    tokens.push(token(text, pair[0].1, pair[1].2, position));
                    position += 1;
                }
                let (last, from, to) = run.chars[run.chars.len() - 1];
                tokens.push(token(last.to_string(), from, to, position));
                position += 1;
            }
        }
        position += RUN_GAP;
    }
    tokens
}

fn token(text: String, offset_from: usize, offset_to: usize, position: usize) -> Token {
    Token {
        offset_from,
        offset_to,
        position,
        text,
        position_length: 1,
    }
}

/// The tantivy tokenizer running [`tokens`].
#[derive(Debug, Clone, Default)]
pub struct JapaneseBigram;

/// Tokens of one text, handed out one by one.
pub struct JapaneseBigramStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl Tokenizer for JapaneseBigram {
    type TokenStream<'a> = JapaneseBigramStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        JapaneseBigramStream {
            tokens: tokens(text).into_iter(),
            current: Token::default(),
        }
    }
}

/// The tantivy tokenizer of kana readings: [`tokens`] of [`kana_runs`].
#[derive(Debug, Clone, Default)]
pub struct JapaneseKana;

impl Tokenizer for JapaneseKana {
    type TokenStream<'a> = JapaneseBigramStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        JapaneseBigramStream {
            tokens: tokens_of(kana_runs(text)).into_iter(),
            current: Token::default(),
        }
    }
}

/// The tantivy tokenizer of the loose field: [`loose_tokens`].
#[derive(Debug, Clone, Default)]
pub struct JapaneseLoose;

impl Tokenizer for JapaneseLoose {
    type TokenStream<'a> = JapaneseBigramStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        JapaneseBigramStream {
            tokens: loose_tokens(text).into_iter(),
            current: Token::default(),
        }
    }
}

impl TokenStream for JapaneseBigramStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(token) => {
                self.current = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn japanese_runs_become_bigrams_with_the_last_character_as_a_unigram() {
        assert_eq!(texts("前橋市"), ["前橋", "橋市", "市"]);
        assert_eq!(texts("海"), ["海"]);
    }

    #[test]
    fn the_long_vowel_mark_stays_inside_the_run() {
        assert_eq!(texts("セミナー"), ["セミ", "ミナ", "ナー", "ー"]);
        assert_eq!(texts("ｾﾐﾅｰ"), texts("セミナー"));
        assert_eq!(texts("セミナ－"), texts("セミナー"));
    }

    #[test]
    fn kana_readings_fold_hiragana_to_katakana() {
        let folded = |text: &str| -> Vec<String> {
            tokens_of(kana_runs(text))
                .into_iter()
                .map(|t| t.text)
                .collect()
        };
        assert_eq!(folded("まなづる"), folded("マナヅル"));
        assert_eq!(folded("ﾏﾅﾂﾞﾙ"), folded("まなづる"));
    }

    #[test]
    fn hiragana_and_katakana_fold_to_one_script_in_every_text() {
        assert_eq!(texts("せみなー"), texts("セミナー"));
        assert_eq!(texts("わーくしょっぷ"), texts("ワークショップ"));
        assert_eq!(texts("ｾﾐﾅｰ"), texts("せみなー"));
        // A dash after hiragana is a long-vowel mark too.
        assert_eq!(texts("せみな―"), texts("セミナー"));
    }

    #[test]
    fn small_kana_fold_to_full_size_but_sokuon_stays() {
        assert_eq!(texts("ウィンドウ"), texts("ウインドウ"));
        assert_eq!(texts("キャンプ"), texts("キヤンプ"));
        assert_ne!(texts("ショップ"), texts("ショツプ"));
    }

    #[test]
    fn long_vowel_variants_fold_after_katakana() {
        for variant in ["セミナｰ", "セミナ―", "セミナ‐", "セミナ－", "セミナ-"]
        {
            assert_eq!(texts(variant), texts("セミナー"), "{variant}");
        }
    }

    #[test]
    fn the_loose_field_keeps_long_katakana_words_without_sokuon_and_long_vowels() {
        let loose = |text: &str| -> Vec<String> {
            loose_tokens(text).into_iter().map(|t| t.text).collect()
        };
        assert_eq!(loose("親子ワークショップ体験"), loose("ワクショプ"));
        assert_eq!(
            loose("ワークショップ"),
            ["ワク", "クシ", "シヨ", "ヨプ", "プ"]
        );
        // Short words, kanji and words written in hiragana are left out.
        assert!(loose("セミ 子育て支援 わーくしょっぷ").is_empty());
    }

    #[test]
    fn titles_are_kept_from_every_word_start_for_autocomplete() {
        assert_eq!(
            word_starts("前橋市 移住相談会（ｾﾐﾅｰ）"),
            [
                "前橋市 移住相談会(セミナー)",
                "移住相談会(セミナー)",
                "セミナー)"
            ]
        );
    }

    #[test]
    fn half_width_voiced_katakana_compose() {
        assert_eq!(texts("ﾌﾟﾚｲﾙｰﾑ"), texts("プレイルーム"));
    }

    #[test]
    fn iteration_marks_belong_to_the_run() {
        assert_eq!(texts("佐々木"), ["佐々", "々木", "木"]);
    }

    #[test]
    fn place_name_ke_variants_fold_together() {
        let expected = texts("由比ヶ浜");
        for variant in ["由比ケ浜", "由比ガ浜", "由比が浜"] {
            assert_eq!(texts(variant), expected, "{variant}");
        }
        // Between kana it is left alone.
        assert_eq!(texts("ガス"), ["ガス", "ス"]);
    }

    #[test]
    fn full_width_digits_and_latin_become_lowercase_words() {
        assert_eq!(texts("２０２４年度"), ["2024", "年度", "度"]);
        assert_eq!(texts("ＤＸ推進とAI"), ["dx", "推進", "進ト", "ト", "ai"]);
    }

    #[test]
    fn runs_are_separated_by_a_position_gap() {
        let tokens = tokens("子育て。支援");
        let positions: Vec<(String, usize)> =
            tokens.into_iter().map(|t| (t.text, t.position)).collect();
        assert_eq!(
            positions,
            [
                ("子育".into(), 0),
                ("育テ".into(), 1),
                ("テ".into(), 2),
                ("支援".into(), 5),
                ("援".into(), 6)
            ]
        );
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "元気保育園ｾﾐﾅｰ";
        for token in tokens(text) {
            assert!(
                text.get(token.offset_from..token.offset_to).is_some(),
                "{token:?}"
            );
        }
        let seminar = tokens(text).into_iter().find(|t| t.text == "セミ").unwrap();
        assert_eq!(&text[seminar.offset_from..seminar.offset_to], "ｾﾐ");
    }

    #[test]
    fn phrases_from_the_seed_programmes() {
        // 子育てひろば事業 / 親子元気ルーム / 女性活躍推進セミナー
        assert_eq!(
            texts("子育てひろば"),
            ["子育", "育テ", "テヒ", "ヒロ", "ロバ", "バ"]
        );
        assert!(texts("親子元気ルーム").contains(&"ルー".to_string()));
        assert!(texts("女性活躍推進セミナー").contains(&"進セ".to_string()));
        assert_eq!(texts("公民連携"), ["公民", "民連", "連携", "携"]);
    }
}
