package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/web/locale"
	"github.com/layerlab/layerlab/web/ui"
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
	// NewSessionBurst is how many sessions one client address may start
	// at once (then five a second); 0 means 300, a classroom behind one
	// address.
	NewSessionBurst int
	// CommandRefill is how long a websocket client waits for one more
	// message once its burst is spent; 0 means 200 ms.
	CommandRefill time.Duration
	// CommandTime is the real time one command may take, live or in a
	// replay; 0 means 10 s. The simulator's work limits stop commands
	// long before it; it is a backstop.
	CommandTime time.Duration
	// AllowedHosts are the names (host or host:port) clients may reach
	// this server by; the websocket refuses any other Host. Empty means:
	// localhost and IP addresses when listening on loopback, anything
	// otherwise.
	AllowedHosts []string
	// QuizKey is the secret each learner's order of quiz choices (and the
	// ids that name them) is derived from; empty means the store's (see
	// Deps.Secrets).
	QuizKey []byte
	// BaseURL is the address learners open the server at, such as
	// https://layerlab.example.org (see NormalizeBaseURL): what names the
	// server's lessons, quizzes and learners to other systems.
	BaseURL string
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
	// Lesson is the lesson the answer was given in, for source lesson
	// ("" when the page did not say): a quiz may end more than one.
	Lesson string
	Origin string
	Time   time.Time
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
	// ProbeWrite proves the store still takes a write (/healthz).
	ProbeWrite(ctx context.Context) error

	LoadSession(ctx context.Context, learner, mode string) (seed uint64, log []LogEntry, found bool, err error)
	SaveSession(ctx context.Context, learner, mode string, seed uint64, log []LogEntry) error
	AppendLog(ctx context.Context, learner, mode string, seq int, e LogEntry) error
	TruncateLog(ctx context.Context, learner, mode string, n int) error
	// ShareSession points a learner's session at a shared one (found is
	// false when there is no share id); the first write (AppendLog,
	// TruncateLog) gives the session its own copy.
	ShareSession(ctx context.Context, learner, mode, id string) (found bool, err error)
	SaveShare(ctx context.Context, id string, seed uint64, log []LogEntry) error
	LoadShare(ctx context.Context, id string) (seed uint64, log []LogEntry, found bool, err error)
	// Sessions lists a learner's stored sessions, the playground's ("play")
	// first, then lessons by mode key.
	Sessions(ctx context.Context, learner string) ([]SessionInfo, error)
}

// SessionInfo names one stored session of a learner: its mode key and
// when it was last written.
type SessionInfo struct {
	Mode    string
	Updated time.Time
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
	// Learners knows which unsigned learner cookies to adopt; nil: none.
	Learners LearnerStore
	// Claims tells the other nodes sharing the store when a session opens
	// here, so the second tab takes over across nodes; nil on one node.
	Claims Claims
	// Secrets keeps the quiz dealer's key and the key learner cookies are
	// signed with; nil: new keys at every start.
	Secrets SecretStore
	Library *engine.Library
	Quizzes *quizzes.Set
	// Events hear each stored answer and completed step or lesson
	// (web/events.go); none by default.
	Events []EventSink
	// LTI keeps the LMS platforms and launches of the LTI 1.3 tool
	// (web/lti.go); nil: /lti answers 503.
	LTI LTIStore
	// Collectors are more metrics /metrics shows, such as the xAPI
	// sender's (web/xapi).
	Collectors []prometheus.Collector
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
	// key signs learner cookies and names learners in exports
	// (web/learner.go).
	key []byte
	// pool holds the bounded pools (web/workpool.go).
	poolsOnce sync.Once
	pool      *serverPools
	// pictures are the visualizers last sent to learners, for page loads
	// (web/pictures.go).
	pictures pictureCache
	// idle are sessions whose console closed a moment ago (web/idle.go).
	idle idleSessions
	// logins counts failed instructor logins per account
	// (web/instructor_backoff.go).
	logins loginBackoff
	// embeds are /embed/viz pages by Dockerfile hash (web/embed.go).
	embeds lru
	// storage is the health of the last writes (web/storage.go).
	storage storageHealth
	// dealer deals each learner their order of quiz choices (web/quiz.go).
	dealer quizzes.Dealer
	// ltiKeys are the LTI tool's key and the platforms' (web/lti_keys.go);
	// lti sends scores to them (web/lti_scores.go), nil without Deps.LTI.
	ltiKeys ltiKeys
	lti     *ltiScorer
	// quizLangs are the quizzes in each other language (web/i18n.go).
	quizLangs map[string]*quizzes.Set
	// replayLimit bounds one step of an instructor's replay
	// (web/instructor_learners.go); 0 means defaultReplayTime.
	replayLimit time.Duration
}

