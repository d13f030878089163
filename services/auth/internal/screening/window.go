package screening

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// zxcvbn's cost grows with the square of what it is given (every
// substring is lower-cased and looked up in seven dictionaries, forwards
// and backwards) and, through its l33t matcher, with the number of ways
// the substitution characters present can be read as letters: it runs
// the dictionaries again for each reading. On 128 characters it takes
// 30 to 90 ms, 150 to 400 ms when they are dense in substitution
// characters or emoji, and 2 s on a run of consecutive ASCII characters
// (BenchmarkCheck, zxcvbn-whole, on a busy two-core machine). So Check
// gives it windows, substrings each within a budget:
//
//	bytes² × readings ≤ maxWindowCost, and at most maxWindow characters
//
// where readings is the product, over the letters of the l33t table, of
// the number of their substitution characters present: "1|" gives i two
// characters and l two, so 4 readings, an upper bound on the l33t
// matcher's passes. Bytes rather than characters, because text outside
// ASCII costs more per character (Cyrillic about four times as much,
// emoji more). The budget is 32 ASCII characters read two ways: 1 to 2
// ms on that machine.
const (
	maxWindow     = 32
	maxWindowCost = 2 * 32 * 32
)

// l33tTable is zxcvbn's (matching/omnimatch.go in v1.0.1): the
// substitution characters each letter may be written with.
var l33tTable = map[rune]string{
	'a': "4@", 'b': "8", 'c': "({[<", 'e': "3", 'g': "69", 'i': "1!|",
	'l': "1|7", 'o': "0", 's': "$5", 't': "+7", 'x': "%", 'z': "2",
}

// isSubstitution reports whether r is in l33tTable.
func isSubstitution(r rune) bool {
	for _, subs := range l33tTable {
		if strings.ContainsRune(subs, r) {
			return true
		}
	}
	return false
}

// readings returns the number of ways to read present as letters, as
// bounded above.
func readings(present map[rune]bool) int {
	n := 1
	for _, subs := range l33tTable {
		k := 0
		for _, r := range subs {
			if present[r] {
				k++
			}
		}
		n *= max(k, 1)
	}
	return n
}

// firstWindow returns the longest prefix of s within the budget; it holds
// at least the first character of s.
func firstWindow(s string) string {
	present := make(map[rune]bool)
	reads, n := 1, 0
	for i, r := range s {
		if n == maxWindow {
			return s[:i]
		}
		next := reads
		if !present[r] && isSubstitution(r) {
			present[r] = true
			next = readings(present)
		}
		if end := i + utf8.RuneLen(r); n > 0 && end*end*next > maxWindowCost {
			return s[:i]
		}
		reads = next
		n++
	}
	return s
}

// minRepeat is the fewest characters a repetition spans for collapse to
// keep one copy of its block: half a window. A shorter one fits in a
// window, where zxcvbn's repeat matcher sees it; and collapsing short ones
// would mangle dates ("19700101") and words ("coffee").
const minRepeat = maxWindow / 2

// collapse returns s with every block repeated back to back, over at
// least minRepeat characters, kept once: "x" and "iloveyou" typed five
// times becomes "xiloveyou". At each position it takes the shortest block that repeats
// there; 128 characters cost at most a few hundred thousand comparisons.
func collapse(s string) string {
	r := []rune(s)
	out := make([]rune, 0, len(r))
	for i := 0; i < len(r); {
		p := repeatedBlock(r[i:])
		if p == 0 {
			out = append(out, r[i])
			i++
			continue
		}
		out = append(out, r[i:i+p]...)
		for i += p; i+p <= len(r) && slices.Equal(r[i-p:i], r[i:i+p]); i += p {
		}
	}
	return string(out)
}

// repeatedBlock returns the length of the shortest block that starts r
// and repeats back to back over at least minRepeat characters, or 0.
func repeatedBlock(r []rune) int {
	for p := 1; 2*p <= len(r); p++ {
		n := p
		for n+p <= len(r) && slices.Equal(r[n-p:n], r[n:n+p]) {
			n += p
		}
		if n > p && n >= minRepeat {
			return p
		}
	}
	return 0
}
