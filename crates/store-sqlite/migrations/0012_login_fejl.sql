-- Failed logins per throttle key (an account, an account from an address, an address), kept
-- in the database so every instance sees the same counts (SQLite).
CREATE TABLE login_fejl (
    noegle TEXT PRIMARY KEY,
    fejl INTEGER NOT NULL,
    sidste TIMESTAMP NOT NULL,
    pause_til TIMESTAMP NOT NULL
);
CREATE INDEX login_fejl_sidste ON login_fejl (sidste);
