package conformance

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// responseDeviation is one place where GitLab's generated spec describes an
// answer differently from what the newest server code sends; the tests
// follow the code (server-semantics.md §8.8, entities in §2).
// TestResponseDeviationsAreStillNeeded proves each one: with every other
// deviation applied but this one, the fake's answers for Ops must fail with
// each Evidence (or Needed must hold of the spec as GitLab wrote it).
type responseDeviation struct {
	Where    string
	Spec     string
	Server   string
	Ops      []string // operations whose answers show the deviation
	Evidence []string // substrings of problems without this deviation; nil with Needed
	Needed   func(doc *openapi3.T) bool
	apply    func(t *testing.T, c *contract)
}

// userOps401 are the user-authenticated operations (authenticate!,
// authenticated_as_admin!) whose 401 the spec does not list.
var userOps401 = []string{
	"getApiV4RunnersIdManagers", "postApiV4RunnersIdResetAuthenticationToken", "postApiV4RunnersResetRegistrationToken",
	"postApiV4UserRunners", "getApiV4ProjectsIdRunners", "postApiV4ProjectsIdRunners", "deleteApiV4ProjectsIdRunnersRunnerId",
	"getApiV4GroupsIdRunners", "getApiV4RunnerControllers",
}

var listOps = []string{
	"getApiV4Runners", "getApiV4RunnersAll", "getApiV4RunnersIdManagers", "getApiV4RunnersIdProjects",
	"getApiV4RunnersIdJobs", "getApiV4ProjectsIdRunners", "getApiV4GroupsIdRunners",
}

