-- Organisation key figures are benchmarked within the organisation's own kind (bilag 5:
-- administration organisations against administration organisations), so a benchmark is
-- keyed by its pool as well. Rows from before are kept as the national pool ('alle'); an
-- organisation figure finds its benchmark again at the next computation (`beregn`).
ALTER TABLE noegletal_benchmarks ADD COLUMN pulje TEXT NOT NULL DEFAULT 'alle';
ALTER TABLE noegletal_benchmarks ALTER COLUMN pulje DROP DEFAULT;
ALTER TABLE noegletal_benchmarks DROP CONSTRAINT noegletal_benchmarks_pkey;
ALTER TABLE noegletal_benchmarks ADD PRIMARY KEY (styringsaar, noegletal, pulje, boligtype);
