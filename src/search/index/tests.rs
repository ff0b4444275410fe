//! Tests of the index: matching, ranking, filters, facets, snippets and suggestions.

use chrono::TimeZone;

use super::*;

fn doc(kind: &str, municipality: Uuid, title: &str, body: &str) -> SearchDocument {
    SearchDocument {
        kind: kind.into(),
        id: Uuid::now_v7(),
        municipality_id: municipality,
        title: title.into(),
        body: body.into(),
        ..SearchDocument::default()
    }
}

struct Corpus {
    index: SearchIndex,
    maebashi: Uuid,
    manazuru: Uuid,
}

fn corpus() -> Corpus {
    let maebashi = Uuid::now_v7();
    let manazuru = Uuid::now_v7();
    let mut plaza = doc(
        "resource",
        maebashi,
        "子育てひろば 親子元気ルーム",
        "親子で安心して一緒に遊べるプレイルームです。",
    );
    plaza.child_age_months = Some((0, 36));
    let mut seminar = doc(
        "program",
        maebashi,
        "女性活躍推進セミナー（託児付き）",
        "２０２４年度の就職支援事業。ｾﾐﾅｰ中は保育士がお子さんを預かります。",
    );
    seminar.starts_at = Some(Utc.with_ymd_and_hms(2026, 12, 5, 1, 0, 0).single().unwrap());
    seminar.free_places = Some(3);
    let mut workshop = doc(
        "program",
        manazuru,
        "美術館ワークショップ 小学生の鑑賞会",
        "真鶴の自然とアートを体験学習で。由比ヶ浜ではなく琴ヶ浜の石を描きます。",
    );
    workshop.child_age_months = Some((72, 144));
    workshop.free_places = Some(0);
    let issue = doc(
        "local_issue",
        manazuru,
        "公園づくり",
        "子育て。支援の担い手が足りない地区で、公民連携により公園をつくる。",
    );
    let hall = doc(
        "article",
        maebashi,
        "前橋市役所からのお知らせ",
        "京の都の話",
    );
    let index = SearchIndex::in_memory().unwrap();
    index
        .apply(&[plaza, seminar, workshop, issue, hall], &[])
        .unwrap();
    Corpus {
        index,
        maebashi,
        manazuru,
    }
}

fn titles(index: &SearchIndex, request: SearchRequest) -> Vec<String> {
    let results = index
        .search(&SearchRequest {
            limit: 10,
            ..request
        })
        .unwrap();
    results
        .hits
        .iter()
        .map(|hit| hit.title_html.replace("<b>", "").replace("</b>", ""))
        .collect()
}

fn find(index: &SearchIndex, text: &str) -> Vec<String> {
    titles(
        index,
        SearchRequest {
            text: text.into(),
            ..SearchRequest::default()
        },
    )
}

#[test]
fn residents_find_what_they_type() {
    let c = corpus();
    // The one document matching every word comes first; documents matching only some of
    // the words follow it (too few matched them all).
    assert_eq!(
        find(&c.index, "子育て ひろば")[..1],
        ["子育てひろば 親子元気ルーム"]
    );
    assert_eq!(
        find(&c.index, "託児付き セミナー"),
        ["女性活躍推進セミナー（託児付き）"]
    );
    assert_eq!(
        find(&c.index, "美術館 ワークショップ 小学生"),
        ["美術館ワークショップ 小学生の鑑賞会"]
    );
}

#[test]
fn width_and_spelling_variants_match() {
    let c = corpus();
    assert_eq!(find(&c.index, "ｾﾐﾅｰ"), ["女性活躍推進セミナー（託児付き）"]);
    assert_eq!(
        find(&c.index, "2024年度"),
        ["女性活躍推進セミナー（託児付き）"]
    );
    assert_eq!(
        find(&c.index, "琴ガ浜"),
        ["美術館ワークショップ 小学生の鑑賞会"]
    );
}

