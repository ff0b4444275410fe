//! Demo data: the three municipalities of the seed programmes, their organizations and one
//! account per role. Idempotent: loading it twice duplicates nothing.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{
    municipality,
    organization::{self, OrganizationKind},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use secrecy::SecretString;
use std::net::IpAddr;
use uuid::Uuid;

use crate::{
    auth::{AuthUser, Role, Viewer},
    domains::{identity::service, partnership::service as partnership},
    error::{AppResult, Outcome},
    fiscal,
};

/// Password of every demo account. Demo data is for trying the API, never for production.
pub const DEMO_PASSWORD: &str = "tsunagu-demo-2026!";

/// A demo account, for printing.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// Login email.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Municipality name, if any.
    pub municipality: Option<String>,
}

struct DemoMunicipality {
    slug: &'static str,
    jis_code: &'static str,
    name_ja: &'static str,
    name_kana: &'static str,
    name_en: &'static str,
    prefecture_code: i16,
    organizations: &'static [(OrganizationKind, &'static str, &'static str)],
    /// Organization of the program-staff account (index into `organizations`).
    staff_organization: usize,
    /// Organization of the partner account.
    partner_organization: usize,
    people: [(&'static str, &'static str); 5],
}

const MUNICIPALITIES: [DemoMunicipality; 3] = [
    DemoMunicipality {
        slug: "maebashi",
        jis_code: "10201",
        name_ja: "前橋市",
        name_kana: "マエバシシ",
        name_en: "Maebashi",
        prefecture_code: 10,
        organizations: &[
            (
                OrganizationKind::MunicipalOffice,
                "前橋市役所",
                "マエバシシヤクショ",
            ),
            (
                OrganizationKind::ChildcareProvider,
                "前橋市子育てひろば 親子元気ルーム",
                "マエバシシコソダテヒロバ オヤコゲンキルーム",
            ),
            (
                OrganizationKind::ChildcareProvider,
                "元気保育園",
                "ゲンキホイクエン",
            ),
            (
                OrganizationKind::EmploymentSupportOffice,
                "前橋市女性就職支援センター",
                "マエバシシジョセイシュウショクシエンセンター",
            ),
            (
                OrganizationKind::PartnerCompany,
                "株式会社あかぎワークス",
                "カブシキガイシャアカギワークス",
            ),
        ],
        staff_organization: 3,
        partner_organization: 4,
        people: [
            ("前橋 由美", "マエバシ ユミ"),
            ("赤城 健太", "アカギ ケンタ"),
            ("広瀬 さくら", "ヒロセ サクラ"),
            ("利根 大輔", "トネ ダイスケ"),
            ("群馬 花子", "グンマ ハナコ"),
        ],
    },
    DemoMunicipality {
        slug: "manazuru",
        jis_code: "14384",
        name_ja: "真鶴町",
        name_kana: "マナヅルマチ",
        name_en: "Manazuru",
        prefecture_code: 14,
        organizations: &[
            (
                OrganizationKind::MunicipalOffice,
                "真鶴町役場",
                "マナヅルマチヤクバ",
            ),
            (
                OrganizationKind::Museum,
                "真鶴町立中川一政美術館",
                "マナヅルチョウリツナカガワカズマサビジュツカン",
            ),
            (
                OrganizationKind::Museum,
                "真鶴町立遠藤貝類博物館",
                "マナヅルチョウリツエンドウカイルイハクブツカン",
            ),
            (
                OrganizationKind::Library,
                "真鶴町民図書館",
                "マナヅルチョウミントショカン",
            ),
            (
                OrganizationKind::NatureCentre,
                "真鶴半島自然観察センター",
                "マナヅルハントウシゼンカンサツセンター",
            ),
            (
                OrganizationKind::ChildcareProvider,
                "真鶴町子育て支援センター",
                "マナヅルマチコソダテシエンセンター",
            ),
            (
                OrganizationKind::PartnerCompany,
                "株式会社みなとサテライトラボ",
                "カブシキガイシャミナトサテライトラボ",
            ),
        ],
        staff_organization: 1,
        partner_organization: 6,
        people: [
            ("真鶴 恵子", "マナヅル ケイコ"),
            ("岩 翔太", "イワ ショウタ"),
            ("琴ヶ浜 美咲", "コトガハマ ミサキ"),
            ("三ツ石 誠", "ミツイシ マコト"),
            ("貴船 愛", "キブネ アイ"),
        ],
    },
    DemoMunicipality {
        slug: "kitakyushu",
        jis_code: "40100",
        name_ja: "北九州市",
        name_kana: "キタキュウシュウシ",
        name_en: "Kitakyushu",
        prefecture_code: 40,
        organizations: &[
            (
                OrganizationKind::MunicipalOffice,
                "北九州市役所",
                "キタキュウシュウシヤクショ",
            ),
            (
                OrganizationKind::ChildcareProvider,
                "北九州市子育て支援課",
                "キタキュウシュウシコソダテシエンカ",
            ),
            (
                OrganizationKind::Nonprofit,
                "北九州市医師会",
                "キタキュウシュウシイシカイ",
            ),
            (
                OrganizationKind::PartnerCompany,
                "株式会社きたきゅうデジタル",
                "カブシキガイシャキタキュウデジタル",
            ),
        ],
        staff_organization: 1,
        partner_organization: 3,
        people: [
            ("小倉 直子", "コクラ ナオコ"),
            ("門司 拓也", "モジ タクヤ"),
            ("八幡 里美", "ヤハタ サトミ"),
            ("戸畑 浩二", "トバタ コウジ"),
            ("若松 陽菜", "ワカマツ ヒナ"),
        ],
    },
];

/// Loads the demo data; returns every demo account.
pub async fn demo(db: &DatabaseConnection) -> anyhow::Result<Vec<DemoAccount>> {
    let mut accounts = Vec::new();
    let (_, _) = service::ensure_user(
        db,
        "platform-admin@example.jp",
        SecretString::from(DEMO_PASSWORD),
        "運営 管理者",
        "ウンエイ カンリシャ",
        Role::PlatformAdmin,
        None,
        None,
    )
    .await?;
    accounts.push(DemoAccount {
        email: "platform-admin@example.jp".into(),
        role: Role::PlatformAdmin,
        municipality: None,
    });
    for demo in &MUNICIPALITIES {
        let municipality_id = ensure_municipality(db, demo).await?;
        let mut organization_ids = Vec::new();
        for (kind, name, kana) in demo.organizations {
            organization_ids
                .push(ensure_organization(db, municipality_id, *kind, name, kana).await?);
        }
        let roles = [
            ("admin", Role::MunicipalAdmin, Some(0)),
            ("concierge", Role::Concierge, Some(0)),
            ("staff", Role::ProgramStaff, Some(demo.staff_organization)),
            ("partner", Role::Partner, Some(demo.partner_organization)),
            ("resident", Role::Resident, None),
        ];
        for ((suffix, role, organization), (name, kana)) in roles.into_iter().zip(demo.people) {
            let email = format!("{}-{suffix}@example.jp", demo.slug);
            let organization_id = organization.and_then(|i| organization_ids.get(i).copied());
            service::ensure_user(
                db,
                &email,
                SecretString::from(DEMO_PASSWORD),
                name,
                kana,
                role,
                Some(municipality_id),
                organization_id,
            )
            .await?;
            accounts.push(DemoAccount {
                email,
                role,
                municipality: Some(demo.name_ja.to_owned()),
            });
        }
    }
    partnership(db).await?;
    programs(db).await?;
    relocation(db, &mut accounts).await?;
    crate::domains::employment::demo::load(db).await?;
    crate::domains::childcare::demo::load(db).await?;
    crate::domains::content::demo::load(db).await?;
    crate::domains::kpi::demo::load(db).await?;
    Ok(accounts)
}

