#!/bin/sh
# Prepares this machine for internal/testserver/ftpd: a local system user
# that vsftpd lets log in, through a PAM service of its own. Run as root;
# running it again changes nothing. vsftpd itself is installed by the caller
# (apt-get install vsftpd); this script never starts it.
#
#   user      procurehub-ftp (system user, no login shell, home /var/lib/procurehub-ftp)
#   password  random, made on the first run, kept in /etc/procurehub-ftp/password (0600 root)
#   PAM       /etc/pam.d/procurehub-ftp: pam_unix, for the users in /etc/procurehub-ftp/users only
#
# The user exists only for tests: its password is unknown to anyone but root,
# and it has no shell.
set -eu

user=procurehub-ftp
conf=/etc/procurehub-ftp

if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: must run as root" >&2
	exit 1
fi

if ! getent passwd "$user" >/dev/null; then
	useradd --system --user-group --create-home --home-dir /var/lib/$user \
		--shell /usr/sbin/nologin --comment "procurehub test FTP user" "$user"
fi

mkdir -p "$conf"
chmod 0755 "$conf"
if [ ! -s "$conf/password" ]; then
	(umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$conf/password.new")
	mv "$conf/password.new" "$conf/password"
fi
chown root:root "$conf/password"
chmod 0600 "$conf/password"
printf '%s:%s\n' "$user" "$(cat "$conf/password")" | chpasswd

printf '%s\n' "$user" >"$conf/users"
chmod 0644 "$conf/users"

cat >/etc/pam.d/procurehub-ftp <<'PAM'
# The test FTP server of procurehub (internal/testserver/ftpd/setup.sh):
# local passwords, for the users listed in /etc/procurehub-ftp/users only.
auth     required  pam_listfile.so item=user sense=allow file=/etc/procurehub-ftp/users onerr=fail
auth     required  pam_unix.so nodelay
account  required  pam_unix.so
session  required  pam_permit.so
PAM
chmod 0644 /etc/pam.d/procurehub-ftp
