//! Reminders written by the clock: each kind reaches the right reader with the facts over a
//! real SMTP conversation (a small SMTP server runs inside each test), once however many
//! passes and servers run, never for what was cancelled or turned off. Time is driven by
//! creating records at the right distance from now; the reminder hour is midnight, so
//! whatever starts today or tomorrow (Japan time) is due, and passes run every 100 ms.

use std::time::Duration as StdDuration;

use chrono::{Datelike, Duration, Months, NaiveDate, Utc};
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, error_code,
    smtp::{Mail, SmtpServer},
    spawn_app_with, user_error_codes,
};

// ---------------------------------------------------------------------------------------
// Helpers

async fn mutate(
    app: &TestApp,
    token: Option<&str>,
    mutation: &str,
    input: Value,
    selection: &str,
) -> Value {
    let mut chars = mutation.chars();
    let first = chars.next().unwrap().to_uppercase();
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

async fn mutate_as(
    app: &TestApp,
    token: Option<&str>,
    mutation: &str,
    input_type: &str,
    input: Value,
    selection: &str,
) -> Value {
    let query = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {selection} userErrors {{ field code message }} }} }}"
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

/// A server that runs no reminder pass while the test sets its records up (its first one
/// would come an hour after start), with its delivery worker sending to `smtp`.
async fn quiet_app(smtp: &SmtpServer) -> TestApp {
    spawn_app_with(|limits| {
        smtp.configure_reminders(limits);
        limits.notify.reminder_poll_ms = 3_600_000;
    })
    .await
}

/// A replica on `app`'s database that runs a reminder pass every 100 ms: the clock
/// reaching the records set up, all at once.
async fn passes_on(app: &TestApp, smtp: &SmtpServer) -> TestApp {
    app.spawn_replica_with(|limits| smtp.configure_reminders(limits))
        .await
}

