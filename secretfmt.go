package runnerapi

import (
	"fmt"
	"reflect"
)

// formatRedacted prints the struct v for fmt's %v, %+v and %#v verbs with
// every field named Token replaced by [REDACTED], so that logging an option
// or result struct never reveals a credential. JSON encoding is unaffected.
func formatRedacted(f fmt.State, verb rune, v any) {
	rv := reflect.ValueOf(v)
	rt := rv.Type()
	if verb != 'v' && verb != 's' {
		fmt.Fprintf(f, "%%!%c(%s)", verb, rt)
		return
	}
	plus, sharp := f.Flag('+'), f.Flag('#')
	if sharp {
		fmt.Fprint(f, rt.String())
	}
	fmt.Fprint(f, "{")
	for i := 0; i < rt.NumField(); i++ {
		field := rt.Field(i)
		if !field.IsExported() {
			continue
		}
		if i > 0 {
			if sharp {
				fmt.Fprint(f, ", ")
			} else {
				fmt.Fprint(f, " ")
			}
		}
		if plus || sharp {
			fmt.Fprint(f, field.Name, ":")
		}
		fv := rv.Field(i)
		if field.Name == "Token" && fv.Kind() == reflect.String {
			if fv.Len() > 0 {
				if sharp {
					fmt.Fprintf(f, "%q", redacted)
				} else {
					fmt.Fprint(f, redacted)
				}
			} else if sharp {
				fmt.Fprint(f, `""`)
			}
			continue
		}
		switch {
		case sharp:
			fmt.Fprintf(f, "%#v", fv.Interface())
		case plus:
			fmt.Fprintf(f, "%+v", fv.Interface())
		default:
			fmt.Fprintf(f, "%v", fv.Interface())
		}
	}
	fmt.Fprint(f, "}")
}

// Format prints o without its token.
func (o RegisterRunnerOptions) Format(f fmt.State, verb rune) { formatRedacted(f, verb, o) }

// Format prints o without its token.
func (o VerifyRunnerOptions) Format(f fmt.State, verb rune) { formatRedacted(f, verb, o) }

// Format prints r without its token.
func (r RunnerRegistration) Format(f fmt.State, verb rune) { formatRedacted(f, verb, r) }

// Format prints v without its token.
func (v RunnerVerification) Format(f fmt.State, verb rune) { formatRedacted(f, verb, v) }

// Format prints t without its token.
func (t TokenWithExpiry) Format(f fmt.State, verb rune) { formatRedacted(f, verb, t) }

// Format prints t without its token.
func (t RunnerControllerToken) Format(f fmt.State, verb rune) { formatRedacted(f, verb, t) }
