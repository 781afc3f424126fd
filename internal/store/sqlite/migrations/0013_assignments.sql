-- Order assignments (see the PostgreSQL migration of the same number).
-- Times TEXT in UTC as in 0001.

CREATE TABLE order_assignments (
    buyer_id     TEXT NOT NULL,
    order_number TEXT NOT NULL,
    party_id     TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('logistics', 'customs')),
    assigned_by  TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    PRIMARY KEY (buyer_id, order_number, party_id, role)
) STRICT;
CREATE INDEX order_assignments_party_idx ON order_assignments (party_id, buyer_id, order_number);
