package web

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
)

// Failed instructor logins are counted per account as well as per address
// (many addresses can guess one account's password). The first few
// failures are free; after that each failure makes the account wait twice
// as long as the last, up to loginMaxWait, before the next attempt is even
// checked. A success clears the count. Unknown emails are counted the same
// way, so the answer never tells whether an account exists.
const (
	loginFreeFailures = 3
	loginFirstWait    = time.Second
	loginMaxWait      = 15 * time.Minute
	loginForget       = time.Hour // a count with no failure for this long is dropped
	maxLoginAccounts  = 10000     // accounts tracked at once
)

type loginBackoff struct {
	mu       sync.Mutex
	accounts map[string]*loginFailures
}

type loginFailures struct {
	n     int
	until time.Time // no attempt is checked before
	last  time.Time
}

// wait is how long an account must still wait before an attempt; 0 lets
// it through.
func (b *loginBackoff) wait(email string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.accounts[strings.ToLower(email)]
	if f == nil || !now.Before(f.until) {
		return 0
	}
	return f.until.Sub(now)
}

// failed counts a failed attempt.
func (b *loginBackoff) failed(email string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.accounts == nil {
		b.accounts = map[string]*loginFailures{}
	}
	key := strings.ToLower(email)
	f := b.accounts[key]
	if f == nil {
		if len(b.accounts) >= maxLoginAccounts {
			b.sweep(now)
		}
		f = &loginFailures{}
		b.accounts[key] = f
	}
	f.n++
	f.last = now
	if over := f.n - loginFreeFailures; over > 0 {
		wait := time.Duration(float64(loginFirstWait) * math.Exp2(float64(min(over-1, 20))))
		f.until = now.Add(min(wait, loginMaxWait))
	}
}

// succeeded clears an account's count.
func (b *loginBackoff) succeeded(email string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.accounts, strings.ToLower(email))
}

// sweep drops counts that are old; if none are, the oldest half, so the
// map stays bounded whatever the traffic.
func (b *loginBackoff) sweep(now time.Time) {
	for k, f := range b.accounts {
		if now.Sub(f.last) > loginForget {
			delete(b.accounts, k)
		}
	}
	for k := range b.accounts {
		if len(b.accounts) < maxLoginAccounts/2 {
			break
		}
		delete(b.accounts, k)
	}
}

func backoffMessage(wait time.Duration) string {
	return fmt.Sprintf("Too many failed logins for this account: wait %d s before trying again.", int(math.Ceil(wait.Seconds())))
}
