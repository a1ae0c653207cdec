-- Builds Examples/sample/sample.db, the database behind the sqlite_query
-- example tool:  sqlite3 Examples/sample/sample.db < Examples/sample/sample.sql
PRAGMA journal_mode = DELETE;
DROP TABLE IF EXISTS orders;
DROP TABLE IF EXISTS customers;
CREATE TABLE customers (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    country TEXT NOT NULL
);
CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    item        TEXT NOT NULL,
    amount_eur  REAL NOT NULL,
    placed_on   TEXT NOT NULL
);
INSERT INTO customers (id, name, country) VALUES
    (1, 'Ada Lovelace', 'GB'),
    (2, 'Grace Hopper', 'US'),
    (3, 'Margaret Hamilton', 'US'),
    (4, 'Sophie Wilson', 'GB'),
    (5, 'Radia Perlman', 'US');
INSERT INTO orders (customer_id, item, amount_eur, placed_on) VALUES
    (1, 'analytical engine manual', 42.00, '2026-01-05'),
    (2, 'COBOL compiler', 120.50, '2026-01-09'),
    (2, 'nanosecond wire', 0.30, '2026-02-11'),
    (3, 'guidance computer rope', 999.99, '2026-02-20'),
    (4, 'ARM reference card', 12.00, '2026-03-02'),
    (5, 'spanning tree poster', 18.75, '2026-03-15'),
    (1, 'punched cards (box)', 25.00, '2026-03-28');
