package screening

import (
	"github.com/trustelem/zxcvbn/match"
	"github.com/trustelem/zxcvbn/matching"
	"github.com/trustelem/zxcvbn/scoring"
)

// minGuesses is zxcvbn's estimate below which a password is refused:
// 10^6, zxcvbn's line between score 1 ("very guessable: protection from
// throttled online attacks") and score 2 ("somewhat guessable: protection
// from unthrottled online attacks"). Logins are throttled and locked out,
// so a million guesses are out of reach online, and the passwords are
// hashed with bcrypt for the offline case. A higher bar would make the
// minimum length a lie: zxcvbn rates 8 characters it finds no pattern in
// at 10^8 guesses, so with 10^8 they would need a ninth, and any common
// word in them would be refused. Guessable here means a keyboard pattern
// ("zxcvbnm,./"), a sequence, a repetition ("hunter22"), a date
// ("19901231") or a couple of common words ("iloveyoudragon"); four words
// ("violet anchor drifting slowly") rate beyond 10^20.
const minGuesses = 1e6

// analysis is what zxcvbn found in one window of a password.
type analysis struct {
	window  string         // a substring of the password
	matches []*match.Match // every pattern found, overlapping; offsets in bytes
	guesses float64        // the estimate for the window
}

// analyze runs zxcvbn's matchers over window, the parts of the email
// address as its user inputs, and estimates the guesses it takes.
func analyze(window string, inputs []string) analysis {
	matches := matching.Omnimatch(window, inputs)
	seq := scoring.MostGuessableMatchSequence(window, matches, false)
	return analysis{window: window, matches: matches, guesses: seq.Guesses}
}

// maxWindows is the most windows of a long password estimated before it
// is refused: three budgets, a few milliseconds (see window.go).
const maxWindows = 3

// isGuessable reports whether zxcvbn estimates fewer than minGuesses for
// password, first being the analysis of its first window.
//
// Nearly every password fits in one window (window.go) and is estimated
// whole. A longer one, or one dense in substitution characters, is first
// collapsed (a long repetition counts once: zxcvbn itself rates
// "iloveyou" typed sixteen times at sixteen times "iloveyou") and then
// estimated window by window. It passes as soon as a window is strong
// enough, since an attacker has to guess every part, and is refused when
// the first maxWindows are all guessable.
//
// What bounding the cost gives up: zxcvbn charges 10^4 guesses for each
// pattern it chains, so a window that ends in the middle of a pattern can
// rate higher than the whole password would; a password whose first
// maxWindows windows are guessable is refused whatever follows; and a
// window of fewer than six characters never reaches 10^6, so a password
// written almost only with substitution characters ("1|7!+([{<", cut into
// windows of five to seven) can be refused although it is random.
func isGuessable(password string, first analysis, inputs []string) bool {
	if first.window == password {
		return first.guesses < minGuesses
	}
	c := collapse(password)
	for n, off := 0, 0; n < maxWindows && off < len(c); n++ {
		w := firstWindow(c[off:])
		a := first
		if off > 0 || w != first.window {
			a = analyze(w, inputs)
		}
		if a.guesses >= minGuesses {
			return false
		}
		off += len(w)
	}
	return true
}
