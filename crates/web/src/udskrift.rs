//! Printable PDFs of what the pages show, under the same scope: each handler reads through the
//! same app call as its HTML page (so whoever cannot read the page cannot fetch the PDF),
//! builds a `pdf::Dokument` from the same view models, and typesets it off the async runtime.

use crate::AppState;
use crate::error::PageResult;
use crate::format::{dato, tidspunkt};
use crate::layout::Layout;
use crate::pages::offentlig::afsnit;
use crate::pages::organisation::skema::{Del as FormDel, Tabel, dele};
use crate::security::CurrentUser;
use app::{App, AppError, PakkeView};
use axum::extract::{Path, State};
use domain::package::PakkeStatus;
use pdf::{Blok, Del, Dokument};
use store::PakkeId;

static PDF_PLADSER: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();

/// How many documents are typeset at once: by default half the cores, so pages keep the rest
/// while PDFs are made; more requests for PDFs wait their turn.
fn pdf_pladser() -> &'static tokio::sync::Semaphore {
    PDF_PLADSER.get_or_init(|| {
        let kerner = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        tokio::sync::Semaphore::new((kerner / 2).max(1))
    })
}

/// Sets how many documents are typeset at once, before the first one (the archive command uses
/// every core; the server keeps the default).
pub fn saet_pdf_pladser(antal: usize) {
    let _ = PDF_PLADSER.set(tokio::sync::Semaphore::new(antal.max(1)));
}

/// Where documents are typeset.
#[derive(Debug, Clone)]
pub enum PdfSaetter {
    /// On the blocking pool of this process (tests, the `udskriv` command).
    IProces,
    /// In a child process per document (the server): `program` with `args` speaks the protocol
    /// of [`pdf::arbejder`]. typst's memory then goes with the child instead of staying in the
    /// server.
    Underproces { program: std::path::PathBuf, args: Vec<String> },
}

static PDF_SAETTER: std::sync::OnceLock<PdfSaetter> = std::sync::OnceLock::new();

/// Sets where documents are typeset, before the first one; in this process by default.
pub fn saet_pdf_saetter(saetter: PdfSaetter) {
    let _ = PDF_SAETTER.set(saetter);
}

/// The longest a worker may take over one document before it is stopped (the largest
/// organisation's report takes a few seconds).
const ARBEJDER_GRAENSE: std::time::Duration = std::time::Duration::from_secs(120);

/// Typesets a document off the async runtime (typst is CPU-bound), at most [`pdf_pladser`] at
/// once, in this process or in a worker process (see [`PdfSaetter`]).
pub async fn saet(dokument: Dokument) -> Result<pdf::Udskrift, AppError> {
    let plads = pdf_pladser().acquire().await.map_err(|e| AppError::internal("PDF: ingen plads", e))?;
    let udskrift = match PDF_SAETTER.get() {
        Some(PdfSaetter::Underproces { program, args }) => saet_i_underproces(program, args, &dokument).await,
        Some(PdfSaetter::IProces) | None => tokio::task::spawn_blocking(move || {
            // typst's cache is trimmed afterwards, without keeping the caller waiting.
            let udskrift = pdf::pdf_med_maaling(&dokument);
            pdf::ryd_op();
            udskrift
        })
        .await
        .map_err(|e| AppError::internal("PDF: sætningen stoppede", e))?
        .map_err(|e| AppError::internal("PDF", e)),
    };
    drop(plads);
    udskrift
}

/// One document in a child process: the document is written while the answer is read (either
/// could fill its pipe), and a child that takes too long is killed.
async fn saet_i_underproces(
    program: &std::path::Path,
    args: &[String],
    dokument: &Dokument,
) -> Result<pdf::Udskrift, AppError> {
    use tokio::io::AsyncWriteExt;
    let fejl = |e: &dyn std::fmt::Display| AppError::internal_msg(format!("PDF-arbejderen: {e}"));
    let anmodning = pdf::arbejder::anmodning(dokument).map_err(|e| fejl(&e))?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| fejl(&e))?;
    let mut stdin = child.stdin.take().ok_or_else(|| fejl(&"ingen standard input"))?;
    let skriv = async move {
        stdin.write_all(&anmodning).await?;
        stdin.shutdown().await
    };
    let arbejde = async { tokio::join!(skriv, child.wait_with_output()) };
    let (skrevet, output) =
        tokio::time::timeout(ARBEJDER_GRAENSE, arbejde).await.map_err(|_| fejl(&"tog for lang tid og blev stoppet"))?;
    let output = output.map_err(|e| fejl(&e))?;
    if !output.status.success() {
        let besked = String::from_utf8_lossy(&output.stderr);
        return Err(fejl(&format!("{} ({})", besked.trim(), output.status)));
    }
    skrevet.map_err(|e| fejl(&e))?;
    pdf::arbejder::svar(&output.stdout).map_err(|e| fejl(&e))
}

