package captcha

import (
	"context"
	"io"

	dcaptcha "github.com/dchest/captcha"
)

// Image size in pixels.
const (
	ImageWidth  = dcaptcha.StdWidth  // 240
	ImageHeight = dcaptcha.StdHeight // 80
)

// WriteImage writes the challenge's digits as a distorted 240×80 PNG. It
// does not consume the challenge: within one process the same id always
// gives the same picture. Unknown, used or expired ids give ErrNotFound and
// nothing is written.
func (s *Service) WriteImage(ctx context.Context, w io.Writer, id string) error {
	digits, err := s.digits(ctx, id)
	if err != nil {
		return err
	}
	_, err = dcaptcha.NewImage(id, digits, ImageWidth, ImageHeight).WriteTo(w)
	return err
}
