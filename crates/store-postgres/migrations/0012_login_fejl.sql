-- Failed logins per throttle key (an account, an account from an address, an address), kept
-- in the database so every instance sees the same counts (PostgreSQL).
CREATE TABLE login_fejl (
    noegle TEXT PRIMARY KEY,
    fejl BIGINT NOT NULL,
    sidste TIMESTAMPTZ NOT NULL,
    pause_til TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_fejl_sidste ON login_fejl (sidste);
