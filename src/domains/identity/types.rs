//! GraphQL objects of the identity domain, built from the database models.

use async_graphql::{
    ComplexObject, Context, Enum, ID, Result, ResultExt, SimpleObject, dataloader::DataLoader,
};
use chrono::{DateTime, Utc};
use entity::{municipality, organization, user};
use uuid::Uuid;

use super::{loaders::IdentityLoader, service};
use crate::graphql::ids::NodeKind;
use crate::{
    connection, enum_mirror as mirror,
    graphql::{context, ids},
    japan,
};

connection!(Municipality, MunicipalityConnection, MunicipalityEdge);
connection!(Organization, OrganizationConnection, OrganizationEdge);
connection!(User, UserConnection, UserEdge);

/// A municipality (市区町村) using tsunagu.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Municipality {
    #[graphql(skip)]
    pub uuid: Uuid,
    /// Local government code (全国地方公共団体コード, five digits), e.g. `10201` for 前橋市.
    pub jis_code: String,
    /// Name in Japanese, e.g. 前橋市.
    pub name_ja: String,
    /// Reading of the name in katakana.
    pub name_kana: String,
    /// Name in English, e.g. Maebashi.
    pub name_en: String,
    /// Prefecture code, JIS X 0401 (1–47).
    pub prefecture_code: i32,
    /// IANA time zone used for the municipality's dates, `Asia/Tokyo`.
    pub time_zone: String,
}

#[ComplexObject]
impl Municipality {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Municipality, self.uuid)
    }

    /// Prefecture name in Japanese, e.g. 群馬県.
    async fn prefecture_name_ja(&self) -> Option<&'static str> {
        japan::prefecture(self.prefecture_code as i16).map(|(ja, _)| ja)
    }

    /// Prefecture name in English, e.g. Gunma.
    async fn prefecture_name_en(&self) -> Option<&'static str> {
        japan::prefecture(self.prefecture_code as i16).map(|(_, en)| en)
    }

    /// Organizations of the municipality: the city hall, partner companies, museums…
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only organizations of this kind.")] kind: Option<OrganizationKind>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (capped).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (capped).")] last: Option<i32>,
    ) -> Result<OrganizationConnection> {
        let (state, _) = context(ctx)?;
        let page = crate::graphql::connection::page_args(ctx, first, after, last, before);
        Ok(
            service::list_organizations(state.into(), self.uuid, kind.map(Into::into), page)
                .await
                .extend()?
                .into_connection(),
        )
    }
}

impl From<municipality::Model> for Municipality {
    fn from(model: municipality::Model) -> Self {
        Self {
            uuid: model.id,
            jis_code: model.jis_code,
            name_ja: model.name_ja,
            name_kana: model.name_kana,
            name_en: model.name_en,
            prefecture_code: i32::from(model.prefecture_code),
            time_zone: model.time_zone,
        }
    }
}

/// What kind of body an organization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum OrganizationKind {
    /// The municipal office (市役所・町役場).
    MunicipalOffice,
    /// A partner company, e.g. one that opened a satellite office in town.
    PartnerCompany,
    /// A museum or art museum.
    Museum,
    /// A library.
    Library,
    /// A nature centre or visitor centre.
    NatureCentre,
    /// A childcare provider: nursery, child-rearing plaza, temporary childcare.
    ChildcareProvider,
    /// An employment-support office.
    EmploymentSupportOffice,
    /// A nonprofit organization.
    Nonprofit,
    /// A medical clinic that gives routine vaccinations; its staff see the forms and
    /// bookings submitted to it and record the doses.
    Clinic,
    /// A medical association (医師会): its staff check and batch their member clinics'
    /// fee claims for the city.
    MedicalAssociation,
    /// A dental association (歯科医師会): the same for dental clinics.
    DentalAssociation,
}

mirror!(
    OrganizationKind,
    organization::OrganizationKind,
    [
        MunicipalOffice,
        PartnerCompany,
        Museum,
        Library,
        NatureCentre,
        ChildcareProvider,
        EmploymentSupportOffice,
        Nonprofit,
        Clinic,
        MedicalAssociation,
        DentalAssociation
    ]
);

