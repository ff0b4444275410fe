//! Email: over SMTP when a mail server is configured, otherwise written as `.eml` files to
//! the mailbox directory (and the log), so the embedded setup shows what would be sent
//! without claiming to have sent it.

use std::{path::PathBuf, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Mailbox, MultiPart,
        header::{HeaderName, HeaderValue},
    },
    transport::smtp::authentication::Credentials,
};
use secrecy::ExposeSecret;

use super::channel::{Channel, Outgoing, SendError};
use crate::config::{NotifySettings, SmtpTls};

/// Builds the email channel `settings` describe: SMTP when a host is set, else the mailbox
/// directory; `None` when neither is (a library user without a data directory).
pub fn channel(settings: &NotifySettings) -> anyhow::Result<Option<Box<dyn Channel>>> {
    let from: Mailbox = settings
        .mail_from
        .parse()
        .map_err(|error| anyhow::anyhow!("TSUNAGU_MAIL_FROM is not an address: {error}"))?;
    if let Some(host) = &settings.smtp_host {
        let mut builder = match settings.smtp_tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
        }
        .port(settings.smtp_port)
        .timeout(Some(Duration::from_secs(30)));
        if let (Some(user), Some(password)) = (&settings.smtp_username, &settings.smtp_password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        return Ok(Some(Box::new(Smtp {
            transport: builder.build(),
            from,
        })));
    }
    Ok(settings
        .mailbox_dir
        .clone()
        .map(|dir| Box::new(MailboxDir { dir, from }) as Box<dyn Channel>))
}

/// Sends through a mail server.
struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[async_trait::async_trait]
impl Channel for Smtp {
    fn name(&self) -> &'static str {
        super::EMAIL
    }

    async fn send(&self, message: &Outgoing) -> Result<(), SendError> {
        let email = compose(&self.from, message)?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(SendError::Permanent(error.to_string())),
            Err(error) => Err(SendError::Transient(error.to_string())),
        }
    }
}

/// Writes each email to a directory instead of sending it.
struct MailboxDir {
    dir: PathBuf,
    from: Mailbox,
}

#[async_trait::async_trait]
impl Channel for MailboxDir {
    fn name(&self) -> &'static str {
        super::EMAIL
    }

    async fn send(&self, message: &Outgoing) -> Result<(), SendError> {
        let email = compose(&self.from, message)?;
        let path = self.dir.join(format!("{}.eml", message.notification_id));
        let write = async {
            tokio::fs::create_dir_all(&self.dir).await?;
            tokio::fs::write(&path, email.formatted()).await
        };
        write.await.map_err(|error| {
            SendError::Transient(format!("writing {}: {error}", path.display()))
        })?;
        tracing::info!(
            to = message.email.as_deref().unwrap_or_default(),
            subject = %message.title,
            file = %path.display(),
            "email written to the mailbox directory (no mail server configured)"
        );
        Ok(())
    }
}

/// The email of `message`: UTF-8 subject, plain text and HTML alternatives, and the
/// one-click unsubscribe headers (RFC 8058) when the reader may stop this kind.
pub fn compose(from: &Mailbox, message: &Outgoing) -> Result<Message, SendError> {
    let address = message
        .email
        .as_deref()
        .ok_or_else(|| SendError::Permanent("the recipient has no email address".into()))?;
    let to = Mailbox::new(
        message.name.clone(),
        address
            .parse()
            .map_err(|error| SendError::Permanent(format!("bad address: {error}")))?,
    );
    // One Message-ID per notification: a message sent again after a crash mid-send is
    // recognisably the same one.
    let message_id = format!("<{}@{}>", message.notification_id, from.email.domain());
    let mut builder = Message::builder()
        .message_id(Some(message_id))
        .from(from.clone())
        .to(to)
        .subject(message.title.clone());
    if let Some(unsubscribe) = &message.unsubscribe {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{unsubscribe}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            plain_text(message),
            html(message),
        ))
        .map_err(|error| SendError::Permanent(format!("cannot build the email: {error}")))
}

fn plain_text(message: &Outgoing) -> String {
    let mut text = message.body.clone();
    if let Some(link) = &message.link {
        text.push_str(&format!("\n\n詳細・お手続き: {link}"));
    }
    if let Some(unsubscribe) = &message.unsubscribe {
        text.push_str(&format!(
            "\n\nこの種類のお知らせが不要な場合は、次のリンクから配信を停止できます。\n{unsubscribe}"
        ));
    }
    text.push_str("\n\n-- \nこのメールは tsunagu から自動で送信しています。返信はできません。\n");
    text
}

fn html(message: &Outgoing) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"></head><body>\n",
    );
    for paragraph in message.body.split("\n\n") {
        html.push_str("<p>");
        html.push_str(&escape(paragraph).replace('\n', "<br>\n"));
        html.push_str("</p>\n");
    }
    if let Some(link) = &message.link {
        let link = escape(link);
        html.push_str(&format!(
            "<p><a href=\"{link}\">詳細・お手続きはこちら</a></p>\n"
        ));
    }
    if let Some(unsubscribe) = &message.unsubscribe {
        let unsubscribe = escape(unsubscribe);
        html.push_str(&format!(
            "<p style=\"font-size:small\"><a href=\"{unsubscribe}\">この種類のお知らせの配信を停止する</a></p>\n"
        ));
    }
    html.push_str("<p style=\"font-size:small\">このメールは tsunagu から自動で送信しています。返信はできません。</p>\n</body></html>\n");
    html
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing() -> Outgoing {
        Outgoing {
            notification_id: uuid::Uuid::nil(),
            municipality_id: None,
            user_id: None,
            email: Some("hanako@example.jp".into()),
            name: Some("山田 花子".into()),
            kind: "programs.registration_confirmed".into(),
            title: "【申込完了】親子ヨガ <初回>".into(),
            body: "お申込みを受け付けました。<b>\n\n日時: 12月10日".into(),
            link: Some("https://example.jp/r?a=1&b=2".into()),
            unsubscribe: Some("https://example.jp/notifications/opt-out?token=abc".into()),
        }
    }

    #[test]
    fn an_email_has_a_japanese_subject_both_alternatives_and_unsubscribe_headers() {
        let from: Mailbox = "tsunagu <no-reply@example.jp>".parse().expect("address");
        let email = compose(&from, &outgoing()).expect("composed");
        let raw = String::from_utf8(email.formatted()).expect("ascii");
        assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/plain; charset=utf-8"), "{raw}");
        assert!(raw.contains("text/html; charset=utf-8"), "{raw}");
        assert!(
            raw.contains("List-Unsubscribe: <https://example.jp/notifications/opt-out?token=abc>"),
            "{raw}"
        );
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(
            raw.contains("Message-ID: <00000000-0000-0000-0000-000000000000@example.jp>"),
            "{raw}"
        );
    }

    #[test]
    fn html_escapes_the_text_and_the_link() {
        let html = html(&outgoing());
        assert!(html.contains("受け付けました。&lt;b&gt;</p>"), "{html}");
        assert!(html.contains("href=\"https://example.jp/r?a=1&amp;b=2\""));
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn an_email_without_an_address_fails_for_good() {
        let from: Mailbox = "no-reply@example.jp".parse().expect("address");
        let message = Outgoing {
            email: None,
            ..outgoing()
        };
        assert!(matches!(
            compose(&from, &message),
            Err(SendError::Permanent(_))
        ));
    }
}
