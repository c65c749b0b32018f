-- National login (MitID Erhverv through OpenID Connect) (SQLite).
-- CVR numbers map a login to its organisation or kommune; each is used by one at most.
ALTER TABLE organisationer ADD COLUMN cvr TEXT;
CREATE UNIQUE INDEX organisationer_cvr ON organisationer (cvr) WHERE cvr IS NOT NULL;
ALTER TABLE kommuner ADD COLUMN cvr TEXT;
CREATE UNIQUE INDEX kommuner_cvr ON kommuner (cvr) WHERE cvr IS NOT NULL;

-- An account is local (a password) or provisioned from a login provider: then `ekstern_id`
-- is the provider and the person's persistent id, and `cvr` the CVR they came with.
ALTER TABLE brugere ADD COLUMN ekstern_id TEXT;
CREATE UNIQUE INDEX brugere_ekstern_id ON brugere (ekstern_id) WHERE ekstern_id IS NOT NULL;
ALTER TABLE brugere ADD COLUMN cvr TEXT;
ALTER TABLE brugere ADD COLUMN sidste_login TIMESTAMP;

-- The ID token of a provider session, sent back as the hint when the user logs out there.
ALTER TABLE sessioner ADD COLUMN id_token TEXT;

-- A login begun at the provider: found again by the hash of its `state`, used once.
CREATE TABLE oidc_forsoeg (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    naeste TEXT NOT NULL,
    udloeber TIMESTAMP NOT NULL
);
CREATE INDEX oidc_forsoeg_udloeber ON oidc_forsoeg (udloeber);
