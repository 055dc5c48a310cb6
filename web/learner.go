package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

const learnerCookie = "layerlab_learner"

// Learner cookies are "ID.MAC": a random id (32 hex digits) and the first
// 16 bytes of HMAC-SHA256(server key, "learner:"+ID) in hex. A client can
// no longer make up ids to get past the limit on new sessions per address.
//
// Cookies from before signing (a bare id) are accepted once when the
// server has a session or lesson progress stored under that id, and
// answered with the signed cookie; a bare id the server does not know is a
// new learner, counted like any other.
const learnerMACLen = 32

// loadKey reads the key learner cookies are signed with, a secret the
// store makes on first start and keeps (every node sharing the store signs
// with it); without a store (tests that build a Server by hand) the key
// lives as long as the process.
func (s *Server) loadKey() {
	if s.Secrets != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		key, err := s.Secrets.Secret(ctx, "learner-cookie")
		if err == nil && len(key) >= 32 {
			s.key = key
			return
		}
		s.log.Error("no learner-cookie key in the store: learner cookies last until a restart", "err", err)
	}
	s.key = make([]byte, 32)
	rand.Read(s.key)
}

func (s *Server) mac(purpose, id string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose + ":" + id))
	return hex.EncodeToString(m.Sum(nil))
}

// signLearner is the cookie value for a learner id.
func (s *Server) signLearner(id string) string {
	return id + "." + s.mac("learner", id)[:learnerMACLen]
}

// verifyLearner returns the id a cookie value names when this server
// signed it.
func (s *Server) verifyLearner(v string) (string, bool) {
	id, sig, ok := strings.Cut(v, ".")
	if !ok || !validToken(id) || len(sig) != learnerMACLen {
		return "", false
	}
	return id, hmac.Equal([]byte(sig), []byte(s.mac("learner", id)[:learnerMACLen]))
}

// pseudonym is how exports name a learner: stable for one server, and not
// the cookie that would let the reader act as the learner.
func (s *Server) pseudonym(learner string) string {
	if learner == "" {
		return ""
	}
	return "l-" + s.mac("pseudonym", learner)[:12]
}

// signedLearner is the learner a request's cookie names, when it is signed.
func (s *Server) signedLearner(c echo.Context) (string, bool) {
	ck, err := c.Cookie(learnerCookie)
	if err != nil {
		return "", false
	}
	return s.verifyLearner(ck.Value)
}

// knownLegacyLearner is a bare id from before signing that the server has
// something stored under.
func (s *Server) knownLegacyLearner(c echo.Context) (string, bool) {
	ck, err := c.Cookie(learnerCookie)
	if err != nil || !validToken(ck.Value) {
		return "", false
	}
	if s.Learners == nil {
		return "", false
	}
	known, err := s.Learners.KnownLearner(c.Request().Context(), ck.Value)
	if err != nil {
		s.log.Error("looking up a learner", "err", err)
		return "", false
	}
	return ck.Value, known
}

// requestLearner is the learner a request's cookie names; isNew says the
// id was just made, and cookie, when not nil, must be sent back (a new or
// re-signed learner).
func (s *Server) requestLearner(c echo.Context) (id string, cookie *http.Cookie, isNew bool) {
	if id, ok := s.signedLearner(c); ok {
		return id, nil, false
	}
	id, ok := s.knownLegacyLearner(c)
	if !ok {
		id, isNew = newToken(), true
	}
	return id, &http.Cookie{
		Name: learnerCookie, Value: s.signLearner(id), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies || c.Scheme() == "https",
	}, isNew
}

// learnerID returns the anonymous learner id from its cookie, setting a new
// (or re-signed) one when needed.
func (s *Server) learnerID(c echo.Context) string {
	id, ck, _ := s.requestLearner(c)
	if ck != nil {
		c.SetCookie(ck)
	}
	return id
}

// newLearnerLimiter counts requests that would store a new learner's
// session (a socket or a share link without a signed learner cookie) per
// client address. The burst is generous because a whole classroom may
// share one address behind a NAT and arrive at once.
func (s *Server) newLearnerLimiter() echo.MiddlewareFunc {
	burst := s.cfg.NewSessionBurst
	if burst <= 0 {
		burst = 300
	}
	return s.addressLimiter(rate.Limit(5), burst, "too many new sessions from this address; wait a moment",
		func(c echo.Context) bool {
			_, ok := s.signedLearner(c)
			return ok
		})
}

// reconnectLimiter counts sockets per signed learner: a tab reconnects
// after a blip or a reload, not many times a second. The burst is a
// handful of tabs and reloads; past it, one socket every two seconds.
func (s *Server) reconnectLimiter() echo.MiddlewareFunc {
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Every(2 * time.Second), Burst: 10, ExpiresIn: 3 * time.Minute,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Skipper: func(c echo.Context) bool {
			_, ok := s.signedLearner(c)
			return !ok // counted per address by newLearnerLimiter instead
		},
		Store: store,
		IdentifierExtractor: func(c echo.Context) (string, error) {
			id, _ := s.signedLearner(c)
			return id, nil
		},
		DenyHandler: func(c echo.Context, id string, err error) error {
			return echo.NewHTTPError(http.StatusTooManyRequests, "this console reconnected too often; wait a moment")
		},
	})
}

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// validToken says whether s has the shape of a learner id.
func validToken(s string) bool {
	if len(s) != 32 {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}
