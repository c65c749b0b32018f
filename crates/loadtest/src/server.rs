//! The system under test: a fresh database, the `styringsdialog` command run against it, and
//! the serving process with its memory.

use anyhow::{Context, Result, bail};
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The server's own log level: request logging at `info` would dominate the measurements.
const SERVER_LOG: &str = "warn";

/// Finds the `styringsdialog` binary: `--server`, else the one beside this executable in the
/// same target folder. Launched through `cargo run`, the binary is built (or found up to date)
/// first with the same profile, so one command runs the whole benchmark.
pub fn locate_binary(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        if !path.is_file() {
            bail!("--server {}: no such file", path.display());
        }
        // The server runs in a folder of its own: a relative path must not depend on it.
        return Ok(std::fs::canonicalize(path)?);
    }
    let exe = std::env::current_exe().context("cannot find this executable's path")?;
    let profile_dir = exe.parent().context("this executable has no folder")?;
    let binary = profile_dir.join("styringsdialog");
    if let (Some(cargo), Some(manifest)) = (std::env::var_os("CARGO"), std::env::var_os("CARGO_MANIFEST_DIR")) {
        build_server(Path::new(&cargo), Path::new(&manifest), profile_dir)?;
    }
    if !binary.is_file() {
        bail!(
            "the server binary {} is missing: build it with `cargo build --release -p cli` \
             (or `cargo build -p cli` for a debug loadtest), or name it with --server PATH",
            binary.display()
        );
    }
    Ok(binary)
}

/// `cargo build -p cli` into the target folder this executable came from, same profile.
fn build_server(cargo: &Path, manifest_dir: &Path, profile_dir: &Path) -> Result<()> {
    let workspace = manifest_dir.join("../..");
    let target_dir = profile_dir.parent().context("the profile folder has no target folder")?;
    let profile = profile_dir.file_name().and_then(|p| p.to_str()).context("odd profile folder")?;
    let profile = if profile == "debug" { "dev" } else { profile };
    eprintln!("Building the server: cargo build -p cli --profile {profile}");
    let mut command = std::process::Command::new(cargo);
    command.current_dir(&workspace).args(["build", "-p", "cli", "--profile", profile, "--target-dir"]).arg(target_dir);
    // `cargo run` describes this package in the environment; some build scripts watch those
    // variables (ring: CARGO_MANIFEST_DIR) and would rebuild the server every time.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || ["CARGO_MANIFEST_DIR", "CARGO_MANIFEST_PATH", "CARGO_CRATE_NAME", "CARGO_BIN_NAME"].contains(&&*name)
        {
            command.env_remove(&*name);
        }
    }
    let status = command.status().context("cannot run cargo")?;
    if !status.success() {
        bail!("building the server failed ({status})");
    }
    Ok(())
}

/// The engine a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn label(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// A database made for this run alone, removed by [`Database::remove`].
pub struct Database {
    pub url: String,
    pub engine: Engine,
    /// PostgreSQL: the server's URL as given, and the database made on it.
    postgres: Option<(String, String)>,
}

impl Database {
    /// `sqlite`: a new file in `dir`. `postgres://…`: a new database `sd_last_<random>` on
    /// that server (the URL's own database is only used to create and drop it).
    pub async fn create(spec: &str, dir: &Path) -> Result<Database> {
        if spec == "sqlite" {
            let url = format!("sqlite://{}", dir.join("styringsdialog.db").display());
            return Ok(Database { url, engine: Engine::Sqlite, postgres: None });
        }
        if !(spec.starts_with("postgres://") || spec.starts_with("postgresql://")) {
            bail!("--database takes `sqlite` or a postgres://user@host:port/db URL, not {spec}");
        }
        let name = format!("sd_last_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let mut admin = admin_connection(spec).await?;
        // The name is ours (letters, digits, underscore), so it can be spliced in.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .context("CREATE DATABASE")?;
        admin.close().await.ok();
        let mut url = url::Url::parse(spec).context("invalid PostgreSQL URL")?;
        url.set_path(&format!("/{name}"));
        Ok(Database { url: url.to_string(), engine: Engine::Postgres, postgres: Some((spec.to_string(), name)) })
    }

    /// Drops the PostgreSQL database; a SQLite file goes with the temporary folder.
    pub async fn remove(self) -> Result<()> {
        if let Some((admin_url, name)) = self.postgres {
            let mut admin = admin_connection(&admin_url).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&mut admin)
                .await?;
            admin.close().await.ok();
        }
        Ok(())
    }
}

