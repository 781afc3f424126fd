-- creates the second table
CREATE TABLE b (id integer);
CREATE INDEX b_id ON b (id);
