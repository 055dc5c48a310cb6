package web

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
	"golang.org/x/time/rate"
)

// The keys of LTI: the tool's own RSA key, which signs deep-linking
// responses and client assertions and is published at /lti/jwks.json,
// and the platforms' public keys, fetched from their JWKS URLs.

const (
	// maxJWKSBytes bounds a platform's key set; real ones are a few KB.
	maxJWKSBytes = 256 << 10
	// jwksMaxAge is how long a fetched key set is used before it is
	// fetched again.
	jwksMaxAge = time.Hour
)

// ltiKeys holds the tool key, made or read once, and the platforms' key
// sets.
type ltiKeys struct {
	mu   sync.Mutex
	priv jwk.Key // nil until first use
	pub  jwk.Key

	setsMu sync.Mutex
	sets   map[string]*platformKeys // by JWKS URL
}

// platformKeys is one platform's key set as last fetched. refetch limits
// the fetches an unknown kid may cause, so tokens naming made-up kids
// cannot turn the tool against the platform.
type platformKeys struct {
	mu      sync.Mutex
	set     jwk.Set
	fetched time.Time
	refetch *rate.Limiter
}

// toolKey is the tool's private key, from the store (made there on first
// use, so every node signs with the same one).
func (s *Server) toolKey(ctx context.Context) (priv, pub jwk.Key, err error) {
	k := &s.ltiKeys
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.priv != nil {
		return k.priv, k.pub, nil
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("making the LTI tool key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		return nil, nil, fmt.Errorf("making the LTI tool key: %w", err)
	}
	stored, err := s.LTI.ToolKey(ctx, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		return nil, nil, err
	}
	block, _ := pem.Decode(stored)
	if block == nil {
		return nil, nil, errors.New("the stored LTI tool key is not PEM")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the stored LTI tool key: %w", err)
	}
	if priv, err = jwk.Import(parsed); err != nil {
		return nil, nil, fmt.Errorf("reading the stored LTI tool key: %w", err)
	}
	tp, err := priv.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, nil, err
	}
	kid := base64.RawURLEncoding.EncodeToString(tp)
	priv.Set(jwk.KeyIDKey, kid)
	priv.Set(jwk.AlgorithmKey, jwa.RS256())
	if pub, err = priv.PublicKey(); err != nil {
		return nil, nil, err
	}
	pub.Set(jwk.KeyUsageKey, "sig")
	k.priv, k.pub = priv, pub
	return priv, pub, nil
}

// signTool signs claims with the tool key (RS256, its kid in the header).
func (s *Server) signTool(ctx context.Context, claims map[string]any) (string, error) {
	priv, _, err := s.toolKey(ctx)
	if err != nil {
		return "", err
	}
	tok := jwt.New()
	for k, v := range claims {
		if err := tok.Set(k, v); err != nil {
			return "", fmt.Errorf("claim %s: %w", k, err)
		}
	}
	b, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256(), priv))
	if err != nil {
		return "", fmt.Errorf("signing: %w", err)
	}
	return string(b), nil
}

// ltiJWKS serves the tool's public key set.
func (s *Server) ltiJWKS(c echo.Context) error {
	_, pub, err := s.toolKey(c.Request().Context())
	if err != nil {
		return err
	}
	set := jwk.NewSet()
	set.AddKey(pub)
	b, err := json.Marshal(set)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "application/json", b)
}

// platformKey finds the key a platform signed with: from the cached set,
// or, for a kid the set does not hold (the platform rotated its keys), a
// set fetched again.
func (s *Server) platformKey(ctx context.Context, jwksURL, kid string) (jwk.Key, error) {
	k := &s.ltiKeys
	k.setsMu.Lock()
	if k.sets == nil {
		k.sets = map[string]*platformKeys{}
	}
	pk := k.sets[jwksURL]
	if pk == nil {
		pk = &platformKeys{refetch: rate.NewLimiter(rate.Every(10*time.Second), 3)}
		k.sets[jwksURL] = pk
	}
	k.setsMu.Unlock()

	pk.mu.Lock()
	defer pk.mu.Unlock()
	stale := pk.set == nil || s.now().Sub(pk.fetched) > jwksMaxAge
	if !stale {
		if key, ok := pk.set.LookupKeyID(kid); ok {
			return key, nil
		}
		if !pk.refetch.Allow() {
			return nil, fmt.Errorf("the platform's key set has no key %q", kid)
		}
	}
	set, err := s.fetchJWKS(ctx, jwksURL)
	if err != nil {
		if pk.set != nil {
			if key, ok := pk.set.LookupKeyID(kid); ok {
				return key, nil // the old set still knows it
			}
		}
		return nil, err
	}
	pk.set, pk.fetched = set, s.now()
	if key, ok := set.LookupKeyID(kid); ok {
		return key, nil
	}
	return nil, fmt.Errorf("the platform's key set has no key %q", kid)
}

func (s *Server) fetchJWKS(ctx context.Context, jwksURL string) (jwk.Set, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jwksURL, nil)
	if err != nil {
		return nil, fmt.Errorf("the platform's key set URL: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.ltiClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching the platform's key set: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching the platform's key set: %s answered %s", jwksURL, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetching the platform's key set: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("the platform's key set is larger than %d KB", maxJWKSBytes>>10)
	}
	set, err := jwk.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("the platform's key set cannot be read: %w", err)
	}
	return set, nil
}

// ltiClient is the HTTP client for platforms: bounded in time.
func (s *Server) ltiClient() *http.Client {
	return &http.Client{Timeout: 15 * time.Second}
}
