//! Relevance over the demo data: realistic queries residents type, in Japanese and English,
//! each with the title that must come first (or within the first three). One table: add a
//! row when a query disappoints, and the whole table is checked in one run.

use serde_json::json;

use crate::helpers::{error_code, spawn_app};

/// One query and what must rank where.
struct Case {
    /// What the resident typed.
    text: &'static str,
    /// JIS code of the municipality searched, or every municipality.
    town: Option<&'static str>,
    /// The title that must rank within `within`.
    title: &'static str,
    /// 1: first; 3: among the first three.
    within: usize,
}

const fn first(text: &'static str, title: &'static str) -> Case {
    Case {
        text,
        town: None,
        title,
        within: 1,
    }
}

const fn top3(text: &'static str, title: &'static str) -> Case {
    Case {
        text,
        town: None,
        title,
        within: 3,
    }
}

const fn top3_in(town: &'static str, text: &'static str, title: &'static str) -> Case {
    Case {
        text,
        town: Some(town),
        title,
        within: 3,
    }
}

const fn first_in(town: &'static str, text: &'static str, title: &'static str) -> Case {
    Case {
        text,
        town: Some(town),
        title,
        within: 1,
    }
}

const MAEBASHI: &str = "10201";
const MANAZURU: &str = "14384";

const CASES: &[Case] = &[
    // Programs, as people ask for them.
    first("託児付き セミナー", "女性活躍推進セミナー"),
    first("美術館 ワークショップ", "中川一政美術館 親子鑑賞会"),
    first("移住 相談会", "前橋市 移住相談会"),
    first("移住相談会", "前橋市 移住相談会"),
    first("子育て学級", "子育て学級"),
    first("鑑賞会", "中川一政美術館 親子鑑賞会"),
    first("自然観察", "お林と磯の自然観察 体験学習"),
    first("絵本", "図書館のおはなし会と絵本づくり"),
    first("読み聞かせ", "図書館のおはなし会と絵本づくり"),
    first("おむつ替え", "元気保育園 おむつ替え体験"),
    top3("おむつ替え", "元気保育園 プレママ・プレパパ保育体験"),
    first("面接対策", "女性活躍推進セミナー"),
    first("三ツ石", "お林と磯の自然観察 体験学習"),
    first("女性 再就職", "女性活躍推進セミナー"),
    first("保育 体験", "元気保育園 保育体験"),
    top3("保育 体験", "元気保育園 プレママ・プレパパ保育体験"),
    first_in(MANAZURU, "親子 美術", "中川一政美術館 親子鑑賞会"),
    first_in(MAEBASHI, "子育て 相談", "元気保育園 子育て相談"),
    top3_in(MAEBASHI, "子育て 相談", "前橋市 移住相談会"),
    // Half-width katakana, full-width digits and letters.
    first("ｾﾐﾅｰ", "女性活躍推進セミナー"),
    first("ﾌﾟﾚﾏﾏ", "元気保育園 プレママ・プレパパ保育体験"),
    first("３か月", "オンデマンド乗合交通の実証運行"),
    first("ＱＲ", "真鶴半島 多言語デジタルマップの制作"),
    // Readings in hiragana, where a reading is indexed (organizers).
    first("なかがわかずまさ", "中川一政美術館 親子鑑賞会"),
    first("げんきほいくえん", "元気保育園 プレママ・プレパパ保育体験"),
    first("しぜんかんさつせんたー", "お林と磯の自然観察 体験学習"),
    top3("こそだてしえんせんたー", "子育て学級"),
    // Readings of titles, given by editors: kana finds a title written in kanji.
    first("しぜん", "お林と磯の自然観察 体験学習"),
    first("えほん", "図書館のおはなし会と絵本づくり"),
    top3("こうえん", "子どもが安心して遊べる公園づくり"),
    top3("こうえん", "みんなでつくる岩海岸こども公園"),
    top3("いじゅう", "前橋市 移住相談会"),
    top3("いじゅうしゃのこえ", "移住者の声：東京から家族4人で前橋へ"),
    first("こそだてがっきゅう", "子育て学級"),
    first("つなみ ひなん", "津波避難情報をだれにでも届けたい"),
    first("ほうかご まなび", "空き店舗を使った放課後まなび教室"),
    top3("びじゅつかん かんしょうかい", "中川一政美術館 親子鑑賞会"),
    // One character.
    first("磯", "お林と磯の自然観察 体験学習"),
    first("津", "津波避難情報をだれにでも届けたい"),
    top3("館", "中川一政美術館 親子鑑賞会"),
    // Local issues and partner projects.
    first("津波 避難", "津波避難情報をだれにでも届けたい"),
    first("テレワーク", "女性がテレワークで働ける場の確保"),
    first("一時保育", "真鶴町子育て支援センター 一時保育"),
    top3("一時保育", "一時保育の空き状況をオンラインで確認したい"),
    first("乗合", "オンデマンド乗合交通の実証運行"),
    first("高齢者 移動", "高齢者や子育て世帯の移動手段の確保"),
    first("多言語 マップ", "真鶴半島 多言語デジタルマップの制作"),
    first("真鶴 半島", "真鶴半島 多言語デジタルマップの制作"),
    first("親子 ルーム", "親子元気ルーム"),
    top3("親子 ルーム", "親子元気ルームの混雑状況リアルタイム表示"),
    // Articles and stories.
    first("移住者の声", "移住者の声：東京から家族4人で前橋へ"),
    first("暮らし ガイド", "はじめての前橋暮らしガイド"),
    first("跡地", "旧保育所跡地の活用"),
    top3("公園", "子どもが安心して遊べる公園づくり"),
    top3("公園", "みんなでつくる岩海岸こども公園"),
    top3("混雑状況", "子育てひろばの混雑状況を見える化したい"),
    top3("混雑状況", "親子元気ルームの混雑状況リアルタイム表示"),
    top3(
        "デジタル",
        "地域課題に取り組むデジタルプラットフォームの構築",
    ),
    top3("観光 外国人", "半島の観光情報を多言語で届けたい"),
    // Phrases and exclusions.
    top3("\"子育て 支援\"", "子育て学級"),
    // An excluded word in kana also excludes the titles that read that way (子ども).
    first("公園 -岩海岸", "子どもが安心して遊べる公園づくり"),
    first("\"移住 相談", "前橋市 移住相談会"),
    // English.
    first("LINE", "親子元気ルームの混雑状況リアルタイム表示"),
    first("seminar", "女性活躍推進セミナー"),
    first("relocation", "前橋市 移住相談会"),
    top3("workshop art", "中川一政美術館 親子鑑賞会"),
    top3("worksop", "中川一政美術館 親子鑑賞会"),
    first("parenting class", "子育て学級"),
    first("disaster_prevention", "津波避難情報をだれにでも届けたい"),
    // Hiragana for katakana words, katakana for hiragana ones.
    first("せみなー", "女性活躍推進セミナー"),
    first("ぷれまま", "元気保育園 プレママ・プレパパ保育体験"),
    top3("わーくしょっぷ", "図書館のおはなし会と絵本づくり"),
    first("てれわーく", "女性がテレワークで働ける場の確保"),
    first("おんでまんど", "オンデマンド乗合交通の実証運行"),
    first("でじたるまっぷ", "真鶴半島 多言語デジタルマップの制作"),
    first("オムツ替え", "元気保育園 おむつ替え体験"),
    first("ｵﾑﾂ替え", "元気保育園 おむつ替え体験"),
    // A dropped ッ or ー, and long-vowel variants.
    top3("ワークショプ", "図書館のおはなし会と絵本づくり"),
    first("テレワク", "女性がテレワークで働ける場の確保"),
    first("デジタルマプ", "真鶴半島 多言語デジタルマップの制作"),
    first("セミナ―", "女性活躍推進セミナー"),
    first("プレイル－ム", "プレイルーム"),
    // Everyday words for the official ones (the synonym dictionary).
    top3("妊婦", "元気保育園 プレママ・プレパパ保育体験"),
    top3("妊婦", "赤ちゃんとママ・パパの子育て講座"),
    first("一時預かり", "真鶴町子育て支援センター 一時保育"),
    first_in(
        MAEBASHI,
        "地区センター 子育て",
        "赤ちゃんとママ・パパの子育て講座",
    ),
    top3("補助金", "前橋市の移住支援金・住まいの補助制度のご案内"),
    top3("助成", "前橋市の移住支援金・住まいの補助制度のご案内"),
    first("ワークショップ おもちゃ", "木のおもちゃ体験会"),
    top3_in(MAEBASHI, "ワークショップ", "木のおもちゃ体験会"),
    top3("子供 公園", "みんなでつくる岩海岸こども公園"),
    top3("リモートワーク", "女性がテレワークで働ける場の確保"),
    top3("在宅勤務", "女性がテレワークで働ける場の確保"),
    top3("乗合タクシー", "オンデマンド乗合交通の実証運行"),
    top3("シニア 移動", "高齢者や子育て世帯の移動手段の確保"),
    top3("移住フェア", "前橋市 移住相談会"),
    // No document has every word: the best partial matches.
    top3("面接対策 テレワーク", "女性活躍推進セミナー"),
    top3("鑑賞会 おもちゃ", "木のおもちゃ体験会"),
    top3("三ツ石 おむつ替え", "お林と磯の自然観察 体験学習"),
    first("移住相談会 ぱんだ", "前橋市 移住相談会"),
];

