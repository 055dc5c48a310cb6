package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/sim/base"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/pkg"
	"github.com/layerlab/layerlab/static"
	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
	"github.com/layerlab/layerlab/web/xapi"
)

func runServe(ctx context.Context, args []string, e env) error {
	fs := newFlags("serve", e)
	var bases listFlag
	fs.Var(&bases, "base", "add a real image as a base: NAME:TAG=PATH, PATH an OCI image layout or a docker save tar (repeatable)")
	addr := fs.String("addr", envDefault(e, "ADDR", "127.0.0.1:8080"), "address to listen on")
	dbPath := fs.String("db", envDefault(e, "DB", "./layerlab.db"), "SQLite database file, or a postgres://USER@HOST:PORT/DB?sslmode=disable URL that many nodes may share")
	devDefault, _ := strconv.ParseBool(envDefault(e, "DEV", "false"))
	dev := fs.Bool("dev", devDefault, "development mode: no asset caching, verbose logs")
	lessonsDir := fs.String("lessons", envDefault(e, "LESSONS", ""), "lesson directory (default: the lessons built in)")
	logLevel := fs.String("log-level", envDefault(e, "LOG_LEVEL", "info"), "debug, info, warn or error")
	frameAncestors := fs.String("frame-ancestors", envDefault(e, "FRAME_ANCESTORS", ""), "space-separated origins that may embed quizzes and the mini visualizer (default: any)")
	answerRate := fs.Float64("answer-rate", 0, "quiz answers per second one client address may post (default 20)")
	secureDefault, _ := strconv.ParseBool(envDefault(e, "SECURE_COOKIES", "false"))
	secureCookies := fs.Bool("secure-cookies", secureDefault, "mark cookies Secure (TLS ends at a reverse proxy)")
	durability := fs.String("durability", envDefault(e, "DURABILITY", "normal"), "when answers reach the disk: normal (survive a crash of the server, kill -9) or full (survive power loss too; an fsync per commit)")
	allowedHosts := fs.String("allowed-hosts", envDefault(e, "ALLOWED_HOSTS", ""), "space-separated host names clients reach the server by (default: localhost and IP addresses when listening on loopback, any otherwise)")
	proxyDefault, _ := strconv.ParseBool(envDefault(e, "TRUST_PROXY", "false"))
	trustProxy := fs.Bool("trust-proxy", proxyDefault, "a reverse proxy on a loopback or private address names clients in X-Forwarded-For (rate limits count them)")
	pprofAddr := fs.String("pprof", envDefault(e, "PPROF", ""), "serve Go's profiles (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060 (default: off)")
	baseURL := fs.String("base-url", envDefault(e, "BASE_URL", ""), "the address learners open layerlab at, like https://layerlab.example.org: names lessons, quizzes and learners to other systems (xAPI)")
	xapiEndpoint := fs.String("xapi-endpoint", envDefault(e, "XAPI_ENDPOINT", ""), "send learning records as xAPI statements to this learning record store endpoint (ENDPOINT/statements); needs --base-url")
	xapiAuth := fs.String("xapi-auth", envDefault(e, "XAPI_AUTH", ""), "USER:PASS for the learning record store (HTTP Basic)")
	xapiLimit := fs.Int("xapi-outbox-limit", 0, fmt.Sprintf("how many xAPI statements the outbox keeps while the learning record store is away (default %d)", xapi.DefaultLimit))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	if v := envDefault(e, "ANSWER_RATE", ""); v != "" && *answerRate == 0 {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("LAYERLAB_ANSWER_RATE: %w", err)
		}
		*answerRate = r
	}
	dur, err := sqlite.ParseDurability(*durability)
	if err != nil {
		return fmt.Errorf("--durability: %w", err)
	}
	ancestors, err := web.NormalizeFrameAncestors(strings.Fields(*frameAncestors))
	if err != nil {
		return fmt.Errorf("--frame-ancestors: %w", err)
	}
	xcfg, err := xapiConfig(e, *baseURL, *xapiEndpoint, *xapiAuth, *xapiLimit)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	if *dev {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))

	db, claims, dbName, err := openDatabase(ctx, *dbPath, dur)
	if err != nil {
		return err
	}
	defer db.Close()
	lib, err := loadLibrary()
	if err != nil {
		return err
	}
	if err := importBases(lib, bases); err != nil {
		return err
	}
	qs, err := quizzes.Load(quizzes.Files)
	if err != nil {
		return fmt.Errorf("loading quizzes: %w", err)
	}
	deps := web.Deps{Store: db, Answers: db, Instructors: db, Progress: db, Learners: db, Claims: claims, Secrets: db, Library: lib, Quizzes: qs, LTI: db}
	if xcfg.Endpoint != "" {
		xcfg.Logger = log
		sender, err := xapi.New(xcfg, db)
		if err != nil {
			return err
		}
		deps.Events = append(deps.Events, sender)
		deps.Collectors = append(deps.Collectors, sender.Collectors()...)
		sendCtx, stopSending := context.WithCancel(ctx)
		sent := make(chan struct{})
		go func() { sender.Run(sendCtx); close(sent) }()
		// Runs before db.Close.
		defer func() { stopSending(); <-sent }()
	}
	srv := web.New(web.Config{
		Addr: *addr, Dev: *dev, Logger: log, Static: static.FS, LessonsDir: *lessonsDir,
		FrameAncestors: ancestors, AnswerRate: *answerRate, SecureCookies: *secureCookies,
		TrustProxy: *trustProxy, AllowedHosts: strings.Fields(*allowedHosts), BaseURL: xcfg.BaseURL,
	}, deps)
	log.Info("database", "path", dbName, "durability", dur)
	if e.getenv("GOGC") == "" {
		// A node with thousands of learners keeps a large heap of
		// sessions, and at Go's default the collector took a fifth of
		// its CPU; twice the heap's growth between collections halves
		// that for a few hundred MB (docs/performance.md). GOGC in the
		// environment still decides.
		debug.SetGCPercent(serveGCPercent)
	}
	if *pprofAddr != "" {
		stopProfiles, err := serveProfiles(*pprofAddr, log)
		if err != nil {
			return err
		}
		defer stopProfiles()
	}
	return srv.Run(ctx)
}

