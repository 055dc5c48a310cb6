package web

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/layerlab/layerlab/web/ui"
)

// Class is an instructor's group of learners; learners join it with the
// link /join/{Code}.
type Class struct {
	ID         int64
	Code, Name string
	Created    time.Time
	// Owner is the email of the instructor who made the class; the
	// instructors they invited see it too.
	Owner string
}

// ClassMember is a learner in a class: their anonymous learner id and the
// display name they chose, if any.
type ClassMember struct {
	Learner, Name string
	Joined        time.Time
}

// ClassStore keeps instructors' classes and who joined them.
type ClassStore interface {
	// CreateClass makes a class owned by the instructor with the email.
	CreateClass(ctx context.Context, instructor, name, code string, at time.Time) (Class, error)
	// Classes lists the classes an instructor owns or was invited to,
	// oldest first.
	Classes(ctx context.Context, instructor string) ([]Class, error)
	ClassByCode(ctx context.Context, code string) (Class, bool, error)
	// JoinClass makes a learner a member, or changes their display name
	// when they are one already.
	JoinClass(ctx context.Context, class int64, learner, name string, at time.Time) error
	// ClassMembers lists a class's members in the order they joined.
	ClassMembers(ctx context.Context, class int64) ([]ClassMember, error)
	// InviteInstructor lets the instructor with the email see the class;
	// found is false when no account has that email. Inviting twice, or
	// the owner, changes nothing.
	InviteInstructor(ctx context.Context, class int64, email string, at time.Time) (found bool, err error)
	// ClassInstructors lists the emails of the instructors invited to a
	// class (not its owner), in the order they were added.
	ClassInstructors(ctx context.Context, class int64) ([]string, error)
	// SetClassInvite makes tokenHash the class's one invite link for
	// instructors, until expires; an older link stops working.
	SetClassInvite(ctx context.Context, class int64, tokenHash string, expires time.Time) error
	// AcceptClassInvite adds the instructor with the email to the class
	// whose unexpired invite link has tokenHash; found is false when
	// there is no such link.
	AcceptClassInvite(ctx context.Context, tokenHash, email string, now time.Time) (c Class, found bool, err error)
}

// Limits on what an instructor and a learner type.
const (
	maxClassName   = 80 // runes
	maxDisplayName = 40 // runes
	maxClasses     = 200
)

func (s *Server) classRoutes(e *echo.Echo, auth *echo.Group) {
	is := s.Instructors
	auth.POST("/classes", func(c echo.Context) error { return s.createClass(c, is) })
	s.learnerRoutes(auth, is)
	j := e.Group("/join")
	j.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf",
		CookieName:     "layerlab_join_csrf",
		CookiePath:     "/join",
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteStrictMode,
		CookieSecure:   s.cfg.SecureCookies,
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden, "the form was stale or not sent from this site; reload the page and try again")
		},
	}))
	j.GET("/:code", func(c echo.Context) error { return s.joinClass(c, is) })
	j.POST("/:code", func(c echo.Context) error { return s.joinClass(c, is) })
}

// cleanName trims a typed name and refuses one that is too long or holds
// control characters.
func cleanName(raw string, limit int, what string) (string, error) {
	name := strings.Join(strings.Fields(raw), " ")
	if utf8.RuneCountInString(name) > limit {
		return "", fmt.Errorf("%w: %s is longer than %d characters", errBadRequest, what, limit)
	}
	for _, r := range name {
		if unicode.IsControl(r) || !utf8.ValidRune(r) || r == utf8.RuneError {
			return "", fmt.Errorf("%w: %s holds characters that cannot be shown", errBadRequest, what)
		}
	}
	return name, nil
}

