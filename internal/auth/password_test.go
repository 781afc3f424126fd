package auth

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

func TestPasswords(t *testing.T) {
	hash, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the hash is an argon2id PHC string that does not hold the password", func(t *testing.T) {
		if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Count(hash, "$") != 5 {
			t.Errorf("hash %q is not $argon2id$v=19$m=19456,t=2,p=1$salt$key", hash)
		}
		if strings.Contains(hash, "horse") {
			t.Errorf("hash %q shows the password", hash)
		}
	})
	t.Run("the right password verifies", func(t *testing.T) {
		if ok, err := VerifyPassword(hash, "correct horse battery staple"); !ok || err != nil {
			t.Errorf("VerifyPassword = %v, %v; want true", ok, err)
		}
	})
	for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple", "correct horse battery staple "} {
		t.Run("a wrong password does not verify: "+wrong, func(t *testing.T) {
			if ok, err := VerifyPassword(hash, wrong); ok || err != nil {
				t.Errorf("VerifyPassword(%q) = %v, %v; want false, nil", wrong, ok, err)
			}
		})
	}
	t.Run("the same password hashes differently each time (a salt per user)", func(t *testing.T) {
		again, err := HashPassword("correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		if again == hash {
			t.Error("two hashes of one password are equal: no random salt")
		}
		if ok, _ := VerifyPassword(again, "correct horse battery staple"); !ok {
			t.Error("the second hash does not verify")
		}
	})
	t.Run("a hash whose stored parameters were changed no longer verifies", func(t *testing.T) {
		other := strings.Replace(hash, "m=19456,t=2,p=1", "m=8192,t=3,p=1", 1)
		if ok, err := VerifyPassword(other, "correct horse battery staple"); ok || err != nil {
			t.Errorf("a hash whose parameters were changed verifies: %v, %v; want false (the parameters are part of it)", ok, err)
		}
	})
	for name, bad := range map[string]string{
		"bcrypt":               "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":              strings.Replace(hash, "argon2id", "argon2i", 1),
		"another version":      strings.Replace(hash, "v=19", "v=16", 1),
		"a gigantic memory":    strings.Replace(hash, "m=19456", "m=99999999", 1),
		"no salt":              "$argon2id$v=19$m=19456,t=2,p=1$$" + strings.Split(hash, "$")[5],
		"a salt not in base64": "$argon2id$v=19$m=19456,t=2,p=1$!!!!$" + strings.Split(hash, "$")[5],
		"empty":                "",
	} {
		t.Run("a stored hash that is not argon2id within limits is an error: "+name, func(t *testing.T) {
			if ok, err := VerifyPassword(bad, "correct horse battery staple"); ok || err == nil {
				t.Errorf("VerifyPassword(%q) = %v, %v; want false and an error", bad, ok, err)
			}
		})
	}
	t.Run("an empty password is refused", func(t *testing.T) {
		if _, err := HashPassword(""); err == nil {
			t.Error("HashPassword(\"\") succeeded")
		}
	})
}

// TestPasswordCompareIsConstantTime reads password.go: the derived key is
// compared with subtle.ConstantTimeCompare, never with bytes.Equal or ==,
// whose time tells how many leading bytes matched.
func TestPasswordCompareIsConstantTime(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "password.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var constantTime, leaky []string
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "VerifyPassword" {
			return true
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok {
					switch name := id.Name + "." + sel.Sel.Name; name {
					case "subtle.ConstantTimeCompare":
						constantTime = append(constantTime, name)
					case "bytes.Equal", "bytes.Compare", "reflect.DeepEqual":
						leaky = append(leaky, name)
					}
				}
			}
			return true
		})
		return false
	})
	if len(constantTime) == 0 {
		t.Error("VerifyPassword does not call subtle.ConstantTimeCompare")
	}
	if len(leaky) > 0 {
		t.Errorf("VerifyPassword compares with %v", leaky)
	}
}
