package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Assignment and Grade Services: when a learner launched from an LMS
// with a line item completes the lesson, or answers a question of the
// quiz, the tool posts their score to the line item's /scores. A lesson
// scores its steps, all of them once completed. A quiz scores its
// questions whose latest answer is right, out of all of them; it is
// "Completed" and "FullyGraded" once every question has an answer, and
// each answer before that sends the score so far as "InProgress" and
// "Pending", so the gradebook follows along.
//
// Scores are stored first (LTIStore.QueueScore) and sent by a background
// sender that retries with backoff: a platform that is down or refuses
// the token gets the score later, and a restart loses nothing. A score
// the platform refuses for good (a 4xx other than 401, 408 or 429) is
// kept, marked failed, and shown in the instructor area.

const (
	scoreContentType = "application/vnd.ims.lis.v1.score+json"
	// scoreLease is how long a node owns the scores it took to send.
	scoreLease = 2 * time.Minute
	// scoreMaxBackoff caps the wait between tries.
	scoreMaxBackoff = time.Hour
	// maxTokenResponse bounds a token endpoint's answer.
	maxTokenResponse = 64 << 10
)

// ltiScorer is the LTI tool's event sink and score sender.
type ltiScorer struct {
	s *Server

	mu      sync.Mutex
	running bool
	again   bool
	timer   *time.Timer

	tokensMu sync.Mutex
	tokens   map[int64]bearer // by platform

	// platforms: whether any platform is registered, asked of the store
	// at most once a second until one is (platformsRegistered).
	platformsMu sync.Mutex
	platforms   bool
	askedAt     time.Time
}

// platformsRecheck is how long "no platform is registered" is believed:
// a platform is registered long before a learner can launch from it and
// answer, so a second is safe, and it spares every answer on a server
// without LTI a look-up of launches that cannot exist (a third of a
// node's work under a quiz's load).
const platformsRecheck = time.Second

// platformsRegistered says whether any LTI platform may be registered.
func (sc *ltiScorer) platformsRegistered(ctx context.Context) bool {
	sc.platformsMu.Lock()
	defer sc.platformsMu.Unlock()
	if sc.platforms {
		return true
	}
	now := time.Now()
	if !sc.askedAt.IsZero() && now.Sub(sc.askedAt) < platformsRecheck {
		return false
	}
	ps, err := sc.s.LTI.Platforms(ctx)
	if err != nil {
		return true // cannot tell: look the launches up
	}
	sc.askedAt, sc.platforms = now, len(ps) > 0
	return sc.platforms
}

type bearer struct {
	token   string
	expires time.Time
}

// LearningEvent queues the scores an event earns: the look-ups and the
// store write happen off the request.
func (sc *ltiScorer) LearningEvent(ctx context.Context, e LearningEvent) {
	var resource string
	switch e.Kind {
	case LessonCompleted:
		resource = "lesson:" + e.Lesson
	case Answered:
		resource = "quiz:" + e.Quiz
	default:
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if !sc.platformsRegistered(ctx) {
			return
		}
		queued, err := sc.queue(ctx, e, resource)
		if err != nil {
			sc.s.log.Error("LTI: queueing a score", "resource", resource, "err", err)
			return
		}
		// Most learners came without a launch: nothing to send, and
		// waking the sender (two queries) for every answer of theirs
		// was a third of a node's work under a quiz's load.
		if queued {
			sc.kick()
		}
	}()
}

// scoreBody is the AGS score message.
type scoreBody struct {
	Timestamp        string  `json:"timestamp"`
	ScoreGiven       float64 `json:"scoreGiven"`
	ScoreMaximum     float64 `json:"scoreMaximum"`
	Comment          string  `json:"comment,omitempty"`
	ActivityProgress string  `json:"activityProgress"`
	GradingProgress  string  `json:"gradingProgress"`
	UserID           string  `json:"userId"`
}

