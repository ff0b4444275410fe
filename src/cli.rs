//! The subcommands of the `tsunagu` binary.

use std::sync::Arc;

use anyhow::Context;
use entity::municipality;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    app::documents::DomainDocuments,
    app::{demo, schema},
    auth::{Role, password},
    config::{Cli, Command, CreateUserArgs, RoleArg, ServeArgs},
    db,
    domains::identity::service,
    search::indexer::Search,
    startup::{Application, Settings},
};

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let database_url = cli.global.database_url();
    let index_dir = cli.global.data_dir.join("index");
    let mailbox_dir = cli.global.data_dir.join("mailbox");
    match cli.command {
        None => serve(database_url, index_dir, mailbox_dir, default_serve_args()).await,
        Some(Command::Serve(args)) => serve(database_url, index_dir, mailbox_dir, *args).await,
        Some(Command::Reindex) => reindex(&database_url, index_dir).await,
        Some(Command::Migrate) => {
            let db = db::connect(&database_url).await?;
            db::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Some(Command::Seed(args)) => {
            let db = db::connect(&database_url).await?;
            db::migrate(&db).await?;
            if !args.demo {
                anyhow::bail!("nothing to seed: pass --demo to load the demo municipalities");
            }
            let accounts = demo::load(&db).await?;
            demo::print_accounts(&accounts);
            Ok(())
        }
        Some(Command::ExportSchema(args)) => {
            let sdl = schema::sdl();
            match args.out {
                Some(path) => std::fs::write(&path, sdl)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{sdl}"),
            }
            Ok(())
        }
        Some(Command::CreateUser(args)) => create_user(&database_url, args).await,
        Some(Command::PurgeInquiries(args)) => {
            let db = db::connect(&database_url).await?;
            db::migrate(&db).await?;
            let purged = crate::domains::relocation::service::purge_closed(
                crate::state::ServiceContext::quiet(&db),
                None,
                args.older_than_days,
            )
            .await?;
            println!("{purged} closed inquiries anonymized");
            Ok(())
        }
    }
}

fn default_serve_args() -> ServeArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        serve: ServeArgs,
    }
    Wrapper::parse_from(["tsunagu"]).serve
}

async fn serve(
    database_url: String,
    index_dir: std::path::PathBuf,
    mailbox_dir: std::path::PathBuf,
    mut args: ServeArgs,
) -> anyhow::Result<()> {
    args.limits.notify.mailbox_dir.get_or_insert(mailbox_dir);
    let app = Application::build(Settings {
        database_url,
        index_dir: Some(index_dir),
        host: args.host,
        port: args.port,
        demo: args.demo,
        limits: args.limits,
        health_hub: None,
    })
    .await?;
    let address = app.local_addr()?;
    println!("tsunagu is serving GraphQL at http://{address}/graphql (GraphiQL in a browser)");
    tracing::info!(%address, "listening");
    app.run_until_stopped().await?;
    Ok(())
}

async fn reindex(database_url: &str, index_dir: std::path::PathBuf) -> anyhow::Result<()> {
    let db = db::connect(database_url).await?;
    db::migrate(&db).await?;
    let search = Search::open(db, Arc::new(DomainDocuments), Some(index_dir.clone())).await?;
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} reindexing [{bar:40}] {pos}/{len} records ({eta})",
        )?
        .progress_chars("=> "),
    );
    let indexed = search
        .rebuild(|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await?;
    bar.finish_and_clear();
    println!(
        "search index rebuilt in {}: {indexed} public documents",
        index_dir.display()
    );
    Ok(())
}

async fn create_user(database_url: &str, args: CreateUserArgs) -> anyhow::Result<()> {
    let db = db::connect(database_url).await?;
    db::migrate(&db).await?;
    let role = match args.role {
        RoleArg::PlatformAdmin => Role::PlatformAdmin,
        RoleArg::MunicipalAdmin => Role::MunicipalAdmin,
        RoleArg::Concierge => Role::Concierge,
        RoleArg::ProgramStaff => Role::ProgramStaff,
        RoleArg::Partner => Role::Partner,
        RoleArg::Resident => Role::Resident,
    };
    let municipality_id = match (&args.municipality, role) {
        (None, Role::PlatformAdmin) => None,
        (Some(_), Role::PlatformAdmin) => {
            anyhow::bail!("platform admins belong to no municipality; drop --municipality")
        }
        (None, _) => anyhow::bail!("--municipality JIS_CODE is required for this role"),
        (Some(code), _) => Some(
            municipality::Entity::find()
                .filter(municipality::Column::JisCode.eq(code.as_str()))
                .one(&db)
                .await?
                .with_context(|| format!("no municipality with JIS code {code}"))?
                .id,
        ),
    };
    password::check_strength(
        &args.password,
        crate::config::Limits::default().min_password_length,
        &[&args.email, &args.display_name],
    )
    .map_err(|error| anyhow::anyhow!(error.message))?;
    let (user, created) = service::ensure_user(
        &db,
        &args.email,
        args.password,
        &args.display_name,
        &args.display_name_kana,
        role,
        municipality_id,
        None,
    )
    .await?;
    if created {
        println!("created {} ({:?})", user.email, user.role);
        Ok(())
    } else {
        anyhow::bail!("an account with email {} already exists", user.email)
    }
}
