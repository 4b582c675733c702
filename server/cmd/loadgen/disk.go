package main

import (
	"io/fs"
	"path/filepath"
)

// diskUsage is what the files under dir take on disk, as du counts it
// (allocated blocks where the system says, else the files' sizes).
func diskUsage(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		total += allocated(fi)
		return nil
	})
	return total, err
}
