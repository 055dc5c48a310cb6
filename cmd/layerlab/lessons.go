package main

import (
	"context"
	"errors"
)

func runLessons(ctx context.Context, args []string, e env) error {
	return errors.New("lessons: not available yet")
}