#[test]
fn a_japanese_word_matches_as_a_phrase_not_as_characters() {
    let c = corpus();
    assert!(find(&c.index, "京都").is_empty());
    // The words stand apart in the issue (子育て。支援): no phrase across them.
    assert!(find(&c.index, "子育て支援").is_empty());
    assert_eq!(
        find(&c.index, "就職支援事業"),
        ["女性活躍推進セミナー（託児付き）"]
    );
}

#[test]
fn a_single_character_finds_words_that_contain_it() {
    let c = corpus();
    assert_eq!(find(&c.index, "市"), ["前橋市役所からのお知らせ"]);
    let parks = find(&c.index, "園");
    assert_eq!(parks, ["公園づくり"]);
    let mut art = find(&c.index, "美");
    art.sort();
    assert_eq!(art, ["美術館ワークショップ 小学生の鑑賞会"]);
}

#[test]
fn a_minus_word_excludes_and_exclusions_alone_find_nothing() {
    let c = corpus();
    let mut both = find(&c.index, "の");
    both.sort();
    assert!(both.len() >= 3, "{both:?}");
    let without_art = find(&c.index, "の -美術館");
    assert!(
        !without_art.iter().any(|t| t.contains("美術館")),
        "{without_art:?}"
    );
    assert_eq!(without_art.len(), both.len() - 1);
    assert!(find(&c.index, "-美術館").is_empty());
}

#[test]
fn title_matches_rank_above_body_matches() {
    let maebashi = Uuid::now_v7();
    let index = SearchIndex::in_memory().unwrap();
    index
        .apply(
            &[
                doc(
                    "article",
                    maebashi,
                    "お知らせ",
                    "移住相談会を開きます。移住の話",
                ),
                doc("program", maebashi, "移住相談会", "前橋で暮らす"),
            ],
            &[],
        )
        .unwrap();
    assert_eq!(find(&index, "移住 相談会"), ["移住相談会", "お知らせ"]);
}

