-- A run's items apply in phases: memberships (phase 1) only after every
-- account and group change of their run (phase 0) has finished, since they
-- may need an account or a group the run creates.
alter table sync_item add column phase integer not null default 0;
-- Lets a claim see at once whether an earlier phase of a run is unfinished.
create index sync_item_phase_idx on sync_item (run_id, phase, status);