/// Waits until `app` has run `passes` more reminder passes, so anything they would write
/// twice would have been written (and delivered: the delivery worker polls as often).
async fn after_passes(app: &TestApp, passes: u64) {
    let start = app
        .metric("tsunagu_reminder_passes_total", "outcome=\"ok\"")
        .await;
    for _ in 0..400 {
        if app
            .metric("tsunagu_reminder_passes_total", "outcome=\"ok\"")
            .await
            >= start + passes
        {
            // Give the delivery worker its turn on what the last pass wrote.
            tokio::time::sleep(StdDuration::from_millis(400)).await;
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("the reminder scheduler did not run {passes} passes");
}

fn guest(n: usize) -> Value {
    json!({
        "name": format!("前日 花子{n}"),
        "nameKana": "ぜんじつ はなこ",
        "email": format!("reminder-guest{n}@example.jp"),
        "phone": "090-1234-5678",
    })
}

fn guest_email(n: usize) -> String {
    format!("reminder-guest{n}@example.jp")
}

const PROGRAM: &str = "星空観察ワークショップ";

/// A published program of the museum's staff with a session starting `hours` from now.
async fn session_in(app: &TestApp, staff: &str, hours: i64, capacity: i32) -> String {
    let program = mutate(
        app,
        Some(staff),
        "createProgram",
        json!({
            "kind": "EDUCATION_WORKSHOP",
            "title": PROGRAM,
            "summary": "望遠鏡で星を見ます。",
            "description": "学芸員と夜空を観察します。",
            "categories": ["NATURE"],
            "publish": true,
        }),
        "program { id }",
    )
    .await;
    let start = Utc::now() + Duration::hours(hours);
    let sessions = mutate(
        app,
        Some(staff),
        "createProgramSessions",
        json!({
            "programId": program["program"]["id"],
            "startsAt": start.to_rfc3339(),
            "endsAt": (start + Duration::hours(2)).to_rfc3339(),
            "venue": "真鶴町立遠藤貝類博物館 屋上",
            "capacity": capacity,
            "childcareSlots": 0,
        }),
        "sessions { id }",
    )
    .await;
    sessions["sessions"][0]["id"].as_str().unwrap().to_owned()
}

async fn register(app: &TestApp, token: Option<&str>, input: Value) -> Value {
    mutate(
        app,
        token,
        "registerForSession",
        input,
        "registration { id status checkInCode }",
    )
    .await["registration"]
        .clone()
}

const RESIDENT: &str = "manazuru-resident@example.jp";
const STAFF: &str = "manazuru-staff@example.jp";

// ---------------------------------------------------------------------------------------
// Programs

#[tokio::test]
async fn the_day_before_a_session_each_confirmed_registrant_is_reminded_once_and_a_lapsing_offer_too()
 {
    let smtp = SmtpServer::start().await;
    let app = quiet_app(&smtp).await;
    let staff = app.login_demo(STAFF).await;
    let resident = app.login_demo(RESIDENT).await;
    let soon = session_in(&app, &staff, 5, 2).await;
    let later = session_in(&app, &staff, 24 * 5, 5).await;

    let kept = register(&app, None, json!({ "sessionId": soon, "guest": guest(1) })).await;
    let cancelled = register(&app, Some(&resident), json!({ "sessionId": soon })).await;
    let waiting = register(&app, None, json!({ "sessionId": soon, "guest": guest(2) })).await;
    assert_eq!(waiting["status"], "WAITLISTED");
    register(&app, None, json!({ "sessionId": later, "guest": guest(3) })).await;
    // The resident cancels: the waiting guest is offered the place for two hours.
    mutate_as(
        &app,
        Some(&resident),
        "cancelRegistration",
        "RegistrationRefInput",
        json!({ "id": cancelled["id"] }),
        "registration { status }",
    )
    .await;
    let passes = passes_on(&app, &smtp).await;

    let reminded = smtp
        .wait_for_titled(&guest_email(1), "【明日開催】", 1)
        .await;
    let mail = &reminded[0];
    assert_eq!(mail.subject(), format!("【明日開催】{PROGRAM}"));
    let text = mail.text();
    assert!(text.contains(&format!("講座: {PROGRAM}")), "{text}");
    assert!(text.contains("会場: 真鶴町立遠藤貝類博物館 屋上"), "{text}");
    assert!(
        text.contains(&format!(
            "受付番号: {}",
            kept["checkInCode"].as_str().unwrap()
        )),
        "{text}"
    );
    assert!(text.contains("日時: "), "{text}");
    assert!(
        text.contains("https://tsunagu.example.jp/programs/"),
        "{text}"
    );
    assert!(
        mail.header("List-Unsubscribe").is_some(),
        "a guest may stop reminders"
    );

    let offer = smtp
        .wait_for_titled(&guest_email(2), "【期限間近】", 1)
        .await;
    let text = offer[0].text();
    assert!(text.contains("承諾の期限: "), "{text}");
    assert!(text.contains("「参加する」"), "{text}");
    assert_eq!(
        offer[0].header("List-Unsubscribe"),
        None,
        "a lapsing offer cannot be turned off"
    );

    after_passes(&passes, 5).await;
    assert_eq!(smtp.mails_titled(&guest_email(1), "【明日開催】").len(), 1);
    assert_eq!(smtp.mails_titled(&guest_email(2), "【期限間近】").len(), 1);
    // The offered guest is not confirmed yet: no session reminder; the cancelled resident
    // and the guest of a session in five days hear nothing.
    assert!(
        smtp.mails_titled(&guest_email(2), "【明日開催】")
            .is_empty()
    );
    assert!(smtp.mails_titled(RESIDENT, "【明日開催】").is_empty());
    assert!(
        smtp.mails_titled(&guest_email(3), "【").len() == 1,
        "only the confirmation"
    );
}

#[tokio::test]
async fn after_a_session_those_who_attended_and_have_not_answered_are_asked_once_for_the_survey() {
    let smtp = SmtpServer::start().await;
    let app = quiet_app(&smtp).await;
    let staff = app.login_demo(STAFF).await;
    let resident = app.login_demo(RESIDENT).await;
    let session = session_in(&app, &staff, 24 * 5, 10).await;
    let attended = register(&app, Some(&resident), json!({ "sessionId": session })).await;
    let answering = mutate(
        &app,
        None,
        "registerForSession",
        json!({ "sessionId": session, "guest": guest(31) }),
        "registration { id } manageToken",
    )
    .await;
    let guest_attended = register(
        &app,
        None,
        json!({ "sessionId": session, "guest": guest(32) }),
    )
    .await;
    register(
        &app,
        None,
        json!({ "sessionId": session, "guest": guest(33) }),
    )
    .await;

    // The session took place: it began three hours ago and ended an hour ago.
    let db = Database::connect(&app.database_url).await.unwrap();
    let session_uuid = tsunagu::graphql::ids::decode(&session.clone().into())
        .unwrap()
        .expect("an id of ours")
        .1;
    entity::program_session::Entity::update_many()
        .col_expr(
            entity::program_session::Column::StartsAt,
            Expr::value(Utc::now() - Duration::hours(3)),
        )
        .col_expr(
            entity::program_session::Column::EndsAt,
            Expr::value(Utc::now() - Duration::hours(1)),
        )
        .filter(entity::program_session::Column::Id.eq(session_uuid))
        .exec(&db)
        .await
        .unwrap();
    db.close().await.ok();
    for id in [
        &attended["id"],
        &answering["registration"]["id"],
        &guest_attended["id"],
    ] {
        mutate(
            &app,
            Some(&staff),
            "checkInRegistration",
            json!({ "id": id }),
            "registration { status }",
        )
        .await;
    }
    // One attendee answered already; the fourth party never came.
    mutate(
        &app,
        None,
        "submitProgramSurvey",
        json!({ "registration": { "manageToken": answering["manageToken"] }, "score": 4 }),
        "survey { score }",
    )
    .await;
    let passes = passes_on(&app, &smtp).await;

    let title = format!("【アンケートのお願い】{PROGRAM}");
    let asked = smtp.wait_for_titled(RESIDENT, &title, 1).await;
    let text = asked[0].text();
    assert!(
        text.contains("先日は講座にご参加いただきありがとうございました。"),
        "{text}"
    );
    assert!(text.contains("満足度アンケート"), "{text}");
    assert!(text.contains(&format!("講座: {PROGRAM}")), "{text}");
    assert!(text.contains("会場: 真鶴町立遠藤貝類博物館 屋上"), "{text}");
    let registration_uuid =
        tsunagu::graphql::ids::decode(&attended["id"].as_str().unwrap().to_owned().into())
            .unwrap()
            .expect("an id of ours")
            .1;
    assert!(
        text.contains(&format!(
            "https://tsunagu.example.jp/mypage/registrations/{registration_uuid}/survey"
        )),
        "{text}"
    );
    let guest_asked = smtp.wait_for_titled(&guest_email(32), &title, 1).await;
    let text = guest_asked[0].text();
    assert!(
        text.contains("お申込み完了時にお知らせした申込み管理用のリンクからご回答ください。"),
        "{text}"
    );
    assert!(
        guest_asked[0].header("List-Unsubscribe").is_some(),
        "a guest may stop survey requests"
    );

    after_passes(&passes, 5).await;
    assert_eq!(smtp.mails_titled(RESIDENT, &title).len(), 1);
    assert_eq!(smtp.mails_titled(&guest_email(32), &title).len(), 1);
    assert!(
        smtp.mails_titled(&guest_email(31), &title).is_empty(),
        "already answered"
    );
    assert!(
        smtp.mails_titled(&guest_email(33), &title).is_empty(),
        "did not attend"
    );
}

#[tokio::test]
async fn two_servers_running_passes_write_each_reminder_once() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| smtp.configure_reminders(limits)).await;
    let replica = app
        .spawn_replica_with(|limits| smtp.configure_reminders(limits))
        .await;
    let staff = app.login_demo(STAFF).await;
    let soon = session_in(&app, &staff, 3, 10).await;
    for n in 10..15 {
        register(
            &replica,
            None,
            json!({ "sessionId": soon, "guest": guest(n) }),
        )
        .await;
    }
    for n in 10..15 {
        smtp.wait_for_titled(&guest_email(n), "【明日開催】", 1)
            .await;
    }
    after_passes(&app, 5).await;
    after_passes(&replica, 5).await;
    for n in 10..15 {
        assert_eq!(
            smtp.mails_titled(&guest_email(n), "【明日開催】").len(),
            1,
            "guest {n}"
        );
    }
}

