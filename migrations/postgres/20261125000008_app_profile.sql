-- What provisio learned about how the app behaves (the connection test's probe
-- and ordinary calls: `count` refused, filters ignored, …), and what an operator
-- set by hand over it. Learning writes app_profile without bumping the revision;
-- overrides change with the connection.
alter table connection add column app_profile jsonb not null default '{}'::jsonb;
alter table connection add column profile_overrides jsonb not null default '{}'::jsonb;
