-- Integrations (SQLite): the package change feed and idempotent API writes.

-- Every change of a package takes the next number from this counter in the package's own
-- transaction and keeps it on the package row (`pakker.aendring`). The counter is one row, so
-- writers take their numbers in commit order: a poller that asks for `aendring > n` never
-- misses a change that commits later with a smaller number.
CREATE TABLE aendringstaeller (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    vaerdi INTEGER NOT NULL
);
ALTER TABLE pakker ADD COLUMN aendring INTEGER NOT NULL DEFAULT 0;
UPDATE pakker SET aendring = id;
INSERT INTO aendringstaeller (id, vaerdi) VALUES (1, (SELECT COALESCE(MAX(id), 0) FROM pakker));
CREATE INDEX pakker_aendring ON pakker (aendring);

-- Idempotency keys of API writes, per user: the first request's fingerprint (method, path and
-- body hash) and, once answered, its response, which a retry with the same key gets again.
-- `status` is NULL while the first request runs. Keys are forgotten after a day.
CREATE TABLE idempotensnoegler (
    bruger_id INTEGER NOT NULL REFERENCES brugere (id),
    noegle TEXT NOT NULL,
    fingeraftryk TEXT NOT NULL,
    status INTEGER,
    svar BLOB,
    indholdstype TEXT,
    oprettet TIMESTAMP NOT NULL,
    PRIMARY KEY (bruger_id, noegle)
);
CREATE INDEX idempotensnoegler_oprettet ON idempotensnoegler (oprettet);
