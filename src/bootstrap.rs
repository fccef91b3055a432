//! Zero-configuration secrets: when no encryption key or API key is configured,
//! one is generated into the data directory (mode 0600) on first start and reused
//! afterwards. Production deployments should set both explicitly.

use std::{
    fs,
    io::{self, IsTerminal, Write},
    os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
};

use anyhow::Context;
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::{config::Config, crypto::KeyRing, service::generate_api_key};

pub const ENCRYPTION_KEY_FILE: &str = "encryption-keys";
pub const API_KEY_FILE: &str = "api-key";

/// Where a secret came from; decides what gets logged.
enum Origin {
    Generated(PathBuf),
    Reused(PathBuf),
}

/// The configured key ring, or one generated into (or reused from) the data directory.
pub fn resolve_key_ring(config: &Config) -> anyhow::Result<KeyRing> {
    if let Some(ring) = &config.secrets.encryption_keys {
        return Ok(ring.clone());
    }
    let (spec, origin) = load_or_create(&config.data_dir, ENCRYPTION_KEY_FILE, || {
        KeyRing::generate_entry(&generated_key_id())
            .map_err(|_| anyhow::anyhow!("The system random source failed."))
    })?;
    announce("an encryption key", "PROVISIO_ENCRYPTION_KEYS", &origin);
    KeyRing::parse(&spec).with_context(|| {
        format!(
            "{} is not a valid key ring.",
            config.data_dir.join(ENCRYPTION_KEY_FILE).display()
        )
    })
}

/// The configured API keys, or one generated into (or reused from) the data
/// directory. A generated key is shown once on the terminal, if stderr is one;
/// the log only says which file holds it (a log stream is shipped and kept).
pub fn resolve_api_keys(config: &Config) -> anyhow::Result<Vec<SecretString>> {
    if !config.secrets.api_keys.is_empty() {
        return Ok(config.secrets.api_keys.clone());
    }
    let (key, origin) = load_or_create(&config.data_dir, API_KEY_FILE, generate_api_key)?;
    if let Origin::Generated(path) = &origin
        && std::io::stderr().is_terminal()
    {
        print_generated_api_key(&key, path);
    }
    announce(
        "an API key (read it from the file)",
        "PROVISIO_API_KEYS",
        &origin,
    );
    Ok(vec![SecretString::from(key.trim().to_owned())])
}

fn generated_key_id() -> String {
    format!("local-{}", chrono::Utc::now().format("%Y%m%d"))
}

/// Reads `dir/name`, or creates it with `make()` (mode 0600) if it does not exist.
/// Creation is atomic: the content is written to a private temporary file and
/// hard-linked into place, so two processes starting at once agree on one secret.
fn load_or_create(
    dir: &Path,
    name: &str,
    make: impl FnOnce() -> anyhow::Result<Zeroizing<String>>,
) -> anyhow::Result<(Zeroizing<String>, Origin)> {
    let path = dir.join(name);
    if let Some(content) = read_secret_file(&path)? {
        return Ok((content, Origin::Reused(path)));
    }
    create_private_dir(dir)?;
    let content = make()?;
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    write_private_file(&temp, &content)
        .with_context(|| format!("Could not write {}.", temp.display()))?;
    let linked = fs::hard_link(&temp, &path);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok((content, Origin::Generated(path))),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let content = read_secret_file(&path)?
                .with_context(|| format!("{} vanished while starting.", path.display()))?;
            Ok((content, Origin::Reused(path)))
        }
        Err(e) => Err(e).with_context(|| format!("Could not create {}.", path.display())),
    }
}

fn read_secret_file(path: &Path) -> anyhow::Result<Option<Zeroizing<String>>> {
    match fs::read_to_string(path) {
        Ok(content) => {
            warn_if_readable_by_others(path);
            Ok(Some(Zeroizing::new(content.trim().to_owned())))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("Could not read {}.", path.display())),
    }
}

fn write_private_file(path: &Path, content: &str) -> io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// Creates the data directory (mode 0700) if needed.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("Could not create the data directory {}.", dir.display()))
}

fn warn_if_readable_by_others(path: &Path) {
    if let Ok(meta) = fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            "secret file is readable by other users; run `chmod 600` on it"
        );
    }
}

fn announce(what: &str, variable: &str, origin: &Origin) {
    match origin {
        Origin::Generated(path) => tracing::warn!(
            path = %path.display(),
            "generated {what} because {variable} is not set; production deployments should set {variable} explicitly"
        ),
        Origin::Reused(path) => tracing::info!(
            path = %path.display(),
            "using {what} from the data directory because {variable} is not set; production deployments should set {variable} explicitly"
        ),
    }
}

/// The one place a secret is shown: the freshly generated API key, on the terminal, once.
fn print_generated_api_key(key: &str, path: &Path) {
    eprintln!(
        "\n  provisio generated an API key (shown once; kept in {} with mode 0600):\n\n      {key}\n\n  Send it as `Authorization: Bearer <key>`.\n",
        path.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::API_KEY_PREFIX;

    fn config_in(dir: &Path) -> Config {
        let mut config = Config::from_lookup(|_| None).unwrap();
        config.data_dir = dir.to_path_buf();
        config
    }

    #[test]
    fn secrets_are_generated_once_with_private_permissions_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let resolve = |c: &Config| (resolve_key_ring(c).unwrap(), resolve_api_keys(c).unwrap());
        let (first_ring, first_keys) = resolve(&config_in(&data));
        for file in [ENCRYPTION_KEY_FILE, API_KEY_FILE] {
            let mode = fs::metadata(data.join(file)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        let (second_ring, second_keys) = resolve(&config_in(&data));
        use secrecy::ExposeSecret;
        assert_eq!(
            first_keys[0].expose_secret(),
            second_keys[0].expose_secret()
        );
        assert!(first_keys[0].expose_secret().starts_with(API_KEY_PREFIX));
        let sealed = first_ring.seal(b"c", b"x").unwrap();
        assert_eq!(second_ring.open(b"c", &sealed).unwrap().as_slice(), b"x");
    }

    #[test]
    fn configured_secrets_are_used_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config_in(dir.path());
        config.secrets.encryption_keys =
            Some(KeyRing::parse(&KeyRing::generate_entry("prod").unwrap()).unwrap());
        config.secrets.api_keys = vec![SecretString::from("0123456789abcdef0123".to_owned())];
        assert_eq!(resolve_key_ring(&config).unwrap().primary_id(), "prod");
        assert_eq!(resolve_api_keys(&config).unwrap().len(), 1);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
