use sea_orm::entity::prelude::*;

/// Where a health record came from, so app, paper and hub data are reported together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RecordSource {
    /// Entered in the app (by the clinic).
    #[sea_orm(string_value = "app")]
    App,
    /// Copied from a paper form.
    #[sea_orm(string_value = "paper")]
    Paper,
    /// Received from the national Public Medical Hub.
    #[sea_orm(string_value = "hub")]
    Hub,
}
