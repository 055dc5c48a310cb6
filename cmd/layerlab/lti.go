package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
)

const ltiUsage = `usage:
  layerlab lti add-platform [--db FILE] --issuer URL --client-id ID --auth-url URL --token-url URL --jwks-url URL [--deployment-id ID ...] [--update]
  layerlab lti platforms [--db FILE]`

// runLTI registers and lists the LMS platforms that may launch the LTI
// 1.3 tool.
func runLTI(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return errors.New(ltiUsage)
	}
	switch args[0] {
	case "add-platform":
		return runLTIAdd(ctx, args[1:], e)
	case "platforms":
		return runLTIList(ctx, args[1:], e)
	}
	return errors.New(ltiUsage)
}

func runLTIAdd(ctx context.Context, args []string, e env) error {
	fs := newFlags("lti add-platform", e)
	dbPath := fs.String("db", envDefault(e, "DB", "./layerlab.db"), "SQLite database file or postgres:// URL")
	issuer := fs.String("issuer", "", "the platform's issuer (iss of its id_tokens)")
	clientID := fs.String("client-id", "", "the client id the platform gave this tool")
	authURL := fs.String("auth-url", "", "the platform's OIDC authorization endpoint")
	tokenURL := fs.String("token-url", "", "the platform's OAuth 2 token endpoint (for grade passback)")
	jwksURL := fs.String("jwks-url", "", "the platform's public keyset URL")
	var deployments listFlag
	fs.Var(&deployments, "deployment-id", "a deployment id the platform launches with (repeatable; none: any)")
	update := fs.Bool("update", false, "change the URLs and deployments of the platform already registered with this issuer and client id (its learners and scores stay)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("lti add-platform takes no arguments, got %q", fs.Args())
	}
	p := web.LTIPlatform{Issuer: *issuer, ClientID: strings.TrimSpace(*clientID), AuthURL: *authURL, TokenURL: *tokenURL, JWKSURL: *jwksURL, Added: time.Now()}
	if p.ClientID == "" || len(p.ClientID) > 255 {
		return errors.New("lti add-platform: --client-id is required (at most 255 characters)")
	}
	for _, f := range []struct{ flag, v string }{{"--issuer", p.Issuer}, {"--auth-url", p.AuthURL}, {"--token-url", p.TokenURL}, {"--jwks-url", p.JWKSURL}} {
		if err := checkPlatformURL(f.v); err != nil {
			return fmt.Errorf("lti add-platform: %s: %w", f.flag, err)
		}
	}
	for _, d := range deployments {
		if d = strings.TrimSpace(d); d == "" || len(d) > 255 {
			return errors.New("lti add-platform: a --deployment-id is empty or longer than 255 characters")
		}
		p.Deployments = append(p.Deployments, d)
	}
	db, _, _, err := openDatabase(ctx, *dbPath, sqlite.DurabilityNormal)
	if err != nil {
		return err
	}
	defer db.Close()
	if *update {
		found, err := db.UpdatePlatform(ctx, p)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("lti add-platform --update: no platform %s with client id %s is registered", p.Issuer, p.ClientID)
		}
		fmt.Fprintf(e.stdout, "platform %s (client id %s) updated\n", p.Issuer, p.ClientID)
		return nil
	}
	if _, err := db.AddPlatform(ctx, p); err != nil {
		if errors.Is(err, web.ErrPlatformExists) {
			return fmt.Errorf("lti add-platform: %s (%s, %s); change it with --update", err, p.Issuer, p.ClientID)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "platform %s (client id %s) may now launch this server's lessons and quizzes\n", p.Issuer, p.ClientID)
	fmt.Fprintln(e.stdout, "in the LMS, register the tool with: login URL /lti/login, redirect and deep linking URL /lti/launch, keyset URL /lti/jwks.json")
	return nil
}

// checkPlatformURL accepts https URLs, and http ones on the loopback
// interface (a platform on the same machine, while trying things out).
func checkPlatformURL(raw string) error {
	if raw == "" {
		return errors.New("is required")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || len(raw) > 1000 {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("%q must be an https URL (plain http only on localhost)", raw)
}

func runLTIList(ctx context.Context, args []string, e env) error {
	fs := newFlags("lti platforms", e)
	dbPath := fs.String("db", envDefault(e, "DB", "./layerlab.db"), "SQLite database file or postgres:// URL")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, _, _, err := openDatabase(ctx, *dbPath, sqlite.DurabilityNormal)
	if err != nil {
		return err
	}
	defer db.Close()
	ps, err := db.Platforms(ctx)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		fmt.Fprintln(e.stdout, "no LMS platform is registered")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ISSUER\tCLIENT ID\tDEPLOYMENTS\tADDED")
	for _, p := range ps {
		deps := strings.Join(p.Deployments, ",")
		if deps == "" {
			deps = "any"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Issuer, p.ClientID, deps, p.Added.Format("2006-01-02"))
	}
	return tw.Flush()
}
