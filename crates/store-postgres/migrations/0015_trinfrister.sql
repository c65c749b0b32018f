-- Deadlines of a step and new høring comments (PostgreSQL). A return for correction carries
-- the deadline for resubmission, and sending the redegørelse to høring the deadline for
-- comments; both are kept on the event, as sent. The package's progress gets the deadline of
-- its current step and the count of the organisation's comments since the draft was last
-- saved, so the kommune's overview needs no extra read.
ALTER TABLE pakke_haendelser ADD COLUMN frist DATE;
ALTER TABLE pakker ADD COLUMN trin_frist DATE;
ALTER TABLE pakker ADD COLUMN nye_bemaerkninger BIGINT NOT NULL DEFAULT 0;
UPDATE pakker SET nye_bemaerkninger = (
    SELECT COUNT(*) FROM redegoerelse_bemaerkninger b WHERE b.pakke_id = pakker.id
      AND b.tidspunkt > COALESCE((SELECT MAX(r.gemt) FROM redegoerelser r WHERE r.pakke_id = pakker.id), '-infinity'))
WHERE status = 'redegoerelse_i_hoering';
-- What a mail's attachment is: a calendar file carried in the row ('kalender', also every
-- earlier row), or the mail's own text typeset as a PDF when it is sent ('tekst_som_pdf': the
-- receipt of a submission).
ALTER TABLE udbakke ADD COLUMN vedhaeftning_art TEXT;
