package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// machine is what a reader needs to compare figures across runs.
type machine struct {
	cpus                             int
	cpuModel, osArch, kernel, memory string
	goVersion, nodeVersion, load     string
}

func machineFacts() machine {
	m := machine{
		cpus:        runtime.NumCPU(),
		cpuModel:    "unknown model",
		osArch:      runtime.GOOS + "/" + runtime.GOARCH,
		kernel:      "unknown",
		memory:      "unknown",
		goVersion:   runtime.Version(),
		nodeVersion: "not installed",
		load:        loadAverage(),
	}
	if v, ok := procField("/proc/cpuinfo", "model name"); ok {
		m.cpuModel = v
	}
	if v, ok := procField("/proc/meminfo", "MemTotal"); ok {
		if kb, err := strconv.Atoi(strings.TrimSuffix(v, " kB")); err == nil {
			m.memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("node", "--version").Output(); err == nil {
		m.nodeVersion = strings.TrimSpace(string(out))
	}
	return m
}

// loadAverage is /proc/loadavg's three averages: other work on a 2-core
// machine moves every figure, so the table says how busy it was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(path, key string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}
