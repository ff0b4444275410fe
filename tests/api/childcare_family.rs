//! Childcare daily tools of a family: its registered children (added, corrected, removed,
//! by the guardian only), its booking history, and the demo of waitlists and cancellations.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::childcare::{codes, move_slot, sign_up, today};
use crate::childcare_daily::{CHILD, book, made, town};
use crate::helpers::error_code;

// ---------------------------------------------------------------------------------------
// Children

#[tokio::test]
async fn families_add_correct_and_remove_their_own_children_only() {
    let t = town().await;
    let birth = (today() - Duration::days(700)).to_string();
    let added = t
        .ok(
            Some(t.resident),
            "addChildcareChild",
            json!({ "name": "小倉 ゆい", "nameKana": "こくら ゆい", "birthDate": birth, "notes": "卵アレルギー" }),
            &format!("child {{ {CHILD} }}"),
        )
        .await;
    let id = added["child"]["id"].as_str().unwrap().to_owned();
    assert_eq!(added["child"]["nameKana"], json!("コクラ ユイ"));
    assert_eq!(added["child"]["notes"], json!("卵アレルギー"));
    // The same child twice, a birth in the future, a reading not in kana.
    assert_eq!(
        t.refused(
            Some(t.resident),
            "addChildcareChild",
            json!({ "name": "小倉ゆい", "nameKana": "コクラユイ", "birthDate": birth })
        )
        .await,
        ["TAKEN"]
    );
    assert_eq!(
        t.refused(
            Some(t.resident),
            "addChildcareChild",
            json!({ "name": "未来 こ", "nameKana": "ミライ", "birthDate": (today() + Duration::days(3)).to_string() })
        )
        .await,
        ["INVALID"]
    );
    assert_eq!(
        t.refused(
            Some(t.resident),
            "addChildcareChild",
            json!({ "name": "x", "nameKana": "abc", "birthDate": birth })
        )
        .await,
        ["INVALID"]
    );
    assert_eq!(
        t.denied(
            Some(t.staff),
            "addChildcareChild",
            json!({ "name": "職員 こ", "nameKana": "ショクイン", "birthDate": birth })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(
            None,
            "addChildcareChild",
            json!({ "name": "誰 こ", "nameKana": "ダレ", "birthDate": birth })
        )
        .await,
        "UNAUTHENTICATED"
    );

    let corrected = t
        .ok(
            Some(t.resident),
            "updateChildcareChild",
            json!({ "id": id, "name": "小倉 結衣", "notes": null }),
            &format!("child {{ {CHILD} }}"),
        )
        .await;
    assert_eq!(corrected["child"]["name"], json!("小倉 結衣"));
    assert_eq!(corrected["child"]["nameKana"], json!("コクラ ユイ"));
    assert_eq!(corrected["child"]["notes"], Value::Null);
    // Another resident, of this town or another, does not find the child.
    let other = sign_up(&t.app, 1).await;
    for token in [other, t.maebashi_resident] {
        for (mutation, input) in [
            ("updateChildcareChild", json!({ "id": id, "name": "他人" })),
            ("removeChildcareChild", json!({ "id": id })),
        ] {
            assert_eq!(t.denied(Some(token), mutation, input).await, "NOT_FOUND");
        }
        let theirs = t
            .query(Some(token), "{ myChildcareChildren { id } }", json!({}))
            .await;
        assert_eq!(theirs["myChildcareChildren"], json!([]));
    }

    // With an upcoming booking the child stays; once cancelled it can go.
    let resource = t.childcare(json!({})).await;
    let slot = t
        .slots(&resource, &[today() + Duration::days(2)], 3)
        .await
        .remove(0);
    let booked = t
        .call(
            Some(t.resident),
            "bookTemporaryChildcare",
            json!({ "slotIds": [slot], "children": [{ "childId": id }] }),
            "bookings { id }",
        )
        .await;
    assert_eq!(
        codes(&booked, "bookTemporaryChildcare"),
        Vec::<String>::new()
    );
    assert_eq!(
        t.refused(
            Some(t.resident),
            "removeChildcareChild",
            json!({ "id": id })
        )
        .await,
        ["INVALID_STATE"]
    );
    t.ok(
        Some(t.resident),
        "cancelChildcareBooking",
        json!({ "id": booked["data"]["bookTemporaryChildcare"]["bookings"][0]["id"] }),
        "bookings { id }",
    )
    .await;
    let removed = t
        .ok(
            Some(t.resident),
            "removeChildcareChild",
            json!({ "id": id }),
            &format!("child {{ {CHILD} }}"),
        )
        .await;
    assert!(removed["child"]["removedAt"].is_string());
    let mine = t
        .query(
            Some(t.resident),
            "{ myChildcareChildren { id } }",
            json!({}),
        )
        .await;
    assert!(
        !mine["myChildcareChildren"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == json!(id)),
        "{mine}"
    );
    // A removed child cannot be booked or changed any more.
    let again = t
        .call(
            Some(t.resident),
            "bookTemporaryChildcare",
            json!({ "slotIds": [slot], "children": [{ "childId": id }] }),
            "bookings { id }",
        )
        .await;
    assert_eq!(codes(&again, "bookTemporaryChildcare"), ["NOT_FOUND"]);
    assert_eq!(
        t.denied(
            Some(t.resident),
            "updateChildcareChild",
            json!({ "id": id, "name": "戻す" })
        )
        .await,
        "NOT_FOUND"
    );
}

// ---------------------------------------------------------------------------------------
// History

#[tokio::test]
async fn the_booking_history_lists_upcoming_soonest_first_and_past_latest_first_with_reasons() {
    let t = town().await;
    let resource = t.childcare(json!({ "monthlyLimitHours": 200 })).await;
    let dates: Vec<_> = (2..=5).map(|d| today() + Duration::days(d)).collect();
    let slots = t.slots(&resource, &dates, 3).await;
    let mut ids = Vec::new();
    for slot in &slots {
        ids.push(made(&book(&t, t.resident, slot, "小倉 ゆい", false).await)["id"].clone());
    }
    // Two days go by: one attended, one a no-show; a third day is cancelled by the facility.
    move_slot(&t.app, &slots[0], Utc::now() - Duration::days(3)).await;
    move_slot(&t.app, &slots[1], Utc::now() - Duration::days(2)).await;
    for (id, attended) in [(&ids[0], true), (&ids[1], false)] {
        t.ok(
            Some(t.staff),
            "markChildcareAttendance",
            json!({ "id": id, "attended": attended }),
            "booking { id }",
        )
        .await;
    }
    t.ok(
        Some(t.staff),
        "cancelChildcareSlot",
        json!({ "id": slots[3], "reason": "園舎の点検のため" }),
        "slot { id }",
    )
    .await;

    let history = async |token: &str, when: &str| -> Vec<Value> {
        let data = t
            .query(
                Some(token),
                "query($w: ChildcareBookingsWhen) { myChildcareBookings(when: $w, first: 10) { totalCount nodes { id status cancelReason } } }",
                json!({ "w": when }),
            )
            .await;
        data["myChildcareBookings"]["nodes"]
            .as_array()
            .unwrap()
            .clone()
    };
    let past = history(t.resident, "PAST").await;
    assert_eq!(
        past.iter()
            .map(|n| (n["id"].clone(), n["status"].clone()))
            .collect::<Vec<_>>(),
        [
            (ids[1].clone(), json!("NO_SHOW")),
            (ids[0].clone(), json!("ATTENDED"))
        ],
        "latest first"
    );
    let upcoming = history(t.resident, "UPCOMING").await;
    assert_eq!(
        upcoming.iter().map(|n| n["id"].clone()).collect::<Vec<_>>(),
        [ids[2].clone(), ids[3].clone()],
        "soonest first"
    );
    assert_eq!(upcoming[1]["status"], json!("CANCELLED"));
    assert_eq!(upcoming[1]["cancelReason"], json!("園舎の点検のため"));
    assert_eq!(history(t.resident, "ALL").await.len(), 4);
    // Paging the past keeps its order.
    let data = t
        .query(
            Some(t.resident),
            "{ myChildcareBookings(when: PAST, first: 1) { nodes { id } pageInfo { endCursor hasNextPage } } }",
            json!({}),
        )
        .await;
    let cursor = data["myChildcareBookings"]["pageInfo"]["endCursor"].clone();
    let next = t
        .query(
            Some(t.resident),
            "query($c: String) { myChildcareBookings(when: PAST, first: 1, after: $c) { nodes { id } } }",
            json!({ "c": cursor }),
        )
        .await;
    assert_eq!(next["myChildcareBookings"]["nodes"][0]["id"], ids[0]);
    // Nobody else's history; nobody signed in.
    assert!(history(sign_up(&t.app, 1).await, "PAST").await.is_empty());
    let anonymous = t
        .app
        .graphql(
            None,
            "{ myChildcareBookings(when: PAST) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
}

// ---------------------------------------------------------------------------------------
// Demo

#[tokio::test]
async fn the_demo_has_a_full_slot_with_a_waiting_child_and_a_cancelled_slot() {
    let t = town().await;
    let resident = t.app.login_demo("manazuru-resident@example.jp").await;
    let data = t
        .query(
            Some(&resident),
            "{ myChildcareBookings(when: UPCOMING, first: 20) { nodes { status waitlistPosition cancelReason slot { capacity placesRemaining cancelled note } } } }",
            json!({}),
        )
        .await;
    let nodes = data["myChildcareBookings"]["nodes"].as_array().unwrap();
    let waiting = nodes
        .iter()
        .find(|n| n["status"] == json!("WAITLISTED"))
        .unwrap_or_else(|| panic!("no waiting booking: {nodes:?}"));
    assert_eq!(waiting["waitlistPosition"], json!(1));
    assert_eq!(waiting["slot"]["capacity"], json!(1));
    assert_eq!(waiting["slot"]["placesRemaining"], json!(0));
    assert!(waiting["slot"]["note"].is_string());
    let cancelled = nodes
        .iter()
        .find(|n| n["slot"]["cancelled"] == json!(true))
        .unwrap_or_else(|| panic!("no cancelled slot: {nodes:?}"));
    assert_eq!(cancelled["status"], json!("CANCELLED"));
    assert!(cancelled["cancelReason"].is_string());
}