/// A connection to the PostgreSQL server for creating and dropping the run's database (a
/// slow DROP is no news worth a warning).
async fn admin_connection(url: &str) -> Result<sqlx::PgConnection> {
    let options: sqlx::postgres::PgConnectOptions = url.parse().context("invalid PostgreSQL URL")?;
    let options = options.disable_statement_logging();
    sqlx::PgConnection::connect_with(&options).await.with_context(|| format!("cannot connect to {url}"))
}

/// The `styringsdialog` command on the run's database.
#[derive(Clone)]
pub struct Cli {
    pub binary: PathBuf,
    pub database_url: String,
    /// The working folder: no stray `styringsdialog.toml` is picked up from elsewhere.
    pub workdir: PathBuf,
}

impl Cli {
    fn command(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(&self.binary);
        command
            .current_dir(&self.workdir)
            .env("STYRINGSDIALOG_LOG", SERVER_LOG)
            .env("RUST_LOG", SERVER_LOG)
            .env_remove("STYRINGSDIALOG_PASSWORD")
            .arg("--database")
            .arg(&self.database_url)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Runs one subcommand to its end; returns its standard output.
    pub async fn run(&self, args: &[&str], password: Option<&str>) -> Result<String> {
        let mut command = self.command();
        command.args(args);
        if let Some(password) = password {
            command.env("STYRINGSDIALOG_PASSWORD", password);
        }
        let output = command.output().await.with_context(|| format!("cannot run {}", self.binary.display()))?;
        if !output.status.success() {
            bail!(
                "styringsdialog {} failed ({}): {}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Cli {
    /// The styringsår the demo is generated for (the `demo.styringsaar` setting). Not the
    /// newest year with packages: the server creates next year's packages at start-up for
    /// organisations whose regnskabsperiode has ended.
    pub async fn demo_year(&self) -> Result<i32> {
        let config: toml::Table = self.run(&["default-config"], None).await?.parse().context("default-config")?;
        let year = config.get("demo").and_then(|d| d.get("styringsaar")).and_then(|y| y.as_integer());
        year.and_then(|y| i32::try_from(y).ok()).context("no demo.styringsaar in the default configuration")
    }
}

/// The serving process.
pub struct Server {
    child: tokio::process::Child,
    pub base_url: String,
    log: PathBuf,
}

impl Server {
    /// Starts `serve` on a free loopback port and waits until `/healthz` answers.
    pub async fn start(cli: &Cli) -> Result<Server> {
        Server::start_on(cli, free_port()?, &[]).await
    }

    /// Starts `serve` on `port` with extra environment (configuration such as
    /// `STYRINGSDIALOG__SMTP__HOST`) and waits until `/healthz` answers. The log is appended
    /// to, so a restarted server keeps one log.
    pub async fn start_on(cli: &Cli, port: u16, env: &[(&str, &str)]) -> Result<Server> {
        let log = cli.workdir.join(format!("server-{port}.log"));
        let log_file =
            std::fs::OpenOptions::new().create(true).append(true).open(&log).context("cannot open the server log")?;
        let mut command = cli.command();
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .envs(env.iter().copied())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        let child = command.spawn().with_context(|| format!("cannot start {}", cli.binary.display()))?;
        let mut server = Server { child, base_url: format!("http://127.0.0.1:{port}"), log };
        server.wait_healthy().await?;
        Ok(server)
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub async fn kill(mut self) -> Result<()> {
        self.child.start_kill()?;
        self.child.wait().await?;
        Ok(())
    }

    /// SIGTERM, and the exit status if the server exits within `within`.
    pub async fn terminate(mut self, within: Duration) -> Result<std::process::ExitStatus> {
        if let Some(pid) = self.child.id().and_then(|p| rustix::process::Pid::from_raw(p as i32)) {
            rustix::process::kill_process(pid, rustix::process::Signal::TERM)?;
        }
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(status) => Ok(status?),
            Err(_) => {
                self.child.kill().await?;
                bail!("the server had not exited {} s after SIGTERM:\n{}", within.as_secs(), self.log_tail())
            }
        }
    }

    async fn wait_healthy(&mut self) -> Result<()> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server stopped ({status}) before it answered:\n{}", self.log_tail());
            }
            let answer = client.get(format!("{}/healthz", self.base_url)).send().await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!("the server did not answer /healthz within two minutes:\n{}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The server's process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The server's resident memory (VmRSS), in bytes.
    pub fn rss_bytes(&self) -> Result<u64> {
        rss_bytes(self.pid().context("the server has exited")?)
    }

    /// Whether the server is still running (a crash under load is an error in itself).
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The last lines of the server's log, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// The server's warnings and errors, counted by message, most frequent first.
    pub fn log_problems(&self) -> Vec<(String, usize)> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for line in text.lines().map(strip_ansi) {
            if let Some(message) = log_message(&line) {
                *counts.entry(message).or_default() += 1;
            }
        }
        let mut problems: Vec<(String, usize)> = counts.into_iter().collect();
        problems.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        problems
    }

    /// SIGTERM, then SIGKILL if the server has not exited within five seconds.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(pid) = self.child.id().and_then(|p| rustix::process::Pid::from_raw(p as i32)) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        match tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => {
                eprintln!("The server did not stop within 5 s of SIGTERM; killing it.");
                self.child.kill().await?;
            }
        }
        Ok(())
    }
}

