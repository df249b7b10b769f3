#!/usr/bin/env bash
here="$(cd "$(dirname "$0")" && pwd)"; . "$here/../common.sh"
stop_pidfile "$FIELD_HOME/scim2-server/server.pid"
