package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/procurehub/procurehub/internal/validation/catalog"
	"github.com/procurehub/procurehub/pipelines"
)

// BuildValidator loads the validation rules and catalog of cfg (nil, nil
// when validation is off). Errors name the file, line and column.
func BuildValidator(cfg *config.App) (pipelines.OrderValidator, error) {
	v := cfg.Validation
	if !v.Enabled {
		return nil, nil
	}
	path := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(cfg.Dir, p)
	}
	var rules *validation.Config
	if v.Rules != "" {
		r, err := validation.LoadConfigFile(path(v.Rules), os.LookupEnv)
		if err != nil {
			return nil, fmt.Errorf("validation rules: %w", err)
		}
		rules = r
	}
	var opts validation.Options
	if v.Catalog != "" {
		c, err := catalog.LoadFile(path(v.Catalog))
		if err != nil {
			return nil, fmt.Errorf("validation catalog: %w", err)
		}
		opts.Catalog = c
	}
	val, err := validation.New(rules, opts)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, o *canonical.Order) (pipelines.Findings, error) {
		fs, err := val.Validate(ctx, validation.Input{Order: *o})
		if err != nil {
			return pipelines.Findings{}, err
		}
		out := pipelines.Findings{JSON: []byte("[]")}
		if len(fs) > 0 {
			if out.JSON, err = json.Marshal(fs); err != nil {
				return pipelines.Findings{}, err
			}
		}
		for _, f := range fs {
			switch f.Severity {
			case validation.SeverityError:
				if out.Errors == 0 {
					out.First = f.String()
				}
				out.Errors++
			default:
				out.Warnings++
			}
		}
		return out, nil
	}, nil
}
