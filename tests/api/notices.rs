//! The messages of each domain, delivered over a real SMTP conversation (the small SMTP
//! server of `notifications`), and the staff view of whether they went out.

use serde_json::{Value, json};

use crate::helpers::smtp::{Mail, SmtpServer};
use crate::helpers::{TestApp, error_code, spawn_app_with, user_error_codes};

/// The subject without spaces: the test's decoder of encoded words loses the space
/// between an encoded word and a plain one.
fn subject(mail: &Mail) -> String {
    mail.subject().replace(' ', "")
}

fn squeeze(text: impl AsRef<str>) -> String {
    text.as_ref().replace(' ', "")
}

const CONCIERGES: [&str; 3] = [
    "manazuru-concierge@example.jp",
    "manazuru-concierge2@example.jp",
    "manazuru-concierge3@example.jp",
];

const DELIVERIES: &str = "query($filter: NotificationDeliveryFilter) { notificationDeliveries(filter: $filter, first: 50) { totalCount nodes { kind title channel recipient toGuest state attempts lastError createdAt sentAt nextAttemptAt } } }";

async fn mutate(app: &TestApp, token: Option<&str>, mutation: &str, input: Value) -> Value {
    let mut chars = mutation.chars();
    let first = chars.next().unwrap().to_uppercase();
    let selection = match mutation {
        "submitRelocationInquiry" => "receipt { referenceCode trackingToken }",
        "saveConciergeProfile" => "profile { capacity }",
        _ => "inquiry { id }",
    };
    let query = format!(
        "mutation($input: {first}{}Input!) {{ {mutation}(input: $input) {{ {selection} userErrors {{ field code message }} }} }}",
        chars.as_str()
    );
    let body = app.graphql(token, &query, json!({ "input": input })).await;
    assert_eq!(error_code(&body), None, "{mutation}: {body}");
    let payload = body["data"][mutation].clone();
    assert_eq!(
        user_error_codes(&payload),
        Vec::<String>::new(),
        "{mutation}: {body}"
    );
    payload
}

/// A Manazuru inquiry from `email`, assigned at once: (inquiry id, reference code,
/// tracking token, the holder's email and token).
struct Held {
    id: String,
    code: String,
    token: String,
    holder_email: &'static str,
    holder: String,
}

async fn held_inquiry(app: &TestApp, admin: &str, email: &str) -> Held {
    let manazuru = app.municipality_id("14384").await;
    let body = app
        .graphql(
            Some(admin),
            "{ conciergeProfiles { userId activeInquiries } }",
            json!({}),
        )
        .await;
    for profile in body["data"]["conciergeProfiles"].as_array().unwrap() {
        let load = profile["activeInquiries"].as_i64().unwrap();
        mutate(
            app,
            Some(admin),
            "saveConciergeProfile",
            json!({ "userId": profile["userId"], "capacity": load + 1, "available": true, "languages": ["ja"] }),
        )
        .await;
    }
    let receipt = mutate(
        app,
        None,
        "submitRelocationInquiry",
        json!({
            "municipalityId": manazuru,
            "name": "移住 花子",
            "nameKana": "イジュウ ハナコ",
            "email": email,
            "adults": 2,
            "childrenBirthMonths": ["2021-05"],
            "interests": ["HOUSING"],
            "preferredChannel": "EMAIL",
            "consentToPrivacyNotice": true
        }),
    )
    .await["receipt"]
        .clone();
    let code = receipt["referenceCode"].as_str().unwrap().to_owned();
    let body = app
        .graphql(
            Some(admin),
            "query($q: String!) { relocationInquiries(filter: { search: $q }) { nodes { id conciergeId } } }",
            json!({ "q": code }),
        )
        .await;
    let node = &body["data"]["relocationInquiries"]["nodes"][0];
    let holder_id = node["conciergeId"]
        .as_str()
        .unwrap_or_else(|| panic!("not assigned: {body}"));
    for email in CONCIERGES {
        let token = app.login_demo(email).await;
        if app.my_id(&token).await == holder_id {
            return Held {
                id: node["id"].as_str().unwrap().to_owned(),
                code,
                token: receipt["trackingToken"].as_str().unwrap().to_owned(),
                holder_email: email,
                holder: token,
            };
        }
    }
    panic!("holder {holder_id} is not a demo concierge");
}

