-- Read models (PostgreSQL): what overviews show is kept beside the data it summarises, by the transactions
-- that change that data, so a page reads a few indexed rows instead of the country's data.

-- Progress per package, refreshed by every submission, meeting, redegørelse save and
-- transition of the package.
ALTER TABLE pakker ADD COLUMN foerst_indsendt TIMESTAMPTZ;
ALTER TABLE pakker ADD COLUMN for_sent BOOLEAN;
ALTER TABLE pakker ADD COLUMN moede_indkaldt TIMESTAMPTZ;
ALTER TABLE pakker ADD COLUMN moede_afholdt DATE;
ALTER TABLE pakker ADD COLUMN redegoerelse_revisioner BIGINT NOT NULL DEFAULT 0;
UPDATE pakker SET
    foerst_indsendt = (SELECT MIN(v.indsendt) FROM pakke_versioner v WHERE v.pakke_id = pakker.id),
    for_sent = (SELECT v.for_sent FROM pakke_versioner v WHERE v.pakke_id = pakker.id ORDER BY v.version DESC LIMIT 1),
    moede_indkaldt = (SELECT MAX(d.starter) FROM dialogmoeder d JOIN dialogmoede_pakker dp ON dp.moede_id = d.id
                      WHERE dp.pakke_id = pakker.id),
    moede_afholdt = (SELECT MAX(m.dato) FROM moeder m WHERE m.pakke_id = pakker.id),
    redegoerelse_revisioner = (SELECT COUNT(*) FROM redegoerelser r WHERE r.pakke_id = pakker.id);
CREATE INDEX pakker_aar_status ON pakker (styringsaar, status);

-- Supervision counts per hjemstedskommune and styringsår, and its packages per status,
-- refreshed with the packages.
CREATE TABLE tilsynstal (
    styringsaar BIGINT NOT NULL,
    kommunekode BIGINT NOT NULL REFERENCES kommuner (kode),
    pakker BIGINT NOT NULL,
    indsendt BIGINT NOT NULL,
    for_sent BIGINT NOT NULL,
    moeder_afholdt BIGINT NOT NULL,
    offentliggjort BIGINT NOT NULL,
    status_kladde BIGINT NOT NULL DEFAULT 0,
    status_indsendt BIGINT NOT NULL DEFAULT 0,
    status_returneret BIGINT NOT NULL DEFAULT 0,
    status_modtaget BIGINT NOT NULL DEFAULT 0,
    status_moede_indkaldt BIGINT NOT NULL DEFAULT 0,
    status_moede_afholdt BIGINT NOT NULL DEFAULT 0,
    status_redegoerelse_i_hoering BIGINT NOT NULL DEFAULT 0,
    status_redegoerelse_offentliggjort BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (styringsaar, kommunekode)
);
INSERT INTO tilsynstal (styringsaar, kommunekode, pakker, indsendt, for_sent, moeder_afholdt, offentliggjort,
    status_kladde, status_indsendt, status_returneret, status_modtaget, status_moede_indkaldt, status_moede_afholdt, status_redegoerelse_i_hoering, status_redegoerelse_offentliggjort)
SELECT p.styringsaar, o.hjemstedskommune, COUNT(*),
       COALESCE(SUM(CASE WHEN p.status <> 'kladde' THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN p.status NOT IN ('kladde', 'returneret') AND p.for_sent THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN p.moede_afholdt IS NOT NULL THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN p.status = 'redegoerelse_offentliggjort' THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN p.status = 'kladde' THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN p.status = 'indsendt' THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN p.status = 'returneret' THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN p.status = 'modtaget' THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN p.status = 'moede_indkaldt' THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN p.status = 'moede_afholdt' THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN p.status = 'redegoerelse_i_hoering' THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN p.status = 'redegoerelse_offentliggjort' THEN 1 ELSE 0 END), 0)
FROM pakker p JOIN organisationer o ON o.id = p.organisation_id
GROUP BY p.styringsaar, o.hjemstedskommune;


