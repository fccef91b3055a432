-- Every provisioning call made to an app: who asked, what happened, how long it took.
-- No secrets and no request bodies.
create table operation (
    operation_id     uuid primary key,
    connection_id    uuid not null,
    connection_name  text not null,
    operation        text not null,
    user_id          text,
    user_name        text,
    outcome          text not null,
    provider_status  integer,
    error_code       text,
    attempts         integer not null,
    duration_ms      bigint not null,
    request_id       text,
    api_key_id       text,
    run_id           uuid,
    created_at       timestamptz not null
);

create index operation_created_at_idx on operation (created_at desc, operation_id desc);
create index operation_connection_idx on operation (connection_id, created_at desc);
create index operation_user_id_idx on operation (user_id);
create index operation_user_name_idx on operation (user_name);

-- Responses to POSTs sent with an Idempotency-Key, per API key, until they expire.
create table idempotency_key (
    api_key_id       text not null,
    idempotency_key  text not null,
    request_hash     text not null,
    state            text not null,
    status           integer,
    response_headers text,
    response_body    bytea,
    locked_until     timestamptz not null,
    created_at       timestamptz not null,
    expires_at       timestamptz not null,
    constraint idempotency_key_pkey primary key (api_key_id, idempotency_key)
);

create index idempotency_key_expires_at_idx on idempotency_key (expires_at);

-- API keys managed with `provisio api-key`; only a SHA-256 digest is kept.
create table api_key (
    api_key_id  text primary key,
    name        text not null,
    key_hash    text not null,
    scope       text not null,
    created_at  timestamptz not null,
    revoked_at  timestamptz,
    constraint api_key_name_key unique (name),
    constraint api_key_hash_key unique (key_hash)
);
