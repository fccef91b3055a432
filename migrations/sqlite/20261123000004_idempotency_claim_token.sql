-- The claim an idempotency key is held under, so that only its holder can
-- complete or release it (a slow request cannot overwrite a takeover).
alter table idempotency_key add column claim_token text;