async fn deliveries(app: &TestApp, token: Option<&str>, filter: Value) -> Value {
    app.graphql(token, DELIVERIES, json!({ "filter": filter }))
        .await
}

fn nodes(body: &Value) -> Vec<Value> {
    assert_eq!(error_code(body), None, "{body}");
    body["data"]["notificationDeliveries"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

#[tokio::test]
async fn a_family_hears_of_its_inquiry_and_appointments_and_the_concierge_of_the_assignment() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| smtp.configure(limits)).await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let family = "iju.hanako@example.jp";
    let held = held_inquiry(&app, &admin, family).await;

    // The family's receipt: the reference code and the status page, never the token.
    let receipt = &smtp.wait_for(family, 1).await[0];
    assert_eq!(
        subject(receipt),
        squeeze(format!(
            "【真鶴町】移住相談を受け付けました（{}）",
            held.code
        ))
    );
    let text = receipt.text();
    assert!(text.contains(&format!("受付番号: {}", held.code)), "{text}");
    assert!(
        text.contains(&format!(
            "https://tsunagu.example.jp/relocation/status?code={}",
            held.code
        )),
        "{text}"
    );
    assert!(!receipt.raw_contains(&held.token), "{text}");

    // The concierge: the assignment with its deadline, without the family's personal data.
    let assigned = &smtp.wait_for(held.holder_email, 1).await[0];
    assert_eq!(
        subject(assigned),
        squeeze(format!("【担当割り当て】移住相談 {}", held.code))
    );
    let text = assigned.text();
    assert!(text.contains("初回連絡の期限: "), "{text}");
    assert!(text.contains("世帯: 大人2人・子ども1人"), "{text}");
    assert!(
        !text.contains("移住 花子") && !text.contains(family),
        "{text}"
    );
    let inbox = app
        .graphql(
            Some(&held.holder),
            "{ myNotifications(first: 10) { nodes { kind title } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        inbox["data"]["myNotifications"]["nodes"][0]["kind"], "relocation.inquiry_assigned",
        "{inbox}"
    );

    // The administrator schedules a visit: the family and the concierge hear of it.
    let at = chrono::DateTime::parse_from_rfc3339("2031-03-14T01:30:00Z").unwrap();
    mutate(
        &app,
        Some(&admin),
        "scheduleInquiryAppointment",
        json!({ "inquiryId": held.id, "at": at.to_rfc3339(), "kind": "VISIT", "place": "真鶴町役場 2階" }),
    )
    .await;
    let mails = smtp.wait_for(family, 2).await;
    let visit = mails
        .iter()
        .find(|m| subject(m).contains("現地訪問"))
        .unwrap_or_else(|| panic!("no visit mail"));
    assert_eq!(
        subject(visit),
        squeeze("【真鶴町】現地訪問のご予定: 2031年3月14日（金）10:30")
    );
    let text = visit.text();
    assert!(text.contains("日時: 2031年3月14日（金）10:30"), "{text}");
    assert!(text.contains("場所: 真鶴町役場 2階"), "{text}");
    assert!(!visit.raw_contains(&held.token));
    let mails = smtp.wait_for(held.holder_email, 2).await;
    assert!(
        mails.iter().any(|m| subject(m)
            == squeeze(format!(
                "【予定登録】{} の現地訪問: 2031年3月14日（金）10:30",
                held.code
            ))),
        "{:?}",
        mails.iter().map(subject).collect::<Vec<_>>()
    );

    // The concierge schedules one: only the family hears (the concierge knows).
    mutate(
        &app,
        Some(&held.holder),
        "scheduleInquiryAppointment",
        json!({ "inquiryId": held.id, "at": "2031-04-01T05:00:00Z", "kind": "ONLINE_CONSULTATION" }),
    )
    .await;
    let mails = smtp.wait_for(family, 3).await;
    assert!(
        mails
            .iter()
            .any(|m| subject(m)
                == squeeze("【真鶴町】オンライン相談のご予定: 2031年4月1日（火）14:00")),
        "{:?}",
        mails.iter().map(subject).collect::<Vec<_>>()
    );
    // Every mail so far has been sent; the concierge got no message of their own act.
    let body = deliveries(&app, Some(&admin), json!({ "state": "PENDING" })).await;
    assert_eq!(nodes(&body), Vec::<Value>::new(), "{body}");
    assert_eq!(smtp.mails_to(held.holder_email).len(), 2);
    // Nothing ever carried the token.
    assert!(smtp.mails().iter().all(|m| !m.raw_contains(&held.token)));
}

