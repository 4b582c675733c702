package identity_test

import (
	"errors"
	"testing"

	"sesame/shared/identity"
)

func TestParseMemberNumber(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"123456", "123456", true},
		{"1234567890", "1234567890", true},
		{"12 34 56 78", "12345678", true},
		{"0012345678", "0012345678", true},
		{"\u00a0123\u202f456\t", "123456", true},
		{"  000000  ", "000000", true},

		{"", "", false},
		{"   ", "", false},
		{"12345", "", false},
		{"12345678901", "", false},
		{"1234 5678 901", "", false},
		{"12345a", "", false},
		{"A123456", "", false},
		{"123-456", "", false},
		{"123.456", "", false},
		{"+123456", "", false},
		{"１２３４５６", "", false},
		{"123456\xff", "", false},
		{"123456\x00", "", false},
	}
	for _, tt := range tests {
		got, err := identity.ParseMemberNumber(tt.in)
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("ParseMemberNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if !tt.ok && (!errors.Is(err, identity.ErrMemberNumber) || got != "") {
			t.Errorf("ParseMemberNumber(%q) = %q, %v; want ErrMemberNumber", tt.in, got, err)
		}
	}
}
