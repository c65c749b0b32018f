-- Each server process keeps the sessions it has read by token hash, under this stamp: a
-- request reads the stamp (with the cache stamps, in one short statement) instead of its
-- session joined to its user and organisations. Every change that can end a session or change
-- what its user may see moves the stamp in the same transaction, by trigger, so no write path
-- can forget it and a revoked session is refused at once on every instance
-- (docs/architecture.md, "Sessions kept under a stamp").
CREATE TABLE sessionsstempel (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);

INSERT INTO sessionsstempel (id, version) VALUES (1, 0);

CREATE FUNCTION flyt_sessionsstempel() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sessionsstempel SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

-- A session ended, extended or cut short. Per row: a statement that touches no session (the
-- nightly sweep of expired ones, on most nights) moves nothing.
CREATE TRIGGER sessionsstempel_sessioner_aendret AFTER UPDATE OR DELETE ON sessioner
    FOR EACH ROW EXECUTE FUNCTION flyt_sessionsstempel();
CREATE TRIGGER sessionsstempel_sessioner_toemt AFTER TRUNCATE ON sessioner
    FOR EACH STATEMENT EXECUTE FUNCTION flyt_sessionsstempel();

-- A user's name, role, kommune, password or state. Not the time of the last login, which a
-- session does not show, so a login does not move the stamp of every session.
CREATE TRIGGER sessionsstempel_brugere_aendret
    AFTER UPDATE OF brugernavn, navn, email, password_hash, rolle, kommunekode, deaktiveret, ekstern_id, cvr
    OR DELETE OR TRUNCATE ON brugere
    FOR EACH STATEMENT EXECUTE FUNCTION flyt_sessionsstempel();

-- The organisations a user acts for: its own, and those they administer.
CREATE TRIGGER sessionsstempel_bruger_organisationer_aendret AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bruger_organisationer
    FOR EACH STATEMENT EXECUTE FUNCTION flyt_sessionsstempel();
CREATE TRIGGER sessionsstempel_organisationer_administrator
    AFTER INSERT OR UPDATE OF administrator_id OR DELETE OR TRUNCATE ON organisationer
    FOR EACH STATEMENT EXECUTE FUNCTION flyt_sessionsstempel();
