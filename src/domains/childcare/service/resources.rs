//! Creating and changing resources, and the steps every change of a resource shares.

use entity::{
    childcare_resource::{self, ResourceKind},
    organization,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    auth::{Role, Viewer},
    db::{self, now},
    error::{AppError, AppResult, FieldError, FieldErrorCode, Outcome},
    idempotency::{self, KeyScope},
    search::{outbox, sources},
};

use super::{
    fields::{ResourceFields, apply, check_fields},
    visibility::{can_see, edits, viewer_edits},
};

/// A resource to create.
#[derive(Debug, Clone)]
pub struct NewResource {
    /// Provider organization; program staff may omit it (their own is used).
    pub provider_id: Option<Uuid>,
    /// Its fields.
    pub fields: ResourceFields,
    /// Publish at once.
    pub publish: bool,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Changes to a resource; `None` keeps a field, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct ResourceChanges {
    /// New kind.
    pub kind: Option<ResourceKind>,
    /// New name.
    pub name: Option<String>,
    /// New kana reading.
    pub name_kana: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New postal code.
    pub postal_code: Option<String>,
    /// New prefecture code.
    pub prefecture_code: Option<i32>,
    /// New city.
    pub city: Option<String>,
    /// New street.
    pub street: Option<String>,
    /// New location (latitude, longitude), or none.
    pub location: Option<Option<(f64, f64)>>,
    /// New phone.
    pub phone: Option<Option<String>>,
    /// New URL.
    pub url: Option<Option<String>>,
    /// New fee.
    pub fee: Option<Option<String>>,
    /// Expectant parents.
    pub expectant_parents: Option<bool>,
    /// New child age range.
    pub child_age_range: Option<(Option<i32>, Option<i32>)>,
    /// Residents only.
    pub residents_only: Option<bool>,
    /// New languages.
    pub languages: Option<Vec<String>>,
    /// New accessibility notes.
    pub accessibility: Option<Option<String>>,
    /// Publish or unpublish.
    pub published: Option<bool>,
}

/// Creates a resource (admins of the municipality, or program staff for their own
/// organization).
#[tracing::instrument(skip_all)]
pub async fn create_resource(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewResource,
) -> AppResult<Outcome<childcare_resource::Model>> {
    let me = viewer
        .require_role(&[
            Role::PlatformAdmin,
            Role::MunicipalAdmin,
            Role::ProgramStaff,
        ])?
        .clone();
    let provider_id = input.provider_id.or(if me.role == Role::ProgramStaff {
        me.organization_id
    } else {
        None
    });
    let Some(provider_id) = provider_id else {
        return Ok(Err(vec![FieldError::input(
            "providerId",
            FieldErrorCode::Required,
            "運営団体を指定してください。",
        )]));
    };
    let Some(provider) = organization::Entity::find_by_id(provider_id)
        .one(db)
        .await?
    else {
        return Ok(Err(vec![FieldError::input(
            "providerId",
            FieldErrorCode::NotFound,
            "指定された運営団体が見つかりません。",
        )]));
    };
    if !edits(&me, provider.municipality_id, provider.id) {
        return Err(AppError::Forbidden);
    }
    let checked = match check_fields(&input.fields) {
        Ok(checked) => checked,
        Err(errors) => return Ok(Err(errors)),
    };
    #[derive(Serialize)]
    struct Fingerprint {
        provider: Uuid,
        name: String,
        postal_code: String,
        publish: bool,
    }
    let fingerprint = Fingerprint {
        provider: provider.id,
        name: checked.name.clone(),
        postal_code: checked.postal_code.clone(),
        publish: input.publish,
    };
    let created = idempotency::run_once(
        db,
        &KeyScope::user(me.id, "createChildcareResource"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let now = now();
            let id = Uuid::now_v7();
            let mut model = childcare_resource::ActiveModel {
                id: Set(id),
                municipality_id: Set(provider.municipality_id),
                provider_organization_id: Set(provider.id),
                published: Set(input.publish),
                created_by: Set(me.id),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            apply(&mut model, checked);
            model.insert(txn).await?;
            outbox::enqueue(
                txn,
                sources::CHILDCARE_RESOURCE,
                id,
                provider.municipality_id,
            )
            .await?;
            Ok(Ok(id))
        },
    )
    .await?;
    idempotency::load_created::<childcare_resource::Entity>(db, created).await
}

/// Locks a resource the viewer edits, in `txn`.
pub(super) async fn editable(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<childcare_resource::Model> {
    viewer.require_user()?;
    let resource = childcare_resource::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .filter(|resource| can_see(viewer, resource))
        .ok_or(AppError::NotFound)?;
    if viewer_edits(viewer, &resource) {
        Ok(resource)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Marks a resource changed and queues its search document, in `txn`.
pub(super) async fn touch(
    txn: &DatabaseTransaction,
    resource: childcare_resource::Model,
) -> AppResult<childcare_resource::Model> {
    let (id, municipality_id) = (resource.id, resource.municipality_id);
    let mut model = resource.into_active_model();
    model.updated_at = Set(now());
    let updated = model.update(txn).await?;
    outbox::enqueue(txn, sources::CHILDCARE_RESOURCE, id, municipality_id).await?;
    Ok(updated)
}

/// Changes a resource its editor may edit; publishes or unpublishes it.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update_resource(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    changes: ResourceChanges,
) -> AppResult<Outcome<childcare_resource::Model>> {
    let txn = db::begin_write(db).await?;
    let resource = editable(&txn, viewer, id).await?;
    let mut fields = ResourceFields::from(&resource);
    let keep = |field: &mut Option<String>, change: Option<Option<String>>| {
        if let Some(change) = change {
            *field = change;
        }
    };
    if let Some(kind) = changes.kind {
        fields.kind = kind;
    }
    for (field, change) in [
        (&mut fields.name, changes.name),
        (&mut fields.name_kana, changes.name_kana),
        (&mut fields.description, changes.description),
        (&mut fields.postal_code, changes.postal_code),
        (&mut fields.city, changes.city),
        (&mut fields.street, changes.street),
    ] {
        if let Some(change) = change {
            *field = change;
        }
    }
    if let Some(code) = changes.prefecture_code {
        fields.prefecture_code = code;
    }
    if let Some(location) = changes.location {
        fields.latitude = location.map(|(lat, _)| lat);
        fields.longitude = location.map(|(_, lon)| lon);
    }
    keep(&mut fields.phone, changes.phone);
    keep(&mut fields.url, changes.url);
    keep(&mut fields.fee, changes.fee);
    keep(&mut fields.accessibility, changes.accessibility);
    if let Some(value) = changes.expectant_parents {
        fields.expectant_parents = value;
    }
    if let Some((min, max)) = changes.child_age_range {
        fields.child_min_age_months = min;
        fields.child_max_age_months = max;
    }
    if let Some(value) = changes.residents_only {
        fields.residents_only = value;
    }
    if let Some(languages) = changes.languages {
        fields.languages = languages;
    }
    let checked = match check_fields(&fields) {
        Ok(checked) => checked,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut model = resource.into_active_model();
    apply(&mut model, checked);
    if let Some(published) = changes.published {
        model.published = Set(published);
    }
    let updated = model.update(&txn).await?;
    let updated = touch(&txn, updated).await?;
    txn.commit().await?;
    Ok(Ok(updated))
}
