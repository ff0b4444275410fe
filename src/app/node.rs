//! The Relay `Node` interface: every object with a global id can be fetched by it.

use async_graphql::{Context, ErrorExtensions, ID, Interface, Object, Result};

use crate::graphql::ids::NodeKind;
use crate::graphql::{context, ids};
use crate::{
    auth::Viewer,
    domains::{
        childcare::{
            service as childcare,
            types::{ChildcareBooking, ChildcareChild, ChildcareResource, ChildcareSlot},
        },
        content::{service as content, types::Article},
        employment::{
            service as employment,
            types::{EmploymentEnrollment, EmploymentFollowUp, EmploymentPlacement},
        },
        health::{service as health, types::HealthChild},
        identity::{
            service as identity,
            types::{Municipality, Organization, User},
        },
        partnership::{
            service as partnership,
            types::{InternalComment, IssueComment, LocalIssue, PartnerProject, ProjectUpdate},
        },
        programs::{
            service as programs,
            types::{Program, ProgramSession, Registration},
        },
        relocation::{service as relocation, types::RelocationInquiry},
    },
    error::{AppError, AppResult},
    notify::{inbox, resolver::Notification},
    state::AppState,
};

/// An object with an opaque global id.
#[derive(Clone, Debug, Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    /// A municipality.
    Municipality(Municipality),
    /// An organization.
    Organization(Organization),
    /// A user account.
    User(User),
    /// A local issue (地域課題).
    LocalIssue(LocalIssue),
    /// A partner project.
    PartnerProject(PartnerProject),
    /// A progress update of a partner project.
    ProjectUpdate(ProjectUpdate),
    /// A resident's comment on a local issue.
    IssueComment(IssueComment),
    /// An internal comment on a partner project.
    InternalComment(InternalComment),
    /// A program (seminar, workshop, class, fair).
    Program(Program),
    /// A session of a program.
    ProgramSession(ProgramSession),
    /// A party's registration for a session (its registrant and the program's managers).
    Registration(Registration),
    /// A relocation inquiry (staff of its municipality only).
    RelocationInquiry(RelocationInquiry),
    /// A childcare resource (子育てひろば, 一時保育, …).
    ChildcareResource(ChildcareResource),
    /// A temporary childcare slot.
    ChildcareSlot(ChildcareSlot),
    /// A temporary childcare booking (its guardian and the resource's staff).
    ChildcareBooking(ChildcareBooking),
    /// A child registered for temporary childcare (its guardian only).
    ChildcareChild(ChildcareChild),
    /// A child registered for vaccinations (its guardian, and the health staff of its
    /// municipality with each read logged).
    HealthChild(HealthChild),
    /// A job seeker's employment-support enrollment (the municipality's employment team).
    EmploymentEnrollment(EmploymentEnrollment),
    /// A job found by an enrolled job seeker (the municipality's employment team).
    EmploymentPlacement(EmploymentPlacement),
    /// A follow-up checkpoint of a placement (the municipality's employment team).
    EmploymentFollowUp(EmploymentFollowUp),
    /// An article, relocation guide or resident's story.
    Article(Article),
    Notification(Notification),
}

/// `node` and `nodes`.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by global id; null if it does not exist or is not visible to you.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id.")] id: ID,
    ) -> Result<Option<Node>> {
        let (state, viewer) = context(ctx)?;
        resolve(state, viewer, &id)
            .await
            .map_err(|error| error.extend())
    }

    /// Fetches several objects by global id, in the same order; null where one does not
    /// exist or is not visible to you.
    #[graphql(complexity = "ids.len() * child_complexity + 1")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids (at most the page-size limit).")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        let (state, viewer) = context(ctx)?;
        if ids.len() > state.limits.max_page_size as usize {
            return Err(AppError::BadUserInput(format!(
                "at most {} ids per call",
                state.limits.max_page_size
            ))
            .extend());
        }
        let mut nodes = Vec::with_capacity(ids.len());
        for id in &ids {
            nodes.push(
                resolve(state, viewer, id)
                    .await
                    .map_err(|error| error.extend())?,
            );
        }
        Ok(nodes)
    }
}

