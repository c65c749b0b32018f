-- Delivery of the outbox. A sender claims a mail (`afsendes`) before the SMTP conversation
-- and marks it `sendt` after. A claim left without `sendt` (the process died mid-send) is
-- never retried automatically: the mail may have gone out, and none is ever sent twice.
-- A refused delivery releases the claim and waits until `naeste_forsoeg`.
ALTER TABLE udbakke ADD COLUMN afsendes TIMESTAMP;
ALTER TABLE udbakke ADD COLUMN naeste_forsoeg TIMESTAMP;
ALTER TABLE udbakke ADD COLUMN vedhaeftning_navn TEXT;
ALTER TABLE udbakke ADD COLUMN vedhaeftning TEXT;

-- A dialogue meeting as convened: the written invitation is kept as the letter that was sent.
-- One meeting may cover several organisations' packages (a joint meeting).
CREATE TABLE dialogmoeder (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kommunekode INTEGER NOT NULL REFERENCES kommuner (kode),
    styringsaar INTEGER NOT NULL,
    starter TIMESTAMP NOT NULL,
    varighed_minutter INTEGER NOT NULL,
    sted TEXT NOT NULL,
    deltagere TEXT NOT NULL,
    kommuner TEXT NOT NULL,
    dagsorden TEXT NOT NULL,
    brev TEXT NOT NULL,
    indkaldt_af INTEGER NOT NULL REFERENCES brugere (id),
    indkaldt TIMESTAMP NOT NULL
);
CREATE TABLE dialogmoede_pakker (
    moede_id INTEGER NOT NULL REFERENCES dialogmoeder (id),
    pakke_id INTEGER NOT NULL REFERENCES pakker (id),
    PRIMARY KEY (moede_id, pakke_id)
);
CREATE INDEX dialogmoede_pakker_pakke ON dialogmoede_pakker (pakke_id);

-- A held meeting names the convened meeting it was, and whether the organisation had its own
-- (bilateral) discussion at a joint meeting.
ALTER TABLE moeder ADD COLUMN dialogmoede_id INTEGER REFERENCES dialogmoeder (id);
ALTER TABLE moeder ADD COLUMN bilateral BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE moeder ADD COLUMN kommunekode INTEGER;

-- The organisation's comments on a redegørelse in høring; insert-only.
CREATE TABLE redegoerelse_bemaerkninger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pakke_id INTEGER NOT NULL REFERENCES pakker (id),
    revision INTEGER NOT NULL,
    tekst TEXT NOT NULL,
    af INTEGER NOT NULL REFERENCES brugere (id),
    tidspunkt TIMESTAMP NOT NULL
);
CREATE INDEX redegoerelse_bemaerkninger_pakke ON redegoerelse_bemaerkninger (pakke_id);

-- The aftaler register. An aftale is made from a redegørelse (its package) and is never
-- changed; its status is a history of insert-only rows.
CREATE TABLE aftaler (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pakke_id INTEGER NOT NULL REFERENCES pakker (id),
    organisation_id INTEGER NOT NULL REFERENCES organisationer (id),
    kommunekode INTEGER NOT NULL REFERENCES kommuner (kode),
    oevrige_parter TEXT NOT NULL,
    emne TEXT NOT NULL,
    beskrivelse TEXT NOT NULL,
    maalomraader TEXT NOT NULL,
    ansvarlig TEXT NOT NULL,
    frist DATE,
    oprettet_af INTEGER NOT NULL REFERENCES brugere (id),
    oprettet TIMESTAMP NOT NULL
);
CREATE INDEX aftaler_organisation ON aftaler (organisation_id);
CREATE INDEX aftaler_kommune ON aftaler (kommunekode);
CREATE TABLE aftale_status (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    aftale_id INTEGER NOT NULL REFERENCES aftaler (id),
    status TEXT NOT NULL,
    bemaerkning TEXT NOT NULL,
    af INTEGER NOT NULL REFERENCES brugere (id),
    tidspunkt TIMESTAMP NOT NULL
);
CREATE INDEX aftale_status_aftale ON aftale_status (aftale_id);
