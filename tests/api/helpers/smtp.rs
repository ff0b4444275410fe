//! A small SMTP server inside each test: it records every message it accepts, so a test
//! asserts the recipient, subject and Japanese body a reader receives, and it can refuse
//! transactions to exercise retries.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use base64::{Engine, engine::general_purpose::STANDARD};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};
use tsunagu::config::{Limits, SmtpTls};

/// One message the SMTP server accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    raw: String,
}

impl Mail {
    /// A message as written to the mailbox directory (no envelope).
    pub fn from_file(raw: String) -> Self {
        Self {
            to: Vec::new(),
            raw,
        }
    }

    fn headers(&self) -> String {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or_default();
        head.replace("\r\n ", " ").replace("\r\n\t", " ")
    }

    /// A top-level header, unfolded, as sent.
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.headers()
            .split("\r\n")
            .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
            .map(|line| line[prefix.len()..].trim().to_owned())
    }

    /// The subject, decoded from its RFC 2047 words.
    pub fn subject(&self) -> String {
        decode_words(&self.header("Subject").expect("a subject"))
    }

    /// The decoded body of the part of MIME type `mime`.
    pub fn part(&self, mime: &str) -> String {
        let content_type = self.header("Content-Type").expect("a content type");
        let boundary = content_type
            .split("boundary=")
            .nth(1)
            .expect("multipart")
            .trim_matches('"')
            .to_owned();
        for part in self.raw.split(&format!("--{boundary}")) {
            let (head, body) = part.split_once("\r\n\r\n").unwrap_or_default();
            let head = head.to_ascii_lowercase();
            if !head.contains(&format!("content-type: {mime}")) {
                continue;
            }
            assert!(head.contains("charset=utf-8"), "{head}");
            let bytes = if head.contains("content-transfer-encoding: base64") {
                STANDARD
                    .decode(body.split_whitespace().collect::<String>())
                    .expect("base64 body")
            } else if head.contains("content-transfer-encoding: quoted-printable") {
                decode_quoted_printable(body)
            } else {
                body.as_bytes().to_vec()
            };
            return String::from_utf8(bytes).expect("UTF-8 body");
        }
        panic!("no {mime} part in {}", self.raw);
    }

    pub fn text(&self) -> String {
        self.part("text/plain")
    }

    /// Whether `needle` is anywhere in the message: headers, raw or decoded text.
    pub fn raw_contains(&self, needle: &str) -> bool {
        self.raw.contains(needle)
            || self.text().contains(needle)
            || self.part("text/html").contains(needle)
    }
}

fn decode_words(value: &str) -> String {
    let mut bytes = Vec::new();
    let mut last_encoded = false;
    for (i, token) in value.split_whitespace().enumerate() {
        let pieces: Vec<&str> = token.split('?').collect();
        if token.starts_with("=?") && token.ends_with("?=") && pieces.len() == 5 {
            match pieces[2] {
                "b" | "B" => bytes.extend(STANDARD.decode(pieces[3]).expect("base64 word")),
                _ => bytes.extend(decode_quoted_printable(&pieces[3].replace('_', " "))),
            }
            last_encoded = true;
        } else {
            if i > 0 && !last_encoded {
                bytes.push(b' ');
            }
            bytes.extend(token.as_bytes());
            last_encoded = false;
        }
    }
    String::from_utf8(bytes).expect("UTF-8 subject")
}

fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let text = text.replace("=\r\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// An SMTP server on a local port that records every message, and refuses the next
/// `refuse_next` transactions with a temporary error (451).
#[derive(Clone)]
pub struct SmtpServer {
    port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    refusals: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = Self {
            port: listener.local_addr().unwrap().port(),
            mails: Arc::default(),
            refusals: Arc::default(),
            refused: Arc::default(),
        };
        let accepting = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let server = accepting.clone();
                tokio::spawn(async move {
                    let _ = server.converse(stream).await;
                });
            }
        });
        server
    }

    /// Points `limits` at this server, with a fast delivery worker.
    pub fn configure(&self, limits: &mut Limits) {
        limits.public_rate_per_minute = 1000;
        limits.notify.smtp_host = Some("127.0.0.1".into());
        limits.notify.smtp_port = self.port;
        limits.notify.smtp_tls = SmtpTls::None;
        limits.notify.mail_from = "真鶴町 <no-reply@manazuru.example.jp>".into();
        limits.notify.public_base_url = "https://tsunagu.example.jp/".into();
        limits.notify.poll_ms = 100;
        limits.notify.retry_ms = 100;
    }

    /// Points `limits` at this server like [`Self::configure`], with reminder passes every
    /// 100 ms, the reminder hour at midnight (whatever starts today or tomorrow, Japan
    /// time, is due) and offers lasting two hours.
    pub fn configure_reminders(&self, limits: &mut Limits) {
        self.configure(limits);
        limits.waitlist_offer_hours = 2;
        limits.notify.reminder_poll_ms = 100;
        limits.notify.reminder_hour = 0;
    }

    /// How many transactions were refused so far.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    /// Refuses the next `transactions` mail transactions with a temporary error.
    pub fn refuse_next(&self, transactions: usize) {
        self.refusals.store(transactions, Ordering::SeqCst);
    }

    /// Every message accepted so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// The messages to `address`.
    pub fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|mail| mail.to.iter().any(|to| to == address))
            .collect()
    }

    /// Waits (at most 20 s) until `count` messages have reached `address`.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<Mail> {
        for _ in 0..400 {
            let mails = self.mails_to(address);
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{address} received {} of {count} messages; all: {:?}",
            self.mails_to(address).len(),
            self.mails().iter().map(|m| &m.to).collect::<Vec<_>>()
        );
    }

    /// The messages to `address` whose subject starts with `prefix`.
    pub fn mails_titled(&self, address: &str, prefix: &str) -> Vec<Mail> {
        self.mails_to(address)
            .into_iter()
            .filter(|mail| mail.subject().starts_with(prefix))
            .collect()
    }

    /// Waits (at most 20 s) until `count` messages whose subject starts with `prefix` have
    /// reached `address`.
    pub async fn wait_for_titled(&self, address: &str, prefix: &str, count: usize) -> Vec<Mail> {
        for _ in 0..400 {
            let mails = self.mails_titled(address, prefix);
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{address} received {} of {count} 「{prefix}」 messages; subjects: {:?}",
            self.mails_titled(address, prefix).len(),
            self.mails_to(address)
                .iter()
                .map(Mail::subject)
                .collect::<Vec<_>>()
        );
    }

    async fn converse(&self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::new(read);
        write.write_all(b"220 sink.test ESMTP\r\n").await?;
        let mut to = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if command.starts_with("EHLO") {
                b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if command.starts_with("HELO") || command.starts_with("NOOP") {
                b"250 OK\r\n"
            } else if command.starts_with("RSET") {
                to.clear();
                b"250 OK\r\n"
            } else if command.starts_with("MAIL FROM:") {
                let refuse = self
                    .refusals
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if refuse {
                    self.refused.fetch_add(1, Ordering::SeqCst);
                    b"451 4.3.0 Try again later\r\n"
                } else {
                    to.clear();
                    b"250 OK\r\n"
                }
            } else if command.starts_with("RCPT TO:") {
                let address = line
                    .split_once('<')
                    .and_then(|(_, rest)| rest.split_once('>'))
                    .map(|(address, _)| address.to_owned())
                    .unwrap_or_default();
                to.push(address);
                b"250 OK\r\n"
            } else if command == "DATA" {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut raw = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    raw.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                self.mails.lock().unwrap().push(Mail {
                    to: std::mem::take(&mut to),
                    raw,
                });
                b"250 OK queued\r\n"
            } else if command.starts_with("QUIT") {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                b"502 Command not implemented\r\n"
            };
            write.write_all(reply).await?;
        }
    }
}
