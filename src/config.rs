//! Typed configuration: command-line flags, each also read from the environment, with
//! defaults that run the embedded setup (SQLite and a local index under `./data/`).

use std::{net::IpAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

/// tsunagu — GraphQL API for municipalities that help families move in and stay.
#[derive(Debug, Parser)]
#[command(name = "tsunagu", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every subcommand shares.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Database to use: `sqlite://PATH?mode=rwc` or `postgres://USER@HOST/DB`.
    /// Defaults to an SQLite file under the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<SecretString>,

    /// Directory for the embedded database and the search index.
    #[arg(
        long,
        env = "TSUNAGU_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Log output format.
    #[arg(long, env = "TSUNAGU_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

impl GlobalArgs {
    /// The database URL to connect to, falling back to the embedded SQLite file.
    pub fn database_url(&self) -> String {
        use secrecy::ExposeSecret;
        match &self.database_url {
            Some(url) => url.expose_secret().to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("tsunagu.db").display()
            ),
        }
    }
}

/// How log lines are written to standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load data into the database.
    Seed(SeedArgs),
    /// Write the GraphQL schema (SDL) to a file or standard output.
    ExportSchema(ExportSchemaArgs),
    /// Create a user account (for example the first platform admin).
    CreateUser(CreateUserArgs),
    /// Rebuild the search index from the database (the server must not be running on the
    /// same data directory).
    Reindex,
    /// Anonymize relocation inquiries closed or moved in longer ago than the retention
    /// period, keeping the counts.
    PurgeInquiries(PurgeInquiriesArgs),
}

/// Options of `purge-inquiries`.
#[derive(Debug, Args)]
pub struct PurgeInquiriesArgs {
    /// Anonymize inquiries closed more than this many days ago; each municipality's
    /// retention setting when absent.
    #[arg(long)]
    pub older_than_days: Option<u32>,
}

/// Options of `seed`.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Load the demo municipalities, organizations and accounts (idempotent).
    #[arg(long)]
    pub demo: bool,
}

/// Options of `export-schema`.
#[derive(Debug, Args)]
pub struct ExportSchemaArgs {
    /// File to write; standard output when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Options of `create-user`.
#[derive(Debug, Args)]
pub struct CreateUserArgs {
    /// Email address (login name).
    #[arg(long)]
    pub email: String,
    /// Password; read from `TSUNAGU_NEW_USER_PASSWORD` so it stays out of shell history.
    #[arg(long, env = "TSUNAGU_NEW_USER_PASSWORD", hide_env_values = true)]
    pub password: SecretString,
    /// Display name.
    #[arg(long)]
    pub display_name: String,
    /// Kana reading of the display name (フリガナ).
    #[arg(long)]
    pub display_name_kana: String,
    /// Role: platform-admin, municipal-admin, concierge, program-staff, partner or resident.
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// JIS code of the user's municipality (required for every role but platform-admin).
    #[arg(long)]
    pub municipality: Option<String>,
}

/// Roles as written on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Operates the whole platform.
    PlatformAdmin,
    /// Administers one municipality.
    MunicipalAdmin,
    /// Relocation concierge.
    Concierge,
    /// Staff of a program organizer.
    ProgramStaff,
    /// Member of a partner company.
    Partner,
    /// Resident or family.
    Resident,
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TSUNAGU_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// Load the demo data before serving.
    #[arg(long, env = "TSUNAGU_DEMO")]
    pub demo: bool,
    #[command(flatten)]
    pub limits: Limits,
}

