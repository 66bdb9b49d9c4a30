package runnerapi

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serviceMethod is one exported method of a service, with a name for test output.
type serviceMethod struct {
	name string
	m    reflect.Method
}

// serviceMethods lists every exported method of both services, iterators included.
func serviceMethods() []serviceMethod {
	var out []serviceMethod
	for _, svc := range []reflect.Type{reflect.TypeOf(&RunnersService{}), reflect.TypeOf(&RunnerControllersService{})} {
		for i := range svc.NumMethod() {
			m := svc.Method(i)
			out = append(out, serviceMethod{name: svc.Elem().Name() + "." + m.Name, m: m})
		}
	}
	return out
}

// validArgs builds valid arguments for m after its receiver: a context, a
// positive ID, a non-empty token, a project, group and owner, and, for the
// options struct, nil (zeroOpts false) or a pointer to the zero struct. It
// reports whether m takes an options struct. The variadic options are left out.
func validArgs(t *testing.T, m reflect.Method, zeroOpts bool) ([]reflect.Value, bool) {
	t.Helper()
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	var args []reflect.Value
	hasOpts := false
	n := m.Type.NumIn()
	if m.Type.IsVariadic() {
		n--
	}
	for i := 1; i < n; i++ { // 0 is the receiver
		in := m.Type.In(i)
		switch {
		case in == ctxType:
			args = append(args, reflect.ValueOf(context.Background()))
		case in.Kind() == reflect.Int64:
			args = append(args, reflect.ValueOf(int64(1)))
		case in.Kind() == reflect.String:
			args = append(args, reflect.ValueOf("glrt-reflect-0123456789abcdef"))
		case in == reflect.TypeOf(ProjectRef{}):
			args = append(args, reflect.ValueOf(ProjectID(1)))
		case in == reflect.TypeOf(GroupRef{}):
			args = append(args, reflect.ValueOf(GroupID(1)))
		case in == reflect.TypeOf(RunnerOwner{}):
			args = append(args, reflect.ValueOf(ProjectRunnerOwner(1)))
		case in.Kind() == reflect.Pointer && in.Elem().Kind() == reflect.Struct && strings.HasSuffix(in.Elem().Name(), "Options"):
			hasOpts = true
			if zeroOpts {
				args = append(args, reflect.New(in.Elem()))
			} else {
				args = append(args, reflect.Zero(in))
			}
		default:
			t.Fatalf("%s: no valid value for parameter %d of type %s; extend validArgs", m.Name, i, in)
		}
	}
	return args, hasOpts
}

// callMethod calls m on recv and returns the errors it reports: the last
// result of a plain call, or every error an iterator yields (it is drained).
func callMethod(t *testing.T, recv reflect.Value, m reflect.Method, args []reflect.Value) []error {
	t.Helper()
	out := recv.Method(m.Index).Call(args)
	last := out[len(out)-1]
	if last.Type().Kind() == reflect.Func { // an iter.Seq2[T, error]
		var errs []error
		yieldType := last.Type().In(0)
		yield := reflect.MakeFunc(yieldType, func(in []reflect.Value) []reflect.Value {
			err, _ := in[1].Interface().(error)
			errs = append(errs, err)
			return []reflect.Value{reflect.ValueOf(true)}
		})
		last.Call([]reflect.Value{yield})
		return errs
	}
	err, _ := last.Interface().(error)
	return []error{err}
}

// TestEveryMethodTakesNilOptions: for every method of both services that
// takes an options struct, iterators included, nil is valid and sends exactly
// the request that a pointer to the zero struct sends. The one exception is
// Runners.Update, where GitLab rejects an empty update: there nil and the
// zero struct give the same ValidationError and send nothing. A new method
// is covered without editing this test.
func TestEveryMethodTakesNilOptions(t *testing.T) {
	checked := 0
	for _, sm := range serviceMethods() {
		nilArgs, hasOpts := validArgs(t, sm.m, false)
		if !hasOpts {
			continue
		}
		zeroArgs, _ := validArgs(t, sm.m, true)
		checked++
		t.Run(sm.name, func(t *testing.T) {
			ts := newTestServer(t, WithoutRetries())
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, http.StatusOK, []byte(`{}`)) })
			svc := reflect.ValueOf(ts.Client.Runners)
			if strings.HasPrefix(sm.name, "RunnerControllersService.") {
				svc = reflect.ValueOf(ts.Client.RunnerControllers)
			}
			errsNil := callMethod(t, svc, sm.m, nilArgs)
			sentByNil := len(ts.Requests())
			errsZero := callMethod(t, svc, sm.m, zeroArgs)
			require.NotEmpty(t, errsNil)
			require.NotEmpty(t, errsZero)
			if sm.name == "RunnersService.Update" {
				require.ErrorIs(t, errsNil[0], ErrInvalidInput)
				assert.Equal(t, errsZero[0].Error(), errsNil[0].Error(), "nil and the zero struct are refused alike")
				ts.RequireNoRequests(t)
				return
			}
			for _, err := range errsNil {
				var ve *ValidationError
				assert.False(t, errors.As(err, &ve), "nil options were refused: %v", err)
			}
			// Lists decode {} into a slice and fail alike; what matters is the request.
			reqs := ts.Requests()
			require.NotZero(t, sentByNil, "nil options sent nothing")
			require.Len(t, reqs, 2*sentByNil, "nil and the zero struct send as many requests")
			for i := range sentByNil {
				a, b := reqs[i], reqs[sentByNil+i]
				assert.Equal(t, b.Method, a.Method)
				assert.Equal(t, b.Path, a.Path)
				assert.Equal(t, b.Query, a.Query)
				assert.Equal(t, string(b.Body), string(a.Body))
			}
		})
	}
	assert.GreaterOrEqual(t, checked, 20, "every method with an options struct was found")
}

