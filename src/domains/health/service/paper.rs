//! The child of a paper 予診票 a clinic enters: a child it already sees, the one registered
//! child of the municipality with the form's reading and birth date, or — for a family that
//! never used the app — a child described on the form, written with the forms.

use entity::{health_child as child, organization};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::forms::NewForms;
use crate::error::{AppResult, FieldError, FieldErrorCode};
use crate::state::ServiceContext;
use crate::text::Kana;

/// The child of a paper form, and whether it is new: by id when the clinic already sees
/// the child (or entered it), else the one registered child of the municipality with this
/// reading and birth date, else the child described by `new_child`, not yet written.
pub(super) async fn paper_child(
    ctx: ServiceContext<'_>,
    clinic: &organization::Model,
    new: &NewForms,
) -> AppResult<Result<(Option<child::Model>, bool), Vec<FieldError>>> {
    if let Some(id) = new.child_id {
        let found = child::Entity::find_by_id(id)
            .one(ctx.db)
            .await?
            .filter(|c| c.municipality_id == clinic.municipality_id);
        let seen = match &found {
            Some(c) => {
                c.entered_by_clinic_id == Some(clinic.id)
                    || super::access::clinic_sees_child(ctx.db, clinic.id, c.id).await?
            }
            None => false,
        };
        return Ok(Ok((found.filter(|_| seen), false)));
    }
    let described = new.new_child.as_ref();
    let today = crate::fiscal::date_of(ctx.now());
    let checked = match described {
        Some(described) => match super::children::check_new_child("newChild", described, today) {
            Ok(checked) => Some(checked),
            Err(errors) => return Ok(Err(errors)),
        },
        None => None,
    };
    let kana = new
        .child_name_kana
        .as_deref()
        .or(described.map(|c| c.name_kana.as_str()));
    let birth = new.child_birth_date.or(described.map(|c| c.birth_date));
    let (Some(kana), Some(birth)) = (kana, birth) else {
        return Ok(Ok((None, false)));
    };
    let Ok(kana) = Kana::parse("childNameKana", kana, 100) else {
        return Ok(Ok((None, false)));
    };
    let wanted: String = kana
        .as_str()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let found: Vec<child::Model> = child::Entity::find()
        .filter(child::Column::MunicipalityId.eq(clinic.municipality_id))
        .filter(child::Column::BirthDate.eq(birth))
        .all(ctx.db)
        .await?
        .into_iter()
        .filter(|c| {
            c.name_kana
                .chars()
                .filter(|ch| !ch.is_whitespace())
                .collect::<String>()
                == wanted
        })
        .collect();
    match (found.len(), described.zip(checked)) {
        (1, _) => Ok(Ok((found.into_iter().next(), false))),
        (0, Some((described, (name, kana)))) => Ok(Ok((
            Some(child::Model {
                id: Uuid::now_v7(),
                municipality_id: clinic.municipality_id,
                guardian_user_id: None,
                name,
                name_kana: kana,
                birth_date: described.birth_date,
                sex: super::children::sex_text(described.sex).to_owned(),
                created_at: ctx.now(),
                entered_by_clinic_id: Some(clinic.id),
                claim_code_digest: None,
                claim_code_expires_at: None,
            }),
            true,
        ))),
        (0, None) => Ok(Ok((None, false))),
        _ => Ok(Err(vec![FieldError::input(
            "childId",
            FieldErrorCode::NotFound,
            "同じ読みと生年月日のお子さまが複数います。お子さまを特定してください。",
        )])),
    }
}