var responseDeviations = []responseDeviation{
	{
		Where: "200 answers of " + strings.Join(listOps, ", "), Spec: "one entity (the generator drops `is_array`)",
		Server: "`present paginate(…)`: a JSON array of the entity", Ops: listOps, Evidence: []string{"at /: value must be an object"},
		apply: func(t *testing.T, c *contract) {
			for _, id := range listOps {
				mt := jsonResponse(t, c, id, 200)
				mt.Schema = &openapi3.SchemaRef{Value: openapi3.NewArraySchema().WithItems(mt.Schema.Value)}
			}
		},
	},
	{
		Where: "APIEntitiesCiRunnerDetails tag_list, run_untagged, locked, maximum_timeout", Spec: "strings",
		Server: "entity runner_details.rb: an array of strings, booleans, an integer (null: no limit)",
		Ops:    []string{"getApiV4RunnersId", "putApiV4RunnersId"}, Evidence: []string{"at /tag_list: value must be a string", "at /run_untagged: value must be a string", "at /locked: value must be a string", "at /maximum_timeout: value must be a string"},
		apply: func(t *testing.T, c *contract) {
			setProp(t, c, "APIEntitiesCiRunnerDetails", "tag_list", openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema()))
			setProp(t, c, "APIEntitiesCiRunnerDetails", "run_untagged", openapi3.NewBoolSchema())
			setProp(t, c, "APIEntitiesCiRunnerDetails", "locked", openapi3.NewBoolSchema())
			setProp(t, c, "APIEntitiesCiRunnerDetails", "maximum_timeout", openapi3.NewIntegerSchema().WithNullable())
		},
	},
	{
		Where: "APIEntitiesCiRunnerDetails projects, groups", Spec: "one BasicProjectDetails / BasicGroupDetails",
		Server: "arrays of them (projects absent with include_projects=false)", Ops: []string{"getApiV4RunnersId"},
		Evidence: []string{"at /projects: value must be an object", "at /groups: value must be an object"},
		apply: func(t *testing.T, c *contract) {
			for prop, ref := range map[string]string{"projects": "APIEntitiesBasicProjectDetails", "groups": "APIEntitiesBasicGroupDetails"} {
				items := c.doc.Components.Schemas[ref]
				require.NotNil(t, items, ref)
				setProp(t, c, "APIEntitiesCiRunnerDetails", prop, &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray}, Items: items})
			}
		},
	},
	{
		Where: "APIEntitiesCiRunnerRegistrationDetails.id", Spec: "string", Server: "integer (the runner's id)",
		Ops: []string{"postApiV4UserRunners", "postApiV4RunnersVerify", "postApiV4Runners"}, Evidence: []string{"at /id: value must be a string"},
		apply: func(t *testing.T, c *contract) {
			setProp(t, c, "APIEntitiesCiRunnerRegistrationDetails", "id", openapi3.NewInt64Schema())
		},
	},
	nullable("APIEntitiesCiRunner", []string{"getApiV4Runners", "getApiV4RunnersAll", "postApiV4ProjectsIdRunners"},
		"ip_address (always null in the newest entity), name, online (never contacted)", "ip_address", "name", "online"),
	nullable("APIEntitiesCiRunnerDetails", []string{"getApiV4RunnersId"},
		"ip_address, name, online, version/revision/platform/architecture and contacted_at (no manager yet), maintenance_note (hidden or unset)",
		"ip_address", "name", "online", "version", "revision", "platform", "architecture", "contacted_at", "maintenance_note"),
	nullable("APIEntitiesCiRunnerManager", []string{"getApiV4RunnersIdManagers"},
		"version, revision, platform, architecture, contacted_at, ip_address of a manager that has not reported them",
		"version", "revision", "platform", "architecture", "contacted_at", "ip_address"),
	nullable("APIEntitiesUserBasic", []string{"getApiV4RunnersId"}, "avatar_url of a user without an avatar", "avatar_url"),
	nullable("APIEntitiesUser", []string{"getApiV4RunnersIdJobs"}, "avatar_url of a job's user without an avatar", "avatar_url"),
	nullable("APIEntitiesBasicProjectDetails", []string{"getApiV4RunnersIdProjects", "getApiV4RunnersId"}, "description and avatar_url of a project without them", "description", "avatar_url"),
	nullable("APIEntitiesNamespaceBasic", []string{"getApiV4RunnersIdProjects", "getApiV4RunnersId"}, "avatar_url of a group without an avatar", "avatar_url"),
	nullable("APIEntitiesProjectIdentity", []string{"getApiV4RunnersIdJobs"}, "description of a job's project without one", "description"),
	nullable("APIEntitiesCiRunnerRegistrationDetails", []string{"postApiV4UserRunners", "postApiV4RunnersVerify"},
		"token_expires_at of a token that does not expire", "token_expires_at"),
	nullable("APIEntitiesCiResetTokenResult", []string{"postApiV4RunnersIdResetAuthenticationToken", "postApiV4RunnersResetAuthenticationToken"},
		"token_expires_at of a token that does not expire", "token_expires_at"),
	nullable("APIEntitiesCiRunnerControllerToken", []string{"getApiV4RunnerControllersRunnerControllerIdTokens", "postApiV4RunnerControllersRunnerControllerIdTokens"},
		"last_used_at of a token never used", "last_used_at"),
	nullable("APIEntitiesCiRunnerControllerTokenWithToken", []string{"postApiV4RunnerControllersRunnerControllerIdTokensIdRotate"},
		"last_used_at of a token never used", "last_used_at"),
	nullable("APIEntitiesCiJobBasicWithProject", []string{"getApiV4RunnersIdJobs"},
		"coverage, started_at/finished_at/erased_at, duration/queued_duration of a job that has not run or finished",
		"coverage", "erased_at"),
	{
		Where: "deleteApiV4RunnersId, deleteApiV4ProjectsIdRunnersRunnerId, deleteApiV4RunnerControllersId", Spec: "200 with the deleted entity",
		Server: "`destroy_conditionally!`: 204 No Content", Ops: []string{"deleteApiV4RunnersId", "deleteApiV4ProjectsIdRunnersRunnerId", "deleteApiV4RunnerControllersId"},
		Evidence: []string{"answered 204: status is not supported"},
		apply: func(t *testing.T, c *contract) {
			for _, id := range []string{"deleteApiV4RunnersId", "deleteApiV4ProjectsIdRunnersRunnerId", "deleteApiV4RunnerControllersId"} {
				moveStatus(t, c, id, 200, 204)
				c.ops[id].Responses.Status(204).Value.Content = nil
			}
		},
	},
	{
		Where: "postApiV4RunnerControllersRunnerControllerIdTokensIdRotate", Spec: "201", Server: "200 (`status :ok`)",
		Ops: []string{"postApiV4RunnerControllersRunnerControllerIdTokensIdRotate"}, Evidence: []string{"answered 200: status is not supported"},
		apply: func(t *testing.T, c *contract) {
			moveStatus(t, c, "postApiV4RunnerControllersRunnerControllerIdTokensIdRotate", 201, 200)
		},
	},
	addStatuses(userOps401, 401, "401 Unauthorized from authenticate! / authenticated_as_admin! (no or unknown credentials)"),
	addStatuses([]string{"getApiV4RunnersAll"}, 403, "403 Forbidden from authenticated_with_can_read_all_resources! (not an administrator or auditor)"),
	addStatuses([]string{"getApiV4RunnerControllers"}, 404, "404 Not Found without the Ultimate licence (`not_found!` in the prelude)"),
	addStatuses([]string{"getApiV4RunnersIdJobs"}, 405, "405 from the keyset and offset-limit checks of paginate_with_strategies"),
	addStatuses([]string{"deleteApiV4Runners", "deleteApiV4RunnersManagers", "deleteApiV4RunnerControllersId"}, 412,
		"412 Precondition Failed from `destroy_conditionally!` (If-Unmodified-Since)"),
	{
		Where: "every operation", Spec: "no 429", Server: "Rack::Attack answers 429 text/plain `Retry later` in front of every API route (§6)",
		Ops: []string{"getApiV4Runners"}, Evidence: []string{"answered 429: status is not supported"},
		apply: func(t *testing.T, c *contract) {
			for _, op := range c.ops {
				op.Responses.Set("429", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("Rack::Attack throttle")})
			}
		},
	},
	{
		Where: "getApiV4RunnerControllersIdScopes 200", Spec: "no body schema",
		Server: "`{instance_level_scopings: [InstanceLevelScoping], runner_level_scopings: [RunnerLevelScoping]}`",
		Ops:    []string{"getApiV4RunnerControllersIdScopes"},
		Needed: func(doc *openapi3.T) bool {
			r := operationsByID(doc)["getApiV4RunnerControllersIdScopes"].Responses.Status(200)
			return r != nil && len(r.Value.Content) == 0
		},
		apply: func(t *testing.T, c *contract) {
			inst := c.doc.Components.Schemas["APIEntitiesCiRunnerControllerInstanceLevelScoping"]
			run := c.doc.Components.Schemas["APIEntitiesCiRunnerControllerRunnerLevelScoping"]
			require.NotNil(t, inst)
			require.NotNil(t, run)
			body := openapi3.NewObjectSchema().
				WithPropertyRef("instance_level_scopings", &openapi3.SchemaRef{Value: openapi3.NewArraySchema().WithItems(inst.Value)}).
				WithPropertyRef("runner_level_scopings", &openapi3.SchemaRef{Value: openapi3.NewArraySchema().WithItems(run.Value)})
			body.Required = []string{"instance_level_scopings", "runner_level_scopings"}
			body.AdditionalProperties = openapi3.AdditionalProperties{Has: openapi3.Ptr(false)}
			c.ops["getApiV4RunnerControllersIdScopes"].Responses.Status(200).Value.Content = openapi3.NewContentWithJSONSchema(body)
		},
	},
}

