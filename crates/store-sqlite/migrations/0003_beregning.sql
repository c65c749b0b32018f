-- Computed key figures, benchmarks and efficiency figures per styringsår. Derived data: a
-- recomputation replaces a year's rows (the inputs are kept; the audit log records each run).
CREATE TABLE noegletal_vaerdier (
    styringsaar INTEGER NOT NULL,
    niveau TEXT NOT NULL,
    enhed_id INTEGER NOT NULL,
    noegletal TEXT NOT NULL,
    boligtype TEXT NOT NULL,
    vaerdi REAL NOT NULL,
    markering TEXT,
    PRIMARY KEY (styringsaar, niveau, enhed_id, noegletal, boligtype)
);

CREATE TABLE noegletal_benchmarks (
    styringsaar INTEGER NOT NULL,
    noegletal TEXT NOT NULL,
    boligtype TEXT NOT NULL,
    fra_aar INTEGER NOT NULL,
    median REAL NOT NULL,
    gul REAL NOT NULL,
    roed REAL NOT NULL,
    antal INTEGER NOT NULL,
    PRIMARY KEY (styringsaar, noegletal, boligtype)
);

CREATE TABLE effektivitet (
    styringsaar INTEGER NOT NULL,
    afdeling_id INTEGER NOT NULL REFERENCES afdelinger (id),
    gruppe TEXT NOT NULL,
    peers INTEGER NOT NULL,
    effektivitetstal REAL NOT NULL,
    bedste_praksis_id INTEGER NOT NULL REFERENCES afdelinger (id),
    potentiale_kr REAL NOT NULL,
    farve TEXT NOT NULL,
    PRIMARY KEY (styringsaar, afdeling_id)
);
