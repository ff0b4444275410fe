//! Notification benchmark, run by `bench/notify.sh`. In one process: an SMTP sink on a
//! loopback port (it accepts and counts every message), and the server on a fresh SQLite
//! database with the demo data, its delivery worker sending to the sink.
//!
//! 1. **Enqueue**: `MESSAGES` (10,000) messages to guests, each written by
//!    `notify::enqueue` in a transaction of its own, as a change writes it. Prints messages
//!    enqueued per second.
//! 2. **Deliver**: the time from the first enqueue until the sink has accepted every message
//!    (the worker delivers while the enqueueing goes on). Prints messages delivered per
//!    second.
//! 3. **Cost to a registration**: `REGISTRATIONS` (2,000) guest registrations of one demo
//!    session through the programs service, in alternating rounds with notifications on
//!    and off (the same code, a context that writes no messages). Prints registrations per
//!    second of each and the share notifications add.
//!
//! `cargo run --release --example notify_load`

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use entity::program_session;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};
use tsunagu::{
    auth::Viewer,
    config::{Limits, SmtpTls},
    domains::programs::service::{GuestInput, NewRegistration, register},
    notify::{self, Kind, Notice, Recipient},
    startup::{Application, Settings},
    state::ServiceContext,
};
use uuid::Uuid;

const KIND: Kind = Kind::optional("programs.registration_confirmed", "講座の申込完了");

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let setting = |name: &str, default: usize| -> anyhow::Result<usize> {
        Ok(match std::env::var(name) {
            Ok(value) => value.parse()?,
            Err(_) => default,
        })
    };
    let messages = setting("MESSAGES", 10_000)?;
    let registrations = setting("REGISTRATIONS", 2_000)?;

    let (port, received) = sink().await?;
    let data = tempfile::tempdir()?;
    let mut notify = Limits::default().notify;
    notify.smtp_host = Some("127.0.0.1".into());
    notify.smtp_port = port;
    notify.smtp_tls = SmtpTls::None;
    notify.poll_ms = 20;
    let limits = Limits {
        public_rate_per_minute: u32::MAX,
        notify,
        ..Limits::default()
    };
    let app = Application::build(Settings {
        database_url: format!(
            "sqlite://{}?mode=rwc",
            data.path().join("bench.db").display()
        ),
        host: "127.0.0.1".parse()?,
        port: 0,
        demo: true,
        index_dir: None,
        limits,
        health_hub: None,
    })
    .await?;
    let state = app.state().clone();
    let server = tokio::spawn(app.run_until_stopped());
    let before = received.load(Ordering::SeqCst);

    println!("==> enqueue and deliver {messages} messages (SMTP sink on 127.0.0.1:{port})");
    let started = Instant::now();
    for n in 0..messages {
        let txn = tsunagu::db::begin_write(&state.db).await?;
        notify::enqueue(
            &txn,
            Notice {
                recipient: Recipient::Guest(format!("bench{n}@example.jp")),
                municipality_id: None,
                kind: KIND,
                subject_id: Uuid::now_v7(),
                occasion: String::new(),
                title: "【申込完了】負荷試験の鑑賞会".into(),
                body: "お申込みを受け付けました。\n\n講座: 負荷試験の鑑賞会\n日時: 2026年12月10日（木）10:00 〜 12:00\n会場: 真鶴町立中川一政美術館".into(),
                link: Some("/programs".into()),
            },
        )
        .await?;
        txn.commit().await?;
    }
    let enqueued = started.elapsed();
    println!(
        "    enqueued:  {:>8.0} messages/s ({messages} in {:.1} s, one transaction each)",
        messages as f64 / enqueued.as_secs_f64(),
        enqueued.as_secs_f64()
    );
    let deadline = Instant::now() + Duration::from_secs(600);
    while received.load(Ordering::SeqCst) < before + messages {
        if Instant::now() > deadline {
            anyhow::bail!(
                "only {} of {messages} messages arrived within 10 minutes",
                received.load(Ordering::SeqCst) - before
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delivered = started.elapsed();
    println!(
        "    delivered: {:>8.0} messages/s ({messages} accepted by the sink {:.1} s after the first enqueue)",
        messages as f64 / delivered.as_secs_f64(),
        delivered.as_secs_f64()
    );

    println!(
        "==> {registrations} guest registrations, notifications on and off in alternating rounds"
    );
    let session = program_session::Entity::find()
        .filter(program_session::Column::Status.eq(program_session::SessionStatus::Scheduled))
        .filter(program_session::Column::RegistrationClosesAt.gt(chrono::Utc::now()))
        .filter(program_session::Column::RegistrationOpensAt.lte(chrono::Utc::now()))
        .order_by_desc(program_session::Column::StartsAt)
        .one(&state.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo has no session open for registration"))?;
    program_session::Entity::update_many()
        .col_expr(program_session::Column::Capacity, Expr::value(1_000_000))
        .filter(program_session::Column::Id.eq(session.id))
        .exec(&state.db)
        .await?;
    let viewer = Viewer::anonymous("127.0.0.1".parse()?);
    let rounds = 4;
    let per_round = registrations / (2 * rounds);
    let mut spent = [Duration::ZERO, Duration::ZERO];
    let mut n = 0;
    for _ in 0..rounds {
        for (slot, notifies) in [(0, true), (1, false)] {
            let ctx = ServiceContext::from(&state);
            let ctx = if notifies { ctx } else { ctx.without_notices() };
            let started = Instant::now();
            for _ in 0..per_round {
                n += 1;
                let input = NewRegistration {
                    session_id: session.id,
                    adults: 1,
                    children: Vec::new(),
                    guest: Some(GuestInput {
                        name: format!("負荷 花子{n}"),
                        kana: "ふか はなこ".into(),
                        email: format!("registrant{n}@example.jp"),
                        phone: "090-1234-5678".into(),
                    }),
                    idempotency_key: None,
                };
                match register(ctx, &viewer, input).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(refused)) => anyhow::bail!("registration refused: {refused:?}"),
                    Err(error) => anyhow::bail!("registration failed: {error}"),
                }
            }
            spent[slot] += started.elapsed();
        }
    }
    let each = (per_round * rounds) as f64;
    let on = each / spent[0].as_secs_f64();
    let off = each / spent[1].as_secs_f64();
    println!("    notifications on:  {on:>7.0} registrations/s");
    println!("    notifications off: {off:>7.0} registrations/s");
    println!(
        "    a registration costs {:.0} % more with its confirmation written ({:.2} ms → {:.2} ms)",
        (off / on - 1.0) * 100.0,
        1000.0 / off,
        1000.0 / on
    );
    server.abort();
    Ok(())
}

/// An SMTP server on a loopback port that accepts every message and counts it.
async fn sink() -> anyhow::Result<(u16, Arc<AtomicUsize>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let _ = converse(stream, &counter).await;
            });
        }
    });
    Ok((port, received))
}

async fn converse(stream: TcpStream, received: &AtomicUsize) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if command == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            loop {
                line.clear();
                if reader.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
            }
            received.fetch_add(1, Ordering::SeqCst);
            b"250 OK queued\r\n"
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        write.write_all(reply).await?;
    }
}
