package screening

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/frequency"
)

// passwordsList names zxcvbn's list of the 30,000 most common passwords,
// counted in leaked password dumps, in frequency.FrequencyLists and in the
// DictionaryName of its matches.
const passwordsList = "passwords"

// maxAffix is the most characters that may be added to a list entry, or
// left over around the parts of an email address, for the password to
// count as a trivial change of it: digits and symbols only. Five covers a
// year and a symbol ("Password2024!"), which zxcvbn alone rates at 10^7
// guesses, while six random digits already multiply the guesses by 10^6.
const maxAffix = 5

// common holds the passwords list, lower-cased. It ships with the binary
// (zxcvbn compiles it in) and its entries have at most 20 characters.
var common = func() map[string]struct{} {
	list := frequency.FrequencyLists[passwordsList]
	set := make(map[string]struct{}, len(list))
	for _, w := range list {
		set[strings.ToLower(w)] = struct{}{}
	}
	return set
}()

// isCommon reports whether password, lower-cased, is in the list.
func isCommon(password string) bool {
	_, ok := common[strings.ToLower(password)]
	return ok
}

// isCommonVariant reports whether password is a list entry changed
// trivially: letter case, l33t substitutions ("p@55w0rd"), reversed, and
// at most maxAffix digits or symbols before or after it ("Sunsh1ne!",
// "letmein123"). zxcvbn's dictionary, l33t and reverse matchers already
// found every occurrence of an entry in a, the first window of password
// (list entries are 20 characters at most, so it holds any that matters);
// what is left is to see whether one of them is the whole password but a
// trivial affix.
func isCommonVariant(password string, a analysis) bool {
	for _, m := range a.matches {
		if m.Pattern != "dictionary" || m.DictionaryName != passwordsList {
			continue
		}
		if m.I < 0 || m.J < m.I || m.J >= len(password) {
			continue
		}
		if isTrivial(password[:m.I] + password[m.J+1:]) {
			return true
		}
	}
	return false
}

// isTrivial reports whether rest, what is left of a password around the
// parts it was built from, is at most maxAffix characters, none a letter.
func isTrivial(rest string) bool {
	if utf8.RuneCountInString(rest) > maxAffix {
		return false
	}
	return strings.IndexFunc(rest, unicode.IsLetter) < 0
}
