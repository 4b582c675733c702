//go:build !linux

package main

import (
	"io/fs"
	"syscall"
	"time"
)

func childAttr() *syscall.SysProcAttr { return nil }

// selfCPU is unknown outside Linux.
func selfCPU() time.Duration { return 0 }

// allocated is the file's size: its blocks are not known here.
func allocated(fi fs.FileInfo) int64 { return fi.Size() }