func nullable(schema string, ops []string, why string, props ...string) responseDeviation {
	return responseDeviation{
		Where: schema + " " + strings.Join(props, ", "), Spec: "not nullable", Server: "null for " + why,
		Ops: ops, Evidence: evidenceNull(props),
		apply: func(t *testing.T, c *contract) {
			s := c.doc.Components.Schemas[schema]
			require.NotNil(t, s, "schema %s", schema)
			for _, p := range props {
				ref := s.Value.Properties[p]
				require.NotNil(t, ref, "%s has no property %s; revisit the deviation", schema, p)
				require.Empty(t, ref.Ref, "%s.%s is a $ref", schema, p)
				ref.Value.Nullable = true
			}
		},
	}
}

func evidenceNull(props []string) []string {
	out := make([]string, len(props))
	for i, p := range props {
		out[i] = "/" + p + ": Value is not nullable"
	}
	return out
}

func addStatuses(ops []string, status int, why string) responseDeviation {
	return responseDeviation{
		Where: strings.Join(ops, ", "), Spec: "no " + strconv.Itoa(status), Server: why, Ops: ops,
		Evidence: []string{fmt.Sprintf("answered %d: status is not supported", status)},
		apply: func(t *testing.T, c *contract) {
			for _, id := range ops {
				op := c.ops[id]
				require.NotNil(t, op, id)
				require.Nil(t, op.Responses.Status(status), "%s now declares %d; drop it from the deviation", id, status)
				op.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription(why)})
			}
		},
	}
}

