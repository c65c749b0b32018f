//! A plausible history for the demo: last styringsår's packages went through the whole cycle
//! and were published; this year's are spread over the states a real November shows. The
//! steps are written through the store with their audit events, as one "demodata" user,
//! with the dates they would have had.

use app::{App, AppError};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use domain::Kommunekode;
use domain::Styringsaar;
use domain::access::{Role, UserId};
use domain::master::Rapporttype;
use domain::master::{Afdeling, OrganisationId};
use domain::package::{PakkeHaendelse, PakkeStatus};
use domain::redegoerelse::AftaleStatus;
use domain::template::{Skabelon, Skema, Spoergsmaal, Svar, Svartype, afdeling_noegle};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use store::*;

/// Texts the generated answers and redegørelser draw from, picked by organisation number.
const INDSATSER: [&str; 6] = [
    "Fælles boligsocial helhedsplan med kommunen",
    "Energirenovering af tre afdelinger med støtte fra Landsbyggefonden",
    "Fælles driftscenter for afdelingerne i området",
    "Digitalisering af beboerdemokratiet og uddannelse af afdelingsbestyrelser",
    "Kombineret udlejning i udsatte afdelinger",
    "Nyt udbud af administrationsydelser",
];

/// A small deterministic hash: the same organisation always gets the same story.
/// A minimal valid one-page PDF showing `title` (ASCII-folded), for demo attachments.
fn demo_pdf(title: &str) -> Vec<u8> {
    let text: String = title
        .chars()
        .map(|c| match c {
            'æ' => 'e',
            'ø' => 'o',
            'å' => 'a',
            'Æ' => 'E',
            'Ø' => 'O',
            'Å' => 'A',
            c if c.is_ascii() && c != '(' && c != ')' && c != '\\' => c,
            _ => ' ',
        })
        .collect();
    let stream = format!("BT /F1 14 Tf 72 770 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1));
    for o in offsets {
        pdf.push_str(&format!("{o:010} 00000 n \n"));
    }
    pdf.push_str(&format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1));
    pdf.into_bytes()
}

fn pick(seed: i64, salt: i64, modulo: i64) -> i64 {
    let x = (seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(salt.wrapping_mul(1_442_695_040_888_963_407)))
        .rotate_left(17);
    x.rem_euclid(modulo)
}

fn at(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(hour, 0, 0).expect("valid time"))
}

/// A package as far as the first part of its story took it (submitted, perhaps received).
struct Indsendt {
    pakke: PakkeRecord,
    seed: i64,
    /// How far its story goes: 1 submitted, 2 received, 3 meeting held, 4 published.
    depth: u8,
    status: PakkeStatus,
    received: NaiveDate,
}

/// Early-warning reads of the meetings' agendas at a time.
const PARALLEL_WRITES: usize = 8;

/// Steps per call of the history writer: a transaction each, and a bound on what is held in
/// memory (the answers of a package's afdeling forms).
const TRIN_PER_SKRIVNING: usize = 400;

struct Step<'a> {
    actor: UserId,
    pakke: &'a PakkeRecord,
}

impl Step<'_> {
    fn audit(&self, action: &str, when: DateTime<Utc>) -> AuditEvent {
        AuditEvent {
            at: when,
            actor: Some(self.actor),
            action: action.into(),
            object_type: "pakke".into(),
            object_id: self.pakke.id.0.to_string(),
            details: json!({"organisation": self.pakke.organisation_nummer.get(), "kilde": "demodata"}),
        }
    }

    fn transition(&self, from: PakkeStatus, h: PakkeHaendelse, when: DateTime<Utc>) -> Result<Transition, AppError> {
        Ok(Transition {
            pakke: self.pakke.id,
            from,
            to: from.apply(h)?,
            haendelse: h,
            by: self.actor,
            at: when,
            begrundelse: None,
            frist: None,
            revision: None,
        })
    }
}

/// Writes `trin` in batches of [`TRIN_PER_SKRIVNING`].
async fn skriv(app: &App, trin: &mut Vec<Historiktrin>) -> Result<(), AppError> {
    for part in trin.chunks(TRIN_PER_SKRIVNING) {
        app.store().skriv_historik(part).await?;
    }
    trin.clear();
    Ok(())
}

