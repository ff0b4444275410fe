//! Failure and recovery: the server survives a database outage and recovers by itself.

use serde_json::json;

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn a_database_outage_answers_internal_and_the_server_recovers() {
    let app = spawn_app().await;
    if !app.on_postgres() {
        // An embedded SQLite file cannot go away underneath the process; the outage is a
        // PostgreSQL scenario and runs in the PostgreSQL pass.
        return;
    }
    use sea_orm::{ConnectionTrait, Database};
    let admin_url = std::env::var("TEST_DATABASE_URL").unwrap();
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    let admin = Database::connect(&admin_url).await.unwrap();
    let ready = |app: &crate::helpers::TestApp| {
        let url = format!("{}/readyz", app.address);
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(ready(&app).await, 200);

    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();

    assert_eq!(ready(&app).await, 503);
    let body = app
        .graphql(None, "{ municipalities { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("INTERNAL"), "{body}");
    assert!(
        !body.to_string().contains("pg_"),
        "internals must not leak: {body}"
    );

    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    assert_eq!(ready(&app).await, 200);
    let body = app
        .graphql(None, "{ municipalities { totalCount } }", json!({}))
        .await;
    assert_eq!(body["data"]["municipalities"]["totalCount"], 3, "{body}");
}
