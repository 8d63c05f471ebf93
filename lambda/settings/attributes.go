package settings

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// EnvCustomAttributes holds the declared custom attributes as JSON; absent means none.
const EnvCustomAttributes = "CUSTOM_ATTRIBUTES"

// Custom attribute types, as Cognito names them.
const (
	AttributeString = "String"
	AttributeNumber = "Number"
)

// Cognito's bounds for custom attributes.
const (
	// MaxCustomAttributes is Cognito's limit of custom attributes per pool.
	MaxCustomAttributes = 50
	// MaxStringAttributeLength is the longest String attribute Cognito stores.
	MaxStringAttributeLength = 2048
)

// CustomAttribute is one custom attribute the configuration declares. The
// one declaration becomes the pool's schema attribute (custom:<Name>), the
// Lambda's check of PATCH bodies, and API Gateway's request model. Values
// travel as strings, as Cognito stores and returns them; a Number is a
// decimal integer.
type CustomAttribute struct {
	// Name without the "custom:" prefix: a letter, then letters, digits or underscores, 20 at most.
	Name string `json:"name"`
	// Type is String or Number.
	Type string `json:"type"`
	// MaxLength is the longest String value in characters (1 to 2048); String only.
	MaxLength int `json:"maxLength,omitempty"`
	// Min and Max bound a Number; each optional.
	Min *int `json:"min,omitempty"`
	Max *int `json:"max,omitempty"`
}

var attributeNameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,19}$`)

// Validate reports a declaration Cognito, API Gateway or JSON clients would trip on.
func (a CustomAttribute) Validate() error {
	if !attributeNameRe.MatchString(a.Name) {
		return fmt.Errorf("custom attribute %q: the name must be a letter followed by at most 19 letters, digits or underscores", a.Name)
	}
	switch a.Type {
	case AttributeString:
		if a.MaxLength < 1 || a.MaxLength > MaxStringAttributeLength {
			return fmt.Errorf("custom attribute %s: MaxLength must be between 1 and %d, got %d", a.Name, MaxStringAttributeLength, a.MaxLength)
		}
		if a.Min != nil || a.Max != nil {
			return fmt.Errorf("custom attribute %s: Min and Max apply to Number attributes only", a.Name)
		}
	case AttributeNumber:
		if a.MaxLength != 0 {
			return fmt.Errorf("custom attribute %s: MaxLength applies to String attributes only", a.Name)
		}
		if a.Min != nil && a.Max != nil && *a.Min > *a.Max {
			return fmt.Errorf("custom attribute %s: Min %d is greater than Max %d", a.Name, *a.Min, *a.Max)
		}
	default:
		return fmt.Errorf("custom attribute %s: Type must be String or Number, got %q", a.Name, a.Type)
	}
	return nil
}

// ValidateAttributes validates each declaration and that no name repeats.
func ValidateAttributes(attrs []CustomAttribute) error {
	if len(attrs) > MaxCustomAttributes {
		return fmt.Errorf("at most %d custom attributes, got %d", MaxCustomAttributes, len(attrs))
	}
	seen := map[string]bool{}
	for _, a := range attrs {
		if err := a.Validate(); err != nil {
			return err
		}
		if seen[a.Name] {
			return fmt.Errorf("custom attribute %s is declared twice", a.Name)
		}
		seen[a.Name] = true
	}
	return nil
}

// CognitoName is the attribute's name in Cognito's API.
func (a CustomAttribute) CognitoName() string { return "custom:" + a.Name }

// Check returns nil when v is a value the attribute accepts, or an error
// naming the rule broken (without the value).
func (a CustomAttribute) Check(v string) error {
	if !utf8.ValidString(v) || slices.Contains([]rune(v), utf8.RuneError) {
		return fmt.Errorf("is not valid text")
	}
	if a.Type == AttributeNumber {
		n, err := strconv.Atoi(v)
		if err != nil || strconv.Itoa(n) != v {
			return fmt.Errorf("must be a whole number written in decimal, as a string")
		}
		if a.Min != nil && n < *a.Min {
			return fmt.Errorf("must be at least %d", *a.Min)
		}
		if a.Max != nil && n > *a.Max {
			return fmt.Errorf("must be at most %d", *a.Max)
		}
		return nil
	}
	if n := utf8.RuneCountInString(v); n < 1 || n > a.MaxLength {
		return fmt.Errorf("must be 1 to %d characters long", a.MaxLength)
	}
	if i := slices.IndexFunc([]rune(v), unicode.IsControl); i >= 0 {
		return fmt.Errorf("must not contain control characters")
	}
	return nil
}

// Schema is the attribute's JSON schema (draft 4) in request bodies, as
// API Gateway validates it; Check applies the same rules and more.
func (a CustomAttribute) Schema() map[string]any {
	if a.Type == AttributeNumber {
		s := map[string]any{"type": "string", "pattern": `^-?[0-9]{1,10}$`,
			"description": "A whole number, as a string"}
		return s
	}
	return map[string]any{"type": "string", "minLength": 1, "maxLength": a.MaxLength}
}

func encodeAttributes(attrs []CustomAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	b, _ := json.Marshal(attrs) // plain strings and ints: cannot fail
	return string(b)
}

func decodeAttributes(v string) ([]CustomAttribute, error) {
	if v == "" {
		return nil, nil
	}
	var attrs []CustomAttribute
	if err := json.Unmarshal([]byte(v), &attrs); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvCustomAttributes, err)
	}
	if err := ValidateAttributes(attrs); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvCustomAttributes, err)
	}
	return attrs, nil
}

// Attribute returns the declared custom attribute called name.
func (s Settings) Attribute(name string) (CustomAttribute, bool) {
	i := slices.IndexFunc(s.CustomAttributes, func(a CustomAttribute) bool { return a.Name == name })
	if i < 0 {
		return CustomAttribute{}, false
	}
	return s.CustomAttributes[i], true
}
