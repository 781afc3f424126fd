package approval

import (
	"errors"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
)

var dec = canonical.MustDecimal

var policy = Policy{Currency: "EUR", SingleLimit: dec("1000.00"), DualLimit: dec("50000.00"), Senior: []string{"cfo"}}

func approve(by string) Approval { return Approval{By: by, Decision: DecisionApprove} }
func reject(by string) Approval  { return Approval{By: by, Decision: DecisionReject} }

func TestNeeded(t *testing.T) {
	tests := []struct {
		name      string
		amount    string
		approvals int
		senior    bool
	}{
		{"a small payment needs one approval", "999.99", 1, false},
		{"a payment of exactly the single limit needs one approval", "1000.00", 1, false},
		{"a cent above the single limit needs two approvals", "1000.01", 2, false},
		{"a payment of exactly the dual limit needs two ordinary approvals", "50000.00", 2, false},
		{"above the dual limit one of the two must be senior", "50000.01", 2, true},
		{"a zero payment needs one approval", "0", 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, s := policy.Needed(dec(tc.amount))
			if n != tc.approvals || s != tc.senior {
				t.Errorf("Needed(%s) = %d, %v; want %d, %v", tc.amount, n, s, tc.approvals, tc.senior)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
		want string // "" for valid
	}{
		{"the example policy is valid", policy, ""},
		{"one limit for both is valid", Policy{Currency: "USD", SingleLimit: dec("0"), DualLimit: dec("0"), Senior: []string{"cfo"}}, ""},
		{"a policy without a currency is refused", Policy{SingleLimit: dec("1"), DualLimit: dec("2"), Senior: []string{"cfo"}}, "currency"},
		{"a negative limit is refused", Policy{Currency: "EUR", SingleLimit: dec("-1"), DualLimit: dec("2"), Senior: []string{"cfo"}}, "single_limit -1 is negative"},
		{"a dual limit below the single limit is refused", Policy{Currency: "EUR", SingleLimit: dec("100"), DualLimit: dec("50"), Senior: []string{"cfo"}}, "dual_limit 50 is below single_limit 100"},
		{"a policy without seniors could never approve large payments", Policy{Currency: "EUR", SingleLimit: dec("1"), DualLimit: dec("2")}, "senior names no one"},
		{"an empty senior id is refused", Policy{Currency: "EUR", SingleLimit: dec("1"), DualLimit: dec("2"), Senior: []string{"cfo", " "}}, "senior[1] is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		amount  string
		earlier []Approval
		a       Approval
		want    Outcome
		missing string // in Outcome.Missing
		err     error
	}{
		{
			name: "the creator cannot approve its own request", amount: "500.00",
			a: approve("alice"), err: ErrOwnRequest,
		},
		{
			name: "the creator cannot reject its own request either", amount: "500.00",
			a: reject("alice"), err: ErrOwnRequest,
		},
		{
			name: "one approval from a colleague settles a small payment", amount: "500.00",
			a: approve("bob"), want: Outcome{Status: StatusApproved, Needed: 1, Have: 1},
		},
		{
			name: "a payment above the single limit waits for a second person", amount: "5000.00",
			a: approve("bob"), want: Outcome{Status: StatusPending, Needed: 2, Have: 1}, missing: "from a second person",
		},
		{
			name: "two different approvers settle a payment above the single limit", amount: "5000.00",
			earlier: []Approval{approve("bob")}, a: approve("carol"), want: Outcome{Status: StatusApproved, Needed: 2, Have: 2},
		},
		{
			name: "the same user cannot approve twice", amount: "5000.00",
			earlier: []Approval{approve("bob")}, a: approve("bob"), err: ErrAlreadyDecided,
		},
		{
			name: "a user who approved cannot reject afterwards", amount: "5000.00",
			earlier: []Approval{approve("bob")}, a: reject("bob"), err: ErrAlreadyDecided,
		},
		{
			name: "two approvals from one user on record count once", amount: "5000.00",
			earlier: []Approval{approve("bob"), approve("bob")}, a: approve("carol"), want: Outcome{Status: StatusApproved, Needed: 2, Have: 2},
		},
		{
			name: "an approval by the creator on record does not count", amount: "5000.00",
			earlier: []Approval{approve("alice")}, a: approve("bob"), want: Outcome{Status: StatusPending, Needed: 2, Have: 1}, missing: "second person",
		},
		{
			name: "one rejection rejects the request", amount: "5000.00",
			earlier: []Approval{approve("bob")}, a: reject("carol"), want: Outcome{Status: StatusRejected, Needed: 2, Have: 1},
		},
		{
			name: "a large payment approved by two ordinary users still needs a senior", amount: "60000.00",
			earlier: []Approval{approve("bob")}, a: approve("carol"), want: Outcome{Status: StatusPending, Needed: 2, Have: 2}, missing: "senior approver",
		},
		{
			name: "a large payment with a senior and a colleague is approved", amount: "60000.00",
			earlier: []Approval{approve("bob")}, a: approve("cfo"), want: Outcome{Status: StatusApproved, Needed: 2, Have: 2},
		},
		{
			name: "a senior alone is not enough for a large payment", amount: "60000.00",
			a: approve("cfo"), want: Outcome{Status: StatusPending, Needed: 2, Have: 1}, missing: "second person",
		},
		{
			name: "a senior completes a large payment after two ordinary approvals", amount: "60000.00",
			earlier: []Approval{approve("bob"), approve("carol")}, a: approve("cfo"), want: Outcome{Status: StatusApproved, Needed: 2, Have: 3},
		},
		{
			name: "an approved request takes no more decisions", status: StatusApproved, amount: "500.00",
			a: approve("bob"), err: ErrNotPending,
		},
		{
			name: "a rejection on record closes the request", amount: "5000.00",
			earlier: []Approval{reject("bob")}, a: approve("carol"), err: ErrNotPending,
		},
		{
			name: "a decision other than approve or reject is refused", amount: "500.00",
			a: Approval{By: "bob", Decision: "maybe"}, err: ErrUnknownDecision,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status := tc.status
			if status == "" {
				status = StatusPending
			}
			got, err := Decide(policy, status, "alice", dec(tc.amount), tc.earlier, tc.a)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			missing := got.Missing
			got.Missing = ""
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if tc.missing == "" && missing != "" || !strings.Contains(missing, tc.missing) {
				t.Errorf("missing %q, want it to say %q", missing, tc.missing)
			}
			if missing != "" && !strings.HasSuffix(missing, ".") {
				t.Errorf("missing %q is not a sentence", missing)
			}
		})
	}
}

func TestDecideRefusesBadInput(t *testing.T) {
	if _, err := Decide(Policy{}, StatusPending, "alice", dec("1"), nil, approve("bob")); err == nil {
		t.Error("an invalid policy gave no error")
	}
	if _, err := Decide(policy, StatusPending, "alice", dec("-1"), nil, approve("bob")); err == nil {
		t.Error("a negative amount gave no error")
	}
	if _, err := Decide(policy, StatusPending, "alice", dec("1"), nil, approve("")); err == nil {
		t.Error("a decision by no one gave no error")
	}
}

func TestErrorMessages(t *testing.T) {
	for _, err := range []error{ErrOwnRequest, ErrAlreadyDecided, ErrNotPending, ErrUnknownDecision} {
		if msg := err.Error(); msg == "" || strings.ToLower(msg) != msg || strings.HasSuffix(msg, ".") {
			t.Errorf("%q is not a lowercase error message", msg)
		}
	}
}
