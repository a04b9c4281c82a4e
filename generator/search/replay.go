package search

import (
	"math"
	"slices"
	"strings"
)

// PageSize is how many results the script shows at first.
const PageSize = 10

// Fetches returns the index files the script loads for a query typed on
// a fresh page, after the last Update: meta.json, the term shards of the
// query's words, and the document shards of the first page of results,
// ranked as the script ranks them (BM25). Measurements use it.
func (s *Static) Fetches(text string) []string {
	pq := s.an.ParseQuery(text)
	paths := []string{metaPath}
	shard := func(t string) {
		if p := s.termPaths[termShard(t, s.termShards)]; !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	var groups [][]string
	for _, t := range pq.Terms {
		shard(t)
		groups = append(groups, []string{t})
	}
	if pq.Prefix != "" {
		shard(pq.Prefix)
		if pq.PrefixTerm != "" {
			shard(pq.PrefixTerm)
		}
		if s.postings[pq.PrefixTerm] != nil {
			groups = append(groups, []string{pq.PrefixTerm})
		} else {
			var cands []string
			for t := range s.postings {
				if strings.HasPrefix(t, pq.Prefix) {
					cands = append(cands, t)
				}
			}
			slices.SortFunc(cands, func(a, b string) int {
				if d := int(s.postings[b].n) - int(s.postings[a].n); d != 0 {
					return d
				}
				return strings.Compare(a, b)
			})
			groups = append(groups, cands[:min(len(cands), maxExpansions)])
		}
	}
	if len(groups) == 0 {
		return paths
	}
	n := float64(len(s.docs))
	avg := math.Max(1, float64(s.total)/math.Max(1, n))
	var scores map[uint32]float64 // by document id
	for _, g := range groups {
		gs := map[uint32]float64{}
		for _, t := range g {
			ps := s.postingsOf(t)
			df := float64(len(ps))
			idf := math.Log(1 + (n-df+0.5)/(df+0.5))
			for _, p := range ps {
				tf := float64(p.tf)
				dl := math.Pow(2, float64(p.bucket)/2) - 1
				gs[p.id] += idf * tf * 2.2 / (tf + 1.2*(0.25+0.75*dl/avg))
			}
		}
		if scores == nil {
			scores = gs
			continue
		}
		for id, v := range scores {
			if w, ok := gs[id]; ok {
				scores[id] = v + w
			} else {
				delete(scores, id)
			}
		}
	}
	hits := make([]uint32, 0, len(scores))
	for id := range scores {
		hits = append(hits, id)
	}
	slices.SortFunc(hits, func(a, b uint32) int {
		if scores[a] != scores[b] {
			if scores[a] > scores[b] {
				return -1
			}
			return 1
		}
		return int(a) - int(b)
	})
	for _, id := range hits[:min(len(hits), PageSize)] {
		if p := s.docPaths[int(id)%s.docShards]; !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	return paths
}
