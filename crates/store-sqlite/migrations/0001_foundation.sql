-- Foundation schema (SQLite). Never edit an applied migration: add a new one.
CREATE TABLE regioner (
    kode INTEGER PRIMARY KEY,
    navn TEXT NOT NULL
);

CREATE TABLE kommuner (
    kode INTEGER PRIMARY KEY,
    navn TEXT NOT NULL,
    regionskode INTEGER NOT NULL REFERENCES regioner (kode)
);

CREATE TABLE organisationer (
    id INTEGER PRIMARY KEY,
    nummer INTEGER NOT NULL UNIQUE,
    navn TEXT NOT NULL,
    kind TEXT NOT NULL,
    hjemstedskommune INTEGER NOT NULL REFERENCES kommuner (kode),
    administrator_id INTEGER REFERENCES organisationer (id),
    regnskabsaar_start_maaned INTEGER NOT NULL CHECK (regnskabsaar_start_maaned BETWEEN 1 AND 12)
);
CREATE INDEX organisationer_administrator ON organisationer (administrator_id);
CREATE INDEX organisationer_hjemsted ON organisationer (hjemstedskommune);

CREATE TABLE afdelinger (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisationer (id),
    nummer INTEGER NOT NULL,
    navn TEXT NOT NULL,
    adresse TEXT NOT NULL,
    kommunekode INTEGER NOT NULL REFERENCES kommuner (kode),
    familie_antal INTEGER NOT NULL,
    familie_m2 INTEGER NOT NULL,
    aeldre_antal INTEGER NOT NULL,
    aeldre_m2 INTEGER NOT NULL,
    ungdom_antal INTEGER NOT NULL,
    ungdom_m2 INTEGER NOT NULL,
    erhverv_m2 INTEGER NOT NULL,
    institution_m2 INTEGER NOT NULL,
    garager INTEGER NOT NULL,
    ibrugtagningsaar INTEGER NOT NULL,
    under_opfoerelse BOOLEAN NOT NULL,
    afdelingsbestyrelse BOOLEAN NOT NULL,
    UNIQUE (organisation_id, nummer)
);
CREATE INDEX afdelinger_kommune ON afdelinger (kommunekode);

CREATE TABLE regnskabsperioder (
    organisation_id INTEGER NOT NULL REFERENCES organisationer (id),
    styringsaar INTEGER NOT NULL,
    start_dato DATE NOT NULL,
    slut_dato DATE NOT NULL,
    PRIMARY KEY (organisation_id, styringsaar)
);

CREATE TABLE afdeling_konti (
    afdeling_id INTEGER NOT NULL REFERENCES afdelinger (id),
    styringsaar INTEGER NOT NULL,
    konto TEXT NOT NULL,
    beloeb_oere BIGINT NOT NULL,
    PRIMARY KEY (afdeling_id, styringsaar, konto)
);

CREATE TABLE organisation_poster (
    organisation_id INTEGER NOT NULL REFERENCES organisationer (id),
    styringsaar INTEGER NOT NULL,
    post TEXT NOT NULL,
    beloeb_oere BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, styringsaar, post)
);

CREATE TABLE boligtal (
    afdeling_id INTEGER NOT NULL REFERENCES afdelinger (id),
    styringsaar INTEGER NOT NULL,
    boligtype TEXT NOT NULL,
    fraflytninger INTEGER NOT NULL,
    ledige INTEGER NOT NULL,
    aarsleje_oere_pr_m2 BIGINT NOT NULL,
    PRIMARY KEY (afdeling_id, styringsaar, boligtype)
);

CREATE TABLE udlejninger (
    organisation_id INTEGER NOT NULL REFERENCES organisationer (id),
    styringsaar INTEGER NOT NULL,
    kommunekode INTEGER NOT NULL REFERENCES kommuner (kode),
    redskab TEXT NOT NULL,
    antal INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, styringsaar, kommunekode, redskab)
);

CREATE TABLE beboerklager (
    organisation_id INTEGER NOT NULL REFERENCES organisationer (id),
    styringsaar INTEGER NOT NULL,
    kategori TEXT NOT NULL,
    afgjorte INTEGER NOT NULL,
    tabte INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, styringsaar, kategori)
);

CREATE TABLE arbejdsmarked (
    afdeling_id INTEGER NOT NULL REFERENCES afdelinger (id),
    styringsaar INTEGER NOT NULL,
    uden_for_promille INTEGER NOT NULL,
    PRIMARY KEY (afdeling_id, styringsaar)
);

