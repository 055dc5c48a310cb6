package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/layerlab/layerlab/web"
)

// unavailable marks err with web.ErrUnavailable when it says the server
// cannot be reached or is going away, rather than that the query was
// wrong: the caller tells its client to try again.
func unavailable(err error) error {
	if err == nil || errors.Is(err, web.ErrUnavailable) {
		return err
	}
	var pgErr *pgconn.PgError
	var netErr net.Error
	switch {
	case errors.As(err, &pgErr):
		// Class 08 is connection exceptions, 57P shutdown and restart.
		code := pgErr.Code
		if len(code) >= 2 && code[:2] == "08" || len(code) >= 3 && code[:3] == "57P" {
			return fmt.Errorf("%w: %w", web.ErrUnavailable, err)
		}
		return err
	case pgconn.SafeToRetry(err), pgconn.Timeout(err), errors.As(err, &netErr),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, pgconn.ErrConnClosed):
		return fmt.Errorf("%w: %w", web.ErrUnavailable, err)
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return fmt.Errorf("%w: %w", web.ErrUnavailable, err)
	}
	return err
}
