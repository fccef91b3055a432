-- A stored plan is applied at most once, whichever instance is asked: the
-- second apply of the same plan hits this index and is refused as stale.
create unique index sync_run_plan_id_key on sync_run (plan_id);
