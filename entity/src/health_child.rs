use sea_orm::entity::prelude::*;

/// A child registered for vaccinations (special-care personal data): by a guardian in the
/// app, or by a clinic from a paper 予診票 until a guardian claims the child.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_children")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    /// The guardian's account; `None` while a child entered from paper is unclaimed.
    pub guardian_user_id: Option<Uuid>,
    pub name: String,
    pub name_kana: String,
    pub birth_date: Date,
    /// `FEMALE` or `MALE`.
    pub sex: String,
    pub created_at: DateTimeUtc,
    /// The clinic that entered the child from a paper form.
    pub entered_by_clinic_id: Option<Uuid>,
    /// SHA-256 (hex) of the one-time code a guardian claims the child with.
    pub claim_code_digest: Option<String>,
    /// When that code stops working.
    pub claim_code_expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
