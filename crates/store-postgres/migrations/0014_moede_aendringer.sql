-- A convened meeting moved or cancelled (PostgreSQL). The invitation stays as it was sent;
-- each change is a row of its own with its letter, numbered from 1 (the calendar file's
-- SEQUENCE).
CREATE TABLE dialogmoede_aendringer (
    moede_id BIGINT NOT NULL REFERENCES dialogmoeder (id),
    sekvens BIGINT NOT NULL,
    art TEXT NOT NULL CHECK (art IN ('flyttet', 'aflyst')),
    starter TIMESTAMPTZ NOT NULL,
    varighed_minutter BIGINT NOT NULL,
    sted TEXT NOT NULL,
    begrundelse TEXT NOT NULL,
    brev TEXT NOT NULL,
    af BIGINT NOT NULL REFERENCES brugere (id),
    tidspunkt TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (moede_id, sekvens)
);
