package store

import "fmt"

// CheckOrderStatus validates a status for SetOrderStatus: a lifecycle
// state name, lower-case letters and underscores ("in_transit"), at most
// 40 characters. Other text is refused with ErrInvalid.
func CheckOrderStatus(status string) error {
	if status == "" || len(status) > 40 {
		return fmt.Errorf("%w: order status %q is empty or longer than 40 characters", ErrInvalid, printable(status))
	}
	for _, r := range status {
		if (r < 'a' || r > 'z') && r != '_' {
			return fmt.Errorf("%w: order status %q is not a state name (a-z and _)", ErrInvalid, printable(status))
		}
	}
	return nil
}
