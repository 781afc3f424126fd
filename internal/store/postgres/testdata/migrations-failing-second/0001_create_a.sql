-- creates table a
CREATE TABLE a (id integer);
