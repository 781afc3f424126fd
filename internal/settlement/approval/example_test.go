package approval_test

import (
	"errors"
	"fmt"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/approval"
)

func Example() {
	p := approval.Policy{Currency: "EUR", SingleLimit: canonical.MustDecimal("1000.00"), DualLimit: canonical.MustDecimal("50000.00"), Senior: []string{"cfo"}}
	amount := canonical.MustDecimal("60000.00")

	_, err := approval.Decide(p, approval.StatusPending, "alice", amount, nil, approval.Approval{By: "alice", Decision: approval.DecisionApprove})
	fmt.Println(errors.Is(err, approval.ErrOwnRequest), err)

	var earlier []approval.Approval
	for _, by := range []string{"bob", "carol", "cfo"} {
		a := approval.Approval{By: by, Decision: approval.DecisionApprove}
		out, err := approval.Decide(p, approval.StatusPending, "alice", amount, earlier, a)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s %d/%d %s\n", by, out.Status, out.Have, out.Needed, out.Missing)
		earlier = append(earlier, a)
	}
	// Output:
	// true approval: alice: the creator of a request cannot decide on it
	// bob: pending 1/2 An approval from a senior approver is still needed, because 60000.00 EUR is above the 50000.00 EUR limit for two ordinary approvals.
	// carol: pending 2/2 An approval from a senior approver is still needed, because 60000.00 EUR is above the 50000.00 EUR limit for two ordinary approvals.
	// cfo: approved 3/2
}
