//go:build sesame_testhooks

package captcha

import (
	"context"
	"errors"
	"testing"
)

func TestPeek(t *testing.T) {
	s := newService(t, Options{})
	ctx := context.Background()
	id := create(t, s)
	a, err := s.Peek(ctx, id)
	if err != nil || a != answer(t, s, id) {
		t.Fatalf("Peek: %q, %v", a, err)
	}
	if b, _ := s.Peek(ctx, id); b != a {
		t.Fatal("Peek consumed or changed the challenge")
	}
	if err := s.Verify(ctx, id, a); err != nil {
		t.Fatalf("Verify(Peek answer): %v", err)
	}
	if _, err := s.Peek(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Peek after use: %v", err)
	}
}
