-- What order validation looks up in the stored orders.
--
-- duplicate_key is store.DuplicateKey of the order (the hex SHA-256 of the
-- supplier, the requested delivery date and the sorted (SKU, quantity, unit)
-- lines; byte for byte validation.DuplicateKey). The validation finds an
-- order sent again under another number by (duplicate_key, order_date).
-- Orders stored before this migration (or by an older binary) have NULL,
-- which matches no key: Migrate fills them in from their documents, in Go,
-- with the same function the writes use, so the SQL never needs its own copy
-- of the key.
ALTER TABLE orders ADD COLUMN duplicate_key text;
CREATE INDEX orders_duplicate_key_idx ON orders (duplicate_key, order_date);

-- Committed quantities of a supplier's SKU: the orders of the supplier with
-- delivery in a period, then their lines through order_lines' primary key.
-- No index on order_lines (sku): a bulk load writes ten times more lines
-- than orders, and each line index costs it.
CREATE INDEX orders_supplier_delivery_idx ON orders (supplier_id, requested_delivery_date);
