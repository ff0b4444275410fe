//! Opaque global ids (Relay): `base64url("Kind:uuid")`. Clients must not parse them.
//!
//! The kind is the GraphQL type name of the object the id belongs to; [`NodeKind`] lists
//! every such type once, so an id can never be made or read with a misspelt name.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Declares [`NodeKind`]: one variant per object type with a global id, named as the type.
macro_rules! node_kinds {
    ($($(#[$doc:meta])* $kind:ident),+ $(,)?) => {
        /// The kinds of object that carry a global id, each named as its GraphQL type.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum NodeKind {
            $($(#[$doc])* $kind,)+
        }

        impl NodeKind {
            /// Every kind, in declaration order.
            pub const ALL: &[NodeKind] = &[$(NodeKind::$kind),+];

            /// The GraphQL type name this kind stands for.
            pub const fn name(self) -> &'static str {
                match self {
                    $(NodeKind::$kind => stringify!($kind),)+
                }
            }

            /// The kind named `name`, if there is one.
            pub fn from_name(name: &str) -> Option<NodeKind> {
                match name {
                    $(stringify!($kind) => Some(NodeKind::$kind),)+
                    _ => None,
                }
            }
        }
    };
}

node_kinds! {
    /// A municipality.
    Municipality,
    /// An organization.
    Organization,
    /// A user account.
    User,
    /// A local issue (地域課題).
    LocalIssue,
    /// A partner project.
    PartnerProject,
    /// A progress update of a partner project.
    ProjectUpdate,
    /// A resident's comment on a local issue.
    IssueComment,
    /// An internal comment on a partner project.
    InternalComment,
    /// A program.
    Program,
    /// A session of a program.
    ProgramSession,
    /// A registration for a session.
    Registration,
    /// A relocation inquiry.
    RelocationInquiry,
    /// A task on a relocation inquiry.
    InquiryTask,
    /// A concierge's leave.
    ConciergeLeave,
    /// A childcare resource.
    ChildcareResource,
    /// A temporary childcare slot.
    ChildcareSlot,
    /// A temporary childcare booking.
    ChildcareBooking,
    /// A child registered for temporary childcare.
    ChildcareChild,
    /// An employment-support enrollment.
    EmploymentEnrollment,
    /// A placement of an enrolled job seeker.
    EmploymentPlacement,
    /// A follow-up checkpoint of a placement.
    EmploymentFollowUp,
    /// An article.
    Article,
    /// A child registered for the health programme (vaccinations).
    HealthChild,
    /// A vaccination given to a child.
    Vaccination,
    /// A clinic's vaccination slot.
    VaccinationSlot,
    /// A booking of a vaccination slot.
    VaccinationBooking,
    /// A submitted 予診票.
    VaccinationForm,
    /// A version of a 予診票 definition.
    VaccinationFormDefinition,
    /// A municipality's kind of infant or dental checkup.
    CheckupType,
    /// A booking of a checkup on a clinic's slot.
    CheckupBooking,
    /// The result of a child's infant or dental checkup.
    Checkup,
    /// A line of a municipality's fee schedule (委託料単価).
    HealthFeeScheduleLine,
    /// A clinic's monthly fee claim (委託料請求).
    HealthFeeClaim,
    /// An association's monthly batch of fee claims.
    HealthFeeBatch,
    /// A municipality's group of search synonyms.
    SearchSynonymGroup,
    /// A message in a reader's in-app inbox.
    Notification,
}

impl std::fmt::Display for NodeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The global id of the `kind` object with primary key `id`.
pub fn encode(kind: NodeKind, id: Uuid) -> ID {
    // Every list names each of its items by one of these, so the text is put together in a
    // buffer on the stack rather than through `format!`.
    const LONGEST_NAME: usize = {
        let mut longest = 0;
        let mut index = 0;
        while index < NodeKind::ALL.len() {
            let length = NodeKind::ALL[index].name().len();
            if length > longest {
                longest = length;
            }
            index += 1;
        }
        longest
    };
    let name = kind.name().as_bytes();
    let mut text = [0u8; LONGEST_NAME + 1 + uuid::fmt::Hyphenated::LENGTH];
    text[..name.len()].copy_from_slice(name);
    text[name.len()] = b':';
    let end = name.len() + 1 + uuid::fmt::Hyphenated::LENGTH;
    id.hyphenated().encode_lower(&mut text[name.len() + 1..end]);
    ID(URL_SAFE_NO_PAD.encode(&text[..end]))
}

/// Splits a global id into the name of its kind and its primary key.
fn split(id: &ID) -> AppResult<(String, Uuid)> {
    let malformed = || AppError::BadUserInput(format!("`{}` is not a valid id", id.as_str()));
    let bytes = URL_SAFE_NO_PAD
        .decode(id.as_bytes())
        .map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (name, uuid) = text.split_once(':').ok_or_else(malformed)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| malformed())?;
    Ok((name.to_owned(), uuid))
}

/// Splits a global id into its kind and primary key; `None` for a well-formed id whose kind
/// is none of ours (no object can have it).
pub fn decode(id: &ID) -> AppResult<Option<(NodeKind, Uuid)>> {
    let (name, uuid) = split(id)?;
    Ok(NodeKind::from_name(&name).map(|kind| (kind, uuid)))
}

/// The primary key of a global id that must name a `kind` object.
pub fn decode_as(id: &ID, kind: NodeKind) -> AppResult<Uuid> {
    let (name, uuid) = split(id)?;
    if name == kind.name() {
        Ok(uuid)
    } else {
        Err(AppError::BadUserInput(format!(
            "`{}` is not the id of a {kind}",
            id.as_str()
        )))
    }
}

/// The primary key of an optional global id that must name a `kind` object.
pub fn decode_optional(id: Option<&ID>, kind: NodeKind) -> AppResult<Option<Uuid>> {
    id.map(|id| decode_as(id, kind)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_kind() {
        let uuid = Uuid::now_v7();
        let id = encode(NodeKind::User, uuid);
        assert_eq!(decode_as(&id, NodeKind::User).ok(), Some(uuid));
        assert!(decode_as(&id, NodeKind::Organization).is_err());
        assert!(decode(&ID("not an id".into())).is_err());
    }

    #[test]
    fn an_unknown_kind_names_no_object() {
        let id = ID(URL_SAFE_NO_PAD.encode(format!("Nothing:{}", Uuid::now_v7())));
        assert!(matches!(decode(&id), Ok(None)));
        assert!(decode_as(&id, NodeKind::User).is_err());
    }

    #[test]
    fn an_id_is_its_kind_and_hyphenated_uuid_in_base64url() {
        let uuid = Uuid::now_v7();
        for &kind in NodeKind::ALL {
            let expected = URL_SAFE_NO_PAD.encode(format!("{}:{uuid}", kind.name()));
            assert_eq!(encode(kind, uuid).0, expected);
        }
    }

    #[test]
    fn every_kind_is_found_by_its_name() {
        for &kind in NodeKind::ALL {
            assert_eq!(NodeKind::from_name(kind.name()), Some(kind));
        }
    }
}
