-- Replicas sharing this database are one service (docs/architecture.md, "Replicas").

-- One departure schedule per connection: calls leave at least 1/max_requests_per_second
-- apart across every replica. A replica leases the next few departure times at once by
-- moving `next_at` forward; a 429 moves `paused_until` (and so every later lease) on.
create table budget_pace (
    connection_id uuid primary key references connection (connection_id) on delete cascade,
    next_at       timestamptz not null,
    paused_until  timestamptz
);

-- `max_concurrency` rows per connection: a replica holds a slot while a call of its
-- own may be in flight, and keeps holding it only by renewing `held_until`, so the
-- slots of a replica that died come free by themselves.
create table budget_slot (
    connection_id uuid not null references connection (connection_id) on delete cascade,
    slot          integer not null,
    holder        uuid,
    held_until    timestamptz,
    constraint budget_slot_pkey primary key (connection_id, slot)
);
create index budget_slot_holder_idx on budget_slot (holder);

-- Every replica hears, in the transaction's commit, that a connection changed or went:
-- whatever it caches about the connection is stale. A trigger, so that no write path
-- (the API, `provisio rotate-keys`, a hand-made update) can forget to say so.
create function connection_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('provisio_connection', old.connection_id::text);
    return null;
end
$$;

create trigger connection_updated after update on connection for each row
    when (old.revision is distinct from new.revision
          or old.credential_sealed is distinct from new.credential_sealed)
    execute function connection_changed();

create trigger connection_deleted after delete on connection for each row
    execute function connection_changed();
