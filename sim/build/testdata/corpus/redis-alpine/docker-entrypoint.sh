#!/bin/sh
set -e
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	exec su-exec redis "$0" "$@"
fi
exec "$@"
