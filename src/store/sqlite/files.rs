//! The database's files on disk: private to provisio's user, since they hold
//! the sealed credentials, the API keys' digests and people's data.

use std::{
    fs,
    os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
    path::Path,
};

use crate::store::StoreError;

/// Creates the database's directory (0700) and file (0600) if missing, and
/// narrows an existing file, WAL or shared-memory file that others may read.
/// SQLite creates `-wal` and `-shm` with the mode of the database file, so a
/// private database file keeps them private too.
pub fn prepare(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| {
                setup_error(format!(
                    "cannot create the database directory {}: {e}",
                    dir.display()
                ))
            })?;
    }
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|e| {
            setup_error(format!(
                "cannot create the database {}: {e}",
                path.display()
            ))
        })?;
    for suffix in ["", "-wal", "-shm"] {
        narrow(&format!("{}{suffix}", path.display()));
    }
    Ok(())
}

/// Makes `file` 0600 if it exists and others may read or write it.
fn narrow(file: &str) {
    let Ok(meta) = fs::metadata(file) else {
        return;
    };
    if meta.permissions().mode() & 0o077 == 0 {
        return;
    }
    match fs::set_permissions(file, fs::Permissions::from_mode(0o600)) {
        Ok(()) => tracing::warn!(
            file,
            "the database file was readable by other users; it is now mode 0600"
        ),
        Err(error) => {
            tracing::warn!(file, %error, "the database file is readable by other users and could not be made private; run `chmod 600` on it")
        }
    }
}

fn setup_error(message: String) -> StoreError {
    StoreError::Database(sqlx::Error::Configuration(message.into()))
}
