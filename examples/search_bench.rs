//! Search benchmark: a deterministic synthetic corpus of Japanese municipal documents,
//! indexed with tsunagu's analyzer and queried, next to the same queries answered with SQL
//! `LIKE '%…%'` on SQLite. Prints one table; run through `bench/search.sh`.
//!
//! `cargo run --release --example search_bench -- [DOCS] [--server-index DIR]` (default
//! 100000 documents). With `--server-index`, the index is written to DIR with a checkpoint
//! the server accepts as current, so that `tsunagu serve` with that index directory serves
//! it without rebuilding (how `bench/search.sh` measures the server's memory).
//!
//! The size of the index is also given per field, with what it would be without the
//! `loose` field and the kana readings (`kana`). `-- --space-of DIR` prints only that, for
//! an index already built in DIR (e.g. the demo's, after `tsunagu seed --demo` and
//! `tsunagu reindex`).

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement, TransactionTrait};
use tsunagu::search::{
    index::{SearchDocument, SearchIndex, SearchRequest},
    indexer::fresh_checkpoint,
};
use uuid::Uuid;

const PLACES: &[&str] = &[
    "前橋",
    "真鶴",
    "北九州",
    "小倉",
    "門司",
    "赤城",
    "岩海岸",
    "琴ヶ浜",
    "利根川",
    "広瀬川",
    "八幡",
    "若松",
    "戸畑",
    "貴船",
    "三ツ石",
];
/// Topics with the reading an editor would give (none for titles in katakana already).
const TOPICS: &[(&str, Option<&str>)] = &[
    ("子育てひろば", Some("コソダテヒロバ")),
    ("親子元気ルーム", Some("オヤコゲンキルーム")),
    ("プレイルーム", None),
    ("元気保育園", Some("ゲンキホイクエン")),
    ("一時保育", Some("イチジホイク")),
    ("子育て学級", Some("コソダテガッキュウ")),
    ("訪問相談", Some("ホウモンソウダン")),
    (
        "女性活躍推進セミナー",
        Some("ジョセイカツヤクスイシンセミナー"),
    ),
    ("就職支援", Some("シュウショクシエン")),
    ("移住相談会", Some("イジュウソウダンカイ")),
    ("移住コンシェルジュ", Some("イジュウコンシェルジュ")),
    ("美術館ワークショップ", Some("ビジュツカンワークショップ")),
    ("鑑賞会", Some("カンショウカイ")),
    ("体験学習", Some("タイケンガクシュウ")),
    ("自然観察", Some("シゼンカンサツ")),
    ("公園づくり", Some("コウエンヅクリ")),
    ("地域課題", Some("チイキカダイ")),
    ("公民連携", Some("コウミンレンケイ")),
    ("防災訓練", Some("ボウサイクンレン")),
    ("コミュニティバス", None),
    ("歯科健診", Some("シカケンシン")),
    ("予防接種", Some("ヨボウセッシュ")),
    ("母子手帳アプリ", Some("ボシテチョウアプリ")),
    ("図書館のおはなし会", Some("トショカンノオハナシカイ")),
    ("託児付き講座", Some("タクジツキコウザ")),
    ("ｾﾐﾅｰ", None),
    ("ワーケーション", None),
    ("サテライトオフィス", None),
];
const WORDS: &[&str] = &[
    "について",
    "のご案内",
    "を開催します",
    "の参加者を募集します",
    "のお知らせ",
    "が始まりました",
    "に参加しませんか",
    "の申し込み受付中",
    "の報告",
    "を実施しました",
];
const SENTENCES: &[&str] = &[
    "妊婦や3歳までの子どもがいる方が、おむつ替え体験や保育体験を受けられます。",
    "親子で安心して一緒に遊べるプレイルームを整備しました。",
    "各公民館で子育ての不安解消や交流を目的とした講座を実施します。",
    "働きながら子どもを育てる幸せを実現するための情報を発信します。",
    "移住コンシェルジュがきめ細やかに対応し、住まいや仕事の相談に応じます。",
    "美術館・博物館・図書館が町民と協力して鑑賞会や体験学習を行います。",
    "サテライトオフィス進出企業と連携し、公園づくりに取り組みます。",
    "２０２４年度の参加者は前年度より増加しました。",
    "申し込みは電話またはメールで受け付けます。定員になり次第締め切ります。",
    "駐車場に限りがありますので、公共交通機関をご利用ください。",
];
const CATEGORIES: &[&str] = &[
    "art",
    "nature",
    "parenting",
    "childcare",
    "career",
    "relocation",
    "parks",
    "mobility",
];
const KINDS: &[&str] = &[
    "program",
    "resource",
    "article",
    "local_issue",
    "partner_project",
];

