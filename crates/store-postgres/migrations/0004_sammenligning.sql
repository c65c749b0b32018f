-- A key figure compared with the afdeling's own kommune keeps the kommune's level beside
-- the value (docs/domain.md §5, "afdeling vs kommune").
ALTER TABLE noegletal_vaerdier ADD COLUMN sammenligning DOUBLE PRECISION;
