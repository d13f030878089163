-- +goose Up
-- Backup codes salted per user. Version 1 is HMAC-SHA256 of the code alone
-- under one key for every user: with the key, one sweep of the 50-bit code
-- space would recover every user's codes at once, and two users' equal
-- codes had equal hashes. Version 2 hashes "backup-code/v2", the user id
-- and the code (see the service README). A code is checked against the
-- version of its row, so the rows already here (version 1) keep working
-- until their user regenerates them. The default labels them, and also the
-- rows that a replica still running the previous release writes during a
-- rolling upgrade: that release hashes the old way. Adding a column with a
-- constant default rewrites nothing.

ALTER TABLE backup_codes
    ADD COLUMN hash_version smallint NOT NULL DEFAULT 1,
    ADD CONSTRAINT backup_codes_hash_version CHECK (hash_version IN (1, 2));

-- +goose Down
ALTER TABLE backup_codes DROP COLUMN hash_version;
