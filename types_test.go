package runnerapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunnerDecodeIsTolerant(t *testing.T) {
	const doc = `{
		"id": 77,
		"description": null,
		"ip_address": null,
		"active": true,
		"paused": false,
		"is_shared": false,
		"runner_type": "future_type",
		"name": null,
		"online": null,
		"status": "new_status",
		"job_execution_status": "warming_up",
		"created_at": "2025-01-02T03:04:05.678Z",
		"brand_new_field": {"x": [1, 2]},
		"another": 3.14
	}`
	var r Runner
	require.NoError(t, json.Unmarshal([]byte(doc), &r))
	assert.Equal(t, Runner{
		ID: 77, Active: Ptr(true), RunnerType: RunnerType("future_type"), Status: RunnerStatus("new_status"),
		JobExecutionStatus: JobExecutionStatus("warming_up"), CreatedAt: rnTime("2025-01-02T03:04:05.678Z"),
	}, r)
	assert.False(t, r.RunnerType.Valid(), "an unknown type decodes but is not valid as a filter")
	assert.False(t, r.Status.Valid())
	assert.Nil(t, r.Online, "online: null means never contacted")
	assert.Nil(t, r.CreatedBy, "created_by is absent unless the caller may see it")
}

func TestRunnerIPAddressForms(t *testing.T) {
	for _, tc := range []struct {
		doc, want string
	}{
		{`{"id":1,"ip_address":null}`, ""},
		{`{"id":1,"ip_address":""}`, ""},
		{`{"id":1}`, ""},
		{`{"id":1,"ip_address":"10.1.2.3"}`, "10.1.2.3"},
	} {
		var r Runner
		require.NoError(t, json.Unmarshal([]byte(tc.doc), &r), tc.doc)
		assert.Equal(t, tc.want, r.IPAddress, tc.doc)
	}
}

func TestRunnerOnlineForms(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want *bool
	}{
		{`{"online":null}`, nil},
		{`{}`, nil},
		{`{"online":true}`, Ptr(true)},
		{`{"online":false}`, Ptr(false)},
	} {
		var r Runner
		require.NoError(t, json.Unmarshal([]byte(tc.doc), &r), tc.doc)
		assert.Equal(t, tc.want, r.Online, tc.doc)
	}
}

func TestRunnerDetailsMaximumTimeoutAndTimestamps(t *testing.T) {
	var d RunnerDetails
	require.NoError(t, json.Unmarshal([]byte(`{"id":5,"maximum_timeout":null,"contacted_at":null,
		"version":null,"maintenance_note":null,"tag_list":[],"groups":[]}`), &d))
	assert.Nil(t, d.MaximumTimeout, "null means no limit")
	assert.Nil(t, d.ContactedAt)
	assert.Nil(t, d.Projects, "projects are absent with include_projects=false")
	assert.Equal(t, []*Group{}, d.Groups)
	assert.Equal(t, []string{}, d.TagList)

	require.NoError(t, json.Unmarshal([]byte(`{"id":5,"maximum_timeout":3600,"contacted_at":"2016-01-25T16:39:48.066Z",
		"created_at":"2016-01-25T16:39:48+02:00"}`), &d))
	require.NotNil(t, d.MaximumTimeout)
	assert.EqualValues(t, 3600, *d.MaximumTimeout)
	require.NotNil(t, d.ContactedAt)
	assert.True(t, d.ContactedAt.Equal(time.Date(2016, 1, 25, 16, 39, 48, 66_000_000, time.UTC)))
	require.NotNil(t, d.CreatedAt)
	assert.True(t, d.CreatedAt.Equal(time.Date(2016, 1, 25, 14, 39, 48, 0, time.UTC)), "offsets are honoured")
}

func TestRunnerTimestampMustBeRFC3339(t *testing.T) {
	var r Runner
	err := json.Unmarshal([]byte(`{"created_at":"25/01/2016"}`), &r)
	assert.Error(t, err)
}

