//! Demo data of the identity domain: the three municipalities of the seed programmes,
//! their organizations and one account per role. Idempotent: loading it twice duplicates
//! nothing.

use chrono::Utc;
use entity::{
    municipality,
    organization::{self, OrganizationKind},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use secrecy::SecretString;
use uuid::Uuid;

use crate::demo::{DEMO_PASSWORD, DemoAccount};
use crate::{auth::Role, domains::identity::service};

/// One demo municipality with its organizations and people.
pub struct DemoMunicipality {
    /// Prefix of its demo accounts' emails.
    pub slug: &'static str,
    jis_code: &'static str,
    /// Its name.
    pub name_ja: &'static str,
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

/// The municipalities of the seed programmes.
pub const MUNICIPALITIES: [DemoMunicipality; 3] = [
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

/// Loads the demo municipalities, organizations and accounts; returns the accounts.
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<Vec<DemoAccount>> {
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
    Ok(accounts)
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

/// The organization of `municipality_id` named `name`, created when missing.
pub async fn ensure_organization(
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
