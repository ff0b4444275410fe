//! Childcare daily tools: changing and cancelling temporary childcare slots, waitlists of
//! full slots with their automatic promotions, a family's registered children and its
//! booking history — and who is refused each.

use chrono::{Duration, Utc};
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::childcare::{Town, child, codes, move_slot, sign_up, today, town_with};
use crate::helpers::error_code;

const BOOKING: &str = "id status startsAt endsAt minutes cancelReason waitlistPosition childCount";
const SLOT: &str =
    "id startsAt endsAt capacity placesRemaining note cancelled cancelledAt cancelReason";
const CHILD: &str = "id name nameKana birthDate notes removedAt";

async fn town() -> Town {
    town_with(|_| {}).await
}

/// Books (or, with `wait`, waits on) `slot` for one child of 2 years.
async fn book(t: &Town, token: &str, slot: &str, name: &str, wait: bool) -> Value {
    t.call(
        Some(token),
        "bookTemporaryChildcare",
        json!({ "slotIds": [slot], "children": [child(name, 24)], "joinWaitlistIfFull": wait }),
        &format!("bookings {{ {BOOKING} }}"),
    )
    .await
}

/// The one booking a successful [`book`] made.
fn made(body: &Value) -> Value {
    assert_eq!(
        codes(body, "bookTemporaryChildcare"),
        Vec::<String>::new(),
        "{body}"
    );
    body["data"]["bookTemporaryChildcare"]["bookings"][0].clone()
}

async fn booking(t: &Town, token: &str, id: &Value) -> Value {
    t.node(Some(token), id.as_str().unwrap(), BOOKING).await
}

