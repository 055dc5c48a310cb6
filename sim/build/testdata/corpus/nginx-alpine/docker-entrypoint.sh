#!/bin/sh
set -e
# Run the scripts of /docker-entrypoint.d before nginx starts.
if [ "$1" = "nginx" ]; then
    for f in /docker-entrypoint.d/*.sh; do
        [ -x "$f" ] && "$f"
    done
fi
exec "$@"
