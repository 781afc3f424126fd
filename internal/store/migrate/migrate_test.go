package migrate

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		dir     string
		want    []string // names in order
		wantErr string
	}{
		{"files load in version order", "two-files", []string{"0001_create_a.sql", "0002_create_b.sql"}, ""},
		{"a file not named NNNN_name.sql is refused", "bad-name", nil, "0001-create-a.sql: file name is not NNNN_name.sql"},
		{"two files with one version are refused", "same-version", nil, "have the same version"},
		{"a missing folder is an error", "no-such-folder", nil, "read no-such-folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := Load(os.DirFS("testdata"), tt.dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for i, m := range ms {
				names = append(names, m.Name)
				if m.Version != i+1 || m.SQL == "" {
					t.Errorf("%s: version %d, %d bytes of SQL; want version %d and its SQL", m.Name, m.Version, len(m.SQL), i+1)
				}
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("loaded %v, want %v", names, tt.want)
			}
		})
	}
}

func TestRun(t *testing.T) {
	ctx := context.Background()
	load := func(t *testing.T, dir string) []Migration {
		ms, err := Load(os.DirFS("testdata"), dir)
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}

	t.Run("every migration runs once, in order, and a second run applies nothing", func(t *testing.T) {
		db := &fakeDB{applied: map[int]bool{}}
		ms := load(t, "two-files")
		got, err := Run(ctx, db, ms)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"0001_create_a.sql", "0002_create_b.sql"}; !slices.Equal(got, want) || !slices.Equal(db.ran, want) {
			t.Errorf("applied %v, ran %v; want %v", got, db.ran, want)
		}
		again, err := Run(ctx, db, ms)
		if err != nil || len(again) != 0 || len(db.ran) != 2 {
			t.Errorf("second run applied %v (err %v), %d runs in all; want nothing new", again, err, len(db.ran))
		}
	})
	t.Run("a failing migration stops the run, names its file and is not recorded", func(t *testing.T) {
		db := &fakeDB{applied: map[int]bool{}}
		got, err := Run(ctx, db, load(t, "failing-second"))
		if err == nil || !strings.Contains(err.Error(), "0002_broken.sql") {
			t.Fatalf("err = %v, want one naming 0002_broken.sql", err)
		}
		if !slices.Equal(got, []string{"0001_create_a.sql"}) || db.applied[2] {
			t.Errorf("applied %v, recorded %v; want only the first", got, db.applied)
		}
	})
}

// fakeDB records migrations in memory; SQL containing "NOT SQL" fails.
type fakeDB struct {
	applied map[int]bool
	ran     []string
}

func (db *fakeDB) InTx(ctx context.Context, fn func(Tx) error) error {
	tx := &fakeTx{db: db}
	if err := fn(tx); err != nil {
		return err
	}
	for _, m := range tx.pending { // commit
		db.applied[m.Version] = true
		db.ran = append(db.ran, m.Name)
	}
	return nil
}

type fakeTx struct {
	db      *fakeDB
	pending []Migration
}

func (tx *fakeTx) Exec(ctx context.Context, sql string) error {
	if strings.Contains(sql, "NOT SQL") {
		return errors.New("syntax error")
	}
	return nil
}

func (tx *fakeTx) Applied(ctx context.Context, version int) (bool, error) {
	return tx.db.applied[version], nil
}

func (tx *fakeTx) Record(ctx context.Context, m Migration) error {
	tx.pending = append(tx.pending, m)
	return nil
}
