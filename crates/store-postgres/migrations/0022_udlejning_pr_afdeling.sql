-- Lettings of familieboliger by rental tool per afdeling (section V of the styringsrapport:
-- the allocation rules used in each afdeling). Where an organisation's lettings are known per
-- afdeling, its kommune rows in `udlejninger` are their sums (kept by the import).
CREATE TABLE afdeling_udlejninger (
    afdeling_id BIGINT NOT NULL REFERENCES afdelinger (id),
    styringsaar BIGINT NOT NULL,
    redskab TEXT NOT NULL,
    antal BIGINT NOT NULL,
    PRIMARY KEY (afdeling_id, styringsaar, redskab)
);
