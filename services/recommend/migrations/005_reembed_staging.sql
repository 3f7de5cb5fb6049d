-- Bulk re-embedding (services/recommend/reembed.py). After a model change with many stale
-- vectors, the new vectors are COPYed here while the old ones keep serving; one UPDATE then moves
-- them all into place and the HNSW index is rebuilt once, instead of an index insert per row
-- and a graph that mixes two vector spaces.
CREATE TABLE IF NOT EXISTS recommend.reembed_staging (
    source            text NOT NULL CHECK (source IN ('cases', 'complaints')),
    id                text NOT NULL,
    -- md5 of the text that was embedded: a row whose text changed since keeps waiting.
    text_md5          text NOT NULL,
    embedding         vector(384) NOT NULL,
    embedding_version text NOT NULL,
    PRIMARY KEY (source, id)
);
