//! Childcare daily tools: changing and cancelling temporary childcare slots, waitlists of
//! full slots with their automatic promotions — and who is refused each. A family's
//! children and booking history are in `childcare_family`.

use chrono::{Duration, Utc};
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::childcare::{
    Town, child, codes, move_slot, same_month_dates, sign_up, today, town_with,
};
use crate::helpers::error_code;

pub(crate) const BOOKING: &str =
    "id status startsAt endsAt minutes cancelReason waitlistPosition childCount";
pub(crate) const SLOT: &str =
    "id startsAt endsAt capacity placesRemaining note cancelled cancelledAt cancelReason";
pub(crate) const CHILD: &str = "id name nameKana birthDate notes removedAt";

pub(crate) async fn town() -> Town {
    town_with(|_| {}).await
}

/// Books (or, with `wait`, waits on) `slot` for one child of 2 years.
pub(crate) async fn book(t: &Town, token: &str, slot: &str, name: &str, wait: bool) -> Value {
    t.call(
        Some(token),
        "bookTemporaryChildcare",
        json!({ "slotIds": [slot], "children": [child(name, 24)], "joinWaitlistIfFull": wait }),
        &format!("bookings {{ {BOOKING} }}"),
    )
    .await
}

/// The one booking a successful [`book`] made.
pub(crate) fn made(body: &Value) -> Value {
    assert_eq!(
        codes(body, "bookTemporaryChildcare"),
        Vec::<String>::new(),
        "{body}"
    );
    body["data"]["bookTemporaryChildcare"]["bookings"][0].clone()
}

pub(crate) async fn booking(t: &Town, token: &str, id: &Value) -> Value {
    t.node(Some(token), id.as_str().unwrap(), BOOKING).await
}

/// The kinds and bodies of the signed-in account's notifications.
pub(crate) async fn inbox(t: &Town, token: &str) -> Vec<(String, String)> {
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

pub(crate) fn count(inbox: &[(String, String)], kind: &str) -> usize {
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

    // The cancelled slot no longer holds its time: a new slot may open then, and families
    // book it; a second one at that time is refused.
    let reopened = t.slots(&resource, &[date], 2).await.remove(0);
    assert_ne!(reopened, slot);
    made(&book(&t, t.resident, &reopened, "小倉 ゆい", false).await);
    assert_eq!(
        t.refused(
            Some(t.staff),
            "createChildcareSlots",
            json!({ "resourceId": resource, "from": date.to_string(), "startTime": "09:00", "endTime": "16:00", "capacity": 1 })
        )
        .await,
        ["TAKEN"]
    );
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
    // The day's list answers each booking's place in line alike.
    let day = t
        .query(
            Some(t.staff),
            "query($r: ID!, $d: Date!) { childcareBookings(resourceId: $r, date: $d, first: 100) { nodes { id waitlistPosition } } }",
            json!({ "r": resource, "d": date.to_string() }),
        )
        .await;
    let mut positions: Vec<(Value, Value)> = day["childcareBookings"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].clone(), n["waitlistPosition"].clone()))
        .collect();
    positions.sort_by_key(|(_, position)| position.as_i64());
    assert_eq!(
        positions,
        [
            (first["id"].clone(), Value::Null),
            (a["id"].clone(), json!(1)),
            (b["id"].clone(), json!(2)),
            (c["id"].clone(), json!(3)),
        ]
    );
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
async fn a_waiting_booking_that_breaks_a_rule_when_places_free_is_passed_over_and_keeps_waiting() {
    let t = town().await;
    // Slots are seven hours; a child may have ten a month.
    let resource = t
        .childcare(json!({ "monthlyLimitHours": 10, "cancelDeadlineHours": 0 }))
        .await;
    let (day, other_day) = same_month_dates();
    let slots = t.slots(&resource, &[day, other_day], 1).await;
    let first = made(&book(&t, t.resident, &slots[0], "小倉 ゆい", false).await);
    let (one, two) = (sign_up(&t.app, 1).await, sign_up(&t.app, 2).await);
    let a = made(&book(&t, one, &slots[0], "門司 はる", true).await);
    let b = made(&book(&t, two, &slots[0], "戸畑 そら", true).await);
    // Waiting holds no hours, so the first in line books another day of the month…
    made(&book(&t, one, &slots[1], "門司 はる", false).await);

    // …and confirming the wait now would give the child fourteen hours: the place goes
    // to the next in line, and the first keeps waiting.
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
        (json!("WAITLISTED"), json!(1))
    );
    assert_eq!(booking(&t, two, &b["id"]).await["status"], json!("BOOKED"));
    assert_eq!(
        count(&inbox(&t, one).await, "childcare.waitlist_promoted"),
        0
    );
    assert_eq!(t.places_remaining(&slots[0]).await, 0);

    // Once the other day is given up, the next free place is theirs.
    let other = t
        .query(
            Some(one),
            "{ myChildcareBookings(first: 10, when: UPCOMING) { nodes { id status startsAt } } }",
            json!({}),
        )
        .await;
    let booked = other["myChildcareBookings"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["status"] == "BOOKED")
        .unwrap()["id"]
        .clone();
    t.ok(
        Some(one),
        "cancelChildcareBooking",
        json!({ "id": booked }),
        "bookings { id }",
    )
    .await;
    t.ok(
        Some(t.staff),
        "updateChildcareSlot",
        json!({ "id": slots[0], "capacity": 2 }),
        "slot { id }",
    )
    .await;
    assert_eq!(booking(&t, one, &a["id"]).await["status"], json!("BOOKED"));
    assert_eq!(
        count(&inbox(&t, one).await, "childcare.waitlist_promoted"),
        1
    );
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
