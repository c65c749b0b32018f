-- Attachments of a package. Never deleted or changed: a new file of a kind that allows one
-- supersedes the earlier (`erstattet`), and every submitted version lists the attachments it
-- was submitted with.
CREATE TABLE bilag (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pakke_id INTEGER NOT NULL REFERENCES pakker (id),
    art TEXT NOT NULL,
    filnavn TEXT NOT NULL,
    mime TEXT NOT NULL,
    stoerrelse INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    indhold BLOB NOT NULL,
    uploadet_af INTEGER NOT NULL REFERENCES brugere (id),
    uploadet TIMESTAMP NOT NULL,
    erstattet TIMESTAMP
);
CREATE INDEX bilag_pakke ON bilag (pakke_id);

ALTER TABLE pakke_versioner ADD COLUMN bilag TEXT NOT NULL DEFAULT '[]';
