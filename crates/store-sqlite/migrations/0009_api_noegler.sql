-- Personal API keys for integrations. Only the SHA-256 of a key is stored; a key is shown
-- once, when it is made. A key is never deleted: revoking it sets `tilbagekaldt`.
CREATE TABLE api_noegler (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bruger_id INTEGER NOT NULL REFERENCES brugere (id),
    navn TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    oprettet TIMESTAMP NOT NULL,
    udloeber TIMESTAMP NOT NULL,
    tilbagekaldt TIMESTAMP
);
CREATE INDEX api_noegler_bruger ON api_noegler (bruger_id);
