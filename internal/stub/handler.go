package stub

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Routes the stub serves.
const (
	PathChatCompletions = "/v1/chat/completions"
	PathHealthz         = "/healthz"
	PathMetrics         = "/metrics"
)

type handler struct {
	cfg     Config
	m       *metrics
	log     *slog.Logger
	metrics http.Handler  // nil when the registry cannot be gathered
	seeds   *seedSequence // nil without Config.Seeded
}

// NewHandler serves the stub's routes with cfg as every request's defaults.
// Its counters are registered on reg; when reg is also a prometheus.Gatherer
// (a *prometheus.Registry is), /metrics serves everything registered on it.
// A nil logger discards.
func NewHandler(cfg Config, reg prometheus.Registerer, logger *slog.Logger) (http.Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("stub configuration: %w", err)
	}
	if reg == nil {
		return nil, errors.New("stub: a prometheus registerer is required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &handler{cfg: cfg, m: newMetrics(), log: logger}
	if cfg.Seeded {
		h.seeds = newSeedSequence(cfg.Seed)
	}
	if err := reg.Register(collector{h.m}); err != nil {
		return nil, fmt.Errorf("registering stub metrics: %w", err)
	}
	if g, ok := reg.(prometheus.Gatherer); ok {
		h.metrics = promhttp.HandlerFor(g, promhttp.HandlerOpts{})
	}
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case PathChatCompletions:
		if r.Method != http.MethodPost {
			h.methodNotAllowed(w, r, "POST")
			return
		}
		h.chatCompletions(w, r)
	case PathHealthz:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.methodNotAllowed(w, r, "GET, HEAD")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	case PathMetrics:
		if h.metrics == nil {
			h.notFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.methodNotAllowed(w, r, "GET, HEAD")
			return
		}
		h.metrics.ServeHTTP(w, r)
	default:
		h.notFound(w, r)
	}
}

func (h *handler) methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	h.writeError(w, http.StatusMethodNotAllowed, apiError{
		Message: fmt.Sprintf("method %s not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow),
		Code:    codeMethod})
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, http.StatusNotFound, apiError{
		Message: fmt.Sprintf("unknown URL %s %s", r.Method, r.URL.Path), Code: codeUnknownURL})
}

// writeHeader counts every status the stub answers on its API routes.
func (h *handler) writeHeader(w http.ResponseWriter, status int) {
	h.m.countStatus(status)
	w.WriteHeader(status)
}

func (h *handler) chatCompletions(w http.ResponseWriter, r *http.Request) {
	p, err := parseOverrides(r.Header, h.cfg)
	if err != nil {
		h.writeError(w, http.StatusBadRequest, apiError{Message: err.Error(), Code: codeInvalidHeader})
		return
	}
	req, bodyHash, err := readRequest(w, r)
	if err != nil {
		var re *requestError
		if errors.As(err, &re) {
			h.writeError(w, re.status, re.api)
		}
		return
	}
	if !p.seeded && h.seeds != nil {
		// Taken after the body is read, so that a bad request does not shift the sequence.
		p.seed, p.seeded = h.seeds.next(), true
	}
	st := getState()
	defer putState(st)
	plan := st.start(&p, &req, bodyHash)
	if n := st.outputBytes(&p, &req); n > MaxOutputBytes {
		h.writeError(w, http.StatusBadRequest, apiError{
			Message: fmt.Sprintf("the response would be %d bytes, over the stub's output limit of %d bytes: lower %s (%d) or %s (%d)",
				n, MaxOutputBytes, HeaderTokens, p.Shape.Tokens, HeaderTokenSize, p.Shape.TokenSize),
			Code: codeOutputTooLarge})
		return
	}
	if plan.injectError {
		h.m.errorsInject.Add(1)
		h.writeError(w, p.Faults.ErrorStatus, apiError{
			Message: fmt.Sprintf("injected error (error rate %v)", p.Faults.ErrorRate), Code: codeInjected})
		return
	}
	if p.Shape.TokensDist != nil {
		h.m.streamTokens.Observe(float64(p.Shape.Tokens))
	}
	if req.Stream {
		h.stream(w, r, &p, &req, st, plan)
		return
	}
	h.complete(w, r, &p, &req, st)
}
