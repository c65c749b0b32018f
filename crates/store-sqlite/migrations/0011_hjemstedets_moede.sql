-- The progress of a package is its hjemstedskommune's (SQLite): a beliggenhedskommune's own
-- meeting no longer makes the package's meeting convened or held. Recomputes both columns
-- and the kommuner's counts of held meetings that summarise them.
UPDATE pakker SET
    moede_indkaldt = (SELECT MAX(d.starter) FROM dialogmoeder d JOIN dialogmoede_pakker dp ON dp.moede_id = d.id
                      WHERE dp.pakke_id = pakker.id
                        AND d.kommunekode = (SELECT o.hjemstedskommune FROM organisationer o WHERE o.id = pakker.organisation_id)),
    moede_afholdt = (SELECT MAX(m.dato) FROM moeder m WHERE m.pakke_id = pakker.id
                     AND (m.kommunekode IS NULL
                          OR m.kommunekode = (SELECT o.hjemstedskommune FROM organisationer o WHERE o.id = pakker.organisation_id)));
UPDATE tilsynstal SET moeder_afholdt = (
    SELECT COUNT(*) FROM pakker p JOIN organisationer o ON o.id = p.organisation_id
    WHERE p.styringsaar = tilsynstal.styringsaar AND o.hjemstedskommune = tilsynstal.kommunekode
      AND p.moede_afholdt IS NOT NULL);
