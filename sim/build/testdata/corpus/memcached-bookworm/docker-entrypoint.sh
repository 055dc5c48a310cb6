#!/bin/sh
set -e
# Options alone mean: pass them to memcached.
if [ "${1#-}" != "$1" ]; then
	set -- memcached "$@"
fi
exec "$@"
