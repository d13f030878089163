package screening

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// A passphrase of exactly 128 characters, and one of 129.
const (
	phrase128 = "violet anchor drifting slowly past the harbour lights while seven quiet gulls circle a rusted buoy by the old ferry ramp at dusk"
	phrase129 = "violet anchor drifting slowly past the harbour lights while seven quiet gulls circle a rusted buoy near the old ferry ramp by day"
)

const alice = "alice.smith@example.com"

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name     string
		password string
		email    string
		want     string // the reason, "" when the password may be chosen
	}{
		// Length, in characters after NFKC.
		{name: "length=7", password: "jkdfg83", want: reasonShort},
		{name: "length=8", password: "jkdfg83k"},
		{name: "length=8 fullwidth", password: "Ｊｋｄｆｇ８３ｋ"},
		{name: "length=8 composed to 7", password: "cafe\u0301bar", want: reasonShort},
		{name: "length=128", password: phrase128},
		{name: "length=129", password: phrase129, want: reasonLong},
		{name: "length=129 common", password: strings.Repeat("a", 129), want: reasonLong},
		{name: "length=0", password: "", want: reasonShort},
		{name: "invalid utf-8 counts as one", password: "\xff\xfejkdfg8", want: reasonShort},
		{name: "invalid utf-8 passes", password: "\xff\xfejkdfg83k"},

		// The list, as it is.
		{name: "common=password", password: "password", want: reasonCommon},
		{name: "common=Password1", password: "Password1", want: reasonCommon},
		{name: "common=12345678", password: "12345678", want: reasonCommon},
		{name: "common=qwertyuiop", password: "qwertyuiop", want: reasonCommon},
		{name: "common=iloveyou", password: "iloveyou", want: reasonCommon},
		{name: "common=P@ssw0rd", password: "P@ssw0rd", want: reasonCommon},
		{name: "common=fullwidth", password: "ｐａｓｓｗｏｒｄ", want: reasonCommon},
		{name: "common=zxcvbnm,./", password: "zxcvbnm,./", want: reasonCommon},
		// The list, changed trivially.
		{name: "variant=digits after", password: "letmein123", want: reasonCommon},
		{name: "variant=year and symbol", password: "Password2024!", want: reasonCommon},
		{name: "variant=symbols before", password: "!!dragon2024", want: reasonCommon},
		{name: "variant=l33t", password: "Sunsh1ne!", want: reasonCommon},
		{name: "variant=reversed", password: "drowssap1", want: reasonCommon},
		{name: "variant=repeated digit", password: "hunter22", want: reasonCommon},
		{name: "variant=email does not matter", password: "monkey2024!", email: alice, want: reasonCommon},

		// The email address.
		{name: "email=local part", password: "alicesmith", email: alice, want: reasonEmail},
		{name: "email=local part and year", password: "AliceSmith2024", email: alice, want: reasonEmail},
		{name: "email=domain", password: "example.com1", email: alice, want: reasonEmail},
		{name: "email=domain label and year", password: "example2024", email: alice, want: reasonEmail},
		{name: "email=parts swapped", password: "smith_alice!", email: alice, want: reasonEmail},
		{name: "email=parts l33t", password: "4lic3smith", email: alice, want: reasonEmail},
		{name: "email=parts reversed", password: "htimsecila", email: alice, want: reasonEmail},
		{name: "email=the address", password: alice, email: alice, want: reasonEmail},
		{name: "email=any case", password: "alicesmith", email: "Alice.Smith@Example.COM", want: reasonEmail},
		{name: "email=unknown", password: "alicesmith", want: reasonWeak},
		{name: "email=another account", password: "AliceSmith2024", email: "bob@example.org"},
		{name: "email=part and random digits", password: "alice!83920174", email: alice},
		{name: "email=passphrase", password: "correct horse battery staple", email: alice},

		// zxcvbn's estimate.
		{name: "weak=date", password: "19901231", want: reasonWeak},
		{name: "weak=dashed date", password: "2024-05-17", want: reasonWeak},
		{name: "weak=sequence", password: "abcdefghij", want: reasonWeak},
		{name: "weak=repetition", password: "aaaaaaaa", want: reasonWeak},
		{name: "weak=two common words", password: "iloveyoudragon", want: reasonWeak},
		{name: "weak=two words", password: "bluehouse", want: reasonWeak},
		{name: "weak=long repetition", password: strings.Repeat("iloveyou", 16), want: reasonWeak},
		{name: "weak=long repetition shifted", password: "x" + strings.Repeat("iloveyou", 15), want: reasonWeak},
		{name: "weak=long repetition of 7", password: strings.Repeat("letmein", 6), want: reasonWeak},
		{name: "weak=128 times a", password: strings.Repeat("a", 128), want: reasonWeak},

		// Strong: no composition rule, any script.
		{name: "strong=passphrase", password: "violet anchor drifting slowly"},
		{name: "strong=passphrase with digits", password: "violet-anchor-drifting-92"},
		{name: "strong=three words", password: "purple monkey dishwasher"},
		{name: "strong=l33t word and symbols", password: "Tr0ub4dor&3"},
		{name: "strong=random", password: "x7$Kp2!q9@Lm4#Wz"},
		{name: "strong=french", password: "mot de passe très sûr"},
		{name: "strong=russian", password: "пароль-надёжный-42"},
		{name: "strong=japanese", password: "パスワードは長い文字列です"},
		{name: "strong=weak start, strong end", password: "P@$$w0rd!(2024)-my-long-and-private-passphrase"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.password, tc.email)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check(%q, %q) = %v, want nil", tc.password, tc.email, err)
				}
				return
			}
			var weak *WeakError
			if !errors.As(err, &weak) {
				t.Fatalf("Check(%q, %q) = %v, want a *WeakError", tc.password, tc.email, err)
			}
			if weak.Reason != tc.want {
				t.Fatalf("Check(%q, %q) reason %q, want %q", tc.password, tc.email, weak.Reason, tc.want)
			}
		})
	}
}

