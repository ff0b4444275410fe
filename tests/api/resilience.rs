//! Failure and recovery: the server survives a database outage, answers it at once and
//! recovers by itself, and says why when it cannot start.

use std::time::{Duration, Instant};

use serde_json::json;
use tsunagu::{
    config::Limits,
    startup::{Application, Settings},
};

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn a_database_outage_is_answered_service_unavailable_at_once_and_the_server_recovers() {
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

    let started = Instant::now();
    assert_eq!(ready(&app).await, 503);
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "/readyz answered after {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let response = app
        .post_graphql(
            None,
            json!({ "query": "{ municipalities { totalCount } }" }),
        )
        .await;
    assert_eq!(response.status().as_u16(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered after {:?}",
        started.elapsed()
    );
    assert_eq!(error_code(&body), Some("SERVICE_UNAVAILABLE"), "{body}");
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

#[tokio::test]
async fn starting_without_a_database_to_reach_says_so_within_seconds() {
    let started = Instant::now();
    let built = Application::build(Settings {
        database_url: "postgres://tsunagu@127.0.0.1:1/tsunagu".into(),
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        demo: false,
        index_dir: None,
        limits: Limits::default(),
        health_hub: None,
    })
    .await;
    let Err(error) = built else {
        panic!("started without a database");
    };
    let message = format!("{error:#}").to_lowercase();
    assert!(started.elapsed() < Duration::from_secs(12), "{message}");
    assert!(message.contains("refused"), "{message}");
    assert!(message.contains("127.0.0.1:1"), "{message}");
}
