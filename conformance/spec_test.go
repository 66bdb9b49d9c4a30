package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"
)

// specEnv names the environment variable that may point at another copy of the OpenAPI file.
const specEnv = "RUNNERAPI_OPENAPI"

// defaultSpecPath is the vendored excerpt (GitLab 19.5, commit 045bf87…;
// its header says where it came from), so the tests need nothing outside the repository.
var defaultSpecPath = filepath.Join("testdata", "gitlab-openapi-runners.yaml")

// excludedOperations are spec operations the SDK deliberately does not cover.
var excludedOperations = map[string]string{}

// specPathFromEnv returns the spec location: $RUNNERAPI_OPENAPI or the default.
func specPathFromEnv() string {
	if p := os.Getenv(specEnv); p != "" {
		return p
	}
	return defaultSpecPath
}

// lookBehindPattern is the Ruby regexp GitLab generates for version_prefix.
// Go's RE2 has no look-behind, so kin-openapi cannot compile it.
const lookBehindPattern = `(?<=^|\n(?!$))[\d+.]+`

// versionPrefixPattern replaces it: the server checks the value with Grape's
// `regexp: /^[\d+.]+/` (server-semantics.md §1.1, "version_prefix is invalid"),
// i.e. it must start with digits, '.' or '+'. This is the same check in RE2, so
// nothing is weakened.
const versionPrefixPattern = `^[\d+.]+`

// versionPrefixOperations are exactly the operations whose version_prefix
// parameter carries lookBehindPattern in GitLab 19.5's spec.
var versionPrefixOperations = []string{
	"getApiV4Runners",
	"getApiV4RunnersAll",
	"getApiV4ProjectsIdRunners",
	"getApiV4GroupsIdRunners",
}

// deviation is one place where the spec and the real server disagree about a
// request; the tests follow the server (server-semantics.md).
type deviation struct {
	Operation string
	Spec      string
	Server    string
	Handling  string
}

// deviations lists every request-side spec/server disagreement the tests
// follow the server on. TestDeviationsAreStillNeeded checks each still applies.
var deviations = []deviation{
	{
		Operation: "deleteApiV4Runners",
		Spec:      "`token` is a required query parameter",
		Server:    "`token` is read from params, body or query (server-semantics.md §0, §1.3); the SDK sends it in the JSON body so a runner token never lands in a URL or access log",
		Handling:  "body field `token` is validated as the declared query parameter",
	},
	{
		Operation: "deleteApiV4RunnersManagers",
		Spec:      "`token` and `system_id` are required query parameters",
		Server:    "both are read from params, body or query (server-semantics.md §1.3); the SDK sends them in the JSON body",
		Handling:  "body fields `token`, `system_id` are validated as the declared query parameters",
	},
	{
		Operation: "getApiV4RunnersIdJobs",
		Spec:      "no `pagination` parameter",
		Server:    "`pagination=keyset` switches to keyset pagination (read raw, undeclared; server-semantics.md §1.1, §3.3)",
		Handling:  "query parameter `pagination` is allowed with the single value `keyset`",
	},
	{
		Operation: "postApiV4UserRunners",
		Spec:      "`group_id` and `project_id` are both always required",
		Server:    "`group_id` is required only for group_type, `project_id` only for project_type (server-semantics.md §1.2)",
		Handling:  "both dropped from `required`; the test checks the conditional rule itself",
	},
}

// bodyAsQuery names, per operation, query parameters the SDK sends in the JSON body instead.
var bodyAsQuery = map[string][]string{
	"deleteApiV4Runners":         {"token"},
	"deleteApiV4RunnersManagers": {"token", "system_id"},
}

// extraQuery names, per operation, undeclared query parameters the server reads, with their allowed values.
var extraQuery = map[string]map[string][]string{
	"getApiV4RunnersIdJobs": {"pagination": {"keyset"}},
}

// contract is the loaded, adjusted spec with a router bound to a test server.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	ops    map[string]*openapi3.Operation // by operationId
	// strict skips the server-semantics deviations, to prove each is needed.
	strict bool
}

// loadContract loads the spec, neutralises the look-behind pattern, applies
// the server-semantics deviations and binds the spec to serverURL.
func loadContract(t *testing.T, serverURL string) *contract {
	t.Helper()
	return loadContractMode(t, serverURL, false)
}

