-- Once, as a PostgreSQL superuser, before the first deployment (docs/operations.md, "Database roles"):
--   psql -h 10.0.0.13 -U postgres -v owner_password=… -v app_password=… -v rasa_password=… -f deploy/roles.sql
-- inissiaq owns the backend's tables and only migrates and grants (MIGRATION_DATABASE_URL);
-- inissiaq_app is the services' role (DATABASE_URL), given its privileges by `inissiaq db grant`;
-- inissiaq_rasa owns Rasa's tracker store (RASA_TRACKER_USERNAME).
\set ON_ERROR_STOP on
CREATE ROLE inissiaq LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE inissiaq_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
CREATE ROLE inissiaq_rasa LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'rasa_password';
CREATE DATABASE inissiaq OWNER inissiaq;
CREATE DATABASE inissiaq_rasa OWNER inissiaq_rasa;
REVOKE ALL ON DATABASE inissiaq FROM PUBLIC;
GRANT CONNECT ON DATABASE inissiaq TO inissiaq_app;
REVOKE ALL ON DATABASE inissiaq_rasa FROM PUBLIC;
GRANT CONNECT ON DATABASE inissiaq_rasa TO inissiaq_rasa;
\connect inissiaq
-- Only the owner creates objects in the backend's schema (PostgreSQL 15 and later do this already).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
