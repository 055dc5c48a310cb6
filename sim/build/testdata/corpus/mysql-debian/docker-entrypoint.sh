#!/bin/sh
set -e
# The server runs as mysql; everything else runs as asked.
if [ "$1" = 'mysqld' ] && [ "$(id -u)" = '0' ]; then
	exec gosu mysql "$0" "$@"
fi
exec "$@"
