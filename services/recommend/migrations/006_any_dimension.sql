-- Embeddings of any dimension: the encoder is a setting (ADUAN_EMBEDDING_MODEL), and the default
-- moved from MiniLM (384) to multilingual USE (512). Vectors of two encoders never meet anyway:
-- every search and similarity keeps to one embedding_version.
--
-- An HNSW index needs a single dimension, so the one index over the typed column goes. It is
-- replaced by one partial expression index per dimension (store.case_index_sql), which the
-- service builds CONCURRENTLY for its encoder's dimension at startup and after a bulk
-- re-embedding (reembed.ensure_case_index); until then searches are exact scans: slower, still
-- correct. Dropping the typmod changes no stored vector and rewrites no table.
DROP INDEX IF EXISTS recommend.cases_embedding_hnsw;

ALTER TABLE recommend.cases ALTER COLUMN embedding TYPE vector;
ALTER TABLE recommend.complaints ALTER COLUMN embedding TYPE vector;
ALTER TABLE recommend.reembed_staging ALTER COLUMN embedding TYPE vector;
