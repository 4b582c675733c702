package config

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
)

// writeDevKey makes a development secret, readable by its owner only.
func writeDevKey(path string) error {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	if err := os.WriteFile(path, []byte(hex.EncodeToString(b)+"\n"), 0o600); err != nil {
		return fmt.Errorf("config: write development key: %w", err)
	}
	return nil
}
