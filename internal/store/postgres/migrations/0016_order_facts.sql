-- Order facts: one row per order, the projection the KPIs are computed
-- from (store.OrderFact), keyed by the buyer's id and the order number.
--
-- The status projector replaces a row whole after each replay; the store
-- writes it only when the stored projected_at is not newer, so a late
-- replay never undoes a newer fact. id is the insertion order: it stays
-- when the row is replaced, and breaks ties between facts of one order
-- date when they are listed. A milestone that has not happened is NULL, as
-- is a date not known. The total is numeric without a scale, so it keeps
-- the scale it was given ("12.50").

CREATE TABLE order_facts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    buyer_id          text        NOT NULL,
    order_number      text        NOT NULL,
    supplier_id       text        NOT NULL DEFAULT '',
    carrier           text        NOT NULL DEFAULT '',
    origin            text        NOT NULL DEFAULT '',    -- country code of the lane's start
    destination       text        NOT NULL DEFAULT '',    -- country code of the lane's end
    currency          text        NOT NULL DEFAULT '',
    total_amount      numeric     NOT NULL DEFAULT 0,
    order_date        date,
    requested_date    date,
    state             text        NOT NULL DEFAULT '',    -- lifecycle.State at projected_at
    created_at        timestamptz NOT NULL,
    confirmed_at      timestamptz,
    shipped_at        timestamptz,
    delivered_at      timestamptz,
    invoiced_at       timestamptz,
    paid_at           timestamptz,
    eta               date,
    needed_correction boolean     NOT NULL DEFAULT false,
    last_update_at    timestamptz NOT NULL,
    projected_at      timestamptz NOT NULL,
    CONSTRAINT order_facts_key UNIQUE (buyer_id, order_number)
);
-- Facts list by order date, those without one first, then id; a filter by
-- buyer or supplier keeps that order from its own index.
CREATE INDEX order_facts_order_date_idx ON order_facts (order_date NULLS FIRST, id);
CREATE INDEX order_facts_buyer_idx ON order_facts (buyer_id, order_date NULLS FIRST, id);
CREATE INDEX order_facts_supplier_idx ON order_facts (supplier_id, order_date NULLS FIRST, id);
