package main

import (
	"strings"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/stub"
)

// drawFlags are the flags of drawn token counts, applied after the profile.
type drawFlags struct {
	tokensDist string
	histograms histogramsFlag
	seed       uint64
}

func (d *drawFlags) register(fs *cli.FlagSet) {
	fs.StringVar(&d.tokensDist, "tokens-dist", "",
		"draw each stream's token count instead of --tokens, from `KIND:ARGS`: lognormal:mean=M,sd=S (in tokens) or histogram:PATH (upper_bound,weight lines, see stub/README.md); X-Stub-Tokens still fixes one request's")
	fs.Var(&d.histograms, "tokens-hist",
		"load a histogram file that requests may choose with X-Stub-Tokens-Dist: histogram:NAME, as `NAME=PATH` (repeatable)")
	fs.Uint64Var(&d.seed, "seed", 0,
		"give every request without X-Stub-Seed the next seed of a sequence this fixes: the token counts drawn, words, jitter and faults are the same sequence run to run (unset: random)")
}

// apply puts the distribution, the named histograms and the seed into cfg.
func (d *drawFlags) apply(fs *cli.FlagSet, cfg *stub.Config) error {
	if fs.IsSet("tokens-dist") {
		if fs.IsSet("tokens") {
			return cli.Usagef("--tokens and --tokens-dist both given (by flag or variable): a stream's count is fixed or drawn, choose one")
		}
		dist, err := stub.ParseTokensDist(d.tokensDist, stub.LoadTokensHistogram)
		if err != nil {
			return cli.Usagef("--tokens-dist %q: %v", d.tokensDist, err)
		}
		cfg.Shape.TokensDist = dist
	}
	if len(d.histograms.set.Names()) > 0 {
		cfg.TokensHistograms = &d.histograms.set
	}
	if fs.IsSet("seed") {
		cfg.Seed, cfg.Seeded = d.seed, true
	}
	return nil
}

// histogramsFlag is --tokens-hist NAME=PATH, repeatable; each file is read when given.
type histogramsFlag struct {
	set stub.TokensHistograms
}

func (h *histogramsFlag) Set(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || path == "" {
		return cli.Usagef("want NAME=PATH")
	}
	return h.set.Load(name, path)
}

func (h *histogramsFlag) String() string {
	if h == nil {
		return ""
	}
	return strings.Join(h.set.Names(), ",")
}

func (*histogramsFlag) Repeatable() {}
