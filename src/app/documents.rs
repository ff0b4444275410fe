//! Every kind of search document, dispatched to the domain that produces it.

use futures_util::{FutureExt, future::BoxFuture};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::{
    domains::{childcare, content, partnership, programs},
    search::{
        index::SearchDocument,
        sources::{ARTICLE, CHILDCARE_RESOURCE, Documents, LOCAL_ISSUE, PARTNER_PROJECT, PROGRAM},
    },
};

/// The documents of every domain's public content.
pub struct DomainDocuments;

impl Documents for DomainDocuments {
    fn load<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        kind: &'a str,
        id: Uuid,
    ) -> BoxFuture<'a, Result<Option<SearchDocument>, DbErr>> {
        match kind {
            LOCAL_ISSUE => partnership::search::load_issue(db, id).boxed(),
            PARTNER_PROJECT => partnership::search::load_project(db, id).boxed(),
            PROGRAM => programs::search::load(db, id).boxed(),
            CHILDCARE_RESOURCE => childcare::search::load(db, id).boxed(),
            ARTICLE => content::search::load(db, id).boxed(),
            _ => async { Ok(None) }.boxed(),
        }
    }

    fn count<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        kind: &'a str,
    ) -> BoxFuture<'a, Result<u64, DbErr>> {
        match kind {
            LOCAL_ISSUE => partnership::search::count_issues(db).boxed(),
            PARTNER_PROJECT => partnership::search::count_projects(db).boxed(),
            PROGRAM => programs::search::count(db).boxed(),
            CHILDCARE_RESOURCE => childcare::search::count(db).boxed(),
            ARTICLE => content::search::count(db).boxed(),
            _ => async { Ok(0) }.boxed(),
        }
    }

    fn page<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        kind: &'a str,
        page: u64,
        batch: u64,
    ) -> BoxFuture<'a, Result<(Vec<SearchDocument>, u64), DbErr>> {
        match kind {
            LOCAL_ISSUE => partnership::search::issue_page(db, page, batch).boxed(),
            PARTNER_PROJECT => partnership::search::project_page(db, page, batch).boxed(),
            PROGRAM => programs::search::page(db, page, batch).boxed(),
            CHILDCARE_RESOURCE => childcare::search::page(db, page, batch).boxed(),
            ARTICLE => content::search::page(db, page, batch).boxed(),
            _ => async { Ok((Vec::new(), 0)) }.boxed(),
        }
    }
}
