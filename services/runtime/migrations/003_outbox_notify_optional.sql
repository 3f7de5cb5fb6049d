-- A connection that sets `aduan.outbox_notify = off` adds outbox rows without a notification:
-- its own process wakes its relay after the commit (intake's submissions). A commit that
-- notifies takes a lock held across its WAL flush that every notifying commit in the
-- database queues for: under a burst of 10,000 submissions it held intake at ~740 accepted a
-- second, against ~1,000 without it. Writers in other processes (the command line, another
-- replica) keep notifying; the relay's poll covers anything else.
CREATE OR REPLACE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT
    WHEN (coalesce(current_setting('aduan.outbox_notify', true), 'on') <> 'off')
    EXECUTE FUNCTION notify_outbox();
