//! Demo articles of 前橋市 and 真鶴町: news, a relocation guide, residents' and career
//! stories, one draft and one scheduled article each. Keyed by slug within the
//! municipality, so loading twice changes nothing.

use std::net::IpAddr;

use chrono::{Duration, Utc};
use entity::{article::ArticleKind, user};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::service::{self, NewArticle};
use crate::auth::{AuthUser, Viewer};

/// When a demo article is public from.
#[derive(Clone, Copy)]
enum When {
    /// Published this many days ago.
    DaysAgo(i64),
    /// Scheduled this many days ahead.
    DaysAhead(i64),
    /// A draft.
    Draft,
}

struct DemoArticle {
    slug: &'static str,
    kind: ArticleKind,
    title: &'static str,
    summary: &'static str,
    body: &'static str,
    tags: &'static [&'static str],
    when: When,
}
/// Readings of the demo titles, so that a search in kana (いじゅう, くらし) finds them.
const TITLE_READINGS: &[(&str, &str)] = &[
    (
        "前橋市の移住支援金・住まいの補助制度のご案内",
        "マエバシシノイジュウシエンキン・スマイノホジョセイドノゴアンナイ",
    ),
    (
        "はじめての前橋暮らしガイド",
        "ハジメテノマエバシグラシガイド",
    ),
    (
        "移住者の声：東京から家族4人で前橋へ",
        "イジュウシャノコエ トウキョウカラカゾクヨニンデマエバシヘ",
    ),
    (
        "しごとの声：託児付きセミナーから正社員へ",
        "シゴトノコエ タクジツキセミナーカラセイシャインヘ",
    ),
    (
        "冬の移住相談会を東京で開きます",
        "フユノイジュウソウダンカイヲトウキョウデヒラキマス",
    ),
    (
        "真鶴町移住ガイド：海と森のある小さな町",
        "マナヅルマチイジュウガイド ウミトモリノアルチイサナマチ",
    ),
    (
        "移住者の声：港の近くでカフェを開いた山本さん",
        "イジュウシャノコエ ミナトノチカクデカフェヲヒライタヤマモトサン",
    ),
    (
        "しごとの声：サテライトオフィスで働く子育て世代",
        "シゴトノコエ サテライトオフィスデハタラクコソダテセダイ",
    ),
    (
        "中川一政美術館で親子鑑賞会を開きました",
        "ナカガワカズマサビジュツカンデオヤコカンショウカイヲヒラキマシタ",
    ),
    (
        "お試し暮らし住宅の来年度募集を始めます",
        "オタメシグラシジュウタクノライネンドボシュウヲハジメマス",
    ),
];

/// The reading of a demo title, if it has one.
fn title_reading(title: &str) -> Option<String> {
    TITLE_READINGS
        .iter()
        .find(|(written, _)| *written == title)
        .map(|(_, reading)| (*reading).to_owned())
}

