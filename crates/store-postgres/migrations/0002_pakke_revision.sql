-- Optimistic concurrency: every change to a package or its answers bumps the revision, so
-- a submission freezes exactly the answers that were validated.
ALTER TABLE pakker ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