// queue stores the scores e earns for each launch of the learner into
// resource, and says whether there were any.
func (sc *ltiScorer) queue(ctx context.Context, e LearningEvent, resource string) (bool, error) {
	launches, err := sc.s.LTI.Launches(ctx, e.Learner, resource)
	if err != nil || len(launches) == 0 {
		return false, err
	}
	body := scoreBody{Timestamp: e.At.UTC().Format("2006-01-02T15:04:05.000Z07:00")}
	switch e.Kind {
	case LessonCompleted:
		body.ScoreGiven, body.ScoreMaximum = float64(e.Steps), float64(e.Steps)
		body.ActivityProgress, body.GradingProgress = "Completed", "FullyGraded"
		body.Comment = "Completed every step of the lesson."
	case Answered:
		q, ok := sc.s.Quizzes.Quiz(e.Quiz)
		if !ok {
			return false, nil
		}
		latest, err := sc.s.Answers.LatestAnswers(ctx, e.Learner, e.Quiz)
		if err != nil {
			return false, err
		}
		right := 0
		for _, a := range latest {
			if a.Correct {
				right++
			}
		}
		body.ScoreGiven, body.ScoreMaximum = float64(right), float64(len(q.Questions))
		body.ActivityProgress, body.GradingProgress = "InProgress", "Pending"
		if len(latest) >= len(q.Questions) {
			body.ActivityProgress, body.GradingProgress = "Completed", "FullyGraded"
		}
		body.Comment = fmt.Sprintf("%d of %d questions right.", right, len(q.Questions))
	}
	for _, l := range launches {
		body.UserID = l.UserID
		b, _ := json.Marshal(body)
		if err := sc.s.LTI.QueueScore(ctx, LTIScore{Platform: l.Platform, LineItem: l.LineItem, Body: b, NextTry: sc.s.now(), Created: sc.s.now()}); err != nil {
			return false, err
		}
	}
	return true, nil
}

// kick starts the sender unless it runs; a running sender goes round
// once more.
func (sc *ltiScorer) kick() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.running {
		sc.again = true
		return
	}
	sc.running = true
	go sc.send()
}

// send posts every due score, then sleeps until the next one is due.
func (sc *ltiScorer) send() {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		sc.sendDue(ctx)
		cancel()
		sc.mu.Lock()
		if !sc.again {
			sc.running = false
			sc.scheduleNext()
			sc.mu.Unlock()
			return
		}
		sc.again = false
		sc.mu.Unlock()
	}
}

// scheduleNext sets a timer for the earliest score waiting (sc.mu held).
func (sc *ltiScorer) scheduleNext() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	all, err := sc.s.LTI.Scores(ctx)
	if err != nil {
		sc.s.log.Error("LTI: listing scores", "err", err)
		return
	}
	var next time.Time
	for _, x := range all {
		if !x.Failed && (next.IsZero() || x.NextTry.Before(next)) {
			next = x.NextTry
		}
	}
	if next.IsZero() {
		return
	}
	wait := max(next.Sub(sc.s.now()), 100*time.Millisecond)
	if sc.timer != nil {
		sc.timer.Stop()
	}
	sc.timer = time.AfterFunc(wait, sc.kick)
}

func (sc *ltiScorer) sendDue(ctx context.Context) {
	for {
		due, err := sc.s.LTI.DueScores(ctx, sc.s.now(), scoreLease, 20)
		if err != nil {
			sc.s.log.Error("LTI: taking due scores", "err", err)
			return
		}
		if len(due) == 0 {
			return
		}
		for _, x := range due {
			err := sc.post(ctx, x)
			if err == nil {
				if err := sc.s.LTI.ScoreSent(ctx, x.ID); err != nil {
					sc.s.log.Error("LTI: forgetting a sent score", "err", err)
				}
				continue
			}
			var perm permanentError
			failed := errors.As(err, &perm)
			backoff := min(time.Duration(1<<min(x.Attempts, 12))*time.Second, scoreMaxBackoff)
			sc.s.log.Warn("LTI: score not sent", "line_item", x.LineItem, "attempt", x.Attempts, "retry_in", backoff, "given_up", failed, "err", err)
			if err := sc.s.LTI.ScoreRetry(ctx, x.ID, sc.s.now().Add(backoff), shorten(err.Error(), 300), failed); err != nil {
				sc.s.log.Error("LTI: recording a failed score", "err", err)
			}
		}
	}
}