/// Prints the demo accounts and their password.
pub fn print_accounts(accounts: &[DemoAccount]) {
    println!("Demo accounts (password for all: {DEMO_PASSWORD}):");
    for account in accounts {
        println!(
            "  {:<32} {:<16} {}",
            account.email,
            format!("{:?}", account.role),
            account
                .municipality
                .as_deref()
                .unwrap_or("(all municipalities)")
        );
    }
}

/// The day `share` (0 to 1) of the way through the fiscal year `years_back` years before
/// the current one: where the demo places its history. In the current year the share is of
/// the days already past, up to yesterday, so every fiscal year the demo covers has
/// records whatever the day it is loaded on (on 1 April, the current year's fall on that
/// day).
pub fn demo_day(years_back: i32, share: f64) -> NaiveDate {
    day_in_year(fiscal::today(), years_back, share)
}

/// 10:00 in Japan on `date`.
fn at_ten(date: NaiveDate) -> DateTime<Utc> {
    fiscal::midnight(date) + Duration::hours(10)
}

fn day_in_year(today: NaiveDate, years_back: i32, share: f64) -> NaiveDate {
    let year = fiscal::year_of_date(today) - years_back;
    let Some((first, last)) = fiscal::dates(year) else {
        return today;
    };
    let last = if years_back <= 0 {
        first.max(today - Duration::days(1))
    } else {
        last
    };
    let span = (last - first).num_days();
    // Rounded to whole days; the span is at most 365.
    let offset = (span as f64 * share.clamp(0.0, 1.0)).round() as i64;
    first + Duration::days(offset)
}

