//go:build race

package ubl_test

// raceEnabled is true under -race, whose shadow memory and slowdown make
// heap figures meaningless.
const raceEnabled = true
