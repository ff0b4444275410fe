//! Temporary childcare: children, bookings and their surveys.

use async_graphql::{
    ComplexObject, Context, Enum, ID, Result, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Duration, Utc};
use entity::{childcare_booking, childcare_booking_child, childcare_child, childcare_survey};
use uuid::Uuid;

use crate::domains::childcare::loaders::{
    BookedChildrenOf, ResourceById, SlotById, SurveyOf, WaitlistOf,
};
use crate::graphql::ids::NodeKind;
use crate::graphql::scalars::Date;
use crate::{
    connection,
    domains::{
        identity::loaders::{IdentityLoader, UserId},
        programs::registration::months_between,
    },
    fiscal,
    graphql::ids,
};

use super::{
    loader,
    resources::{ChildcareResource, ChildcareSlot},
};

connection!(
    ChildcareBooking,
    ChildcareBookingConnection,
    ChildcareBookingEdge
);

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ChildcareBookingStatus {
    /// Booked (予約済み).
    Booked,
    /// Cancelled (取消).
    Cancelled,
    /// The children came (利用).
    Attended,
    /// Nobody came (無断欠席); counts toward the no-show restriction.
    NoShow,
    /// On the waitlist (キャンセル待ち) of a full slot: holds no place, confirmed
    /// automatically (becomes `BOOKED`) in turn when places free.
    Waitlisted,
}

crate::enum_mirror!(
    ChildcareBookingStatus,
    childcare_booking::BookingStatus,
    [Booked, Cancelled, Attended, NoShow, Waitlisted]
);

/// A child registered by a guardian (personal data: the guardian only).
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ChildcareChild {
    #[graphql(skip)]
    pub uuid: Uuid,
    /// Name.
    pub name: String,
    /// Kana reading.
    pub name_kana: String,
    /// Birth date.
    pub birth_date: Date,
    /// Allergies and other notes for the staff.
    pub notes: Option<String>,
    /// When you removed the child (still named on the bookings made before).
    pub removed_at: Option<DateTime<Utc>>,
}

impl From<childcare_child::Model> for ChildcareChild {
    fn from(model: childcare_child::Model) -> Self {
        Self {
            uuid: model.id,
            name: model.name,
            name_kana: model.name_kana,
            birth_date: model.birth_date.into(),
            notes: model.notes,
            removed_at: model.removed_at,
        }
    }
}

#[ComplexObject]
impl ChildcareChild {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::ChildcareChild, self.uuid)
    }

    /// Age in whole months today (Japan).
    async fn age_months(&self) -> i32 {
        months_between(self.birth_date.into(), fiscal::today())
    }
}

/// A child in a booking.
#[derive(Debug, Clone, SimpleObject)]
pub struct BookedChild {
    /// The child.
    pub child: ChildcareChild,
    /// Age in whole months on the booked date.
    pub age_months: i32,
}

impl From<(childcare_booking_child::Model, childcare_child::Model)> for BookedChild {
    fn from((booked, child): (childcare_booking_child::Model, childcare_child::Model)) -> Self {
        Self {
            child: child.into(),
            age_months: booked.age_months,
        }
    }
}

/// The guardian who booked (personal data).
#[derive(Debug, Clone, SimpleObject)]
pub struct ChildcareGuardian {
    /// Name.
    pub name: String,
    /// Kana reading.
    pub name_kana: String,
    /// Email address.
    pub email: String,
}

/// A satisfaction answer after temporary childcare.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChildcareSurveyResponse {
    /// 1 (dissatisfied) – 5 (very satisfied).
    pub score: i32,
    /// Comment, if any.
    pub comment: Option<String>,
    /// Fiscal year (年度) of the booked date.
    pub fiscal_year: i32,
    /// When it was answered.
    pub submitted_at: DateTime<Utc>,
}

impl From<childcare_survey::Model> for ChildcareSurveyResponse {
    fn from(model: childcare_survey::Model) -> Self {
        Self {
            score: i32::from(model.score),
            comment: model.comment,
            fiscal_year: model.fiscal_year,
            submitted_at: model.submitted_at,
        }
    }
}

/// A temporary childcare booking of one day. Seen only by the guardian who booked and the
/// resource's staff.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ChildcareBooking {
    #[graphql(skip)]
    pub model: childcare_booking::Model,
    /// Where it stands.
    pub status: ChildcareBookingStatus,
    /// The date (Japan).
    pub date: Date,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Minutes booked per child (counted against the monthly limit).
    pub minutes: i32,
    /// Children booked.
    pub child_count: i32,
    /// Same for every booking made together for several days.
    pub group_id: ID,
    /// Note for the staff.
    pub note: Option<String>,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why the facility cancelled it (the reason the slot was cancelled), when it did.
    pub cancel_reason: Option<String>,
    /// When attendance was marked.
    pub marked_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl From<childcare_booking::Model> for ChildcareBooking {
    fn from(model: childcare_booking::Model) -> Self {
        Self {
            status: model.status.into(),
            date: model.date.into(),
            starts_at: model.starts_at,
            ends_at: model.starts_at + Duration::minutes(i64::from(model.minutes)),
            minutes: model.minutes,
            child_count: model.children,
            group_id: ID(model.group_id.to_string()),
            note: model.note.clone(),
            cancelled_at: model.cancelled_at,
            cancel_reason: model.cancel_reason.clone(),
            marked_at: model.marked_at,
            created_at: model.created_at,
            model,
        }
    }
}

#[ComplexObject]
impl ChildcareBooking {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::ChildcareBooking, self.model.id)
    }

    /// Place on the slot's waitlist while `WAITLISTED` (1 is next in line); null otherwise.
    async fn waitlist_position(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        if self.model.status != childcare_booking::BookingStatus::Waitlisted {
            return Ok(None);
        }
        let waiting = loader(ctx)?
            .load_one(WaitlistOf(self.model.slot_id))
            .await?
            .unwrap_or_default();
        Ok(waiting
            .iter()
            .position(|id| *id == self.model.id)
            .map(|index| i32::try_from(index + 1).unwrap_or(i32::MAX)))
    }

    /// The resource.
    async fn resource(&self, ctx: &Context<'_>) -> Result<ChildcareResource> {
        crate::graphql::present(
            loader(ctx)?
                .load_one(ResourceById(self.model.resource_id))
                .await?
                .map(Into::into),
            "resource",
        )
    }

    /// The slot.
    async fn slot(&self, ctx: &Context<'_>) -> Result<ChildcareSlot> {
        crate::graphql::present(
            loader(ctx)?
                .load_one(SlotById(self.model.slot_id))
                .await?
                .map(Into::into),
            "slot",
        )
    }

    /// The children with their ages on the date.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<BookedChild>> {
        Ok(loader(ctx)?
            .load_one(BookedChildrenOf(self.model.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The guardian who booked.
    async fn guardian(&self, ctx: &Context<'_>) -> Result<Option<ChildcareGuardian>> {
        Ok(ctx
            .data::<DataLoader<IdentityLoader>>()?
            .load_one(UserId(self.model.guardian_user_id))
            .await?
            .map(|user| ChildcareGuardian {
                name: user.display_name,
                name_kana: user.display_name_kana,
                email: user.email,
            }))
    }

    /// The satisfaction answer, once given.
    async fn survey(&self, ctx: &Context<'_>) -> Result<Option<ChildcareSurveyResponse>> {
        Ok(loader(ctx)?
            .load_one(SurveyOf(self.model.id))
            .await?
            .map(Into::into))
    }
}