async fn ensure_municipality(
    db: &DatabaseConnection,
    demo: &DemoMunicipality,
) -> anyhow::Result<Uuid> {
    if let Some(existing) = municipality::Entity::find()
        .filter(municipality::Column::JisCode.eq(demo.jis_code))
        .one(db)
        .await?
    {
        return Ok(existing.id);
    }
    let now = Utc::now();
    let created = municipality::ActiveModel {
        id: Set(Uuid::now_v7()),
        jis_code: Set(demo.jis_code.into()),
        name_ja: Set(demo.name_ja.into()),
        name_kana: Set(demo.name_kana.into()),
        name_en: Set(demo.name_en.into()),
        prefecture_code: Set(demo.prefecture_code),
        time_zone: Set("Asia/Tokyo".into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(created.id)
}

async fn ensure_organization(
    db: &DatabaseConnection,
    municipality_id: Uuid,
    kind: OrganizationKind,
    name: &str,
    kana: &str,
) -> anyhow::Result<Uuid> {
    if let Some(existing) = organization::Entity::find()
        .filter(organization::Column::MunicipalityId.eq(municipality_id))
        .filter(organization::Column::Name.eq(name))
        .one(db)
        .await?
    {
        return Ok(existing.id);
    }
    let now = Utc::now();
    let created = organization::ActiveModel {
        id: Set(Uuid::now_v7()),
        municipality_id: Set(municipality_id),
        kind: Set(kind),
        name: Set(name.into()),
        name_kana: Set(kana.into()),
        website_url: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(created.id)
}

/// Local issues and partner projects of Manazuru (公園づくり with its satellite-office
/// partner, and the other issues of its programme) and Maebashi, in every status. Records
/// are keyed by title within their municipality; only records created now are walked
/// through their steps, so loading twice changes nothing.
async fn partnership(db: &DatabaseConnection) -> anyhow::Result<()> {
    use entity::local_issue::IssueCategory as C;

    let manazuru = DemoTown::load(db, "manazuru").await?;
    let (park, created) = manazuru
        .issue(
            "子どもが安心して遊べる公園づくり",
            "町内には子どもが思い切り体を動かせる公園が少なく、子育て世帯から「近くに安心して遊べる場所がほしい」という声が寄せられています。\n地域の自然や素材を活かし、住民と一緒に公園をつくる取組を募集します。",
            C::Parks,
            Some(("真鶴町 岩地区", 35.1613, 139.1300)),
            true,
        )
        .await?;
    if created {
        manazuru
            .comment(
                park,
                "週末に子どもと歩いて行ける公園ができたらうれしいです。",
            )
            .await?;
        let spam = manazuru
            .comment(park, "格安で遊具を販売しています。詳しくは当社サイトへ。")
            .await?;
        done(
            partnership::hide_comment(
                manazuru.writer(),
                &manazuru.admin,
                spam,
                "宣伝目的の投稿のため非表示にしました。",
            )
            .await,
        )?;
    }
    if let Some(project) = manazuru
        .project(
            "みんなでつくる岩海岸こども公園",
            "サテライトオフィスを構える当社が、住民ワークショップで集めた声をもとに、間伐材を使った遊具のある小さな公園を岩海岸近くにつくります。",
            &[park],
        )
        .await?
    {
        manazuru.submit(project).await?;
        manazuru
            .approve(project, Some("地域説明会を開くことを条件に承認します。"))
            .await?;
        manazuru
            .update(project, "住民ワークショップを2回開き、遊具の希望を集めました。", 30, Some("住民ワークショップ完了"))
            .await?;
        manazuru
            .update(project, "間伐材を使った試作遊具を設置し、親子で試してもらいました。", 70, Some("試作遊具の設置"))
            .await?;
        manazuru
            .update(project, "安全点検を終え、公園の利用を始めました。", 100, Some("供用開始"))
            .await?;
        manazuru
            .complete(project, "こども公園を開設し、最初の1か月で延べ約300組の親子が利用しました。維持管理は地区の自治会と当社が共同で行います。")
            .await?;
        done(
            partnership::verify_project(
                manazuru.writer(),
                &manazuru.admin,
                project,
                Some("現地で利用状況と安全点検の記録を確認しました。"),
            )
            .await,
        )?;
    }

    let (mobility, _) = manazuru
        .issue(
            "高齢者や子育て世帯の移動手段の確保",
            "路線バスの本数が少なく、坂の多い町内では高齢者や小さな子どものいる世帯の通院・買い物・送迎が負担になっています。",
            C::Mobility,
            Some(("真鶴駅周辺", 35.1586, 139.1335)),
            true,
        )
        .await?;
    if let Some(project) = manazuru
        .project(
            "オンデマンド乗合交通の実証運行",
            "スマートフォンと電話で予約できる乗合ワゴンを、真鶴駅と町内の主な地区の間で3か月間試験運行します。",
            &[mobility],
        )
        .await?
    {
        manazuru.submit(project).await?;
        manazuru.approve(project, None).await?;
        manazuru
            .update(project, "運行ルートと停留所を地区の皆さんと決めました。", 20, Some("運行計画の確定"))
            .await?;
        manazuru
            .update(project, "試験運行を始め、最初の2週間で延べ120人が利用しました。", 45, None)
            .await?;
    }

    let (tourism, _) = manazuru
        .issue(
            "半島の観光情報を多言語で届けたい",
            "真鶴半島を訪れる外国人観光客が増えていますが、案内板やパンフレットは日本語が中心で、見どころや交通の情報が届いていません。",
            C::Tourism,
            Some(("真鶴半島", 35.1500, 139.1560)),
            true,
        )
        .await?;
    if let Some(project) = manazuru
        .project(
            "真鶴半島 多言語デジタルマップの制作",
            "英語・中国語・韓国語に対応したデジタルマップを制作し、主な観光地にQRコードの案内を設置します。",
            &[tourism],
        )
        .await?
    {
        manazuru.submit(project).await?;
        manazuru.approve(project, None).await?;
        manazuru
            .update(project, "掲載するスポット40か所の取材を終えました。", 60, Some("取材完了"))
            .await?;
        manazuru
            .complete(project, "4か国語のデジタルマップを公開し、12か所にQRコードの案内を設置しました。")
            .await?;
    }

    let (childcare, _) = manazuru
        .issue(
            "一時保育の空き状況をオンラインで確認したい",
            "一時保育の予約は電話受付のみで、空き状況が分からないという声が多く寄せられています。",
            C::Childcare,
            None,
            true,
        )
        .await?;
    if let Some(project) = manazuru
        .project(
            "一時保育予約のオンライン化",
            "一時保育の空き状況の表示とオンライン予約の仕組みを、子育て支援センターと一緒に整えます。",
            &[childcare],
        )
        .await?
    {
        manazuru.submit(project).await?;
        manazuru
            .internal(project, &manazuru.admin, "費用の内訳と、個人情報の取り扱いについて教えてください。")
            .await?;
        manazuru
            .internal(project, &manazuru.partner, "見積の内訳と個人情報の取扱方針をまとめた資料をお送りします。")
            .await?;
    }

    let (disaster, _) = manazuru
        .issue(
            "津波避難情報をだれにでも届けたい",
            "海に面した町として、観光客や外国人住民、耳の聞こえにくい方にも津波避難の情報が確実に届く仕組みが求められています。",
            C::DisasterPrevention,
            None,
            true,
        )
        .await?;
    manazuru
        .project(
            "多言語・文字表示の防災アラート試行",
            "防災無線の内容を多言語の文字情報としてスマートフォンと町内のサイネージに配信する仕組みを試行します。",
            &[disaster],
        )
        .await?;

    let (platform, _) = manazuru
        .issue(
            "地域課題に取り組むデジタルプラットフォームの構築",
            "町の地域課題と、取り組みたい企業・住民をつなぐデジタルプラットフォームを構築し、公民連携の事業を進めやすくします。",
            C::Digital,
            None,
            true,
        )
        .await?;
    if let Some(project) = manazuru
        .project(
            "地域課題マッチングアプリの開発",
            "地域課題と協力したい企業・住民をマッチングするスマートフォンアプリを独自に開発します。",
            &[platform],
        )
        .await?
    {
        manazuru.submit(project).await?;
        done(
            partnership::reject_project(
                manazuru.writer(),
                &manazuru.admin,
                project,
                "町の既存システムとの連携方針が決まっていないため、今回は見送ります。",
            )
            .await,
        )?;
    }

    // Solved in the previous fiscal year, each step at the time it happened.
    let last_year = |share: f64| manazuru.as_of(at_ten(demo_day(1, share)));
    let (study, _) = last_year(0.1)
        .issue(
            "放課後に子どもが学べる場所がほしい",
            "町内には放課後に子どもが集まって宿題をしたり、本を読んだりできる場所が少なく、共働きの家庭から学びの場を求める声が寄せられていました。",
            C::Education,
            Some(("真鶴駅前商店街", 35.1580, 139.1340)),
            true,
        )
        .await?;
    if let Some(project) = last_year(0.15)
        .project(
            "空き店舗を使った放課後まなび教室",
            "駅前の空き店舗を改装し、地域の大学生と退職した教員が見守る放課後の学習スペースを週3日開きます。",
            &[study],
        )
        .await?
    {
        last_year(0.17).submit(project).await?;
        last_year(0.2).approve(project, None).await?;
        last_year(0.35)
            .update(project, "空き店舗の改装を終え、見守りスタッフ8名の研修を行いました。", 50, Some("開設準備完了"))
            .await?;
        last_year(0.55)
            .update(project, "教室を開き、毎回15人ほどの小学生が利用しています。", 100, Some("教室の開設"))
            .await?;
        last_year(0.7)
            .complete(project, "半年間で延べ約900人の小学生が利用しました。来年度からは地区の子ども会と運営を続けます。")
            .await?;
        done(
            partnership::verify_project(
                last_year(0.75).writer(),
                &manazuru.admin,
                project,
                Some("利用記録と保護者アンケートを確認しました。"),
            )
            .await,
        )?;
    }

    let (site, created) = manazuru
        .issue(
            "旧保育所跡地の活用",
            "旧保育所の跡地を地域の交流や子育ての場として活用するアイデアを募集していました。",
            C::Other,
            None,
            true,
        )
        .await?;
    if created {
        done(
            partnership::close_issue(
                manazuru.writer(),
                &manazuru.admin,
                site,
                "町の公共施設再編計画で用途が決まったため、募集を終了します。",
            )
            .await,
        )?;
    }

    manazuru
        .issue(
            "真鶴港周辺の海ごみ対策",
            "真鶴港周辺に漂着する海ごみの回収と発生抑制の取組を検討しています。（公開準備中）",
            C::Environment,
            None,
            false,
        )
        .await?;

    let maebashi = DemoTown::load(db, "maebashi").await?;
    let (plaza, _) = maebashi
        .issue(
            "子育てひろばの混雑状況を見える化したい",
            "親子元気ルームやプレイルームは時間帯によって混み合い、せっかく出かけても入れないことがあります。",
            C::Childcare,
            None,
            true,
        )
        .await?;
    if let Some(project) = maebashi
        .project(
            "親子元気ルームの混雑状況リアルタイム表示",
            "入退室の人数から混雑状況を推定し、ウェブとLINEでリアルタイムに表示します。",
            &[plaza],
        )
        .await?
    {
        maebashi.submit(project).await?;
        maebashi.approve(project, None).await?;
        maebashi
            .update(
                project,
                "センサーを設置し、表示の試験を始めました。",
                40,
                Some("センサー設置"),
            )
            .await?;
    }
    maebashi
        .issue(
            "女性がテレワークで働ける場の確保",
            "子育て中の女性が短時間から働けるよう、託児付きのコワーキングスペースなどテレワークの場を求める声があります。",
            C::Other,
            None,
            true,
        )
        .await?;
    Ok(())
}

/// The demo accounts of one municipality, acting through the partnership service.
#[derive(Clone)]
struct DemoTown<'a> {
    db: &'a DatabaseConnection,
    municipality_id: Uuid,
    admin: Viewer,
    partner: Viewer,
    resident: Viewer,
    /// When its steps happen: now, or a time in the past.
    at: Option<DateTime<Utc>>,
}

impl<'a> DemoTown<'a> {
    async fn load(db: &'a DatabaseConnection, slug: &str) -> anyhow::Result<Self> {
        let account = |suffix: &str| {
            let email = format!("{slug}-{suffix}@example.jp");
            async move {
                let user = entity::user::Entity::find()
                    .filter(entity::user::Column::Email.eq(email.as_str()))
                    .one(db)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))?;
                Ok::<_, anyhow::Error>(Viewer {
                    user: Some(AuthUser {
                        id: user.id,
                        role: user.role,
                        municipality_id: user.municipality_id,
                        organization_id: user.organization_id,
                        session_id: Uuid::nil(),
                    }),
                    client_ip: IpAddr::from([127, 0, 0, 1]),
                })
            }
        };
        let admin = account("admin").await?;
        let municipality_id = admin
            .user
            .as_ref()
            .and_then(|user| user.municipality_id)
            .ok_or_else(|| anyhow::anyhow!("demo admin of {slug} has no municipality"))?;
        Ok(Self {
            db,
            municipality_id,
            admin,
            partner: account("partner").await?,
            resident: account("resident").await?,
            at: None,
        })
    }

    /// The same accounts, acting at `at`.
    fn as_of(&self, at: DateTime<Utc>) -> Self {
        Self {
            at: Some(at),
            ..self.clone()
        }
    }

    fn writer(&self) -> partnership::Writer<'a> {
        let writer = partnership::Writer::quiet(self.db);
        match self.at {
            Some(at) => writer.as_of(at),
            None => writer,
        }
    }

    /// The issue with this title, created (as the admin) if missing; and whether it was.
    async fn issue(
        &self,
        title: &str,
        description: &str,
        category: entity::local_issue::IssueCategory,
        place: Option<(&str, f64, f64)>,
        publish: bool,
    ) -> anyhow::Result<(Uuid, bool)> {
        if let Some(existing) = entity::local_issue::Entity::find()
            .filter(entity::local_issue::Column::MunicipalityId.eq(self.municipality_id))
            .filter(entity::local_issue::Column::Title.eq(title))
            .one(self.db)
            .await?
        {
            return Ok((existing.id, false));
        }
        let issue = done(
            partnership::create_issue(
                self.writer(),
                &self.admin,
                partnership::NewIssue {
                    municipality_id: Some(self.municipality_id),
                    title: title.into(),
                    description: description.into(),
                    category,
                    location: place.map(|(name, latitude, longitude)| partnership::Location {
                        place_name: Some(name.into()),
                        latitude: Some(latitude),
                        longitude: Some(longitude),
                    }),
                    publish,
                    idempotency_key: None,
                },
            )
            .await,
        )?;
        Ok((issue.id, true))
    }

    /// Creates the partner's project with this title, unless it exists (then `None`).
    async fn project(
        &self,
        title: &str,
        summary: &str,
        issue_ids: &[Uuid],
    ) -> anyhow::Result<Option<Uuid>> {
        let exists = entity::partner_project::Entity::find()
            .filter(entity::partner_project::Column::MunicipalityId.eq(self.municipality_id))
            .filter(entity::partner_project::Column::Title.eq(title))
            .one(self.db)
            .await?
            .is_some();
        if exists {
            return Ok(None);
        }
        let project = done(
            partnership::create_project(
                self.writer(),
                &self.partner,
                partnership::NewProject {
                    issue_ids: issue_ids.to_vec(),
                    texts: partnership::ProjectTexts {
                        title: title.into(),
                        summary: summary.into(),
                        plan: "1. 関係者へのヒアリング\n2. 試行と改善\n3. 成果の報告と引き継ぎ"
                            .into(),
                        expected_outcome:
                            "地域の声をもとにした取組が定着し、課題の解決につながること。".into(),
                        timeline: "2026年4月〜2027年3月".into(),
                        contact: "公民連携担当（代表メールアドレス宛にご連絡ください）".into(),
                    },
                    idempotency_key: None,
                },
            )
            .await,
        )?;
        Ok(Some(project.id))
    }

    async fn submit(&self, project: Uuid) -> anyhow::Result<()> {
        done(partnership::submit_project(self.writer(), &self.partner, project).await).map(drop)
    }

    async fn approve(&self, project: Uuid, comment: Option<&str>) -> anyhow::Result<()> {
        done(partnership::approve_project(self.writer(), &self.admin, project, comment).await)
            .map(drop)
    }

    async fn complete(&self, project: Uuid, report: &str) -> anyhow::Result<()> {
        done(partnership::complete_project(self.writer(), &self.partner, project, report).await)
            .map(drop)
    }

    async fn update(
        &self,
        project: Uuid,
        body: &str,
        progress_percent: i32,
        milestone: Option<&str>,
    ) -> anyhow::Result<()> {
        let update = partnership::NewUpdate {
            project_id: project,
            body: body.into(),
            progress_percent,
            milestone: milestone.map(Into::into),
            idempotency_key: None,
        };
        done(partnership::post_update(self.writer(), &self.partner, update).await).map(drop)
    }

    async fn comment(&self, issue: Uuid, body: &str) -> anyhow::Result<Uuid> {
        let comment = partnership::NewComment {
            subject_id: issue,
            body: body.into(),
            idempotency_key: None,
        };
        Ok(done(partnership::add_issue_comment(self.writer(), &self.resident, comment).await)?.id)
    }

    async fn internal(&self, project: Uuid, author: &Viewer, body: &str) -> anyhow::Result<()> {
        let comment = partnership::NewComment {
            subject_id: project,
            body: body.into(),
            idempotency_key: None,
        };
        done(partnership::add_internal_comment(self.writer(), author, comment).await).map(drop)
    }
}