// TestEveryMethodOfAZeroClientFails: every method of both services, iterators
// included, answers ErrInvalidInput instead of panicking when the client was
// not made by NewClient: the nil services of a zero Client, zero service
// values, and services that point to a zero Client.
func TestEveryMethodOfAZeroClientFails(t *testing.T) {
	var zero Client
	receivers := map[string]func(controllers bool) reflect.Value{
		"nil service of a zero Client": func(controllers bool) reflect.Value {
			if controllers {
				return reflect.ValueOf(zero.RunnerControllers)
			}
			return reflect.ValueOf(zero.Runners)
		},
		"zero service": func(controllers bool) reflect.Value {
			if controllers {
				return reflect.ValueOf(&RunnerControllersService{})
			}
			return reflect.ValueOf(&RunnersService{})
		},
		"service of a zero Client": func(controllers bool) reflect.Value {
			if controllers {
				return reflect.ValueOf(&RunnerControllersService{client: &Client{}})
			}
			return reflect.ValueOf(&RunnersService{client: &Client{}})
		},
	}
	methods := serviceMethods()
	require.Greater(t, len(methods), 40)
	for name, recv := range receivers {
		for _, sm := range methods {
			t.Run(name+"/"+sm.name, func(t *testing.T) {
				args, _ := validArgs(t, sm.m, false)
				if sm.name == "RunnersService.Update" { // input is checked first, and an empty update is invalid input
					args[2] = reflect.ValueOf(&UpdateRunnerOptions{Paused: Ptr(true)})
				}
				var errs []error
				require.NotPanics(t, func() {
					errs = callMethod(t, recv(strings.HasPrefix(sm.name, "RunnerControllersService.")), sm.m, args)
				})
				require.Len(t, errs, 1, "one error (an iterator yields it once)")
				require.ErrorIs(t, errs[0], ErrInvalidInput)
				assert.Contains(t, errs[0].Error(), "NewClient")
			})
		}
	}
}

// TestIterOptionsDoNotCompileInRequestCalls builds small programs against
// the module: passing an iterator-only option (WithPagePrefetch,
// WithPageResponse) to a call that is not an iterator does not compile,
// while an iterator takes both kinds of option.
func TestIterOptionsDoNotCompileInRequestCalls(t *testing.T) {
	dir, goRun := snippetModule(t)
	const prelude = "package main\n\nimport (\n\t\"context\"\n\n\t\"github.com/runnerkit/runnerapi\"\n)\n\n" +
		"func main() {\n\tc, _ := runnerapi.NewClient(\"https://gitlab.example.com\")\n\tctx := context.Background()\n\t_, _ = c, ctx\n"
	programs := map[string]struct {
		body    string
		compile bool
	}{
		"prefetch_on_get":        {"\t_, _, _ = c.Runners.Get(ctx, 1, nil, runnerapi.WithPagePrefetch(2))\n", false},
		"prefetch_on_list":       {"\t_, _, _ = c.Runners.ListAll(ctx, nil, runnerapi.WithPagePrefetch(2))\n", false},
		"page_response_on_list":  {"\t_, _, _ = c.RunnerControllers.List(ctx, nil, runnerapi.WithPageResponse(func(*runnerapi.Response) {}))\n", false},
		"prefetch_on_delete":     {"\t_, _ = c.Runners.Delete(ctx, 1, runnerapi.WithPagePrefetch(2))\n", false},
		"both_kinds_on_iterator": {"\tfor range c.Runners.ListAllIter(ctx, nil, runnerapi.WithPagePrefetch(2), runnerapi.WithSudo(\"maria\")) {\n\t}\n", true},
	}
	for name, p := range programs {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, name), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name, "main.go"), []byte(prelude+p.body+"}\n"), 0o644))
	}
	for name, p := range programs {
		t.Run(name, func(t *testing.T) {
			out, err := goRun("build", "-o", os.DevNull, "./"+name)
			if p.compile {
				require.NoError(t, err, out)
				return
			}
			require.Error(t, err, "an iterator option passed to a request call compiled")
			assert.Contains(t, out, "IterOption")
			assert.Contains(t, out, "as runnerapi.RequestOption value")
		})
	}
}
