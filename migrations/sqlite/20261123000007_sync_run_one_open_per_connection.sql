-- One unfinished run per connection: a second apply while one is still being
-- applied would plan against a half-changed app and could repeat its creates.
create unique index sync_run_open_key on sync_run (connection_id) where finished_at is null;
