-- Named connections to SaaS apps. Credentials are sealed (XChaCha20-Poly1305,
-- bound to connection_id); only their type and a short hint are stored in clear.
-- Timestamps are RFC 3339 text in UTC; ids are hyphenated UUID text.
create table connection (
    connection_id      text primary key not null,
    name               text not null,
    provider           text not null,
    instance_url       text not null,
    settings           text not null default '{}',
    credential_type    text not null,
    credential_sealed  blob not null,
    credential_key_id  text not null,
    credential_hint    text,
    revision           integer not null default 1,
    created_at         text not null,
    updated_at         text not null,
    constraint connection_name_key unique (name)
);

create index connection_credential_key_id_idx on connection (credential_key_id);
