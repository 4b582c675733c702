package mimetext

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, raw           string
		subject, text, html string
		wantErr             bool
	}{
		{
			name:    "plain, no content type",
			raw:     "Subject: =?utf-8?q?R=C3=A9initialisation?=\r\n\r\nBonjour\r\n",
			subject: "Réinitialisation", text: "Bonjour\r\n",
		},
		{
			name: "alternative, quoted-printable and base64",
			raw: "Subject: s\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
				"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nlien=C3=A9 https://x/#t=\r\nok\r\n" +
				"--b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+\r\nbGllbjwvcD4=\r\n" +
				"--b--\r\n",
			subject: "s", text: "lien\u00e9 https://x/#tok", html: "<p>lien</p>",
		},
		{
			name: "nested mixed with an attachment",
			raw: "Subject: s\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n" +
				"--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n" +
				"--i\r\nContent-Type: text/plain\r\n\r\ncode 123456\r\n--i--\r\n" +
				"--o\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--o--\r\n",
			subject: "s", text: "code 123456",
		},
		{name: "bad content type", raw: "Subject: s\r\nContent-Type: ;;\r\n\r\nx", wantErr: true},
		{name: "not a message", raw: "no header line", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.raw))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Parse: %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if m.Subject != tt.subject || m.Text != tt.text || m.HTML != tt.html {
				t.Errorf("got subject %q text %q html %q, want %q %q %q", m.Subject, m.Text, m.HTML, tt.subject, tt.text, tt.html)
			}
		})
	}
}

func TestParseTooDeep(t *testing.T) {
	var b strings.Builder
	b.WriteString("Subject: s\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := range maxDepth + 2 {
		b.WriteString("--b" + string(rune('0'+i)) + "\r\nContent-Type: multipart/mixed; boundary=b" + string(rune('1'+i)) + "\r\n\r\n")
	}
	if _, err := Parse([]byte(b.String())); err == nil {
		t.Fatal("a message nested past the bound parsed")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("Subject: s\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, _ = Parse(raw) // no panic, bounded depth
	})
}
