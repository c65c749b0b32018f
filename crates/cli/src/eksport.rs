//! Writing exported tables as CSV (ordinary dialect) or XLSX, chosen by the file extension.

use anyhow::{Context, bail};
use app::{EKSPORT_KOLONNER, EksportRaekke};
use std::path::Path;

pub fn write(path: &Path, aar: domain::Styringsaar, rows: &[EksportRaekke]) -> anyhow::Result<()> {
    let extension = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    let celler: Vec<Vec<tabular::Celle>> = rows.iter().map(|r| r.celler(aar)).collect();
    let bytes = match extension.as_str() {
        "csv" => tabular::csv(tabular::Dialect::Standard, &EKSPORT_KOLONNER, &celler),
        "xlsx" => tabular::xlsx(&format!("Nøgletal {aar}"), &EKSPORT_KOLONNER, &celler)?,
        other => bail!("filtypen «{other}» understøttes ikke (forventede .csv eller .xlsx)"),
    };
    // Written beside the target and renamed, so a failed export never leaves half a file.
    let tmp = path.with_extension(format!("{extension}.tmp"));
    std::fs::write(&tmp, bytes).with_context(|| format!("kan ikke skrive {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("kan ikke skrive {}", path.display()))
}
