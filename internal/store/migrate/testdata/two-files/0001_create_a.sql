-- creates the first table
CREATE TABLE a (id integer);
