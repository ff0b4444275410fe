//! Search documents of childcare resources, and the one rule of which are public.
//! Personal data never goes into a document.

use entity::{childcare_resource, organization};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::{service::decode_languages, types::kind_label};
use crate::search::{index::SearchDocument, sources::CHILDCARE_RESOURCE};

/// Whether a resource is public: once published.
pub fn is_public(published: bool) -> bool {
    published
}

/// The resources of `ids` as they are now (one statement), public or not.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<childcare_resource::Model>, DbErr> {
    childcare_resource::Entity::find()
        .filter(childcare_resource::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// The document of resource `id`, or `None` when it is gone or unpublished.
pub async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<SearchDocument>, DbErr> {
    let Some(resource) = childcare_resource::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let provider = organization::Entity::find_by_id(resource.provider_organization_id)
        .one(db)
        .await?;
    Ok(document(resource, provider.map(|o| o.name)))
}

/// Number of resources, published or not.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    childcare_resource::Entity::find().count(db).await
}

/// Page `page` of resources in batches of `batch`, by id: the documents of the published
/// ones and the number of rows read.
pub async fn page(
    db: &impl ConnectionTrait,
    page: u64,
    batch: u64,
) -> Result<(Vec<SearchDocument>, u64), DbErr> {
    let rows = childcare_resource::Entity::find()
        .find_also_related(organization::Entity)
        .order_by_asc(childcare_resource::Column::Id)
        .paginate(db, batch)
        .fetch_page(page)
        .await?;
    let read = rows.len() as u64;
    Ok((
        rows.into_iter()
            .filter_map(|(resource, provider)| document(resource, provider.map(|o| o.name)))
            .collect(),
        read,
    ))
}

/// The document of a resource: name, kana, kind and languages as tags, and description,
/// address and accessibility as body.
pub fn document(
    resource: childcare_resource::Model,
    provider: Option<String>,
) -> Option<SearchDocument> {
    if !is_public(resource.published) {
        return None;
    }
    let prefecture = crate::japan::prefecture(resource.prefecture_code)
        .map(|(ja, _)| ja)
        .unwrap_or_default();
    let mut tags = vec![kind_label(resource.kind).to_owned()];
    tags.extend(decode_languages(&resource.languages));
    let address = format!(
        "〒{} {prefecture}{}{}",
        resource.postal_code, resource.city, resource.street
    );
    let body = [
        resource.description.clone(),
        address,
        resource.accessibility.clone().unwrap_or_default(),
    ]
    .join("\n");
    let child_age_months = (resource.child_min_age_months.is_some()
        || resource.child_max_age_months.is_some())
    .then(|| {
        (
            i64::from(resource.child_min_age_months.unwrap_or(0)),
            i64::from(resource.child_max_age_months.unwrap_or(216)),
        )
    });
    Some(SearchDocument {
        kind: CHILDCARE_RESOURCE.into(),
        id: resource.id,
        municipality_id: resource.municipality_id,
        title: resource.name,
        kana: resource.name_kana,
        tags,
        body,
        organizer: provider.unwrap_or_default(),
        child_age_months,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::childcare_resource::ResourceKind;
    use uuid::Uuid;

    use super::*;

    fn resource(published: bool) -> childcare_resource::Model {
        let now = Utc::now();
        childcare_resource::Model {
            id: Uuid::now_v7(),
            municipality_id: Uuid::now_v7(),
            provider_organization_id: Uuid::now_v7(),
            kind: ResourceKind::Plaza,
            name: "親子元気ルーム".into(),
            name_kana: "オヤコゲンキルーム".into(),
            description: "親子で遊べるひろばです。".into(),
            postal_code: "371-0022".into(),
            prefecture_code: 10,
            city: "前橋市".into(),
            street: "千代田町二丁目5番1号".into(),
            latitude: None,
            longitude: None,
            phone: Some("027-210-2189".into()),
            url: None,
            fee: None,
            expectant_parents: true,
            child_min_age_months: Some(0),
            child_max_age_months: Some(72),
            residents_only: false,
            languages: ",ja,en,".into(),
            accessibility: Some("授乳室あり".into()),
            published,
            created_by: Uuid::now_v7(),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_published_resource_is_a_document_of_its_public_fields_only() {
        let document = document(resource(true), Some("前橋市".into()));
        let Some(document) = document else {
            panic!("published resources are documents");
        };
        assert_eq!(document.title, "親子元気ルーム");
        assert_eq!(document.kana, "オヤコゲンキルーム");
        assert_eq!(document.tags, ["子育てひろば", "ja", "en"]);
        assert!(
            document
                .body
                .contains("〒371-0022 群馬県前橋市千代田町二丁目5番1号")
        );
        assert!(document.body.contains("授乳室あり"));
        assert!(
            !document.body.contains("027-210-2189"),
            "contact details stay out"
        );
        assert_eq!(document.child_age_months, Some((0, 72)));
    }

    #[test]
    fn an_unpublished_resource_is_not_a_document() {
        assert!(document(resource(false), None).is_none());
    }
}
