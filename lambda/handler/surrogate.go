package handler

// hasLoneSurrogate reports whether a JSON text holds a string literal with a
// \u escape of a UTF-16 surrogate that is not half of a pair: a low one
// alone ("\udc00"), or a high one not followed by a low one ("\ud800",
// "\ud800\u0041"). encoding/json decodes those to U+FFFD without an error, so
// a password or email would reach Cognito as something the client never
// sent; they are found here, in the raw literal, before decoding. It reads
// only inside string literals, and anything malformed it leaves to the
// decoder, which refuses it.
func hasLoneSurrogate(body []byte) bool {
	inString := false
	for i := 0; i < len(body); i++ {
		switch b := body[i]; {
		case !inString:
			inString = b == '"'
		case b == '"':
			inString = false
		case b == '\\':
			if i+1 >= len(body) {
				return false
			}
			i++
			if body[i] != 'u' {
				continue // a one-character escape, \" and \\ included
			}
			r, ok := hex4(body, i+1)
			if !ok {
				continue
			}
			i += 4
			switch {
			case r >= 0xdc00 && r <= 0xdfff:
				return true
			case r >= 0xd800 && r <= 0xdbff:
				if i+6 >= len(body) || body[i+1] != '\\' || body[i+2] != 'u' {
					return true
				}
				low, ok := hex4(body, i+3)
				if !ok || low < 0xdc00 || low > 0xdfff {
					return true
				}
				i += 6
			}
		}
	}
	return false
}

// hex4 reads the four hex digits of a \u escape at body[at:].
func hex4(body []byte, at int) (rune, bool) {
	if at+4 > len(body) {
		return 0, false
	}
	var r rune
	for _, c := range body[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