pub(crate) async fn resolve(state: &AppState, viewer: &Viewer, id: &ID) -> AppResult<Option<Node>> {
    let Some((kind, uuid)) = ids::decode(id)? else {
        return Ok(None);
    };
    let found = match kind {
        NodeKind::Municipality => identity::find_municipality(state.into(), uuid)
            .await
            .map(|m| Node::Municipality(m.into())),
        NodeKind::Organization => identity::find_organization(state.into(), uuid)
            .await
            .map(|o| Node::Organization(o.into())),
        NodeKind::User => identity::find_user(state.into(), viewer, uuid)
            .await
            .map(|u| Node::User(u.into())),
        NodeKind::LocalIssue => partnership::find_issue(state.into(), viewer, uuid)
            .await
            .map(|i| Node::LocalIssue(i.into())),
        NodeKind::PartnerProject => partnership::find_project(state.into(), viewer, uuid)
            .await
            .map(|p| Node::PartnerProject(p.into())),
        NodeKind::ProjectUpdate => partnership::find_project_update(state.into(), viewer, uuid)
            .await
            .map(|u| Node::ProjectUpdate(u.into())),
        NodeKind::IssueComment => partnership::find_issue_comment(state.into(), viewer, uuid)
            .await
            .map(|c| Node::IssueComment(c.into())),
        NodeKind::InternalComment => partnership::find_internal_comment(state.into(), viewer, uuid)
            .await
            .map(|c| Node::InternalComment(c.into())),
        NodeKind::Program => programs::find_program(state.into(), viewer, uuid)
            .await
            .map(|p| Node::Program(p.into())),
        NodeKind::ProgramSession => programs::find_session(state.into(), viewer, uuid)
            .await
            .map(|s| Node::ProgramSession(s.into())),
        NodeKind::Registration => programs::find_registration(state.into(), viewer, uuid)
            .await
            .map(|r| Node::Registration(r.into())),
        NodeKind::RelocationInquiry => relocation::find_inquiry(state.into(), viewer, uuid)
            .await
            .map(|i| Node::RelocationInquiry(i.into())),
        NodeKind::ChildcareResource => childcare::find_resource(state.into(), viewer, uuid)
            .await
            .map(|r| Node::ChildcareResource(r.into())),
        NodeKind::ChildcareSlot => childcare::find_slot(state.into(), viewer, uuid)
            .await
            .map(|s| Node::ChildcareSlot(s.into())),
        NodeKind::ChildcareBooking => childcare::find_booking(state.into(), viewer, uuid)
            .await
            .map(|b| Node::ChildcareBooking(b.into())),
        NodeKind::ChildcareChild => childcare::find_child(state.into(), viewer, uuid)
            .await
            .map(|c| Node::ChildcareChild(c.into())),
        NodeKind::HealthChild => health::find_child(state.into(), viewer, uuid, "detail")
            .await
            .map(|c| Node::HealthChild(HealthChild(c, None))),
        NodeKind::EmploymentEnrollment => employment::find_enrollment(&state.db, viewer, uuid)
            .await
            .map(|e| Node::EmploymentEnrollment(e.into())),
        NodeKind::EmploymentPlacement => employment::find_placement(&state.db, viewer, uuid)
            .await
            .map(|p| Node::EmploymentPlacement(p.into())),
        NodeKind::EmploymentFollowUp => employment::find_follow_up(&state.db, viewer, uuid)
            .await
            .map(|f| Node::EmploymentFollowUp(f.into())),
        NodeKind::Article => content::find_article(state.into(), viewer, uuid)
            .await
            .map(|a| Node::Article(a.into())),
        NodeKind::Notification => inbox::find_mine(state.into(), viewer, uuid)
            .await
            .map(|n| Node::Notification(n.into())),
        _ => Err(AppError::NotFound),
    };
    match found {
        Ok(node) => Ok(Some(node)),
        Err(AppError::NotFound | AppError::Unauthenticated) => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_kind_names_an_object_type_of_the_schema() {
        let sdl = crate::app::schema::sdl();
        for &kind in NodeKind::ALL {
            let declared = format!("type {} ", kind.name());
            assert!(
                sdl.contains(&declared),
                "`{kind}` is not a type of the schema"
            );
        }
    }
}