func TestRunnerIsPaused(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want bool
	}{
		{"old server, active false only", `{"id":1,"active":false}`, true},
		{"old server, active true only", `{"id":1,"active":true}`, false},
		{"new server paused", `{"id":1,"active":false,"paused":true}`, true},
		{"new server running", `{"id":1,"active":true,"paused":false}`, false},
		{"paused without active", `{"id":1,"paused":true}`, true},
		{"neither field", `{"id":1}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Runner
			require.NoError(t, json.Unmarshal([]byte(tc.doc), &r))
			assert.Equal(t, tc.want, r.IsPaused())
		})
	}
}

func TestRunnerRegistrationIDForms(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      RunnerRegistration
	}{
		{"number", `{"id":12345,"token":"glrt-abc","token_expires_at":null}`, RunnerRegistration{ID: 12345, Token: "glrt-abc"}},
		{"string", `{"id":"12345","token":"6337ff461c94fd3fa32ba3b1ff4125"}`, RunnerRegistration{ID: 12345, Token: "6337ff461c94fd3fa32ba3b1ff4125"}},
		{"null", `{"id":null,"token":"x"}`, RunnerRegistration{Token: "x"}},
		{"absent", `{"token":"x"}`, RunnerRegistration{Token: "x"}},
		{"with expiry", `{"id":1,"token":"x","token_expires_at":"2021-09-27T21:05:03.203Z"}`,
			RunnerRegistration{ID: 1, Token: "x", TokenExpiresAt: rnTime("2021-09-27T21:05:03.203Z")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r RunnerRegistration
			require.NoError(t, json.Unmarshal([]byte(tc.doc), &r))
			assert.Equal(t, tc.want, r)
		})
	}
	for _, bad := range []string{`{"id":"twelve"}`, `{"id":true}`, `{"id":1.5}`, `{"id":"1", "token": 5}`, `[]`} {
		var r RunnerRegistration
		assert.Error(t, json.Unmarshal([]byte(bad), &r), bad)
	}
}

func TestRunnerVerificationForms(t *testing.T) {
	var v RunnerVerification
	require.NoError(t, json.Unmarshal([]byte(`{"id":9,"token":"glrt-x","token_expires_at":null}`), &v))
	assert.Equal(t, RunnerVerification{ID: 9, Token: "glrt-x"}, v)

	require.NoError(t, json.Unmarshal([]byte(`200`), &v))
	assert.Equal(t, RunnerVerification{Legacy: true}, v)

	for _, raw := range []string{"200", "200\n", "", `"200"`} {
		var r RunnerVerification
		require.NoError(t, r.decodeRawBody(200, []byte(raw)), raw)
		assert.Equal(t, RunnerVerification{Legacy: true}, r, raw)
	}
	for _, raw := range []string{"OK", "null", "<html>"} {
		var r RunnerVerification
		require.Error(t, r.decodeRawBody(200, []byte(raw)), raw)
	}
	var r RunnerVerification
	require.Error(t, r.decodeRawBody(201, nil), "only a 200 may be empty")
	require.NoError(t, r.decodeRawBody(200, []byte(` {"id":3,"token":"glrt-y"} `)))
	assert.Equal(t, RunnerVerification{ID: 3, Token: "glrt-y"}, r)
	assert.Error(t, r.decodeRawBody(200, []byte(`{"id":`)))
}

func TestJobDecodeIsTolerant(t *testing.T) {
	var j Job
	require.NoError(t, json.Unmarshal([]byte(`{"id":1,"status":"brand_new_status","coverage":null,"duration":null,
		"user":null,"commit":null,"pipeline":{"id":2,"status":"whatever"},"project":{"id":3,"ci_job_token_scope_enabled":true},
		"archived":false}`), &j))
	assert.Equal(t, Job{ID: 1, Status: JobStatus("brand_new_status"), Pipeline: &Pipeline{ID: 2, Status: "whatever"},
		Project: &Project{ID: 3}}, j)
	assert.False(t, j.Status.Valid())
}

func TestRunnerManagerDecode(t *testing.T) {
	var m RunnerManager
	require.NoError(t, json.Unmarshal([]byte(`{"id":1,"system_id":"<legacy>","version":null,"ip_address":null,
		"status":"never_contacted","created_at":"2025-01-01T00:00:00Z","contacted_at":null,"unknown":1}`), &m))
	assert.Equal(t, RunnerManager{ID: 1, SystemID: "<legacy>", Status: RunnerStatusNeverContacted,
		CreatedAt: rnTime("2025-01-01T00:00:00Z")}, m)
}

func TestTokenWithExpiryDecode(t *testing.T) {
	var tok TokenWithExpiry
	require.NoError(t, json.Unmarshal([]byte(`{"token":"GR1348941abc"}`), &tok))
	assert.Equal(t, TokenWithExpiry{Token: "GR1348941abc"}, tok)
	require.NoError(t, json.Unmarshal([]byte(`{"token":"glrt-abc","token_expires_at":"2030-01-01T00:00:00.000Z"}`), &tok))
	assert.Equal(t, TokenWithExpiry{Token: "glrt-abc", TokenExpiresAt: rnTime("2030-01-01T00:00:00.000Z")}, tok)
}

func TestEnumValid(t *testing.T) {
	runnerTypes := []RunnerType{RunnerTypeInstance, RunnerTypeGroup, RunnerTypeProject}
	for _, v := range runnerTypes {
		assert.True(t, v.Valid(), v)
	}
	assert.Equal(t, []string{"instance_type", "group_type", "project_type"},
		[]string{string(runnerTypes[0]), string(runnerTypes[1]), string(runnerTypes[2])})
	for _, v := range []RunnerType{"", "shared", "specific", "Instance_Type", "instance_type ", "future_type"} {
		assert.False(t, v.Valid(), v)
	}

	statuses := map[RunnerStatus]string{
		RunnerStatusOnline: "online", RunnerStatusOffline: "offline", RunnerStatusStale: "stale",
		RunnerStatusNeverContacted: "never_contacted", RunnerStatusActive: "active", RunnerStatusPaused: "paused",
	}
	for v, s := range statuses {
		assert.True(t, v.Valid(), v)
		assert.Equal(t, s, string(v))
	}
	for _, v := range []RunnerStatus{"", "ONLINE", "busy", "not_connected", "new_status"} {
		assert.False(t, v.Valid(), v)
	}

	assert.True(t, AccessLevelNotProtected.Valid())
	assert.True(t, AccessLevelRefProtected.Valid())
	assert.Equal(t, "not_protected", string(AccessLevelNotProtected))
	assert.Equal(t, "ref_protected", string(AccessLevelRefProtected))
	for _, v := range []AccessLevel{"", "protected", "Ref_Protected", "0"} {
		assert.False(t, v.Valid(), v)
	}

	jobStatuses := map[JobStatus]string{
		JobStatusCreated: "created", JobStatusWaitingForResource: "waiting_for_resource",
		JobStatusPreparing: "preparing", JobStatusWaitingForCallback: "waiting_for_callback",
		JobStatusPending: "pending", JobStatusRunning: "running", JobStatusSuccess: "success",
		JobStatusFailed: "failed", JobStatusCanceling: "canceling", JobStatusCanceled: "canceled",
		JobStatusSkipped: "skipped", JobStatusManual: "manual", JobStatusScheduled: "scheduled",
	}
	require.Len(t, jobStatuses, 13, "every status GitLab accepts as a filter")
	for v, s := range jobStatuses {
		assert.True(t, v.Valid(), v)
		assert.Equal(t, s, string(v))
	}
	for _, v := range []JobStatus{"", "cancelled", "succeeded", "RUNNING", "done"} {
		assert.False(t, v.Valid(), v)
	}

	for _, v := range []RunnerControllerState{RunnerControllerStateDisabled, RunnerControllerStateEnabled, RunnerControllerStateDryRun} {
		assert.True(t, v.Valid(), v)
	}
	for _, v := range []RunnerControllerState{"", "on", "dry-run"} {
		assert.False(t, v.Valid(), v)
	}
}

func TestOptionStructsOmitUnsetFields(t *testing.T) {
	b, err := json.Marshal(&UpdateRunnerOptions{Paused: Ptr(false), MaximumTimeout: Ptr(int64(0))})
	require.NoError(t, err)
	assert.JSONEq(t, `{"paused":false,"maximum_timeout":0}`, string(b), "set zero values are sent, unset ones are not")

	b, err = json.Marshal(&registerBody{Token: "GR1348941abc"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"token":"GR1348941abc"}`, string(b), "nil RegisterRunnerOptions add nothing to the token")

	b, err = json.Marshal(&createBody{RunnerType: RunnerTypeInstance})
	require.NoError(t, err)
	assert.JSONEq(t, `{"runner_type":"instance_type"}`, string(b), "an instance owner sends no group_id or project_id")
}

// TestTokenCarryingTypesDoNotPrintTokens proves the promise of the doc
// comments on the option and result types that hold a token: printing them
// with fmt never shows it, while JSON still carries it.
func TestTokenCarryingTypesDoNotPrintTokens(t *testing.T) {
	const secret = "6337ff461c94fd3fa32ba3b1ff4125"
	exp := rnTime("2021-09-27T21:05:03.203Z")
	values := map[string]any{
		"registerBody":          registerBody{Token: secret, RegisterRunnerOptions: RegisterRunnerOptions{Description: Ptr("ci")}},
		"tokenBody":             tokenBody{Token: secret, SystemID: "s_1"},
		"RunnerRegistration":    RunnerRegistration{ID: 12345, Token: secret, TokenExpiresAt: exp},
		"RunnerVerification":    RunnerVerification{ID: 12345, Token: secret},
		"TokenWithExpiry":       TokenWithExpiry{Token: secret, TokenExpiresAt: exp},
		"RunnerControllerToken": RunnerControllerToken{ID: 1, Token: secret},
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
				out := fmt.Sprintf(verb, v)
				assert.NotContains(t, out, secret, verb)
				assert.Contains(t, out, redacted, verb)
			}
			outPtr := fmt.Sprintf("%+v", ptrTo(v))
			assert.NotContains(t, outPtr, secret, "through a pointer")
			assert.Equal(t, "%!d("+reflect.TypeOf(v).String()+")", fmt.Sprintf("%d", v), "other verbs print no fields")
			b, err := json.Marshal(v)
			require.NoError(t, err)
			assert.Contains(t, string(b), secret, "JSON encoding is unaffected")
		})
	}
	// A field other than the token is still shown.
	out := fmt.Sprintf("%+v", RunnerRegistration{ID: 12345, Token: secret})
	assert.Contains(t, out, "ID:12345")
	assert.Contains(t, out, "Token:"+redacted)
	assert.Equal(t, `runnerapi.TokenWithExpiry{Token:"", TokenExpiresAt:<nil>}`, fmt.Sprintf("%#v", TokenWithExpiry{}),
		"an empty token prints as empty, not as redacted")
}

// ptrTo returns a pointer to a copy of v, keeping its dynamic type.
func ptrTo(v any) any {
	p := reflect.New(reflect.TypeOf(v))
	p.Elem().Set(reflect.ValueOf(v))
	return p.Interface()
}
