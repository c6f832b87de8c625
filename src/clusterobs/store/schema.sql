-- The store's tables. Vocabulary: region, industry, scheme, category, cluster, year,
-- employment, establishments, wages, edition (docs/dev/architecture.md).
CREATE TABLE IF NOT EXISTS observations (
    dataset        VARCHAR NOT NULL,   -- catalog id, e.g. sbs_r_nuts06_r2
    region         VARCHAR NOT NULL,   -- region code as published
    nuts_version   SMALLINT,           -- NUTS version of the code (NULL for non-NUTS regions)
    industry       VARCHAR,            -- industry code (Eurostat NACE form C20, NAICS digits)
    classification VARCHAR,            -- NACE_R2, NAICS2017, ...
    year           SMALLINT NOT NULL,
    measure        VARCHAR NOT NULL,   -- employment, establishments, wages, or the source code
    value          DOUBLE,             -- NULL when not available (see flag)
    flag           VARCHAR,            -- Eurostat flags verbatim (c confidential, e estimated, ...)
    line           INTEGER             -- line of the source file holding the value
);
CREATE TABLE IF NOT EXISTS regions (
    region       VARCHAR NOT NULL,
    nuts_version SMALLINT NOT NULL,
    level        SMALLINT NOT NULL,
    country      VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    parent       VARCHAR,            -- the region one level up (NULL for a top level)
    geography    VARCHAR NOT NULL DEFAULT 'nuts',  -- nuts, cbsa, user:<dataset>
    PRIMARY KEY (region, nuts_version, geography)
);
CREATE TABLE IF NOT EXISTS geometries (
    region       VARCHAR NOT NULL,
    nuts_version SMALLINT NOT NULL,
    level        SMALLINT NOT NULL,
    country      VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    geojson      VARCHAR NOT NULL,     -- simplified geometry for web maps, EPSG:4326
    geography    VARCHAR NOT NULL DEFAULT 'nuts',
    PRIMARY KEY (region, nuts_version, geography)
);
CREATE TABLE IF NOT EXISTS industries (
    classification VARCHAR NOT NULL,
    code           VARCHAR NOT NULL,
    level          SMALLINT NOT NULL,
    parent         VARCHAR,
    section        VARCHAR,
    title          VARCHAR NOT NULL,
    PRIMARY KEY (classification, code)
);
CREATE TABLE IF NOT EXISTS nuts_crosswalk (
    from_code VARCHAR, to_code VARCHAR, from_version SMALLINT, to_version SMALLINT,
    level SMALLINT, country VARCHAR, areaKm DOUBLE, pop21 DOUBLE, pop11 DOUBLE,
    artif_surf18 DOUBLE, artif_surf12 DOUBLE, bu_vol DOUBLE
);
CREATE TABLE IF NOT EXISTS provenance (
    dataset      VARCHAR PRIMARY KEY,
    file_name    VARCHAR NOT NULL,
    path         VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    rows         BIGINT NOT NULL,
    loaded_at    TIMESTAMP NOT NULL,
    code_version VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS load_issues (
    dataset VARCHAR NOT NULL,
    kind    VARCHAR NOT NULL,   -- unknown_region, unknown_industry
    code    VARCHAR NOT NULL,
    cells   BIGINT NOT NULL
);
-- stores loaded before geographies became tables (parents, several geographies side by side)
ALTER TABLE regions ADD COLUMN IF NOT EXISTS parent VARCHAR;
ALTER TABLE regions ADD COLUMN IF NOT EXISTS geography VARCHAR DEFAULT 'nuts';
ALTER TABLE geometries ADD COLUMN IF NOT EXISTS geography VARCHAR DEFAULT 'nuts';