#[tokio::test]
async fn a_reminder_turned_off_is_not_written_and_a_guest_who_opted_out_gets_none() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| smtp.configure_reminders(limits)).await;
    let staff = app.login_demo(STAFF).await;
    let resident = app.login_demo(RESIDENT).await;
    for channel in ["EMAIL", "INBOX"] {
        mutate(
            &app,
            Some(&resident),
            "setNotificationPreference",
            json!({ "kind": "programs.session_reminder", "channel": channel, "enabled": false }),
            "preference { kind }",
        )
        .await;
    }
    let soon = session_in(&app, &staff, 4, 10).await;
    register(&app, Some(&resident), json!({ "sessionId": soon })).await;
    register(&app, None, json!({ "sessionId": soon, "guest": guest(20) })).await;
    smtp.wait_for_titled(&guest_email(20), "【明日開催】", 1)
        .await;
    after_passes(&app, 3).await;
    assert!(smtp.mails_titled(RESIDENT, "【明日開催】").is_empty());
    let inbox = app
        .graphql(
            Some(&resident),
            "{ myNotifications(first: 50) { nodes { kind } } }",
            json!({}),
        )
        .await;
    let kinds: Vec<&str> = inbox["data"]["myNotifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"programs.registration_confirmed"),
        "{inbox}"
    );
    assert!(!kinds.contains(&"programs.session_reminder"), "{inbox}");
}