#[tokio::test]
async fn staff_see_deliveries_of_what_they_serve_with_masked_addresses_and_others_nothing() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| {
        smtp.configure(limits);
        limits.notify.max_attempts = 1;
    })
    .await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    // The mail server refuses everything: with one attempt allowed, emails are given up.
    smtp.refuse_next(100);
    let family = "visible.family@example.jp";
    let held = held_inquiry(&app, &admin, family).await;
    let inquiry = json!({ "inquiryId": held.id });
    // Wait until each delivery is settled (sent or given up).
    let mut settled = Vec::new();
    for _ in 0..400 {
        settled = nodes(&deliveries(&app, Some(&admin), inquiry.clone()).await);
        if settled.len() == 3 && settled.iter().all(|d| d["state"] != "PENDING") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut kinds: Vec<(String, String)> = settled
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_owned(),
                d["channel"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            ("relocation.inquiry_assigned".into(), "EMAIL".into()),
            ("relocation.inquiry_assigned".into(), "INBOX".into()),
            ("relocation.inquiry_received".into(), "EMAIL".into()),
        ],
        "{settled:?}"
    );
    let to_family = settled
        .iter()
        .find(|d| d["kind"] == "relocation.inquiry_received")
        .unwrap();
    assert_eq!(to_family["recipient"], "vi***@example.jp");
    assert_eq!(to_family["toGuest"], true);
    for delivery in &settled {
        if delivery["channel"] == "EMAIL" {
            assert_eq!(delivery["state"], "GIVEN_UP", "{settled:?}");
            assert_eq!(delivery["attempts"], 1);
            assert!(
                delivery["lastError"].as_str().unwrap().contains("451"),
                "{settled:?}"
            );
            assert!(delivery["sentAt"].is_null() && delivery["nextAttemptAt"].is_null());
        } else {
            assert_eq!(delivery["state"], "SENT", "{settled:?}");
            assert!(delivery["sentAt"].is_string() && delivery["lastError"].is_null());
        }
    }
    // (Raising the concierges' capacity also assigned inquiries waiting in the demo data.)
    let filtered = nodes(&deliveries(&app, Some(&admin), json!({ "state": "GIVEN_UP" })).await);
    assert!(
        filtered.iter().all(|d| d["state"] == "GIVEN_UP"),
        "{filtered:?}"
    );
    let ours = filtered
        .iter()
        .filter(|d| d["title"].as_str().unwrap().contains(&held.code))
        .count();
    assert_eq!(ours, 2, "{filtered:?}");
    let sent = nodes(
        &deliveries(
            &app,
            Some(&admin),
            json!({ "state": "SENT", "channel": "EMAIL" }),
        )
        .await,
    );
    assert_eq!(sent, Vec::<Value>::new());
    let filtered = nodes(&deliveries(&app, Some(&admin), json!({ "inquiryId": held.id, "channel": "INBOX", "kind": "relocation.inquiry_assigned" })).await);
    assert_eq!(filtered.len(), 1, "{filtered:?}");

    // The holder sees the same three, without the family's address in full.
    let body = deliveries(&app, Some(&held.holder), json!({})).await;
    let seen = nodes(&body);
    let about = |d: &&Value| d["title"].as_str().unwrap().contains(&held.code);
    assert_eq!(seen.iter().filter(about).count(), 3, "{body}");
    assert!(
        seen.iter()
            .all(|d| d["kind"].as_str().unwrap().starts_with("relocation.")),
        "{body}"
    );
    assert!(!body.to_string().contains(family), "{body}");
    // A colleague sees none of them, and asking for the inquiry is NOT_FOUND.
    let holder_email = held.holder_email;
    let colleague_email = CONCIERGES.iter().find(|e| **e != holder_email).unwrap();
    let colleague = app.login_demo(colleague_email).await;
    let body = deliveries(&app, Some(&colleague), json!({})).await;
    assert!(
        nodes(&body)
            .iter()
            .all(|d| !d["title"].as_str().unwrap().contains(&held.code)),
        "{body}"
    );
    let body = deliveries(&app, Some(&colleague), inquiry.clone()).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");

    // Another municipality's administrator: nothing of Manazuru's.
    let maebashi = app.login_demo("maebashi-admin@example.jp").await;
    let body = deliveries(&app, Some(&maebashi), json!({})).await;
    assert!(
        nodes(&body)
            .iter()
            .all(|d| !d["kind"].as_str().unwrap().starts_with("relocation.")),
        "{body}"
    );
    let body = deliveries(&app, Some(&maebashi), inquiry.clone()).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");

    // The platform administrator sees them all.
    let platform = app.login_demo("platform-admin@example.jp").await;
    assert_eq!(
        nodes(&deliveries(&app, Some(&platform), inquiry.clone()).await).len(),
        3
    );

    // Residents, partners and anonymous callers get nothing.
    for (token, code) in [
        (
            Some(app.login_demo("manazuru-resident@example.jp").await),
            "FORBIDDEN",
        ),
        (
            Some(app.login_demo("manazuru-partner@example.jp").await),
            "FORBIDDEN",
        ),
        (None, "UNAUTHENTICATED"),
    ] {
        let body = deliveries(&app, token.as_deref(), json!({})).await;
        assert_eq!(error_code(&body), Some(code), "{body}");
        assert!(body["data"].is_null(), "{body}");
    }
}

