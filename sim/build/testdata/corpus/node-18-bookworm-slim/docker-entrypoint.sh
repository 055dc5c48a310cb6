#!/bin/sh
set -e
# An option or a script file as the first argument means: run it with node.
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ]; then
  set -- node "$@"
fi
exec "$@"