// ---------------------------------------------------------------------------------------
// Health

const GUARDIAN: &str = "kitakyushu-resident@example.jp";
const CLINIC: &str = "kitakyushu-clinic@example.jp";

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
}

async fn register_child(app: &TestApp, token: &str, name: &str, birth: NaiveDate) -> String {
    let payload = mutate(
        app,
        Some(token),
        "registerHealthChild",
        json!({ "name": name, "nameKana": "きたきゅう こども", "birthDate": birth.to_string(), "sex": "FEMALE" }),
        "child { id }",
    )
    .await;
    payload["child"]["id"].as_str().unwrap().to_owned()
}

/// A slot of the clinic at 14:00–15:00 JST `days` from today.
async fn slot(app: &TestApp, clinic: &str, days: i64) -> String {
    let day = today() + Duration::days(days);
    let payload = mutate(
        app,
        Some(clinic),
        "createVaccinationSlots",
        json!({ "slots": [{ "startsAt": format!("{day}T05:00:00Z"), "endsAt": format!("{day}T06:00:00Z"), "capacity": 5 }] }),
        "slots { id }",
    )
    .await;
    payload["slots"][0]["id"].as_str().unwrap().to_owned()
}

async fn book(app: &TestApp, token: &str, child: &str, slot: &str) -> String {
    let payload = mutate(
        app,
        Some(token),
        "bookVaccination",
        json!({ "childId": child, "slotId": slot, "productCodes": ["HEPB"] }),
        "booking { id }",
    )
    .await;
    payload["booking"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_vaccination_booking_tomorrow_is_reminded_once_and_a_cancelled_one_never() {
    let smtp = SmtpServer::start().await;
    let app = quiet_app(&smtp).await;
    let guardian = app.login_demo(GUARDIAN).await;
    let clinic = app.login_demo(CLINIC).await;
    let birth = today() - Duration::days(70);
    let kept = register_child(&app, &guardian, "前日 ひかり", birth).await;
    let dropped = register_child(&app, &guardian, "前日 つばさ", birth).await;
    let tomorrow = slot(&app, &clinic, 1).await;
    let far = slot(&app, &clinic, 6).await;
    book(&app, &guardian, &kept, &tomorrow).await;
    let cancelled = book(&app, &guardian, &dropped, &tomorrow).await;
    book(&app, &guardian, &dropped, &far).await;
    let body = app
        .graphql(
            Some(&guardian),
            "mutation($id: ID!) { cancelVaccinationBooking(input: { bookingId: $id, reason: \"都合により\" }) { booking { status } userErrors { code } } }",
            json!({ "id": cancelled }),
        )
        .await;
    assert_eq!(
        body["data"]["cancelVaccinationBooking"]["booking"]["status"], "CANCELLED",
        "{body}"
    );
    let passes = passes_on(&app, &smtp).await;

    let mails = smtp
        .wait_for_titled(GUARDIAN, "【明日のご予約】前日 ひかり", 1)
        .await;
    let text = mails[0].text();
    assert!(text.contains("お子さま: 前日 ひかりさん"), "{text}");
    assert!(text.contains("医療機関: "), "{text}");
    assert!(text.contains("日時: "), "{text}");
    assert!(text.contains("14:00 〜 15:00"), "{text}");
    assert!(text.contains("予定のワクチン: "), "{text}");
    assert!(text.contains("母子健康手帳"), "{text}");
    assert!(
        text.contains("https://tsunagu.example.jp/mypage/health/bookings/"),
        "{text}"
    );
    after_passes(&passes, 5).await;
    assert_eq!(
        smtp.mails_titled(GUARDIAN, "【明日のご予約】前日 ひかり")
            .len(),
        1
    );
    assert!(
        smtp.mails_titled(GUARDIAN, "【明日のご予約】前日 つばさ")
            .is_empty()
    );
}

#[tokio::test]
async fn a_guardian_hears_once_of_each_dose_that_becomes_due_next_month() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| smtp.configure_reminders(limits)).await;
    let guardian = app.login_demo(GUARDIAN).await;
    // Two months old on the 15th of next month: the doses from 生後2月 become due then.
    let next_month = today()
        .with_day(15)
        .unwrap()
        .checked_add_months(Months::new(1))
        .unwrap();
    let birth = next_month.checked_sub_months(Months::new(2)).unwrap();
    register_child(&app, &guardian, "来月 みらい", birth).await;

    let prefix = "【来月の予防接種】来月 みらいさんの";
    let mails = smtp.wait_for_titled(GUARDIAN, prefix, 1).await;
    let subjects: Vec<String> = mails.iter().map(Mail::subject).collect();
    assert!(
        subjects.iter().any(|s| s.contains("5種混合")),
        "{subjects:?}"
    );
    let text = mails[0].text();
    assert!(text.contains("お子さま: 来月 みらいさん"), "{text}");
    assert!(
        text.contains(&format!(
            "受けられる日: {}年{}月",
            next_month.year(),
            next_month.month()
        )),
        "{text}"
    );
    assert!(
        text.contains("https://tsunagu.example.jp/mypage/health/children/"),
        "{text}"
    );
    after_passes(&app, 5).await;
    let again: Vec<String> = smtp
        .mails_titled(GUARDIAN, prefix)
        .iter()
        .map(Mail::subject)
        .collect();
    assert_eq!(again.len(), subjects.len(), "{again:?}");
    let mut unique = again.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), again.len(), "one message per dose: {again:?}");
}

