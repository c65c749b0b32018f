-- The accounts material has its own deadline and may follow the submitted report: a version
-- that adds it is a supplement, named by the attachment kind it added (NULL: a submission).
ALTER TABLE pakke_versioner ADD COLUMN supplement TEXT;