const MAEBASHI: &[DemoArticle] = &[
    DemoArticle {
        slug: "relocation-support-2026",
        kind: ArticleKind::News,
        title: "前橋市の移住支援金・住まいの補助制度のご案内",
        summary: "東京圏から前橋市へ移住する世帯向けの支援金と、空き家リフォーム補助の受付を始めました。",
        body: "## 移住支援金\n\n東京23区に在住または通勤していた方が前橋市へ移住し、就業などの要件を満たす場合に支援金を交付します。\n\n- 世帯：100万円（18歳未満の子ども1人につき加算あり）\n- 単身：60万円\n\n## 空き家リフォーム補助\n\n市内の空き家を購入・改修して住む場合、工事費の一部を補助します。\n\n詳しくは[移住コンシェルジュ](https://www.city.maebashi.gunma.jp/)までご相談ください。",
        tags: &["移住", "支援金", "住まい"],
        when: When::DaysAgo(40),
    },
    DemoArticle {
        slug: "maebashi-life-guide",
        kind: ArticleKind::RelocationGuide,
        title: "はじめての前橋暮らしガイド",
        summary: "赤城山のふもと、県庁所在地の便利さと自然が近い暮らし。住まい・子育て・通勤の基本をまとめました。",
        body: "# はじめての前橋暮らし\n\n前橋市は群馬県の県庁所在地です。上越新幹線の高崎駅まで電車で約15分、東京までは1時間半ほどです。\n\n## 子育て\n\n市内の**子育てひろば**（親子元気ルーム、プレイルーム）は予約なしで親子で遊べます。\n\n## 仕事\n\n女性就職支援センターでは、キャリア相談と託児付きセミナーを開いています。",
        tags: &["移住", "子育て", "暮らし"],
        when: When::DaysAgo(25),
    },
    DemoArticle {
        slug: "story-tanaka-family",
        kind: ArticleKind::ResidentStory,
        title: "移住者の声：東京から家族4人で前橋へ",
        summary: "共働きの田中さん一家は、子育て環境を考えて前橋市へ。移住相談から住まい探しまでを振り返ります。",
        body: "「通勤時間が減って、夕方に子どもと公園へ行けるようになりました。」\n\n田中さん一家は2025年に東京都から前橋市へ移住しました。移住コンシェルジュに相談したのは、上の子の小学校入学の1年前です。\n\n> 相談会で先輩移住者の話を聞けたのが決め手でした。",
        tags: &["移住者の声", "子育て", "家族"],
        when: When::DaysAgo(12),
    },
    DemoArticle {
        slug: "career-story-returning-to-work",
        kind: ArticleKind::CareerStory,
        title: "しごとの声：託児付きセミナーから正社員へ",
        summary: "出産後のブランクを経て、女性活躍推進セミナーをきっかけに市内企業の正社員になった佐藤さんの話。",
        body: "セミナーの間は子どもを**託児**に預けられたので、講座に集中できました。\n\n就職支援センターのキャリア相談で応募書類を見直し、3か月後に市内の製造業の事務職として正規雇用で採用されました。",
        tags: &["キャリア", "女性活躍", "就職"],
        when: When::DaysAgo(5),
    },
    DemoArticle {
        slug: "winter-relocation-fair",
        kind: ArticleKind::News,
        title: "冬の移住相談会を東京で開きます",
        summary: "有楽町で前橋市の移住相談会を開きます。先輩移住者との座談会もあります。",
        body: "前橋市の移住相談会を東京・有楽町で開きます。仕事、住まい、子育てについて、移住コンシェルジュと先輩移住者に直接相談できます。\n\n参加は無料、予約優先です。",
        tags: &["移住", "相談会"],
        when: When::DaysAhead(7),
    },
    DemoArticle {
        slug: "draft-spring-childcare-news",
        kind: ArticleKind::News,
        title: "（下書き）春の子育てひろば特別プログラム",
        summary: "春休みに子育てひろばで開く特別プログラムのお知らせ（準備中）。",
        body: "日程と内容を調整中です。",
        tags: &["子育て"],
        when: When::Draft,
    },
];

