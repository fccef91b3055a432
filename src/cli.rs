//! The command line: `provisio [serve]`, `openapi`, `rotate-keys`, `healthcheck`.

use std::{process::ExitCode, time::Duration};

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::{
    api, bootstrap,
    config::Config,
    crypto::KeyRing,
    domain::Scope,
    service::{ApiKeyService, ConnectionService, ServiceError},
    startup::{self, Application},
    telemetry,
};

#[derive(Parser)]
#[command(
    name = "provisio",
    version,
    about = "One REST API to provision people in many SaaS apps over SCIM 2.0."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default). Configured by environment variables; see the README.
    #[command(after_help = SERVE_HELP)]
    Serve,
    /// Print the OpenAPI document (YAML unless --json).
    Openapi {
        #[arg(long)]
        json: bool,
    },
    /// Re-seal every stored credential under the first key of PROVISIO_ENCRYPTION_KEYS.
    RotateKeys,
    /// Manage API keys kept in the database (beside those in PROVISIO_API_KEYS).
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Print a fresh encryption key ring entry (`id:base64`) for PROVISIO_ENCRYPTION_KEYS.
    GenerateKey {
        /// The key's id (default: `k` and today's date).
        #[arg(long)]
        id: Option<String>,
    },
    /// Exit 0 if the server on PROVISIO_LISTEN answers /healthz (for container health checks).
    Healthcheck {
        /// Check this URL instead of http://<PROVISIO_LISTEN>/healthz.
        #[arg(long)]
        url: Option<String>,
    },
}

/// `serve --help`: every variable the configuration reads (a test keeps it complete).
const SERVE_HELP: &str = "\
Environment (details in the README; a secret may come from a file named by NAME_FILE):
  PROVISIO_LISTEN                    address to listen on [127.0.0.1:8080]
  DATABASE_URL, DATABASE_URL_FILE    postgres://… or sqlite://… [sqlite://<data dir>/provisio.db]
  PROVISIO_DATA_DIR                  where generated keys and the default database live [data]
  PROVISIO_ENCRYPTION_KEYS, PROVISIO_ENCRYPTION_KEYS_FILE
                                     credential key ring id:base64,… [generated into the data dir]
  PROVISIO_API_KEYS, PROVISIO_API_KEYS_FILE
                                     comma-separated API keys [generated into the data dir]
  PROVISIO_LOG                       pretty or json [pretty]; RUST_LOG filters
  PROVISIO_CORS_ORIGINS              browser origins allowed to call the API [none]
  PROVISIO_MAX_BODY_BYTES            largest request body [1048576]
  PROVISIO_MAX_HEADER_BYTES          largest request headers [16384]
  PROVISIO_REQUEST_TIMEOUT_SECONDS   deadline of one API request [60]
  PROVISIO_HEADER_TIMEOUT_SECONDS    time to send a request's headers [10]
  PROVISIO_IDLE_TIMEOUT_SECONDS      keep-alive idle time [75]
  PROVISIO_MAX_CONNECTIONS           client connections open at once [1024]
  PROVISIO_IDEMPOTENCY_TTL_HOURS     how long an Idempotency-Key replays [24]
  PROVISIO_DB_MAX_CONNECTIONS        database pool size [10]
  PROVISIO_OPERATION_RETENTION_DAYS  how long the operation log and runs are kept [90]
  PROVISIO_ALLOW_PRIVATE_NETWORKS    let connections reach private addresses [false]
  PROVISIO_ALLOWED_NETWORKS          CIDRs connections may reach although private [none]
  PROVISIO_MAX_SYNC_BODY_BYTES       largest sync request [67108864]
  PROVISIO_SYNC_PLAN_TTL_MINUTES     how long a plan can be applied [60]
  PROVISIO_SYNC_LEASE_SECONDS        how long an instance holds a sync item [30]
  PROVISIO_SYNC_CONCURRENCY          sync items applied at once [8]
  PROVISIO_SYNC_RETRY_SECONDS        first wait before a sync item is retried [10]
  PROVISIO_MAX_ANSWER_MEMORY_BYTES   apps' answers held in memory at once, by all calls [268435456]";

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Create a key and print it once (only its SHA-256 digest is stored).
    Create {
        /// A name to recognise the key by (unique).
        #[arg(long)]
        name: String,
        /// The key may only make GET requests.
        #[arg(long)]
        read_only: bool,
    },
    /// List the keys (never the keys themselves).
    List,
    /// Revoke a key by id or name; it stops working at once.
    Revoke {
        /// The key's id (`ak_…`) or name.
        key: String,
    },
}

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Openapi { json } => print_openapi(json),
        Command::RotateKeys => rotate_keys().await,
        Command::ApiKey(command) => api_key(command).await,
        Command::GenerateKey { id } => generate_key(id),
        Command::Healthcheck { url } => healthcheck(url).await,
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            let message = sentences(&error);
            // Once: into the log when there is one (a JSON line stays a JSON line), else to stderr.
            if tracing::dispatcher::has_been_set() {
                tracing::error!("{message}");
            } else {
                eprintln!("provisio: {message}");
            }
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes as prose: contexts are sentences ("Could not
/// listen on 127.0.0.1:8080."), so a cause follows after a space, not `.: `.
fn sentences(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let cause = cause.to_string();
        if !text.is_empty() {
            text.push_str(if text.ends_with('.') { " " } else { ": " });
        }
        text.push_str(&cause);
    }
    text
}

fn load_config() -> anyhow::Result<Config> {
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    Ok(config)
}