// loadContractMode is loadContract; strict leaves the spec as GitLab wrote it
// (but for the version_prefix pattern) and applies no deviation.
func loadContractMode(t *testing.T, serverURL string, strict bool) *contract {
	t.Helper()
	return loadContractWith(t, serverURL, strict, -1)
}

// loadContractWith is loadContractMode leaving out response deviation skip (-1: none).
func loadContractWith(t *testing.T, serverURL string, strict bool, skip int) *contract {
	t.Helper()
	path := specPathFromEnv()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		// A missing contract is a failure, never a skip: the tests would prove nothing.
		abs, _ := filepath.Abs(path)
		t.Fatalf("GitLab OpenAPI excerpt not found at %s (vendored in conformance/testdata; %s overrides the path)", abs, specEnv)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	require.NoError(t, err, "loading %s", path)

	c := &contract{doc: doc, ops: operationsByID(doc), strict: strict}
	c.neutraliseVersionPrefix(t)
	if !strict {
		c.applyServerSemantics(t)
		c.applyResponseSemantics(t, skip)
	}

	// Requests go to the test server; the spec's paths already carry /api/v4.
	doc.Servers = openapi3.Servers{{URL: serverURL}}
	require.NoError(t, doc.Validate(context.Background()), "spec does not validate after adjustment")
	c.router, err = gorillamux.NewRouter(doc)
	require.NoError(t, err)
	return c
}

func operationsByID(doc *openapi3.T) map[string]*openapi3.Operation {
	ops := make(map[string]*openapi3.Operation)
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops[op.OperationID] = op
		}
	}
	return ops
}

// neutraliseVersionPrefix swaps the look-behind pattern of the version_prefix
// query parameter of exactly versionPrefixOperations for its RE2 equivalent,
// and fails if the pattern is missing there or appears anywhere else, so the
// change cannot silently touch another parameter.
func (c *contract) neutraliseVersionPrefix(t *testing.T) {
	t.Helper()
	want := make(map[string]bool)
	for _, id := range versionPrefixOperations {
		want[id] = true
		op := c.ops[id]
		require.NotNil(t, op, "operation %s with version_prefix is missing from the spec", id)
		p := op.Parameters.GetByInAndName(openapi3.ParameterInQuery, "version_prefix")
		require.NotNil(t, p, "%s: no version_prefix query parameter", id)
		require.NotNil(t, p.Schema, "%s: version_prefix has no schema", id)
		require.Equal(t, lookBehindPattern, p.Schema.Value.Pattern, "%s: version_prefix pattern changed in the spec; revisit the neutralisation", id)
		p.Schema.Value.Pattern = versionPrefixPattern
	}
	for id, op := range c.ops {
		for _, p := range op.Parameters {
			if p.Value.Schema != nil && p.Value.Schema.Value.Pattern == lookBehindPattern && !want[id] {
				t.Fatalf("%s: parameter %s also carries the look-behind pattern; add it to versionPrefixOperations deliberately", id, p.Value.Name)
			}
		}
	}
	_, err := regexp.Compile(versionPrefixPattern)
	require.NoError(t, err)
}

// applyServerSemantics adjusts the spec where the server is known to accept
// more than the spec says (see deviations), and only there.
func (c *contract) applyServerSemantics(t *testing.T) {
	t.Helper()
	for op, names := range bodyAsQuery {
		o := c.ops[op]
		require.NotNil(t, o, "deviation for unknown operation %s", op)
		for _, n := range names {
			p := o.Parameters.GetByInAndName(openapi3.ParameterInQuery, n)
			require.NotNil(t, p, "%s: the spec no longer declares query parameter %s; revisit the deviation", op, n)
		}
	}
	for op, params := range extraQuery {
		o := c.ops[op]
		require.NotNil(t, o, "deviation for unknown operation %s", op)
		for n := range params {
			require.Nil(t, o.Parameters.GetByInAndName(openapi3.ParameterInQuery, n), "%s: the spec now declares %s; drop the deviation", op, n)
		}
	}
	create := c.ops["postApiV4UserRunners"]
	require.NotNil(t, create)
	schema := jsonBodySchema(create)
	require.NotNil(t, schema, "postApiV4UserRunners has no JSON body schema")
	var kept []string
	dropped := 0
	for _, r := range schema.Required {
		if r == "group_id" || r == "project_id" {
			dropped++
			continue
		}
		kept = append(kept, r)
	}
	require.Equal(t, 2, dropped, "postApiV4UserRunners: spec no longer requires group_id and project_id; drop the deviation")
	schema.Required = kept
}

