//go:build sesame_testhooks

package captcha

import "context"

// Peek returns the answer of a live challenge without consuming it. It
// exists only in builds with -tags sesame_testhooks, for integration tests
// of other packages (HTTP flows) that must solve a captcha; production
// builds have no way to read an answer.
func (s *Service) Peek(ctx context.Context, id string) (string, error) {
	digits, err := s.digits(ctx, id)
	if err != nil {
		return "", err
	}
	out := make([]byte, len(digits))
	for i, d := range digits {
		out[i] = '0' + d
	}
	return string(out), nil
}
