package catalog

import (
	"fmt"

	"github.com/prometheus/prometheus/promql/parser"
)

// promqlParser accepts exactly what Prometheus v3.16 accepts by default, so an expression
// that passes here will not be refused by the Prometheus the runner starts.
var promqlParser = parser.NewParser(parser.Options{})

// Validate parses a rendered expression as PromQL.
func Validate(expr string) error {
	if _, err := promqlParser.ParseExpr(expr); err != nil {
		return fmt.Errorf("invalid PromQL: %w", err)
	}
	return nil
}
