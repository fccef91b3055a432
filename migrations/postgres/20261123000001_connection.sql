-- Named connections to SaaS apps. Credentials are sealed (XChaCha20-Poly1305,
-- bound to connection_id); only their type and a short hint are stored in clear.
create table connection (
    connection_id      uuid primary key,
    name               text not null,
    provider           text not null,
    instance_url       text not null,
    settings           jsonb not null default '{}'::jsonb,
    credential_type    text not null,
    credential_sealed  bytea not null,
    credential_key_id  text not null,
    credential_hint    text,
    revision           bigint not null default 1,
    created_at         timestamptz not null,
    updated_at         timestamptz not null,
    constraint connection_name_key unique (name)
);

create index connection_credential_key_id_idx on connection (credential_key_id);
