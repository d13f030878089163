package screening

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// userInputsList names zxcvbn's dictionary of the words given with the
// password (its user_inputs), in the DictionaryName of its matches.
const userInputsList = "user_inputs"

// minInputLength is the shortest part of an email address given to zxcvbn:
// a part of one or two letters ("j" of "j.doe") would match those letters
// anywhere and say nothing about the password.
const minInputLength = 3

// userInputs returns the parts of email an attacker who knows it would try
// first: the local part, the domain, the domain's labels and the pieces of
// the local part between dots, underscores, hyphens, plus signs and
// digits. "alice.smith+news@example.com" gives alice.smith+news, alice,
// smith, news, example.com, example and com. They are lower-cased (zxcvbn
// matches them in any case) and those shorter than minInputLength are left
// out.
func userInputs(email string) []string {
	email = strings.ToLower(normalize(strings.TrimSpace(email)))
	if email == "" {
		return nil
	}
	local, domain := email, ""
	if at := strings.LastIndexByte(email, '@'); at >= 0 {
		local, domain = email[:at], email[at+1:]
	}
	parts := []string{local, domain}
	parts = append(parts, strings.Split(domain, ".")...)
	parts = append(parts, strings.FieldsFunc(local, func(r rune) bool {
		return strings.ContainsRune("._-+", r) || unicode.IsDigit(r)
	})...)
	parts = slices.DeleteFunc(parts, func(p string) bool {
		return utf8.RuneCountInString(p) < minInputLength
	})
	slices.Sort(parts)
	return slices.Compact(parts)
}

// isFromEmail reports whether password is built from the parts of the
// email address (see userInputs): zxcvbn's user_inputs matches, plain,
// l33t or reversed, cover all of it but at most maxAffix digits or
// symbols, wherever they are ("alicesmith", "AliceSmith2024",
// "example.com1", "smith_alice!").
func isFromEmail(password string, a analysis) bool {
	covered := make([]bool, len(password))
	found := false
	for _, m := range a.matches {
		if m.Pattern != "dictionary" || m.DictionaryName != userInputsList {
			continue
		}
		if m.I < 0 || m.J < m.I || m.J >= len(password) {
			continue
		}
		for i := m.I; i <= m.J; i++ {
			covered[i] = true
		}
		found = true
	}
	if !found {
		return false
	}
	var rest strings.Builder
	for i, r := range password {
		if !covered[i] {
			rest.WriteRune(r)
		}
	}
	return isTrivial(rest.String())
}
