-- Webhooks (SQLite): endpoints registered by users, and the deliveries of each event to each
-- endpoint, written in the transaction of the change they tell of (an outbox), then sent by
-- the webhook crate with retries.

-- An endpoint belongs to the user who registered it; it receives the events of the chosen
-- types about what that user may read, as long as the user may. The secret signs every
-- delivery (Standard Webhooks); after a rotation the previous one signs too, for a day.
-- Nothing is deleted: an endpoint is deactivated (by its owner, or after failing for days).
CREATE TABLE webhook_endepunkter (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bruger_id INTEGER NOT NULL REFERENCES brugere (id),
    url TEXT NOT NULL,
    typer TEXT NOT NULL,
    hemmelighed TEXT NOT NULL,
    tidligere_hemmelighed TEXT,
    tidligere_udloeber TIMESTAMP,
    oprettet TIMESTAMP NOT NULL,
    -- The first failed delivery since the last one that succeeded.
    fejler_siden TIMESTAMP,
    deaktiveret TIMESTAMP,
    deaktiveret_grund TEXT
);
CREATE INDEX webhook_endepunkter_bruger ON webhook_endepunkter (bruger_id);

-- One event to one endpoint. naeste_forsoeg is when it is due (NULL once delivered or given
-- up); afsendes is set while a sender has it, and a claim older than the delivery timeout is
-- taken again (at-least-once: the receiver de-duplicates on the event id).
CREATE TABLE webhook_leverancer (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endepunkt_id INTEGER NOT NULL REFERENCES webhook_endepunkter (id),
    haendelse_id TEXT NOT NULL,
    type TEXT NOT NULL,
    indhold TEXT NOT NULL,
    oprettet TIMESTAMP NOT NULL,
    naeste_forsoeg TIMESTAMP,
    afsendes TIMESTAMP,
    forsoeg INTEGER NOT NULL DEFAULT 0,
    leveret TIMESTAMP,
    sidste_statuskode INTEGER,
    sidste_fejl TEXT,
    UNIQUE (endepunkt_id, haendelse_id)
);
CREATE INDEX webhook_leverancer_due ON webhook_leverancer (naeste_forsoeg);
CREATE INDEX webhook_leverancer_endepunkt ON webhook_leverancer (endepunkt_id, id);

-- A package's steps are told to the webhooks by the transaction that takes them, once:
-- the fan-out marks the step told. Steps taken before webhooks existed are not told.
ALTER TABLE pakke_haendelser ADD COLUMN udsendt BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE pakke_haendelser SET udsendt = TRUE;
