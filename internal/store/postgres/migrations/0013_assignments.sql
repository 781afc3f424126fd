-- Order assignments (the multi-party portal): a buyer assigns a logistics
-- provider or a customs broker to one of its orders, and the assigned
-- party sees the order. Kept once per (buyer_id, order_number, party_id,
-- role): assigning again changes nothing. No foreign key to orders: an
-- order is named by its buyer and number everywhere, and an assignment
-- made just before the order's newest version is stored stays valid.

CREATE TABLE order_assignments (
    buyer_id     text        NOT NULL,
    order_number text        NOT NULL,
    party_id     text        NOT NULL,
    role         text        NOT NULL CHECK (role IN ('logistics', 'customs')),
    assigned_by  text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (buyer_id, order_number, party_id, role)
);
-- "Which orders is party P on?": ListOrders' party filter.
CREATE INDEX order_assignments_party_idx ON order_assignments (party_id, buyer_id, order_number);
