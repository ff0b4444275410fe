//! What the identity domain tells people: the welcome after signing up, and the security
//! message after a password change.

use chrono::{DateTime, Utc};
use entity::{municipality, user};
use sea_orm::{ConnectionTrait, DbErr};

use crate::notify::{self, Kind, Notice, Recipient, when};

/// A resident signed up.
pub const WELCOME: Kind = Kind::optional("identity.welcome", "アカウント登録のお知らせ");
/// The account's password was changed: the holder must learn of a change they did not
/// make, so it cannot be turned off.
pub const PASSWORD_CHANGED: Kind =
    Kind::required("identity.password_changed", "パスワード変更のお知らせ");

/// Every kind of message of the domain.
pub const KINDS: &[Kind] = &[WELCOME, PASSWORD_CHANGED];

/// Welcomes a resident who just signed up in `place`. Call in the transaction that made
/// the account.
pub async fn welcome(
    txn: &impl ConnectionTrait,
    account: &user::Model,
    place: &municipality::Model,
) -> Result<(), DbErr> {
    notify::enqueue(
        txn,
        Notice {
            recipient: Recipient::Account(account.id),
            municipality_id: Some(place.id),
            kind: WELCOME,
            subject_id: account.id,
            occasion: String::new(),
            title: format!("【{}】tsunagu へようこそ", place.name_ja),
            body: format!(
                "{} 様\n\n{}の tsunagu にご登録いただきありがとうございます。講座やイベントの申込み、子育て支援の予約、移住のご相談がこのアカウントでできます。\n\nお知らせの受け取り方（アプリ内・メール）は設定から種類ごとに変えられます。\n\nこのメールに心当たりがない場合は、お手数ですが{}までご連絡ください。",
                account.display_name, place.name_ja, place.name_ja
            ),
            link: Some("/mypage".to_owned()),
        },
    )
    .await
    .map(drop)
}

/// Tells the holder of `account` that its password was changed at `at` and its other
/// sessions ended. Call in the transaction that changed it.
pub async fn password_changed(
    txn: &impl ConnectionTrait,
    account: &user::Model,
    place: Option<&municipality::Model>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let contact = place.map_or_else(
        || "tsunagu の運営窓口".to_owned(),
        |place| place.name_ja.clone(),
    );
    notify::enqueue(
        txn,
        Notice {
            recipient: Recipient::Account(account.id),
            municipality_id: account.municipality_id,
            kind: PASSWORD_CHANGED,
            subject_id: account.id,
            // One message per change.
            occasion: at.to_rfc3339(),
            title: "【重要】パスワードが変更されました".to_owned(),
            body: format!(
                "{} 様\n\n{}に、tsunagu のアカウント（{}）のパスワードが変更されました。\n\n安全のため、変更の操作をした端末を除き、すべての端末でログアウトしました。ほかの端末では新しいパスワードで改めてログインしてください。\n\nこの変更に心当たりがない場合は、第三者に不正に利用されているおそれがあります。至急{}までご連絡ください。",
                account.display_name,
                when(at),
                account.email,
                contact
            ),
            link: Some("/mypage".to_owned()),
        },
    )
    .await
    .map(drop)
}