-- Critical marks per organisation, written with each computation.
CREATE TABLE kritik (
    styringsaar BIGINT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisationer (id),
    kritiske_noegletal BIGINT NOT NULL,
    roede_noegletal BIGINT NOT NULL,
    roede_afdelinger BIGINT NOT NULL,
    PRIMARY KEY (styringsaar, organisation_id)
);
INSERT INTO kritik (styringsaar, organisation_id, kritiske_noegletal, roede_noegletal, roede_afdelinger)
SELECT aar, org, SUM(kritiske), SUM(roede), SUM(roede_afd) FROM (
    SELECT v.styringsaar AS aar, v.enhed_id AS org, COUNT(*) AS kritiske,
           SUM(CASE WHEN v.markering = 'roed' THEN 1 ELSE 0 END) AS roede, 0 AS roede_afd
    FROM noegletal_vaerdier v WHERE v.niveau = 'organisation' AND v.markering IS NOT NULL
    GROUP BY v.styringsaar, v.enhed_id
    UNION ALL
    SELECT v.styringsaar, a.organisation_id, COUNT(*), SUM(CASE WHEN v.markering = 'roed' THEN 1 ELSE 0 END), 0
    FROM noegletal_vaerdier v JOIN afdelinger a ON a.id = v.enhed_id
    WHERE v.niveau = 'afdeling' AND v.markering IS NOT NULL GROUP BY v.styringsaar, a.organisation_id
    UNION ALL
    SELECT e.styringsaar, a.organisation_id, 0, 0, COUNT(*) FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id
    WHERE e.farve = 'roed' GROUP BY e.styringsaar, a.organisation_id
) t GROUP BY aar, org;

-- Efficiency averages weighted by homes, per organisation, kommune and region, written with
-- each computation.
CREATE TABLE effektivitet_gennemsnit (
    styringsaar BIGINT NOT NULL,
    omraade TEXT NOT NULL,
    noegle BIGINT NOT NULL,
    gennemsnit DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (styringsaar, omraade, noegle)
);
INSERT INTO effektivitet_gennemsnit (styringsaar, omraade, noegle, gennemsnit)
SELECT styringsaar, omraade, noegle, SUM(tal * boliger) / SUM(boliger) FROM (
    SELECT e.styringsaar, 'organisation' AS omraade, a.organisation_id AS noegle, e.effektivitetstal AS tal,
           CAST(a.familie_antal + a.aeldre_antal + a.ungdom_antal AS DOUBLE PRECISION) AS boliger
    FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id
    UNION ALL
    SELECT e.styringsaar, 'kommune', a.kommunekode, e.effektivitetstal,
           CAST(a.familie_antal + a.aeldre_antal + a.ungdom_antal AS DOUBLE PRECISION)
    FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id
    UNION ALL
    SELECT e.styringsaar, 'region', k.regionskode, e.effektivitetstal,
           CAST(a.familie_antal + a.aeldre_antal + a.ungdom_antal AS DOUBLE PRECISION)
    FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id JOIN kommuner k ON k.kode = a.kommunekode
) t GROUP BY styringsaar, omraade, noegle HAVING SUM(boliger) > 0;

-- The current status of an aftale, kept with its history.
ALTER TABLE aftaler ADD COLUMN status TEXT;
UPDATE aftaler SET status = (SELECT s.status FROM aftale_status s WHERE s.aftale_id = aftaler.id ORDER BY s.id DESC LIMIT 1);

-- Lookups that had no index.
CREATE INDEX moeder_pakke ON moeder (pakke_id);
CREATE INDEX aftaler_pakke ON aftaler (pakke_id);
CREATE INDEX sessioner_bruger ON sessioner (bruger_id);
CREATE INDEX effektivitet_gruppe ON effektivitet (styringsaar, gruppe);

-- Stamps of what the processes cache: bumped in the same transaction as any change of what a
-- cache holds, so every instance sees at once that its copy is out of date.
CREATE TABLE cache_stempler (
    navn TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO cache_stempler (navn, version) VALUES ('tal', 0), ('aftaler', 0), ('skabeloner', 0);
