//! `styringsdialog effektivitet`: the efficiency model on a file, for analysts and for
//! checking the system's figures. Reads costs per home per account, writes each afdeling's
//! efficiency figure and best-practice peer. Nothing is written unless the whole input is valid.

use anyhow::Context;
use domain::effektivitet::{Enhed, Resultat, beregn};
use domain::reference::EffektivitetRegler;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use tabular::Table;

/// Every afdeling in one comparison group when the file has no `gruppe` column.
const ONE_GROUP: &str = "alle";

/// What a run found, for the summary line.
pub struct Summary {
    pub afdelinger: usize,
    pub grupper: usize,
    pub mean: f64,
    /// Groups smaller than the minimum, with their size (reported, never widened).
    pub small_groups: Vec<(String, usize)>,
}

/// Reads and checks the input: every error names the file, row, column and value.
fn read_input(table: &Table) -> anyhow::Result<Vec<Enhed>> {
    let afdeling = table.require(&["afdeling"])?[0];
    let gruppe = table.column("gruppe");
    let accounts: Vec<usize> = (0..table.headers.len()).filter(|c| *c != afdeling && Some(*c) != gruppe).collect();
    anyhow::ensure!(
        !accounts.is_empty(),
        "{}: der er ingen kontokolonner (forventede overskriften afdeling,gruppe,<én kolonne pr. konto>)",
        table.file
    );
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut enheder = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let id = table.text(row, afdeling)?.to_string();
        if let Some(first) = seen.insert(id.clone(), row.number) {
            return Err(table
                .cell_error(
                    row,
                    afdeling,
                    format!("afdeling «{id}» findes også i række {first}; hver afdeling må kun optræde én gang"),
                )
                .into());
        }
        let group = match gruppe {
            Some(g) => table.text(row, g)?.to_string(),
            None => ONE_GROUP.to_string(),
        };
        let mut costs = Vec::with_capacity(accounts.len());
        for &c in &accounts {
            let value = table.number(row, c)?;
            if value < 0.0 {
                return Err(table
                    .cell_error(
                        row,
                        c,
                        format!("fandt «{}», forventede en omkostning på 0 eller derover", row.cells[c]),
                    )
                    .into());
            }
            costs.push(value);
        }
        enheder.push(Enhed { id, gruppe: group, omkostninger: costs });
    }
    Ok(enheder)
}

fn write_output(path: &Path, results: &[Resultat]) -> anyhow::Result<()> {
    // Written beside the target and renamed, so a failed run never leaves a partial file.
    let tmp = path.with_extension("tmp");
    {
        let file = std::fs::File::create(&tmp).with_context(|| format!("kan ikke skrive {}", tmp.display()))?;
        let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(file));
        writer.write_record(["afdeling", "effektivitetstal", "bedste_praksis"])?;
        for r in results {
            writer.write_record([r.id.as_str(), &format!("{:.6}", r.effektivitetstal), r.bedste_praksis.as_str()])?;
        }
        writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?.flush()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("kan ikke skrive {}", path.display()))?;
    Ok(())
}

pub fn run(
    input: &Path,
    output: &Path,
    trim: Option<f64>,
    min_peers: Option<u32>,
    standard: &EffektivitetRegler,
) -> anyhow::Result<Summary> {
    let table = tabular::read_path(input)?;
    let enheder = read_input(&table)?;
    let regler = EffektivitetRegler { trim_andel: trim.unwrap_or(standard.trim_andel), ..standard.clone() };
    let results = beregn(&enheder, &regler).map_err(|e| anyhow::anyhow!("{}: {e}", table.file))?;
    write_output(output, &results)?;
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &enheder {
        *sizes.entry(e.gruppe.as_str()).or_default() += 1;
    }
    let minimum = min_peers.unwrap_or(standard.min_sammenligningsgruppe) as usize;
    Ok(Summary {
        afdelinger: results.len(),
        grupper: sizes.len(),
        mean: if results.is_empty() {
            0.0
        } else {
            results.iter().map(|r| r.effektivitetstal).sum::<f64>() / results.len() as f64
        },
        small_groups: sizes.into_iter().filter(|(_, n)| *n < minimum).map(|(g, n)| (g.to_string(), n)).collect(),
    })
}
