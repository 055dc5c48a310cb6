package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"layerlab/quizzes"
	"layerlab/sim/engine"
	"layerlab/web/ui"
)

// Config is what the server is told at start.
type Config struct {
	Addr   string // listen address, e.g. 127.0.0.1:8080
	Dev    bool   // development mode: lesson live reload, no caching
	Logger *slog.Logger
	Static fs.FS // the embedded static assets (static.FS)

	// FrameAncestors are the origins that may frame the quiz and viz embeds
	// (CSP frame-ancestors); empty means any. The rest of the app is never
	// framed.
	FrameAncestors []string
	// AnswerRate is the answers per second one client address may post;
	// 0 means 20, a negative rate means no limit (load tests).
	AnswerRate float64
	// SecureCookies marks the instructor cookies Secure even when TLS ends
	// at a reverse proxy in front of the server.
	SecureCookies bool
	// TrustProxy says a reverse proxy on a loopback or private address
	// appends each client's address to X-Forwarded-For: the rate limits
	// then count that address instead of the proxy's. Leave it off when
	// clients connect directly, since they can write the header too.
	TrustProxy bool
	// LessonsDir is where lesson files are read from; "" serves the
	// lessons embedded in the binary.
	LessonsDir string
}

// Answer is one stored quiz answer.
type Answer struct {
	ClientID string
	Learner  string
	Quiz     string
	Question string
	Answer   string // JSON
	Correct  bool
	Source   string // lesson, playground or embed
	Origin   string
	Time     time.Time
}

// LogEntry is one thing a learner did in a session: a console line, or an
// edit of a build-context file. A session is its seed plus its log.
type LogEntry struct {
	Kind string `json:"kind"` // cmd, file, rmfile
	Line string `json:"line,omitempty"`
	Path string `json:"path,omitempty"`
	Data []byte `json:"data,omitempty"`
}

// Store is the storage of learner sessions and share links: what the
// console needs. The other stores are in store.go.
type Store interface {
	Ping(ctx context.Context) error

	LoadSession(ctx context.Context, learner, mode string) (seed uint64, log []LogEntry, found bool, err error)
	SaveSession(ctx context.Context, learner, mode string, seed uint64, log []LogEntry) error
	AppendLog(ctx context.Context, learner, mode string, seq int, e LogEntry) error
	TruncateLog(ctx context.Context, learner, mode string, n int) error
	SaveShare(ctx context.Context, id string, seed uint64, log []LogEntry) error
	LoadShare(ctx context.Context, id string) (seed uint64, log []LogEntry, found bool, err error)
}

// Deps are the parts the server is built from, each storage concern as its
// own interface (store.go): one database may implement them all, and the
// caller hands it over once per field. Library is the simulator's shared,
// immutable part (base images, programs): every learner session reads the
// same one.
type Deps struct {
	Store       Store
	Answers     AnswerStore
	Instructors InstructorStore // nil: the instructor area answers 503
	Progress    ProgressStore   // nil: lesson progress is not kept
	// Claims tells the other nodes sharing the store when a session opens
	// here, so the second tab takes over across nodes; nil on one node.
	Claims  Claims
	Library *engine.Library
	Quizzes *quizzes.Set
}

// Server is the web app. Create it with New; serve it with Handler or Run.
type Server struct {
	Deps
	cfg  Config
	log  *slog.Logger
	echo *echo.Echo
	now  func() time.Time
	live liveSessions
	// claimed is what other nodes may tell this one to close (cluster.go).
	claimed claimedKeys
	metrics *metrics
	// lessons is the loaded course (web/lesson.go).
	lessons *lessonBook
}

// New wires the routes.
func New(cfg Config, deps Deps) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{Deps: deps, cfg: cfg, log: cfg.Logger, now: time.Now}
	s.metrics = s.newMetrics()
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.Recover())
	e.Use(s.metrics.countRequests)
	e.Use(s.logRequests)
	e.Use(middleware.BodyLimit("64K"))
	e.Use(noStore)
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
	}))
	s.echo = e
	s.routes()
	return s
}

func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/metrics", s.metrics.handler())
	e.GET("/openapi.yaml", s.openAPI)
	e.GET("/", s.home)
	e.GET("/play", s.home)
	e.POST("/play/share", s.replaceWithShare)
	// A socket without a learner cookie makes a learner and a stored
	// session: those are limited per address; learners with their cookie
	// are not. The limit is generous because a whole classroom may share
	// one address behind a NAT and arrive at once.
	e.GET("/ws", s.websocket, s.addressLimiter(rate.Limit(5), 300, "too many new sessions from this address; wait a moment",
		func(c echo.Context) bool {
			ck, err := c.Cookie(learnerCookie)
			return err == nil && validToken(ck.Value)
		}))
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", s.staticHandler())))
	s.quizRoutes(e)
	s.lessonRoutes(e)
}

// Handler is the server as an http.Handler, for tests and custom listeners.
func (s *Server) Handler() http.Handler { return s.echo }

// Run serves on cfg.Addr until ctx ends, then shuts down gracefully, giving
// open requests a few seconds to finish.
func (s *Server) Run(ctx context.Context) error {
	srv := &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s.echo,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	claimsCtx, stopClaims := context.WithCancel(ctx)
	defer stopClaims()
	go s.listenClaims(claimsCtx)
	s.log.Info("serving", "addr", "http://"+s.cfg.Addr)
	select {
	case err := <-errc:
		return fmt.Errorf("serving on %s: %w", s.cfg.Addr, err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// noStore keeps every response out of shared and browser caches unless its
// handler says otherwise (static files, embeds): pages carry a learner's
// own session and the Set-Cookie that names them, which a cache in front
// must never hand to someone else.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

func (s *Server) staticHandler() http.Handler {
	files := http.FileServer(http.FS(s.cfg.Static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Assets only: no directory listings.
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		if s.cfg.Dev {
			w.Header().Set("Cache-Control", "no-cache")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		files.ServeHTTP(w, r)
	})
}

func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req := c.Request()
		s.log.Debug("request", "method", req.Method, "path", req.URL.Path,
			"status", c.Response().Status, "took", time.Since(start))
		return nil
	}
}

func (s *Server) healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		return c.String(http.StatusServiceUnavailable, "database: "+err.Error()+"\n")
	}
	return c.String(http.StatusOK, "ok\n")
}

// home is the playground. It draws the learner's saved session, so a
// reload shows the same picture before the websocket connects; ?share=ID
// opens a shared session instead (web/share.go).
func (s *Server) home(c echo.Context) error {
	ctx := c.Request().Context()
	if id := c.QueryParam("share"); id != "" {
		return s.openShare(c, id)
	}
	sess, err := s.peekSession(ctx, s.learnerID(c), playground{})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, ui.Home(ui.HomeView{
		Viz:  vizView(sess.console.Engine()),
		Quiz: s.firstQuestion(),
	}))
}
