-- The peer's tables, shaped like tsunagu's programme listing: organizers, programmes with a long
-- description, three upcoming sessions each.
drop schema if exists app cascade;
create schema app;
create table app.organization (
  id serial primary key,
  name text not null
);
create table app.program (
  id serial primary key,
  organizer_id int not null references app.organization(id),
  title text not null,
  kind text not null,
  description text not null
);
create index on app.program(organizer_id);
create table app.program_session (
  id serial primary key,
  program_id int not null references app.program(id),
  starts_at timestamptz not null,
  capacity int not null,
  seats_remaining int not null
);
create index on app.program_session(program_id);
insert into app.organization(name) select '主催団体 ' || g from generate_series(1, 20) g;
insert into app.program(organizer_id, title, kind, description)
  select 1 + (g % 20), '自然体験ワークショップ 第' || g || '回', 'EDUCATION_WORKSHOP', repeat('真鶴半島の自然を歩き、観察し、記録します。', 5)
  from generate_series(1, 40) g;
insert into app.program_session(program_id, starts_at, capacity, seats_remaining)
  select 1 + (g % 40), now() + (g || ' days')::interval, 20, 20 - (g % 7) from generate_series(1, 120) g;
analyze;
