-- Group operations (group_create, members_add, …) name the group, and
-- membership changes how many members they added or removed.
alter table operation add column group_id text;
alter table operation add column item_count integer;
create index operation_group_id_idx on operation (group_id) where group_id is not null;
