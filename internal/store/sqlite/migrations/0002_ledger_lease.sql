-- An input is leased by the instance taking it (see the PostgreSQL
-- migration of the same number); settled_at says it left the inbox.
ALTER TABLE file_ledger ADD COLUMN lease_owner TEXT;
ALTER TABLE file_ledger ADD COLUMN lease_until TEXT;
ALTER TABLE file_ledger ADD COLUMN settled_at  TEXT;