pub fn free_port() -> Result<u16> {
    // The port is released again before the server binds it; on a loopback interface
    // nothing else is likely to take it in between.
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// The line without terminal colour codes (the server's log colours its levels).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ parameters, up to the final letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A warning's or error's level, target and message, without its time and fields (which
/// differ on every line): `WARN sqlx::query: slow statement: …`.
fn log_message(line: &str) -> Option<String> {
    let mut words = line.split_whitespace().skip_while(|w| !matches!(*w, "WARN" | "ERROR"));
    let level = words.next()?;
    let message: Vec<&str> = words.take_while(|w| !w.contains('=')).collect();
    Some(format!("{level} {}", message.join(" ")))
}

/// The resident memory (VmRSS) of process `pid`, in bytes.
pub fn rss_bytes(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    parse_vm_rss(&status).context("no VmRSS in /proc/<pid>/status")
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::{log_message, parse_vm_rss, strip_ansi};

    #[test]
    fn log_lines_are_counted_by_message() {
        let line = "\u{1b}[2m2026-11-29T08:45:33.261376Z\u{1b}[0m \u{1b}[33m WARN\u{1b}[0m \u{1b}[2msqlx::query\u{1b}[0m\u{1b}[2m:\u{1b}[0m slow statement: execution time exceeded alert threshold \u{1b}[3msummary\u{1b}[0m\u{1b}[2m=\u{1b}[0m\"SELECT org\" elapsed=1.07s";
        assert_eq!(
            log_message(&strip_ansi(line)).as_deref(),
            Some("WARN sqlx::query: slow statement: execution time exceeded alert threshold")
        );
        assert_eq!(log_message("2026-11-29T08:45:33Z  INFO web: started"), None);
    }

    #[test]
    fn vm_rss_is_read_in_bytes() {
        let status = "Name:\tstyringsdialog\nVmPeak:\t  900000 kB\nVmRSS:\t  123456 kB\nThreads:\t3\n";
        assert_eq!(parse_vm_rss(status), Some(123_456 * 1024));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
    }
}
