-- The outbox: mails are written in the same transaction as the event they report (a receipt
-- with its submission), and a sender delivers them later. `reference` makes enqueueing
-- idempotent; `sendt` is set once, so a mail is never sent twice.
CREATE TABLE udbakke (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    til TEXT NOT NULL,
    emne TEXT NOT NULL,
    tekst TEXT NOT NULL,
    oprettet TIMESTAMP NOT NULL,
    sendt TIMESTAMP,
    forsoeg INTEGER NOT NULL DEFAULT 0,
    sidste_fejl TEXT
);
CREATE INDEX udbakke_usendt ON udbakke (sendt);
