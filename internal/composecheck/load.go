package composecheck

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// ComposeFile is the compose file's path relative to the repository root.
const ComposeFile = "compose.yaml"

// Load reads compose.yaml under root the way `docker compose` would from that directory,
// with env as the only environment (never the caller's, so results do not depend on the
// shell) and every profile enabled. Paths come back absolute.
func Load(ctx context.Context, root string, env []string) (*types.Project, error) {
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(root, ComposeFile)},
		cli.WithWorkingDirectory(root),
		cli.WithEnv(env),
		cli.WithProfiles([]string{"*"}),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		return nil, fmt.Errorf("compose options: %w", err)
	}
	project, err := opts.LoadProject(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", ComposeFile, err)
	}
	return project, nil
}