pub(crate) async fn seed_history(
    app: &App,
    aar: Styringsaar,
    keep_open: &BTreeSet<OrganisationId>,
) -> Result<(), AppError> {
    let actor = demo_actor(app).await?;
    let orgs: Vec<OrganisationId> = app.store().organisationer().await?.iter().map(|o| o.id).collect();
    let mut pakker = app.store().pakker_for_organisationer(&orgs).await?;
    // Earlier years first: their early warning is read while this year's are written.
    pakker.sort_by_key(|p| p.styringsaar);
    let mut afdelinger: HashMap<OrganisationId, Vec<Afdeling>> = HashMap::new();
    for a in app.store().afdelinger_for(&orgs).await? {
        afdelinger.entry(a.organisation).or_default().push(a);
    }
    let kommuner: HashMap<Kommunekode, String> =
        app.store().kommuner().await?.into_iter().map(|k| (k.kode, k.navn)).collect();
    let fase = std::time::Instant::now();
    // First every package of both years is submitted and received, as far as its story
    // goes.
    let mut indsendte: Vec<Indsendt> = Vec::new();
    let mut trin: Vec<Historiktrin> = Vec::new();
    // The early warning of the year before, read on a worker thread while this year's
    // packages are written (its window ends with that year: nothing written here is in it).
    let mut forrige_varsling = None;
    for pakke in pakker {
        if pakke.styringsaar >= aar && forrige_varsling.is_none() {
            skriv(app, &mut trin).await?;
            let app = app.clone();
            let forrige = aar.previous();
            forrige_varsling = Some((forrige, tokio::spawn(async move { app.varsler_for(forrige, None).await })));
        }
        let seed = i64::from(pakke.organisation_nummer.get());
        let full = pakke.styringsaar < aar;
        if !full && keep_open.contains(&pakke.organisation) {
            continue;
        }
        // This year: a quarter still drafts; then ever fewer at each later step.
        let depth = if full { 4 } else { [0, 1, 1, 2, 2, 3, 4, 1][pick(seed, 1, 8) as usize] };
        if depth == 0 {
            continue;
        }
        let egne = afdelinger.get(&pakke.organisation).map_or(&[][..], Vec::as_slice);
        let (status, received) = indsend(app, &Step { actor, pakke: &pakke }, seed, depth, egne, &mut trin)?;
        indsendte.push(Indsendt { pakke, seed, depth, status, received });
        if trin.len() >= TRIN_PER_SKRIVNING {
            skriv(app, &mut trin).await?;
        }
    }
    skriv(app, &mut trin).await?;
    tracing::debug!(ms = fase.elapsed().as_millis() as u64, "demodata: indsendt og modtaget");
    let fase = std::time::Instant::now();
    // The early warning is read once per styringsår (what a kommune would have seen when it
    // convened), for the agendas to name the signals.
    let moeder: Vec<Indsendt> = indsendte.into_iter().filter(|i| i.depth >= 3).collect();
    let aarene: BTreeSet<Styringsaar> = moeder.iter().map(|i| i.pakke.styringsaar).collect();
    let mut varsler: HashMap<(Styringsaar, OrganisationId), Vec<app::VarselRaekke>> = HashMap::new();
    for aar in &aarene {
        let raekker = match forrige_varsling.take_if(|(forrige, _)| forrige == aar) {
            Some((_, opgave)) => opgave.await.map_err(|e| AppError::internal("tidlig varsling", e))??,
            None => app.varsler_for(*aar, None).await?,
        };
        for r in raekker {
            varsler.entry((*aar, r.organisation.id)).or_default().push(r);
        }
    }
    // (Reading two years' early warnings side by side was slower: they compete for the two
    // cores. The year before's is read while this year's packages are written, above.)
    let varsler = &varsler;
    let kommuner = &kommuner;
    tracing::debug!(ms = fase.elapsed().as_millis() as u64, "demodata: tidlig varsling");
    // Earlier years' meetings first: this year's meetings follow up on their aftaler.
    for aar in aarene {
        let fase = std::time::Instant::now();
        let mut aftaler: HashMap<OrganisationId, Vec<AftaleRecord>> = HashMap::new();
        for a in app.store().aftaler(AftaleFilter::Organisationer(orgs.clone())).await? {
            aftaler.entry(a.aftale.organisation).or_default().push(a);
        }
        let aftaler = &aftaler;
        // The agendas read each organisation's figures; those reads run side by side.
        let mut trin: Vec<Historiktrin> = futures::stream::iter(moeder.iter().filter(|i| i.pakke.styringsaar == aar))
            .map(|i| async move {
                let egne: Vec<&app::VarselRaekke> =
                    varsler.get(&(i.pakke.styringsaar, i.pakke.organisation)).into_iter().flatten().collect();
                let tidligere = aftaler.get(&i.pakke.organisation).map_or(&[][..], Vec::as_slice);
                let step = Step { actor, pakke: &i.pakke };
                hold_moede(app, &step, i, &egne, tidligere, kommuner).await
            })
            .buffered(PARALLEL_WRITES)
            .try_collect::<Vec<Vec<Historiktrin>>>()
            .await?
            .into_iter()
            .flatten()
            .collect();
        skriv(app, &mut trin).await?;
        tracing::debug!(aar = aar.get(), ms = fase.elapsed().as_millis() as u64, "demodata: møder og redegørelser");
    }
    Ok(())
}

