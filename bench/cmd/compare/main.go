// Command compare reads `go test -bench` output (several rounds of each
// benchmark) and prints Markdown: per benchmark group, our median ns/op
// with its 95 % confidence interval (benchstat's: golang.org/x/perf's
// benchmath, assuming nothing about the distribution) and allocs/op beside
// each other variant's (a peer or a floor), their ratio and difference;
// then the targets of the performance issue, each judged on the
// round-by-round ratios or differences of ours and the other side, and met
// only when the whole 95 % interval of their median is inside it.
//
//	go test -run '^$' -bench . -benchmem -count 10 | tee out.txt
//	go run ./cmd/compare out.txt
//
// Benchmark names are Benchmark<Group>/<...>/<variant>[-cpu]; the variant
// "ours" (or "codec" in BenchmarkCodec) is ours, every other variant of the
// same group is compared with it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/perf/benchmath"
)

type sample struct{ ns, allocs []float64 }

type entry struct {
	group, variant string
	cpu            int
}

var line = regexp.MustCompile(`^Benchmark(\S+?)(?:-(\d+))?\s+\d+\s+([\d.]+) ns/op(.*)$`)

// stat is one benchmark's summary: the median ns/op and its confidence
// interval, and the median allocs/op.
type stat struct {
	ns, lo, hi, allocs float64
	n                  int
	ok                 bool
}

func summarize(s *sample) stat {
	if s == nil || len(s.ns) == 0 {
		return stat{}
	}
	sum := benchmath.AssumeNothing.Summary(benchmath.NewSample(s.ns, &benchmath.DefaultThresholds), 0.95)
	al := benchmath.AssumeNothing.Summary(benchmath.NewSample(s.allocs, &benchmath.DefaultThresholds), 0.95)
	return stat{ns: sum.Center, lo: sum.Lo, hi: sum.Hi, allocs: al.Center, n: len(s.ns), ok: true}
}

func main() {
	var in io.Reader = os.Stdin
	if len(os.Args) > 1 {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	samples := map[entry]*sample{}
	var order []entry
	cpus := map[string]map[int]bool{}
	skipped := map[string]string{}
	var lastName string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		t := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(t), "--- SKIP: Benchmark") {
			lastName = strings.Fields(strings.TrimSpace(t))[2]
			continue
		}
		if lastName != "" {
			if s := strings.TrimSpace(t); strings.Contains(s, ".go:") {
				skipped[lastName] = s[strings.Index(s, " ")+1:]
			}
			lastName = ""
		}
		m := line.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		name := m[1]
		cpu := 1
		if m[2] != "" {
			cpu, _ = strconv.Atoi(m[2])
		}
		e := entry{group: name, cpu: cpu}
		if i := strings.LastIndex(name, "/"); i >= 0 {
			e.group, e.variant = name[:i], name[i+1:]
		}
		ns, _ := strconv.ParseFloat(m[3], 64)
		s := samples[e]
		if s == nil {
			s = &sample{}
			samples[e] = s
			order = append(order, e)
		}
		s.ns = append(s.ns, ns)
		s.allocs = append(s.allocs, unit(m[4], "allocs/op"))
		if cpus[e.group] == nil {
			cpus[e.group] = map[int]bool{}
		}
		cpus[e.group][cpu] = true
	}
	if len(order) == 0 {
		fmt.Fprintln(os.Stderr, "compare: no benchmark lines in the input")
		os.Exit(1)
	}
	stats := map[entry]stat{}
	for e, s := range samples {
		stats[e] = summarize(s)
	}
	label := func(e entry) string {
		if len(cpus[e.group]) > 1 {
			return fmt.Sprintf("%s (cpu %d)", e.group, e.cpu)
		}
		return e.group
	}

	fmt.Println("Medians of every round, with the 95 % confidence interval of each median in brackets.")
	fmt.Println()
	fmt.Println("| benchmark | ours ns/op | ours allocs | vs | their ns/op | their allocs | their/ours time | ours − theirs |")
	fmt.Println("|---|---:|---:|---|---:|---:|---:|---:|")
	seen := map[string]bool{}
	for _, e := range order {
		key := fmt.Sprint(e.group, e.cpu)
		if seen[key] {
			continue
		}
		seen[key] = true
		oursE := entry{group: e.group, variant: oursVariant(e.group), cpu: e.cpu}
		o := stats[oursE]
		if !o.ok {
			// A group without ours: print each variant alone (floors such as Bare).
			for _, f := range order {
				if f.group == e.group && f.cpu == e.cpu {
					s := stats[f]
					name := label(f)
					if f.variant != "" {
						name += "/" + f.variant
					}
					fmt.Printf("| %s | | | floor | %s | %.0f | | |\n", name, interval(s), s.allocs)
				}
			}
			continue
		}
		for _, f := range order {
			if f.group != e.group || f.cpu != e.cpu || f == oursE {
				continue
			}
			t := stats[f]
			fmt.Printf("| %s | %s | %.0f | %s | %s | %.0f | %.2f× | %s |\n",
				label(e), interval(o), o.allocs, f.variant, interval(t), t.allocs, t.ns/o.ns, signed(o.ns-t.ns))
		}
	}
	for name, why := range skipped {
		fmt.Printf("\nskipped %s: %s\n", name, why)
	}
	get := func(group, variant string) *sample {
		for _, e := range order {
			if e.group == group && e.variant == variant {
				return samples[e]
			}
		}
		return nil
	}
	printTargets(get)
}