#[test]
fn filters_narrow_and_facets_count_by_kind() {
    let c = corpus();
    let results = c
        .index
        .search(&SearchRequest {
            text: "の".into(),
            municipality_id: Some(c.manazuru),
            limit: 10,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(results.total, 2);
    let mut counts = results.kind_counts.clone();
    counts.sort();
    assert_eq!(counts, [("local_issue".into(), 1), ("program".into(), 1)]);

    let programs = titles(
        &c.index,
        SearchRequest {
            text: "の".into(),
            kinds: vec!["program".into()],
            ..SearchRequest::default()
        },
    );
    assert_eq!(programs.len(), 2);
    let for_a_toddler = titles(
        &c.index,
        SearchRequest {
            text: "ルーム".into(),
            child_age_months: Some(18),
            municipality_id: Some(c.maebashi),
            ..SearchRequest::default()
        },
    );
    assert_eq!(for_a_toddler, ["子育てひろば 親子元気ルーム"]);
    let with_seats = titles(
        &c.index,
        SearchRequest {
            text: "の".into(),
            has_free_places: true,
            ..SearchRequest::default()
        },
    );
    assert_eq!(with_seats, ["女性活躍推進セミナー（託児付き）"]);
    let upcoming = titles(
        &c.index,
        SearchRequest {
            text: "セミナー".into(),
            starts_after: Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).single(),
            ..SearchRequest::default()
        },
    );
    assert!(upcoming.is_empty());
}

#[test]
fn a_quoted_phrase_is_exact_and_spans_the_spaces_between_japanese_words() {
    let town = Uuid::now_v7();
    let index = SearchIndex::in_memory().unwrap();
    index
        .apply(
            &[
                doc("article", town, "子育て支援センターだより", "お知らせ"),
                doc("article", town, "支援の輪と子育て", "地域で"),
            ],
            &[],
        )
        .unwrap();
    assert_eq!(
        find(&index, "\"子育て 支援\""),
        ["子育て支援センターだより"]
    );
    assert_eq!(find(&index, "子育て 支援").len(), 2);
    // An open quote is a phrase to the end, not an error.
    assert_eq!(find(&index, "\"子育て 支援"), ["子育て支援センターだより"]);
    // Excluding a phrase keeps the other.
    assert_eq!(
        find(&index, "子育て -\"子育て 支援\""),
        ["支援の輪と子育て"]
    );
    assert!(find(&index, "\"支援 子育て\"").is_empty());
}

#[test]
fn longer_latin_words_match_one_typo_away_below_the_exact_word() {
    let town = Uuid::now_v7();
    let index = SearchIndex::in_memory().unwrap();
    index
        .apply(
            &[
                doc("article", town, "Workshop for families", ""),
                doc("article", town, "Workshops online", ""),
                doc("article", town, "Tour of the port", ""),
            ],
            &[],
        )
        .unwrap();
    assert_eq!(find(&index, "workshp"), ["Workshop for families"]);
    assert_eq!(
        find(&index, "workshops"),
        ["Workshops online", "Workshop for families"]
    );
    // Short words do not stretch: tour is not your.
    assert!(find(&index, "tours").contains(&"Tour of the port".to_owned()));
    assert!(find(&index, "your").is_empty());
}

#[test]
fn categories_filter_and_count_like_kinds_and_dates_order_or_boost() {
    let town = Uuid::now_v7();
    let now = Utc::now();
    let mut art_soon = doc("program", town, "美術の体験 あす", "");
    art_soon.categories = vec!["art".into()];
    art_soon.starts_at = Some(now + chrono::Duration::days(1));
    let mut art_later = doc("program", town, "美術の体験 来年", "");
    art_later.categories = vec!["art".into(), "nature".into()];
    art_later.starts_at = Some(now + chrono::Duration::days(300));
    let mut park = doc("local_issue", town, "公園で美術の体験を", "");
    park.categories = vec!["parks".into()];
    let index = SearchIndex::in_memory().unwrap();
    index.apply(&[park, art_later, art_soon], &[]).unwrap();

    let request = |categories: &[&str], kinds: &[&str], order| SearchRequest {
        text: "美術 体験".into(),
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        kinds: kinds.iter().map(|c| (*c).to_owned()).collect(),
        order,
        limit: 10,
        ..SearchRequest::default()
    };
    let all = index.search(&request(&[], &[], Order::Relevance)).unwrap();
    assert_eq!(all.total, 3);
    assert_eq!(
        all.category_counts,
        [
            ("art".to_owned(), 2),
            ("nature".to_owned(), 1),
            ("parks".to_owned(), 1)
        ]
    );
    // The session tomorrow outranks the one next year; equal text otherwise.
    let first = &all.hits[0]
        .title_html
        .replace("<b>", "")
        .replace("</b>", "");
    assert_eq!(first, "美術の体験 あす");

    let nature = index
        .search(&request(&["nature"], &[], Order::Relevance))
        .unwrap();
    assert_eq!(nature.total, 1);
    // Category counts ignore the category filter; kind counts honour it.
    assert_eq!(nature.category_counts, all.category_counts);
    assert_eq!(nature.kind_counts, [("program".to_owned(), 1)]);
    let issues = index
        .search(&request(&[], &["local_issue"], Order::Relevance))
        .unwrap();
    assert_eq!(issues.category_counts, [("parks".to_owned(), 1)]);
    assert_eq!(
        issues.kind_counts,
        [("local_issue".to_owned(), 1), ("program".to_owned(), 2)]
    );

    let by_date = titles(&index, request(&[], &[], Order::Date));
    assert_eq!(
        by_date,
        ["美術の体験 あす", "美術の体験 来年", "公園で美術の体験を"]
    );
    let paged = index
        .search(&SearchRequest {
            offset: 1,
            limit: 1,
            ..request(&[], &[], Order::Date)
        })
        .unwrap();
    assert_eq!(paged.total, 3);
    assert_eq!(paged.hits.len(), 1);
    assert!(paged.hits[0].title_html.contains("来年"), "{paged:?}");
}

#[test]
fn suggestions_complete_any_word_of_a_title_in_one_town() {
    let c = corpus();
    let titles = |prefix: &str, town: Uuid| -> Vec<String> {
        c.index
            .suggest(Some(town), prefix, 5)
            .unwrap()
            .into_iter()
            .map(|s| s.title)
            .collect()
    };
    assert_eq!(titles("子育", c.maebashi), ["子育てひろば 親子元気ルーム"]);
    assert_eq!(titles("親子", c.maebashi), ["子育てひろば 親子元気ルーム"]);
    assert_eq!(titles("ｾﾐﾅ", c.maebashi), Vec::<String>::new());
    assert_eq!(
        titles("女性", c.maebashi),
        ["女性活躍推進セミナー（託児付き）"]
    );
    assert_eq!(
        titles("美術館", c.manazuru),
        ["美術館ワークショップ 小学生の鑑賞会"]
    );
    assert!(titles("美術館", c.maebashi).is_empty());
    assert!(titles(" ", c.maebashi).is_empty());
    assert!(titles(".*", c.maebashi).is_empty());
}

#[test]
fn many_commits_merge_into_one_segment_that_finds_everything() {
    let town = Uuid::now_v7();
    let index = SearchIndex::in_memory().unwrap();
    for n in 0..12 {
        index
            .apply(
                &[doc("article", town, &format!("公園だより 第{n}号"), "")],
                &[],
            )
            .unwrap();
    }
    assert!(index.num_segments() > 1);
    index.merge_segments().unwrap();
    assert_eq!(index.num_segments(), 1);
    assert_eq!(find(&index, "公園だより").len(), 10);
    assert_eq!(index.num_docs(), 12);
}

#[test]
fn snippets_highlight_the_match_and_removed_documents_disappear() {
    let c = corpus();
    let results = c
        .index
        .search(&SearchRequest {
            text: "プレイルーム".into(),
            limit: 10,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(results.hits.len(), 1);
    assert!(
        results.hits[0].body_html.contains("<b>"),
        "{:?}",
        results.hits[0]
    );
    let key = document_key(&results.hits[0].kind, results.hits[0].id);
    c.index.apply(&[], &[key]).unwrap();
    assert!(find(&c.index, "プレイルーム").is_empty());
}

#[test]
fn hiragana_finds_katakana_and_a_dropped_sokuon_or_long_vowel_still_finds_the_word() {
    let c = corpus();
    let workshop = "美術館ワークショップ 小学生の鑑賞会";
    assert_eq!(
        find(&c.index, "せみなー"),
        ["女性活躍推進セミナー（託児付き）"]
    );
    assert_eq!(find(&c.index, "わーくしょっぷ"), [workshop]);
    assert_eq!(find(&c.index, "ワークショプ"), [workshop]);
    assert_eq!(find(&c.index, "ワクショップ"), [workshop]);
    assert_eq!(
        find(&c.index, "ぷれいるーむ"),
        ["子育てひろば 親子元気ルーム"]
    );
    // Too short to loosen, and other words stay apart.
    assert!(find(&c.index, "ワクシ").is_empty());
    assert!(find(&c.index, "ワークシャップ").is_empty());
}

#[test]
fn an_exact_katakana_word_ranks_above_one_missing_its_sokuon() {
    let town = Uuid::now_v7();
    let index = SearchIndex::in_memory().unwrap();
    index
        .apply(
            &[
                doc("article", town, "ワークショプの案内", ""),
                doc("article", town, "ワークショップの案内", ""),
            ],
            &[],
        )
        .unwrap();
    assert_eq!(
        find(&index, "ワークショップ"),
        ["ワークショップの案内", "ワークショプの案内"]
    );
}

#[test]
fn synonyms_find_the_official_word_below_the_literal_one_and_mark_it() {
    let town = Uuid::now_v7();
    let index = SearchIndex::in_memory().unwrap();
    index
        .apply(
            &[
                doc("program", town, "一時保育のご案内", ""),
                doc("program", town, "一時預かりの予約", ""),
                doc("program", town, "地区センターまつり", ""),
            ],
            &[],
        )
        .unwrap();
    assert_eq!(
        find(&index, "一時預かり"),
        ["一時預かりの予約", "一時保育のご案内"]
    );
    assert_eq!(find(&index, "公民館"), ["地区センターまつり"]);
    let results = index
        .search(&SearchRequest {
            text: "公民館".into(),
            limit: 10,
            ..SearchRequest::default()
        })
        .unwrap();
    let marked = &results.hits[0].title_html;
    assert!(
        marked.starts_with("<b>地区</b>") && marked.ends_with("</b>まつり"),
        "{marked}"
    );
}

#[test]
fn a_municipalitys_own_synonyms_expand_towards_its_documents_only() {
    let c = corpus();
    let mut local = Synonyms::default();
    local.add(Some(c.maebashi), ["げんきるーむ", "プレイルーム"]);
    let search = |text: &str| -> Vec<String> { index_titles(&c.index, &local, text) };
    assert_eq!(search("げんきるーむ"), ["子育てひろば 親子元気ルーム"]);
    // The same words in another town find nothing there.
    let mut elsewhere = Synonyms::default();
    elsewhere.add(Some(c.manazuru), ["げんきるーむ", "プレイルーム"]);
    assert!(index_titles(&c.index, &elsewhere, "げんきるーむ").is_empty());
}

fn index_titles(index: &SearchIndex, local: &Synonyms, text: &str) -> Vec<String> {
    index
        .search_with(
            &SearchRequest {
                text: text.into(),
                limit: 10,
                ..SearchRequest::default()
            },
            local,
        )
        .unwrap()
        .hits
        .iter()
        .map(|hit| hit.title_html.replace("<b>", "").replace("</b>", ""))
        .collect()
}

#[test]
fn when_too_few_match_every_word_those_matching_most_words_follow() {
    let c = corpus();
    let results = |text: &str| {
        c.index
            .search(&SearchRequest {
                text: text.into(),
                limit: 10,
                ..SearchRequest::default()
            })
            .unwrap()
    };
    // No document has both words: each one matching one of them is found.
    let found = results("プレイルーム 鑑賞会");
    assert!(!found.matched_all);
    assert_eq!(found.total, 2);
    // More words matched rank first, whatever the text scores.
    let found = results("公園 公民連携 ワークショップ");
    assert!(!found.matched_all);
    assert_eq!(
        found.hits[0]
            .title_html
            .replace("<b>", "")
            .replace("</b>", ""),
        "公園づくり"
    );
    assert_eq!(found.total, 2);
    // Exclusions still exclude.
    assert_eq!(results("公園 鑑賞会 -小学生").total, 1);
    // Enough documents matching every word: nothing else is added.
    let found = results("子育て");
    assert!(found.matched_all);
    // One word: nothing to fall back to.
    let found = results("存在しない語");
    assert_eq!(found.total, 0);
}

#[test]
fn a_misspelled_word_that_finds_nothing_is_offered_as_the_titles_spell_it() {
    let c = corpus();
    let request = |text: &str, municipality: Option<Uuid>| SearchRequest {
        text: text.into(),
        municipality_id: municipality,
        limit: 10,
        ..SearchRequest::default()
    };
    let corrections = |text: &str, municipality: Option<Uuid>| -> Vec<String> {
        c.index
            .did_you_mean(&request(text, municipality), &Synonyms::default(), 3)
            .unwrap()
            .into_iter()
            .map(|correction| correction.text)
            .collect()
    };
    assert_eq!(find(&c.index, "ワークシャップ").len(), 0);
    assert_eq!(corrections("ワークシャップ", None), ["ワークショップ"]);
    assert_eq!(corrections("親子元気るうむ", None), ["親子元気ルーム"]);
    // Only words that would find something with the same filters.
    assert!(corrections("ワークシャップ", Some(c.maebashi)).is_empty());
    // The dictionary is a source too, and other words are kept as typed.
    assert_eq!(
        corrections("公民館 まつり -前橋", None),
        Vec::<String>::new()
    );
    let fixed = c
        .index
        .did_you_mean(&request("託児付き せみなあ", None), &Synonyms::default(), 3)
        .unwrap();
    assert_eq!(fixed[0].text, "託児付き セミナー");
    assert_eq!(
        fixed[0].documents[0].title,
        "女性活躍推進セミナー（託児付き）"
    );
}
