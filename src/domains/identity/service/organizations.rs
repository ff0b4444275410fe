//! Municipalities and organizations: finding them, and administrators creating
//! organizations.

use entity::{municipality, organization};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    Select,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    auth::{ADMINS, Viewer},
    error::{
        AppError, AppResult, FieldError, FieldErrorCode, Outcome, Problems, is_unique_violation,
    },
    idempotency::{self, KeyScope},
    paging::{Ordering, Page, PageArgs, SortValue, paginate},
    state::ServiceContext,
    text::{self, Kana},
};

use super::MAX_NAME;

/// A new organization.
#[derive(Debug)]
pub struct NewOrganization {
    /// Municipality; `None` means the administrator's own.
    pub municipality_id: Option<Uuid>,
    /// Kind of body.
    pub kind: organization::OrganizationKind,
    /// Name.
    pub name: String,
    /// Kana reading of the name.
    pub name_kana: String,
    /// Website.
    pub website_url: Option<String>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// Registers an organization.
#[tracing::instrument(skip_all)]
pub async fn create_organization(
    ctx: ServiceContext<'_>,
    viewer: &Viewer,
    input: NewOrganization,
) -> AppResult<Outcome<organization::Model>> {
    let me = viewer.require_role(ADMINS)?.clone();
    let Some(municipality_id) = input.municipality_id.or(me.municipality_id) else {
        return Ok(Err(vec![FieldError::input(
            "municipalityId",
            FieldErrorCode::Required,
            "自治体を指定してください。",
        )]));
    };
    if !me.administers(municipality_id) {
        return Err(AppError::Forbidden);
    }
    if municipality::Entity::find_by_id(municipality_id)
        .one(ctx.db)
        .await?
        .is_none()
    {
        return Ok(Err(vec![FieldError::input(
            "municipalityId",
            FieldErrorCode::NotFound,
            "指定された自治体が見つかりません。",
        )]));
    }
    let mut problems = Problems::new();
    let name = problems.check(text::required("name", &input.name, MAX_NAME));
    let kana = problems.check(Kana::parse("nameKana", &input.name_kana, MAX_NAME));
    let website_url = match &input.website_url {
        Some(url) => problems.check(parse_url("websiteUrl", url)).map(Some),
        None => Some(None),
    };
    let (Some(name), Some(kana), Some(website_url), true) =
        (name, kana, website_url, problems.is_empty())
    else {
        return Ok(Err(problems.into_vec()));
    };

    #[derive(Serialize)]
    struct Fingerprint<'a> {
        municipality_id: Uuid,
        kind: &'a str,
        name: &'a str,
        kana: &'a Kana,
        website_url: &'a Option<String>,
    }
    let kind_name = format!("{:?}", input.kind);
    let fingerprint = Fingerprint {
        municipality_id,
        kind: &kind_name,
        name: &name,
        kana: &kana,
        website_url: &website_url,
    };
    let created = idempotency::run_once(
        ctx.db,
        &KeyScope::user(me.id, "createOrganization"),
        input.idempotency_key.as_deref(),
        &fingerprint,
        async |txn| {
            let now = ctx.now();
            let inserted = organization::ActiveModel {
                id: Set(Uuid::now_v7()),
                municipality_id: Set(municipality_id),
                kind: Set(input.kind),
                name: Set(name.clone()),
                name_kana: Set(kana.as_str().to_owned()),
                website_url: Set(website_url.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await;
            match inserted {
                Ok(organization) => Ok(Ok(organization.id)),
                Err(error) if is_unique_violation(&error) => Ok(Err(vec![FieldError::input(
                    "name",
                    FieldErrorCode::Taken,
                    "同じ名前の団体がすでに登録されています。",
                )])),
                Err(error) => Err(error.into()),
            }
        },
    )
    .await?;
    idempotency::load_created::<organization::Entity>(ctx.db, created).await
}

/// Every municipality, by JIS code (public).
#[tracing::instrument(skip_all)]
pub async fn list_municipalities(
    ctx: ServiceContext<'_>,
    page: PageArgs,
) -> AppResult<Page<municipality::Model>> {
    let ordering = Ordering::<municipality::Entity> {
        column: Some(municipality::Column::JisCode),
        id: municipality::Column::Id,
        descending: false,
        key: |row| (Some(SortValue::Text(row.jis_code.clone())), row.id),
    };
    paginate(
        ctx.db,
        municipality::Entity::find(),
        &ordering,
        page,
        ctx.limits.max_page_size,
    )
    .await
}

/// One municipality by JIS code (public).
#[tracing::instrument(skip_all)]
pub async fn find_municipality_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> AppResult<Option<municipality::Model>> {
    Ok(municipality::Entity::find()
        .filter(municipality::Column::JisCode.eq(text::normalize(code)))
        .one(db)
        .await?)
}

/// One municipality by id (public).
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn find_municipality(
    ctx: ServiceContext<'_>,
    id: Uuid,
) -> AppResult<municipality::Model> {
    municipality::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// One organization by id (public).
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn find_organization(
    ctx: ServiceContext<'_>,
    id: Uuid,
) -> AppResult<organization::Model> {
    organization::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Organizations of a municipality by name (public).
#[tracing::instrument(skip_all, fields(municipality_id = %municipality_id))]
pub async fn list_organizations(
    ctx: ServiceContext<'_>,
    municipality_id: Uuid,
    kind: Option<organization::OrganizationKind>,
    page: PageArgs,
) -> AppResult<Page<organization::Model>> {
    let mut select: Select<organization::Entity> = organization::Entity::find()
        .filter(organization::Column::MunicipalityId.eq(municipality_id));
    if let Some(kind) = kind {
        select = select.filter(organization::Column::Kind.eq(kind));
    }
    let ordering = Ordering::<organization::Entity> {
        column: Some(organization::Column::NameKana),
        id: organization::Column::Id,
        descending: false,
        key: |row| (Some(SortValue::Text(row.name_kana.clone())), row.id),
    };
    paginate(ctx.db, select, &ordering, page, ctx.limits.max_page_size).await
}

pub(super) async fn check_organization(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    municipality_id: Option<Uuid>,
) -> AppResult<Result<(), FieldError>> {
    let organization = organization::Entity::find_by_id(organization_id)
        .one(db)
        .await?;
    Ok(match organization {
        Some(organization) if Some(organization.municipality_id) == municipality_id => Ok(()),
        _ => Err(FieldError::input(
            "organizationId",
            FieldErrorCode::NotFound,
            "同じ自治体の団体を指定してください。",
        )),
    })
}

pub(super) fn parse_url(field: &str, value: &str) -> Result<String, FieldError> {
    let url = text::required(field, value, 500)?;
    let valid = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://".len()
        && !url.contains(char::is_whitespace);
    if valid {
        Ok(url)
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "https:// で始まるURLを入力してください。",
        ))
    }
}