fn corpus(count: usize, municipalities: &[Uuid]) -> Vec<SearchDocument> {
    let mut rng = StdRng::seed_from_u64(20_261_125);
    (0..count)
        .map(|i| {
            let place = PLACES[rng.random_range(0..PLACES.len())];
            let (topic, reading) = TOPICS[rng.random_range(0..TOPICS.len())];
            let word = WORDS[rng.random_range(0..WORDS.len())];
            let sentences: Vec<&str> = (0..rng.random_range(2..6))
                .map(|_| SENTENCES[rng.random_range(0..SENTENCES.len())])
                .collect();
            let min_age = rng.random_range(0..72);
            SearchDocument {
                kind: KINDS[i % KINDS.len()].into(),
                id: Uuid::from_u128(i as u128 + 1),
                municipality_id: municipalities[i % municipalities.len()],
                title: format!("{place}の{topic}{word}"),
                kana: SearchDocument::readings([reading]),
                tags: vec![topic.into()],
                categories: vec![CATEGORIES[rng.random_range(0..CATEGORIES.len())].into()],
                body: format!("{place}市の{topic}。{}", sentences.join("")),
                organizer: format!("{place}市役所"),
                starts_at: Utc
                    .timestamp_opt(1_767_225_600 + rng.random_range(0..31_536_000), 0)
                    .single(),
                child_age_months: Some((min_age, min_age + rng.random_range(6..72))),
                free_places: Some(rng.random_range(0..20)),
            }
        })
        .collect()
}

struct Case {
    name: &'static str,
    text: &'static str,
    filtered: bool,
    category: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "two terms",
        text: "子育て ひろば",
        filtered: false,
        category: false,
    },
    Case {
        name: "two terms + filters",
        text: "子育て ひろば",
        filtered: true,
        category: false,
    },
    Case {
        name: "two terms + filters + category",
        text: "子育て ひろば",
        filtered: true,
        category: true,
    },
    Case {
        name: "phrase",
        text: "女性活躍推進セミナー",
        filtered: false,
        category: false,
    },
    Case {
        name: "phrase + filters",
        text: "移住相談会",
        filtered: true,
        category: false,
    },
    Case {
        name: "half-width",
        text: "ｾﾐﾅｰ 前橋",
        filtered: false,
        category: false,
    },
    Case {
        name: "one character",
        text: "海",
        filtered: false,
        category: false,
    },
    Case {
        name: "three terms + filters",
        text: "美術館 ワークショップ 体験",
        filtered: true,
        category: false,
    },
];

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn resident_memory_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| entry.metadata().ok())
                .filter(std::fs::Metadata::is_file)
                .map(|metadata| metadata.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Fields whose cost is reported on its own: the loose katakana field and the readings.
const OPTIONAL_FIELDS: [&str; 2] = ["loose", "kana"];

/// `bytes` in MB, or in KB below 1 MB (the demo's index).
fn size(bytes: u64) -> String {
    if bytes < 1_048_576 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.2} MB", bytes as f64 / 1_048_576.0)
    }
}