/// A mail's text as a document (the receipt of a submission, attached to its mail): a
/// paragraph of "Label: value" lines becomes the title page's facts, the rest paragraphs.
pub fn mail_dokument(emne: &str, tekst: &str, dato: chrono::NaiveDate) -> Dokument {
    use chrono::Datelike;
    let mut fakta = Vec::new();
    let mut blokke = Vec::new();
    for afsnit in tekst.split("\n\n").map(str::trim).filter(|a| !a.is_empty()) {
        let linjer: Option<Vec<(String, String)>> = afsnit
            .lines()
            .map(|l| l.split_once(": ").map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
            .collect();
        match linjer {
            Some(par) if fakta.is_empty() && par.iter().all(|(k, _)| k.chars().count() <= 30) => fakta = par,
            _ => blokke.push(Blok::Afsnit { tekst: afsnit.to_string() }),
        }
    }
    Dokument {
        titel: emne.to_string(),
        organisation: String::new(),
        aar: String::new(),
        forfatter: "Styringsdialogen".into(),
        dato: pdf::Dato { aar: dato.year(), maaned: dato.month() as u8, dag: dato.day() as u8 },
        fakta,
        indhold: false,
        bemaerkning: None,
        dele: vec![Del { niveau: 1, titel: emne.to_string(), intro: None, ny_side: false, blokke }],
    }
}

/// The outbox's typesetter (`mail::PdfSaetter`): a mail's text as a PDF, within the server's
/// limit on how many documents are typeset at once.
pub async fn mail_pdf(emne: String, tekst: String) -> Result<Vec<u8>, String> {
    let dato = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Copenhagen).date_naive();
    saet(mail_dokument(&emne, &tekst, dato)).await.map(|u| u.bytes).map_err(|e| e.to_string())
}

/// Serves a document as an inline PDF with a readable file name.
async fn pdf_svar(dokument: Dokument, filnavn: String) -> PageResult {
    let bytes = saet(dokument).await?.bytes;
    Ok(pdf_fil(bytes, &filnavn))
}

fn pdf_fil(bytes: impl axum::response::IntoResponse, filnavn: &str) -> axum::response::Response {
    crate::view::fil_svar("application/pdf", "inline", filnavn, bytes)
}

fn idag(app: &App) -> pdf::Dato {
    use chrono::Datelike;
    let d = app.today();
    pdf::Dato { aar: d.year(), maaned: d.month() as u8, dag: d.day() as u8 }
}

/// "Boligselskabet X (nr. 1234)": the header of every page.
fn organisation_linje(o: &domain::master::Organisation) -> String {
    format!("{} (nr. {})", o.navn, o.nummer)
}

/// A form part's fields as blocks: answers, fact tables and charts. `niveau` is the heading
/// level of a fact block.
fn blokke(del: FormDel, niveau: u8, ud: &mut Vec<Blok>) {
    for felt in del.felter {
        if felt.art != "fakta" {
            ud.push(Blok::Svar { spoergsmaal: felt.label, svar: felt.laest });
            continue;
        }
        ud.push(Blok::Overskrift { niveau, tekst: felt.label });
        if let Some(hint) = felt.hint {
            ud.push(Blok::Afsnit { tekst: hint });
        }
        if let Some(d) = felt.diagram {
            ud.push(Blok::diagram(d.svg));
            ud.push(Blok::Afsnit { tekst: d.forklaring.to_string() });
        }
        for t in felt.tabeller {
            let noter = t.noter.clone();
            ud.push(tabel(t));
            ud.extend(noter.into_iter().map(|tekst| Blok::Afsnit { tekst }));
        }
        if let Some(kommentar) = felt.kommentar {
            ud.push(Blok::Svar { spoergsmaal: kommentar, svar: felt.laest });
        }
    }
}

fn tabel(t: Tabel) -> Blok {
    Blok::tabel(
        t.caption,
        t.hoved.iter().map(|k| k.titel.clone()).collect(),
        t.hoved.iter().position(|k| k.tal).unwrap_or(t.hoved.len()),
        t.raekker.into_iter().map(|r| r.into_iter().map(|c| c.tekst).collect()).collect(),
    )
}