#[tokio::test]
async fn every_query_of_the_relevance_table_ranks_its_title_where_expected() {
    assert!(CASES.len() >= 90);
    let app = spawn_app().await;
    let query = "query($text: String!, $filter: SearchFilter) { search(text: $text, filter: $filter, first: 10) { hits { nodes { node { ... on Program { title } ... on LocalIssue { title } ... on PartnerProject { title } ... on Article { title } ... on ChildcareResource { title: name } } } } } }";
    let mut towns = std::collections::HashMap::new();
    let mut misses = Vec::new();
    for case in CASES {
        let filter = match case.town {
            Some(code) => {
                if !towns.contains_key(code) {
                    towns.insert(code, app.municipality_id(code).await);
                }
                json!({ "municipalityId": towns[code] })
            }
            None => json!({}),
        };
        let body = app
            .graphql(None, query, json!({ "text": case.text, "filter": filter }))
            .await;
        assert_eq!(error_code(&body), None, "{}: {body}", case.text);
        let titles: Vec<String> = body["data"]["search"]["hits"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|hit| hit["node"]["title"].as_str().unwrap_or_default().to_owned())
            .collect();
        let at = titles.iter().position(|t| t == case.title);
        if at.is_none_or(|at| at >= case.within) {
            misses.push(format!(
                "「{}」: {} expected within {}, got {:?}",
                case.text, case.title, case.within, titles
            ));
        }
    }
    assert!(
        misses.is_empty(),
        "{} of {} queries missed:\n{}",
        misses.len(),
        CASES.len(),
        misses.join("\n")
    );
}
