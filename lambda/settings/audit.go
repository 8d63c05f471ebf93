package settings

import (
	"fmt"
	"strconv"
	"strings"
)

// The audit table's variables; absent means the deployment keeps no audit table.
const (
	EnvAuditTable         = "AUDIT_TABLE"
	EnvAuditRetentionDays = "AUDIT_RETENTION_DAYS"
)

// encodeAudit adds the audit table's variables to env when there is one.
func (s Settings) encodeAudit(env map[string]string) {
	if s.AuditTable == "" {
		return
	}
	env[EnvAuditTable] = s.AuditTable
	env[EnvAuditRetentionDays] = strconv.Itoa(s.AuditRetentionDays)
}

func (s *Settings) decodeAudit(getenv func(string) string) error {
	s.AuditTable = strings.TrimSpace(getenv(EnvAuditTable))
	if s.AuditTable == "" {
		return nil
	}
	n, err := strconv.Atoi(getenv(EnvAuditRetentionDays))
	if err != nil || n < 0 {
		return fmt.Errorf("%s: %q is not a number of days", EnvAuditRetentionDays, getenv(EnvAuditRetentionDays))
	}
	s.AuditRetentionDays = n
	return nil
}