/// The record of a service call that must succeed.
fn done<T>(outcome: AppResult<Outcome<T>>) -> anyhow::Result<T> {
    match outcome? {
        Ok(value) => Ok(value),
        Err(errors) => Err(anyhow::anyhow!(
            "demo data refused: {}",
            errors
                .iter()
                .map(|error| format!("{}: {}", error.field.join("."), error.message))
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Programs

/// A past demo session: when (fiscal years back and share of the year, see [`demo_day`]),
/// capacity, childcare slots, attendees as (adults, children, survey score), no-shows.
type PastSession = (
    (i32, f64),
    i32,
    i32,
    &'static [(i32, i32, Option<i16>)],
    i32,
);
/// An upcoming demo session: days after today, capacity, childcare slots, parties to
/// register as (adults, children).
type UpcomingSession = (i64, i32, i32, &'static [(i32, i32)]);

/// One demo program; created through the service (with its upcoming sessions), its past
/// sessions written directly since the service only schedules the future.
struct DemoProgram {
    organizer: &'static str,
    kind: entity::program::ProgramKind,
    title: &'static str,
    summary: &'static str,
    description: &'static str,
    categories: &'static [entity::program::ProgramCategory],
    audiences: &'static [entity::program::Audience],
    child_age_months: (Option<i32>, Option<i32>),
    residents_only: bool,
    max_party_size: i32,
    venue: &'static str,
    /// (when, capacity, childcare slots, attendees as (adults, children, survey score),
    /// no-shows), "when" as fiscal years back and share of the year.
    past: &'static [PastSession],
    /// (days after today, capacity, childcare slots, parties to register as (adults,
    /// children)); children stay in the 託児 where the session has one.
    upcoming: &'static [UpcomingSession],
}

/// Programs of Maebashi (女性活躍推進セミナー with 託児, 元気保育園 experience, 移住相談会) and
/// Manazuru (museum 鑑賞会, nature 体験学習, library workshop, 子育て学級): past sessions with
/// attendance and surveys over this fiscal year and the two before, upcoming ones with free seats, a full one
/// and a waitlist. Keyed by title within the municipality; an existing program is left as
/// it is, so loading twice changes nothing.
async fn programs(db: &DatabaseConnection) -> anyhow::Result<()> {
    use entity::program::{Audience as A, ProgramCategory as C, ProgramKind as K};

    const MAEBASHI: [DemoProgram; 3] = [
        DemoProgram {
            organizer: "前橋市女性就職支援センター",
            kind: K::CareerSeminar,
            title: "女性活躍推進セミナー",
            summary: "再就職・キャリアアップを考える女性のためのセミナー。受講中はお子さまを託児でお預かりします。",
            description: "履歴書の書き方、面接対策、働き方の選び方をキャリアコンサルタントが解説します。\n託児（生後6か月〜就学前）をご希望の方は申込時にお知らせください。",
            categories: &[C::Career],
            audiences: &[A::Women],
            child_age_months: (Some(6), Some(72)),
            residents_only: false,
            max_party_size: 3,
            venue: "前橋市男女共同参画センター 研修室",
            past: &[
                (
                    (1, 0.57),
                    20,
                    6,
                    &[
                        (1, 1, Some(5)),
                        (1, 0, Some(4)),
                        (1, 1, Some(4)),
                        (1, 0, Some(3)),
                    ],
                    1,
                ),
                (
                    (0, 0.26),
                    20,
                    6,
                    &[
                        (1, 1, Some(5)),
                        (1, 1, Some(5)),
                        (1, 0, Some(4)),
                        (1, 2, None),
                    ],
                    1,
                ),
                (
                    (0, 0.88),
                    20,
                    6,
                    &[(1, 0, Some(5)), (1, 1, Some(4)), (1, 1, Some(2))],
                    0,
                ),
            ],
            upcoming: &[
                (14, 20, 6, &[(1, 1)]),
                (45, 2, 1, &[(1, 1), (1, 0), (1, 0)]),
            ],
        },
        DemoProgram {
            organizer: "元気保育園",
            kind: K::ChildcareExperience,
            title: "元気保育園 プレママ・プレパパ保育体験",
            summary: "出産を控えた方が、保育士と一緒におむつ替えや抱っこを体験できます。",
            description: "園の0〜3歳児クラスで、保育士の助言を受けながら育児を体験します。子育ての相談もできます。",
            categories: &[C::Childcare, C::Parenting],
            audiences: &[A::ExpectantParents],
            child_age_months: (None, None),
            residents_only: true,
            max_party_size: 2,
            venue: "元気保育園",
            past: &[((0, 0.63), 6, 0, &[(2, 0, Some(5)), (1, 0, Some(5))], 0)],
            upcoming: &[(21, 6, 0, &[])],
        },
        DemoProgram {
            organizer: "前橋市役所",
            kind: K::RelocationFair,
            title: "前橋市 移住相談会",
            summary: "前橋での暮らし・仕事・子育てについて、移住コンシェルジュに個別に相談できます。",
            description: "住まい、仕事探し、子育て支援制度など、移住に関するご相談に応じます。ご家族での参加も歓迎です。",
            categories: &[C::Relocation],
            audiences: &[A::Everyone],
            child_age_months: (None, None),
            residents_only: false,
            max_party_size: 6,
            venue: "前橋市役所 11階 会議室",
            past: &[((1, 0.62), 30, 0, &[(2, 0, Some(4)), (2, 0, Some(5))], 0)],
            upcoming: &[(30, 30, 0, &[(2, 0)])],
        },
    ];
    const MANAZURU: [DemoProgram; 4] = [
        DemoProgram {
            organizer: "真鶴町立中川一政美術館",
            kind: K::EducationWorkshop,
            title: "中川一政美術館 親子鑑賞会",
            summary: "学芸員と一緒に中川一政の作品をじっくり鑑賞する親子向けの鑑賞会です。",
            description: "作品を見て感じたことを言葉にしながら鑑賞します。最後に小さな絵を描く体験学習もあります。",
            categories: &[C::Art],
            audiences: &[A::Children, A::Guardians],
            child_age_months: (Some(48), Some(144)),
            residents_only: false,
            max_party_size: 4,
            venue: "真鶴町立中川一政美術館",
            past: &[
                ((2, 0.6), 12, 0, &[(1, 1, Some(4)), (1, 1, Some(4))], 0),
                (
                    (1, 0.52),
                    12,
                    0,
                    &[(1, 1, Some(5)), (1, 1, Some(4)), (2, 2, Some(4))],
                    1,
                ),
                (
                    (0, 0.75),
                    12,
                    0,
                    &[
                        (1, 1, Some(5)),
                        (1, 2, Some(5)),
                        (1, 1, Some(5)),
                        (2, 1, Some(3)),
                    ],
                    0,
                ),
            ],
            upcoming: &[(10, 12, 0, &[(1, 1)]), (40, 12, 0, &[])],
        },
        DemoProgram {
            organizer: "真鶴半島自然観察センター",
            kind: K::EducationWorkshop,
            title: "お林と磯の自然観察 体験学習",
            summary: "魚付き保安林「お林」と三ツ石の磯で、生きものを観察する体験学習です。",
            description: "自然観察指導員の案内で、森と海のつながりを学びます。動きやすい服装でお越しください。",
            categories: &[C::Nature, C::Science],
            audiences: &[A::Children, A::Guardians],
            child_age_months: (Some(72), Some(180)),
            residents_only: false,
            max_party_size: 4,
            venue: "真鶴半島自然観察センター 集合",
            past: &[
                ((2, 0.45), 15, 0, &[(1, 0, Some(4)), (1, 1, Some(5))], 0),
                ((1, 0.6), 15, 0, &[(1, 0, Some(5)), (1, 0, Some(4))], 0),
                ((0, 0.38), 15, 0, &[(1, 0, Some(5)), (2, 0, Some(5))], 1),
            ],
            upcoming: &[(20, 15, 0, &[])],
        },
        DemoProgram {
            organizer: "真鶴町民図書館",
            kind: K::EducationWorkshop,
            title: "図書館のおはなし会と絵本づくり",
            summary: "読み聞かせのあと、自分だけの小さな絵本をつくります。",
            description: "図書館司書による読み聞かせと、絵本づくりのワークショップです。",
            categories: &[C::Reading, C::Art],
            audiences: &[A::Children, A::Guardians],
            child_age_months: (Some(36), Some(96)),
            residents_only: false,
            max_party_size: 4,
            venue: "真鶴町民図書館 おはなしコーナー",
            past: &[((0, 0.18), 10, 0, &[(1, 0, Some(4)), (1, 0, Some(4))], 0)],
            upcoming: &[(12, 10, 0, &[])],
        },
        DemoProgram {
            organizer: "真鶴町子育て支援センター",
            kind: K::ParentingClass,
            title: "子育て学級",
            summary: "0〜3歳の子どもと保護者が一緒に遊び、子育ての悩みを話し合う学級です。",
            description: "保健師・保育士を交えて、離乳食、ねんね、遊びなどをテーマに話し合います。町内にお住まいの方が対象です。",
            categories: &[C::Parenting],
            audiences: &[A::Guardians, A::Children],
            child_age_months: (Some(0), Some(36)),
            residents_only: true,
            max_party_size: 3,
            venue: "真鶴町子育て支援センター",
            past: &[
                ((1, 0.55), 8, 0, &[(1, 0, Some(4)), (1, 0, Some(3))], 0),
                ((0, 0.8), 8, 0, &[(1, 0, Some(5)), (1, 0, Some(4))], 1),
            ],
            upcoming: &[(7, 8, 0, &[])],
        },
    ];
    for (slug, demo_programs) in [("maebashi", &MAEBASHI[..]), ("manazuru", &MANAZURU[..])] {
        for demo in demo_programs {
            demo_program(db, slug, demo).await?;
        }
    }
    Ok(())
}

async fn demo_program(
    db: &DatabaseConnection,
    slug: &str,
    demo: &DemoProgram,
) -> anyhow::Result<()> {
    use entity::{program, program_session, program_survey, registration, registration_child};

    use crate::domains::programs::{registration as rules, service as programs};

    let staff_like = |email: String| async move {
        let user = entity::user::Entity::find()
            .filter(entity::user::Column::Email.eq(email.as_str()))
            .one(db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))?;
        Ok::<_, anyhow::Error>(user)
    };
    let admin = staff_like(format!("{slug}-admin@example.jp")).await?;
    let resident = staff_like(format!("{slug}-resident@example.jp")).await?;
    let municipality_id = admin
        .municipality_id
        .ok_or_else(|| anyhow::anyhow!("demo admin of {slug} has no municipality"))?;
    let exists = program::Entity::find()
        .filter(program::Column::MunicipalityId.eq(municipality_id))
        .filter(program::Column::Title.eq(demo.title))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Ok(());
    }
    let organizer = organization::Entity::find()
        .filter(organization::Column::MunicipalityId.eq(municipality_id))
        .filter(organization::Column::Name.eq(demo.organizer))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo organizer {} missing", demo.organizer))?;
    let as_viewer = |user: &entity::user::Model| Viewer {
        user: Some(AuthUser {
            id: user.id,
            role: user.role,
            municipality_id: user.municipality_id,
            organization_id: user.organization_id,
            session_id: Uuid::nil(),
        }),
        client_ip: IpAddr::from([127, 0, 0, 1]),
    };
    let admin_viewer = as_viewer(&admin);
    let w = programs::Writer::quiet(db);
    let created = done(
        programs::create_program(
            w,
            &admin_viewer,
            programs::NewProgram {
                organizer_id: Some(organizer.id),
                fields: programs::ProgramFields {
                    kind: demo.kind,
                    title: demo.title.into(),
                    summary: demo.summary.into(),
                    description: demo.description.into(),
                    categories: demo.categories.to_vec(),
                    audiences: demo.audiences.to_vec(),
                    child_min_age_months: demo.child_age_months.0,
                    child_max_age_months: demo.child_age_months.1,
                    residents_only: demo.residents_only,
                    max_party_size: demo.max_party_size,
                    fee_yen: 0,
                    accessibility_notes: Some(
                        "会場はバリアフリーです。授乳・おむつ替えのスペースがあります。".into(),
                    ),
                },
                publish: true,
                idempotency_key: None,
            },
        )
        .await,
    )?;
    let today = crate::fiscal::today();
    for ((years_back, share), capacity, childcare_slots, attendees, no_shows) in demo.past {
        let starts_at = at_ten(demo_day(*years_back, *share));
        let session_id = Uuid::now_v7();
        // Children stay in the 託児 where there is one, else with their guardian.
        let in_childcare = *childcare_slots > 0;
        let seat_of = |adults: i32, kids: i32| if in_childcare { adults } else { adults + kids };
        let seats: i32 = attendees
            .iter()
            .map(|(adults, kids, _)| seat_of(*adults, *kids))
            .sum::<i32>()
            + no_shows;
        let childcare: i32 = if in_childcare {
            attendees.iter().map(|(_, kids, _)| kids).sum()
        } else {
            0
        };
        program_session::ActiveModel {
            id: Set(session_id),
            municipality_id: Set(municipality_id),
            program_id: Set(created.id),
            starts_at: Set(starts_at),
            ends_at: Set(starts_at + Duration::hours(2)),
            venue: Set(Some(demo.venue.into())),
            online_url: Set(None),
            capacity: Set(*capacity),
            childcare_slots: Set(*childcare_slots),
            registration_opens_at: Set(starts_at - Duration::days(30)),
            registration_closes_at: Set(starts_at - Duration::days(1)),
            cancellation_deadline: Set(starts_at - Duration::days(1)),
            seats_taken: Set(seats),
            childcare_taken: Set(childcare),
            status: Set(program_session::SessionStatus::Scheduled),
            cancelled_at: Set(None),
            cancel_reason: Set(None),
            created_at: Set(starts_at - Duration::days(30)),
            updated_at: Set(starts_at + Duration::hours(2)),
        }
        .insert(db)
        .await?;
        let parties = attendees
            .iter()
            .map(|(adults, kids, score)| (*adults, *kids, Some(*score)))
            .chain((0..*no_shows).map(|_| (1, 0, None)));
        for (index, (adults, kids, attended)) in parties.enumerate() {
            let id = Uuid::now_v7();
            // The demo resident is the first attendee of each past session of their town.
            let user_id = (index == 0).then_some(resident.id);
            let guest = |text: &str| (index != 0).then(|| text.to_owned());
            let status = if attended.is_some() {
                registration::RegistrationStatus::Attended
            } else {
                registration::RegistrationStatus::NoShow
            };
            registration::ActiveModel {
                id: Set(id),
                municipality_id: Set(municipality_id),
                program_id: Set(created.id),
                session_id: Set(session_id),
                user_id: Set(user_id),
                guest_name: Set(guest(&format!("参加者 {}", index + 1))),
                guest_kana: Set(guest("サンカシャ")),
                guest_email: Set(guest(&format!("guest{}@example.jp", index + 1))),
                guest_phone: Set(guest("090-0000-0000")),
                manage_token_hash: Set(None),
                adults: Set(adults),
                children: Set(kids),
                seats: Set(seat_of(adults, kids)),
                childcare: Set(if in_childcare { kids } else { 0 }),
                status: Set(status),
                check_in_code: Set(format!("PAST{index:02}")),
                offer_expires_at: Set(None),
                checked_in_at: Set(attended.map(|_| starts_at)),
                cancelled_at: Set(None),
                cancel_reason: Set(None),
                created_at: Set(starts_at - Duration::days(10)),
                updated_at: Set(starts_at),
            }
            .insert(db)
            .await?;
            for _ in 0..kids {
                registration_child::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    municipality_id: Set(municipality_id),
                    registration_id: Set(id),
                    birth_date: Set(None),
                    age_months_at_session: Set(demo.child_age_months.0.unwrap_or(12) + 6),
                    needs_childcare: Set(in_childcare),
                }
                .insert(db)
                .await?;
            }
            if let Some(Some(score)) = attended {
                program_survey::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    municipality_id: Set(municipality_id),
                    program_id: Set(created.id),
                    session_id: Set(session_id),
                    registration_id: Set(id),
                    score: Set(score),
                    comment: Set((score >= 5)
                        .then(|| "とても参考になりました。また参加したいです。".to_owned())),
                    fiscal_year: Set(crate::fiscal::year_of(starts_at)),
                    submitted_at: Set(starts_at + Duration::hours(3)),
                }
                .insert(db)
                .await?;
            }
        }
    }

    for (days_ahead, capacity, childcare_slots, parties) in demo.upcoming {
        let starts_at = at_ten(today + Duration::days(*days_ahead));
        let sessions = done(
            programs::create_sessions(
                w,
                &admin_viewer,
                programs::NewSessions {
                    program_id: created.id,
                    starts_at,
                    ends_at: starts_at + Duration::hours(2),
                    venue: Some(demo.venue.into()),
                    online_url: None,
                    capacity: *capacity,
                    childcare_slots: *childcare_slots,
                    registration_opens_at: None,
                    registration_closes_at: Some(starts_at - Duration::days(1)),
                    cancellation_deadline: Some(starts_at - Duration::days(2)),
                    repeat: None,
                    idempotency_key: None,
                },
            )
            .await,
        )?;
        let Some(session) = sessions.first() else {
            continue;
        };
        for (index, (adults, kids)) in parties.iter().enumerate() {
            let child_age = demo.child_age_months.0.unwrap_or(12) + 6;
            let children = (0..*kids)
                .map(|_| rules::ChildInput {
                    birth_date: None,
                    age_months: Some(child_age),
                    needs_childcare: *childcare_slots > 0,
                })
                .collect();
            let (viewer, guest) = if index == 0 {
                (as_viewer(&resident), None)
            } else {
                (
                    Viewer::anonymous(IpAddr::from([127, 0, 0, 1])),
                    Some(programs::GuestInput {
                        name: format!("申込者 {index}"),
                        kana: "モウシコミシャ".into(),
                        email: format!("{slug}-guest{index}@example.jp"),
                        phone: "090-1234-5678".into(),
                    }),
                )
            };
            done(
                programs::register(
                    w,
                    &viewer,
                    programs::NewRegistration {
                        session_id: session.id,
                        adults: *adults,
                        children,
                        guest,
                        idempotency_key: None,
                    },
                )
                .await,
            )?;
        }
    }
    Ok(())
}

/// Extra concierges per demo municipality: (email suffix, name, kana, specialties,
/// languages, areas, capacity).
type DemoConcierge = (
    &'static str,
    &'static str,
    &'static str,
    &'static [entity::relocation_inquiry::Interest],
    &'static [&'static str],
    &'static [&'static str],
    i32,
);

