// Package errdefs classifies the simulated daemon's errors the way moby's
// errdefs package classifies the real daemon's: not found, invalid
// parameter, conflict, and so on. A class travels with the error through
// fmt.Errorf's %w, so a caller can branch on it (IsNotFound) without
// matching words, and the docker CLI can tell a daemon's refusal, which it
// prints after "Error response from daemon: ", from its own.
//
// The daemon's messages never carry that prefix themselves: in Docker it is
// the client library that adds it to every error the API answers with.
package errdefs

import "errors"

// Class is the kind of failure, as moby's errdefs interfaces name them.
type Class int

// The classes the simulated daemon uses, with the HTTP status the real
// daemon's API answers each with.
const (
	Unclassified          Class = iota // not a daemon error
	ClassNotFound                      // no such object (404)
	ClassInvalidParameter              // the request itself is wrong (400)
	ClassConflict                      // the object's state forbids it: running, in use, name taken (409)
	ClassUnauthorized                  // no credentials (401)
	ClassForbidden                     // credentials, but not allowed (403)
	ClassUnavailable                   // a limit reached or a service missing (503)
	ClassNotImplemented                // the simulator does not model it (501)
	ClassSystem                        // anything else that went wrong inside (500)
)

var classNames = [...]string{"unclassified", "not found", "invalid parameter", "conflict",
	"unauthorized", "forbidden", "unavailable", "not implemented", "system"}

var classStatus = [...]int{0, 404, 400, 409, 401, 403, 503, 501, 500}

func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return classNames[0]
	}
	return classNames[c]
}

// StatusCode is the HTTP status the real daemon's API answers a class with;
// 0 for Unclassified.
func (c Class) StatusCode() int {
	if c < 0 || int(c) >= len(classStatus) {
		return 0
	}
	return classStatus[c]
}

// classified is an error with its class; its message is the wrapped one,
// unchanged.
type classified struct {
	class Class
	err   error
}

func (e *classified) Error() string { return e.err.Error() }
func (e *classified) Unwrap() error { return e.err }

// As classifies err; nil stays nil.
func As(c Class, err error) error {
	if err == nil || c == Unclassified {
		return err
	}
	return &classified{class: c, err: err}
}

// ClassOf is the class of err: the outermost one when an error of one class
// was wrapped into another, Unclassified when it has none.
func ClassOf(err error) Class {
	var c *classified
	if errors.As(err, &c) {
		return c.class
	}
	return Unclassified
}

// FromDaemon reports whether err is the daemon's answer (it has a class),
// rather than a failure of the CLI itself.
func FromDaemon(err error) bool { return ClassOf(err) != Unclassified }

// NotFound classifies err as "no such object".
func NotFound(err error) error { return As(ClassNotFound, err) }

// InvalidParameter classifies err as a request the daemon cannot accept.
func InvalidParameter(err error) error { return As(ClassInvalidParameter, err) }

// Conflict classifies err as refused by the object's current state.
func Conflict(err error) error { return As(ClassConflict, err) }

// Unauthorized classifies err as missing credentials.
func Unauthorized(err error) error { return As(ClassUnauthorized, err) }

// Forbidden classifies err as not allowed, whatever the credentials.
func Forbidden(err error) error { return As(ClassForbidden, err) }

// Unavailable classifies err as a limit reached or a service missing.
func Unavailable(err error) error { return As(ClassUnavailable, err) }

// NotImplemented classifies err as outside what the simulator models.
func NotImplemented(err error) error { return As(ClassNotImplemented, err) }

// System classifies err as an internal failure.
func System(err error) error { return As(ClassSystem, err) }

// IsNotFound reports whether err is of ClassNotFound.
func IsNotFound(err error) bool { return ClassOf(err) == ClassNotFound }

// IsInvalidParameter reports whether err is of ClassInvalidParameter.
func IsInvalidParameter(err error) bool { return ClassOf(err) == ClassInvalidParameter }

// IsConflict reports whether err is of ClassConflict.
func IsConflict(err error) bool { return ClassOf(err) == ClassConflict }

// IsForbidden reports whether err is of ClassForbidden.
func IsForbidden(err error) bool { return ClassOf(err) == ClassForbidden }

// IsUnavailable reports whether err is of ClassUnavailable.
func IsUnavailable(err error) bool { return ClassOf(err) == ClassUnavailable }
