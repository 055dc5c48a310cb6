package web

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are what /metrics shows an operator, in Prometheus's text
// format. Each Server has its own registry: no package globals, and two
// servers in one test do not count into each other.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	sockets   prometheus.Gauge
	commands  *prometheus.HistogramVec
	replays   prometheus.Histogram
	limitsHit *prometheus.CounterVec
}

// messageTypes are the websocket message types commands are counted
// under; anything else a client sends counts as "other", so a client
// cannot make new series.
var messageTypes = map[string]bool{"cmd": true, "file": true, "rmfile": true, "undo": true, "redo": true,
	"reset": true, "share": true, "tree": true, "layer": true, "visit": true}

func (s *Server) newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "layerlab_http_requests_total",
			Help: "HTTP requests answered, by method, route and status code.",
		}, []string{"method", "route", "code"}),
		sockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "layerlab_websocket_sessions",
			Help: "Websocket console sessions open on this node now.",
		}),
		commands: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "layerlab_command_duration_seconds",
			Help:    "Time from a console message's arrival to its answer being queued, by message type.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"type"}),
		replays: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "layerlab_session_replay_seconds",
			Help:    "Time to rebuild a session by replaying its stored log.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		limitsHit: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "layerlab_limits_hit_total",
			Help: "Requests and messages refused by a limit, by limit.",
		}, []string{"limit"}),
	}
	// Series start at zero, so a rate over them is right from the first
	// scrape and an operator sees every name before it is first counted.
	for t := range messageTypes {
		m.commands.WithLabelValues(t)
	}
	m.limitsHit.WithLabelValues("websocket messages")
	m.reg.MustRegister(m.requests, m.sockets, m.commands, m.replays, m.limitsHit,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.reg.MustRegister(s.Collectors...)
	if s.Answers != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "layerlab_answer_queue_depth",
			Help: "Quiz answers waiting for their group commit.",
		}, func() float64 { return float64(s.Answers.QueuedAnswers()) }))
	}
	return m
}

// handler serves the registry.
func (m *metrics) handler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}

// countRequests counts every answered request under its route pattern
// (never the raw path, which clients choose).
func (m *metrics) countRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(c.Request().Method, route, strconv.Itoa(c.Response().Status)).Inc()
		return nil
	}
}

func (m *metrics) command(kind string, took time.Duration) {
	if m == nil {
		return
	}
	if !messageTypes[kind] {
		kind = "other"
	}
	m.commands.WithLabelValues(kind).Observe(took.Seconds())
}

// limitHit counts one refusal by the named limit.
func (m *metrics) limitHit(limit string) {
	if m != nil {
		m.limitsHit.WithLabelValues(limit).Inc()
	}
}

// replay starts timing a session's replay; calling what it returns ends it.
// A Server not made by New (internal tests) has no metrics.
func (m *metrics) replay() func() {
	if m == nil {
		return func() {}
	}
	start := time.Now()
	return func() { m.replays.Observe(time.Since(start).Seconds()) }
}
