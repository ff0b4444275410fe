//! What the identity domain tells people: the welcome after signing up.

use entity::{municipality, user};
use sea_orm::{ConnectionTrait, DbErr};

use crate::notify::{self, Kind, Notice, Recipient};

/// A resident signed up.
pub const WELCOME: Kind = Kind::optional("identity.welcome", "アカウント登録のお知らせ");

/// Every kind of message of the domain.
pub const KINDS: &[Kind] = &[WELCOME];

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
