package identity_test

import (
	"fmt"
	"testing"

	"sesame/shared/identity"
)

func TestMaskEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"thomas.martin@tutanota.com", "t***@t***.com"},
		{"jean@mail.example.fr", "j***@m***.fr"},
		{"Thomas@Tutanota.COM", "T***@t***.com"},
		{"  x@y.org\n", "x***@y***.org"},
		{"a@b.co", "a***@b***.co"},
		{"élodie@free.fr", "é***@f***.fr"}, // RFC 6531 local part: masked, not refused
		{"e\u0301lodie@free.fr", "e***@f***.fr"},
		{"jean@école.fr", "j***@é***.fr"},
		{"jean@ÉCOLE.FR", "j***@é***.fr"},
		{"ivan@пример.рф", "i***@п***.рф"},
		{"user+tag@example.fr", "u***@e***.fr"},
		{"+tag@example.fr", "+***@e***.fr"},
		{"日本@例え.jp", "日***@例***.jp"},

		// Degenerate inputs reveal nothing.
		{"", "***"},
		{"   ", "***"},
		{"@", "***"},
		{"a@", "***"},
		{"@b.com", "***"},
		{"abc", "***"},
		{"a@b", "***"},
		{"a@b.", "***"},
		{"a@.com", "***"},
		{"a@b..com", "***"},
		{"a@b.123", "***"},
		{"a@b@c.com", "***"},
		{"a b@c.com", "***"},
		{`"a"@b.com`, "***"},
		{"\u0301a@b.com", "***"},
		{"a\u202e@b.com", "***"},
		{"a\x00@b.com", "***"},
		{"\xff\xfe", "***"},
		{"\xff@b.com", "***"},
		{"a@b\x00.com", "***"},
		{"a@[127.0.0.1]", "***"},
	}
	for _, tt := range tests {
		if got := identity.MaskEmail(tt.in); got != tt.want {
			t.Errorf("MaskEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"06 12 34 56 74", "** ** ** 74"},
		{"0612345674", "** ** ** 74"},
		{"+33 6 12 34 56 74", "** ** ** 74"},
		{"+33 (0)6 12 34 56 74", "** ** ** 74"},
		{"01.23.45.67.89", "** ** ** 89"},
		{"01-23-45-67-89", "** ** ** 89"},
		{"\u00a006\u202f12 34 56 74 ", "** ** ** 74"},
		{"1234", "** ** ** 34"},
		{"123456789012345", "** ** ** 45"},

		{"", "***"},
		{"74", "***"},
		{"123", "***"},
		{"1234567890123456", "***"},
		{"06 12 34 56 7a", "***"},
		{"tel:0612345674", "***"},
		{"06/12/34/56/74", "***"},
		{"０６12345674", "***"},
		{"0612345674\xff", "***"},
		{"0612345674\x00", "***"},
	}
	for _, tt := range tests {
		if got := identity.MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func ExampleMaskEmail() {
	fmt.Println(identity.MaskEmail("thomas.martin@tutanota.com"))
	fmt.Println(identity.MaskEmail("jean@mail.example.fr"))
	fmt.Println(identity.MaskEmail("not an address"))
	// Output:
	// t***@t***.com
	// j***@m***.fr
	// ***
}

func ExampleMaskPhone() {
	fmt.Println(identity.MaskPhone("06 12 34 56 74"))
	// Output: ** ** ** 74
}
