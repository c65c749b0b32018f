-- Each answer remembers the package revision it was saved at, so a section saved from a stale
-- page is refused instead of silently overwriting a colleague's answers.
ALTER TABLE pakke_svar ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- Report templates loaded by the agency without a release (the shipped ones are in the
-- binary). Insert-only: a correction is a new version.
CREATE TABLE skabeloner (
    skema TEXT NOT NULL,
    styringsaar BIGINT NOT NULL,
    version BIGINT NOT NULL,
    tekst TEXT NOT NULL,
    indlaest_af BIGINT NOT NULL REFERENCES brugere (id),
    indlaest TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (skema, styringsaar, version)
);
