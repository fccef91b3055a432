-- A plan's people, kept in chunks of a thousand (each a JSON array, as text)
-- rather than inside `sync_plan.request`: a request of 100,000 people is tens
-- of megabytes, which written as one value is copied whole several times on
-- the way into the database. Plans written before this keep their people in
-- `request`, and are read from there.
create table sync_plan_people (
    plan_id  uuid not null references sync_plan (plan_id) on delete cascade,
    seq      integer not null,
    people   text not null,
    primary key (plan_id, seq)
);
