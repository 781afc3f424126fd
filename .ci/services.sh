#!/bin/sh
# Start the local PostgreSQL 15 cluster and create the procurehub role and
# database the integration tests use. Needs root (CI runs as root); as
# another user it only reports what it found.
set -eu
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "services: PostgreSQL is not installed (apt-get install -y postgresql-15); integration tests will skip"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "services: not root; leaving PostgreSQL as it is"
  exit 0
fi
if ! pg_lsclusters -h | awk '$1=="15" && $2=="main" && $4=="online" {found=1} END {exit !found}'; then
  pg_ctlcluster 15 main start
fi
for i in $(seq 1 30); do
  su postgres -c "pg_isready -q" && break
  sleep 0.5
done
su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='procurehub'\"" | grep -q 1 ||
  su postgres -c "psql -q -c \"CREATE ROLE procurehub LOGIN PASSWORD 'procurehub' SUPERUSER\""
su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='procurehub'\"" | grep -q 1 ||
  su postgres -c "createdb -O procurehub procurehub"
echo "services: PostgreSQL 15 ready on 127.0.0.1:5432 (database procurehub)"
# The FTP tests log in to vsftpd as a local test user (see the script).
if [ -x /usr/sbin/vsftpd ]; then
  sh internal/testserver/ftpd/setup.sh
  echo "services: vsftpd test user ready"
fi
