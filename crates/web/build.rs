//! Fetches the front-end packages (DKFDS) with npm when they are missing, so that a fresh
//! clone builds with one command and no third-party files are committed.

use std::path::Path;
use std::process::Command;

fn main() {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    println!("cargo:rerun-if-changed=assets/package.json");
    println!("cargo:rerun-if-changed=assets/package-lock.json");
    if assets.join("node_modules/dkfds/dist/css/dkfds-virkdk.min.css").exists() {
        return;
    }
    let status =
        Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"]).current_dir(&assets).status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("`npm ci` in {} failed ({s}); the DKFDS design system cannot be fetched", assets.display()),
        Err(e) => panic!(
            "npm is needed to fetch the DKFDS design system ({e}). Install Node.js and npm \
             (Debian: apt-get install nodejs npm) and build again."
        ),
    }
}
