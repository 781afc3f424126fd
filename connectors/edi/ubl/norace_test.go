//go:build !race

package ubl_test

const raceEnabled = false
