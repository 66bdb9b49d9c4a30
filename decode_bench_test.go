package runnerapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// runnersPage renders a page of n runners as the newest GitLab lists them
// (entity Ci::Runner, plus contacted_at, which list answers of the
// benchmarks' server carry and Runner ignores): mostly online instance
// runners, with every tenth runner created by a user, some never contacted
// (online null) and some without a name.
func runnersPage(n int) []byte {
	var b strings.Builder
	b.WriteByte('[')
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		typ, status, online, name, createdBy := "instance_type", "online", "true", `"gitlab-runner"`, "null"
		switch {
		case i%10 == 0:
			typ, createdBy = "project_type", fmt.Sprintf(`{"id":%d,"username":"ops-%d","name":"Ops %d","state":"active",`+
				`"locked":false,"avatar_url":"https://gitlab.example.com/uploads/-/system/user/avatar/%d/avatar.png",`+
				`"web_url":"https://gitlab.example.com/ops-%d"}`, i, i, i, i, i)
		case i%7 == 0:
			typ, status, online, name = "group_type", "never_contacted", "null", "null"
		case i%5 == 0:
			status, online = "offline", "false"
		}
		fmt.Fprintf(&b, `{"id":%d,"description":"runner-%d","ip_address":null,"active":true,"paused":false,`+
			`"is_shared":%t,"runner_type":%q,"name":%s,"online":%s,"created_by":%s,"status":%q,`+
			`"job_execution_status":"idle","created_at":"2025-07-01T10:00:00.000Z","contacted_at":"2025-07-15T09:30:00.000Z"}`,
			i, i, typ == "instance_type", typ, name, online, createdBy, status)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// plainUser and plainRunner have the shape of User and Runner without any
// custom unmarshaler (enums as plain strings): what encoding/json alone
// costs for the same bytes.
type plainUser struct {
	ID               int64      `json:"id"`
	Username         string     `json:"username"`
	Name             string     `json:"name"`
	State            string     `json:"state"`
	Locked           bool       `json:"locked,omitempty"`
	AvatarURL        string     `json:"avatar_url"`
	AvatarPath       string     `json:"avatar_path,omitempty"`
	WebURL           string     `json:"web_url"`
	CreatedAt        *time.Time `json:"created_at,omitempty"`
	Bio              string     `json:"bio,omitempty"`
	Location         string     `json:"location,omitempty"`
	PublicEmail      string     `json:"public_email,omitempty"`
	Skype            string     `json:"skype,omitempty"`
	Linkedin         string     `json:"linkedin,omitempty"`
	Twitter          string     `json:"twitter,omitempty"`
	Discord          string     `json:"discord,omitempty"`
	GitHub           string     `json:"github,omitempty"`
	WebsiteURL       string     `json:"website_url,omitempty"`
	Organization     string     `json:"organization,omitempty"`
	JobTitle         string     `json:"job_title,omitempty"`
	Pronouns         string     `json:"pronouns,omitempty"`
	Bot              bool       `json:"bot,omitempty"`
	WorkInformation  string     `json:"work_information,omitempty"`
	LocalTime        string     `json:"local_time,omitempty"`
	Followers        int64      `json:"followers,omitempty"`
	Following        int64      `json:"following,omitempty"`
	IsFollowed       *bool      `json:"is_followed,omitempty"`
	CustomAttributes []*struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"custom_attributes,omitempty"`
}

type plainRunner struct {
	ID                 int64      `json:"id"`
	Description        string     `json:"description"`
	IPAddress          string     `json:"ip_address"`
	Active             *bool      `json:"active,omitempty"`
	Paused             bool       `json:"paused"`
	IsShared           bool       `json:"is_shared"`
	RunnerType         string     `json:"runner_type"`
	Name               string     `json:"name"`
	Online             *bool      `json:"online"`
	Status             string     `json:"status"`
	JobExecutionStatus string     `json:"job_execution_status,omitempty"`
	CreatedBy          *plainUser `json:"created_by,omitempty"`
	CreatedAt          *time.Time `json:"created_at,omitempty"`
}

const benchPageSize = 100

// BenchmarkDecodeRunnersPage decodes one 100-runner page held in a byte
// slice, as the client decodes a success body: runnerapi with the SDK's
// decode (its fast path for runner lists), encoding-json with json.Unmarshal
// into the same []*Runner, plain with json.Unmarshal into []*plainRunner (the
// same shape without custom unmarshalers). plain is what encoding/json alone
// costs; the others' difference to it is the SDK's own.
func BenchmarkDecodeRunnersPage(b *testing.B) {
	page := runnersPage(benchPageSize)
	run := func(b *testing.B, decode func() error) {
		b.ReportAllocs()
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			if err := decode(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchPageSize, "ns/runner")
	}
	b.Run("runnerapi", func(b *testing.B) {
		run(b, func() error { var v []*Runner; return decode(http.StatusOK, page, &v) })
	})
	b.Run("encoding-json", func(b *testing.B) {
		run(b, func() error { var v []*Runner; return json.Unmarshal(page, &v) })
	})
	b.Run("plain", func(b *testing.B) {
		run(b, func() error { var v []*plainRunner; return json.Unmarshal(page, &v) })
	})
}

// TestRunnersPageDecodesLikePlain checks that the benchmark's two targets
// see the same data, so the comparison is like for like.
func TestRunnersPageDecodesLikePlain(t *testing.T) {
	page := runnersPage(benchPageSize)
	var got []*Runner
	var want []*plainRunner
	if err := json.Unmarshal(page, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(page, &want); err != nil {
		t.Fatal(err)
	}
	if len(got) != benchPageSize || len(want) != benchPageSize {
		t.Fatalf("decoded %d and %d runners, want %d", len(got), len(want), benchPageSize)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Description != w.Description || g.Name != w.Name || string(g.RunnerType) != w.RunnerType ||
			string(g.Status) != w.Status || (g.Online == nil) != (w.Online == nil) || (g.CreatedBy == nil) != (w.CreatedBy == nil) ||
			!g.CreatedAt.Equal(*w.CreatedAt) {
			t.Fatalf("runner %d: %+v, plain %+v", i, g, w)
		}
	}
}
