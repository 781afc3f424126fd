package api

import (
	"net/http"
)

// SFTPInfo is how partners reach the hosted SFTP inbox: its address and
// the host keys' fingerprints they check on their first login.
type SFTPInfo struct {
	Addr     string   `json:"addr"`
	HostKeys []string `json:"host_keys"` // "<type> SHA256:..."
}

func (s *server) sftpRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Pattern: "/sftp", Summary: "The hosted SFTP inbox: its address and host key fingerprints, to check on a first login.",
			Roles: readers, Scope: ScopeNone, Enabled: s.cfg.SFTP != nil, Handler: s.getSFTP},
	}
}

func (s *server) getSFTP(w http.ResponseWriter, _ *http.Request) {
	info := *s.cfg.SFTP
	if info.HostKeys == nil {
		info.HostKeys = []string{}
	}
	writeJSON(w, http.StatusOK, info)
}