/// Limits and policies of the API. Every one has a flag and an environment variable.
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Largest accepted request body in bytes.
    #[arg(long, env = "TSUNAGU_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Deepest accepted query nesting (GraphiQL's introspection query needs 13).
    #[arg(long, env = "TSUNAGU_MAX_DEPTH", default_value_t = 15)]
    pub max_depth: usize,
    /// Highest accepted query complexity (one per field, times page size for lists).
    #[arg(long, env = "TSUNAGU_MAX_COMPLEXITY", default_value_t = 5000)]
    pub max_complexity: usize,
    /// Most aliases accepted in one document.
    #[arg(long, env = "TSUNAGU_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Most fields one request may select once its fragments are written out (each spread
    /// counts the fragment's fields again, `__typename` included).
    #[arg(long, env = "TSUNAGU_MAX_SELECTIONS", default_value_t = 2000)]
    pub max_selections: usize,
    /// Most errors one response carries; the rest are summed up in one last error.
    #[arg(long, env = "TSUNAGU_MAX_ERRORS", default_value_t = 50)]
    pub max_errors: usize,
    /// Largest `first`/`last` of a connection.
    #[arg(long, env = "TSUNAGU_MAX_PAGE_SIZE", default_value_t = 100)]
    pub max_page_size: u32,
    /// Seconds before a request is answered with a timeout (504), parsing and validating
    /// the document included.
    #[arg(long, env = "TSUNAGU_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Lifetime of a login session, in hours.
    #[arg(long, env = "TSUNAGU_SESSION_TTL_HOURS", default_value_t = 24 * 14)]
    pub session_ttl_hours: u32,
    /// Calls per client address per minute to each public mutation (sign-up and the like).
    #[arg(long, env = "TSUNAGU_PUBLIC_RATE_PER_MINUTE", default_value_t = 10)]
    pub public_rate_per_minute: u32,
    /// Login attempts per client address per minute.
    #[arg(long, env = "TSUNAGU_LOGIN_RATE_PER_MINUTE", default_value_t = 30)]
    pub login_rate_per_minute: u32,
    /// Failed logins for one email before it is locked.
    #[arg(long, env = "TSUNAGU_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: u32,
    /// Minutes an email stays locked after too many failed logins.
    #[arg(long, env = "TSUNAGU_LOGIN_LOCKOUT_MINUTES", default_value_t = 15)]
    pub login_lockout_minutes: u32,
    /// Frontend origins allowed by CORS, comma separated (`*` for any).
    #[arg(
        long,
        env = "TSUNAGU_CORS_ORIGINS",
        value_delimiter = ',',
        default_value = ""
    )]
    pub cors_origins: Vec<String>,
    /// Operation names that get their own series in `/metrics`, comma separated (the
    /// frontends' operations); every other named operation is counted as `other`.
    #[arg(
        long,
        env = "TSUNAGU_METRICS_OPERATIONS",
        value_delimiter = ',',
        default_value = ""
    )]
    pub metrics_operations: Vec<String>,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    #[arg(long, env = "TSUNAGU_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Minimum password length.
    #[arg(long, env = "TSUNAGU_MIN_PASSWORD_LENGTH", default_value_t = 10)]
    pub min_password_length: usize,
    /// Hours a waitlisted party has to accept a freed place before it passes on.
    #[arg(long, env = "TSUNAGU_WAITLIST_OFFER_HOURS", default_value_t = 24)]
    pub waitlist_offer_hours: u32,
    /// Seconds between passes that assign waiting relocation inquiries to concierges whose
    /// leave has ended.
    #[arg(long, env = "TSUNAGU_ASSIGNMENT_SWEEP_SECS", default_value_t = 60)]
    pub assignment_sweep_secs: u64,
    /// Counts below this are withheld from published employment reports.
    #[arg(
        long,
        env = "TSUNAGU_EMPLOYMENT_SUPPRESSION_THRESHOLD",
        default_value_t = 3
    )]
    pub employment_suppression_threshold: u32,
    /// Secret that signs the check-in QR codes of registrations (HMAC-SHA256). Give every
    /// replica the same value; without one, each process makes a random secret when it
    /// starts, and QR codes shown before a restart no longer check in.
    #[arg(long, env = "TSUNAGU_CHECK_IN_SECRET", hide_env_values = true)]
    pub check_in_secret: Option<SecretString>,
    /// Settings of the notifications: mail server, sender, links, delivery worker.
    #[command(flatten)]
    pub notify: NotifySettings,
}

