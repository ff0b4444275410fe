//! Accounts, sessions, roles and municipality boundaries.

use serde_json::json;

use crate::helpers::{error_code, spawn_app, user_error_codes};

const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) { session { token expiresAt user { id email displayName displayNameKana role municipality { jisCode } } } userErrors { field code message } } }";

#[tokio::test]
async fn resident_signs_up_and_sees_themself_as_me() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            None,
            SIGN_UP,
            json!({ "input": {
                "municipalityCode": "１４３８４",
                "email": "Ｈａｎａ.Manazuru@Example.JP",
                "password": "umi-to-ishi-no-machi-42",
                "displayName": "真鶴 花",
                "displayNameKana": "まなづる はな",
            }}),
        )
        .await;
    let payload = &body["data"]["signUp"];
    assert_eq!(user_error_codes(payload), Vec::<String>::new(), "{body}");
    let user = &payload["session"]["user"];
    assert_eq!(user["email"], "hana.manazuru@example.jp");
    assert_eq!(user["displayNameKana"], "マナヅル ハナ");
    assert_eq!(user["role"], "RESIDENT");
    assert_eq!(user["municipality"]["jisCode"], "14384");

    let token = payload["session"]["token"].as_str().unwrap();
    let me = app
        .graphql(Some(token), "{ me { email role } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["email"], "hana.manazuru@example.jp");
    assert_eq!(error_code(&me), None);
}