/// The size of the index in `dir` per field, and without [`OPTIONAL_FIELDS`].
fn print_space(index: &SearchIndex, dir: &std::path::Path) -> anyhow::Result<()> {
    let usage = index.space_per_field()?;
    let (fields, stored, searchable) = (usage.per_field, usage.stored, usage.total);
    let per_field: Vec<String> = fields
        .iter()
        .map(|(name, bytes)| format!("{name} {}", size(*bytes)))
        .collect();
    // The files of merged segments stay until no reader holds them: the directory can be
    // larger than the searchable segments for a while.
    println!(
        "searchable segments {} ({} documents; directory {}): stored documents {}; per field: {}",
        size(searchable),
        index.num_docs(),
        size(dir_size(dir)),
        size(stored),
        per_field.join(", ")
    );
    let optional: u64 = fields
        .iter()
        .filter(|(name, _)| OPTIONAL_FIELDS.contains(&name.as_str()))
        .map(|(_, bytes)| bytes)
        .sum();
    println!(
        "without the loose field and the readings: {}; they take {} ({:.1} % of the segments)",
        size(searchable.saturating_sub(optional)),
        size(optional),
        optional as f64 * 100.0 / searchable.max(1) as f64
    );
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--space-of")
        .and_then(|i| args.get(i + 1))
    {
        let dir = std::path::Path::new(dir);
        return print_space(&SearchIndex::open_in_dir(dir)?, dir);
    }
    let server_index = args
        .iter()
        .position(|a| a == "--server-index")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let count: usize = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100_000);
    let municipalities: Vec<Uuid> = (1..=3).map(|n| Uuid::from_u128(1_000_000 + n)).collect();
    let documents = corpus(count, &municipalities);
    let work = tempfile::tempdir()?;

    // Index.
    let index_dir = server_index
        .clone()
        .unwrap_or_else(|| work.path().join("index"));
    let index = SearchIndex::open_in_dir(&index_dir)?;
    let started = Instant::now();
    for batch in documents.chunks(5_000) {
        index.stage(batch, &[])?;
    }
    index.commit(&fresh_checkpoint()?)?;
    let indexing = started.elapsed();
    let segments = index.num_segments();
    let merging = Instant::now();
    index.merge_segments()?;
    let merged = merging.elapsed();

    // The same documents in SQLite, for LIKE.
    let sqlite_url = format!(
        "sqlite://{}?mode=rwc",
        work.path().join("like.db").display()
    );
    let db = Database::connect(&sqlite_url).await?;
    db.execute_unprepared(
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, kind TEXT, municipality TEXT, title TEXT, body TEXT, starts_at INTEGER, age_min INTEGER, age_max INTEGER, free_places INTEGER, category TEXT)",
    )
    .await?;
    let txn = db.begin().await?;
    for (i, doc) in documents.iter().enumerate() {
        let (age_min, age_max) = doc.child_age_months.unwrap_or((0, 0));
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (i as i64).into(),
                doc.kind.clone().into(),
                doc.municipality_id.to_string().into(),
                doc.title.clone().into(),
                doc.body.clone().into(),
                doc.starts_at.map_or(0, |t| t.timestamp()).into(),
                age_min.into(),
                age_max.into(),
                doc.free_places.unwrap_or(0).into(),
                doc.categories.first().cloned().unwrap_or_default().into(),
            ],
        ))
        .await?;
    }
    txn.commit().await?;

    let rounds = 200;
    println!(
        "corpus: {count} documents; indexing {:.0} docs/s ({:.2} s, {segments} segments); merged into one in {:.2} s; index size {:.1} MB",
        count as f64 / indexing.as_secs_f64(),
        indexing.as_secs_f64(),
        merged.as_secs_f64(),
        dir_size(&index_dir) as f64 / 1_048_576.0
    );
    print_space(&index, &index_dir)?;
    println!();
    println!(
        "| query | hits | tantivy p50 ms | tantivy p99 ms | LIKE p50 ms | LIKE p99 ms | LIKE / tantivy (p50) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for case in CASES {
        let request = SearchRequest {
            text: case.text.into(),
            municipality_id: case.filtered.then(|| municipalities[0]),
            kinds: if case.filtered {
                vec!["program".into(), "resource".into()]
            } else {
                Vec::new()
            },
            categories: if case.category {
                vec!["parenting".into(), "childcare".into()]
            } else {
                Vec::new()
            },
            child_age_months: case.filtered.then_some(24),
            has_free_places: case.filtered,
            limit: 20,
            ..SearchRequest::default()
        };
        let mut tantivy_times = Vec::with_capacity(rounds);
        let mut hits = 0;
        for _ in 0..rounds {
            let started = Instant::now();
            let results = index.search(&request)?;
            tantivy_times.push(started.elapsed());
            hits = results.total;
        }
        // The obvious SQL: every word in title or body, NFKC not applied (LIKE cannot).
        let words: Vec<&str> = case.text.split_whitespace().collect();
        let mut sql = String::from("SELECT id FROM docs WHERE 1=1");
        let mut values: Vec<sea_orm::Value> = Vec::new();
        for word in &words {
            sql.push_str(" AND (title LIKE ? OR body LIKE ?)");
            values.push(format!("%{word}%").into());
            values.push(format!("%{word}%").into());
        }
        if case.filtered {
            sql.push_str(" AND municipality = ? AND kind IN ('program', 'resource') AND age_min <= 24 AND age_max >= 24 AND free_places > 0");
            values.push(municipalities[0].to_string().into());
        }
        if case.category {
            sql.push_str(" AND category IN ('parenting', 'childcare')");
        }
        sql.push_str(" LIMIT 20");
        let like_rounds = rounds / 10;
        let mut like_times = Vec::with_capacity(like_rounds);
        for _ in 0..like_rounds {
            let statement = Statement::from_sql_and_values(DbBackend::Sqlite, &sql, values.clone());
            let started = Instant::now();
            db.query_all_raw(statement).await?;
            like_times.push(started.elapsed());
        }
        let (t50, t99) = (
            percentile(&mut tantivy_times, 0.5),
            percentile(&mut tantivy_times, 0.99),
        );
        let (l50, l99) = (
            percentile(&mut like_times, 0.5),
            percentile(&mut like_times, 0.99),
        );
        println!(
            "| {} 「{}」 | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1}× |",
            case.name,
            case.text,
            hits,
            millis(t50),
            millis(t99),
            millis(l50),
            millis(l99),
            l50.as_secs_f64() / t50.as_secs_f64().max(1e-9)
        );
    }
    println!();
    println!(
        "resident memory of this benchmark process (corpus, SQLite and index together): {:.0} MB",
        resident_memory_mb()
    );
    Ok(())
}
