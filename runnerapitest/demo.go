package runnerapitest

import (
	"time"

	"github.com/runnerkit/runnerapi"
)

// DemoUserToken is the personal access token of the demo's non-admin user "maria".
const DemoUserToken = "glpat-runnerapitest-maria-0001"

// seedDemo builds the WithDemoData fleet.
func seedDemo(s *Server) {
	now := s.now()
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	day := 24 * time.Hour

	s.mu.Lock()
	mu := s.st.addUser("maria", "Maria Silva", false, DemoUserToken)
	s.mu.Unlock()
	maria := User{ID: mu.id, Username: mu.username, Token: mu.token}
	acme := s.AddGroup("acme", 0)
	infra := s.AddGroup("infra", acme.ID)
	web := s.AddGroup("web", acme.ID)
	platform := s.AddProject("platform", infra.ID)
	api := s.AddProject("api", web.ID)
	site := s.AddProject("site", web.ID)
	s.AddGroupMember(acme.ID, maria.ID, RoleMaintainer)
	s.AddProjectMember(platform.ID, maria.ID, RoleMaintainer)

	mgr := func(sys, version string, contacted *time.Time) []ManagerSpec {
		return []ManagerSpec{{SystemID: sys, Version: version, Revision: "cc489270", Platform: "linux", Architecture: "amd64", IPAddress: "10.0.3.17", ContactedAt: contacted}}
	}
	type seed struct {
		spec  RunnerSpec
		count int
	}
	seeds := []seed{
		{RunnerSpec{Description: "shared-docker-large", Name: "gitlab-runner", Tags: []string{"docker", "linux", "amd64"}, CreatedAt: now.Add(-300 * day), ContactedAt: ago(3 * time.Minute), Managers: mgr("s_0e1a2b3c4d5e", "18.5.0", ago(3*time.Minute)), CreatedBy: 1}, 4},
		{RunnerSpec{Description: "shared-arm64", Name: "gitlab-runner", Tags: []string{"docker", "linux", "arm64"}, CreatedAt: now.Add(-120 * day), ContactedAt: ago(20 * time.Minute), Managers: mgr("s_9f8e7d6c5b4a", "18.4.2", ago(20*time.Minute)), CreatedBy: 1}, 2},
		{RunnerSpec{Description: "shared-windows", Name: "gitlab-runner", Tags: []string{"windows", "shell"}, NoUntagged: true, CreatedAt: now.Add(-90 * day), ContactedAt: ago(5 * time.Hour), Managers: mgr("s_aa11bb22cc33", "18.2.1", ago(5*time.Hour))}, 2},
		{RunnerSpec{Description: "legacy-ci-box", Tags: []string{"shell"}, CreatedAt: now.Add(-700 * day), ContactedAt: ago(45 * day), Managers: mgr("s_legacy0001", "16.11.0", ago(45*day))}, 3},
		{RunnerSpec{Description: "spare-autoscaler", Tags: []string{"docker"}, Paused: true, CreatedAt: now.Add(-60 * day), ContactedAt: ago(30 * time.Minute), Managers: mgr("s_spare00001", "18.5.0", ago(30*time.Minute))}, 2},
		{RunnerSpec{Type: "group_type", Description: "acme-k8s", Tags: []string{"k8s", "linux"}, GroupID: acme.ID, CreatedAt: now.Add(-200 * day), ContactedAt: ago(10 * time.Minute), Managers: mgr("s_k8s0000001", "18.5.0", ago(10*time.Minute)), CreatedBy: maria.ID}, 3},
		{RunnerSpec{Type: "group_type", Description: "web-builders", Tags: []string{"node", "docker"}, GroupID: web.ID, CreatedAt: now.Add(-30 * day), ContactedAt: ago(12 * day), Managers: mgr("s_web0000001", "17.11.3", ago(12*day))}, 2},
		{RunnerSpec{Type: "project_type", Description: "platform-deployer", Tags: []string{"deploy", "prod"}, Locked: true, AccessLevel: "ref_protected", MaximumTimeout: ptr(int64(3600)), ProjectIDs: []int64{platform.ID}, CreatedAt: now.Add(-150 * day), ContactedAt: ago(8 * time.Minute), Managers: mgr("s_deploy0001", "18.5.0", ago(8*time.Minute)), CreatedBy: maria.ID}, 1},
		{RunnerSpec{Type: "project_type", Description: "api-integration", Tags: []string{"docker", "postgres"}, ProjectIDs: []int64{api.ID, site.ID}, CreatedAt: now.Add(-80 * day), ContactedAt: ago(90 * time.Minute), Managers: mgr("s_api0000001", "18.3.0", ago(90*time.Minute))}, 2},
		{RunnerSpec{Type: "project_type", Description: "site-preview", Tags: []string{"hugo"}, ProjectIDs: []int64{site.ID}, CreatedAt: now.Add(-3 * day)}, 1},
		{RunnerSpec{Description: "new-fleet-node", Tags: []string{"docker", "linux", "amd64"}, CreatedAt: now.Add(-2 * time.Hour)}, 2},
		{RunnerSpec{Description: "abandoned-registration", CreatedAt: now.Add(-20 * day)}, 1},
	}
	var first []Runner
	for _, sd := range seeds {
		rs := s.AddRunners(sd.count, sd.spec)
		first = append(first, rs[0])
	}
	projects := []int64{platform.ID, api.ID, site.ID}
	statuses := []runnerapi.JobStatus{"success", "success", "failed", "success", "canceled", "success", "running", "success"}
	for i, r := range first[:6] {
		for k := range 8 {
			s.AddJobs(1, JobSpec{RunnerID: r.ID, ProjectID: projects[(i+k)%3], UserID: maria.ID, Status: statuses[k],
				Name: []string{"build", "test", "lint", "deploy"}[k%4], Stage: []string{"build", "test", "test", "deploy"}[k%4],
				Ref: "main", SystemID: "s_0e1a2b3c4d5e", CreatedAt: now.Add(-time.Duration(8-k) * time.Hour), Duration: float64(60 + 17*k)})
		}
	}

	gate := s.AddController("job admission policy", "enabled")
	s.AddControllerToken(gate, "admission webhook, eu-west", ago(10*time.Minute))
	s.AddControllerToken(gate, "admission webhook, us-east", nil)
	canary := s.AddController("canary policy", "dry_run")
	s.AddControllerToken(canary, "canary webhook", ago(3*day))
	s.mu.Lock()
	s.st.ctrlByID[gate].instance = &scopeTimes{now.Add(-day), now.Add(-day)}
	s.st.ctrlByID[canary].runnerScope = []runnerScope{{first[1].ID, scopeTimes{now.Add(-day), now.Add(-day)}}}
	s.mu.Unlock()
}
