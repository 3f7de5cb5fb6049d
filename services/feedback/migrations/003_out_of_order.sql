-- Feedback reads several topics; a complaint's `triaged` event may arrive before its
-- `submitted`. The triaged event then creates the row, and the tracking code follows.
ALTER TABLE complaints ALTER COLUMN tracking_code DROP NOT NULL;
