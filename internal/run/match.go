package run

import (
	"fmt"
	"regexp"
)

// regexpMatcher matches a whole label value, as PromQL's =~ does.
type regexpMatcher struct{ re *regexp.Regexp }

func newMatcher(pattern string) (*regexpMatcher, error) {
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	if err != nil {
		return nil, fmt.Errorf("testid pattern %q: %w", pattern, err)
	}
	return &regexpMatcher{re: re}, nil
}

func (m *regexpMatcher) match(s string) bool { return m.re.MatchString(s) }
