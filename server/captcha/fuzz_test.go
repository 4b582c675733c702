package captcha

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// FuzzVerify: any id and answer give nil, ErrWrong or ErrNotFound, never a
// panic or another error. An empty id stands for a live challenge's id, so
// the answer side is fuzzed against real challenges too.
func FuzzVerify(f *testing.F) {
	s := newService(f, Options{})
	for _, seed := range []struct{ id, answer string }{
		{"", ""}, {"", "123456"}, {"", " 1 2 3 4 5 6 "}, {"", "\u00a0１２３\xff"},
		{"AAAAAAAAAAAAAAAAAAAAAA", "000000"}, {"AAAAAAAAAAAAAAAAAAAAA=", "0"},
		{"../captcha/", "x"}, {"\x00", "\x00"},
	} {
		f.Add(seed.id, seed.answer)
	}
	f.Fuzz(func(t *testing.T, id, answer string) {
		ctx := context.Background()
		live := id == ""
		if live {
			id = create(t, s)
		}
		if err := s.WriteImage(ctx, &bytes.Buffer{}, id); live != (err == nil) {
			t.Fatalf("WriteImage(%q): %v", id, err)
		}
		err := s.Verify(ctx, id, answer)
		switch {
		case err == nil, errors.Is(err, ErrWrong):
			if !live {
				t.Fatalf("Verify(%q) of an unknown id: %v", id, err)
			}
		case errors.Is(err, ErrNotFound):
			if live {
				t.Fatalf("Verify of a live challenge: ErrNotFound")
			}
		default:
			t.Fatalf("Verify(%q, %q): %v", id, answer, err)
		}
		if err := s.Verify(ctx, id, answer); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second Verify(%q): %v", id, err)
		}
	})
}
