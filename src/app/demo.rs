//! The demo: every domain's demo data, loaded in the order their records depend on each
//! other (accounts first), and the accounts printed for whoever tries the API.

use sea_orm::DatabaseConnection;

use crate::{
    demo::{DEMO_PASSWORD, DemoAccount},
    domains::{
        childcare, content, employment, health, identity, kpi, partnership, programs, relocation,
    },
};

/// Loads the demo data of every domain; returns every demo account.
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<Vec<DemoAccount>> {
    let mut accounts = identity::demo::load(db).await?;
    partnership::demo::load(db).await?;
    programs::demo::load(db).await?;
    relocation::demo::load(db, &mut accounts).await?;
    employment::demo::load(db).await?;
    childcare::demo::load(db).await?;
    content::demo::load(db).await?;
    kpi::demo::load(db).await?;
    health::demo::load(db, &mut accounts).await?;
    health::demo_checkups::load(db, &mut accounts).await?;
    health::demo_kpis::load(db).await?;
    Ok(accounts)
}

/// Prints the demo accounts and their password.
pub fn print_accounts(accounts: &[DemoAccount]) {
    println!("Demo accounts (password for all: {DEMO_PASSWORD}):");
    for account in accounts {
        println!(
            "  {:<32} {:<16} {}",
            account.email,
            format!("{:?}", account.role),
            account
                .municipality
                .as_deref()
                .unwrap_or("(all municipalities)")
        );
    }
}
