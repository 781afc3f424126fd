-- What order validation looks up in the stored orders.
--
-- duplicate_key is store.DuplicateKey of the order (the hex SHA-256 of the
-- supplier, the requested delivery date and the sorted (SKU, quantity, unit)
-- lines; byte for byte validation.DuplicateKey). The validation finds an
-- order sent again under another number by (duplicate_key, order_date).
-- Orders stored before this migration (or by an older binary) have NULL,
-- which matches no key: Migrate fills them in from their documents, in Go,
-- with the function the writes use, so the SQL keeps no copy of the key's
-- rules. A hash index: the lookup is by equality (a key names a handful of
-- orders, their order dates are then filtered), and a hash index is
-- smaller to maintain under a bulk load of random keys than a B-tree of
-- (duplicate_key, order_date): the end-to-end benchmark lost 0.278-0.293
-- of psql \copy's speed with the B-tree against 0.296-0.310 with the hash
-- and 0.300-0.318 without either (same session, runs alternating).
ALTER TABLE orders ADD COLUMN duplicate_key text;
CREATE INDEX orders_duplicate_key_idx ON orders USING hash (duplicate_key);
-- Migrate finds the orders still without a key through this index, empty
-- once they are filled (new orders are written with their key).
CREATE INDEX orders_missing_duplicate_key_idx ON orders (id) WHERE duplicate_key IS NULL;

-- Committed quantities of a supplier's SKU: the orders of the supplier,
-- filtered on the delivery date in the index, then their lines through
-- order_lines' primary key. The supplier index grows the delivery date
-- rather than a new (supplier_id, requested_delivery_date) index beside it,
-- which cost the bulk load another 5%. Lists by supplier use it as before.
-- No index on order_lines (sku): a bulk load writes ten times more lines
-- than orders.
DROP INDEX orders_supplier_idx;
CREATE INDEX orders_supplier_idx ON orders (supplier_id, id, requested_delivery_date);