/// The user the history is written as; it cannot log in.
async fn demo_actor(app: &App) -> Result<UserId, AppError> {
    let new = NewUser {
        username: "demodata".into(),
        display_name: "Demodata (genereret historik)".into(),
        email: None,
        password_hash: app::hash_password(&app::random_token())?,
        role: Role::Styrelse,
        kommune: None,
        organisationer: vec![],
        created_at: app.now(),
        ekstern_id: None,
        cvr: None,
    };
    let audit = app.audit(None, "bruger_oprettet", "bruger", "", json!({"brugernavn": "demodata"}));
    let id = app.store().create_user(&new, &audit).await?;
    let audit = app.audit(None, "bruger_deaktiveret", "bruger", id.0, json!({"brugernavn": "demodata"}));
    app.store().set_user_disabled(id, true, &audit).await?;
    Ok(id)
}

/// Adds to `trin` one package's first `depth` steps (1 submitted, 2 received); returns its
/// status and the day it was received. `afdelinger` are its organisation's.
fn indsend(
    app: &App,
    step: &Step<'_>,
    seed: i64,
    depth: u8,
    afdelinger: &[Afdeling],
    trin: &mut Vec<Historiktrin>,
) -> Result<(PakkeStatus, NaiveDate), AppError> {
    let pakke = step.pakke;
    let frist = demo_frist(pakke);
    // Most submit in the weeks before the deadline; one in ten a little after it.
    let late = pick(seed, 2, 10) == 0;
    let submitted =
        if late { frist + Duration::days(pick(seed, 3, 20) + 1) } else { frist - Duration::days(pick(seed, 3, 40)) };
    let skabelon = Skabelon::shipped(pakke.rapporttype, pakke.styringsaar.get())
        .ok_or_else(|| AppError::internal_msg("ingen skabelon"))?;
    let answer = |q: &Spoergsmaal, n: i64| -> Svar {
        match q.svartype {
            Svartype::Tekst => Svar::tekst(INDSATSER[pick(seed, 20 + n, INDSATSER.len() as i64) as usize]),
            Svartype::Valg => {
                // Mostly the first choice (satisfactory), now and then the others.
                let i = [0, 0, 0, 0, 0, 0, 0, 1, 1, 2][pick(seed, 30 + n, 10) as usize].min(q.valg.len() - 1);
                Svar { valg: Some(q.valg[i].clone()), ..Svar::default() }
            }
            // A question that may be required to say yes (question 4's efficiency goals)
            // says it, so every submitted package passes the checks.
            Svartype::JaNejHvilke if q.kraeves_ja_ved.is_some() => Svar {
                ja: Some(true),
                tekst: "Bestyrelsen har fastsat mål for driftsudgifterne i afdelinger med gult eller rødt \
                        effektivitetstal: fælles indkøb og udbud af serviceydelser over de næste fire år."
                    .into(),
                valg: None,
            },
            Svartype::JaNej | Svartype::JaNejHvilke => {
                let ja = pick(seed, 10 + n, 3) == 0;
                let tekst = if ja && q.svartype == Svartype::JaNejHvilke {
                    INDSATSER[pick(seed, 20 + n, INDSATSER.len() as i64) as usize].to_string()
                } else {
                    String::new()
                };
                Svar { ja: Some(ja), tekst, valg: None }
            }
        }
    };
    // The board's comment on a fact block: required where a key figure is critical, and
    // given on every one here, so every submitted package passes the checks.
    let kommentar =
        || Svar {
            ja: None, tekst: "Bestyrelsen har drøftet nøgletallene og følger udviklingen.".into(), valg: None
        };
    let mut svar: BTreeMap<String, Svar> =
        skabelon.spoergsmaal().enumerate().map(|(i, q)| (q.id.clone(), answer(q, i as i64))).collect();
    svar.extend(skabelon.fakta().filter(|f| f.kommentar.is_some()).map(|f| (f.id.clone(), kommentar())));
    if let Some(skema) =
        Skabelon::shipped(Skema::Bilag4, pakke.styringsaar.get()).filter(|_| pakke.rapporttype == Rapporttype::Bilag3)
    {
        for a in afdelinger {
            let spoergsmaal: Vec<&Spoergsmaal> =
                skema.afdelingssektioner(a.data.under_opfoerelse).flat_map(|s| s.spoergsmaal()).collect();
            // Questions prefilled from master data are answered as registered (no
            // corrections in the demo); the others as before, numbered without them.
            for q in &spoergsmaal {
                if let Some(registreret) = q.forudfyld.and_then(|f| f.stamdata(&a.data)) {
                    svar.insert(
                        afdeling_noegle(a.data.nummer, &q.id),
                        Svar { ja: Some(registreret), ..Svar::default() },
                    );
                }
            }
            let egne = spoergsmaal.iter().filter(|q| q.forudfyld.and_then(|f| f.stamdata(&a.data)).is_none());
            for (i, q) in egne.enumerate() {
                svar.insert(
                    afdeling_noegle(a.data.nummer, &q.id),
                    answer(q, a.data.nummer.get() as i64 * 7 + i as i64),
                );
            }
            for f in skema.afdelingssektioner(a.data.under_opfoerelse).flat_map(|s| s.fakta()) {
                if f.kommentar.is_some() {
                    svar.insert(afdeling_noegle(a.data.nummer, &f.id), kommentar());
                }
            }
        }
    }
    let when = at(submitted, 10);
    // The required attachments, as small real PDFs, uploaded the hour before submission.
    let mut bilag = Vec::new();
    for art in app.regler(pakke.styringsaar).bilag.arter.iter().filter(|a| a.paakraevet) {
        let indhold = demo_pdf(&format!("{} {} - {}", art.navn, pakke.styringsaar.previous(), pakke.organisation_navn));
        let new = NewBilag {
            pakke: pakke.id,
            expected_status: pakke.status,
            art: art.id.clone(),
            // The package's first file of each kind: nothing to supersede.
            erstatter: false,
            filnavn: format!("{}-{}.pdf", art.id, pakke.organisation_nummer),
            mime: domain::bilag::Filtype::Pdf.mime().into(),
            sha256: {
                use sha2::{Digest, Sha256};
                hex::encode(Sha256::digest(&indhold))
            },
            indhold,
            by: step.actor,
            at: at(submitted, 9),
        };
        bilag.push((new, step.audit("bilag_tilfoejet", at(submitted, 9))));
    }
    // A package left submitted may still be returned: its working copy holds the answers
    // it was submitted with, as after a real submission, so the organisation can correct
    // them. (Packages taken further can no longer change; they keep only their version.)
    let kladde = (depth == 1).then(|| {
        let change = store::SvarChange {
            pakke: pakke.id,
            expected_status: pakke.status,
            sektion: svar.keys().cloned().collect(),
            expected_revision: store::Revision(0),
            svar: svar.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            by: step.actor,
            at: at(submitted, 8),
        };
        (change, step.audit("svar_gemt", at(submitted, 8)))
    });
    let modtagere = {
        let mut set: BTreeSet<_> = BTreeSet::from([pakke.hjemstedskommune]);
        set.extend(afdelinger.iter().map(|a| a.data.kommune));
        set.into_iter().collect()
    };
    let submission = Submission {
        transition: step.transition(pakke.status, PakkeHaendelse::Indsend, when)?,
        // The writer checks it against the revision the uploads and the save leave.
        revision: pakke.revision,
        idempotency_key: format!("demodata-{}", pakke.id.0),
        svar,
        modtagere,
        late,
        expected_version: 1,
        // The writer adds the uploads' ids.
        bilag: Vec::new(),
        mails: Vec::new(),
        // The demo's boards approved the report the day before it was submitted.
        bestyrelse_godkendt: Some(when.date_naive() - chrono::Days::new(1)),
    };
    trin.push(Historiktrin::Indsend {
        bilag,
        kladde,
        indsendelse: submission,
        audit: step.audit("pakke_indsendt", when),
    });
    let mut status = PakkeStatus::Indsendt;
    let mut received = submitted;
    if depth >= 2 {
        received = submitted + Duration::days(3 + pick(seed, 4, 10));
        let overgang = step.transition(status, PakkeHaendelse::Modtag, at(received, 9))?;
        status = overgang.to;
        trin.push(Historiktrin::Overgang { overgang, audit: step.audit("pakke_modtaget", at(received, 9)) });
    }
    Ok((status, received))
}

