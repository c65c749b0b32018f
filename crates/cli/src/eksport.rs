//! Writing exported tables as CSV (ordinary dialect) or XLSX, chosen by the file extension.

use anyhow::{Context, bail};
use app::{EKSPORT_KOLONNER, EksportRaekke};
use std::io::Write;
use std::path::Path;

pub fn write(path: &Path, aar: i32, rows: &[EksportRaekke]) -> anyhow::Result<()> {
    let extension = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    // Written beside the target and renamed, so a failed export never leaves half a file.
    let tmp = path.with_extension(format!("{extension}.tmp"));
    match extension.as_str() {
        "csv" => write_csv(&tmp, aar, rows)?,
        "xlsx" => write_xlsx(&tmp, aar, rows)?,
        other => bail!("filtypen «{other}» understøttes ikke (forventede .csv eller .xlsx)"),
    }
    std::fs::rename(&tmp, path).with_context(|| format!("kan ikke skrive {}", path.display()))
}

fn write_csv(path: &Path, aar: i32, rows: &[EksportRaekke]) -> anyhow::Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("kan ikke skrive {}", path.display()))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    w.write_record(EKSPORT_KOLONNER)?;
    for r in rows {
        w.write_record([
            aar.to_string(),
            r.niveau.to_string(),
            r.organisation.to_string(),
            r.afdeling.map(|a| a.to_string()).unwrap_or_default(),
            r.noegletal.clone(),
            r.navn.clone(),
            r.boligtype.to_string(),
            format!("{:.4}", r.vaerdi),
            r.benchmark.map(|b| format!("{b:.4}")).unwrap_or_default(),
            r.markering.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?.flush()?;
    Ok(())
}

fn write_xlsx(path: &Path, aar: i32, rows: &[EksportRaekke]) -> anyhow::Result<()> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(format!("Nøgletal {aar}"))?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, name) in EKSPORT_KOLONNER.iter().enumerate() {
        sheet.write_with_format(0, c as u16, *name, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write(row, 0, aar)?;
        sheet.write(row, 1, r.niveau)?;
        sheet.write(row, 2, r.organisation)?;
        if let Some(a) = r.afdeling {
            sheet.write(row, 3, a)?;
        }
        sheet.write(row, 4, r.noegletal.as_str())?;
        sheet.write(row, 5, r.navn.as_str())?;
        sheet.write(row, 6, r.boligtype)?;
        sheet.write(row, 7, r.vaerdi)?;
        if let Some(b) = r.benchmark {
            sheet.write(row, 8, b)?;
        }
        sheet.write(row, 9, r.markering)?;
    }
    sheet.autofilter(0, 0, rows.len() as u32, EKSPORT_KOLONNER.len() as u16 - 1)?;
    workbook.save(path)?;
    Ok(())
}