/// The styringsrapport of a package (bilag 3 with every afdeling form, or bilag 5) as the
/// viewer may read it: the organisation's working copy, or the newest submitted version for
/// a kommune; `version` prints a submitted version instead.
pub async fn styringsrapport_dokument(
    app: &App,
    v: &PakkeView,
    version: Option<&store::VersionRecord>,
) -> Result<Dokument, AppError> {
    let aar = v.pakke.styringsaar.get();
    let fakta = app.fakta(v).await?;
    let ingen_fejl = Layout::anonymous("");
    let mut dokument_dele = Vec::new();
    for s in &v.skabelon.sektioner {
        let mut del =
            Del { niveau: 1, titel: s.titel.clone(), intro: s.intro.clone(), ny_side: false, blokke: Vec::new() };
        for form in dele(v, &fakta, &[s], None, &ingen_fejl, None) {
            blokke(form, 2, &mut del.blokke);
        }
        dokument_dele.push(del);
    }
    // The afdeling forms under one part of their own, so that the contents stay short; each
    // form is a bookmark.
    if !v.afdelinger.is_empty() {
        dokument_dele.push(Del {
            niveau: 1,
            titel: "Oplysningsskemaer for afdelinger (bilag 4)".into(),
            intro: Some(format!("Et oplysningsskema for hver af organisationens {} afdelinger.", v.afdelinger.len())),
            ny_side: true,
            blokke: Vec::new(),
        });
    }
    for (i, a) in v.afdelinger.iter().enumerate() {
        let sektioner: Vec<_> = v.afdelingsskema_sektioner(a).collect();
        let mut del = Del {
            niveau: 2,
            titel: format!("Oplysningsskema for afdeling {} {}", a.data.nummer, a.data.navn),
            intro: None,
            // The first form follows the part's introduction on its page.
            ny_side: i > 0,
            blokke: Vec::new(),
        };
        for form in dele(v, &fakta, &sektioner, Some(a), &ingen_fejl, None) {
            del.blokke.push(Blok::Overskrift { niveau: 3, tekst: form.titel.clone() });
            if let Some(intro) = &form.intro {
                del.blokke.push(Blok::Afsnit { tekst: intro.clone() });
            }
            blokke(form, 4, &mut del.blokke);
        }
        dokument_dele.push(del);
    }
    let bilag: Vec<(String, String)> = match version {
        Some(ver) => v.versions_bilag(ver).into_iter().map(|b| (b.filnavn, b.art)).collect(),
        None => v.bilag.iter().map(|b| (b.filnavn.clone(), b.art.clone())).collect(),
    };
    dokument_dele.push(Del {
        niveau: 1,
        titel: "Bilag".into(),
        intro: Some("Filerne kan hentes fra pakken i styringsdialog.".into()),
        ny_side: false,
        blokke: vec![Blok::tabel(
            "Vedhæftede filer",
            vec!["Fil".into(), "Art".into()],
            2,
            bilag.into_iter().map(|(navn, art)| vec![navn, art]).collect(),
        )],
    });

    let mut fakta_linjer = vec![
        ("Organisation".to_string(), organisation_linje(&v.organisation)),
        ("Skema".into(), domain::template::Skema::from(v.pakke.rapporttype).label().to_string()),
        ("Styringsår".into(), aar.to_string()),
        ("Regnskabsperiode".into(), v.pakke.periode.label()),
        (
            "Rapportperiode".into(),
            v.pakke
                .rapportperiode
                .map(|r| format!("{} (fastsat af kommunen)", r.label()))
                .unwrap_or_else(|| "Regnskabsperioden".into()),
        ),
        ("Status".into(), v.pakke.status.label().to_string()),
        ("Modtagere".into(), crate::pages::kommune_navne(app, &v.modtagere).await?),
        ("Frist".into(), v.pakke.frist.map(dato).unwrap_or_else(|| "Ikke fastsat".into())),
    ];
    let shown = version.or_else(|| if v.is_working_copy { None } else { v.versions.last() });
    if let Some(ver) = shown {
        fakta_linjer.push(("Version".into(), ver.version.to_string()));
        fakta_linjer.push((
            "Indsendt".into(),
            format!("{}{}", tidspunkt(ver.submitted_at), if ver.late { " (efter fristen)" } else { "" }),
        ));
        if let Some(godkendt) = ver.bestyrelse_godkendt {
            fakta_linjer.push(("Godkendt af bestyrelsen".into(), dato(godkendt)));
        }
    }
    fakta_linjer.push(("Udskrevet".into(), dato(app.today())));
    let nyeste = v.versions.last().map(|x| x.version);
    let bemaerkning = match version {
        Some(ver) if nyeste.is_some_and(|n| n > ver.version) => {
            Some(format!("Der findes en nyere version af pakken (version {}).", nyeste.unwrap_or_default()))
        }
        Some(_) => None,
        None if v.is_working_copy && v.pakke.status.editable_by_organisation() => {
            Some("Kladde: organisationens arbejdskopi, som ikke er indsendt. Svarene kan stadig ændres.".to_string())
        }
        None => None,
    };
    Ok(Dokument {
        titel: format!("Styringsrapport {aar}"),
        organisation: organisation_linje(&v.organisation),
        aar: format!("Styringsår {aar}"),
        forfatter: v.organisation.navn.clone(),
        dato: idag(app),
        fakta: fakta_linjer,
        bemaerkning,
        indhold: true,
        dele: dokument_dele,
    })
}

