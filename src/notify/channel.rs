//! The seam every way of sending a message goes through: email and the in-app inbox today,
//! LINE or SMS tomorrow (see the README for what a LINE channel needs).

use uuid::Uuid;

/// One message on its way to one reader, as a channel sends it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The notification.
    pub notification_id: Uuid,
    /// The municipality it concerns.
    pub municipality_id: Option<Uuid>,
    /// The account it is for; `None` for a guest.
    pub user_id: Option<Uuid>,
    /// Where an email goes: the guest's address or the account's current one.
    pub email: Option<String>,
    /// The reader's name, when known.
    pub name: Option<String>,
    /// Kind code, e.g. `programs.place_offered`.
    pub kind: String,
    /// Subject line.
    pub title: String,
    /// Plain-text body.
    pub body: String,
    /// Where the reader acts on it.
    pub link: Option<String>,
    /// Where the reader stops this kind of message, if they may.
    pub unsubscribe: Option<String>,
}

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (the server refused for now, or could not be reached).
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Trying again will not help (the address is refused, the message is malformed).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// A way of delivering messages.
#[async_trait::async_trait]
pub trait Channel: Send + Sync {
    /// The name of the channel in delivery rows and metrics, e.g. `email`.
    fn name(&self) -> &'static str;

    /// Sends `message`; `Ok` only once the other side has accepted it.
    async fn send(&self, message: &Outgoing) -> Result<(), SendError>;
}
