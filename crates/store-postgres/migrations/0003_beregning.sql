-- Computed key figures, benchmarks and efficiency figures per styringsår. Derived data: a
-- recomputation replaces a year's rows (the inputs are kept; the audit log records each run).
CREATE TABLE noegletal_vaerdier (
    styringsaar BIGINT NOT NULL,
    niveau TEXT NOT NULL,
    enhed_id BIGINT NOT NULL,
    noegletal TEXT NOT NULL,
    boligtype TEXT NOT NULL,
    vaerdi DOUBLE PRECISION NOT NULL,
    markering TEXT,
    PRIMARY KEY (styringsaar, niveau, enhed_id, noegletal, boligtype)
);

CREATE TABLE noegletal_benchmarks (
    styringsaar BIGINT NOT NULL,
    noegletal TEXT NOT NULL,
    boligtype TEXT NOT NULL,
    fra_aar BIGINT NOT NULL,
    median DOUBLE PRECISION NOT NULL,
    gul DOUBLE PRECISION NOT NULL,
    roed DOUBLE PRECISION NOT NULL,
    antal BIGINT NOT NULL,
    PRIMARY KEY (styringsaar, noegletal, boligtype)
);

CREATE TABLE effektivitet (
    styringsaar BIGINT NOT NULL,
    afdeling_id BIGINT NOT NULL REFERENCES afdelinger (id),
    gruppe TEXT NOT NULL,
    peers BIGINT NOT NULL,
    effektivitetstal DOUBLE PRECISION NOT NULL,
    bedste_praksis_id BIGINT NOT NULL REFERENCES afdelinger (id),
    potentiale_kr DOUBLE PRECISION NOT NULL,
    farve TEXT NOT NULL,
    PRIMARY KEY (styringsaar, afdeling_id)
);
