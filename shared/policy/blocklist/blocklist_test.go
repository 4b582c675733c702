package blocklist

import (
	"strings"
	"testing"
)

func TestContains(t *testing.T) {
	tests := []struct {
		word string
		want bool
	}{
		{"123456", true},
		{"password", true},
		{"azerty", true},
		{"motdepasse", true},
		{"soleil", true},
		{"marseille", true},
		{"doudou", true},
		{"qwerty", true},
		{"", false},
		{"xq7!vbzk-lr92", false},
		{"Password", false}, // callers lower-case first
		{"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", false},
	}
	for _, tt := range tests {
		if got := Contains(tt.word); got != tt.want {
			t.Errorf("Contains(%q) = %v, want %v", tt.word, got, tt.want)
		}
	}
}

func TestListShape(t *testing.T) {
	if n := Len(); n < 10000 {
		t.Fatalf("the list holds %d passwords, want at least 10,000", n)
	}
	starts := index()
	prev := ""
	for i := range starts {
		w := line(starts, i)
		if w == "" || w != strings.ToLower(w) {
			t.Fatalf("line %d %q: empty or not lower case", i+1, w)
		}
		if i > 0 && w <= prev {
			t.Fatalf("line %d %q: not sorted after %q", i+1, w, prev)
		}
		if !Contains(w) {
			t.Fatalf("Contains(%q) = false for a listed word", w)
		}
		prev = w
	}
}

func BenchmarkContains(b *testing.B) {
	for b.Loop() {
		Contains("monmotdepasse")
	}
}
