package store

import "io/fs"

// migrationsDir is the embedded folder of goose SQL migrations.
func migrationsDir() fs.FS {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		// fs.Sub only fails on an invalid path, which a constant is not.
		panic(err)
	}
	return dir
}
