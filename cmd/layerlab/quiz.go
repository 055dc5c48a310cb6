package main

import (
	"context"
	"errors"
)

func runQuiz(ctx context.Context, args []string, e env) error {
	return errors.New("quiz: not available yet")
}

func runInstructor(ctx context.Context, args []string, e env) error {
	return errors.New("instructor: not available yet")
}