func TestPhraseLengths(t *testing.T) {
	for s, want := range map[string]int{phrase128: 128, phrase129: 129} {
		if n := utf8.RuneCountInString(s); n != want {
			t.Errorf("%q has %d characters, want %d", s, n, want)
		}
	}
}

func TestWeakError(t *testing.T) {
	err := error(&WeakError{Reason: reasonShort})
	if got, want := err.Error(), "weak password: shorter than 8 characters"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}

func TestUserInputs(t *testing.T) {
	for _, tc := range []struct {
		email string
		want  []string
	}{
		{"", nil},
		{"  ", nil},
		{alice, []string{"alice", "alice.smith", "com", "example", "example.com", "smith"}},
		{"Alice.Smith+News@Example.COM", []string{"alice", "alice.smith+news", "com", "example", "example.com", "news", "smith"}},
		{"j_doe-1984@mail.example.co.uk", []string{"doe", "example", "j_doe-1984", "mail", "mail.example.co.uk"}},
		{"no-at-sign", []string{"no-at-sign", "sign"}},
		{"x@y.io", []string{"y.io"}},
	} {
		t.Run(tc.email, func(t *testing.T) {
			got := userInputs(tc.email)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("userInputs(%q) = %q, want %q", tc.email, got, tc.want)
			}
		})
	}
}

func TestFirstWindow(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		want string
	}{
		{"short", "violet-anchor", "violet-anchor"},
		{"32 characters", strings.Repeat("abcd", 10), strings.Repeat("abcd", 8)},
		{"a substitution read two ways", strings.Repeat("ab4@", 10), strings.Repeat("ab4@", 8)},
		{"substitutions read many ways", "1|7!+([{<1|7!+([{<", "1|7!+(["},
		{"cyrillic", strings.Repeat("пароль", 6), strings.Repeat("пароль", 3) + "паро"},
		{"emoji at least one", "😀", "😀"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := firstWindow(tc.s)
			if got != tc.want {
				t.Fatalf("firstWindow(%q) = %q, want %q", tc.s, got, tc.want)
			}
		})
	}
}

func TestCollapse(t *testing.T) {
	for _, tc := range []struct {
		s, want string
	}{
		{"coffee", "coffee"},
		{"19700101", "19700101"},
		{strings.Repeat("a", 16), "a"},
		{strings.Repeat("a", 15), strings.Repeat("a", 15)},
		{strings.Repeat("iloveyou", 3) + "!", "iloveyou!"},
		{"x" + strings.Repeat("iloveyou", 2) + "y", "xiloveyouy"},
		{strings.Repeat("пароль", 3), "пароль"},
	} {
		t.Run(tc.s, func(t *testing.T) {
			if got := collapse(tc.s); got != tc.want {
				t.Fatalf("collapse(%q) = %q, want %q", tc.s, got, tc.want)
			}
		})
	}
}
