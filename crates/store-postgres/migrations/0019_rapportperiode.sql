-- The report period the kommune may set for a package (almenboliglovens § 112, stk. 4): the
-- time since the last dialogue meeting or a period it chooses. Both NULL: the accounting
-- period, as before.
ALTER TABLE pakker ADD COLUMN rapport_fra DATE;
ALTER TABLE pakker ADD COLUMN rapport_til DATE;