/// The file name of a package's document: "styringsrapport-2026-1234.pdf".
pub fn filnavn(v: &PakkeView, hvad: &str) -> String {
    dokument_navn(hvad, v.pakke.styringsaar, v.organisation.nummer)
}

fn dokument_navn(hvad: &str, aar: domain::Styringsaar, nummer: domain::OrganisationNummer) -> String {
    format!("{hvad}-{aar}-{nummer}.pdf")
}

/// GET /pakker/{id}/styringsrapport.pdf
pub async fn styringsrapport(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<i64>,
) -> PageResult {
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    let dokument = styringsrapport_dokument(&state.app, &v, None).await?;
    pdf_svar(dokument, filnavn(&v, "styringsrapport")).await
}

/// GET /pakker/{id}/versioner/{version}/styringsrapport.pdf: a submitted version as it was
/// submitted (its answers and files; the computed facts are today's).
pub async fn version(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path((id, nummer)): Path<(i64, i64)>,
) -> PageResult {
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    let ver = v.versions.iter().find(|x| x.version == nummer).ok_or(AppError::NotFound)?.clone();
    let mut som_indsendt = v.clone();
    som_indsendt.svar = state.app.version_svar(&v, nummer).await?;
    let dokument = styringsrapport_dokument(&state.app, &som_indsendt, Some(&ver)).await?;
    pdf_svar(dokument, filnavn(&v, &format!("styringsrapport-version-{nummer}"))).await
}

/// GET /pakker/{id}/redegoerelse.pdf: the newest redegørelse the viewer may read (the
/// kommune's draft is the kommune's own until it is sent for comments), with the aftaler and
/// the organisation's comments, as the package and høring pages show them.
pub async fn redegoerelse(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<i64>,
) -> PageResult {
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    let dokument = pakkens_redegoerelse(&state.app, &v).await?.ok_or(AppError::NotFound)?;
    pdf_svar(dokument, filnavn(&v, "redegoerelse")).await
}

/// The package's newest redegørelse as the viewer of `v` may read it, if there is one.
pub async fn pakkens_redegoerelse(app: &App, v: &PakkeView) -> Result<Option<Dokument>, AppError> {
    let Some(r) = v.latest_redegoerelse() else { return Ok(None) };
    let kommune = crate::pages::kommune_navne(app, &[v.pakke.hjemstedskommune]).await?;
    let mut dokument_dele = redegoerelse_dele(&r.tekst);
    let aftaler = app.pakke_aftaler(v).await?;
    if !aftaler.is_empty() {
        dokument_dele.push(Del {
            niveau: 1,
            titel: "Aftaler".into(),
            intro: None,
            ny_side: false,
            blokke: vec![Blok::tabel(
                "Aftaler indgået på baggrund af dialogen",
                ["Emne", "Aftale", "Parter", "Ansvarlig", "Frist", "Status"].map(String::from).to_vec(),
                6,
                aftaler
                    .iter()
                    .map(|a| crate::format::aftale_visning(a, &kommune))
                    .map(|a| vec![a.emne, a.beskrivelse, a.parter, a.ansvarlig, a.frist, a.status.to_string()])
                    .collect(),
            )],
        });
    }
    let bemaerkninger = app.bemaerkninger(v).await?;
    if !bemaerkninger.is_empty() {
        dokument_dele.push(Del {
            niveau: 1,
            titel: "Organisationens bemærkninger".into(),
            intro: None,
            ny_side: false,
            blokke: bemaerkninger
                .into_iter()
                .map(|b| Blok::Svar {
                    spoergsmaal: format!("{}, {}", b.by_name, tidspunkt(b.bemaerkning.at)),
                    svar: b.bemaerkning.tekst,
                })
                .collect(),
        });
    }
    let bemaerkning = match v.pakke.status {
        PakkeStatus::RedegoerelseOffentliggjort => None,
        PakkeStatus::RedegoerelseIHoering => {
            Some("Udkast sendt i høring hos organisationen. Ikke offentliggjort.".into())
        }
        _ => Some("Udkast: kommunens arbejdsudkast, som ikke er sendt i høring.".into()),
    };
    let dokument = redegoerelse_dokument(
        app,
        organisation_linje(&v.organisation),
        v.pakke.styringsaar.get(),
        kommune,
        r.published_at,
        bemaerkning,
        dokument_dele,
    );
    Ok(Some(if v.pakke.uden_pakke() { uden_pakke(dokument) } else { dokument }))
}

