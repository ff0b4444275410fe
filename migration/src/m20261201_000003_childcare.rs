//! Childcare: the resource directory (子育てひろば, 元気保育園, 一時保育, …) with weekly
//! hours and dated exceptions, daily visit counts, and temporary childcare bookings (rules,
//! slots, registered children, bookings and satisfaction surveys).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    action: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(action)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict};
        use Resources as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(pk_uuid(R::Id))
                    .col(uuid(R::MunicipalityId))
                    .col(uuid(R::ProviderOrganizationId))
                    .col(string_len(R::Kind, 32))
                    .col(string_len(R::Name, 200))
                    .col(string_len(R::NameKana, 200))
                    .col(text(R::Description))
                    .col(string_len(R::PostalCode, 8))
                    .col(small_integer(R::PrefectureCode))
                    .col(string_len(R::City, 100))
                    .col(string_len(R::Street, 200))
                    .col(double_null(R::Latitude))
                    .col(double_null(R::Longitude))
                    .col(string_len_null(R::Phone, 32))
                    .col(string_len_null(R::Url, 500))
                    .col(string_len_null(R::Fee, 200))
                    .col(boolean(R::ExpectantParents))
                    .col(integer_null(R::ChildMinAgeMonths))
                    .col(integer_null(R::ChildMaxAgeMonths))
                    .col(boolean(R::ResidentsOnly))
                    .col(string_len(R::Languages, 200))
                    .col(text_null(R::Accessibility))
                    .col(boolean(R::Published))
                    .col(uuid(R::CreatedBy))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .foreign_key(&mut fk(
                        (R::Table, R::MunicipalityId),
                        (Municipalities::Table, Municipalities::Id),
                        Restrict,
                    ))
                    .foreign_key(&mut fk(
                        (R::Table, R::ProviderOrganizationId),
                        (Organizations::Table, Organizations::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("childcare_resources_municipality_kind")
                    .table(R::Table)
                    .col(R::MunicipalityId)
                    .col(R::Kind)
                    .to_owned(),
            )
            .await?;

        use OpeningHours as H;
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .col(pk_uuid(H::Id))
                    .col(uuid(H::MunicipalityId))
                    .col(uuid(H::ResourceId))
                    .col(small_integer(H::Weekday))
                    .col(integer(H::OpensMinute))
                    .col(integer(H::ClosesMinute))
                    .foreign_key(&mut fk(
                        (H::Table, H::ResourceId),
                        (R::Table, R::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("childcare_opening_hours_resource")
                    .table(H::Table)
                    .col(H::ResourceId)
                    .col(H::Weekday)
                    .to_owned(),
            )
            .await?;

        use HoursExceptions as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(pk_uuid(E::Id))
                    .col(uuid(E::MunicipalityId))
                    .col(uuid(E::ResourceId))
                    .col(date(E::Date))
                    .col(string_len(E::Intervals, 200))
                    .col(string_len_null(E::Note, 200))
                    .col(timestamp_with_time_zone(E::CreatedAt))
                    .foreign_key(&mut fk(
                        (E::Table, E::ResourceId),
                        (R::Table, R::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("childcare_hours_exceptions_resource_date")
                    .table(E::Table)
                    .col(E::ResourceId)
                    .col(E::Date)
                    .unique()
                    .to_owned(),
            )
            .await?;

        use BookingRules as B;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .col(pk_uuid(B::ResourceId))
                    .col(uuid(B::MunicipalityId))
                    .col(integer(B::OpensDaysBefore))
                    .col(integer(B::MonthlyLimitHours))
                    .col(integer(B::MinAgeMonths))
                    .col(integer(B::MaxAgeMonths))
                    .col(integer(B::CancelDeadlineHours))
                    .col(integer(B::NoShowLimit))
                    .col(integer(B::NoShowWindowDays))
                    .col(integer(B::RestrictionDays))
                    .col(timestamp_with_time_zone(B::UpdatedAt))
                    .foreign_key(&mut fk(
                        (B::Table, B::ResourceId),
                        (R::Table, R::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        use Slots as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(pk_uuid(S::Id))
                    .col(uuid(S::MunicipalityId))
                    .col(uuid(S::ResourceId))
                    .col(date(S::Date))
                    .col(timestamp_with_time_zone(S::StartsAt))
                    .col(timestamp_with_time_zone(S::EndsAt))
                    .col(integer(S::Capacity))
                    .col(integer(S::ChildrenBooked))
                    .col(timestamp_with_time_zone(S::CreatedAt))
                    .foreign_key(&mut fk(
                        (S::Table, S::ResourceId),
                        (R::Table, R::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("childcare_slots_resource_start")
                    .table(S::Table)
                    .col(S::ResourceId)
                    .col(S::StartsAt)
                    .unique()
                    .to_owned(),
            )
            .await?;

        use Children as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(pk_uuid(C::Id))
                    .col(uuid(C::MunicipalityId))
                    .col(uuid(C::GuardianUserId))
                    .col(string_len(C::Name, 100))
                    .col(string_len(C::NameKana, 100))
                    .col(date(C::BirthDate))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .foreign_key(&mut fk(
                        (C::Table, C::GuardianUserId),
                        (Users::Table, Users::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("childcare_children_guardian")
                    .table(C::Table)
                    .col(C::GuardianUserId)
                    .to_owned(),
            )
            .await?;

        use Bookings as K;
        manager
            .create_table(
                Table::create()
                    .table(K::Table)
                    .col(pk_uuid(K::Id))
                    .col(uuid(K::MunicipalityId))
                    .col(uuid(K::ResourceId))
                    .col(uuid(K::SlotId))
                    .col(uuid(K::GroupId))
                    .col(uuid(K::GuardianUserId))
                    .col(string_len(K::Status, 32))
                    .col(integer(K::Children))
                    .col(integer(K::Minutes))
                    .col(date(K::Date))
                    .col(timestamp_with_time_zone(K::StartsAt))
                    .col(string_len_null(K::Note, 500))
                    .col(timestamp_with_time_zone_null(K::CancelledAt))
                    .col(timestamp_with_time_zone_null(K::MarkedAt))
                    .col(timestamp_with_time_zone(K::CreatedAt))
                    .col(timestamp_with_time_zone(K::UpdatedAt))
                    .foreign_key(&mut fk((K::Table, K::SlotId), (S::Table, S::Id), Cascade))
                    .foreign_key(&mut fk(
                        (K::Table, K::GuardianUserId),
                        (Users::Table, Users::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, first, second) in [
            ("childcare_bookings_slot", K::SlotId, K::Status),
            ("childcare_bookings_guardian", K::GuardianUserId, K::Date),
            ("childcare_bookings_group", K::GroupId, K::Date),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(K::Table)
                        .col(first)
                        .col(second)
                        .to_owned(),
                )
                .await?;
        }

        use BookingChildren as BC;
        manager
            .create_table(
                Table::create()
                    .table(BC::Table)
                    .col(pk_uuid(BC::Id))
                    .col(uuid(BC::MunicipalityId))
                    .col(uuid(BC::BookingId))
                    .col(uuid(BC::ChildId))
                    .col(integer(BC::AgeMonths))
                    .foreign_key(&mut fk(
                        (BC::Table, BC::BookingId),
                        (K::Table, K::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        (BC::Table, BC::ChildId),
                        (C::Table, C::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("childcare_booking_children_booking", BC::BookingId),
            ("childcare_booking_children_child", BC::ChildId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(BC::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        use Visits as V;
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .col(pk_uuid(V::Id))
                    .col(uuid(V::MunicipalityId))
                    .col(uuid(V::ResourceId))
                    .col(date(V::VisitDate))
                    .col(integer(V::FiscalYear))
                    .col(integer(V::Adults))
                    .col(integer(V::Children))
                    .col(uuid(V::RecordedBy))
                    .col(timestamp_with_time_zone(V::CreatedAt))
                    .col(timestamp_with_time_zone(V::UpdatedAt))
                    .foreign_key(&mut fk(
                        (V::Table, V::ResourceId),
                        (R::Table, R::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("childcare_visits_resource_date")
                    .table(V::Table)
                    .col(V::ResourceId)
                    .col(V::VisitDate)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("childcare_visits_municipality_year")
                    .table(V::Table)
                    .col(V::MunicipalityId)
                    .col(V::FiscalYear)
                    .to_owned(),
            )
            .await?;

        use Surveys as Q;
        manager
            .create_table(
                Table::create()
                    .table(Q::Table)
                    .col(pk_uuid(Q::Id))
                    .col(uuid(Q::MunicipalityId))
                    .col(uuid(Q::ResourceId))
                    .col(uuid(Q::BookingId).unique_key())
                    .col(small_integer(Q::Score))
                    .col(text_null(Q::Comment))
                    .col(integer(Q::FiscalYear))
                    .col(timestamp_with_time_zone(Q::SubmittedAt))
                    .foreign_key(&mut fk(
                        (Q::Table, Q::BookingId),
                        (K::Table, K::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("childcare_surveys_municipality_year")
                    .table(Q::Table)
                    .col(Q::MunicipalityId)
                    .col(Q::FiscalYear)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Surveys::Table.into_iden(),
            Visits::Table.into_iden(),
            BookingChildren::Table.into_iden(),
            Bookings::Table.into_iden(),
            Children::Table.into_iden(),
            Slots::Table.into_iden(),
            BookingRules::Table.into_iden(),
            HoursExceptions::Table.into_iden(),
            OpeningHours::Table.into_iden(),
            Resources::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Resources {
    #[sea_orm(iden = "childcare_resources")]
    Table,
    Id,
    MunicipalityId,
    ProviderOrganizationId,
    Kind,
    Name,
    NameKana,
    Description,
    PostalCode,
    PrefectureCode,
    City,
    Street,
    Latitude,
    Longitude,
    Phone,
    Url,
    Fee,
    ExpectantParents,
    ChildMinAgeMonths,
    ChildMaxAgeMonths,
    ResidentsOnly,
    Languages,
    Accessibility,
    Published,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OpeningHours {
    #[sea_orm(iden = "childcare_opening_hours")]
    Table,
    Id,
    MunicipalityId,
    ResourceId,
    Weekday,
    OpensMinute,
    ClosesMinute,
}

#[derive(DeriveIden)]
enum HoursExceptions {
    #[sea_orm(iden = "childcare_hours_exceptions")]
    Table,
    Id,
    MunicipalityId,
    ResourceId,
    Date,
    Intervals,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BookingRules {
    #[sea_orm(iden = "childcare_booking_rules")]
    Table,
    ResourceId,
    MunicipalityId,
    OpensDaysBefore,
    MonthlyLimitHours,
    MinAgeMonths,
    MaxAgeMonths,
    CancelDeadlineHours,
    NoShowLimit,
    NoShowWindowDays,
    RestrictionDays,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Slots {
    #[sea_orm(iden = "childcare_slots")]
    Table,
    Id,
    MunicipalityId,
    ResourceId,
    Date,
    StartsAt,
    EndsAt,
    Capacity,
    ChildrenBooked,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Children {
    #[sea_orm(iden = "childcare_children")]
    Table,
    Id,
    MunicipalityId,
    GuardianUserId,
    Name,
    NameKana,
    BirthDate,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Bookings {
    #[sea_orm(iden = "childcare_bookings")]
    Table,
    Id,
    MunicipalityId,
    ResourceId,
    SlotId,
    GroupId,
    GuardianUserId,
    Status,
    Children,
    Minutes,
    Date,
    StartsAt,
    Note,
    CancelledAt,
    MarkedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BookingChildren {
    #[sea_orm(iden = "childcare_booking_children")]
    Table,
    Id,
    MunicipalityId,
    BookingId,
    ChildId,
    AgeMonths,
}

#[derive(DeriveIden)]
enum Visits {
    #[sea_orm(iden = "childcare_visits")]
    Table,
    Id,
    MunicipalityId,
    ResourceId,
    VisitDate,
    FiscalYear,
    Adults,
    Children,
    RecordedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Surveys {
    #[sea_orm(iden = "childcare_surveys")]
    Table,
    Id,
    MunicipalityId,
    ResourceId,
    BookingId,
    Score,
    Comment,
    FiscalYear,
    SubmittedAt,
}
