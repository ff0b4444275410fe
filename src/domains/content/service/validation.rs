//! Checks of an article's fields: body, slug, tags, cover image and organization.

use entity::{
    article::{self},
    organization,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    auth::AuthUser,
    error::{AppResult, FieldError, FieldErrorCode, Problems},
    text::{self, long_text},
};

use super::{MAX_BODY, MAX_SLUG, MAX_TAG, MAX_TAGS, MAX_URL};

/// A Markdown body: several lines, at most [`MAX_BODY`] characters.
pub(super) fn check_body(body: &str) -> Result<String, FieldError> {
    long_text("body", body, MAX_BODY)
}

/// A slug: lowercase letters, digits and hyphens, not at either end.
pub fn check_slug(slug: &str) -> Result<Option<String>, FieldError> {
    let slug = text::normalize(slug).to_lowercase();
    if slug.is_empty() {
        return Ok(None);
    }
    if slug.chars().count() > MAX_SLUG {
        return Err(FieldError::input(
            "slug",
            FieldErrorCode::TooLong,
            format!("{MAX_SLUG}文字以内で入力してください。"),
        ));
    }
    let allowed = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !allowed || slug.starts_with('-') || slug.ends_with('-') {
        return Err(FieldError::input(
            "slug",
            FieldErrorCode::Invalid,
            "スラッグは半角英小文字・数字・ハイフンで入力してください（先頭と末尾にハイフンは使えません）。",
        ));
    }
    Ok(Some(slug))
}

pub(super) fn check_tag(field: &str, tag: &str) -> Result<String, FieldError> {
    // A tag is matched by filters: normalized like a code, so `ｲｼﾞｭｳ` is `イジュウ`.
    let tag = text::required(field, &text::normalize(tag), MAX_TAG)?;
    if tag.contains([',', '%', '_', '\\']) {
        return Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "タグに「,」「%」「_」「\\」は使えません。",
        ));
    }
    Ok(tag)
}

/// Tags: each a short line, duplicates dropped, at most [`MAX_TAGS`].
pub(super) fn check_tags(tags: &[String]) -> Result<Vec<String>, FieldError> {
    let mut checked: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = check_tag("tags", tag)?;
        if !checked.contains(&tag) {
            checked.push(tag);
        }
    }
    if checked.len() > MAX_TAGS {
        return Err(FieldError::input(
            "tags",
            FieldErrorCode::TooLong,
            format!("タグは{MAX_TAGS}個までです。"),
        ));
    }
    Ok(checked)
}

/// A cover image address: an absolute `http` or `https` URL with a host.
pub(super) fn check_cover_url(url: &str) -> Result<Option<String>, FieldError> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        FieldError::input(
            "coverImageUrl",
            FieldErrorCode::Invalid,
            "画像のURLは http:// または https:// で始まる正しいURLを入力してください。",
        )
    };
    if trimmed.len() > MAX_URL {
        return Err(FieldError::input(
            "coverImageUrl",
            FieldErrorCode::TooLong,
            format!("{MAX_URL}文字以内で入力してください。"),
        ));
    }
    let parsed = url::Url::parse(trimmed).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid());
    }
    Ok(Some(parsed.to_string()))
}

pub(super) async fn check_slug_free(
    db: &impl ConnectionTrait,
    problems: &mut Problems,
    municipality_id: Uuid,
    slug: &str,
    except: Option<Uuid>,
) -> AppResult<()> {
    let mut query = article::Entity::find()
        .filter(article::Column::MunicipalityId.eq(municipality_id))
        .filter(article::Column::Slug.eq(slug));
    if let Some(id) = except {
        query = query.filter(article::Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        problems.push(FieldError::input(
            "slug",
            FieldErrorCode::Taken,
            "このスラッグはこの自治体の別の記事で使われています。",
        ));
    }
    Ok(())
}

/// `id` if it is an organization of the municipality, else a `NOT_FOUND` problem.
pub(super) async fn check_organization(
    db: &impl ConnectionTrait,
    problems: &mut Problems,
    municipality_id: Uuid,
    id: Uuid,
) -> AppResult<Option<Uuid>> {
    let found = organization::Entity::find_by_id(id).one(db).await?;
    if found.is_some_and(|o| o.municipality_id == municipality_id) {
        Ok(Some(id))
    } else {
        problems.push(FieldError::input(
            "organizationId",
            FieldErrorCode::NotFound,
            "この自治体の団体が見つかりません。",
        ));
        Ok(None)
    }
}

/// The author's own organization, when it belongs to the municipality.
pub(super) async fn default_organization(
    db: &impl ConnectionTrait,
    me: &AuthUser,
    municipality_id: Uuid,
) -> AppResult<Option<Uuid>> {
    let Some(id) = me.organization_id else {
        return Ok(None);
    };
    let found = organization::Entity::find_by_id(id).one(db).await?;
    Ok(found
        .filter(|o| o.municipality_id == municipality_id)
        .map(|o| o.id))
}

#[cfg(test)]
mod tests {
    use super::{
        super::{join_tags, split_tags},
        *,
    };

    #[test]
    fn slugs_are_lowercase_words_joined_by_hyphens() {
        assert_eq!(
            check_slug(" Manazuru-Guide-2026 "),
            Ok(Some("manazuru-guide-2026".into()))
        );
        assert_eq!(check_slug(""), Ok(None));
        for bad in ["-start", "end-", "日本語", "with space", "a_b"] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_are_deduplicated_and_bounded() {
        let tags = vec!["移住".to_owned(), "ｲｼﾞｭｳ".to_owned(), "移住".to_owned()];
        assert_eq!(
            check_tags(&tags),
            Ok(vec!["移住".into(), "イジュウ".into()])
        );
        let many: Vec<String> = (0..=MAX_TAGS).map(|i| format!("tag{i}")).collect();
        assert!(check_tags(&many).is_err());
        assert!(check_tags(&["a,b".to_owned()]).is_err());
        assert_eq!(
            split_tags(&join_tags(&["a".into(), "b".into()])),
            vec!["a", "b"]
        );
        assert!(split_tags(&join_tags(&[])).is_empty());
    }

    #[test]
    fn cover_images_need_an_http_address_with_a_host() {
        assert_eq!(
            check_cover_url("https://example.jp/cover.jpg"),
            Ok(Some("https://example.jp/cover.jpg".into()))
        );
        for bad in [
            "javascript:alert(1)",
            "ftp://example.jp/a.jpg",
            "/cover.jpg",
            "https://",
        ] {
            assert!(check_cover_url(bad).is_err(), "{bad}");
        }
    }
}
