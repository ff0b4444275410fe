//! Search documents of programmes, and the one rule of which are public.

use std::collections::HashMap;

use chrono::Utc;
use entity::{
    organization,
    program::{self, Audience, ProgramCategory, ProgramKind, ProgramStatus},
    program_session::{self, SessionStatus},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::registration::decode_set;
use crate::search::{index::SearchDocument, sources::PROGRAM};

/// Whether a programme is public: once published (drafts and cancelled ones are not).
pub fn is_public(status: ProgramStatus) -> bool {
    status == ProgramStatus::Published
}

/// The programmes of `ids` as they are now (one statement), public or not.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<program::Model>, DbErr> {
    program::Entity::find()
        .filter(program::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// The document of programme `id`, or `None` when it is gone or not public.
pub async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<SearchDocument>, DbErr> {
    let Some(program) = program::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(program_documents(db, vec![program]).await?.pop())
}

/// Number of programmes, public or not.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    program::Entity::find().count(db).await
}

/// Page `page` of programmes in batches of `batch`, by id: the documents of the public
/// ones and the number of rows read.
pub async fn page(
    db: &impl ConnectionTrait,
    page: u64,
    batch: u64,
) -> Result<(Vec<SearchDocument>, u64), DbErr> {
    let rows = program::Entity::find()
        .order_by_asc(program::Column::Id)
        .paginate(db, batch)
        .fetch_page(page)
        .await?;
    let read = rows.len() as u64;
    Ok((program_documents(db, rows).await?, read))
}

/// The documents of the public ones of `programs`: three statements for the whole batch
/// (organizers, upcoming sessions). Drafts and cancelled programs have none.
async fn program_documents(
    db: &impl ConnectionTrait,
    programs: Vec<program::Model>,
) -> Result<Vec<SearchDocument>, DbErr> {
    let programs: Vec<program::Model> = programs
        .into_iter()
        .filter(|program| is_public(program.status))
        .collect();
    if programs.is_empty() {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let organizers: HashMap<Uuid, organization::Model> = organization::Entity::find()
        .filter(
            organization::Column::Id.is_in(programs.iter().map(|p| p.organizer_organization_id)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut upcoming: HashMap<Uuid, Vec<program_session::Model>> = HashMap::new();
    for session in program_session::Entity::find()
        .filter(program_session::Column::ProgramId.is_in(programs.iter().map(|p| p.id)))
        .filter(program_session::Column::Status.eq(SessionStatus::Scheduled))
        .filter(program_session::Column::StartsAt.gt(now))
        .order_by_asc(program_session::Column::StartsAt)
        .all(db)
        .await?
    {
        upcoming
            .entry(session.program_id)
            .or_default()
            .push(session);
    }
    Ok(programs
        .into_iter()
        .map(|program| {
            let organizer = organizers.get(&program.organizer_organization_id);
            let sessions = upcoming.remove(&program.id).unwrap_or_default();
            program_document(program, organizer, &sessions, now)
        })
        .collect())
}

/// A published program as a document: tags are its categories, kind and audiences in
/// Japanese (with English words for the kind and categories, and 託児付き when an upcoming
/// session has childcare); the date is the next
/// session's start and the free places those of the upcoming sessions still taking
/// registrations.
fn program_document(
    program: program::Model,
    organizer: Option<&organization::Model>,
    upcoming: &[program_session::Model],
    now: chrono::DateTime<Utc>,
) -> SearchDocument {
    let categories: Vec<ProgramCategory> = decode_set(&program.categories);
    let audiences: Vec<Audience> = decode_set(&program.audiences);
    let mut tags: Vec<String> = categories
        .iter()
        .map(|c| program_category_label(*c).into())
        .collect();
    tags.extend(categories.iter().map(|c| program_category_code(*c).into()));
    tags.push(program_kind_label(program.kind).into());
    tags.extend(audiences.iter().map(|a| audience_label(*a).into()));
    if upcoming.iter().any(|s| s.childcare_slots > 0) {
        tags.push("託児付き".into());
    }
    let mut venues: Vec<&str> = Vec::new();
    for venue in upcoming.iter().filter_map(|s| s.venue.as_deref()) {
        if !venues.contains(&venue) {
            venues.push(venue);
        }
    }
    let open: Vec<&program_session::Model> = upcoming
        .iter()
        .filter(|s| s.registration_closes_at > now)
        .collect();
    let child_age_months = match (program.child_min_age_months, program.child_max_age_months) {
        (None, None) => None,
        (min, max) => Some((
            i64::from(min.unwrap_or(0)),
            i64::from(max.unwrap_or(i32::MAX)),
        )),
    };
    let mut body = vec![program.summary, program.description];
    body.extend(program.accessibility_notes);
    body.extend(venues.iter().map(|v| (*v).to_owned()));
    SearchDocument {
        kind: PROGRAM.into(),
        id: program.id,
        municipality_id: program.municipality_id,
        kana: SearchDocument::readings([
            program.title_reading.as_deref(),
            organizer.map(|o| o.name_kana.as_str()),
        ]),
        title: program.title,
        tags,
        categories: categories
            .iter()
            .map(|c| program_category_code(*c).into())
            .collect(),
        body: body.join("\n"),
        organizer: organizer.map(|o| o.name.clone()).unwrap_or_default(),
        starts_at: upcoming.first().map(|s| s.starts_at),
        child_age_months,
        free_places: Some(
            open.iter()
                .map(|s| i64::from((s.capacity - s.seats_taken).max(0)))
                .sum(),
        ),
    }
}

/// The code of a program category, as the category filter names it.
pub fn program_category_code(category: ProgramCategory) -> &'static str {
    match category {
        ProgramCategory::Art => "art",
        ProgramCategory::Nature => "nature",
        ProgramCategory::History => "history",
        ProgramCategory::Science => "science",
        ProgramCategory::Reading => "reading",
        ProgramCategory::Career => "career",
        ProgramCategory::Parenting => "parenting",
        ProgramCategory::Childcare => "childcare",
        ProgramCategory::Relocation => "relocation",
        ProgramCategory::Health => "health",
        ProgramCategory::Other => "other",
    }
}

fn program_category_label(category: ProgramCategory) -> &'static str {
    match category {
        ProgramCategory::Art => "美術 アート",
        ProgramCategory::Nature => "自然",
        ProgramCategory::History => "歴史",
        ProgramCategory::Science => "科学",
        ProgramCategory::Reading => "読書 絵本",
        ProgramCategory::Career => "仕事 キャリア",
        ProgramCategory::Parenting => "子育て",
        ProgramCategory::Childcare => "保育 託児",
        ProgramCategory::Relocation => "移住",
        ProgramCategory::Health => "健康",
        ProgramCategory::Other => "その他",
    }
}

fn program_kind_label(kind: ProgramKind) -> &'static str {
    match kind {
        ProgramKind::CareerSeminar => "セミナー 講座 seminar career",
        ProgramKind::EducationWorkshop => "ワークショップ 体験 workshop",
        ProgramKind::ParentingClass => "子育て講座 教室 parenting class",
        ProgramKind::RelocationFair => "移住相談会 relocation consultation",
        ProgramKind::ChildcareExperience => "保育体験 childcare experience",
        ProgramKind::Other => "イベント event",
    }
}

fn audience_label(audience: Audience) -> &'static str {
    match audience {
        Audience::Women => "女性",
        Audience::ExpectantParents => "妊娠中の方 プレママ プレパパ",
        Audience::Guardians => "保護者",
        Audience::Children => "子ども",
        Audience::Everyone => "どなたでも",
    }
}
