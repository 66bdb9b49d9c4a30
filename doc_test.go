package runnerapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// undocumentedFields are exported struct fields allowed without a doc
// comment: none.
var undocumentedFields = map[string]bool{}

// TestDocComments: every exported identifier of the package has a doc
// comment, and so has every exported struct field (a field's own comment,
// above it or at the end of its line; embedded fields are documented by
// their type). It logs the counts.
func TestDocComments(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	require.NoError(t, err)
	pkg := pkgs["runnerapi"]
	require.NotNil(t, pkg)

	var idents, fields int
	var bareIdents, bareFields []string
	exportedRecv := func(fd *ast.FuncDecl) bool {
		if fd.Recv == nil {
			return true
		}
		typ := fd.Recv.List[0].Type
		if s, ok := typ.(*ast.StarExpr); ok {
			typ = s.X
		}
		id, ok := typ.(*ast.Ident)
		return !ok || id.IsExported()
	}
	for _, f := range pkg.Files {
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || !exportedRecv(d) {
					continue
				}
				idents++
				if d.Doc == nil {
					bareIdents = append(bareIdents, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								idents++
								if s.Doc == nil && s.Comment == nil && d.Doc == nil {
									bareIdents = append(bareIdents, n.Name)
								}
							}
						}
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						idents++
						if s.Doc == nil && d.Doc == nil {
							bareIdents = append(bareIdents, s.Name.Name)
						}
						st, ok := s.Type.(*ast.StructType)
						if !ok {
							continue
						}
						for _, fl := range st.Fields.List {
							for _, n := range fl.Names {
								if !n.IsExported() {
									continue
								}
								fields++
								if fl.Doc == nil && fl.Comment == nil {
									bareFields = append(bareFields, s.Name.Name+"."+n.Name)
								}
							}
						}
					}
				}
			}
		}
	}
	sort.Strings(bareFields)
	t.Logf("exported identifiers: %d, without doc comment: %d", idents, len(bareIdents))
	t.Logf("exported struct fields: %d, without doc comment: %d %v", fields, len(bareFields), bareFields)
	assert.Empty(t, bareIdents, "exported identifiers without a doc comment")
	for _, f := range bareFields {
		assert.True(t, undocumentedFields[f], "exported field %s has no doc comment", f)
	}
}
