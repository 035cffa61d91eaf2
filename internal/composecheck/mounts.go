package composecheck

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// HostPath maps a path inside a service's container to the host file a bind mount puts
// there, choosing the deepest mount that holds it. ok is false when no bind mount does.
func HostPath(svc types.ServiceConfig, containerPath string) (host string, ok bool) {
	best := -1
	for _, v := range svc.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		target := path.Clean(v.Target)
		rel, inside := within(target, path.Clean(containerPath))
		if inside && len(target) > best {
			best = len(target)
			host = filepath.Join(v.Source, filepath.FromSlash(rel))
			ok = true
		}
	}
	return host, ok
}

// within reports whether p is dir or below it, and p relative to dir.
func within(dir, p string) (string, bool) {
	if p == dir {
		return "", true
	}
	prefix := strings.TrimSuffix(dir, "/") + "/"
	if strings.HasPrefix(p, prefix) {
		return strings.TrimPrefix(p, prefix), true
	}
	return "", false
}
