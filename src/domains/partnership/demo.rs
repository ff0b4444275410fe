//! Demo data of the partnership domain: local issues and partner projects in every status,
//! walked through the service as their people would.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::demo::{DemoTown, at_ten, demo_day, done};
use crate::{auth::Viewer, domains::partnership::service as partnership, state::ServiceContext};
use entity::local_issue::IssueCategory as C;

/// Local issues and partner projects of Manazuru (公園づくり with its satellite-office
/// partner, and the other issues of its programme) and Maebashi, in every status. Records
/// are keyed by title within their municipality; only records created now are walked
/// through their steps, so loading twice changes nothing.
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<()> {
    let manazuru = DemoTown::load(db, "manazuru").await?;
    park(&manazuru).await?;
    programme(&manazuru).await?;
    closed_and_drafts(&manazuru).await?;
    let maebashi = DemoTown::load(db, "maebashi").await?;
    smart_city(&maebashi).await
}
/// Readings of the demo titles, so that a search in kana (こうえん, こそだて) finds them.
const TITLE_READINGS: &[(&str, &str)] = &[
    (
        "子どもが安心して遊べる公園づくり",
        "コドモガアンシンシテアソベルコウエンヅクリ",
    ),
    (
        "みんなでつくる岩海岸こども公園",
        "ミンナデツクルイワカイガンコドモコウエン",
    ),
    (
        "高齢者や子育て世帯の移動手段の確保",
        "コウレイシャヤコソダテセタイノイドウシュダンノカクホ",
    ),
    (
        "オンデマンド乗合交通の実証運行",
        "オンデマンドノリアイコウツウノジッショウウンコウ",
    ),
    (
        "一時保育の空き状況をオンラインで確認したい",
        "イチジホイクノアキジョウキョウヲオンラインデカクニンシタイ",
    ),
    (
        "一時保育予約のオンライン化",
        "イチジホイクヨヤクノオンラインカ",
    ),
    (
        "津波避難情報をだれにでも届けたい",
        "ツナミヒナンジョウホウヲダレニデモトドケタイ",
    ),
    (
        "放課後に子どもが学べる場所がほしい",
        "ホウカゴニコドモガマナベルバショガホシイ",
    ),
    (
        "空き店舗を使った放課後まなび教室",
        "アキテンポヲツカッタホウカゴマナビキョウシツ",
    ),
    (
        "子育てひろばの混雑状況を見える化したい",
        "コソダテヒロバノコンザツジョウキョウヲミエルカシタイ",
    ),
    (
        "女性がテレワークで働ける場の確保",
        "ジョセイガテレワークデハタラケルバノカクホ",
    ),
];

/// The reading of a demo title, if it has one.
fn title_reading(title: &str) -> Option<String> {
    TITLE_READINGS
        .iter()
        .find(|(written, _)| *written == title)
        .map(|(_, reading)| (*reading).to_owned())
}

/// Manazuru's park: an issue with comments (one hidden) and the partner's project on it.
async fn park(manazuru: &DemoTown<'_>) -> anyhow::Result<()> {
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
                manazuru.ctx(),
                &manazuru.admin,
                spam,
                "宣伝目的の投稿のため非表示にしました。",
            )
            .await,
        )?;
        // A comment its author took back: it is in no read any more.
        let mistaken = manazuru
            .comment(park, "場所を勘違いしていました。すみません。")
            .await?;
        partnership::delete_comment(manazuru.ctx(), &manazuru.resident, mistaken).await?;
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
                manazuru.ctx(),
                &manazuru.admin,
                project,
                Some("現地で利用状況と安全点検の記録を確認しました。"),
            )
            .await,
        )?;
    }
    Ok(())
}

/// The other issues of Manazuru's programme, with projects in the other statuses.
async fn programme(manazuru: &DemoTown<'_>) -> anyhow::Result<()> {
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
                manazuru.ctx(),
                &manazuru.admin,
                project,
                "町の既存システムとの連携方針が決まっていないため、今回は見送ります。",
            )
            .await,
        )?;
    }
    // Rejected once, then revised and resubmitted by the partner: waiting for review again,
    // with the first version and the reason it was rejected kept as a revision.
    if let Some(project) = manazuru
        .project(
            "町の申請システムと連携する地域課題の受付窓口",
            "住民から地域課題を受け付ける窓口を新たに開発します。",
            &[platform],
        )
        .await?
    {
        manazuru.submit(project).await?;
        done(
            partnership::reject_project(
                manazuru.ctx(),
                &manazuru.admin,
                project,
                "新たな開発ではなく、町の既存の電子申請システムを活かす案を検討してください。",
            )
            .await,
        )?;
        done(
            partnership::revise_and_resubmit_project(
                manazuru.ctx(),
                &manazuru.partner,
                project,
                partnership::ProjectChanges {
                    summary: Some(
                        "町の既存の電子申請システムに受付フォームを追加し、寄せられた地域課題を公民連携の担当へつなぎます。"
                            .into(),
                    ),
                    ..Default::default()
                },
                Some("ご指摘を受け、既存の電子申請システムを活かす内容に改めました。"),
            )
            .await,
        )?;
    }
    Ok(())
}

/// Manazuru's past: an issue solved last fiscal year, one closed, and one draft.
async fn closed_and_drafts(manazuru: &DemoTown<'_>) -> anyhow::Result<()> {
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
                last_year(0.75).ctx(),
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
                manazuru.ctx(),
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
    Ok(())
}

/// Maebashi's issues and project.
async fn smart_city(maebashi: &DemoTown<'_>) -> anyhow::Result<()> {
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
impl<'a> DemoTown<'a> {
    fn ctx(&self) -> ServiceContext<'a> {
        let ctx = ServiceContext::quiet(self.db);
        match self.at {
            Some(at) => ctx.as_of(at),
            None => ctx,
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
                self.ctx(),
                &self.admin,
                partnership::NewIssue {
                    municipality_id: Some(self.municipality_id),
                    title: title.into(),
                    title_reading: title_reading(title),
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
                self.ctx(),
                &self.partner,
                partnership::NewProject {
                    issue_ids: issue_ids.to_vec(),
                    texts: partnership::ProjectTexts {
                        title: title.into(),
                        title_reading: title_reading(title),
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
        done(partnership::submit_project(self.ctx(), &self.partner, project).await).map(drop)
    }

    async fn approve(&self, project: Uuid, comment: Option<&str>) -> anyhow::Result<()> {
        done(partnership::approve_project(self.ctx(), &self.admin, project, comment).await)
            .map(drop)
    }

    async fn complete(&self, project: Uuid, report: &str) -> anyhow::Result<()> {
        done(partnership::complete_project(self.ctx(), &self.partner, project, report).await)
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
        done(partnership::post_update(self.ctx(), &self.partner, update).await).map(drop)
    }

    async fn comment(&self, issue: Uuid, body: &str) -> anyhow::Result<Uuid> {
        let comment = partnership::NewComment {
            subject_id: issue,
            body: body.into(),
            idempotency_key: None,
        };
        Ok(done(partnership::add_issue_comment(self.ctx(), &self.resident, comment).await)?.id)
    }

    async fn internal(&self, project: Uuid, author: &Viewer, body: &str) -> anyhow::Result<()> {
        let comment = partnership::NewComment {
            subject_id: project,
            body: body.into(),
            idempotency_key: None,
        };
        done(partnership::add_internal_comment(self.ctx(), author, comment).await).map(drop)
    }
}
