-- commit.sql: R_commit, a one-row commit (bench/run runs it with pgbench).
INSERT INTO bench.one_row (n) VALUES (1);
