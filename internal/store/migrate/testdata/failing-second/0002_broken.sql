CREATE TABLE b (id integer);
THIS IS NOT SQL;
