-- Order connection names bytewise, as SQLite does, so both backends list
-- (and page through) connections in the same order whatever the locale.
alter table connection alter column name type text collate "C";
