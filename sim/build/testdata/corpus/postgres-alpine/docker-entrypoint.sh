#!/bin/sh
set -e
# Initialise the data directory on first start, then run the server as postgres.
if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
	mkdir -p "$PGDATA"
	chown -R postgres "$PGDATA"
	exec su-exec postgres "$0" "$@"
fi
exec "$@"
