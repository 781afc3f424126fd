-- An input is leased by the instance taking it, so that several instances
-- polling one inbox take each file once; settled_at says the file was moved
-- out of the inbox (archive or quarantine) and its receipt written.
ALTER TABLE file_ledger
    ADD COLUMN lease_owner text,
    ADD COLUMN lease_until timestamptz,
    ADD COLUMN settled_at  timestamptz;