/// The kinds and bodies of the signed-in account's notifications.
async fn inbox(t: &Town, token: &str) -> Vec<(String, String)> {
    let data = t
        .query(
            Some(token),
            "{ myNotifications(first: 50) { nodes { kind body } } }",
            json!({}),
        )
        .await;
    data["myNotifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn count(inbox: &[(String, String)], kind: &str) -> usize {
    inbox.iter().filter(|(k, _)| k == kind).count()
}

// ---------------------------------------------------------------------------------------
// Changing a slot

#[tokio::test]
async fn staff_change_a_slots_capacity_time_and_note_and_booked_families_hear_of_a_new_time() {
    let t = town().await;
    let resource = t.childcare(json!({})).await;
    let date = today() + Duration::days(3);
    let slot = t.slots(&resource, &[date], 3).await.remove(0);
    let mine = made(&book(&t, t.resident, &slot, "小倉 ゆい", false).await);
    let two = t
        .call(
            Some(sign_up(&t.app, 1).await),
            "bookTemporaryChildcare",
            json!({ "slotIds": [slot], "children": [child("門司 はる", 20), child("門司 あお", 30)] }),
            "bookings { id }",
        )
        .await;
    assert_eq!(codes(&two, "bookTemporaryChildcare"), Vec::<String>::new());

    // Below the three children booked: refused, nothing changed.
    let refused = t
        .refused(
            Some(t.staff),
            "updateChildcareSlot",
            json!({ "id": slot, "capacity": 2, "note": "変更しない" }),
        )
        .await;
    assert_eq!(refused, ["INVALID"]);
    let unchanged = t.node(None, &slot, SLOT).await;
    assert_eq!(unchanged["capacity"], json!(3));
    assert_eq!(unchanged["note"], Value::Null);
    assert_eq!(
        t.refused(
            Some(t.staff),
            "updateChildcareSlot",
            json!({ "id": slot, "startTime": "16:00" })
        )
        .await,
        ["INVALID"],
        "the end must stay after the start"
    );

    let payload = t
        .ok(
            Some(t.staff),
            "updateChildcareSlot",
            json!({ "id": slot, "capacity": 4, "startTime": "10:00", "endTime": "15:00", "note": "着替えを1組お持ちください。" }),
            &format!("slot {{ {SLOT} }}"),
        )
        .await;
    let changed = &payload["slot"];
    assert_eq!(changed["capacity"], json!(4));
    assert_eq!(changed["placesRemaining"], json!(1));
    assert_eq!(changed["note"], json!("着替えを1組お持ちください。"));
    let at = |value: &Value| {
        chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    let ten = date.and_hms_opt(10, 0, 0).unwrap().and_utc() - Duration::hours(9);
    assert_eq!(at(&changed["startsAt"]), ten);
    assert_eq!(at(&changed["endsAt"]), ten + Duration::hours(5));
    // The booking moved with its slot and counts five hours now.
    let moved = booking(&t, t.resident, &mine["id"]).await;
    assert_eq!(moved["startsAt"], changed["startsAt"]);
    assert_eq!(moved["minutes"], json!(300));
    let heard = inbox(&t, t.resident).await;
    assert_eq!(count(&heard, "childcare.slot_changed"), 1, "{heard:?}");
    let (_, body) = heard
        .iter()
        .find(|(k, _)| k == "childcare.slot_changed")
        .unwrap();
    assert!(body.contains("10:00〜15:00"), "{body}");
    assert!(body.contains("09:00〜16:00"), "{body}");

    // A note alone tells nobody.
    t.ok(
        Some(t.staff),
        "updateChildcareSlot",
        json!({ "id": slot, "note": null }),
        "slot { id }",
    )
    .await;
    assert_eq!(
        count(&inbox(&t, t.resident).await, "childcare.slot_changed"),
        1
    );

    // Others: another town's childcare staff, a resident, nobody signed in.
    let input = json!({ "id": slot, "capacity": 10 });
    assert_eq!(
        t.denied(
            Some(t.maebashi_childcare),
            "updateChildcareSlot",
            input.clone()
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(Some(t.resident), "updateChildcareSlot", input.clone())
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        t.denied(None, "updateChildcareSlot", input.clone()).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(t.node(None, &slot, "capacity").await["capacity"], json!(4));

    // A slot that has started cannot change.
    move_slot(&t.app, &slot, Utc::now() - Duration::hours(1)).await;
    assert_eq!(
        t.refused(Some(t.staff), "updateChildcareSlot", input).await,
        ["INVALID_STATE"]
    );
}

// ---------------------------------------------------------------------------------------
// Cancelling a slot

#[tokio::test]
async fn cancelling_a_slot_cancels_every_booking_with_the_reason_tells_each_family_and_closes_it() {
    let t = town().await;
    let resource = t.childcare(json!({})).await;
    let date = today() + Duration::days(4);
    let slot = t.slots(&resource, &[date], 1).await.remove(0);
    let booked = made(&book(&t, t.resident, &slot, "小倉 ゆい", false).await);
    let waiter = sign_up(&t.app, 1).await;
    let waiting = made(&book(&t, waiter, &slot, "門司 はる", true).await);
    assert_eq!(waiting["status"], json!("WAITLISTED"));

    let input = json!({ "id": slot, "reason": "保育士の急病のため", "idempotencyKey": "cancel-1" });
    for (token, code) in [
        (Some(t.maebashi_childcare), "FORBIDDEN"),
        (Some(t.resident), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(
            t.denied(token, "cancelChildcareSlot", input.clone()).await,
            code
        );
    }
    assert_eq!(
        t.refused(
            Some(t.staff),
            "cancelChildcareSlot",
            json!({ "id": slot, "reason": "  " })
        )
        .await,
        ["REQUIRED"]
    );
    assert_eq!(
        t.node(None, &slot, "cancelled").await["cancelled"],
        json!(false)
    );

    let first = t
        .ok(
            Some(t.staff),
            "cancelChildcareSlot",
            input.clone(),
            &format!("slot {{ {SLOT} }}"),
        )
        .await;
    assert_eq!(first["slot"]["cancelled"], json!(true));
    assert_eq!(first["slot"]["cancelReason"], json!("保育士の急病のため"));
    assert_eq!(first["slot"]["placesRemaining"], json!(0));
    // A retry with the same key answers the same, and tells nobody twice.
    let again = t
        .ok(
            Some(t.staff),
            "cancelChildcareSlot",
            input,
            &format!("slot {{ {SLOT} }}"),
        )
        .await;
    assert_eq!(again, first);
    // Without a key, a second cancellation is refused.
    assert_eq!(
        t.refused(
            Some(t.staff),
            "cancelChildcareSlot",
            json!({ "id": slot, "reason": "もう一度" })
        )
        .await,
        ["INVALID_STATE"]
    );

    for (token, id) in [(t.resident, &booked["id"]), (waiter, &waiting["id"])] {
        let cancelled = booking(&t, token, id).await;
        assert_eq!(cancelled["status"], json!("CANCELLED"), "{cancelled}");
        assert_eq!(cancelled["cancelReason"], json!("保育士の急病のため"));
        let heard = inbox(&t, token).await;
        assert_eq!(count(&heard, "childcare.slot_cancelled"), 1, "{heard:?}");
        assert!(
            heard
                .iter()
                .any(|(k, body)| k == "childcare.slot_cancelled"
                    && body.contains("保育士の急病のため")),
            "{heard:?}"
        );
    }
    // Listed as cancelled, and no longer bookable nor waitable.
    let listed = t
        .query(
            None,
            "query($id: ID!, $d: Date!) { node(id: $id) { ... on ChildcareResource { slots(from: $d, until: $d) { id cancelled placesRemaining } } } }",
            json!({ "id": resource, "d": date.to_string() }),
        )
        .await;
    assert_eq!(listed["node"]["slots"][0]["cancelled"], json!(true));
    for wait in [false, true] {
        let body = book(
            &t,
            sign_up(&t.app, 2 + usize::from(wait)).await,
            &slot,
            "八幡 なぎ",
            wait,
        )
        .await;
        assert_eq!(
            codes(&body, "bookTemporaryChildcare"),
            ["REGISTRATION_CLOSED"]
        );
    }
    assert_eq!(t.places_remaining(&slot).await, 0);
}

// ---------------------------------------------------------------------------------------
// Waitlists

#[tokio::test]
async fn a_full_slot_is_waited_on_in_order_and_freed_places_go_to_the_first_in_line() {
    let t = town().await;
    let resource = t.childcare(json!({})).await;
    let date = today() + Duration::days(5);
    let slot = t.slots(&resource, &[date], 1).await.remove(0);
    let first = made(&book(&t, t.resident, &slot, "小倉 ゆい", false).await);
    let (one, two, three) = (
        sign_up(&t.app, 1).await,
        sign_up(&t.app, 2).await,
        sign_up(&t.app, 3).await,
    );

    // Full: refused unless the family chooses to wait.
    assert_eq!(
        codes(
            &book(&t, one, &slot, "門司 はる", false).await,
            "bookTemporaryChildcare"
        ),
        ["FULL"]
    );
    let a = made(&book(&t, one, &slot, "門司 はる", true).await);
    assert_eq!(
        (a["status"].clone(), a["waitlistPosition"].clone()),
        (json!("WAITLISTED"), json!(1))
    );
    let b = made(&book(&t, two, &slot, "戸畑 そら", true).await);
    assert_eq!(b["waitlistPosition"], json!(2));
    let c = made(&book(&t, three, &slot, "若松 りく", true).await);
    assert_eq!(c["waitlistPosition"], json!(3));
    // Waiting holds no place; the same rules apply: a child too old cannot wait either,
    // nor can one child wait twice.
    assert_eq!(t.places_remaining(&slot).await, 0);
    let too_old = t
        .call(
            Some(sign_up(&t.app, 4).await),
            "bookTemporaryChildcare",
            json!({ "slotIds": [slot], "children": [child("大きい こ", 100)], "joinWaitlistIfFull": true }),
            "bookings { id }",
        )
        .await;
    assert_eq!(
        codes(&too_old, "bookTemporaryChildcare"),
        ["AGE_OUT_OF_RANGE"]
    );
    assert_eq!(
        codes(
            &book(&t, one, &slot, "門司 はる", true).await,
            "bookTemporaryChildcare"
        ),
        ["TAKEN"]
    );
    assert!(count(&inbox(&t, one).await, "childcare.waitlist_joined") == 1);

    // The third leaves: the others keep their order. Nobody else may take them off.
    assert_eq!(
        t.denied(
            Some(one),
            "leaveChildcareWaitlist",
            json!({ "id": c["id"] })
        )
        .await,
        "NOT_FOUND"
    );
    let left = t
        .ok(
            Some(three),
            "leaveChildcareWaitlist",
            json!({ "id": c["id"] }),
            "booking { status waitlistPosition }",
        )
        .await;
    assert_eq!(
        left["booking"],
        json!({ "status": "CANCELLED", "waitlistPosition": null })
    );
    assert_eq!(
        t.refused(
            Some(three),
            "leaveChildcareWaitlist",
            json!({ "id": c["id"] })
        )
        .await,
        ["INVALID_STATE"]
    );
    assert_eq!(
        t.refused(
            Some(t.resident),
            "leaveChildcareWaitlist",
            json!({ "id": first["id"] })
        )
        .await,
        ["INVALID_STATE"],
        "a confirmed booking is cancelled, not left"
    );

    // The booked family cancels: the first in line is confirmed and told.
    t.ok(
        Some(t.resident),
        "cancelChildcareBooking",
        json!({ "id": first["id"] }),
        "bookings { id }",
    )
    .await;
    let a_now = booking(&t, one, &a["id"]).await;
    assert_eq!(
        (a_now["status"].clone(), a_now["waitlistPosition"].clone()),
        (json!("BOOKED"), Value::Null)
    );
    assert_eq!(
        booking(&t, two, &b["id"]).await["waitlistPosition"],
        json!(1)
    );
    assert_eq!(t.places_remaining(&slot).await, 0);
    let heard = inbox(&t, one).await;
    assert_eq!(count(&heard, "childcare.waitlist_promoted"), 1, "{heard:?}");
    assert_eq!(
        count(&inbox(&t, two).await, "childcare.waitlist_promoted"),
        0
    );

    // A larger capacity confirms the next one.
    t.ok(
        Some(t.staff),
        "updateChildcareSlot",
        json!({ "id": slot, "capacity": 2 }),
        "slot { id }",
    )
    .await;
    assert_eq!(booking(&t, two, &b["id"]).await["status"], json!("BOOKED"));
    assert_eq!(
        count(&inbox(&t, two).await, "childcare.waitlist_promoted"),
        1
    );
    assert_eq!(t.places_remaining(&slot).await, 0);
}

#[tokio::test]
async fn concurrent_waiting_and_cancelling_never_exceed_a_slots_capacity() {
    let t = town().await;
    let resource = t.childcare(json!({})).await;
    let date = today() + Duration::days(3);
    let slot = t.slots(&resource, &[date], 2).await.remove(0);
    let mut guardians = Vec::new();
    for n in 0..8 {
        guardians.push(sign_up(&t.app, n).await);
    }
    let t = &t;
    let answers = join_all(guardians.iter().enumerate().map(|(n, guardian)| {
        let slot = slot.clone();
        async move { book(t, guardian, &slot, &format!("子 {n}"), true).await }
    }))
    .await;
    let mut statuses: Vec<String> = answers
        .iter()
        .map(|body| made(body)["status"].as_str().unwrap().to_owned())
        .collect();
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| *s == "BOOKED").count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| *s == "WAITLISTED").count(), 6);

    // Every booked family cancels at once while the staff grow the slot by one.
    let booked: Vec<(&str, Value)> = guardians
        .iter()
        .zip(&answers)
        .filter(|(_, body)| made(body)["status"] == json!("BOOKED"))
        .map(|(g, body)| (*g, made(body)["id"].clone()))
        .collect();
    let cancels = booked.iter().map(|(g, id)| async move {
        t.call(
            Some(g),
            "cancelChildcareBooking",
            json!({ "id": id }),
            "bookings { id }",
        )
        .await
    });
    let grow = async {
        t.call(
            Some(t.staff),
            "updateChildcareSlot",
            json!({ "id": slot, "capacity": 3 }),
            "slot { id }",
        )
        .await
    };
    let (cancelled, grown) = futures_util::join!(join_all(cancels), grow);
    for body in cancelled.iter().chain([&grown]) {
        assert_eq!(error_code(body), None, "{body}");
    }
    let data = t
        .query(
            Some(t.staff),
            "query($r: ID!, $d: Date!) { childcareBookings(resourceId: $r, date: $d, first: 100) { nodes { status childCount } } }",
            json!({ "r": resource, "d": date.to_string() }),
        )
        .await;
    let nodes = data["childcareBookings"]["nodes"].as_array().unwrap();
    let held: i64 = nodes
        .iter()
        .filter(|n| n["status"] == json!("BOOKED"))
        .map(|n| n["childCount"].as_i64().unwrap())
        .sum();
    assert_eq!(held, 3, "the waitlist fills the slot exactly: {nodes:?}");
    assert_eq!(
        nodes
            .iter()
            .filter(|n| n["status"] == json!("WAITLISTED"))
            .count(),
        3
    );
    assert_eq!(t.places_remaining(&slot).await, 0);
}

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
