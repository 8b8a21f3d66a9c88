#!/usr/bin/env bash
# Start Debian's PostgreSQL and give the tests a fresh database.
#
#   source .ci/postgres.sh     # exports TEST_DATABASE_URL (this is what .ci/run does)
#   eval "$(.ci/postgres.sh)"  # the same from any shell: the script prints the export line
#
# Safe to run again and again: installs the `postgresql` package only when it
# is missing, starts the cluster only when it is down, (re)sets the role's
# password, and drops and recreates the test database so every run starts
# empty. Needs root (or sudo): apt-get, pg_ctlcluster, runuser. It says so
# before it acts; `make bench` runs it only with BENCH_POSTGRES=1.
#
# The server listens on loopback only (Debian's default) and the tests log in
# over TCP with a password, exactly as an application server would.
# Override the names with PGTEST_ROLE, PGTEST_PASSWORD, PGTEST_DB.

_silent_refresh_postgres() (  # a subshell: its `set -e` and variables stay here
    set -euo pipefail
    cd /  # runuser -u postgres cannot read the caller's directory
    role=${PGTEST_ROLE:-silent_refresh}
    password=${PGTEST_PASSWORD:-silent_refresh_test}
    dbname=${PGTEST_DB:-silent_refresh_test}
    for value in "$role" "$dbname" "$password"; do
        # Interpolated into SQL and into a URL below: allow plain names only.
        [[ $value =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "postgres.sh: bad name: $value" >&2; return 1; }
    done

    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_postgres() { as_root runuser -u postgres -- "$@"; }
    say() { echo "postgres.sh: $*" >&2; }

    # Say it before doing it: this touches the SYSTEM cluster, not a private one.
    say "will start the system PostgreSQL cluster if it is down, (re)set role $role's password," \
        "and drop and recreate database $dbname"
    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        say "installing Debian's postgresql package"
        as_root apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends postgresql >&2
    fi

    # The newest installed version, and its "main" cluster (created if the
    # package did not create one).
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {found = 1} END {exit !found}'; then
        say "creating cluster $version/main"
        as_root pg_createcluster "$version" main >&2
    fi
    read -r port status < <(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3, $4}')
    if [ "$status" != online ]; then
        say "starting PostgreSQL $version on 127.0.0.1:$port"
        as_root pg_ctlcluster "$version" main start >&2
    fi
    pg_isready -q -h 127.0.0.1 -p "$port" -t 30 || { say "PostgreSQL did not come up on port $port"; return 1; }

    psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"; }
    psql_admin -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN CREATE ROLE $role; END IF;
    END \$\$;" -c "ALTER ROLE $role WITH LOGIN NOSUPERUSER PASSWORD '$password'"
    psql_admin -c "SET client_min_messages TO warning" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname OWNER $role"
    say "database $dbname ready for role $role"

    echo "postgresql+psycopg://$role:$password@127.0.0.1:$port/$dbname"
)

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    # Sourced: export the URL into the caller's shell.
    TEST_DATABASE_URL=$(_silent_refresh_postgres) && export TEST_DATABASE_URL
else
    url=$(_silent_refresh_postgres) || exit 1
    echo "export TEST_DATABASE_URL='$url'"
fi