/// An organization inside a municipality.
// `serial`, as `Program`: a list's items resolve at once, each item's fields in turn.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex, serial)]
pub struct Organization {
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    pub municipality_id: Uuid,
    /// What kind of body it is.
    pub kind: OrganizationKind,
    /// Name, e.g. 真鶴町立中川一政美術館.
    pub name: String,
    /// Reading of the name in katakana.
    pub name_kana: String,
    /// Public website.
    pub website_url: Option<String>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

#[ComplexObject]
impl Organization {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Organization, self.uuid)
    }

    /// The municipality it belongs to.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Municipality> {
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        crate::graphql::present(
            loader
                .load_one(super::loaders::MunicipalityId(self.municipality_id))
                .await?
                .map(Municipality::from),
            "municipality",
        )
    }
}

impl From<organization::Model> for Organization {
    fn from(model: organization::Model) -> Self {
        Self {
            uuid: model.id,
            municipality_id: model.municipality_id,
            kind: model.kind.into(),
            name: model.name,
            name_kana: model.name_kana,
            website_url: model.website_url,
            created_at: model.created_at,
        }
    }
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Role {
    /// Operates the platform for every municipality.
    PlatformAdmin,
    /// Administers one municipality: users, partners, programs, KPIs.
    MunicipalAdmin,
    /// Relocation concierge (移住コンシェルジュ) working inquiries.
    Concierge,
    /// Staff of a program organizer: museum, library, childcare centre, career advisors.
    ProgramStaff,
    /// Member of a partner company.
    Partner,
    /// Resident or family using public services.
    Resident,
}

mirror!(
    Role,
    user::Role,
    [
        PlatformAdmin,
        MunicipalAdmin,
        Concierge,
        ProgramStaff,
        Partner,
        Resident
    ]
);

/// A person with an account. Only the user themself and the administrators of their
/// municipality can see a user.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct User {
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    pub municipality_id: Option<Uuid>,
    #[graphql(skip)]
    pub organization_id: Option<Uuid>,
    /// Login email, normalized (NFKC, lowercase).
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Reading of the display name in katakana (フリガナ).
    pub display_name_kana: String,
    /// What the user may do.
    pub role: Role,
    /// Whether the account can sign in.
    pub active: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

#[ComplexObject]
impl User {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::User, self.uuid)
    }

    /// The user's municipality; none for platform admins.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Option<Municipality>> {
        let Some(id) = self.municipality_id else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(super::loaders::MunicipalityId(id))
            .await?
            .map(Municipality::from))
    }

    /// The organization the user works for, if any.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(id) = self.organization_id else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<IdentityLoader>>()?;
        Ok(loader
            .load_one(super::loaders::OrganizationId(id))
            .await?
            .map(Organization::from))
    }
}

impl From<user::Model> for User {
    fn from(model: user::Model) -> Self {
        Self {
            uuid: model.id,
            municipality_id: model.municipality_id,
            organization_id: model.organization_id,
            email: model.email,
            display_name: model.display_name,
            display_name_kana: model.display_name_kana,
            role: model.role.into(),
            active: model.deactivated_at.is_none(),
            created_at: model.created_at,
        }
    }
}

/// A signed-in session: the bearer token is shown only here, once.
#[derive(Debug, Clone, SimpleObject)]
pub struct Session {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// The signed-in user.
    pub user: User,
}

/// What happened to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum AccountEventKind {
    /// Profile, role or organization changed.
    Updated,
    /// The account was deactivated; its sessions no longer work.
    Deactivated,
    /// The password was changed; every session but the one that changed it ended.
    PasswordChanged,
}

/// A change to the viewer's own account, delivered live.
#[derive(Debug, Clone, SimpleObject)]
pub struct AccountEvent {
    /// What happened.
    pub kind: AccountEventKind,
    /// Global id of the account.
    pub user_id: ID,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}