#[tokio::test]
async fn a_guardian_hears_of_a_childcare_booking_and_of_days_the_facility_cancels() {
    use crate::childcare::{child, today, town_with};
    let smtp = SmtpServer::start().await;
    let t = town_with(|limits| smtp.configure(limits)).await;
    let resource = t.childcare(json!({ "monthlyLimitHours": 200 })).await;
    let dates: Vec<chrono::NaiveDate> = (3..=4)
        .map(|d| today() + chrono::Duration::days(d))
        .collect();
    let slots = t.slots(&resource, &dates, 3).await;
    let body = t
        .book(
            t.resident,
            &[&slots[0], &slots[1]],
            json!([child("小倉 ゆい", 30)]),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    let bookings = body["data"]["bookTemporaryChildcare"]["bookings"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone();
    assert_eq!(bookings.len(), 2, "{body}");
    let guardian = "kitakyushu-resident@example.jp";
    let day = |date: &chrono::NaiveDate| {
        const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
        use chrono::Datelike;
        format!(
            "{}（{}）",
            date.format("%Y年%-m月%-d日"),
            WEEKDAYS[date.weekday().num_days_from_monday() as usize]
        )
    };
    // One message for both days.
    let booked = &smtp.wait_for(guardian, 1).await[0];
    assert_eq!(
        subject(booked),
        squeeze("【予約完了】一時預かり: 小倉 一時保育室")
    );
    let text = booked.text();
    for date in &dates {
        assert!(
            text.contains(&format!("・{}09:00〜16:00", day(date))),
            "{text}"
        );
    }
    assert!(text.contains("お子さま: 1人"), "{text}");
    assert!(text.contains("開始24時間前まで"), "{text}");

    // The facility cancels the second day: the guardian hears which day and why.
    let body = t
        .call(
            Some(t.staff),
            "cancelChildcareBooking",
            json!({ "id": bookings[1]["id"] }),
            "bookings { id status }",
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    let mails = smtp.wait_for(guardian, 2).await;
    let cancelled = mails
        .iter()
        .find(|m| subject(m) == squeeze("【予約取消】一時預かり: 小倉 一時保育室"))
        .unwrap_or_else(|| panic!("no cancellation"));
    let text = cancelled.text();
    assert!(text.starts_with("施設の都合により"), "{text}");
    assert!(text.contains(&day(&dates[1])), "{text}");
    assert!(!text.contains(&day(&dates[0])), "{text}");
    let inbox = t
        .app
        .graphql(
            Some(t.resident),
            "{ myNotifications(first: 10) { nodes { kind } } }",
            json!({}),
        )
        .await;
    let kinds: Vec<&str> = inbox["data"]["myNotifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"childcare.booking_confirmed"), "{inbox}");
    assert!(kinds.contains(&"childcare.booking_cancelled"), "{inbox}");
}

#[tokio::test]
async fn a_guardian_hears_of_a_vaccination_booking_and_of_a_cancellation_by_the_clinic_only() {
    use crate::health_visits::{CLINIC, GUARDIAN, book, register_child, slot, today};
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| smtp.configure(limits)).await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let child = register_child(
        &app,
        &guardian,
        "北九 通知",
        "きたきゅう つうち",
        today() - chrono::Duration::days(63),
    )
    .await;
    let (first, _) = slot(&app, &clinic, 2, 2).await;
    let booked = book(&app, &guardian, &child, &first, &["HEPB", "PCV15"], None).await;
    assert_eq!(booked["userErrors"], json!([]), "{booked}");
    let booking = booked["booking"]["id"].as_str().unwrap().to_owned();
    let day = today() + chrono::Duration::days(2);
    let mail = &smtp.wait_for(GUARDIAN, 1).await[0];
    let title = subject(mail);
    assert!(
        title.starts_with(&format!(
            "【予約完了】予防接種{}",
            day.format("%Y年%-m月%-d日")
        )),
        "{title}"
    );
    assert!(
        title.ends_with("14:00（北九州こども医院）") || title.contains("14:00（"),
        "{title}"
    );
    let text = mail.text();
    assert!(text.contains("お子さま: 北九 通知 さん"), "{text}");
    assert!(text.contains("14:00 〜 15:00"), "{text}");
    assert!(text.contains("ワクチン: "), "{text}");

    // The clinic cancels: the guardian hears why.
    let cancel = "mutation($id: ID!, $reason: String) { cancelVaccinationBooking(input: { bookingId: $id, reason: $reason }) { booking { status } userErrors { code } } }";
    let body = app
        .graphql(
            Some(&clinic),
            cancel,
            json!({ "id": booking, "reason": "医師の急病のため" }),
        )
        .await;
    assert_eq!(
        body["data"]["cancelVaccinationBooking"]["booking"]["status"], "CANCELLED",
        "{body}"
    );
    let mails = smtp.wait_for(GUARDIAN, 2).await;
    let cancelled = mails
        .iter()
        .find(|m| subject(m).starts_with("【予約取消】予防接種"))
        .unwrap_or_else(|| panic!("no cancellation"));
    let text = cancelled.text();
    assert!(text.contains("取消の理由: 医師の急病のため"), "{text}");
    assert!(text.contains("お子さま: 北九 通知 さん"), "{text}");

    // The guardian cancels their own booking: only the confirmation of the booking comes.
    let (second, _) = slot(&app, &clinic, 3, 2).await;
    let booked = book(&app, &guardian, &child, &second, &["HEPB"], None).await;
    let again = booked["booking"]["id"].as_str().unwrap().to_owned();
    smtp.wait_for(GUARDIAN, 3).await;
    let body = app
        .graphql(Some(&guardian), cancel, json!({ "id": again }))
        .await;
    assert_eq!(
        body["data"]["cancelVaccinationBooking"]["booking"]["status"], "CANCELLED",
        "{body}"
    );
    let inbox = app
        .graphql(
            Some(&guardian),
            "{ myNotifications(first: 10) { nodes { kind } } }",
            json!({}),
        )
        .await;
    let kinds: Vec<&str> = inbox["data"]["myNotifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "health.booking_cancelled")
            .count(),
        1,
        "{inbox}"
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "health.booking_confirmed")
            .count(),
        2,
        "{inbox}"
    );
}

#[tokio::test]
async fn a_project_is_announced_to_the_towns_admins_and_its_review_and_comments_to_the_partner() {
    use crate::partnership::town_with;
    let smtp = SmtpServer::start().await;
    let t = town_with(|limits| smtp.configure(limits)).await;
    let admin_email = "manazuru-admin@example.jp";
    let partner_email = "manazuru-partner@example.jp";
    let issue = t.issue("駅前の駐輪場が足りない").await;
    let project = t.proposal(t.partner, &[&issue], "駐輪場シェアリング").await;
    // A draft tells nobody; submitting it asks the town's administrators to review it.
    assert!(smtp.mails_to(admin_email).is_empty());
    t.ok(
        t.partner,
        "submitPartnerProject",
        json!({ "id": project }),
        "project { id }",
    )
    .await;
    let mail = &smtp.wait_for(admin_email, 1).await[0];
    assert_eq!(subject(mail), squeeze("【審査依頼】駐輪場シェアリング"));
    assert!(mail.text().contains("概要: "), "{}", mail.text());

    t.ok(
        t.admin,
        "approvePartnerProject",
        json!({ "id": project, "comment": "地域説明会の開催を条件に承認します。" }),
        "project { id }",
    )
    .await;
    let mails = smtp.wait_for(partner_email, 1).await;
    assert_eq!(subject(&mails[0]), squeeze("【承認】駐輪場シェアリング"));
    let text = mails[0].text();
    assert!(
        text.contains("地域説明会の開催を条件に承認します。"),
        "{text}"
    );

    // A resident comments on the issue the partner now works on: the partner hears of it.
    let body = t
        .app
        .graphql(
            Some(t.resident),
            "mutation($input: AddIssueCommentInput!) { addIssueComment(input: $input) { comment { id } userErrors { code } } }",
            json!({ "input": { "issueId": issue, "body": "朝の時間帯が特に足りません。" } }),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    assert!(
        body["data"]["addIssueComment"]["comment"]["id"].is_string(),
        "{body}"
    );
    let mails = smtp.wait_for(partner_email, 2).await;
    let comment = mails
        .iter()
        .find(|m| subject(m) == squeeze("【新しいコメント】駅前の駐輪場が足りない"))
        .unwrap_or_else(|| panic!("no comment mail"));
    assert!(comment.text().contains("朝の時間帯が特に足りません。"));
    // The resident deletes the comment: the partner's inbox no longer quotes it.
    let comment_id = body["data"]["addIssueComment"]["comment"]["id"].clone();
    t.ok(
        t.resident,
        "deleteComment",
        json!({ "commentId": comment_id }),
        "deletedCommentId",
    )
    .await;
    let inbox = t
        .app
        .graphql(
            Some(t.partner),
            "{ myNotifications(first: 20) { nodes { kind body } } }",
            json!({}),
        )
        .await;
    let quoted: Vec<&str> = inbox["data"]["myNotifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "partnership.issue_commented")
        .filter_map(|n| n["body"].as_str())
        .collect();
    assert_eq!(
        quoted,
        ["（投稿者が削除したため、本文を削除しました）"],
        "{inbox}"
    );

    // Completed, then returned with a reason, completed again and verified.
    let complete = json!({ "id": project, "outcomeReport": "駐輪場を20台分増やしました。" });
    t.ok(
        t.partner,
        "completePartnerProject",
        complete.clone(),
        "project { id }",
    )
    .await;
    t.ok(
        t.admin,
        "returnPartnerProject",
        json!({ "id": project, "reason": "利用状況の数字を添えてください。" }),
        "project { id }",
    )
    .await;
    let mails = smtp.wait_for(partner_email, 3).await;
    let returned = mails
        .iter()
        .find(|m| subject(m) == squeeze("【差し戻し】駐輪場シェアリング"))
        .unwrap_or_else(|| panic!("no return mail"));
    assert!(returned.text().contains("利用状況の数字を添えてください。"));
    t.ok(
        t.partner,
        "completePartnerProject",
        complete,
        "project { id }",
    )
    .await;
    t.ok(
        t.admin,
        "verifyPartnerProject",
        json!({ "id": project }),
        "project { id }",
    )
    .await;
    let mails = smtp.wait_for(partner_email, 4).await;
    assert!(
        mails
            .iter()
            .any(|m| subject(m) == squeeze("【成果確認】駐輪場シェアリング")),
        "{:?}",
        mails.iter().map(subject).collect::<Vec<_>>()
    );
    // The partner's own steps tell the partner nothing; the admins heard only of the
    // submission.
    assert_eq!(smtp.mails_to(partner_email).len(), 4);
    assert_eq!(smtp.mails_to(admin_email).len(), 1);
}

#[tokio::test]
async fn a_rejected_proposal_tells_the_partner_why() {
    use crate::partnership::town_with;
    let smtp = SmtpServer::start().await;
    let t = town_with(|limits| smtp.configure(limits)).await;
    let issue = t.issue("夜道が暗い").await;
    let project = t.proposal(t.partner, &[&issue], "街灯の見守り").await;
    t.ok(
        t.partner,
        "submitPartnerProject",
        json!({ "id": project }),
        "project { id }",
    )
    .await;
    t.ok(
        t.admin,
        "rejectPartnerProject",
        json!({ "id": project, "comment": "予算の見込みが示されていません。" }),
        "project { id }",
    )
    .await;
    let mail = &smtp.wait_for("manazuru-partner@example.jp", 1).await[0];
    assert_eq!(subject(mail), squeeze("【不承認】街灯の見守り"));
    assert!(mail.text().contains("予算の見込みが示されていません。"));
}

#[tokio::test]
async fn withdrawing_consent_erases_what_the_inquirys_messages_said_and_where_they_went() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| smtp.configure(limits)).await;
    let admin = app.login_demo("manazuru-admin@example.jp").await;
    let family = "erase.me@example.jp";
    let held = held_inquiry(&app, &admin, family).await;
    mutate(
        &app,
        Some(&admin),
        "scheduleInquiryAppointment",
        json!({ "inquiryId": held.id, "at": "2031-03-14T01:30:00Z", "kind": "VISIT", "place": "山田さんのご実家" }),
    )
    .await;
    smtp.wait_for(family, 2).await;
    let body = app
        .graphql(
            None,
            "mutation($input: WithdrawRelocationConsentInput!) { withdrawRelocationConsent(input: $input) { status { stage } userErrors { code } } }",
            json!({ "input": { "referenceCode": held.code, "trackingToken": held.token } }),
        )
        .await;
    assert_eq!(
        body["data"]["withdrawRelocationConsent"]["status"]["stage"], "CLOSED",
        "{body}"
    );
    // The family's deliveries no longer know the address.
    let seen = nodes(&deliveries(&app, Some(&admin), json!({ "inquiryId": held.id })).await);
    let to_family: Vec<&Value> = seen.iter().filter(|d| d["toGuest"] == true).collect();
    assert_eq!(to_family.len(), 2, "{seen:?}");
    assert!(
        to_family.iter().all(|d| d["recipient"] == "***"),
        "{seen:?}"
    );
    // The concierge's messages about it keep their subject but not what they said.
    let inbox = app
        .graphql(
            Some(&held.holder),
            "{ myNotifications(first: 20) { nodes { kind title body } } }",
            json!({}),
        )
        .await;
    let about: Vec<&Value> = inbox["data"]["myNotifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["title"].as_str().unwrap().contains(&held.code))
        .collect();
    assert!(!about.is_empty(), "{inbox}");
    for message in about {
        assert!(
            !message["body"]
                .as_str()
                .unwrap()
                .contains("山田さんのご実家"),
            "{message}"
        );
        assert_eq!(
            message["body"],
            "（個人情報の削除に伴い、本文を削除しました）"
        );
    }
}
