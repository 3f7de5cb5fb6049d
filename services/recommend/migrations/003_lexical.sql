-- Lexical side of hybrid retrieval (retrieval.PgCaseIndex with hybrid=True): BM25 over the
-- 'simple' (no stemming, no stop words) tokens of each case text, fused with the vector search.
--
-- recommend.lexical_text is the tokeniser, and must stay equal to retrieval.tokenize:
-- lower-case, every run of characters that are not letters or digits becomes one space.

CREATE OR REPLACE FUNCTION recommend.lexical_text(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT btrim(regexp_replace(lower(t), '[^[:alnum:]]+', ' ', 'g')) $$;

ALTER TABLE recommend.cases
    ADD COLUMN IF NOT EXISTS lexemes tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, recommend.lexical_text(text))) STORED,
    -- document length in tokens, for BM25's length normalisation
    ADD COLUMN IF NOT EXISTS token_count integer
        GENERATED ALWAYS AS (
            CASE WHEN recommend.lexical_text(text) = '' THEN 0
                 ELSE array_length(string_to_array(recommend.lexical_text(text), ' '), 1)
            END
        ) STORED;

CREATE INDEX IF NOT EXISTS cases_lexemes_gin ON recommend.cases USING gin (lexemes);
