package main

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

// TestListenConsole: without CONSOLE_PORT the console takes the first free
// candidate; a CONSOLE_PORT in use is an error that names the variable.
func TestListenConsole(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freePort := free.Addr().(*net.TCPAddr).Port
	free.Close()

	ln, err := listenConsole("", []int{busyPort, freePort})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if got := ln.Addr().(*net.TCPAddr).Port; got != freePort {
		t.Errorf("listening on %d, want the first free candidate %d (%d is taken)", got, freePort, busyPort)
	}
	if _, err := listenConsole(strconv.Itoa(busyPort), nil); err == nil || !strings.Contains(err.Error(), "CONSOLE_PORT") {
		t.Errorf("CONSOLE_PORT in use: %v, want an error naming CONSOLE_PORT", err)
	}
	if _, err := listenConsole("", []int{busyPort}); err == nil {
		t.Error("no free candidate: no error")
	}
}
