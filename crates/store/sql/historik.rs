//! Earlier years' package histories written at once (see `store::HistorikStore`): each step by
//! the statements of its single change, the progress, counts and audit once for the batch.

use super::bilag::add_bilag_in;
use super::moeder::{convene_in, record_moeder_in};
use super::pakker::{apply_transition, refresh_forloeb_for, save_svar_in, submit_in};
use super::redegoerelse::{add_aftale_in, insert_aftale_status, publish_in, save_redegoerelse_in};
use super::{Backend, commit_alle};
use std::collections::BTreeSet;
use store::*;

#[async_trait::async_trait]
impl HistorikStore for Backend {
    async fn skriv_historik(&self, trin: &[Historiktrin]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let mut pakker: BTreeSet<PakkeId> = BTreeSet::new();
        let mut audit: Vec<AuditEvent> = Vec::new();
        for t in trin {
            match t {
                Historiktrin::Indsend { bilag, kladde, indsendelse, audit: indsendt } => {
                    let mut submission = indsendelse.clone();
                    for (b, a) in bilag {
                        let (id, revision) = add_bilag_in(&mut tx, b).await?;
                        submission.bilag.push(id);
                        submission.revision = revision;
                        audit.push(a.with_detail("bilag", id.0));
                    }
                    if let Some((change, a)) = kladde {
                        submission.revision = save_svar_in(&mut tx, change).await?;
                        audit.push(a.clone());
                    }
                    let version = submit_in(&mut tx, &submission).await?;
                    audit.push(indsendt.with_detail("version", version.version));
                    pakker.insert(submission.transition.pakke);
                }
                Historiktrin::Overgang { overgang, audit: a } => {
                    apply_transition(&mut tx, overgang, None).await?;
                    audit.push(a.clone());
                    pakker.insert(overgang.pakke);
                }
                Historiktrin::Moede { indkaldelse, indkald, indkaldt_audit, afholdt, afhold, afholdt_audit } => {
                    // A package the meeting does not move would be told of it by the single
                    // change after its recount; a history moves every package it names.
                    let flyttes = |p: &PakkeId, trin: &[Transition]| trin.iter().any(|t| t.pakke == *p);
                    if !indkaldelse.pakker.iter().all(|p| flyttes(p, indkald))
                        || !afholdt.iter().all(|m| flyttes(&m.pakke, afhold))
                    {
                        return Err(StoreError::Ubrugelig("et møde i en historik skal flytte sine pakker".into()));
                    }
                    let id = convene_in(&mut tx, indkaldelse, indkald, &[]).await?;
                    let afholdt: Vec<NewMoede> =
                        afholdt.iter().map(|m| NewMoede { dialogmoede: Some(id), ..m.clone() }).collect();
                    record_moeder_in(&mut tx, &afholdt, afhold).await?;
                    audit.push(indkaldt_audit.clone());
                    audit.push(afholdt_audit.clone());
                    pakker.extend(indkald.iter().chain(afhold).map(|t| t.pakke));
                }
                Historiktrin::AftaleStatus { aftale, status, audit: a } => {
                    insert_aftale_status(&mut tx, *aftale, status).await?;
                    audit.push(a.clone());
                }
                Historiktrin::Redegoerelse { udkast, gemt_audit, aftaler, offentliggjort } => {
                    let saved = save_redegoerelse_in(&mut tx, udkast).await?;
                    audit.push(gemt_audit.clone());
                    for (a, status, a_audit) in aftaler {
                        add_aftale_in(&mut tx, a, status).await?;
                        audit.push(a_audit.clone());
                    }
                    if let Some(o) = offentliggjort {
                        publish_in(&mut tx, udkast.pakke, saved.revision, o.at, &o.overgang).await?;
                        audit.push(o.audit.clone());
                    }
                    pakker.insert(udkast.pakke);
                }
            }
        }
        // What every single change does after its step, once per package for the batch.
        let pakker: Vec<PakkeId> = pakker.into_iter().collect();
        refresh_forloeb_for(&mut tx, &pakker).await?;
        commit_alle(tx, &audit).await
    }
}