async fn serve() -> anyhow::Result<ExitCode> {
    let config = load_config()?;
    Application::build(config)
        .await?
        .run_until_stopped()
        .await?;
    Ok(ExitCode::SUCCESS)
}

fn print_openapi(json: bool) -> anyhow::Result<ExitCode> {
    let doc = api::openapi_document();
    let text = if json {
        doc.to_pretty_json()
            .context("Could not render the OpenAPI document as JSON.")?
    } else {
        doc.to_yaml()
            .context("Could not render the OpenAPI document as YAML.")?
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

async fn rotate_keys() -> anyhow::Result<ExitCode> {
    let config = load_config()?;
    let ring = bootstrap::resolve_key_ring(&config)?;
    let primary = ring.primary_id().to_owned();
    let store = startup::open_store(&config.database).await?;
    let network = std::sync::Arc::new(config.network.clone());
    let report = ConnectionService::new(store, ring, network)
        .rotate_keys()
        .await?;
    println!(
        "re-sealed {} connection(s) under key `{primary}`; {} already used it",
        report.resealed, report.already_current
    );
    for failure in &report.failures {
        println!(
            "FAILED {} ({}): {}",
            failure.name, failure.connection_id, failure.reason
        );
    }
    if report.failures.is_empty() {
        println!(
            "every credential now opens with `{primary}` alone; older keys can be removed from PROVISIO_ENCRYPTION_KEYS"
        );
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::FAILURE)
    }
}

async fn api_key(command: ApiKeyCommand) -> anyhow::Result<ExitCode> {
    let config = load_config()?;
    let keys = ApiKeyService::new(startup::open_store(&config.database).await?);
    match command {
        ApiKeyCommand::Create { name, read_only } => {
            create_api_key(&keys, &name, read_only).await?
        }
        ApiKeyCommand::List => list_api_keys(&keys).await?,
        ApiKeyCommand::Revoke { key } => revoke_api_key(&keys, &key).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the new key alone on stdout (the rest goes to stderr), so that it
/// can be piped.
async fn create_api_key(keys: &ApiKeyService, name: &str, read_only: bool) -> anyhow::Result<()> {
    let scope = if read_only {
        Scope::ReadOnly
    } else {
        Scope::ReadWrite
    };
    let (info, secret) = keys.create(name, scope).await.map_err(describe)?;
    eprintln!(
        "created API key {} ({}, {}); it is shown once:",
        info.id,
        info.name,
        info.scope.as_str()
    );
    println!("{}", secret.as_str());
    Ok(())
}

async fn list_api_keys(keys: &ApiKeyService) -> anyhow::Result<()> {
    println!(
        "{:<16} {:<24} {:<10} {:<26} revoked",
        "id", "name", "scope", "created"
    );
    for key in keys.list().await.map_err(describe)? {
        let revoked = key
            .revoked_at
            .map_or_else(|| "-".to_owned(), |at| at.to_rfc3339());
        println!(
            "{:<16} {:<24} {:<10} {:<26} {revoked}",
            key.id,
            key.name,
            key.scope.as_str(),
            key.created_at.to_rfc3339()
        );
    }
    Ok(())
}

async fn revoke_api_key(keys: &ApiKeyService, key: &str) -> anyhow::Result<()> {
    if !keys.revoke(key).await.map_err(describe)? {
        anyhow::bail!("no active API key has the id or name `{key}`");
    }
    println!("revoked {key}");
    Ok(())
}

/// A service error as a sentence, with the fields at fault.
fn describe(error: ServiceError) -> anyhow::Error {
    match error {
        ServiceError::Invalid(errors) => {
            let list: Vec<String> = errors
                .iter()
                .map(|e| format!("{} {}", e.field, e.message))
                .collect();
            anyhow::anyhow!("{}", list.join("; "))
        }
        other => anyhow::Error::new(other),
    }
}

fn generate_key(id: Option<String>) -> anyhow::Result<ExitCode> {
    let id = id.unwrap_or_else(|| format!("k{}", chrono::Utc::now().format("%Y%m%d")));
    let entry = KeyRing::generate_entry(&id)
        .map_err(|_| anyhow::anyhow!("The system random source failed."))?;
    KeyRing::parse(&entry)
        .map_err(|_| anyhow::anyhow!("`{id}` is not a valid key id (1-32 of A-Z a-z 0-9 _ -)."))?;
    println!("{}", entry.as_str());
    Ok(ExitCode::SUCCESS)
}

async fn healthcheck(url: Option<String>) -> anyhow::Result<ExitCode> {
    let url = match url {
        Some(url) => url,
        None => {
            let mut addr = Config::from_env()?.http.listen;
            if addr.ip().is_unspecified() {
                addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            format!("http://{addr}/healthz")
        }
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .context("Could not build an HTTP client.")?;
    let response = client
        .get(&url)
        .send()
        .await
        .with_context(|| format!("{url} did not answer."))?;
    if response.status().is_success() {
        Ok(ExitCode::SUCCESS)
    } else {
        anyhow::bail!("{url} answered {}", response.status())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_help_names_every_variable_the_configuration_reads() {
        for variable in Config::variables() {
            assert!(
                SERVE_HELP.contains(&variable),
                "{variable} is read but not in `serve --help` (SERVE_HELP in src/cli.rs)"
            );
        }
    }

    #[test]
    fn an_error_and_its_causes_read_as_sentences() {
        let error =
            anyhow::anyhow!("Address already in use").context("Could not listen on 127.0.0.1:1.");
        assert_eq!(
            sentences(&error),
            "Could not listen on 127.0.0.1:1. Address already in use"
        );
    }
}
