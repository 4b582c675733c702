package limit

import (
	"context"
	"fmt"
	"time"

	"github.com/ulule/limiter/v3"
)

// Regulator applies named budgets ("5-H": five an hour) to keys, on top of
// a limiter.Store. A budget's counters are separated by its name, so two
// rules with the same rate never share a counter.
type Regulator struct {
	store limiter.Store
}

// NewRegulator returns a Regulator over store.
func NewRegulator(store limiter.Store) *Regulator { return &Regulator{store: store} }

// Verdict is the outcome of taking from a budget.
type Verdict struct {
	Allowed bool
	// Until is when the window ends: the "bloqué jusqu'au" of a refusal.
	Until time.Time
	Left  int64
}

// ParseRate reads a budget ("5-H", "20-M", "1000-D"); "" or "off" means
// unlimited.
func ParseRate(s string) (limiter.Rate, bool, error) {
	if s == "" || s == "off" {
		return limiter.Rate{}, false, nil
	}
	r, err := limiter.NewRateFromFormatted(s)
	if err != nil {
		return limiter.Rate{}, false, fmt.Errorf("limit: rate %q: %w", s, err)
	}
	return r, true, nil
}

// Take counts one request of key against the budget name/rate.
func (g *Regulator) Take(ctx context.Context, name, rate, key string) (Verdict, error) {
	r, on, err := ParseRate(rate)
	if err != nil || !on {
		return Verdict{Allowed: true}, err
	}
	c, err := limiter.New(g.store, r).Get(ctx, name+"|"+key)
	if err != nil {
		return Verdict{}, fmt.Errorf("limit: take %s: %w", name, err)
	}
	return Verdict{Allowed: !c.Reached, Until: time.Unix(c.Reset, 0), Left: c.Remaining}, nil
}

// Peek tells whether the budget is spent, without counting.
func (g *Regulator) Peek(ctx context.Context, name, rate, key string) (Verdict, error) {
	r, on, err := ParseRate(rate)
	if err != nil || !on {
		return Verdict{Allowed: true}, err
	}
	c, err := limiter.New(g.store, r).Peek(ctx, name+"|"+key)
	if err != nil {
		return Verdict{}, fmt.Errorf("limit: peek %s: %w", name, err)
	}
	return Verdict{Allowed: !c.Reached && c.Remaining > 0, Until: time.Unix(c.Reset, 0), Left: c.Remaining}, nil
}

// Reset gives key its whole budget back (a successful reset clears the
// sign-in failures of the account).
func (g *Regulator) Reset(ctx context.Context, name, rate, key string) error {
	r, on, err := ParseRate(rate)
	if err != nil || !on {
		return err
	}
	if _, err := limiter.New(g.store, r).Reset(ctx, name+"|"+key); err != nil {
		return fmt.Errorf("limit: reset %s: %w", name, err)
	}
	return nil
}
