//! The SQL shared by both engines. Each engine crate invokes [`sql_store_impl!`] with its
//! store type and sqlx database type; the statements are portable (`$n` placeholders,
//! `RETURNING`, `ON CONFLICT`, integer øre, UTC timestamps).

/// Implements [`crate::Store`] for `$store` (a struct with a `pool: sqlx::Pool<$db>` field).
/// `$begin` starts write transactions: SQLite needs `BEGIN IMMEDIATE`, so a transaction that
/// reads before it writes takes the write lock first and never fails on a lock upgrade.
#[macro_export]
macro_rules! sql_store_impl {
    ($store:ty, $db:ty, $engine:expr, $begin:literal) => {
        mod sql_store_generated {
            use super::*;
            use ::chrono::{DateTime, NaiveDate, Utc};
            use ::domain::access::{Role, UserId};
            use ::domain::master::*;
            use ::domain::noegletal::{OrganisationPost, OrganisationRegnskab};
            use ::domain::package::PakkeStatus;
            use ::domain::period::Regnskabsperiode;
            use ::domain::template::Svar;
            use ::domain::{AfdelingNummer, Kommunekode, OrganisationNummer, Regionskode, Styringsaar};
            use ::sqlx::{QueryBuilder, Row};
            use ::std::collections::{BTreeMap, HashMap};
            use $crate::*;

            type Db = $db;
            type Tx<'a> = ::sqlx::Transaction<'a, Db>;

            /// Rows per multi-row INSERT: keeps every statement under both engines' bind limits.
            const BIND_BUDGET: usize = 30_000;

            fn db_err(e: ::sqlx::Error) -> StoreError {
                if let Some(d) = e.as_database_error() {
                    if d.is_unique_violation() {
                        return StoreError::Conflict(d.constraint().unwrap_or(d.message()).to_string());
                    }
                }
                StoreError::Database(e.to_string())
            }

            fn corrupt(what: &str, value: impl ::std::fmt::Display) -> StoreError {
                StoreError::Database(format!("ugyldig værdi i databasen ({what}): {value}"))
            }

            fn kommunekode(v: i64) -> Result<Kommunekode> {
                Kommunekode::new(v).map_err(|e| corrupt("kommunekode", e))
            }
            fn styringsaar(v: i64) -> Result<Styringsaar> {
                Styringsaar::new(v).map_err(|e| corrupt("styringsår", e))
            }
            fn status(v: &str) -> Result<PakkeStatus> {
                PakkeStatus::parse(v).ok_or_else(|| corrupt("status", v))
            }
            fn json<T: ::serde::de::DeserializeOwned>(v: &str) -> Result<T> {
                ::serde_json::from_str(v).map_err(|e| corrupt("json", e))
            }
            fn to_json<T: ::serde::Serialize>(v: &T) -> String {
                ::serde_json::to_string(v).expect("records serialize")
            }

            fn bilag_from_row(r: &<Db as ::sqlx::Database>::Row) -> Result<BilagRecord> {
                Ok(BilagRecord {
                    id: r.try_get("id").map_err(db_err)?,
                    pakke: PakkeId(r.try_get("pakke_id").map_err(db_err)?),
                    art: r.try_get("art").map_err(db_err)?,
                    filnavn: r.try_get("filnavn").map_err(db_err)?,
                    mime: r.try_get("mime").map_err(db_err)?,
                    stoerrelse: r.try_get("stoerrelse").map_err(db_err)?,
                    sha256: r.try_get("sha256").map_err(db_err)?,
                    uploaded_by: UserId(r.try_get("uploadet_af").map_err(db_err)?),
                    uploaded_at: r.try_get("uploadet").map_err(db_err)?,
                    erstattet: r.try_get("erstattet").map_err(db_err)?,
                })
            }

            /// Enqueues a mail; the same reference twice is one mail.
            async fn insert_mail(tx: &mut Tx<'_>, m: &NewMail) -> Result<u64> {
                let n = ::sqlx::query(
                    "INSERT INTO udbakke (reference, til, emne, tekst, oprettet, vedhaeftning_navn, vedhaeftning) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (reference) DO NOTHING",
                )
                .bind(&m.reference)
                .bind(&m.til)
                .bind(&m.emne)
                .bind(&m.tekst)
                .bind(m.oprettet)
                .bind(m.vedhaeftning.as_ref().map(|v| v.navn.clone()))
                .bind(m.vedhaeftning.as_ref().map(|v| v.indhold.clone()))
                .execute(&mut **tx)
                .await
                .map_err(db_err)?
                .rows_affected();
                Ok(n)
            }

            const MAIL_SELECT: &str = "SELECT id, reference, til, emne, tekst, oprettet, vedhaeftning_navn, vedhaeftning, \
                 sendt, afsendes, forsoeg, sidste_fejl FROM udbakke";

            fn mail_from_row(r: &<Db as ::sqlx::Database>::Row) -> Result<MailRecord> {
                let navn: Option<String> = r.try_get("vedhaeftning_navn").map_err(db_err)?;
                let indhold: Option<String> = r.try_get("vedhaeftning").map_err(db_err)?;
                Ok(MailRecord {
                    id: r.try_get("id").map_err(db_err)?,
                    mail: NewMail {
                        reference: r.try_get("reference").map_err(db_err)?,
                        til: r.try_get("til").map_err(db_err)?,
                        emne: r.try_get("emne").map_err(db_err)?,
                        tekst: r.try_get("tekst").map_err(db_err)?,
                        oprettet: r.try_get("oprettet").map_err(db_err)?,
                        vedhaeftning: navn.zip(indhold).map(|(navn, indhold)| Vedhaeftning { navn, indhold }),
                    },
                    sendt: r.try_get("sendt").map_err(db_err)?,
                    afsendes: r.try_get("afsendes").map_err(db_err)?,
                    forsoeg: r.try_get("forsoeg").map_err(db_err)?,
                    sidste_fejl: r.try_get("sidste_fejl").map_err(db_err)?,
                })
            }

            const MOEDE_SELECT: &str = "SELECT id, pakke_id, dato, deltagere, registreret_af, registreret, dialogmoede_id, \
                 bilateral, kommunekode FROM moeder";

            fn moede_from_row(r: &<Db as ::sqlx::Database>::Row) -> Result<MoedeRecord> {
                let kommune: Option<i64> = r.try_get("kommunekode").map_err(db_err)?;
                Ok(MoedeRecord {
                    id: r.try_get("id").map_err(db_err)?,
                    pakke: PakkeId(r.try_get("pakke_id").map_err(db_err)?),
                    dato: r.try_get("dato").map_err(db_err)?,
                    deltagere: r.try_get("deltagere").map_err(db_err)?,
                    registered_by: UserId(r.try_get("registreret_af").map_err(db_err)?),
                    registered_at: r.try_get("registreret").map_err(db_err)?,
                    dialogmoede: r.try_get("dialogmoede_id").map_err(db_err)?,
                    bilateral: r.try_get("bilateral").map_err(db_err)?,
                    kommune: kommune.map(kommunekode).transpose()?,
                })
            }

            const DIALOGMOEDE_SELECT: &str = "SELECT id, kommunekode, styringsaar, starter, varighed_minutter, sted, deltagere, \
                 kommuner, dagsorden, brev, indkaldt_af, indkaldt FROM dialogmoeder";

            async fn dialogmoeder_where(pool: &::sqlx::Pool<Db>, filter: &str, id: i64) -> Result<Vec<DialogmoedeRecord>> {
                let sql = format!("{DIALOGMOEDE_SELECT} WHERE {filter} ORDER BY starter, id");
                let rows = ::sqlx::query(::sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(pool).await.map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let id: i64 = r.try_get("id").map_err(db_err)?;
                    let pakker: Vec<(i64,)> =
                        ::sqlx::query_as("SELECT pakke_id FROM dialogmoede_pakker WHERE moede_id = $1 ORDER BY pakke_id")
                            .bind(id)
                            .fetch_all(pool)
                            .await
                            .map_err(db_err)?;
                    let kommuner: Vec<i64> = json(&r.try_get::<String, _>("kommuner").map_err(db_err)?)?;
                    out.push(DialogmoedeRecord {
                        id,
                        moede: NewDialogmoede {
                            kommune: kommunekode(r.try_get("kommunekode").map_err(db_err)?)?,
                            styringsaar: styringsaar(r.try_get("styringsaar").map_err(db_err)?)?,
                            starter: r.try_get("starter").map_err(db_err)?,
                            varighed_minutter: r.try_get("varighed_minutter").map_err(db_err)?,
                            sted: r.try_get("sted").map_err(db_err)?,
                            deltagere: r.try_get("deltagere").map_err(db_err)?,
                            kommuner: kommuner.into_iter().map(kommunekode).collect::<Result<_>>()?,
                            dagsorden: r.try_get("dagsorden").map_err(db_err)?,
                            brev: r.try_get("brev").map_err(db_err)?,
                            pakker: pakker.into_iter().map(|(p,)| PakkeId(p)).collect(),
                            by: UserId(r.try_get("indkaldt_af").map_err(db_err)?),
                            at: r.try_get("indkaldt").map_err(db_err)?,
                        },
                    });
                }
                Ok(out)
            }

            async fn insert_audit(tx: &mut Tx<'_>, a: &AuditEvent) -> Result<()> {
                ::sqlx::query(
                    "INSERT INTO audit_log (tidspunkt, aktoer_id, handling, objekt_type, objekt_id, detaljer) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(a.at)
                .bind(a.actor.map(|u| u.0))
                .bind(&a.action)
                .bind(&a.object_type)
                .bind(&a.object_id)
                .bind(a.details.to_string())
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                Ok(())
            }

            async fn api_noegler_where<T>(pool: &::sqlx::Pool<Db>, filter: &str, value: T) -> Result<Vec<ApiNoegleRecord>>
            where
                T: for<'q> ::sqlx::Encode<'q, Db> + ::sqlx::Type<Db> + Send,
            {
                let sql = format!(
                    "SELECT id, bruger_id, navn, token_hash, oprettet, udloeber, tilbagekaldt FROM api_noegler WHERE {filter} ORDER BY id"
                );
                let rows: Vec<(i64, i64, String, String, DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>)> =
                    ::sqlx::query_as(::sqlx::AssertSqlSafe(sql)).bind(value).fetch_all(pool).await.map_err(db_err)?;
                Ok(rows
                    .into_iter()
                    .map(|(id, bruger, navn, token_hash, oprettet, udloeber, tilbagekaldt)| ApiNoegleRecord {
                        id,
                        noegle: NewApiNoegle { bruger: UserId(bruger), navn, token_hash, oprettet, udloeber },
                        tilbagekaldt,
                    })
                    .collect())
            }

            async fn insert_aftale_status(tx: &mut Tx<'_>, aftale: i64, s: &AftaleStatusRecord) -> Result<()> {
                let n = ::sqlx::query(
                    "INSERT INTO aftale_status (aftale_id, status, bemaerkning, af, tidspunkt) \
                     SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM aftaler WHERE id = $1)",
                )
                .bind(aftale)
                .bind(&s.status)
                .bind(&s.bemaerkning)
                .bind(s.by.0)
                .bind(s.at)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?
                .rows_affected();
                if n == 1 { Ok(()) } else { Err(StoreError::NotFound(format!("aftale {aftale}"))) }
            }

            /// Compare-and-set of the package status (and revision, when given), plus the event row.
            async fn apply_transition(tx: &mut Tx<'_>, t: &Transition, revision: Option<i64>) -> Result<()> {
                let changed = ::sqlx::query(
                    "UPDATE pakker SET status = $1, opdateret = $2, revision = revision + 1 \
                     WHERE id = $3 AND status = $4 AND ($5 IS NULL OR revision = $5)",
                )
                    .bind(t.to.as_str())
                    .bind(t.at)
                    .bind(t.pakke.0)
                    .bind(t.from.as_str())
                    .bind(revision)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                if changed != 1 {
                    return Err(StoreError::Stale);
                }
                ::sqlx::query(
                    "INSERT INTO pakke_haendelser (pakke_id, fra, til, haendelse, af, tidspunkt, begrundelse) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(t.pakke.0)
                .bind(t.from.as_str())
                .bind(t.to.as_str())
                .bind(&t.haendelse)
                .bind(t.by.0)
                .bind(t.at)
                .bind(&t.begrundelse)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                Ok(())
            }

            const ORG_COLUMNS: &str =
                "id, nummer, navn, kind, hjemstedskommune, administrator_id, regnskabsaar_start_maaned";

            fn organisation_from_row(r: &<Db as ::sqlx::Database>::Row) -> Result<Organisation> {
                let kind: String = r.try_get("kind").map_err(db_err)?;
                let maaned: i64 = r.try_get("regnskabsaar_start_maaned").map_err(db_err)?;
                Ok(Organisation {
                    id: OrganisationId(r.try_get("id").map_err(db_err)?),
                    nummer: OrganisationNummer::new(r.try_get("nummer").map_err(db_err)?)
                        .map_err(|e| corrupt("organisationsnummer", e))?,
                    navn: r.try_get("navn").map_err(db_err)?,
                    kind: OrganisationKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
                    hjemstedskommune: kommunekode(r.try_get("hjemstedskommune").map_err(db_err)?)?,
                    administrator: r
                        .try_get::<Option<i64>, _>("administrator_id")
                        .map_err(db_err)?
                        .map(OrganisationId),
                    regnskabsaar_start_maaned: u8::try_from(maaned).map_err(|e| corrupt("måned", e))?,
                })
            }

            fn afdeling_from_row(r: &<Db as ::sqlx::Database>::Row) -> Result<Afdeling> {
                let n = |col: &str| -> Result<u32> {
                    let v: i64 = r.try_get(col).map_err(db_err)?;
                    u32::try_from(v).map_err(|e| corrupt(col, e))
                };
                Ok(Afdeling {
                    id: AfdelingId(r.try_get("id").map_err(db_err)?),
                    organisation: OrganisationId(r.try_get("organisation_id").map_err(db_err)?),
                    data: AfdelingData {
                        nummer: AfdelingNummer::new(r.try_get("nummer").map_err(db_err)?)
                            .map_err(|e| corrupt("afdelingsnummer", e))?,
                        navn: r.try_get("navn").map_err(db_err)?,
                        adresse: r.try_get("adresse").map_err(db_err)?,
                        kommune: kommunekode(r.try_get("kommunekode").map_err(db_err)?)?,
                        familie: Boliger { antal: n("familie_antal")?, m2: n("familie_m2")? },
                        aeldre: Boliger { antal: n("aeldre_antal")?, m2: n("aeldre_m2")? },
                        ungdom: Boliger { antal: n("ungdom_antal")?, m2: n("ungdom_m2")? },
                        erhverv_m2: n("erhverv_m2")?,
                        institution_m2: n("institution_m2")?,
                        garager: n("garager")?,
                        ibrugtagningsaar: r.try_get::<i64, _>("ibrugtagningsaar").map_err(db_err)? as i32,
                        under_opfoerelse: r.try_get("under_opfoerelse").map_err(db_err)?,
                        afdelingsbestyrelse: r.try_get("afdelingsbestyrelse").map_err(db_err)?,
                    },
                })
            }

            const USER_COLUMNS: &str =
                "id, brugernavn, navn, email, password_hash, rolle, kommunekode, deaktiveret, oprettet";

            async fn user_from_row(
                pool: &::sqlx::Pool<Db>,
                r: &<Db as ::sqlx::Database>::Row,
            ) -> Result<UserRecord> {
                let id: i64 = r.try_get("id").map_err(db_err)?;
                let rolle: String = r.try_get("rolle").map_err(db_err)?;
                let organisationer: Vec<(i64,)> = ::sqlx::query_as(
                    "SELECT organisation_id FROM bruger_organisationer WHERE bruger_id = $1 ORDER BY organisation_id",
                )
                .bind(id)
                .fetch_all(pool)
                .await
                .map_err(db_err)?;
                Ok(UserRecord {
                    id: UserId(id),
                    username: r.try_get("brugernavn").map_err(db_err)?,
                    display_name: r.try_get("navn").map_err(db_err)?,
                    email: r.try_get("email").map_err(db_err)?,
                    password_hash: r.try_get("password_hash").map_err(db_err)?,
                    role: Role::parse(&rolle).ok_or_else(|| corrupt("rolle", &rolle))?,
                    kommune: r
                        .try_get::<Option<i64>, _>("kommunekode")
                        .map_err(db_err)?
                        .map(kommunekode)
                        .transpose()?,
                    organisationer: organisationer.into_iter().map(|(o,)| OrganisationId(o)).collect(),
                    disabled: r.try_get("deaktiveret").map_err(db_err)?,
                    created_at: r.try_get("oprettet").map_err(db_err)?,
                })
            }

            const PAKKE_SELECT: &str = "SELECT p.id, p.organisation_id, o.nummer, o.navn, o.hjemstedskommune, \
                 p.styringsaar, p.rapporttype, p.periode_start, p.periode_slut, p.status, p.frist, p.oprettet, p.opdateret, p.revision \
                 FROM pakker p JOIN organisationer o ON o.id = p.organisation_id";

            fn pakke_from_row(r: &<Db as ::sqlx::Database>::Row) -> Result<PakkeRecord> {
                let rapporttype: String = r.try_get("rapporttype").map_err(db_err)?;
                let status_text: String = r.try_get("status").map_err(db_err)?;
                let periode = Regnskabsperiode::new(
                    r.try_get("periode_start").map_err(db_err)?,
                    r.try_get("periode_slut").map_err(db_err)?,
                )
                .map_err(|e| corrupt("periode", e))?;
                Ok(PakkeRecord {
                    id: PakkeId(r.try_get("id").map_err(db_err)?),
                    organisation: OrganisationId(r.try_get("organisation_id").map_err(db_err)?),
                    organisation_nummer: OrganisationNummer::new(r.try_get("nummer").map_err(db_err)?)
                        .map_err(|e| corrupt("organisationsnummer", e))?,
                    organisation_navn: r.try_get("navn").map_err(db_err)?,
                    hjemstedskommune: kommunekode(r.try_get("hjemstedskommune").map_err(db_err)?)?,
                    styringsaar: styringsaar(r.try_get("styringsaar").map_err(db_err)?)?,
                    rapporttype: Rapporttype::parse(&rapporttype).ok_or_else(|| corrupt("rapporttype", &rapporttype))?,
                    periode,
                    status: status(&status_text)?,
                    frist: r.try_get("frist").map_err(db_err)?,
                    created_at: r.try_get("oprettet").map_err(db_err)?,
                    updated_at: r.try_get("opdateret").map_err(db_err)?,
                    revision: r.try_get("revision").map_err(db_err)?,
                })
            }

            /// afdeling id, group, peers, figure, best-practice id, potential, colour.
            type EffektivitetRow = (i64, String, i64, f64, i64, f64, String);

            fn effektivitet_from_row(r: EffektivitetRow) -> Result<::domain::beregning::Effektivitet> {
                Ok(::domain::beregning::Effektivitet {
                    afdeling: AfdelingId(r.0),
                    gruppe: r.1,
                    peers: usize::try_from(r.2).map_err(|e| corrupt("peers", e))?,
                    effektivitetstal: r.3,
                    bedste_praksis: AfdelingId(r.4),
                    potentiale_kr: r.5,
                    farve: ::domain::effektivitet::Farve::parse(&r.6).ok_or_else(|| corrupt("farve", &r.6))?,
                })
            }

            type RedegoerelseRow = (i64, i64, String, i64, DateTime<Utc>, Option<DateTime<Utc>>);

            fn redegoerelse_from_row(r: RedegoerelseRow) -> Result<RedegoerelseRecord> {
                Ok(RedegoerelseRecord {
                    pakke: PakkeId(r.0),
                    revision: r.1,
                    tekst: json(&r.2)?,
                    saved_by: UserId(r.3),
                    saved_at: r.4,
                    published_at: r.5,
                })
            }

            /// Rows per statement for a table with `columns` columns.
            fn chunk(columns: usize) -> usize {
                (BIND_BUDGET / columns).max(1)
            }

            #[::async_trait::async_trait]
            impl Store for $store {
                fn engine(&self) -> Engine {
                    $engine
                }

                async fn replace_reference(&self, regioner: &[Region], kommuner: &[Kommune]) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    for r in regioner {
                        ::sqlx::query(
                            "INSERT INTO regioner (kode, navn) VALUES ($1, $2) \
                             ON CONFLICT (kode) DO UPDATE SET navn = excluded.navn",
                        )
                        .bind(i64::from(r.kode))
                        .bind(&r.navn)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    }
                    for k in kommuner {
                        ::sqlx::query(
                            "INSERT INTO kommuner (kode, navn, regionskode) VALUES ($1, $2, $3) \
                             ON CONFLICT (kode) DO UPDATE SET navn = excluded.navn, regionskode = excluded.regionskode",
                        )
                        .bind(i64::from(k.kode))
                        .bind(&k.navn)
                        .bind(i64::from(k.region))
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    }
                    tx.commit().await.map_err(db_err)
                }

                async fn regioner(&self) -> Result<Vec<Region>> {
                    let rows: Vec<(i64, String)> = ::sqlx::query_as("SELECT kode, navn FROM regioner ORDER BY kode")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(kode, navn)| {
                            Ok(Region { kode: Regionskode::new(kode).map_err(|e| corrupt("regionskode", e))?, navn })
                        })
                        .collect()
                }

                async fn kommuner(&self) -> Result<Vec<Kommune>> {
                    let rows: Vec<(i64, String, i64)> =
                        ::sqlx::query_as("SELECT kode, navn, regionskode FROM kommuner ORDER BY navn")
                            .fetch_all(&self.pool)
                            .await
                            .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(kode, navn, region)| {
                            Ok(Kommune {
                                kode: kommunekode(kode)?,
                                navn,
                                region: Regionskode::new(region).map_err(|e| corrupt("regionskode", e))?,
                            })
                        })
                        .collect()
                }

                async fn load_bulk(&self, data: &BulkData, progress: &(dyn Fn(u64) + Sync)) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let mut written = 0u64;
                    let mut org_ids: HashMap<OrganisationNummer, i64> = HashMap::new();
                    for o in &data.organisationer {
                        let administrator = match o.administrator {
                            Some(nr) => Some(*org_ids.get(&nr).ok_or_else(|| {
                                StoreError::NotFound(format!("administrationsorganisation {nr} for organisation {}", o.nummer))
                            })?),
                            None => None,
                        };
                        let (id,): (i64,) = ::sqlx::query_as(
                            "INSERT INTO organisationer (nummer, navn, kind, hjemstedskommune, administrator_id, \
                             regnskabsaar_start_maaned) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                        )
                        .bind(i64::from(o.nummer))
                        .bind(&o.navn)
                        .bind(o.kind.as_str())
                        .bind(i64::from(o.hjemstedskommune))
                        .bind(administrator)
                        .bind(i64::from(o.regnskabsaar_start_maaned))
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db_err)?;
                        org_ids.insert(o.nummer, id);
                    }
                    written += data.organisationer.len() as u64;
                    progress(written);
                    let org_id = |nr: &OrganisationNummer| -> Result<i64> {
                        org_ids.get(nr).copied().ok_or_else(|| StoreError::NotFound(format!("organisation {nr}")))
                    };

                    for rows in data.afdelinger.chunks(chunk(18)) {
                        let mut ids = Vec::with_capacity(rows.len());
                        for (nr, _) in rows {
                            ids.push(org_id(nr)?);
                        }
                        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                            "INSERT INTO afdelinger (organisation_id, nummer, navn, adresse, kommunekode, familie_antal, \
                             familie_m2, aeldre_antal, aeldre_m2, ungdom_antal, ungdom_m2, erhverv_m2, institution_m2, \
                             garager, ibrugtagningsaar, under_opfoerelse, afdelingsbestyrelse) ",
                        );
                        qb.push_values(rows.iter().zip(ids), |mut b, ((_, a), org)| {
                            b.push_bind(org)
                                .push_bind(i64::from(a.nummer))
                                .push_bind(a.navn.clone())
                                .push_bind(a.adresse.clone())
                                .push_bind(i64::from(a.kommune))
                                .push_bind(i64::from(a.familie.antal))
                                .push_bind(i64::from(a.familie.m2))
                                .push_bind(i64::from(a.aeldre.antal))
                                .push_bind(i64::from(a.aeldre.m2))
                                .push_bind(i64::from(a.ungdom.antal))
                                .push_bind(i64::from(a.ungdom.m2))
                                .push_bind(i64::from(a.erhverv_m2))
                                .push_bind(i64::from(a.institution_m2))
                                .push_bind(i64::from(a.garager))
                                .push_bind(i64::from(a.ibrugtagningsaar))
                                .push_bind(a.under_opfoerelse)
                                .push_bind(a.afdelingsbestyrelse);
                        });
                        qb.build().execute(&mut *tx).await.map_err(db_err)?;
                        written += rows.len() as u64;
                        progress(written);
                    }

                    let afd_rows: Vec<(i64, i64, i64)> =
                        ::sqlx::query_as("SELECT id, organisation_id, nummer FROM afdelinger")
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    let afd_ids: HashMap<(i64, i64), i64> =
                        afd_rows.into_iter().map(|(id, org, nr)| ((org, nr), id)).collect();
                    let afd_id = |org: &OrganisationNummer, nr: &AfdelingNummer| -> Result<i64> {
                        let o = org_id(org)?;
                        afd_ids
                            .get(&(o, i64::from(*nr)))
                            .copied()
                            .ok_or_else(|| StoreError::NotFound(format!("afdeling {org}-{nr}")))
                    };

                    macro_rules! bulk {
                        ($rows:expr, $sql:expr, $cols:expr, |$b:ident, $r:ident| $bind:block) => {
                            for rows in $rows.chunks(chunk($cols)) {
                                let mut qb: QueryBuilder<Db> = QueryBuilder::new($sql);
                                let mut err = None;
                                qb.push_values(rows, |mut $b, $r| {
                                    let res: Result<()> = (|| {
                                        $bind;
                                        Ok(())
                                    })();
                                    if let Err(e) = res {
                                        err = Some(e);
                                    }
                                });
                                if let Some(e) = err {
                                    return Err(e);
                                }
                                qb.build().execute(&mut *tx).await.map_err(db_err)?;
                                written += rows.len() as u64;
                                progress(written);
                            }
                        };
                    }

                    bulk!(data.perioder, "INSERT INTO regnskabsperioder (organisation_id, styringsaar, start_dato, slut_dato) ", 4, |b, r| {
                        b.push_bind(org_id(&r.organisation)?)
                            .push_bind(i64::from(r.periode.styringsaar()))
                            .push_bind(r.periode.start())
                            .push_bind(r.periode.slut());
                    });
                    bulk!(data.afdeling_konti, "INSERT INTO afdeling_konti (afdeling_id, styringsaar, konto, beloeb_oere) ", 4, |b, r| {
                        b.push_bind(afd_id(&r.organisation, &r.afdeling)?)
                            .push_bind(i64::from(r.styringsaar))
                            .push_bind(r.konto.clone())
                            .push_bind(r.beloeb_oere);
                    });
                    bulk!(data.organisation_poster, "INSERT INTO organisation_poster (organisation_id, styringsaar, post, beloeb_oere) ", 4, |b, r| {
                        b.push_bind(org_id(&r.organisation)?)
                            .push_bind(i64::from(r.styringsaar))
                            .push_bind(r.post.as_str())
                            .push_bind(r.beloeb_oere);
                    });
                    bulk!(data.boligtal, "INSERT INTO boligtal (afdeling_id, styringsaar, boligtype, fraflytninger, ledige, aarsleje_oere_pr_m2) ", 6, |b, r| {
                        b.push_bind(afd_id(&r.organisation, &r.afdeling)?)
                            .push_bind(i64::from(r.styringsaar))
                            .push_bind(r.boligtype.as_str())
                            .push_bind(i64::from(r.fraflytninger))
                            .push_bind(i64::from(r.ledige))
                            .push_bind(r.aarsleje_oere_pr_m2);
                    });
                    bulk!(data.udlejninger, "INSERT INTO udlejninger (organisation_id, styringsaar, kommunekode, redskab, antal) ", 5, |b, r| {
                        b.push_bind(org_id(&r.organisation)?)
                            .push_bind(i64::from(r.styringsaar))
                            .push_bind(i64::from(r.kommune))
                            .push_bind(r.redskab.as_str())
                            .push_bind(i64::from(r.antal));
                    });
                    bulk!(data.klager, "INSERT INTO beboerklager (organisation_id, styringsaar, kategori, afgjorte, tabte) ", 5, |b, r| {
                        b.push_bind(org_id(&r.organisation)?)
                            .push_bind(i64::from(r.styringsaar))
                            .push_bind(r.kategori.as_str())
                            .push_bind(i64::from(r.afgjorte))
                            .push_bind(i64::from(r.tabte));
                    });
                    bulk!(data.arbejdsmarked, "INSERT INTO arbejdsmarked (afdeling_id, styringsaar, uden_for_promille) ", 3, |b, r| {
                        b.push_bind(afd_id(&r.organisation, &r.afdeling)?)
                            .push_bind(i64::from(r.styringsaar))
                            .push_bind(i64::from(r.uden_for_promille));
                    });
                    bulk!(data.kommune_arbejdsmarked, "INSERT INTO kommune_arbejdsmarked (kommunekode, styringsaar, uden_for_promille) ", 3, |b, r| {
                        b.push_bind(i64::from(r.kommune))
                            .push_bind(i64::from(r.styringsaar))
                            .push_bind(i64::from(r.uden_for_promille));
                    });
                    tx.commit().await.map_err(db_err)
                }

                async fn stats(&self) -> Result<Stats> {
                    let count = |sql: &'static str| async move {
                        let (n,): (i64,) = ::sqlx::query_as(sql).fetch_one(&self.pool).await.map_err(db_err)?;
                        Ok::<i64, StoreError>(n)
                    };
                    let (familie, aeldre, ungdom): (i64, i64, i64) = ::sqlx::query_as(
                        "SELECT CAST(COALESCE(SUM(familie_antal), 0) AS BIGINT), \
                         CAST(COALESCE(SUM(aeldre_antal), 0) AS BIGINT), \
                         CAST(COALESCE(SUM(ungdom_antal), 0) AS BIGINT) FROM afdelinger",
                    )
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_err)?;
                    Ok(Stats {
                        regioner: count("SELECT COUNT(*) FROM regioner").await?,
                        kommuner: count("SELECT COUNT(*) FROM kommuner").await?,
                        organisationer: count("SELECT COUNT(*) FROM organisationer").await?,
                        afdelinger: count("SELECT COUNT(*) FROM afdelinger").await?,
                        boliger: familie + aeldre + ungdom,
                        familieboliger: familie,
                        aeldreboliger: aeldre,
                        ungdomsboliger: ungdom,
                        afdeling_kontolinjer: count("SELECT COUNT(*) FROM afdeling_konti").await?,
                        pakker: count("SELECT COUNT(*) FROM pakker").await?,
                        brugere: count("SELECT COUNT(*) FROM brugere").await?,
                    })
                }

                async fn reset(&self, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    // The audit log is kept: it records the reset itself too.
                    insert_audit(&mut tx, audit).await?;
                    // Children before parents, so foreign keys hold at every step.
                    for table in [
                        "noegletal_vaerdier", "noegletal_benchmarks", "effektivitet", "aftale_status", "aftaler", "redegoerelse_bemaerkninger", "redegoerelser", "moeder", "dialogmoede_pakker", "dialogmoeder", "pakke_haendelser", "pakke_modtagere", "pakke_versioner", "bilag",
                        "pakke_svar", "pakker", "sessioner", "api_noegler", "bruger_organisationer", "skabeloner", "brugere", "udbakke",
                        "kommune_arbejdsmarked", "arbejdsmarked", "beboerklager", "udlejninger", "boligtal",
                        "organisation_poster", "afdeling_konti", "regnskabsperioder", "afdelinger",
                    ] {
                        ::sqlx::query(::sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    // Administered organisations refer to their administrator: unlink first.
                    ::sqlx::query("UPDATE organisationer SET administrator_id = NULL").execute(&mut *tx).await.map_err(db_err)?;
                    for table in ["organisationer", "kommuner", "regioner"] {
                        ::sqlx::query(::sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    tx.commit().await.map_err(db_err)
                }

                async fn organisation(&self, id: OrganisationId) -> Result<Option<Organisation>> {
                    let sql = format!("SELECT {ORG_COLUMNS} FROM organisationer WHERE id = $1");
                    let row = ::sqlx::query(::sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.pool).await.map_err(db_err)?;
                    row.as_ref().map(organisation_from_row).transpose()
                }

                async fn organisation_by_nummer(&self, nummer: OrganisationNummer) -> Result<Option<Organisation>> {
                    let sql = format!("SELECT {ORG_COLUMNS} FROM organisationer WHERE nummer = $1");
                    let row = ::sqlx::query(::sqlx::AssertSqlSafe(sql))
                        .bind(i64::from(nummer))
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                    row.as_ref().map(organisation_from_row).transpose()
                }

                async fn organisationer(&self) -> Result<Vec<Organisation>> {
                    let sql = format!("SELECT {ORG_COLUMNS} FROM organisationer ORDER BY nummer");
                    let rows = ::sqlx::query(::sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await.map_err(db_err)?;
                    rows.iter().map(organisation_from_row).collect()
                }

                async fn administered_by(&self, administrator: OrganisationId) -> Result<Vec<OrganisationId>> {
                    let rows: Vec<(i64,)> =
                        ::sqlx::query_as("SELECT id FROM organisationer WHERE administrator_id = $1 ORDER BY id")
                            .bind(administrator.0)
                            .fetch_all(&self.pool)
                            .await
                            .map_err(db_err)?;
                    Ok(rows.into_iter().map(|(id,)| OrganisationId(id)).collect())
                }

                async fn afdelinger(&self, organisation: OrganisationId) -> Result<Vec<Afdeling>> {
                    let rows = ::sqlx::query("SELECT * FROM afdelinger WHERE organisation_id = $1 ORDER BY nummer")
                        .bind(organisation.0)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.iter().map(afdeling_from_row).collect()
                }

                async fn afdeling(&self, id: AfdelingId) -> Result<Option<Afdeling>> {
                    let row = ::sqlx::query("SELECT * FROM afdelinger WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                    row.as_ref().map(afdeling_from_row).transpose()
                }

                async fn afdeling_konti(&self, id: AfdelingId, aar: Styringsaar) -> Result<BTreeMap<String, i64>> {
                    let rows: Vec<(String, i64)> =
                        ::sqlx::query_as("SELECT konto, beloeb_oere FROM afdeling_konti WHERE afdeling_id = $1 AND styringsaar = $2")
                            .bind(id.0)
                            .bind(i64::from(aar))
                            .fetch_all(&self.pool)
                            .await
                            .map_err(db_err)?;
                    Ok(rows.into_iter().collect())
                }

                async fn organisation_regnskab(
                    &self,
                    organisation: OrganisationId,
                    aar: Styringsaar,
                ) -> Result<OrganisationRegnskab> {
                    let rows: Vec<(String, i64)> = ::sqlx::query_as(
                        "SELECT post, beloeb_oere FROM organisation_poster WHERE organisation_id = $1 AND styringsaar = $2",
                    )
                    .bind(organisation.0)
                    .bind(i64::from(aar))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(post, beloeb)| {
                            Ok((OrganisationPost::parse(&post).ok_or_else(|| corrupt("post", &post))?, beloeb))
                        })
                        .collect()
                }

                async fn regnskabsperioder(&self, organisation: OrganisationId) -> Result<Vec<PeriodeRecord>> {
                    let rows: Vec<(i64, NaiveDate, NaiveDate)> = ::sqlx::query_as(
                        "SELECT styringsaar, start_dato, slut_dato FROM regnskabsperioder \
                         WHERE organisation_id = $1 ORDER BY styringsaar",
                    )
                    .bind(organisation.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(aar, start, slut)| {
                            Ok(PeriodeRecord {
                                periode: Regnskabsperiode::new(start, slut).map_err(|e| corrupt("periode", e))?,
                                styringsaar: styringsaar(aar)?,
                            })
                        })
                        .collect()
                }

                async fn import_existing(
                    &self,
                    tabel: import::Tabel,
                    aar: Styringsaar,
                ) -> Result<HashMap<Vec<import::Felt>, Vec<i64>>> {
                    let columns: Vec<&str> = tabel.noegle.iter().chain(tabel.vaerdier.iter()).copied().collect();
                    let sql = format!("SELECT {} FROM {} WHERE styringsaar = $1", columns.join(", "), tabel.navn);
                    let rows = ::sqlx::query(::sqlx::AssertSqlSafe(sql)).bind(i64::from(aar)).fetch_all(&self.pool).await.map_err(db_err)?;
                    let mut out = HashMap::with_capacity(rows.len());
                    for r in &rows {
                        let mut key = Vec::with_capacity(tabel.noegle.len());
                        for (i, _) in tabel.noegle.iter().enumerate() {
                            // Key columns are integers (ids, codes) or text (account, type, tool).
                            match r.try_get::<i64, _>(i) {
                                Ok(v) => key.push(import::Felt::Tal(v)),
                                Err(_) => key.push(import::Felt::Tekst(r.try_get::<String, _>(i).map_err(db_err)?)),
                            }
                        }
                        let values = (0..tabel.vaerdier.len())
                            .map(|j| r.try_get::<i64, _>(tabel.noegle.len() + j).map_err(db_err))
                            .collect::<Result<Vec<i64>>>()?;
                        out.insert(key, values);
                    }
                    Ok(out)
                }

                async fn import_upsert(
                    &self,
                    tabel: import::Tabel,
                    aar: Styringsaar,
                    rows: &[import::ImportRaekke],
                    audit: &AuditEvent,
                ) -> Result<()> {
                    let y = i64::from(aar);
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let keys: Vec<&str> = std::iter::once("styringsaar").chain(tabel.noegle.iter().copied()).collect();
                    let columns: Vec<&str> = keys.iter().chain(tabel.vaerdier.iter()).copied().collect();
                    let updates: Vec<String> = tabel.vaerdier.iter().map(|v| format!("{v} = excluded.{v}")).collect();
                    for chunk_rows in rows.chunks(chunk(columns.len())) {
                        let mut qb: QueryBuilder<Db> =
                            QueryBuilder::new(format!("INSERT INTO {} ({}) ", tabel.navn, columns.join(", ")));
                        qb.push_values(chunk_rows, |mut b, r| {
                            b.push_bind(y);
                            for k in &r.noegle {
                                match k {
                                    import::Felt::Tal(v) => b.push_bind(*v),
                                    import::Felt::Tekst(t) => b.push_bind(t.clone()),
                                };
                            }
                            for v in &r.vaerdier {
                                b.push_bind(*v);
                            }
                        });
                        qb.push(format!(" ON CONFLICT ({}) DO UPDATE SET {}", keys.join(", "), updates.join(", ")));
                        qb.build().execute(&mut *tx).await.map_err(db_err)?;
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn afdeling_index(&self) -> Result<Vec<(OrganisationNummer, AfdelingNummer, AfdelingId)>> {
                    let rows: Vec<(i64, i64, i64)> = ::sqlx::query_as(
                        "SELECT o.nummer, a.nummer, a.id FROM afdelinger a JOIN organisationer o ON o.id = a.organisation_id",
                    )
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(o, a, id)| {
                            Ok((
                                OrganisationNummer::new(o).map_err(|e| corrupt("organisationsnummer", e))?,
                                AfdelingNummer::new(a).map_err(|e| corrupt("afdelingsnummer", e))?,
                                AfdelingId(id),
                            ))
                        })
                        .collect()
                }

                async fn beregningsgrundlag(&self, aar: Styringsaar) -> Result<Beregningsgrundlag> {
                    use ::domain::beregning::AfdelingInput;
                    let y = i64::from(aar);
                    let perioder: Vec<(i64, NaiveDate, NaiveDate)> = ::sqlx::query_as(
                        "SELECT organisation_id, start_dato, slut_dato FROM regnskabsperioder WHERE styringsaar = $1",
                    )
                    .bind(y)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    let tolv: HashMap<i64, bool> = perioder
                        .into_iter()
                        .map(|(o, start, slut)| (o, Regnskabsperiode::new(start, slut).is_ok_and(|p| p.is_twelve_months())))
                        .collect();
                    let rows = ::sqlx::query(
                        "SELECT a.*, k.regionskode FROM afdelinger a JOIN kommuner k ON k.kode = a.kommunekode ORDER BY a.id",
                    )
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    let mut afdelinger = Vec::with_capacity(rows.len());
                    let mut index: HashMap<i64, usize> = HashMap::new();
                    for r in &rows {
                        let a = afdeling_from_row(r)?;
                        let region = Regionskode::new(r.try_get("regionskode").map_err(db_err)?).map_err(|e| corrupt("regionskode", e))?;
                        index.insert(a.id.0, afdelinger.len());
                        afdelinger.push(AfdelingInput {
                            id: a.id,
                            organisation: a.organisation,
                            region,
                            tolv_maaneder: tolv.get(&a.organisation.0).copied().unwrap_or(false),
                            data: a.data,
                            konti: BTreeMap::new(),
                            boligtal: BTreeMap::new(),
                            uden_for_promille: None,
                            kommune_uden_for_promille: None,
                        });
                    }
                    let konti: Vec<(i64, String, i64)> =
                        ::sqlx::query_as("SELECT afdeling_id, konto, beloeb_oere FROM afdeling_konti WHERE styringsaar = $1")
                            .bind(y)
                            .fetch_all(&self.pool)
                            .await
                            .map_err(db_err)?;
                    for (id, konto, beloeb) in konti {
                        if let Some(i) = index.get(&id) {
                            afdelinger[*i].konti.insert(konto, beloeb);
                        }
                    }
                    let boligtal: Vec<(i64, String, i64, i64, i64)> = ::sqlx::query_as(
                        "SELECT afdeling_id, boligtype, fraflytninger, ledige, aarsleje_oere_pr_m2 FROM boligtal WHERE styringsaar = $1",
                    )
                    .bind(y)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    for (id, t, ud, ledige, leje) in boligtal {
                        let t = Boligtype::parse(&t).ok_or_else(|| corrupt("boligtype", &t))?;
                        if let Some(i) = index.get(&id) {
                            let count = |v: i64| u32::try_from(v).map_err(|e| corrupt("boligtal", e));
                            afdelinger[*i].boligtal.insert(t, (count(ud)?, count(ledige)?, leje));
                        }
                    }
                    let marked: Vec<(i64, i64)> =
                        ::sqlx::query_as("SELECT afdeling_id, uden_for_promille FROM arbejdsmarked WHERE styringsaar = $1")
                            .bind(y)
                            .fetch_all(&self.pool)
                            .await
                            .map_err(db_err)?;
                    for (id, promille) in marked {
                        if let Some(i) = index.get(&id) {
                            afdelinger[*i].uden_for_promille = u32::try_from(promille).ok();
                        }
                    }
                    let kommune_marked: Vec<(i64, i64)> = ::sqlx::query_as(
                        "SELECT kommunekode, uden_for_promille FROM kommune_arbejdsmarked WHERE styringsaar = $1",
                    )
                    .bind(y)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    let kommune_marked: HashMap<i64, u32> =
                        kommune_marked.into_iter().filter_map(|(k, p)| Some((k, u32::try_from(p).ok()?))).collect();
                    for a in &mut afdelinger {
                        a.kommune_uden_for_promille = kommune_marked.get(&i64::from(a.data.kommune.get())).copied();
                    }
                    let poster: Vec<(i64, String, i64)> = ::sqlx::query_as(
                        "SELECT organisation_id, post, beloeb_oere FROM organisation_poster WHERE styringsaar = $1 ORDER BY organisation_id",
                    )
                    .bind(y)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    let mut organisationer: BTreeMap<i64, OrganisationRegnskab> = BTreeMap::new();
                    for (o, post, beloeb) in poster {
                        let post = OrganisationPost::parse(&post).ok_or_else(|| corrupt("post", &post))?;
                        organisationer.entry(o).or_default().insert(post, beloeb);
                    }
                    Ok(Beregningsgrundlag {
                        organisationer: organisationer.into_iter().map(|(o, r)| (OrganisationId(o), r)).collect(),
                        afdelinger,
                    })
                }

                async fn replace_beregning(&self, aar: Styringsaar, r: &::domain::beregning::Resultat, audit: &AuditEvent) -> Result<()> {
                    let y = i64::from(aar);
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    for table in ["noegletal_vaerdier", "noegletal_benchmarks", "effektivitet"] {
                        ::sqlx::query(::sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE styringsaar = $1")))
                            .bind(y)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    let boligtype = |t: Option<Boligtype>| t.map(|t| t.as_str()).unwrap_or("");
                    for rows in r.vaerdier.chunks(chunk(8)) {
                        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                            "INSERT INTO noegletal_vaerdier (styringsaar, niveau, enhed_id, noegletal, boligtype, vaerdi, sammenligning, markering) ",
                        );
                        qb.push_values(rows, |mut b, v| {
                            b.push_bind(y)
                                .push_bind(v.niveau.as_str())
                                .push_bind(v.enhed_id)
                                .push_bind(v.noegletal.clone())
                                .push_bind(boligtype(v.boligtype))
                                .push_bind(v.vaerdi)
                                .push_bind(v.sammenligning)
                                .push_bind(v.markering.map(|m| m.as_str()));
                        });
                        qb.build().execute(&mut *tx).await.map_err(db_err)?;
                    }
                    for rows in r.benchmarks.chunks(chunk(8)) {
                        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                            "INSERT INTO noegletal_benchmarks (styringsaar, noegletal, boligtype, fra_aar, median, gul, roed, antal) ",
                        );
                        qb.push_values(rows, |mut b, v| {
                            b.push_bind(y)
                                .push_bind(v.noegletal.clone())
                                .push_bind(boligtype(v.boligtype))
                                .push_bind(i64::from(v.fra_aar))
                                .push_bind(v.median)
                                .push_bind(v.gul)
                                .push_bind(v.roed)
                                .push_bind(v.antal as i64);
                        });
                        qb.build().execute(&mut *tx).await.map_err(db_err)?;
                    }
                    for rows in r.effektivitet.chunks(chunk(8)) {
                        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                            "INSERT INTO effektivitet (styringsaar, afdeling_id, gruppe, peers, effektivitetstal, bedste_praksis_id, potentiale_kr, farve) ",
                        );
                        qb.push_values(rows, |mut b, e| {
                            b.push_bind(y)
                                .push_bind(e.afdeling.0)
                                .push_bind(e.gruppe.clone())
                                .push_bind(e.peers as i64)
                                .push_bind(e.effektivitetstal)
                                .push_bind(e.bedste_praksis.0)
                                .push_bind(e.potentiale_kr)
                                .push_bind(e.farve.as_str());
                        });
                        qb.build().execute(&mut *tx).await.map_err(db_err)?;
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn benchmarks(&self, aar: Styringsaar) -> Result<Vec<::domain::beregning::Benchmark>> {
                    let rows: Vec<(String, String, i64, f64, f64, f64, i64)> = ::sqlx::query_as(
                        "SELECT noegletal, boligtype, fra_aar, median, gul, roed, antal FROM noegletal_benchmarks \
                         WHERE styringsaar = $1 ORDER BY noegletal, boligtype",
                    )
                    .bind(i64::from(aar))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    Ok(rows
                        .into_iter()
                        .map(|(noegletal, t, fra_aar, median, gul, roed, antal)| ::domain::beregning::Benchmark {
                            noegletal,
                            boligtype: Boligtype::parse(&t),
                            fra_aar: fra_aar as i32,
                            median,
                            gul,
                            roed,
                            antal: antal as usize,
                        })
                        .collect())
                }

                async fn noegletal(
                    &self,
                    aar: Styringsaar,
                    niveau: ::domain::beregning::Niveau,
                    enhed_id: i64,
                ) -> Result<Vec<::domain::beregning::Vaerdi>> {
                    let rows: Vec<(String, String, f64, Option<f64>, Option<String>)> = ::sqlx::query_as(
                        "SELECT noegletal, boligtype, vaerdi, sammenligning, markering FROM noegletal_vaerdier \
                         WHERE styringsaar = $1 AND niveau = $2 AND enhed_id = $3 ORDER BY noegletal, boligtype",
                    )
                    .bind(i64::from(aar))
                    .bind(niveau.as_str())
                    .bind(enhed_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    Ok(rows
                        .into_iter()
                        .map(|(noegletal, t, vaerdi, sammenligning, markering)| ::domain::beregning::Vaerdi {
                            noegletal,
                            niveau,
                            enhed_id,
                            boligtype: Boligtype::parse(&t),
                            vaerdi,
                            sammenligning,
                            markering: markering.as_deref().and_then(::domain::beregning::Markering::parse),
                        })
                        .collect())
                }

                async fn noegletal_eksport(
                    &self,
                    aar: Styringsaar,
                ) -> Result<Vec<(OrganisationNummer, Option<AfdelingNummer>, ::domain::beregning::Vaerdi)>> {
                    // Organisation figures join on the organisation, afdeling figures on the afdeling.
                    #[allow(clippy::type_complexity)]
                    let rows: Vec<(i64, Option<i64>, String, i64, String, String, f64, Option<f64>, Option<String>)> = ::sqlx::query_as(
                        "SELECT COALESCE(o1.nummer, o2.nummer), a.nummer, v.niveau, v.enhed_id, v.noegletal, v.boligtype, v.vaerdi, v.sammenligning, v.markering \
                         FROM noegletal_vaerdier v \
                         LEFT JOIN organisationer o1 ON v.niveau = 'organisation' AND o1.id = v.enhed_id \
                         LEFT JOIN afdelinger a ON v.niveau = 'afdeling' AND a.id = v.enhed_id \
                         LEFT JOIN organisationer o2 ON o2.id = a.organisation_id \
                         WHERE v.styringsaar = $1 ORDER BY 1, v.niveau DESC, 2, v.noegletal, v.boligtype",
                    )
                    .bind(i64::from(aar))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(org, afd, niveau, enhed_id, noegletal, t, vaerdi, sammenligning, markering)| {
                            Ok((
                                OrganisationNummer::new(org).map_err(|e| corrupt("organisationsnummer", e))?,
                                afd.map(AfdelingNummer::new).transpose().map_err(|e| corrupt("afdelingsnummer", e))?,
                                ::domain::beregning::Vaerdi {
                                    noegletal,
                                    niveau: ::domain::beregning::Niveau::parse(&niveau).ok_or_else(|| corrupt("niveau", &niveau))?,
                                    enhed_id,
                                    boligtype: Boligtype::parse(&t),
                                    vaerdi,
                                    sammenligning,
                                    markering: markering.as_deref().and_then(::domain::beregning::Markering::parse),
                                },
                            ))
                        })
                        .collect()
                }

                async fn effektivitet_eksport(
                    &self,
                    aar: Styringsaar,
                ) -> Result<Vec<(OrganisationNummer, AfdelingNummer, ::domain::beregning::Effektivitet)>> {
                    let rows: Vec<(i64, i64, i64, String, i64, f64, i64, f64, String)> = ::sqlx::query_as(
                        "SELECT o.nummer, a.nummer, e.afdeling_id, e.gruppe, e.peers, e.effektivitetstal, e.bedste_praksis_id, e.potentiale_kr, e.farve \
                         FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id JOIN organisationer o ON o.id = a.organisation_id \
                         WHERE e.styringsaar = $1 ORDER BY o.nummer, a.nummer",
                    )
                    .bind(i64::from(aar))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(org, afd, id, gruppe, peers, tal, bedste, potentiale, farve)| {
                            Ok((
                                OrganisationNummer::new(org).map_err(|e| corrupt("organisationsnummer", e))?,
                                AfdelingNummer::new(afd).map_err(|e| corrupt("afdelingsnummer", e))?,
                                effektivitet_from_row((id, gruppe, peers, tal, bedste, potentiale, farve))?,
                            ))
                        })
                        .collect()
                }

                async fn effektivitet_med_placering(&self, aar: Styringsaar) -> Result<Vec<(Kommunekode, Regionskode, u32, f64)>> {
                    let rows: Vec<(i64, i64, i64, f64)> = ::sqlx::query_as(
                        "SELECT a.kommunekode, k.regionskode, a.familie_antal + a.aeldre_antal + a.ungdom_antal, e.effektivitetstal \
                         FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id JOIN kommuner k ON k.kode = a.kommunekode \
                         WHERE e.styringsaar = $1",
                    )
                    .bind(i64::from(aar))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(k, r, homes, tal)| {
                            Ok((
                                kommunekode(k)?,
                                Regionskode::new(r).map_err(|e| corrupt("regionskode", e))?,
                                u32::try_from(homes).map_err(|e| corrupt("boliger", e))?,
                                tal,
                            ))
                        })
                        .collect()
                }

                async fn effektivitet_for_organisation(
                    &self,
                    aar: Styringsaar,
                    organisation: OrganisationId,
                ) -> Result<Vec<::domain::beregning::Effektivitet>> {
                    let rows: Vec<EffektivitetRow> = ::sqlx::query_as(
                        "SELECT e.afdeling_id, e.gruppe, e.peers, e.effektivitetstal, e.bedste_praksis_id, e.potentiale_kr, e.farve \
                         FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id \
                         WHERE e.styringsaar = $1 AND a.organisation_id = $2 ORDER BY a.nummer",
                    )
                    .bind(i64::from(aar))
                    .bind(organisation.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter().map(effektivitet_from_row).collect()
                }

                async fn udlejninger(
                    &self,
                    organisation: OrganisationId,
                    aar: Styringsaar,
                ) -> Result<Vec<(Kommunekode, ::domain::registre::Udlejningsredskab, u32)>> {
                    let rows: Vec<(i64, String, i64)> = ::sqlx::query_as(
                        "SELECT kommunekode, redskab, antal FROM udlejninger WHERE organisation_id = $1 AND styringsaar = $2 \
                         ORDER BY kommunekode, redskab",
                    )
                    .bind(organisation.0)
                    .bind(i64::from(aar))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(k, r, n)| {
                            Ok((
                                kommunekode(k)?,
                                ::domain::registre::Udlejningsredskab::parse(&r).ok_or_else(|| corrupt("redskab", &r))?,
                                u32::try_from(n).map_err(|e| corrupt("antal", e))?,
                            ))
                        })
                        .collect()
                }

                async fn klager(
                    &self,
                    organisation: OrganisationId,
                    aar: Styringsaar,
                ) -> Result<Vec<(::domain::registre::KlageKategori, u32, u32)>> {
                    let rows: Vec<(String, i64, i64)> = ::sqlx::query_as(
                        "SELECT kategori, afgjorte, tabte FROM beboerklager WHERE organisation_id = $1 AND styringsaar = $2",
                    )
                    .bind(organisation.0)
                    .bind(i64::from(aar))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(k, a, t)| {
                            Ok((
                                ::domain::registre::KlageKategori::parse(&k).ok_or_else(|| corrupt("kategori", &k))?,
                                u32::try_from(a).map_err(|e| corrupt("afgjorte", e))?,
                                u32::try_from(t).map_err(|e| corrupt("tabte", e))?,
                            ))
                        })
                        .collect()
                }

                async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> Result<UserId> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let (id,): (i64,) = ::sqlx::query_as(
                        "INSERT INTO brugere (brugernavn, navn, email, password_hash, rolle, kommunekode, deaktiveret, oprettet) \
                         VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7) RETURNING id",
                    )
                    .bind(&user.username)
                    .bind(&user.display_name)
                    .bind(&user.email)
                    .bind(&user.password_hash)
                    .bind(user.role.as_str())
                    .bind(user.kommune.map(i64::from))
                    .bind(user.created_at)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    for org in &user.organisationer {
                        ::sqlx::query("INSERT INTO bruger_organisationer (bruger_id, organisation_id) VALUES ($1, $2)")
                            .bind(id)
                            .bind(org.0)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    let mut audit = audit.clone();
                    audit.object_id = id.to_string();
                    insert_audit(&mut tx, &audit).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(UserId(id))
                }

                async fn user(&self, id: UserId) -> Result<Option<UserRecord>> {
                    let sql = format!("SELECT {USER_COLUMNS} FROM brugere WHERE id = $1");
                    let row = ::sqlx::query(::sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.pool).await.map_err(db_err)?;
                    match row {
                        Some(r) => Ok(Some(user_from_row(&self.pool, &r).await?)),
                        None => Ok(None),
                    }
                }

                async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
                    let sql = format!("SELECT {USER_COLUMNS} FROM brugere WHERE brugernavn = $1");
                    let row = ::sqlx::query(::sqlx::AssertSqlSafe(sql)).bind(username).fetch_optional(&self.pool).await.map_err(db_err)?;
                    match row {
                        Some(r) => Ok(Some(user_from_row(&self.pool, &r).await?)),
                        None => Ok(None),
                    }
                }

                async fn users(&self) -> Result<Vec<UserRecord>> {
                    let sql = format!("SELECT {USER_COLUMNS} FROM brugere ORDER BY brugernavn");
                    let rows = ::sqlx::query(::sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await.map_err(db_err)?;
                    let mut users = Vec::with_capacity(rows.len());
                    for r in &rows {
                        users.push(user_from_row(&self.pool, r).await?);
                    }
                    Ok(users)
                }

                async fn set_user_disabled(&self, id: UserId, disabled: bool, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let n = ::sqlx::query("UPDATE brugere SET deaktiveret = $1 WHERE id = $2")
                        .bind(disabled)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?
                        .rows_affected();
                    if n == 0 {
                        return Err(StoreError::NotFound(format!("bruger {}", id.0)));
                    }
                    if disabled {
                        // A disabled user loses every open session at once.
                        ::sqlx::query("DELETE FROM sessioner WHERE bruger_id = $1")
                            .bind(id.0)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn create_session(&self, s: &SessionRecord, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    ::sqlx::query(
                        "INSERT INTO sessioner (token_hash, bruger_id, csrf_token, oprettet, udloeber) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&s.token_hash)
                    .bind(s.user_id.0)
                    .bind(&s.csrf_token)
                    .bind(s.created_at)
                    .bind(s.expires_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
                    let row: Option<(String, i64, String, DateTime<Utc>, DateTime<Utc>)> = ::sqlx::query_as(
                        "SELECT token_hash, bruger_id, csrf_token, oprettet, udloeber FROM sessioner WHERE token_hash = $1",
                    )
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                    Ok(row.map(|(token_hash, user, csrf_token, created_at, expires_at)| SessionRecord {
                        token_hash,
                        user_id: UserId(user),
                        csrf_token,
                        created_at,
                        expires_at,
                    }))
                }

                async fn delete_session(&self, token_hash: &str, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    ::sqlx::query("DELETE FROM sessioner WHERE token_hash = $1")
                        .bind(token_hash)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn extend_session(&self, token_hash: &str, expires_at: DateTime<Utc>, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let updated = ::sqlx::query("UPDATE sessioner SET udloeber = $1 WHERE token_hash = $2")
                        .bind(expires_at)
                        .bind(token_hash)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?
                        .rows_affected();
                    if updated != 1 {
                        return Err(StoreError::Stale);
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn add_api_noegle(&self, n: &NewApiNoegle, audit: &AuditEvent) -> Result<i64> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let (id,): (i64,) = ::sqlx::query_as(
                        "INSERT INTO api_noegler (bruger_id, navn, token_hash, oprettet, udloeber) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(n.bruger.0)
                    .bind(&n.navn)
                    .bind(&n.token_hash)
                    .bind(n.oprettet)
                    .bind(n.udloeber)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(id)
                }

                async fn api_noegle(&self, token_hash: &str) -> Result<Option<ApiNoegleRecord>> {
                    Ok(api_noegler_where(&self.pool, "token_hash = $1", token_hash.to_string()).await?.pop())
                }

                async fn api_noegler(&self, bruger: UserId) -> Result<Vec<ApiNoegleRecord>> {
                    api_noegler_where(&self.pool, "bruger_id = $1", bruger.0).await
                }

                async fn tilbagekald_api_noegle(&self, id: i64, bruger: UserId, at: DateTime<Utc>, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let n = ::sqlx::query(
                        "UPDATE api_noegler SET tilbagekaldt = $1 WHERE id = $2 AND bruger_id = $3 AND tilbagekaldt IS NULL",
                    )
                    .bind(at)
                    .bind(id)
                    .bind(bruger.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                    if n != 1 {
                        return Err(StoreError::Stale);
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
                    Ok(::sqlx::query("DELETE FROM sessioner WHERE udloeber < $1")
                        .bind(now)
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?
                        .rows_affected())
                }

                async fn append_audit(&self, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn audit_events(&self, limit: u32) -> Result<Vec<AuditRecord>> {
                    let rows: Vec<(i64, DateTime<Utc>, Option<i64>, String, String, String, String)> = ::sqlx::query_as(
                        "SELECT id, tidspunkt, aktoer_id, handling, objekt_type, objekt_id, detaljer FROM audit_log \
                         ORDER BY id DESC LIMIT $1",
                    )
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(id, at, actor, action, object_type, object_id, details)| {
                            Ok(AuditRecord {
                                id,
                                event: AuditEvent {
                                    at,
                                    actor: actor.map(UserId),
                                    action,
                                    object_type,
                                    object_id,
                                    details: json(&details)?,
                                },
                            })
                        })
                        .collect()
                }

                async fn create_pakke(&self, p: &NewPakke, audit: &AuditEvent) -> Result<(PakkeId, bool)> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let created: Option<(i64,)> = ::sqlx::query_as(
                        "INSERT INTO pakker (organisation_id, styringsaar, rapporttype, periode_start, periode_slut, status, \
                         frist, oprettet, opdateret) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                         ON CONFLICT (organisation_id, styringsaar, rapporttype) DO NOTHING RETURNING id",
                    )
                    .bind(p.organisation.0)
                    .bind(i64::from(p.styringsaar))
                    .bind(p.rapporttype.as_str())
                    .bind(p.periode.start())
                    .bind(p.periode.slut())
                    .bind(PakkeStatus::Kladde.as_str())
                    .bind(p.frist)
                    .bind(p.created_at)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let result = match created {
                        Some((id,)) => {
                            let mut audit = audit.clone();
                            audit.object_id = id.to_string();
                            insert_audit(&mut tx, &audit).await?;
                            (PakkeId(id), true)
                        }
                        None => {
                            let (id,): (i64,) = ::sqlx::query_as(
                                "SELECT id FROM pakker WHERE organisation_id = $1 AND styringsaar = $2 AND rapporttype = $3",
                            )
                            .bind(p.organisation.0)
                            .bind(i64::from(p.styringsaar))
                            .bind(p.rapporttype.as_str())
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(db_err)?;
                            (PakkeId(id), false)
                        }
                    };
                    tx.commit().await.map_err(db_err)?;
                    Ok(result)
                }

                async fn pakke(&self, id: PakkeId) -> Result<Option<PakkeRecord>> {
                    let sql = format!("{PAKKE_SELECT} WHERE p.id = $1");
                    let row = ::sqlx::query(::sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.pool).await.map_err(db_err)?;
                    row.as_ref().map(pakke_from_row).transpose()
                }

                async fn pakker_for_organisationer(&self, organisationer: &[OrganisationId]) -> Result<Vec<PakkeRecord>> {
                    if organisationer.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb: QueryBuilder<Db> = QueryBuilder::new(PAKKE_SELECT);
                    qb.push(" WHERE p.organisation_id IN (");
                    let mut sep = qb.separated(", ");
                    for o in organisationer {
                        sep.push_bind(o.0);
                    }
                    qb.push(") ORDER BY p.styringsaar DESC, o.nummer");
                    let rows = qb.build().fetch_all(&self.pool).await.map_err(db_err)?;
                    rows.iter().map(pakke_from_row).collect()
                }

                async fn pakker_for_kommune(&self, kommune: Kommunekode) -> Result<Vec<PakkeRecord>> {
                    // Routing rows exist only from the first submission, so drafts never match;
                    // the status filter states the rule once more.
                    let sql = format!(
                        "{PAKKE_SELECT} JOIN pakke_modtagere m ON m.pakke_id = p.id \
                         WHERE m.kommunekode = $1 AND p.status <> $2 ORDER BY p.styringsaar DESC, o.nummer"
                    );
                    let rows = ::sqlx::query(::sqlx::AssertSqlSafe(sql))
                        .bind(i64::from(kommune))
                        .bind(PakkeStatus::Kladde.as_str())
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.iter().map(pakke_from_row).collect()
                }

                async fn pakker_med_hjemsted(&self, kommune: Kommunekode, aar: Styringsaar) -> Result<Vec<PakkeRecord>> {
                    let sql = format!("{PAKKE_SELECT} WHERE o.hjemstedskommune = $1 AND p.styringsaar = $2 ORDER BY o.navn, o.nummer");
                    let rows = ::sqlx::query(::sqlx::AssertSqlSafe(sql))
                        .bind(i64::from(kommune))
                        .bind(i64::from(aar))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.iter().map(pakke_from_row).collect()
                }

                async fn set_frist(&self, pakker: &[PakkeId], frist: NaiveDate, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    for p in pakker {
                        ::sqlx::query("UPDATE pakker SET frist = $1 WHERE id = $2")
                            .bind(frist)
                            .bind(p.0)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn pakke_status_counts(&self, aar: Styringsaar) -> Result<Vec<StatusCount>> {
                    let rows: Vec<(i64, String, i64)> = ::sqlx::query_as(
                        "SELECT o.hjemstedskommune, p.status, COUNT(*) FROM pakker p \
                         JOIN organisationer o ON o.id = p.organisation_id WHERE p.styringsaar = $1 \
                         GROUP BY o.hjemstedskommune, p.status ORDER BY o.hjemstedskommune",
                    )
                    .bind(i64::from(aar))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(k, s, antal)| Ok(StatusCount { kommune: kommunekode(k)?, status: status(&s)?, antal }))
                        .collect()
                }

                async fn modtagere(&self, pakke: PakkeId) -> Result<Vec<Kommunekode>> {
                    let rows: Vec<(i64,)> =
                        ::sqlx::query_as("SELECT kommunekode FROM pakke_modtagere WHERE pakke_id = $1 ORDER BY kommunekode")
                            .bind(pakke.0)
                            .fetch_all(&self.pool)
                            .await
                            .map_err(db_err)?;
                    rows.into_iter().map(|(k,)| kommunekode(k)).collect()
                }

                async fn svar(&self, pakke: PakkeId) -> Result<BTreeMap<String, SvarRecord>> {
                    let rows: Vec<(String, String, i64, DateTime<Utc>, i64)> = ::sqlx::query_as(
                        "SELECT spoergsmaal_id, svar, opdateret_af, opdateret, revision FROM pakke_svar WHERE pakke_id = $1",
                    )
                    .bind(pakke.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(id, svar, by, at, revision)| {
                            Ok((id, SvarRecord { svar: json::<Svar>(&svar)?, updated_by: UserId(by), updated_at: at, revision }))
                        })
                        .collect()
                }

                async fn save_svar(&self, change: &SvarChange, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    // Touching the package row under the expected status serialises concurrent
                    // savers with a submission: answers never land in a submitted package.
                    let revision: Option<(i64,)> = ::sqlx::query_as(
                        "UPDATE pakker SET opdateret = $1, revision = revision + 1 WHERE id = $2 AND status = $3 RETURNING revision",
                    )
                    .bind(change.at)
                    .bind(change.pakke.0)
                    .bind(change.expected_status.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let Some((revision,)) = revision else { return Err(StoreError::Stale) };
                    // The package row is locked now, so this read cannot race another saver.
                    let mut newest = 0;
                    for keys in change.sektion.chunks(chunk(1)) {
                        let mut qb: QueryBuilder<Db> =
                            QueryBuilder::new("SELECT CAST(COALESCE(MAX(revision), 0) AS BIGINT) FROM pakke_svar WHERE pakke_id = ");
                        qb.push_bind(change.pakke.0).push(" AND spoergsmaal_id IN (");
                        let mut list = qb.separated(", ");
                        for k in keys {
                            list.push_bind(k.clone());
                        }
                        qb.push(")");
                        let (max,): (i64,) = qb.build_query_as().fetch_one(&mut *tx).await.map_err(db_err)?;
                        newest = newest.max(max);
                    }
                    if newest > change.expected_revision {
                        return Err(StoreError::Stale);
                    }
                    for (id, svar) in &change.svar {
                        ::sqlx::query(
                            "INSERT INTO pakke_svar (pakke_id, spoergsmaal_id, svar, opdateret_af, opdateret, revision) \
                             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pakke_id, spoergsmaal_id) DO UPDATE SET \
                             svar = excluded.svar, opdateret_af = excluded.opdateret_af, opdateret = excluded.opdateret, \
                             revision = excluded.revision",
                        )
                        .bind(change.pakke.0)
                        .bind(id)
                        .bind(to_json(svar))
                        .bind(change.by.0)
                        .bind(change.at)
                        .bind(revision)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn noegletal_for_afdelinger(
                    &self,
                    aar: Styringsaar,
                    organisation: OrganisationId,
                ) -> Result<Vec<::domain::beregning::Vaerdi>> {
                    let rows: Vec<(i64, String, String, f64, Option<f64>, Option<String>)> = ::sqlx::query_as(
                        "SELECT v.enhed_id, v.noegletal, v.boligtype, v.vaerdi, v.sammenligning, v.markering \
                         FROM noegletal_vaerdier v JOIN afdelinger a ON a.id = v.enhed_id \
                         WHERE v.styringsaar = $1 AND v.niveau = 'afdeling' AND a.organisation_id = $2 \
                         ORDER BY v.enhed_id, v.noegletal, v.boligtype",
                    )
                    .bind(i64::from(aar))
                    .bind(organisation.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    Ok(rows
                        .into_iter()
                        .map(|(enhed_id, noegletal, t, vaerdi, sammenligning, markering)| ::domain::beregning::Vaerdi {
                            noegletal,
                            niveau: ::domain::beregning::Niveau::Afdeling,
                            enhed_id,
                            boligtype: Boligtype::parse(&t),
                            vaerdi,
                            sammenligning,
                            markering: markering.as_deref().and_then(::domain::beregning::Markering::parse),
                        })
                        .collect())
                }

                async fn add_bilag(&self, b: &NewBilag, audit: &AuditEvent) -> Result<i64> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let open = ::sqlx::query("UPDATE pakker SET opdateret = $1, revision = revision + 1 WHERE id = $2 AND status = $3")
                        .bind(b.at)
                        .bind(b.pakke.0)
                        .bind(b.expected_status.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?
                        .rows_affected();
                    if open != 1 {
                        return Err(StoreError::Stale);
                    }
                    if b.erstatter {
                        ::sqlx::query("UPDATE bilag SET erstattet = $1 WHERE pakke_id = $2 AND art = $3 AND erstattet IS NULL")
                            .bind(b.at)
                            .bind(b.pakke.0)
                            .bind(&b.art)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    let (id,): (i64,) = ::sqlx::query_as(
                        "INSERT INTO bilag (pakke_id, art, filnavn, mime, stoerrelse, sha256, indhold, uploadet_af, uploadet) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(b.pakke.0)
                    .bind(&b.art)
                    .bind(&b.filnavn)
                    .bind(&b.mime)
                    .bind(b.indhold.len() as i64)
                    .bind(&b.sha256)
                    .bind(&b.indhold)
                    .bind(b.by.0)
                    .bind(b.at)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let mut audit = audit.clone();
                    if let ::serde_json::Value::Object(map) = &mut audit.details {
                        map.insert("bilag".into(), id.into());
                    }
                    insert_audit(&mut tx, &audit).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(id)
                }

                async fn withdraw_bilag(
                    &self,
                    pakke: PakkeId,
                    bilag: i64,
                    expected_status: PakkeStatus,
                    at: DateTime<Utc>,
                    audit: &AuditEvent,
                ) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let open = ::sqlx::query("UPDATE pakker SET opdateret = $1, revision = revision + 1 WHERE id = $2 AND status = $3")
                        .bind(at)
                        .bind(pakke.0)
                        .bind(expected_status.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?
                        .rows_affected();
                    let withdrawn = ::sqlx::query("UPDATE bilag SET erstattet = $1 WHERE id = $2 AND pakke_id = $3 AND erstattet IS NULL")
                        .bind(at)
                        .bind(bilag)
                        .bind(pakke.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?
                        .rows_affected();
                    if open != 1 || withdrawn != 1 {
                        return Err(StoreError::Stale);
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn bilag(&self, pakke: PakkeId) -> Result<Vec<BilagRecord>> {
                    let rows = ::sqlx::query(
                        "SELECT id, pakke_id, art, filnavn, mime, stoerrelse, sha256, uploadet_af, uploadet, erstattet \
                         FROM bilag WHERE pakke_id = $1 ORDER BY id",
                    )
                    .bind(pakke.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.iter().map(bilag_from_row).collect()
                }

                async fn bilag_indhold(&self, id: i64) -> Result<Option<(BilagRecord, Vec<u8>)>> {
                    let row = ::sqlx::query(
                        "SELECT id, pakke_id, art, filnavn, mime, stoerrelse, sha256, uploadet_af, uploadet, erstattet, indhold \
                         FROM bilag WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                    match row {
                        Some(r) => Ok(Some((bilag_from_row(&r)?, r.try_get("indhold").map_err(db_err)?))),
                        None => Ok(None),
                    }
                }

                async fn udbakke(&self, limit: u32) -> Result<Vec<MailRecord>> {
                    let sql = format!("{MAIL_SELECT} ORDER BY id DESC LIMIT $1");
                    let rows = ::sqlx::query(::sqlx::AssertSqlSafe(sql))
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.iter().map(mail_from_row).collect()
                }

                async fn enqueue_mails(&self, mails: &[NewMail], audit: &AuditEvent) -> Result<u64> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let mut added = 0;
                    for m in mails {
                        added += insert_mail(&mut tx, m).await?;
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(added)
                }

                async fn claim_mail(&self, now: DateTime<Utc>) -> Result<Option<MailRecord>> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let next: Option<(i64,)> = ::sqlx::query_as(
                        "SELECT id FROM udbakke WHERE sendt IS NULL AND afsendes IS NULL \
                         AND (naeste_forsoeg IS NULL OR naeste_forsoeg <= $1) ORDER BY id LIMIT 1",
                    )
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let Some((id,)) = next else { return Ok(None) };
                    // The claim re-checks the row, so two senders can never take the same mail.
                    let claimed = ::sqlx::query(
                        "UPDATE udbakke SET afsendes = $1, forsoeg = forsoeg + 1 WHERE id = $2 AND sendt IS NULL AND afsendes IS NULL",
                    )
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                    if claimed != 1 {
                        return Ok(None);
                    }
                    let row = ::sqlx::query(::sqlx::AssertSqlSafe(format!("{MAIL_SELECT} WHERE id = $1")))
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    let mail = mail_from_row(&row)?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(Some(mail))
                }

                async fn mail_sendt(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
                    let n = ::sqlx::query(
                        "UPDATE udbakke SET sendt = $1, sidste_fejl = NULL WHERE id = $2 AND sendt IS NULL AND afsendes IS NOT NULL",
                    )
                    .bind(at)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                    if n == 1 { Ok(()) } else { Err(StoreError::Stale) }
                }

                async fn mail_fejlet(&self, id: i64, fejl: &str, naeste: DateTime<Utc>) -> Result<()> {
                    let n = ::sqlx::query(
                        "UPDATE udbakke SET afsendes = NULL, sidste_fejl = $1, naeste_forsoeg = $2 \
                         WHERE id = $3 AND sendt IS NULL AND afsendes IS NOT NULL",
                    )
                    .bind(fejl)
                    .bind(naeste)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                    if n == 1 { Ok(()) } else { Err(StoreError::Stale) }
                }

                async fn mail_send_igen(&self, id: i64, foer: DateTime<Utc>, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let n = ::sqlx::query(
                        "UPDATE udbakke SET afsendes = NULL, naeste_forsoeg = NULL, sidste_fejl = $1 \
                         WHERE id = $2 AND sendt IS NULL AND afsendes IS NOT NULL AND afsendes < $3",
                    )
                    .bind("Udfaldet var ukendt; sendt igen efter beslutning i Styrelsen")
                    .bind(id)
                    .bind(foer)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                    if n != 1 {
                        return Err(StoreError::Stale);
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(())
                }

                async fn skabeloner(&self) -> Result<Vec<SkabelonRecord>> {
                    let rows: Vec<(String, i64, i64, String, i64, DateTime<Utc>)> = ::sqlx::query_as(
                        "SELECT skema, styringsaar, version, tekst, indlaest_af, indlaest FROM skabeloner ORDER BY indlaest",
                    )
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(skema, aar, version, tekst, by, at)| {
                            Ok(SkabelonRecord {
                                skema,
                                styringsaar: i32::try_from(aar).map_err(|e| corrupt("styringsaar", e))?,
                                version: u32::try_from(version).map_err(|e| corrupt("version", e))?,
                                tekst,
                                loaded_by: UserId(by),
                                loaded_at: at,
                            })
                        })
                        .collect()
                }

                async fn add_skabelon(&self, s: &SkabelonRecord, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let inserted = ::sqlx::query(
                        "INSERT INTO skabeloner (skema, styringsaar, version, tekst, indlaest_af, indlaest) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (skema, styringsaar, version) DO NOTHING",
                    )
                    .bind(&s.skema)
                    .bind(i64::from(s.styringsaar))
                    .bind(i64::from(s.version))
                    .bind(&s.tekst)
                    .bind(s.loaded_by.0)
                    .bind(s.loaded_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                    if inserted != 1 {
                        return Err(StoreError::Stale);
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn transition(&self, t: &Transition, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    apply_transition(&mut tx, t, None).await?;
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn submit(&self, s: &Submission, audit: &AuditEvent) -> Result<VersionRecord> {
                    if let Some(earlier) = self.version_by_key(s.transition.pakke, &s.idempotency_key).await? {
                        return Ok(earlier);
                    }
                    if !s.transition.from.editable_by_organisation() || s.transition.to != PakkeStatus::Indsendt {
                        return Err(StoreError::Stale);
                    }
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    apply_transition(&mut tx, &s.transition, Some(s.revision)).await?;
                    let (next,): (i64,) = ::sqlx::query_as(
                        "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM pakke_versioner WHERE pakke_id = $1",
                    )
                    .bind(s.transition.pakke.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    ::sqlx::query(
                        "INSERT INTO pakke_versioner (pakke_id, version, svar, indsendt_af, indsendt, for_sent, idempotens, bilag) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(s.transition.pakke.0)
                    .bind(next)
                    .bind(to_json(&s.svar))
                    .bind(s.transition.by.0)
                    .bind(s.transition.at)
                    .bind(s.late)
                    .bind(&s.idempotency_key)
                    .bind(to_json(&s.bilag))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    if next != s.expected_version {
                        return Err(StoreError::Stale);
                    }
                    for m in &s.mails {
                        insert_mail(&mut tx, m).await?;
                    }
                    for k in &s.modtagere {
                        ::sqlx::query(
                            "INSERT INTO pakke_modtagere (pakke_id, kommunekode) VALUES ($1, $2) \
                             ON CONFLICT (pakke_id, kommunekode) DO NOTHING",
                        )
                        .bind(s.transition.pakke.0)
                        .bind(i64::from(*k))
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    }
                    let mut audit = audit.clone();
                    if let ::serde_json::Value::Object(map) = &mut audit.details {
                        map.insert("version".into(), next.into());
                    }
                    insert_audit(&mut tx, &audit).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(VersionRecord {
                        pakke: s.transition.pakke,
                        version: next,
                        svar: s.svar.clone(),
                        submitted_by: s.transition.by,
                        submitted_at: s.transition.at,
                        late: s.late,
                        bilag: s.bilag.clone(),
                    })
                }

                async fn versions(&self, pakke: PakkeId) -> Result<Vec<VersionRecord>> {
                    let rows: Vec<(i64, String, i64, DateTime<Utc>, bool, String)> = ::sqlx::query_as(
                        "SELECT version, svar, indsendt_af, indsendt, for_sent, bilag FROM pakke_versioner \
                         WHERE pakke_id = $1 ORDER BY version",
                    )
                    .bind(pakke.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(version, svar, by, at, late, bilag)| {
                            Ok(VersionRecord {
                                pakke,
                                version,
                                svar: json(&svar)?,
                                submitted_by: UserId(by),
                                submitted_at: at,
                                late,
                                bilag: json(&bilag)?,
                            })
                        })
                        .collect()
                }

                async fn version_by_key(&self, pakke: PakkeId, key: &str) -> Result<Option<VersionRecord>> {
                    let found: Option<(i64,)> =
                        ::sqlx::query_as("SELECT version FROM pakke_versioner WHERE pakke_id = $1 AND idempotens = $2")
                            .bind(pakke.0)
                            .bind(key)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(db_err)?;
                    match found {
                        Some((version,)) => Ok(self.versions(pakke).await?.into_iter().find(|v| v.version == version)),
                        None => Ok(None),
                    }
                }

                async fn haendelser(&self, pakke: PakkeId) -> Result<Vec<HaendelseRecord>> {
                    let rows: Vec<(i64, String, String, String, i64, String, DateTime<Utc>, Option<String>)> =
                        ::sqlx::query_as(
                            "SELECT h.id, h.fra, h.til, h.haendelse, h.af, b.navn, h.tidspunkt, h.begrundelse \
                             FROM pakke_haendelser h JOIN brugere b ON b.id = h.af WHERE h.pakke_id = $1 ORDER BY h.id",
                        )
                        .bind(pakke.0)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(id, fra, til, haendelse, by, by_name, at, begrundelse)| {
                            Ok(HaendelseRecord {
                                id,
                                pakke,
                                from: status(&fra)?,
                                to: status(&til)?,
                                haendelse,
                                by: UserId(by),
                                by_name,
                                at,
                                begrundelse,
                            })
                        })
                        .collect()
                }

                async fn record_moeder(&self, moeder: &[NewMoede], transitions: &[Transition], audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    for t in transitions {
                        apply_transition(&mut tx, t, None).await?;
                    }
                    for m in moeder {
                        ::sqlx::query(
                            "INSERT INTO moeder (pakke_id, dato, deltagere, registreret_af, registreret, dialogmoede_id, bilateral, kommunekode) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(m.pakke.0)
                        .bind(m.dato)
                        .bind(&m.deltagere)
                        .bind(m.by.0)
                        .bind(m.at)
                        .bind(m.dialogmoede)
                        .bind(m.bilateral)
                        .bind(m.kommune.map(i64::from))
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn moeder(&self, pakke: PakkeId) -> Result<Vec<MoedeRecord>> {
                    let rows = ::sqlx::query(::sqlx::AssertSqlSafe(format!("{MOEDE_SELECT} WHERE pakke_id = $1 ORDER BY id")))
                        .bind(pakke.0)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.iter().map(moede_from_row).collect()
                }

                async fn indkald_moede(
                    &self,
                    m: &NewDialogmoede,
                    transitions: &[Transition],
                    mails: &[NewMail],
                    audit: &AuditEvent,
                ) -> Result<i64> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    for t in transitions {
                        apply_transition(&mut tx, t, None).await?;
                    }
                    let kommuner: Vec<i64> = m.kommuner.iter().map(|k| i64::from(*k)).collect();
                    let (id,): (i64,) = ::sqlx::query_as(
                        "INSERT INTO dialogmoeder (kommunekode, styringsaar, starter, varighed_minutter, sted, deltagere, kommuner, \
                         dagsorden, brev, indkaldt_af, indkaldt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                    )
                    .bind(i64::from(m.kommune))
                    .bind(i64::from(m.styringsaar))
                    .bind(m.starter)
                    .bind(m.varighed_minutter)
                    .bind(&m.sted)
                    .bind(&m.deltagere)
                    .bind(to_json(&kommuner))
                    .bind(&m.dagsorden)
                    .bind(&m.brev)
                    .bind(m.by.0)
                    .bind(m.at)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    for p in &m.pakker {
                        ::sqlx::query("INSERT INTO dialogmoede_pakker (moede_id, pakke_id) VALUES ($1, $2)")
                            .bind(id)
                            .bind(p.0)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                    for mail in mails {
                        insert_mail(&mut tx, mail).await?;
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(id)
                }

                async fn dialogmoede(&self, id: i64) -> Result<Option<DialogmoedeRecord>> {
                    Ok(dialogmoeder_where(&self.pool, "id = $1", id).await?.pop())
                }

                async fn dialogmoeder_for_pakke(&self, pakke: PakkeId) -> Result<Vec<DialogmoedeRecord>> {
                    dialogmoeder_where(&self.pool, "id IN (SELECT moede_id FROM dialogmoede_pakker WHERE pakke_id = $1)", pakke.0).await
                }

                async fn pakke_forloeb(
                    &self,
                    aar: Styringsaar,
                    organisationer: Option<&[OrganisationId]>,
                ) -> Result<Vec<PakkeForloeb>> {
                    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                        "SELECT p.id, p.organisation_id, o.nummer, o.navn, o.hjemstedskommune, p.styringsaar, p.rapporttype, \
                         p.periode_start, p.periode_slut, p.status, p.frist, p.oprettet, p.opdateret, p.revision, \
                         (SELECT MIN(v.indsendt) FROM pakke_versioner v WHERE v.pakke_id = p.id) AS foerst_indsendt, \
                         (SELECT v.for_sent FROM pakke_versioner v WHERE v.pakke_id = p.id ORDER BY v.version DESC LIMIT 1) AS for_sent, \
                         (SELECT MAX(d.starter) FROM dialogmoeder d JOIN dialogmoede_pakker dp ON dp.moede_id = d.id \
                            WHERE dp.pakke_id = p.id) AS moede_indkaldt, \
                         (SELECT MAX(m.dato) FROM moeder m WHERE m.pakke_id = p.id) AS moede_afholdt, \
                         (SELECT COUNT(*) FROM redegoerelser r WHERE r.pakke_id = p.id) AS redegoerelse_revisioner \
                         FROM pakker p JOIN organisationer o ON o.id = p.organisation_id WHERE p.styringsaar = ",
                    );
                    qb.push_bind(i64::from(aar));
                    if let Some(orgs) = organisationer {
                        if orgs.is_empty() {
                            return Ok(Vec::new());
                        }
                        qb.push(" AND p.organisation_id IN (");
                        let mut sep = qb.separated(", ");
                        for o in orgs {
                            sep.push_bind(o.0);
                        }
                        qb.push(")");
                    }
                    qb.push(" ORDER BY o.navn, o.nummer, p.rapporttype");
                    let rows = qb.build().fetch_all(&self.pool).await.map_err(db_err)?;
                    rows.iter()
                        .map(|r| {
                            Ok(PakkeForloeb {
                                pakke: pakke_from_row(r)?,
                                foerst_indsendt: r.try_get("foerst_indsendt").map_err(db_err)?,
                                for_sent: r.try_get("for_sent").map_err(db_err)?,
                                moede_indkaldt: r.try_get("moede_indkaldt").map_err(db_err)?,
                                moede_afholdt: r.try_get("moede_afholdt").map_err(db_err)?,
                                redegoerelse_revisioner: r.try_get("redegoerelse_revisioner").map_err(db_err)?,
                            })
                        })
                        .collect()
                }

                async fn offentlige_organisationer(&self, aar: Styringsaar) -> Result<Vec<OrganisationNummer>> {
                    let public: Vec<&str> =
                        PakkeStatus::ALL.iter().filter(|s| s.key_figures_public()).map(|s| s.as_str()).collect();
                    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                        "SELECT DISTINCT o.nummer FROM pakker p JOIN organisationer o ON o.id = p.organisation_id WHERE p.styringsaar = ",
                    );
                    qb.push_bind(i64::from(aar));
                    qb.push(" AND p.status IN (");
                    let mut sep = qb.separated(", ");
                    for s in public {
                        sep.push_bind(s);
                    }
                    qb.push(") ORDER BY o.nummer");
                    let rows: Vec<(i64,)> = qb.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;
                    rows.into_iter()
                        .map(|(n,)| OrganisationNummer::new(n).map_err(|e| corrupt("organisationsnummer", e)))
                        .collect()
                }

                async fn effektivitet_i_gruppe(&self, aar: Styringsaar, gruppe: &str) -> Result<Vec<(OrganisationNummer, f64)>> {
                    let rows: Vec<(i64, f64)> = ::sqlx::query_as(
                        "SELECT o.nummer, e.effektivitetstal FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id \
                         JOIN organisationer o ON o.id = a.organisation_id WHERE e.styringsaar = $1 AND e.gruppe = $2 \
                         ORDER BY e.effektivitetstal",
                    )
                    .bind(i64::from(aar))
                    .bind(gruppe)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(n, v)| Ok((OrganisationNummer::new(n).map_err(|e| corrupt("organisationsnummer", e))?, v)))
                        .collect()
                }

                async fn alle_afdelinger(&self) -> Result<Vec<Afdeling>> {
                    let rows = ::sqlx::query("SELECT * FROM afdelinger ORDER BY organisation_id, nummer")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.iter().map(afdeling_from_row).collect()
                }

                async fn afdelinger_i_kommune(&self, kommune: Kommunekode) -> Result<Vec<Afdeling>> {
                    let rows = ::sqlx::query("SELECT * FROM afdelinger WHERE kommunekode = $1 ORDER BY organisation_id, nummer")
                        .bind(i64::from(kommune))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?;
                    rows.iter().map(afdeling_from_row).collect()
                }

                async fn kritik(&self, aar: Styringsaar) -> Result<Vec<Kritik>> {
                    // Marked figures of the organisation itself and of its afdelinger, and red
                    // efficiency figures, summed per organisation.
                    let rows: Vec<(i64, i64, i64, i64)> = ::sqlx::query_as(
                        "SELECT org, CAST(SUM(kritiske) AS BIGINT), CAST(SUM(roede) AS BIGINT), CAST(SUM(roede_afd) AS BIGINT) FROM ( \
                           SELECT v.enhed_id AS org, COUNT(*) AS kritiske, \
                             SUM(CASE WHEN v.markering = 'roed' THEN 1 ELSE 0 END) AS roede, 0 AS roede_afd \
                           FROM noegletal_vaerdier v WHERE v.styringsaar = $1 AND v.niveau = 'organisation' \
                             AND v.markering IS NOT NULL GROUP BY v.enhed_id \
                           UNION ALL \
                           SELECT a.organisation_id, COUNT(*), SUM(CASE WHEN v.markering = 'roed' THEN 1 ELSE 0 END), 0 \
                           FROM noegletal_vaerdier v JOIN afdelinger a ON a.id = v.enhed_id \
                           WHERE v.styringsaar = $1 AND v.niveau = 'afdeling' AND v.markering IS NOT NULL \
                           GROUP BY a.organisation_id \
                           UNION ALL \
                           SELECT a.organisation_id, 0, 0, COUNT(*) FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id \
                           WHERE e.styringsaar = $1 AND e.farve = 'roed' GROUP BY a.organisation_id \
                         ) t GROUP BY org ORDER BY org",
                    )
                    .bind(i64::from(aar))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    Ok(rows
                        .into_iter()
                        .map(|(o, kritiske, roede, roede_afd)| Kritik {
                            organisation: OrganisationId(o),
                            kritiske_noegletal: kritiske,
                            roede_noegletal: roede,
                            roede_afdelinger: roede_afd,
                        })
                        .collect())
                }

                async fn save_redegoerelse(&self, d: &NewRedegoerelse, audit: &AuditEvent) -> Result<RedegoerelseRecord> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    // Locks the package row and checks its state, so saves and publishing
                    // are serialised and nothing is added after publication.
                    let open = ::sqlx::query(
                        "UPDATE pakker SET opdateret = $1, revision = revision + 1 WHERE id = $2 AND status IN ($3, $4)",
                    )
                    .bind(d.at)
                    .bind(d.pakke.0)
                    .bind(PakkeStatus::MoedeAfholdt.as_str())
                    .bind(PakkeStatus::RedegoerelseIHoering.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                    if open != 1 {
                        return Err(StoreError::Stale);
                    }
                    let (published, next): (i64, i64) = ::sqlx::query_as(
                        "SELECT CAST(COUNT(offentliggjort) AS BIGINT), CAST(COALESCE(MAX(revision), 0) + 1 AS BIGINT) \
                         FROM redegoerelser WHERE pakke_id = $1",
                    )
                    .bind(d.pakke.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    if published > 0 {
                        return Err(StoreError::Stale);
                    }
                    ::sqlx::query(
                        "INSERT INTO redegoerelser (pakke_id, revision, tekst, gemt_af, gemt) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(d.pakke.0)
                    .bind(next)
                    .bind(to_json(&d.tekst))
                    .bind(d.by.0)
                    .bind(d.at)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(RedegoerelseRecord {
                        pakke: d.pakke,
                        revision: next,
                        tekst: d.tekst.clone(),
                        saved_by: d.by,
                        saved_at: d.at,
                        published_at: None,
                    })
                }

                async fn redegoerelser(&self, pakke: PakkeId) -> Result<Vec<RedegoerelseRecord>> {
                    let rows: Vec<RedegoerelseRow> = ::sqlx::query_as(
                        "SELECT pakke_id, revision, tekst, gemt_af, gemt, offentliggjort FROM redegoerelser \
                         WHERE pakke_id = $1 ORDER BY revision",
                    )
                    .bind(pakke.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter().map(redegoerelse_from_row).collect()
                }

                async fn publish_redegoerelse(
                    &self,
                    pakke: PakkeId,
                    revision: i64,
                    at: DateTime<Utc>,
                    t: &Transition,
                    audit: &AuditEvent,
                ) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    apply_transition(&mut tx, t, None).await?;
                    // Only the newest revision can be published, and only once.
                    let n = ::sqlx::query(
                        "UPDATE redegoerelser SET offentliggjort = $1 WHERE pakke_id = $2 AND revision = $3 \
                         AND offentliggjort IS NULL AND revision = \
                         (SELECT MAX(revision) FROM redegoerelser WHERE pakke_id = $2)",
                    )
                    .bind(at)
                    .bind(pakke.0)
                    .bind(revision)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                    if n != 1 {
                        return Err(StoreError::Stale);
                    }
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn add_bemaerkning(&self, b: &NewBemaerkning, audit: &AuditEvent) -> Result<i64> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    // Only while in høring: the status check and the insert are one statement.
                    let row: Option<(i64,)> = ::sqlx::query_as(
                        "INSERT INTO redegoerelse_bemaerkninger (pakke_id, revision, tekst, af, tidspunkt) \
                         SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM pakker WHERE id = $1 AND status = $6) RETURNING id",
                    )
                    .bind(b.pakke.0)
                    .bind(b.revision)
                    .bind(&b.tekst)
                    .bind(b.by.0)
                    .bind(b.at)
                    .bind(PakkeStatus::RedegoerelseIHoering.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let Some((id,)) = row else { return Err(StoreError::Stale) };
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(id)
                }

                async fn bemaerkninger(&self, pakke: PakkeId) -> Result<Vec<BemaerkningRecord>> {
                    let rows: Vec<(i64, i64, String, i64, DateTime<Utc>, String)> = ::sqlx::query_as(
                        "SELECT b.id, b.revision, b.tekst, b.af, b.tidspunkt, u.navn FROM redegoerelse_bemaerkninger b \
                         JOIN brugere u ON u.id = b.af WHERE b.pakke_id = $1 ORDER BY b.id",
                    )
                    .bind(pakke.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    Ok(rows
                        .into_iter()
                        .map(|(id, revision, tekst, by, at, by_name)| BemaerkningRecord {
                            id,
                            bemaerkning: NewBemaerkning { pakke, revision, tekst, by: UserId(by), at },
                            by_name,
                        })
                        .collect())
                }

                async fn add_aftale(&self, a: &NewAftale, status: &AftaleStatusRecord, audit: &AuditEvent) -> Result<i64> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    let (id,): (i64,) = ::sqlx::query_as(
                        "INSERT INTO aftaler (pakke_id, organisation_id, kommunekode, emne, beskrivelse, maalomraader, ansvarlig, \
                         frist, oprettet_af, oprettet, oevrige_parter) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                    )
                    .bind(a.pakke.0)
                    .bind(a.organisation.0)
                    .bind(i64::from(a.kommune))
                    .bind(&a.emne)
                    .bind(&a.beskrivelse)
                    .bind(to_json(&a.maalomraader))
                    .bind(&a.ansvarlig)
                    .bind(a.frist)
                    .bind(a.by.0)
                    .bind(a.at)
                    .bind(&a.oevrige_parter)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    insert_aftale_status(&mut tx, id, status).await?;
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(id)
                }

                async fn add_aftale_status(&self, aftale: i64, status: &AftaleStatusRecord, audit: &AuditEvent) -> Result<()> {
                    let mut tx = self.pool.begin_with($begin).await.map_err(db_err)?;
                    insert_aftale_status(&mut tx, aftale, status).await?;
                    insert_audit(&mut tx, audit).await?;
                    tx.commit().await.map_err(db_err)
                }

                async fn aftaler(&self, filter: AftaleFilter) -> Result<Vec<AftaleRecord>> {
                    let (cond, id) = match filter {
                        AftaleFilter::Organisation(o) => ("a.organisation_id = $1", o.0),
                        AftaleFilter::Kommune(k) => ("a.kommunekode = $1", i64::from(k)),
                        AftaleFilter::Pakke(p) => ("a.pakke_id = $1", p.0),
                        AftaleFilter::Alle => ("$1 = $1", 0),
                    };
                    let sql = format!(
                        "SELECT a.id, a.pakke_id, a.organisation_id, a.kommunekode, a.oevrige_parter, a.emne, a.beskrivelse, a.maalomraader, \
                         a.ansvarlig, a.frist, a.oprettet_af, a.oprettet, o.navn, p.styringsaar \
                         FROM aftaler a JOIN organisationer o ON o.id = a.organisation_id JOIN pakker p ON p.id = a.pakke_id \
                         WHERE {cond} ORDER BY p.styringsaar, a.id"
                    );
                    let rows = ::sqlx::query(::sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&self.pool).await.map_err(db_err)?;
                    let hsql = format!(
                        "SELECT s.aftale_id, s.status, s.bemaerkning, s.af, s.tidspunkt FROM aftale_status s \
                         JOIN aftaler a ON a.id = s.aftale_id WHERE {cond} ORDER BY s.id"
                    );
                    let historik: Vec<(i64, String, String, i64, DateTime<Utc>)> =
                        ::sqlx::query_as(::sqlx::AssertSqlSafe(hsql)).bind(id).fetch_all(&self.pool).await.map_err(db_err)?;
                    let mut per_aftale: HashMap<i64, Vec<AftaleStatusRecord>> = HashMap::new();
                    for (aftale, status, bemaerkning, by, at) in historik {
                        per_aftale.entry(aftale).or_default().push(AftaleStatusRecord { status, bemaerkning, by: UserId(by), at });
                    }
                    rows.iter()
                        .map(|r| {
                            let id: i64 = r.try_get("id").map_err(db_err)?;
                            Ok(AftaleRecord {
                                id,
                                aftale: NewAftale {
                                    pakke: PakkeId(r.try_get("pakke_id").map_err(db_err)?),
                                    organisation: OrganisationId(r.try_get("organisation_id").map_err(db_err)?),
                                    kommune: kommunekode(r.try_get("kommunekode").map_err(db_err)?)?,
                                    oevrige_parter: r.try_get("oevrige_parter").map_err(db_err)?,
                                    emne: r.try_get("emne").map_err(db_err)?,
                                    beskrivelse: r.try_get("beskrivelse").map_err(db_err)?,
                                    maalomraader: json(&r.try_get::<String, _>("maalomraader").map_err(db_err)?)?,
                                    ansvarlig: r.try_get("ansvarlig").map_err(db_err)?,
                                    frist: r.try_get("frist").map_err(db_err)?,
                                    by: UserId(r.try_get("oprettet_af").map_err(db_err)?),
                                    at: r.try_get("oprettet").map_err(db_err)?,
                                },
                                organisation_navn: r.try_get("navn").map_err(db_err)?,
                                styringsaar: styringsaar(r.try_get("styringsaar").map_err(db_err)?)?,
                                historik: per_aftale.remove(&id).unwrap_or_default(),
                            })
                        })
                        .collect()
                }

                async fn published_redegoerelser(&self, organisation: OrganisationId) -> Result<Vec<PublishedRedegoerelse>> {
                    let rows: Vec<(i64, i64, i64, String, DateTime<Utc>)> = ::sqlx::query_as(
                        "SELECT r.pakke_id, p.styringsaar, o.hjemstedskommune, r.tekst, r.offentliggjort \
                         FROM redegoerelser r JOIN pakker p ON p.id = r.pakke_id \
                         JOIN organisationer o ON o.id = p.organisation_id \
                         WHERE p.organisation_id = $1 AND r.offentliggjort IS NOT NULL \
                         ORDER BY p.styringsaar DESC",
                    )
                    .bind(organisation.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    rows.into_iter()
                        .map(|(pakke, aar, kommune, tekst, at)| {
                            Ok(PublishedRedegoerelse {
                                pakke: PakkeId(pakke),
                                styringsaar: styringsaar(aar)?,
                                kommune: kommunekode(kommune)?,
                                tekst: json(&tekst)?,
                                published_at: at,
                            })
                        })
                        .collect()
                }
            }
        }
    };
}