/// Takes a received package on: 3 meeting held, 4 redegørelse published. `varsler` are the
/// organisation's early-warning signals for the agenda.
async fn hold_moede(
    app: &App,
    step: &Step<'_>,
    i: &Indsendt,
    varsler: &[&app::VarselRaekke],
    tidligere_aftaler: &[AftaleRecord],
    kommuner: &HashMap<Kommunekode, String>,
) -> Result<Vec<Historiktrin>, AppError> {
    let (seed, depth, mut status, received) = (i.seed, i.depth, i.status, i.received);
    let mut trin = Vec::new();
    let pakke = step.pakke;
    let frist = demo_frist(pakke);
    let meeting = (frist + Duration::days(30 + pick(seed, 5, 90))).min(app.today() - Duration::days(7));
    // Convened in writing three to four weeks before, as the letter kept in the system.
    let invited = (meeting - Duration::days(21 + pick(seed, 8, 10))).max(received + Duration::days(1));
    let t = step.transition(status, PakkeHaendelse::IndkaldMoede, at(invited, 10))?;
    let kommune = kommuner.get(&pakke.hjemstedskommune).map_or("", String::as_str);
    let dialogmoede = NewDialogmoede {
        kommune: pakke.hjemstedskommune,
        styringsaar: pakke.styringsaar,
        starter: at(meeting, 11),
        varighed_minutter: i64::from(app.regler(pakke.styringsaar).moede.varighed_minutter),
        sted: format!("{kommune} Rådhus"),
        deltagere: format!("{kommune} Kommune\nBestyrelsen for {}", pakke.organisation_navn),
        kommuner: Vec::new(),
        dagsorden: app.dagsorden_med(pakke, varsler).await?,
        brev: format!(
            "{kommune} Kommune indkalder hermed {} til det årlige dialogmøde om styringsrapporten for styringsår {} den {}.",
            pakke.organisation_navn,
            pakke.styringsaar,
            meeting.format("%d.%m.%Y")
        ),
        pakker: vec![pakke.id],
        by: step.actor,
        at: at(invited, 10),
    };
    let indkald = t;
    status = indkald.to;
    let t = step.transition(status, PakkeHaendelse::MarkerMoedeAfholdt, at(meeting, 15))?;
    let moede = NewMoede {
        pakke: pakke.id,
        dato: meeting,
        deltagere: format!("Kommunen og bestyrelsen for {}", pakke.organisation_navn),
        by: step.actor,
        at: at(meeting, 15),
        // The writer names the meeting convened above.
        dialogmoede: None,
        bilateral: true,
        kommune: Some(pakke.hjemstedskommune),
    };
    status = t.to;
    trin.push(Historiktrin::Moede {
        indkaldelse: dialogmoede,
        indkald: vec![indkald],
        indkaldt_audit: step.audit("moede_indkaldt", at(invited, 10)),
        afholdt: vec![moede],
        afhold: vec![t],
        afholdt_audit: step.audit("moede_afholdt", at(meeting, 15)),
    });
    // The meeting follows up on the aftaler of earlier years.
    for (i, a) in tidligere_aftaler.iter().enumerate() {
        if a.styringsaar >= pakke.styringsaar || !a.status().is_some_and(|s| s.aaben()) {
            continue;
        }
        let (ny, tekst) = match pick(seed, 20 + i as i64, 3) {
            0 => (AftaleStatus::Opfyldt, "Aftalen er gennemført som planlagt."),
            1 => (AftaleStatus::IGang, "Arbejdet er i gang; der følges op næste år."),
            _ => (AftaleStatus::IGang, "Tidsplanen er forskudt, men arbejdet fortsætter."),
        };
        let record = AftaleStatusRecord { status: ny, bemaerkning: tekst.into(), by: step.actor, at: at(meeting, 16) };
        trin.push(Historiktrin::AftaleStatus {
            aftale: a.id,
            status: record,
            audit: step.audit("aftale_status", at(meeting, 16)),
        });
    }
    if depth >= 4 {
        let published = meeting + Duration::days(21 + pick(seed, 6, 30));
        let published = published.min(app.today());
        let tekst = redegoerelse_tekst(pakke, meeting, seed);
        let draft = NewRedegoerelse { pakke: pakke.id, tekst, by: step.actor, at: at(published, 9) };
        let mut aftaler = Vec::new();
        // Zero to two aftaler from the redegørelse, each with its goal area.
        for i in 0..pick(seed, 9, 3) {
            let n = pick(seed, 10 + i, domain::redegoerelse::AFTALE_EMNER.len() as i64) as usize;
            let maal = domain::redegoerelse::MAALOMRAADER[pick(seed, 12 + i, 5) as usize].0;
            let aftale = NewAftale {
                pakke: pakke.id,
                organisation: pakke.organisation,
                kommune: pakke.hjemstedskommune,
                oevrige_parter: String::new(),
                emne: domain::redegoerelse::AFTALE_EMNER[n].into(),
                beskrivelse: format!(
                    "{} følger op med en plan, der drøftes på næste dialogmøde.",
                    pakke.organisation_navn
                ),
                maalomraader: vec![maal.into()],
                ansvarlig: "Boligorganisationen".into(),
                frist: Some(published + Duration::days(365)),
                by: step.actor,
                at: at(published, 10),
            };
            let status = AftaleStatusRecord {
                status: AftaleStatus::Aftalt,
                bemaerkning: String::new(),
                by: step.actor,
                at: at(published, 10),
            };
            aftaler.push((aftale, status, step.audit("aftale_oprettet", at(published, 10))));
        }
        let t = step.transition(status, PakkeHaendelse::OffentliggoerRedegoerelse, at(published, 12))?;
        trin.push(Historiktrin::Redegoerelse {
            udkast: draft,
            gemt_audit: step.audit("redegoerelse_gemt", at(published, 9)),
            aftaler,
            offentliggjort: Some(Offentliggoerelse {
                at: at(published, 12),
                overgang: t,
                audit: step.audit("redegoerelse_offentliggjort", at(published, 12)),
            }),
        });
    }
    Ok(trin)
}