// xapiConfig checks the base URL and the xAPI settings; an empty
// Endpoint means statements are not sent.
func xapiConfig(e env, base, endpoint, auth string, limit int) (xapi.Config, error) {
	var cfg xapi.Config
	if base != "" {
		b, err := web.NormalizeBaseURL(base)
		if err != nil {
			return cfg, fmt.Errorf("--base-url: %w", err)
		}
		cfg.BaseURL = b
	}
	if v := envDefault(e, "XAPI_OUTBOX_LIMIT", ""); v != "" && limit == 0 {
		n, err := strconv.Atoi(v)
		if err != nil {
			return cfg, fmt.Errorf("LAYERLAB_XAPI_OUTBOX_LIMIT: %w", err)
		}
		limit = n
	}
	if limit < 0 {
		return cfg, fmt.Errorf("--xapi-outbox-limit %d: want a positive number of statements", limit)
	}
	cfg.Limit = limit
	if endpoint == "" {
		if auth != "" {
			return cfg, errors.New("--xapi-auth without --xapi-endpoint: give the learning record store's endpoint too")
		}
		return cfg, nil
	}
	ep, err := xapi.ParseEndpoint(endpoint)
	if err != nil {
		return cfg, fmt.Errorf("--xapi-endpoint: %w", err)
	}
	if cfg.BaseURL == "" {
		return cfg, errors.New("--xapi-endpoint needs --base-url, the address learners open layerlab at: statements name lessons, quizzes and learners by it")
	}
	cfg.Endpoint = ep
	if cfg.Username, cfg.Password, err = xapi.ParseAuth(auth); err != nil {
		return cfg, fmt.Errorf("--xapi-auth: %w", err)
	}
	return cfg, nil
}

// serveGCPercent is serve's GOGC unless the environment sets one.
const serveGCPercent = 200

// loadLibrary loads the simulator's shared catalogs once per process.
func loadLibrary() (*engine.Library, error) {
	bases, err := base.Load()
	if err != nil {
		return nil, fmt.Errorf("loading base images: %w", err)
	}
	pkgs, err := pkg.Load()
	if err != nil {
		return nil, fmt.Errorf("loading package catalog: %w", err)
	}
	return engine.NewLibrary(bases, pkgs)
}
