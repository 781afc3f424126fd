-- creates table b, then fails: nothing of it may stay
CREATE TABLE b (id integer);
THIS IS NOT SQL;
