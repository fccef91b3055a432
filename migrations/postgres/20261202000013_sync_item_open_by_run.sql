-- A run's open items by status first: "is any item of this run still pending
-- or running (before this phase)?" is asked for every candidate of every
-- claim and after every item. With `phase` before `status` (the index of
-- 20261125000010) that question scanned the run's items; a 5,100-item run
-- applied at 34 items a second.
create index sync_item_open_by_run_idx on sync_item (run_id, status, phase);
