-- A convened meeting moved or cancelled (SQLite). The invitation stays as it was sent; each
-- change is a row of its own with its letter, numbered from 1 (the calendar file's SEQUENCE).
CREATE TABLE dialogmoede_aendringer (
    moede_id INTEGER NOT NULL REFERENCES dialogmoeder (id),
    sekvens INTEGER NOT NULL,
    art TEXT NOT NULL CHECK (art IN ('flyttet', 'aflyst')),
    starter TIMESTAMP NOT NULL,
    varighed_minutter INTEGER NOT NULL,
    sted TEXT NOT NULL,
    begrundelse TEXT NOT NULL,
    brev TEXT NOT NULL,
    af INTEGER NOT NULL REFERENCES brugere (id),
    tidspunkt TIMESTAMP NOT NULL,
    PRIMARY KEY (moede_id, sekvens)
);
