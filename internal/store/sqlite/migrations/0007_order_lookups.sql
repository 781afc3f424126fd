-- What order validation looks up in the stored orders (see the PostgreSQL
-- migration of the same number for the key itself).
--
-- Orders stored before this migration (or by an older binary) have a NULL
-- duplicate_key, which matches no key: Migrate fills them in from their
-- documents, in Go, with the function the writes use (SQLite has no SHA-256).
--
-- Both indexes are shaped for the bulk load: a write transaction of SQLite
-- rewrites every index page it touched, and the key is a hash, so an index
-- on it is touched all over by every batch. On the first 12 hex digits of
-- the key (48 bits, the full key is compared on the rows found) the index
-- has a fifth of the pages: a load of 10,000 orders of 10 lines lost about
-- 9% of its speed with it, 15% with the full key.
ALTER TABLE orders ADD COLUMN duplicate_key TEXT;
CREATE INDEX orders_duplicate_key_idx ON orders (substr(duplicate_key, 1, 12));

-- Committed quantities of a supplier's SKU: the orders of the supplier,
-- filtered on the delivery date in the index, then their lines through
-- order_lines' primary key. The supplier index grows the delivery date
-- rather than a new (supplier_id, requested_delivery_date) index beside it:
-- new orders are still appended at the end of each supplier's entries (an
-- index in delivery date order cost the bulk load about 15%). Lists by
-- supplier use it as before. No index on order_lines (sku): a bulk load
-- writes ten times more lines than orders.
DROP INDEX orders_supplier_idx;
CREATE INDEX orders_supplier_idx ON orders (supplier_id, id, requested_delivery_date);