func (s *Server) createClass(c echo.Context, is InstructorStore) error {
	ctx := c.Request().Context()
	email, _ := c.Get("instructor").(string)
	name, err := cleanName(c.FormValue("name"), maxClassName, "a class name")
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("%w: give the class a name", errBadRequest)
	}
	have, err := is.Classes(ctx, email)
	if err != nil {
		return err
	}
	owned := 0
	for _, cl := range have {
		if strings.EqualFold(cl.Owner, strings.TrimSpace(email)) {
			owned++
		}
	}
	if owned >= maxClasses {
		return fmt.Errorf("%w: an instructor has at most %d classes", errBadRequest, maxClasses)
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("making a join code: %w", err)
	}
	code := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	cl, err := is.CreateClass(ctx, email, name, code, s.now())
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/instructor?class="+strconv.FormatInt(cl.ID, 10))
}

func validJoinCode(code string) bool {
	if code == "" || len(code) > 32 {
		return false
	}
	for _, r := range code {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}

// joinClass: opening the link makes the learner (their anonymous learner
// id, made now if they have none) a member; the form on the page sets the
// display name they choose. A name left empty keeps the one they had.
func (s *Server) joinClass(c echo.Context, is InstructorStore) error {
	ctx := c.Request().Context()
	code := c.Param("code")
	if !validJoinCode(code) {
		return fmt.Errorf("%w", errNotFound)
	}
	cl, found, err := is.ClassByCode(ctx, code)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w", errNotFound)
	}
	name := ""
	if c.Request().Method == http.MethodPost {
		if name, err = cleanName(c.FormValue("name"), maxDisplayName, "a display name"); err != nil {
			return err
		}
	}
	learner := s.learnerID(c)
	if err := is.JoinClass(ctx, cl.ID, learner, name, s.now()); err != nil {
		return err
	}
	tok, _ := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string)
	return s.render(c, http.StatusOK, ui.JoinClass(ui.JoinView{Class: cl.Name, Code: cl.Code, CSRF: tok, Name: name, Saved: name != ""}))
}

// classFilter is the class ?class= names, which must be one of the
// instructor's own; 0 for none.
func classFilter(c echo.Context, classes []Class) (Class, error) {
	raw := c.QueryParam("class")
	if raw == "" {
		return Class{}, nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err == nil {
		for _, cl := range classes {
			if cl.ID == id {
				return cl, nil
			}
		}
	}
	return Class{}, fmt.Errorf("%w: you have no class %q", errNotFound, raw)
}

// classViews are the instructor's classes for the dashboard, with the
// join link each one has and its members when it is the one shown.
func (s *Server) classViews(c echo.Context, is InstructorStore, classes []Class, shown Class) ([]ui.ClassRow, []ui.MemberRow, error) {
	base := c.Scheme() + "://" + c.Request().Host
	var rows []ui.ClassRow
	for _, cl := range classes {
		row := ui.ClassRow{ID: strconv.FormatInt(cl.ID, 10), Name: cl.Name, Link: base + "/join/" + cl.Code, Shown: cl.ID == shown.ID}
		if !ownsClass(c, cl) {
			row.Owner = cl.Owner
		}
		rows = append(rows, row)
	}
	if shown.ID == 0 {
		return rows, nil, nil
	}
	members, err := is.ClassMembers(c.Request().Context(), shown.ID)
	if err != nil {
		return nil, nil, err
	}
	var ms []ui.MemberRow
	for _, m := range members {
		p := s.pseudonym(m.Learner)
		ms = append(ms, ui.MemberRow{Learner: p, Name: m.Name, URL: learnerURL(shown.ID, p)})
	}
	return rows, ms, nil
}

// learnerClasses names, for the CSV, the instructor's classes each
// learner is in.
func learnerClasses(ctx context.Context, is InstructorStore, classes []Class) (map[string]string, error) {
	out := map[string]string{}
	for _, cl := range classes {
		members, err := is.ClassMembers(ctx, cl.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			if out[m.Learner] != "" {
				out[m.Learner] += "; "
			}
			out[m.Learner] += cl.Name
		}
	}
	return out, nil
}
