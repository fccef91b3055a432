-- One row that readiness writes to: a database that answers but cannot write
-- (a full disk, a read-only file or replica) is not ready.
create table readiness (id integer primary key, probes bigint not null default 0);
insert into readiness (id) values (1);
