-- The kommuner that see or supervise a package: its organisation's hjemstedskommune, the
-- kommuner of its afdelinger and those it was sent to. Written with the package and its
-- recipients (master data change only by a new load, which makes the packages anew). A
-- kommune's pages are kept under the fingerprint of its packages, read through this table by
-- primary key (docs/architecture.md, "A kommune page is one query").
CREATE TABLE kommunernes_pakker (
    kommunekode BIGINT NOT NULL REFERENCES kommuner (kode),
    pakke_id BIGINT NOT NULL REFERENCES pakker (id),
    PRIMARY KEY (kommunekode, pakke_id)
);

INSERT INTO kommunernes_pakker (kommunekode, pakke_id)
SELECT o.hjemstedskommune, p.id FROM pakker p JOIN organisationer o ON o.id = p.organisation_id
UNION SELECT a.kommunekode, p.id FROM pakker p JOIN afdelinger a ON a.organisation_id = p.organisation_id
UNION SELECT m.kommunekode, m.pakke_id FROM pakke_modtagere m;
