package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/procurehub/procurehub/connectors/mapping"
	"github.com/procurehub/procurehub/internal/api"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/store"
)

// onboarding serves the admins' onboarding API (api.Onboarding) from the
// hub's config and store.
type onboarding struct {
	cfg *config.App
	st  store.MappingStore
	log *slog.Logger
}

var _ api.Onboarding = (*onboarding)(nil)

// partner returns the configured partner that reads through a mapping.
func (o *onboarding) partner(name string) (int, error) {
	i := partnerIndex(o.cfg, name)
	if i < 0 {
		return -1, fmt.Errorf("partner %q: %w", name, api.ErrUnknownPartner)
	}
	if p := &o.cfg.Partners[i]; mappingNode(p) == nil {
		return i, fmt.Errorf("partner %s (%s) reads without a mapping: %w", name, p.Kind, api.ErrUnknownPartner)
	}
	return i, nil
}

func (o *onboarding) Partners(ctx context.Context) ([]api.OnboardingPartner, error) {
	var out []api.OnboardingPartner
	for i := range o.cfg.Partners {
		p := &o.cfg.Partners[i]
		n := mappingNode(p)
		if n == nil {
			continue
		}
		op := api.OnboardingPartner{Name: p.Name, Kind: p.Kind, Mapping: "inline"}
		if n.Kind == yaml.ScalarNode {
			op.Mapping = n.Value
		}
		content, err := PartnerMapping(o.cfg, p)
		if err != nil {
			return nil, err
		}
		vs, err := o.st.MappingVersions(ctx, p.Name)
		if err != nil {
			return nil, err
		}
		sum := store.MappingSHA256(content)
		for _, v := range vs {
			if v.SHA256 == sum {
				op.Version = v.Version
			}
		}
		out = append(out, op)
	}
	return out, nil
}

func (o *onboarding) DryRun(ctx context.Context, partner, fileName string, sample, m []byte) (any, error) {
	if _, err := o.partner(partner); err != nil {
		return nil, err
	}
	if m != nil {
		if _, err := mapping.Parse("mapping", m); err != nil {
			return nil, fmt.Errorf("%w: %w", api.ErrBadMapping, err)
		}
	}
	return PartnerDryRun(ctx, DryRunOptions{Config: o.cfg, Partner: partner, Name: fileName, Content: sample, Mapping: m, Logger: o.log})
}

func (o *onboarding) MappingVersions(ctx context.Context, partner string) ([]store.MappingVersion, error) {
	if _, err := o.partner(partner); err != nil {
		return nil, err
	}
	return o.st.MappingVersions(ctx, partner)
}

// SaveMapping keeps a reviewed mapping as partner's next version and writes
// it over the partner's mapping file (atomically), so that the hub reads
// with it from its next start. A config that holds the mapping inline, or
// a mapping file that cannot be written (a read-only ConfigMap), keeps the
// version in the store only, and the note says what to do.
func (o *onboarding) SaveMapping(ctx context.Context, partner string, content []byte) (api.SavedMapping, error) {
	i, err := o.partner(partner)
	if err != nil {
		return api.SavedMapping{}, err
	}
	if _, err := mapping.Parse(partner+".mapping.yaml", content); err != nil {
		return api.SavedMapping{}, fmt.Errorf("%w: %w", api.ErrBadMapping, err)
	}
	v, added, err := o.st.RecordMapping(ctx, partner, content)
	if err != nil {
		return api.SavedMapping{}, err
	}
	out := api.SavedMapping{Partner: partner, Version: v.Version, Added: added}
	replay := fmt.Sprintf("files already taken can be read again with it: procurehub replay --file ID --mapping-version %d", v.Version)
	n := mappingNode(&o.cfg.Partners[i])
	if n.Kind != yaml.ScalarNode {
		out.Note = fmt.Sprintf("version %d is kept; the config holds this partner's mapping inline: copy it there and restart; %s", v.Version, replay)
		return out, nil
	}
	path := n.Value
	if !filepath.IsAbs(path) {
		path = filepath.Join(o.cfg.Dir, path)
	}
	if err := writeFileAtomic(path, content); err != nil {
		o.log.Warn("mapping version kept, file not written", "partner", partner, "version", v.Version, "err", err)
		out.Note = fmt.Sprintf("version %d is kept, but %s could not be written (%v): deploy it with the config and restart; %s",
			v.Version, n.Value, errors.Unwrap(err), replay)
		return out, nil
	}
	out.File = n.Value
	out.Note = fmt.Sprintf("written to %s; the hub reads with version %d from its next start; %s", n.Value, v.Version, replay)
	return out, nil
}

// writeFileAtomic replaces path with content: written beside it, then
// renamed over it, so a reader never sees half a file.
func writeFileAtomic(path string, content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
