-- Organisation key figures are benchmarked within the organisation's own kind (bilag 5:
-- administration organisations against administration organisations), so a benchmark is
-- keyed by its pool as well. Rows from before are kept as the national pool ('alle'); an
-- organisation figure finds its benchmark again at the next computation (`beregn`).
CREATE TABLE noegletal_benchmarks_ny (
    styringsaar INTEGER NOT NULL,
    noegletal TEXT NOT NULL,
    pulje TEXT NOT NULL,
    boligtype TEXT NOT NULL,
    fra_aar INTEGER NOT NULL,
    median REAL NOT NULL,
    gul REAL NOT NULL,
    roed REAL NOT NULL,
    antal INTEGER NOT NULL,
    PRIMARY KEY (styringsaar, noegletal, pulje, boligtype)
);
INSERT INTO noegletal_benchmarks_ny (styringsaar, noegletal, pulje, boligtype, fra_aar, median, gul, roed, antal)
    SELECT styringsaar, noegletal, 'alle', boligtype, fra_aar, median, gul, roed, antal FROM noegletal_benchmarks;
DROP TABLE noegletal_benchmarks;
ALTER TABLE noegletal_benchmarks_ny RENAME TO noegletal_benchmarks;
