//go:build !linux

package sshd

import (
	"errors"
	"syscall"
)

// Start skips on other systems, so none of this runs there.

func supported() error { return errors.New("the sshd harness runs on Linux only") }

func procAttr() *syscall.SysProcAttr { return nil }
func descendants(int) []int          { return nil }
func running(int) bool               { return false }

type signalNumber int

const (
	sigStop signalNumber = iota
	sigCont
	sigTerm
	sigKill
)

func signal(int, signalNumber) {}
