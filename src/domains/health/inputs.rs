//! GraphQL inputs and payloads of the health domain, and their conversion into service
//! structs.

use async_graphql::{ID, InputObject, SimpleObject};

use super::service::{HandbookDose, NewChild};
use super::types::{ChildSex, HealthChild, Vaccination};
use crate::error::AppResult;
use crate::graphql::scalars::Date;
use crate::graphql::{
    ids::{self, NodeKind},
    payload::UserError,
};

/// Register a child of yours for vaccinations (residents).
#[derive(Debug, InputObject)]
pub struct RegisterHealthChildInput {
    /// Name, e.g. 「北九 太郎」.
    pub name: String,
    /// Reading in katakana or hiragana.
    pub name_kana: String,
    /// Birth date.
    pub birth_date: Date,
    /// Sex.
    pub sex: ChildSex,
}

impl From<RegisterHealthChildInput> for NewChild {
    fn from(input: RegisterHealthChildInput) -> Self {
        Self {
            name: input.name,
            name_kana: input.name_kana,
            birth_date: input.birth_date.into(),
            sex: input.sex.into(),
        }
    }
}

/// The child registered, or why not.
#[derive(SimpleObject)]
pub struct RegisterHealthChildPayload {
    /// The child; null when refused.
    pub child: Option<HealthChild>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}

/// Copy a dose from the 母子健康手帳 into your child's history (the child's guardian).
#[derive(Debug, InputObject)]
pub struct RecordHandbookVaccinationInput {
    /// The child.
    pub child_id: ID,
    /// Product code of the catalogue, e.g. `PCV15`.
    pub product_code: String,
    /// The day it was given.
    pub vaccinated_on: Date,
}

impl TryFrom<RecordHandbookVaccinationInput> for HandbookDose {
    type Error = crate::error::AppError;

    fn try_from(input: RecordHandbookVaccinationInput) -> AppResult<Self> {
        Ok(Self {
            child_id: ids::decode_as(&input.child_id, NodeKind::HealthChild)?,
            product_code: input.product_code.trim().to_owned(),
            vaccinated_on: input.vaccinated_on.into(),
        })
    }
}

/// The dose recorded, or why not.
#[derive(SimpleObject)]
pub struct RecordHandbookVaccinationPayload {
    /// The dose; null when refused.
    pub vaccination: Option<Vaccination>,
    /// Why the input was refused; nothing was changed then.
    pub user_errors: Vec<UserError>,
}