/// The package's deadline, or the default half a year after the period when none is set.
fn demo_frist(pakke: &PakkeRecord) -> NaiveDate {
    pakke.frist.unwrap_or(pakke.periode.slut() + Duration::days(180))
}

fn redegoerelse_tekst(pakke: &PakkeRecord, meeting: NaiveDate, seed: i64) -> RedegoerelseTekst {
    let indsats = INDSATSER[pick(seed, 30, INDSATSER.len() as i64) as usize];
    let vurdering =
        ["tilfredsstillende", "generelt tilfredsstillende", "tilfredsstillende med enkelte opmærksomhedspunkter"]
            [pick(seed, 31, 3) as usize];
    domain::redegoerelse::felter()
        .into_iter()
        .map(|id| {
            let text = match id.split_once('.') {
                None if id == domain::redegoerelse::SAMMENFATNING => format!(
                    "Dialogmødet med {} blev holdt den {}.{}.{}. Parterne gennemgik styringsrapporten for styringsår {} og vurderer samlet organisationens drift som {}.",
                    pakke.organisation_navn,
                    meeting.day(),
                    meeting.month(),
                    meeting.year(),
                    pakke.styringsaar,
                    vurdering
                ),
                None => format!("Parterne er enige om at følge op på: {}.", indsats.to_lowercase()),
                Some((omraade, del)) => {
                    let titel = domain::redegoerelse::maalomraade_titel(omraade).unwrap_or(omraade).to_lowercase();
                    match del {
                        "organisation" => format!("Organisationen vurderer, at {titel} er i god gænge."),
                        "kommune" => format!("Kommunen er enig og har ingen særlige bemærkninger til {titel}."),
                        _ => format!("Organisationen arbejder fortsat med {titel} i sine afdelinger."),
                    }
                }
            };
            (id, text)
        })
        .collect()
}
