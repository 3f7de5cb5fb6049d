-- Wake the outbox relay from the database itself: a statement that adds outbox rows notifies
-- once (Postgres folds a transaction's identical notifications into one, delivered at commit),
-- so a writer no longer spends a round trip of its own on pg_notify per event.
CREATE OR REPLACE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('aduan_outbox', '');
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox();
