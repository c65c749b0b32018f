//! The `styringsdialog` command: configuration, engine selection and the subcommands.
//! `main.rs` only parses arguments and calls [`run`].

mod bench;
mod commands;
pub mod config;
mod effektivitet;
mod eksport;
mod udskriv;

pub use commands::{Cli, run};

use anyhow::{Context, bail};
use std::sync::Arc;
use store::Store;

/// Opens the store the URL's scheme names, creating and migrating it as needed.
pub async fn connect(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
    match scheme {
        "sqlite" => Ok(Arc::new(store_sqlite::SqliteStore::connect(url).await.context("SQLite")?)),
        "postgres" | "postgresql" => Ok(Arc::new(store_postgres::PgStore::connect(url).await.context("PostgreSQL")?)),
        _ => bail!(
            "ukendt databaseadresse «{}»: brug sqlite://sti/til/fil.db eller postgres://bruger@vært/database",
            store_postgres::redact(url)
        ),
    }
}
