//! Possible duplicates: open inquiries of the same municipality sharing an email or a
//! phone number. Each inquiry keeps a digest of its normalized email (NFKC, lowercase) and
//! of its phone's digits (full-width digits and hyphens folded), indexed per municipality,
//! so finding them compares digests and never reads personal data in clear.

use entity::relocation_inquiry::{self, Column, InquiryStage};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::error::AppResult;

/// Most possible duplicates shown for one inquiry.
const MAX_DUPLICATES: u64 = 20;

/// The digest of an email: NFKC, trimmed, lowercased.
pub fn email_digest(email: &str) -> Option<String> {
    let key: String = email.nfkc().collect::<String>().trim().to_lowercase();
    (!key.is_empty()).then(|| hex(&format!("email:{key}")))
}

/// The digest of a phone number: its digits after NFKC (hyphens, spaces and brackets go).
pub fn phone_digest(phone: &str) -> Option<String> {
    let key: String = phone.nfkc().filter(char::is_ascii_digit).collect();
    (!key.is_empty()).then(|| hex(&format!("phone:{key}")))
}

fn hex(value: &str) -> String {
    format!("{:x}", Sha256::digest(value.as_bytes()))
}

/// What an inquiry is compared by.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The inquiry itself (never its own duplicate).
    pub inquiry_id: Uuid,
    /// Its municipality: other municipalities' inquiries never match.
    pub municipality_id: Uuid,
    /// Digest of its email.
    pub email_digest: Option<String>,
    /// Digest of its phone.
    pub phone_digest: Option<String>,
}

impl From<&relocation_inquiry::Model> for Probe {
    fn from(m: &relocation_inquiry::Model) -> Self {
        Self {
            inquiry_id: m.id,
            municipality_id: m.municipality_id,
            email_digest: m.email_digest.clone(),
            phone_digest: m.phone_digest.clone(),
        }
    }
}

/// Open inquiries (not moved in, closed or erased) of the probe's municipality, other than
/// itself, sharing its email or phone, oldest first. Callers have checked that the viewer
/// may read the probed inquiry.
#[tracing::instrument(skip_all, fields(inquiry_id = %probe.inquiry_id))]
pub async fn possible_duplicates(
    db: &DatabaseConnection,
    probe: &Probe,
) -> AppResult<Vec<relocation_inquiry::Model>> {
    let mut shared = Condition::any();
    if let Some(digest) = &probe.email_digest {
        shared = shared.add(Column::EmailDigest.eq(digest.clone()));
    }
    if let Some(digest) = &probe.phone_digest {
        shared = shared.add(Column::PhoneDigest.eq(digest.clone()));
    }
    if shared.is_empty() {
        return Ok(Vec::new());
    }
    Ok(relocation_inquiry::Entity::find()
        .filter(Column::MunicipalityId.eq(probe.municipality_id))
        .filter(shared)
        .filter(Column::Id.ne(probe.inquiry_id))
        .filter(Column::ErasedAt.is_null())
        .filter(Column::Stage.is_not_in([InquiryStage::MovedIn, InquiryStage::Closed]))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .limit(MAX_DUPLICATES)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_match_across_case_width_and_hyphens() {
        assert_eq!(
            email_digest("ＨＡＮＡＫＯ@Example.jp"),
            email_digest("hanako@example.jp")
        );
        assert_eq!(
            phone_digest("０９０ー１２３４ー５６７８"),
            phone_digest("090-1234-5678")
        );
        assert_eq!(phone_digest("(090) 1234 5678"), phone_digest("09012345678"));
        assert_ne!(phone_digest("09012345678"), phone_digest("09012345679"));
        assert_eq!(email_digest("  "), None);
    }

    #[test]
    fn the_rule_is_the_one_the_migration_filled_existing_inquiries_with() {
        use migration::m20261208_200001_inquiry_contact_digests as filled;
        for email in ["Taro@Example.JP", "ｔａｒｏ@example.jp"] {
            assert_eq!(email_digest(email), filled::email_digest(email));
        }
        for phone in ["０９０ー１２３４ー５６７８", "+81 90-1234-5678"] {
            assert_eq!(phone_digest(phone), filled::phone_digest(phone));
        }
    }
}
