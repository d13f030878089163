// Package db embeds the numbered SQL migrations of the platform so that each
// service binary carries them and applies them at start-up.
package db

import "embed"

// Migrations holds db/schemas/*.sql (goose format). sqlc reads the same files
// as its schema, so the queries are checked against what is deployed.
//
//go:embed schemas/*.sql
var Migrations embed.FS

// MigrationsDir is the folder of Migrations that holds the files.
const MigrationsDir = "schemas"
