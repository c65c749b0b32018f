-- Each server process keeps the sessions it has read by token hash, under this stamp: a
-- request reads the stamp (with the cache stamps, in one short statement) instead of its
-- session joined to its user and organisations. Every change that can end a session or change
-- what its user may see moves the stamp in the same transaction, by trigger, so no write path
-- can forget it and a revoked session is refused at once on every instance
-- (docs/architecture.md, "Sessions kept under a stamp").
CREATE TABLE sessionsstempel (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);

INSERT INTO sessionsstempel (id, version) VALUES (1, 0);

-- A session ended, extended or cut short.
CREATE TRIGGER sessionsstempel_sessioner_aendret AFTER UPDATE ON sessioner
BEGIN
    UPDATE sessionsstempel SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER sessionsstempel_sessioner_slettet AFTER DELETE ON sessioner
BEGIN
    UPDATE sessionsstempel SET version = version + 1 WHERE id = 1;
END;

-- A user's name, role, kommune, password or state. Not the time of the last login, which a
-- session does not show, so a login does not move the stamp of every session.
CREATE TRIGGER sessionsstempel_brugere_aendret
    AFTER UPDATE OF brugernavn, navn, email, password_hash, rolle, kommunekode, deaktiveret, ekstern_id, cvr ON brugere
BEGIN
    UPDATE sessionsstempel SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER sessionsstempel_brugere_slettet AFTER DELETE ON brugere
BEGIN
    UPDATE sessionsstempel SET version = version + 1 WHERE id = 1;
END;

-- The organisations a user acts for: its own, and those they administer.
CREATE TRIGGER sessionsstempel_bruger_organisationer_indsat AFTER INSERT ON bruger_organisationer
BEGIN
    UPDATE sessionsstempel SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER sessionsstempel_bruger_organisationer_aendret AFTER UPDATE ON bruger_organisationer
BEGIN
    UPDATE sessionsstempel SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER sessionsstempel_bruger_organisationer_slettet AFTER DELETE ON bruger_organisationer
BEGIN
    UPDATE sessionsstempel SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER sessionsstempel_organisationer_indsat AFTER INSERT ON organisationer WHEN NEW.administrator_id IS NOT NULL
BEGIN
    UPDATE sessionsstempel SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER sessionsstempel_organisationer_administrator AFTER UPDATE OF administrator_id ON organisationer
BEGIN
    UPDATE sessionsstempel SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER sessionsstempel_organisationer_slettet AFTER DELETE ON organisationer
BEGIN
    UPDATE sessionsstempel SET version = version + 1 WHERE id = 1;
END;
