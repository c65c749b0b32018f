-- The board's approval of the styringsrapport: the date the submitter states the board
-- (the øverste myndighed's board) approved the report, kept with the version it was given
-- for, shown on the receipt. Versions from before have none.
ALTER TABLE pakke_versioner ADD COLUMN bestyrelse_godkendt DATE;