// jsonBodySchema returns the application/json request body schema of op, or nil.
func jsonBodySchema(op *openapi3.Operation) *openapi3.Schema {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// recorded is one request as the SDK put it on the wire.
type recorded struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte
}

// validate checks one recorded request against the contract and returns the
// operationId it matched and every mismatch found.
func (c *contract) validate(ctx context.Context, rec recorded) (string, []string) {
	var problems []string
	req, err := http.NewRequestWithContext(ctx, rec.Method, rec.URL.String(), nil)
	if err != nil {
		return "", []string{err.Error()}
	}
	route, pathParams, err := c.router.FindRoute(req)
	if err != nil {
		return "", []string{fmt.Sprintf("no operation for %s %s: %v", rec.Method, rec.URL.Path, err)}
	}
	op := route.Operation
	id := op.OperationID

	query := rec.URL.Query()
	var body map[string]any
	if len(rec.Body) > 0 {
		if ct := rec.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			problems = append(problems, fmt.Sprintf("body sent with Content-Type %q, want application/json", ct))
		}
		if err := json.Unmarshal(rec.Body, &body); err != nil {
			problems = append(problems, fmt.Sprintf("body is not a JSON object: %v", err))
		}
	}

	asQuery, extra := bodyAsQuery[id], extraQuery[id]
	if c.strict {
		asQuery, extra = nil, nil
	}
	// Deviation: body fields the server reads like the declared query parameters.
	for _, n := range asQuery {
		v, ok := body[n]
		if !ok {
			continue
		}
		if s, isString := v.(string); isString {
			query.Set(n, s)
		} else {
			problems = append(problems, fmt.Sprintf("body field %q (declared as query parameter) is %T, want string", n, v))
		}
		delete(body, n)
	}
	// Deviation: undeclared query parameters the server reads.
	for n, allowed := range extra {
		if vs, ok := query[n]; ok {
			for _, v := range vs {
				if !contains(allowed, v) {
					problems = append(problems, fmt.Sprintf("query parameter %q=%q: want one of %v", n, v, allowed))
				}
			}
			query.Del(n)
		}
	}

	// Unknown query parameters: kin-openapi ignores them, the contract does not.
	declared := make(map[string]bool)
	for _, p := range append(append(openapi3.Parameters{}, route.PathItem.Parameters...), op.Parameters...) {
		if p.Value.In == openapi3.ParameterInQuery {
			declared[p.Value.Name] = true
		}
	}
	for _, n := range sortedKeys(query) {
		if !declared[n] {
			problems = append(problems, fmt.Sprintf("query parameter %q is not declared by the operation", n))
		}
	}

	// Unknown top-level body fields: the schemas do not set additionalProperties: false.
	var bodyBytes []byte
	if len(body) > 0 {
		schema := jsonBodySchema(op)
		if schema == nil {
			problems = append(problems, "JSON body sent but the operation declares none")
		} else {
			for _, n := range sortedKeys(body) {
				if _, ok := schema.Properties[n]; !ok {
					problems = append(problems, fmt.Sprintf("body field %q is not declared by the request schema", n))
				}
			}
		}
		bodyBytes, _ = json.Marshal(body)
	} else if len(rec.Body) > 0 && len(asQuery) == 0 {
		bodyBytes = rec.Body // e.g. "{}": still validated against the schema
	}

	u := *rec.URL
	u.RawQuery = query.Encode()
	vreq, err := http.NewRequestWithContext(ctx, rec.Method, u.String(), strings.NewReader(string(bodyBytes)))
	if err != nil {
		return id, append(problems, err.Error())
	}
	vreq.ContentLength = int64(len(bodyBytes))
	if len(bodyBytes) > 0 {
		vreq.Header.Set("Content-Type", "application/json")
	}
	opts := &openapi3filter.Options{
		MultiError:                        true,
		AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc, // auth is tested in the root module
		RejectWhenRequestBodyNotSpecified: true,
		SkipSettingDefaults:               true,
	}
	// Short messages: the field and the reason, without a dump of the schema.
	opts.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return fmt.Sprintf("at /%s: %s", strings.Join(err.JSONPointer(), "/"), err.Reason)
	})
	input := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: pathParams, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
		var me openapi3.MultiError
		if errors.As(err, &me) {
			for _, e := range me {
				problems = append(problems, e.Error())
			}
		} else {
			problems = append(problems, err.Error())
		}
	}
	return id, problems
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