// ---------------------------------------------------------------------------------------
// Childcare

#[tokio::test]
async fn a_childcare_booking_tomorrow_is_reminded_once_and_a_cancelled_one_never() {
    let smtp = SmtpServer::start().await;
    let app = quiet_app(&smtp).await;
    let staff = app.login_demo("kitakyushu-staff@example.jp").await;
    let guardian = app.login_demo(GUARDIAN).await;
    let resource = mutate(
        &app,
        Some(&staff),
        "createChildcareResource",
        json!({
            "kind": "TEMPORARY_CHILDCARE",
            "name": "小倉 一時保育室",
            "nameKana": "こくら いちじほいくしつ",
            "description": "一時保育をお受けします。",
            "address": { "postalCode": "803-8501", "prefectureCode": 40, "city": "北九州市", "street": "小倉北区城内1番1号" },
            "residentsOnly": true,
            "publish": true,
        }),
        "resource { id }",
    )
    .await["resource"]["id"]
        .clone();
    mutate(
        &app,
        Some(&staff),
        "setChildcareBookingRules",
        json!({
            "resourceId": resource,
            "opensDaysBefore": 14,
            "monthlyLimitHours": 40,
            "minAgeMonths": 6,
            "maxAgeMonths": 72,
            "cancelDeadlineHours": 1,
            "noShowLimit": 2,
            "noShowWindowDays": 30,
            "restrictionDays": 30,
        }),
        "rules { opensDaysBefore }",
    )
    .await;
    let tomorrow = today() + Duration::days(1);
    let mut slots = Vec::new();
    for (from, to) in [("09:00", "12:00"), ("13:00", "16:00")] {
        let payload = mutate(
            &app,
            Some(&staff),
            "createChildcareSlots",
            json!({ "resourceId": resource, "from": tomorrow.to_string(), "startTime": from, "endTime": to, "capacity": 3 }),
            "slots { id }",
        )
        .await;
        slots.push(payload["slots"][0]["id"].clone());
    }
    let toddler = json!([{ "name": "小倉 はる", "nameKana": "こくら はる", "birthDate": (today() - Duration::days(24 * 31)).to_string() }]);
    let mut bookings = Vec::new();
    for slot in &slots {
        let payload = mutate(
            &app,
            Some(&guardian),
            "bookTemporaryChildcare",
            json!({ "slotIds": [slot], "children": toddler }),
            "bookings { id }",
        )
        .await;
        bookings.push(payload["bookings"][0]["id"].clone());
    }
    mutate(
        &app,
        Some(&guardian),
        "cancelChildcareBooking",
        json!({ "id": bookings[1], "cancelWholeGroup": false }),
        "bookings { status }",
    )
    .await;
    let passes = passes_on(&app, &smtp).await;

    let prefix = "【明日のご予約】小倉 一時保育室";
    let mails = smtp.wait_for_titled(GUARDIAN, prefix, 1).await;
    let text = mails[0].text();
    assert!(text.contains("施設: 小倉 一時保育室"), "{text}");
    assert!(text.contains("09:00 〜 12:00"), "{text}");
    assert!(
        text.contains("場所: 〒803-8501 北九州市小倉北区城内1番1号"),
        "{text}"
    );
    assert!(text.contains("お子さま: 1人"), "{text}");
    assert!(
        text.contains("https://tsunagu.example.jp/mypage/childcare/bookings/"),
        "{text}"
    );
    after_passes(&passes, 5).await;
    let all = smtp.mails_titled(GUARDIAN, prefix);
    assert_eq!(all.len(), 1, "the cancelled afternoon is not reminded");
}

