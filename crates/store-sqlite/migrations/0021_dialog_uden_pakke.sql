-- The dialogue goes on without a package (§ 112, § 164 stk. 2): when the hjemstedskommune
-- recorded the package as not received; cleared when the organisation submits after all.
ALTER TABLE pakker ADD COLUMN ikke_modtaget TIMESTAMP;
ALTER TABLE tilsynstal ADD COLUMN status_ikke_modtaget INTEGER NOT NULL DEFAULT 0;

-- The kommune's reactions as supervisor: a henstilling (recommendation) or a påbud
-- (injunction), dated and kept; never changed or deleted, a later reaction follows it.
CREATE TABLE tilsynsreaktioner (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pakke_id INTEGER NOT NULL REFERENCES pakker (id),
    art TEXT NOT NULL CHECK (art IN ('henstilling', 'paabud')),
    dato DATE NOT NULL,
    tekst TEXT NOT NULL,
    frist DATE,
    registreret_af INTEGER NOT NULL REFERENCES brugere (id),
    registreret TIMESTAMP NOT NULL
);
CREATE INDEX tilsynsreaktioner_pakke ON tilsynsreaktioner (pakke_id);