/// How messages are sent: the mail server (none: each email is written to the mailbox
/// directory and the log instead), the sender, the base of links, and the delivery worker.
#[derive(Debug, Clone, Args)]
pub struct NotifySettings {
    /// Mail server host; without one, emails go to the mailbox directory.
    #[arg(long, env = "TSUNAGU_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// Mail server port.
    #[arg(long, env = "TSUNAGU_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    /// Transport security towards the mail server.
    #[arg(long, env = "TSUNAGU_SMTP_TLS", value_enum, default_value_t = SmtpTls::Starttls)]
    pub smtp_tls: SmtpTls,
    /// User name for the mail server, if it asks for one.
    #[arg(long, env = "TSUNAGU_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// Password for the mail server.
    #[arg(long, env = "TSUNAGU_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<SecretString>,
    /// Sender of every email (`Name <address>`).
    #[arg(
        long,
        env = "TSUNAGU_MAIL_FROM",
        default_value = "tsunagu <no-reply@tsunagu.localhost>"
    )]
    pub mail_from: String,
    /// Directory the emails are written to (as `.eml` files) when no mail server is
    /// configured; `mailbox` under the data directory when serving.
    #[arg(long, env = "TSUNAGU_MAILBOX_DIR")]
    pub mailbox_dir: Option<PathBuf>,
    /// Public address of the frontend, the base of every link in a message.
    #[arg(
        long,
        env = "TSUNAGU_PUBLIC_BASE_URL",
        default_value = "http://localhost:8080"
    )]
    pub public_base_url: String,
    /// Milliseconds between looks for due messages.
    #[arg(long, env = "TSUNAGU_NOTIFY_POLL_MS", default_value_t = 1000)]
    pub poll_ms: u64,
    /// Attempts at sending a message before it is given up.
    #[arg(long, env = "TSUNAGU_NOTIFY_MAX_ATTEMPTS", default_value_t = 8)]
    pub max_attempts: u32,
    /// Milliseconds before the first retry; each later one waits twice as long (at most
    /// an hour).
    #[arg(long, env = "TSUNAGU_NOTIFY_RETRY_MS", default_value_t = 30_000)]
    pub retry_ms: u64,
    /// Seconds a worker holds a claimed message; after that (a crash), another may send it.
    #[arg(long, env = "TSUNAGU_NOTIFY_LEASE_SECS", default_value_t = 120)]
    pub lease_secs: u64,
    /// Milliseconds between passes of the reminder scheduler, which writes the messages
    /// due by the clock (the day before a session, a deadline in three hours, …). Every
    /// replica runs it; each message is still written once.
    #[arg(long, env = "TSUNAGU_REMINDER_POLL_MS", default_value_t = 60_000)]
    pub reminder_poll_ms: u64,
    /// Hour (0–23, Japan time) of the day before a session, booking or appointment at
    /// which its reminder goes out.
    #[arg(long, env = "TSUNAGU_REMINDER_HOUR", default_value_t = 18, value_parser = clap::value_parser!(u32).range(0..24))]
    pub reminder_hour: u32,
}

/// Transport security towards the mail server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmtpTls {
    /// Plain connection (a relay on the same host or network only).
    None,
    /// Upgrade with STARTTLS (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl Default for Limits {
    fn default() -> Self {
        // The defaults of the flags above; tests and library users start from these.
        ServeArgs::parse_from(["serve"]).limits
    }
}

impl ServeArgs {
    fn parse_from<I, T>(args: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            serve: ServeArgs,
        }
        match Wrapper::try_parse_from(args) {
            Ok(wrapper) => wrapper.serve,
            Err(error) => error.exit(),
        }
    }
}

impl Limits {
    /// How long a session lasts.
    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(u64::from(self.session_ttl_hours) * 3600)
    }
}
