#!/bin/sh
set -e
# Options alone go to haproxy; master-worker mode keeps reloads graceful.
if [ "${1#-}" != "$1" ]; then
	set -- haproxy "$@"
fi
if [ "$1" = 'haproxy' ]; then
	shift
	set -- haproxy -W -db "$@"
fi
exec "$@"
