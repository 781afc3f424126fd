package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"

	"modernc.org/sqlite"
)

// foldFunc is the SQL name of fold. SQLite's own lower() and LIKE fold ASCII
// letters only; order search ignores the case of every letter ("MÜLLER"
// finds "Müller").
const foldFunc = "procurehub_fold"

// storeDriver is modernc's SQLite driver with the store's own functions. It
// is a driver of its own, not the one registered as "sqlite": what it
// registers reaches the store's connections and nobody else's.
var storeDriver = sync.OnceValue(func() *sqlite.Driver {
	d := &sqlite.Driver{}
	d.MustRegisterDeterministicScalarFunction(foldFunc, 1, fold)
	return d
})

// fold is strings.ToLower of a text, NULL for NULL.
func fold(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	switch v := args[0].(type) {
	case nil:
		return nil, nil
	case string:
		return strings.ToLower(v), nil
	case []byte:
		return strings.ToLower(string(v)), nil
	default:
		return nil, fmt.Errorf("%s: want text, got %T", foldFunc, v)
	}
}

// connector opens the store's connections to dsn through storeDriver, as
// sql.Open would through the registered driver.
type connector struct{ dsn string }

func (c connector) Connect(context.Context) (driver.Conn, error) { return storeDriver().Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return storeDriver() }