// permanentError is a platform's refusal that trying again will not
// change.
type permanentError struct{ error }

// post sends one score to its line item.
func (sc *ltiScorer) post(ctx context.Context, x LTIScore) error {
	p, ok, err := sc.s.platformByID(ctx, x.Platform)
	if err != nil {
		return err
	}
	if !ok {
		return permanentError{errors.New("the platform is no longer registered")}
	}
	target, err := scoresURL(x.LineItem)
	if err != nil {
		return permanentError{err}
	}
	tok, err := sc.token(ctx, p)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(string(x.Body)))
	if err != nil {
		return permanentError{err}
	}
	req.Header.Set("Content-Type", scoreContentType)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := sc.s.ltiClient().Do(req)
	if err != nil {
		return fmt.Errorf("posting the score: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusUnauthorized:
		sc.forgetToken(p.ID)
		return fmt.Errorf("the platform refused the access token (%s)", resp.Status)
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("the platform answered %s", resp.Status)
	default:
		return permanentError{fmt.Errorf("the platform refused the score: %s", resp.Status)}
	}
}

// scoresURL is a line item's scores endpoint: /scores after its path,
// before its query.
func scoresURL(lineItem string) (string, error) {
	u, err := url.Parse(lineItem)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("the line item %q is not a URL", shorten(lineItem, 100))
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/scores"
	u.RawPath = ""
	return u.String(), nil
}

func (sc *ltiScorer) forgetToken(platform int64) {
	sc.tokensMu.Lock()
	delete(sc.tokens, platform)
	sc.tokensMu.Unlock()
}

// token is an access token for the score scope: cached until shortly
// before it expires, else asked of the platform's token endpoint with a
// client-credentials grant and a JWT client assertion signed by the tool
// (RFC 7523, as the LTI Security Framework asks).
func (sc *ltiScorer) token(ctx context.Context, p LTIPlatform) (string, error) {
	sc.tokensMu.Lock()
	b, ok := sc.tokens[p.ID]
	sc.tokensMu.Unlock()
	if ok && sc.s.now().Before(b.expires) {
		return b.token, nil
	}
	now := sc.s.now()
	assertion, err := sc.s.signTool(ctx, map[string]any{
		"iss": p.ClientID,
		"sub": p.ClientID,
		"aud": []string{p.TokenURL},
		"iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(),
		"jti": newToken(),
	})
	if err != nil {
		return "", err
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
		"scope":                 {scopeScore},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", permanentError{fmt.Errorf("the platform's token URL: %w", err)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := sc.s.ltiClient().Do(req)
	if err != nil {
		return "", fmt.Errorf("asking for an access token: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse))
	if err != nil {
		return "", fmt.Errorf("asking for an access token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the token endpoint answered %s: %s", resp.Status, shorten(strings.TrimSpace(string(raw)), 200))
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(raw, &tr); err != nil || tr.AccessToken == "" || !strings.EqualFold(tr.TokenType, "bearer") {
		return "", errors.New("the token endpoint's answer holds no bearer access token")
	}
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = time.Hour
	}
	sc.tokensMu.Lock()
	if sc.tokens == nil {
		sc.tokens = map[int64]bearer{}
	}
	sc.tokens[p.ID] = bearer{token: tr.AccessToken, expires: now.Add(life - min(life/10, time.Minute))}
	sc.tokensMu.Unlock()
	return tr.AccessToken, nil
}

// runScores sends scores left from before a restart or queued by other
// nodes, and looks again each minute, until ctx ends.
func (sc *ltiScorer) run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	sc.kick()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			sc.kick()
		}
	}
}