/// Concierge profiles (the demo concierge and two colleagues per municipality) and
/// inquiries in every stage of the pipeline. Skipped where inquiries already exist.
async fn relocation(
    db: &DatabaseConnection,
    accounts: &mut Vec<DemoAccount>,
) -> anyhow::Result<()> {
    use crate::domains::relocation::service as relocation;
    use entity::relocation_inquiry::{CloseReason, InquiryStage as S, Interest as I};

    const CONCIERGES: [DemoConcierge; 3] = [
        (
            "concierge",
            "",
            "",
            &[I::Housing, I::Work],
            &["ja"],
            &["中心部"],
            3,
        ),
        (
            "concierge2",
            "相談 花子",
            "ソウダン ハナコ",
            &[I::Childcare, I::Education],
            &["ja", "en"],
            &["北部"],
            3,
        ),
        (
            "concierge3",
            "移住 健",
            "イジュウ ケン",
            &[I::Farming, I::BusinessStartup],
            &["ja"],
            &["南部"],
            2,
        ),
    ];
    for demo in &MUNICIPALITIES {
        let town = DemoTown::load(db, demo.slug).await?;
        for (suffix, name, kana, specialties, languages, areas, capacity) in CONCIERGES {
            let email = format!("{}-{suffix}@example.jp", demo.slug);
            let user = if name.is_empty() {
                entity::user::Entity::find()
                    .filter(entity::user::Column::Email.eq(email.as_str()))
                    .one(db)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))?
            } else {
                let (user, _) = service::ensure_user(
                    db,
                    &email,
                    SecretString::from(DEMO_PASSWORD),
                    name,
                    kana,
                    Role::Concierge,
                    Some(town.municipality_id),
                    None,
                )
                .await?;
                accounts.push(DemoAccount {
                    email: email.clone(),
                    role: Role::Concierge,
                    municipality: Some(demo.name_ja.to_owned()),
                });
                user
            };
            if entity::concierge_profile::Entity::find_by_id(user.id)
                .one(db)
                .await?
                .is_none()
            {
                done(
                    relocation::save_profile(
                        relocation::Writer::quiet(db),
                        &town.admin,
                        relocation::ProfileInput {
                            user_id: user.id,
                            specialties: specialties.to_vec(),
                            languages: languages.iter().map(|l| (*l).to_owned()).collect(),
                            areas: areas.iter().map(|a| (*a).to_owned()).collect(),
                            capacity,
                            available: true,
                            sees_all_inquiries: None,
                        },
                    )
                    .await,
                )?;
            }
        }
        let existing = entity::relocation_inquiry::Entity::find()
            .filter(entity::relocation_inquiry::Column::MunicipalityId.eq(town.municipality_id))
            .one(db)
            .await?;
        if existing.is_some() {
            continue;
        }
        // Families who moved in during the previous fiscal year, walked through the
        // pipeline at the times it happened, their follow-up done: last year's funnel and
        // people moved in.
        let settled: [(&str, &str, &[I], i32, f64); 3] = [
            (
                "松本 大樹",
                "マツモト ダイキ",
                &[I::Housing, I::Childcare],
                4,
                0.15,
            ),
            ("井上 美穂", "イノウエ ミホ", &[I::Work], 2, 0.35),
            ("木村 悠斗", "キムラ ユウト", &[I::Farming], 3, 0.5),
        ];
        for (n, (name, kana, interests, people, share)) in settled.into_iter().enumerate() {
            let w = relocation::Writer::quiet(db);
            let day = |later: f64| demo_day(1, share + later);
            let receipt = done(
                relocation::create_inquiry(
                    w,
                    relocation::NewInquiry {
                        municipality_id: town.municipality_id,
                        name: name.into(),
                        name_kana: kana.into(),
                        email: Some(format!("settled{n}.{}@example.com", demo.slug)),
                        phone: Some(format!("090-1111-{n:04}")),
                        prefecture_code: Some(11),
                        adults: 2,
                        children_birth_months: if people > 2 {
                            vec!["2020-06".into()]
                        } else {
                            Vec::new()
                        },
                        interests: interests.to_vec(),
                        desired_timing: Some("半年以内".into()),
                        consent: true,
                        ..relocation::NewInquiry::default()
                    },
                    at_ten(day(0.0)),
                )
                .await,
            )?;
            let id = receipt.inquiry_id;
            for (stage, later) in [
                (S::Contacted, 0.01),
                (S::Consulting, 0.04),
                (S::VisitScheduled, 0.08),
                (S::Decided, 0.15),
            ] {
                done(
                    relocation::move_stage(
                        w,
                        &town.admin,
                        relocation::StageMove {
                            inquiry_id: id,
                            to: stage,
                            note: None,
                        },
                        at_ten(day(later)),
                    )
                    .await,
                )?;
            }
            done(
                relocation::record_move_in(
                    w,
                    &town.admin,
                    id,
                    relocation::MoveIn {
                        moved_in_on: day(0.25),
                        people,
                        area: Some("中心部".into()),
                    },
                    at_ten(day(0.25)),
                )
                .await,
            )?;
            let follow_ups = entity::inquiry_task::Entity::find()
                .filter(entity::inquiry_task::Column::InquiryId.eq(id))
                .filter(entity::inquiry_task::Column::FollowUp.eq(true))
                .all(db)
                .await?;
            for task in follow_ups {
                let when = at_ten(task.due_on.min(fiscal::today()));
                done(relocation::complete_task(w, &town.admin, task.id, when).await)?;
            }
        }
        let families: [(&str, &str, &[I]); 11] = [
            ("山田 太郎", "ヤマダ タロウ", &[I::Housing]),
            ("佐藤 美咲", "サトウ ミサキ", &[I::Childcare, I::Housing]),
            ("鈴木 一郎", "スズキ イチロウ", &[I::Work]),
            ("高橋 由美", "タカハシ ユミ", &[I::Education]),
            ("田中 翔", "タナカ ショウ", &[I::Farming]),
            ("伊藤 さくら", "イトウ サクラ", &[I::BusinessStartup]),
            ("渡辺 健太", "ワタナベ ケンタ", &[I::Housing, I::Work]),
            ("中村 彩", "ナカムラ アヤ", &[I::Childcare]),
            ("小林 大輔", "コバヤシ ダイスケ", &[I::Work]),
            ("加藤 真理", "カトウ マリ", &[I::Healthcare]),
            ("吉田 陽介", "ヨシダ ヨウスケ", &[I::Other]),
        ];
        let now = relocation::now();
        let mut ids = Vec::new();
        for (n, (name, kana, interests)) in families.into_iter().enumerate() {
            let receipt = done(
                relocation::create_inquiry(
                    relocation::Writer::quiet(db),
                    relocation::NewInquiry {
                        municipality_id: town.municipality_id,
                        name: name.into(),
                        name_kana: kana.into(),
                        email: Some(format!("family{n}.{}@example.com", demo.slug)),
                        phone: Some(format!("090-0000-{:04}", n)),
                        prefecture_code: Some(13),
                        adults: 2,
                        children_birth_months: if n % 2 == 0 {
                            vec!["2021-04".into()]
                        } else {
                            Vec::new()
                        },
                        interests: interests.to_vec(),
                        desired_timing: Some("1年以内".into()),
                        consent: true,
                        ..relocation::NewInquiry::default()
                    },
                    now,
                )
                .await,
            )?;
            ids.push(receipt.inquiry_id);
            // After eight, advance the pipeline so that capacity frees for two of the last
            // three; the last one waits in the queue.
            if ids.len() == 8 {
                let w = relocation::Writer::quiet(db);
                let steps: [(usize, &[S]); 5] = [
                    (1, &[S::Contacted]),
                    (2, &[S::Contacted, S::Consulting]),
                    (3, &[S::Contacted, S::Consulting, S::VisitScheduled]),
                    (4, &[S::Contacted, S::Consulting, S::Decided]),
                    (5, &[S::Contacted, S::Consulting, S::Decided]),
                ];
                for (index, stages) in steps {
                    for stage in stages {
                        done(
                            relocation::move_stage(
                                w,
                                &town.admin,
                                relocation::StageMove {
                                    inquiry_id: ids[index],
                                    to: *stage,
                                    note: None,
                                },
                                now,
                            )
                            .await,
                        )?;
                    }
                }
                done(
                    relocation::record_move_in(
                        w,
                        &town.admin,
                        ids[5],
                        relocation::MoveIn {
                            moved_in_on: now.date_naive(),
                            people: 3,
                            area: Some("中心部".into()),
                        },
                        now,
                    )
                    .await,
                )?;
                done(
                    relocation::close_inquiry(
                        w,
                        &town.admin,
                        ids[6],
                        CloseReason::NotNow,
                        Some("来年度に再検討".into()),
                        now,
                    )
                    .await,
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn demo_history_falls_in_its_fiscal_year_and_in_the_past() {
        let today = date("2026-12-01");
        assert_eq!(day_in_year(today, 1, 0.0), date("2025-04-01"));
        assert_eq!(day_in_year(today, 1, 1.0), date("2026-03-31"));
        assert_eq!(day_in_year(today, 2, 0.5), date("2024-09-30"));
        // The current year: only the days already past, up to yesterday.
        assert_eq!(day_in_year(today, 0, 1.0), date("2026-11-30"));
        assert_eq!(day_in_year(today, 0, 0.5), date("2026-08-01"));
        // Early in a year, still in that year.
        let second_day = date("2027-04-02");
        assert_eq!(day_in_year(second_day, 0, 0.9), date("2027-04-01"));
        assert_eq!(day_in_year(date("2027-04-01"), 0, 0.5), date("2027-04-01"));
        assert_eq!(day_in_year(second_day, 1, 0.99), date("2027-03-27"));
    }
}