CREATE TABLE kommune_arbejdsmarked (
    kommunekode INTEGER NOT NULL REFERENCES kommuner (kode),
    styringsaar INTEGER NOT NULL,
    uden_for_promille INTEGER NOT NULL,
    PRIMARY KEY (kommunekode, styringsaar)
);

CREATE TABLE brugere (
    id INTEGER PRIMARY KEY,
    brugernavn TEXT NOT NULL UNIQUE,
    navn TEXT NOT NULL,
    email TEXT,
    password_hash TEXT NOT NULL,
    rolle TEXT NOT NULL,
    kommunekode INTEGER REFERENCES kommuner (kode),
    deaktiveret BOOLEAN NOT NULL,
    oprettet TIMESTAMP NOT NULL
);

CREATE TABLE bruger_organisationer (
    bruger_id INTEGER NOT NULL REFERENCES brugere (id),
    organisation_id INTEGER NOT NULL REFERENCES organisationer (id),
    PRIMARY KEY (bruger_id, organisation_id)
);

CREATE TABLE sessioner (
    token_hash TEXT PRIMARY KEY,
    bruger_id INTEGER NOT NULL REFERENCES brugere (id),
    csrf_token TEXT NOT NULL,
    oprettet TIMESTAMP NOT NULL,
    udloeber TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tidspunkt TIMESTAMP NOT NULL,
    aktoer_id INTEGER,
    handling TEXT NOT NULL,
    objekt_type TEXT NOT NULL,
    objekt_id TEXT NOT NULL,
    detaljer TEXT NOT NULL
);

CREATE TABLE pakker (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisationer (id),
    styringsaar INTEGER NOT NULL,
    rapporttype TEXT NOT NULL,
    periode_start DATE NOT NULL,
    periode_slut DATE NOT NULL,
    status TEXT NOT NULL,
    frist DATE,
    oprettet TIMESTAMP NOT NULL,
    opdateret TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, styringsaar, rapporttype)
);
CREATE INDEX pakker_aar ON pakker (styringsaar);

CREATE TABLE pakke_svar (
    pakke_id INTEGER NOT NULL REFERENCES pakker (id),
    spoergsmaal_id TEXT NOT NULL,
    svar TEXT NOT NULL,
    opdateret_af INTEGER NOT NULL REFERENCES brugere (id),
    opdateret TIMESTAMP NOT NULL,
    PRIMARY KEY (pakke_id, spoergsmaal_id)
);

CREATE TABLE pakke_versioner (
    pakke_id INTEGER NOT NULL REFERENCES pakker (id),
    version INTEGER NOT NULL,
    svar TEXT NOT NULL,
    indsendt_af INTEGER NOT NULL REFERENCES brugere (id),
    indsendt TIMESTAMP NOT NULL,
    for_sent BOOLEAN NOT NULL,
    idempotens TEXT NOT NULL,
    PRIMARY KEY (pakke_id, version),
    UNIQUE (pakke_id, idempotens)
);

CREATE TABLE pakke_modtagere (
    pakke_id INTEGER NOT NULL REFERENCES pakker (id),
    kommunekode INTEGER NOT NULL REFERENCES kommuner (kode),
    PRIMARY KEY (pakke_id, kommunekode)
);
CREATE INDEX pakke_modtagere_kommune ON pakke_modtagere (kommunekode);

CREATE TABLE pakke_haendelser (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pakke_id INTEGER NOT NULL REFERENCES pakker (id),
    fra TEXT NOT NULL,
    til TEXT NOT NULL,
    haendelse TEXT NOT NULL,
    af INTEGER NOT NULL REFERENCES brugere (id),
    tidspunkt TIMESTAMP NOT NULL,
    begrundelse TEXT
);
CREATE INDEX pakke_haendelser_pakke ON pakke_haendelser (pakke_id);

CREATE TABLE moeder (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pakke_id INTEGER NOT NULL REFERENCES pakker (id),
    dato DATE NOT NULL,
    deltagere TEXT NOT NULL,
    registreret_af INTEGER NOT NULL REFERENCES brugere (id),
    registreret TIMESTAMP NOT NULL
);

CREATE TABLE redegoerelser (
    pakke_id INTEGER NOT NULL REFERENCES pakker (id),
    revision INTEGER NOT NULL,
    tekst TEXT NOT NULL,
    gemt_af INTEGER NOT NULL REFERENCES brugere (id),
    gemt TIMESTAMP NOT NULL,
    offentliggjort TIMESTAMP,
    PRIMARY KEY (pakke_id, revision)
);
