package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"
)

// prompter asks for what a sign-in needs. Secrets come from standard input
// one line each (--password-stdin), or from the terminal without echo;
// never from a flag or the environment.
type prompter struct {
	in     *bufio.Reader
	stdin  io.Reader
	stderr io.Writer
	// lines: read secrets and codes as lines of stdin, not from a terminal.
	lines bool
}

func (a *app) prompter(lines bool) *prompter {
	return &prompter{in: bufio.NewReader(a.io.Stdin), stdin: a.io.Stdin, stderr: a.io.Stderr, lines: lines}
}

// errNoTerminal says a secret was needed with no way to ask for it.
var errNoTerminal = errors.New("standard input is not a terminal: use --password-stdin to pass the password on standard input")

// readLine reads one line of standard input, without its line ending.
func (p *prompter) readLine(what string) (string, error) {
	s, err := p.in.ReadString('\n')
	if err != nil && (err != io.EOF || s == "") {
		if err == io.EOF {
			return "", fmt.Errorf("standard input ended before the %s", what)
		}
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
}

// secret reads a secret: the next line of stdin, or a no-echo prompt.
// On a terminal it never echoes, even with --password-stdin.
func (p *prompter) secret(label string) (string, error) {
	fd, ok := terminalFd(p.stdin)
	if !ok {
		if p.lines {
			return p.readLine(label)
		}
		return "", errNoTerminal
	}
	fmt.Fprintf(p.stderr, "%s: ", label)
	b, err := readPasswordInterruptible(fd, p.stderr)
	fmt.Fprintln(p.stderr)
	if err != nil {
		return "", fmt.Errorf("reading the %s: %w", label, err)
	}
	return string(b), nil
}

// text asks for a value that is not secret (an email, a code): the next
// line of stdin, with a prompt when stdin is a terminal.
func (p *prompter) text(label string) (string, error) {
	if _, ok := terminalFd(p.stdin); ok {
		fmt.Fprintf(p.stderr, "%s: ", label)
	} else if !p.lines {
		return "", fmt.Errorf("the %s is needed and standard input is not a terminal", label)
	}
	s, err := p.readLine(label)
	return strings.TrimSpace(s), err
}

// interactive reports whether standard input is a terminal (a person answers).
func (p *prompter) interactive() bool {
	_, ok := terminalFd(p.stdin)
	return ok
}

// confirm asks a yes/no question on the terminal; no terminal means no.
func (p *prompter) confirm(question string) (bool, error) {
	if !p.interactive() {
		return false, errNoTerminal
	}
	fmt.Fprintf(p.stderr, "%s [y/N]: ", question)
	s, err := p.readLine("answer")
	if err != nil {
		return false, err
	}
	s = strings.ToLower(strings.TrimSpace(s))
	return s == "y" || s == "yes", nil
}

// readPasswordInterruptible reads a line without echo. Ctrl-C during the
// read would otherwise end the process with echo still off: restore the
// terminal first, then exit as an interrupted command does (130).
func readPasswordInterruptible(fd int, stderr io.Writer) ([]byte, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return nil, err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	defer func() {
		signal.Stop(sig)
		close(done)
	}()
	go func() {
		select {
		case <-sig:
			_ = term.Restore(fd, state)
			fmt.Fprintln(stderr)
			os.Exit(130)
		case <-done:
		}
	}()
	return term.ReadPassword(fd)
}

func terminalFd(r io.Reader) (int, bool) {
	f, ok := r.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	return int(f.Fd()), true
}
