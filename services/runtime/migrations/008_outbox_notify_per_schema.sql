-- Each service's outbox notifies a channel of its own schema ('aduan_outbox.<schema>'). On one
-- channel for the whole database, every commit of recommend's or feedback's outbox woke the
-- relay of every service sharing the database, and each woken relay spent a transaction and
-- two counts finding nothing to send: several wasted queries per complaint, in every service
-- and in PostgreSQL, for the benefit of none.
CREATE OR REPLACE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('aduan_outbox.' || TG_TABLE_SCHEMA, '');
    RETURN NULL;
END
$$;