/// A redegørelse of a dialogue held without the documentation package says so on its title
/// page («dokumentationspakken er ikke modtaget»).
fn uden_pakke(mut dokument: Dokument) -> Dokument {
    dokument.fakta.insert(
        3,
        ("Dokumentationspakke".into(), "Dokumentationspakken er ikke modtaget. Dialogen er holdt uden pakken.".into()),
    );
    dokument
}

/// The redegørelse's non-empty fields, each a part of its own.
fn redegoerelse_dele(tekst: &store::RedegoerelseTekst) -> Vec<Del> {
    afsnit(tekst)
        .into_iter()
        .map(|crate::pages::offentlig::Afsnit { titel, tekst }| Del {
            niveau: 1,
            titel,
            intro: None,
            ny_side: false,
            blokke: vec![Blok::Afsnit { tekst }],
        })
        .collect()
}

fn redegoerelse_dokument(
    app: &App,
    organisation: String,
    aar: i32,
    kommune: String,
    offentliggjort: Option<chrono::DateTime<chrono::Utc>>,
    bemaerkning: Option<String>,
    dele: Vec<Del>,
) -> Dokument {
    let mut fakta = vec![
        ("Organisation".to_string(), organisation.clone()),
        ("Styringsår".into(), aar.to_string()),
        ("Udarbejdet af".into(), kommune.clone()),
    ];
    if let Some(t) = offentliggjort {
        fakta.push(("Offentliggjort".into(), tidspunkt(t)));
    }
    fakta.push(("Udskrevet".into(), dato(app.today())));
    Dokument {
        titel: format!("Redegørelse for styringsdialogen {aar}"),
        organisation,
        aar: format!("Styringsår {aar}"),
        forfatter: kommune,
        dato: idag(app),
        fakta,
        bemaerkning,
        indhold: false,
        dele,
    }
}

/// GET /offentlig/organisationer/{nummer}/redegoerelser/{aar}.pdf: a published redegørelse,
/// for everyone. A published redegørelse never changes, so its PDF is typeset once and kept
/// for a few minutes with the other public files (the title page carries the print date).
pub async fn offentlig_redegoerelse(
    State(state): State<AppState>,
    Path((nummer, fil)): Path<(String, String)>,
) -> PageResult {
    let nummer: domain::OrganisationNummer = nummer.parse().map_err(|_| AppError::NotFound)?;
    let aar: domain::Styringsaar = fil.strip_suffix(".pdf").and_then(|a| a.parse().ok()).ok_or(AppError::NotFound)?;
    let public = state.app.offentlig();
    let bytes = public
        .gemt_fil(crate::paths::offentlig_sti(nummer, aar), async {
            let (organisation, r) = public.publiceret_redegoerelse(nummer, aar).await?;
            let dokument = redegoerelse_dokument(
                &state.app,
                organisation_linje(&organisation),
                aar.get(),
                crate::pages::kommune_navne(&state.app, &[r.kommune]).await?,
                Some(r.published_at),
                None,
                redegoerelse_dele(&r.tekst),
            );
            let dokument = if r.pakke_modtaget { dokument } else { uden_pakke(dokument) };
            Ok(saet(dokument).await?.bytes)
        })
        .await?;
    Ok(pdf_fil(crate::pages::offentlig::DeltFil::body(bytes), &dokument_navn("redegoerelse", aar, nummer)))
}