// ---------------------------------------------------------------------------------------
// Relocation

const MANAZURU_ADMIN: &str = "manazuru-admin@example.jp";
const FAMILY: &str = "reminder-family@example.jp";

#[tokio::test]
async fn relocation_reminds_the_family_of_tomorrows_appointment_the_concierge_of_todays_task_and_both_of_a_deadline()
 {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|limits| smtp.configure_reminders(limits)).await;
    let admin = app.login_demo(MANAZURU_ADMIN).await;
    let manazuru = app.municipality_id("14384").await;
    let profiles = app
        .graphql(
            Some(&admin),
            "{ conciergeProfiles { userId activeInquiries } }",
            json!({}),
        )
        .await;
    for profile in profiles["data"]["conciergeProfiles"].as_array().unwrap() {
        let load = profile["activeInquiries"].as_i64().unwrap();
        mutate(
            &app,
            Some(&admin),
            "saveConciergeProfile",
            json!({ "userId": profile["userId"], "capacity": load + 1, "available": true, "languages": ["ja"] }),
            "profile { capacity }",
        )
        .await;
    }
    let receipt = mutate(
        &app,
        None,
        "submitRelocationInquiry",
        json!({
            "municipalityId": manazuru,
            "name": "移住 花子",
            "nameKana": "イジュウ ハナコ",
            "email": FAMILY,
            "adults": 2,
            "interests": ["HOUSING"],
            "preferredChannel": "EMAIL",
            "consentToPrivacyNotice": true
        }),
        "receipt { referenceCode }",
    )
    .await;
    let code = receipt["receipt"]["referenceCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let found = app
        .graphql(
            Some(&admin),
            "query($q: String!) { relocationInquiries(filter: { search: $q }) { nodes { id conciergeId } } }",
            json!({ "q": code }),
        )
        .await;
    let node = &found["data"]["relocationInquiries"]["nodes"][0];
    let id = node["id"].as_str().unwrap().to_owned();
    let holder_id = node["conciergeId"].as_str().unwrap().to_owned();
    let mut holder = None;
    for email in [
        "manazuru-concierge@example.jp",
        "manazuru-concierge2@example.jp",
        "manazuru-concierge3@example.jp",
    ] {
        let token = app.login_demo(email).await;
        if app.my_id(&token).await == holder_id {
            holder = Some((email, token));
        }
    }
    let (holder_email, concierge) = holder.expect("a demo concierge holds the inquiry");

    let at = Utc::now() + Duration::hours(5);
    mutate(
        &app,
        Some(&concierge),
        "scheduleInquiryAppointment",
        json!({ "inquiryId": id, "at": at.to_rfc3339(), "kind": "VISIT", "place": "真鶴町役場 企画調整課" }),
        "inquiry { id }",
    )
    .await;
    mutate(
        &app,
        Some(&concierge),
        "createInquiryTask",
        json!({ "inquiryId": id, "title": "空き家バンクの資料を送る", "dueOn": today().to_string() }),
        "task { id }",
    )
    .await;
    // The first-response deadline comes within the hour, as the clock would bring it.
    let db = Database::connect(&app.database_url).await.unwrap();
    entity::relocation_inquiry::Entity::update_many()
        .col_expr(
            entity::relocation_inquiry::Column::FirstResponseDueAt,
            Expr::value(Utc::now() + Duration::minutes(30)),
        )
        .filter(entity::relocation_inquiry::Column::ReferenceCode.eq(code.clone()))
        .exec(&db)
        .await
        .unwrap();
    db.close().await.ok();

    let family = smtp.wait_for_titled(FAMILY, "【明日のご予定】", 1).await;
    let text = family[0].text();
    assert!(text.contains("内容: 現地訪問"), "{text}");
    assert!(text.contains("場所: 真鶴町役場 企画調整課"), "{text}");
    assert!(text.contains(&format!("受付番号: {code}")), "{text}");
    let task = smtp.wait_for_titled(holder_email, "【本日期日】", 1).await;
    let text = task[0].text();
    assert!(text.contains("タスク: 空き家バンクの資料を送る"), "{text}");
    assert!(
        !text.contains("移住 花子"),
        "staff mail carries no personal data: {text}"
    );
    let deadline = format!("【初回対応の期限間近】{code}");
    smtp.wait_for_titled(holder_email, &deadline, 1).await;
    smtp.wait_for_titled(MANAZURU_ADMIN, &deadline, 1).await;

    after_passes(&app, 5).await;
    assert_eq!(smtp.mails_titled(FAMILY, "【明日のご予定】").len(), 1);
    assert_eq!(smtp.mails_titled(holder_email, "【本日期日】").len(), 1);
    assert_eq!(smtp.mails_titled(holder_email, &deadline).len(), 1);
    assert_eq!(smtp.mails_titled(MANAZURU_ADMIN, &deadline).len(), 1);
}
