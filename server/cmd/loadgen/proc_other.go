//go:build !linux

package main

import (
	"syscall"
	"time"
)

func childAttr() *syscall.SysProcAttr { return nil }

// selfCPU is unknown outside Linux.
func selfCPU() time.Duration { return 0 }