// paired returns f(a[i], b[i]) for each round i both samples have: the
// i-th line of a benchmark comes from the i-th round, where ours and the
// other ran seconds apart, so that the machine's load of that round
// weighs on both sides of each ratio or difference alike.
func paired(a, b *sample, f func(x, y float64) float64) (stat, bool) {
	if a == nil || b == nil {
		return stat{}, false
	}
	n := min(len(a.ns), len(b.ns))
	v := make([]float64, n)
	for i := range n {
		v[i] = f(a.ns[i], b.ns[i])
	}
	return summarize(&sample{ns: v, allocs: make([]float64, n)}), n > 0
}

// printTargets prints the targets. Each is judged on the round-by-round
// ratio (or difference) of ours and the peer or floor it is about, whose
// median's 95 % confidence interval (benchmath's, as benchstat's) must lie
// inside the target: a target is met only when even the worse end of that
// interval meets it.
func printTargets(get func(group, variant string) *sample) {
	fmt.Println()
	fmt.Println("Each target on the round-by-round ratio or difference (ours and the other ran seconds apart in each round): its median, and its 95 % interval.")
	fmt.Println()
	fmt.Println("| target | median | 95 % interval | met |")
	fmt.Println("|---|---|---|---|")
	row := func(name, median, interval string, met, ok bool) {
		if !ok {
			fmt.Printf("| %s | not measured | | – |\n", name)
			return
		}
		fmt.Printf("| %s | %s | %s | %s |\n", name, median, interval, yes(met))
	}
	allocs := func(s *sample) float64 { return summarize(s).allocs }
	// addedAtMost: ours over a floor by at most limit ns and allocs.
	addedAtMost := func(name string, o, f *sample, limit, maxAllocs float64) {
		d, ok := paired(o, f, func(x, y float64) float64 { return x - y })
		if !ok {
			row(name, "", "", false, false)
			return
		}
		al, met := "", d.hi <= limit
		if maxAllocs >= 0 {
			added := allocs(o) - allocs(f)
			al, met = fmt.Sprintf(", %+.0f allocs", added), met && added <= maxAllocs
		}
		row(name, signed(d.ns)+al, "["+signed(d.lo)+", "+signed(d.hi)+"]", met, true)
	}
	// fasterBy: the peer's time over ours at least k.
	fasterBy := func(name string, o, p *sample, k float64) {
		r, ok := paired(p, o, func(x, y float64) float64 { return x / y })
		row(name, fmt.Sprintf("%.2f×", r.ns), fmt.Sprintf("[%.2f×, %.2f×]", r.lo, r.hi), r.lo >= k, ok)
	}
	// withinOf: ours over a floor's time at most k.
	withinOf := func(name string, o, f *sample, k float64) {
		r, ok := paired(o, f, func(x, y float64) float64 { return x / y })
		row(name, fmt.Sprintf("%.2f×", r.ns), fmt.Sprintf("[%.2f×, %.2f×]", r.lo, r.hi), r.hi <= k, ok)
	}
	for _, size := range []string{"5key", "2KB"} {
		bare := get("Memory/"+size+"/read", "bare")
		addedAtMost("memory "+size+" read: at most +1.3 µs and +13 allocs over the bare request", get("Memory/"+size+"/read", "ours"), bare, 1300, 13)
		addedAtMost("memory "+size+" change: at most +1.8 µs and +18 allocs over the bare request", get("Memory/"+size+"/change", "ours"), bare, 1800, 18)
		addedAtMost("memory "+size+" create: at most +1.5 µs over the bare request", get("Memory/"+size+"/create", "ours"), bare, 1500, -1)
		for _, w := range []string{"read", "change", "create"} {
			fasterBy("cookie "+size+" "+w+": ≥3× faster than gorilla's CookieStore", get("Cookie/"+size+"/"+w, "ours"), get("Cookie/"+size+"/"+w, "gorilla"), 3)
		}
		for _, t := range []work{{"read", 3}, {"change", 1.2}, {"create", 0.9}} {
			fasterBy(fmt.Sprintf("file %s %s: ≥%.1f× gorilla's FilesystemStore", size, t.w, t.k), get("File/"+size+"/"+t.w, "ours"), get("File/"+size+"/"+t.w, "gorilla"), t.k)
		}
		for _, t := range []work{{"read", 1.1}, {"change", 1.15}, {"create", 1.1}} {
			withinOf(fmt.Sprintf("redis %s %s: ≤%.2f× raw go-redis", size, t.w, t.k), get("Redis/"+size+"/"+t.w, "ours"), get("Redis/"+size+"/"+t.w, "raw"), t.k)
		}
		if get("Valkey/"+size+"/change", "ours") != nil { // bench/run.sh starts Valkey 8.1 when it can build it
			for _, t := range []work{{"read", 1.1}, {"change", 1.15}, {"create", 1.1}} {
				withinOf(fmt.Sprintf("valkey 8.1 %s %s: ≤%.2f× raw go-redis", size, t.w, t.k), get("Valkey/"+size+"/"+t.w, "ours"), get("Valkey/"+size+"/"+t.w, "raw"), t.k)
			}
		}
		for _, w := range []string{"read", "change", "create"} {
			fasterBy("postgres "+size+" "+w+": at least as fast as scs's postgresstore", get("Postgres/"+size+"/"+w, "ours"), get("Postgres/"+size+"/"+w, "scs"), 1)
			withinOf("postgres "+size+" "+w+": ≤1.15× the same statements through GORM", get("Postgres/"+size+"/"+w, "ours"), get("Postgres/"+size+"/"+w, "raw-gorm"), 1.15)
		}
	}
	if so := get("SealOpen", ""); so != nil {
		st := summarize(so)
		row("encryption at rest: seal + open of the 5-key record ≤ 1 µs", dur(st.ns), "["+dur(st.lo)+", "+dur(st.hi)+"]", st.hi <= 1000, true)
	} else {
		row("encryption at rest: seal + open of the 5-key record ≤ 1 µs", "", "", false, false)
	}
}

// work is a kind of work and its target factor.
type work struct {
	w string
	k float64
}

func oursVariant(group string) string {
	if strings.HasPrefix(group, "Codec/") {
		return "codec"
	}
	return "ours"
}

func unit(rest, name string) float64 {
	f := strings.Fields(rest)
	for i := 1; i < len(f); i++ {
		if f[i] == name {
			v, _ := strconv.ParseFloat(f[i-1], 64)
			return v
		}
	}
	return 0
}

// interval prints a median with its confidence interval.
func interval(s stat) string {
	if s.n < 2 {
		return dur(s.ns)
	}
	return fmt.Sprintf("%s [%s, %s]", dur(s.ns), dur(s.lo), dur(s.hi))
}

// dur prints nanoseconds as µs (or ns below 1 µs).
func dur(ns float64) string {
	if ns < 0 {
		return "-" + dur(-ns)
	}
	if ns < 1000 {
		return fmt.Sprintf("%.0f ns", ns)
	}
	return fmt.Sprintf("%.2f µs", ns/1000)
}

func signed(ns float64) string {
	if ns >= 0 {
		return "+" + dur(ns)
	}
	return dur(ns)
}

func yes(b bool) string {
	if b {
		return "met"
	}
	return "**not met**"
}