// New wires the routes.
func New(cfg Config, deps Deps) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if fa, err := NormalizeFrameAncestors(cfg.FrameAncestors); err != nil {
		// cmd checks the list before it gets here; a caller that did not
		// gets no embedders rather than a header built from bad input.
		cfg.Logger.Error("ignoring the frame-ancestors list", "err", err)
		cfg.FrameAncestors = []string{"'none'"}
	} else {
		cfg.FrameAncestors = fa
	}
	s := &Server{Deps: deps, cfg: cfg, log: cfg.Logger, now: time.Now}
	key := cfg.QuizKey
	if len(key) == 0 && deps.Secrets != nil {
		var err error
		if key, err = deps.Secrets.Secret(context.Background(), "quiz-dealer"); err != nil {
			s.log.Error("reading the quiz key; dealing with a new one", "err", err)
		}
	}
	if len(key) == 0 {
		key = make([]byte, 32)
		rand.Read(key)
	}
	s.dealer = quizzes.NewDealer(key)
	s.metrics = s.newMetrics()
	s.pictures.limit, s.pictures.single = maxPictureBytes, maxPicture
	s.embeds.limit, s.embeds.single = maxEmbedCacheBytes, maxEmbedPage
	s.loadKey()
	if deps.LTI != nil {
		s.lti = &ltiScorer{s: s}
		s.Events = append(slices.Clone(deps.Events), s.lti)
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.Recover())
	e.Use(s.metrics.countRequests)
	e.Use(s.logRequests)
	e.Use(middleware.BodyLimit("64K"))
	e.Use(noStore)
	e.Use(s.localize)
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
	}))
	e.Use(s.frameForLTI)
	s.echo = e
	s.routes()
	return s
}

func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/metrics", s.metrics.handler())
	e.GET("/openapi.yaml", s.openAPI)
	// A socket or a share link without a signed learner cookie makes a
	// learner and a stored session: those are limited per address;
	// learners with their cookie are not.
	newLearner := s.newLearnerLimiter()
	sharing := func(next echo.HandlerFunc) echo.HandlerFunc {
		limited := newLearner(next)
		return func(c echo.Context) error {
			if c.QueryParam("share") != "" {
				return limited(c)
			}
			return next(c)
		}
	}
	e.GET("/", s.home, sharing)
	e.GET("/play", s.home, sharing)
	e.POST("/play/share", s.replaceWithShare)
	e.GET("/ws", s.websocket, newLearner, s.reconnectLimiter())
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", s.staticHandler())))
	s.quizRoutes(e)
	s.lessonRoutes(e)
	s.ltiRoutes(e)
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
	if s.lti != nil {
		go s.lti.run(claimsCtx)
	}
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

// healthz says whether the server can do its work: the database answers
// and takes a write that needs room (web/storage.go). A failure answers
// 503 with one line naming the part; a node that recovers says ok at its
// next probe, so a balancer sends it traffic again at once.
func (s *Server) healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		return c.String(http.StatusServiceUnavailable, "database: "+err.Error()+"\n")
	}
	{
		if err := s.storage.probe(ctx, s.Store); err != nil {
			c.Response().Header().Set("Retry-After", retryAfter(err))
			return c.String(http.StatusServiceUnavailable, "storage: "+err.Error()+"\n")
		}
	}
	return c.String(http.StatusOK, "ok\n")
}

// home is the playground. It draws the learner's session as the server
// last sent it (web/pictures.go), so a reload shows the same picture
// before the websocket connects, without replaying anything; ?share=ID
// opens a shared session instead (web/share.go).
func (s *Server) home(c echo.Context) error {
	if id := c.QueryParam("share"); id != "" {
		return s.openShare(c, id)
	}
	learner := s.learnerID(c)
	return s.render(c, http.StatusOK, ui.Home(ui.HomeView{
		VizHTML: s.playgroundPicture(c.Request().Context(), learner),
		Quiz:    s.playgroundQuiz(c, learner),
		Meta:    shareMeta(c, "/play", locale.T(c.Request().Context(), "home.description"), nil),
	}))
}
