package runnerapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	// endpointRE finds the endpoint a method's doc comment names: "GET /runners/:id".
	endpointRE = regexp.MustCompile(`\b(GET|POST|PUT|DELETE) /[a-z_:/]+`)
	// docsLinkRE finds the docs.gitlab.com link, with its section anchor if any.
	docsLinkRE = regexp.MustCompile(`GitLab API docs: https://docs\.gitlab\.com/api/[a-z_]+/(#[a-z0-9-]+)?`)
)

// noDocsSection marks the doc comment of an endpoint GitLab's API
// documentation has no section for; such a comment links the API's page.
const noDocsSection = "GitLab's API documentation has no section for this endpoint"

// TestEndpointDocComments: the doc comment of every exported method of both
// services, iterators included, names its endpoint (METHOD path) and links
// its section of docs.gitlab.com; a method of an endpoint GitLab does not
// document says so and links the API's page.
func TestEndpointDocComments(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	require.NoError(t, err)
	seen := 0
	docs := map[string]string{}
	var unanchored []string
	for _, f := range pkgs["runnerapi"].Files {
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || !fd.Name.IsExported() {
				continue
			}
			recv := fd.Recv.List[0].Type
			if s, ok := recv.(*ast.StarExpr); ok {
				recv = s.X
			}
			svc := recv.(*ast.Ident).Name
			if svc != "RunnersService" && svc != "RunnerControllersService" {
				continue
			}
			seen++
			name := svc + "." + fd.Name.Name
			doc := fd.Doc.Text()
			assert.Regexp(t, endpointRE, doc, "%s names no endpoint", name)
			m := docsLinkRE.FindStringSubmatch(doc)
			if !assert.NotNil(t, m, "%s links no docs.gitlab.com page", name) {
				continue
			}
			docs[name] = doc
			if m[1] == "" {
				unanchored = append(unanchored, name)
			}
		}
	}
	for _, name := range unanchored {
		// An iterator may leave the explanation to the method it iterates over.
		doc := docs[name]
		if twin, ok := strings.CutSuffix(name, "Iter"); ok && !strings.Contains(doc, noDocsSection) {
			doc = docs[twin]
		}
		assert.Contains(t, doc, noDocsSection, "%s links no section of the docs and does not say why", name)
	}
	assert.Equal(t, 48, seen, "every method of both services was checked")
}
