-- Hire-to-retire sync: per-connection rules, the accounts provisio manages,
-- reviewable plans, and durable runs whose items any instance may claim.
create table connection_rules (
    connection_id  text primary key not null references connection (connection_id) on delete cascade,
    rules          text not null,
    updated_at     text not null
);

create table managed_user (
    connection_id     text not null references connection (connection_id) on delete cascade,
    provider_user_id  text not null,
    external_id       text,
    user_name         text not null,
    applied_hash      text,
    created_at        text not null,
    updated_at        text not null,
    constraint managed_user_pkey primary key (connection_id, provider_user_id),
    constraint managed_user_external_id_key unique (connection_id, external_id)
);

create table sync_plan (
    plan_id        text primary key not null,
    connection_id  text not null references connection (connection_id) on delete cascade,
    input_hash     text not null,
    fingerprint    text not null,
    request        text not null,
    plan           text not null,
    created_at     text not null,
    expires_at     text not null
);

create index sync_plan_expires_at_idx on sync_plan (expires_at);

create table sync_run (
    run_id         text primary key not null,
    connection_id  text not null references connection (connection_id) on delete cascade,
    plan_id        text,
    totals         text not null,
    api_key_id     text,
    request_id     text,
    created_at     text not null,
    finished_at    text
);

create index sync_run_created_at_idx on sync_run (created_at desc, run_id desc);

create table sync_item (
    run_id         text not null references sync_run (run_id) on delete cascade,
    seq            integer not null,
    action         text not null,
    external_id    text,
    user_id        text,
    user_name      text,
    payload        text not null,
    status         text not null,
    attempts       integer not null default 0,
    error_code     text,
    error_detail   text,
    lease_owner    text,
    lease_until    text,
    updated_at     text not null,
    constraint sync_item_pkey primary key (run_id, seq)
);

create index sync_item_claimable_idx on sync_item (status, lease_until);

