package runnerapi

import (
	"fmt"
	"log/slog"
	"reflect"
)

// formatRedacted prints the struct v for fmt's %v, %+v, %#v and %s verbs
// with every string field named Token replaced by [REDACTED], so that
// logging an option or result struct never reveals a credential. Other verbs
// print only the type. JSON encoding is unaffected.
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
	first := true
	for i := 0; i < rt.NumField(); i++ {
		field := rt.Field(i)
		if !field.IsExported() {
			continue
		}
		if !first {
			if sharp {
				fmt.Fprint(f, ", ")
			} else {
				fmt.Fprint(f, " ")
			}
		}
		first = false
		if plus || sharp {
			fmt.Fprint(f, field.Name, ":")
		}
		fv := rv.Field(i)
		if field.Name == "Token" && fv.Kind() == reflect.String {
			switch {
			case fv.Len() > 0 && sharp:
				fmt.Fprintf(f, "%q", redacted)
			case fv.Len() > 0:
				fmt.Fprint(f, redacted)
			case sharp:
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

// redactedLogValue renders v for slog as its %+v form, which hides the token;
// without it, slog's JSON handler would marshal the struct and print the token.
func redactedLogValue(v fmt.Formatter) slog.Value {
	return slog.StringValue(fmt.Sprintf("%+v", v))
}

// Format prints r without its token.
func (r RunnerRegistration) Format(f fmt.State, verb rune) { formatRedacted(f, verb, r) }

// LogValue logs r without its token.
func (r RunnerRegistration) LogValue() slog.Value { return redactedLogValue(r) }

// Format prints v without its token.
func (v RunnerVerification) Format(f fmt.State, verb rune) { formatRedacted(f, verb, v) }

// LogValue logs v without its token.
func (v RunnerVerification) LogValue() slog.Value { return redactedLogValue(v) }

// Format prints t without its token.
func (t TokenWithExpiry) Format(f fmt.State, verb rune) { formatRedacted(f, verb, t) }

// LogValue logs t without its token.
func (t TokenWithExpiry) LogValue() slog.Value { return redactedLogValue(t) }

// Format prints t without its token.
func (t RunnerControllerToken) Format(f fmt.State, verb rune) { formatRedacted(f, verb, t) }

// LogValue logs t without its token.
func (t RunnerControllerToken) LogValue() slog.Value { return redactedLogValue(t) }

// Format prints b without its token.
func (b tokenBody) Format(f fmt.State, verb rune) { formatRedacted(f, verb, b) }

// LogValue logs b without its token.
func (b tokenBody) LogValue() slog.Value { return redactedLogValue(b) }
