//! Check-in QR codes: a registration's id and check-in code, signed with the server's
//! check-in secret (HMAC-SHA256), so that a code cannot be guessed or altered.
//!
//! The payload reads `TSUNAGU-CHECKIN.1.<registration id>.<code>.<signature>`, the
//! signature in unpadded base64url.

use std::sync::LazyLock;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::registration;
use hmac::{Hmac, Mac};
use rand::Rng;
use secrecy::ExposeSecret;
use sha2::Sha256;
use uuid::Uuid;

use crate::config::Limits;

/// What every payload starts with, with its version.
const PREFIX: &str = "TSUNAGU-CHECKIN.1.";

/// The secret of this process when none is configured.
static PROCESS_SECRET: LazyLock<[u8; 32]> = LazyLock::new(|| {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    bytes
});

fn mac(limits: &Limits, message: &str) -> Hmac<Sha256> {
    let secret: &[u8] = match &limits.check_in_secret {
        Some(secret) => secret.expose_secret().as_bytes(),
        None => PROCESS_SECRET.as_slice(),
    };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(message.as_bytes());
    mac
}

fn signed_part(id: Uuid, code: &str) -> String {
    format!("{PREFIX}{}.{code}", id.simple())
}

/// The QR payload of `registration`.
pub fn check_in_payload(limits: &Limits, registration: &registration::Model) -> String {
    let part = signed_part(registration.id, &registration.check_in_code);
    let signature = URL_SAFE_NO_PAD.encode(mac(limits, &part).finalize().into_bytes());
    format!("{part}.{signature}")
}

/// The registration id and check-in code of a payload, if its signature holds.
pub fn verify_payload(limits: &Limits, payload: &str) -> Option<(Uuid, String)> {
    let rest = payload.trim().strip_prefix(PREFIX)?;
    let mut parts = rest.split('.');
    let (id, code, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let id = Uuid::try_parse(id).ok()?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    mac(limits, &signed_part(id, code))
        .verify_slice(&signature)
        .ok()?;
    Some((id, code.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_verifies_only_unaltered_and_under_its_secret() {
        let limits = Limits::default();
        let id = Uuid::now_v7();
        let part = signed_part(id, "ABC234");
        let signature = URL_SAFE_NO_PAD.encode(mac(&limits, &part).finalize().into_bytes());
        let payload = format!("{part}.{signature}");
        assert_eq!(
            verify_payload(&limits, &payload),
            Some((id, "ABC234".to_owned()))
        );
        let altered = payload.replace("ABC234", "ABC235");
        assert_eq!(verify_payload(&limits, &altered), None);
        let other = Limits {
            check_in_secret: Some("another secret".to_owned().into()),
            ..Limits::default()
        };
        assert_eq!(verify_payload(&other, &payload), None);
        assert_eq!(verify_payload(&limits, "TSUNAGU-CHECKIN.1.x.y.z"), None);
    }
}
