package errdefs

import (
	"errors"
	"fmt"
	"testing"
)

func TestClassTravelsThroughWrapping(t *testing.T) {
	base := errors.New("No such container: web")
	for _, tc := range []struct {
		err   error
		class Class
		msg   string
	}{
		{NotFound(base), ClassNotFound, "No such container: web"},
		{fmt.Errorf("cannot stop: %w", Conflict(base)), ClassConflict, "cannot stop: No such container: web"},
		// The outermost class wins, as moby's errdefs checks it.
		{Conflict(fmt.Errorf("wrapped: %w", NotFound(base))), ClassConflict, "wrapped: No such container: web"},
		{base, Unclassified, "No such container: web"},
		{InvalidParameter(base), ClassInvalidParameter, "No such container: web"},
		{Unavailable(base), ClassUnavailable, "No such container: web"},
	} {
		if got := ClassOf(tc.err); got != tc.class {
			t.Errorf("ClassOf(%q) = %v, want %v", tc.err, got, tc.class)
		}
		if tc.err.Error() != tc.msg {
			t.Errorf("message %q, want %q: a class never changes the words", tc.err, tc.msg)
		}
		if FromDaemon(tc.err) != (tc.class != Unclassified) {
			t.Errorf("FromDaemon(%q) = %v", tc.err, FromDaemon(tc.err))
		}
	}
	if !errors.Is(NotFound(base), base) {
		t.Error("a classified error must unwrap to what it wraps")
	}
	if NotFound(nil) != nil {
		t.Error("classifying nil must stay nil")
	}
}

func TestStatusCodes(t *testing.T) {
	for c, want := range map[Class]int{ClassNotFound: 404, ClassConflict: 409, ClassInvalidParameter: 400,
		ClassForbidden: 403, ClassUnavailable: 503, ClassSystem: 500, Unclassified: 0, Class(99): 0} {
		if got := c.StatusCode(); got != want {
			t.Errorf("%v.StatusCode() = %d, want %d", c, got, want)
		}
	}
	if s := Class(-1).String(); s != "unclassified" {
		t.Errorf("Class(-1) = %q", s)
	}
}