const MANAZURU: &[DemoArticle] = &[
    DemoArticle {
        slug: "manazuru-life-guide",
        kind: ArticleKind::RelocationGuide,
        title: "真鶴町移住ガイド：海と森のある小さな町",
        summary: "相模湾に突き出た半島の町、真鶴。お試し暮らし、空き家バンク、子育て支援をまとめました。",
        body: "# 真鶴町で暮らす\n\n真鶴町は神奈川県の西の端、相模湾に面した人口約7,000人の町です。東京から電車で約1時間半。\n\n## お試し暮らし\n\n町の**お試し暮らし住宅**では、最長1か月、実際の生活を体験できます。\n\n## 美の基準\n\n町並みを守る「美の基準」があり、家を建てる・直すときのまちづくり条例の手続きがあります。",
        tags: &["移住", "お試し暮らし", "空き家"],
        when: When::DaysAgo(60),
    },
    DemoArticle {
        slug: "story-fisherman-cafe",
        kind: ArticleKind::ResidentStory,
        title: "移住者の声：港の近くでカフェを開いた山本さん",
        summary: "横浜から真鶴へ移り住み、港のそばで地魚を使ったカフェを営む山本さん夫妻の話。",
        body: "「朝、港で揚がったばかりの魚を見て、その日の献立を決めます。」\n\n山本さん夫妻は、お試し暮らし住宅で2週間過ごしたあと移住を決めました。地域の方に空き店舗を紹介してもらい、1年後にカフェを開きました。",
        tags: &["移住者の声", "起業", "海"],
        when: When::DaysAgo(20),
    },
    DemoArticle {
        slug: "career-story-satellite-office",
        kind: ArticleKind::CareerStory,
        title: "しごとの声：サテライトオフィスで働く子育て世代",
        summary: "町のサテライトオフィスで東京の会社の仕事を続けながら、子育てをする小林さんの一日。",
        body: "午前中はサテライトオフィスでオンライン会議、午後は子どもを迎えに行って、夕方は海辺を散歩します。\n\n公民連携で町の課題に取り組むプロジェクトにも参加しています。",
        tags: &["キャリア", "テレワーク", "子育て"],
        when: When::DaysAgo(8),
    },
    DemoArticle {
        slug: "museum-workshop-news",
        kind: ArticleKind::News,
        title: "中川一政美術館で親子鑑賞会を開きました",
        summary: "町立中川一政美術館で、小学生と保護者を対象にした鑑賞会を開きました。参加者の感想を紹介します。",
        body: "学芸員の案内で作品を見たあと、子どもたちは好きな作品を絵に描きました。\n\n次回の教育プログラムは町のサイトでお知らせします。",
        tags: &["教育プログラム", "美術館", "子育て"],
        when: When::DaysAgo(3),
    },
    DemoArticle {
        slug: "trial-stay-open-call",
        kind: ArticleKind::News,
        title: "お試し暮らし住宅の来年度募集を始めます",
        summary: "真鶴町のお試し暮らし住宅の来年度分の申し込み受付を始めます。",
        body: "来年度のお試し暮らし住宅の利用申し込みを受け付けます。利用期間は1週間から1か月です。",
        tags: &["移住", "お試し暮らし"],
        when: When::DaysAhead(10),
    },
    DemoArticle {
        slug: "draft-coastal-cleanup",
        kind: ArticleKind::News,
        title: "（下書き）海岸清掃ボランティア募集",
        summary: "琴ヶ浜の海岸清掃ボランティアを募集します（準備中）。",
        body: "集合場所と持ち物を確認中です。",
        tags: &["ボランティア", "海"],
        when: When::Draft,
    },
];

/// Loads the demo articles of 前橋市 and 真鶴町 (written by each town's administrator).
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<()> {
    for (slug, articles) in [("maebashi", MAEBASHI), ("manazuru", MANAZURU)] {
        let admin = admin_of(db, slug).await?;
        for demo in articles {
            let Some(municipality_id) = admin.user.as_ref().and_then(|me| me.municipality_id)
            else {
                anyhow::bail!("demo admin of {slug} has no municipality");
            };
            if entity::article::Entity::find()
                .filter(entity::article::Column::MunicipalityId.eq(municipality_id))
                .filter(entity::article::Column::Slug.eq(demo.slug))
                .one(db)
                .await?
                .is_some()
            {
                continue;
            }
            let now = Utc::now();
            let (publish, publish_at) = match demo.when {
                When::DaysAgo(days) => (true, Some(now - Duration::days(days))),
                When::DaysAhead(days) => (true, Some(now + Duration::days(days))),
                When::Draft => (false, None),
            };
            let outcome = service::create_article(
                db,
                &admin,
                NewArticle {
                    municipality_id: Some(municipality_id),
                    kind: demo.kind,
                    title: demo.title.into(),
                    title_reading: title_reading(demo.title),
                    slug: Some(demo.slug.into()),
                    summary: demo.summary.into(),
                    body: demo.body.into(),
                    tags: demo.tags.iter().map(|tag| (*tag).to_owned()).collect(),
                    cover_image_url: Some(format!(
                        "https://images.example.jp/{slug}/{}.jpg",
                        demo.slug
                    )),
                    organization_id: None,
                    publish,
                    publish_at,
                    idempotency_key: None,
                },
            )
            .await?;
            if let Err(errors) = outcome {
                anyhow::bail!(
                    "demo article {} refused: {}",
                    demo.slug,
                    errors
                        .iter()
                        .map(|error| format!("{}: {}", error.field.join("."), error.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
            }
        }
    }
    Ok(())
}

async fn admin_of(db: &DatabaseConnection, slug: &str) -> anyhow::Result<Viewer> {
    let email = format!("{slug}-admin@example.jp");
    let admin = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))?;
    Ok(Viewer {
        user: Some(AuthUser {
            id: admin.id,
            role: admin.role,
            municipality_id: admin.municipality_id,
            organization_id: admin.organization_id,
            session_id: Uuid::nil(),
        }),
        client_ip: IpAddr::from([127, 0, 0, 1]),
    })
}
