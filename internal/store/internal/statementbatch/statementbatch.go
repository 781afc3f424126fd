// Package statementbatch prepares an UpsertStatements batch the same way
// for every store: it checks each statement (store.CheckStatement), keeps
// only the last statement of each key, and encodes each as the stores keep
// it: a document (store.StatementContent, whose SHA-256 is the content hash)
// and, beside it, the lineage (the statement's Source).
package statementbatch

import (
	"encoding/json"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// Item is the statement the store must consider for one key of a batch.
type Item struct {
	Index     int // position in the caller's batch
	Statement *canonical.BankStatement
	Key       store.StatementKey
	Content   []byte // store.StatementContent: the document
	Hash      string
	Lineage   []byte // JSON of the statement's Source; nil without one
}

// Prepare checks every statement of a batch and returns one item
// per key, the last statement of that key winning.
func Prepare(statements []*canonical.BankStatement) ([]Item, error) {
	items := make([]Item, 0, len(statements))
	pos := make(map[store.StatementKey]int, len(statements))
	for i, st := range statements {
		if err := store.CheckStatement(i, st); err != nil {
			return nil, err
		}
		content, err := store.StatementContent(st)
		if err != nil {
			return nil, &store.InvalidStatementError{Index: i, StatementID: st.StatementID, Reason: err.Error()}
		}
		it := Item{Index: i, Statement: st, Key: store.KeyOf(st), Content: content, Hash: store.HashContent(content)}
		if st.Source != nil {
			if it.Lineage, err = json.Marshal(st.Source); err != nil {
				return nil, &store.InvalidStatementError{Index: i, StatementID: st.StatementID, Reason: "encode source: " + err.Error()}
			}
		}
		if j, dup := pos[it.Key]; dup {
			items[j].Index = -1 // superseded by this later one
		}
		pos[it.Key] = len(items)
		items = append(items, it)
	}
	kept := items[:0]
	for _, it := range items {
		if it.Index >= 0 {
			kept = append(kept, it)
		}
	}
	return kept, nil
}
