// Package mimetext reads a mail back as a person would: its decoded
// subject and the decoded bodies of its text/plain and text/html parts,
// however they are nested and transfer-encoded. The test SMTP sinks, the
// load generator and the crash test use it to find the links and codes
// Sésame sent.
package mimetext

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// maxDepth bounds the nesting of multipart entities.
const maxDepth = 8

// Message is a parsed mail.
type Message struct {
	Header  mail.Header
	Subject string // RFC 2047 words decoded
	Text    string // text/plain parts, in order
	HTML    string // text/html parts, in order
}

// Parse reads raw, a whole message with its headers.
func Parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("mimetext: %w", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Message{}, fmt.Errorf("mimetext: subject: %w", err)
	}
	m := Message{Header: msg.Header, Subject: subject}
	if err := m.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, 0); err != nil {
		return Message{}, fmt.Errorf("mimetext: %w", err)
	}
	return m, nil
}

// walk adds the text parts of one MIME entity to m.
func (m *Message) walk(contentType, encoding string, body io.Reader, depth int) error {
	if depth > maxDepth {
		return errors.New("multipart nested too deep")
	}
	if contentType == "" {
		contentType = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1); err != nil {
				return err
			}
		}
	}
	if mt != "text/plain" && mt != "text/html" {
		return nil
	}
	r := body
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body) // it skips the CR LF line breaks itself
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if mt == "text/plain" {
		m.Text += string(b)
	} else {
		m.HTML += string(b)
	}
	return nil
}
