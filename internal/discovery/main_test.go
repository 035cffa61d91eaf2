package discovery

import (
	"os"
	"testing"

	"github.com/ssebench/ssebench/internal/testchild"
)

func TestMain(m *testing.M) {
	testchild.RunIfChild()
	os.Exit(m.Run())
}