func jsonResponse(t *testing.T, c *contract, id string, status int) *openapi3.MediaType {
	t.Helper()
	op := c.ops[id]
	require.NotNil(t, op, id)
	r := op.Responses.Status(status)
	require.NotNil(t, r, "%s declares no %d", id, status)
	mt := r.Value.Content.Get("application/json")
	require.NotNil(t, mt, "%s %d has no JSON body", id, status)
	return mt
}

func setProp(t *testing.T, c *contract, schema, prop string, v *openapi3.Schema) {
	t.Helper()
	s := c.doc.Components.Schemas[schema]
	require.NotNil(t, s, schema)
	require.Contains(t, s.Value.Properties, prop, "%s has no %s; revisit the deviation", schema, prop)
	s.Value.Properties[prop] = &openapi3.SchemaRef{Value: v}
}

func moveStatus(t *testing.T, c *contract, id string, from, to int) {
	t.Helper()
	op := c.ops[id]
	require.NotNil(t, op, id)
	r := op.Responses.Status(from)
	require.NotNil(t, r, "%s no longer declares %d; drop the deviation", id, from)
	require.Nil(t, op.Responses.Status(to), "%s now declares %d", id, to)
	op.Responses.Delete(strconv.Itoa(from))
	op.Responses.Set(strconv.Itoa(to), r)
}

// applyResponseSemantics applies every response deviation but the one at index skip.
func (c *contract) applyResponseSemantics(t *testing.T, skip int) {
	t.Helper()
	for i, d := range responseDeviations {
		if i != skip {
			d.apply(t, c)
		}
	}
}

// TestResponseDeviationsAreStillNeeded validates the fake's answers against
// the spec as GitLab wrote it: each deviation must show up there, or it is
// obsolete and must go.
func TestResponseDeviationsAreStillNeeded(t *testing.T) {
	strict := loadContractMode(t, "http://127.0.0.1", true)
	ctx := context.Background()
	for i, d := range responseDeviations {
		t.Run(d.Where, func(t *testing.T) {
			if d.Needed != nil {
				assert.True(t, d.Needed(strict.doc), "the spec now covers this; drop the deviation")
				return
			}
			f := newFakeFixture(t)
			c := loadContractWith(t, f.srv.URL(), false, i)
			problems := map[string][]string{}
			for _, a := range f.drive(t) {
				op, ps := c.validateResponse(ctx, a)
				for _, p := range ps {
					problems[op] = append(problems[op], fmt.Sprintf("answered %d: %s", a.status, p))
				}
			}
			rl := rateLimitedAnswer(t)
			op, ps := loadContractWith(t, rl.req.URL.Scheme+"://"+rl.req.URL.Host, false, i).validateResponse(ctx, rl)
			for _, p := range ps {
				problems[op] = append(problems[op], fmt.Sprintf("answered %d: %s", rl.status, p))
			}
			for _, want := range d.Evidence {
				found := false
				for _, id := range d.Ops {
					for _, p := range problems[id] {
						found = found || strings.Contains(p, want)
					}
				}
				assert.True(t, found, "without this deviation no answer of %v fails with %q: it is obsolete (or its list too long)", d.Ops, want)
			}
		})
	}
}
